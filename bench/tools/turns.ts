/**
 * Event-loop turns and setImmediate calls per run of one implementation of a scenario.
 * usage: npx node --expose-gc bench/tools/turns.ts <scenario-id> <impl> [runs]
 */
import { loadRun } from "./load.ts"

const original = globalThis.setImmediate
let immediates = 0
;(globalThis as any).setImmediate = (...args: Array<any>) => {
  immediates++
  return (original as any)(...args)
}
let turns = 0
let ticking = false
const tick = () => {
  if (!ticking) return
  turns++
  original(tick)
}

const [id, impl, runs = "2"] = process.argv.slice(2)
const run = await loadRun(id, impl)
await run({ warmup: true })
for (let i = 0; i < Number(runs); i++) {
  immediates = 0
  turns = 0
  ticking = true
  original(tick)
  const r = await run({ warmup: true })
  ticking = false
  console.log(id, impl, "result", typeof r === "number" ? r : r.value, "setImmediate", immediates, "turns", turns)
}
