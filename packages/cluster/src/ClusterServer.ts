/**
 * ClusterServer: a GenServer behaviour served as a sharded entity of `effect/cluster`.
 *
 * When one machine is not enough, `effect/cluster` spreads *entities* (virtual actors addressed by a
 * type and an id) over *runners*: each entity id hashes to a shard, each shard is held by one runner
 * at a time (a lock in PostgreSQL), and a runner that dies loses its shards to the others. This
 * module gives effect-otp's typed servers a home on it: {@link entity} turns a `GenServer.behaviour`
 * whose protocol is `Request.Class` requests into an entity (one RPC per request, its success and
 * error Schemas kept), and {@link client} gives, for an entity id, a client whose `call` and `cast`
 * have the types of `GenServer.call` and `GenServer.cast`. The behaviour is unchanged: the same value
 * runs locally under a Supervisor or sharded here.
 *
 * ## Example
 *
 * ```ts
 * import { Effect, Layer, Schema } from "effect"
 * import { GenServer, Node, Request } from "effect-otp"
 * import { ClusterServer } from "@effect-otp/cluster"
 *
 * class Deposit extends Request.Class<Deposit>()("Deposit", {
 *   fields: { amount: Schema.Int },
 *   success: Schema.Int
 * }) {}
 * class Overdrawn extends Schema.TaggedError<Overdrawn>()("Overdrawn", { balance: Schema.Int }) {}
 * class Withdraw extends Request.Class<Withdraw>()("Withdraw", {
 *   fields: { amount: Schema.Int },
 *   success: Schema.Int,
 *   failure: Overdrawn
 * }) {}
 *
 * const Account = GenServer.behaviour({
 *   protocol: [Deposit, Withdraw],
 *   state: Schema.Int, // the state's Schema: for snapshots (and code changes)
 *   init: (_id: string) => Effect.succeed(GenServer.ok(0)),
 *   handleCall: {
 *     Deposit: ({ amount }, balance) => Effect.succeed(GenServer.reply(balance + amount, balance + amount)),
 *     Withdraw: ({ amount }, balance) =>
 *       amount > balance
 *         ? Effect.fail(new Overdrawn({ balance }))
 *         : Effect.succeed(GenServer.reply(balance - amount, balance - amount))
 *   }
 * })
 *
 * const Accounts = ClusterServer.entity("Account", Account, {
 *   snapshot: {} // the balance survives a move to another runner
 * })
 *
 * const program = Effect.gen(function* () {
 *   const accounts = yield* ClusterServer.client(Accounts)
 *   yield* accounts("alice").call(new Deposit({ amount: 10 })) // 10: number
 *   return yield* accounts("alice").call(new Withdraw({ amount: 50 })).pipe(
 *     Effect.catchTag("Overdrawn", (e) => Effect.succeed(e.balance)) // the declared error, typed
 *   )
 * })
 *
 * // one process, in memory; ClusterServer.runnerLayer({ postgres, ... }) for real runners
 * const Runner = Accounts.layer.pipe(Layer.provideMerge(ClusterServer.singleRunnerLayer()), Layer.provide(Node.layer()))
 * Effect.runPromise(program.pipe(Effect.provide(Runner)))
 * ```
 *
 * ## What runs where
 *
 * - **Each entity instance is an effect-otp process** of its runner's node: the behaviour started
 *   with `GenServer.start` under the local name `cluster:<type>/<id>` ({@link localServer} finds
 *   it), so it has a pid, `Process.info`, `Sys`, crash reports, and everything local works inside
 *   its handlers. The cluster creates the instance when the first message for its id arrives on the
 *   runner that holds its shard; `init` gets the entity id (or `options.args(entityId)`).
 * - **One message at a time, in order.** The instance takes a request from the cluster, hands it
 *   to its process (`GenServer.call` or `GenServer.cast`) and takes the next only when the process
 *   has answered the call. A handler may answer later with `GenServer.replyTo` from a timer or an
 *   info message, but not from a later request of the same entity: that one waits.
 * - **Passivation**: an entity idle for `maxIdleTime` (the cluster's `entityMaxIdleTime`, 1 minute
 *   by default) is stopped: its process stops with `Shutdown` and its `terminate` runs. So does
 *   every entity of a shard that moves to another runner, and of a runner that shuts down.
 *
 * ## Crashes and restarts
 *
 * A handler that dies, fails with an error its request does not declare, or returns `stopWith`, ends
 * the process, as in a local GenServer: a crash report is logged on the runner and the caller of
 * the running call gets {@link EntityCrashed} (the exit reason, printed). **The next request to the
 * same id starts a fresh process** (from its snapshot, when it has one; otherwise `init` runs
 * again): the entity is re-activated on demand, as a virtual actor is, rather than restarted at
 * once by a supervisor. There is no restart intensity: an entity that crashes on every request
 * fails every request, and the cluster keeps serving its other entities. A start that fails
 * (`init` fails, a snapshot that does not decode) fails the request with `EntityCrashed` too.
 *
 * ## State that survives a move
 *
 * With `snapshot: { every?, state? }`, the state is encoded with its Schema (as JSON): `state`, or
 * the behaviour's own `state` Schema when the entity gives none (the behaviour declares it once,
 * for snapshots and code changes alike). It is written after every `every`-th handled message
 * (default 1: each one; a call's reply goes out after the write) and when the process terminates; a process that starts reads the snapshot of
 * its id, and if there is one it is the state: `init` does not run. The messages are counted per
 * entity id on its runner: a process started after a crash goes on with the count, an entity that
 * moves to another runner starts it afresh. A process killed outright (`Process.kill`, its runner
 * killed) loses the messages handled since the last write: up to `every - 1`. Snapshots live in the
 * `effect_otp_snapshots` table of the cluster's PostgreSQL (created when a runner starts), and in
 * memory with {@link singleRunnerLayer}.
 *
 * ## Durable requests
 *
 * Requests and casts listed in `persisted` are stored in PostgreSQL before they are delivered
 * (`ClusterSchema.Persisted`): they survive the loss of their runner and are delivered when a runner
 * holds their shard again. {@link delivery} gives a handler the request's `idempotencyKey`, which
 * is the same each time the same stored request is delivered.
 *
 * ## Guarantees, and what is not guaranteed
 *
 * - **Ordering per entity**: requests from one caller to one entity id are handled in the order
 *   they were sent; requests from different callers interleave. There is no ordering between
 *   entities. The exception is a durable cast: `cast` returns once it is stored, and the runner
 *   delivers it when it reads it back from storage, so a message sent after it may be handled
 *   first. When the order matters, make it a durable call, which returns once handled.
 * - **Durable requests are delivered at least once**: a runner that dies after the handler ran and
 *   before the reply was stored delivers the request again on the next runner. Make such handlers
 *   idempotent with `delivery(request).idempotencyKey`.
 * - **Volatile requests (the default) are not stored**: they live in the caller's client and the
 *   runner's memory. A call in flight when its runner dies may fail, time out, or be sent again
 *   by the cluster's client to the shard's next runner: count on neither exactly once nor at most
 *   once. A volatile cast to a shard that no runner holds waits until one does.
 * - **State**: without snapshots, an entity that moves (a rebalance, a runner lost) starts afresh.
 *   With snapshots, it starts from the last snapshot written: with `every: 1`, that includes every
 *   request that was answered. Snapshots are last-writer-wins, with no fencing: two runners that
 *   both believe they hold a shard (a network partition longer than the lock expiry) may overwrite
 *   each other's snapshots.
 * - **Failover time** is bounded by the shard lock settings: a runner killed with SIGKILL keeps its
 *   shards until its PostgreSQL session ends (advisory locks) or its lock expires
 *   (`shardLockExpiration`, 35 s by default); calls to its entities wait, then complete on the
 *   runner that takes the shard over.
 *
 * ## What each failure returns
 *
 * | what happened | `call` fails with |
 * |---|---|
 * | the handler failed with an error its request declares | that error (`catchTag` it), the entity carries on |
 * | the entity's process crashed or stopped during the call, or could not start | {@link EntityCrashed} |
 * | the request does not pass its Schema (it was made with `disableChecks`, or is not of the protocol) | {@link InvalidRequest}, nothing sent |
 * | the handler's reply, or the declared error it failed with, does not pass the request's `success` or `failure` Schema where the reply is encoded (see below) | {@link Undecodable}, logged as a warning by the caller; the entity carries on |
 * | no reply within `timeout` (default 5 s, as `GenServer.call`) | {@link CallTimeout}; the entity may still handle it |
 * | `timeout` is negative, NaN or not a duration | `BadArgument` (effect-otp's, as `GenServer.call`), nothing sent |
 * | the cluster's own errors: the entity's mailbox is full, storage failed, ... | `MailboxFull`, `PersistenceError`, `AlreadyProcessingMessage`, `EntityNotAssignedToRunner` (from `effect/cluster`) |
 *
 * `cast` returns once the cluster has delivered the message (or, when durable, stored it); it fails
 * only with `InvalidRequest` and the cluster's errors.
 *
 * **Replies are checked where they are encoded.** A request is always encoded with its Schema,
 * before it is sent. A reply is encoded only when it crosses from the entity's runner to another
 * process, or when it is stored (a durable request's); then one that does not pass its Schemas
 * (`reply(1.5)` for a `Schema.Int` success) fails the call with {@link Undecodable}, as the Erlang
 * distribution fails such a call with `Errors.Undecodable`. A volatile call served by the caller's
 * own runner ({@link singleRunnerLayer}, or a runner that holds the entity's shard) gets the reply
 * in memory, unchecked, as a local `GenServer.call` does: no encoding on that path. So a test on
 * `singleRunnerLayer` finds such a reply only for a durable request.
 *
 * ## When to use it, and when the Erlang distribution
 *
 * Use this when the state of many independent keys (accounts, carts, devices, sessions) outgrows one
 * machine, or must survive the loss of one: the cluster places, moves and re-creates entities, and
 * PostgreSQL is the one shared dependency. Use the Erlang distribution (effect-otp's `Node`s) when
 * processes on different machines must know about each other: pids you can pass around, links and
 * monitors across nodes, a message to a chosen process on a chosen node, and interop with BEAM
 * nodes. An entity has an id, not a pid: nothing links to it, and nobody is told when it moves.
 *
 * ## Differences from a local GenServer
 *
 * - `call` fails with {@link EntityCrashed} where a local call fails with `ServerExited` (an exit
 *   reason holds a `Cause`, which does not cross the wire), with {@link CallTimeout} (tag
 *   `"CallTimeout"`, as the local one, but naming the entity instead of a pid), and with the
 *   cluster's errors instead of `NoProc`: an entity always exists.
 * - A reply that crosses to another process, or is stored, is checked against its request's
 *   Schemas ({@link Undecodable} when it does not pass), where a local call's reply is not.
 * - Casts must be `Request.Class`es listed in `casts`, so that they have a Schema; `send` and
 *   `handleInfo` messages do not cross the cluster (a handler may still receive local messages).
 * - No `GenServer.stop`, `getState` or `Sys` from the client: use {@link localServer} on the runner.
 *
 * @since 0.2.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import type * as ClusterError from "effect/cluster/ClusterError"
import type * as ClusterEntity from "effect/cluster/Entity"
import type { Sharding } from "effect/cluster/Sharding"
import type * as Rpc from "effect/rpc/Rpc"
import type { GenServer, Node, Process, Request } from "effect-otp"
import * as GenServerModule from "effect-otp/GenServer"
import * as internal from "./internal/entity.ts"
import * as runner from "./internal/runner.ts"
import * as snapshots from "./internal/snapshots.ts"
import { EntityCrashed, InvalidRequest, CallTimeout, InvalidEntity, Undecodable } from "./internal/errors.ts"
import { Snapshots, type SnapshotsApi } from "./internal/snapshots.ts"
import type { ShardingOptions, RunnerOptions } from "./internal/runner.ts"

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

export {
  /**
   * The entity's process exited while it handled the request: its handler died, failed with an error
   * the request does not declare, or returned `stopWith`; or it could not start (`init` failed, its
   * snapshot did not decode). `reason` is the exit reason, printed. The next request to the same id
   * starts a new process.
   *
   * @since 0.2.0
   * @category errors
   */
  EntityCrashed
}

export {
  /**
   * A request that does not pass its Schema (made with `disableChecks`, or of another protocol) was
   * not sent. `field` and `issue` say what is wrong.
   *
   * @since 0.2.0
   * @category errors
   */
  InvalidRequest
}

export {
  /**
   * The reply to a call did not pass its request's Schemas where it was encoded: the handler
   * answered with a value its `success` Schema refuses (`reply(1.5)` for a `Schema.Int`), or failed
   * with a declared error its `failure` Schema refuses. `reason` is Schema's message for the reply
   * (with the path of a nested field). A reply is encoded, and so checked, when it crosses from the
   * entity's runner to another process, and when it is stored (a durable request); one handed over
   * in memory (the caller's own runner holds the entity) is not checked, as with a local
   * `GenServer.call`. Logged as a warning by the caller; the entity carries on. Same tag as
   * effect-otp's `Errors.Undecodable` (the distribution's), so one `catchTag("Undecodable")`
   * serves both.
   *
   * @since 0.2.0
   * @category errors
   */
  Undecodable
}

export {
  /**
   * The call was not answered within its timeout (default 5 seconds). The entity may still handle
   * it; its reply is dropped. Same tag as `GenServer.CallTimeout`, so one `catchTag("CallTimeout")`
   * serves both.
   *
   * @since 0.2.0
   * @category errors
   */
  CallTimeout
}

export {
  /**
   * {@link entity} was given a definition it cannot serve: an empty type, two requests with one tag, a
   * class that is not a `Request.Class`, a `persisted` class that is neither a request nor a cast, a
   * `snapshot.every` that is not a positive integer, a `snapshot` without a state Schema (neither
   * `snapshot.state` nor the behaviour's `state`). Thrown by `entity`, when the entity is defined.
   *
   * @since 0.2.0
   * @category errors
   */
  InvalidEntity
}

/**
 * The errors of `effect/cluster` itself that a call or a cast may meet: the entity's mailbox is
 * full (`MailboxFull`), storage failed (`PersistenceError`), a durable request with the same
 * primary key is being processed (`AlreadyProcessingMessage`), the shard moved during the send
 * (`EntityNotAssignedToRunner`).
 *
 * @since 0.2.0
 * @category errors
 */
export type ClusterFailure =
  | ClusterError.MailboxFull
  | ClusterError.AlreadyProcessingMessage
  | ClusterError.PersistenceError
  | ClusterError.EntityNotAssignedToRunner

/**
 * What a call can fail with, besides the errors its request declares.
 *
 * @since 0.2.0
 * @category errors
 */
export type CallError = EntityCrashed | CallTimeout | InvalidRequest | Undecodable | ClusterFailure

/**
 * What a cast can fail with.
 *
 * @since 0.2.0
 * @category errors
 */
export type CastError = InvalidRequest | ClusterFailure

// ---------------------------------------------------------------------------------------------
// Entities
// ---------------------------------------------------------------------------------------------

const TypeId: unique symbol = Symbol.for("@effect-otp/cluster/ClusterServer/Entity") as never

/**
 * A behaviour served as an entity of the cluster. Register it on a runner with its `layer`; call
 * it with {@link client}.
 *
 * @since 0.2.0
 * @category models
 */
export interface Entity<Type extends string, Req extends Request.Any, Cast, R> {
  readonly [TypeId]: {
    readonly _Req: (_: never) => Req
    readonly _Cast: (_: never) => Cast
    readonly _R: (_: never) => R
  }
  /** The entity type. */
  readonly type: Type
  /** The behaviour it serves. */
  readonly behaviour: GenServer.AnyBehaviour
  /** The `effect/cluster` entity underneath (its RPCs are the requests and the casts). */
  readonly cluster: ClusterEntity.Entity<Type, Rpc.Any>
  /**
   * Registers the entity on the runner: this runner then serves the entity ids of the shards it
   * holds. Needs the runner ({@link runnerLayer} or {@link singleRunnerLayer}), a `Node` for the
   * processes, and the services the behaviour requires.
   */
  readonly layer: Layer.Layer<never, never, Sharding | Snapshots | Node.Node | Exclude<R, Process.Provided>>
}

/**
 * The options of {@link entity}.
 *
 * @since 0.2.0
 * @category models
 */
export interface EntityOptions<Args, S, Req, Cast> {
  /** The start argument of an entity id's process. Default: the entity id (`init` gets a `string`). */
  readonly args?: ((entityId: string) => Args) | undefined
  /** The classes of the casts (`Request.Class`es without a reply): a cast needs a Schema to cross. */
  readonly casts?: ReadonlyArray<abstract new (...args: any) => Cast> | undefined
  /** The requests and casts stored in PostgreSQL before delivery: delivered at least once. */
  readonly persisted?: ReadonlyArray<abstract new (...args: any) => Req | Cast> | undefined
  /**
   * Snapshots of the state: after how many handled messages one is written (`every`, default 1;
   * one is also written when the process terminates), and the state's Schema: `state` here, or
   * else the behaviour's own `state` (the one a code change validates with). `{}` turns snapshots
   * on with the behaviour's Schema after each message.
   */
  readonly snapshot?:
    | { readonly state?: Schema.Codec<S, any> | undefined; readonly every?: number | undefined }
    | undefined
  /** How long an idle entity stays resident (default: the runner's `entityMaxIdleTime`, 1 minute). */
  readonly maxIdleTime?: Duration.Input | undefined
  /** The capacity of the entity's cluster mailbox (default: the runner's `entityMailboxCapacity`, 4096). */
  readonly mailboxCapacity?: number | "unbounded" | undefined
  /** Options of each process's start: its local `mailbox`, `trapExit`, init `timeout`. */
  readonly start?: Pick<GenServer.StartOptions, "mailbox" | "trapExit" | "timeout"> | undefined
}

/**
 * Serves a GenServer behaviour as the entity `type` of the cluster.
 *
 * **Details**: each request class of the behaviour's `protocol` becomes an RPC whose payload is the
 * request, whose success is its `success` Schema and whose error is its `failure` Schema (plus
 * {@link EntityCrashed}); each class of `casts` becomes an RPC without a reply. `init` gets the
 * entity id unless `args` maps the id to the behaviour's start argument (required when that is not
 * a `string`).
 *
 * **Errors**: throws {@link InvalidEntity} for a definition it cannot serve.
 *
 * @example
 * ```ts
 * // counters.ts: an entity
 * import { Effect, Schema } from "effect"
 * import { GenServer, Request } from "effect-otp"
 * import { ClusterServer } from "@effect-otp/cluster"
 *
 * export class Add extends Request.Class<Add>()("Add", { fields: { n: Schema.Int }, success: Schema.Int }) {}
 * export class Reset extends Request.Class<Reset>()("Reset", {}) {}
 *
 * const Counter = GenServer.behaviour({
 *   protocol: [Add],
 *   init: (start: number) => Effect.succeed(GenServer.ok(start)),
 *   handleCall: { Add: ({ n }, count) => Effect.succeed(GenServer.reply(count + n, count + n)) },
 *   handleCast: (_: Reset, _count) => Effect.succeed(GenServer.noreply(0))
 * })
 *
 * export const Counters = ClusterServer.entity("Counter", Counter, {
 *   args: (_entityId) => 0,
 *   casts: [Reset],
 *   persisted: [Add],
 *   snapshot: { state: Schema.Int, every: 10 }
 * })
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const entity = <const Type extends string, Args, S, Req extends Request.Any, Cast, Info, InitE, R, C>(
  type: Type,
  behaviour: GenServer.Behaviour<Args, S, Req, Cast, Info, InitE, R, C>,
  ...options: [string] extends [Args]
    ? [options?: EntityOptions<Args, S, Req, Cast>]
    : [void] extends [Args]
      ? [options?: EntityOptions<Args, S, Req, Cast>]
      : [options: EntityOptions<Args, S, Req, Cast> & { readonly args: (entityId: string) => Args }]
): Entity<Type, Req, Cast, R> => internal.make(type, behaviour, options[0]) as never

// ---------------------------------------------------------------------------------------------
// Clients
// ---------------------------------------------------------------------------------------------

/**
 * Call options: `timeout`, default 5 seconds, as `GenServer.call`; `"infinity"` waits as long as it
 * takes (through a failover too).
 *
 * @since 0.2.0
 * @category models
 */
export interface CallOptions {
  readonly timeout?: Duration.Input | "infinity" | undefined
}

/**
 * The client of one entity id.
 *
 * @since 0.2.0
 * @category models
 */
export interface Client<Req extends Request.Any, Cast> {
  readonly entityId: string
  /**
   * Sends a request to the entity and waits for its reply: the types of `GenServer.call`, with
   * {@link CallError} for the call machinery's errors, and `BadArgument` when `options` carry a
   * timeout other than `"infinity"` (`GenServer.CallOptionsError`): a negative, NaN or
   * non-duration timeout is refused before anything is sent.
   */
  readonly call: <const Q extends Req, const O extends CallOptions = {}>(
    request: Q,
    options?: O
  ) => Effect.Effect<Request.Success<Q>, Request.Failure<Q> | CallError | GenServer.CallOptionsError<O>>
  /** Sends a cast: returns once the cluster has delivered it (or stored it, when durable). */
  readonly cast: (message: Cast) => Effect.Effect<void, CastError>
}

/**
 * The client maker of an entity: give it an entity id, get a {@link Client}. Needs the runner's
 * `Sharding` (a client-only runner is enough: `runnerLayer({ clientOnly: true, ... })`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ClusterServer } from "@effect-otp/cluster"
 * import { Counters, Add } from "./counters.ts"
 *
 * const program = Effect.gen(function* () {
 *   const counters = yield* ClusterServer.client(Counters)
 *   return yield* counters("a").call(new Add({ n: 1 }), { timeout: "10 seconds" })
 * })
 * ```
 *
 * @since 0.2.0
 * @category client
 */
export const client: <Type extends string, Req extends Request.Any, Cast, R>(
  entity: Entity<Type, Req, Cast, R>
) => Effect.Effect<(entityId: string) => Client<Req, Cast>, never, Sharding> = internal.client as never

/**
 * A typed reference to the process of entity `entityId` on this runner's node (its local name is
 * `cluster:<type>/<id>`), for `GenServer.whereis`, `Process.info`, `Sys`, `GenServer.getState`. It
 * finds a process only while the entity is active on this runner.
 *
 * @since 0.2.0
 * @category debugging
 */
export const localServer = <Type extends string, Req extends Request.Any, Cast, R>(
  entity: Entity<Type, Req, Cast, R>,
  entityId: string
): Effect.Effect<GenServer.Server<Req, Cast>, never, Node.Node> =>
  GenServerModule.named(entity.behaviour, internal.localName(entity.type, entityId)) as never

/**
 * How a request reached its handler: the entity, and an `idempotencyKey` that is the same each
 * time the same durable request is delivered (at-least-once delivery may repeat it).
 *
 * @since 0.2.0
 * @category models
 */
export interface Delivery {
  readonly entityType: string
  readonly entityId: string
  readonly idempotencyKey: string
  /** Whether the request is durable (listed in `persisted`). */
  readonly persisted: boolean
}

/**
 * The {@link Delivery} of a request that the cluster delivered, read by a handler from the request
 * it was given; `None` for a request that did not come through the cluster (a local call).
 *
 * @example
 * ```ts
 * import { Effect, Option } from "effect"
 * import { GenServer } from "effect-otp"
 * import { ClusterServer } from "@effect-otp/cluster"
 * import { Add } from "./counters.ts"
 *
 * // count each durable Add once, however often it is delivered
 * const handleAdd = (request: Add, state: { count: number; seen: ReadonlyArray<string> }) => {
 *   const key = Option.map(ClusterServer.delivery(request), (d) => d.idempotencyKey)
 *   if (Option.isSome(key) && state.seen.includes(key.value)) {
 *     return Effect.succeed(GenServer.reply(state.count, state))
 *   }
 *   const count = state.count + request.n
 *   return Effect.succeed(GenServer.reply(count, { count, seen: Option.toArray(key).concat(state.seen) }))
 * }
 * ```
 *
 * @since 0.2.0
 * @category server
 */
export const delivery: (request: Request.Any) => Option.Option<Delivery> = internal.deliveryOf

// ---------------------------------------------------------------------------------------------
// Runners
// ---------------------------------------------------------------------------------------------

export {
  /**
   * Where snapshots are kept; provided by {@link runnerLayer} (PostgreSQL) and
   * {@link singleRunnerLayer} (memory).
   *
   * @since 0.2.0
   * @category services
   */
  Snapshots
}

export type {
  /**
   * What the {@link Snapshots} service does: load and save an entity's encoded state.
   *
   * @since 0.2.0
   * @category services
   */
  SnapshotsApi
}

/**
 * Snapshots in memory: what {@link singleRunnerLayer} uses. For a runner composed by hand from
 * `effect/cluster`'s layers (its `Sharding` with your own storage) that keeps snapshots in memory.
 *
 * @since 0.2.0
 * @category services
 */
export const snapshotsLayerMemory: Layer.Layer<Snapshots> = snapshots.layerMemory

/**
 * Snapshots in the `effect_otp_snapshots` table of the database of `SqlClient` (PostgreSQL syntax;
 * the table is created if it is missing, by `effect/sql`'s `Migrator`, which serialises runners
 * starting together; history in `effect_otp_snapshots_migrations`): what {@link runnerLayer} uses.
 *
 * **Errors**: `SqlError` when the database cannot be reached, `MigrationError` when the table
 * cannot be created.
 *
 * @since 0.2.0
 * @category services
 */
export const snapshotsLayerSql: Layer.Layer<
  Snapshots,
  import("effect/sql/SqlError").SqlError | import("effect/sql/Migrator").MigrationError,
  import("effect/sql/SqlClient").SqlClient
> = snapshots.layerSql

export type {
  /**
   * The cluster's settings (`effect/cluster`'s `ShardingConfig`), for `shardingConfig`: shard lock
   * refresh and expiry, polling intervals, entity idle time, mailbox capacity.
   *
   * @since 0.2.0
   * @category models
   */
  ShardingOptions
}

/**
 * A single runner in this process, all in memory (no database): shards, messages, durable
 * messages and snapshots live as long as the layer. For examples, tests and one-machine apps;
 * nothing survives the process.
 *
 * **Gotcha**: requests are encoded with their Schemas here as on real runners, but the reply to a
 * volatile call is handed over in memory and not checked against its Schema (a durable request's
 * reply is, when it is stored): a reply its Schema refuses shows up as {@link Undecodable} only
 * once the caller is another process.
 *
 * @since 0.2.0
 * @category layers
 */
export const singleRunnerLayer: (options?: {
  readonly shards?: number | undefined
  readonly shardingConfig?: ShardingOptions | undefined
}) => Layer.Layer<Sharding | Snapshots> = runner.singleRunnerLayer

export type {
  /**
   * The options of {@link runnerLayer}.
   *
   * @since 0.2.0
   * @category models
   */
  RunnerOptions
}

/**
 * A runner on PostgreSQL: `effect/cluster`'s socket runner (`@effect/platform-node`'s
 * `NodeClusterSocket`) with its runners, shard locks and durable messages in the database of
 * `postgres` (`@effect/sql-pg`), and the snapshots there too.
 *
 * **Details**: `shards` is the number of shards per shard group (`shardsPerGroup`, default 300: it
 * must be the same on every runner); `address` is where other runners reach this one (host and
 * port), `listen` where it listens if that differs; `clientOnly: true` makes a process that calls
 * entities without hosting any. Compose it under the entities' layers and beside the application:
 * `Layer.mergeAll(Accounts.layer, Application.layer(tree)).pipe(Layer.provide(runnerLayer(...)), Layer.provide(Node.layer()))`.
 *
 * **Errors**: `BadArgument` (effect-otp's, naming the option) for an invalid `postgres`, `shards`
 * (a positive integer), `address`/`listen` (a non-empty host and a port from 0 to 65535),
 * `clientOnly` or `serialization`, before anything connects; `SqlError` when the database cannot
 * be reached, `MigrationError` when the snapshots table cannot be created, `SocketServerError` when `listen` cannot be bound, `ConfigError` for a bad setting.
 *
 * @example
 * ```ts
 * // runner.ts: the program of one runner machine, an Application
 * import { NodeRuntime } from "@effect/platform-node"
 * import { Layer } from "effect"
 * import { Application, GenServer, Node } from "effect-otp"
 * import { ClusterServer } from "@effect-otp/cluster"
 * import { Counter } from "./counter.ts"
 * import { Counters } from "./counters.ts"
 *
 * const Runner = Layer.mergeAll(
 *   Counters.layer, // the entities this runner serves
 *   Application.layer({ children: [GenServer.childSpec("local", Counter, 0, { name: "local" })] })
 * ).pipe(
 *   Layer.provide(
 *     ClusterServer.runnerLayer({
 *       postgres: { host: "db.internal", database: "app", username: "app" },
 *       shards: 300,
 *       address: { host: "10.0.0.5", port: 34431 }
 *     })
 *   ),
 *   Layer.provide(Node.layer())
 * )
 *
 * // SIGTERM stops the tree and the runner gracefully: the entities stop (their snapshots written)
 * // and the shards go to the other runners
 * NodeRuntime.runMain(Application.main(Runner))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const runnerLayer: (
  options: RunnerOptions
) => Layer.Layer<
  Sharding | Snapshots,
  | import("effect-otp/Errors").BadArgument
  | import("effect/Config").ConfigError
  | import("effect/sql/SqlError").SqlError
  | import("effect/sql/Migrator").MigrationError
  | import("effect/socket/SocketServer").SocketServerError
> = runner.runnerLayer
