/**
 * Runs one implementation of one bench scenario a few times, for `npx node --cpu-prof`.
 * usage: npx node --expose-gc --cpu-prof --cpu-prof-dir=/tmp/prof bench/tools/prof.ts <scenario-id> <impl> [runs]
 */
import { loadRun } from "./load.ts"
import { setScheduler } from "../lib/util.ts"
import { RunQueueScheduler } from "./scheduler.ts"

if (process.env.SCHED === "runqueue") setScheduler(new RunQueueScheduler())

const [id, impl, runs = "3"] = process.argv.slice(2)
const run = await loadRun(id, impl)
await run({ warmup: true })
for (let i = 0; i < Number(runs); i++) {
  const r = await run({ warmup: false })
  console.log(id, impl, typeof r === "number" ? r : r.value)
}
