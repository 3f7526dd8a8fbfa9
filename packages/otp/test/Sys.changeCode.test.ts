/**
 * `Sys.changeCode`: one server's hot code change (issue #16, item 1 and 4). Kept apart from
 * `Sys.test.ts`, which covers the other `Sys` functions.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Option, Schema } from "effect"
import { TestClock } from "effect/testing"
import { GenServer, GenStatem, Request, Sys } from "effect-otp"
import { captureLogs, withNode } from "./utils.ts"

/** Bumps the count; replies with the version that answered and the count. */
class Bump extends Request.Class<Bump>()("Bump", { success: Schema.String }) {}
/** Says it has started (`entered`), waits until the test opens `gate`, then bumps as `Bump`. */
class Gated extends Request.Class<Gated>()("Gated", {
  fields: { entered: Schema.Any, gate: Schema.Any },
  success: Schema.String
}) {}

/** A gated call: the server is inside its handler once `entered` is done. */
const gated = Effect.gen(function* () {
  const entered = yield* Deferred.make<void>()
  const gate = yield* Deferred.make<void>()
  return { entered, gate, request: new Gated({ entered, gate }) }
})

const V1 = GenServer.behaviour({
  name: "Counter",
  version: "1",
  protocol: [Bump, Gated],
  init: (n: number) => Effect.succeed(GenServer.ok(n)),
  handleCall: {
    Bump: (_, n) => Effect.succeed(GenServer.reply(`v1:${n + 1}`, n + 1)),
    Gated: ({ entered, gate }, n) =>
      Effect.andThen(
        Deferred.succeed(entered as Deferred.Deferred<void>, undefined),
        Effect.as(Deferred.await(gate as Deferred.Deferred<void>), GenServer.reply(`v1:${n + 1}`, n + 1))
      )
  }
})

const State2 = Schema.Struct({ count: Schema.Number, history: Schema.Array(Schema.Number) })
type State2 = typeof State2.Type

/** Version 2: state `{ count, history }`; its codeChange from "1" takes `extra` as the first history entry. */
const V2 = GenServer.behaviour({
  name: "Counter",
  version: "2",
  protocol: [Bump, Gated],
  state: State2,
  init: (n: number) => Effect.succeed(GenServer.ok<State2>({ count: n, history: [] })),
  handleCall: {
    Bump: (_, s) =>
      Effect.succeed(GenServer.reply(`v2:${s.count + 1}`, { count: s.count + 1, history: [...s.history, s.count] })),
    Gated: (_, s) => Effect.succeed(GenServer.reply(`v2:${s.count + 1}`, { count: s.count + 1, history: s.history }))
  },
  codeChange: (oldVersion, n, extra) =>
    oldVersion === "1"
      ? Effect.succeed({ count: n as number, history: extra === undefined ? [] : [extra as number] })
      : Effect.fail(`no way from ${oldVersion}`)
})

/** A version 3 whose codeChange is given by the test. */
const v3 = (codeChange: (oldVersion: string, state: unknown) => Effect.Effect<any, unknown>) =>
  GenServer.behaviour({
    name: "Counter",
    version: "3",
    protocol: [Bump, Gated],
    state: State2,
    init: (n: number) => Effect.succeed(GenServer.ok<State2>({ count: n, history: [] })),
    handleCall: {
      Bump: (_, s) => Effect.succeed(GenServer.reply(`v3:${s.count}`, s)),
      Gated: (_, s) => Effect.succeed(GenServer.reply(`v3:${s.count}`, s))
    },
    codeChange
  })

describe("Sys.changeCode", () => {
  it.effect("calls in flight are all answered, in order, by the version that handles them; none is lost", () =>
    withNode(
      Effect.gen(function* () {
        const counter = yield* GenServer.start(V1, 0)
        const pid = Option.getOrThrow(counter.whereis())
        const { entered, gate, request } = yield* gated
        const call = (request: Bump | Gated) =>
          Effect.forkChild(GenServer.call(counter, request), { startImmediately: true })
        // the server is busy with the gated call; three calls wait behind it
        const busy = yield* call(request)
        yield* Deferred.await(entered)
        const before = [yield* call(new Bump()), yield* call(new Bump()), yield* call(new Bump())]
        const change = yield* Effect.forkChild(Sys.changeCode(counter, V2, { extra: 100 }), { startImmediately: true })
        const after = [yield* call(new Bump()), yield* call(new Bump())]
        yield* Deferred.succeed(gate, undefined)
        assert.strictEqual(yield* Fiber.join(busy), "v1:1")
        assert.deepStrictEqual(yield* Fiber.join(change), {
          pid,
          behaviour: Option.some("Counter"),
          fromVersion: "1",
          toVersion: "2"
        })
        // the change is served before the waiting messages: every one of them by version 2, in order
        assert.deepStrictEqual(yield* Fiber.joinAll([...before, ...after]), ["v2:2", "v2:3", "v2:4", "v2:5", "v2:6"])
        assert.deepStrictEqual(yield* Sys.getState(counter), { count: 6, history: [100, 1, 2, 3, 4, 5] })
        const status = yield* Sys.getStatus(counter)
        assert.deepStrictEqual(
          [status.behaviourName, status.version, status.status],
          [Option.some("Counter"), "2", "running"]
        )
      })
    )
  )

  it.effect("a failing codeChange leaves the old code and state, running, with CodeChangeFailed", () =>
    withNode(
      Effect.gen(function* () {
        const counter = yield* GenServer.start(V1, 0)
        const pid = Option.getOrThrow(counter.whereis())
        yield* GenServer.call(counter, new Bump())
        const error = yield* Effect.flip(
          Sys.changeCode(
            counter,
            v3(() => Effect.fail("boom"))
          )
        )
        assert.deepStrictEqual(
          error,
          new Sys.CodeChangeFailed({
            pid,
            behaviour: "Counter",
            oldVersion: "1",
            newVersion: "3",
            cause: error.cause
          })
        )
        assert.instanceOf(error, Sys.CodeChangeFailed)
        assert.deepStrictEqual(error.cause, Cause.fail("boom"))
        // a defect is a failed codeChange too
        const died = yield* Effect.flip(
          Sys.changeCode(
            counter,
            v3(() => {
              throw new Error("thrown")
            })
          )
        )
        assert.instanceOf(died, Sys.CodeChangeFailed)
        assert.isTrue(Cause.hasDies((died as Sys.CodeChangeFailed).cause))
        assert.strictEqual(yield* GenServer.call(counter, new Bump()), "v1:2")
        const status = yield* Sys.getStatus(counter)
        assert.deepStrictEqual([status.version, status.status, status.state], ["1", "running", 2])
      })
    )
  )

  it.effect("a migrated state the new Schema refuses leaves the old code and state, with InvalidState", () =>
    withNode(
      Effect.gen(function* () {
        const counter = yield* GenServer.start(V1, 7)
        const pid = Option.getOrThrow(counter.whereis())
        const error = yield* Effect.flip(
          Sys.changeCode(
            counter,
            v3((_, n) => Effect.succeed({ count: String(n) }))
          )
        )
        assert.deepStrictEqual(
          error,
          new Sys.InvalidState({
            pid,
            behaviour: "Counter",
            newVersion: "3",
            issue: 'Expected number at ["count"]'
          })
        )
        assert.strictEqual(yield* GenServer.call(counter, new Bump()), "v1:8")
        assert.strictEqual((yield* Sys.getStatus(counter)).version, "1")
      })
    )
  )

  it.effect("a codeChange that outlasts its timeout is interrupted: the old code and state run on", () =>
    withNode(
      Effect.gen(function* () {
        const counter = yield* GenServer.start(V1, 0)
        const pid = Option.getOrThrow(counter.whereis())
        const interrupted = yield* Deferred.make<void>()
        const slow = v3(() => Effect.onInterrupt(Effect.never, () => Deferred.succeed(interrupted, undefined)))
        const change = yield* Effect.forkChild(Sys.changeCode(counter, slow, { timeout: "1 second" }), {
          startImmediately: true
        })
        // the calls made meanwhile wait for the change to end
        const waiting = yield* Effect.forkChild(GenServer.call(counter, new Bump()), { startImmediately: true })
        yield* TestClock.adjust("999 millis")
        assert.isUndefined(change.pollUnsafe())
        assert.isUndefined(waiting.pollUnsafe())
        yield* TestClock.adjust("1 milli")
        assert.deepStrictEqual(yield* Fiber.await(change), Exit.fail(new Sys.UpgradeTimeout({ pid, timeout: 1000 })))
        yield* Deferred.await(interrupted)
        assert.strictEqual(yield* Fiber.join(waiting), "v1:1")
        assert.strictEqual((yield* Sys.getStatus(counter)).version, "1")
      })
    )
  )

  it.effect("a server busy past the timeout never starts the abandoned change", () =>
    withNode(
      Effect.gen(function* () {
        const counter = yield* GenServer.start(V1, 0)
        const pid = Option.getOrThrow(counter.whereis())
        const { entered, gate, request } = yield* gated
        const busy = yield* Effect.forkChild(GenServer.call(counter, request, { timeout: "infinity" }), {
          startImmediately: true
        })
        yield* Deferred.await(entered)
        const change = yield* Effect.forkChild(Sys.changeCode(counter, V2, { timeout: "1 second" }), {
          startImmediately: true
        })
        yield* TestClock.adjust("1 second")
        assert.deepStrictEqual(yield* Fiber.await(change), Exit.fail(new Sys.UpgradeTimeout({ pid, timeout: 1000 })))
        yield* Deferred.succeed(gate, undefined)
        assert.strictEqual(yield* Fiber.join(busy), "v1:1")
        assert.strictEqual(yield* GenServer.call(counter, new Bump()), "v1:2")
        assert.strictEqual((yield* Sys.getStatus(counter)).version, "1")
      })
    )
  )

  it.effect("a caller interrupted before the server got to its change: the change is never applied", () =>
    withNode(
      Effect.gen(function* () {
        const counter = yield* GenServer.start(V1, 0)
        const { entered, gate, request } = yield* gated
        const busy = yield* Effect.forkChild(GenServer.call(counter, request), { startImmediately: true })
        yield* Deferred.await(entered)
        const change = yield* Effect.forkChild(Sys.changeCode(counter, V2, { timeout: "infinity" }), {
          startImmediately: true
        })
        yield* Fiber.interrupt(change)
        yield* Deferred.succeed(gate, undefined)
        assert.strictEqual(yield* Fiber.join(busy), "v1:1")
        assert.strictEqual(yield* GenServer.call(counter, new Bump()), "v1:2")
        assert.strictEqual((yield* Sys.getStatus(counter)).version, "1")
      })
    )
  )

  it.effect("fromVersion and the behaviour's kind are checked before anything changes", () =>
    withNode(
      Effect.gen(function* () {
        const counter = yield* GenServer.start(V1, 0)
        const pid = Option.getOrThrow(counter.whereis())
        assert.deepStrictEqual(
          yield* Effect.flip(Sys.changeCode(counter, V2, { fromVersion: "0" })),
          new Sys.VersionMismatch({ pid, expected: "0", running: "1" })
        )
        const Machine = GenStatem.behaviour<{ state: "s"; data: number }>()({
          callbackMode: "handleEvent",
          init: () => Effect.succeed(GenStatem.ok("s", 0)),
          handleEvent: () => Effect.succeed(GenStatem.keepStateAndData())
        })
        assert.deepStrictEqual(
          yield* Effect.flip(Sys.changeCode(counter, Machine)),
          new Sys.BehaviourMismatch({ pid, running: "GenServer", given: "GenStatem" })
        )
        assert.strictEqual(yield* GenServer.call(counter, new Bump()), "v1:1")
        // the version it runs is accepted
        const changed = yield* Sys.changeCode(counter, V2, { fromVersion: "1" })
        assert.strictEqual(changed.toVersion, "2")
      })
    )
  )

  it.effect("a suspended server changes code and stays suspended until resumed", () =>
    withNode(
      Effect.gen(function* () {
        const counter = yield* GenServer.start(V1, 0)
        yield* Sys.suspend(counter)
        const waiting = yield* Effect.forkChild(GenServer.call(counter, new Bump()), { startImmediately: true })
        yield* Sys.changeCode(counter, V2)
        const status = yield* Sys.getStatus(counter)
        assert.deepStrictEqual([status.status, status.version, status.mailboxLength], ["suspended", "2", 1])
        yield* Sys.resume(counter)
        assert.strictEqual(yield* Fiber.join(waiting), "v2:1")
      })
    )
  )

  it.effect("each change is a RELEASE event: info when done, warning when refused", () => {
    const logs = captureLogs()
    return withNode(
      Effect.gen(function* () {
        const counter = yield* GenServer.start(V1, 0)
        const pid = Option.getOrThrow(counter.whereis())
        yield* Effect.flip(
          Sys.changeCode(
            counter,
            v3(() => Effect.fail("boom"))
          )
        )
        yield* Sys.changeCode(counter, V2)
        const releases = logs.entries.filter((entry) => entry.annotations.event === "RELEASE")
        assert.deepStrictEqual(releases, [
          {
            level: "Warn",
            message: [
              `${pid} keeps Counter version 1: codeChange of ${pid} from version 1 to 3 failed: Error: boom; the old version runs on`
            ],
            annotations: {
              pid: String(pid),
              event: "RELEASE",
              behaviour: "Counter",
              from: "1",
              to: "3",
              outcome: "CodeChangeFailed"
            }
          },
          {
            level: "Info",
            message: [`${pid} upgraded Counter from version 1 to 2`],
            annotations: {
              pid: String(pid),
              event: "RELEASE",
              behaviour: "Counter",
              from: "1",
              to: "2",
              outcome: "upgraded"
            }
          }
        ])
      }).pipe(Effect.provide(logs.layer))
    )
  })

  it.effect("a GenStatem: codeChange gets its state, data and extra; its data Schema is checked", () =>
    withNode(
      Effect.gen(function* () {
        const M1 = GenStatem.behaviour<{ state: "s"; data: number }>()({
          callbackMode: "handleEvent",
          name: "Machine",
          init: () => Effect.succeed(GenStatem.ok("s", 1)),
          handleEvent: () => Effect.succeed(GenStatem.keepStateAndData())
        })
        const M2 = GenStatem.behaviour<{ state: "s"; data: number }>()({
          callbackMode: "handleEvent",
          name: "Machine",
          version: "2",
          data: Schema.Int,
          init: () => Effect.succeed(GenStatem.ok("s", 1)),
          codeChange: (oldVersion, state, data, extra) =>
            Effect.succeed({ state: state as "s", data: (data as number) * (extra as number) + Number(oldVersion) }),
          handleEvent: () => Effect.succeed(GenStatem.keepStateAndData())
        })
        const machine = yield* GenStatem.start(M1, undefined)
        const pid = Option.getOrThrow(machine.whereis())
        const bad = yield* Effect.flip(GenStatem.changeCode(machine, M2, { extra: "x" }))
        assert.deepStrictEqual(
          bad,
          new Sys.InvalidState({ pid, behaviour: "Machine", newVersion: "2", issue: "Expected an integer" })
        )
        assert.deepStrictEqual(yield* GenStatem.getState(machine), { state: "s", data: 1 })
        yield* GenStatem.changeCode(machine, M2, { extra: 10 })
        assert.deepStrictEqual(yield* GenStatem.getState(machine), { state: "s", data: 11 })
      })
    )
  )
})
