/**
 * Distribution (issue #15): two nodes in two OS processes over loopback. This process runs node
 * `bench_a`; `lib/peer.ts`, started once for the three scenarios (and stopped at the end of the
 * run), runs `bench_b` with `echo`, `counter` and `sink`. BEAM runs the same between two Erlang
 * nodes (`beam/beam_bench.erl`, a `peer` node), each with one scheduler.
 *
 * - ping-pong: `{Self, N}` to `{echo, bench_b}`, and N back; µs per round trip.
 * - call: `GenServer.call({counter, bench_b}, {incr})`; µs per call.
 * - one way: N integers to `{sink, bench_b}`, timed until its `done` comes back; µs per message.
 *
 * (a) is the floor of the same exchange in plain Node: 4-byte-length frames on one TCP socket to
 * the peer process (no terms, no processes). Raw Effect has no distribution: (b) is n/a.
 */
import { Epmd, Node } from "@effect-otp/platform-node"
import { Effect, Exit, Scope } from "effect"
import { Node as CoreNode, GenServer, Process, Term, testing } from "effect-otp"
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { connect, type Socket } from "node:net"
import { fileURLToPath } from "node:url"
import { atEndOfRun, type Scenario } from "../lib/harness.ts"
import { deferred, now, run, usPer } from "../lib/util.ts"

const B = "bench_b@127.0.0.1"
const atom = Term.atom

export interface Pair {
  readonly a: Node.DistributedApi
  /** the peer's plain-JS socket */
  readonly raw: Socket
  /** the frames the plain-JS socket receives go to `onFrame` */
  onFrame: (frame: Buffer) => void
}

let pair: Promise<Pair> | undefined

/**
 * This node, the peer process and the plain-JS socket to it: started once, stopped at the end of the
 * run. `peerArgs`: Node options for the peer process (`tools/dist.ts` loads its counters there).
 */
export const startPair = (peerArgs: ReadonlyArray<string> = []): Promise<Pair> => {
  if (pair !== undefined) return pair
  pair = (async () => {
    const scope = Scope.makeUnsafe()
    const cookie = randomBytes(8).toString("hex")
    const { a, epmdPort } = await run(
      Scope.provide(
        Effect.gen(function* () {
          const epmd = yield* Epmd.serve({ port: 0 })
          const a = yield* Node.start("bench_a@127.0.0.1", { cookie, epmdPort: epmd.port })
          return { a, epmdPort: epmd.port }
        }),
        scope
      ).pipe(Effect.orDie)
    )
    const child = spawn(
      process.execPath,
      [...peerArgs, fileURLToPath(new URL("../lib/peer.ts", import.meta.url)), B, cookie, String(epmdPort)],
      { stdio: ["pipe", "pipe", "inherit"] }
    )
    const rawPort = await new Promise<number>((resolve, reject) => {
      let out = ""
      const onData = (chunk: Buffer) => {
        out += chunk.toString()
        const ready = /ready \S+ (\d+)/.exec(out)
        if (ready === null) return
        // what it prints afterwards (its logs) is passed on, not parsed
        child.stdout.off("data", onData)
        child.stdout.pipe(process.stderr)
        resolve(Number(ready[1]))
      }
      child.stdout.on("data", onData)
      child.on("exit", (code) => reject(new Error(`bench/lib/peer.ts exited (${code}) before it was ready: ${out}`)))
    })
    const raw = connect(rawPort, "127.0.0.1")
    raw.setNoDelay(true)
    await new Promise((resolve) => raw.once("connect", resolve))
    const result: Pair = { a, raw, onFrame: () => {} }
    let buffer: Buffer = Buffer.alloc(0)
    raw.on("data", (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk])
      let at = 0
      while (buffer.length - at >= 4) {
        const length = buffer.readUInt32BE(at)
        if (buffer.length - at - 4 < length) break
        result.onFrame(buffer.subarray(at + 4, at + 4 + length))
        at += 4 + length
      }
      buffer = buffer.subarray(at)
    })
    atEndOfRun(async () => {
      raw.destroy()
      child.stdin.end()
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once("exit", resolve)))
      await run(Scope.close(scope, Exit.void))
      pair = undefined
    })
    return result
  })()
  return pair
}

const pingFrame = Buffer.from([0, 0, 0, 5, 112, 0, 0, 0, 0])

/** (a) ping-pong / call floor: one frame out, the same frame back, n times; µs per round trip. */
export const rawRoundTrips = async (n: number): Promise<number> => {
  const p = await startPair()
  const done = deferred<number>()
  let left = n
  const t0 = now()
  p.onFrame = () => {
    if (--left === 0) done.resolve(now() - t0)
    else p.raw.write(pingFrame)
  }
  p.raw.write(pingFrame)
  return usPer(await done.promise, n)
}

/** (a) one way floor: n frames of 4 bytes, then the peer's one answer; µs per message. */
const rawOneWay = async (n: number): Promise<number> => {
  const p = await startPair()
  const done = deferred<number>()
  const start = Buffer.from([0, 0, 0, 5, 115, 0, 0, 0, 0])
  start.writeUInt32BE(n, 5)
  const t0 = now()
  p.onFrame = () => done.resolve(now() - t0)
  p.raw.write(start)
  for (let i = 0; i < n; i++) {
    const frame = Buffer.allocUnsafe(8)
    frame.writeUInt32BE(4, 0)
    frame.writeUInt32BE(i, 4)
    p.raw.write(frame)
  }
  return usPer(await done.promise, n)
}

const echo = { name: "echo", node: B }
const sink = { name: "sink", node: B }
const counter = GenServer.remote<Term.Tuple>("counter", B)
const incr = Term.tuple(atom("incr"))

/** (c) ping-pong: `{Self, N}` to `{echo, bench_b}`, n times. */
export const otpPingPong = async (n: number): Promise<number> => {
  const p = await startPair()
  return onNode(
    p,
    Effect.gen(function* () {
      const self = yield* Process.self<unknown>()
      const t0 = now()
      for (let i = 0; i < n; i++) {
        yield* Process.send(echo, Term.tuple(self, i))
        yield* Process.receive()
      }
      return usPer(now() - t0, n)
    })
  )
}

/** (c) call: `GenServer.call({counter, bench_b}, {incr})`, n times. */
export const otpCall = async (n: number): Promise<number> => {
  const p = await startPair()
  return onNode(
    p,
    Effect.gen(function* () {
      const t0 = now()
      for (let i = 0; i < n; i++) yield* GenServer.call(counter, incr)
      return usPer(now() - t0, n)
    })
  )
}

/** (c) one way: n integers to `{sink, bench_b}`, until its `done`. */
const otpOneWay = async (n: number): Promise<number> => {
  const p = await startPair()
  return onNode(
    p,
    Effect.gen(function* () {
      const self = yield* Process.self<unknown>()
      const t0 = now()
      yield* Process.send(sink, Term.tuple(atom("start"), self, n))
      for (let i = 0; i < n; i++) yield* Process.send(sink, i)
      yield* Process.receive()
      return usPer(now() - t0, n)
    })
  )
}

/** Runs `body` as a process of this node; gives its result. */
export const onNode = <A>(
  p: Pair,
  body: Effect.Effect<A, unknown, Process.Self<unknown> | CoreNode.Node>
): Promise<A> =>
  run(
    testing
      .runInProcess(body)
      .pipe(Effect.provideService(Node.Distributed, p.a), Effect.provideService(CoreNode.Node, p.a.node), Effect.orDie)
  )

const noEffect = { unavailable: "raw Effect has no distribution" }

/**
 * A scenario between two OS processes: `small` messages in a quick run, `full` otherwise, `warmup`
 * in the warm-up (BEAM's too, quick or not); raw Effect has no side.
 */
const betweenProcesses = (scenario: {
  readonly id: string
  readonly title: string
  readonly unit: string
  readonly target?: Scenario["target"]
  readonly small: number
  readonly full: number
  readonly warmup: number
  readonly baseline: (n: number) => Promise<number>
  readonly otp: (n: number) => Promise<number>
}): Scenario => {
  const { small, full, warmup } = scenario
  return {
    id: scenario.id,
    title: scenario.title,
    unit: scenario.unit,
    target: scenario.target,
    repetitions: { full: 7, quick: 3 },
    warmups: { full: 1, quick: 1 },
    beam: { size: (quick) => (quick ? small : full), warmupSize: () => warmup, distributed: true },
    impls: async () => {
      const size = (isWarmup: boolean, quick?: boolean) => (isWarmup ? warmup : quick ? small : full)
      return {
        baseline: ({ warmup, quick }) => scenario.baseline(size(warmup, quick)),
        effect: noEffect,
        otp: ({ warmup, quick }) => scenario.otp(size(warmup, quick))
      }
    }
  }
}

export const distPingPong: Scenario = betweenProcesses({
  id: "dist-pingpong",
  title: "remote ping-pong over loopback (two OS processes)",
  unit: "µs/round trip",
  small: 1_000,
  full: 10_000,
  warmup: 15_000,
  baseline: rawRoundTrips,
  otp: otpPingPong
})

export const distCall: Scenario = betweenProcesses({
  id: "dist-call",
  title: "remote GenServer.call over loopback",
  unit: "µs/call",
  small: 1_000,
  full: 10_000,
  warmup: 15_000,
  baseline: rawRoundTrips,
  otp: otpCall
})

export const distOneWay: Scenario = betweenProcesses({
  id: "dist-oneway",
  title: "remote one-way small messages over loopback",
  unit: "µs/message",
  target: { value: 10, note: "at least 100k messages per second" },
  small: 20_000,
  full: 200_000,
  warmup: 20_000,
  baseline: rawOneWay,
  otp: otpOneWay
})
