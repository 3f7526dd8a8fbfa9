import { assert, describe, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Equal, Exit, Hash, Layer, Option, Schema, type Scope } from "effect"
import {
  DynamicSupervisor,
  Errors,
  ExitReason,
  GenServer,
  GenStatem,
  Node,
  Pid,
  Process,
  Registry,
  Request,
  Supervisor,
  testing
} from "effect-otp"
import * as fc from "fast-check"
import { failedStart, withNode } from "./utils.ts"

/** The typed failure of an effect that must fail. */
const failureOf = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.exit(effect), (exit) => {
    assert.isTrue(Exit.isFailure(exit), "expected a failure")
    return Option.getOrThrow(Exit.findErrorOption(exit as Exit.Exit<A, E>))
  })

/** The defect of an effect that must die. */
const defectOf = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.exit(effect), (exit) => {
    assert.isTrue(Exit.isFailure(exit), "expected a defect")
    const die = (exit as Exit.Failure<A, E>).cause.reasons.find(Cause.isDieReason)
    assert.isDefined(die, "expected a defect")
    return die!.defect
  })

const pidsOf = <V>(entries: ReadonlyArray<Registry.Entry<V>>) => entries.map(([pid]) => String(pid))

class Get extends Request.Class<Get>()("Get", { success: Schema.Number }) {}
class Bump extends Request.Class<Bump>()("Bump", { success: Schema.Number }) {}
const Counter = GenServer.behaviour({
  protocol: [Get, Bump],
  init: (start: number) => Effect.succeed(GenServer.ok(start)),
  handleCall: {
    Get: (_, n) => Effect.succeed(GenServer.reply(n, n)),
    Bump: (_, n) => Effect.succeed(GenServer.reply(n + 1, n + 1))
  }
})

describe("Registry", () => {
  it.effect("the module's example: an entry goes with its process", () =>
    withNode(
      Effect.gen(function* () {
        const sessions = yield* Registry.start<string, { readonly user: string }>({ keys: "unique", name: "sessions" })
        const registered = yield* Deferred.make<void>()
        const pid = yield* Process.spawn(
          Effect.gen(function* () {
            yield* Registry.register(sessions, "session:42", { user: "ada" })
            yield* Deferred.succeed(registered, undefined)
            yield* Process.receive()
          })
        )
        yield* Deferred.await(registered)
        const entries = yield* Registry.lookup(sessions, "session:42")
        assert.strictEqual(entries.length, 1)
        assert.isTrue(Pid.equals(entries[0]![0], pid))
        assert.deepStrictEqual(entries[0]![1], { user: "ada" })
        yield* Process.kill(pid)
        yield* Process.awaitExit(pid)
        assert.deepStrictEqual(yield* Registry.lookup(sessions, "session:42"), [])
      })
    )
  )

  it.effect("a reference is a value: by name, equal to every reference by that name; from start, to itself", () =>
    withNode(
      Effect.gen(function* () {
        const started = yield* Registry.start({ keys: "unique", name: "values" })
        const byName = yield* Registry.named("values")
        const again = yield* Registry.named("values")
        const other = yield* Registry.named("others")
        assert.deepStrictEqual(
          [
            Equal.equals(byName, again),
            Equal.equals(byName, other),
            Equal.equals(started, started),
            Equal.equals(started, byName),
            Equal.equals(byName, started),
            Equal.equals(byName, "values")
          ],
          [true, false, true, false, false, false]
        )
        assert.strictEqual(Hash.hash(byName), Hash.hash(again))
      })
    )
  )

  it.effect("the operations in pipe form; isRegistry knows a reference", () =>
    withNode(
      Effect.gen(function* () {
        const registry = yield* Registry.start<string, string>({ keys: "duplicate", name: "piped" })
        const byName = yield* Registry.named<string, string>("piped")
        assert.deepStrictEqual([registry, byName, "piped", null, { name: "piped" }].map(Registry.isRegistry), [
          true,
          true,
          false,
          false,
          false
        ])
        const a = yield* testing.startProbe()
        yield* a.run(registry.pipe(Registry.register("topic", "one")))
        yield* a.run(byName.pipe(Registry.register("other", "two")))
        assert.deepStrictEqual(
          (yield* registry.pipe(Registry.lookup("topic"))).map(([pid, value]) => [String(pid), value]),
          [[String(a.pid), "one"]]
        )
        assert.deepStrictEqual(yield* registry.pipe(Registry.keys(a.pid)), ["topic", "other"])
        const seen: Array<string> = []
        yield* registry.pipe(
          Registry.dispatch("topic", (entries) => Effect.sync(() => seen.push(...entries.map(([, v]) => v))))
        )
        assert.deepStrictEqual(seen, ["one"])
        yield* a.run(registry.pipe(Registry.register("topic", "three")))
        assert.deepStrictEqual(
          (yield* registry.pipe(Registry.match("topic", (v: string) => v !== "one"))).map(([, v]) => v),
          ["three"]
        )
        yield* a.run(registry.pipe(Registry.unregisterMatch("topic", (v: string) => v === "one")))
        assert.deepStrictEqual(yield* registry.pipe(Registry.keys(a.pid)), ["other", "topic"])
        yield* a.run(registry.pipe(Registry.unregister("topic")))
        assert.deepStrictEqual(yield* registry.pipe(Registry.keys(a.pid)), ["other"])
        yield* registry.pipe(Registry.putMeta("mode", "fast"))
        assert.deepStrictEqual(yield* registry.pipe(Registry.meta("mode")), Option.some("fast"))
        const pid = Option.getOrThrow(registry.whereis())
        yield* registry.pipe(Registry.stop(ExitReason.shutdownWith("piped")))
        assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.shutdownWith("piped"))
      })
    )
  )

  describe("unique keys", () => {
    it.effect("a key points to one process; a second register fails with AlreadyRegistered naming the holder", () =>
      withNode(
        Effect.gen(function* () {
          const registry = yield* Registry.start<string, string>({ keys: "unique", name: "names" })
          const a = yield* testing.startProbe()
          const b = yield* testing.startProbe()
          yield* a.run(Registry.register(registry, "hello", "from a"))
          assert.deepStrictEqual(pidsOf(yield* Registry.lookup(registry, "hello")), [String(a.pid)])
          assert.deepStrictEqual((yield* Registry.lookup(registry, "hello"))[0]![1], "from a")

          const taken = yield* failureOf(b.run(Registry.register(registry, "hello", "from b")))
          assert.instanceOf(taken, Errors.AlreadyRegistered)
          assert.isTrue(Pid.equals((taken as Errors.AlreadyRegistered).pid, a.pid))
          assert.strictEqual(
            (taken as Errors.AlreadyRegistered).message,
            `the name "Registry.via("names", "hello")" is already registered to ${String(a.pid)}`
          )
          // the holder itself cannot register the key twice either (as Elixir)
          const again = yield* failureOf(a.run(Registry.register(registry, "hello", "again")))
          assert.isTrue(Pid.equals((again as Errors.AlreadyRegistered).pid, a.pid))

          // one process may hold many keys
          yield* a.run(Registry.register(registry, "world", "w"))
          assert.deepStrictEqual(yield* Registry.keys(registry, a.pid), ["hello", "world"])
          assert.deepStrictEqual(yield* Registry.keys(registry, b.pid), [])
          assert.strictEqual(yield* Registry.count(registry), 2)

          // unregister frees the key for another process
          yield* a.run(Registry.unregister(registry, "hello"))
          yield* b.run(Registry.register(registry, "hello", "from b"))
          assert.deepStrictEqual(pidsOf(yield* Registry.lookup(registry, "hello")), [String(b.pid)])
          assert.deepStrictEqual(yield* Registry.keys(registry, a.pid), ["world"])
        })
      )
    )

    it.effect("keys are compared structurally", () =>
      withNode(
        Effect.gen(function* () {
          const registry = yield* Registry.start<readonly [string, number], number>({ keys: "unique", name: "rooms" })
          const a = yield* testing.startProbe()
          yield* a.run(Registry.register(registry, ["room", 1], 1))
          assert.strictEqual((yield* Registry.lookup(registry, ["room", 1])).length, 1)
          assert.strictEqual((yield* Registry.lookup(registry, ["room", 2])).length, 0)
          const taken = yield* failureOf(a.run(Registry.register(registry, ["room", 1], 2)))
          assert.deepStrictEqual(
            taken,
            new Errors.AlreadyRegistered({ registeredName: 'Registry.via("rooms", ["room",1])', pid: a.pid })
          )
        })
      )
    )
  })

  describe("duplicate keys", () => {
    it.effect(
      "a key points to every registration, in registration order; match and unregisterMatch filter by value",
      () =>
        withNode(
          Effect.gen(function* () {
            const registry = yield* Registry.start<string, number>({ keys: "duplicate", name: "groups" })
            const a = yield* testing.startProbe()
            const b = yield* testing.startProbe()
            yield* a.run(Registry.register(registry, "g", 1))
            yield* b.run(Registry.register(registry, "g", 2))
            yield* a.run(Registry.register(registry, "g", 3))
            const entries = yield* Registry.lookup(registry, "g")
            assert.deepStrictEqual(pidsOf(entries), [String(a.pid), String(b.pid), String(a.pid)])
            assert.deepStrictEqual(
              entries.map(([, v]) => v),
              [1, 2, 3]
            )
            assert.deepStrictEqual(yield* Registry.keys(registry, a.pid), ["g", "g"])
            const odd = yield* Registry.match(registry, "g", (v) => v % 2 === 1)
            assert.deepStrictEqual(
              odd.map(([, v]) => v),
              [1, 3]
            )
            yield* a.run(Registry.unregisterMatch(registry, "g", (v) => v === 3))
            assert.deepStrictEqual(
              (yield* Registry.lookup(registry, "g")).map(([, v]) => v),
              [1, 2]
            )
            yield* a.run(Registry.unregister(registry, "g"))
            assert.deepStrictEqual(pidsOf(yield* Registry.lookup(registry, "g")), [String(b.pid)])
            assert.strictEqual(yield* Registry.count(registry), 1)
          })
        )
    )

    it.effect("PubSub: dispatch reaches every subscriber of the topic, and only them", () =>
      withNode(
        Effect.gen(function* () {
          type Event = { readonly _tag: "Broadcast"; readonly text: string }
          const topics = yield* Registry.start<string, undefined>({ keys: "duplicate", name: "topics", partitions: 4 })
          const subscribers = [yield* testing.startProbe<Event>(), yield* testing.startProbe<Event>()]
          const third = yield* testing.startProbe<Event>()
          const other = yield* testing.startProbe<Event>()
          for (const probe of [...subscribers, third]) yield* probe.run(Registry.register(topics, "hello", undefined))
          yield* other.run(Registry.register(topics, "other", undefined))

          const publish = (topic: string, text: string) =>
            Registry.dispatch(topics, topic, (entries) =>
              Effect.forEach(entries, ([pid]) => Process.send(pid, { _tag: "Broadcast", text }), { discard: true })
            )

          yield* publish("hello", "world")
          for (const probe of [...subscribers, third]) {
            yield* probe.expectMessage({ _tag: "Broadcast", text: "world" })
          }
          yield* other.expectNoMessage()

          // a subscriber that exits is unsubscribed at once
          yield* Process.kill(third.pid)
          yield* testing.expectExit(third.pid, ExitReason.killed)
          let reached = 0
          yield* Registry.dispatch(topics, "hello", (entries) => Effect.sync(() => (reached = entries.length)))
          assert.strictEqual(reached, 2)

          // no subscriber: the function is not called
          let called = false
          yield* Registry.dispatch(topics, "nobody", () => Effect.sync(() => (called = true)))
          assert.isFalse(called)
        })
      )
    )
  })

  describe("cleanup", () => {
    it.effect("an owner's entries are gone as soon as it has exited, in every registry it used", () =>
      withNode(
        Effect.gen(function* () {
          const unique = yield* Registry.start({ keys: "unique", name: "u" })
          const duplicate = yield* Registry.start({ keys: "duplicate", name: "d", partitions: 3 })
          const owner = yield* testing.startProbe()
          const survivor = yield* testing.startProbe()
          yield* owner.run(
            Effect.all([
              Registry.register(unique, "a", 1),
              Registry.register(unique, "b", 2),
              Registry.register(duplicate, "t", 1),
              Registry.register(duplicate, "t", 2)
            ])
          )
          yield* survivor.run(Registry.register(duplicate, "t", 3))
          yield* Process.exit(owner.pid, ExitReason.failure("boom"))
          yield* testing.expectExit(owner.pid, ExitReason.failure("boom"))
          assert.deepStrictEqual(yield* Registry.lookup(unique, "a"), [])
          assert.deepStrictEqual(yield* Registry.keys(unique, owner.pid), [])
          assert.strictEqual(yield* Registry.count(unique), 0)
          assert.deepStrictEqual(pidsOf(yield* Registry.lookup(duplicate, "t")), [String(survivor.pid)])
          // the keys are free again
          yield* survivor.run(Registry.register(unique, "a", 3))
        })
      )
    )

    it.effect("property: after random register/unregister/exit sequences no entry points at a dead pid", () =>
      Effect.gen(function* () {
        const run = Effect.runPromiseWith(yield* Effect.context<never>())
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(
              fc.constantFrom<Registry.Keys>("unique", "duplicate"),
              fc.integer({ min: 1, max: 5 }),
              fc.array(opArbitrary, { minLength: 1, maxLength: 40 }),
              (keys, partitions, ops) =>
                run(
                  withNode(
                    Effect.scoped(
                      Effect.gen(function* () {
                        const program = yield* makeProgram([{ keys, partitions }])
                        yield* Effect.forEach(
                          ops,
                          (op) => Effect.andThen(program.apply(op), program.checkAgainstModel),
                          {
                            discard: true
                          }
                        )
                      })
                    )
                  )
                )
            ),
            { numRuns: 60 }
          )
        )
      })
    )
  })

  describe("partitions", () => {
    it.effect("property: a partitioned registry gives exactly the answers of one partition", () =>
      Effect.gen(function* () {
        const run = Effect.runPromiseWith(yield* Effect.context<never>())
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(
              fc.constantFrom<Registry.Keys>("unique", "duplicate"),
              fc.integer({ min: 2, max: 8 }),
              fc.array(opArbitrary, { minLength: 1, maxLength: 40 }),
              (keys, partitions, ops) =>
                run(
                  withNode(
                    Effect.scoped(
                      Effect.gen(function* () {
                        const program = yield* makeProgram([
                          { keys, partitions: 1 },
                          { keys, partitions }
                        ])
                        yield* Effect.forEach(
                          ops,
                          (op) => Effect.andThen(program.apply(op), program.checkSameAnswers),
                          {
                            discard: true
                          }
                        )
                      })
                    )
                  )
                )
            ),
            { numRuns: 60 }
          )
        )
      })
    )

    it.effect("bad options fail with BadArgument naming the field, and start nothing", () =>
      withNode(
        Effect.gen(function* () {
          const node = yield* Effect.service(Node.Node)
          const spawned = node.stats().spawned
          const bad = (field: string, value: unknown, reason: string) =>
            new Errors.BadArgument({ function: "Registry.start", field, value, reason })
          assert.deepStrictEqual(
            yield* failureOf(Registry.start({ keys: "unique", name: "p", partitions: 0 })),
            bad("partitions", 0, "must be a positive integer")
          )
          assert.deepStrictEqual(
            yield* failureOf(Registry.start({ keys: "many" as never, name: "p" })),
            bad("keys", "many", 'must be "unique" or "duplicate"')
          )
          assert.deepStrictEqual(
            yield* failureOf(Registry.start({ keys: "unique", name: "" })),
            bad("name", "", "must be a non-empty string")
          )
          assert.strictEqual(
            String(bad("partitions", 0, "must be a positive integer")),
            "BadArgument: Registry.start: partitions must be a positive integer, got 0"
          )
          assert.strictEqual(node.stats().spawned, spawned)
        })
      )
    )
  })

  describe("meta", () => {
    it.effect("meta reads the initial metadata and what putMeta stored; keys are structural", () =>
      withNode(
        Effect.gen(function* () {
          const registry = yield* Registry.start({ keys: "unique", name: "m", meta: { owner: "team-a" } })
          assert.deepStrictEqual(yield* Registry.meta(registry, "owner"), Option.some("team-a"))
          assert.deepStrictEqual(yield* Registry.meta(registry, "missing"), Option.none())
          yield* Registry.putMeta(registry, ["tuple", "key"], 42)
          assert.deepStrictEqual(yield* Registry.meta(registry, ["tuple", "key"]), Option.some(42))
          yield* Registry.putMeta(registry, "owner", "team-b")
          assert.deepStrictEqual(yield* Registry.meta(registry, "owner"), Option.some("team-b"))
          const fromEntries = yield* Registry.start({ keys: "duplicate", name: "m2", meta: [[1, "one"]] })
          assert.deepStrictEqual(yield* Registry.meta(fromEntries, 1), Option.some("one"))
        })
      )
    )
  })

  describe("the registry process", () => {
    it.effect("a registry is reachable by name, and its name is unique", () =>
      withNode(
        Effect.gen(function* () {
          yield* Registry.start({ keys: "unique", name: "reg" })
          const taken = yield* failureOf(Registry.start({ keys: "unique", name: "reg" }))
          assert.instanceOf(taken, Errors.AlreadyRegistered)
          const byName = yield* Registry.named<string, number>("reg")
          const probe = yield* testing.startProbe()
          yield* probe.run(Registry.register(byName, "k", 1))
          assert.strictEqual(yield* Registry.count(byName), 1)
          assert.isTrue(Option.isSome(byName.whereis()))
        })
      )
    )

    it.effect("a stopped registry drops its entries; using it is a defect, UnknownRegistry", () =>
      withNode(
        Effect.gen(function* () {
          const registry = yield* Registry.start({ keys: "duplicate", name: "gone" })
          const probe = yield* testing.startProbe()
          yield* probe.run(Registry.register(registry, "k", 1))
          yield* Registry.stop(registry)
          const defect = yield* defectOf(Registry.lookup(registry, "k"))
          assert.instanceOf(defect, Registry.UnknownRegistry)
          assert.strictEqual((defect as Registry.UnknownRegistry).message, 'no registry "gone" is running')
          const byName = yield* Registry.named("gone")
          assert.instanceOf(yield* defectOf(Registry.count(byName)), Registry.UnknownRegistry)
          // the owner no longer carries the registry's exit listener
          yield* Process.kill(probe.pid)
          yield* testing.expectExit(probe.pid, ExitReason.killed)
        })
      )
    )

    it.effect("as a Layer: started when built, stopped when released", () =>
      Effect.gen(function* () {
        const node = yield* Layer.build(Node.layer())
        const run = <A, E>(effect: Effect.Effect<A, E, Node.Node>) => Effect.provide(effect, node)
        yield* run(
          Effect.scoped(
            Effect.gen(function* () {
              yield* Layer.build(Registry.layer({ keys: "unique", name: "layered" }))
              const registry = yield* Registry.named("layered")
              assert.isTrue(Option.isSome(registry.whereis()))
            })
          )
        )
        const registry = yield* run(Registry.named("layered"))
        assert.isTrue(Option.isNone(registry.whereis()))
      })
    )
  })

  describe("via names", () => {
    it.effect(
      "GenServer: a second start under a taken via name fails with AlreadyRegistered; calls go through the name",
      () =>
        withNode(
          Effect.gen(function* () {
            const registry = yield* Registry.start<string, unknown>({ keys: "unique", name: "servers" })
            const name = Registry.via(registry, "counter")
            const first = yield* GenServer.start(Counter, 1, { name })
            const firstPid = Option.getOrThrow(first.whereis())
            const taken = yield* failureOf(GenServer.start(Counter, 2, { name }))
            assert.instanceOf(taken, Errors.AlreadyRegistered)
            assert.isTrue(Pid.equals((taken as Errors.AlreadyRegistered).pid, firstPid))
            assert.strictEqual((taken as Errors.AlreadyRegistered).registeredName, 'Registry.via("servers", "counter")')

            // by reference or by the registry's name: the same entry
            const counter = yield* GenServer.named(Counter, Registry.via("servers", "counter"))
            assert.strictEqual(yield* GenServer.call(counter, new Bump()), 2)
            assert.deepStrictEqual(pidsOf(yield* Registry.lookup(registry, "counter")), [String(firstPid)])

            // the name is freed on exit
            yield* GenServer.stop(first)
            assert.deepStrictEqual(yield* Registry.lookup(registry, "counter"), [])
            const noProc = yield* failureOf(GenServer.call(counter, new Get()))
            assert.instanceOf(noProc, Errors.NoProc)
            assert.strictEqual(
              (noProc as Errors.NoProc).message,
              'no process named "Registry.via("servers", "counter")"'
            )
            yield* GenServer.start(Counter, 10, { name })
            assert.strictEqual(yield* GenServer.call(counter, new Get()), 10)
          })
        )
    )

    it.effect("GenServer under a supervisor: a restarted server registers again and the reference follows it", () =>
      withNode(
        Effect.gen(function* () {
          const name = Registry.via("rooms", "lobby")
          const sup = yield* Supervisor.start({
            strategy: "restForOne",
            children: [
              Registry.childSpec({ keys: "unique", name: "rooms" }),
              GenServer.childSpec("lobby", Counter, 5, { name })
            ]
          })
          const lobby = yield* GenServer.named(Counter, name)
          assert.strictEqual(yield* GenServer.call(lobby, new Bump()), 6)
          const before = Option.getOrThrow(lobby.whereis())

          yield* Process.exit(before, ExitReason.failure("boom"))
          yield* testing.expectExit(before, ExitReason.failure("boom"))
          yield* Supervisor.whichChildren(sup) // served after the supervisor handled the EXIT
          const after = Option.getOrThrow(lobby.whereis())
          assert.isFalse(Pid.equals(before, after))
          assert.strictEqual(yield* GenServer.call(lobby, new Get()), 5)
          const rooms = yield* Registry.named("rooms")
          assert.deepStrictEqual(pidsOf(yield* Registry.lookup(rooms, "lobby")), [String(after)])
        })
      )
    )

    it.effect("Supervisor and DynamicSupervisor take via names too", () =>
      withNode(
        Effect.gen(function* () {
          const registry = yield* Registry.start({ keys: "unique", name: "sups" })
          const name = Registry.via(registry, "top")
          const sup = yield* Supervisor.start({ name, children: [] })
          const taken = yield* failureOf(Supervisor.start({ name, children: [] }))
          assert.instanceOf(taken, Errors.AlreadyRegistered)
          const byName = yield* Supervisor.named(name)
          assert.deepStrictEqual(yield* Supervisor.countChildren(byName), {
            specs: 0,
            active: 0,
            supervisors: 0,
            workers: 0
          })
          yield* Supervisor.stop(sup)
          assert.deepStrictEqual(yield* Registry.lookup(registry, "top"), [])

          const dynamicName = Registry.via(registry, "dynamic")
          yield* DynamicSupervisor.start({ name: dynamicName })
          const dynamic = yield* DynamicSupervisor.named(dynamicName)
          assert.isTrue(Option.isSome(dynamic.whereis()))
          assert.instanceOf(yield* failureOf(DynamicSupervisor.start({ name: dynamicName })), Errors.AlreadyRegistered)
        })
      )
    )

    it.effect("GenStatem takes via names through the same mechanism", () =>
      withNode(
        Effect.gen(function* () {
          const Toggle = GenStatem.behaviour<{ state: "off" | "on"; data: number; cast: "flip" }>()({
            callbackMode: "stateFunctions",
            init: () => Effect.succeed(GenStatem.ok("off", 0)),
            states: {
              off: (event, flips) =>
                Effect.succeed(
                  event._tag === "Cast" ? GenStatem.nextState("on", flips + 1) : GenStatem.keepStateAndData()
                ),
              on: (event, flips) =>
                Effect.succeed(
                  event._tag === "Cast" ? GenStatem.nextState("off", flips + 1) : GenStatem.keepStateAndData()
                )
            }
          })
          const registry = yield* Registry.start({ keys: "unique", name: "machines" })
          const name = Registry.via(registry, "toggle")
          yield* GenStatem.start(Toggle, undefined, { name })
          assert.instanceOf(yield* failureOf(GenStatem.start(Toggle, undefined, { name })), Errors.AlreadyRegistered)
          const toggle = yield* GenStatem.named(Toggle, name)
          const pid = Option.getOrThrow(toggle.whereis())
          assert.deepStrictEqual(pidsOf(yield* Registry.lookup(registry, "toggle")), [String(pid)])
          yield* Process.kill(pid)
          yield* testing.expectExit(pid, ExitReason.killed)
          assert.isTrue(Option.isNone(toggle.whereis()))
        })
      )
    )

    it.effect("a via name in a duplicate or unknown registry is a bug: the start fails with the defect", () =>
      withNode(
        Effect.gen(function* () {
          yield* Registry.start({ keys: "duplicate", name: "dups" })
          const duplicate = yield* failureOf(GenServer.start(Counter, 0, { name: Registry.via("dups", "x") }))
          assert.instanceOf(duplicate, GenServer.InitFailed)
          assert.match(String((duplicate as GenServer.InitFailed).reason), /via names need a registry with unique keys/)
          const unknown = yield* failureOf(GenServer.start(Counter, 0, { name: Registry.via("nowhere", "x") }))
          assert.instanceOf(unknown, GenServer.InitFailed)
          assert.match(String((unknown as GenServer.InitFailed).reason), /no registry "nowhere" is running/)
        })
      )
    )
  })
})

// ---------------------------------------------------------------------------------------------
// Random programs over probes, for the properties
// ---------------------------------------------------------------------------------------------

const keyPool: ReadonlyArray<unknown> = ["a", "b", ["t", 1], { k: 2 }]

type Op =
  | { readonly op: "spawn" }
  | { readonly op: "register"; readonly p: number; readonly key: number; readonly value: number }
  | { readonly op: "unregister"; readonly p: number; readonly key: number }
  | { readonly op: "unregisterMatch"; readonly p: number; readonly key: number; readonly value: number }
  | { readonly op: "exit"; readonly p: number; readonly how: "kill" | "shutdown" | "crash" }

const index = fc.nat({ max: 5 })
const keyIndex = fc.nat({ max: keyPool.length - 1 })
const value = fc.nat({ max: 3 })
const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  fc.constant({ op: "spawn" as const }),
  fc.record({ op: fc.constant("register" as const), p: index, key: keyIndex, value }),
  fc.record({ op: fc.constant("register" as const), p: index, key: keyIndex, value }),
  fc.record({ op: fc.constant("unregister" as const), p: index, key: keyIndex }),
  fc.record({ op: fc.constant("unregisterMatch" as const), p: index, key: keyIndex, value }),
  fc.record({
    op: fc.constant("exit" as const),
    p: index,
    how: fc.constantFrom("kill" as const, "shutdown" as const, "crash" as const)
  })
)

interface ModelEntry {
  readonly p: number
  readonly key: number
  readonly value: number
}

const makeProgram = (configs: ReadonlyArray<{ readonly keys: Registry.Keys; readonly partitions: number }>) =>
  Effect.gen(function* () {
    const registries = yield* Effect.forEach(configs, (config, i) =>
      Registry.start<unknown, number>({ ...config, name: `registry-${i}` })
    )
    const keys = configs[0]!.keys
    const probes: Array<testing.TestProbe> = []
    const alive: Array<boolean> = []
    let model: Array<ModelEntry> = []

    const spawn = Effect.map(testing.startProbe(), (probe) => {
      probes.push(probe)
      alive.push(true)
    })
    yield* spawn
    yield* spawn

    const apply = (op: Op): Effect.Effect<void, unknown, Node.Node | Scope.Scope> =>
      Effect.gen(function* () {
        if (op.op === "spawn") return yield* spawn
        const p = op.p % probes.length
        const probe = probes[p]!
        if (!alive[p]) return
        switch (op.op) {
          case "register": {
            const holder = model.find((e) => e.key === op.key)
            const results = yield* Effect.forEach(registries, (registry) =>
              Effect.exit(probe.run(Registry.register(registry, keyPool[op.key], op.value)))
            )
            const expectConflict = keys === "unique" && holder !== undefined
            for (const [i, exit] of results.entries()) {
              if (expectConflict) {
                const error = Option.getOrThrow(Exit.findErrorOption(exit))
                assert.deepStrictEqual(
                  error,
                  new Errors.AlreadyRegistered({
                    registeredName: String(Registry.via(registries[i]!, keyPool[op.key])),
                    pid: probes[holder.p]!.pid
                  })
                )
              } else {
                assert.isTrue(Exit.isSuccess(exit))
              }
            }
            if (!expectConflict) model.push({ p, key: op.key, value: op.value })
            return
          }
          case "unregister": {
            yield* Effect.forEach(registries, (registry) => probe.run(Registry.unregister(registry, keyPool[op.key])))
            model = model.filter((e) => !(e.p === p && e.key === op.key))
            return
          }
          case "unregisterMatch": {
            yield* Effect.forEach(registries, (registry) =>
              probe.run(Registry.unregisterMatch(registry, keyPool[op.key], (v) => v === op.value))
            )
            model = model.filter((e) => !(e.p === p && e.key === op.key && e.value === op.value))
            return
          }
          case "exit": {
            if (op.how === "kill") yield* Process.kill(probe.pid)
            else
              yield* Process.exit(probe.pid, op.how === "shutdown" ? ExitReason.shutdown : ExitReason.failure("crash"))
            yield* Process.awaitExit(probe.pid)
            alive[p] = false
            model = model.filter((e) => e.p !== p)
            return
          }
        }
      })

    const answersOf = (registry: Registry.Registry<unknown, number>) =>
      Effect.gen(function* () {
        const lookups = yield* Effect.forEach(keyPool, (key) =>
          Effect.map(Registry.lookup(registry, key), (entries) => entries.map(([pid, v]) => [String(pid), v]))
        )
        const matches = yield* Effect.forEach(keyPool, (key) =>
          Effect.map(
            Registry.match(registry, key, (v) => v % 2 === 0),
            (entries) => entries.map(([pid, v]) => [String(pid), v])
          )
        )
        const keysOf = yield* Effect.forEach(probes, (probe) => Registry.keys(registry, probe.pid))
        return { lookups, matches, keysOf, count: yield* Registry.count(registry) }
      })

    /** Every answer agrees with the model, and no entry points at a dead process. */
    const checkAgainstModel = Effect.gen(function* () {
      for (const registry of registries) {
        const answers = yield* answersOf(registry)
        keyPool.forEach((_, k) => {
          const expected = model.filter((e) => e.key === k).map((e) => [String(probes[e.p]!.pid), e.value])
          assert.deepStrictEqual(answers.lookups[k], expected, `lookup of key ${k}`)
        })
        probes.forEach((_, p) => {
          const expected = model.filter((e) => e.p === p).map((e) => keyPool[e.key])
          assert.deepStrictEqual(answers.keysOf[p], expected, `keys of probe ${p}`)
        })
        assert.strictEqual(answers.count, model.length)
        // white box: the tables hold nothing of an exited owner (reads skip such entries anyway,
        // so only the tables show whether the exit listener cleaned up)
        for (const owner of registry.resolve()!.owners.keys()) {
          assert.notStrictEqual(owner.status, "exited", `the tables still hold entries of ${owner.pid}`)
        }
        for (const entries of answers.lookups) {
          for (const [pid] of entries) {
            const i = probes.findIndex((probe) => String(probe.pid) === pid)
            assert.isTrue(alive[i], `an entry points at the dead ${pid}`)
            assert.isTrue(yield* Process.isAlive(probes[i]!.pid))
          }
        }
      }
    })

    /** Every registry gives the same answers, in the same order. */
    const checkSameAnswers = Effect.gen(function* () {
      const [first, ...others] = yield* Effect.forEach(registries, answersOf)
      for (const answers of others) assert.deepStrictEqual(answers, first)
    })

    return { apply, checkAgainstModel, checkSameAnswers }
  })

describe("Registry: a failed start", () => {
  it.effect("the name is taken: AlreadyRegistered with the holder; nothing left, no EXIT, the name the holder's", () =>
    withNode(
      Effect.gen(function* () {
        const holder = yield* Registry.start({ keys: "unique", name: "reg-fail-taken" })
        const holderPid = Option.getOrThrow(holder.whereis())
        const outcome = yield* failedStart(
          Registry.startLink({ keys: "unique", name: "reg-fail-taken" }),
          Effect.andThen(
            Registry.stop(holder),
            Effect.as(Registry.startLink({ keys: "unique", name: "reg-fail-taken" }), "started again")
          )
        )
        assert.deepStrictEqual(outcome, {
          error: new Errors.AlreadyRegistered({ registeredName: "reg-fail-taken", pid: holderPid }),
          left: [],
          retried: "started again",
          mailbox: []
        })
      })
    )
  )
})
