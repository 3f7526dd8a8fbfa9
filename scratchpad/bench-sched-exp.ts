/**
 * Runs bench scenarios with (b) and (c) on a candidate scheduler, to compare with the default.
 * usage: node --expose-gc scratchpad/bench-sched-exp.ts <default|runqueue|runqueue-macro|effect-sync> [ids] [--quick]
 */
import { formatExtras, formatTable, runScenario } from "../bench/lib/harness.ts"
import { setScheduler } from "../bench/lib/util.ts"
import { scenarios } from "../bench/scenarios/index.ts"
import { effectMicrotask, RunQueueScheduler } from "./bench-scheduler.ts"

const [which = "default", ids, ...rest] = process.argv.slice(2)
const budget = Number(process.env.BUDGET_MS ?? 2)
const schedulers = {
  default: undefined,
  runqueue: new RunQueueScheduler({ budgetMs: budget }),
  "runqueue-macro": new RunQueueScheduler({ macrotaskOnly: true }),
  "effect-sync": effectMicrotask()
} as const
setScheduler(schedulers[which as keyof typeof schedulers])
const selected = ids === undefined || ids === "all" ? scenarios : scenarios.filter((s) => ids.split(",").includes(s.id))
const results = []
for (const s of selected) results.push(await runScenario(s, { quick: rest.includes("--quick"), log: console.log }))
console.log(`scheduler: ${which}${which === "runqueue" ? ` (budget ${budget} ms)` : ""}`)
console.log(formatTable(results))
console.log(formatExtras(results))
