/**
 * Scenario 3: ping-pong. Two processes bounce a message N times; each round trip is a send and a
 * receive on each side, so each costs two wake-ups. Reported per round trip.
 */
import { Effect, Fiber, Queue } from "effect"
import { Process } from "effect-otp"
import type { Scenario } from "../lib/harness.ts"
import { JsProcess } from "../lib/js-actor.ts"
import { deferred, now, nowEffect, run, runOnNode, usPer } from "../lib/util.ts"

/** (a) plain JS: the ponger answers each ping; the pinger counts pongs and pings again. */
export const baseline = (n: number): Promise<number> => {
  const done = deferred<number>()
  const t0 = now()
  const ponger = new JsProcess<JsProcess<"pong">>((from) => from.send("pong"))
  let count = 0
  const pinger: JsProcess<"pong"> = new JsProcess<"pong">((_, self) => {
    if (++count === n) {
      done.resolve(now() - t0)
      self.exit()
      ponger.exit()
    } else ponger.send(self)
  })
  ponger.send(pinger)
  return done.promise
}

/** (b) raw Effect: two fibers, a `Queue` each. */
export const rawEffect = (n: number): Promise<number> =>
  run(
    Effect.gen(function* () {
      const pings = yield* Queue.unbounded<number>()
      const pongs = yield* Queue.unbounded<number>()
      const t0 = yield* nowEffect
      const ponger = yield* Effect.forkChild(
        Effect.gen(function* () {
          while (true) yield* Queue.offer(pongs, yield* Queue.take(pings))
        })
      )
      const pinger = yield* Effect.forkChild(
        Effect.gen(function* () {
          for (let i = 0; i < n; i++) {
            yield* Queue.offer(pings, i)
            yield* Queue.take(pongs)
          }
        })
      )
      yield* Fiber.join(pinger)
      const elapsed = (yield* nowEffect) - t0
      yield* Fiber.interrupt(ponger)
      return elapsed
    })
  )

type Ping = { readonly from: Process.Pid<"pong"> }

/** (c) effect-otp: `Process.send` / `Process.receive`; the pinger sends its own pid. */
export const otp = (n: number): Promise<number> =>
  runOnNode(
    Effect.gen(function* () {
      const t0 = yield* nowEffect
      const ponger = yield* Process.spawn(
        Effect.gen(function* () {
          while (true) {
            const ping = yield* Process.receive<Ping>()
            yield* Process.send(ping.from, "pong")
          }
        })
      )
      const pinger = yield* Process.spawn(
        Effect.gen(function* () {
          const self = yield* Process.self<"pong">()
          const ping: Ping = { from: self }
          for (let i = 0; i < n; i++) {
            yield* Process.send(ponger, ping)
            yield* Process.receive<"pong">()
          }
        })
      )
      yield* Process.awaitExit(pinger)
      const elapsed = (yield* nowEffect) - t0
      yield* Process.kill(ponger)
      return elapsed
    })
  )

export const pingPong: Scenario = {
  id: "pingpong-200k",
  title: "3. ping-pong, 200,000 round trips",
  unit: "µs/round trip",
  target: { value: 1 },
  reference: { beam: "0.52", effect: "4.19" },
  maxRatioToEffect: 1.0,
  repetitions: { full: 7, quick: 2 },
  warmups: { full: 2, quick: 1 },
  beam: { size: () => 200_000 },
  impls: async () => {
    const size = (warmup: boolean) => (warmup ? 20_000 : 200_000)
    return {
      baseline: async ({ warmup }) => usPer(await baseline(size(warmup)), size(warmup)),
      effect: async ({ warmup }) => usPer(await rawEffect(size(warmup)), size(warmup)),
      otp: async ({ warmup }) => usPer(await otp(size(warmup)), size(warmup))
    }
  }
}
