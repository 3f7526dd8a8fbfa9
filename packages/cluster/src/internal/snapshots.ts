/**
 * Where entity state snapshots live: one row per (entity type, entity id), the state encoded as
 * JSON text with the entity's state Schema. In memory for the single runner, in PostgreSQL (the
 * cluster's own database) for real runners.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Migrator from "effect/sql/Migrator"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"

export interface SnapshotsApi {
  readonly load: (entityType: string, entityId: string) => Effect.Effect<Option.Option<string>, SqlError>
  readonly save: (entityType: string, entityId: string, state: string) => Effect.Effect<void, SqlError>
}

export class Snapshots extends Context.Service<Snapshots, SnapshotsApi>()("@effect-otp/cluster/Snapshots") {}

export const makeMemory = (): SnapshotsApi => {
  const rows = new Map<string, string>()
  const key = (entityType: string, entityId: string) => `${entityType}\u0000${entityId}`
  return {
    load: (entityType, entityId) => Effect.sync(() => Option.fromUndefinedOr(rows.get(key(entityType, entityId)))),
    save: (entityType, entityId, state) => Effect.sync(() => void rows.set(key(entityType, entityId), state))
  }
}

export const layerMemory: Layer.Layer<Snapshots> = Layer.sync(Snapshots, makeMemory)

/**
 * The table's migrations, run by `effect/sql`'s `Migrator` (history in
 * `effect_otp_snapshots_migrations`): it serialises runners that start together on a new database,
 * where a bare `CREATE TABLE IF NOT EXISTS` run by two of them at once fails one with a unique
 * violation on PostgreSQL's catalog.
 */
const migrations = Migrator.fromRecord({
  "0001_create_snapshots": Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE TABLE IF NOT EXISTS effect_otp_snapshots (
      entity_type TEXT NOT NULL,
      entity_id TEXT NOT NULL,
      state TEXT NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      PRIMARY KEY (entity_type, entity_id)
    )`
  })
})

/** The table is created at start if it is missing (PostgreSQL syntax). */
export const layerSql: Layer.Layer<Snapshots, SqlError | Migrator.MigrationError, SqlClient.SqlClient> = Layer.effect(
  Snapshots,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* Migrator.make({})({ loader: migrations, table: "effect_otp_snapshots_migrations" })
    return {
      load: (entityType, entityId) =>
        Effect.map(
          sql<{ readonly state: string }>`SELECT state FROM effect_otp_snapshots
            WHERE entity_type = ${entityType} AND entity_id = ${entityId}`,
          (rows) => Option.fromUndefinedOr(rows[0]?.state)
        ),
      save: (entityType, entityId, state) =>
        Effect.asVoid(
          sql`INSERT INTO effect_otp_snapshots (entity_type, entity_id, state)
            VALUES (${entityType}, ${entityId}, ${state})
            ON CONFLICT (entity_type, entity_id) DO UPDATE SET state = EXCLUDED.state, updated_at = now()`
        )
    }
  })
)
