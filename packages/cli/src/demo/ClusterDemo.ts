/**
 * `otp demo cluster-entities`: a GenServer behaviour served as a sharded entity
 * (`@effect-otp/cluster`) on two runners, with a client calling eight entity ids in rounds. Mid-load,
 * runner a stops; its entities come back on runner b with their state (snapshots), and the calls
 * carry on.
 *
 * Everything runs in this one OS process, with no database: the two socket runners and the
 * client-only runner talk over TCP on 127.0.0.1 and share `effect/cluster`'s in-memory runner and
 * message storage (the `"byo"` storage of `NodeClusterSocket`), where separate machines would
 * share PostgreSQL (`ClusterServer.runnerLayer`). A runner here stops gracefully (its layer is
 * released, as on SIGTERM); the package's tests kill runner processes with SIGKILL against a real
 * PostgreSQL.
 *
 * @since 0.2.0
 */
import * as NodeClusterSocket from "@effect/platform-node/NodeClusterSocket"
import { ClusterServer } from "@effect-otp/cluster"
import { Console, Context, Effect, Exit, Fiber, Layer, Logger, Option, Schema, Scope } from "effect"
import { MessageStorage, RunnerAddress, RunnerStorage, ShardingConfig } from "effect/cluster"
import { GenServer, Node, Request } from "effect-otp"
import { createServer } from "node:net"

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
 * The entity: the behaviour, with its state snapshotted after each visit.
 *
 * @since 0.2.0
 * @category demo
 */
export const Visitors = ClusterServer.entity("Visitor", Visits, { snapshot: { state: Schema.Int } })

const freePort = Effect.callback<number>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    server.close(() => resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0)))
  })
})

// fast settings, so that the handover takes about a second
const shardingConfig = (port?: number): ClusterServer.ShardingOptions => ({
  shardsPerGroup: 16,
  refreshAssignmentsInterval: "200 millis",
  runnerJoinDebounce: "100 millis",
  entityMessagePollInterval: "200 millis",
  sendRetryInterval: "50 millis",
  ...(port === undefined ? {} : { runnerAddress: Option.some(RunnerAddress.make("127.0.0.1", port)) })
})

/**
 * The demo's options: how many rounds of calls, and after which round runner a stops.
 *
 * @since 0.2.0
 * @category demo
 */
export interface Options {
  readonly rounds?: number | undefined
  readonly stopAfter?: number | undefined
}

/**
 * Runs the demo, printing to the `Console`.
 *
 * @since 0.2.0
 * @category demo
 */
export const run = (options?: Options) =>
  Effect.gen(function* () {
    const rounds = options?.rounds ?? 6
    const stopAfter = options?.stopAfter ?? 3
    const ids = Array.from({ length: 8 }, (_, i) => `visitor-${i}`)
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
    yield* Layer.buildWithScope(runner("a", yield* freePort), scopeA)
    yield* Layer.build(runner("b", yield* freePort))
    const client = yield* Layer.build(
      NodeClusterSocket.layer({ storage: "byo", clientOnly: true, shardingConfig: shardingConfig() }).pipe(
        Layer.provide(Layer.succeedContext(shared))
      )
    )
    const visitors = yield* ClusterServer.client(Visitors).pipe(Effect.provide(client))

    const round = (n: number) =>
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
              return Exit.isSuccess(reply) && reply.value.runner === name
                ? [`${id.slice(8)}:${reply.value.visits}`]
                : []
            })
            .join(" ")
        const failed = replies.flatMap((reply, i) => (Exit.isFailure(reply) ? [`${ids[i]}: ${reply}`] : []))
        yield* Console.log(`round ${n}   a: ${on("a").padEnd(24)}  b: ${on("b")}`)
        for (const failure of failed) yield* Console.log(`  failed ${failure}`)
        return failed.length
      })

    let failures = 0
    for (let n = 1; n <= rounds; n++) {
      if (n === stopAfter + 1) {
        yield* Console.log(
          "\n✂  runner a stops, mid-load: its shards go to b, its entities start there from their snapshots\n"
        )
        const stopping = yield* Effect.forkChild(Scope.close(scopeA, Exit.void), { startImmediately: true })
        failures += yield* round(n)
        yield* Fiber.join(stopping)
      } else {
        failures += yield* round(n)
      }
    }
    yield* Console.log(
      failures === 0
        ? `\nEvery call answered (${rounds * ids.length}); each visitor's count went on where it was.`
        : `\n${failures} of ${rounds * ids.length} calls failed.`
    )
  }).pipe(Effect.scoped, Effect.provide(Logger.layer([])))
