/**
 * Observer: one `Observer.snapshot` of a node running N = 100,000 processes blocked in `receive`
 * (issue #18: "a snapshot of 100,000 processes in well under a second"). The processes are spawned
 * before the clock starts; only the snapshot is timed. The snapshot includes each process's memory
 * estimate: an idle plain process (no message, no state) costs no size walk. (a) reads the same fields from plain JS
 * process objects into one record each, the floor of any snapshot; raw Effect has no process table
 * to read.
 */
import { Effect } from "effect"
import { Observer, Process } from "effect-otp"
import type { Scenario } from "../lib/harness.ts"
import { JsProcess } from "../lib/js-actor.ts"
import { now, nowEffect, runOnNode } from "../lib/util.ts"

/** (a) plain JS: one record per process object, with the fields a snapshot reports. */
const baseline = async (n: number): Promise<number> => {
  const handler = (_: number, self: JsProcess<number>) => self.exit()
  const procs = new Array<JsProcess<number>>(n)
  for (let i = 0; i < n; i++) procs[i] = new JsProcess(handler)
  await new Promise((resolve) => setImmediate(resolve))
  const t0 = now()
  const out = new Array<{ readonly id: number; readonly alive: boolean; readonly links: ReadonlyArray<unknown> }>(n)
  for (let i = 0; i < n; i++) out[i] = { id: i, alive: procs[i]!.alive, links: [] }
  const elapsed = now() - t0
  if (out.length !== n) throw new Error("unreachable")
  return elapsed
}

/** (c) effect-otp: `Observer.snapshot` of the node. */
const otp = (n: number): Promise<number> =>
  runOnNode(
    Effect.gen(function* () {
      const body = Process.receive<number>()
      for (let i = 0; i < n; i++) yield* Process.spawn(body)
      yield* Effect.yieldNow // every process runs to its receive and blocks
      const t0 = yield* nowEffect
      const snapshot = yield* Observer.snapshot
      const elapsed = (yield* nowEffect) - t0
      if (snapshot.processes.length !== n) throw new Error(`snapshot of ${snapshot.processes.length} processes`)
      return elapsed
    })
  )

export const observerSnapshot: Scenario = {
  id: "observer-snapshot-100k",
  title: "Observer.snapshot of 100,000 processes",
  unit: "ms",
  target: { value: 250, note: "well under a second" },
  repetitions: { full: 7, quick: 3 },
  warmups: { full: 2, quick: 1 },
  impls: async () => {
    const size = (warmup: boolean) => (warmup ? 10_000 : 100_000)
    return {
      baseline: ({ warmup }) => baseline(size(warmup)),
      effect: { unavailable: "raw Effect has no process table" },
      otp: ({ warmup }) => otp(size(warmup))
    }
  }
}
