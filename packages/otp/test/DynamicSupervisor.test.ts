import { assert, describe, it } from "@effect/vitest"
import { Cause, Deferred, type Duration, Effect, Exit, Fiber, Option, Queue, Schedule } from "effect"
import { TestClock } from "effect/testing"
import { ChildSpec, DynamicSupervisor, Errors, ExitReason, Process, Supervisor, testing } from "effect-otp"
import { assertReason, failedStart, withNode, gatedChild } from "./utils.ts"

/** A child that has run its body before its start returns. */
const sleeper = (log: Array<string>, name: string) => ({
  id: name,
  start: Effect.gen(function* () {
    const started = yield* Deferred.make<void>()
    const pid = yield* Process.spawnLink(
      Effect.ensuring(
        Effect.andThen(Deferred.succeed(started, undefined), Process.receive<never>()),
        Effect.sync(() => log.push(`stop ${name}`))
      )
    )
    yield* Deferred.await(started)
    return pid
  })
})

describe("DynamicSupervisor", () => {
  it.effect("starts children on demand; maxChildren is a typed error", () =>
    withNode(
      Effect.gen(function* () {
        const sup = yield* DynamicSupervisor.start({ maxChildren: 2 })
        const a = yield* DynamicSupervisor.startChild(sup, sleeper([], "a"))
        yield* DynamicSupervisor.startChild(sup, sleeper([], "b"))
        const error = yield* Effect.flip(DynamicSupervisor.startChild(sup, sleeper([], "c")))
        assert.deepStrictEqual(error, new DynamicSupervisor.MaxChildren({ maxChildren: 2 }))
        assert.deepStrictEqual(yield* DynamicSupervisor.countChildren(sup), {
          specs: 2,
          active: 2,
          supervisors: 0,
          workers: 2
        })
        yield* DynamicSupervisor.terminateChild(sup, a)
        assert.isFalse(yield* Process.isAlive(a))
        assert.strictEqual((yield* DynamicSupervisor.whichChildren(sup)).length, 1)
        assert.deepStrictEqual(
          yield* Effect.flip(DynamicSupervisor.terminateChild(sup, a)),
          new DynamicSupervisor.NotAChild({ pid: a })
        )
        yield* DynamicSupervisor.startChild(sup, sleeper([], "c"))
      })
    )
  )

  it.effect("an invalid child spec is InvalidChildSpec naming the field; nothing starts", () =>
    withNode(
      Effect.gen(function* () {
        const log: Array<string> = []
        const sup = yield* DynamicSupervisor.start()
        const invalid = yield* Effect.exit(DynamicSupervisor.startChild(sup, { ...sleeper(log, "a"), shutdown: -1 }))
        assert.deepStrictEqual(
          invalid,
          Exit.fail(
            new ChildSpec.InvalidChildSpec({
              id: "a",
              field: "shutdown",
              reason: 'must be a non-negative duration, "brutalKill" or "infinity", got -1'
            })
          )
        )
        assert.deepStrictEqual(log, [])
        assert.deepStrictEqual(yield* DynamicSupervisor.whichChildren(sup), [])
      })
    )
  )

  it.effect("startChild, terminateChild and stop in pipe form", () =>
    withNode(
      Effect.gen(function* () {
        const sup = yield* DynamicSupervisor.start()
        const a = yield* sup.pipe(DynamicSupervisor.startChild(sleeper([], "a")))
        assert.deepStrictEqual(
          (yield* DynamicSupervisor.whichChildren(sup)).map((child) => child.pid),
          [a]
        )
        yield* sup.pipe(DynamicSupervisor.terminateChild(a))
        assert.isFalse(yield* Process.isAlive(a))
        const pid = Option.getOrThrow(sup.whereis())
        yield* sup.pipe(DynamicSupervisor.stop(ExitReason.shutdownWith("piped")))
        assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.shutdownWith("piped"))
      })
    )
  )

  it.effect("extra arguments reach start functions", () =>
    withNode(
      Effect.gen(function* () {
        const seen: Array<string> = []
        const sup = yield* DynamicSupervisor.start({ extraArguments: "tenant-1" })
        yield* DynamicSupervisor.startChild(sup, {
          id: "x",
          start: (tenant: string) => {
            seen.push(tenant)
            return Process.spawnLink(Process.receive())
          }
        })
        assert.deepStrictEqual(seen, ["tenant-1"])
      })
    )
  )

  it.effect("a crashed permanent child is restarted with a new pid; a temporary one is forgotten", () =>
    withNode(
      Effect.gen(function* () {
        const sup = yield* DynamicSupervisor.start()
        const permanent = yield* DynamicSupervisor.startChild(sup, sleeper([], "p"))
        const temporary = yield* DynamicSupervisor.startChild(sup, { ...sleeper([], "t"), restart: "temporary" })
        yield* Process.exit(permanent, ExitReason.failure("boom"))
        yield* Process.exit(temporary, ExitReason.failure("boom"))
        yield* Process.awaitExit(permanent)
        yield* Process.awaitExit(temporary)
        const children = yield* DynamicSupervisor.whichChildren(sup)
        assert.strictEqual(children.length, 1)
        assert.notDeepEqual(children[0]!.pid, permanent)
        assert.isTrue(yield* Process.isAlive(children[0]!.pid))
      })
    )
  )

  it.effect("shutdown stops all children in parallel under one budget", () =>
    withNode(
      Effect.gen(function* () {
        const sup = yield* DynamicSupervisor.start()
        const stubborn = {
          id: "stubborn",
          shutdown: "5 seconds" as const,
          start: Process.spawnLink(
            Effect.andThen(Process.trapExit(true), Effect.forever(Process.receive(), { disableYield: true }))
          )
        }
        const a = yield* DynamicSupervisor.startChild(sup, stubborn)
        const b = yield* DynamicSupervisor.startChild(sup, stubborn)
        const stopped = yield* Effect.forkChild(DynamicSupervisor.stop(sup))
        yield* TestClock.adjust("4999 millis")
        assert.isTrue(yield* Process.isAlive(a))
        assert.isTrue(yield* Process.isAlive(b))
        // one budget for all: both are killed at 5 s, not one after the other
        yield* TestClock.adjust("1 milli")
        yield* Fiber.join(stopped)
        yield* testing.expectExit(a, ExitReason.killed)
        yield* testing.expectExit(b, ExitReason.killed)
      })
    )
  )

  it.effect("gives up when the intensity is exceeded, stopping its children", () =>
    withNode(
      Effect.gen(function* () {
        const log: Array<string> = []
        const sup = yield* DynamicSupervisor.start({ name: "dyn-intensity" })
        const supPid = (yield* Process.whereis("dyn-intensity")).pipe((o) => (o._tag === "Some" ? o.value : undefined))!
        yield* DynamicSupervisor.startChild(sup, sleeper(log, "bystander"))
        let victim = yield* DynamicSupervisor.startChild(sup, sleeper(log, "victim"))
        for (let i = 0; i < 3; i++) {
          yield* Process.exit(victim, ExitReason.failure("boom"))
          yield* Process.awaitExit(victim)
          const children = yield* DynamicSupervisor.whichChildren(sup)
          victim = children[children.length - 1]!.pid
        }
        yield* Process.exit(victim, ExitReason.failure("boom"))
        const reason = yield* Process.awaitExit(supPid)
        assert.deepStrictEqual(
          reason,
          ExitReason.shutdownWith(
            new Supervisor.MaxRestartIntensity({ id: "victim", reason: ExitReason.failure("boom") })
          )
        )
        // each victim stopped by its crash, then the bystander by the supervisor giving up
        assert.deepStrictEqual(log, ["stop victim", "stop victim", "stop victim", "stop victim", "stop bystander"])
      })
    )
  )

  it.effect("a custom intensity whose step throws gives up, as a Supervisor's does", () =>
    withNode(
      Effect.gen(function* () {
        const log: Array<string> = []
        const throwing = Schedule.fromStep(
          Effect.sync(() => (_now: number, _input: unknown): Effect.Effect<[number, Duration.Duration]> => {
            throw new Error("bad step")
          })
        )
        const sup = yield* DynamicSupervisor.start({ name: "dyn-throwing-step", intensity: throwing })
        const supPid = Option.getOrThrow(yield* Process.whereis("dyn-throwing-step"))
        const victim = yield* DynamicSupervisor.startChild(sup, sleeper(log, "victim"))
        yield* Process.exit(victim, ExitReason.failure("boom"))
        assert.deepStrictEqual(
          yield* Process.awaitExit(supPid),
          ExitReason.shutdownWith(
            new Supervisor.MaxRestartIntensity({ id: "victim", reason: ExitReason.failure("boom") })
          )
        )
        assert.deepStrictEqual(log, ["stop victim"])
      })
    )
  )

  describe("failure paths", () => {
    const boom = new Error("boom in start")

    it.effect("a start that throws, dies or returns a non-process is ChildStartFailed; the rest live on", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const sup = yield* DynamicSupervisor.start()
          yield* DynamicSupervisor.startChild(sup, sleeper(log, "a"))
          yield* DynamicSupervisor.startChild(sup, sleeper(log, "b"))
          const before = yield* DynamicSupervisor.whichChildren(sup)
          const thrown = yield* Effect.flip(
            DynamicSupervisor.startChild(sup, {
              id: "throws",
              start: Effect.sync(() => {
                throw boom
              })
            })
          )
          const died = yield* Effect.flip(DynamicSupervisor.startChild(sup, { id: "dies", start: Effect.die(boom) }))
          const notAProcess = yield* Effect.flip(
            DynamicSupervisor.startChild(sup, { id: "value", start: Effect.succeed(42 as never) })
          )
          const typed = yield* Effect.flip(
            DynamicSupervisor.startChild(sup, { id: "typed", start: Effect.fail("no db") })
          )
          for (const [error, id] of [
            [thrown, "throws"],
            [died, "dies"]
          ] as const) {
            assert.instanceOf(error, Supervisor.ChildStartFailed)
            assert.deepStrictEqual(Object.keys(error), ["_tag", "id", "error"])
            assert.strictEqual((error as Supervisor.ChildStartFailed).id, id)
            assertReason((error as Supervisor.ChildStartFailed).error, ExitReason.failureCause(Cause.die(boom)))
          }
          assert.deepStrictEqual(
            notAProcess,
            new Supervisor.ChildStartFailed({ id: "value", error: new ChildSpec.NotAProcess({ value: 42 }) })
          )
          // the start's own typed error reaches the caller as it is
          assert.strictEqual(typed, "no db")
          assert.isTrue(yield* Process.isAlive(Option.getOrThrow(sup.whereis())))
          assert.deepStrictEqual(yield* DynamicSupervisor.whichChildren(sup), before)
          assert.deepStrictEqual(log, [])
        })
      )
    )

    it.effect(
      "between failed restart attempts it answers whichChildren (restarting), countChildren, terminateChild",
      () =>
        withNode(
          Effect.gen(function* () {
            const flaky = yield* gatedChild
            const sup = yield* DynamicSupervisor.start({ intensity: Supervisor.intensity(5, "5 seconds") })
            const other = yield* DynamicSupervisor.startChild(sup, sleeper([], "other"))
            const pid = yield* DynamicSupervisor.startChild(sup, flaky.spec)
            yield* Process.exit(pid, ExitReason.failure("boom"))
            assert.strictEqual(yield* Queue.take(flaky.entered), 2)
            const which = yield* Effect.forkChild(DynamicSupervisor.whichChildren(sup), { startImmediately: true })
            const count = yield* Effect.forkChild(DynamicSupervisor.countChildren(sup), { startImmediately: true })
            yield* Queue.offer(flaky.release, "fail")
            assert.deepStrictEqual(yield* Fiber.join(which), [
              { pid: other, status: "running", type: "worker", restart: "permanent" },
              { pid, status: "restarting", type: "worker", restart: "permanent" }
            ])
            assert.deepStrictEqual(yield* Fiber.join(count), { specs: 2, active: 1, supervisors: 0, workers: 2 })
            assert.strictEqual(yield* Queue.take(flaky.entered), 3)
            const terminated = yield* Effect.forkChild(DynamicSupervisor.terminateChild(sup, pid), {
              startImmediately: true
            })
            yield* Queue.offer(flaky.release, "fail")
            yield* Fiber.join(terminated)
            assert.deepStrictEqual(yield* DynamicSupervisor.whichChildren(sup), [
              { pid: other, status: "running", type: "worker", restart: "permanent" }
            ])
            assert.strictEqual(flaky.attempts(), 3)
            assert.isTrue(yield* Process.isAlive(Option.getOrThrow(sup.whereis())))
          })
        )
    )

    it.effect("gives up after the crash and N failed attempts, with the exact reason", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          let attempts = 0
          const sup = yield* DynamicSupervisor.start({ intensity: Supervisor.intensity(3, "5 seconds") })
          const supPid = Option.getOrThrow(sup.whereis())
          yield* DynamicSupervisor.startChild(sup, sleeper(log, "bystander"))
          const pid = yield* DynamicSupervisor.startChild(sup, {
            id: "flaky",
            start: Effect.suspend(() =>
              ++attempts === 1 ? Process.spawnLink(Process.receive()) : Effect.fail(`attempt ${attempts}`)
            )
          })
          yield* Process.exit(pid, ExitReason.failure("boom"))
          assert.deepStrictEqual(
            yield* Process.awaitExit(supPid),
            ExitReason.shutdownWith(
              new Supervisor.MaxRestartIntensity({ id: "flaky", reason: ExitReason.failure("attempt 4") })
            )
          )
          assert.strictEqual(attempts, 4)
          assert.deepStrictEqual(log, ["stop bystander"])
        })
      )
    )

    it.effect("ignore: startChild succeeds with Ignored and adds no child; an ignored restart forgets it", () =>
      withNode(
        Effect.gen(function* () {
          const sup = yield* DynamicSupervisor.start()
          const result: Process.Pid<never, unknown> | Errors.Ignored = yield* DynamicSupervisor.startChild(sup, {
            id: "quiet",
            start: Effect.fail(new Errors.Ignored())
          })
          assert.deepStrictEqual(result, new Errors.Ignored())
          assert.deepStrictEqual(yield* DynamicSupervisor.whichChildren(sup), [])
          let starts = 0
          const restarted = yield* Deferred.make<void>()
          const once = yield* DynamicSupervisor.startChild(sup, {
            id: "once",
            start: Effect.suspend(() =>
              ++starts === 1
                ? Process.spawnLink(Process.receive())
                : Effect.andThen(Deferred.succeed(restarted, undefined), Effect.fail(new Errors.Ignored()))
            )
          })
          yield* Process.exit(once as Process.Pid<never, unknown>, ExitReason.failure("boom"))
          yield* Deferred.await(restarted)
          assert.deepStrictEqual(yield* DynamicSupervisor.whichChildren(sup), [])
          assert.deepStrictEqual(yield* DynamicSupervisor.countChildren(sup), {
            specs: 0,
            active: 0,
            supervisors: 0,
            workers: 0
          })
          assert.isTrue(yield* Process.isAlive(Option.getOrThrow(sup.whereis())))
        })
      )
    )
  })
})

describe("DynamicSupervisor: a failed start", () => {
  it.effect("the name is taken: AlreadyRegistered with the holder; nothing left, no EXIT, the name the holder's", () =>
    withNode(
      Effect.gen(function* () {
        const holder = yield* DynamicSupervisor.start({ name: "ds-fail-taken" })
        const holderPid = Option.getOrThrow(holder.whereis())
        const outcome = yield* failedStart(
          DynamicSupervisor.startLink({ name: "ds-fail-taken" }),
          // once the holder has gone, the name is free: the failed start left nothing registered
          Effect.andThen(
            DynamicSupervisor.stop(holder),
            Effect.as(DynamicSupervisor.startLink({ name: "ds-fail-taken" }), "started again")
          )
        )
        assert.deepStrictEqual(outcome, {
          error: new Errors.AlreadyRegistered({ registeredName: "ds-fail-taken", pid: holderPid }),
          left: [],
          retried: "started again",
          mailbox: []
        })
      })
    )
  )
})
