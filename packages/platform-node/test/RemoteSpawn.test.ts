import { inspect } from "node:util"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Schema } from "effect"
import { Errors, ExitReason, Pid, Process, Term, testing } from "effect-otp"
import type * as Handshake from "../src/internal/handshake.ts"
import { Epmd, Node } from "../src/index.ts"
import { connectRaw, cookie, on, startPair } from "./fixtures/dist.ts"
import { skipWithoutErl, startErl } from "./fixtures/os.ts"

// Remote spawn (SPAWN_REQUEST / SPAWN_REPLY) between two effect-otp nodes in this OS process, and
// with real Erlang nodes. Everything synchronises on replies, exits and DOWNs, never on sleeps.

const atom = Term.atom

/**
 * A spawn handler: the process greets `name`, sends the greeting to the pid it receives, then
 * waits for an atom and ends with it (`normal` ends normally, any other atom is a failure).
 */
const greeter = {
  args: Schema.Tuple([Schema.String]),
  run: ([name]: readonly [string]) =>
    Effect.gen(function* () {
      const from = yield* Process.receive<Pid.Pid<unknown>>()
      yield* Process.send(from, Term.tuple(atom("hello"), name))
      const end = yield* Process.receive<Term.Atom>()
      if (end !== atom("normal")) return yield* Effect.fail(end)
    })
}

/**
 * In a process that traps exits: greets through `greeter` on `node`, spawned with link and monitor,
 * then makes it fail with `boom`; then once more with a plain spawn that ends normally.
 */
const greetings = (node: string) =>
  Effect.gen(function* () {
    const self = yield* Process.self<unknown>()
    const { pid, ref } = yield* Process.spawnOn(node, "greeter", ["bob"], { link: true, monitor: true })
    yield* Process.send(pid, self)
    const hello = yield* Process.receive()
    yield* Process.send(pid, atom("boom"))
    const signals = [yield* Process.receive(), yield* Process.receive()]
    // a plain spawn: no link, no monitor, just the pid
    const plain = yield* Process.spawnOn(node, "greeter", ["ann"])
    yield* Process.send(plain, self)
    const hello2 = yield* Process.receive()
    yield* Process.send(plain, atom("normal"))
    return { pid, ref, hello, signals, plain, hello2 }
  })

/** What {@link greetings} gives: the two greetings, the link's EXIT and the monitor's DOWN, the plain one's normal end. */
const assertGreetings = (result: Effect.Success<ReturnType<typeof greetings>>, node: string) =>
  Effect.gen(function* () {
    assert.strictEqual(result.pid.node, node)
    assert.isTrue(Term.equals(result.hello as Term.Term, Term.tuple(atom("hello"), "bob")), inspect(result.hello))
    assert.sameDeepMembers(result.signals, [
      new Process.Exit(result.pid, ExitReason.failure(atom("boom"))),
      new Process.Down(result.ref, result.pid, ExitReason.failure(atom("boom")))
    ])
    assert.isTrue(Term.equals(result.hello2 as Term.Term, Term.tuple(atom("hello"), "ann")))
    assert.deepStrictEqual(yield* Process.awaitExit(result.plain), ExitReason.normal)
  })

describe("Process.spawnOn between two effect-otp nodes", () => {
  it.live("runs the handler with its decoded args; link and monitor carry its exit across", () =>
    Effect.gen(function* () {
      const { a, b } = yield* startPair()
      yield* on(b)(Node.registerSpawnHandler("greeter", greeter))
      const result = yield* on(a)(
        testing.runInProcess(Effect.andThen(Process.trapExit(true), greetings("b@127.0.0.1")))
      )
      yield* assertGreetings(result, "b@127.0.0.1")
    }).pipe(Effect.scoped)
  )

  it.live("to the caller's own node: its handler runs here, linked and monitored; undef and badarg as across", () =>
    Effect.gen(function* () {
      const { a } = yield* startPair()
      let runs = 0
      yield* on(a)(Node.registerSpawnHandler("greeter", greeter))
      yield* on(a)(
        Node.registerSpawnHandler("counted", {
          args: Schema.Tuple([Schema.Int]),
          run: () => Effect.sync(() => void runs++)
        })
      )
      const result = yield* on(a)(
        testing.runInProcess(
          Effect.gen(function* () {
            yield* Process.trapExit(true)
            const greeted = yield* greetings("a@127.0.0.1")
            const failures = [
              yield* Effect.flip(Process.spawnOn("a@127.0.0.1", "nobody", [])),
              yield* Effect.flip(Process.spawnOn("a@127.0.0.1", "counted", ["not an int"])),
              yield* Effect.flip(Process.spawnOn("a@127.0.0.1", "counted", [{ not: "a term" }]))
            ]
            return { greeted, failures }
          })
        )
      )
      yield* assertGreetings(result.greeted, "a@127.0.0.1")
      // as from another node: no such handler, arguments its Schema rejects, arguments without a term
      assert.deepStrictEqual(result.failures, [
        new Errors.SpawnFailed({ node: "a@127.0.0.1", handler: "nobody", reason: "undef" }),
        new Errors.SpawnFailed({ node: "a@127.0.0.1", handler: "counted", reason: "badarg" }),
        new Errors.SpawnFailed({ node: "a@127.0.0.1", handler: "counted", reason: "badarg" })
      ])
      assert.strictEqual(runs, 0)
      assert.strictEqual(a.undecodable(), 1)
      assert.deepStrictEqual(a.list(), [])
    }).pipe(Effect.scoped)
  )

  it.live("a process spawned with link exits with its caller's exit reason", () =>
    Effect.gen(function* () {
      const { a, b } = yield* startPair()
      yield* on(b)(Node.registerSpawnHandler("greeter", greeter))
      const spawned = yield* Deferred.make<Pid.Pid<unknown>>()
      const caller = yield* on(a)(
        Process.spawn(
          Effect.gen(function* () {
            const pid = yield* Process.spawnOn("b@127.0.0.1", "greeter", ["bob"], { link: true })
            yield* Deferred.succeed(spawned, pid)
            yield* Process.receive()
            return yield* Effect.fail(atom("caller_crashed"))
          })
        )
      )
      const pid = yield* Deferred.await(spawned)
      yield* on(a)(Process.send(caller, atom("go")))
      assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.failure(atom("caller_crashed")))
    }).pipe(Effect.scoped)
  )

  it.live("failures: no such handler, args that do not decode or have no term, an unknown node, options", () =>
    Effect.gen(function* () {
      const { a, b } = yield* startPair()
      let runs = 0
      yield* on(b)(
        Node.registerSpawnHandler("counted", {
          args: Schema.Tuple([Schema.Int]),
          run: () => Effect.sync(() => void runs++)
        })
      )
      const errors = yield* on(a)(
        testing.runInProcess(
          Effect.gen(function* () {
            const spawn = (node: string, name: string, args: ReadonlyArray<unknown>, timeout?: unknown) =>
              Effect.flip(Process.spawnOn(node, name, args, { timeout: timeout as "infinity" }))
            return [
              yield* spawn("b@127.0.0.1", "nobody", []),
              yield* spawn("b@127.0.0.1", "counted", ["not an int"]),
              yield* spawn("b@127.0.0.1", "counted", [1, 2]),
              yield* spawn("b@127.0.0.1", "counted", [{ not: "a term" }]),
              yield* spawn("nobody@127.0.0.1", "counted", [1]),
              yield* spawn("a@127.0.0.1", "counted", [1]),
              yield* spawn("b@127.0.0.1", "counted", [1], -1)
            ]
          })
        )
      )
      assert.deepStrictEqual(errors, [
        new Errors.SpawnFailed({ node: "b@127.0.0.1", handler: "nobody", reason: "undef" }),
        new Errors.SpawnFailed({ node: "b@127.0.0.1", handler: "counted", reason: "badarg" }),
        new Errors.SpawnFailed({ node: "b@127.0.0.1", handler: "counted", reason: "badarg" }),
        new Errors.SpawnFailed({ node: "b@127.0.0.1", handler: "counted", reason: "badarg" }),
        new Errors.NoConnection({ node: "nobody@127.0.0.1" }),
        // the caller's own node has no such handler
        new Errors.SpawnFailed({ node: "a@127.0.0.1", handler: "counted", reason: "undef" }),
        new Errors.BadArgument({
          function: "Process.spawnOn",
          field: "timeout",
          value: -1,
          reason: 'must be a non-negative duration or "infinity"'
        })
      ])
      assert.strictEqual(runs, 0)
      // the two requests whose args did not decode were counted; the connection is still there
      assert.strictEqual(b.undecodable(), 2)
      assert.deepStrictEqual(b.list(), ["a@127.0.0.1"])
      assert.deepStrictEqual(
        yield* Effect.exit(on(b)(Node.registerSpawnHandler("counted", greeter))),
        Exit.fail(new Node.SpawnHandlerExists({ handler: "counted" }))
      )
      yield* on(b)(Node.unregisterSpawnHandler("counted"))
      assert.deepStrictEqual(
        yield* on(a)(testing.runInProcess(Effect.flip(Process.spawnOn("b@127.0.0.1", "counted", [1])))),
        new Errors.SpawnFailed({ node: "b@127.0.0.1", handler: "counted", reason: "undef" })
      )
    }).pipe(Effect.scoped)
  )

  it.live("a node that does not answer: SpawnTimeout, and a late spawn is abandoned; a lost one: NoConnection", () =>
    Effect.gen(function* () {
      const { a, secret, epmd } = yield* startPair()
      const raw = yield* connectRaw({ secret, epmd })
      const result = yield* on(a)(
        testing.runInProcess(
          Effect.gen(function* () {
            const self = yield* Process.self<unknown>()
            const timedOut = yield* Effect.flip(
              Process.spawnOn("raw@127.0.0.1", "slow", [], { link: true, timeout: "20 millis" })
            )
            return { self, timedOut }
          })
        )
      )
      assert.deepStrictEqual(
        result.timedOut,
        new Errors.SpawnTimeout({ node: "raw@127.0.0.1", handler: "slow", timeout: 20 })
      )
      // the request as it arrived; the answer comes after the timeout, with a link
      const request = yield* raw.receive()
      assert.isDefined(request)
      const control = (request as Handshake.Packet).control as Term.Tuple
      const [tag, reqId, from, , mfa, options] = control.elements
      assert.strictEqual(tag, 29)
      assert.isTrue(Term.equals(from!, result.self))
      assert.isTrue(Term.equals(mfa!, Term.tuple(atom("effect_otp"), atom("slow"), 0)))
      assert.deepStrictEqual(options, [atom("link")])
      const late = Pid.make("raw@127.0.0.1", 3, 7) as Pid.Pid<never, unknown>
      yield* raw.send({ control: Term.tuple(31, reqId!, from!, 1, late) })
      // the late process is sent an exit `abandoned`, as OTP's spawn_request_abandon does
      const exit = (yield* raw.receive()) as Handshake.Packet
      assert.isTrue(
        Term.equals(exit.control, Term.tuple(8, result.self, late, atom("abandoned"))),
        inspect(exit.control)
      )
      // a request whose connection is lost before the answer fails with NoConnection
      const waiting = yield* on(a)(
        Effect.forkChild(
          testing.runInProcess(Effect.flip(Process.spawnOn("raw@127.0.0.1", "slow", [], { timeout: "infinity" }))),
          { startImmediately: true }
        )
      )
      yield* raw.receive()
      yield* a.disconnect("raw@127.0.0.1")
      assert.deepStrictEqual(yield* Fiber.join(waiting), new Errors.NoConnection({ node: "raw@127.0.0.1" }))
    }).pipe(Effect.scoped)
  )
})

describe.skipIf(skipWithoutErl)("remote spawn with Erlang", () => {
  it.live(
    "Erlang's spawn_request runs our handler (effect_otp:Name) with link and monitor; undef; badarg",
    () =>
      Effect.gen(function* () {
        const epmd = yield* Epmd.serve({ port: 0 })
        const secret = cookie()
        const ts = yield* Node.start("ts@127.0.0.1", { cookie: secret, epmdPort: epmd.port })
        yield* on(ts)(Node.registerSpawnHandler("greeter", greeter))
        const got = yield* Deferred.make<unknown>()
        const inbox = yield* on(ts)(Process.spawn(Effect.flatMap(Process.receive(), (m) => Deferred.succeed(got, m))))
        yield* on(ts)(Process.register("inbox", inbox))
        yield* startErl(
          "e1@127.0.0.1",
          secret,
          epmd.port,
          [
            "process_flag(trap_exit, true),",
            "R1 = erlang:spawn_request('ts@127.0.0.1', effect_otp, greeter, [<<\"bob\">>], [monitor, link]),",
            "P = receive {spawn_reply, R1, ok, Pid} -> Pid end,",
            "P ! self(),",
            "H = receive {hello, _} = M -> M end,",
            "P ! boom,",
            "D = receive {'DOWN', R1, process, P, Why} -> Why end,",
            "E = receive {'EXIT', P, Why2} -> Why2 end,",
            "R2 = erlang:spawn_request('ts@127.0.0.1', effect_otp, nobody, [], [monitor]),",
            "U = receive {spawn_reply, R2, error, Reason2} -> Reason2 end,",
            "R3 = erlang:spawn_request('ts@127.0.0.1', effect_otp, greeter, [42], []),",
            "B = receive {spawn_reply, R3, error, Reason3} -> Reason3 end,",
            "{inbox, 'ts@127.0.0.1'} ! {P, H, D, E, U, B},",
            'io:format("up~n"), receive stop -> ok end.'
          ].join(" "),
          "up"
        )
        const result = (yield* Deferred.await(got)) as Term.Tuple
        const pid = result.elements[0] as Pid.Pid<never, unknown>
        assert.strictEqual(pid.node, "ts@127.0.0.1")
        assert.isTrue(
          Term.equals(
            result,
            Term.tuple(pid, Term.tuple(atom("hello"), "bob"), atom("boom"), atom("boom"), atom("undef"), atom("badarg"))
          ),
          inspect(result, { depth: 5 })
        )
        assert.strictEqual(ts.undecodable(), 1)
      }).pipe(Effect.scoped),
    30_000
  )

  it.live(
    "spawnOn an Erlang node runs module:function there, with link and monitor",
    () =>
      Effect.gen(function* () {
        const epmd = yield* Epmd.serve({ port: 0 })
        const secret = cookie()
        const ts = yield* Node.start("ts@127.0.0.1", { cookie: secret, epmdPort: epmd.port })
        yield* startErl("e2@127.0.0.1", secret, epmd.port, 'io:format("up~n"), receive stop -> ok end.', "up")
        const result = yield* on(ts)(
          testing.runInProcess(
            Effect.gen(function* () {
              yield* Process.trapExit(true)
              const exiting = yield* Process.spawnOn("e2@127.0.0.1", "erlang:exit", [atom("bye")], {
                link: true,
                monitor: true
              })
              const signals = [yield* Process.receive(), yield* Process.receive()]
              const seq = yield* Process.spawnOn("e2@127.0.0.1", "lists:seq", [1, 3], { monitor: true })
              const down = yield* Process.receive()
              return { exiting, signals, seq, down }
            })
          )
        )
        assert.strictEqual(result.exiting.pid.node, "e2@127.0.0.1")
        assert.sameDeepMembers(result.signals, [
          new Process.Exit(result.exiting.pid, ExitReason.failure(atom("bye"))),
          new Process.Down(result.exiting.ref, result.exiting.pid, ExitReason.failure(atom("bye")))
        ])
        assert.deepStrictEqual(result.down, new Process.Down(result.seq.ref, result.seq.pid, ExitReason.normal))
      }).pipe(Effect.scoped),
    30_000
  )
})
