import { assert, describe, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Option, Schema } from "effect"
import { TestClock } from "effect/testing"
import {
  DynamicSupervisor,
  Errors,
  ExitReason,
  GenServer,
  Process,
  Release,
  Request,
  Supervisor,
  Sys
} from "effect-otp"
import { captureLogs, withNode } from "./utils.ts"

/** Bumps the count; replies with the version that answered and the new count. */
class Bump extends Request.Class<Bump>()("Bump", { success: Schema.String }) {}

const V1 = GenServer.behaviour({
  name: "Counter",
  version: "1",
  protocol: [Bump],
  init: (n: number) => Effect.succeed(GenServer.ok(n)),
  handleCall: { Bump: (_, n) => Effect.succeed(GenServer.reply(`v1:${n + 1}`, n + 1)) }
})

const State2 = Schema.Struct({ count: Schema.Number, history: Schema.Array(Schema.Number) })
type State2 = typeof State2.Type

/**
 * Version 2, whose `codeChange` refuses the state 13 (a poisoned counter) and runs `during` first
 * (the tests' hook to hold an upgrade in the middle).
 */
const v2 = (during: (n: number) => Effect.Effect<void> = () => Effect.void) =>
  GenServer.behaviour({
    name: "Counter",
    version: "2",
    protocol: [Bump],
    state: State2,
    init: (n: number) => Effect.succeed(GenServer.ok<State2>({ count: n, history: [] })),
    handleCall: {
      Bump: (_, s) =>
        Effect.succeed(GenServer.reply(`v2:${s.count + 1}`, { count: s.count + 1, history: [...s.history, s.count] }))
    },
    codeChange: (_oldVersion, n) =>
      Effect.andThen(
        during(n as number),
        n === 13 ? Effect.fail("poisoned") : Effect.succeed({ count: n as number, history: [] })
      )
  })

const V2 = v2()

/** top: a, sub (b, c), d; the counters start at 1, 2, 3, 4. */
const startTree = Effect.gen(function* () {
  const sub = Supervisor.childSpec("sub", {
    strategy: "oneForOne",
    children: [GenServer.childSpec("b", V1, 2), GenServer.childSpec("c", V1, 3)]
  })
  const top = yield* Supervisor.start({
    strategy: "oneForOne",
    children: [GenServer.childSpec("a", V1, 1), sub, GenServer.childSpec("d", V1, 4)]
  })
  const pids = yield* treePids(top)
  return { top, ...pids }
})

const pidOf = (children: ReadonlyArray<Supervisor.ChildInfo>, id: string) =>
  Option.getOrThrow(children.find((c) => c.id === id)!.pid)

/** The pids of the tree now (`whichChildren` is also the barrier after a restart). */
const treePids = (top: Supervisor.Supervisor) =>
  Effect.gen(function* () {
    const topChildren = yield* Supervisor.whichChildren(top)
    const sub = pidOf(topChildren, "sub")
    const subChildren = yield* Supervisor.whichChildren(Supervisor.fromPid(sub))
    return {
      topPid: Option.getOrThrow(top.whereis()),
      a: pidOf(topChildren, "a"),
      sub,
      b: pidOf(subChildren, "b"),
      c: pidOf(subChildren, "c"),
      d: pidOf(topChildren, "d")
    }
  })

const versionOf = (pid: Process.Pid<never, unknown>) => Effect.map(Sys.getStatus(pid), (s) => s.version)

const bump = (pid: Process.Pid<never, unknown>) => GenServer.call(GenServer.fromPid<Bump>(pid), new Bump())

/** Crashes a child and waits until its supervisor has restarted it. */
const crash = (pid: Process.Pid<never, unknown>) =>
  Effect.andThen(Process.exit(pid, ExitReason.failure("crash")), Process.awaitExit(pid))

/** Two counters, at 10 and 20, under a DynamicSupervisor. */
const startCounters = (dyn: DynamicSupervisor.DynamicSupervisor) =>
  Effect.forEach([10, 20], (n) =>
    Effect.map(
      DynamicSupervisor.startChild(dyn, GenServer.childSpec("counter", V1, n)),
      (pid) => pid as Process.Pid<never, unknown>
    )
  )

describe("Release.upgradeTree", () => {
  it.effect("upgrades every matching child, children before their supervisor, and reports it", () => {
    const logs = captureLogs()
    return withNode(
      Effect.gen(function* () {
        const tree = yield* startTree
        const report = yield* Release.upgradeTree(tree.top, { behaviours: [V2], version: "2.0.0", extra: "x" })
        const upgraded = (id: string, pid: Process.Pid<never, unknown>, supervisor: Process.Pid<never, unknown>) => ({
          pid,
          id,
          supervisor: Option.some(supervisor),
          behaviour: Option.some("Counter"),
          fromVersion: "1",
          toVersion: "2"
        })
        assert.deepStrictEqual(report, {
          release: "2.0.0",
          upgraded: [
            upgraded("a", tree.a, tree.topPid),
            upgraded("b", tree.b, tree.sub),
            upgraded("c", tree.c, tree.sub),
            upgraded("d", tree.d, tree.topPid)
          ],
          // the nested supervisor's specs before its parent's
          specs: [
            { supervisor: tree.sub, ids: ["b", "c"] },
            { supervisor: tree.topPid, ids: ["a", "sub", "d"] }
          ]
        })
        assert.deepStrictEqual(yield* Effect.forEach([tree.a, tree.b, tree.c, tree.d], bump), [
          "v2:2",
          "v2:3",
          "v2:4",
          "v2:5"
        ])
        // the RELEASE events: each server's change, children first, then the release
        const releases = logs.entries
          .filter((e) => e.annotations.event === "RELEASE")
          .map((e) => [e.level, e.annotations.pid ?? e.annotations.release, e.annotations.outcome])
        assert.deepStrictEqual(releases, [
          ["Info", String(tree.a), "upgraded"],
          ["Info", String(tree.b), "upgraded"],
          ["Info", String(tree.c), "upgraded"],
          ["Info", String(tree.d), "upgraded"],
          ["Info", "2.0.0", undefined]
        ])
      }).pipe(Effect.provide(logs.layer))
    )
  })

  it.effect("a restart after the upgrade starts the new version, in a nested supervisor too", () =>
    withNode(
      Effect.gen(function* () {
        const tree = yield* startTree
        yield* Release.upgradeTree(tree.top, { behaviours: [V2], version: "2" })
        yield* crash(tree.a)
        const afterA = yield* treePids(tree.top)
        assert.notStrictEqual(String(afterA.a), String(tree.a))
        assert.strictEqual(yield* versionOf(afterA.a), "2")
        assert.deepStrictEqual(yield* Sys.getState(afterA.a), { count: 1, history: [] })
        // a restarted sub starts its children anew: from its own (updated) specs
        yield* Effect.andThen(Process.kill(tree.sub), Process.awaitExit(tree.sub))
        const afterSub = yield* treePids(tree.top)
        assert.deepStrictEqual(yield* Effect.forEach([afterSub.b, afterSub.c], versionOf), ["2", "2"])
        assert.strictEqual(yield* bump(afterSub.b), "v2:3")
      })
    )
  )

  it.effect("skipIds leaves a child alone: its process and its spec", () =>
    withNode(
      Effect.gen(function* () {
        const tree = yield* startTree
        const report = yield* Release.upgradeTree(tree.top, { behaviours: [V2], version: "2", skipIds: ["c"] })
        assert.deepStrictEqual(
          report.upgraded.map((u) => u.id),
          ["a", "b", "d"]
        )
        assert.deepStrictEqual(report.specs[0], { supervisor: tree.sub, ids: ["b"] })
        assert.strictEqual(yield* bump(tree.c), "v1:4")
        yield* crash(tree.c)
        const after = yield* treePids(tree.top)
        assert.strictEqual(yield* versionOf(after.c), "1")
        // a skipped supervisor: nothing under it
        const skipSub = yield* Release.upgradeTree(tree.top, { behaviours: [V2], version: "2", skipIds: ["sub"] })
        assert.deepStrictEqual(skipSub.upgraded, [])
        assert.deepStrictEqual(skipSub.specs, [{ supervisor: tree.topPid, ids: ["a", "d"] }])
        assert.strictEqual(yield* versionOf(after.c), "1")
      })
    )
  )

  it.effect("one child failing rolls everything back: code, state and specs, and names the child", () =>
    withNode(
      Effect.gen(function* () {
        const tree = yield* startTree
        yield* Sys.replaceState(tree.c, () => 13)
        const error = yield* Effect.flip(Release.upgradeTree(tree.top, { behaviours: [V2], version: "2" }))
        assert.instanceOf(error, Release.UpgradeFailed)
        const failed = error as Release.UpgradeFailed
        assert.deepStrictEqual(
          failed,
          new Release.UpgradeFailed({
            release: "2",
            supervisor: tree.sub,
            id: "c",
            pid: tree.c,
            reason: new Sys.CodeChangeFailed({
              pid: tree.c,
              behaviour: "Counter",
              oldVersion: "1",
              newVersion: "2",
              cause: Cause.fail("poisoned")
            })
          })
        )
        assert.match(failed.message, /^release 2: child "c" of <[\d.]+> failed: codeChange of/)
        // a and b were upgraded, then put back: old code, old state, running
        assert.deepStrictEqual(yield* Effect.forEach([tree.a, tree.b, tree.c, tree.d], versionOf), ["1", "1", "1", "1"])
        assert.deepStrictEqual(yield* Effect.forEach([tree.a, tree.b, tree.c, tree.d], bump), [
          "v1:2",
          "v1:3",
          "v1:14",
          "v1:5"
        ])
        // no spec was left updated: restarts start version 1
        yield* crash(tree.a)
        yield* crash(tree.b)
        const after = yield* treePids(tree.top)
        assert.deepStrictEqual(yield* Effect.forEach([after.a, after.b], versionOf), ["1", "1"])
      })
    )
  )

  it.effect("calls made during the upgrade wait, and are answered by the version that won", () =>
    withNode(
      Effect.gen(function* () {
        for (const poison of [false, true]) {
          const tree = yield* startTree
          if (poison) yield* Sys.replaceState(tree.d, () => 13)
          const inChange = yield* Deferred.make<void>()
          const gate = yield* Deferred.make<void>()
          // c's codeChange waits at the gate: a and b are changed, d not yet, all suspended
          const held = v2((n) =>
            n === 3 ? Effect.andThen(Deferred.succeed(inChange, undefined), Deferred.await(gate)) : Effect.void
          )
          const upgrade = yield* Effect.forkChild(
            Effect.exit(Release.upgradeTree(tree.top, { behaviours: [held], version: "2", timeout: "infinity" })),
            { startImmediately: true }
          )
          yield* Deferred.await(inChange)
          const calls = yield* Effect.forEach([tree.a, tree.a, tree.d], (pid) =>
            Effect.forkChild(bump(pid), { startImmediately: true })
          )
          assert.deepStrictEqual(
            calls.map((f) => f.pollUnsafe()),
            [undefined, undefined, undefined]
          )
          yield* Deferred.succeed(gate, undefined)
          const exit = yield* Fiber.join(upgrade)
          assert.strictEqual(Exit.isSuccess(exit), !poison)
          assert.deepStrictEqual(
            yield* Fiber.joinAll(calls),
            poison ? ["v1:2", "v1:3", "v1:14"] : ["v2:2", "v2:3", "v2:5"]
          )
        }
      })
    )
  )

  it.effect("a step that outlasts the timeout rolls everything back with UpgradeTimeout", () =>
    withNode(
      Effect.gen(function* () {
        const tree = yield* startTree
        const inChange = yield* Deferred.make<void>()
        const slow = v2((n) =>
          n === 3 ? Effect.andThen(Deferred.succeed(inChange, undefined), Effect.never) : Effect.void
        )
        const upgrade = yield* Effect.forkChild(
          Release.upgradeTree(tree.top, { behaviours: [slow], version: "2", timeout: "1 second" }),
          { startImmediately: true }
        )
        yield* Deferred.await(inChange)
        yield* TestClock.adjust("1 second")
        assert.deepStrictEqual(
          yield* Fiber.await(upgrade),
          Exit.fail(
            new Release.UpgradeFailed({
              release: "2",
              supervisor: tree.sub,
              id: "c",
              pid: tree.c,
              reason: new Sys.UpgradeTimeout({ pid: tree.c, timeout: 1000 })
            })
          )
        )
        assert.deepStrictEqual(yield* Effect.forEach([tree.a, tree.b, tree.c, tree.d], versionOf), ["1", "1", "1", "1"])
        assert.deepStrictEqual(yield* Effect.forEach([tree.a, tree.c], bump), ["v1:2", "v1:4"])
      })
    )
  )

  it.effect("a DynamicSupervisor's children: upgraded by pid, state migrated, a restart starts the new version", () =>
    withNode(
      Effect.gen(function* () {
        const top = yield* Supervisor.start({
          strategy: "oneForOne",
          children: [DynamicSupervisor.childSpec("dyn", { name: "sessions" })]
        })
        const topPid = Option.getOrThrow(top.whereis())
        const dynPid = pidOf(yield* Supervisor.whichChildren(top), "dyn")
        const dyn = yield* DynamicSupervisor.named("sessions")
        const [p1, p2] = yield* startCounters(dyn)
        const report = yield* Release.upgradeTree(top, { behaviours: [V2], version: "2" })
        const upgraded = (pid: Process.Pid<never, unknown>) => ({
          pid,
          id: String(pid),
          supervisor: Option.some(dynPid),
          behaviour: Option.some("Counter"),
          fromVersion: "1",
          toVersion: "2"
        })
        assert.deepStrictEqual(report, {
          release: "2",
          upgraded: [upgraded(p1), upgraded(p2)],
          specs: [
            { supervisor: dynPid, ids: [String(p1), String(p2)] },
            { supervisor: topPid, ids: ["dyn"] }
          ]
        })
        assert.deepStrictEqual(yield* Effect.forEach([p1, p2], (pid) => Sys.getState(pid)), [
          { count: 10, history: [] },
          { count: 20, history: [] }
        ])
        assert.deepStrictEqual(yield* Effect.forEach([p1, p2], bump), ["v2:11", "v2:21"])
        // a crash after the upgrade: the restart runs version 2's init
        yield* crash(p1)
        // (the restarted child is listed last: whichChildren lists in start order)
        const [first, q1] = (yield* DynamicSupervisor.whichChildren(dyn)).map((c) => c.pid)
        assert.deepStrictEqual(first, p2)
        assert.notStrictEqual(String(q1), String(p1))
        assert.strictEqual(yield* versionOf(q1!), "2")
        assert.deepStrictEqual(yield* Sys.getState(q1!), { count: 10, history: [] })
      })
    )
  )

  it.effect("a DynamicSupervisor as the root: one child failing leaves both on version 1; skipIds takes pids", () =>
    withNode(
      Effect.gen(function* () {
        const dyn = yield* DynamicSupervisor.start()
        const dynPid = Option.getOrThrow(dyn.whereis())
        const [p1, p2] = yield* startCounters(dyn)
        yield* Sys.replaceState(p2, () => 13)
        assert.deepStrictEqual(
          yield* Effect.flip(Release.upgradeTree(dyn, { behaviours: [V2], version: "2" })),
          new Release.UpgradeFailed({
            release: "2",
            supervisor: dynPid,
            id: String(p2),
            pid: p2,
            reason: new Sys.CodeChangeFailed({
              pid: p2,
              behaviour: "Counter",
              oldVersion: "1",
              newVersion: "2",
              cause: Cause.fail("poisoned")
            })
          })
        )
        assert.deepStrictEqual(yield* Effect.forEach([p1, p2], versionOf), ["1", "1"])
        assert.deepStrictEqual(yield* Effect.forEach([p1, p2], bump), ["v1:11", "v1:14"])
        // no spec was left updated: a restart starts version 1
        yield* crash(p1)
        const [first, q1] = (yield* DynamicSupervisor.whichChildren(dyn)).map((c) => c.pid)
        assert.deepStrictEqual(first, p2)
        assert.strictEqual(yield* versionOf(q1!), "1")
        // a dynamic child is skipped by its pid
        const report = yield* Release.upgradeTree(dyn, { behaviours: [V2], version: "2", skipIds: [String(p2)] })
        assert.deepStrictEqual(
          report.upgraded.map((u) => u.pid),
          [q1]
        )
        assert.deepStrictEqual(report.specs, [{ supervisor: dynPid, ids: [String(q1)] }])
        assert.deepStrictEqual(yield* Effect.forEach([q1!, p2], versionOf), ["2", "1"])
      })
    )
  )

  it.effect("bad input: not a supervisor, a behaviour without a name", () =>
    withNode(
      Effect.gen(function* () {
        const counter = yield* GenServer.start(V1, 0)
        const pid = Option.getOrThrow(counter.whereis())
        assert.deepStrictEqual(
          yield* Effect.flip(Release.upgradeTree(counter, { behaviours: [V2], version: "2" })),
          new Release.NotASupervisor({ pid })
        )
        const Unnamed = GenServer.behaviour({ init: (n: number) => Effect.succeed(GenServer.ok(n)) })
        assert.deepStrictEqual(
          yield* Effect.flip(Release.upgradeTree(counter, { behaviours: [Unnamed], version: "2" })),
          new Errors.BadArgument({
            function: "Release.upgradeTree",
            field: "behaviours",
            value: Unnamed,
            reason: "must each declare a name"
          })
        )
      })
    )
  )
})

describe("Release.upgradeNode", () => {
  it.effect("upgrades the node's servers and supervisors' specs; a failed validate rolls back", () =>
    withNode(
      Effect.gen(function* () {
        const tree = yield* startTree
        const lone = Option.getOrThrow((yield* GenServer.start(V1, 10)).whereis())
        const broken = yield* Effect.flip(
          Release.upgradeNode({ behaviours: [V2], version: "2", validate: Effect.fail("unhealthy") })
        )
        assert.deepStrictEqual(broken, new Release.ValidationFailed({ release: "2", cause: Cause.fail("unhealthy") }))
        assert.deepStrictEqual(yield* Effect.forEach([tree.a, tree.b, tree.c, tree.d, lone], versionOf), [
          "1",
          "1",
          "1",
          "1",
          "1"
        ])
        const report = yield* Release.upgradeNode({
          behaviours: [V2],
          version: "2",
          validate: Effect.map(bump(lone), (reply) => assert.strictEqual(reply, "v2:11"))
        })
        assert.deepStrictEqual(report.upgraded.map((u) => u.pid).sort(), [tree.a, tree.b, tree.c, tree.d, lone].sort())
        yield* crash(tree.b)
        const after = yield* treePids(tree.top)
        assert.strictEqual(yield* versionOf(after.b), "2")
      })
    )
  )

  it.effect("updates a DynamicSupervisor's specs too: a restart starts the new version", () =>
    withNode(
      Effect.gen(function* () {
        const dyn = yield* DynamicSupervisor.start()
        const [p1, p2] = yield* startCounters(dyn)
        const report = yield* Release.upgradeNode({ behaviours: [V2], version: "2" })
        assert.deepStrictEqual(report.specs, [
          { supervisor: Option.getOrThrow(dyn.whereis()), ids: [String(p1), String(p2)] }
        ])
        yield* crash(p1)
        const [, q1] = (yield* DynamicSupervisor.whichChildren(dyn)).map((c) => c.pid)
        assert.deepStrictEqual(yield* Sys.getState(q1!), { count: 10, history: [] })
      })
    )
  )

  it.effect("a validate that outlasts the upgrade's timeout is interrupted and everything rolled back", () =>
    withNode(
      Effect.gen(function* () {
        const tree = yield* startTree
        const validating = yield* Deferred.make<void>()
        const interrupted = yield* Deferred.make<void>()
        const upgrade = yield* Effect.forkChild(
          Release.upgradeTree(tree.top, {
            behaviours: [V2],
            version: "2",
            timeout: "1 second",
            validate: Effect.andThen(
              Deferred.succeed(validating, undefined),
              Effect.onInterrupt(Effect.never, () => Deferred.succeed(interrupted, undefined))
            )
          }),
          { startImmediately: true }
        )
        yield* Deferred.await(validating)
        // the new versions run while validate runs
        assert.strictEqual(yield* bump(tree.a), "v2:2")
        yield* TestClock.adjust("1 second")
        assert.deepStrictEqual(
          yield* Fiber.await(upgrade),
          Exit.fail(new Release.ValidationTimeout({ release: "2", timeout: 1000 }))
        )
        yield* Deferred.await(interrupted)
        // the state from before the upgrade is back: a's bump during validation leaves no trace
        assert.deepStrictEqual(yield* Effect.forEach([tree.a, tree.b, tree.c, tree.d], versionOf), ["1", "1", "1", "1"])
        assert.deepStrictEqual(yield* Effect.forEach([tree.a, tree.b], bump), ["v1:2", "v1:3"])
      })
    )
  )
})
