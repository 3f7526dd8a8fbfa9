/**
 * What a call through the cluster costs (`@effect-otp/cluster`), beside a local `GenServer.call`:
 * the same behaviour, N sequential calls to one entity, reported per call.
 *
 * - local: `GenServer.call` to the behaviour started on the node;
 * - one runner: `ClusterServer.client(entity)(id).call` on `singleRunnerLayer` (in memory, no
 *   network; the cluster still serializes each message, `simulateRemoteSerialization`);
 * - two runners over loopback: two socket runners and a client-only runner in this process, with
 *   their runner and message storage shared in memory (`effect/cluster`'s `layerMemory`, the
 *   `"byo"` storage of `NodeClusterSocket`), so no database; the calls go over TCP on 127.0.0.1 to
 *   whichever runner holds the entity's shard.
 *
 * Run by `npm run bench` (after the scenarios; `--no-cluster` skips it), or alone.
 *
 * usage: npx node bench/cluster.ts [--quick] [--json <file>]
 */
import * as NodeClusterSocket from "@effect/platform-node/NodeClusterSocket"
import { Effect, Layer, Logger, Option, Schema } from "effect"
import { MessageStorage, RunnerAddress, RunnerStorage, ShardingConfig } from "effect/cluster"
import { GenServer, Node, Request } from "effect-otp"
import { ClusterServer, Testing } from "@effect-otp/cluster"
import { writeFileSync } from "node:fs"

class Add extends Request.Class<Add>()("Add", { fields: { n: Schema.Int }, success: Schema.Int }) {}

const Counter = GenServer.behaviour({
  protocol: [Add],
  init: (_id: string) => Effect.succeed(GenServer.ok(0)),
  handleCall: { Add: ({ n }, count) => Effect.succeed(GenServer.reply(count + n, count + n)) }
})
const Counters = ClusterServer.entity("Counter", Counter)

const quick = process.argv.includes("--quick")
const jsonAt = process.argv.indexOf("--json")
const json = jsonAt === -1 ? undefined : process.argv[jsonAt + 1]
const calls = quick ? 500 : 2_000
const repetitions = quick ? 3 : 7

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/**
 * µs per call of `call` run `n` times in sequence (default `calls`), the median of the repetitions
 * after a warm-up.
 */
const measure = (call: Effect.Effect<unknown, unknown>, n = calls) =>
  Effect.gen(function* () {
    const once = Effect.gen(function* () {
      const t0 = performance.now()
      for (let i = 0; i < n; i++) yield* call
      return ((performance.now() - t0) * 1000) / n
    })
    yield* once
    const samples: Array<number> = []
    for (let r = 0; r < repetitions; r++) samples.push(yield* once)
    return median(samples)
  })

const local = Effect.gen(function* () {
  const server = yield* GenServer.start(Counter, "local")
  // a hundred times the calls: a local call is that much cheaper, and 2,000 of them are over before
  // the JIT has warmed (4 µs per call at 2,000, 1.1 µs at 20,000 and 200,000, on a quiet machine)
  return yield* measure(GenServer.call(server, new Add({ n: 1 })), calls * 100)
}).pipe(Effect.provide(Node.layer()))

const oneRunner = Effect.gen(function* () {
  const counters = yield* ClusterServer.client(Counters)
  return yield* measure(counters("one").call(new Add({ n: 1 })))
}).pipe(
  Effect.provide(
    Counters.layer.pipe(Layer.provideMerge(ClusterServer.singleRunnerLayer()), Layer.provide(Node.layer()))
  )
)

const shardingConfig = (port?: number) => ({
  shardsPerGroup: 16,
  ...(port === undefined ? {} : { runnerAddress: Option.some(RunnerAddress.make("127.0.0.1", port)) })
})

const twoRunners = Effect.gen(function* () {
  // one storage for the three: what PostgreSQL is to separate processes
  const storage = yield* Layer.build(
    Layer.mergeAll(MessageStorage.layerMemory, RunnerStorage.layerMemory).pipe(
      Layer.provide(ShardingConfig.layer(shardingConfig()))
    )
  )
  const runner = (port: number) =>
    Counters.layer.pipe(
      Layer.provide(ClusterServer.snapshotsLayerMemory),
      Layer.provide(NodeClusterSocket.layer({ storage: "byo", shardingConfig: shardingConfig(port) })),
      Layer.provide(Node.layer()),
      Layer.provide(Layer.succeedContext(storage))
    )
  yield* Layer.build(runner(yield* Testing.freePort))
  yield* Layer.build(runner(yield* Testing.freePort))
  const client = yield* Layer.build(
    NodeClusterSocket.layer({ storage: "byo", clientOnly: true, shardingConfig: shardingConfig() }).pipe(
      Layer.provide(Layer.succeedContext(storage))
    )
  )
  const counters = yield* ClusterServer.client(Counters).pipe(Effect.provide(client))
  // the first call waits until the runners hold their shards
  yield* counters("two").call(new Add({ n: 0 }), { timeout: "30 seconds" })
  return yield* measure(counters("two").call(new Add({ n: 1 })))
}).pipe(Effect.scoped, Effect.provide(Logger.layer([])))

const program = Effect.gen(function* () {
  const results = {
    "local GenServer.call": yield* local,
    "entity call, one runner (in memory)": yield* oneRunner,
    "entity call, two runners over loopback": yield* twoRunners
  }
  const base = results["local GenServer.call"]
  console.log(
    `cluster call round trip (${calls} sequential calls, ${calls * 100} local ones, median of ${repetitions})`
  )
  for (const [name, us] of Object.entries(results)) {
    console.log(
      `  ${name.padEnd(42)} ${us.toFixed(1).padStart(9)} µs/call  ${(us / base).toFixed(0).padStart(6)}x local`
    )
  }
  if (json !== undefined) {
    const entries = Object.entries(results).map(([name, us]) => [name, { usPerCall: us, toLocal: us / base }])
    writeFileSync(json, `${JSON.stringify({ calls, repetitions, results: Object.fromEntries(entries) }, null, 2)}\n`)
  }
})

Effect.runPromise(program).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
