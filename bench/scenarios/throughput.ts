/**
 * Scenario 2: one-way throughput. One process sends N messages to another; the receiver counts
 * them and, at N, signals done (by exiting). Timed from spawning the pair to the receiver's exit.
 */
import { Effect, Fiber, Queue } from "effect"
import { Process } from "effect-otp"
import type { Scenario } from "../lib/harness.ts"
import { JsProcess } from "../lib/js-actor.ts"
import { deferred, now, nowEffect, run, runOnNode } from "../lib/util.ts"

/** (a) plain JS: the sender's handler sends N messages in a loop; the receiver counts. */
export const baseline = (n: number): Promise<number> => {
  const done = deferred<number>()
  const t0 = now()
  let count = 0
  const receiver = new JsProcess<number>((_, self) => {
    if (++count === n) self.exit()
  })
  receiver.addObserver(() => done.resolve(now() - t0))
  const sender = new JsProcess<"go">((_, self) => {
    for (let i = 0; i < n; i++) receiver.send(i)
    self.exit()
  })
  sender.send("go")
  return done.promise
}

/** (b) raw Effect: two fibers and a `Queue`; `Queue.offer` / `Queue.take` per message. */
export const rawEffect = (n: number): Promise<number> =>
  run(
    Effect.gen(function* () {
      const t0 = yield* nowEffect
      const queue = yield* Queue.unbounded<number>()
      const receiver = yield* Effect.forkChild(
        Effect.gen(function* () {
          let count = 0
          while (count < n) {
            yield* Queue.take(queue)
            count++
          }
          return count
        })
      )
      yield* Effect.forkChild(
        Effect.gen(function* () {
          for (let i = 0; i < n; i++) yield* Queue.offer(queue, i)
        })
      )
      yield* Fiber.join(receiver)
      return (yield* nowEffect) - t0
    })
  )

/** (c) effect-otp: `Process.send` / `Process.receive` per message. */
export const otp = (n: number): Promise<number> =>
  runOnNode(
    Effect.gen(function* () {
      const t0 = yield* nowEffect
      const receiver = yield* Process.spawn(
        Effect.gen(function* () {
          let count = 0
          while (count < n) {
            yield* Process.receive<number>()
            count++
          }
        })
      )
      yield* Process.spawn(
        Effect.gen(function* () {
          for (let i = 0; i < n; i++) yield* Process.send(receiver, i)
        })
      )
      yield* Process.awaitExit(receiver)
      return (yield* nowEffect) - t0
    })
  )

export const oneWay50k: Scenario = {
  id: "oneway-50k",
  title: "2. one-way, 50,000 messages",
  unit: "ms total",
  target: { value: 6 },
  reference: { beam: "5.8–7.4", effect: "11.1" },
  maxRatioToEffect: 1.25,
  repetitions: { full: 11, quick: 5 },
  warmups: { full: 3, quick: 2 },
  beam: { size: () => 50_000 },
  impls: async () => ({
    baseline: () => baseline(50_000),
    effect: () => rawEffect(50_000),
    otp: () => otp(50_000)
  })
}

export const oneWay1M: Scenario = {
  id: "oneway-1m",
  title: "2. one-way, 1,000,000 messages",
  unit: "ms total",
  // the issue sets no target at 1M; only the ratio to raw Effect applies
  maxRatioToEffect: 1.25,
  repetitions: { full: 5, quick: 2 },
  warmups: { full: 1, quick: 1 },
  beam: { size: () => 1_000_000 },
  impls: async () => {
    const size = (warmup: boolean) => (warmup ? 100_000 : 1_000_000)
    return {
      baseline: ({ warmup }) => baseline(size(warmup)),
      effect: ({ warmup }) => rawEffect(size(warmup)),
      otp: ({ warmup }) => otp(size(warmup))
    }
  }
}
