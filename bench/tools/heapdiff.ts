/**
 * Which objects an idle process costs: heap snapshots before and after spawning N idle processes,
 * self size summed by constructor name, diffed, per process.
 * `dead`: what a pid of a process that has exited keeps alive (N processes spawned, ended, pids held).
 * usage: npx node --expose-gc bench/tools/heapdiff.ts <otp|effect|dead> [N]
 */
import { getHeapSnapshot } from "node:v8"
import { Effect, Fiber, Queue } from "effect"
import { Node, Process } from "effect-otp"

const [which = "otp", nArg = "20000"] = process.argv.slice(2)
const N = Number(nArg)

const summarize = async (): Promise<Map<string, { count: number; size: number }>> => {
  ;(globalThis as any).gc()
  ;(globalThis as any).gc()
  const chunks: Array<Buffer> = []
  for await (const chunk of getHeapSnapshot()) chunks.push(chunk as Buffer)
  const snap = JSON.parse(Buffer.concat(chunks).toString("utf8"))
  const fields: Array<string> = snap.snapshot.meta.node_fields
  const types: Array<string> = snap.snapshot.meta.node_types[0]
  const edgeFields: Array<string> = snap.snapshot.meta.edge_fields
  const edgeTypes: Array<string> = snap.snapshot.meta.edge_types[0]
  const nf = fields.length
  const ef = edgeFields.length
  const iType = fields.indexOf("type")
  const iName = fields.indexOf("name")
  const iSize = fields.indexOf("self_size")
  const iEdges = fields.indexOf("edge_count")
  const eType = edgeFields.indexOf("type")
  const eName = edgeFields.indexOf("name_or_index")
  const nodes: Array<number> = snap.nodes
  const edges: Array<number> = snap.edges
  const strings: Array<string> = snap.strings
  const out = new Map<string, { count: number; size: number }>()
  let edge = 0
  for (let i = 0; i < nodes.length; i += nf) {
    const type = types[nodes[i + iType]!]!
    let name = strings[nodes[i + iName]!]!
    // an object is named by its constructor and its properties (a closure context by its variables):
    // the plain objects a process keeps (context overlays, annotations) are told apart
    const properties: Array<string> = []
    for (let k = nodes[i + iEdges]!; k > 0; k--, edge += ef) {
      const kind = edgeTypes[edges[edge + eType]!]
      if (kind === "property" || kind === "context") properties.push(String(strings[edges[edge + eName]!]))
    }
    if (type === "object" && properties.length > 0) name = `${name} {${properties.slice(0, 8).join(",")}}`
    else if (type === "hidden" && name === "system / Context") name = `closure context {${properties.join(",")}}`
    else if (type === "closure") name = `closure ${name}`
    else if (type === "string" || type === "concatenated string" || type === "sliced string") name = "(string)"
    else if (type === "number") name = "(heap number)"
    else if (type !== "object") name = `(${type}) ${type === "code" || type === "hidden" ? "" : name}`.slice(0, 60)
    const e = out.get(name) ?? { count: 0, size: 0 }
    e.count++
    e.size += nodes[i + iSize]!
    out.set(name, e)
  }
  return out
}

const report = (
  before: Map<string, { count: number; size: number }>,
  after: Map<string, { count: number; size: number }>
) => {
  const rows: Array<[string, number, number]> = []
  for (const [k, a] of after) {
    const b = before.get(k) ?? { count: 0, size: 0 }
    const dc = a.count - b.count
    const ds = a.size - b.size
    if (Math.abs(ds) >= N * 4) rows.push([k, dc / N, ds / N])
  }
  rows.sort((x, y) => y[2] - x[2])
  let total = 0
  for (const [k, c, s] of rows) {
    total += s
    console.log(`${s.toFixed(0).padStart(6)} B  ${c.toFixed(2).padStart(6)} objs  ${k}`)
  }
  console.log(`${total.toFixed(0).padStart(6)} B  total per process (rows >= 4 B)`)
}

if (which === "otp") {
  await Effect.runPromise(
    Effect.gen(function* () {
      const before = yield* Effect.promise(summarize)
      const body = Process.receive<number>()
      const pids = new Array(N)
      for (let i = 0; i < N; i++) pids[i] = yield* Process.spawn(body)
      yield* Effect.yieldNow
      const after = yield* Effect.promise(summarize)
      report(before, after)
    }).pipe(Effect.provide(Node.layer()))
  )
} else if (which === "dead") {
  await Effect.runPromise(
    Effect.gen(function* () {
      const before = yield* Effect.promise(summarize)
      const body = Process.receive<number>()
      const pids = new Array(N)
      for (let i = 0; i < N; i++) pids[i] = yield* Process.spawn(body)
      for (let i = 0; i < N; i++) yield* Process.send(pids[i], 0)
      for (let i = 0; i < N; i++) yield* Process.awaitExit(pids[i])
      const after = yield* Effect.promise(summarize)
      report(before, after)
      if (pids.length !== N) throw new Error("the pids must stay reachable until the snapshot")
    }).pipe(Effect.provide(Node.layer()))
  )
} else {
  await Effect.runPromise(
    Effect.gen(function* () {
      const before = yield* Effect.promise(summarize)
      const fibers = new Array(N)
      for (let i = 0; i < N; i++) {
        const queue = yield* Queue.unbounded<number>()
        fibers[i] = yield* Effect.forkChild(Queue.take(queue))
      }
      yield* Effect.yieldNow
      const after = yield* Effect.promise(summarize)
      report(before, after)
      yield* Fiber.interruptAll(fibers)
    })
  )
}
