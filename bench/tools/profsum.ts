/**
 * Summarises a .cpuprofile: self time by function and by file.
 * usage: npx node bench/tools/profsum.ts <file.cpuprofile> [top]
 */
import { readFileSync } from "node:fs"

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount: number
  children?: Array<number>
}
const [file, topArg = "40"] = process.argv.slice(2)
const profile = JSON.parse(readFileSync(file!, "utf8")) as {
  nodes: Array<Node>
  samples: Array<number>
  timeDeltas: Array<number>
  startTime: number
  endTime: number
}
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const self = new Map<number, number>()
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]!
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
}
const total = [...self.values()].reduce((a, b) => a + b, 0)
const short = (url: string) =>
  url.replace(/^file:\/\/\/work\/main\//, "").replace(/node_modules\/effect\/dist\//, "effect/")
const byFn = new Map<string, number>()
const byFile = new Map<string, number>()
for (const [id, t] of self) {
  const n = byId.get(id)!
  const key = `${n.callFrame.functionName || "(anon)"} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`
  byFn.set(key, (byFn.get(key) ?? 0) + t)
  const f = short(n.callFrame.url) || n.callFrame.functionName
  byFile.set(f, (byFile.get(f) ?? 0) + t)
}
const print = (title: string, m: Map<string, number>, top: number) => {
  console.log(`\n## ${title} (total ${(total / 1000).toFixed(0)} ms)`)
  for (const [k, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${(t / 1000).toFixed(1).padStart(8)} ms  ${k}`)
  }
}
print("self time by function", byFn, Number(topArg))
print("self time by file", byFile, 20)
