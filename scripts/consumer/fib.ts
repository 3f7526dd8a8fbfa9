// The WorkerPool example of `@effect-otp/platform-node/WorkerPool`'s docs, as a user writes it: the
// protocol, imported by both sides.
import { Schema } from "effect"
import { Request } from "effect-otp"

export class Fib extends Request.Class<Fib>()("Fib", {
  fields: { n: Schema.Int },
  success: Schema.Number
}) {}
export class TooBig extends Schema.TaggedError<TooBig>()("TooBig", { n: Schema.Int }) {}
export class SafeFib extends Request.Class<SafeFib>()("SafeFib", {
  fields: { n: Schema.Int },
  success: Schema.Number,
  failure: TooBig
}) {}
export const protocol = [Fib, SafeFib] as const
