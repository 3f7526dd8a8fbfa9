/**
 * `otp demo cluster-entities`: a GenServer behaviour served as a sharded entity
 * (`@effect-otp/cluster`) on two runners, with a client calling eight entity ids in rounds. Mid-load,
 * runner a dies; its entities come back on runner b with their state (snapshots), and the calls
 * carry on.
 *
 * - **With PostgreSQL installed** (`initdb`, `pg_ctl`; `Testing.hasPostgres`): a throwaway
 *   PostgreSQL on 127.0.0.1 (`Testing.postgres`), two runner OS processes (`clusterRunner`) and
 *   the client in this process, as separate machines would run. Runner a is killed with SIGKILL
 *   as a round of calls begins (the signal goes before the round's first call, so no call is
 *   half-handled by a: the counts stay exact): its shard locks expire (3 s here, fast settings),
 *   b takes its shards, and the calls waiting for a's entities are answered by b.
 * - **Without** (or with `memory: true`): everything in this one OS process with no database: the
 *   two socket runners and the client-only runner talk over TCP on 127.0.0.1 and share
 *   `effect/cluster`'s in-memory runner and message storage (the `"byo"` storage of
 *   `NodeClusterSocket`); runner a stops gracefully (its layer is released, as on SIGTERM).
 *
 * **Errors**: `PostgresFailed` when the throwaway PostgreSQL does not start, `RunnerFailed` when a
 * runner process exits before it holds shards; a call that fails is printed and counted, not
 * raised.
 *
 * @since 0.2.0
 */
import { fileURLToPath } from "node:url"
import * as NodeClusterSocket from "@effect/platform-node/NodeClusterSocket"
import { ClusterServer, Testing } from "@effect-otp/cluster"
import { Console, Context, Effect, Exit, Fiber, Layer, Logger, Option, Queue, Schema, Scope } from "effect"
import { MessageStorage, RunnerAddress, RunnerStorage, ShardingConfig } from "effect/cluster"
import { GenServer, Node, Request } from "effect-otp"

/**
 * The name of the runner a process runs on (each runner provides its own).
 *
 * @since 0.2.0
 * @category demo
 */
export class RunnerName extends Context.Service<RunnerName, string>()("@effect-otp/cli/ClusterDemo/RunnerName") {}

/**
 * A visit: the entity counts it and says which runner it runs on.
 *
 * @since 0.2.0
 * @category demo
 */
export class Visit extends Request.Class<Visit>()("Visit", {
  success: Schema.Struct({ runner: Schema.String, visits: Schema.Int })
}) {}

/**
 * The behaviour: a visit counter, as it would run under a local Supervisor.
 *
 * @since 0.2.0
 * @category demo
 */
export const Visits = GenServer.behaviour({
  protocol: [Visit],
  state: Schema.Int,
  init: (_id: string) => Effect.succeed(GenServer.ok(0)),
  handleCall: {
    Visit: (_, visits) =>
      Effect.gen(function* () {
        const runner = yield* RunnerName
        return GenServer.reply({ runner, visits: visits + 1 }, visits + 1)
      })
  }
})

/**
 * The entity: the behaviour, with its state snapshotted after each visit (with the behaviour's
 * `state` Schema).
 *
 * @since 0.2.0
 * @category demo
 */
export const Visitors = ClusterServer.entity("Visitor", Visits, { snapshot: {} })

/**
 * A runner process exited before it held any shard.
 *
 * @since 0.2.0
 * @category demo
 */
export class RunnerFailed extends Schema.TaggedError<RunnerFailed>()("RunnerFailed", {
  runner: Schema.String,
  exit: Schema.String,
  /** The end of what it wrote on its stderr. */
  stderr: Schema.String
}) {
  override get message(): string {
    const said = this.stderr.trim()
    return `runner ${this.runner} exited (${this.exit}) before it held any shard${said === "" ? "" : `; it said:\n${said}`}`
  }
}

const shards = 16

/** The runner program, beside this module: the sources in development, the build when installed. */
const runnerFile = fileURLToPath(
  new URL(import.meta.url.endsWith(".ts") ? "./clusterRunner.ts" : "./clusterRunner.js", import.meta.url)
)

// fast settings, so that the handover takes about a second
const shardingConfig = (port?: number): ClusterServer.ShardingOptions => ({
  shardsPerGroup: shards,
  refreshAssignmentsInterval: "200 millis",
  runnerJoinDebounce: "100 millis",
  entityMessagePollInterval: "200 millis",
  sendRetryInterval: "50 millis",
  ...(port === undefined ? {} : { runnerAddress: Option.some(RunnerAddress.make("127.0.0.1", port)) })
})

/**
 * The demo's options: how many rounds of calls, after which round runner a dies, and whether to
 * stay in memory even when PostgreSQL is installed.
 *
 * @since 0.2.0
 * @category demo
 */
export interface Options {
  readonly rounds?: number | undefined
  readonly stopAfter?: number | undefined
  readonly memory?: boolean | undefined
}

const ids = Array.from({ length: 8 }, (_, i) => `visitor-${i}`)

/** One round: a visit to each of the eight ids at once; prints who answered; returns the failures. */
const round = (visitors: (id: string) => ClusterServer.Client<Visit, never>, n: number) =>
  Effect.gen(function* () {
    const replies = yield* Effect.forEach(
      ids,
      (id) => Effect.exit(visitors(id).call(new Visit(), { timeout: "30 seconds" })),
      { concurrency: "unbounded" }
    )
    const on = (name: string) =>
      ids
        .flatMap((id, i) => {
          const reply = replies[i]!
          return Exit.isSuccess(reply) && reply.value.runner === name ? [`${id.slice(8)}:${reply.value.visits}`] : []
        })
        .join(" ")
    const failed = replies.flatMap((reply, i) => (Exit.isFailure(reply) ? [`${ids[i]}: ${reply}`] : []))
    yield* Console.log(`round ${n}   a: ${on("a").padEnd(24)}  b: ${on("b")}`)
    for (const failure of failed) yield* Console.log(`  failed ${failure}`)
    return failed.length
  })

/** The rounds, with `stop` forked when round `stopAfter + 1` begins; prints the summary. */
const rounds = (
  visitors: (id: string) => ClusterServer.Client<Visit, never>,
  options: { readonly rounds: number; readonly stopAfter: number },
  announce: string,
  stop: Effect.Effect<void>
) =>
  Effect.gen(function* () {
    let failures = 0
    for (let n = 1; n <= options.rounds; n++) {
      if (n === options.stopAfter + 1) {
        yield* Console.log(`\n${announce}\n`)
        const stopping = yield* Effect.forkChild(stop, { startImmediately: true })
        failures += yield* round(visitors, n)
        yield* Fiber.join(stopping)
      } else {
        failures += yield* round(visitors, n)
      }
    }
    const calls = options.rounds * ids.length
    yield* Console.log(
      failures === 0
        ? `\nEvery call answered (${calls}); each visitor's count went on where it was.`
        : `\n${failures} of ${calls} calls failed.`
    )
  })

/** Everything in this process, storage in memory; runner a stops gracefully. */
const inMemory = (options: { readonly rounds: number; readonly stopAfter: number }) =>
  Effect.gen(function* () {
    yield* Console.log("Two runners (a, b) and a client in this process, over TCP on 127.0.0.1; storage shared in")
    yield* Console.log("memory (PostgreSQL, with separate machines). Entity `Visitor`: a GenServer counting visits,")
    yield* Console.log("its count snapshotted after each one.\n")

    // what PostgreSQL is to separate machines: the runners' registry, shard locks, messages, snapshots
    const shared = yield* Layer.build(
      Layer.mergeAll(MessageStorage.layerMemory, RunnerStorage.layerMemory, ClusterServer.snapshotsLayerMemory).pipe(
        Layer.provide(ShardingConfig.layer(shardingConfig()))
      )
    )
    const runner = (name: string, port: number) =>
      Visitors.layer.pipe(
        Layer.provide(NodeClusterSocket.layer({ storage: "byo", shardingConfig: shardingConfig(port) })),
        Layer.provide(Node.layer({ name: `${name}@127.0.0.1` })),
        Layer.provide(Layer.succeed(RunnerName, name)),
        Layer.provide(Layer.succeedContext(shared))
      )
    const scopeA = yield* Scope.make()
    yield* Layer.buildWithScope(runner("a", yield* Testing.freePort), scopeA)
    yield* Layer.build(runner("b", yield* Testing.freePort))
    const client = yield* Layer.build(
      NodeClusterSocket.layer({ storage: "byo", clientOnly: true, shardingConfig: shardingConfig() }).pipe(
        Layer.provide(Layer.succeedContext(shared))
      )
    )
    const visitors = yield* ClusterServer.client(Visitors).pipe(Effect.provide(client))
    yield* rounds(
      visitors,
      options,
      "✂  runner a stops, mid-load: its shards go to b, its entities start there from their snapshots",
      Scope.close(scopeA, Exit.void)
    )
  })

/** Two runner OS processes on a throwaway PostgreSQL; runner a is killed with SIGKILL mid-round. */
const onPostgres = (settings: { readonly rounds: number; readonly stopAfter: number }) =>
  Effect.gen(function* () {
    const pg = yield* Testing.postgres
    yield* Console.log(`Two runner processes (a, b) and this client, on a throwaway PostgreSQL (127.0.0.1:${pg.port}),`)
    yield* Console.log("where the runners, the shard locks and the snapshots live. Entity `Visitor`: a GenServer")
    yield* Console.log("counting visits, its count snapshotted after each one.\n")
    const lines = yield* Queue.unbounded<Testing.Line>()
    const start = (name: string) =>
      Effect.flatMap(Testing.freePort, (port) =>
        Testing.startNode(name, lines, runnerFile, [name, String(pg.port), String(port)])
      )
    const [a, b] = yield* Effect.all([start("a"), start("b")], { concurrency: "unbounded" })
    // each runner prints `assigned <n>` when its shards change; `exit <how>` if it dies
    const assigned = new Map<string, number>()
    yield* Testing.waitFor(lines, ({ from, text }) => {
      const [word, value = ""] = text.split(" ")
      if (word === "exit") {
        const stderr = (from === "a" ? a : b).stderr()
        return Effect.fail(new RunnerFailed({ runner: from, exit: value, stderr }))
      }
      if (word === "assigned") assigned.set(from, Number(value))
      const [onA = 0, onB = 0] = [assigned.get("a"), assigned.get("b")]
      return onA > 0 && onB > 0 && onA + onB === shards ? Effect.void : undefined
    }).pipe(Effect.flatten)
    yield* Console.log(
      `runner a: OS pid ${a.process.pid}, ${assigned.get("a")} shards; runner b: OS pid ${b.process.pid}, ${assigned.get("b")} shards\n`
    )
    const client = yield* Layer.build(ClusterServer.runnerLayer(Testing.runnerOptions(pg.port)))
    const visitors = yield* ClusterServer.client(Visitors).pipe(Effect.provide(client))
    yield* rounds(
      visitors,
      settings,
      `✂  kill -9 runner a (OS pid ${a.process.pid}) as round ${settings.stopAfter + 1} begins: once its shard locks expire, b takes its shards\n   and its entities start there from their snapshots; the calls waiting for them are answered by b`,
      Testing.kill9(a)
    )
  })

/**
 * Runs the demo, printing to the `Console`: on PostgreSQL with two runner processes when it is
 * installed (unless `memory: true`), in memory in this process otherwise.
 *
 * @since 0.2.0
 * @category demo
 */
export const run = (options?: Options) => {
  const settings = { rounds: options?.rounds ?? 6, stopAfter: options?.stopAfter ?? 3 }
  return (Testing.hasPostgres && options?.memory !== true ? onPostgres(settings) : inMemory(settings)).pipe(
    Effect.scoped,
    Effect.provide(Logger.layer([]))
  )
}
