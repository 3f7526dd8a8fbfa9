/**
 * Runs implementations of one scenario alternately (with or without a full GC before each run), to
 * see how they affect each other. usage: npx node --expose-gc bench/tools/alt.ts <id> <impl,impl> [runs] [gc]
 */
import { scenarios } from "../scenarios/index.ts"
import type { ImplName, Run } from "../lib/harness.ts"

const [id, names, runs = "6", gc = "gc"] = process.argv.slice(2)
const scenario = scenarios.find((s) => s.id === id)!
const impls = await scenario.impls()
for (let i = 0; i < Number(runs); i++) {
  for (const name of names!.split(",")) {
    if (gc === "minor") (globalThis as any).gc({ type: "minor" })
    else if (gc !== "nogc") (globalThis as any).gc()
    await new Promise((r) => setImmediate(r))
    if (gc === "gcwarm") await (impls[name as ImplName] as Run)({ warmup: true })
    if (gc === "gcwarmfull") await (impls[name as ImplName] as Run)({ warmup: false })
    const r = await (impls[name as ImplName] as Run)({ warmup: false })
    console.log(i, name, (typeof r === "number" ? r : r.value).toFixed(2))
  }
}
