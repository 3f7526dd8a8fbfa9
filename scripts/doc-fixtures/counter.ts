/**
 * The counter the doc examples use: a GenServer with an `Increment` call, a `Get` call and a
 * `Reset` cast. Examples import it as `./counter.ts`.
 */
import { Effect, Schema } from "effect"
import { GenServer, Request } from "effect-otp"

export class Increment extends Request.Class<Increment>()("Increment", {
  fields: { by: Schema.Number },
  success: Schema.Number
}) {}

export class Get extends Request.Class<Get>()("Get", { success: Schema.Number }) {}

export type Reset = { readonly _tag: "Reset" }

export const Counter = GenServer.behaviour({
  protocol: [Increment, Get],
  init: (start: number) => Effect.succeed(GenServer.ok(start)),
  handleCall: {
    Increment: ({ by }, n) => Effect.succeed(GenServer.reply(n + by, n + by)),
    Get: (_, n) => Effect.succeed(GenServer.reply(n, n))
  },
  handleCast: (_: Reset, _n) => Effect.succeed(GenServer.noreply(0))
})
