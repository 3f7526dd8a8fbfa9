import { randomBytes } from "node:crypto"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Option } from "effect"
import { Pid, Term } from "effect-otp"
import * as Handshake from "../src/internal/handshake.ts"
import { Epmd } from "../src/index.ts"
import { skipWithoutErl, startErl } from "./fixtures/os.ts"

// The distribution handshake against real Erlang nodes on 127.0.0.1 (it.live), with the embedded
// EPMD on a free port and a random cookie. Everything synchronises on process output and on the
// packets that arrive, never on sleeps.

const cookie = () => randomBytes(8).toString("hex")
const atom = Term.atom

// in CI, `.ci/run` installs Erlang: a missing `erl` there fails these instead of skipping them
describe.skipIf(skipWithoutErl)("distribution handshake with Erlang", () => {
  it.live(
    "as initiator: the handshake, then a REG_SEND to a registered Erlang process and its SEND back",
    () =>
      Effect.gen(function* () {
        const epmd = yield* Epmd.serve({ port: 0 })
        const secret = cookie()
        yield* startErl(
          "e1@127.0.0.1",
          secret,
          epmd.port,
          'register(probe, self()), io:format("up~n"), receive {From, hello} -> From ! {self(), world} end, receive stop -> ok end.',
          "up"
        )
        const info = Option.getOrThrow(yield* Epmd.lookup("e1", { port: epmd.port }))
        const local = { name: "ts@127.0.0.1", creation: 7, cookie: secret }
        const connection = yield* Handshake.connect(local, "e1@127.0.0.1", { host: "127.0.0.1", port: info.port })
        assert.strictEqual(connection.peer.name, "e1@127.0.0.1")
        const self = Pid.make("ts@127.0.0.1", 7, 1) as Pid.Pid<never, unknown>
        // REG_SEND {6, From, '', probe} + {From, hello}
        yield* connection.send({
          control: Term.tuple(6, self, atom(""), atom("probe")),
          message: Term.tuple(self, atom("hello"))
        })
        const packet = (yield* connection.receive()) as Handshake.Packet | undefined
        assert.isDefined(packet)
        // SEND {2, '', To} + {ErlangPid, world}
        const control = packet!.control as Term.Tuple
        assert.strictEqual(control.elements[0], 2)
        assert.isTrue(Term.equals(control.elements[2]!, self))
        const message = packet!.message as Term.Tuple
        assert.isTrue(
          Pid.isPid(message.elements[0]) && (message.elements[0] as Pid.Pid<never, unknown>).node === "e1@127.0.0.1"
        )
        assert.strictEqual(message.elements[1], atom("world"))
      }).pipe(Effect.scoped),
    60_000
  )

  it.live(
    "as initiator with the wrong cookie: HandshakeFailed, and no connection",
    () =>
      Effect.gen(function* () {
        const epmd = yield* Epmd.serve({ port: 0 })
        yield* startErl("e2@127.0.0.1", cookie(), epmd.port, 'io:format("up~n"), receive stop -> ok end.', "up")
        const info = Option.getOrThrow(yield* Epmd.lookup("e2", { port: epmd.port }))
        const exit = yield* Effect.exit(
          Effect.scoped(
            Handshake.connect({ name: "ts@127.0.0.1", creation: 1, cookie: "wrong" }, "e2@127.0.0.1", {
              host: "127.0.0.1",
              port: info.port
            })
          )
        )
        assert.deepStrictEqual(
          exit,
          Exit.fail(
            new Handshake.HandshakeFailed({
              node: "e2@127.0.0.1",
              reason: "the peer closed the connection: the cookies differ"
            })
          )
        )
      }).pipe(Effect.scoped),
    60_000
  )

  it.live(
    "as acceptor: an Erlang node connects to us (net_kernel:connect_node) and sends to a name of ours",
    () =>
      Effect.gen(function* () {
        const epmd = yield* Epmd.serve({ port: 0 })
        const secret = cookie()
        const local = { name: "ts@127.0.0.1", creation: 9, cookie: secret }
        const server = yield* NodeSocketServer.make({ host: "127.0.0.1", port: 0 })
        const port = server.address._tag === "UnixPathAddress" ? 0 : server.address.port
        yield* Epmd.register({ name: "ts", port, hidden: true }, { port: epmd.port })
        const received = yield* Deferred.make<{
          readonly peer: string
          readonly packet: Handshake.Packet | Handshake.Undecodable | "tick" | undefined
        }>()
        yield* Effect.forkScoped(
          server.run((socket) =>
            Effect.scoped(
              Effect.gen(function* () {
                const connection = yield* Handshake.accept(local, socket)
                const packet = yield* connection.receive()
                yield* Deferred.succeed(received, { peer: connection.peer.name, packet })
                // keep the connection open until the test ends
                yield* Effect.never
              })
            ).pipe(Effect.ignore)
          )
        )
        yield* startErl(
          "e3@127.0.0.1",
          secret,
          epmd.port,
          "io:format(\"connected ~p~n\", [net_kernel:connect_node('ts@127.0.0.1')]), {p, 'ts@127.0.0.1'} ! hi, receive stop -> ok end.",
          "connected"
        )
        const { packet, peer } = yield* Deferred.await(received)
        assert.strictEqual(peer, "e3@127.0.0.1")
        // REG_SEND {6, From, '', p} + hi
        assert.isTrue(packet !== undefined && packet !== "tick")
        const { control: reg, message: hi } = packet as Handshake.Packet
        const control = reg as Term.Tuple
        assert.strictEqual(control.elements[0], 6)
        assert.strictEqual((control.elements[1] as Pid.Pid<never, unknown>).node, "e3@127.0.0.1")
        assert.strictEqual(control.elements[3], atom("p"))
        assert.strictEqual(hi, atom("hi"))
      }).pipe(Effect.scoped),
    60_000
  )
})

describe("the frames of a connection", () => {
  const from = Pid.make("a@127.0.0.1", 1, 5) as Term.Term
  const packets: ReadonlyArray<Handshake.Packet> = [
    { control: Term.tuple(6, from, atom(""), atom("sink")), message: Term.tuple(atom("first"), 1) },
    { control: Term.tuple(2, atom(""), from), message: new Uint8Array(300).fill(7) },
    { control: Term.tuple(1, from, from) }
  ]
  const tick = new Uint8Array(4)
  const stream = new Uint8Array(
    Buffer.concat([Handshake.encodePacket(packets[0]!), tick, ...packets.slice(1).map(Handshake.encodePacket)])
  )
  const run = (chunks: ReadonlyArray<Uint8Array>, maxPacket = 1000) => {
    const seen: Array<unknown> = []
    const frames = new Handshake.Frames("b@127.0.0.1", maxPacket, {
      heard: () => {},
      packet: (packet) => seen.push(packet),
      end: (error) => seen.push({ end: error })
    })
    for (const chunk of chunks) frames.push(chunk)
    return seen
  }

  it("every packet and tick is handed on whole and in order, wherever the reads cut the stream", () => {
    const whole = [packets[0], "tick", ...packets.slice(1)]
    assert.deepStrictEqual(run([stream]), whole)
    for (let cut = 1; cut < stream.length; cut++) {
      assert.deepStrictEqual(run([stream.subarray(0, cut), stream.subarray(cut)]), whole, `cut at ${cut}`)
    }
    assert.deepStrictEqual(run(Array.from(stream, (byte) => new Uint8Array([byte]))), whole, "one byte per read")
  })

  it("a frame longer than maxPacket ends the connection as soon as its length has arrived", () => {
    const long = Handshake.encodePacket(packets[1]!)
    assert.deepStrictEqual(run([long.subarray(0, 2), long.subarray(2, 4)], 100), [
      {
        end: new Handshake.ProtocolError({
          peer: "b@127.0.0.1",
          reason: `a packet of ${long.length - 4} bytes (at most 100 allowed)`
        })
      }
    ])
  })
})
