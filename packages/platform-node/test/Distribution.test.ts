import { randomBytes } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import { Effect, Exit, Fiber, Option, Queue, Scope } from "effect"
import * as Handshake from "../src/internal/handshake.ts"
import * as Distribution from "../src/internal/distribution.ts"
import { Epmd } from "../src/index.ts"
import { freePort, skipWithoutErl, startErl } from "./fixtures/os.ts"

// Real sockets on 127.0.0.1 (it.live), an embedded EPMD on a free port and a random cookie; the
// tests synchronise on nodeup/nodedown events and process output, never on sleeps.

const cookie = () => randomBytes(8).toString("hex")

/** A node and the queue of its nodeup/nodedown events. */
const startNode = (options: Distribution.Options) =>
  Effect.gen(function* () {
    const node = yield* Distribution.start(options)
    const events = yield* Queue.unbounded<Distribution.Event>()
    node.subscribe((event) => Queue.offerUnsafe(events, event))
    return { node, events }
  })

describe("distribution: connections between nodes", () => {
  it.live("two nodes: connect once (concurrent connects share one attempt), nodes(), disconnect", () =>
    Effect.gen(function* () {
      const epmd = yield* Epmd.serve({ port: 0 })
      const secret = cookie()
      const a = yield* startNode({ name: "a@127.0.0.1", cookie: secret, epmdPort: epmd.port })
      const b = yield* startNode({ name: "b@127.0.0.1", cookie: secret, epmdPort: epmd.port })
      const [c1, c2] = yield* Effect.all([a.node.connect("b@127.0.0.1"), a.node.connect("b@127.0.0.1")], {
        concurrency: 2
      })
      assert.strictEqual(c1, c2)
      assert.deepStrictEqual(yield* Queue.take(a.events), { _tag: "NodeUp", node: "b@127.0.0.1" })
      assert.deepStrictEqual(yield* Queue.take(b.events), { _tag: "NodeUp", node: "a@127.0.0.1" })
      assert.deepStrictEqual(a.node.nodes(), ["b@127.0.0.1"])
      assert.deepStrictEqual(b.node.nodes(), ["a@127.0.0.1"])
      assert.strictEqual(yield* a.node.connect("b@127.0.0.1"), c1)
      yield* a.node.disconnect("b@127.0.0.1")
      assert.deepStrictEqual(yield* Queue.take(a.events), {
        _tag: "NodeDown",
        node: "b@127.0.0.1",
        reason: "disconnect"
      })
      assert.deepStrictEqual(yield* Queue.take(b.events), {
        _tag: "NodeDown",
        node: "a@127.0.0.1",
        reason: "connection closed"
      })
      assert.deepStrictEqual(a.node.nodes(), [])
      assert.deepStrictEqual(b.node.nodes(), [])
      // exactly one event each way
      assert.strictEqual(yield* Queue.size(a.events), 0)
      assert.strictEqual(yield* Queue.size(b.events), 0)
    }).pipe(Effect.scoped)
  )

  it.live("simultaneous connect: the greater name's attempt goes on (nok / ok_simultaneous), one connection", () =>
    Effect.gen(function* () {
      const epmd = yield* Epmd.serve({ port: 0 })
      const secret = cookie()
      const b = yield* startNode({ name: "b@127.0.0.1", cookie: secret, epmdPort: epmd.port })
      // a peer that accepts connections and never answers: b's attempt to reach it stays open
      const silent = yield* NodeSocketServer.make({ host: "127.0.0.1", port: 0 })
      // (it reads and drops what comes, so that a connection closed by b ends on its side too)
      yield* Effect.forkScoped(
        silent.run((socket) => Effect.scoped(Effect.flatMap(socket.reader, (reader) => Effect.forever(reader.pull))))
      )
      const silentPort = silent.address._tag === "UnixPathAddress" ? 0 : silent.address.port
      for (const name of ["a", "z"]) yield* Epmd.register({ name, port: silentPort }, { port: epmd.port })
      const bInfo = Option.getOrThrow(yield* Epmd.lookup("b", { port: epmd.port }))
      const toB = { host: "127.0.0.1", port: bInfo.port }

      // b connects to a while a connects to b: "b" > "a", so b answers nok and its attempt goes on
      const bToA = yield* Effect.forkChild(b.node.connect("a@127.0.0.1"), { startImmediately: true })
      const asA = { name: "a@127.0.0.1", creation: 1, cookie: secret }
      assert.deepStrictEqual(
        yield* Effect.exit(Effect.scoped(Handshake.connect(asA, "b@127.0.0.1", toB))),
        Exit.fail(new Handshake.HandshakeFailed({ node: "b@127.0.0.1", reason: Handshake.nok }))
      )
      assert.isUndefined(bToA.pollUnsafe(), "b's own attempt is still going on")
      yield* Fiber.interrupt(bToA)

      // b connects to z while z connects to b: "z" > "b", so b answers ok_simultaneous, gives up its
      // own attempt, and its connect gets the incoming connection
      const bToZ = yield* Effect.forkChild(b.node.connect("z@127.0.0.1"), { startImmediately: true })
      const asZ = { name: "z@127.0.0.1", creation: 1, cookie: secret }
      const incoming = yield* Handshake.connect(asZ, "b@127.0.0.1", toB)
      assert.strictEqual(incoming.peer.name, "b@127.0.0.1")
      const connection = yield* Fiber.join(bToZ)
      assert.strictEqual(connection.peer.name, "z@127.0.0.1")
      assert.deepStrictEqual(yield* Queue.take(b.events), { _tag: "NodeUp", node: "z@127.0.0.1" })
      assert.deepStrictEqual(b.node.nodes(), ["z@127.0.0.1"])
      assert.strictEqual(yield* Queue.size(b.events), 0)
    }).pipe(Effect.scoped)
  )

  it.live('a reconnect through "alive": the old connection is down before the new one is up, and only once', () =>
    Effect.gen(function* () {
      const epmd = yield* Epmd.serve({ port: 0 })
      const secret = cookie()
      const a = yield* startNode({ name: "a@127.0.0.1", cookie: secret, epmdPort: epmd.port })
      const aInfo = Option.getOrThrow(yield* Epmd.lookup("a", { port: epmd.port }))
      const toA = { host: "127.0.0.1", port: aInfo.port }
      const asB = { name: "b@127.0.0.1", creation: 1, cookie: secret }
      // b's first connection, in a scope of its own
      const first = yield* Scope.make()
      yield* Scope.provide(Handshake.connect(asB, "a@127.0.0.1", toA), first)
      assert.deepStrictEqual(yield* Queue.take(a.events), { _tag: "NodeUp", node: "b@127.0.0.1" })
      // b lost that connection (it restarted) and connects again before a noticed: a answers
      // "alive", b asks to replace it, and a takes the old connection down first
      const second = yield* Handshake.connect(asB, "a@127.0.0.1", toA)
      assert.strictEqual(second.peer.name, "a@127.0.0.1")
      assert.deepStrictEqual(yield* Queue.take(a.events), {
        _tag: "NodeDown",
        node: "b@127.0.0.1",
        reason: "replaced by a new connection"
      })
      assert.deepStrictEqual(yield* Queue.take(a.events), { _tag: "NodeUp", node: "b@127.0.0.1" })
      // the old socket closes on b's side too: nothing more on a, the new connection stays up
      yield* Scope.close(first, Exit.void)
      yield* a.node.disconnect("b@127.0.0.1")
      assert.deepStrictEqual(yield* Queue.take(a.events), {
        _tag: "NodeDown",
        node: "b@127.0.0.1",
        reason: "disconnect"
      })
      assert.deepStrictEqual(a.node.nodes(), [])
      assert.strictEqual(yield* Queue.size(a.events), 0)
    }).pipe(Effect.scoped)
  )

  it.live("a node that is not registered: ConnectFailed; another cookie: HandshakeFailed; nothing connects", () =>
    Effect.gen(function* () {
      const epmd = yield* Epmd.serve({ port: 0 })
      const a = yield* startNode({ name: "a@127.0.0.1", cookie: cookie(), epmdPort: epmd.port })
      yield* startNode({ name: "b@127.0.0.1", cookie: cookie(), epmdPort: epmd.port })
      assert.deepStrictEqual(
        yield* Effect.exit(a.node.connect("nobody@127.0.0.1")),
        Exit.fail(
          new Distribution.ConnectFailed({ node: "nobody@127.0.0.1", reason: "no such node is registered with EPMD" })
        )
      )
      assert.deepStrictEqual(
        yield* Effect.exit(a.node.connect("b@127.0.0.1")),
        Exit.fail(
          new Handshake.HandshakeFailed({
            node: "b@127.0.0.1",
            reason: "the peer closed the connection: the cookies differ"
          })
        )
      )
      assert.deepStrictEqual(a.node.nodes(), [])
      // no NodeUp, no NodeDown: each failed attempt is Unreachable, once
      assert.deepStrictEqual(yield* Queue.takeAll(a.events), [
        { _tag: "Unreachable", node: "nobody@127.0.0.1", reason: "no such node is registered with EPMD" },
        { _tag: "Unreachable", node: "b@127.0.0.1", reason: "the peer closed the connection: the cookies differ" }
      ])
    }).pipe(Effect.scoped)
  )

  it.live("a peer that answers not_allowed: NotAllowed; nothing listening: ConnectFailed; nothing connects", () =>
    Effect.gen(function* () {
      const epmd = yield* Epmd.serve({ port: 0 })
      const a = yield* startNode({ name: "a@127.0.0.1", cookie: cookie(), epmdPort: epmd.port })
      // a peer that answers every send_name with the status not_allowed, then closes
      const refusing = yield* NodeSocketServer.make({ host: "127.0.0.1", port: 0 })
      yield* Effect.forkScoped(
        refusing.run((socket) =>
          Effect.scoped(
            Effect.gen(function* () {
              const reader = yield* socket.reader
              const writer = yield* socket.writer
              // the send_name
              yield* reader.pull
              const status = new TextEncoder().encode("snot_allowed")
              yield* writer.write(Uint8Array.of(0, status.length, ...status))
            })
          ).pipe(Effect.ignore)
        )
      )
      const refusingPort = refusing.address._tag === "UnixPathAddress" ? 0 : refusing.address.port
      yield* Epmd.register({ name: "strict", port: refusingPort }, { port: epmd.port })
      assert.deepStrictEqual(
        yield* Effect.exit(a.node.connect("strict@127.0.0.1")),
        Exit.fail(new Handshake.NotAllowed({ node: "strict@127.0.0.1" }))
      )
      // registered, but nothing listens on its port any more
      const closedPort = yield* freePort
      yield* Epmd.register({ name: "gone", port: closedPort }, { port: epmd.port })
      const refused = `connect ECONNREFUSED 127.0.0.1:${closedPort}`
      assert.deepStrictEqual(
        yield* Effect.exit(a.node.connect("gone@127.0.0.1")),
        Exit.fail(new Distribution.ConnectFailed({ node: "gone@127.0.0.1", reason: refused }))
      )
      assert.deepStrictEqual(a.node.nodes(), [])
      assert.deepStrictEqual(yield* Queue.takeAll(a.events), [
        { _tag: "Unreachable", node: "strict@127.0.0.1", reason: "the peer answered not_allowed" },
        { _tag: "Unreachable", node: "gone@127.0.0.1", reason: refused }
      ])
    }).pipe(Effect.scoped)
  )
})

describe.skipIf(skipWithoutErl)("distribution with Erlang", () => {
  it.live(
    "an Erlang node connects; killed with SIGKILL, it is down exactly once",
    () =>
      Effect.gen(function* () {
        const epmd = yield* Epmd.serve({ port: 0 })
        const secret = cookie()
        const ts = yield* startNode({ name: "ts@127.0.0.1", cookie: secret, epmdPort: epmd.port })
        const erl = yield* startErl(
          "e1@127.0.0.1",
          secret,
          epmd.port,
          "io:format(\"connected ~p~n\", [net_kernel:connect_node('ts@127.0.0.1')]), receive stop -> ok end.",
          "connected"
        )
        assert.deepStrictEqual(yield* Queue.take(ts.events), { _tag: "NodeUp", node: "e1@127.0.0.1" })
        erl.kill("SIGKILL")
        assert.deepStrictEqual(yield* Queue.take(ts.events), {
          _tag: "NodeDown",
          node: "e1@127.0.0.1",
          reason: "connection closed"
        })
        assert.deepStrictEqual(ts.node.nodes(), [])
        assert.strictEqual(yield* Queue.size(ts.events), 0)
      }).pipe(Effect.scoped),
    60_000
  )

  it.live(
    "we connect to an Erlang node; a peer that stops answering is down after net_ticktime",
    () =>
      Effect.gen(function* () {
        const epmd = yield* Epmd.serve({ port: 0 })
        const secret = cookie()
        const ts = yield* startNode({ name: "ts@127.0.0.1", cookie: secret, epmdPort: epmd.port, tickTime: "1 second" })
        const erl = yield* startErl(
          "e2@127.0.0.1",
          secret,
          epmd.port,
          'io:format("up~n"), receive stop -> ok end.',
          "up"
        )
        yield* ts.node.connect("e2@127.0.0.1")
        assert.deepStrictEqual(yield* Queue.take(ts.events), { _tag: "NodeUp", node: "e2@127.0.0.1" })
        // frozen: the connection stays open, but no tick comes any more
        erl.kill("SIGSTOP")
        assert.deepStrictEqual(yield* Queue.take(ts.events), {
          _tag: "NodeDown",
          node: "e2@127.0.0.1",
          reason: "net_tick_timeout"
        })
        erl.kill("SIGCONT")
      }).pipe(Effect.scoped),
    60_000
  )
})
