import { AsyncLocalStorage } from "node:async_hooks"
import { assert, describe, it } from "@effect/vitest"
import { Context, Deferred, Effect, Exit, Fiber, Layer, Metric, Option, Scheduler, Scope } from "effect"
import { TestClock } from "effect/testing"
import { ExitReason, GenServer, Node, Pid, Process, Supervisor } from "effect-otp"
import * as fc from "fast-check"
import { ProcessTable } from "../src/internal/processTable.ts"
import { assertReason, awaitWaiting, deadPid, spawnIdle, spawnResult, withLogs, withQuietNode } from "./utils.ts"

/** Starts a node in a scope of its own, so that the test decides when it closes. */
const nodeInScope = (options?: Node.Options) =>
  Effect.gen(function* () {
    const scope = yield* Scope.make()
    const context = yield* Layer.buildWithScope(Node.layer(options), scope)
    const node = Context.get(context, Node.Node)
    const on = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provideService(effect, Node.Node, node)
    return { scope, node, on } as const
  })

/** The metrics registered for a node, by name. */
const metricsOf = (node: Node.NodeApi) =>
  Effect.map(Metric.snapshot, (snapshots) =>
    Object.fromEntries(
      snapshots
        .filter((s) => s.attributes?.node === `${node.name}#${node.creation}`)
        .map((s) => [s.id, s.state as unknown] as const)
    )
  )

describe("Node", () => {
  it.effect(
    "closing the node stops every process with Shutdown, runs their finalizers, and leaves no fiber running",
    () =>
      withQuietNode(
        Effect.gen(function* () {
          const { scope, node, on } = yield* nodeInScope()
          const fibers: Array<Fiber.Fiber<unknown, unknown>> = []
          const finalized: Array<string> = []
          const started: Array<Deferred.Deferred<void>> = []
          /** Spawns on the closing node a process that records its fiber and says when it runs. */
          const spawnTracked = <A, E, R>(body: Effect.Effect<A, E, R>, options?: Process.SpawnOptions) =>
            Effect.gen(function* () {
              const up = yield* Deferred.make<void>()
              started.push(up)
              return yield* on(
                Process.spawn(
                  Effect.gen(function* () {
                    fibers.push(yield* Effect.fiber)
                    yield* Deferred.succeed(up, undefined)
                    return yield* body
                  }),
                  options
                )
              )
            })

          // a process on another node (the test's), to see whether a timer of the closed node fires
          const { pid: observer, result: observed } = yield* spawnResult(
            Process.receive<string>({ timeout: "10 seconds" })
          )

          const receiving = yield* spawnTracked(Process.receive())
          const trapping = yield* spawnTracked(
            Effect.gen(function* () {
              yield* Process.link(receiving)
              yield* Process.receive()
            }),
            { trapExit: true }
          )
          const scoped = yield* spawnTracked(
            Effect.scoped(
              Effect.gen(function* () {
                yield* Effect.addFinalizer(() => Effect.sync(() => finalized.push("scoped")))
                yield* Process.receive()
              })
            )
          )
          const ensuring = yield* spawnTracked(
            Process.receive().pipe(Effect.ensuring(Effect.sync(() => finalized.push("ensuring"))))
          )
          // a finalizer that takes (virtual) time: closing waits for it
          const slow = yield* spawnTracked(
            Process.receive().pipe(
              Effect.ensuring(
                Effect.andThen(
                  Effect.sleep("1 second"),
                  Effect.sync(() => finalized.push("slow"))
                )
              )
            )
          )
          let spins = 0
          const busy = yield* spawnTracked(
            Effect.forever(
              Effect.sync(() => {
                spins++
              }),
              { disableYield: true }
            )
          )
          const timerOwner = yield* spawnTracked(
            Effect.gen(function* () {
              yield* Process.sendAfter(observer, "from a stopped node", "1 second")
              yield* Process.receive()
            })
          )
          const timedReceive = yield* spawnTracked(Process.receive({ timeout: "1 hour" }))
          for (const up of started) yield* Deferred.await(up)
          const reasons = yield* Effect.forEach(
            [receiving, trapping, scoped, ensuring, slow, busy, timerOwner, timedReceive],
            (pid) => Effect.forkChild(Process.awaitExit(pid), { startImmediately: true })
          )
          // and one that never gets to run: the node closes in the same step
          const neverRan = yield* on(Process.spawn(Effect.sync(() => finalized.push("never ran"))))
          reasons.push(yield* Effect.forkChild(Process.awaitExit(neverRan), { startImmediately: true }))
          assert.strictEqual(node.stats().active, reasons.length)
          const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void), { startImmediately: true })
          yield* TestClock.adjust("999 millis")
          // every process but the one in its slow finalizer has exited; closing waits for that one
          assert.isUndefined(closing.pollUnsafe())
          assert.deepStrictEqual(node.processes().map(String), [String(slow)])
          yield* TestClock.adjust("1 millis")
          yield* Fiber.join(closing)

          for (const fiber of reasons) assertReason(yield* Fiber.join(fiber), ExitReason.shutdown)
          assert.deepStrictEqual(finalized.sort(), ["ensuring", "scoped", "slow"])
          assert.deepStrictEqual(node.processes(), [])
          assert.strictEqual(node.stats().active, 0)
          assert.strictEqual(fibers.length, reasons.length - 1)
          for (const fiber of fibers) assert.isDefined(fiber.pollUnsafe(), `fiber #${fiber.id} is still running`)
          assert.isAbove(spins, 0)
          // the timer died with its owner: the observer on the other node gets nothing
          yield* TestClock.adjust("10 seconds")
          assert.deepStrictEqual(yield* observed, Option.none())
          // and the node's metrics are gone from the registry
          assert.deepStrictEqual(yield* metricsOf(node), {})
        })
      )
  )

  it.effect("closing the node stops a supervision tree with no shutdown error: every child stops with Shutdown", () =>
    withLogs((entries) =>
      Effect.gen(function* () {
        const { scope, node, on } = yield* nodeInScope()
        const Idle = GenServer.behaviour({ init: (_: void) => Effect.succeed(GenServer.ok(0)) })
        // the README's tree: a worker, then a nested supervisor with a worker of its own
        const shop = yield* on(
          Supervisor.start({
            strategy: "oneForOne",
            children: [
              GenServer.childSpec("cart", Idle, undefined),
              Supervisor.childSpec("payments", {
                strategy: "oneForOne",
                children: [GenServer.childSpec("card", Idle, undefined)]
              })
            ]
          })
        )
        const pids = node.processes()
        // every process settled in its receive, as in a tree that has been up for a while
        for (const pid of pids) yield* on(awaitWaiting(pid))
        const reasons = yield* Effect.forEach(pids, (pid) =>
          Effect.forkChild(Process.awaitExit(pid), { startImmediately: true })
        )
        yield* Scope.close(scope, Exit.void)
        for (const fiber of reasons) assertReason(yield* Fiber.join(fiber), ExitReason.shutdown)
        assert.strictEqual(pids.length, 4)
        assert.isTrue(GenServer.isServer(shop))
        assert.deepStrictEqual(entries, [])
      })
    )
  )

  it.effect("a supervisor stopping its tree as the node closes takes the EXIT of a child stopped meanwhile", () =>
    withLogs((entries) =>
      Effect.gen(function* () {
        const { scope, node, on } = yield* nodeInScope()
        const Idle = GenServer.behaviour({ init: (_: void) => Effect.succeed(GenServer.ok(0)) })
        // traps exits, so its supervisor's shutdown runs terminate, which takes a second
        const Slow = GenServer.behaviour({
          init: (_: void) => Effect.succeed(GenServer.ok(0)),
          terminate: () => Effect.sleep("1 second")
        })
        yield* on(
          Supervisor.start({
            strategy: "oneForOne",
            children: [
              GenServer.childSpec("cart", Idle, undefined),
              GenServer.childSpec("slow", Slow, undefined, { trapExit: true })
            ]
          })
        )
        const [shop, cart, slow] = node.processes()
        for (const pid of [shop, cart, slow]) yield* on(awaitWaiting(pid!))
        const reasons = yield* Effect.forEach([shop, cart, slow], (pid) =>
          Effect.forkChild(Process.awaitExit(pid!), { startImmediately: true })
        )
        // the supervisor, stopped by the node, waits for `slow` (stopped first); someone else stops `cart`
        const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void), { startImmediately: true })
        yield* Process.exit(cart!, ExitReason.shutdown)
        assertReason(yield* Fiber.join(reasons[1]!), ExitReason.shutdown)
        yield* TestClock.adjust("1 second")
        yield* Fiber.join(closing)
        // it took cart's EXIT as its reason (OTP's unlink_flush): not `noproc`
        assert.deepStrictEqual(entries, [])
        for (const fiber of reasons) assertReason(yield* Fiber.join(fiber), ExitReason.shutdown)
      })
    )
  )

  it.effect("closing the node takes a tree down from the top: each child stops the way its supervisor asked", () =>
    withLogs((entries) =>
      Effect.gen(function* () {
        const { scope, node, on } = yield* nodeInScope()
        const Idle = GenServer.behaviour({ init: (_: void) => Effect.succeed(GenServer.ok(0)) })
        yield* on(
          Supervisor.start({
            strategy: "oneForOne",
            children: [
              // a permanent child killed by its supervisor: Shutdown from the node would be a shutdown error
              GenServer.childSpec("cart", Idle, undefined, { shutdown: "brutalKill" }),
              Supervisor.childSpec("payments", {
                strategy: "oneForOne",
                children: [GenServer.childSpec("card", Idle, undefined, { shutdown: "brutalKill" })]
              })
            ]
          })
        )
        const [shop, cart, payments, card] = node.processes()
        for (const pid of [shop, cart, payments, card]) yield* on(awaitWaiting(pid!))
        const reasons = yield* Effect.forEach([shop, cart, payments, card], (pid) =>
          Effect.forkChild(Process.awaitExit(pid!), { startImmediately: true })
        )
        yield* Scope.close(scope, Exit.void)
        const [shopReason, cartReason, paymentsReason, cardReason] = yield* Effect.forEach(reasons, Fiber.join)
        assert.deepStrictEqual(entries, [])
        assertReason(shopReason!, ExitReason.shutdown)
        assertReason(cartReason!, ExitReason.killed)
        assertReason(paymentsReason!, ExitReason.shutdown)
        assertReason(cardReason!, ExitReason.killed)
      })
    )
  )

  it.effect("closing the node stops a process left to its trapping parent once the parent has exited", () =>
    withQuietNode(
      Effect.gen(function* () {
        const { scope, on } = yield* nodeInScope()
        const spawned = yield* Deferred.make<Pid.Pid<never, unknown>>()
        // a parent that traps exits, takes a second to exit and does not stop its linked child, which
        // traps exits too (the parent's Shutdown comes to it as a message): only the node can stop it
        const parent = yield* on(
          Process.spawn(
            Effect.gen(function* () {
              const child = yield* Process.spawnLink(
                Process.receive((_: unknown) => false),
                { trapExit: true }
              )
              yield* Deferred.succeed(spawned, child)
              yield* Process.receive()
            }).pipe(Effect.ensuring(Effect.sleep("1 second"))),
            { trapExit: true }
          )
        )
        const child = yield* Deferred.await(spawned)
        yield* on(awaitWaiting(parent))
        yield* on(awaitWaiting(child))
        const reasons = yield* Effect.forEach([parent, child], (pid) =>
          Effect.forkChild(Process.awaitExit(pid), { startImmediately: true })
        )
        const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void), { startImmediately: true })
        // the parent is in its finalizer; the child, left to it, still waits
        const status = Option.map(yield* on(Process.info(child)), (info) => info.status)
        assert.deepStrictEqual(status, Option.some("waiting"))
        yield* TestClock.adjust("1 second")
        yield* Fiber.join(closing)
        for (const fiber of reasons) assertReason(yield* Fiber.join(fiber), ExitReason.shutdown)
      })
    )
  )

  it.effect("a process spawned on a closed node exits with Shutdown at once", () =>
    Effect.gen(function* () {
      const { scope, node, on } = yield* nodeInScope()
      yield* Scope.close(scope, Exit.void)
      let ran = false
      const pid = yield* on(
        Process.spawn(
          Effect.sync(() => {
            ran = true
          })
        )
      )
      assertReason(yield* Process.awaitExit(pid), ExitReason.shutdown)
      assert.isFalse(ran)
      assert.strictEqual(node.stats().active, 0)
    })
  )

  it.effect("stats and metrics count spawned, active, sent and dropped exactly", () =>
    withQuietNode(
      Effect.gen(function* () {
        const node = yield* Node.Node
        assert.deepStrictEqual(node.stats(), { spawned: 0, active: 0, messagesSent: 0, messagesDropped: 0 })
        const { pid, result } = yield* spawnResult(
          Effect.gen(function* () {
            yield* Process.receive<string>()
            yield* Process.receive<string>()
          })
        )
        const idle = (yield* spawnIdle) as Process.Pid<string>
        yield* Process.send(pid, "one")
        yield* Process.send(pid, "two")
        yield* result
        yield* Process.awaitExit(pid)
        yield* Process.send(pid, "dropped")
        assert.deepStrictEqual(node.stats(), { spawned: 2, active: 1, messagesSent: 2, messagesDropped: 1 })
        assert.deepStrictEqual(yield* metricsOf(node), {
          effect_otp_processes_spawned_total: { count: 2, incremental: false },
          effect_otp_processes_active: { value: 1 },
          effect_otp_messages_sent_total: { count: 2, incremental: false },
          effect_otp_messages_dropped_total: { count: 1, incremental: false }
        })
        assert.deepStrictEqual(node.processes(), [idle])
      })
    )
  )

  it.effect("processes() lists the live processes, oldest first", () =>
    withQuietNode(
      Effect.gen(function* () {
        const node = yield* Node.Node
        const a = yield* spawnIdle
        const b = yield* spawnIdle
        const c = yield* spawnIdle
        assert.deepStrictEqual(node.processes(), [a, b, c])
        yield* Process.kill(b)
        yield* Process.awaitExit(b)
        assert.deepStrictEqual(node.processes(), [a, c])
      })
    )
  )

  it.effect("a node is named nonode@nohost unless given a name", () =>
    Effect.gen(function* () {
      const unnamed = yield* withQuietNode(Effect.service(Node.Node))
      assert.strictEqual(unnamed.name, "nonode@nohost")
      const named = yield* withQuietNode(Effect.service(Node.Node), { name: "a@host" })
      assert.strictEqual(named.name, "a@host")
      const pid = yield* withQuietNode(spawnIdle, { name: "b@host" })
      assert.strictEqual(pid.node, "b@host")
    })
  )

  it.effect("two nodes of the same name in one OS process: separate pids, tables and names", () =>
    Effect.gen(function* () {
      const first = yield* nodeInScope({ name: "twin@host" })
      const second = yield* nodeInScope({ name: "twin@host" })
      assert.notStrictEqual(first.node.creation, second.node.creation)
      const a = yield* first.on(spawnResult(Process.receive<string>()))
      const b = yield* second.on(spawnResult(Process.receive<string>()))
      // same name, same number, different node instances
      assert.deepStrictEqual([a.pid.node, a.pid.id], [b.pid.node, b.pid.id])
      assert.isFalse(Pid.equals(a.pid, b.pid))
      assert.notStrictEqual(String(a.pid), String(b.pid))
      // one name registered on each
      yield* first.on(Process.register("twin/server", a.pid))
      yield* second.on(Process.register("twin/server", b.pid))
      yield* first.on(Process.send("twin/server", "to the first"))
      assert.strictEqual(yield* a.result, "to the first")
      assert.isTrue(yield* Process.isAlive(b.pid))
      // a pid rebuilt from its parts reaches the right one
      yield* Process.send(Pid.make<string>(b.pid.node, b.pid.creation, b.pid.id), "to the second")
      assert.strictEqual(yield* b.result, "to the second")
      yield* Scope.close(first.scope, Exit.void)
      yield* Scope.close(second.scope, Exit.void)
    })
  )

  it.effect("the system pid of a node prints as <n.0.0> and is never alive", () =>
    withQuietNode(
      Effect.gen(function* () {
        const node = yield* Node.Node
        const pid = yield* spawnIdle
        const system = Pid.make(node.name, node.creation, 0)
        assert.strictEqual(String(system), String(pid).replace(/\.\d+\.0>$/, ".0.0>"))
        assert.isFalse(yield* Process.isAlive(system))
        assert.isFalse(yield* Process.isAlive(yield* deadPid))
      })
    )
  )
})

describe("the run-queue scheduler (the default)", () => {
  // it.live: the run queue replaces Effect's default scheduler only, so under TestClock (whose
  // scheduler stays) it would not be exercised. Nothing here waits on the wall clock.
  it.live("runs processes: a ping-pong pair completes, and processes are stopped with the node", () =>
    Effect.gen(function* () {
      const rounds = 1_000
      let schedulerName = ""
      const result = yield* Effect.gen(function* () {
        const ponger = yield* Process.spawn(
          Effect.forever(
            Effect.flatMap(Process.receive<Process.Pid<"pong">>(), (from) => Process.send(from, "pong")),
            { disableYield: true }
          )
        )
        const pinger = yield* Process.spawn(
          Effect.gen(function* () {
            const me = yield* Process.self<"pong">()
            for (let i = 0; i < rounds; i++) {
              yield* Process.send(ponger, me)
              yield* Process.receive<"pong">()
            }
            const scheduler = yield* Effect.withFiber((fiber) => Effect.succeed(fiber.getRef(Scheduler.Scheduler)))
            schedulerName = scheduler.constructor.name
          })
        )
        return { reason: yield* Process.awaitExit(pinger), ponger }
      }).pipe(Effect.provide(Node.layer()))
      assert.deepStrictEqual(result.reason, ExitReason.normal)
      assert.isFalse(yield* Process.isAlive(result.ponger))
      assert.strictEqual(schedulerName, "RunQueueScheduler")
    })
  )

  it.live('scheduler: "effect" keeps Effect\'s own scheduler', () =>
    Effect.gen(function* () {
      const done = yield* Deferred.make<string>()
      yield* Process.spawn(
        Effect.withFiber((fiber) => Deferred.succeed(done, fiber.getRef(Scheduler.Scheduler).constructor.name))
      )
      assert.strictEqual(yield* Deferred.await(done), "MixedScheduler")
    }).pipe(Effect.provide(Node.layer({ scheduler: "effect" })))
  )

  // Effect gives each fiber an AsyncResource at every suspension and resumes it in that resource's
  // scope; the run queue drains from a microtask queued by whoever woke the first process, so
  // without it one caller's AsyncLocalStorage context would reach other processes and callers.
  it.live("each process keeps the AsyncLocalStorage context it was spawned in; a sender's does not leak in", () =>
    Effect.gen(function* () {
      const storage = new AsyncLocalStorage<string>()
      const context = yield* Effect.context<Node.Node>()
      const run = <A>(store: string, effect: Effect.Effect<A, never, Node.Node>) =>
        Effect.promise(() => storage.run(store, () => Effect.runPromiseWith(context)(effect)))
      type Ask = { readonly from: Process.Pid<string | undefined> }
      const server = yield* run(
        "server",
        Process.spawn(
          Effect.forever(
            Effect.flatMap(Process.receive<Ask>(), (ask) => Process.send(ask.from, storage.getStore())),
            { disableYield: true }
          )
        )
      )
      const seen: Array<{ readonly caller: string; readonly inClient: string | undefined; readonly answer: unknown }> =
        []
      const client = (caller: string) =>
        Effect.gen(function* () {
          const pid = yield* Process.spawn(
            Effect.gen(function* () {
              yield* Process.send(server, { from: yield* Process.self<string | undefined>() })
              const answer = yield* Process.receive<string | undefined>()
              seen.push({ caller, inClient: storage.getStore(), answer })
            })
          )
          return yield* Process.awaitExit(pid)
        })
      const reasons = yield* Effect.all(
        [run("request-1", client("request-1")), run("request-2", client("request-2"))],
        {
          concurrency: "unbounded"
        }
      )
      assert.deepStrictEqual(reasons, [ExitReason.normal, ExitReason.normal])
      assert.deepStrictEqual(
        seen.toSorted((a, b) => a.caller.localeCompare(b.caller)),
        [
          { caller: "request-1", inClient: "request-1", answer: "server" },
          { caller: "request-2", inClient: "request-2", answer: "server" }
        ]
      )
    }).pipe(Effect.provide(Node.layer()))
  )
})

describe("the process table", () => {
  it("property: answers as a Map of the same numbers, in the order they were set", () => {
    // pid numbers only grow; each step spawns a few and ends some of the live ones
    const steps = fc.array(fc.tuple(fc.integer({ min: 0, max: 70 }), fc.array(fc.nat(), { maxLength: 40 })), {
      maxLength: 30
    })
    fc.assert(
      fc.property(steps, (script) => {
        const table = new ProcessTable<string>()
        const model = new Map<number, string>()
        let next = 1
        for (const [spawned, ends] of script) {
          for (let i = 0; i < spawned; i++, next++) {
            table.set(next, `p${next}`)
            model.set(next, `p${next}`)
          }
          const live = Array.from(model.keys())
          for (const pick of ends) {
            if (live.length === 0) break
            const id = live.splice(pick % live.length, 1)[0]!
            assert.strictEqual(table.delete(id), model.delete(id))
          }
          assert.strictEqual(table.delete(next + 100), false)
          assert.deepStrictEqual(
            { size: table.size, values: Array.from(table.values()) },
            { size: model.size, values: Array.from(model.values()) }
          )
          for (let id = 0; id <= next; id++) assert.strictEqual(table.get(id), model.get(id))
        }
      }),
      { numRuns: 200 }
    )
  })
})
