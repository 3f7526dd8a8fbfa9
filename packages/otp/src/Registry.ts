/**
 * Registry: a local key-value store of processes, as Elixir's `Registry`.
 *
 * A registry maps keys to the processes that registered them, each entry with a value. With
 * `keys: "unique"` a key points to at most one process; with `keys: "duplicate"` a key may point
 * to any number of processes. Either way one process may hold many keys. An entry belongs to the
 * process that registered it and is removed when that process exits. Use it to name processes
 * by any key (`via` names for behaviours), to keep properties of processes, and to build custom
 * dispatch and local pub/sub.
 *
 * ## Example
 *
 * ```ts
 * import { Deferred, Effect } from "effect"
 * import { Node, Process, Registry } from "effect-otp"
 *
 * const program = Effect.gen(function*() {
 *   const sessions = yield* Registry.start<string, { readonly user: string }>({ keys: "unique", name: "sessions" })
 *   const registered = yield* Deferred.make<void>()
 *   const pid = yield* Process.spawn(Effect.gen(function*() {
 *     yield* Registry.register(sessions, "session:42", { user: "ada" }) // registers the calling process
 *     yield* Deferred.succeed(registered, undefined)
 *     yield* Process.receive()
 *   }))
 *   yield* Deferred.await(registered)
 *   yield* Registry.lookup(sessions, "session:42") // [[pid, { user: "ada" }]]
 *   yield* Process.kill(pid)
 *   yield* Process.awaitExit(pid)
 *   return yield* Registry.lookup(sessions, "session:42") // []: the entry went with its process
 * })
 *
 * Effect.runPromise(program.pipe(Effect.provide(Node.layer())))
 * ```
 *
 * ## API
 *
 * | function | does | Elixir |
 * |---|---|---|
 * | {@link start}, {@link startLink}, {@link childSpec}, {@link make}, {@link layer} | start a registry (unsupervised, linked, under a supervisor, in a scope, as a Layer) | `start_link/1`, `child_spec/1` |
 * | {@link named} | a reference to the registry registered as `name`, resolved at each use | the registry's name |
 * | {@link register} | registers the **calling process** under a key, with a value | `register/3` |
 * | {@link unregister}, {@link unregisterMatch} | removes the caller's entries under a key (those whose value matches) | `unregister/2`, `unregister_match/4` |
 * | {@link lookup}, {@link match} | the `[pid, value]` entries under a key (whose value matches) | `lookup/2`, `match/3` |
 * | {@link keys} | the keys a process holds | `keys/2` |
 * | {@link count} | how many entries | `count/1` |
 * | {@link dispatch} | runs a function on the entries under a key | `dispatch/3` |
 * | {@link meta}, {@link putMeta} | the registry's own metadata | `meta/2`, `put_meta/3` |
 * | {@link via} | a name for `GenServer.start`, `Supervisor.start`, ... kept in this registry | `{:via, Registry, {registry, key}}` |
 *
 * ## Unique and duplicate keys
 *
 * - `"unique"`: {@link register} fails with `AlreadyRegistered` (naming the holder) when a live
 *   process holds the key, the caller itself included. Use it for names.
 * - `"duplicate"`: a process may register the same key many times, with the same or other values;
 *   {@link lookup} returns every entry. Use it for groups and topics.
 *
 * Keys (and meta keys) are compared with Effect's `Equal.equals`, the analogue of Elixir's `===`:
 * strings and numbers by value, arrays and plain objects structurally (`["room", 1]` is a key).
 * **Gotcha**: Effect caches the hash of an object key; do not mutate an object once it is a key.
 *
 * ## Using as a PubSub
 *
 * A duplicate registry is a local, scalable pub/sub: subscribers register under a topic, and a
 * publisher dispatches to every subscriber of the topic. Dispatch runs in the publisher, and the
 * subscribers are not involved unless the callback involves them (here, by sending a message):
 *
 * ```ts
 * import { Effect } from "effect"
 * import { Process, Registry } from "effect-otp"
 *
 * type Event = { readonly _tag: "Broadcast"; readonly text: string }
 *
 * const subscriber = (topics: Registry.Registry<string>) => Effect.gen(function*() {
 *   yield* Registry.register(topics, "hello", undefined)
 *   while (true) yield* Effect.log((yield* Process.receive<Event>()).text)
 * })
 *
 * const publish = (topics: Registry.Registry<string>, text: string) =>
 *   Registry.dispatch(topics, "hello", (entries) =>
 *     Effect.forEach(entries, ([pid]) => Process.send(pid, { _tag: "Broadcast", text }), { discard: true })
 *   )
 * ```
 *
 * The value of each entry is free for the subscriber's use (a filter, a format); the example
 * leaves it `undefined`. A subscriber that exits is unsubscribed at once; one that wants to stop
 * earlier calls {@link unregister}.
 *
 * ## `via` names
 *
 * {@link via} makes a name that behaviours accept wherever they take a `name`, and that
 * `GenServer.named` (and `Supervisor.named`, `DynamicSupervisor.named`) resolves at each use:
 *
 * ```ts
 * import { Effect } from "effect"
 * import { GenServer, Registry } from "effect-otp"
 * import { Counter, Get } from "./counter.ts"
 *
 * const name = Registry.via("rooms", "room:42")
 * const program = Effect.gen(function*() {
 *   yield* GenServer.start(Counter, 0, { name })            // AlreadyRegistered if room:42 runs
 *   const room = yield* GenServer.named(Counter, name)
 *   return yield* GenServer.call(room, new Get())
 * })
 * ```
 *
 * Only unique registries can hold `via` names. The name is freed when the server exits, so a
 * supervisor that restarts the server registers it again and the reference follows it. Name the
 * registry by its `name` (a string) to use a `via` name in a child spec before the registry runs;
 * list the registry before the children that use it, so it starts first and stops last.
 *
 * ## Is a registry a process?
 *
 * In Elixir a registry is ETS tables plus one process per partition: the tables make reads cheap,
 * the processes own the tables and link to registering processes to clean up after them. Here:
 *
 * - The tables are plain maps, read and written **synchronously by the caller**: {@link lookup},
 *   {@link register} and {@link dispatch} cost no message and no call round trip, and no two
 *   fibers ever see a table half-updated (everything runs on the one JS thread).
 * - Cleanup needs no process either: the registry adds one exit listener to each owner (the
 *   kernel's own observation of process exits, the same one links and monitors use). When the
 *   owner exits, all its entries go in one synchronous step; nothing polls, and no read ever
 *   returns a process that has exited.
 * - There is still one small process per registry, the **owner of the tables**: it gives the
 *   registry a pid and a name, a place in a supervision tree, and a lifetime. It does no work
 *   and serves no requests; when it stops (or is killed), its tables are dropped and the
 *   functions of this module on it die with `UnknownRegistry`, as Elixir's raise on an unknown
 *   registry.
 *
 * ## Partitions
 *
 * `partitions: n` splits the key tables as Elixir does: a unique registry by the key's hash, a
 * duplicate registry by the owner's pid (so a lookup on a duplicate registry reads every
 * partition). On one JS thread partitions bring no parallelism, and the default is 1; they keep
 * each table smaller (a JS `Map` holds at most 2^24 entries, so a registry with more entries than
 * that needs partitions) and keep code written for Elixir unchanged. **A partitioned registry gives
 * exactly the answers of one partition, in the same order**: entries come back in registration
 * order whatever the partitioning.
 *
 * ## Guarantees
 *
 * - Entries under a key, and the keys of a process, come back in registration order.
 * - An entry is invisible to every read from the moment its owner exits, and removed from the
 *   tables by the time `Process.awaitExit` on the owner returns.
 * - {@link dispatch} calls its function once, with every entry under the key, in the caller; not
 *   at all when there is none.
 *
 * ## Differences from Elixir
 *
 * - `match` and `unregisterMatch` take a predicate on the value, not a match spec.
 * - `dispatch` calls its function once with the entries of all partitions (Elixir calls it once
 *   per partition, concurrently); the answers are the same.
 * - No `listeners` option: monitor the processes you care about instead.
 *
 * ## When not to use it
 *
 * - For a handful of fixed, well-known processes: local names (`{ name: "counter" }`, see
 *   `Process.register`) are simpler.
 * - As a store of data that outlives processes: an entry dies with its owner. Keep shared data in a
 *   GenServer or a `Ref`.
 * - Across nodes: a registry is local to its node.
 *
 * @since 0.1.0
 */
import { Effect, Equal, Formatter, Hash, Layer, MutableHashMap, Option, Pipeable, Schema, type Scope } from "effect"
import { dual, identity } from "effect/Function"
import type * as ChildSpec from "./ChildSpec.ts"
import * as Errors from "./Errors.ts"
import * as ExitReason from "./ExitReason.ts"
import * as GenServer from "./GenServer.ts"
import * as kernel from "./internal/kernel.ts"
import * as InternalName from "./internal/name.ts"
import { currentNode } from "./internal/node.ts"
import * as internal from "./internal/registry.ts"
import type { Node } from "./Node.ts"
import type * as Pid from "./Pid.ts"
import type * as Process from "./Process.ts"
import type { Name, Via } from "./internal/name.ts"

// ---------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------

const RegistryTypeId: unique symbol = Symbol.for("effect-otp/Registry")

/**
 * `"unique"`: a key points to at most one process. `"duplicate"`: to any number.
 *
 * @since 0.1.0
 * @category models
 */
export type Keys = "unique" | "duplicate"

/**
 * A reference to a registry whose keys are `K` and values `V`: the one {@link start} returned, or
 * a name resolved at each use ({@link named}).
 *
 * A reference is a value (`Equal`, `Hash`): one by name equals every reference by that name; the
 * one {@link start} returned stands for that registry only, and equals itself alone, as a server
 * reference by pid (`GenServer.Server`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Registry<in out K = unknown, in out V = unknown> extends Pipeable.Pipeable {
  readonly [RegistryTypeId]?: { readonly _K: (k: K) => K; readonly _V: (v: V) => V }
  /** The name the registry is registered under. */
  readonly name: string
  /** The registry's process now, if it runs. */
  readonly whereis: () => Option.Option<Pid.Pid<never, unknown>>
  /** @internal the registry's tables now, if it runs */
  readonly resolve: () => internal.RegistryState | undefined
  /** @internal the registry this reference stands for, when {@link start} returned it (else by name) */
  readonly instance: internal.RegistryState | undefined
}

/**
 * An entry: the process that registered it and the value it registered.
 *
 * @since 0.1.0
 * @category models
 */
export type Entry<V> = readonly [pid: Pid.Pid<unknown, Errors.MailboxFull>, value: V]

export type {
  /**
   * A name behaviours accept in their `name` option: a local name, or a {@link via} name.
   *
   * @since 0.1.0
   * @category models
   */
  Name
}

export type {
  /**
   * A name kept by a registry, made by {@link via}.
   *
   * @since 0.1.0
   * @category models
   */
  Via
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** `"unique"` or `"duplicate"`. */
  readonly keys: Keys
  /** The name the registry process is registered under (a local name of the node). */
  readonly name: string
  /** How many partitions the key tables are split into. Default 1; see "Partitions". */
  readonly partitions?: number | undefined
  /** The registry's initial metadata, read with {@link meta}. */
  readonly meta?: Iterable<readonly [unknown, unknown]> | Readonly<Record<string, unknown>> | undefined
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * No registry runs under this name, or the registry has stopped. The functions of this module die
 * with it (Elixir raises `ArgumentError` then): it is a bug in the program, not a condition to
 * handle.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownRegistry extends Schema.TaggedError<UnknownRegistry>()("UnknownRegistry", {
  registry: Schema.String
}) {
  override get message(): string {
    return `no registry "${this.registry}" is running`
  }
}

/**
 * Why a registry did not start. Invalid options fail with `Errors.BadArgument` naming the field
 * (part of `GenServer.StartError`).
 *
 * @since 0.1.0
 * @category errors
 */
export type StartError = GenServer.StartError

// ---------------------------------------------------------------------------------------------
// The registry process
// ---------------------------------------------------------------------------------------------

/** The owner of the tables: binds them to its record and drops them when it exits. Serves nothing. */
const owner = GenServer.behaviour({
  init: (state: internal.RegistryState) =>
    Effect.map(kernel.currentSelf, (record) => {
      internal.bind(record, state)
      kernel.addExitListener(record, () => state.close())
      return GenServer.ok(state)
    })
})

const validate = (fn: string, options: Options): internal.RegistryState | Errors.BadArgument => {
  const bad = (field: string, value: unknown, reason: string) =>
    new Errors.BadArgument({ function: fn, field, value, reason })
  if (typeof options !== "object" || options === null) return bad("options", options, "must be an options object")
  if (options.keys !== "unique" && options.keys !== "duplicate") {
    return bad("keys", options.keys, 'must be "unique" or "duplicate"')
  }
  if (typeof options.name !== "string" || options.name.length === 0) {
    return bad("name", options.name, "must be a non-empty string")
  }
  const partitions = options.partitions ?? 1
  if (!Number.isInteger(partitions) || partitions < 1)
    return bad("partitions", partitions, "must be a positive integer")
  const meta = options.meta ?? []
  const entries =
    Symbol.iterator in meta
      ? (meta as Iterable<readonly [unknown, unknown]>)
      : Object.entries(meta as Record<string, unknown>)
  return new internal.RegistryState(options.keys, options.name, partitions, entries)
}

/** The prototype of every registry reference: its mark, `pipe`, and equality as a value. */
const RegistryProto = {
  __proto__: Pipeable.Prototype,
  [RegistryTypeId]: { _K: identity, _V: identity },
  // from start: that registry only; by name: every reference by that name
  [Equal.symbol](this: Registry, that: unknown): boolean {
    return (
      isRegistry(that) &&
      (this.instance === undefined
        ? that.instance === undefined && this.name === that.name
        : this.instance === that.instance)
    )
  },
  [Hash.symbol](this: Registry): number {
    return Hash.string(this.name)
  }
}

const handleOf = <K, V>(
  name: string,
  resolve: () => internal.RegistryState | undefined,
  instance: internal.RegistryState | undefined
): Registry<K, V> =>
  ({
    __proto__: RegistryProto,
    name,
    resolve,
    instance,
    whereis: () => Option.fromUndefinedOr(resolve()?.record?.pid as Pid.Pid<never, unknown> | undefined)
  }) as never

/**
 * Whether `u` is a registry reference (one that {@link start}, {@link startLink}, {@link make} or
 * {@link named} returned).
 *
 * **Details**: a reference carries a mark on its prototype and is `Pipeable`, so
 * `registry.pipe(Registry.lookup(key))` reads as `Registry.lookup(registry, key)`.
 *
 * @example
 * ```ts
 * import { Registry } from "effect-otp"
 *
 * const nameOf = (u: unknown) => (Registry.isRegistry(u) ? u.name : undefined)
 * ```
 *
 * @since 0.2.0
 * @category guards
 */
export const isRegistry = (u: unknown): u is Registry<unknown, unknown> =>
  typeof u === "object" && u !== null && RegistryTypeId in u

const handleOfState = <K, V>(state: internal.RegistryState): Registry<K, V> =>
  handleOf(state.name, () => (state.closed ? undefined : state), state)

const startWith = <K, V>(
  fn: string,
  options: Options,
  start: (
    state: internal.RegistryState
  ) => Effect.Effect<GenServer.Server<never>, GenServer.StartError, Node | Process.Self<unknown>>
): Effect.Effect<Registry<K, V>, StartError, Node | Process.Self<unknown>> =>
  Effect.suspend((): Effect.Effect<Registry<K, V>, StartError, Node | Process.Self<unknown>> => {
    const state = validate(fn, options)
    if (state instanceof Errors.BadArgument) return Effect.fail(state)
    return Effect.as(start(state), handleOfState<K, V>(state))
  })

/**
 * Starts a registry, not linked to the caller.
 *
 * **Errors**: `AlreadyRegistered` when `name` is taken; `Errors.BadArgument` naming the field for
 * bad options (`keys` not `"unique"` or `"duplicate"`, an empty `name`, `partitions` not a positive
 * integer).
 *
 * @example
 * ```ts
 * import { Registry } from "effect-otp"
 *
 * const topics = Registry.start<string, undefined>({ keys: "duplicate", name: "topics" })
 * ```
 *
 * @since 0.1.0
 * @category start
 */
export const start = <K = unknown, V = unknown>(options: Options): Effect.Effect<Registry<K, V>, StartError, Node> =>
  startWith<K, V>("Registry.start", options, (state) => GenServer.start(owner, state, { name: options.name })) as never

/**
 * Starts a registry linked to the calling process (as a supervisor starts its children).
 *
 * @since 0.1.0
 * @category start
 */
export const startLink = <K = unknown, V = unknown>(
  options: Options
): Effect.Effect<Registry<K, V>, StartError, Node | Process.Self<unknown>> =>
  startWith<K, V>("Registry.startLink", options, (state) => GenServer.startLink(owner, state, { name: options.name }))

/**
 * A child spec that starts the registry under a supervisor. The id defaults to the registry's name.
 * Put it before the children that register in it.
 *
 * @example
 * ```ts
 * import { GenServer, Registry, Supervisor } from "effect-otp"
 * import { Room } from "./room.ts"
 *
 * const tree = Supervisor.start({
 *   strategy: "restForOne",
 *   children: [
 *     Registry.childSpec({ keys: "unique", name: "rooms" }),
 *     GenServer.childSpec("lobby", Room, "lobby", { name: Registry.via("rooms", "lobby") })
 *   ]
 * })
 * ```
 *
 * @since 0.1.0
 * @category supervision
 */
export const childSpec = (
  options: Options & Omit<ChildSpec.ChildSpec, "id" | "start" | "type" | "significant"> & { readonly id?: string }
): ChildSpec.ChildSpec<StartError, Node | Process.Self<unknown>> => ({
  id: options.id ?? options.name,
  start: startLink(options),
  restart: options.restart,
  shutdown: options.shutdown
})

/**
 * Starts a registry in the current scope; closing the scope stops it.
 *
 * @since 0.1.0
 * @category layers
 */
export const make = <K = unknown, V = unknown>(
  options: Options
): Effect.Effect<Registry<K, V>, StartError, Node | Scope.Scope> =>
  Effect.acquireRelease(start<K, V>(options), (registry) => stop(registry))

/**
 * A registry as a Layer: started when the Layer is built, stopped when it is released. Reach it
 * with {@link named} or {@link via} by its name.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<never, StartError, Node> => Layer.effectDiscard(make(options))

/**
 * A reference to the registry registered as `name` on this node, resolved at each use: it follows
 * a registry that a supervisor restarts.
 *
 * @since 0.1.0
 * @category references
 */
export const named = <K = unknown, V = unknown>(name: string): Effect.Effect<Registry<K, V>, never, Node> =>
  Effect.map(currentNode, (node) => handleOf<K, V>(name, () => internal.byName(node, name), undefined))

/**
 * Stops the registry: its entries are dropped. Does nothing if it has stopped already.
 *
 * @since 0.1.0
 * @category start
 */
export const stop: {
  (reason?: ExitReason.ExitReason): <K, V>(self: Registry<K, V>) => Effect.Effect<void>
  <K, V>(registry: Registry<K, V>, reason?: ExitReason.ExitReason): Effect.Effect<void>
} = dual(
  (args) => isRegistry(args[0]),
  <K, V>(registry: Registry<K, V>, reason: ExitReason.ExitReason = ExitReason.shutdown): Effect.Effect<void> =>
    Effect.suspend(() => {
      const record = registry.resolve()?.record
      if (record === undefined) return Effect.void
      return Effect.ignore(GenServer.stop(GenServer.fromPid(record.pid), reason))
    })
)

// ---------------------------------------------------------------------------------------------
// Registering
// ---------------------------------------------------------------------------------------------

const stateOrDie = (registry: Registry<any, any>): internal.RegistryState => {
  const state = registry.resolve()
  if (state === undefined) throw new UnknownRegistry({ registry: registry.name })
  return state
}

const selfRecord = kernel.currentSelf

const formatKey = (key: unknown): string => Formatter.format(key)

const label = (registry: string, key: unknown): string => `Registry.via(${formatKey(registry)}, ${formatKey(key)})`

/**
 * Registers the calling process under `key` with `value`.
 *
 * **Details**
 *
 * - On a unique registry, fails with `AlreadyRegistered` (with the holder's pid) when a live
 *   process holds `key`, the caller included.
 * - On a duplicate registry, never fails: the caller may register the same key many times.
 * - The entry is removed when the caller exits, or by {@link unregister}.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Process, Registry } from "effect-otp"
 *
 * const worker = (registry: Registry.Registry<string, number>) =>
 *   Effect.gen(function*() {
 *     yield* Registry.register(registry, "worker:1", 100)
 *     yield* Process.receive()
 *   })
 * ```
 *
 * @since 0.1.0
 * @category names
 */
export const register: {
  <K, V>(
    key: K,
    value: V
  ): (self: Registry<K, V>) => Effect.Effect<void, Errors.AlreadyRegistered, Process.Self<unknown>>
  <K, V>(
    registry: Registry<K, V>,
    key: K,
    value: V
  ): Effect.Effect<void, Errors.AlreadyRegistered, Process.Self<unknown>>
} = dual(
  3,
  <K, V>(
    registry: Registry<K, V>,
    key: K,
    value: V
  ): Effect.Effect<void, Errors.AlreadyRegistered, Process.Self<unknown>> =>
    Effect.flatMap(selfRecord, (self) =>
      Effect.suspend(() => {
        const holder = stateOrDie(registry).register(self, key, value)
        if (holder === undefined) return Effect.void
        return Effect.fail(new Errors.AlreadyRegistered({ registeredName: label(registry.name, key), pid: holder.pid }))
      })
    )
)

/**
 * Removes every entry of the calling process under `key`. Does nothing if there is none.
 *
 * @since 0.1.0
 * @category names
 */
export const unregister: {
  <K>(key: K): <V>(self: Registry<K, V>) => Effect.Effect<void, never, Process.Self<unknown>>
  <K, V>(registry: Registry<K, V>, key: K): Effect.Effect<void, never, Process.Self<unknown>>
} = dual(
  2,
  <K, V>(registry: Registry<K, V>, key: K): Effect.Effect<void, never, Process.Self<unknown>> =>
    Effect.flatMap(selfRecord, (self) => Effect.sync(() => stateOrDie(registry).unregister(self, key)))
)

/**
 * Removes the entries of the calling process under `key` whose value `predicate` accepts.
 *
 * @since 0.1.0
 * @category names
 */
export const unregisterMatch: {
  <K, V>(
    key: K,
    predicate: (value: V) => boolean
  ): (self: Registry<K, V>) => Effect.Effect<void, never, Process.Self<unknown>>
  <K, V>(
    registry: Registry<K, V>,
    key: K,
    predicate: (value: V) => boolean
  ): Effect.Effect<void, never, Process.Self<unknown>>
} = dual(
  3,
  <K, V>(
    registry: Registry<K, V>,
    key: K,
    predicate: (value: V) => boolean
  ): Effect.Effect<void, never, Process.Self<unknown>> =>
    Effect.flatMap(selfRecord, (self) =>
      Effect.sync(() => stateOrDie(registry).unregister(self, key, predicate as (value: unknown) => boolean))
    )
)

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

const toEntry = <V>(entry: internal.Entry): Entry<V> => [entry.owner.pid as never, entry.value as V]

/**
 * The entries under `key`, in registration order: at most one on a unique registry.
 *
 * @since 0.1.0
 * @category reading
 */
export const lookup: {
  <K>(key: K): <V>(self: Registry<K, V>) => Effect.Effect<ReadonlyArray<Entry<V>>>
  <K, V>(registry: Registry<K, V>, key: K): Effect.Effect<ReadonlyArray<Entry<V>>>
} = dual(
  2,
  <K, V>(registry: Registry<K, V>, key: K): Effect.Effect<ReadonlyArray<Entry<V>>> =>
    Effect.sync(() =>
      stateOrDie(registry)
        .lookup(key)
        .map(toEntry<V>)
    )
)

/**
 * The entries under `key` whose value `predicate` accepts, in registration order.
 *
 * @since 0.1.0
 * @category reading
 */
export const match: {
  <K, V, S extends V>(
    key: K,
    predicate: (value: V) => value is S
  ): (self: Registry<K, V>) => Effect.Effect<ReadonlyArray<Entry<S>>>
  <K, V>(key: K, predicate: (value: V) => boolean): (self: Registry<K, V>) => Effect.Effect<ReadonlyArray<Entry<V>>>
  <K, V, S extends V>(
    registry: Registry<K, V>,
    key: K,
    predicate: (value: V) => value is S
  ): Effect.Effect<ReadonlyArray<Entry<S>>>
  <K, V>(registry: Registry<K, V>, key: K, predicate: (value: V) => boolean): Effect.Effect<ReadonlyArray<Entry<V>>>
} = dual(
  3,
  <K, V>(registry: Registry<K, V>, key: K, predicate: (value: V) => boolean): Effect.Effect<ReadonlyArray<Entry<V>>> =>
    Effect.sync(() =>
      stateOrDie(registry)
        .lookup(key)
        .filter((entry) => predicate(entry.value as V))
        .map(toEntry<V>)
    )
)

/**
 * The keys `pid` holds in this registry, in registration order; empty when the process has none
 * or has exited. On a duplicate registry a key appears once per registration.
 *
 * @since 0.1.0
 * @category reading
 */
export const keys: {
  (pid: Pid.Pid<never, unknown>): <K, V>(self: Registry<K, V>) => Effect.Effect<ReadonlyArray<K>>
  <K, V>(registry: Registry<K, V>, pid: Pid.Pid<never, unknown>): Effect.Effect<ReadonlyArray<K>>
} = dual(
  2,
  <K, V>(registry: Registry<K, V>, pid: Pid.Pid<never, unknown>): Effect.Effect<ReadonlyArray<K>> =>
    Effect.sync(() =>
      stateOrDie(registry)
        .entriesOf(kernel.recordOf(pid))
        .map((entry) => entry.key as K)
    )
)

/**
 * How many entries the registry holds.
 *
 * @since 0.1.0
 * @category reading
 */
export const count = <K, V>(registry: Registry<K, V>): Effect.Effect<number> =>
  Effect.sync(() => stateOrDie(registry).count())

/**
 * Runs `f` with the entries under `key`, in the caller; does not run it when there is none. The
 * processes of the entries take no part unless `f` involves them (by sending them a message).
 *
 * **Gotchas**: `f` runs in the caller, so its failure is the caller's; report and carry on inside
 * `f` if one bad subscriber must not stop the others.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Process, Registry } from "effect-otp"
 *
 * const broadcast = (topics: Registry.Registry<string>, topic: string, message: unknown) =>
 *   Registry.dispatch(topics, topic, (entries) =>
 *     Effect.forEach(entries, ([pid]) => Process.send(pid, message), { discard: true })
 *   )
 * ```
 *
 * @since 0.1.0
 * @category messages
 */
export const dispatch: {
  <K, V, E, R>(
    key: K,
    f: (entries: ReadonlyArray<Entry<V>>) => Effect.Effect<unknown, E, R>
  ): (self: Registry<K, V>) => Effect.Effect<void, E, R>
  <K, V, E, R>(
    registry: Registry<K, V>,
    key: K,
    f: (entries: ReadonlyArray<Entry<V>>) => Effect.Effect<unknown, E, R>
  ): Effect.Effect<void, E, R>
} = dual(
  3,
  <K, V, E, R>(
    registry: Registry<K, V>,
    key: K,
    f: (entries: ReadonlyArray<Entry<V>>) => Effect.Effect<unknown, E, R>
  ): Effect.Effect<void, E, R> =>
    Effect.suspend(() => {
      const entries = stateOrDie(registry).lookup(key)
      return entries.length === 0 ? Effect.void : Effect.asVoid(f(entries.map(toEntry<V>)))
    })
)

// ---------------------------------------------------------------------------------------------
// Metadata
// ---------------------------------------------------------------------------------------------

/**
 * Reads the registry's metadata under `key` (set by the `meta` option or {@link putMeta}).
 *
 * @since 0.1.0
 * @category reading
 */
export const meta: {
  (key: unknown): <K, V>(self: Registry<K, V>) => Effect.Effect<Option.Option<unknown>>
  <K, V>(registry: Registry<K, V>, key: unknown): Effect.Effect<Option.Option<unknown>>
} = dual(
  2,
  <K, V>(registry: Registry<K, V>, key: unknown): Effect.Effect<Option.Option<unknown>> =>
    Effect.sync(() => MutableHashMap.get(stateOrDie(registry).meta, key))
)

/**
 * Stores registry metadata under `key`, replacing what was there.
 *
 * @since 0.1.0
 * @category reading
 */
export const putMeta: {
  (key: unknown, value: unknown): <K, V>(self: Registry<K, V>) => Effect.Effect<void>
  <K, V>(registry: Registry<K, V>, key: unknown, value: unknown): Effect.Effect<void>
} = dual(
  3,
  <K, V>(registry: Registry<K, V>, key: unknown, value: unknown): Effect.Effect<void> =>
    Effect.sync(() => {
      MutableHashMap.set(stateOrDie(registry).meta, key, value)
    })
)

// ---------------------------------------------------------------------------------------------
// via
// ---------------------------------------------------------------------------------------------

class ViaName implements InternalName.Via {
  readonly [InternalName.ViaTypeId]: typeof InternalName.ViaTypeId = InternalName.ViaTypeId
  readonly registry: Registry<any, any> | string
  readonly key: unknown
  readonly value: unknown
  readonly label: string

  constructor(registry: Registry<any, any> | string, key: unknown, value: unknown) {
    this.registry = registry
    this.key = key
    this.value = value
    this.label = label(typeof registry === "string" ? registry : registry.name, key)
  }

  state(node: kernel.NodeState): internal.RegistryState | undefined {
    return typeof this.registry === "string" ? internal.byName(node, this.registry) : this.registry.resolve()
  }

  registerName(record: kernel.ProcessRecord): kernel.ProcessRecord | undefined {
    const state = this.state(record.node)
    if (state === undefined) {
      throw new UnknownRegistry({ registry: typeof this.registry === "string" ? this.registry : this.registry.name })
    }
    if (state.keys !== "unique") {
      throw new Error(`${this.label}: via names need a registry with unique keys; "${state.name}" has duplicate keys`)
    }
    return state.register(record, this.key, this.value)
  }

  whereisName(node: kernel.NodeState): kernel.ProcessRecord | undefined {
    return this.state(node)?.lookup(this.key)[0]?.owner
  }

  toString(): string {
    return this.label
  }
}

/**
 * A name kept in a unique registry under `key` (with `value`, default `undefined`), for the `name`
 * option of `GenServer.start`, `Supervisor.start`, `DynamicSupervisor.start` and any behaviour, and
 * for their `named` references. Give the registry by reference or by its name.
 *
 * **Details**
 *
 * - Starting a second process under a taken name fails with `AlreadyRegistered`.
 * - The name is freed when the process exits; a restarted process registers it again.
 * - A reference (`GenServer.named(behaviour, via)`) looks the key up at each use: `NoProc` while
 *   no process holds it.
 *
 * **Gotchas**: starting under a `via` name of a registry that does not run, or of a duplicate
 * registry, is a bug: the start fails with the defect (`InitFailed`).
 *
 * @example
 * ```ts
 * import { GenServer, Registry } from "effect-otp"
 * import { Counter } from "./counter.ts"
 *
 * const start = GenServer.start(Counter, 0, { name: Registry.via("counters", "user:1") })
 * ```
 *
 * @since 0.1.0
 * @category names
 */
export const via = <K, V>(registry: Registry<K, V> | string, key: K, value?: V): Via =>
  new ViaName(registry, key, value)
