/**
 * Where a remote round trip's time goes: the distribution scenarios' round trip timed three ways in
 * one run, interleaved, with the hops each makes in both processes (`tools/hops.ts`, loaded in this
 * process and in the peer).
 *
 * - (a) raw: 9-byte frames over one TCP socket to the peer process (the `dist-*` baseline);
 * - (b) codec: `REG_SEND {From, N}` framed and encoded as the distribution does (`encodePacket`,
 *   the term codec), decoded and answered with `SEND N` by the peer's plain-JS socket, no processes;
 * - (c) ping-pong and call: the `dist-pingpong` and `dist-call` scenarios (effect-otp's nodes).
 *
 * With `ops`, one more run of each (c) counts the Effect operations this process evaluates.
 * usage: npx node --expose-gc bench/tools/dist.ts [n=2000] [reps=5] [ops]
 */
import { snapshot, type Hops } from "./hops.ts"
import { Effect } from "effect"
import * as Tracer from "effect/Tracer"
import { Pid, Term } from "effect-otp"
import { fileURLToPath } from "node:url"
import { encodePacket } from "../../packages/platform-node/src/internal/handshake.ts"
import { endRun } from "../lib/harness.ts"
import { deferred, now, setWrapper, usPer } from "../lib/util.ts"
import { otpCall, otpPingPong, type Pair, rawRoundTrips, startPair } from "../scenarios/distribution.ts"

const [nArg = "2000", repsArg = "5", opsArg] = process.argv.slice(2)
const n = Number(nArg)
const reps = Number(repsArg)

let counting = false
let ops = 0
if (opsArg === "ops") {
  const tracer = Tracer.make({ span: (options) => (Tracer.nativeTracer as any).span(options) })
  ;(tracer as any).context = (current: any, fiber: any) => {
    if (counting) ops++
    return current["~effect/Effect/evaluate"](fiber)
  }
  setWrapper((effect) => Effect.withTracer(effect, tracer))
}

const p: Pair = await startPair(["--import", fileURLToPath(new URL("./hops.ts", import.meta.url))])
const atom = Term.atom

/** (b): the framing and the codec of the distribution, on a plain socket, without processes. */
const codecRoundTrips = async (count: number): Promise<number> => {
  const self = Pid.make(p.a.name, p.a.creation, 1) as Term.Term
  const control = Term.tuple(6, self, atom(""), atom("echo"))
  const done = deferred<number>()
  let i = 0
  const t0 = now()
  p.onFrame = (frame) => {
    const header = Term.decodeAtUnsafe(frame, 2)
    const reply = Term.decodeAtUnsafe(frame, header.end + 1).term as number
    if (reply !== i) throw new Error(`expected ${i}, got ${reply}`)
    if (++i === count) done.resolve(now() - t0)
    else p.raw.write(encodePacket({ control, message: Term.tuple(self, i) }))
  }
  p.raw.write(encodePacket({ control, message: Term.tuple(self, 0) }))
  return usPer(await done.promise, count)
}

/** The peer's counters. */
const peerHops = async (): Promise<Hops> => {
  const answer = deferred<Hops>()
  p.onFrame = (frame) => answer.resolve(JSON.parse(frame.toString()) as Hops)
  p.raw.write(Buffer.from([0, 0, 0, 1, 99]))
  return answer.promise
}

const impls: ReadonlyArray<readonly [string, (n: number) => Promise<number>]> = [
  ["(a) raw socket", rawRoundTrips],
  ["(b) framing + codec", codecRoundTrips],
  ["(c) ping-pong", otpPingPong],
  ["(c) call", otpCall]
]
const keys = ["setImmediate", "queueMicrotask", "readable", "data"] as const
const samples = new Map<string, Array<number>>()
const perTrip = new Map<string, { here: Hops; peer: Hops }>()
for (const [, f] of impls) await f(n / 4)
for (let r = 0; r < reps; r++) {
  for (let k = 0; k < impls.length; k++) {
    const [name, f] = impls[(k + r) % impls.length]!
    globalThis.gc?.({ type: "minor" } as never)
    const here0 = snapshot()
    const peer0 = await peerHops()
    const us = await f(n)
    const here1 = snapshot()
    const peer1 = await peerHops()
    ;(samples.get(name) ?? samples.set(name, []).get(name)!).push(us)
    const diff = (a: Hops, b: Hops) =>
      Object.fromEntries(keys.map((key) => [key, (b[key] - a[key]) / n])) as unknown as Hops
    // the counters' own exchange (one frame each way) is within the rounding
    perTrip.set(name, { here: diff(here0, here1), peer: diff(peer0, peer1) })
  }
}
const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
console.log(`n=${n} reps=${reps}`)
console.log(
  "| path | µs/round trip (median) | this side: setImmediate / microtasks / readable / data | peer: setImmediate / microtasks / readable / data |"
)
console.log("|---|---|---|---|")
const fmt = (h: Hops) => keys.map((key) => h[key].toFixed(2)).join(" / ")
for (const [name] of impls) {
  const t = perTrip.get(name)!
  console.log(`| ${name} | ${median(samples.get(name)!).toFixed(1)} | ${fmt(t.here)} | ${fmt(t.peer)} |`)
}
if (opsArg === "ops") {
  for (const [name, f] of impls.slice(2)) {
    ops = 0
    counting = true
    await f(n)
    counting = false
    console.log(`${name}: ${(ops / n).toFixed(1)} Effect operations per round trip on this side`)
  }
}
await endRun()
process.exit(0)
