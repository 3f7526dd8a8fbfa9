import { assert, describe, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import { Application, type ChildSpec, ExitReason, Node, Process, Supervisor, testing } from "effect-otp"
import { assertReason, captureLogs } from "./utils.ts"

/**
 * A child that runs `setup` in its process (registering hooks, asking for the shutdown), records
 * "started <id>" and, when its process ends, "stopped <id>".
 */
const child = <R = never>(
  id: string,
  events: Array<string>,
  setup: Effect.Effect<void, never, R> = Effect.void as never
) => ({
  id,
  start: Effect.gen(function* () {
    const started = yield* Deferred.make<void>()
    const pid = yield* Process.spawnLink(
      Effect.ensuring(
        Effect.gen(function* () {
          yield* setup
          events.push(`started ${id}`)
          yield* Deferred.succeed(started, undefined)
          yield* Process.receive<never>()
        }),
        Effect.sync(() => events.push(`stopped ${id}`))
      )
    )
    yield* Deferred.await(started)
    return pid
  })
})

const hook = (events: Array<string>, name: string) => Effect.sync(() => events.push(`hook ${name}`))

const appOf = (
  children: ReadonlyArray<ChildSpec.ChildSpec<never, Node.Node | Process.Self<unknown> | Application.Lifecycle>>
) => Application.layer({ name: "app", children }).pipe(Layer.provideMerge(Node.layer()))

describe("Application shutdown hooks", () => {
  it.effect("gracefulShutdown runs the hooks by priority, then stops the tree, then main succeeds", () =>
    Effect.gen(function* () {
      const events: Array<string> = []
      const go = yield* Deferred.make<void>()
      const app = appOf([
        child(
          "a",
          events,
          Effect.all([
            Application.onShutdown(hook(events, "a0"), { name: "a0" }),
            Application.onShutdown(hook(events, "a10"), { name: "a10", priority: 10 })
          ])
        ),
        child(
          "b",
          events,
          Effect.gen(function* () {
            yield* Application.onShutdown(hook(events, "b10"), { name: "b10", priority: 10 })
            yield* Application.onShutdown(hook(events, "b-5"), { name: "b-5", priority: -5 })
            yield* Effect.forkChild(
              Effect.andThen(Deferred.await(go), Application.gracefulShutdown({ reason: ExitReason.normal }))
            )
          })
        )
      ])
      const main = yield* Effect.forkChild(Application.main(app))
      yield* Deferred.succeed(go, undefined)
      const exit = yield* Fiber.await(main)
      assert.deepStrictEqual(exit, Exit.succeed(ExitReason.normal))
      assert.deepStrictEqual(events, [
        "started a",
        "started b",
        "hook a10",
        "hook b10",
        "hook a0",
        "hook b-5",
        "stopped b",
        "stopped a"
      ])
    })
  )

  it.effect("a hook that overruns is logged and abandoned, a failing one is logged, the rest still run", () =>
    Effect.gen(function* () {
      const events: Array<string> = []
      const logs = captureLogs()
      const slowStarted = yield* Deferred.make<void>()
      const slowInterrupted = yield* Deferred.make<void>()
      const go = yield* Deferred.make<void>()
      const app = appOf([
        child(
          "a",
          events,
          Effect.gen(function* () {
            const slow = Effect.andThen(Deferred.succeed(slowStarted, undefined), Effect.never).pipe(
              Effect.onInterrupt(() => Deferred.succeed(slowInterrupted, undefined))
            )
            yield* Application.onShutdown(slow, { name: "slow", priority: 3, timeout: "1 second" })
            yield* Application.onShutdown(Effect.fail("flush failed"), { name: "failing", priority: 2 })
            yield* Application.onShutdown(hook(events, "last"), { name: "last", priority: 1 })
            yield* Effect.forkChild(Effect.andThen(Deferred.await(go), Application.gracefulShutdown()))
          })
        )
      ])
      const main = yield* Effect.forkChild(Application.main(app).pipe(Effect.provide(logs.layer)))
      yield* Deferred.succeed(go, undefined)
      yield* Deferred.await(slowStarted)
      yield* TestClock.adjust("999 millis")
      assert.deepStrictEqual(events, ["started a"], "the slow hook still has 1 ms")
      yield* TestClock.adjust("1 milli")
      const exit = yield* Fiber.await(main)
      assert.deepStrictEqual(exit, Exit.succeed(ExitReason.shutdown))
      assert.deepStrictEqual(events, ["started a", "hook last", "stopped a"])
      // abandoned means interrupted, not left running
      yield* Deferred.await(slowInterrupted)
      const hookLogs = logs.entries
        .filter((e) => e.annotations.event === "SHUTDOWN_HOOK")
        .map((e) => ({ level: e.level, message: e.message, annotations: e.annotations }))
      assert.strictEqual(hookLogs.length, 2)
      assert.deepStrictEqual(hookLogs[0], {
        level: "Warn",
        message: ['shutdown hook "slow" overran its timeout of 1000 ms; abandoned'],
        annotations: { event: "SHUTDOWN_HOOK", hook: "slow", priority: 3 }
      })
      assert.strictEqual(hookLogs[1]!.level, "Error")
      assert.deepStrictEqual((hookLogs[1]!.message as Array<unknown>)[0], 'shutdown hook "failing" failed')
      assert.deepStrictEqual(hookLogs[1]!.annotations, { event: "SHUTDOWN_HOOK", hook: "failing", priority: 2 })
    })
  )

  it.effect("interrupting main (a signal) runs the hooks, then stops the tree", () =>
    Effect.gen(function* () {
      const events: Array<string> = []
      const up = yield* Deferred.make<void>()
      const app = appOf([
        child("a", events),
        child(
          "b",
          events,
          Effect.andThen(Application.onShutdown(hook(events, "b"), { name: "b" }), Deferred.succeed(up, undefined))
        )
      ])
      const main = yield* Effect.forkChild(Application.main(app))
      yield* Deferred.await(up)
      yield* Fiber.interrupt(main)
      assert.deepStrictEqual(events, ["started a", "started b", "hook b", "stopped b", "stopped a"])
    })
  )

  it.effect("a process's hooks are removed when it exits: a restarted child's hook runs once", () =>
    Effect.gen(function* () {
      const events: Array<string> = []
      let starts = 0
      const restarted = yield* Deferred.make<void>()
      const go = yield* Deferred.make<void>()
      const app = appOf([
        child(
          "a",
          events,
          Effect.gen(function* () {
            starts++
            yield* Application.onShutdown(hook(events, `a#${starts}`), { name: "a" })
            if (starts === 1) {
              // crash once after start: the supervisor restarts the child
              const self = yield* Process.self()
              yield* Effect.forkChild(Process.exit(self, ExitReason.failure("boom")))
            } else {
              yield* Deferred.succeed(restarted, undefined)
              yield* Effect.forkChild(Effect.andThen(Deferred.await(go), Application.gracefulShutdown()))
            }
          })
        )
      ])
      const main = yield* Effect.forkChild(Application.main(app))
      yield* Deferred.await(restarted)
      yield* Deferred.succeed(go, undefined)
      assert.deepStrictEqual(yield* Fiber.await(main), Exit.succeed(ExitReason.shutdown))
      assert.deepStrictEqual(events, ["started a", "stopped a", "started a", "hook a#2", "stopped a"])
    })
  )

  it.effect("a shutdown that outlasts its timeout fails main with ShutdownTimeout", () =>
    Effect.gen(function* () {
      const events: Array<string> = []
      const slowStarted = yield* Deferred.make<void>()
      const go = yield* Deferred.make<void>()
      const app = appOf([
        child(
          "a",
          events,
          Effect.gen(function* () {
            yield* Application.onShutdown(Effect.andThen(Deferred.succeed(slowStarted, undefined), Effect.never), {
              name: "slow",
              timeout: "10 seconds"
            })
            yield* Effect.forkChild(
              Effect.andThen(Deferred.await(go), Application.gracefulShutdown({ timeout: "2 seconds" }))
            )
          })
        )
      ])
      const main = yield* Effect.forkChild(Application.main(app))
      yield* Deferred.succeed(go, undefined)
      yield* Deferred.await(slowStarted)
      const exit = yield* testing.advancing(Fiber.await(main), "2 seconds")
      assert.deepStrictEqual(
        exit,
        Exit.fail(new Application.ShutdownTimeout({ reason: ExitReason.shutdown, timeout: 2000 }))
      )
    })
  )

  it.effect("when the root supervisor gives up, main fails with ApplicationStopped and no hook runs", () =>
    Effect.gen(function* () {
      const events: Array<string> = []
      const app = Application.layer({
        name: "app",
        intensity: Supervisor.intensity(1, "5 seconds"),
        children: [
          child("s", events, Application.onShutdown(hook(events, "s"), { name: "s" })),
          child(
            "c",
            events,
            Effect.gen(function* () {
              yield* Application.onShutdown(hook(events, "c"), { name: "c" })
              // crashes right after each start
              const self = yield* Process.self()
              yield* Effect.forkChild(Process.exit(self, ExitReason.failure("boom")))
            })
          )
        ]
      }).pipe(Layer.provideMerge(Node.layer()))
      const exit = yield* Effect.exit(Application.main(app))
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : Option.none()
      assert.isTrue(Option.isSome(error) && error.value instanceof Application.ApplicationStopped)
      const reason = (Option.getOrThrow(error) as Application.ApplicationStopped).reason as ExitReason.ExitReason
      assertReason(
        reason,
        ExitReason.shutdownWith(new Supervisor.MaxRestartIntensity({ id: "c", reason: ExitReason.failure("boom") }))
      )
      assert.deepStrictEqual(events, ["started s", "started c", "stopped c", "started c", "stopped c", "stopped s"])
    })
  )
})
