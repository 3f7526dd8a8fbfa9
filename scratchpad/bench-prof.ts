/**
 * Runs one implementation of one bench scenario a few times, for `node --cpu-prof`.
 * usage: node --expose-gc --cpu-prof --cpu-prof-dir=/tmp/prof scratchpad/bench-prof.ts <scenario-id> <impl> [runs]
 */
import { scenarios } from "../bench/scenarios/index.ts"
import type { ImplName, Run } from "../bench/lib/harness.ts"
import { setScheduler } from "../bench/lib/util.ts"
import { RunQueueScheduler } from "./bench-scheduler.ts"

if (process.env.SCHED === "runqueue") setScheduler(new RunQueueScheduler())

const [id, impl, runs = "3"] = process.argv.slice(2)
const scenario = scenarios.find((s) => s.id === id)
if (scenario === undefined) throw new Error(`no scenario ${id}`)
const impls = await scenario.impls()
const run = impls[impl as ImplName] as Run
await run({ warmup: true })
for (let i = 0; i < Number(runs); i++) {
  const r = await run({ warmup: false })
  console.log(id, impl, typeof r === "number" ? r : r.value)
}
