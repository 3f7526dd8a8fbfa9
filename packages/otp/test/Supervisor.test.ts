import { assert, describe, it } from "@effect/vitest"
import { Cause, Context, Deferred, Effect, Exit, Fiber, Layer, Option, Queue, Schedule, Schema, Scope } from "effect"
import { TestClock } from "effect/testing"
import {
  ChildSpec,
  DynamicSupervisor,
  Errors,
  ExitReason,
  GenServer,
  Node,
  Process,
  Request,
  Supervisor,
  testing
} from "effect-otp"
import * as fc from "fast-check"
import { assertReason, failedStart, gatedChild, type LogEntry, withLogs, withNode } from "./utils.ts"

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
              // the old child's stop (a self-stopping child logs none), then the new child's start
              assert.deepStrictEqual(log, reason._tag === "Normal" ? ["start w"] : ["stop w", "start w"])
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
          assert.deepStrictEqual(
            reason,
            ExitReason.shutdownWith(new Supervisor.MaxRestartIntensity({ id: "w", reason: ExitReason.failure("boom") }))
          )
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
        assert.deepStrictEqual(dup, new Supervisor.AlreadyPresent({ id: "w" }))
        assert.deepStrictEqual(
          yield* Effect.flip(Supervisor.deleteChild(sup, "w")),
          new Supervisor.ChildRunning({ id: "w" })
        )
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
        assert.deepStrictEqual(
          yield* Effect.flip(Supervisor.restartChild(sup, "w")),
          new Supervisor.ChildRunning({ id: "w" })
        )
        yield* Supervisor.terminateChild(sup, "w")
        yield* Supervisor.deleteChild(sup, "w")
        assert.deepStrictEqual(yield* Supervisor.whichChildren(sup), [])
        assert.deepStrictEqual(
          yield* Effect.flip(Supervisor.terminateChild(sup, "w")),
          new Supervisor.ChildNotFound({ id: "w" })
        )
        assert.deepStrictEqual(log, ["start w", "stop w", "start w", "stop w"])
      })
    )
  )

  it.effect("every failure of a child request is its whole error; the supervisor serves on", () =>
    withNode(
      Effect.gen(function* () {
        const log: Array<string> = []
        const start = Process.spawnLink(Process.receive())
        // a child whose first start succeeds, then fails, then is ignored
        const starts: Array<ChildSpec.ChildSpec<string | Errors.Ignored, any>["start"]> = [
          start,
          Effect.fail("no database"),
          Effect.fail(new Errors.Ignored())
        ]
        const flaky: ChildSpec.ChildSpec<string | Errors.Ignored, any> = {
          id: "flaky",
          start: Effect.suspend(() => starts.shift()!)
        }
        const sup = yield* Supervisor.start({ children: [worker("w", log), flaky] })
        const failures = {
          present: yield* Effect.exit(Supervisor.startChild(sup, worker("w", log))),
          invalid: yield* Effect.exit(Supervisor.startChild(sup, { id: "", start })),
          significant: yield* Effect.exit(
            Supervisor.startChild(sup, { id: "s", start, restart: "transient", significant: true })
          ),
          startFailed: yield* Effect.exit(Supervisor.startChild(sup, { id: "bad", start: Effect.fail("no config") })),
          terminateUnknown: yield* Effect.exit(Supervisor.terminateChild(sup, "none")),
          restartUnknown: yield* Effect.exit(Supervisor.restartChild(sup, "none")),
          restartRunning: yield* Effect.exit(Supervisor.restartChild(sup, "w")),
          restartFailed: yield* Effect.andThen(
            Supervisor.terminateChild(sup, "flaky"),
            Effect.exit(Supervisor.restartChild(sup, "flaky"))
          ),
          restartIgnored: yield* Effect.exit(Supervisor.restartChild(sup, "flaky")),
          deleteUnknown: yield* Effect.exit(Supervisor.deleteChild(sup, "none")),
          deleteRunning: yield* Effect.exit(Supervisor.deleteChild(sup, "w"))
        }
        assert.deepStrictEqual(failures, {
          present: Exit.fail(new Supervisor.AlreadyPresent({ id: "w" })),
          invalid: Exit.fail(
            new ChildSpec.InvalidChildSpec({ id: "", field: "id", reason: "must be a non-empty string" })
          ),
          significant: Exit.fail(
            new ChildSpec.InvalidChildSpec({
              id: "s",
              field: "significant",
              reason: 'a significant child needs a supervisor with autoShutdown other than "never"'
            })
          ),
          startFailed: Exit.fail(new Supervisor.ChildStartFailed({ id: "bad", error: "no config" })),
          terminateUnknown: Exit.fail(new Supervisor.ChildNotFound({ id: "none" })),
          restartUnknown: Exit.fail(new Supervisor.ChildNotFound({ id: "none" })),
          restartRunning: Exit.fail(new Supervisor.ChildRunning({ id: "w" })),
          restartFailed: Exit.fail(new Supervisor.ChildStartFailed({ id: "flaky", error: "no database" })),
          restartIgnored: Exit.fail(new Supervisor.ChildStartFailed({ id: "flaky", error: new Errors.Ignored() })),
          deleteUnknown: Exit.fail(new Supervisor.ChildNotFound({ id: "none" })),
          deleteRunning: Exit.fail(new Supervisor.ChildRunning({ id: "w" }))
        })
        assert.deepStrictEqual(
          (yield* Supervisor.whichChildren(sup)).map((child) => [child.id, child.status]),
          [
            ["w", "running"],
            ["flaky", "stopped"]
          ]
        )
        assert.deepStrictEqual(log, ["start w"])
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
          assert.deepStrictEqual(log, ["start a", "stop a"])
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
          const invalid = (id: string, field: string, reason: string) =>
            new ChildSpec.InvalidChildSpec({ id, field, reason })
          const cases: ReadonlyArray<readonly [ReadonlyArray<ChildSpec.Any>, ChildSpec.InvalidChildSpec]> = [
            [
              [
                { id: "a", start },
                { id: "a", start }
              ],
              invalid("a", "id", "duplicate id")
            ],
            [
              [{ id: "p", start, restart: "permanent", significant: true }],
              invalid("p", "significant", "a permanent child cannot be significant")
            ],
            [
              [{ id: "n", start, shutdown: -1 }],
              invalid("n", "shutdown", 'must be a non-negative duration, "brutalKill" or "infinity", got -1')
            ],
            [[{ id: "", start }], invalid("", "id", "must be a non-empty string")],
            [
              [{ id: "r", start, restart: "sometimes" as never }],
              invalid("r", "restart", "must be one of permanent, transient, temporary, got sometimes")
            ]
          ]
          for (const [children, expected] of cases) {
            const error = yield* Effect.flip(Supervisor.start({ autoShutdown: "anySignificant", children }))
            assert.deepStrictEqual(error, expected)
          }
          const significant = yield* Effect.flip(
            Supervisor.start({ children: [{ id: "s", start, restart: "transient", significant: true }] })
          )
          assert.deepStrictEqual(
            significant,
            invalid("s", "significant", 'a significant child needs a supervisor with autoShutdown other than "never"')
          )
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
          assert.deepStrictEqual(error, new Supervisor.ChildStartFailed({ id: "bad", error: "no database" }))
          assert.deepStrictEqual(log, ["start a", "start b", "stop b", "stop a"])
        })
      )
    )

    it.effect("a failed restart counts toward the intensity and is retried", () =>
      withNode(
        Effect.gen(function* () {
          let attempts = 0
          const restarted = yield* Deferred.make<void>()
          const flaky: ChildSpec.ChildSpec<string, any> = {
            id: "flaky",
            start: Effect.suspend(() => {
              attempts++
              if (attempts === 1) return Process.spawnLink(Process.receive())
              if (attempts < 4) return Effect.fail("not yet")
              return Effect.tap(Process.spawnLink(Process.receive()), () => Deferred.succeed(restarted, undefined))
            })
          }
          const sup = yield* Supervisor.start({ intensity: Supervisor.intensity(5, "5 seconds"), children: [flaky] })
          yield* Process.exit(pidOf(yield* Supervisor.whichChildren(sup), "flaky"), ExitReason.failure("boom"))
          yield* Deferred.await(restarted)
          const children = yield* Supervisor.whichChildren(sup)
          assert.strictEqual(attempts, 4)
          assert.strictEqual(children[0]!.status, "running")
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
        const innerRef = Supervisor.fromPid(innerBefore)
        yield* crash(innerRef, "w")
        const w = pidOf(yield* Supervisor.whichChildren(innerRef), "w")
        yield* Process.exit(w, ExitReason.failure("again"))
        const reason = yield* Process.awaitExit(innerBefore)
        assert.deepStrictEqual(
          reason,
          ExitReason.shutdownWith(new Supervisor.MaxRestartIntensity({ id: "w", reason: ExitReason.failure("again") }))
        )
        const innerAfter = pidOf(yield* Supervisor.whichChildren(outer), "inner")
        assert.notDeepEqual(innerAfter, innerBefore)
        assert.isTrue(yield* Process.isAlive(innerAfter))
      })
    )
  )

  it.effect("the children operations in pipe form; fromPid reaches a nested supervisor", () =>
    withNode(
      Effect.gen(function* () {
        const log: Array<string> = []
        const outer = yield* Supervisor.start({
          children: [Supervisor.childSpec("inner", { children: [worker("a", log)] })]
        })
        const inner = Supervisor.fromPid(pidOf(yield* outer.pipe(Supervisor.whichChildren), "inner"))
        assert.isTrue(GenServer.isServer(inner))
        assert.strictEqual(yield* Process.isAlive(yield* inner.pipe(Supervisor.startChild(worker("b", log)))), true)
        yield* inner.pipe(Supervisor.terminateChild("a"))
        assert.deepStrictEqual(
          yield* Effect.flip(inner.pipe(Supervisor.deleteChild("b"))),
          new Supervisor.ChildRunning({ id: "b" })
        )
        yield* inner.pipe(Supervisor.restartChild("a"))
        yield* inner.pipe(Supervisor.terminateChild("b"))
        yield* inner.pipe(Supervisor.deleteChild("b"))
        assert.deepStrictEqual(
          (yield* Supervisor.whichChildren(inner)).map((child) => [child.id, child.status]),
          [["a", "running"]]
        )
        yield* outer.pipe(Supervisor.stop())
        assert.deepStrictEqual(log, ["start a", "start b", "stop a", "start a", "stop b", "stop a"])
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

describe("Supervisor failure paths", () => {
  const strategies: ReadonlyArray<Supervisor.Strategy> = ["oneForOne", "oneForAll", "restForOne"]
  const boom = new Error("boom in start")
  const bad: ReadonlyArray<readonly [string, Effect.Effect<any, never>, (error: unknown) => void]> = [
    [
      "throws",
      Effect.sync(() => {
        throw boom
      }),
      (error) => assertReason(error as ExitReason.ExitReason, ExitReason.failureCause(Cause.die(boom)))
    ],
    [
      "dies",
      Effect.die(boom),
      (error) => assertReason(error as ExitReason.ExitReason, ExitReason.failureCause(Cause.die(boom)))
    ],
    [
      "returns a non-process",
      Effect.succeed(42 as never),
      (error) => assert.deepStrictEqual(error, new ChildSpec.NotAProcess({ value: 42 }))
    ]
  ]

  for (const strategy of strategies) {
    for (const [what, start, checkError] of bad) {
      it.effect(
        `${strategy}: a child start that ${what} is ChildStartFailed; the supervisor and its children live on`,
        () =>
          withNode(
            Effect.gen(function* () {
              const log: Array<string> = []
              const sup = yield* Supervisor.start({ strategy, children: [worker("a", log), worker("b", log)] })
              const before = yield* Supervisor.whichChildren(sup)
              const error = yield* Effect.flip(Supervisor.startChild(sup, { id: "bad", start }))
              assert.instanceOf(error, Supervisor.ChildStartFailed)
              const failed = error as Supervisor.ChildStartFailed
              assert.deepStrictEqual(Object.keys(failed), ["_tag", "id", "error"])
              assert.strictEqual(failed.id, "bad")
              checkError(failed.error)
              assert.isTrue(yield* Process.isAlive(Option.getOrThrow(sup.whereis())))
              assert.deepStrictEqual(yield* Supervisor.whichChildren(sup), before)
              assert.deepStrictEqual(log, ["start a", "start b"])
            })
          )
      )
    }
  }

  it.effect("a supervisor's own start with a child start that dies fails with ChildStartFailed", () =>
    withNode(
      Effect.gen(function* () {
        const log: Array<string> = []
        const error = yield* Effect.flip(
          Supervisor.start({ children: [worker("a", log), { id: "bad", start: Effect.die(boom) }] })
        )
        assert.instanceOf(error, Supervisor.ChildStartFailed)
        assert.strictEqual((error as Supervisor.ChildStartFailed).id, "bad")
        assertReason((error as Supervisor.ChildStartFailed).error, ExitReason.failureCause(Cause.die(boom)))
        assert.deepStrictEqual(log, ["start a", "stop a"])
      })
    )
  )

  it.effect(
    "between failed restart attempts it answers whichChildren (restarting), countChildren, terminateChild",
    () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const flaky = yield* gatedChild
          const sup = yield* Supervisor.start({
            intensity: Supervisor.intensity(5, "5 seconds"),
            children: [worker("a", log), flaky.spec]
          })
          const a = pidOf(yield* Supervisor.whichChildren(sup), "a")
          yield* Process.exit(pidOf(yield* Supervisor.whichChildren(sup), "flaky"), ExitReason.failure("boom"))
          // the supervisor is inside attempt 2: these requests wait in its mailbox
          assert.strictEqual(yield* Queue.take(flaky.entered), 2)
          const which = yield* Effect.forkChild(Supervisor.whichChildren(sup), { startImmediately: true })
          const count = yield* Effect.forkChild(Supervisor.countChildren(sup), { startImmediately: true })
          yield* Queue.offer(flaky.release, "fail")
          assert.deepStrictEqual(yield* Fiber.join(which), [
            { id: "a", pid: Option.some(a), status: "running", type: "worker", restart: "permanent" },
            { id: "flaky", pid: Option.none(), status: "restarting", type: "worker", restart: "permanent" }
          ])
          assert.deepStrictEqual(yield* Fiber.join(count), { specs: 2, active: 1, supervisors: 0, workers: 2 })
          // attempt 3 came from its message to itself, after the requests; terminate the child meanwhile
          assert.strictEqual(yield* Queue.take(flaky.entered), 3)
          const terminated = yield* Effect.forkChild(Supervisor.terminateChild(sup, "flaky"), {
            startImmediately: true
          })
          yield* Queue.offer(flaky.release, "fail")
          yield* Fiber.join(terminated)
          // the try-again message of attempt 3 finds the child terminated: no attempt 4
          assert.deepStrictEqual(yield* Supervisor.whichChildren(sup), [
            { id: "a", pid: Option.some(a), status: "running", type: "worker", restart: "permanent" },
            { id: "flaky", pid: Option.none(), status: "stopped", type: "worker", restart: "permanent" }
          ])
          assert.strictEqual(flaky.attempts(), 3)
          assert.isTrue(yield* Process.isAlive(Option.getOrThrow(sup.whereis())))
          assert.deepStrictEqual(log, ["start a"])
        })
      )
  )

  it.effect(
    "requests wait with no timeout (OTP's infinity): whichChildren and countChildren behind a 10 s restart",
    () =>
      withNode(
        Effect.gen(function* () {
          const flaky = yield* gatedChild
          const sup = yield* Supervisor.start({ children: [flaky.spec] })
          yield* Process.exit(pidOf(yield* Supervisor.whichChildren(sup), "flaky"), ExitReason.failure("boom"))
          // the supervisor is inside the restart: the requests wait in its mailbox, past 5 s
          assert.strictEqual(yield* Queue.take(flaky.entered), 2)
          const which = yield* Effect.forkChild(Effect.exit(Supervisor.whichChildren(sup)), { startImmediately: true })
          const count = yield* Effect.forkChild(Effect.exit(Supervisor.countChildren(sup)), { startImmediately: true })
          yield* TestClock.adjust("10 seconds")
          yield* Queue.offer(flaky.release, "start")
          const children = Exit.map(yield* Fiber.join(which), (cs) => cs.map(({ id, status }) => ({ id, status })))
          assert.deepStrictEqual(children, Exit.succeed([{ id: "flaky", status: "running" as const }]))
          assert.deepStrictEqual(
            yield* Fiber.join(count),
            Exit.succeed({ specs: 1, active: 1, supervisors: 0, workers: 1 })
          )
        })
      )
  )

  it.effect("oneForAll: between attempts only the failed child is restarting; the rest not started are stopped", () =>
    withNode(
      Effect.gen(function* () {
        const log: Array<string> = []
        const flaky = yield* gatedChild
        const sup = yield* Supervisor.start({
          strategy: "oneForAll",
          intensity: Supervisor.intensity(5, "5 seconds"),
          children: [worker("a", log), flaky.spec, worker("c", log)]
        })
        log.length = 0
        yield* Process.exit(pidOf(yield* Supervisor.whichChildren(sup), "flaky"), ExitReason.failure("boom"))
        assert.strictEqual(yield* Queue.take(flaky.entered), 2)
        const which = yield* Effect.forkChild(Supervisor.whichChildren(sup), { startImmediately: true })
        yield* Queue.offer(flaky.release, "fail")
        const children = yield* Fiber.join(which)
        assert.deepStrictEqual(children, [
          { id: "a", pid: Option.some(pidOf(children, "a")), status: "running", type: "worker", restart: "permanent" },
          { id: "flaky", pid: Option.none(), status: "restarting", type: "worker", restart: "permanent" },
          { id: "c", pid: Option.none(), status: "stopped", type: "worker", restart: "permanent" }
        ])
        // the next attempt restarts the whole group again, and this time the child starts
        assert.strictEqual(yield* Queue.take(flaky.entered), 3)
        yield* Queue.offer(flaky.release, "start")
        const after = yield* Supervisor.whichChildren(sup)
        assert.deepStrictEqual(
          after.map((c) => c.status),
          ["running", "running", "running"]
        )
        assert.deepStrictEqual(log, ["stop c", "stop a", "start a", "stop a", "start a", "start c"])
      })
    )
  )

  for (const strategy of strategies) {
    it.effect(`${strategy}: gives up after the crash and N failed attempts (N+1 restarts in the window)`, () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          let attempts = 0
          const flaky: ChildSpec.ChildSpec<string, any> = {
            id: "flaky",
            start: Effect.suspend(() =>
              ++attempts === 1 ? Process.spawnLink(Process.receive()) : Effect.fail(`attempt ${attempts}`)
            )
          }
          const sup = yield* Supervisor.start({
            strategy,
            intensity: Supervisor.intensity(3, "5 seconds"),
            children: [worker("a", log), flaky, worker("c", log)]
          })
          const supPid = Option.getOrThrow(sup.whereis())
          log.length = 0
          yield* Process.exit(pidOf(yield* Supervisor.whichChildren(sup), "flaky"), ExitReason.failure("boom"))
          assert.deepStrictEqual(
            yield* Process.awaitExit(supPid),
            ExitReason.shutdownWith(
              new Supervisor.MaxRestartIntensity({ id: "flaky", reason: ExitReason.failure("attempt 4") })
            )
          )
          // restarts 1, 2 and 3 each made one failed attempt (2, 3, 4); the 4th restart gave up
          assert.strictEqual(attempts, 4)
          // oneForAll restarts the whole group at each attempt, as OTP's try_again_restart
          const expected = {
            oneForOne: ["stop c", "stop a"],
            oneForAll: ["stop c", "stop a", "start a", "stop a", "start a", "stop a", "start a", "stop a"],
            restForOne: ["stop c", "stop a"]
          }
          assert.deepStrictEqual(log, expected[strategy])
        })
      )
    )
  }

  describe("the intensity window is OTP's add_restart", () => {
    const twoCrashes = (gap: number) =>
      withNode(
        Effect.gen(function* () {
          const sup = yield* Supervisor.start({
            intensity: Supervisor.intensity(1, "1 second"),
            children: [worker("w", [])]
          })
          const supPid = Option.getOrThrow(sup.whereis())
          yield* crash(sup, "w")
          yield* TestClock.adjust(gap)
          const pid = pidOf(yield* Supervisor.whichChildren(sup), "w")
          yield* Process.exit(pid, ExitReason.failure("again"))
          yield* Process.awaitExit(pid)
          const children = yield* Effect.exit(Supervisor.whichChildren(sup))
          return { children, alive: yield* Process.isAlive(supPid), supPid }
        })
      )

    it.effect("a restart exactly `period` old is inside the window", () =>
      Effect.gen(function* () {
        const { alive, children } = yield* twoCrashes(1000)
        assert.isFalse(alive)
        assert.isTrue(Exit.isFailure(children))
      })
    )

    it.effect("a restart `period + 1 ms` old is outside", () =>
      Effect.gen(function* () {
        const { alive, children } = yield* twoCrashes(1001)
        assert.isTrue(alive)
        assert.isTrue(Exit.isSuccess(children) && children.value[0]!.status === "running")
      })
    )

    it("Supervisor.intensity, the schedule that runs, is a sliding window (property)", () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 5 }),
          fc.integer({ min: 1, max: 5_000 }),
          fc.array(fc.oneof(fc.constant(-1), fc.constant(0), fc.integer({ min: 0, max: 10_000 })), {
            maxLength: 40
          }),
          (max, window, rawGaps) => {
            // -1 stands for a gap of exactly the window
            const step = Effect.runSync(Schedule.toStep(Supervisor.intensity(max, window)))
            let stamps: ReadonlyArray<number> = []
            let now = 0
            const all: Array<number> = []
            for (const raw of rawGaps) {
              now += raw === -1 ? window : raw
              all.push(now)
              const inWindow = all.filter((t) => now - t <= window).length
              const exit = Effect.runSyncExit(step(now, undefined) as Effect.Effect<[number, unknown], unknown>)
              const pure = Supervisor.addRestart(stamps, now, max, window)
              stamps = pure.stamps
              if (pure.exceeded !== inWindow > max) return false
              if (Exit.isSuccess(exit) !== inWindow <= max) return false
              if (Exit.isSuccess(exit) && exit.value[0] !== inWindow) return false
              if (inWindow > max) return true
            }
            return true
          }
        )
      )
    })
  })

  describe("invalid intensity", () => {
    const cases: ReadonlyArray<
      readonly [string, () => Schedule.Schedule<unknown, unknown>, Supervisor.InvalidIntensity]
    > = [
      [
        "a negative count",
        () => Supervisor.intensity(-1, "5 seconds"),
        new Supervisor.InvalidIntensity({ field: "maxRestarts", value: -1, reason: "must be an integer >= 0" })
      ],
      [
        "a fractional count",
        () => Supervisor.intensity(1.5, "5 seconds"),
        new Supervisor.InvalidIntensity({ field: "maxRestarts", value: 1.5, reason: "must be an integer >= 0" })
      ],
      [
        "a zero window",
        () => Supervisor.intensity(3, 0),
        new Supervisor.InvalidIntensity({ field: "within", value: 0, reason: "must be a duration > 0" })
      ],
      [
        "a zero window inside a composed schedule",
        () => Schedule.max([Supervisor.intensity(3, "0 millis"), Schedule.spaced("1 second")]),
        new Supervisor.InvalidIntensity({ field: "within", value: "0 millis", reason: "must be a duration > 0" })
      ]
    ]
    for (const [what, make, expected] of cases) {
      it.effect(`${what} fails both supervisors' starts with InvalidIntensity; nothing runs`, () =>
        withNode(
          Effect.gen(function* () {
            const node = yield* Node.Node
            const log: Array<string> = []
            const error = yield* Effect.flip(Supervisor.start({ intensity: make(), children: [worker("a", log)] }))
            assert.deepStrictEqual(error, expected)
            assert.deepStrictEqual(log, [])
            assert.deepStrictEqual(yield* Effect.flip(DynamicSupervisor.start({ intensity: make() })), expected)
            assert.deepStrictEqual(node.processes(), [])
          })
        )
      )
    }

    it("used outside a supervisor, an invalid intensity dies with the error", () => {
      const exit = Effect.runSyncExit(Effect.retry(Effect.fail("x"), Supervisor.intensity(-1, "1 second")))
      assert.deepStrictEqual(
        exit,
        Exit.die(
          new Supervisor.InvalidIntensity({ field: "maxRestarts", value: -1, reason: "must be an integer >= 0" })
        )
      )
    })
  })

  describe("shutdown_error: nothing dies silently", () => {
    const shutdownErrors = (entries: ReadonlyArray<LogEntry>) =>
      entries.filter((e) => e.annotations.event === "SHUTDOWN_ERROR")

    /** A start that spawns a linked child which traps exits before the start returns, then runs `body`. */
    const trapping = <E>(body: Effect.Effect<unknown, E, Process.Self<unknown>>) =>
      Effect.gen(function* () {
        const ready = yield* Deferred.make<void>()
        const pid = yield* Process.spawnLink(
          Effect.andThen(Process.trapExit(true), Effect.andThen(Deferred.succeed(ready, undefined), body))
        )
        yield* Deferred.await(ready)
        return pid
      })

    const entryOf = (
      supPid: unknown,
      id: string,
      pid: unknown,
      reason: ExitReason.ExitReason,
      behaviour = "Supervisor"
    ) => ({
      level: "Error",
      message: [`supervisor ${supPid}: child "${id}" ${pid} did not stop cleanly: ${String(reason)}`],
      annotations: {
        pid: String(supPid),
        behaviour,
        event: "SHUTDOWN_ERROR",
        child: id,
        childPid: String(pid),
        reason: reason._tag
      }
    })

    it.effect("a child killed after its shutdown budget ran out is reported; a clean stop is not", () =>
      withLogs((entries) =>
        Effect.gen(function* () {
          const stubborn: ChildSpec.ChildSpec<never, any> = {
            id: "stubborn",
            shutdown: "1 second",
            start: trapping(Effect.forever(Process.receive()))
          }
          const log: Array<string> = []
          const sup = yield* Supervisor.start({ children: [worker("polite", log), stubborn] })
          const supPid = Option.getOrThrow(sup.whereis())
          const pid = pidOf(yield* Supervisor.whichChildren(sup), "stubborn")
          yield* testing.advancing(Supervisor.terminateChild(sup, "stubborn"), "1 second")
          yield* Supervisor.terminateChild(sup, "polite")
          assert.deepStrictEqual(shutdownErrors(entries), [entryOf(supPid, "stubborn", pid, ExitReason.killed)])
        })
      )
    )

    it.effect("a child that exits abnormally while its supervisor stops it is reported", () =>
      withLogs((entries) =>
        Effect.gen(function* () {
          const clumsy: ChildSpec.ChildSpec<string, any> = {
            id: "clumsy",
            start: trapping(Effect.andThen(Process.receive(), Effect.fail("failed to flush")))
          }
          const sup = yield* Supervisor.start({ children: [clumsy] })
          const supPid = Option.getOrThrow(sup.whereis())
          const pid = pidOf(yield* Supervisor.whichChildren(sup), "clumsy")
          yield* Supervisor.stop(sup)
          assert.deepStrictEqual(shutdownErrors(entries), [
            entryOf(supPid, "clumsy", pid, ExitReason.failure("failed to flush"))
          ])
        })
      )
    )

    it.effect("DynamicSupervisor: a child killed after the budget, on the supervisor's stop, is reported", () =>
      withLogs((entries) =>
        Effect.gen(function* () {
          const sup = yield* DynamicSupervisor.start()
          const supPid = Option.getOrThrow(sup.whereis())
          const pid = yield* DynamicSupervisor.startChild(sup, {
            id: "stubborn",
            shutdown: "1 second",
            start: trapping(Effect.forever(Process.receive()))
          })
          yield* testing.advancing(DynamicSupervisor.stop(sup), "1 second")
          assert.deepStrictEqual(shutdownErrors(entries), [
            entryOf(supPid, "stubborn", pid, ExitReason.killed, "DynamicSupervisor")
          ])
        })
      )
    )

    it.effect("DynamicSupervisor: a child's EXIT already in the mailbox when it stops gives the reported reason", () =>
      withLogs((entries) =>
        Effect.gen(function* () {
          const sup = yield* DynamicSupervisor.start()
          const supPid = Option.getOrThrow(sup.whereis())
          const quiet = { id: "quiet", start: Process.spawnLink(Process.receive()) }
          const pids = [
            yield* DynamicSupervisor.startChild(sup, quiet),
            yield* DynamicSupervisor.startChild(sup, { id: "doomed", start: Process.spawnLink(Process.receive()) }),
            yield* DynamicSupervisor.startChild(sup, quiet)
          ]
          // the stop request is in the supervisor's mailbox before the EXIT of the child that crashes
          const stopping = yield* Effect.forkChild(DynamicSupervisor.stop(sup), { startImmediately: true })
          yield* Process.exit(pids[1]!, ExitReason.failure("boom"))
          yield* Fiber.join(stopping)
          assert.deepStrictEqual(shutdownErrors(entries), [
            entryOf(supPid, "doomed", pids[1], ExitReason.failure("boom"), "DynamicSupervisor")
          ])
        })
      )
    )
  })

  describe("a sub-supervisor killed while its named child runs a slow terminate", () => {
    class Ping extends Request.Class<Ping>()("Ping", { success: Schema.String }) {}
    /** A server whose terminate lasts until the test opens `gate`. */
    const Slow = GenServer.behaviour({
      protocol: [Ping],
      init: (gate: Deferred.Deferred<void>) => Effect.succeed(GenServer.ok(gate)),
      handleCall: { Ping: (_, gate) => Effect.succeed(GenServer.reply("pong", gate)) },
      terminate: (_, gate) => Deferred.await(gate)
    })
    /** The sub-supervisor; `starts` counts its starts. */
    const inner = (name: string, gate: Deferred.Deferred<void>, starts: { n: number } = { n: 0 }) => {
      const spec = Supervisor.childSpec("inner", {
        children: [GenServer.childSpec("named", Slow, gate, { name, trapExit: true })]
      })
      return {
        ...spec,
        start: Effect.suspend(() => {
          starts.n++
          return spec.start
        })
      }
    }
    /** Kills the sub-supervisor and waits until it is dead: its EXIT is in the parent's mailbox. */
    const killInner = (parent: Supervisor.Supervisor) =>
      Effect.gen(function* () {
        const innerPid = pidOf(yield* Supervisor.whichChildren(parent), "inner")
        const named = pidOf(
          yield* Supervisor.whichChildren(GenServer.fromPid(innerPid) as unknown as Supervisor.Supervisor),
          "named"
        )
        yield* Process.kill(innerPid)
        assert.deepStrictEqual(yield* Process.awaitExit(innerPid), ExitReason.killed)
        return { innerPid, named } as const
      })

    it.effect("without a restart delay, the parent burns its intensity at once and gives up (as OTP)", () =>
      withNode(
        Effect.gen(function* () {
          const name = "race/no-delay"
          const gate = yield* Deferred.make<void>()
          const parent = yield* Supervisor.start({
            intensity: Supervisor.intensity(3, "5 seconds"),
            children: [inner(name, gate)]
          })
          const parentPid = Option.getOrThrow(parent.whereis())
          const { named } = yield* killInner(parent)
          // the old server still holds the name in its terminate: every restart of the sub-supervisor fails
          const reason = yield* Process.awaitExit(parentPid)
          assert.strictEqual(reason._tag, "Shutdown")
          // compared field by field: the `message` of a term holding a Failure prints its stack
          const term = Option.getOrThrow((reason as ExitReason.Shutdown).term)
          assert.instanceOf(term, Supervisor.MaxRestartIntensity)
          assert.deepStrictEqual(
            { ...(term as Supervisor.MaxRestartIntensity) },
            {
              ...new Supervisor.MaxRestartIntensity({
                id: "inner",
                reason: ExitReason.failure(
                  new Supervisor.ChildStartFailed({
                    id: "named",
                    error: new Errors.AlreadyRegistered({ registeredName: name, pid: named as never })
                  })
                )
              })
            }
          )
          assert.isTrue(yield* Process.isAlive(named))
          yield* Deferred.succeed(gate, undefined)
          assert.deepStrictEqual(yield* Process.awaitExit(named), ExitReason.killed)
        })
      )
    )

    it.effect("with a restart delay Schedule, the restart waits for the old server to finish and succeeds", () =>
      withNode(
        Effect.gen(function* () {
          const name = "race/delay"
          const gate = yield* Deferred.make<void>()
          const starts = { n: 0 }
          const parent = yield* Supervisor.start({
            intensity: Schedule.max([Supervisor.intensity(3, "5 seconds"), Schedule.spaced("2 seconds")]),
            children: [inner(name, gate, starts)]
          })
          const parentPid = Option.getOrThrow(parent.whereis())
          const { innerPid, named } = yield* killInner(parent)
          // the parent handled the EXIT before this request, and made no attempt: it waits 2 s
          assert.strictEqual((yield* Supervisor.whichChildren(parent))[0]!.status, "restarting")
          assert.strictEqual(starts.n, 1)
          // the old server's terminate ends within the delay
          yield* TestClock.adjust("1 second")
          yield* Deferred.succeed(gate, undefined)
          assert.deepStrictEqual(yield* Process.awaitExit(named), ExitReason.killed)
          yield* TestClock.adjust("1 second")
          // the restart timer's message is ahead of this request
          const children = yield* Supervisor.whichChildren(parent)
          assert.strictEqual(children[0]!.status, "running")
          assert.strictEqual(starts.n, 2)
          assert.notDeepEqual(pidOf(children, "inner"), innerPid)
          const newNamed = yield* GenServer.named(Slow, name)
          assert.strictEqual(yield* GenServer.call(newNamed, new Ping()), "pong")
          assert.notDeepEqual(Option.getOrThrow(newNamed.whereis()), named)
          assert.isTrue(yield* Process.isAlive(parentPid))
        })
      )
    )
  })

  describe("ignore (OTP's ignore from a child's start)", () => {
    const ignoring = (id: string, restart?: ChildSpec.Restart): ChildSpec.ChildSpec<Errors.Ignored, never> => ({
      id,
      start: Effect.fail(new Errors.Ignored()),
      ...(restart === undefined ? {} : { restart })
    })

    it.effect("at the supervisor's start: recorded as not running, not a failure; a temporary one is forgotten", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const sup = yield* Supervisor.start({
            children: [worker("a", log), ignoring("quiet"), ignoring("gone", "temporary"), worker("b", log)]
          })
          const children = yield* Supervisor.whichChildren(sup)
          assert.deepStrictEqual(children, [
            {
              id: "a",
              pid: Option.some(pidOf(children, "a")),
              status: "running",
              type: "worker",
              restart: "permanent"
            },
            { id: "quiet", pid: Option.none(), status: "stopped", type: "worker", restart: "permanent" },
            { id: "b", pid: Option.some(pidOf(children, "b")), status: "running", type: "worker", restart: "permanent" }
          ])
          assert.deepStrictEqual(yield* Supervisor.countChildren(sup), {
            specs: 3,
            active: 2,
            supervisors: 0,
            workers: 3
          })
          assert.deepStrictEqual(log, ["start a", "start b"])
        })
      )
    )

    it.effect("startChild succeeds with the Ignored value; the child is kept stopped", () =>
      withNode(
        Effect.gen(function* () {
          const sup = yield* Supervisor.start({ children: [] })
          const result: Process.Pid<never, unknown> | Errors.Ignored = yield* Supervisor.startChild(
            sup,
            ignoring("quiet")
          )
          assert.deepStrictEqual(result, new Errors.Ignored())
          assert.deepStrictEqual(yield* Supervisor.startChild(sup, ignoring("gone", "temporary")), new Errors.Ignored())
          assert.deepStrictEqual(yield* Supervisor.whichChildren(sup), [
            { id: "quiet", pid: Option.none(), status: "stopped", type: "worker", restart: "permanent" }
          ])
        })
      )
    )

    it.effect("a GenServer whose init answers GenServer.ignore: startChild gives Ignored, the child is stopped", () =>
      withNode(
        Effect.gen(function* () {
          const Optional = GenServer.behaviour({
            init: (enabled: boolean) => (enabled ? Effect.succeed(GenServer.ok(0)) : GenServer.ignore)
          })
          const sup = yield* Supervisor.start({ children: [GenServer.childSpec("on", Optional, true)] })
          const result: Process.Pid<never, unknown> | Errors.Ignored = yield* Supervisor.startChild(
            sup,
            GenServer.childSpec("off", Optional, false)
          )
          assert.deepStrictEqual(result, new Errors.Ignored())
          const children = yield* Supervisor.whichChildren(sup)
          assert.deepStrictEqual(
            children.map((c) => [c.id, c.status]),
            [
              ["on", "running"],
              ["off", "stopped"]
            ]
          )
        })
      )
    )

    it.effect("a restart whose start is ignored leaves the child stopped, not restarting, not a failure", () =>
      withNode(
        Effect.gen(function* () {
          let starts = 0
          const once: ChildSpec.ChildSpec<Errors.Ignored, any> = {
            id: "once",
            start: Effect.suspend(() =>
              ++starts === 1 ? Process.spawnLink(Process.receive()) : Effect.fail(new Errors.Ignored())
            )
          }
          const sup = yield* Supervisor.start({ intensity: Supervisor.intensity(1, "5 seconds"), children: [once] })
          const children = yield* crash(sup, "once")
          assert.deepStrictEqual(children, [
            { id: "once", pid: Option.none(), status: "stopped", type: "worker", restart: "permanent" }
          ])
          assert.strictEqual(starts, 2)
          assert.isTrue(yield* Process.isAlive(Option.getOrThrow(sup.whereis())))
        })
      )
    )
  })
})

describe("the restart path reports as OTP's supervisor, the same for both supervisors", () => {
  /** A child whose start spawns a linked process, then fails with "no start" after `starts` starts. */
  const child = (restart: ChildSpec.Restart, starts = Number.POSITIVE_INFINITY) => {
    let started = 0
    return {
      id: "w",
      restart,
      start: Effect.suspend(() =>
        ++started > starts ? Effect.fail("no start") : Process.spawnLink(Process.receive<never>())
      )
    }
  }

  /** One supervisor of each kind with the one child: its pid, and its child's current pid. */
  const kinds = {
    Supervisor: (spec: ChildSpec.ChildSpec<string, any>, intensity: Schedule.Schedule<unknown, unknown>) =>
      Effect.gen(function* () {
        const sup = yield* Supervisor.start({ children: [spec], intensity })
        const childPid = Effect.map(Supervisor.whichChildren(sup), (c) => Option.getOrThrow(c[0]!.pid))
        return { pid: Option.getOrThrow(sup.whereis()), childPid }
      }),
    DynamicSupervisor: (spec: ChildSpec.ChildSpec<string, any>, intensity: Schedule.Schedule<unknown, unknown>) =>
      Effect.gen(function* () {
        const sup = yield* DynamicSupervisor.start({ intensity })
        yield* DynamicSupervisor.startChild(sup, spec)
        const childPid = Effect.map(DynamicSupervisor.whichChildren(sup), (c) => c[0]!.pid)
        return { pid: Option.getOrThrow(sup.whereis()), childPid }
      })
  }

  const terminated = (kind: string, sup: unknown, pid: unknown, reason: ExitReason.ExitReason): LogEntry => ({
    level: "Error",
    // a Failure's cause goes to the log's cause, not its message
    message: [`supervisor ${sup}: child "w" ${pid} terminated`, ...(reason._tag === "Failure" ? [] : [String(reason)])],
    annotations: {
      pid: String(sup),
      behaviour: kind,
      event: "CHILD_TERMINATED",
      child: "w",
      childPid: String(pid),
      reason: reason._tag
    }
  })

  const restarted = (
    kind: string,
    sup: unknown,
    oldPid: unknown,
    pid: unknown,
    reason: ExitReason.ExitReason
  ): LogEntry => ({
    level: "Warn",
    message: [`supervisor ${sup} restarted child "w" as ${pid}`],
    annotations: {
      pid: String(sup),
      behaviour: kind,
      event: "RESTART",
      supervisor: String(sup),
      child: "w",
      oldPid: String(oldPid),
      newPid: String(pid),
      reason: reason._tag
    }
  })

  /** The supervisor's own log lines (a crashed child logs its crash report besides). */
  const of = (entries: ReadonlyArray<LogEntry>, sup: unknown) =>
    entries.filter((e) => e.annotations.pid === String(sup))

  for (const [kind, start] of Object.entries(kinds)) {
    describe(kind, () => {
      it.effect("a crash: child_terminated, then the restart", () =>
        withLogs((entries) =>
          Effect.gen(function* () {
            const inputs: Array<unknown> = []
            const intensity = Supervisor.intensity(3, "5 seconds").pipe(
              Schedule.tap((metadata) => Effect.sync(() => inputs.push(metadata.input)))
            )
            const sup = yield* start(child("permanent"), intensity)
            const before = yield* sup.childPid
            const reason = ExitReason.failure("boom")
            yield* Process.exit(before, reason)
            yield* testing.expectExit(before, reason)
            const after = yield* sup.childPid
            assert.deepStrictEqual(of(entries, sup.pid), [
              terminated(kind, sup.pid, before, reason),
              restarted(kind, sup.pid, before, after, reason)
            ])
            // the intensity's input, as for any restart of either supervisor
            assert.deepStrictEqual(inputs, [{ id: "w", reason }])
          })
        )
      )

      it.effect("a permanent child that exits normally is reported (OTP's do_restart); a transient one is not", () =>
        withLogs((entries) =>
          Effect.gen(function* () {
            const permanent = yield* start(child("permanent"), Supervisor.defaultIntensity)
            const before = yield* permanent.childPid
            yield* Process.send(before, undefined as never)
            yield* testing.expectExit(before, ExitReason.normal)
            const after = yield* permanent.childPid
            assert.deepStrictEqual(entries, [
              terminated(kind, permanent.pid, before, ExitReason.normal),
              restarted(kind, permanent.pid, before, after, ExitReason.normal)
            ])
            entries.length = 0
            const transient = yield* start(child("transient"), Supervisor.defaultIntensity)
            const pid = yield* transient.childPid
            yield* Process.send(pid, undefined as never)
            yield* testing.expectExit(pid, ExitReason.normal)
            // a call after the EXIT: the supervisor has handled it (the child is gone, not restarted)
            assert.isTrue(Exit.isFailure(yield* Effect.exit(transient.childPid)))
            assert.deepStrictEqual(entries, [])
          })
        )
      )

      it.effect("a failed restart: start_error, then giving up at the intensity", () =>
        withLogs((entries) =>
          Effect.gen(function* () {
            const sup = yield* start(child("permanent", 1), Supervisor.intensity(1, "5 seconds"))
            const pid = yield* sup.childPid
            const reason = ExitReason.failure("boom")
            yield* Process.exit(pid, reason)
            const term = new Supervisor.MaxRestartIntensity({ id: "w", reason: ExitReason.failure("no start") })
            assert.deepStrictEqual(yield* Process.awaitExit(sup.pid), ExitReason.shutdownWith(term))
            assert.deepStrictEqual(of(entries, sup.pid), [
              terminated(kind, sup.pid, pid, reason),
              {
                level: "Error",
                message: [`supervisor ${sup.pid}: child "w" failed to restart`, "no start"],
                annotations: { pid: String(sup.pid), behaviour: kind, event: "START_ERROR", child: "w" }
              },
              {
                level: "Error",
                message: [`supervisor ${sup.pid} gives up: ${term.message}`],
                annotations: {
                  pid: String(sup.pid),
                  behaviour: kind,
                  event: "GIVE_UP",
                  supervisor: String(sup.pid),
                  child: "w",
                  reason: "Failure"
                }
              }
            ])
          })
        )
      )

      it.effect("an unexpected message is reported and ignored", () =>
        withLogs((entries) =>
          Effect.gen(function* () {
            const sup = yield* start(child("permanent"), Supervisor.defaultIntensity)
            const pid = yield* sup.childPid
            yield* Process.send(sup.pid as Process.Pid<string>, "hello")
            assert.deepStrictEqual(yield* sup.childPid, pid)
            assert.deepStrictEqual(entries, [
              {
                level: "Error",
                message: [`supervisor ${sup.pid} received an unexpected message`, "hello"],
                annotations: { pid: String(sup.pid), behaviour: kind, event: "UNEXPECTED_MESSAGE" }
              }
            ])
          })
        )
      )
    })
  }
})
