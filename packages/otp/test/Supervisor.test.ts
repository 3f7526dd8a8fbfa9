import { assert, describe, it } from "@effect/vitest"
import { Context, Deferred, Effect, Exit, Fiber, Layer, Option, Schedule, Schema, Scope } from "effect"
import { TestClock } from "effect/testing"
import { type ChildSpec, Errors, ExitReason, GenServer, Node, Process, Request, Supervisor, testing } from "effect-otp"
import * as fc from "fast-check"
import { failedStart } from "./utils.ts"

const withNode = <A, E, R>(effect: Effect.Effect<A, E, R>) => effect.pipe(Effect.provide(Node.layer()))

/**
 * A worker that logs its start and its stop (from its finalizer). Its start waits until the body
 * has run (like `proc_lib:start_link` waiting for `init_ack`), so "started" means "running".
 */
const worker = (
  id: string,
  log: Array<string>,
  options?: Partial<Omit<ChildSpec.ChildSpec, "id" | "start">>
): ChildSpec.ChildSpec<never, Node.Node | Process.Self<unknown>> => ({
  id,
  start: Effect.gen(function* () {
    const started = yield* Deferred.make<void>()
    const pid = yield* Process.spawnLink(
      Effect.ensuring(
        Effect.andThen(
          Effect.andThen(
            Effect.sync(() => log.push(`start ${id}`)),
            Deferred.succeed(started, undefined)
          ),
          Process.receive<never>()
        ),
        Effect.sync(() => log.push(`stop ${id}`))
      )
    )
    yield* Deferred.await(started)
    return pid
  }),
  ...options
})

const pidOf = (children: ReadonlyArray<Supervisor.ChildInfo>, id: string) =>
  Option.getOrThrow(children.find((c) => c.id === id)!.pid)

/** Crashes a child and waits until the supervisor has handled it (its EXIT precedes our call). */
const crash = (sup: Supervisor.Supervisor, id: string, reason: ExitReason.ExitReason = ExitReason.failure("boom")) =>
  Effect.gen(function* () {
    const pid = pidOf(yield* Supervisor.whichChildren(sup), id)
    yield* Process.exit(pid, reason)
    yield* testing.expectExit(pid, reason)
    return yield* Supervisor.whichChildren(sup)
  })

describe("Supervisor", () => {
  describe("strategies restart in the exact order", () => {
    it.effect("oneForOne restarts only the crashed child", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const sup = yield* Supervisor.start({ children: [worker("a", log), worker("b", log), worker("c", log)] })
          log.length = 0
          yield* crash(sup, "b")
          assert.deepStrictEqual(log, ["stop b", "start b"])
        })
      )
    )

    it.effect("oneForAll stops the others in reverse order and starts all in order", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const sup = yield* Supervisor.start({
            strategy: "oneForAll",
            children: [worker("a", log), worker("b", log), worker("c", log)]
          })
          assert.deepStrictEqual(log, ["start a", "start b", "start c"])
          log.length = 0
          yield* crash(sup, "b")
          assert.deepStrictEqual(log, ["stop b", "stop c", "stop a", "start a", "start b", "start c"])
        })
      )
    )

    it.effect("restForOne restarts the child and those started after it", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const sup = yield* Supervisor.start({
            strategy: "restForOne",
            children: [worker("a", log), worker("b", log), worker("c", log), worker("d", log)]
          })
          log.length = 0
          yield* crash(sup, "b")
          assert.deepStrictEqual(log, ["stop b", "stop d", "stop c", "start b", "start c", "start d"])
        })
      )
    )
  })

  describe("restart type × exit reason", () => {
    const cases: ReadonlyArray<readonly [ChildSpec.Restart, ExitReason.ExitReason, boolean]> = [
      ["permanent", ExitReason.normal, true],
      ["permanent", ExitReason.shutdown, true],
      ["permanent", ExitReason.failure("boom"), true],
      ["transient", ExitReason.normal, false],
      ["transient", ExitReason.shutdown, false],
      ["transient", ExitReason.failure("boom"), true],
      ["temporary", ExitReason.normal, false],
      ["temporary", ExitReason.shutdown, false],
      ["temporary", ExitReason.failure("boom"), false]
    ]
    for (const [restart, reason, restarted] of cases) {
      it.effect(`${restart} child exiting ${reason._tag}: ${restarted ? "restarted" : "not restarted"}`, () =>
        withNode(
          Effect.gen(function* () {
            const log: Array<string> = []
            const sup = yield* Supervisor.start({ children: [worker("w", log, { restart })] })
            const before = pidOf(yield* Supervisor.whichChildren(sup), "w")
            // Normal must come from the child itself: an exit signal Normal to another process is ignored
            if (reason._tag === "Normal") {
              const stopped = yield* Deferred.make<void>()
              yield* Supervisor.terminateChild(sup, "w").pipe(Effect.ignore)
              yield* Supervisor.deleteChild(sup, "w").pipe(Effect.ignore)
              const selfStopping: ChildSpec.ChildSpec<never, any> = {
                id: "w",
                restart,
                start: Process.spawnLink(
                  Effect.gen(function* () {
                    log.push("start w")
                    yield* Process.receive<"stop">()
                    yield* Deferred.succeed(stopped, undefined)
                  })
                )
              }
              const pid = (yield* Supervisor.startChild(sup, selfStopping)) as Process.Pid<"stop">
              log.length = 0
              yield* Process.send(pid, "stop")
              yield* Process.awaitExit(pid)
            } else {
              log.length = 0
              yield* Process.exit(before, reason)
              yield* Process.awaitExit(before)
            }
            const after = yield* Supervisor.whichChildren(sup)
            const child = after.find((c) => c.id === "w")
            if (restarted) {
              assert.isTrue(child !== undefined && Option.isSome(child.pid))
              assert.include(log, "start w")
            } else if (restart === "temporary") {
              assert.isUndefined(child)
            } else {
              assert.isTrue(child !== undefined && Option.isNone(child.pid))
            }
          })
        )
      )
    }
  })

  describe("shutdown", () => {
    it.effect("a child that ignores the shutdown signal is killed after its budget, in virtual time", () =>
      withNode(
        Effect.gen(function* () {
          const stubborn: ChildSpec.ChildSpec<never, any> = {
            id: "stubborn",
            shutdown: "5 seconds",
            start: Process.spawnLink(
              Effect.andThen(Process.trapExit(true), Effect.forever(Process.receive(), { disableYield: true }))
            )
          }
          const sup = yield* Supervisor.start({ children: [stubborn] })
          const pid = pidOf(yield* Supervisor.whichChildren(sup), "stubborn")
          const reason = yield* Effect.forkChild(Process.awaitExit(pid))
          const terminated = yield* Effect.forkChild(Supervisor.terminateChild(sup, "stubborn"))
          yield* TestClock.adjust("4999 millis")
          assert.isTrue(yield* Process.isAlive(pid))
          yield* TestClock.adjust("1 milli")
          yield* Fiber.join(terminated)
          assert.deepStrictEqual(yield* Fiber.join(reason), ExitReason.killed)
        })
      )
    )

    it.effect("a child that obeys stops with Shutdown; brutalKill kills at once", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const sup = yield* Supervisor.start({
            children: [worker("polite", log), worker("brutal", log, { shutdown: "brutalKill" })]
          })
          const children = yield* Supervisor.whichChildren(sup)
          const polite = yield* Effect.forkChild(Process.awaitExit(pidOf(children, "polite")))
          const brutal = yield* Effect.forkChild(Process.awaitExit(pidOf(children, "brutal")))
          yield* Supervisor.terminateChild(sup, "polite")
          yield* Supervisor.terminateChild(sup, "brutal")
          assert.deepStrictEqual(yield* Fiber.join(polite), ExitReason.shutdown)
          assert.deepStrictEqual(yield* Fiber.join(brutal), ExitReason.killed)
        })
      )
    )

    it.effect("stopping the supervisor stops children in reverse start order", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const sup = yield* Supervisor.start({ children: [worker("a", log), worker("b", log), worker("c", log)] })
          log.length = 0
          yield* Supervisor.stop(sup)
          assert.deepStrictEqual(log, ["stop c", "stop b", "stop a"])
        })
      )
    )
  })

  describe("restart intensity", () => {
    it.effect("gives up exactly at the N+1-th restart within the window", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const sup = yield* Supervisor.start({
            intensity: Supervisor.intensity(3, "5 seconds"),
            children: [worker("a", log), worker("w", log)]
          })
          const supPid = Option.getOrThrow(sup.whereis())
          for (let i = 0; i < 3; i++) {
            yield* crash(sup, "w")
            yield* TestClock.adjust("1 second")
          }
          assert.isTrue(yield* Process.isAlive(supPid))
          log.length = 0
          const pid = pidOf(yield* Supervisor.whichChildren(sup), "w")
          yield* Process.exit(pid, ExitReason.failure("boom"))
          const reason = yield* Process.awaitExit(supPid)
          assert.strictEqual(reason._tag, "Shutdown")
          if (reason._tag === "Shutdown") {
            const term = Option.getOrThrow(reason.term)
            assert.instanceOf(term, Supervisor.MaxRestartIntensity)
            assert.strictEqual((term as Supervisor.MaxRestartIntensity).id, "w")
          }
          assert.deepStrictEqual(log, ["stop w", "stop a"])
        })
      )
    )

    it.effect("restarts spread over more than the window never exceed it", () =>
      withNode(
        Effect.gen(function* () {
          const sup = yield* Supervisor.start({
            intensity: Supervisor.intensity(2, "3 seconds"),
            children: [worker("w", [])]
          })
          for (let i = 0; i < 10; i++) {
            yield* crash(sup, "w")
            yield* TestClock.adjust("2 seconds")
          }
          assert.isTrue(Option.isSome(sup.whereis()))
          const counts = yield* Supervisor.countChildren(sup)
          assert.deepStrictEqual(counts, { specs: 1, active: 1, supervisors: 0, workers: 1 })
        })
      )
    )

    it("addRestart is a sliding window (property)", () => {
      fc.assert(
        fc.property(
          fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 40 }),
          fc.integer({ min: 1, max: 5 }),
          fc.integer({ min: 1, max: 5_000 }),
          (gaps, max, window) => {
            let stamps: ReadonlyArray<number> = []
            let now = 0
            const all: Array<number> = []
            for (const gap of gaps) {
              now += gap
              all.push(now)
              const next = Supervisor.addRestart(stamps, now, max, window)
              stamps = next.stamps
              const inWindow = all.filter((t) => now - t < window).length
              if (next.exceeded !== inWindow > max) return false
              if (next.exceeded) return true
            }
            return true
          }
        )
      )
    })

    it.effect("a backoff schedule delays the restart; the supervisor serves calls meanwhile", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const sup = yield* Supervisor.start({
            intensity: Schedule.max([Supervisor.intensity(10, "1 minute"), Schedule.exponential("100 millis")]),
            children: [worker("w", log)]
          })
          log.length = 0
          const after = yield* crash(sup, "w")
          assert.isTrue(Option.isNone(after[0]!.pid))
          yield* TestClock.adjust("99 millis")
          assert.deepStrictEqual(log, ["stop w"])
          yield* TestClock.adjust("1 milli")
          assert.isTrue(Option.isSome((yield* Supervisor.whichChildren(sup))[0]!.pid))
          assert.deepStrictEqual(log, ["stop w", "start w"])
          // the second restart waits 200 ms
          log.length = 0
          yield* crash(sup, "w")
          yield* TestClock.adjust("199 millis")
          assert.deepStrictEqual(log, ["stop w"])
          yield* TestClock.adjust("1 milli")
          yield* Supervisor.whichChildren(sup)
          assert.deepStrictEqual(log, ["stop w", "start w"])
        })
      )
    )
  })

  it.effect("child life cycle: start → terminate → restart → delete", () =>
    withNode(
      Effect.gen(function* () {
        const log: Array<string> = []
        const sup = yield* Supervisor.start({ children: [] })
        const pid = yield* Supervisor.startChild(sup, worker("w", log))
        assert.isTrue(yield* Process.isAlive(pid))
        const dup = yield* Effect.flip(Supervisor.startChild(sup, worker("w", log)))
        assert.strictEqual(dup._tag, "AlreadyPresent")
        assert.strictEqual((yield* Effect.flip(Supervisor.deleteChild(sup, "w")))._tag, "ChildRunning")
        yield* Supervisor.terminateChild(sup, "w")
        assert.isFalse(yield* Process.isAlive(pid))
        assert.deepStrictEqual(yield* Supervisor.countChildren(sup), {
          specs: 1,
          active: 0,
          supervisors: 0,
          workers: 1
        })
        const again = yield* Supervisor.restartChild(sup, "w")
        assert.notDeepEqual(again, pid)
        assert.strictEqual((yield* Effect.flip(Supervisor.restartChild(sup, "w")))._tag, "ChildRunning")
        yield* Supervisor.terminateChild(sup, "w")
        yield* Supervisor.deleteChild(sup, "w")
        assert.deepStrictEqual(yield* Supervisor.whichChildren(sup), [])
        assert.strictEqual((yield* Effect.flip(Supervisor.terminateChild(sup, "w")))._tag, "ChildNotFound")
        assert.deepStrictEqual(log, ["start w", "stop w", "start w", "stop w"])
      })
    )
  )

  describe("autoShutdown", () => {
    it.effect("anySignificant: a significant transient child's normal exit stops the supervisor", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const finisher: ChildSpec.ChildSpec<never, any> = {
            id: "job",
            restart: "transient",
            significant: true,
            start: Process.spawnLink(Process.receive<"done">())
          }
          const sup = yield* Supervisor.start({
            autoShutdown: "anySignificant",
            children: [worker("a", log), finisher]
          })
          const supPid = Option.getOrThrow(sup.whereis())
          yield* Process.send(pidOf(yield* Supervisor.whichChildren(sup), "job") as Process.Pid<"done">, "done")
          assert.deepStrictEqual(yield* Process.awaitExit(supPid), ExitReason.shutdown)
          assert.include(log, "stop a")
        })
      )
    )

    it.effect("allSignificant waits for every significant child", () =>
      withNode(
        Effect.gen(function* () {
          const job = (id: string): ChildSpec.ChildSpec<never, any> => ({
            id,
            restart: "temporary",
            significant: true,
            start: Process.spawnLink(Process.receive<"done">())
          })
          const sup = yield* Supervisor.start({ autoShutdown: "allSignificant", children: [job("j1"), job("j2")] })
          const supPid = Option.getOrThrow(sup.whereis())
          const children = yield* Supervisor.whichChildren(sup)
          const j1 = pidOf(children, "j1") as Process.Pid<"done">
          yield* Process.send(j1, "done")
          yield* Process.awaitExit(j1)
          assert.strictEqual((yield* Supervisor.countChildren(sup)).active, 1)
          yield* Process.send(pidOf(children, "j2") as Process.Pid<"done">, "done")
          assert.deepStrictEqual(yield* Process.awaitExit(supPid), ExitReason.shutdown)
        })
      )
    )
  })

  describe("invalid specs and start failures", () => {
    it.effect("InvalidChildSpec names the field", () =>
      withNode(
        Effect.gen(function* () {
          const start = Process.spawnLink(Process.receive())
          const cases: ReadonlyArray<readonly [ReadonlyArray<ChildSpec.Any>, string, string]> = [
            [
              [
                { id: "a", start },
                { id: "a", start }
              ],
              "a",
              "id"
            ],
            [[{ id: "p", start, restart: "permanent", significant: true }], "p", "significant"],
            [[{ id: "n", start, shutdown: -1 }], "n", "shutdown"],
            [[{ id: "", start }], "", "id"],
            [[{ id: "r", start, restart: "sometimes" as never }], "r", "restart"]
          ]
          for (const [children, id, field] of cases) {
            const error = yield* Effect.flip(Supervisor.start({ autoShutdown: "anySignificant", children }))
            assert.strictEqual(error._tag, "InvalidChildSpec")
            if (error._tag === "InvalidChildSpec") {
              assert.strictEqual(error.id, id)
              assert.strictEqual(error.field, field)
            }
          }
          const significant = yield* Effect.flip(
            Supervisor.start({ children: [{ id: "s", start, restart: "transient", significant: true }] })
          )
          assert.strictEqual(significant._tag, "InvalidChildSpec")
        })
      )
    )

    it.effect("a child that fails to start fails the supervisor's start; started ones are stopped in reverse", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const failing: ChildSpec.ChildSpec<string, never> = { id: "bad", start: Effect.fail("no database") }
          const error = yield* Effect.flip(
            Supervisor.start({ children: [worker("a", log), worker("b", log), failing, worker("c", log)] })
          )
          assert.strictEqual(error._tag, "ChildStartFailed")
          if (error._tag === "ChildStartFailed") {
            assert.strictEqual(error.id, "bad")
            assert.strictEqual(error.error, "no database")
          }
          assert.deepStrictEqual(log, ["start a", "start b", "stop b", "stop a"])
        })
      )
    )

    it.effect("a failed restart counts toward the intensity and is retried", () =>
      withNode(
        Effect.gen(function* () {
          let attempts = 0
          const flaky: ChildSpec.ChildSpec<string, any> = {
            id: "flaky",
            start: Effect.suspend(() => {
              attempts++
              return attempts === 1 || attempts >= 4 ? Process.spawnLink(Process.receive()) : Effect.fail("not yet")
            })
          }
          const sup = yield* Supervisor.start({ intensity: Supervisor.intensity(5, "5 seconds"), children: [flaky] })
          const children = yield* crash(sup, "flaky")
          assert.strictEqual(attempts, 4)
          assert.isTrue(Option.isSome(children[0]!.pid))
        })
      )
    )
  })

  it.effect("nested: a child supervisor that exceeds its intensity is restarted by its parent", () =>
    withNode(
      Effect.gen(function* () {
        const log: Array<string> = []
        const inner = Supervisor.childSpec("inner", {
          intensity: Supervisor.intensity(1, "5 seconds"),
          children: [worker("w", log)]
        })
        const outer = yield* Supervisor.start({ children: [inner] })
        const innerBefore = pidOf(yield* Supervisor.whichChildren(outer), "inner")
        const innerRef = GenServer.fromPid(innerBefore) as unknown as Supervisor.Supervisor
        yield* crash(innerRef, "w")
        const w = pidOf(yield* Supervisor.whichChildren(innerRef), "w")
        yield* Process.exit(w, ExitReason.failure("again"))
        const reason = yield* Process.awaitExit(innerBefore)
        assert.strictEqual(reason._tag, "Shutdown")
        const innerAfter = pidOf(yield* Supervisor.whichChildren(outer), "inner")
        assert.notDeepEqual(innerAfter, innerBefore)
        assert.isTrue(yield* Process.isAlive(innerAfter))
      })
    )
  )

  describe("as Layers", () => {
    class Increment extends Request.Class<Increment>()("Increment", { success: Schema.Number }) {}
    const Counter = GenServer.behaviour({
      protocol: [Increment],
      init: (n: number) => Effect.succeed(GenServer.ok(n)),
      handleCall: { Increment: (_, n) => Effect.succeed(GenServer.reply(n + 1, n + 1)) }
    })
    class CounterClient extends Context.Service<
      CounterClient,
      { readonly increment: Effect.Effect<number, GenServer.CallError> }
    >()("test/CounterClient") {
      static readonly layer = Layer.effect(
        CounterClient,
        Effect.map(GenServer.named(Counter, "layer-counter"), (server) => ({
          increment: GenServer.call(server, new Increment())
        }))
      )
    }

    it.effect("building and releasing a tree leaves nothing running; a client survives a restart", () =>
      Effect.gen(function* () {
        const log: Array<string> = []
        const tree = Supervisor.layer({
          name: "layer-sup",
          children: [worker("a", log), GenServer.childSpec("counter", Counter, 0, { name: "layer-counter" })]
        })
        const app = CounterClient.layer.pipe(Layer.provideMerge(tree), Layer.provideMerge(Node.layer()))
        const scope = yield* Scope.make()
        const context = yield* Layer.buildWithScope(app, scope)
        const client = Context.get(context, CounterClient)
        const node = Context.get(context, Node.Node)
        assert.strictEqual(yield* client.increment, 1)
        assert.strictEqual(yield* client.increment, 2)
        const counter = yield* GenServer.named(Counter, "layer-counter").pipe(Effect.provideContext(context))
        const counterPid = Option.getOrThrow(counter.whereis())
        yield* Process.kill(counterPid)
        yield* Process.awaitExit(counterPid)
        // the supervisor handles the EXIT before this call
        yield* Supervisor.whichChildren(yield* Supervisor.named("layer-sup").pipe(Effect.provideContext(context)))
        // restarted under the same name: the client keeps working, with fresh state
        assert.strictEqual(yield* client.increment, 1)
        assert.strictEqual(node.stats().active, 3)
        yield* Scope.close(scope, Exit.void)
        assert.deepStrictEqual(node.processes(), [])
        assert.deepStrictEqual(log, ["start a", "stop a"])
      })
    )
  })
})

describe("Supervisor: a failed start of the supervisor itself", () => {
  const named = (id: string, name: string, init: Effect.Effect<void, "no config">) =>
    GenServer.childSpec(id, GenServer.behaviour({ init: (_: void) => Effect.as(init, GenServer.ok(0)) }), undefined, {
      name
    })

  it.effect("a child fails to start: ChildStartFailed once the supervisor and its started children are gone", () =>
    withNode(
      Effect.gen(function* () {
        const outcome = yield* failedStart(
          Supervisor.startLink({
            name: "sup-fail",
            children: [named("ok", "sup-fail-ok", Effect.void), named("bad", "sup-fail-bad", Effect.fail("no config"))]
          }),
          // the supervisor's name and its first child's name are free at once
          Effect.map(
            Supervisor.startLink({ name: "sup-fail", children: [named("ok", "sup-fail-ok", Effect.void)] }),
            () => "started again"
          )
        )
        assert.deepStrictEqual(outcome, {
          error: new Supervisor.ChildStartFailed({ id: "bad", error: "no config" }),
          left: [],
          retried: "started again",
          mailbox: []
        })
      })
    )
  )

  it.effect("a closed node: Supervisor.start fails at once with NodeClosed", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const node = yield* Scope.provide(Node.make(), scope)
      yield* Scope.close(scope, Exit.void)
      const error = yield* Effect.flip(Supervisor.start({ children: [] }).pipe(Effect.provideService(Node.Node, node)))
      assert.deepStrictEqual(error, new Errors.NodeClosed({ node: node.name }))
    })
  )
})
