import { assert, describe, it } from "@effect/vitest"
import * as PgClient from "@effect/sql-pg/PgClient"
import { Cause, Effect, Exit, Fiber, Layer, Queue } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { ExitReason } from "effect-otp"
import { ClusterServer } from "@effect-otp/cluster"
import {
  Accounts,
  Balance,
  Bonus,
  Crash,
  Credit,
  Deposit,
  LazyAccounts,
  Misreply,
  Overdrawn,
  SavedAccounts,
  Stall,
  Withdraw
} from "./fixtures/account.ts"
import {
  type Child,
  freePort,
  hasPostgres,
  kill9,
  type Line,
  postgres,
  runnerOptions,
  startNode
} from "@effect-otp/cluster/Testing"

/** Skip the PostgreSQL tests only outside CI when PostgreSQL is missing. */
const skipWithoutPostgres = !hasPostgres && process.env.CI === undefined

const runnerFile = new URL("./fixtures/runner.ts", import.meta.url).pathname
const shards = 16

/**
 * What the runners have said so far: which are ready (with their OS pid) and how many shards each
 * is assigned. `until` takes their lines until a condition on it holds: nothing is polled. A
 * runner that exits when the test did not kill it (with `kill`) fails the wait at once, with its
 * exit code, instead of leaving it to the test's timeout.
 */
const makeView = (lines: Queue.Queue<Line>) => {
  const ready = new Map<string, number>()
  const assigned = new Map<string, number>()
  const stalled: Array<string> = []
  const bonuses: Array<number> = []
  const killed = new Set<string>()
  const until = (holds: () => boolean): Effect.Effect<void> =>
    holds()
      ? Effect.void
      : Effect.flatMap(Queue.take(lines), ({ from, text }) => {
          const [word, value] = text.split(" ")
          if (word === "exit" && !killed.has(from)) {
            return Effect.die(`runner ${from} exited on its own (${value}): ${started.get(from)?.stderr()}`)
          }
          if (word === "ready") ready.set(from, Number(value))
          if (word === "assigned") assigned.set(from, Number(value))
          if (word === "stalled") stalled.push(value!)
          if (word === "bonus") bonuses.push(Number(value))
          return until(holds)
        })
  const started = new Map<string, Child>()
  const add = (runner: Child) => started.set(runner.name, runner).get(runner.name)!
  const kill = (runner: Child) =>
    Effect.andThen(
      Effect.sync(() => killed.add(runner.name)),
      kill9(runner)
    )
  /** The shards are split between exactly these runners, each holding some. */
  const split =
    (...runners: ReadonlyArray<Child>) =>
    () => {
      let total = 0
      for (const runner of runners) {
        const n = assigned.get(runner.name) ?? 0
        if (n === 0) return false
        total += n
      }
      return total === shards
    }
  /** SIGTERM: the runner (an Application) stops gracefully; waits until it has exited. */
  const terminate = (runner: Child) =>
    Effect.callback<void>((resume) => {
      killed.add(runner.name)
      runner.process.once("close", () => resume(Effect.void))
      runner.process.kill("SIGTERM")
    })
  return { ready, assigned, stalled, bonuses, until, split, kill, terminate, add }
}

describe.skipIf(skipWithoutPostgres)("ClusterServer on PostgreSQL, with two runner processes", () => {
  it.live(
    "calls spread over both runners; typed errors cross; a killed runner's entities move with their snapshots; durable requests are redelivered with their key, and wait for a runner",
    () =>
      Effect.gen(function* () {
        const pg = yield* postgres
        const lines = yield* Queue.unbounded<Line>()
        const view = makeView(lines)
        // a and b never answer a Stall request; c does
        const start = (name: string, stall: boolean) =>
          Effect.flatMap(freePort, (port) =>
            startNode(name, lines, runnerFile, [String(pg.port), String(port)], { STALL: stall ? "1" : "0" })
          ).pipe(Effect.map(view.add))
        const [a, b] = yield* Effect.all([start("a", true), start("b", true)], { concurrency: "unbounded" })
        yield* view.until(view.split(a, b))
        const client = yield* Layer.build(ClusterServer.runnerLayer(runnerOptions(pg.port)))
        const accounts = yield* ClusterServer.client(Accounts).pipe(Effect.provide(client))
        const saved = yield* ClusterServer.client(SavedAccounts).pipe(Effect.provide(client))
        const patient = { timeout: "30 seconds" } as const

        // 1. calls to many entity ids are spread over both runners
        const ids = Array.from({ length: 20 }, (_, i) => `id-${i}`)
        const homes = yield* Effect.forEach(ids, (id) => saved(id).call(new Balance(), patient), {
          concurrency: "unbounded"
        })
        assert.deepStrictEqual(
          new Set(homes.map((home) => home.osPid)),
          new Set([a.process.pid, b.process.pid]),
          "both runners serve entities"
        )
        const onA = ids.filter((_, i) => homes[i]!.osPid === a.process.pid)

        // 2. typed errors across the wire: declared, a crash; a request that fails its Schema; a
        // reply that its Schemas refuse (it does not encode on the runner), after which the entity
        // carries on with its state
        yield* saved("id-0").call(new Deposit({ amount: 10 }), patient)
        const undecodable = (reason: string) =>
          Exit.fail(
            new ClusterServer.Undecodable({
              entityType: "SavedAccount",
              entityId: "id-0",
              request: "Misreply",
              what: "reply",
              reason
            })
          )
        assert.deepStrictEqual(
          yield* Effect.exit(saved("id-0").call(new Misreply({ error: false }), patient)),
          undecodable("Expected an integer")
        )
        assert.deepStrictEqual(
          yield* Effect.exit(saved("id-0").call(new Misreply({ error: true }), patient)),
          undecodable('Expected an integer\n  at ["balance"]')
        )
        const overdrawn = yield* Effect.flip(saved("id-0").call(new Withdraw({ amount: 50 }), patient))
        assert.deepStrictEqual(overdrawn, new Overdrawn({ balance: 10 }))
        assert.instanceOf(overdrawn, Overdrawn, "decoded into the request's failure class")
        assert.deepStrictEqual(
          yield* Effect.exit(accounts("crashing").call(new Crash(), patient)),
          Exit.fail(
            new ClusterServer.EntityCrashed({
              entityType: "Account",
              entityId: "crashing",
              request: "Crash",
              reason: String(ExitReason.failureCause(Cause.die("boom")))
            })
          )
        )
        assert.deepStrictEqual(
          yield* Effect.exit(saved("id-0").call(new Deposit({ amount: 0.5 }, { disableChecks: true }))),
          Exit.fail(
            new ClusterServer.InvalidRequest({
              entityType: "SavedAccount",
              request: "Deposit",
              field: "amount",
              issue: "Expected an integer"
            })
          )
        )

        // 3. kill -9 of runner a: its entities answer from b, with their snapshotted state
        yield* Effect.forEach(onA, (id) => saved(id).call(new Deposit({ amount: 5 }), patient))
        const killed = Date.now()
        yield* view.kill(a)
        const afterKill = yield* Effect.forEach(onA, (id) => saved(id).call(new Balance(), patient), {
          concurrency: "unbounded"
        })
        const failover = Date.now() - killed
        assert.deepStrictEqual(
          afterKill,
          onA.map((id) => ({ balance: id === "id-0" ? 15 : 5, osPid: b.process.pid }))
        )
        assert.isBelow(failover, 15_000, `failover took ${failover} ms`)

        // 4. at least once: a durable call whose runner dies in the handler is delivered again,
        // with the same idempotency key
        const stalling = yield* Effect.forkChild(saved("stalling").call(new Stall(), { timeout: "infinity" }), {
          startImmediately: true
        })
        yield* view.until(() => view.stalled.length > 0)
        yield* view.kill(b)

        // 5. a durable cast sent while no runner is up is stored, and delivered once one is back
        const [target] = onA
        yield* saved(target!).cast(new Bonus({ amount: 7 }))
        const c = yield* start("c", false)
        assert.deepStrictEqual(yield* Fiber.join(stalling), { key: view.stalled[0]!, osPid: c.process.pid })
        // c handles the cast (it prints `bonus 7`); a durable cast is not ordered before what follows
        // it, so the call that reads its effect waits for that
        yield* view.until(() => view.bonuses.length > 0)
        assert.deepStrictEqual(view.bonuses, [7])
        const credited = yield* saved(target!).call(new Credit({ amount: 1 }), patient)
        assert.deepStrictEqual(
          { balance: credited.balance, osPid: credited.osPid },
          { balance: (target === "id-0" ? 15 : 5) + 7 + 1, osPid: c.process.pid }
        )
      }).pipe(Effect.scoped),
    90_000
  )

  it.live(
    "a runner that joins takes over shards, their entities starting there from the snapshot terminate wrote; a runner stopped by SIGTERM hands its entities over with their state",
    () =>
      Effect.gen(function* () {
        const pg = yield* postgres
        const lines = yield* Queue.unbounded<Line>()
        const view = makeView(lines)
        const start = (name: string) =>
          Effect.flatMap(freePort, (port) => startNode(name, lines, runnerFile, [String(pg.port), String(port)])).pipe(
            Effect.map(view.add)
          )
        const a = yield* start("a")
        yield* view.until(() => view.assigned.get("a") === shards)
        const client = yield* Layer.build(ClusterServer.runnerLayer(runnerOptions(pg.port)))
        // snapshots every 1000 messages: only a process that terminates writes its state
        const lazy = yield* ClusterServer.client(LazyAccounts).pipe(Effect.provide(client))
        const patient = { timeout: "30 seconds" } as const
        const ids = Array.from({ length: 20 }, (_, i) => `lazy-${i}`)
        yield* Effect.forEach(ids, (id, i) => lazy(id).call(new Deposit({ amount: i + 1 }), patient), {
          concurrency: "unbounded"
        })
        /** Each entity has its balance, and exactly `runners` serve them. */
        const balances = (runners: ReadonlyArray<Child>) =>
          Effect.gen(function* () {
            const homes = yield* Effect.forEach(ids, (id) => lazy(id).call(new Balance(), patient), {
              concurrency: "unbounded"
            })
            assert.deepStrictEqual(
              homes.map((home) => home.balance),
              ids.map((_, i) => i + 1)
            )
            assert.deepStrictEqual(
              new Set(homes.map((home) => home.osPid)),
              new Set(runners.map((runner) => runner.process.pid)),
              "who serves them"
            )
          })
        yield* balances([a])

        // b joins: the shards are rebalanced, the entities of those that move stop on a (Shutdown:
        // terminate writes their state) and start on b from it
        const b = yield* start("b")
        yield* view.until(view.split(a, b))
        yield* balances([a, b])

        // SIGTERM: runner a, an Application, stops gracefully and b takes all its entities over
        yield* view.terminate(a)
        yield* view.until(() => view.assigned.get("b") === shards)
        yield* balances([b])
      }).pipe(Effect.scoped),
    90_000
  )

  it.live(
    "runners that start together on a new database all start: the snapshots table is created once",
    () =>
      Effect.gen(function* () {
        const pg = yield* postgres
        const layer = ClusterServer.snapshotsLayerSql.pipe(Layer.provide(PgClient.layer(pg.options)))
        const sql = yield* Effect.provide(SqlClient, yield* Layer.build(PgClient.layer(pg.options)))
        // four runners' connections at once, on a database without the table, five times: a bare
        // CREATE TABLE IF NOT EXISTS failed at least one of the four in most rounds
        for (let round = 0; round < 5; round++) {
          const exits = yield* Effect.forEach(
            [1, 2, 3, 4],
            () => Effect.exit(Effect.scoped(Effect.asVoid(Layer.build(layer)))),
            { concurrency: "unbounded" }
          )
          assert.deepStrictEqual(exits, [Exit.void, Exit.void, Exit.void, Exit.void])
          yield* sql`DROP TABLE effect_otp_snapshots, effect_otp_snapshots_migrations`
        }
      }).pipe(Effect.scoped),
    60_000
  )
})
