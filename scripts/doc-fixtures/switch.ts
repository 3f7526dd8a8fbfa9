/** A light switch the doc examples start as a GenStatem: `Flip` turns it and answers the new state. */
import { Effect, Schema } from "effect"
import { GenStatem, Request } from "effect-otp"

export class Flip extends Request.Class<Flip>()("Flip", { success: Schema.Literals(["on", "off"]) }) {}

export const Switch = GenStatem.behaviour<{ readonly state: "on" | "off"; readonly data: number }>()({
  callbackMode: "handleEvent",
  protocol: [Flip],
  init: () => Effect.succeed(GenStatem.ok("off", 0)),
  handleEvent: (event, state, flips) => {
    if (!GenStatem.isCall(event, Flip)) return Effect.succeed(GenStatem.keepStateAndData())
    const next = state === "on" ? "off" : "on"
    return Effect.succeed(GenStatem.nextState(next, flips + 1, [GenStatem.replyAction(event.from, next)]))
  }
})
