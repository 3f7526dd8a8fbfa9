import { assert, describe, expect, expectTypeOf, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Option, Schema } from "effect"
import { TestClock } from "effect/testing"
import { ExitReason, GenServer, Node, Process, Request } from "effect-otp"

class Increment extends Request.Class<Increment>()("Increment", {
  fields: { by: Schema.Number },
  success: Schema.Number
}) {}
class Get extends Request.Class<Get>()("Get", { success: Schema.Number }) {}
class Withdraw extends Request.Class<Withdraw>()("Withdraw", {
  fields: { amount: Schema.Number },
  success: Schema.Number,
  failure: Schema.Literal("insufficient")
}) {}
class Slow extends Request.Class<Slow>()("Slow", { success: Schema.String }) {}
class Later extends Request.Class<Later>()("Later", { success: Schema.String }) {}
class Release extends Request.Class<Release>()("Release", {}) {}
class Crash extends Request.Class<Crash>()("Crash", {}) {}
class StopWithReply extends Request.Class<StopWithReply>()("StopWithReply", { success: Schema.String }) {}

interface State {
  readonly count: number
  readonly waiting: ReadonlyArray<GenServer.From<string, never>>
  readonly log: ReadonlyArray<string>
}

const events = (log: Array<string>) =>
  GenServer.behaviour({
    protocol: [Increment, Get, Withdraw, Slow, Later, Release, Crash, StopWithReply],
    init: (start: number) =>
      Effect.sync(() => {
        log.push(`init ${start}`)
        return GenServer.ok<State, string>({ count: start, waiting: [], log: [] }, { continue: "warmup" })
      }),
    handleCall: {
      Increment: (request, state) =>
        Effect.succeed(GenServer.reply(state.count + request.by, { ...state, count: state.count + request.by })),
      Get: (_, state) => Effect.succeed(GenServer.reply(state.count, state)),
      Withdraw: (request, state) =>
        Effect.succeed(
          request.amount > state.count
            ? GenServer.replyError("insufficient" as const, state)
            : GenServer.reply(state.count - request.amount, { ...state, count: state.count - request.amount })
        ),
      Slow: (_, state) => Effect.as(Effect.sleep("10 seconds"), GenServer.reply("slow", state)),
      Later: (_, state, from) => Effect.succeed(GenServer.noreply({ ...state, waiting: [...state.waiting, from] })),
      Release: (_, state) =>
        Effect.as(
          Effect.forEach(state.waiting, (from) => GenServer.replyTo(from, "released")),
          GenServer.reply(undefined, { ...state, waiting: [] })
        ),
      Crash: () => Effect.die(new Error("boom")),
      StopWithReply: (_, state) =>
        Effect.succeed(GenServer.stop(ExitReason.shutdownWith("asked"), state, { reply: "bye" }))
    },
    handleCast: (message: { readonly _tag: "Add"; readonly n: number } | { readonly _tag: "Stop" }, state) =>
      Effect.succeed(
        message._tag === "Add"
          ? GenServer.noreply({ ...state, count: state.count + message.n })
          : GenServer.stop(ExitReason.normal, state)
      ),
    handleInfo: (message: string, state) =>
      Effect.sync(() => {
        log.push(`info ${message}`)
        return GenServer.noreply(state, { continue: `after ${message}` })
      }),
    handleContinue: (arg: string, state) =>
      Effect.sync(() => {
        log.push(`continue ${arg}`)
        return GenServer.noreply(state)
      }),
    terminate: (reason, state) =>
      Effect.sync(() => {
        log.push(`terminate ${reason._tag} ${state.count}`)
      })
  })

const withNode = <A, E, R>(effect: Effect.Effect<A, E, R>) => effect.pipe(Effect.provide(Node.layer()))

describe("GenServer", () => {
  it.effect("init, continue, call, cast, info and stop run in order", () =>
    withNode(
      Effect.gen(function* () {
        const log: Array<string> = []
        const server = yield* GenServer.start(events(log), 1)
        assert.strictEqual(yield* GenServer.call(server, new Increment({ by: 2 })), 3)
        yield* GenServer.cast(server, { _tag: "Add", n: 10 })
        assert.strictEqual(yield* GenServer.call(server, new Get()), 13)
        const pid = Option.getOrThrow(server.whereis())
        yield* GenServer.send(server, "hello")
        assert.strictEqual(yield* GenServer.call(server, new Get()), 13)
        yield* GenServer.cast(server, { _tag: "Stop" })
        const reason = yield* Process.awaitExit(pid)
        assert.deepStrictEqual(reason, ExitReason.normal)
        assert.deepStrictEqual(log, [
          "init 1",
          "continue warmup",
          "info hello",
          "continue after hello",
          "terminate Normal 13"
        ])
      })
    )
  )

  it.effect("a declared error is a typed failure of the call; the server carries on", () =>
    withNode(
      Effect.gen(function* () {
        const server = yield* GenServer.start(events([]), 5)
        const exit = yield* Effect.exit(GenServer.call(server, new Withdraw({ amount: 10 })))
        assert.deepStrictEqual(exit, Exit.fail("insufficient"))
        assert.strictEqual(yield* GenServer.call(server, new Withdraw({ amount: 2 })), 3)
      })
    )
  )

  it.effect("a call to a dead server fails at once with NoProc", () =>
    withNode(
      Effect.gen(function* () {
        const server = yield* GenServer.start(events([]), 0)
        yield* GenServer.stopServer(server)
        const error = yield* Effect.flip(GenServer.call(server, new Get()))
        assert.strictEqual(error._tag, "NoProc")
      })
    )
  )

  it.effect("a call times out at the exact virtual time and its late reply is dropped", () =>
    withNode(
      Effect.gen(function* () {
        const server = yield* GenServer.start(events([]), 0)
        const caller = yield* Process.spawn(
          Effect.gen(function* () {
            const exit = yield* Effect.exit(GenServer.call(server, new Slow(), { timeout: "3 seconds" }))
            // the late reply must not land in the caller's mailbox
            const leaked = yield* Process.receive({ timeout: "20 seconds" })
            return { exit, leaked }
          })
        )
        const done = yield* Deferred.make<void>()
        yield* Effect.forkChild(Effect.andThen(Process.awaitExit(caller), Deferred.succeed(done, undefined)))
        yield* TestClock.adjust("2999 millis")
        assert.isTrue(yield* Process.isAlive(caller))
        yield* TestClock.adjust("1 milli")
        // the caller is now waiting on its mailbox; the server still computes
        yield* TestClock.adjust("30 seconds")
        yield* Deferred.await(done)
        assert.deepStrictEqual(yield* Process.awaitExit(caller), ExitReason.normal)
        assert.strictEqual(yield* GenServer.call(server, new Get()), 0)
      })
    )
  )

  it.effect("CallTimeout is the call's typed error", () =>
    withNode(
      Effect.gen(function* () {
        const server = yield* GenServer.start(events([]), 0)
        const fiber = yield* Effect.forkChild(Effect.flip(GenServer.call(server, new Slow(), { timeout: "1 second" })))
        yield* TestClock.adjust("1 second")
        const error = yield* Fiber.join(fiber)
        assert.strictEqual(error._tag, "CallTimeout")
      })
    )
  )

  it.effect("a server that dies during a call fails the call with ServerExited and its reason", () =>
    withNode(
      Effect.gen(function* () {
        const log: Array<string> = []
        const server = yield* GenServer.start(events(log), 7)
        const error = yield* Effect.flip(GenServer.call(server, new Crash()))
        assert.strictEqual(error._tag, "ServerExited")
        if (error._tag !== "ServerExited") return
        const reason = error.reason as ExitReason.ExitReason
        assert.strictEqual(reason._tag, "Failure")
        if (reason._tag === "Failure") assert.isTrue(Cause.hasDies(reason.cause))
        // terminate ran with the crash as reason
        assert.include(log, "terminate Failure 7")
      })
    )
  )

  it.effect("deferred replies with replyTo", () =>
    withNode(
      Effect.gen(function* () {
        const server = yield* GenServer.start(events([]), 0)
        const a = yield* Effect.forkChild(GenServer.call(server, new Later()))
        const b = yield* Effect.forkChild(GenServer.call(server, new Later()))
        yield* Effect.yieldNow
        yield* GenServer.call(server, new Release())
        assert.deepStrictEqual(yield* Fiber.join(a), "released")
        assert.deepStrictEqual(yield* Fiber.join(b), "released")
      })
    )
  )

  it.effect("stop with a reply answers the caller, then terminates with the reason", () =>
    withNode(
      Effect.gen(function* () {
        const log: Array<string> = []
        const server = yield* GenServer.start(events(log), 4)
        const pid = Option.getOrThrow(server.whereis())
        assert.strictEqual(yield* GenServer.call(server, new StopWithReply()), "bye")
        assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.shutdownWith("asked"))
        assert.include(log, "terminate Shutdown 4")
      })
    )
  )

  it.effect("terminate runs on the parent's shutdown when the server traps exits, not when it does not", () =>
    withNode(
      Effect.gen(function* () {
        const trappingLog: Array<string> = []
        const plainLog: Array<string> = []
        const ready = yield* Deferred.make<readonly [Process.Pid<never, unknown>, Process.Pid<never, unknown>]>()
        const parent = yield* Process.spawn(
          Effect.gen(function* () {
            const a = yield* GenServer.startLink(events(trappingLog), 1, { trapExit: true })
            const b = yield* GenServer.startLink(events(plainLog), 2)
            yield* Deferred.succeed(ready, [Option.getOrThrow(a.whereis()), Option.getOrThrow(b.whereis())])
            return yield* Process.receive<never>()
          })
        )
        const [a, b] = yield* Deferred.await(ready)
        yield* Process.exit(parent, ExitReason.shutdown)
        assert.deepStrictEqual(yield* Process.awaitExit(a), ExitReason.shutdown)
        assert.deepStrictEqual(yield* Process.awaitExit(b), ExitReason.shutdown)
        assert.include(trappingLog, "terminate Shutdown 1")
        assert.notInclude(plainLog.join(), "terminate")
      })
    )
  )

  it.effect("a caller interrupted mid-call leaves the server unharmed", () =>
    withNode(
      Effect.gen(function* () {
        const server = yield* GenServer.start(events([]), 0)
        const fiber = yield* Effect.forkChild(GenServer.call(server, new Slow()))
        yield* Effect.yieldNow
        yield* Fiber.interrupt(fiber)
        yield* TestClock.adjust("10 seconds")
        assert.strictEqual(yield* GenServer.call(server, new Increment({ by: 1 })), 1)
      })
    )
  )

  it.effect("init failure fails start with the error; the name is taken → AlreadyRegistered", () =>
    withNode(
      Effect.gen(function* () {
        const failing = GenServer.behaviour({
          init: (_: void) => Effect.fail("no config" as const)
        })
        assert.deepStrictEqual(yield* Effect.flip(GenServer.start(failing, undefined)), "no config")
        const first = yield* GenServer.start(events([]), 0, { name: "gs-name-test" })
        const error = yield* Effect.flip(GenServer.start(events([]), 0, { name: "gs-name-test" }))
        assert.strictEqual(error._tag, "AlreadyRegistered")
        const byName = yield* GenServer.named(events([]), "gs-name-test")
        assert.strictEqual(yield* GenServer.call(byName, new Increment({ by: 5 })), 5)
        assert.deepStrictEqual(byName.whereis(), first.whereis())
      })
    )
  )

  it.effect("getState reads the state through the system lane", () =>
    withNode(
      Effect.gen(function* () {
        const server = yield* GenServer.start(events([]), 9)
        const state = (yield* GenServer.getState(server)) as State
        assert.strictEqual(state.count, 9)
      })
    )
  )

  it("call's type carries the request's reply and declared errors (type-level)", () => {
    const server = null as unknown as GenServer.Server<Increment | Get | Withdraw, "reset">
    const increment = () => GenServer.call(server, new Increment({ by: 1 }))
    const withdraw = () => GenServer.call(server, new Withdraw({ amount: 1 }))
    expectTypeOf<Effect.Success<ReturnType<typeof increment>>>().toEqualTypeOf<number>()
    expectTypeOf<Effect.Error<ReturnType<typeof increment>>>().toEqualTypeOf<GenServer.CallError>()
    expectTypeOf<Effect.Error<ReturnType<typeof withdraw>>>().toEqualTypeOf<"insufficient" | GenServer.CallError>()
    expectTypeOf(GenServer.cast<Increment | Get | Withdraw, "reset">)
      .parameter(1)
      .toEqualTypeOf<"reset">()
    // a server from a behaviour has exactly the behaviour's protocol
    type FromBehaviour = GenServer.RequestsOf<ReturnType<typeof events>>
    expectTypeOf<FromBehaviour>().toEqualTypeOf<
      Increment | Get | Withdraw | Slow | Later | Release | Crash | StopWithReply
    >()
  })

  it("the protocol is checked at compile time", () => {
    const server = null as unknown as GenServer.Server<Increment | Get>
    // @ts-expect-error Withdraw is not in the protocol
    const wrong = () => GenServer.call(server, new Withdraw({ amount: 1 }))
    const right = () => GenServer.call(server, new Increment({ by: 1 }))
    expect(typeof wrong).toBe("function")
    type RightSuccess = Effect.Success<ReturnType<typeof right>>
    const check: RightSuccess = 1
    expect(check).toBe(1)
  })
})
