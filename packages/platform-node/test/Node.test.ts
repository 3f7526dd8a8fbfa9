import { inspect } from "node:util"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Option, Queue } from "effect"
import { Errors, ExitReason, GenServer, Pid, Process, Supervisor, Term, testing } from "effect-otp"
import * as Handshake from "../src/internal/handshake.ts"
import { Epmd, Node, ObserverRemote, Rpc } from "../src/index.ts"
import { connectRaw, cookie, on, startPair, TermCounter } from "./fixtures/dist.ts"
import { skipWithoutErl, startErl } from "./fixtures/os.ts"

// Two effect-otp nodes in this OS process, talking over real sockets on 127.0.0.1 (it.live) with an
// embedded EPMD on a free port and a random cookie. Everything synchronises on messages, DOWNs,
// exits and nodeup/nodedown, never on sleeps.

const atom = Term.atom

/** Runs `body` as a process (of the node in context) and gives its result. */
const spawnAndAwait = testing.runInProcess

const makePid = (node: string, creation: number, id: number) => Pid.make(node, creation, id) as Pid.Pid<never, unknown>

/** A process that receives one message and then ends as `end` says. */
const waiter = <E, R>(end: Effect.Effect<unknown, E, R>) =>
  Effect.gen(function* () {
    yield* Process.receive()
    return yield* end
  })

describe("Node: two effect-otp nodes in one OS process", () => {
  it.live("a send to a name on another node connects first; messages arrive in order, both ways", () =>
    Effect.gen(function* () {
      const { a, b } = yield* startPair()
      const echo = yield* on(b)(
        Process.spawn(
          Effect.forever(
            Effect.gen(function* () {
              const message = (yield* Process.receive<Term.Tuple>()).elements
              yield* Process.send(message[0] as Pid.Pid<unknown>, message[1])
            })
          )
        )
      )
      yield* on(b)(Process.register("echo", echo))
      const received = yield* on(a)(
        spawnAndAwait(
          Effect.gen(function* () {
            const self = yield* Process.self()
            for (let i = 1; i <= 300; i++)
              yield* Process.send({ name: "echo", node: "b@127.0.0.1" }, Term.tuple(self, i))
            // and to its pid: the same connection, the same order
            for (let i = 301; i <= 310; i++) yield* Process.send(echo, Term.tuple(self, i))
            const out: Array<unknown> = []
            for (let i = 0; i < 310; i++) out.push(yield* Process.receive())
            return out
          })
        )
      )
      assert.deepStrictEqual(
        received,
        Array.from({ length: 310 }, (_, i) => i + 1)
      )
      assert.deepStrictEqual(a.list(), ["b@127.0.0.1"])
      assert.deepStrictEqual(b.list(), ["a@127.0.0.1"])
    }).pipe(Effect.scoped)
  )

  it.live("links across nodes: the exit of the other end arrives with its reason; NoProc for a dead pid", () =>
    Effect.gen(function* () {
      const { a, b } = yield* startPair()
      const boom = yield* on(b)(Process.spawn(waiter(Effect.fail(atom("boom")))))
      const killed = yield* on(b)(Process.spawn(Effect.andThen(Process.trapExit(true), Process.receive())))
      const gone = yield* on(b)(Process.spawn(Effect.void))
      assert.deepStrictEqual(yield* Process.awaitExit(gone), ExitReason.normal)
      const messages = yield* on(a)(
        spawnAndAwait(
          Effect.gen(function* () {
            yield* Process.trapExit(true)
            yield* Process.link(boom)
            yield* Process.link(killed)
            yield* Process.link(gone)
            // the link is made before the message that ends the process: LINK, then SEND, in order
            yield* Process.send(boom, atom("go"))
            yield* Process.kill(killed)
            return [yield* Process.receive(), yield* Process.receive(), yield* Process.receive()]
          })
        )
      )
      assert.sameDeepMembers(messages as Array<unknown>, [
        new Process.Exit(gone, ExitReason.noProc),
        new Process.Exit(boom, ExitReason.failure(atom("boom"))),
        new Process.Exit(killed, ExitReason.killed)
      ])
      assert.deepStrictEqual(yield* Process.awaitExit(killed), ExitReason.killed)
    }).pipe(Effect.scoped)
  )

  it.live("a process on the other node linked to an exiting one exits with its reason; unlink stops it", () =>
    Effect.gen(function* () {
      const { a, b } = yield* startPair()
      const linked = yield* on(b)(Process.spawn(Process.receive()))
      const unlinked = yield* on(b)(Process.spawn(Process.receive()))
      const done = yield* on(a)(
        Process.spawn(
          Effect.gen(function* () {
            yield* Process.link(linked)
            yield* Process.link(unlinked)
            yield* Process.unlink(unlinked)
            yield* Process.receive()
            return yield* Effect.fail(atom("crash"))
          })
        )
      )
      const bEvents = yield* Queue.unbounded<Node.NodeUp | Node.NodeDown>()
      b.subscribe((event) => Queue.offerUnsafe(bEvents, event))
      yield* on(a)(Process.send(done, atom("go")))
      assert.deepStrictEqual(yield* Process.awaitExit(linked), ExitReason.failure(atom("crash")))
      // the unlink reached b too: losing the connection does not end the unlinked process
      yield* a.disconnect("b@127.0.0.1")
      const down = yield* Queue.take(bEvents).pipe(Effect.repeat({ until: (event) => event._tag === "NodeDown" }))
      assert.deepStrictEqual(down, new Node.NodeDown({ node: "a@127.0.0.1", reason: "connection closed" }))
      yield* on(b)(Process.send(unlinked, atom("stop")))
      assert.deepStrictEqual(yield* Process.awaitExit(unlinked), ExitReason.normal)
    }).pipe(Effect.scoped)
  )

  it.live("monitors across nodes: Down with the reason; NoProc for a dead pid; demonitor", () =>
    Effect.gen(function* () {
      const { a, b } = yield* startPair()
      const target = yield* on(b)(Process.spawn(waiter(Process.exit(ExitReason.shutdownWith(atom("bye"))))))
      const other = yield* on(b)(Process.spawn(Process.receive<Term.Atom>()))
      const gone = yield* on(b)(Process.spawn(Effect.void))
      yield* Process.awaitExit(gone)
      const result = yield* on(a)(
        spawnAndAwait(
          Effect.gen(function* () {
            const ref = yield* Process.monitor(target)
            const refGone = yield* Process.monitor(gone)
            const refOther = yield* Process.monitor(other)
            assert.isTrue(yield* Process.demonitor(refOther))
            yield* Process.send(target, atom("go"))
            yield* Process.send(other, atom("go"))
            const first = yield* Process.receive()
            const second = yield* Process.receive()
            return { ref, refGone, downs: [first, second] }
          })
        )
      )
      assert.sameDeepMembers(result.downs as Array<unknown>, [
        new Process.Down(result.refGone, gone, ExitReason.noProc),
        new Process.Down(result.ref, target, ExitReason.shutdownWith(atom("bye")))
      ])
      assert.deepStrictEqual(yield* Process.awaitExit(other), ExitReason.normal)
    }).pipe(Effect.scoped)
  )

  it.live("on disconnect every link and monitor across fires with NoConnection, exactly once", () =>
    Effect.gen(function* () {
      const { a, b } = yield* startPair()
      const linkedOnB = yield* on(b)(Process.spawn(Process.receive()))
      const watchedOnB = yield* on(b)(Process.spawn(Process.receive()))
      const messages = yield* on(a)(
        spawnAndAwait(
          Effect.gen(function* () {
            yield* Process.trapExit(true)
            yield* Node.monitorNodes(true)
            yield* Process.link(linkedOnB)
            const ref = yield* Process.monitor(watchedOnB)
            yield* Node.connect("b@127.0.0.1")
            const up = yield* Process.receive()
            yield* Node.disconnect("b@127.0.0.1")
            // everything the disconnect gave, then a marker sent to ourselves
            const out: Array<unknown> = [up]
            while (true) {
              const message = yield* Process.receive()
              out.push(message)
              if (message instanceof Node.NodeDown) break
            }
            yield* Process.send(yield* Process.self<unknown>(), atom("marker"))
            while (true) {
              const message = yield* Process.receive()
              if (message === atom("marker")) break
              out.push(message)
            }
            return { ref, out }
          })
        )
      )
      assert.sameDeepMembers(messages.out, [
        new Node.NodeUp({ node: "b@127.0.0.1" }),
        new Process.Exit(linkedOnB, ExitReason.noConnection),
        new Process.Down(messages.ref, watchedOnB, ExitReason.noConnection),
        new Node.NodeDown({ node: "b@127.0.0.1", reason: "disconnect" })
      ])
      assert.strictEqual(messages.out.length, 4)
      // on b, the linked process (not trapping) exits with NoConnection too
      assert.deepStrictEqual(yield* Process.awaitExit(linkedOnB), ExitReason.noConnection)
      assert.deepStrictEqual(a.list(), [])
    }).pipe(Effect.scoped)
  )

  it.live("a cookie mismatch: HandshakeFailed, and nothing connects", () =>
    Effect.gen(function* () {
      const epmd = yield* Epmd.serve({ port: 0 })
      const a = yield* Node.start("a@127.0.0.1", { cookie: cookie(), epmdPort: epmd.port })
      const b = yield* Node.start("b@127.0.0.1", { cookie: cookie(), epmdPort: epmd.port })
      assert.deepStrictEqual(
        yield* Effect.exit(on(a)(Node.connect("b@127.0.0.1"))),
        Exit.fail(
          new Node.HandshakeFailed({
            node: "b@127.0.0.1",
            reason: "the peer closed the connection: the cookies differ"
          })
        )
      )
      assert.deepStrictEqual(a.list(), [])
      assert.deepStrictEqual(b.list(), [])
    }).pipe(Effect.scoped)
  )

  it.live("a link to a node that cannot be reached fires NoConnection", () =>
    Effect.gen(function* () {
      const { a } = yield* startPair()
      const pid = makePid("nobody@127.0.0.1", 1, 5)
      const message = yield* on(a)(
        spawnAndAwait(
          Effect.gen(function* () {
            yield* Process.trapExit(true)
            yield* Process.link(pid)
            return yield* Process.receive()
          })
        )
      )
      assert.deepStrictEqual(message, new Process.Exit(pid, ExitReason.noConnection))
    }).pipe(Effect.scoped)
  )
})

describe("GenServer over the wire", () => {
  it.live("call and cast to a GenServer on another node by {name, node} and by pid; NoProc; its exit", () =>
    Effect.gen(function* () {
      const { a, b } = yield* startPair()
      const counter = yield* on(b)(GenServer.start(TermCounter, 10, { name: "counter" }))
      const pid = Option.getOrThrow(counter.whereis())
      const byName = GenServer.remote<Term.Tuple, Term.Tuple>("counter", "b@127.0.0.1")
      const byPid = GenServer.fromPid<Term.Tuple, Term.Tuple>(pid)
      const result = yield* on(a)(
        spawnAndAwait(
          Effect.gen(function* () {
            const added = yield* GenServer.call(byName, Term.tuple(atom("add"), 5))
            yield* GenServer.cast(byPid, Term.tuple(atom("add"), 100))
            const got = yield* GenServer.call(byPid, Term.tuple(atom("get")))
            const failed = yield* GenServer.call(byName, Term.tuple(atom("fail"), atom("nope")))
            const noProc = yield* Effect.flip(
              GenServer.call(GenServer.remote<Term.Atom>("nobody", "b@127.0.0.1"), atom("get"))
            )
            return { added, got, failed, noProc }
          })
        )
      )
      assert.strictEqual(result.added, 15)
      assert.strictEqual(result.got, 115)
      // a declared error crosses as the reply {error, Error}, as an Erlang server would answer
      assert.isTrue(Term.equals(result.failed as Term.Term, Term.tuple(atom("error"), atom("nope"))))
      assert.deepStrictEqual(result.noProc, new Errors.NoProc({ registeredName: "nobody@b@127.0.0.1" }))
    }).pipe(Effect.scoped)
  )

  it.live("a call whose server is on a node that goes away fails with ServerExited(NoConnection)", () =>
    Effect.gen(function* () {
      const { a, b } = yield* startPair()
      // a server that never answers
      const silent = GenServer.behaviour({
        protocol: [Term.Tuple],
        init: (_: void) => Effect.succeed(GenServer.ok(0)),
        handleCall: { Tuple: (_: Term.Tuple, state: number) => Effect.succeed(GenServer.noreply(state)) }
      })
      const server = yield* on(b)(GenServer.start(silent, undefined, { name: "silent" }))
      const pid = Option.getOrThrow(server.whereis())
      const caller = yield* on(a)(
        Effect.forkChild(
          spawnAndAwait(
            Effect.flip(
              GenServer.call(GenServer.fromPid<Term.Tuple>(pid), Term.tuple(atom("hello")), { timeout: "infinity" })
            )
          ),
          { startImmediately: true }
        )
      )
      const events = yield* Queue.unbounded<Node.NodeUp | Node.NodeDown>()
      b.subscribe((event) => Queue.offerUnsafe(events, event))
      yield* Queue.take(events).pipe(Effect.repeat({ until: (event) => event._tag === "NodeUp" }))
      yield* b.disconnect("a@127.0.0.1")
      assert.deepStrictEqual(
        yield* Fiber.join(caller),
        new GenServer.ServerExited({ pid, reason: ExitReason.noConnection })
      )
    }).pipe(Effect.scoped)
  )
})

describe("GenServer.call to another node: the caller's side on the wire", () => {
  it.live("a call from a process that times out: CallTimeout, its monitor goes, its late reply is dropped", () =>
    Effect.gen(function* () {
      const { a, secret, epmd } = yield* startPair()
      // the server is played by hand on a connection of our own
      const raw = yield* connectRaw({ secret, epmd })
      const server = makePid("raw@127.0.0.1", 3, 7)
      const self = yield* Deferred.make<Pid.Pid<never, unknown>>()
      const caller = yield* on(a)(
        Effect.forkChild(
          spawnAndAwait(
            Effect.gen(function* () {
              yield* Deferred.succeed(self, yield* Process.self<unknown>())
              const timedOut = yield* Effect.flip(
                GenServer.call(GenServer.fromPid<Term.Tuple>(server), Term.tuple(atom("hello")), {
                  timeout: "20 millis"
                })
              )
              // the next message in the mailbox, after the late reply and then `marker` were sent
              return { timedOut, next: yield* Process.receive() }
            })
          ),
          { startImmediately: true }
        )
      )
      const from = yield* Deferred.await(self)
      const monitor = (yield* raw.receive()) as Handshake.Packet
      const [, , , tag] = (monitor.control as Term.Tuple).elements
      assert.isTrue(Term.equals(monitor.control, Term.tuple(19, from, server, tag!)), inspect(monitor))
      const request = (yield* raw.receive()) as Handshake.Packet
      assert.isTrue(Term.equals(request.control, Term.tuple(2, atom(""), server)), inspect(request))
      assert.isTrue(
        Term.equals(request.message!, Term.tuple(atom("$gen_call"), Term.tuple(from, tag!), Term.tuple(atom("hello")))),
        inspect(request)
      )
      // the call timed out: its monitor is taken back
      const demonitor = (yield* raw.receive()) as Handshake.Packet
      assert.isTrue(Term.equals(demonitor.control, Term.tuple(20, from, server, tag!)), inspect(demonitor))
      yield* raw.send({ control: Term.tuple(2, atom(""), from), message: Term.tuple(tag!, atom("late")) })
      yield* raw.send({ control: Term.tuple(2, atom(""), from), message: atom("marker") })
      assert.deepStrictEqual(yield* Fiber.join(caller), {
        timedOut: new GenServer.CallTimeout({ pid: server, timeout: 20 }),
        next: atom("marker")
      })
    }).pipe(Effect.scoped)
  )
})

describe("ObserverRemote: a node's observer, asked from another node", () => {
  it.live("snapshot, detail, kill (the restart seen), suspend/resume, trace; the refusals as answers", () =>
    Effect.gen(function* () {
      const { a, b } = yield* startPair()
      const sup = yield* on(b)(
        Supervisor.start({
          strategy: "oneForOne",
          name: "remote-shop",
          children: [GenServer.childSpec("cart", TermCounter, 0, { name: "remote-cart" })]
        })
      )
      const supPid = String(Option.getOrThrow(yield* on(b)(GenServer.whereis(sup))))
      const cart = Option.getOrThrow((yield* on(b)(Supervisor.whichChildren(sup)))[0]!.pid)
      const observer = String(Option.getOrThrow(yield* on(b)(Process.whereis(ObserverRemote.registeredName))))
      const ask = on(a)

      const snapshot = (yield* ask(ObserverRemote.snapshot("b@127.0.0.1"))) as any
      assert.deepStrictEqual(snapshot.node, { name: "b@127.0.0.1", creation: b.creation })
      assert.deepStrictEqual(
        snapshot.processes.map((p: any) => [p.pid, p.registeredName, p.behaviour]),
        [
          [observer, "effect_otp_observer", "GenServer"],
          [supPid, "remote-shop", "Supervisor"],
          [String(cart), "remote-cart", "GenServer"],
          // the observer's recorder, started by this first request
          [snapshot.processes[3].pid, null, "process"]
        ]
      )
      assert.deepStrictEqual(snapshot.supervisors[0].children, [
        { id: "cart", pid: String(cart), status: "running", type: "worker", restart: "permanent", restarts: 0 }
      ])

      // kill: the supervisor restarts it; the new process's detail shows its spawn and the restart
      const down = yield* on(b)(Process.spawn(Effect.andThen(Process.monitor(cart), Process.receive())))
      assert.deepStrictEqual(yield* ask(ObserverRemote.command("b@127.0.0.1", "kill", String(cart))), { ok: true })
      yield* on(b)(Process.awaitExit(down))
      const restartedPid = Option.getOrThrow((yield* on(b)(Supervisor.whichChildren(sup)))[0]!.pid)
      const restarted = String(restartedPid)
      const detail = (yield* ask(ObserverRemote.detail("b@127.0.0.1", restarted))).pipe(Option.getOrThrow) as any
      assert.deepStrictEqual(
        { pid: detail.pid, info: detail.info.registeredName, state: detail.status.state, events: detail.events },
        {
          pid: restarted,
          info: "remote-cart",
          state: "0",
          events: [
            { _tag: "Spawned", pid: restarted, time: detail.events[0].time },
            { _tag: "Restarted", supervisor: supPid, id: "cart", pid: restarted, time: detail.events[1].time }
          ]
        }
      )

      // suspend and resume
      assert.deepStrictEqual(yield* ask(ObserverRemote.command("b@127.0.0.1", "suspend", restarted)), { ok: true })
      assert.strictEqual(
        ((yield* ask(ObserverRemote.detail("b@127.0.0.1", restarted))).pipe(Option.getOrThrow) as any).status.status,
        "suspended"
      )
      assert.deepStrictEqual(yield* ask(ObserverRemote.command("b@127.0.0.1", "resume", restarted)), { ok: true })

      // trace: the server's Sys events reach its detail
      assert.deepStrictEqual(yield* ask(ObserverRemote.command("b@127.0.0.1", "trace", restarted, true)), {
        ok: true
      })
      yield* on(b)(GenServer.call(GenServer.fromPid<Term.Tuple>(restartedPid), Term.tuple(atom("add"), 2)))
      const traced = ((yield* ask(ObserverRemote.detail("b@127.0.0.1", restarted))).pipe(Option.getOrThrow) as any)
        .events
      assert.deepStrictEqual(
        traced.filter((e: any) => e._tag === "Traced").map((e: any) => e.kind),
        ["Call", "Reply", "StateChange"]
      )

      // the refusals are answers
      const plain = yield* on(b)(Process.spawn(Process.receive<never>()))
      assert.deepStrictEqual(yield* ask(ObserverRemote.command("b@127.0.0.1", "suspend", String(plain))), {
        ok: false,
        reason: "not_server",
        error: `${String(plain)} is not a server: it serves no suspend`
      })
      assert.deepStrictEqual(yield* ask(ObserverRemote.command("b@127.0.0.1", "kill", "<0.999.0>")), {
        ok: false,
        reason: "no_process",
        error: "no process <0.999.0>"
      })
      assert.deepStrictEqual(yield* ask(ObserverRemote.detail("b@127.0.0.1", "<0.999.0>")), Option.none())
    }).pipe(Effect.scoped)
  )

  it.live("a node started with observer: false has none: NoProc", () =>
    Effect.gen(function* () {
      const { a } = yield* startPair()
      const epmdPort = (yield* Epmd.serve({ port: 0 })).port
      yield* Node.start("c@127.0.0.1", { cookie: "c-cookie", epmdPort, observer: false })
      const d = yield* Node.start("d@127.0.0.1", { cookie: "c-cookie", epmdPort })
      const error = yield* Effect.flip(on(d)(ObserverRemote.snapshot("c@127.0.0.1")))
      assert.deepStrictEqual(error, new Errors.NoProc({ registeredName: "effect_otp_observer@c@127.0.0.1" }))
      assert.isTrue(Option.isSome(yield* on(a)(Process.whereis(ObserverRemote.registeredName))))
    }).pipe(Effect.scoped)
  )
})

describe("Node: what arrives on a connection", () => {
  it.live("a packet that does not decode is logged, counted and skipped; the connection goes on", () =>
    Effect.gen(function* () {
      const { a, secret, epmd } = yield* startPair()
      const sink = yield* on(a)(Process.spawn(Process.receive()))
      yield* on(a)(Process.register("sink", sink))
      const raw = yield* connectRaw({ secret, epmd })
      // 112, then a control term whose tag (255) does not exist
      yield* raw.write(new Uint8Array([0, 0, 0, 3, 112, 131, 255]))
      const from = makePid("raw@127.0.0.1", 3, 1)
      yield* raw.send({ control: Term.tuple(6, from, atom(""), atom("sink")), message: atom("still_here") })
      assert.deepStrictEqual(yield* Process.awaitExit(sink), ExitReason.normal)
      assert.strictEqual(a.undecodable(), 1)
      assert.deepStrictEqual(a.list(), ["raw@127.0.0.1"])
    }).pipe(Effect.scoped)
  )

  it.live("a frame of another type, or too long, drops the connection with its reason; the node goes on", () =>
    Effect.gen(function* () {
      const { a, secret, epmd } = yield* startPair({ maxPacket: 1000 })
      const events = yield* Queue.unbounded<Node.NodeUp | Node.NodeDown>()
      a.subscribe((event) => Queue.offerUnsafe(events, event))
      const info = yield* Epmd.lookup("a", { port: epmd.port })
      const port = info._tag === "Some" ? info.value.port : 0
      const local = { name: "raw@127.0.0.1", creation: 3, cookie: secret }
      const address = { host: "127.0.0.1", port }

      const first = yield* Effect.scoped(
        Effect.gen(function* () {
          const raw = yield* Handshake.connect(local, "a@127.0.0.1", address)
          yield* raw.write(new Uint8Array([0, 0, 0, 2, 99, 0]))
          // the node closes the connection: what we read next is its end
          return yield* raw.receive()
        })
      )
      assert.isUndefined(first)
      assert.deepStrictEqual(yield* Queue.take(events), new Node.NodeUp({ node: "raw@127.0.0.1" }))
      assert.deepStrictEqual(
        yield* Queue.take(events),
        new Node.NodeDown({
          node: "raw@127.0.0.1",
          reason: "a malformed packet from raw@127.0.0.1: a packet of type 99 (112 expected: no atom cache)"
        })
      )

      const second = yield* Effect.scoped(
        Effect.gen(function* () {
          const raw = yield* Handshake.connect(local, "a@127.0.0.1", address)
          yield* raw.write(new Uint8Array([0, 0, 0x13, 0x88, 112]))
          return yield* raw.receive()
        })
      )
      assert.isUndefined(second)
      assert.deepStrictEqual(yield* Queue.take(events), new Node.NodeUp({ node: "raw@127.0.0.1" }))
      assert.deepStrictEqual(
        yield* Queue.take(events),
        new Node.NodeDown({
          node: "raw@127.0.0.1",
          reason: "a malformed packet from raw@127.0.0.1: a packet of 5000 bytes (at most 1000 allowed)"
        })
      )

      // a frame cut in half: the peer goes away in the middle of it
      yield* Effect.scoped(
        Effect.gen(function* () {
          const raw = yield* Handshake.connect(local, "a@127.0.0.1", address)
          yield* raw.write(new Uint8Array([0, 0, 0, 100, 112, 131]))
          assert.deepStrictEqual(yield* Queue.take(events), new Node.NodeUp({ node: "raw@127.0.0.1" }))
        })
      )
      assert.deepStrictEqual(
        yield* Queue.take(events),
        new Node.NodeDown({ node: "raw@127.0.0.1", reason: "connection closed" })
      )
      // the node is still there: b connects
      yield* on(a)(Node.connect("b@127.0.0.1"))
      assert.deepStrictEqual(yield* Queue.take(events), new Node.NodeUp({ node: "b@127.0.0.1" }))
    }).pipe(Effect.scoped)
  )
})

/**
 * An Erlang process registered as `echo` that traps exits and does what it is asked: `{From, N}`
 * with an integer sends N back; `{From, {link, Pid}}`, `{From, {monitor, Proc}}`, `{From, {exit, Pid,
 * Why}}`, `{From, whoami}`; the EXITs and DOWNs it gets go to the last `From`.
 */
const erlangEcho = [
  "register(echo, self()), process_flag(trap_exit, true),",
  "L = fun L(R) -> receive",
  "  {From, N} when is_integer(N) -> From ! N, L(From);",
  "  {From, whoami} -> From ! {echo, self()}, L(From);",
  "  {From, {link, P}} -> link(P), From ! linked, L(From);",
  "  {From, {monitor, P}} -> erlang:monitor(process, P), From ! monitoring, L(From);",
  "  {From, {exit, P, Why}} -> exit(P, Why), L(From);",
  "  {'EXIT', P, Why} -> R ! {'EXIT', P, Why}, L(R);",
  "  {'DOWN', _, process, Who, Why} -> R ! {'DOWN', Who, Why}, L(R)",
  "end end,",
  'io:format("up~n"), L(none).'
].join(" ")

describe.skipIf(skipWithoutErl)("Node with Erlang", () => {
  it.live(
    "an Erlang node that allows only others: NotAllowed; another cookie: HandshakeFailed; nothing connects",
    () =>
      Effect.gen(function* () {
        const epmd = yield* Epmd.serve({ port: 0 })
        const secret = cookie()
        const ts = yield* Node.start("ts@127.0.0.1", { cookie: secret, epmdPort: epmd.port })
        yield* startErl(
          "e5@127.0.0.1",
          secret,
          epmd.port,
          "net_kernel:allow(['other@127.0.0.1']), io:format(\"up~n\"), receive stop -> ok end.",
          "up"
        )
        yield* startErl("e6@127.0.0.1", cookie(), epmd.port, 'io:format("up~n"), receive stop -> ok end.', "up")
        assert.deepStrictEqual(
          yield* Effect.exit(on(ts)(Node.connect("e5@127.0.0.1"))),
          Exit.fail(new Node.NotAllowed({ node: "e5@127.0.0.1" }))
        )
        assert.deepStrictEqual(
          yield* Effect.exit(on(ts)(Node.connect("e6@127.0.0.1"))),
          Exit.fail(
            new Node.HandshakeFailed({
              node: "e6@127.0.0.1",
              reason: "the peer closed the connection: the cookies differ"
            })
          )
        )
        assert.deepStrictEqual(ts.list(), [])
        // and ts still works: a third node with the cookie connects
        yield* startErl("e7@127.0.0.1", secret, epmd.port, 'io:format("up~n"), receive stop -> ok end.', "up")
        yield* on(ts)(Node.connect("e7@127.0.0.1"))
        assert.deepStrictEqual(ts.list(), ["e7@127.0.0.1"])
      }).pipe(Effect.scoped),
    30_000
  )

  it.live(
    "sends both ways in order; Erlang links to and monitors (by name) our processes, and exits one",
    () =>
      Effect.gen(function* () {
        const epmd = yield* Epmd.serve({ port: 0 })
        const secret = cookie()
        const ts = yield* Node.start("ts@127.0.0.1", { cookie: secret, epmdPort: epmd.port })
        yield* startErl("e1@127.0.0.1", secret, epmd.port, erlangEcho, "up")
        const echo = { name: "echo", node: "e1@127.0.0.1" }
        const crasher = yield* on(ts)(Process.spawn(waiter(Effect.fail(atom("boom")))))
        const named = yield* on(ts)(Process.spawn(waiter(Effect.void)))
        yield* on(ts)(Process.register("named", named))
        // it traps exits: a kill ends it all the same
        const victim = yield* on(ts)(Process.spawn(Effect.andThen(Process.trapExit(true), Process.receive())))
        const result = yield* on(ts)(
          spawnAndAwait(
            Effect.gen(function* () {
              const self = yield* Process.self<unknown>()
              for (let i = 1; i <= 200; i++) yield* Process.send(echo, Term.tuple(self, i))
              const numbers: Array<unknown> = []
              for (let i = 0; i < 200; i++) numbers.push(yield* Process.receive())
              yield* Process.send(echo, Term.tuple(self, Term.tuple(atom("link"), crasher)))
              const linked = yield* Process.receive()
              yield* Process.send(
                echo,
                Term.tuple(self, Term.tuple(atom("monitor"), Term.tuple(atom("named"), atom("ts@127.0.0.1"))))
              )
              const monitoring = yield* Process.receive()
              yield* Process.send(crasher, atom("go"))
              const exit = yield* Process.receive()
              yield* Process.send(named, atom("go"))
              const down = yield* Process.receive()
              yield* Process.send(echo, Term.tuple(self, Term.tuple(atom("exit"), victim, atom("kill"))))
              return { numbers, linked, monitoring, exit, down }
            })
          )
        )
        assert.deepStrictEqual(
          result.numbers,
          Array.from({ length: 200 }, (_, i) => i + 1)
        )
        assert.strictEqual(result.linked, atom("linked"))
        assert.strictEqual(result.monitoring, atom("monitoring"))
        assert.isTrue(Term.equals(result.exit as Term.Term, Term.tuple(atom("EXIT"), crasher, atom("boom"))))
        assert.isTrue(
          Term.equals(
            result.down as Term.Term,
            Term.tuple(atom("DOWN"), Term.tuple(atom("named"), atom("ts@127.0.0.1")), atom("normal"))
          )
        )
        assert.deepStrictEqual(yield* Process.awaitExit(victim), ExitReason.killed)
      }).pipe(Effect.scoped),
    30_000
  )

  it.live(
    "our link, monitor and sendAfter to an Erlang process; its exit/2 reaches us; SIGKILL: NoConnection once",
    () =>
      Effect.gen(function* () {
        const epmd = yield* Epmd.serve({ port: 0 })
        const secret = cookie()
        const ts = yield* Node.start("ts@127.0.0.1", { cookie: secret, epmdPort: epmd.port })
        const erl = yield* startErl("e2@127.0.0.1", secret, epmd.port, erlangEcho, "up")
        const echo = { name: "echo", node: "e2@127.0.0.1" }
        const result = yield* on(ts)(
          spawnAndAwait(
            Effect.gen(function* () {
              yield* Process.trapExit(true)
              yield* Node.monitorNodes(true)
              const self = yield* Process.self<unknown>()
              yield* Process.send(echo, Term.tuple(self, atom("whoami")))
              const up = yield* Process.receive()
              const reply = (yield* Process.receive()) as Term.Tuple
              const pid = reply.elements[1] as Pid.Pid<never, unknown>
              yield* Process.link(pid)
              const ref = yield* Process.monitor(pid)
              // a round trip: the link and the monitor are in place on the Erlang side
              yield* Process.send(echo, Term.tuple(self, 1))
              const one = yield* Process.receive()
              // a timer's message to a pid of another node goes through the connection too
              yield* Process.sendAfter(pid as Pid.Pid<unknown>, Term.tuple(self, 2), "1 millis")
              const two = yield* Process.receive()
              yield* Process.send(
                echo,
                Term.tuple(self, Term.tuple(atom("exit"), self, Term.tuple(atom("shutdown"), atom("bye"))))
              )
              const exit2 = yield* Process.receive()
              erl.kill("SIGKILL")
              const out: Array<unknown> = [up, one, two, exit2]
              while (true) {
                const message = yield* Process.receive()
                out.push(message)
                if (message instanceof Node.NodeDown) break
              }
              yield* Process.send(self, atom("marker"))
              while (true) {
                const message = yield* Process.receive()
                if (message === atom("marker")) break
                out.push(message)
              }
              return { pid, ref, out }
            })
          )
        )
        assert.strictEqual(result.pid.node, "e2@127.0.0.1")
        assert.sameDeepMembers(result.out, [
          new Node.NodeUp({ node: "e2@127.0.0.1" }),
          1,
          2,
          new Process.Exit(result.pid, ExitReason.shutdownWith(atom("bye"))),
          new Process.Exit(result.pid, ExitReason.noConnection),
          new Process.Down(result.ref, result.pid, ExitReason.noConnection),
          new Node.NodeDown({ node: "e2@127.0.0.1", reason: "connection closed" })
        ])
        assert.strictEqual(result.out.length, 7)
      }).pipe(Effect.scoped),
    30_000
  )

  it.live(
    "GenServer.call to Erlang gen_servers (rex, kernel_sup), Rpc.call, and Erlang's gen_server:call to ours",
    () =>
      Effect.gen(function* () {
        const epmd = yield* Epmd.serve({ port: 0 })
        const secret = cookie()
        const ts = yield* Node.start("ts@127.0.0.1", { cookie: secret, epmdPort: epmd.port })
        yield* on(ts)(GenServer.start(TermCounter, 1, { name: "counter" }))
        const got = yield* Deferred.make<unknown>()
        const inbox = yield* on(ts)(Process.spawn(Effect.flatMap(Process.receive(), (m) => Deferred.succeed(got, m))))
        yield* on(ts)(Process.register("inbox", inbox))
        yield* startErl(
          "e4@127.0.0.1",
          secret,
          epmd.port,
          [
            "A = gen_server:call({counter, 'ts@127.0.0.1'}, {add, 41}),",
            "gen_server:cast({counter, 'ts@127.0.0.1'}, {add, 100}),",
            "B = gen_server:call({counter, 'ts@127.0.0.1'}, {get}),",
            "E = gen_server:call({counter, 'ts@127.0.0.1'}, {fail, nope}),",
            "N = catch gen_server:call({nobody, 'ts@127.0.0.1'}, get),",
            "{inbox, 'ts@127.0.0.1'} ! {A, B, E, element(1, element(2, N))},",
            'io:format("up~n"), receive stop -> ok end.'
          ].join(" "),
          "up"
        )
        const fromErlang = (yield* Deferred.await(got)) as Term.Term
        assert.isTrue(
          Term.equals(fromErlang, Term.tuple(42, 142, Term.tuple(atom("error"), atom("nope")), atom("noproc"))),
          inspect(fromErlang, { depth: 5 })
        )
        const result = yield* on(ts)(
          Effect.gen(function* () {
            const node = yield* Rpc.call("e4@127.0.0.1", "erlang", "node", [])
            const reversed = yield* Rpc.call("e4@127.0.0.1", "lists", "reverse", [[1, 2, 3]])
            const undef = yield* Effect.flip(Rpc.call("e4@127.0.0.1", "no_such_module", "f", []))
            const children = yield* GenServer.call(
              GenServer.remote<Term.Atom>("kernel_sup", "e4@127.0.0.1"),
              atom("count_children")
            )
            const noProc = yield* Effect.flip(
              GenServer.call(GenServer.remote<Term.Atom>("nobody", "e4@127.0.0.1"), atom("x"))
            )
            return { node, reversed, undef, children, noProc }
          })
        )
        assert.strictEqual(result.node, atom("e4@127.0.0.1"))
        assert.deepStrictEqual(result.reversed, [3, 2, 1])
        assert.strictEqual(result.undef._tag, "BadRpc")
        assert.isTrue(Array.isArray(result.children), inspect(result.children))
        assert.deepStrictEqual(result.noProc, new Errors.NoProc({ registeredName: "nobody@e4@127.0.0.1" }))
      }).pipe(Effect.scoped),
    30_000
  )

  it.live(
    "an Erlang node pings us (net_adm:ping gets pong) and sends to our registered name",
    () =>
      Effect.gen(function* () {
        const epmd = yield* Epmd.serve({ port: 0 })
        const secret = cookie()
        const ts = yield* Node.start("ts@127.0.0.1", { cookie: secret, epmdPort: epmd.port })
        const got = yield* Deferred.make<unknown>()
        const inbox = yield* on(ts)(Process.spawn(Effect.flatMap(Process.receive(), (m) => Deferred.succeed(got, m))))
        yield* on(ts)(Process.register("inbox", inbox))
        yield* startErl(
          "e3@127.0.0.1",
          secret,
          epmd.port,
          "P = net_adm:ping('ts@127.0.0.1'), {inbox, 'ts@127.0.0.1'} ! {pinged, P}, io:format(\"sent~n\"), receive stop -> ok end.",
          "sent"
        )
        const pinged = (yield* Deferred.await(got)) as Term.Term
        assert.isTrue(Term.equals(pinged, Term.tuple(atom("pinged"), atom("pong"))), inspect(pinged, { depth: 5 }))
        assert.deepStrictEqual(ts.list(), ["e3@127.0.0.1"])
      }).pipe(Effect.scoped),
    30_000
  )
})
