import { randomBytes } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Option } from "effect"
import { Errors, ExitReason, Node as CoreNode, Process, Term, testing } from "effect-otp"
import { Epmd, Global, Node, Rpc } from "../src/index.ts"
import { skipWithoutErl, startErl } from "./fixtures/os.ts"

// Global names between two effect-otp nodes in this OS process, and through a real Erlang node's
// `global`, over real sockets on 127.0.0.1 (it.live) with an embedded EPMD on a free port and a
// random cookie. Everything synchronises on messages, DOWNs, nodeup/nodedown and Global.sync,
// never on sleeps.

const cookie = () => randomBytes(8).toString("hex")
const atom = Term.atom

const on =
  (node: Node.DistributedApi) =>
  <A, E, R>(
    effect: Effect.Effect<A, E, R>
  ): Effect.Effect<A, E, Exclude<Exclude<R, CoreNode.Node>, Node.Distributed>> =>
    effect.pipe(Effect.provideService(CoreNode.Node, node.node), Effect.provideService(Node.Distributed, node))

/** A process that waits for one message, hands it to `got`, and ends. */
const inbox = (node: Node.DistributedApi, got: Deferred.Deferred<unknown>) =>
  on(node)(Process.spawn(Effect.flatMap(Process.receive(), (message) => Deferred.succeed(got, message))))

const idle = (node: Node.DistributedApi) => on(node)(Process.spawn(Process.receive()))

/** Runs `body` in a process of `node` that gets NodeUp/NodeDown messages. */
const watchingNodes = <A, E, R>(node: Node.DistributedApi, body: Effect.Effect<A, E, R>) =>
  on(node)(testing.runInProcess(Effect.andThen(Node.monitorNodes(true), body)))

describe("Global: between effect-otp nodes", () => {
  it.live("register, whereis, send, unregister across nodes; the typed errors; freed when the owner exits", () =>
    Effect.gen(function* () {
      const epmd = yield* Epmd.serve({ port: 0 })
      const secret = cookie()
      const a = yield* Node.start("a@127.0.0.1", { cookie: secret, epmdPort: epmd.port })
      const b = yield* Node.start("b@127.0.0.1", { cookie: secret, epmdPort: epmd.port })
      const ga = yield* on(a)(Global.start())
      const gb = yield* on(b)(Global.start())
      yield* a.connect("b@127.0.0.1")
      const got = yield* Deferred.make<unknown>()
      const owner = yield* inbox(a, got)
      yield* ga.register("x", owner)
      // every connected node has it when register returns
      assert.deepStrictEqual(yield* gb.whereis("x"), Option.some(owner))
      assert.deepStrictEqual(yield* gb.registeredNames, ["x"])
      // taken, on either node
      const other = yield* idle(b)
      assert.deepStrictEqual(
        yield* Effect.exit(gb.register("x", other)),
        Exit.fail(new Errors.AlreadyRegistered({ registeredName: "x", pid: owner }))
      )
      assert.deepStrictEqual(
        yield* Effect.exit(ga.register("x", yield* idle(a))),
        Exit.fail(new Errors.AlreadyRegistered({ registeredName: "x", pid: owner }))
      )
      // a dead pid, a pid of another node
      const dead = yield* on(a)(Process.spawn(Effect.void))
      yield* Process.awaitExit(dead)
      assert.deepStrictEqual(yield* Effect.exit(ga.register("y", dead)), Exit.fail(new Errors.NoProc({ pid: dead })))
      assert.deepStrictEqual(
        yield* Effect.exit(ga.register("y", other)),
        Exit.fail(
          new Errors.BadArgument({
            function: "Global.register",
            field: "pid",
            value: other,
            reason: "must be a process of this node (a@127.0.0.1): register it on its own node"
          })
        )
      )
      assert.deepStrictEqual(yield* gb.whereis("y"), Option.none())
      // send by name, from the other node
      yield* on(b)(Effect.provideService(Global.send("x", atom("hello")), Global.Global, gb))
      assert.strictEqual(yield* Deferred.await(got), atom("hello"))
      assert.deepStrictEqual(
        yield* Effect.exit(on(b)(Effect.provideService(Global.send("nobody", 1), Global.Global, gb))),
        Exit.fail(new Errors.NotRegistered({ registeredName: "nobody" }))
      )
      // the owner exited (it took one message): the name is gone on both nodes
      assert.deepStrictEqual(yield* Process.awaitExit(owner), ExitReason.normal)
      yield* ga.sync
      assert.deepStrictEqual(yield* ga.whereis("x"), Option.none())
      assert.deepStrictEqual(yield* gb.whereis("x"), Option.none())
      // unregister on the node that does not own it
      const owner2 = yield* idle(a)
      yield* ga.register("z", owner2)
      yield* gb.unregister("z")
      yield* gb.sync
      assert.deepStrictEqual(yield* ga.whereis("z"), Option.none())
      assert.deepStrictEqual(
        yield* Effect.exit(gb.unregister("z")),
        Exit.fail(new Errors.NotRegistered({ registeredName: "z" }))
      )
    }).pipe(Effect.scoped)
  )

  it.live("the names of a node that goes down are freed on the others", () =>
    Effect.gen(function* () {
      const epmd = yield* Epmd.serve({ port: 0 })
      const secret = cookie()
      const a = yield* Node.start("a@127.0.0.1", { cookie: secret, epmdPort: epmd.port })
      const b = yield* Node.start("b@127.0.0.1", { cookie: secret, epmdPort: epmd.port })
      const ga = yield* on(a)(Global.start())
      const gb = yield* on(b)(Global.start())
      yield* a.connect("b@127.0.0.1")
      const onB = yield* idle(b)
      yield* gb.register("b_service", onB)
      assert.deepStrictEqual(yield* ga.whereis("b_service"), Option.some(onB))
      // the name servers subscribed to nodedown before this process: they have it first
      const down = yield* watchingNodes(
        a,
        Effect.gen(function* () {
          yield* a.disconnect("b@127.0.0.1")
          return yield* Process.receive()
        })
      )
      assert.deepStrictEqual(down, new Node.NodeDown({ node: "b@127.0.0.1", reason: "disconnect" }))
      yield* ga.sync
      assert.deepStrictEqual(yield* ga.whereis("b_service"), Option.none())
      assert.deepStrictEqual(yield* ga.registeredNames, [])
      // b keeps its own
      assert.deepStrictEqual(yield* gb.whereis("b_service"), Option.some(onB))
    }).pipe(Effect.scoped)
  )

  it.live("a name held on one connected node fails the register on the others, and leaves nothing behind", () =>
    Effect.gen(function* () {
      // b and c are both connected to a, not to each other: c's name is known on a only
      const epmd = yield* Epmd.serve({ port: 0 })
      const secret = cookie()
      const a = yield* Node.start("a@127.0.0.1", { cookie: secret, epmdPort: epmd.port })
      const b = yield* Node.start("b@127.0.0.1", { cookie: secret, epmdPort: epmd.port })
      const c = yield* Node.start("c@127.0.0.1", { cookie: secret, epmdPort: epmd.port })
      const ga = yield* on(a)(Global.start())
      const gb = yield* on(b)(Global.start())
      const gc = yield* on(c)(Global.start())
      yield* a.connect("b@127.0.0.1")
      yield* a.connect("c@127.0.0.1")
      const onC = yield* idle(c)
      yield* gc.register("r", onC)
      assert.deepStrictEqual(yield* ga.whereis("r"), Option.some(onC))
      assert.deepStrictEqual(yield* gb.whereis("r"), Option.none())
      const onB = yield* idle(b)
      assert.deepStrictEqual(
        yield* Effect.exit(gb.register("r", onB)),
        Exit.fail(new Errors.AlreadyRegistered({ registeredName: "r", pid: onC }))
      )
      yield* gb.sync
      assert.deepStrictEqual(yield* gb.whereis("r"), Option.none())
      assert.deepStrictEqual(yield* ga.whereis("r"), Option.some(onC))
      assert.deepStrictEqual(yield* gb.registeredNames, [])
    }).pipe(Effect.scoped)
  )

  it.live("a name server started after the connection learns the names of the connected nodes", () =>
    Effect.gen(function* () {
      const epmd = yield* Epmd.serve({ port: 0 })
      const secret = cookie()
      const a = yield* Node.start("a@127.0.0.1", { cookie: secret, epmdPort: epmd.port })
      const b = yield* Node.start("b@127.0.0.1", { cookie: secret, epmdPort: epmd.port })
      yield* a.connect("b@127.0.0.1")
      const gb = yield* on(b)(Global.start())
      const onB = yield* idle(b)
      yield* gb.register("early", onB)
      const ga = yield* on(a)(Global.start())
      // a's server asked b for its names when it started; b's answer comes before the sync's reply
      yield* ga.sync
      assert.deepStrictEqual(yield* ga.whereis("early"), Option.some(onB))
    }).pipe(Effect.scoped)
  )

  it.live("a conflict when two nodes meet: the pid on the smaller node name keeps it, the other is killed", () =>
    Effect.gen(function* () {
      const epmd = yield* Epmd.serve({ port: 0 })
      const secret = cookie()
      const a = yield* Node.start("a@127.0.0.1", { cookie: secret, epmdPort: epmd.port })
      const b = yield* Node.start("b@127.0.0.1", { cookie: secret, epmdPort: epmd.port })
      const ga = yield* on(a)(Global.start())
      const gb = yield* on(b)(Global.start())
      const onA = yield* idle(a)
      const onB = yield* idle(b)
      // not connected yet: each registers the same name
      yield* ga.register("leader", onA)
      yield* gb.register("leader", onB)
      yield* a.connect("b@127.0.0.1")
      // b kills its own loser when a's names arrive
      assert.deepStrictEqual(yield* Process.awaitExit(onB), ExitReason.killed)
      yield* ga.sync
      yield* gb.sync
      assert.deepStrictEqual(yield* ga.whereis("leader"), Option.some(onA))
      assert.deepStrictEqual(yield* gb.whereis("leader"), Option.some(onA))
      assert.isTrue(yield* Process.isAlive(onA))
    }).pipe(Effect.scoped)
  )
})

/**
 * Erlang nodes: e1 (the one this node's Global goes through) and e2, connected and visible to each
 * other, so they share one `global`. e2 registers `erl_proc`, which answers `{From, Msg}` with
 * `{echo, Msg}`.
 */
const erlangPair = (secret: string, epmdPort: number) =>
  Effect.gen(function* () {
    yield* startErl("e1@127.0.0.1", secret, epmdPort, 'io:format("up~n"), receive stop -> ok end.', "up")
    const e2 = yield* startErl(
      "e2@127.0.0.1",
      secret,
      epmdPort,
      [
        "pong = net_adm:ping('e1@127.0.0.1'), global:sync(),",
        "P = spawn(fun Loop() -> receive {From, Msg} -> From ! {echo, Msg}, Loop() end end),",
        "yes = global:register_name(erl_proc, P),",
        'io:format("up~n"), receive stop -> ok end.'
      ].join(" "),
      "up"
    )
    return e2
  })

describe.skipIf(skipWithoutErl)("Global: through an Erlang node's global", () => {
  it.live(
    "Erlang sees our names and we see Erlang's; freed when the owner exits, when our connection is lost, and when the Erlang node is killed",
    () =>
      Effect.gen(function* () {
        const epmd = yield* Epmd.serve({ port: 0 })
        const secret = cookie()
        const ts = yield* Node.start("ts@127.0.0.1", { cookie: secret, epmdPort: epmd.port })
        const e2 = yield* erlangPair(secret, epmd.port)
        const g = yield* on(ts)(Global.start({ through: "e1@127.0.0.1" }))
        const whereisOn = (node: string, name: string) =>
          on(ts)(Effect.orDie(Rpc.call(node, "global", "whereis_name", [atom(name)])))

        // ours, seen by Erlang's global:whereis_name on the other Erlang node
        const owner = yield* idle(ts)
        yield* g.register("ts_proc", owner)
        assert.isTrue(Term.equals((yield* whereisOn("e2@127.0.0.1", "ts_proc")) as Term.Term, owner))
        assert.deepStrictEqual(
          yield* Effect.exit(g.register("ts_proc", yield* idle(ts))),
          Exit.fail(new Errors.AlreadyRegistered({ registeredName: "ts_proc", pid: owner }))
        )
        // Erlang's, seen and used from here
        const erlProc = Option.getOrThrow(yield* g.whereis("erl_proc"))
        assert.strictEqual(erlProc.node, "e2@127.0.0.1")
        assert.sameMembers([...(yield* g.registeredNames)], ["erl_proc", "ts_proc"])
        const echo = yield* on(ts)(
          testing.runInProcess(
            Effect.gen(function* () {
              const self = yield* Process.self<unknown>()
              yield* Effect.provideService(Global.send("erl_proc", Term.tuple(self, atom("hi"))), Global.Global, g)
              return yield* Process.receive()
            })
          )
        )
        assert.isTrue(Term.equals(echo as Term.Term, Term.tuple(atom("echo"), atom("hi"))))
        assert.deepStrictEqual(
          yield* Effect.exit(on(ts)(Effect.provideService(Global.send("nobody", 1), Global.Global, g))),
          Exit.fail(new Errors.NotRegistered({ registeredName: "nobody" }))
        )

        // the owner exits: global (which monitors it) drops the name
        yield* Process.kill(owner)
        assert.deepStrictEqual(yield* Process.awaitExit(owner), ExitReason.killed)
        yield* g.sync
        assert.deepStrictEqual(yield* g.whereis("ts_proc"), Option.none())
        assert.strictEqual(yield* whereisOn("e2@127.0.0.1", "ts_proc"), atom("undefined"))

        // our connection to e1 is lost: global drops the names of our processes
        const owner2 = yield* idle(ts)
        yield* g.register("ts_proc2", owner2)
        yield* ts.disconnect("e1@127.0.0.1")
        yield* g.sync // connects again
        assert.deepStrictEqual(yield* g.whereis("ts_proc2"), Option.none())

        // e2 is killed: its names are dropped once e1 has seen it go
        e2.kill("SIGKILL")
        assert.strictEqual(
          yield* on(ts)(Effect.orDie(Rpc.call("e1@127.0.0.1", "net_adm", "ping", [atom("e2@127.0.0.1")]))),
          atom("pang")
        )
        yield* g.sync
        assert.deepStrictEqual(yield* g.whereis("erl_proc"), Option.none())
        assert.deepStrictEqual(
          yield* g.unregister("erl_proc").pipe(Effect.exit),
          Exit.fail(new Errors.NotRegistered({ registeredName: "erl_proc" }))
        )
      }).pipe(Effect.scoped),
    60_000
  )

  it.live("an Erlang node that cannot be reached: NoConnection", () =>
    Effect.gen(function* () {
      const epmd = yield* Epmd.serve({ port: 0 })
      const ts = yield* Node.start("ts@127.0.0.1", { cookie: cookie(), epmdPort: epmd.port })
      const g = yield* on(ts)(Global.start({ through: "nobody@127.0.0.1" }))
      assert.deepStrictEqual(
        yield* Effect.exit(g.whereis("x")),
        Exit.fail(
          new Global.NoConnection({
            node: "nobody@127.0.0.1",
            reason: "cannot connect to nobody@127.0.0.1: no such node is registered with EPMD"
          })
        )
      )
    }).pipe(Effect.scoped)
  )
})
