/**
 * Compares effect-otp variants on the bench scenarios, in one process, interleaved (so a noisy
 * machine's drift spreads over all of them): raw Effect (b) and effect-otp (c) for each variant.
 *
 * usage: make the variants first (bench/tools/README.md, "A/B variants"), then
 *        npx node --expose-gc --import ./bench/tools/redirect.ts bench/tools/compare.ts \
 *          --variants "head,patched,patched&handoff=1,patched&sched=runqueue" --only pingpong-200k,spawn-100k [--reps 5]
 * A variant is a copy under build/bench-otp/ plus switches its modules read from their URL.
 */
import type { Run, Sample, Scenario } from "../lib/harness.ts"
import { fmt, median, settle, youngGc } from "../lib/harness.ts"

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1]! : fallback
}
const variants = arg("variants", "head,patched").split(",")
const only = arg(
  "only",
  "spawn-100k,oneway-50k,pingpong-200k,call-200k,cast-1m,restart-10k,memory-100k,fairness"
).split(",")
const reps = Number(arg("reps", "5"))
const warmups = Number(arg("warmups", "1"))

const load = async (variant: string): Promise<ReadonlyArray<Scenario>> => {
  const url = new URL(`../scenarios/index.ts?otp=${variant}`, import.meta.url)
  return ((await import(url.href)) as { scenarios: ReadonlyArray<Scenario> }).scenarios
}

const value = (r: number | Sample): number => (typeof r === "number" ? r : r.value)
const extras = new Map<string, Array<number>>()
const record = (label: string, r: number | Sample): number => {
  if (typeof r !== "number" && r.extra !== undefined) {
    for (const [k, v] of Object.entries(r.extra)) {
      const key = `${label}: ${k}`
      extras.set(key, [...(extras.get(key) ?? []), v])
    }
  }
  return value(r)
}

const loaded = await Promise.all(variants.map(load))
const columns = ["raw Effect", ...variants]
const rows: Array<Array<string>> = []
for (const id of only) {
  const perVariant = loaded.map((scenarios) => scenarios.find((s) => s.id === id)!)
  if (perVariant[0] === undefined) throw new Error(`no scenario ${id}`)
  const impls = await Promise.all(perVariant.map((s) => s.impls()))
  const runs: Array<Run> = [impls[0]!.effect as Run, ...impls.map((i) => i.otp as Run)]
  for (let w = 0; w < warmups; w++) {
    for (const run of runs) {
      youngGc()
      await settle()
      await run({ warmup: true })
    }
  }
  const samples: Array<Array<number>> = runs.map(() => [])
  for (let r = 0; r < reps; r++) {
    for (let k = 0; k < runs.length; k++) {
      const j = (r + k) % runs.length
      youngGc()
      await settle()
      samples[j]!.push(record(`${id} ${columns[j]}`, await runs[j]!({ warmup: false })))
    }
  }
  const medians = samples.map(median)
  rows.push([
    `${id} (${perVariant[0].unit})`,
    ...medians.map((m, j) => (j === 0 ? fmt(m) : `${fmt(m)} (${(m / medians[0]!).toFixed(2)}x)`))
  ])
  console.log(rows.at(-1)!.join("  |  "))
}
const header = ["scenario", ...columns]
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
console.log(`\n${header.map((h, i) => h.padEnd(widths[i]!)).join("  ")}`)
for (const row of rows)
  console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "))
console.log("\n(medians; in brackets, the ratio to raw Effect measured in the same run)")
for (const [k, xs] of extras) console.log(`${k}: ${fmt(median(xs))}`)
