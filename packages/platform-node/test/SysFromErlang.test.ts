import { inspect } from "node:util"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger, Option, Queue, Schema } from "effect"
import { ExitReason, GenServer, GenStatem, type Pid, Process, Sys, Term } from "effect-otp"
import { Epmd, Node } from "../src/index.ts"
import { cookie, on, TermCounter } from "./fixtures/dist.ts"
import { skipWithoutErl, startErl } from "./fixtures/os.ts"

// OTP's `sys` from an Erlang node: `{system, {Pid, Tag}, Request}` to one of our servers is served
// by its system lane and answered `{Tag, Reply}` as OTP's `sys:handle_system_msg` answers; it never
// reaches `handleInfo`. Everything synchronises on messages, never on sleeps.

const atom = Term.atom
const ts = "ts@127.0.0.1"

class Ping extends Schema.TaggedClass<Ping>()("Ping", { from: Schema.String }) {}
const Tally = Schema.Struct({ count: Schema.Int })

/** Declares the Schemas of its state and its messages (`infos`). */
const Typed = GenServer.behaviour({
  state: Tally,
  infos: Ping,
  init: (count: number) => Effect.succeed(GenServer.ok({ count })),
  handleInfo: (_: Ping, state: typeof Tally.Type) => Effect.succeed(GenServer.noreply(state))
})

/** Its state has no term: a Queue. */
const Opaque = GenServer.behaviour({
  init: () => Effect.map(Queue.unbounded<number>(), (queue) => GenServer.ok(queue)),
  handleInfo: (_: unknown, queue: Queue.Queue<number>) => Effect.succeed(GenServer.noreply(queue))
})

/** A state machine: `sys:get_state` answers `{State, Data}`. */
const Machine = GenStatem.behaviour<{ readonly state: "idle"; readonly data: number }>()({
  callbackMode: "handleEvent",
  init: (data: number) => Effect.succeed(GenStatem.ok("idle", data)),
  handleEvent: () => Effect.succeed(GenStatem.keepStateAndData())
})

/** The lines the node logs at warning and above (a message that reached `handleInfo`, one that did not decode). */
const captureWarnings = () => {
  const warnings: Array<unknown> = []
  const logger = Logger.make((options) => {
    if (options.logLevel === "Warn" || options.logLevel === "Error") warnings.push(options.message)
  })
  return { warnings, layer: Logger.layer([logger]) }
}

/**
 * Node `ts` with `counter`, `typed` and `opaque` running, an `inbox` process that hands the test
 * what it receives, and an Erlang node running `script` (which may send to `{inbox, 'ts@127.0.0.1'}`).
 */
const setUp = (script: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const epmd = yield* Epmd.serve({ port: 0 })
    const secret = cookie()
    const { warnings, layer } = captureWarnings()
    const node = yield* Node.start(ts, { cookie: secret, epmdPort: epmd.port }).pipe(Effect.provide(layer))
    const counter = yield* on(node)(GenServer.start(TermCounter, 1, { name: "counter" }))
    const counterPid = Option.getOrThrow(yield* GenServer.whereis(counter))
    yield* on(node)(GenServer.start(Typed, 7, { name: "typed" }))
    yield* on(node)(GenServer.start(Opaque, undefined, { name: "opaque" }))
    yield* on(node)(GenStatem.start(Machine, 3, { name: "machine" }))
    const inbox = yield* Queue.unbounded<unknown>()
    const receiver = yield* on(node)(
      Process.spawn(Effect.forever(Effect.flatMap(Process.receive(), (m) => Queue.offer(inbox, m))))
    )
    yield* on(node)(Process.register("inbox", receiver))
    yield* startErl(
      "e1@127.0.0.1",
      secret,
      epmd.port,
      [...script, 'io:format("up~n"), receive stop -> ok end.'].join(" "),
      "up"
    )
    return { node, counter, counterPid, inbox, warnings }
  })

const assertTerm = (actual: unknown, expected: Term.Term) =>
  assert.isTrue(Term.equals(actual as Term.Term, expected), inspect(actual, { depth: 8 }))

describe.skipIf(skipWithoutErl)("sys from an Erlang node", () => {
  it.live(
    "sys:get_state answers the state's term (with its Schema when declared), a GenStatem's {State, Data}, an error when it has none",
    () =>
      Effect.gen(function* () {
        const { inbox, node, warnings } = yield* setUp([
          "S = fun(N) -> try sys:get_state({N, 'ts@127.0.0.1'}) catch error:R -> {raised, R} end end,",
          "{inbox, 'ts@127.0.0.1'} ! {S(counter), S(typed), S(machine), S(opaque)},"
        ])
        assertTerm(
          yield* Queue.take(inbox),
          Term.tuple(
            1,
            new Map([[atom("count"), 7]]),
            Term.tuple("idle", 3),
            Term.tuple(
              atom("raised"),
              Term.tuple(
                atom("callback_failed"),
                Term.tuple(atom("gen_server"), atom("system_get_state")),
                Term.tuple(atom("error"), atom("not_a_term"))
              )
            )
          )
        )
        assert.deepStrictEqual(warnings, [])
        assert.strictEqual(node.undecodable(), 0)
      }).pipe(Effect.scoped),
    30_000
  )

  it.live(
    "sys:suspend holds a gen_server:call until sys:resume; then it is answered",
    () =>
      Effect.gen(function* () {
        const { counter, inbox, node, warnings } = yield* setUp([
          "S = {counter, 'ts@127.0.0.1'}, Me = self(),",
          "Suspended = sys:suspend(S),",
          "C = spawn(fun() -> receive go -> ok end, Me ! {answer, gen_server:call(S, {add, 1})} end),",
          "erlang:trace(C, true, [send]), C ! go,",
          // the call has left: what the inbox gets next comes after it on the connection
          "receive {trace, C, send, {'$gen_call', _, _}, _} -> ok end,",
          "{inbox, 'ts@127.0.0.1'} ! {waiting, Me, Suspended},",
          // ready for the test (which resumes it) before the end of the script
          'io:format("up~n"), receive resume -> ok end,',
          "Resumed = sys:resume(S),",
          "receive {answer, A} -> ok end,",
          "{inbox, 'ts@127.0.0.1'} ! {Resumed, A, gen_server:call(S, {get})},"
        ])
        const waiting = (yield* Queue.take(inbox)) as Term.Tuple
        assertTerm(Term.tuple(waiting.elements[0]!, waiting.elements[2]!), Term.tuple(atom("waiting"), atom("ok")))
        // the call waits in the mailbox of the suspended server, unhandled
        const status = yield* on(node)(Sys.getStatus(counter))
        assert.deepStrictEqual(
          { status: status.status, state: status.state, mailboxLength: status.mailboxLength },
          { status: "suspended", state: 1, mailboxLength: 1 }
        )
        yield* on(node)(Process.send(waiting.elements[1] as Pid.Pid<Term.Atom>, atom("resume")))
        assertTerm(yield* Queue.take(inbox), Term.tuple(atom("ok"), 2, 2))
        assert.deepStrictEqual(warnings, [])
      }).pipe(Effect.scoped),
    30_000
  )

  it.live(
    "sys:terminate answers ok, then the server stops with the reason, as OTP's system_terminate",
    () =>
      Effect.gen(function* () {
        const { counterPid, inbox, warnings } = yield* setUp([
          "T = sys:terminate({counter, 'ts@127.0.0.1'}, {shutdown, bye}),",
          "{inbox, 'ts@127.0.0.1'} ! {terminated, T},"
        ])
        assertTerm(yield* Queue.take(inbox), Term.tuple(atom("terminated"), atom("ok")))
        assert.deepStrictEqual(yield* Process.awaitExit(counterPid), ExitReason.shutdownWith(atom("bye")))
        assert.deepStrictEqual(warnings, [])
      }).pipe(Effect.scoped),
    30_000
  )

  it.live(
    "an unknown system request (and get_status) gets {error, {unknown_system_msg, Request}}; the server goes on",
    () =>
      Effect.gen(function* () {
        const { inbox, warnings } = yield* setUp([
          "S = {typed, 'ts@127.0.0.1'},",
          "U = gen:call(S, system, {frobnicate, 1}),",
          "G = sys:get_status(S),",
          "{inbox, 'ts@127.0.0.1'} ! {U, G, sys:get_state(S)},"
        ])
        const unknown = (request: Term.Term) =>
          Term.tuple(atom("error"), Term.tuple(atom("unknown_system_msg"), request))
        assertTerm(
          yield* Queue.take(inbox),
          Term.tuple(
            Term.tuple(atom("ok"), unknown(Term.tuple(atom("frobnicate"), 1))),
            unknown(atom("get_status")),
            new Map([[atom("count"), 7]])
          )
        )
        assert.deepStrictEqual(warnings, [])
      }).pipe(Effect.scoped),
    30_000
  )
})
