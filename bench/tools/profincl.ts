/**
 * Inclusive time per function of a .cpuprofile (each sample counted once per function on its stack).
 * usage: npx node bench/tools/profincl.ts <file.cpuprofile> [filter] [top]
 */
import { readFileSync } from "node:fs"

const [file, filter = "", top = "60"] = process.argv.slice(2)
const profile = JSON.parse(readFileSync(file!, "utf8"))
const byId = new Map<number, any>()
for (const node of profile.nodes) byId.set(node.id, node)
const parent = new Map<number, number>()
for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id)
const keyOf = (node: any) => {
  const f = node.callFrame
  const url = String(f.url)
    .replace(/^.*\/work\/main\//, "")
    .replace(/^.*node_modules\//, "")
  return `${f.functionName || "(anon)"} ${url}:${f.lineNumber + 1}`
}
const incl = new Map<string, number>()
let total = 0
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] / 1000
  total += dt
  const seen = new Set<string>()
  let id: number | undefined = profile.samples[i]
  while (id !== undefined) {
    const k = keyOf(byId.get(id))
    if (!seen.has(k)) {
      seen.add(k)
      incl.set(k, (incl.get(k) ?? 0) + dt)
    }
    id = parent.get(id)
  }
}
console.log(`total ${total.toFixed(0)} ms`)
for (const [k, v] of [...incl]
  .filter(([k]) => k.includes(filter))
  .sort((a, b) => b[1] - a[1])
  .slice(0, Number(top))) {
  console.log(`${((100 * v) / total).toFixed(1).padStart(5)}% ${v.toFixed(1).padStart(8)} ms  ${k}`)
}
