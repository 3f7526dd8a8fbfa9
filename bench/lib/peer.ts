/**
 * The other OS process of the distribution scenarios (`scenarios/distribution.ts` starts it):
 * `node peer.ts <name> <cookie> <epmdPort>`. It runs an effect-otp node `name` with
 *
 * - `echo`: `{From, M}` → `M` back to `From` (ping-pong);
 * - `counter`: a GenServer answering `{incr}` with its count (the remote call);
 * - `sink`: `{start, From, N}`, then N messages, then `done` to `From` (one way);
 *
 * and, for the plain-JS baseline, a TCP server of 4-byte-length frames: a frame `p` + 4 bytes is
 * echoed; a frame `s` + N (u32) starts a count of N frames, answered with one frame `d`. For
 * `tools/dist.ts`: a distribution packet (`112, 131, …`) `SEND {From, N}` is decoded and answered
 * with `SEND N` to `From` (the framing and the term codec without processes), and a frame `c` is
 * answered with the counters of `tools/hops.ts` as JSON when it is loaded. It prints
 * `ready <name> <rawPort>` and exits when its stdin ends.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Node } from "@effect-otp/platform-node"
import { Console, Effect } from "effect"
import { GenServer, Process, type Pid, Term } from "effect-otp"
import { createServer } from "node:net"
import { encodePacket } from "../../packages/platform-node/src/internal/handshake.ts"

const [name = "bench_b@127.0.0.1", cookie = "cookie", epmdPort = "4369"] = process.argv.slice(2)
const atom = Term.atom

process.stdin.on("end", () => process.exit(0))
process.stdin.resume()

/** The plain-JS side: frames over one socket. */
const rawServer = createServer((socket) => {
  socket.setNoDelay(true)
  let buffer: Buffer = Buffer.alloc(0)
  let counting = 0
  socket.on("data", (chunk: Buffer) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk])
    let at = 0
    while (buffer.length - at >= 4) {
      const length = buffer.readUInt32BE(at)
      if (buffer.length - at - 4 < length) break
      const frame = buffer.subarray(at + 4, at + 4 + length)
      at += 4 + length
      if (counting > 0) {
        if (--counting === 0) socket.write(Buffer.from([0, 0, 0, 1, 100]))
      } else if (frame[0] === 115) counting = frame.readUInt32BE(1)
      else if (frame[0] === 112 && frame[1] === 131) socket.write(codecEcho(frame))
      else if (frame[0] === 99) {
        const counters = Buffer.from(JSON.stringify((globalThis as { __hops?: unknown }).__hops ?? {}))
        const header = Buffer.alloc(4)
        header.writeUInt32BE(counters.length)
        socket.write(Buffer.concat([header, counters]))
      } else socket.write(Buffer.concat([Buffer.from([0, 0, 0, length]), frame]))
    }
    buffer = buffer.subarray(at)
  })
})

/** `SEND {From, N}` → `SEND N` to `From`, through the distribution's framing and the term codec. */
const codecEcho = (frame: Uint8Array): Uint8Array => {
  const control = Term.decodeAtUnsafe(frame, 2)
  const [from, n] = (Term.decodeAtUnsafe(frame, control.end + 1).term as Term.Tuple).elements
  return encodePacket({ control: Term.tuple(2, atom(""), from!), message: n })
}

const Counter = GenServer.behaviour({
  protocol: [Term.Tuple],
  init: (_: void) => Effect.succeed(GenServer.ok(0)),
  handleCall: { Tuple: (_: Term.Tuple, count: number) => Effect.succeed(GenServer.reply(count + 1, count + 1)) }
})

const echo = Effect.forever(
  Effect.flatMap(Process.receive<Term.Tuple>(), (message) =>
    Process.send(message.elements[0] as Pid.Pid<unknown>, message.elements[1])
  )
)

const sink = Effect.forever(
  Effect.gen(function* () {
    const [, from, n] = (yield* Process.receive<Term.Tuple>()).elements
    for (let i = 0; i < (n as number); i++) yield* Process.receive()
    yield* Process.send(from as Pid.Pid<unknown>, atom("done"))
  })
)

const main = Effect.gen(function* () {
  yield* Process.register("echo", yield* Process.spawn(echo))
  yield* Process.register("sink", yield* Process.spawn(sink))
  yield* GenServer.start(Counter, undefined, { name: "counter" })
  const rawPort = yield* Effect.callback<number>((resume) => {
    rawServer.listen(0, "127.0.0.1", () => {
      const address = rawServer.address()
      resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0))
    })
  })
  yield* Console.log(`ready ${name} ${rawPort}`)
  return yield* Effect.never
}).pipe(Effect.provide(Node.layer(name, { cookie, epmdPort: Number(epmdPort) })))

NodeRuntime.runMain(main as Effect.Effect<never, unknown>)
