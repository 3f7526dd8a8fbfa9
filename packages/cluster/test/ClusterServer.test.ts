import { assert, describe, expectTypeOf, it } from "@effect/vitest"
import { Cause, type Duration, Effect, Equal, Exit, Fiber, Layer, Logger, Option, References, Schema } from "effect"
import { TestClock } from "effect/testing"
import { Application, Errors, ExitReason, GenServer, Node, Process, Request, Supervisor, Sys } from "effect-otp"
import { ClusterServer } from "@effect-otp/cluster"
import {
  Account,
  Accounts,
  Balance,
  Bonus,
  Crash,
  Credit,
  DeclaredAccounts,
  Deposit,
  Hang,
  inits,
  LazyAccounts,
  Misreply,
  Overdrawn,
  Reset,
  SavedAccounts,
  ThirdAccounts,
  Whoami,
  Withdraw
} from "./fixtures/account.ts"

/** A single in-memory runner with the test entities, on a fresh node. */
const runner = Layer.mergeAll(
  Accounts.layer,
  SavedAccounts.layer,
  LazyAccounts.layer,
  ThirdAccounts.layer,
  DeclaredAccounts.layer
).pipe(Layer.provideMerge(ClusterServer.singleRunnerLayer()), Layer.provideMerge(Node.layer()))

/** Runs a test on the runner, once the runner has taken its shards (its first clock tick). */
const onRunner = <A, E>(test: Effect.Effect<A, E, Layer.Success<typeof runner>>) =>
  Effect.andThen(TestClock.adjust(1), test).pipe(Effect.provide(runner))

const initsOf = (id: string) => inits.filter((entry) => entry === id)

describe("ClusterServer on a single runner", () => {
  it.effect("calls and casts reach one process per entity id, which keeps its state", () =>
    onRunner(
      Effect.gen(function* () {
        const accounts = yield* ClusterServer.client(Accounts)
        assert.strictEqual(yield* accounts("state-a").call(new Deposit({ amount: 10 })), 10)
        assert.strictEqual(yield* accounts("state-a").call(new Deposit({ amount: 5 })), 15)
        assert.strictEqual(yield* accounts("state-b").call(new Deposit({ amount: 1 })), 1)
        yield* accounts("state-a").cast(new Reset())
        // a cast then a call from one caller: handled in that order
        assert.deepStrictEqual(yield* accounts("state-a").call(new Balance()), { balance: 0, osPid: process.pid })
        // a volatile cast then a durable call: in that order too
        yield* accounts("state-a").call(new Deposit({ amount: 1 }))
        yield* accounts("state-a").cast(new Reset())
        assert.strictEqual((yield* accounts("state-a").call(new Credit({ amount: 2 }))).balance, 2)
        assert.deepStrictEqual(initsOf("state-a"), ["state-a"])

        // each entity instance is an effect-otp process, under its local name
        const a = yield* GenServer.whereis(yield* ClusterServer.localServer(Accounts, "state-a"))
        const b = yield* GenServer.whereis(yield* ClusterServer.localServer(Accounts, "state-b"))
        assert.isTrue(Option.isSome(a) && Option.isSome(b))
        assert.isFalse(Equal.equals(a, b))
        const info = yield* Process.info(Option.getOrThrow(a))
        assert.deepStrictEqual(
          Option.map(info, (i) => i.registeredName),
          Option.some(Option.some("cluster:Account/state-a"))
        )
        assert.strictEqual(yield* GenServer.getState(yield* ClusterServer.localServer(Accounts, "state-a")), 2)
      })
    )
  )

  it.effect("Sys works on an entity's process: its status, suspend, replaceState, resume", () =>
    onRunner(
      Effect.gen(function* () {
        const accounts = yield* ClusterServer.client(Accounts)
        yield* accounts("sys").call(new Deposit({ amount: 10 }))
        const server = yield* ClusterServer.localServer(Accounts, "sys")
        const pid = Option.getOrThrow(yield* GenServer.whereis(server))
        const status = yield* Sys.getStatus(server)
        assert.deepStrictEqual(
          [status.pid, status.registeredName, status.behaviour, status.status, status.state],
          [pid, Option.some("cluster:Account/sys"), "GenServer", "running", 10]
        )
        // suspended, the process serves system requests only: the cluster's call waits in its mailbox
        yield* Sys.suspend(server)
        assert.strictEqual((yield* Sys.getStatus(server)).status, "suspended")
        const deposit = yield* Effect.forkChild(accounts("sys").call(new Deposit({ amount: 1 })), {
          startImmediately: true
        })
        assert.strictEqual(yield* Sys.replaceState(server, (balance: number) => balance * 100), 1000)
        yield* Sys.resume(server)
        assert.strictEqual(yield* Fiber.join(deposit), 1001)
        assert.deepStrictEqual(yield* GenServer.whereis(server), Option.some(pid))
      })
    )
  )

  it.effect("a declared error arrives typed, and the entity carries on with its state", () =>
    onRunner(
      Effect.gen(function* () {
        const accounts = yield* ClusterServer.client(Accounts)
        yield* accounts("typed").call(new Deposit({ amount: 10 }))
        const error = yield* Effect.flip(accounts("typed").call(new Withdraw({ amount: 50 })))
        assert.deepStrictEqual(error, new Overdrawn({ balance: 10 }))
        assert.instanceOf(error, Overdrawn)
        assert.strictEqual(yield* accounts("typed").call(new Withdraw({ amount: 4 })), 6)
      })
    )
  )

  it.effect(
    "a reply its Schemas refuse fails the call with Undecodable where it is encoded (a durable request's), is logged, and the entity carries on; a reply handed over in memory is not checked",
    () => {
      const logged: Array<{ level: string; message: unknown }> = []
      const capture = Logger.layer([
        Logger.make((options) => {
          logged.push({ level: options.logLevel, message: options.message })
        })
      ])
      return onRunner(
        Effect.gen(function* () {
          const accounts = yield* ClusterServer.client(Accounts)
          yield* accounts("misreply").call(new Deposit({ amount: 10 }))
          // `Misreply` is durable on `Accounts`: its reply is stored, so encoded with its Schemas
          const success = new ClusterServer.Undecodable({
            entityType: "Account",
            entityId: "misreply",
            request: "Misreply",
            what: "reply",
            reason: "Expected an integer"
          })
          const failure = new ClusterServer.Undecodable({
            entityType: "Account",
            entityId: "misreply",
            request: "Misreply",
            what: "reply",
            reason: 'Expected an integer\n  at ["balance"]'
          })
          assert.deepStrictEqual(
            yield* Effect.exit(accounts("misreply").call(new Misreply({ error: false }))),
            Exit.fail(success)
          )
          assert.deepStrictEqual(
            yield* Effect.exit(accounts("misreply").call(new Misreply({ error: true }))),
            Exit.fail(failure)
          )
          assert.deepStrictEqual(logged, [
            { level: "Warn", message: [success.message] },
            { level: "Warn", message: [failure.message] }
          ])
          // the same process carries on, with its state
          assert.strictEqual(yield* accounts("misreply").call(new Deposit({ amount: 1 })), 11)
          assert.deepStrictEqual(initsOf("misreply"), ["misreply"])
          // volatile on one runner: the reply is handed over in memory, unchecked, as by a local call
          const saved = yield* ClusterServer.client(SavedAccounts)
          assert.strictEqual(yield* saved("misreply").call(new Misreply({ error: false })), 0.5)
        })
      ).pipe(Effect.provide(capture))
    }
  )

  it.effect("a request that fails its Schema is rejected with InvalidRequest, and nothing is sent", () =>
    onRunner(
      Effect.gen(function* () {
        const accounts = yield* ClusterServer.client(Accounts)
        const bad = new Deposit({ amount: 1.5 }, { disableChecks: true })
        const exit = yield* Effect.exit(accounts("invalid").call(bad))
        assert.deepStrictEqual(
          exit,
          Exit.fail(
            new ClusterServer.InvalidRequest({
              entityType: "Account",
              request: "Deposit",
              field: "amount",
              issue: "Expected an integer"
            })
          )
        )
        // a cast too
        assert.deepStrictEqual(
          yield* Effect.exit(accounts("invalid").cast(new Bonus({ amount: 0.5 }, { disableChecks: true }))),
          Exit.fail(
            new ClusterServer.InvalidRequest({
              entityType: "Account",
              request: "Bonus",
              field: "amount",
              issue: "Expected an integer"
            })
          )
        )
        // a class of another protocol, forced through the types
        const stranger = yield* Effect.flip(accounts("invalid").call(new Reset() as never))
        assert.deepStrictEqual(
          stranger,
          new ClusterServer.InvalidRequest({
            entityType: "Account",
            request: "Reset",
            field: "",
            issue: "not a request of this entity's protocol"
          })
        )
        assert.deepStrictEqual(initsOf("invalid"), [])
      })
    )
  )

  it.effect(
    "a crash fails the call with EntityCrashed, logs a crash report, and the next request starts afresh",
    () => {
      const logged: Array<{ level: string; message: unknown; annotations: Record<string, unknown> }> = []
      const capture = Logger.layer([
        Logger.make((options) => {
          const annotations = options.fiber.getRef(References.CurrentLogAnnotations)
          logged.push({ level: options.logLevel, message: options.message, annotations: { ...annotations } })
        })
      ])
      return onRunner(
        Effect.gen(function* () {
          const accounts = yield* ClusterServer.client(Accounts)
          yield* accounts("crash").call(new Deposit({ amount: 10 }))
          const before = yield* GenServer.whereis(yield* ClusterServer.localServer(Accounts, "crash"))
          const error = yield* Effect.flip(accounts("crash").call(new Crash()))
          assert.deepStrictEqual(
            error,
            new ClusterServer.EntityCrashed({
              entityType: "Account",
              entityId: "crash",
              request: "Crash",
              reason: String(ExitReason.failureCause(Cause.die("boom")))
            })
          )
          assert.deepStrictEqual(
            yield* Process.awaitExit(Option.getOrThrow(before)),
            ExitReason.failureCause(Cause.die("boom"))
          )
          // the crash report of a local server: its pid, its local name, its behaviour
          const pid = Option.getOrThrow(before)
          assert.deepStrictEqual(
            logged.filter((entry) => entry.annotations.event === "CRASH"),
            [
              {
                level: "Error",
                message: [`process ${pid} crashed`],
                annotations: {
                  pid: String(pid),
                  name: "cluster:Account/crash",
                  behaviour: "GenServer",
                  event: "CRASH",
                  reason: "Failure"
                }
              }
            ]
          )
          // re-activated on demand: a fresh process, from init
          assert.strictEqual((yield* accounts("crash").call(new Balance())).balance, 0)
          assert.deepStrictEqual(initsOf("crash"), ["crash", "crash"])
        })
      ).pipe(Effect.provide(capture))
    }
  )

  it.effect("with snapshots, the process that replaces a crashed one starts from the last snapshot", () =>
    onRunner(
      Effect.gen(function* () {
        const accounts = yield* ClusterServer.client(SavedAccounts)
        yield* accounts("saved").call(new Deposit({ amount: 10 }))
        yield* accounts("saved").cast(new Reset())
        yield* accounts("saved").call(new Deposit({ amount: 3 }))
        yield* Effect.flip(accounts("saved").call(new Crash()))
        assert.deepStrictEqual(yield* accounts("saved").call(new Balance()), { balance: 3, osPid: process.pid })
        // init ran once: the second process took its state from the snapshot
        assert.deepStrictEqual(initsOf("saved"), ["saved"])
      })
    )
  )

  it.effect(
    "snapshots after each message, or every n: a process killed (no terminate) comes back from the last one written",
    () =>
      onRunner(
        Effect.gen(function* () {
          /** Kills an entity's process, so that its terminate does not run, and waits for its exit. */
          const kill = <Req extends Request.Any, Cast>(server: GenServer.Server<Req, Cast>) =>
            Effect.gen(function* () {
              const pid = Option.getOrThrow(yield* GenServer.whereis(server))
              yield* Process.kill(pid)
              assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.killed)
            })
          // every message: the last answered state is there
          const saved = yield* ClusterServer.client(SavedAccounts)
          yield* saved("each").call(new Deposit({ amount: 10 }))
          yield* saved("each").call(new Deposit({ amount: 5 }))
          yield* kill(yield* ClusterServer.localServer(SavedAccounts, "each"))
          assert.strictEqual((yield* saved("each").call(new Balance())).balance, 15)
          assert.deepStrictEqual(initsOf("each"), ["each"])

          // every 3 messages (counted per entity id, across its processes): the 3rd wrote 7, the 6th 31
          const third = yield* ClusterServer.client(ThirdAccounts)
          for (const amount of [1, 2, 4, 8]) yield* third("third").call(new Deposit({ amount }))
          yield* third("third").cast(new Bonus({ amount: 16 }))
          assert.strictEqual((yield* third("third").call(new Balance())).balance, 31)
          yield* kill(yield* ClusterServer.localServer(ThirdAccounts, "third"))
          assert.strictEqual((yield* third("third").call(new Balance())).balance, 31)
          // the 7th (that Balance) and the 8th wrote nothing: the 8th's 63 is lost with the process
          assert.strictEqual(yield* third("third").call(new Deposit({ amount: 32 })), 63)
          yield* kill(yield* ClusterServer.localServer(ThirdAccounts, "third"))
          assert.strictEqual((yield* third("third").call(new Balance())).balance, 31)
          assert.deepStrictEqual(initsOf("third"), ["third"])

          // `snapshot: {}` with the behaviour's own state Schema
          const declared = yield* ClusterServer.client(DeclaredAccounts)
          yield* declared("declared").call(new Deposit({ amount: 4 }))
          yield* kill(yield* ClusterServer.localServer(DeclaredAccounts, "declared"))
          assert.strictEqual((yield* declared("declared").call(new Balance())).balance, 4)
          assert.deepStrictEqual(initsOf("declared"), ["declared"])
        })
      )
  )

  it.effect("an idle entity is passivated (Shutdown), its state written by terminate and read back", () =>
    onRunner(
      Effect.gen(function* () {
        const accounts = yield* ClusterServer.client(LazyAccounts)
        yield* accounts("lazy").call(new Deposit({ amount: 7 }))
        const pid = Option.getOrThrow(yield* GenServer.whereis(yield* ClusterServer.localServer(LazyAccounts, "lazy")))
        const exited = yield* Effect.forkChild(Process.awaitExit(pid), { startImmediately: true })
        yield* TestClock.adjust("2 minutes")
        assert.deepStrictEqual(yield* Fiber.join(exited), ExitReason.shutdown)
        assert.strictEqual((yield* accounts("lazy").call(new Balance())).balance, 7)
        assert.deepStrictEqual(initsOf("lazy"), ["lazy"])
      })
    )
  )

  it.effect("a handler reads its delivery: durable requests carry an idempotency key", () =>
    onRunner(
      Effect.gen(function* () {
        const accounts = yield* ClusterServer.client(Accounts)
        const first = yield* accounts("keys").call(new Credit({ amount: 1 }))
        const second = yield* accounts("keys").call(new Credit({ amount: 1 }))
        assert.strictEqual(second.balance, 2)
        assert.match(first.key, /^-?\d+$/)
        assert.notStrictEqual(first.key, second.key)
        const volatile = yield* accounts("keys").call(new Whoami())
        assert.isFalse(volatile.persisted)
        // a local call did not come through the cluster
        const local = yield* GenServer.start(Account, "local")
        assert.deepStrictEqual(yield* GenServer.call(local, new Whoami()), { key: "", persisted: false })
      })
    )
  )

  it.effect("a call unanswered within its timeout fails with CallTimeout", () =>
    onRunner(
      Effect.gen(function* () {
        const accounts = yield* ClusterServer.client(Accounts)
        const call = yield* Effect.forkChild(accounts("slow").call(new Hang(), { timeout: "1 second" }), {
          startImmediately: true
        })
        yield* TestClock.adjust("1 second")
        assert.deepStrictEqual(
          yield* Fiber.await(call),
          Exit.fail(
            new ClusterServer.CallTimeout({ entityType: "Account", entityId: "slow", request: "Hang", timeout: 1000 })
          )
        )
      })
    )
  )

  it.effect(
    "one behaviour value, unchanged: supervised in an Application and served as an entity, on the application's node",
    () =>
      Effect.gen(function* () {
        yield* TestClock.adjust(1)
        const root = yield* Application.Root
        const children = yield* Supervisor.whichChildren(root.supervisor)
        assert.deepStrictEqual(
          children.map((child) => [child.id, child.status]),
          [["local-account", "running"]]
        )
        const local = yield* GenServer.named(Account, "local-account")
        const accounts = yield* ClusterServer.client(Accounts)
        // the same requests give the same answers, declared errors included
        const script = [new Deposit({ amount: 10 }), new Withdraw({ amount: 50 }), new Withdraw({ amount: 4 })]
        const answer = <A, E>(call: Effect.Effect<A, E>) =>
          Effect.match(call, { onSuccess: (reply) => ({ reply }), onFailure: (error) => ({ error }) })
        const locally = yield* Effect.forEach(script, (request) => answer(GenServer.call(local, request)))
        const sharded = yield* Effect.forEach(script, (request) => answer(accounts("app").call(request)))
        assert.deepStrictEqual(locally, [{ reply: 10 }, { error: new Overdrawn({ balance: 10 }) }, { reply: 6 }])
        assert.deepStrictEqual<ReadonlyArray<unknown>>(sharded, locally)
        // the entity's process is a process of the application's node, beside the supervised one
        const entity = Option.getOrThrow(yield* GenServer.whereis(yield* ClusterServer.localServer(Accounts, "app")))
        const supervised = Option.getOrThrow(children[0]!.pid)
        assert.deepStrictEqual(
          [entity.node, Option.map(yield* Process.info(entity), (i) => i.registeredName)],
          [supervised.node, Option.some(Option.some("cluster:Account/app"))]
        )
      }).pipe(
        Effect.provide(
          Layer.mergeAll(
            Accounts.layer,
            Application.layer({
              name: "app",
              children: [GenServer.childSpec("local-account", Account, "local", { name: "local-account" })]
            })
          ).pipe(Layer.provideMerge(ClusterServer.singleRunnerLayer()), Layer.provideMerge(Node.layer()))
        )
      )
  )

  it.effect("a call with an invalid timeout fails with BadArgument, as GenServer.call, and sends nothing", () =>
    onRunner(
      Effect.gen(function* () {
        const accounts = yield* ClusterServer.client(Accounts)
        const bad = (value: unknown) =>
          Exit.fail(
            new Errors.BadArgument({
              function: "ClusterServer.call",
              field: "timeout",
              value,
              reason: 'must be a non-negative duration or "infinity"'
            })
          )
        for (const timeout of ["-1 seconds", Number.NaN, -5, "soon"]) {
          const options = { timeout: timeout as Duration.Input }
          const exit = yield* Effect.exit(accounts("bad-timeout").call(new Deposit({ amount: 1 }), options))
          assert.deepStrictEqual(exit, bad(timeout))
        }
        assert.deepStrictEqual(initsOf("bad-timeout"), [])
      })
    )
  )

  it("a client's call and cast have the types of GenServer.call and GenServer.cast", () => {
    // never run: the compiler checks these (tsc -b); each @ts-expect-error fails the build if it compiles
    const server = undefined as unknown as GenServer.Server<Deposit | Withdraw, Reset>
    const client = undefined as unknown as ClusterServer.Client<Deposit | Withdraw, Reset>
    const withdraw = undefined as unknown as Withdraw
    const deposit = undefined as unknown as Deposit
    const local = () => GenServer.call(server, withdraw)
    const remote = () => client.call(withdraw)
    type Local = ReturnType<typeof local>
    type Remote = ReturnType<typeof remote>
    // the same reply and the same declared errors; only the call machinery's errors differ
    expectTypeOf<Effect.Success<Remote>>().toEqualTypeOf<Effect.Success<Local>>()
    expectTypeOf<Exclude<Effect.Error<Remote>, ClusterServer.CallError>>().toEqualTypeOf<
      Exclude<Effect.Error<Local>, GenServer.CallError>
    >()
    expectTypeOf<Remote>().toEqualTypeOf<Effect.Effect<number, Overdrawn | ClusterServer.CallError>>()
    expectTypeOf<ReturnType<typeof client.call<Deposit>>>().toEqualTypeOf<
      Effect.Effect<number, ClusterServer.CallError>
    >()
    // a timeout other than "infinity" adds BadArgument to both
    const localTimed = () => GenServer.call(server, deposit, { timeout: "1 second" })
    const remoteTimed = () => client.call(deposit, { timeout: "1 second" })
    const remoteForever = () => client.call(deposit, { timeout: "infinity" })
    expectTypeOf<Extract<Effect.Error<ReturnType<typeof remoteTimed>>, Errors.BadArgument>>().toEqualTypeOf<
      Extract<Effect.Error<ReturnType<typeof localTimed>>, Errors.BadArgument>
    >()
    expectTypeOf<ReturnType<typeof remoteTimed>>().toEqualTypeOf<
      Effect.Effect<number, ClusterServer.CallError | Errors.BadArgument>
    >()
    expectTypeOf<ReturnType<typeof remoteForever>>().toEqualTypeOf<Effect.Effect<number, ClusterServer.CallError>>()
    // what neither accepts: a request of another protocol, a call as a cast, a cast as a call
    // @ts-expect-error Balance is not a request of this protocol
    void (() => GenServer.call(server, new Balance()))
    // @ts-expect-error Balance is not a request of this protocol
    void (() => client.call(new Balance()))
    // @ts-expect-error a cast is not a call
    void (() => client.call(new Reset()))
    // @ts-expect-error a request is not a cast
    void (() => GenServer.cast(server, deposit))
    // @ts-expect-error a request is not a cast
    void (() => client.cast(deposit))
    expectTypeOf<Parameters<typeof client.cast>[0]>().toEqualTypeOf<Reset>()
    expectTypeOf<ReturnType<typeof client.cast>>().toEqualTypeOf<Effect.Effect<void, ClusterServer.CastError>>()
  })
})

describe("ClusterServer.entity", () => {
  class Ping extends Request.Class<Ping>()("Ping", { success: Schema.String }) {}
  class Other extends Request.Class<Other>()("Ping", {}) {}
  const Pinger = GenServer.behaviour({
    protocol: [Ping],
    init: (_: string) => Effect.succeed(GenServer.ok(undefined)),
    handleCall: { Ping: (_, s) => Effect.succeed(GenServer.reply("pong", s)) }
  })
  const thrown = (f: () => unknown): unknown => {
    try {
      f()
    } catch (error) {
      return error
    }
    assert.fail("it did not throw")
  }

  it("rejects a definition it cannot serve with InvalidEntity", () => {
    assert.deepStrictEqual(
      thrown(() => ClusterServer.entity("", Pinger)),
      new ClusterServer.InvalidEntity({ entityType: "", field: "type", reason: "must be a non-empty string" })
    )
    assert.deepStrictEqual(
      thrown(() => ClusterServer.entity("P", Pinger, { casts: [Other] as never })),
      new ClusterServer.InvalidEntity({ entityType: "P", field: "casts", reason: 'two requests have the tag "Ping"' })
    )
    assert.deepStrictEqual(
      thrown(() => ClusterServer.entity("P", Pinger, { persisted: [Reset] as never })),
      new ClusterServer.InvalidEntity({
        entityType: "P",
        field: "persisted",
        reason: '"Reset" is neither a request of the protocol nor a cast'
      })
    )
    assert.deepStrictEqual(
      thrown(() => ClusterServer.entity("P", Pinger, { snapshot: {} })),
      new ClusterServer.InvalidEntity({
        entityType: "P",
        field: "snapshot.state",
        reason: "is required when the behaviour declares no state Schema (its `state`)"
      })
    )
    assert.deepStrictEqual(
      thrown(() => ClusterServer.entity("P", Pinger, { snapshot: { state: Schema.Undefined, every: 0 } })),
      new ClusterServer.InvalidEntity({
        entityType: "P",
        field: "snapshot.every",
        reason: "must be a positive integer, got 0"
      })
    )
  })
})

describe("runnerLayer", () => {
  const postgres = { host: "127.0.0.1", port: 1, database: "none", username: "none" }
  const refused = (options: ClusterServer.RunnerOptions) =>
    Effect.runPromiseExit(Layer.build(ClusterServer.runnerLayer(options)).pipe(Effect.scoped))
  const bad = (field: string, value: unknown, reason: string) =>
    Exit.fail(new Errors.BadArgument({ function: "ClusterServer.runnerLayer", field, value, reason }))

  // the database on port 1 is never reached: each invalid option fails the layer first
  it("an invalid option is a BadArgument naming it, before anything connects", async () => {
    assert.deepStrictEqual(await refused({ postgres, shards: 0 }), bad("shards", 0, "must be a positive integer"))
    assert.deepStrictEqual(await refused({ postgres, shards: 1.5 }), bad("shards", 1.5, "must be a positive integer"))
    assert.deepStrictEqual(
      await refused({ postgres, address: { host: "", port: 1 } }),
      bad("address", { host: "", port: 1 }, "must be { host, port } with a non-empty host")
    )
    assert.deepStrictEqual(
      await refused({ postgres, listen: { host: "127.0.0.1", port: 70000 } }),
      bad("listen.port", 70000, "must be an integer from 0 to 65535")
    )
    assert.deepStrictEqual(
      await refused({ postgres, serialization: "json" as never }),
      bad("serialization", "json", 'must be "binary" or "ndjson"')
    )
    assert.deepStrictEqual(
      await refused({ postgres: undefined as never }),
      bad("postgres", undefined, "must be the PostgreSQL pool's options")
    )
  })
})
