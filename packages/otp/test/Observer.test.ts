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
          parent: Option.some(supPid)
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
              parent: Option.none()
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
            parent: Option.none()
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
            parent: Option.none()
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
            parent: Option.none()
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
