/** The protocol of the doc examples' session worker: a running total kept in the thread. */
import { Schema } from "effect"
import * as Request from "effect-otp/Request"

/** Adds `n` to the thread's total and answers the new total. */
export class Add extends Request.Class<Add>()("Add", { fields: { n: Schema.Int }, success: Schema.Int }) {}

/** The thread's total. */
export class Total extends Request.Class<Total>()("Total", { success: Schema.Int }) {}
