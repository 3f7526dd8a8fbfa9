import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Option } from "effect"
import { TestClock } from "effect/testing"
import { DynamicSupervisor, Errors, ExitReason, Node, Process, testing } from "effect-otp"
import { failedStart } from "./utils.ts"

const withNode = <A, E, R>(effect: Effect.Effect<A, E, R>) => effect.pipe(Effect.provide(Node.layer()))

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
        assert.strictEqual(error._tag, "MaxChildren")
        assert.deepStrictEqual(yield* DynamicSupervisor.countChildren(sup), {
          specs: 2,
          active: 2,
          supervisors: 0,
          workers: 2
        })
        yield* DynamicSupervisor.terminateChild(sup, a)
        assert.isFalse(yield* Process.isAlive(a))
        assert.strictEqual((yield* DynamicSupervisor.whichChildren(sup)).length, 1)
        assert.strictEqual((yield* Effect.flip(DynamicSupervisor.terminateChild(sup, a)))._tag, "NotAChild")
        yield* DynamicSupervisor.startChild(sup, sleeper([], "c"))
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
        assert.strictEqual(reason._tag, "Shutdown")
        assert.include(log, "stop bystander")
      })
    )
  )
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
          error: new Errors.AlreadyRegistered({ name: "ds-fail-taken", pid: holderPid }),
          left: [],
          retried: "started again",
          mailbox: []
        })
      })
    )
  )
})
