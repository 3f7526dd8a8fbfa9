/**
 * Scenario 1: spawn N processes blocked in `receive`, send each one message, wait until all have
 * exited. Timed from the first spawn to the last exit. Reported as the total at N = 1,000 and per
 * process at N = 100,000.
 */
import { Effect, Fiber, Queue } from "effect"
import { Process } from "effect-otp"
import type { Scenario } from "../lib/harness.ts"
import { JsProcess } from "../lib/js-actor.ts"
import { deferred, now, nowEffect, run, runOnNode, usPer } from "../lib/util.ts"

/** (a) plain JS: a handler that exits on its first message. */
const baseline = (n: number): Promise<number> => {
  const done = deferred<number>()
  const t0 = now()
  let left = n
  const onExit = () => {
    if (--left === 0) done.resolve(now() - t0)
  }
  const handler = (_: number, self: JsProcess<number>) => self.exit()
  const procs = new Array<JsProcess<number>>(n)
  for (let i = 0; i < n; i++) {
    const p = new JsProcess(handler)
    p.addObserver(onExit)
    procs[i] = p
  }
  for (let i = 0; i < n; i++) procs[i]!.send(i)
  return done.promise
}

/** (b) raw Effect: a fiber per process, blocked in `Queue.take` on its own queue. */
const rawEffect = (n: number): Promise<number> =>
  run(
    Effect.gen(function* () {
      const t0 = yield* nowEffect
      const queues = new Array<Queue.Queue<number>>(n)
      const fibers = new Array<Fiber.Fiber<number>>(n)
      for (let i = 0; i < n; i++) {
        const queue = yield* Queue.unbounded<number>()
        queues[i] = queue
        fibers[i] = yield* Effect.forkChild(Queue.take(queue))
      }
      yield* Effect.yieldNow // every child runs to its take and blocks
      for (let i = 0; i < n; i++) yield* Queue.offer(queues[i]!, i)
      yield* Fiber.awaitAll(fibers)
      return (yield* nowEffect) - t0
    })
  )

/** (c) effect-otp: `Process.spawn(Process.receive())`, `Process.send`, `Process.awaitExit`. */
const otp = (n: number): Promise<number> =>
  runOnNode(
    Effect.gen(function* () {
      const t0 = yield* nowEffect
      const body = Process.receive<number>()
      const pids = new Array<Process.Pid<number>>(n)
      for (let i = 0; i < n; i++) pids[i] = yield* Process.spawn(body)
      yield* Effect.yieldNow // every process runs to its receive and blocks
      for (let i = 0; i < n; i++) yield* Process.send(pids[i]!, i)
      for (let i = 0; i < n; i++) yield* Process.awaitExit(pids[i]!)
      return (yield* nowEffect) - t0
    })
  )

export const spawn1k: Scenario = {
  id: "spawn-1k",
  title: "1. spawn+msg+exit, 1,000 processes",
  unit: "ms total",
  target: { value: 3, note: "3 µs per process" },
  reference: { beam: "1.5", effect: "≈4.8 (4.8 µs/proc)" },
  maxRatioToEffect: 1.25,
  // one run is a few ms, much of it one scavenge or none: many repetitions for a stable median
  repetitions: { full: 31, quick: 21 },
  warmups: { full: 10, quick: 10 },
  beam: { size: () => 1_000 },
  impls: async () => ({
    baseline: () => baseline(1_000),
    effect: () => rawEffect(1_000),
    otp: () => otp(1_000)
  })
}

export const spawn100k: Scenario = {
  id: "spawn-100k",
  title: "1. spawn+msg+exit, 100,000 processes",
  unit: "µs/process",
  target: { value: 3 },
  reference: { beam: "3.0–3.6", effect: "4.8" },
  maxRatioToEffect: 1.25,
  repetitions: { full: 5, quick: 2 },
  warmups: { full: 1, quick: 1 },
  beam: { size: () => 100_000 },
  impls: async () => {
    const size = (warmup: boolean) => (warmup ? 10_000 : 100_000)
    return {
      baseline: async ({ warmup }) => usPer(await baseline(size(warmup)), size(warmup)),
      effect: async ({ warmup }) => usPer(await rawEffect(size(warmup)), size(warmup)),
      otp: async ({ warmup }) => usPer(await otp(size(warmup)), size(warmup))
    }
  }
}
