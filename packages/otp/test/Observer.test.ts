import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Option, Schema, Stream } from "effect"
import { TestClock } from "effect/testing"
import {
  DynamicSupervisor,
  ExitReason,
  GenServer,
  Node,
  Observer,
  Process,
  Registry,
  type Request,
  Supervisor,
  Sys,
  testing
} from "effect-otp"
import type { Pid } from "effect-otp"
import { Request as RequestClass } from "effect-otp"
import * as memory from "../src/internal/memory.ts"

const withNode = <A, E, R>(effect: Effect.Effect<A, E, R>) => effect.pipe(Effect.provide(Node.layer()))

/** A server that does nothing but wait. */
const Idle = GenServer.behaviour({ init: (_: void) => Effect.succeed(GenServer.ok(0)) })

const pidOf = (children: ReadonlyArray<Supervisor.ChildInfo>, id: string): Pid.Pid<never, unknown> =>
  Option.getOrThrow(children.find((c) => c.id === id)!.pid)

const serverPid = <Req extends Request.Any, Cast>(server: GenServer.Server<Req, Cast>) =>
  Effect.map(GenServer.whereis(server), (pid) => Option.getOrThrow(pid) as Pid.Pid<never, unknown>)

const noPids: ReadonlyArray<Pid.Pid<never, unknown>> = []

class Ping extends RequestClass.Class<Ping>()("Ping", { success: Schema.Number }) {}

/** A server that answers `Ping` with its state and takes any other message. */
const Echo = GenServer.behaviour({
  protocol: [Ping],
  init: (_: void) => Effect.succeed(GenServer.ok(0)),
  handleCall: { Ping: (_: Ping, state: number) => Effect.succeed(GenServer.reply(state, state)) },
  handleInfo: (_: unknown, state: number) => Effect.succeed(GenServer.noreply(state))
})

describe("Observer.snapshot", () => {
  it.effect("a supervision tree: every process, the supervisor with its children, the counters", () =>
    withNode(
      Effect.gen(function* () {
        const sup = yield* Supervisor.start({
          strategy: "oneForAll",
          children: [
            GenServer.childSpec("a", Idle, undefined, { name: "obs-a" }),
            GenServer.childSpec("b", Idle, undefined)
          ],
          name: "obs-sup"
        })
        const supPid = yield* serverPid(sup)
        const children = yield* Supervisor.whichChildren(sup)
        const [a, b] = [pidOf(children, "a"), pidOf(children, "b")]
        const snapshot = yield* Observer.snapshot
        const server = (
          pid: Pid.Pid<never, unknown>,
          name: Option.Option<string>,
          status: Observer.ProcessInfo["status"]
        ): Observer.ProcessInfo => ({
          pid,
          registeredName: name,
          behaviour: "GenServer",
          status,
          mailboxLength: 0,
          messagesIn: 0,
          messagesHandled: 0,
          messagesDropped: 0,
          messagesOut: Option.none(),
          links: [supPid],
          monitors: noPids,
          monitoredBy: noPids,
          trapExit: false,
          parent: Option.some(supPid),
          // an idle server's fixed cost and its state, the number 0 (its slot)
          memory: 3_808,
          memoryTruncated: false
        })
        assert.deepStrictEqual(snapshot, {
          node: { name: "nonode@nohost", creation: snapshot.node.creation },
          time: 0,
          // the supervisor answered one call (whichChildren); no message was dropped
          metrics: { spawned: 3, active: 3, messagesSent: 1, messagesDropped: 0 },
          // the status as the scheduler left each one: the supervisor has answered whichChildren and
          // not yet gone back to its receive; "a" has reached its receive, "b" not yet since its start
          processes: [
            {
              pid: supPid,
              registeredName: Option.some("obs-sup"),
              behaviour: "Supervisor",
              status: "running",
              mailboxLength: 0,
              messagesIn: 1,
              messagesHandled: 1,
              messagesDropped: 0,
              messagesOut: Option.none(),
              links: [a, b],
              monitors: noPids,
              monitoredBy: noPids,
              trapExit: true,
              parent: Option.none(),
              // its state is the supervisor's own records: see the memory tests for the estimate
              memory: snapshot.processes[0]!.memory,
              memoryTruncated: false
            },
            server(a, Option.some("obs-a"), "waiting"),
            server(b, Option.none(), "running")
          ],
          supervisors: [
            {
              pid: supPid,
              registeredName: Option.some("obs-sup"),
              kind: "Supervisor",
              strategy: "oneForAll",
              children: [
                { id: "a", pid: Option.some(a), status: "running", type: "worker", restart: "permanent", restarts: 0 },
                { id: "b", pid: Option.some(b), status: "running", type: "worker", restart: "permanent", restarts: 0 }
              ],
              restarts: 0,
              intensity: [{ maxRestarts: 3, withinMs: 5000, used: 0 }]
            }
          ],
          registries: []
        })
      })
    )
  )

  it.effect("restart counts and the intensity used, which leaves the window as time passes", () =>
    withNode(
      Effect.gen(function* () {
        const sup = yield* Supervisor.start({
          strategy: "oneForOne",
          children: [GenServer.childSpec("a", Idle, undefined), GenServer.childSpec("b", Idle, undefined)]
        })
        const before = pidOf(yield* Supervisor.whichChildren(sup), "a")
        yield* Process.exit(before, ExitReason.failure("boom"))
        yield* testing.expectExit(before, ExitReason.failure("boom"))
        const after = pidOf(yield* Supervisor.whichChildren(sup), "a")
        const b = pidOf(yield* Supervisor.whichChildren(sup), "b")
        const view = (yield* Observer.snapshot).supervisors[0]!
        assert.deepStrictEqual(
          { children: view.children, restarts: view.restarts, intensity: view.intensity },
          {
            children: [
              {
                id: "a",
                pid: Option.some(after),
                status: "running",
                type: "worker",
                restart: "permanent",
                restarts: 1
              },
              { id: "b", pid: Option.some(b), status: "running", type: "worker", restart: "permanent", restarts: 0 }
            ],
            restarts: 1,
            intensity: [{ maxRestarts: 3, withinMs: 5000, used: 1 }]
          }
        )
        // one restart exactly 5 s old is still inside the window (OTP's add_restart); 1 ms later it is not
        yield* TestClock.adjust("5 seconds")
        assert.deepStrictEqual((yield* Observer.snapshot).supervisors[0]!.intensity, [
          { maxRestarts: 3, withinMs: 5000, used: 1 }
        ])
        yield* TestClock.adjust("1 millis")
        assert.deepStrictEqual((yield* Observer.snapshot).supervisors[0]!.intensity, [
          { maxRestarts: 3, withinMs: 5000, used: 0 }
        ])
      })
    )
  )

  it.effect("a DynamicSupervisor's children, with their spec's id", () =>
    withNode(
      Effect.gen(function* () {
        const sup = yield* DynamicSupervisor.start({ intensity: Supervisor.intensity(5, "10 seconds") })
        const child = yield* DynamicSupervisor.startChild(sup, GenServer.childSpec("session", Idle, undefined))
        const supPid = yield* serverPid(sup)
        const snapshot = yield* Observer.snapshot
        assert.deepStrictEqual(snapshot.supervisors, [
          {
            pid: supPid,
            registeredName: Option.none(),
            kind: "DynamicSupervisor",
            strategy: "oneForOne",
            children: [
              {
                id: "session",
                pid: Option.some(child as Pid.Pid<never, unknown>),
                status: "running",
                type: "worker",
                restart: "permanent",
                restarts: 0
              }
            ],
            restarts: 0,
            intensity: [{ maxRestarts: 5, withinMs: 10000, used: 0 }]
          }
        ])
        assert.deepStrictEqual(
          snapshot.processes.map((p) => [p.behaviour, p.parent]),
          [
            ["DynamicSupervisor", Option.none()],
            ["GenServer", Option.some(supPid)]
          ]
        )
      })
    )
  )

  it.effect("plain processes: status, mailbox, message counts, links and monitors; a suspended server counting", () =>
    withNode(
      Effect.gen(function* () {
        const waiter = yield* Process.spawn(Process.receive((m: string) => m === "go"))
        yield* Process.send(waiter, "one")
        yield* Process.send(waiter, "two")
        const watcher = yield* Process.spawn(
          Effect.gen(function* () {
            yield* Process.link(waiter)
            yield* Process.monitor(waiter)
            yield* Process.receive<never>()
          })
        )
        const server = yield* GenServer.start(Idle, undefined, { name: "obs-suspended" })
        yield* Sys.statistics(server, true)
        yield* Sys.suspend(server)
        const serverId = yield* serverPid(server)
        // the watcher has run its links and monitor once the system request above was served
        const { processes } = yield* Observer.snapshot
        assert.deepStrictEqual(processes, [
          {
            pid: waiter,
            registeredName: Option.none(),
            behaviour: "process",
            status: "waiting",
            // "one" and "two" were examined and skipped by the receive: still in the mailbox
            mailboxLength: 2,
            messagesIn: 2,
            messagesHandled: 0,
            messagesDropped: 0,
            messagesOut: Option.none(),
            links: [watcher],
            monitors: noPids,
            monitoredBy: [watcher],
            trapExit: false,
            parent: Option.none(),
            // an idle process's fixed cost and its two messages: each a slot and a 3-character string
            memory: 984 + 2 * (8 + 16 + 2 * 3),
            memoryTruncated: false
          },
          {
            pid: watcher,
            registeredName: Option.none(),
            behaviour: "process",
            status: "waiting",
            mailboxLength: 0,
            messagesIn: 0,
            messagesHandled: 0,
            messagesDropped: 0,
            messagesOut: Option.none(),
            links: [waiter],
            monitors: [waiter],
            monitoredBy: noPids,
            trapExit: false,
            parent: Option.none(),
            memory: 984,
            memoryTruncated: false
          },
          {
            pid: serverId,
            registeredName: Option.some("obs-suspended"),
            behaviour: "GenServer",
            status: "suspended",
            mailboxLength: 0,
            messagesIn: 0,
            messagesHandled: 0,
            messagesDropped: 0,
            // its statistics are on: the replies it sent since (none)
            messagesOut: Option.some(0),
            links: noPids,
            monitors: noPids,
            monitoredBy: noPids,
            trapExit: false,
            parent: Option.none(),
            memory: 3_808,
            memoryTruncated: false
          }
        ])
      })
    )
  )

  it.effect("a keyed registry: its owner process and its entries", () =>
    withNode(
      Effect.gen(function* () {
        const sessions = yield* Registry.start<string, number>({ keys: "unique", name: "obs-sessions" })
        const registered = yield* Deferred.make<void>()
        yield* Process.spawn(
          Effect.andThen(
            Effect.andThen(Registry.register(sessions, "s1", 1), Deferred.succeed(registered, undefined)),
            Process.receive<never>()
          )
        )
        yield* Deferred.await(registered)
        const registryPid = Option.getOrThrow(sessions.whereis())
        const snapshot = yield* Observer.snapshot
        assert.deepStrictEqual(snapshot.registries, [
          { pid: registryPid, name: "obs-sessions", keys: "unique", partitions: 1, entries: 1, owners: 1 }
        ])
        assert.deepStrictEqual(snapshot.processes[0]!.behaviour, "Registry")
      })
    )
  )
})

describe("Observer: the memory estimate", () => {
  it("whole values for known shapes (8-byte slots, V8's 64-bit layout)", () => {
    const size = (value: unknown) => memory.estimate([value])
    assert.deepStrictEqual(size(42), { bytes: 8, complete: true })
    assert.deepStrictEqual(size(undefined), { bytes: 8, complete: true })
    // a string: 16 + 2 a character
    assert.deepStrictEqual(size("abc"), { bytes: 8 + 16 + 6, complete: true })
    // 2^64 needs 65 bits: two 64-bit digits
    assert.deepStrictEqual(size(2n ** 64n), { bytes: 8 + 16 + 16, complete: true })
    // an object: 24 + its properties' slots and values
    assert.deepStrictEqual(size({ a: 1, b: "xy" }), { bytes: 8 + 24 + 8 + (8 + 16 + 4), complete: true })
    assert.deepStrictEqual(size([1, 2, 3]), { bytes: 8 + 32 + 3 * 8, complete: true })
    assert.deepStrictEqual(size(new Map([["k", 1]])), { bytes: 8 + 48 + 8 + (8 + 16 + 2) + 8, complete: true })
    assert.deepStrictEqual(size(new Set([1, 2])), { bytes: 8 + 48 + 2 * 8 + 2 * 8, complete: true })
    assert.deepStrictEqual(size(new Uint8Array(100)), { bytes: 8 + 64 + 100, complete: true })
    // a class instance: its own fields (a request's `_tag`)
    assert.deepStrictEqual(size(new Ping()), { bytes: 8 + 24 + (8 + 16 + 8), complete: true })
  })

  it("a cycle and a shared structure are counted once", () => {
    const cyclic: { self?: unknown } = {}
    cyclic.self = cyclic
    assert.deepStrictEqual(memory.estimate([cyclic]), { bytes: 8 + 24 + 8, complete: true })
    const shared = { x: 1 }
    assert.deepStrictEqual(memory.estimate([{ left: shared, right: shared }]), {
      bytes: 8 + 24 + (8 + 24 + 8) + 8,
      complete: true
    })
  })

  it.effect("a function, a fiber, a pid and an Effect in a value: counted, not walked, nothing thrown", () =>
    withNode(
      Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(Effect.never)
        const pid = yield* Process.spawn(Process.receive<never>())
        const value = { f: () => 1, fiber, pid, effect: Effect.sync(() => 1), option: Option.some("a") }
        // the function 64; the fiber, the pid and the Effect their slot; the Option an object with its value
        assert.deepStrictEqual(memory.estimate([value]), {
          bytes: 8 + 24 + (8 + 64) + 8 + 8 + 8 + (8 + 24 + (8 + 16 + 2)),
          complete: true
        })
        yield* Fiber.interrupt(fiber)
      })
    )
  )

  it("a throwing getter and a revoked Proxy end the walk with a lower bound, nothing thrown", () => {
    const throwing = Object.defineProperty({}, "boom", {
      enumerable: true,
      get: () => {
        throw new Error("boom")
      }
    })
    assert.deepStrictEqual(memory.estimate([throwing]), { bytes: 8 + 24, complete: false })
    const { proxy, revoke } = Proxy.revocable({}, {})
    revoke()
    // the last root is walked first: the string is counted, then the proxy's slot before it throws
    assert.deepStrictEqual(memory.estimate([proxy, "ab"]), { bytes: 8 + 16 + 4 + 8, complete: false })
  })

  it("the budget: the walk stops, the rest counted as slots, and the figure is marked a lower bound", () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ i }))
    assert.deepStrictEqual(memory.estimate([rows]), { bytes: 8 + 32 + 10 * (8 + 24 + 8), complete: true })
    // 5 values: the array and 4 rows walked (each with its field as a slot), 6 rows as slots
    assert.deepStrictEqual(memory.estimate([rows], 5), { bytes: 8 + 32 + 6 * 8 + 4 * (8 + 24 + 8), complete: false })
    // the walk serves the next estimate whole again
    const walk = new memory.Walk(5)
    walk.add(rows).run()
    assert.isFalse(walk.complete)
    assert.deepStrictEqual([walk.add(1).run(), walk.complete], [8, true])
    // a snapshot's budget, shared among its processes: 1,000 values each up to 2,000 processes, then
    // 2,000,000 / N, and never fewer than 16
    assert.deepStrictEqual([1, 2_000, 4_000, 100_000, 1_000_000].map(memory.budgetFor), [1_000, 1_000, 500, 20, 16])
  })

  it.effect("in a snapshot: a big mailbox sorts first by memory; a big state is a lower bound", () =>
    withNode(
      Effect.gen(function* () {
        const idle = yield* Process.spawn(Process.receive<never>())
        const busy = yield* Process.spawn(Process.receive((m: string) => m === "never"))
        for (let i = 0; i < 100; i++) yield* Process.send(busy, `message ${i}`)
        const Big = GenServer.behaviour({
          init: (_: void) => Effect.succeed(GenServer.ok(Array.from({ length: 5_000 }, (_, i) => i)))
        })
        const big = yield* serverPid(yield* GenServer.start(Big, undefined))
        const echo = yield* serverPid(yield* GenServer.start(Echo, undefined))
        const { processes } = yield* Observer.snapshot
        const byMemory = [...processes].sort((a, b) => b.memory - a.memory)
        assert.deepStrictEqual(
          byMemory.map((p) => [p.pid, p.memory, p.memoryTruncated]),
          [
            // 1,000 values walked: the array and 999 numbers; the other 4,001 as slots, as numbers are
            [big, 3_800 + 8 + 32 + 5_000 * 8, true],
            // each message a slot and a string of 9 or 10 characters
            [busy, 984 + 10 * (8 + 16 + 18) + 90 * (8 + 16 + 20), false],
            [echo, 3_808, false],
            [idle, 984, false]
          ]
        )
      })
    )
  )
})

describe("Observer.changes", () => {
  it.effect("spawns, exits and a supervisor's restart, in order, with the node clock's time", () =>
    withNode(
      Effect.gen(function* () {
        const sup = yield* Supervisor.start({ children: [GenServer.childSpec("a", Idle, undefined)] })
        const supPid = yield* serverPid(sup)
        const before = pidOf(yield* Supervisor.whichChildren(sup), "a")
        const events = yield* Effect.forkChild(Stream.runCollect(Stream.take(Observer.changes(), 3)), {
          startImmediately: true
        })
        yield* TestClock.adjust("1 second")
        yield* Process.exit(before, ExitReason.failure("boom"))
        yield* testing.expectExit(before, ExitReason.failure("boom"))
        const after = pidOf(yield* Supervisor.whichChildren(sup), "a")
        assert.deepStrictEqual(yield* Fiber.join(events), [
          {
            _tag: "Exited",
            pid: before,
            registeredName: Option.none(),
            reason: ExitReason.failure("boom"),
            time: 1000
          },
          { _tag: "Spawned", pid: after, time: 1000 },
          { _tag: "Restarted", supervisor: supPid, id: "a", pid: after, time: 1000 }
        ])
        // the stream ended: the node has no observer left, its life cycle is back to one field check
        const node = (yield* Node.Node) as Node.NodeApi & { readonly observers: unknown }
        assert.strictEqual(node.observers, undefined)
      })
    )
  )
  it.effect("a server whose trace is on: its Sys events arrive as Traced, with the trace's line; off, none", () =>
    withNode(
      Effect.gen(function* () {
        const server = yield* GenServer.start(Echo, undefined)
        const pid = yield* serverPid(server)
        const events = yield* Effect.forkChild(Stream.runCollect(Stream.take(Observer.changes(), 6)), {
          startImmediately: true
        })
        yield* Sys.trace(server, true)
        yield* Process.send(pid as Pid.Pid<string>, "hello")
        // answered after "hello" was handled (one sender's messages are served in order)
        yield* GenServer.call(server, new Ping())
        yield* Sys.trace(server, false)
        yield* Process.send(pid as Pid.Pid<string>, "unseen")
        yield* GenServer.call(server, new Ping())
        const next = yield* Process.spawn(Effect.void)
        const traced = (event: Sys.Event, text: string) => ({ _tag: "Traced" as const, pid, event, text, time: 0 })
        assert.deepStrictEqual(yield* Fiber.join(events), [
          traced({ _tag: "Info", message: "hello" }, `${pid} got "hello"`),
          traced({ _tag: "StateChange", state: 0 }, `${pid} new state 0`),
          traced(
            { _tag: "Call", request: new Ping(), from: Option.none() },
            `${pid} got call Ping({"_tag":"Ping"}) from outside any process`
          ),
          traced({ _tag: "Reply", to: Option.none(), reply: Exit.succeed(0) }, `${pid} sent 0 to outside any process`),
          traced({ _tag: "StateChange", state: 0 }, `${pid} new state 0`),
          // the next event after the trace went off is this spawn: the second Ping and "unseen" sent none
          { _tag: "Spawned", pid: next, time: 0 }
        ])
      })
    )
  )

  it.effect(
    "subscribe attaches at once: a process that comes and goes before the stream is read is in it; the scope ends it",
    () =>
      withNode(
        Effect.gen(function* () {
          const events = yield* Effect.scoped(
            Effect.gen(function* () {
              const events = yield* Observer.subscribe()
              const pid = yield* Process.spawn(Effect.void)
              yield* testing.expectExit(pid, ExitReason.normal)
              return { events, pid }
            })
          )
          // read after the scope closed: the buffered events, then the end
          assert.deepStrictEqual(yield* Stream.runCollect(events.events), [
            { _tag: "Spawned", pid: events.pid, time: 0 },
            { _tag: "Exited", pid: events.pid, registeredName: Option.none(), reason: ExitReason.normal, time: 0 }
          ])
          const node = (yield* Node.Node) as Node.NodeApi & { readonly observers: unknown }
          assert.strictEqual(node.observers, undefined)
        })
      )
  )
})
