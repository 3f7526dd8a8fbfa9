/**
 * The runners: the cluster's services (`Sharding` and what it needs) plus the snapshot store, in
 * memory for one process or on PostgreSQL for several.
 *
 * @internal
 */
import * as NodeClusterSocket from "@effect/platform-node/NodeClusterSocket"
import * as PgClient from "@effect/sql-pg/PgClient"
import type { ConfigError } from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as MessageStorage from "effect/cluster/MessageStorage"
import * as RunnerAddress from "effect/cluster/RunnerAddress"
import * as RunnerHealth from "effect/cluster/RunnerHealth"
import * as Runners from "effect/cluster/Runners"
import * as RunnerStorage from "effect/cluster/RunnerStorage"
import * as Sharding from "effect/cluster/Sharding"
import * as ShardingConfig from "effect/cluster/ShardingConfig"
import type { SocketServerError } from "effect/socket/SocketServer"
import type { MigrationError } from "effect/sql/Migrator"
import type * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { BadArgument } from "effect-otp/Errors"
import * as Snapshots from "./snapshots.ts"

export type ShardingOptions = Partial<ShardingConfig.ShardingConfig["Service"]>

export const singleRunnerLayer = (options?: {
  readonly shards?: number | undefined
  readonly shardingConfig?: ShardingOptions | undefined
}): Layer.Layer<Sharding.Sharding | Snapshots.Snapshots> =>
  Layer.merge(
    Sharding.layer.pipe(
      Layer.provide(Runners.layerNoop),
      Layer.provide(MessageStorage.layerMemory),
      Layer.provide([RunnerStorage.layerMemory, RunnerHealth.layerNoop]),
      Layer.provide(
        ShardingConfig.layer({
          ...options?.shardingConfig,
          ...(options?.shards === undefined ? {} : { shardsPerGroup: options.shards })
        })
      )
    ),
    Snapshots.layerMemory
  )

export interface RunnerOptions {
  readonly postgres: PgClient.PgPoolConfig
  readonly shards?: number | undefined
  readonly address?: { readonly host: string; readonly port: number } | undefined
  readonly listen?: { readonly host: string; readonly port: number } | undefined
  readonly clientOnly?: boolean | undefined
  readonly serialization?: "binary" | "ndjson" | undefined
  readonly shardingConfig?: ShardingOptions | undefined
}

export const runnerLayer = (
  options: RunnerOptions
): Layer.Layer<
  Sharding.Sharding | Snapshots.Snapshots,
  BadArgument | ConfigError | SqlError | MigrationError | SocketServerError
> => {
  const bad = invalidRunnerOption(options)
  return bad === undefined ? runner(options) : Layer.unwrap(Effect.fail(bad))
}

const runner = (
  options: RunnerOptions
): Layer.Layer<
  Sharding.Sharding | Snapshots.Snapshots,
  ConfigError | SqlError | MigrationError | SocketServerError
> => {
  const address = (a: { readonly host: string; readonly port: number } | undefined) =>
    a === undefined ? Option.none() : Option.some(RunnerAddress.make(a.host, a.port))
  const shardingConfig: ShardingOptions = {
    ...options.shardingConfig,
    ...(options.shards === undefined ? {} : { shardsPerGroup: options.shards }),
    ...(options.address === undefined ? {} : { runnerAddress: address(options.address) }),
    ...(options.listen === undefined ? {} : { runnerListenAddress: address(options.listen) })
  }
  const cluster = NodeClusterSocket.layer({
    storage: "sql",
    clientOnly: options.clientOnly ?? false,
    serialization: options.serialization ?? "binary",
    shardingConfig
  }) as Layer.Layer<Sharding.Sharding, ConfigError | SocketServerError, SqlClient.SqlClient>
  return Layer.merge(cluster, Snapshots.layerSql).pipe(Layer.provide(PgClient.layer(options.postgres)))
}

const isPort = (n: unknown): boolean => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 65535

/** The first option of `runnerLayer` that is not valid, as the `BadArgument` naming it. */
const invalidRunnerOption = (options: RunnerOptions): BadArgument | undefined => {
  const fail = (field: string, value: unknown, reason: string) =>
    new BadArgument({ function: "ClusterServer.runnerLayer", field, value, reason })
  if (typeof options !== "object" || options === null) return fail("options", options, "must be an object")
  if (typeof options.postgres !== "object" || options.postgres === null) {
    return fail("postgres", options.postgres, "must be the PostgreSQL pool's options")
  }
  if (options.shards !== undefined && !(Number.isInteger(options.shards) && options.shards > 0)) {
    return fail("shards", options.shards, "must be a positive integer")
  }
  for (const field of ["address", "listen"] as const) {
    const a = options[field]
    if (a === undefined) continue
    if (typeof a !== "object" || a === null || typeof a.host !== "string" || a.host === "") {
      return fail(field, a, "must be { host, port } with a non-empty host")
    }
    if (!isPort(a.port)) return fail(`${field}.port`, a.port, "must be an integer from 0 to 65535")
  }
  if (options.clientOnly !== undefined && typeof options.clientOnly !== "boolean") {
    return fail("clientOnly", options.clientOnly, "must be a boolean")
  }
  if (options.serialization !== undefined && options.serialization !== "binary" && options.serialization !== "ndjson") {
    return fail("serialization", options.serialization, 'must be "binary" or "ndjson"')
  }
  return undefined
}
