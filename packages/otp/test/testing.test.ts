import { assert, describe, it } from "@effect/vitest"
import { Clock, type Duration, Effect, Exit, Option, Schema } from "effect"
import { type ChildSpec, ExitReason, GenServer, Node, Pid, Process, Request, testing } from "effect-otp"
import { assertReason, withNode } from "./utils.ts"

const now = Clock.currentTimeMillis

/** The failure of an effect that must fail with `AssertionFailed`. */
const assertionFailure = <A, E>(effect: Effect.Effect<A, E, any>) =>
  Effect.gen(function* () {
    const exit = yield* Effect.exit(effect)
    assert.isTrue(Exit.isFailure(exit), "expected the assertion to fail")
    const error = Option.getOrThrow(Exit.findErrorOption(exit as Exit.Exit<A, E>))
    assert.instanceOf(error, testing.AssertionFailed)
    return error as unknown as testing.AssertionFailed
  })

class Get extends Request.Class<Get>()("Get", { success: Schema.Number }) {}
const Counter = GenServer.behaviour({
  protocol: [Get],
  init: (start: number) => Effect.succeed(GenServer.ok(start)),
  handleCall: { Get: (_, n) => Effect.succeed(GenServer.reply(n, n)) }
})

interface Started {
  readonly _tag: "Started"
  readonly pid: Process.Pid<never, unknown>
}
const isStarted = (message: unknown): message is Started => (message as Started)?._tag === "Started"

/** A worker that tells `report` each time it starts. */
const worker = (report: Process.Pid<Started>) => ({
  id: "worker",
  start: Process.spawnLink(
    Effect.gen(function* () {
      yield* Process.send(report, { _tag: "Started", pid: yield* Process.self() })
      return yield* Process.receive<never>()
    })
  )
})

describe("testing", () => {
  it.effect("the module's example: a crashed worker is restarted, seen through messages", () =>
    testing
      .runInProcess(
        Effect.gen(function* () {
          const first = yield* testing.startSupervised(worker(yield* Process.self<Started>()))
          yield* testing.assertReceive((m: unknown) => isStarted(m) && Pid.equals(m.pid, first))
          yield* Process.monitor(first)
          yield* Process.exit(first, ExitReason.failure("boom"))
          const down = yield* testing.assertReceive(Process.isDown)
          assert.deepStrictEqual(down.reason, ExitReason.failure("boom"))
          assert.isTrue(Pid.equals(down.pid, first))
          const again = yield* testing.assertReceive(isStarted)
          assert.isFalse(Pid.equals(again.pid, first))
          assert.isTrue(yield* Process.isAlive(again.pid))
          // nothing else came: one start, one crash, one restart
          yield* testing.refuteReceive(() => true, { timeout: 0 })
          return again.pid
        })
      )
      .pipe(Effect.provide(Node.layer()))
  )

  it.effect("a crashed counter is restarted under its name", () =>
    testing
      .runInProcess(
        Effect.gen(function* () {
          const pid = yield* testing.startSupervised(GenServer.childSpec("c", Counter, 3, { name: "c" }))
          yield* Process.monitor(pid)
          yield* Process.exit(pid, ExitReason.failure("boom"))
          const down = yield* testing.assertReceive(Process.isDown)
          assert.deepStrictEqual(down.reason, ExitReason.failure("boom"))
          const counter = yield* GenServer.named(Counter, "c")
          yield* testing.waitUntil(() => Option.isSome(counter.whereis()))
          assert.isFalse(Pid.equals(Option.getOrThrow(counter.whereis()), pid))
          return yield* GenServer.call(counter, new Get())
        })
      )
      .pipe(
        Effect.map((n) => assert.strictEqual(n, 3)),
        Effect.provide(Node.layer())
      )
  )

  describe("runInProcess", () => {
    it.effect("returns the body's result, and the body is a process", () =>
      withNode(
        Effect.gen(function* () {
          const pid = yield* testing.runInProcess(Process.self())
          assert.isTrue(Pid.isPid(pid))
          assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.normal)
          assert.strictEqual(yield* testing.runInProcess(Effect.succeed(42)), 42)
        })
      )
    )

    it.effect("fails with the body's typed error", () =>
      withNode(
        Effect.gen(function* () {
          const exit = yield* Effect.exit(testing.runInProcess(Effect.fail("nope" as const)))
          assert.deepStrictEqual(exit, Exit.fail("nope"))
        })
      )
    )

    it.effect("fails with ProcessExited and the reason when the process is stopped before its body ends", () =>
      withNode(
        Effect.gen(function* () {
          const exit = yield* Effect.exit(testing.runInProcess(Process.exit(ExitReason.shutdownWith("bye"))))
          const error = Option.getOrThrow(Exit.findErrorOption(exit))
          assert.instanceOf(error, testing.ProcessExited)
          assert.deepStrictEqual((error as testing.ProcessExited).reason, ExitReason.shutdownWith("bye"))
          assert.match(
            (error as testing.ProcessExited).message,
            /exited with \{shutdown, bye\} before its body finished/
          )
        })
      )
    )
  })

  describe("assertReceive / refuteReceive", () => {
    it.effect("takes the first matching message, by value or by predicate, leaving the others in order", () =>
      withNode(
        testing.runInProcess(
          Effect.gen(function* () {
            const self = yield* Process.self<string | number>()
            yield* Process.send(self, "a")
            yield* Process.send(self, 1)
            yield* Process.send(self, "b")
            assert.strictEqual(yield* testing.assertReceive((m: string | number) => typeof m === "number"), 1)
            assert.strictEqual(yield* testing.assertReceive<string | number>("b"), "b")
            assert.strictEqual(yield* Process.receive<string | number>(), "a")
          })
        )
      )
    )

    it.effect("waits in virtual time for a message that comes later", () =>
      withNode(
        testing.runInProcess(
          Effect.gen(function* () {
            const self = yield* Process.self<string>()
            const start = yield* now
            yield* Process.sendAfter(self, "late", "60 millis")
            assert.strictEqual(yield* testing.assertReceive("late"), "late")
            const waited = (yield* now) - start
            assert.isAtLeast(waited, 60)
            assert.isBelow(waited, 100)
          })
        )
      )
    )

    it.effect("a message that does not come fails with AssertionFailed listing the mailbox, after the timeout", () =>
      withNode(
        testing.runInProcess(
          Effect.gen(function* () {
            const self = yield* Process.self<{ readonly _tag: string }>()
            yield* Process.send(self, { _tag: "Other" })
            const start = yield* now
            const error = yield* assertionFailure(testing.assertReceive({ _tag: "Wanted" }))
            assert.strictEqual(error._tag, "AssertionFailed")
            assert.strictEqual(error.assertion, "assertReceive")
            assert.strictEqual(
              error.message,
              'assertReceive: no message like {"_tag":"Wanted"} within 100 ms; the mailbox: it holds 1 message: {"_tag":"Other"}'
            )
            assert.strictEqual((yield* now) - start, 100)
            // the other message is still there
            assert.deepStrictEqual(yield* Process.receive(), { _tag: "Other" })
          })
        )
      )
    )

    it.effect("refuteReceive passes when nothing matches within the timeout", () =>
      withNode(
        testing.runInProcess(
          Effect.gen(function* () {
            const self = yield* Process.self<string>()
            yield* Process.sendAfter(self, "too late", "300 millis")
            yield* testing.refuteReceive("too late", { timeout: "200 millis" })
            yield* testing.assertReceive("too late", { timeout: "200 millis" })
          })
        )
      )
    )

    it.effect("refuteReceive fails with what came", () =>
      withNode(
        testing.runInProcess(
          Effect.gen(function* () {
            const self = yield* Process.self<string>()
            yield* Process.sendAfter(self, "surprise", "10 millis")
            const error = yield* assertionFailure(testing.refuteReceive((m: string) => m.startsWith("s")))
            assert.strictEqual(
              error.message,
              'refuteReceive: expected no message like a matching message within 100 ms, got "surprise"'
            )
          })
        )
      )
    )
  })

  describe("expectExit", () => {
    it.effect("returns the reason when the process exits with the expected one", () =>
      withNode(
        Effect.gen(function* () {
          const pid = yield* Process.spawn(Effect.andThen(Effect.sleep("200 millis"), Effect.fail("boom")))
          const start = yield* now
          const reason = yield* testing.expectExit(pid, ExitReason.failure("boom"))
          assertReason(reason, ExitReason.failure("boom"))
          assert.isAtLeast((yield* now) - start, 200)
          // a predicate works too, and an exited process keeps its reason
          yield* testing.expectExit(pid, (r) => !ExitReason.isNormalLike(r))
        })
      )
    )

    it.effect("fails with the actual reason when it differs", () =>
      withNode(
        Effect.gen(function* () {
          const pid = yield* Process.spawn(Effect.void)
          const error = yield* assertionFailure(testing.expectExit(pid, ExitReason.killed))
          assert.strictEqual(error.message, `expectExit: ${String(pid)} exited with normal, expected killed`)
        })
      )
    )

    it.effect("fails when the process does not exit within the timeout", () =>
      withNode(
        Effect.gen(function* () {
          const pid = yield* Process.spawn(Process.receive())
          const start = yield* now
          const error = yield* assertionFailure(testing.expectExit(pid, ExitReason.normal, { timeout: "2 seconds" }))
          assert.strictEqual(error.message, `expectExit: ${String(pid)} did not exit within 2000 ms`)
          assert.strictEqual((yield* now) - start, 2000)
        })
      )
    )
  })

  describe("advancing", () => {
    it.effect("returns the result of an effect that needs the time, and moves the clock by exactly that", () =>
      withNode(
        Effect.gen(function* () {
          const start = yield* now
          assert.strictEqual(yield* testing.advancing(Effect.as(Effect.sleep("2 seconds"), 42), "2 seconds"), 42)
          assert.strictEqual((yield* now) - start, 2000)
          // data-last, and an effect that needs no time
          assert.strictEqual(yield* Effect.succeed("now").pipe(testing.advancing("1 second")), "now")
          assert.strictEqual((yield* now) - start, 3000)
        })
      )
    )

    it.effect("fails with the effect's error; the timers due within the duration fire in order", () =>
      withNode(
        Effect.gen(function* () {
          const fired: Array<string> = []
          const at = (time: Duration.Input, label: string) =>
            Effect.andThen(
              Effect.sleep(time),
              Effect.sync(() => fired.push(label))
            )
          const timers = Effect.all(
            [
              at("2 seconds", "2 s"),
              at("1 second", "1 s"),
              Effect.andThen(Effect.sleep("3 seconds"), Effect.fail("late" as const))
            ],
            { concurrency: "unbounded" }
          )
          assert.strictEqual(yield* Effect.flip(testing.advancing(timers, "3 seconds")), "late")
          assert.deepStrictEqual(fired, ["1 s", "2 s"])
        })
      )
    )

    it.effect("an effect that needs more time fails with AssertionFailed and is interrupted", () =>
      withNode(
        Effect.gen(function* () {
          let interrupted = false
          const slow = Effect.sleep("1 second").pipe(Effect.onInterrupt(() => Effect.sync(() => (interrupted = true))))
          const error = yield* assertionFailure(testing.advancing(slow, "999 millis"))
          assert.deepStrictEqual(
            error,
            new testing.AssertionFailed({
              assertion: "advancing",
              details: "the effect did not finish within 999 ms of virtual time"
            })
          )
          assert.isTrue(interrupted)
        })
      )
    )

    it.live("under the live clock it waits the duration beside the effect", () =>
      Effect.gen(function* () {
        const start = yield* now
        assert.strictEqual(yield* testing.advancing(Effect.succeed("at once"), "20 millis"), "at once")
        assert.isAtLeast((yield* now) - start, 19)
      })
    )
  })

  describe("waitUntil", () => {
    it.effect("a condition that needs no time costs no virtual time", () =>
      withNode(
        Effect.gen(function* () {
          let done = false
          yield* Process.spawn(Effect.sync(() => (done = true)))
          const start = yield* now
          yield* testing.waitUntil(() => done)
          assert.strictEqual((yield* now) - start, 0)
        })
      )
    )

    it.effect("moves virtual time until a timer makes the condition true", () =>
      withNode(
        Effect.gen(function* () {
          let done = false
          yield* Process.spawn(
            Effect.andThen(
              Effect.sleep("300 millis"),
              Effect.sync(() => (done = true))
            )
          )
          const start = yield* now
          yield* testing.waitUntil(() => done, { timeout: "1 second" })
          const waited = (yield* now) - start
          assert.isAtLeast(waited, 300)
          assert.isAtMost(waited, 350)
        })
      )
    )

    it.effect("takes an effect as condition, and fails with AssertionFailed after the timeout", () =>
      withNode(
        Effect.gen(function* () {
          const error = yield* assertionFailure(
            testing.waitUntil(Effect.succeed(false), { timeout: "500 millis", label: "the moon is blue" })
          )
          assert.strictEqual(error.message, "waitUntil: the moon is blue did not hold within 500 ms of virtual time")
        })
      )
    )
  })

  describe("TestProbe", () => {
    it.effect("records messages; expectMessage takes them selectively, expectNoMessage checks none is left", () =>
      withNode(
        Effect.gen(function* () {
          const probe = yield* testing.startProbe<string>()
          yield* Process.spawn(
            Effect.andThen(
              Process.send(probe.pid, "one"),
              Effect.andThen(Effect.sleep("50 millis"), Process.send(probe.pid, "two"))
            )
          )
          assert.strictEqual(yield* probe.expectMessage("two"), "two")
          assert.strictEqual(yield* probe.expectMessage((m) => m.length === 3), "one")
          yield* probe.expectNoMessage()
          assert.deepStrictEqual(probe.messages, ["one", "two"])
        })
      )
    )

    it.effect("a missing message fails with what the probe holds", () =>
      withNode(
        Effect.gen(function* () {
          const probe = yield* testing.startProbe<string>()
          yield* Process.send(probe.pid, "hello")
          const error = yield* assertionFailure(probe.expectMessage("bye"))
          assert.strictEqual(
            error.message,
            `expectMessage: the probe ${String(probe.pid)} got no message like "bye" within 100 ms; the probe: it holds 1 message: "hello"`
          )
          const unexpected = yield* assertionFailure(probe.expectNoMessage())
          assert.strictEqual(
            unexpected.message,
            `expectNoMessage: the probe ${String(probe.pid)} got "hello" within 100 ms`
          )
        })
      )
    )

    it.effect("run executes inside the probe; monitor records the Down", () =>
      withNode(
        Effect.gen(function* () {
          const probe = yield* testing.startProbe()
          const self = yield* probe.run(Process.self())
          assert.isTrue(Pid.equals(self, probe.pid))
          const target = yield* Process.spawn(Process.receive())
          yield* probe.monitor(target)
          yield* Process.kill(target)
          const down = yield* probe.expectMessage(Process.isDown)
          assert.deepStrictEqual(down.reason, ExitReason.killed)
        })
      )
    )

    it.effect("the probe is killed when its scope closes, and run then fails with ProcessExited", () =>
      withNode(
        Effect.gen(function* () {
          const probe = yield* Effect.scoped(testing.startProbe())
          yield* testing.expectExit(probe.pid, ExitReason.killed)
          const exit = yield* Effect.exit(probe.run(Effect.void))
          const error = Option.getOrThrow(Exit.findErrorOption(exit))
          assert.instanceOf(error, testing.ProcessExited)
        })
      )
    )
  })

  describe("startSupervised", () => {
    const idle = (id: string, log: Array<string>): ChildSpec.ChildSpec<never, Node.Node | Process.Self<unknown>> => ({
      id,
      start: Process.spawnLink(
        Effect.ensuring(
          Effect.andThen(
            Effect.sync(() => log.push(`start ${id}`)),
            Process.receive<never>()
          ),
          Effect.sync(() => log.push(`stop ${id}`))
        )
      )
    })

    it.effect("children are stopped in reverse order when the scope closes", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const [a, b] = yield* Effect.scoped(
            Effect.gen(function* () {
              const a = yield* testing.startSupervised(idle("a", log))
              const b = yield* testing.startSupervised(idle("b", log))
              yield* testing.waitUntil(() => log.length === 2)
              return [a, b] as const
            })
          )
          assert.isFalse(yield* Process.isAlive(a))
          assert.isFalse(yield* Process.isAlive(b))
          assert.deepStrictEqual(log, ["start a", "start b", "stop b", "stop a"])
        })
      )
    )

    it.effect("a crashed child is restarted; stopSupervised stops it for good", () =>
      withNode(
        Effect.gen(function* () {
          const pid = yield* testing.startSupervised(GenServer.childSpec("counter", Counter, 7, { name: "counter" }))
          yield* Process.exit(pid, ExitReason.failure("boom"))
          yield* testing.expectExit(pid, ExitReason.failure("boom"))
          const counter = yield* GenServer.named(Counter, "counter")
          yield* testing.waitUntil(() => Option.isSome(counter.whereis()))
          assert.strictEqual(yield* GenServer.call(counter, new Get()), 7)
          const again = Option.getOrThrow(counter.whereis())
          yield* testing.stopSupervised("counter")
          assert.isFalse(yield* Process.isAlive(again))
          const exit = yield* Effect.exit(testing.stopSupervised("counter"))
          assert.isTrue(Exit.isFailure(exit))
        })
      )
    )
  })
})
