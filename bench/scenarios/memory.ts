/**
 * Scenario 6: memory. Heap bytes per idle process: spawn N processes blocked in `receive`, and
 * compare the used heap after a full GC with the used heap before them (node runs with
 * `--expose-gc`). The handles (the array of processes, fibers or pids) are counted in all three.
 */
import { Effect, Fiber, Queue } from "effect"
import { Process } from "effect-otp"
import { fullGc, type Sample, type Scenario } from "../lib/harness.ts"
import { JsProcess } from "../lib/js-actor.ts"
import { run, runOnNode } from "../lib/util.ts"

const heapUsed = (): number => {
  fullGc()
  fullGc() // a second pass for what the first one's weak references and finalizers freed
  return process.memoryUsage().heapUsed
}

/** (a) plain JS: idle process objects with their (empty) mailbox and handler. */
const baseline = async (n: number): Promise<number> => {
  const handler = (_: number, self: JsProcess<number>) => self.exit()
  const before = heapUsed()
  const procs = new Array<JsProcess<number>>(n)
  for (let i = 0; i < n; i++) procs[i] = new JsProcess(handler)
  await new Promise((resolve) => setImmediate(resolve))
  const after = heapUsed()
  if (procs.length !== n) throw new Error("unreachable")
  return (after - before) / n
}

/** (b) raw Effect: a fiber blocked in `Queue.take` on its own queue. */
export const idleEffect = (n: number): Promise<number> =>
  run(
    Effect.gen(function* () {
      const before = heapUsed()
      const fibers = new Array<Fiber.Fiber<number>>(n)
      for (let i = 0; i < n; i++) {
        const queue = yield* Queue.unbounded<number>()
        fibers[i] = yield* Effect.forkChild(Queue.take(queue))
      }
      yield* Effect.yieldNow // every fiber runs to its take and blocks
      const after = heapUsed()
      yield* Fiber.interruptAll(fibers)
      return (after - before) / n
    })
  )

/**
 * (c) effect-otp: `Process.spawn(Process.receive())`. Then, unless `idleOnly`, each process gets its
 * message and exits, its pid still held: what a dead pid keeps (`dead pid (B)`), from the same
 * starting point. A warm-up runs idle only: ended processes in it change the next run's idle figure
 * by a few bytes.
 */
export const idleOtp = (n: number, idleOnly = false): Promise<Sample> =>
  runOnNode(
    Effect.gen(function* () {
      const before = heapUsed()
      const body = Process.receive<number>()
      const pids = new Array<Process.Pid<number>>(n)
      for (let i = 0; i < n; i++) pids[i] = yield* Process.spawn(body)
      yield* Effect.yieldNow // every process runs to its receive and blocks
      const idle = heapUsed()
      if (idleOnly) return { value: (idle - before) / n }
      for (let i = 0; i < n; i++) yield* Process.send(pids[i]!, 0)
      for (let i = 0; i < n; i++) yield* Process.awaitExit(pids[i]!)
      const dead = heapUsed()
      if (pids.length !== n) throw new Error("unreachable")
      return { value: (idle - before) / n, extra: { "dead pid (B)": (dead - before) / n } }
    })
  )

export const memory: Scenario = {
  id: "memory-100k",
  title: "6. heap per idle process, 100,000 processes",
  unit: "bytes/process",
  target: { value: 1_000 },
  reference: { beam: "2,690", effect: "1,955" },
  maxRatioToEffect: 1.25,
  // the figure is deterministic to the byte across repetitions (min = max): quick needs one
  repetitions: { full: 5, quick: 1 },
  warmups: { full: 1, quick: 1 },
  beam: { size: () => 100_000 },
  impls: async () => {
    const size = (warmup: boolean) => (warmup ? 10_000 : 100_000)
    return {
      baseline: ({ warmup }) => baseline(size(warmup)),
      effect: ({ warmup }) => idleEffect(size(warmup)),
      otp: ({ warmup }) => idleOtp(size(warmup), warmup)
    }
  }
}
