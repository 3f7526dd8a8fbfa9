/**
 * Scenario 4, implementation (c): a counter `GenServer` from effect-otp's public API, called and
 * cast to from plain Effect code (not a process), with the default call options (5 s timeout).
 *
 * `call.ts` imports this file dynamically, so the (a) and (b) implementations run even when
 * `effect-otp/GenServer` is missing (it imports the module by its subpath, so a missing module is
 * ERR_MODULE_NOT_FOUND); (c) is then reported as n/a.
 */
import { Effect, Schema } from "effect"
import * as GenServer from "effect-otp/GenServer"
import type * as Node from "effect-otp/Node"
import * as Request from "effect-otp/Request"
import { nowEffect, runOnNode, runOnNodeWith } from "../lib/util.ts"
import type { OtpCallCast } from "./call.ts"

export class Increment extends Request.Class<Increment>()("Increment", { success: Schema.Number }) {}

/** A counter server; the scale scenario `callers-10k` uses it too. */
export const Counter = GenServer.behaviour({
  protocol: [Increment],
  init: (start: number) => Effect.succeed(GenServer.ok(start)),
  handleCall: {
    Increment: (_request, count) => Effect.succeed(GenServer.reply(count + 1, count + 1))
  },
  handleCast: (_message: "increment", count) => Effect.succeed(GenServer.noreply(count + 1))
})

export const increment = new Increment()

const call = (n: number): Promise<number> =>
  runOnNode(
    Effect.gen(function* () {
      const server = yield* GenServer.start(Counter, 0)
      const t0 = yield* nowEffect
      for (let i = 0; i < n; i++) yield* GenServer.call(server, increment)
      const elapsed = (yield* nowEffect) - t0
      yield* GenServer.stop(server)
      return elapsed
    }).pipe(Effect.orDie)
  )

const castOn =
  (scheduler: "effect" | "runQueue" | undefined) =>
  (n: number): Promise<number> =>
    (scheduler === undefined ? runOnNode : <A>(e: Effect.Effect<A, never, Node.Node>) => runOnNodeWith(scheduler, e))(
      Effect.gen(function* () {
        const server = yield* GenServer.start(Counter, 0)
        const t0 = yield* nowEffect
        for (let i = 0; i < n; i++) yield* GenServer.cast(server, "increment")
        const counter = yield* GenServer.call(server, increment, { timeout: "infinity" })
        if (counter !== n + 1) return yield* Effect.die(`counter is ${counter}, expected ${n + 1}`)
        const elapsed = (yield* nowEffect) - t0
        yield* GenServer.stop(server)
        return elapsed
      }).pipe(Effect.orDie)
    )

export const load = async (): Promise<OtpCallCast> => ({
  call,
  cast: castOn(undefined),
  castRunQueue: castOn("runQueue")
})
