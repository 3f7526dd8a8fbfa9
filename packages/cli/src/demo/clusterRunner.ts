/**
 * A runner process of `otp demo cluster-entities` on PostgreSQL: hosts the `Visitor` entity and
 * prints `assigned <n>` each time its shard assignment changes (`Testing.announcements`); the
 * demo starts two and kills one with SIGKILL.
 *
 * usage: node clusterRunner.js <name> <postgres port> <runner port>
 *
 * @since 0.2.0
 */
import { NodeRuntime } from "@effect/platform-node"
import { ClusterServer, Testing } from "@effect-otp/cluster"
import { Layer } from "effect"
import { Node } from "effect-otp"
import { RunnerName, Visitors } from "./ClusterDemo.ts"

const [name = "runner", postgresPort, runnerPort] = process.argv.slice(2)

Visitors.layer.pipe(
  Layer.provide(
    ClusterServer.runnerLayer(
      Testing.runnerOptions(Number(postgresPort), { host: "127.0.0.1", port: Number(runnerPort) })
    )
  ),
  Layer.provide(Node.layer({ name: `${name}@127.0.0.1` })),
  Layer.provide(Layer.succeed(RunnerName, name)),
  Layer.provide(Testing.announcements),
  Layer.launch,
  NodeRuntime.runMain
)
