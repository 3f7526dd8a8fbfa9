import { randomBytes } from "node:crypto"
import { inspect } from "node:util"
import { assert, describe, it, layer } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { ExitReason, GenServer, Node as CoreNode, Pid, Process, Term, testing } from "effect-otp"
import { Epmd, Node } from "../src/index.ts"
import { startPeer } from "./fixtures/peer-node.ts"

// Two effect-otp nodes in two OS processes: this one (t) and a child process started by
// fixtures/peer-node.ts (p, fixtures/peer.ts), over real sockets on 127.0.0.1 with an EPMD on a free
// port and a random cookie. Everything synchronises on the peer's ready line, messages, DOWNs, exits
// and nodeup/nodedown, never on sleeps.

const atom = Term.atom
const P = "p@127.0.0.1"
const T = "t@127.0.0.1"
const agent = { name: "agent", node: P }
type AnyPid = Pid.Pid<unknown>

const startBoth = Effect.gen(function* () {
  const epmd = yield* Epmd.serve({ port: 0 })
  const cookie = randomBytes(8).toString("hex")
  const t = yield* Node.start(T, { cookie, epmdPort: epmd.port })
  const peer = yield* startPeer(P, cookie, epmd.port)
  return { t, peer }
})

/** One pair of nodes shared by the tests that leave the peer running (starting one takes seconds). */
class Both extends Context.Service<Both, Effect.Success<typeof startBoth>>()("test/NodePeer/Both") {
  static readonly layer = Layer.effect(Both, startBoth)
}

const on =
  (node: Node.DistributedApi) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    effect.pipe(Effect.provideService(CoreNode.Node, node.node), Effect.provideService(Node.Distributed, node))

/** Asks the peer's agent; its answer is the next message (the caller's mailbox is otherwise empty). */
const ask = (command: Term.Term) =>
  Effect.gen(function* () {
    yield* Process.send(agent, Term.tuple(yield* Process.self<unknown>(), command))
    return (yield* Process.receive<Term.Tuple>()).elements
  })

/** The messages until `NodeDown`, then those until a marker sent to itself: all a loss gave. */
const drainUntilNodeDown = Effect.gen(function* () {
  const out: Array<unknown> = []
  while (true) {
    const message = yield* Process.receive()
    out.push(message)
    if (message instanceof Node.NodeDown) break
  }
  yield* Process.send(yield* Process.self<unknown>(), atom("marker"))
  while (true) {
    const message = yield* Process.receive()
    if (message === atom("marker")) return out
    out.push(message)
  }
})

const eq = (actual: unknown, expected: Term.Term) =>
  assert.isTrue(Term.equals(actual as Term.Term, expected), inspect(actual, { depth: 6 }))

/** A local process that exits with `why` when it gets a message. */
const waiter = (why: ExitReason.ExitReason) => Effect.andThen(Process.receive(), Process.exit(why))

const Counter = GenServer.behaviour({
  protocol: [Term.Tuple],
  init: (start: number) => Effect.succeed(GenServer.ok(start)),
  handleCall: {
    Tuple: (request: Term.Tuple, count: number) => {
      const next = count + (request.elements[1] as number)
      return Effect.succeed(GenServer.reply(next as unknown, next))
    }
  }
})

/** The exit reasons a process can end with, as terms (the `agent`'s `spawn` reads them). */
const reasons: ReadonlyArray<readonly [Term.Term, ExitReason.ExitReason]> = [
  [atom("normal"), ExitReason.normal],
  [atom("shutdown"), ExitReason.shutdown],
  [Term.tuple(atom("shutdown"), atom("bye")), ExitReason.shutdownWith(atom("bye"))],
  [atom("boom"), ExitReason.failure(atom("boom"))]
]

// the tests run on the live clock (excludeTestServices)
layer(Both.layer, { excludeTestServices: true, timeout: "60 seconds" })(
  "Node: two effect-otp nodes in two OS processes",
  (it) => {
    it.effect(
      "sends both ways in order, and GenServer calls both ways",
      () =>
        Effect.gen(function* () {
          const { t } = yield* Both
          yield* on(t)(GenServer.start(Counter, 100, { name: "tcounter" }))
          const result = yield* on(t)(
            testing.runInProcess(
              Effect.gen(function* () {
                const self = yield* Process.self<unknown>()
                for (let i = 1; i <= 200; i++) yield* Process.send(agent, Term.tuple(self, i))
                const numbers: Array<unknown> = []
                for (let i = 0; i < 200; i++) numbers.push(yield* Process.receive())
                const counter = GenServer.remote<Term.Tuple, Term.Tuple>("counter", P)
                const added = yield* GenServer.call(counter, Term.tuple(atom("add"), 5))
                yield* GenServer.cast(counter, Term.tuple(atom("add"), 10))
                const got = yield* GenServer.call(counter, Term.tuple(atom("get")))
                const theirs = yield* ask(
                  Term.tuple(atom("call"), atom("tcounter"), atom(T), Term.tuple(atom("add"), 7))
                )
                return { numbers, added, got, theirs }
              })
            )
          )
          assert.deepStrictEqual(
            result.numbers,
            Array.from({ length: 200 }, (_, i) => i + 1)
          )
          assert.deepStrictEqual([result.added, result.got], [5, 15])
          assert.deepStrictEqual(result.theirs, [atom("reply"), 107])
          assert.deepStrictEqual(t.list(), [P])
        }),
      60_000
    )

    it.effect(
      "links and monitors in both directions, with each exit reason",
      () =>
        Effect.gen(function* () {
          const { t } = yield* Both
          // from t to processes of p: one per reason, one killed, one already gone
          const fromT = yield* on(t)(
            testing.runInProcess(
              Effect.gen(function* () {
                yield* Process.trapExit(true)
                const spawn = (why: Term.Term) => Effect.map(ask(Term.tuple(atom("spawn"), why)), (e) => e[1] as AnyPid)
                const targets = yield* Effect.forEach(reasons, ([why]) => spawn(why))
                const killed = yield* spawn(atom("normal"))
                const gone = yield* spawn(atom("normal"))
                const goneRef = yield* Process.monitor(gone)
                yield* Process.send(gone, atom("go"))
                const goneDown = yield* Process.receive()
                const refs = yield* Effect.forEach([...targets, killed, gone], (pid) =>
                  Effect.andThen(Process.link(pid), Process.monitor(pid))
                )
                for (const pid of targets) yield* Process.send(pid, atom("go"))
                yield* Process.kill(killed)
                const got: Array<unknown> = []
                for (let i = 0; i < 2 * (targets.length + 2); i++) got.push(yield* Process.receive())
                return { targets, killed, gone, refs, goneDown, goneRef, got }
              })
            )
          )
          assert.deepStrictEqual(fromT.goneDown, new Process.Down(fromT.goneRef, fromT.gone, ExitReason.normal))
          const expected = [
            ...reasons.map(([, why], i) => [fromT.targets[i]!, why] as const),
            [fromT.killed, ExitReason.killed] as const,
            [fromT.gone, ExitReason.noProc] as const
          ].flatMap(([pid, why], i) => [new Process.Exit(pid, why), new Process.Down(fromT.refs[i]!, pid, why)])
          assert.sameDeepMembers(fromT.got, expected)

          // from p to processes of t: the peer's watchers link to and monitor them, and forward what they get
          const fromP = yield* on(t)(
            testing.runInProcess(
              Effect.gen(function* () {
                const targets = yield* Effect.forEach(reasons, ([, why]) => Process.spawn(waiter(why)))
                const killed = yield* Process.spawn(Process.receive())
                const gone = yield* Process.spawn(Effect.void)
                yield* Process.awaitExit(gone)
                for (const pid of [...targets, killed, gone]) yield* ask(Term.tuple(atom("watch"), pid))
                for (const pid of targets) yield* Process.send(pid, atom("go"))
                yield* Process.kill(killed)
                const got: Array<Term.Tuple> = []
                for (let i = 0; i < 2 * (targets.length + 2); i++) got.push(yield* Process.receive<Term.Tuple>())
                return { targets, killed, gone, got: got.map((m) => m.elements) }
              })
            )
          )
          const expectedP = [
            ...reasons.map(([why], i) => [fromP.targets[i]!, why] as const),
            [fromP.killed, atom("killed")] as const,
            [fromP.gone, atom("noproc")] as const
          ].flatMap(([pid, why]) => [
            [atom("EXIT"), pid, why],
            [atom("DOWN"), pid, why]
          ])
          assert.strictEqual(fromP.got.length, expectedP.length)
          for (const want of expectedP) {
            assert.isTrue(
              fromP.got.some((got) => Term.equals(Term.tuple(...(got as [Term.Term])), Term.tuple(...want))),
              `missing ${inspect(want, { depth: 5 })} in ${inspect(fromP.got, { depth: 5 })}`
            )
          }
        }),
      60_000
    )

    it.effect(
      "a supervisor on p restarts a child that t monitors: Down with its reason; a monitor by name on the new one",
      () =>
        Effect.gen(function* () {
          const { t } = yield* Both
          const result = yield* on(t)(
            testing.runInProcess(
              Effect.gen(function* () {
                const worker = GenServer.remote<Term.Tuple, Term.Tuple>("worker", P)
                const first = (yield* GenServer.call(worker, Term.tuple(atom("whoami")))) as AnyPid
                const ref = yield* Process.monitor(first)
                yield* GenServer.cast(worker, Term.tuple(atom("stop"), atom("boom")))
                const down = yield* Process.receive()
                // the supervisor had the exit before the Down left p: what it says now is after the restart
                const [, second] = yield* ask(Term.tuple(atom("child"), atom("worker")))
                const byName = yield* GenServer.call(worker, Term.tuple(atom("whoami")))
                // a new monitor, by its registered name, on the restarted child
                const ref2 = yield* Process.monitor({ name: "worker", node: P })
                yield* GenServer.cast(worker, Term.tuple(atom("stop"), Term.tuple(atom("shutdown"), atom("again"))))
                const down2 = yield* Process.receive()
                return { first, ref, down, second: second as AnyPid, byName, ref2, down2 }
              })
            )
          )
          assert.deepStrictEqual(
            result.down,
            new Process.Down(result.ref, result.first, ExitReason.failure(atom("boom")))
          )
          assert.strictEqual(result.second.node, P)
          assert.notDeepEqual(result.second, result.first)
          eq(result.byName, result.second)
          assert.deepStrictEqual(
            result.down2,
            // by name: the Down carries the name, and names the node's <0.0> (MONITOR_P_EXIT gives
            // the name, not the pid)
            new Process.Down(result.ref2, Pid.make(P, 0, 0), ExitReason.shutdownWith(atom("again")), {
              name: "worker",
              node: P
            })
          )
        }),
      60_000
    )
  }
)

describe("Node: a peer in another OS process killed", () => {
  it.live(
    "the peer killed with SIGKILL: every link and monitor across fires NoConnection once, on both sides of each",
    () =>
      Effect.gen(function* () {
        const { t, peer } = yield* startBoth
        // a process of t that p links to and monitors; it does not trap exits
        const victim = yield* on(t)(Process.spawn(Process.receive()))
        const result = yield* on(t)(
          testing.runInProcess(
            Effect.gen(function* () {
              yield* Process.trapExit(true)
              yield* Node.monitorNodes(true)
              yield* Node.connect(P)
              const up = yield* Process.receive()
              const [, linked] = yield* ask(Term.tuple(atom("spawn"), atom("normal")))
              const [, watched] = yield* ask(Term.tuple(atom("spawn"), atom("normal")))
              const [, both] = yield* ask(Term.tuple(atom("spawn"), atom("normal")))
              yield* Process.link(linked as AnyPid)
              const ref = yield* Process.monitor(watched as AnyPid)
              yield* Process.link(both as AnyPid)
              const refBoth = yield* Process.monitor(both as AnyPid)
              // the watcher's link and monitor are in place when it answers; a round trip puts ours there
              yield* ask(Term.tuple(atom("watch"), victim))
              yield* ask(1)
              yield* peer.kill("SIGKILL")
              const out = yield* drainUntilNodeDown
              return { linked, watched, both, ref, refBoth, up, out }
            })
          )
        )
        const [linked, watched, both] = [result.linked, result.watched, result.both] as Array<AnyPid>
        assert.deepStrictEqual(result.up, new Node.NodeUp({ node: P }))
        assert.sameDeepMembers(result.out, [
          new Process.Exit(linked!, ExitReason.noConnection),
          new Process.Down(result.ref, watched!, ExitReason.noConnection),
          new Process.Exit(both!, ExitReason.noConnection),
          new Process.Down(result.refBoth, both!, ExitReason.noConnection),
          new Node.NodeDown({ node: P, reason: "connection closed" })
        ])
        assert.strictEqual(result.out.length, 5)
        // the link from p ends the process of t that does not trap exits
        assert.deepStrictEqual(yield* Process.awaitExit(victim), ExitReason.noConnection)
        assert.deepStrictEqual(t.list(), [])
      }).pipe(Effect.scoped),
    60_000
  )
})
