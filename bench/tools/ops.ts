/**
 * Counts the Effect primitives each implementation of a scenario evaluates (through the tracer's
 * `context` hook, which the fiber run loop calls for every operation).
 * usage: npx node --expose-gc bench/tools/ops.ts <scenario-id> <impl> [top]
 */
import { Effect } from "effect"
import * as Tracer from "effect/Tracer"
import { setWrapper } from "../lib/util.ts"
import { loadRun } from "./load.ts"

const evaluate = "~effect/Effect/evaluate"
const identifier = "~effect/Effect/identifier"
const args = "~effect/Effect/args"
let counting = false
let total = 0
const kinds = new Map<string, number>()
const tracer = Tracer.make({ span: (options) => (Tracer.nativeTracer as any).span(options) })
setWrapper((effect) => Effect.withTracer(effect, tracer))
;(tracer as any).context = (current: any, fiber: any) => {
  if (counting) {
    total++
    const op = String(current[identifier] ?? current._tag ?? current.constructor?.name)
    const a = current[args]
    let key = op
    if (typeof a === "function") key += ` ${a.toString().replace(/\s+/g, " ").slice(0, 90)}`
    else if (Array.isArray(a) && typeof a[1] === "function")
      key += ` ${a[1].toString().replace(/\s+/g, " ").slice(0, 90)}`
    kinds.set(key, (kinds.get(key) ?? 0) + 1)
  }
  return current[evaluate](fiber)
}

const [id, impl, top = "60"] = process.argv.slice(2)
const run = await loadRun(id, impl)
await run({ warmup: true })
counting = true
await run({ warmup: true })
counting = false
console.log(id, impl, "total ops", total)
for (const [k, v] of [...kinds].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) console.log(String(v).padStart(8), k)
