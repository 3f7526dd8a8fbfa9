import { inspect } from "node:util"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger, Option, Queue, Schema } from "effect"
import { GenServer, GenStatem, Process, Term, testing } from "effect-otp"
import { Epmd, Node } from "../src/index.ts"
import { cookie, on, startPair } from "./fixtures/dist.ts"
import { skipWithoutErl, startErl } from "./fixtures/os.ts"

// Casts and other messages across nodes to a server whose behaviour declares their Schemas
// (`casts`, `infos`): decoded before a handler sees them; one that does not decode reaches no
// handler, is counted in `Node.undecodable`, and the connection goes on.

const atom = Term.atom

class Reset extends Schema.TaggedClass<Reset>()("Reset", { to: Schema.Int }) {}
class Add extends Schema.TaggedClass<Add>()("Add", { n: Schema.Int }) {}
class Ping extends Schema.TaggedClass<Ping>()("Ping", { from: Schema.String }) {}

/** A struct, not a class: it crosses only with the reference's `casts` Schema. */
const Label = Schema.Struct({ label: Schema.String })
type Label = typeof Label.Type

type Handled = { readonly kind: "cast" | "info"; readonly message: unknown }
type Seen = Queue.Queue<Handled>

/** Hands each cast and message its handler sees to the test, as the handler got it. */
const Recorder = GenServer.behaviour({
  casts: Schema.Union([Reset, Add]),
  infos: Ping,
  init: (seen: Seen) => Effect.succeed(GenServer.ok(seen)),
  handleCast: (message: Reset | Add, seen) =>
    Effect.as(Queue.offer(seen, { kind: "cast", message }), GenServer.noreply(seen)),
  handleInfo: (message: Ping, seen) => Effect.as(Queue.offer(seen, { kind: "info", message }), GenServer.noreply(seen))
})

/** The same without Schemas: a message from another node arrives as its term. */
const RawRecorder = GenServer.behaviour({
  init: (seen: Seen) => Effect.succeed(GenServer.ok(seen)),
  handleCast: (message: unknown, seen) =>
    Effect.as(Queue.offer(seen, { kind: "cast", message }), GenServer.noreply(seen))
})

const Labeller = GenServer.behaviour({
  casts: Label,
  init: (seen: Seen) => Effect.succeed(GenServer.ok(seen)),
  handleCast: (message: Label, seen) => Effect.as(Queue.offer(seen, { kind: "cast", message }), GenServer.noreply(seen))
})

const Machine = GenStatem.behaviour<{ readonly state: "idle"; readonly data: Seen; readonly cast: Reset }>()({
  callbackMode: "handleEvent",
  casts: Reset,
  init: (seen: Seen) => Effect.succeed(GenStatem.ok("idle", seen)),
  handleEvent: (event, _state, seen) =>
    event._tag === "Cast"
      ? Effect.as(Queue.offer(seen, { kind: "cast", message: event.content }), GenStatem.keepStateAndData())
      : Effect.succeed(GenStatem.keepStateAndData())
})

/** The warnings logged by the nodes started with `layer` (the transport logs what did not decode). */
const captureWarnings = () => {
  const warnings: Array<unknown> = []
  const logger = Logger.make((options) => {
    if (options.logLevel === "Warn") warnings.push(options.message)
  })
  return { warnings, layer: Logger.layer([logger]) }
}

const badAdd = new Map<Term.Term, Term.Term>([
  [atom("_tag"), "Add"],
  [atom("n"), "lots"]
])

describe("typed casts and messages between two effect-otp nodes", () => {
  it.live("a cast crosses as the term of its class and arrives as an instance of it", () =>
    Effect.gen(function* () {
      const { a, b } = yield* startPair()
      const seen: Seen = yield* Queue.unbounded<Handled>()
      yield* on(b)(GenServer.start(Recorder, seen, { name: "recorder" }))
      const recorder = GenServer.remote<never, Reset | Add>("recorder", "b@127.0.0.1")
      yield* on(a)(
        testing.runInProcess(
          Effect.gen(function* () {
            yield* GenServer.cast(recorder, new Add({ n: 2 }))
            yield* Process.send(
              { name: "recorder", node: "b@127.0.0.1" },
              new Map([
                [atom("_tag"), "Ping"],
                [atom("from"), "a"]
              ])
            )
          })
        )
      )
      const cast = yield* Queue.take(seen)
      const info = yield* Queue.take(seen)
      assert.deepStrictEqual(cast, { kind: "cast", message: new Add({ n: 2 }) })
      assert.instanceOf(cast.message, Add)
      assert.deepStrictEqual(info, { kind: "info", message: new Ping({ from: "a" }) })
      assert.instanceOf(info.message, Ping)
      assert.strictEqual(a.undecodable() + b.undecodable(), 0)
    }).pipe(Effect.scoped)
  )

  it.live("a struct crosses with the reference's casts Schema, by name or by pid", () =>
    Effect.gen(function* () {
      const { a, b } = yield* startPair()
      const seen: Seen = yield* Queue.unbounded<Handled>()
      const local = yield* on(b)(GenServer.start(Labeller, seen, { name: "labeller" }))
      const labeller = GenServer.remote<never, Label>("labeller", "b@127.0.0.1", Labeller)
      yield* on(a)(testing.runInProcess(GenServer.cast(labeller, { label: "x" })))
      assert.deepStrictEqual(yield* Queue.take(seen), { kind: "cast", message: { label: "x" } })
      const pid = Option.getOrThrow(yield* GenServer.whereis(local))
      const byPid = GenServer.fromPid<never, Label>(pid, Labeller)
      yield* on(a)(testing.runInProcess(GenServer.cast(byPid, { label: "y" })))
      assert.deepStrictEqual(yield* Queue.take(seen), { kind: "cast", message: { label: "y" } })
      assert.strictEqual(a.undecodable() + b.undecodable(), 0)
    }).pipe(Effect.scoped)
  )

  it.live("a cast to a GenStatem that declares casts arrives as an instance of its class", () =>
    Effect.gen(function* () {
      const { a, b } = yield* startPair()
      const seen: Seen = yield* Queue.unbounded<Handled>()
      yield* on(b)(GenStatem.start(Machine, seen, { name: "machine" }))
      const machine = GenServer.remote<never, Reset>("machine", "b@127.0.0.1")
      yield* on(a)(testing.runInProcess(GenServer.cast(machine, new Reset({ to: 1 }))))
      const cast = yield* Queue.take(seen)
      assert.deepStrictEqual(cast, { kind: "cast", message: new Reset({ to: 1 }) })
      assert.instanceOf(cast.message, Reset)
    }).pipe(Effect.scoped)
  )

  it.live("a cast or message that does not decode reaches no handler, is counted; the next one is handled", () =>
    Effect.gen(function* () {
      const { warnings, layer } = captureWarnings()
      const { a, b } = yield* startPair().pipe(Effect.provide(layer))
      const seen: Seen = yield* Queue.unbounded<Handled>()
      const server = yield* on(b)(GenServer.start(Recorder, seen, { name: "recorder" }))
      const raw = GenServer.remote<never, Term.Term>("recorder", "b@127.0.0.1")
      yield* on(a)(
        testing.runInProcess(
          Effect.gen(function* () {
            yield* GenServer.cast(raw, badAdd)
            yield* Process.send({ name: "recorder", node: "b@127.0.0.1" }, atom("garbage"))
            yield* GenServer.cast(
              raw,
              new Map<Term.Term, Term.Term>([
                [atom("_tag"), "Reset"],
                [atom("to"), 7]
              ])
            )
          })
        )
      )
      assert.deepStrictEqual(yield* Queue.take(seen), { kind: "cast", message: new Reset({ to: 7 }) })
      assert.strictEqual(b.undecodable(), 2)
      assert.strictEqual(a.undecodable(), 0)
      const pid = String(Option.getOrThrow(server.whereis()))
      assert.deepStrictEqual(warnings, [
        [`from a@127.0.0.1: a cast for ${pid} did not decode: Expected number\n  at ["n"]`],
        [`from a@127.0.0.1: a message for ${pid} did not decode: Expected object`]
      ])
      assert.deepStrictEqual(a.list(), ["b@127.0.0.1"])
    }).pipe(Effect.scoped)
  )

  it.live("without a casts Schema, a cast from another node arrives as its term; a local cast as it was sent", () =>
    Effect.gen(function* () {
      const { a, b } = yield* startPair()
      const seen: Seen = yield* Queue.unbounded<Handled>()
      const server = yield* on(b)(GenServer.start(RawRecorder, seen, { name: "raw" }))
      yield* on(a)(
        testing.runInProcess(GenServer.cast(GenServer.remote<never, Add>("raw", "b@127.0.0.1"), new Add({ n: 1 })))
      )
      const remote = yield* Queue.take(seen)
      const expected = new Map<Term.Term, Term.Term>([
        [atom("_tag"), "Add"],
        [atom("n"), 1]
      ])
      assert.isTrue(Term.equals(remote.message as Term.Term, expected), inspect(remote, { depth: 5 }))
      // a local cast is not decoded: the handler gets the very value
      const local = new Add({ n: 3 })
      yield* on(b)(GenServer.cast(server, local))
      assert.strictEqual((yield* Queue.take(seen)).message, local)
      // nor is a local cast to a server that declares casts
      const typed = yield* on(b)(GenServer.start(Recorder, seen))
      yield* on(b)(GenServer.cast(typed, local))
      assert.strictEqual((yield* Queue.take(seen)).message, local)
    }).pipe(Effect.scoped)
  )
})

describe.skipIf(skipWithoutErl)("typed casts from Erlang", () => {
  it.live(
    "gen_server:cast with a bad map reaches no handler and is counted; the next cast and a message are decoded",
    () =>
      Effect.gen(function* () {
        const epmd = yield* Epmd.serve({ port: 0 })
        const secret = cookie()
        const { warnings, layer } = captureWarnings()
        const ts = yield* Node.start("ts@127.0.0.1", { cookie: secret, epmdPort: epmd.port }).pipe(
          Effect.provide(layer)
        )
        const seen: Seen = yield* Queue.unbounded<Handled>()
        const server = yield* on(ts)(GenServer.start(Recorder, seen, { name: "recorder" }))
        yield* startErl(
          "e1@127.0.0.1",
          secret,
          epmd.port,
          [
            "S = {recorder, 'ts@127.0.0.1'},",
            "gen_server:cast(S, #{'_tag' => <<\"Add\">>, n => lots}),",
            "gen_server:cast(S, #{'_tag' => 'Reset', to => 4}),",
            'S ! #{\'_tag\' => <<"Ping">>, from => <<"erl">>},',
            'io:format("up~n"), receive stop -> ok end.'
          ].join(" "),
          "up"
        )
        const cast = yield* Queue.take(seen)
        const info = yield* Queue.take(seen)
        assert.deepStrictEqual(cast, { kind: "cast", message: new Reset({ to: 4 }) })
        assert.instanceOf(cast.message, Reset)
        assert.deepStrictEqual(info, { kind: "info", message: new Ping({ from: "erl" }) })
        assert.strictEqual(ts.undecodable(), 1)
        const pid = String(Option.getOrThrow(server.whereis()))
        assert.deepStrictEqual(warnings, [
          [`from e1@127.0.0.1: a cast for ${pid} did not decode: Expected number\n  at ["n"]`]
        ])
      }).pipe(Effect.scoped),
    30_000
  )
})
