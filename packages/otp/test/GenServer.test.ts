import { assert, describe, expect, expectTypeOf, it } from "@effect/vitest"
import { Cause, Context, Deferred, Effect, Equal, Exit, Fiber, Hash, Layer, Option, Schema, Scope } from "effect"
import { TestClock } from "effect/testing"
import { Errors, ExitReason, GenServer, Mailbox, Node, Pid, Process, Registry, Request, testing } from "effect-otp"
import { assertReason, failedStart, inProcess, withNode } from "./utils.ts"

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
        Effect.succeed(GenServer.stopWith(ExitReason.shutdownWith("asked"), state, { reply: "bye" }))
    },
    handleCast: (message: { readonly _tag: "Add"; readonly n: number } | { readonly _tag: "Stop" }, state) =>
      Effect.succeed(
        message._tag === "Add"
          ? GenServer.noreply({ ...state, count: state.count + message.n })
          : GenServer.stopWith(ExitReason.normal, state)
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
        const pid = Option.getOrThrow(server.whereis())
        yield* GenServer.stop(server)
        const error = yield* Effect.flip(GenServer.call(server, new Get()))
        assert.deepStrictEqual(error, new Errors.NoProc({ pid }))
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
        const pid = Option.getOrThrow(server.whereis())
        const error = yield* testing.advancing(
          Effect.flip(GenServer.call(server, new Slow(), { timeout: "1 second" })),
          "1 second"
        )
        assert.deepStrictEqual(error, new GenServer.CallTimeout({ pid, timeout: 1000 }))
      })
    )
  )

  it.effect("a server that dies during a call fails the call with ServerExited and its reason", () =>
    withNode(
      Effect.gen(function* () {
        const log: Array<string> = []
        const server = yield* GenServer.start(events(log), 7)
        const pid = Option.getOrThrow(server.whereis())
        const error = yield* Effect.flip(GenServer.call(server, new Crash()))
        assert.instanceOf(error, GenServer.ServerExited)
        const exited = error as GenServer.ServerExited
        assert.strictEqual(exited.pid, pid)
        const reason = yield* Process.awaitExit(pid)
        assertReason(reason, ExitReason.failureCause(Cause.die(new Error("boom"))))
        assertReason(exited.reason, reason)
        // terminate ran with the crash as reason
        assert.deepStrictEqual(log, ["init 7", "continue warmup", "terminate Failure 7"])
      })
    )
  )

  it.effect("deferred replies with replyTo", () =>
    withNode(
      Effect.gen(function* () {
        const server = yield* GenServer.start(events([]), 0)
        // started at once: each call has sent its request when the fork returns
        const a = yield* Effect.forkChild(GenServer.call(server, new Later()), { startImmediately: true })
        const b = yield* Effect.forkChild(GenServer.call(server, new Later()), { startImmediately: true })
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
        assert.deepStrictEqual(log, ["init 4", "continue warmup", "terminate Shutdown 4"])
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
        assert.deepStrictEqual(trappingLog, ["init 1", "continue warmup", "terminate Shutdown 1"])
        assert.notInclude(plainLog.join(), "terminate")
      })
    )
  )

  it.effect("a caller interrupted mid-call leaves the server unharmed", () =>
    withNode(
      Effect.gen(function* () {
        const server = yield* GenServer.start(events([]), 0)
        // started at once: the call has sent its request when the fork returns
        const fiber = yield* Effect.forkChild(GenServer.call(server, new Slow()), { startImmediately: true })
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
        assert.deepStrictEqual(
          error,
          new Errors.AlreadyRegistered({ registeredName: "gs-name-test", pid: Option.getOrThrow(first.whereis()) })
        )
        const byName = yield* GenServer.named(events([]), "gs-name-test")
        assert.strictEqual(yield* GenServer.call(byName, new Increment({ by: 5 })), 5)
        assert.deepStrictEqual(byName.whereis(), first.whereis())
      })
    )
  )

  it.effect("the pipe forms do what the data-first forms do; isServer knows every reference", () =>
    withNode(
      Effect.gen(function* () {
        const log: Array<string> = []
        const server = yield* GenServer.start(events(log), 1, { name: "piped" })
        const pid = Option.getOrThrow(server.whereis())
        const byName = yield* GenServer.named(events([]), "piped")
        assert.deepStrictEqual([server, byName, GenServer.fromPid(pid)].map(GenServer.isServer), [true, true, true])
        assert.deepStrictEqual([pid, { whereis: server.whereis }, null, "piped"].map(GenServer.isServer), [
          false,
          false,
          false,
          false
        ])
        assert.strictEqual(yield* server.pipe(GenServer.call(new Increment({ by: 2 }))), 3)
        assert.deepStrictEqual(
          yield* Effect.exit(byName.pipe(GenServer.call(new Withdraw({ amount: 10 }), { timeout: "1 second" }))),
          Exit.fail("insufficient" as const)
        )
        yield* server.pipe(GenServer.cast({ _tag: "Add", n: 10 }))
        yield* byName.pipe(GenServer.send("hello"))
        assert.strictEqual(yield* server.pipe(GenServer.call(new Get())), 13)
        assert.strictEqual(((yield* server.pipe(GenServer.getState())) as State).count, 13)
        yield* server.pipe(GenServer.stop(ExitReason.shutdownWith("piped"), { timeout: "infinity" }))
        assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.shutdownWith("piped"))
        assert.deepStrictEqual(log, [
          "init 1",
          "continue warmup",
          "info hello",
          "continue after hello",
          "terminate Shutdown 13"
        ])
      })
    )
  )

  it.effect("references are values: equal by pid, or by name", () =>
    withNode(
      Effect.gen(function* () {
        const server = yield* GenServer.start(events([]), 1, { name: "valued" })
        const other = yield* GenServer.start(events([]), 1)
        const pid = Option.getOrThrow(server.whereis())
        const byName = yield* GenServer.named(events([]), "valued")
        const byNameAgain = yield* GenServer.named(events([]), "valued")
        assert.deepStrictEqual(
          [
            Equal.equals(server, GenServer.fromPid(pid)),
            Equal.equals(byName, byNameAgain),
            Equal.equals(server, other),
            Equal.equals(server, byName),
            Equal.equals(server, pid)
          ],
          [true, true, false, false, false]
        )
        assert.deepStrictEqual(
          [Hash.hash(server) === Hash.hash(GenServer.fromPid(pid)), Hash.hash(byName) === Hash.hash(byNameAgain)],
          [true, true]
        )
      })
    )
  )

  it.effect("make stops the server with Shutdown when its scope closes; layer does the same for a Layer", () =>
    withNode(
      Effect.gen(function* () {
        const log: Array<string> = []
        const scope = yield* Scope.make()
        const server = yield* GenServer.make(events(log), 1).pipe(Scope.provide(scope))
        const pid = Option.getOrThrow(server.whereis())
        assert.strictEqual(yield* GenServer.call(server, new Get()), 1)
        yield* Scope.close(scope, Exit.void)
        assert.isFalse(yield* Process.isAlive(pid))
        assert.deepStrictEqual(log, ["init 1", "continue warmup", "terminate Shutdown 1"])

        log.length = 0
        const layerScope = yield* Scope.make()
        const node = yield* Node.Node
        yield* Layer.buildWithScope(GenServer.layer(events(log), 2, { name: "layered" }), layerScope)
        const named = yield* GenServer.named(events([]), "layered")
        assert.strictEqual(yield* named.pipe(GenServer.call(new Increment({ by: 1 }))), 3)
        yield* Scope.close(layerScope, Exit.void)
        assert.deepStrictEqual(yield* GenServer.whereis(named), Option.none())
        assert.deepStrictEqual(node.processes(), [])
        assert.deepStrictEqual(log, ["init 2", "continue warmup", "terminate Shutdown 3"])
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

  describe("the failure paths of calls", () => {
    type Op = "call" | "stop" | "getState"
    /** Calls its `target` with `op` from inside its handler and replies with the Exit of that. */
    class Reach extends Request.Class<Reach>()("Reach", {
      fields: { target: Schema.Any, op: Schema.Literals(["call", "stop", "getState"]) },
      success: Schema.Any
    }) {}
    /** Blocks the server in its handler until `gate` opens, after completing `entered`. */
    class Block extends Request.Class<Block>()("Block", { fields: { entered: Schema.Any, gate: Schema.Any } }) {}
    class Handled extends Request.Class<Handled>()("Handled", { success: Schema.Array(Schema.String) }) {}
    /** An info message; `done` completes once the server has handled it. */
    interface Note {
      readonly label: string
      readonly done?: Deferred.Deferred<void>
    }

    const reach = (target: GenServer.Server<Get>, op: Op): Effect.Effect<unknown, unknown> =>
      op === "call"
        ? GenServer.call(target, new Get())
        : op === "stop"
          ? GenServer.stop(target)
          : GenServer.getState(target)

    /** Its state is the log of what it handled. */
    const Reacher = GenServer.behaviour({
      protocol: [Reach, Block, Get, Handled],
      init: (_: void) => Effect.succeed(GenServer.ok<ReadonlyArray<string>>([])),
      handleCall: {
        Reach: (request, log) =>
          Effect.map(Effect.exit(reach(request.target as GenServer.Server<Get>, request.op)), (exit) =>
            GenServer.reply(exit, [...log, `Reach ${request.op}`])
          ),
        Block: (request, log) =>
          Effect.as(
            Effect.andThen(
              Deferred.succeed(request.entered as Deferred.Deferred<void>, undefined),
              Deferred.await(request.gate as Deferred.Deferred<void>)
            ),
            GenServer.reply(undefined, [...log, "Block"])
          ),
        Get: (_, log) => Effect.succeed(GenServer.reply(log.length, [...log, "Get"])),
        Handled: (_, log) => Effect.succeed(GenServer.reply(log, log))
      },
      handleInfo: (note: Note, log) =>
        Effect.as(
          note.done === undefined ? Effect.void : Deferred.succeed(note.done, undefined),
          GenServer.noreply([...log, `info ${note.label}`])
        )
    })

    /** Starts a Reacher with `mailbox` and blocks it in a handler; `open` lets it go on. */
    const startBlocked = (mailbox: Mailbox.Options) =>
      Effect.gen(function* () {
        const server = yield* GenServer.start(Reacher, undefined, { mailbox })
        const pid = Option.getOrThrow(server.whereis())
        const entered = yield* Deferred.make<void>()
        const gate = yield* Deferred.make<void>()
        const blocker = yield* Effect.forkChild(GenServer.call(server, new Block({ entered, gate })))
        yield* Deferred.await(entered)
        const open = Effect.andThen(Deferred.succeed(gate, undefined), Fiber.join(blocker))
        return { server, pid, open }
      })

    it.effect("a server that calls itself by pid, local name or via name fails at once with CallingSelf", () =>
      withNode(
        Effect.gen(function* () {
          const registry = yield* Registry.start<string, unknown>({ keys: "unique", name: "calls/registry" })
          const local = yield* GenServer.start(Reacher, undefined, { name: "calls/self" })
          const localPid = Option.getOrThrow(local.whereis())
          const via = yield* GenServer.start(Reacher, undefined, { name: Registry.via(registry, "self") })
          const viaPid = Option.getOrThrow(via.whereis())
          const targets = [
            { server: local, target: GenServer.fromPid<Get>(localPid), expected: { pid: localPid } },
            {
              server: local,
              target: yield* GenServer.named(Reacher, "calls/self"),
              expected: { pid: localPid, registeredName: "calls/self" }
            },
            {
              server: via,
              target: yield* GenServer.named(Reacher, Registry.via("calls/registry", "self")),
              expected: { pid: viaPid, registeredName: 'Registry.via("calls/registry", "self")' }
            }
          ]
          for (const { server, target, expected } of targets) {
            for (const op of ["call", "stop", "getState"] as const) {
              // no clock moves: a self call that waited would never return
              const exit = yield* GenServer.call(server, new Reach({ target, op }))
              assert.deepStrictEqual(exit, Exit.fail(new GenServer.CallingSelf({ ...expected, operation: op })))
            }
          }
          const printed = new GenServer.CallingSelf({ pid: localPid, registeredName: "calls/self", operation: "call" })
            .message
          assert.strictEqual(
            printed,
            `call of "calls/self" (${String(localPid)}) from the process itself: it cannot wait for its own reply`
          )
          // the servers carry on: stop of self did not stop them
          assert.deepStrictEqual(yield* GenServer.call(local, new Handled()), [
            "Reach call",
            "Reach stop",
            "Reach getState",
            "Reach call",
            "Reach stop",
            "Reach getState"
          ])
          assert.isTrue(yield* Process.isAlive(viaPid))
        })
      )
    )

    it.effect("a plain process that calls itself by pid, local name or via name fails at once with CallingSelf", () =>
      withNode(
        Effect.gen(function* () {
          const registry = yield* Registry.start<string, unknown>({ keys: "unique", name: "calls/plain" })
          const { pid, exits } = yield* inProcess(
            Effect.gen(function* () {
              const self = yield* Process.self()
              yield* Process.register("calls/plain-self", self)
              yield* Registry.register(registry, "me", undefined)
              const targets = [
                GenServer.fromPid<Get>(self),
                yield* GenServer.named(Reacher, "calls/plain-self"),
                yield* GenServer.named(Reacher, Registry.via(registry, "me"))
              ]
              const exits: Array<Exit.Exit<unknown, unknown>> = []
              for (const target of targets) {
                for (const op of ["call", "stop", "getState"] as const)
                  exits.push(yield* Effect.exit(reach(target, op)))
              }
              return { pid: self, exits }
            })
          )
          const expected = (name: string | undefined) =>
            (["call", "stop", "getState"] as const).map((operation) =>
              Exit.fail(
                name === undefined
                  ? new GenServer.CallingSelf({ pid, operation })
                  : new GenServer.CallingSelf({ pid, registeredName: name, operation })
              )
            )
          assert.deepStrictEqual(exits, [
            ...expected(undefined),
            ...expected("calls/plain-self"),
            ...expected('Registry.via("calls/plain", "me")')
          ])
        })
      )
    )

    it.effect("NoProc names the pid or the name it was given, and prints it", () =>
      withNode(
        Effect.gen(function* () {
          const server = yield* GenServer.start(Reacher, undefined, { name: "calls/gone" })
          const pid = Option.getOrThrow(server.whereis())
          const byName = yield* GenServer.named(Reacher, "calls/gone")
          yield* GenServer.stop(server)
          const byPid = new Errors.NoProc({ pid })
          for (const target of [server, GenServer.fromPid<Get>(pid)]) {
            assert.deepStrictEqual(yield* Effect.exit(GenServer.call(target, new Get())), Exit.fail(byPid))
            assert.deepStrictEqual(yield* Effect.exit(GenServer.stop(target)), Exit.fail(byPid))
            assert.deepStrictEqual(yield* Effect.exit(GenServer.getState(target)), Exit.fail(byPid))
          }
          assert.strictEqual(byPid.message, `no process ${String(pid)}`)
          assert.match(byPid.message, /^no process <\d+\.\d+\.\d+>$/)
          const named = new Errors.NoProc({ registeredName: "calls/gone" })
          assert.deepStrictEqual(yield* Effect.exit(GenServer.call(byName, new Get())), Exit.fail(named))
          assert.deepStrictEqual(yield* Effect.exit(GenServer.stop(byName)), Exit.fail(named))
          assert.strictEqual(named.message, 'no process named "calls/gone"')
        })
      )
    )

    it.effect("a call behind a full suspend mailbox times out at its timeout; its request is withdrawn", () =>
      withNode(
        Effect.gen(function* () {
          const { server, pid, open } = yield* startBlocked(Mailbox.bounded(1))
          yield* GenServer.send(server, { label: "first" })
          // the mailbox is full: the call waits to get in, and its deadline runs from now
          const call = yield* Effect.forkChild(
            Effect.exit(GenServer.call(server, new Get(), { timeout: "200 millis" })),
            {
              startImmediately: true
            }
          )
          yield* TestClock.adjust("199 millis")
          assert.isUndefined(call.pollUnsafe())
          yield* TestClock.adjust("1 milli")
          assert.deepStrictEqual(yield* Fiber.join(call), Exit.fail(new GenServer.CallTimeout({ pid, timeout: 200 })))
          // the server goes on: the withdrawn call never reaches it, so nothing answers it late
          const done = yield* Deferred.make<void>()
          yield* open
          yield* GenServer.send(server, { label: "last", done })
          yield* Deferred.await(done)
          assert.deepStrictEqual(yield* GenServer.call(server, new Handled()), ["Block", "info first", "info last"])
          assert.strictEqual(Option.getOrThrow(yield* Process.info(pid)).mailboxLength, 0)
        })
      )
    )

    it.effect("a call that a dropNewest mailbox refuses fails at once with CallDropped", () =>
      withNode(
        Effect.gen(function* () {
          const { server, pid, open } = yield* startBlocked(Mailbox.bounded(1, "dropNewest"))
          const done = yield* Deferred.make<void>()
          yield* GenServer.send(server, { label: "first", done })
          // no clock moves: a call that waited for its timeout would never return
          assert.deepStrictEqual(
            yield* Effect.exit(GenServer.call(server, new Get())),
            Exit.fail(new GenServer.CallDropped({ pid, capacity: 1, overflow: "dropNewest" }))
          )
          yield* open
          yield* Deferred.await(done)
          assert.deepStrictEqual(yield* GenServer.call(server, new Handled()), ["Block", "info first"])
        })
      )
    )

    it.effect("a call that a dropOldest mailbox drops for a newer message fails at once with CallDropped", () =>
      withNode(
        Effect.gen(function* () {
          const { server, pid, open } = yield* startBlocked(Mailbox.bounded(1, "dropOldest"))
          const call = yield* Effect.forkChild(Effect.exit(GenServer.call(server, new Get())), {
            startImmediately: true
          })
          assert.isUndefined(call.pollUnsafe())
          // the call's request is the oldest message: the newer one pushes it out
          const done = yield* Deferred.make<void>()
          yield* GenServer.send(server, { label: "newer", done })
          assert.deepStrictEqual(
            yield* Fiber.join(call),
            Exit.fail(new GenServer.CallDropped({ pid, capacity: 1, overflow: "dropOldest" }))
          )
          yield* open
          yield* Deferred.await(done)
          assert.deepStrictEqual(yield* GenServer.call(server, new Handled()), ["Block", "info newer"])
          const printed = new GenServer.CallDropped({ pid, capacity: 1, overflow: "dropOldest" }).message
          assert.strictEqual(
            printed,
            `the call to ${String(pid)} was dropped: its mailbox is full (capacity 1, overflow "dropOldest")`
          )
        })
      )
    )
  })
})

// ---------------------------------------------------------------------------------------------
// Failed starts: OTP's proc_lib:start_link semantics
// ---------------------------------------------------------------------------------------------

/** A server whose init runs `init` (after reporting its pid, when `started` is given). */
const initWith = <E>(init: Effect.Effect<unknown, E, Process.Self<unknown>>) =>
  GenServer.behaviour({
    protocol: [Get],
    init: (_: void) => Effect.as(init, GenServer.ok(0)),
    handleCall: { Get: (_, state) => Effect.succeed(GenServer.reply(state, state)) }
  })

const plain = initWith(Effect.void)
const boom = new Error("boom")

describe("GenServer: a failed start returns once the process is gone", () => {
  it.effect("init fails: the error; the process gone, its name free at once, no EXIT for a trapping caller", () =>
    withNode(
      Effect.gen(function* () {
        const outcome = yield* failedStart(
          GenServer.startLink(initWith(Effect.fail("no config" as const)), undefined, { name: "gs-fail-typed" }),
          Effect.map(GenServer.startLink(plain, undefined, { name: "gs-fail-typed" }), () => "started again")
        )
        assert.deepStrictEqual(outcome, {
          error: "no config",
          left: [],
          retried: "started again",
          mailbox: []
        })
      })
    )
  )

  it.effect("init dies or throws: InitFailed with the exit reason (start itself does not die)", () =>
    withNode(
      Effect.gen(function* () {
        const dying = {
          die: Effect.die(boom),
          throw: Effect.sync(() => {
            throw boom
          })
        }
        for (const [how, init] of Object.entries(dying)) {
          const name = `gs-fail-${how}`
          const outcome = yield* failedStart(
            GenServer.startLink(initWith(init), undefined, { name }),
            Effect.map(GenServer.startLink(plain, undefined, { name }), () => "started again")
          )
          assert.instanceOf(outcome.error, GenServer.InitFailed)
          assertReason((outcome.error as GenServer.InitFailed).reason, ExitReason.failureCause(Cause.die(boom)))
          assert.deepStrictEqual(
            { ...outcome, error: undefined },
            {
              error: undefined,
              left: [],
              retried: "started again",
              mailbox: []
            }
          )
        }
      })
    )
  )

  it.effect("init ends its process with Process.exit: InitFailed with that reason", () =>
    withNode(
      Effect.gen(function* () {
        const outcome = yield* failedStart(
          GenServer.startLink(initWith(Process.exit(ExitReason.shutdownWith("no disk"))), undefined, {
            name: "gs-fail-exit"
          }),
          Effect.map(GenServer.startLink(plain, undefined, { name: "gs-fail-exit" }), () => "started again")
        )
        assert.deepStrictEqual(outcome, {
          error: new GenServer.InitFailed({ reason: ExitReason.shutdownWith("no disk") }),
          left: [],
          retried: "started again",
          mailbox: []
        })
      })
    )
  )

  it.effect("init's function throws before making an effect: InitFailed, as a defect of init", () =>
    withNode(
      Effect.gen(function* () {
        const throwing = GenServer.behaviour({
          init: (_: void): Effect.Effect<GenServer.Ok<number>> => {
            throw boom
          }
        })
        const outcome = yield* failedStart(
          GenServer.startLink(throwing, undefined, { name: "gs-fail-throw-now" }),
          Effect.as(GenServer.startLink(plain, undefined, { name: "gs-fail-throw-now" }), "started again")
        )
        assert.instanceOf(outcome.error, GenServer.InitFailed)
        assertReason((outcome.error as GenServer.InitFailed).reason, ExitReason.failureCause(Cause.die(boom)))
        assert.deepStrictEqual(
          { ...outcome, error: undefined },
          { error: undefined, left: [], retried: "started again", mailbox: [] }
        )
      })
    )
  )

  it.effect("the process is killed during init: InitFailed with Killed; its name free, no EXIT", () =>
    withNode(
      Effect.gen(function* () {
        const started = yield* Deferred.make<Process.Pid<never, unknown>>()
        const waiting = initWith(
          Effect.andThen(
            Effect.flatMap(Process.self(), (self) => Deferred.succeed(started, self)),
            Effect.never
          )
        )
        const outcome = yield* failedStart(
          Effect.gen(function* () {
            const fiber = yield* Effect.forkChild(GenServer.startLink(waiting, undefined, { name: "gs-fail-killed" }))
            yield* Process.kill(yield* Deferred.await(started))
            return yield* Fiber.join(fiber)
          }),
          Effect.as(GenServer.startLink(plain, undefined, { name: "gs-fail-killed" }), "started again")
        )
        assert.deepStrictEqual(outcome, {
          error: new GenServer.InitFailed({ reason: ExitReason.killed }),
          left: [],
          retried: "started again",
          mailbox: []
        })
      })
    )
  )

  it.effect("the process is killed before its body runs: InitFailed with Killed, no EXIT", () =>
    withNode(
      Effect.gen(function* () {
        const node = yield* Node.Node
        const outcome = yield* failedStart(
          Effect.gen(function* () {
            // the start runs until it waits for the ack: the process exists, its body has not run
            const fiber = yield* Effect.forkChild(
              GenServer.startLink(plain, undefined, { name: "gs-fail-unstarted" }),
              {
                startImmediately: true
              }
            )
            const processes = node.processes()
            yield* Process.kill(processes[processes.length - 1]!)
            return yield* Fiber.join(fiber)
          }),
          Effect.as(GenServer.startLink(plain, undefined, { name: "gs-fail-unstarted" }), "started again")
        )
        assert.deepStrictEqual(outcome, {
          error: new GenServer.InitFailed({ reason: ExitReason.killed }),
          left: [],
          retried: "started again",
          mailbox: []
        })
      })
    )
  )

  it.effect("the start timeout: the process is killed and gone, its name free, no EXIT for a trapping caller", () =>
    withNode(
      Effect.gen(function* () {
        const started = yield* Deferred.make<void>()
        const slow = initWith(Effect.andThen(Deferred.succeed(started, undefined), Effect.never))
        const outcome = yield* failedStart(
          Effect.gen(function* () {
            const fiber = yield* Effect.forkChild(
              GenServer.startLink(slow, undefined, { name: "gs-fail-timeout", timeout: "1 second" })
            )
            yield* Deferred.await(started)
            yield* TestClock.adjust("1 second")
            return yield* Fiber.join(fiber)
          }),
          Effect.map(GenServer.startLink(plain, undefined, { name: "gs-fail-timeout" }), () => "started again")
        )
        assert.deepStrictEqual(outcome, {
          error: new GenServer.StartTimeout({ timeout: 1000 }),
          left: [],
          retried: "started again",
          mailbox: []
        })
      })
    )
  )

  it.effect("a zero start timeout kills the process before its init runs; nothing left, no EXIT", () =>
    withNode(
      Effect.gen(function* () {
        const outcome = yield* failedStart(
          GenServer.startLink(plain, undefined, { name: "gs-fail-timeout-0", timeout: 0 }),
          Effect.map(GenServer.startLink(plain, undefined, { name: "gs-fail-timeout-0" }), () => "started again")
        )
        assert.deepStrictEqual(outcome, {
          error: new GenServer.StartTimeout({ timeout: 0 }),
          left: [],
          retried: "started again",
          mailbox: []
        })
      })
    )
  )

  it.effect("the name is taken: AlreadyRegistered with the holder; nothing left, no EXIT", () =>
    withNode(
      Effect.gen(function* () {
        const holder = yield* GenServer.start(plain, undefined, { name: "gs-fail-taken" })
        const outcome = yield* failedStart(GenServer.startLink(plain, undefined, { name: "gs-fail-taken" }))
        assert.deepStrictEqual(outcome, {
          error: new Errors.AlreadyRegistered({
            registeredName: "gs-fail-taken",
            pid: Option.getOrThrow(holder.whereis())
          }),
          left: [],
          retried: undefined,
          mailbox: []
        })
      })
    )
  )

  it.effect("a Registry.via name: free again at once after a failed init; taken → AlreadyRegistered", () =>
    withNode(
      Effect.gen(function* () {
        yield* Registry.start({ keys: "unique", name: "gs-fail-via" })
        const name = Registry.via("gs-fail-via", "worker")
        const outcome = yield* failedStart(
          GenServer.startLink(initWith(Effect.fail("no config" as const)), undefined, { name }),
          Effect.map(GenServer.startLink(plain, undefined, { name }), (s) => s.whereis())
        )
        assert.deepStrictEqual(outcome.error, "no config")
        assert.deepStrictEqual(outcome.left, [])
        assert.deepStrictEqual(outcome.mailbox, [])
        const holder = Option.getOrThrow(outcome.retried)
        const taken = yield* failedStart(GenServer.startLink(plain, undefined, { name }))
        assert.deepStrictEqual(taken, {
          error: new Errors.AlreadyRegistered({ registeredName: 'Registry.via("gs-fail-via", "worker")', pid: holder }),
          left: [],
          retried: undefined,
          mailbox: []
        })
      })
    )
  )

  it.effect("a caller that does not trap exits gets the error of every failed start and lives on", () =>
    withNode(
      Effect.gen(function* () {
        const errors = yield* inProcess(
          Effect.gen(function* () {
            const typed = yield* Effect.flip(
              GenServer.startLink(initWith(Effect.fail("no config" as const)), undefined)
            )
            const died = yield* Effect.flip(GenServer.startLink(initWith(Effect.die(boom)), undefined))
            const exited = yield* Effect.flip(
              GenServer.startLink(initWith(Process.exit(ExitReason.shutdownWith("no disk"))), undefined)
            )
            return [typed, died._tag, exited]
          })
        )
        assert.deepStrictEqual(errors, [
          "no config",
          "InitFailed",
          new GenServer.InitFailed({ reason: ExitReason.shutdownWith("no disk") })
        ])
      })
    )
  )

  it.effect("startMonitor: a failed start leaves no Down behind", () =>
    withNode(
      Effect.gen(function* () {
        const outcome = yield* failedStart(
          GenServer.startMonitor(initWith(Effect.fail("no config" as const)), undefined)
        )
        assert.deepStrictEqual(outcome, { error: "no config", left: [], retried: undefined, mailbox: [] })
      })
    )
  )

  it.effect("init answers ignore: Ignored; the process exited Normal, its name free, nothing in the mailbox", () =>
    withNode(
      Effect.gen(function* () {
        const started = yield* Deferred.make<Process.Pid<never, unknown>>()
        const ignoring = GenServer.behaviour({
          init: (enabled: boolean) =>
            Effect.andThen(
              Effect.flatMap(Process.self(), (self) => Deferred.succeed(started, self)),
              enabled ? Effect.succeed(GenServer.ok(0)) : GenServer.ignore
            )
        })
        // Ignored is in a start's error type exactly when its init can ignore
        const startIgnoring = () => GenServer.start(ignoring, false)
        const startPlain = () => GenServer.start(plain, undefined)
        expectTypeOf<Effect.Error<ReturnType<typeof startIgnoring>>>().toEqualTypeOf<
          GenServer.Ignored | GenServer.StartError
        >()
        expectTypeOf<Effect.Error<ReturnType<typeof startPlain>>>().toEqualTypeOf<GenServer.StartError>()
        const outcome = yield* failedStart(
          GenServer.startLink(ignoring, false, { name: "gs-ignore" }),
          Effect.map(GenServer.startLink(ignoring, true, { name: "gs-ignore" }), () => "started again")
        )
        assert.deepStrictEqual(outcome, {
          error: new GenServer.Ignored(),
          left: [],
          retried: "started again",
          mailbox: []
        })
        assert.isTrue(Errors.isIgnored(outcome.error))
        assert.deepStrictEqual(yield* Process.awaitExit(yield* Deferred.await(started)), ExitReason.normal)
      })
    )
  )

  it.effect("a closed node: start fails at once with NodeClosed and spawns nothing", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const node = yield* Scope.provide(Node.make(), scope)
      yield* Scope.close(scope, Exit.void)
      const error = yield* Effect.flip(GenServer.start(plain, undefined).pipe(Effect.provideService(Node.Node, node)))
      assert.deepStrictEqual(error, new Errors.NodeClosed({ node: node.name }))
      assert.deepStrictEqual(node.stats().spawned, 0)
    })
  )
})

describe("GenServer: terminate that crashes", () => {
  const crashing = (log: Array<string>) =>
    GenServer.behaviour({
      protocol: [Crash],
      init: (_: void) => Effect.succeed(GenServer.ok(0)),
      handleCall: { Crash: () => Effect.die(new Error("handler bug")) },
      terminate: (reason) =>
        Effect.andThen(
          Effect.sync(() => log.push(`terminate ${reason._tag}`)),
          Effect.die(boom)
        )
    })

  it.effect("stop: the server exits with terminate's crash, and stop fails with it", () =>
    withNode(
      Effect.gen(function* () {
        const log: Array<string> = []
        const server = yield* GenServer.start(crashing(log), undefined)
        const pid = Option.getOrThrow(server.whereis())
        const { stopped, down } = yield* inProcess(
          Effect.gen(function* () {
            const ref = yield* Process.monitor(pid)
            const stopped = yield* Effect.flip(GenServer.stop(server, ExitReason.shutdown))
            const down = yield* testing.assertReceive(
              (m: unknown): m is Process.Down => Process.isDown(m) && m.ref === ref
            )
            return { stopped, down }
          })
        )
        assert.deepStrictEqual(log, ["terminate Shutdown"])
        assert.instanceOf(stopped, GenServer.ServerExited)
        assert.strictEqual((stopped as GenServer.ServerExited).pid, pid)
        assertReason((stopped as GenServer.ServerExited).reason, ExitReason.failureCause(Cause.die(boom)))
        assertReason(down.reason, ExitReason.failureCause(Cause.die(boom)))
      })
    )
  )

  it.effect("a crash in a callback whose terminate crashes too: the server exits with terminate's crash", () =>
    withNode(
      Effect.gen(function* () {
        const log: Array<string> = []
        const server = yield* GenServer.start(crashing(log), undefined)
        const pid = Option.getOrThrow(server.whereis())
        const call = yield* Effect.flip(GenServer.call(server, new Crash()))
        assert.instanceOf(call, GenServer.ServerExited)
        assert.strictEqual((call as GenServer.ServerExited).pid, pid)
        assertReason(yield* Process.awaitExit(pid), ExitReason.failureCause(Cause.die(boom)))
        assertReason((call as GenServer.ServerExited).reason, ExitReason.failureCause(Cause.die(boom)))
        assert.deepStrictEqual(log, ["terminate Failure"])
      })
    )
  )

  it.effect("stop of a server whose terminate succeeds returns once it has exited with the reason", () =>
    withNode(
      Effect.gen(function* () {
        const server = yield* GenServer.start(events([]), 0)
        const pid = Option.getOrThrow(server.whereis())
        yield* GenServer.stop(server, ExitReason.shutdownWith("done"))
        assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.shutdownWith("done"))
      })
    )
  )
})

describe("GenServer: typed API", () => {
  class Ping extends Request.Class<Ping>()("Ping", { success: Schema.String }) {}
  const handleCall = { Ping: (_: Ping, n: number) => Effect.succeed(GenServer.reply("pong", n)) }
  const init = (n: number) => Effect.succeed(GenServer.ok(n))
  const handleCast = (_: "cast", n: number) => Effect.succeed(GenServer.noreply(n))
  const handleInfo = (_: "info", n: number) => Effect.succeed(GenServer.noreply(n))
  const handleContinue = (_: "go", n: number) => Effect.succeed(GenServer.noreply(n))

  it("RequestsOf and CastsOf, for every combination of optional handlers (type-level)", () => {
    const none = GenServer.behaviour({ protocol: [Ping], init, handleCall })
    const cast = GenServer.behaviour({ protocol: [Ping], init, handleCall, handleCast })
    const info = GenServer.behaviour({ protocol: [Ping], init, handleCall, handleInfo })
    const cont = GenServer.behaviour({ protocol: [Ping], init, handleCall, handleContinue })
    const castInfo = GenServer.behaviour({ protocol: [Ping], init, handleCall, handleCast, handleInfo })
    const castCont = GenServer.behaviour({ protocol: [Ping], init, handleCall, handleCast, handleContinue })
    const infoCont = GenServer.behaviour({ protocol: [Ping], init, handleCall, handleInfo, handleContinue })
    const all = GenServer.behaviour({ protocol: [Ping], init, handleCall, handleCast, handleInfo, handleContinue })
    expectTypeOf<GenServer.RequestsOf<typeof none>>().toEqualTypeOf<Ping>()
    expectTypeOf<GenServer.RequestsOf<typeof cast>>().toEqualTypeOf<Ping>()
    expectTypeOf<GenServer.RequestsOf<typeof info>>().toEqualTypeOf<Ping>()
    expectTypeOf<GenServer.RequestsOf<typeof cont>>().toEqualTypeOf<Ping>()
    expectTypeOf<GenServer.RequestsOf<typeof castInfo>>().toEqualTypeOf<Ping>()
    expectTypeOf<GenServer.RequestsOf<typeof castCont>>().toEqualTypeOf<Ping>()
    expectTypeOf<GenServer.RequestsOf<typeof infoCont>>().toEqualTypeOf<Ping>()
    expectTypeOf<GenServer.RequestsOf<typeof all>>().toEqualTypeOf<Ping>()
    expectTypeOf<GenServer.CastsOf<typeof none>>().toEqualTypeOf<never>()
    expectTypeOf<GenServer.CastsOf<typeof cast>>().toEqualTypeOf<"cast">()
    expectTypeOf<GenServer.CastsOf<typeof info>>().toEqualTypeOf<never>()
    expectTypeOf<GenServer.CastsOf<typeof cont>>().toEqualTypeOf<never>()
    expectTypeOf<GenServer.CastsOf<typeof castInfo>>().toEqualTypeOf<"cast">()
    expectTypeOf<GenServer.CastsOf<typeof castCont>>().toEqualTypeOf<"cast">()
    expectTypeOf<GenServer.CastsOf<typeof infoCont>>().toEqualTypeOf<never>()
    expectTypeOf<GenServer.CastsOf<typeof all>>().toEqualTypeOf<"cast">()
    // a behaviour without a protocol serves no request
    expectTypeOf<GenServer.RequestsOf<typeof noProtocol>>().toEqualTypeOf<never>()
  })
  const noProtocol = GenServer.behaviour({ init, handleCast })

  class Greeting extends Context.Service<Greeting, { readonly word: string }>()("test/GenServer/Greeting") {}
  class Audit extends Context.Service<Audit, { readonly log: Array<string> }>()("test/GenServer/Audit") {}
  class Hello extends Request.Class<Hello>()("Hello", { success: Schema.String }) {}

  // init needs nothing; a call handler needs Greeting, the cast handler needs Audit
  const Greeter = GenServer.behaviour({
    protocol: [Hello, Ping],
    init: (_: void) => Effect.succeed(GenServer.ok(0)),
    handleCall: {
      Hello: (_, n) => Effect.map(Effect.service(Greeting), (greeting) => GenServer.reply(greeting.word, n + 1)),
      Ping: (_, n) => Effect.succeed(GenServer.reply("pong", n))
    },
    handleCast: (message: string, n) =>
      Effect.map(Effect.service(Audit), (audit) => {
        audit.log.push(message)
        return GenServer.noreply(n)
      })
  })

  it.effect("handlers may require services that init does not; start requires them", () =>
    withNode(
      Effect.gen(function* () {
        const start = () => GenServer.start(Greeter, undefined)
        expectTypeOf<Effect.Services<ReturnType<typeof start>>>().toEqualTypeOf<Greeting | Audit | Node.Node>()
        const audit = { log: [] as Array<string> }
        const server = yield* start().pipe(
          Effect.provideService(Greeting, { word: "hello" }),
          Effect.provideService(Audit, audit)
        )
        assert.strictEqual(yield* GenServer.call(server, new Hello()), "hello")
        yield* GenServer.cast(server, "noted")
        assert.strictEqual(yield* GenServer.call(server, new Ping()), "pong")
        assert.deepStrictEqual(audit.log, ["noted"])
      })
    )
  )

  it("a start that does not provide a handler's service does not compile (type-level)", () => {
    const run = () =>
      // @ts-expect-error Greeting and Audit, required by the handlers, are not provided
      Effect.runPromise(GenServer.start(Greeter, undefined).pipe(Effect.provide(Node.layer())))
    expect(typeof run).toBe("function")
  })

  class Withdraw extends Request.Class<Withdraw>()("Withdraw", {
    fields: { amount: Schema.Number, later: Schema.Boolean },
    success: Schema.Number,
    failure: Schema.Literal("insufficient")
  }) {}
  class Balance extends Request.Class<Balance>()("Balance", { success: Schema.Number }) {}
  class Broken extends Request.Class<Broken>()("Broken", {
    fields: { later: Schema.Boolean },
    failure: Schema.Literal("insufficient")
  }) {}

  // a failure of the handler, at once (an Exit) or after running (an effect), is its answer when declared
  const answer = <A>(later: boolean, effect: Effect.Effect<A, unknown>) =>
    later ? Effect.andThen(Effect.yieldNow, effect) : effect
  const Bank = GenServer.behaviour({
    protocol: [Withdraw, Balance, Broken],
    init: (balance: number) => Effect.succeed(GenServer.ok(balance)),
    handleCall: {
      Withdraw: (request, balance) =>
        answer(
          request.later,
          request.amount > balance
            ? Effect.fail("insufficient" as const)
            : Effect.succeed(GenServer.reply(balance - request.amount, balance - request.amount))
        ),
      Balance: (_, balance) => Effect.succeed(GenServer.reply(balance, balance)),
      Broken: (request) => answer(request.later, Effect.fail("not declared"))
    }
  })

  it.effect("a handler failing with a declared error answers the call with it; the server carries on", () =>
    withNode(
      Effect.gen(function* () {
        const bank = yield* GenServer.start(Bank, 10)
        for (const later of [false, true]) {
          const exit = yield* Effect.exit(GenServer.call(bank, new Withdraw({ amount: 50, later })))
          assert.deepStrictEqual(exit, Exit.fail("insufficient"))
          assert.strictEqual(yield* GenServer.call(bank, new Balance()), 10)
        }
        assert.strictEqual(yield* GenServer.call(bank, new Withdraw({ amount: 4, later: true })), 6)
      })
    )
  )

  it.effect("an undeclared failure is the server's crash: the caller gets ServerExited, a monitor the Failure", () =>
    withNode(
      Effect.gen(function* () {
        for (const later of [false, true]) {
          const { error, down, pid } = yield* inProcess(
            Effect.gen(function* () {
              const { server, ref } = yield* GenServer.startMonitor(Bank, 10)
              const pid = Option.getOrThrow(server.whereis())
              const error = yield* Effect.flip(GenServer.call(server, new Broken({ later })))
              const down = yield* testing.assertReceive((m): m is Process.Down => Process.isDown(m) && m.ref === ref)
              return { error, down, pid }
            })
          )
          assert.instanceOf(error, GenServer.ServerExited)
          const exited = error as GenServer.ServerExited
          assert.isTrue(Pid.equals(exited.pid, pid))
          assertReason(exited.reason, ExitReason.failure("not declared"))
          assertReason(down.reason, ExitReason.failure("not declared"))
        }
      })
    )
  )

  it.effect("isCallError tells the call machinery's errors from declared ones", () =>
    withNode(
      Effect.gen(function* () {
        const bank = yield* GenServer.start(Bank, 10)
        const pid = Option.getOrThrow(bank.whereis())
        const callErrors: ReadonlyArray<unknown> = [
          new Errors.NoProc({ pid }),
          new GenServer.ServerExited({ pid, reason: ExitReason.killed }),
          new GenServer.CallTimeout({ pid, timeout: 5000 }),
          new Errors.MailboxFull({ pid, capacity: 1 }),
          new GenServer.CallDropped({ pid, capacity: 1, overflow: "dropNewest" }),
          new GenServer.CallingSelf({ pid, operation: "call" })
        ]
        for (const error of callErrors) assert.isTrue(GenServer.isCallError(error), String(error))
        const others: ReadonlyArray<unknown> = [
          "insufficient",
          new Errors.BadArgument({ function: "call", field: "timeout", value: -1, reason: "r" }),
          new Error("boom"),
          undefined
        ]
        for (const error of others) assert.isFalse(GenServer.isCallError(error), String(error))
        yield* GenServer.stop(bank)
        // the typical use: the server is gone → a default; the declared error stays typed
        const balance = GenServer.call(bank, new Withdraw({ amount: 1, later: false })).pipe(
          Effect.catchIf(GenServer.isCallError, () => Effect.succeed(0))
        )
        expectTypeOf<Effect.Error<typeof balance>>().toEqualTypeOf<"insufficient">()
        assert.strictEqual(yield* balance, 0)
      })
    )
  )
})
