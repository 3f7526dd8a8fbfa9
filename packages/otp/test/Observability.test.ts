/**
 * What an operator sees of a running node: lifecycle events through the Logger, the metrics, the
 * "largest mailboxes" query. (Tracing across calls is in Tracing.test.ts.)
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Metric, Option, References, Schema } from "effect"
import { TestClock } from "effect/testing"
import {
  type ChildSpec,
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
import { captureLogs, type LogEntry } from "./utils.ts"

class Quick extends Request.Class<Quick>()("Quick", { success: Schema.String }) {}
class Slow extends Request.Class<Slow>()("Slow", { success: Schema.String }) {}

const timed = GenServer.behaviour({
  protocol: [Quick, Slow],
  init: () => Effect.succeed(GenServer.ok(undefined)),
  handleCall: {
    Quick: (_, state) => Effect.succeed(GenServer.reply("quick", state)),
    Slow: (_, state) => Effect.as(Effect.sleep("30 millis"), GenServer.reply("slow", state))
  }
})

class SpawnChild extends Request.Class<SpawnChild>()("SpawnChild", { success: Schema.Any }) {}

/** A server whose call spawns a process that logs one line. */
const spawner = GenServer.behaviour({
  protocol: [SpawnChild],
  init: () => Effect.succeed(GenServer.ok(undefined)),
  handleCall: {
    SpawnChild: (_, state) =>
      Effect.map(Process.spawn(Effect.logInfo("hi").pipe(Effect.annotateLogs("said", "hi"))), (pid) =>
        GenServer.reply(pid as Process.Pid<never, unknown>, state)
      )
  }
})

/** Runs `f` on a fresh node with captured logs, a fresh metric registry and the given minimum level. */
const observed = <A, E, R>(
  f: (entries: ReadonlyArray<LogEntry>, node: Node.NodeApi) => Effect.Effect<A, E, R>,
  level: "Debug" | "Info" = "Info"
) =>
  Effect.suspend(() => {
    const logs = captureLogs()
    return Effect.flatMap(Effect.service(Node.Node), (node) => f(logs.entries, node)).pipe(
      Effect.provide(Layer.merge(Node.layer(), logs.layer)),
      Effect.provideService(References.MinimumLogLevel, level),
      Effect.provideService(Metric.MetricRegistry, new Map())
    )
  })

const events = (entries: ReadonlyArray<LogEntry>, event: string) =>
  entries.filter((e) => e.annotations.event === event).map((e) => ({ level: e.level, annotations: e.annotations }))

/** A child that runs until it is told to stop, spawned linked to its supervisor. */
const idle = (id: string, restart?: ChildSpec.Restart): ChildSpec.ChildSpec<never, any> => ({
  id,
  start: Process.spawnLink(Process.receive<never>()),
  ...(restart === undefined ? {} : { restart })
})

const pidOf = (children: ReadonlyArray<Supervisor.ChildInfo>, id: string) =>
  Option.getOrThrow(children.find((c) => c.id === id)!.pid)

/** Crashes child `id` and waits until the supervisor has handled its exit. */
const crash = (sup: Supervisor.Supervisor, id: string) =>
  Effect.gen(function* () {
    const pid = pidOf(yield* Supervisor.whichChildren(sup), id)
    yield* Process.exit(pid, ExitReason.failure("boom"))
    yield* testing.expectExit(pid, ExitReason.failure("boom"))
    return { old: pid, children: yield* Supervisor.whichChildren(sup) }
  })

/** The value of every series of `name` in the registry, by its attributes other than `node`. */
const series = (name: string) =>
  Effect.map(Metric.snapshot, (snapshots) =>
    snapshots
      .filter((s) => s.id === name)
      .map((s) => {
        const { node: _node, ...labels } = s.attributes ?? {}
        return { labels, state: s.state }
      })
  )

describe("lifecycle events", () => {
  it.effect("SPAWN and EXIT at Debug, CRASH at Error, each with its whole shape", () =>
    observed(
      (entries) =>
        Effect.gen(function* () {
          const gate = yield* Deferred.make<void>()
          let child: Process.Pid<never, unknown> | undefined
          const parent = yield* Process.spawn(
            Effect.gen(function* () {
              child = yield* Process.spawn(Effect.andThen(Deferred.await(gate), Effect.fail("boom")))
            })
          )
          yield* Process.awaitExit(parent)
          yield* Process.register("obs/child", child!)
          yield* Deferred.succeed(gate, undefined)
          yield* Process.awaitExit(child!)
          const [p, c] = [String(parent), String(child)]
          assert.deepStrictEqual(
            entries.map((e) => ({ level: e.level, message: e.message, annotations: e.annotations })),
            [
              {
                level: "Debug",
                message: [`process ${p} spawned`],
                annotations: { pid: p, event: "SPAWN", parent: "<0.0.0>" }
              },
              {
                level: "Debug",
                message: [`process ${p} exited: normal`],
                annotations: { pid: p, event: "EXIT", reason: "Normal" }
              },
              {
                level: "Debug",
                message: [`process ${c} spawned`],
                annotations: { pid: c, event: "SPAWN", parent: p }
              },
              {
                level: "Error",
                message: [`process ${c} crashed`],
                annotations: { pid: c, event: "CRASH", reason: "Failure", name: "obs/child" }
              }
            ]
          )
        }),
      "Debug"
    )
  )

  it.effect("a process spawned by a server logs with its own annotations, not the server's name and behaviour", () =>
    observed(
      (entries) =>
        Effect.gen(function* () {
          const server = yield* GenServer.start(spawner, undefined, { name: "obs/spawner" })
          const child = yield* GenServer.call(server, new SpawnChild())
          yield* Process.awaitExit(child)
          const c = String(child)
          const s = String(Option.getOrThrow(server.whereis()))
          assert.deepStrictEqual(
            entries.filter((e) => e.annotations.pid === c).map((e) => e.annotations),
            [
              { pid: c, event: "SPAWN", parent: s },
              { pid: c, said: "hi" },
              { pid: c, event: "EXIT", reason: "Normal" }
            ]
          )
        }),
      "Debug"
    )
  )

  it.effect("RESTART names the supervisor, the child, its old and new pid and the reason", () =>
    observed((entries) =>
      Effect.gen(function* () {
        const sup = yield* Supervisor.start({ children: [idle("a")] })
        const supPid = String(Option.getOrThrow(sup.whereis()))
        const { old, children } = yield* crash(sup, "a")
        const restarted = String(pidOf(children, "a"))
        assert.deepStrictEqual(events(entries, "RESTART"), [
          {
            level: "Warn",
            annotations: {
              pid: supPid,
              behaviour: "Supervisor",
              event: "RESTART",
              supervisor: supPid,
              child: "a",
              oldPid: String(old),
              newPid: restarted,
              reason: "Failure"
            }
          }
        ])
      })
    )
  )

  it.effect("a DynamicSupervisor's RESTART has the same shape", () =>
    observed((entries) =>
      Effect.gen(function* () {
        const sup = yield* DynamicSupervisor.start()
        const supPid = String(Option.getOrThrow(sup.whereis()))
        const old = yield* DynamicSupervisor.startChild(sup, idle("job"))
        yield* Process.exit(old, ExitReason.failure("boom"))
        yield* testing.expectExit(old, ExitReason.failure("boom"))
        const [info] = yield* DynamicSupervisor.whichChildren(sup)
        assert.deepStrictEqual(events(entries, "RESTART"), [
          {
            level: "Warn",
            annotations: {
              pid: supPid,
              behaviour: "DynamicSupervisor",
              event: "RESTART",
              supervisor: supPid,
              child: "job",
              oldPid: String(old),
              newPid: String(info!.pid),
              reason: "Failure"
            }
          }
        ])
      })
    )
  )

  it.effect("GIVE_UP names the supervisor, the child and the reason, at Error", () =>
    observed((entries) =>
      Effect.gen(function* () {
        const sup = yield* Supervisor.start({ children: [idle("a")], intensity: Supervisor.intensity(0, "5 seconds") })
        const supPid = Option.getOrThrow(sup.whereis())
        const pid = pidOf(yield* Supervisor.whichChildren(sup), "a")
        yield* Process.exit(pid, ExitReason.failure("boom"))
        yield* testing.expectExit(supPid, (reason) => reason._tag === "Shutdown")
        assert.deepStrictEqual(events(entries, "GIVE_UP"), [
          {
            level: "Error",
            annotations: {
              pid: String(supPid),
              behaviour: "Supervisor",
              event: "GIVE_UP",
              supervisor: String(supPid),
              child: "a",
              reason: "Failure"
            }
          }
        ])
      })
    )
  )
})

describe("metrics", () => {
  it.effect("restarts are counted per supervisor and child id; give-ups per supervisor", () =>
    observed(() =>
      Effect.gen(function* () {
        const sup = yield* Supervisor.start({
          children: [idle("a"), idle("b")],
          intensity: Supervisor.intensity(3, "5 seconds"),
          name: "obs/sup"
        })
        yield* crash(sup, "a")
        yield* crash(sup, "b")
        yield* crash(sup, "a")
        assert.deepStrictEqual(yield* series("effect_otp_supervisor_restarts_total"), [
          { labels: { supervisor: "obs/sup", child: "a" }, state: { count: 2, incremental: false } },
          { labels: { supervisor: "obs/sup", child: "b" }, state: { count: 1, incremental: false } }
        ])
        assert.deepStrictEqual(yield* series("effect_otp_supervisor_give_ups_total"), [])
        // the fourth restart within 5 s is one too many
        const supPid = Option.getOrThrow(sup.whereis())
        yield* Process.exit(pidOf(yield* Supervisor.whichChildren(sup), "b"), ExitReason.failure("boom"))
        yield* testing.expectExit(supPid, (reason) => reason._tag === "Shutdown")
        assert.deepStrictEqual(yield* series("effect_otp_supervisor_give_ups_total"), [
          { labels: { supervisor: "obs/sup" }, state: { count: 1, incremental: false } }
        ])
      })
    )
  )

  it.effect("a server started with callLatency records each call's latency in its histogram", () =>
    observed(() =>
      Effect.gen(function* () {
        const server = yield* GenServer.start(timed, undefined, { name: "obs/timed", callLatency: true })
        assert.strictEqual(yield* GenServer.call(server, new Quick()), "quick")
        const slow = yield* Effect.forkChild(GenServer.call(server, new Slow()), { startImmediately: true })
        yield* TestClock.adjust("30 millis")
        assert.strictEqual(yield* Fiber.join(slow), "slow")
        const [histogram] = yield* series("effect_otp_call_duration_ms")
        const buckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000].map(
          (bound): [number, number] => [bound, bound < 30 ? 1 : 2]
        )
        assert.deepStrictEqual(histogram, {
          labels: { server: "obs/timed" },
          state: { buckets, count: 2, min: 0, max: 30, sum: 30 }
        })
      })
    )
  )

  it.effect("without callLatency, calls record nothing", () =>
    observed(() =>
      Effect.gen(function* () {
        const server = yield* GenServer.start(timed, undefined)
        assert.strictEqual(yield* GenServer.call(server, new Quick()), "quick")
        assert.deepStrictEqual(yield* series("effect_otp_call_duration_ms"), [])
      })
    )
  )

  it.effect("callLatency must be a boolean", () =>
    observed(() =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(GenServer.start(timed, undefined, { callLatency: "yes" as never }))
        assert.deepStrictEqual(
          error,
          new Errors.BadArgument({
            function: "GenServer.start",
            field: "callLatency",
            value: "yes",
            reason: "must be a boolean"
          })
        )
      })
    )
  )
})

describe("Process.largestMailboxes", () => {
  it.effect("the n processes with the most messages waiting, longest first, ties in spawn order", () =>
    observed(() =>
      Effect.gen(function* () {
        const waiting = () => Process.spawn(Process.receive<string>({ timeout: "1 hour" }))
        const [a, b, c, d] = [yield* waiting(), yield* waiting(), yield* waiting(), yield* waiting()]
        yield* Process.register("obs/c", c)
        const fill = (pid: Process.Pid<string>, n: number) =>
          Effect.forEach(
            Array.from({ length: n }, (_, i) => `m${i}`),
            (m) => Process.send(pid, m),
            { discard: true }
          )
        yield* fill(a, 1)
        yield* fill(b, 3)
        yield* fill(c, 3)
        yield* fill(d, 0)
        assert.deepStrictEqual(yield* Process.largestMailboxes(2), [
          { pid: b, registeredName: Option.none(), mailboxLength: 3 },
          { pid: c, registeredName: Option.some("obs/c"), mailboxLength: 3 }
        ])
        assert.deepStrictEqual(yield* Process.largestMailboxes(10), [
          { pid: b, registeredName: Option.none(), mailboxLength: 3 },
          { pid: c, registeredName: Option.some("obs/c"), mailboxLength: 3 },
          { pid: a, registeredName: Option.none(), mailboxLength: 1 }
        ])
        assert.deepStrictEqual(yield* Process.largestMailboxes(0), [])
      })
    )
  )

  it.effect("n must be a non-negative integer", () =>
    observed(() =>
      Effect.gen(function* () {
        assert.deepStrictEqual(
          yield* Effect.flip(Process.largestMailboxes(-1)),
          new Errors.BadArgument({
            function: "Process.largestMailboxes",
            field: "n",
            value: -1,
            reason: "must be a non-negative integer"
          })
        )
      })
    )
  )
})
