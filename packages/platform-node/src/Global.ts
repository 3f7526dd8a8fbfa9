/**
 * Global names: a name that stands for one process across the connected nodes, as Erlang's
 * `global` (`register_name`, `whereis_name`, `send`, `unregister_name`, `registered_names`).
 *
 * `Global.layer()` runs the global name server of a distributed node (`Node.layer`); then
 * `Global.register(name, pid)`, `Global.whereis(name)`, `Global.send(name, message)`,
 * `Global.unregister(name)` and `Global.registeredNames` work as in Erlang.
 *
 * ## Two ways to run it
 *
 * - **Among effect-otp nodes** (`Global.layer()`, the default). Each node runs a name server
 *   (a GenServer registered as `effect_otp_global`) that keeps the table of names of the nodes it
 *   is connected to:
 *   - `register` asks the name server of every connected node that runs one; it succeeds when none
 *     holds the name for another pid, and then every one of them has it (`whereis` there sees it
 *     at once). A name held anywhere fails with `AlreadyRegistered`, and the nodes that took it
 *     meanwhile drop it again: two registrations of one name at the same moment on two nodes never
 *     both succeed (both may fail).
 *   - The node of the owner monitors it: when it exits, the name is dropped there and on every
 *     node it is connected to. When a node goes down (`NodeDown`: disconnect, lost connection,
 *     killed), every node drops the names of that node's processes.
 *   - When two nodes connect, each sends the other its own names. **A conflict** (one name, two
 *     pids) is resolved as OTP's default `global:random_exit_name/3` does, the same way on every
 *     node: the pid on the node whose name is smaller (as strings, Erlang's atom order) keeps the
 *     name; the other pid is killed (`Killed`) by its own node, with an info log line
 *     `global: name conflict, terminating <name> <pid>`.
 *   - `Global.sync` waits until the connected name servers have handled what this node's server
 *     sent them before, and this node's server what they sent back meanwhile (as `global:sync/0`).
 * - **Through an Erlang node's `global`** (`Global.layer({ through: "app@host" })`). Every call is
 *   an `rpc` to `global` on that node (`global:register_name/2`, `whereis_name/1`,
 *   `unregister_name/1`, `registered_names/0`): the names are those of the Erlang cluster, and
 *   Erlang's `global:whereis_name/1` sees a name registered here (and the other way round).
 *   `global` monitors the pids it registers, so a name is dropped when its owner exits or when the
 *   connection to this node is lost; conflicts are `global`'s (by default the same rule as above).
 *   `Global.sync` there waits until that node's `global_name_server` has handled what this node
 *   sent before (a `sys:get_state/1` of it), e.g. the exit of an owner.
 *
 * **Why not a member of `global` itself.** A visible node that joins `global` must speak
 * `global_name_server`'s internal protocol (`init_connect`, the exchange of names, `resolved`, the
 * `global` locker's lock negotiation, and OTP 25's `prevent_overlapping_partitions`, which
 * disconnects nodes it sees as partitioned). That protocol is not documented, changes between OTP
 * releases, and a mistake in it breaks the Erlang cluster, not only this node. `global`'s API is
 * documented and stable, so this node stays hidden and uses it through a connected Erlang node.
 *
 * ## Failures
 *
 * - `register`: `AlreadyRegistered { registeredName, pid }` when the name is held (by `pid`);
 *   `NoProc` when `pid` is a process of this node that is not alive; `BadArgument` for a pid of
 *   another node among effect-otp nodes (register it on its own node); `NoConnection` through an
 *   Erlang node that cannot be reached.
 * - `send`: `NotRegistered { registeredName }` for a name no process holds (Erlang's `global:send`
 *   exits with `badarg`); `NoConnection`.
 * - `unregister`: `NotRegistered` for a name no process holds; `NoConnection`.
 * - `whereis`, `registeredNames`: `NoConnection` through an Erlang node only.
 *
 * ## Differences from Erlang
 *
 * - No cluster-wide lock (`global:trans/2`, `set_lock/1`) and no custom conflict resolver.
 * - Among effect-otp nodes the cluster is the set of connected nodes: `global` connects every node
 *   to every other (a fully connected mesh); here a node knows the names of the nodes it is
 *   connected to.
 * - Names are strings (atoms on the wire).
 *
 * @since 0.2.0
 */
import { Context, Effect, Layer, Option } from "effect"
import { type Node as CoreNode, Errors, type GenServer, type Pid, Process } from "effect-otp"
import { amongNodes, NoConnection, throughErlang } from "./internal/global.ts"
import * as Node from "./Node.ts"

export {
  /**
   * The node that global names go through cannot be reached, or did not answer.
   *
   * @since 0.2.0
   * @category errors
   */
  NoConnection
}

/**
 * The operations of the global name server.
 *
 * @since 0.2.0
 * @category models
 */
export interface GlobalApi {
  /** See {@link register}. */
  readonly register: (
    name: string,
    pid: Pid.Any
  ) => Effect.Effect<void, Errors.AlreadyRegistered | Errors.NoProc | Errors.BadArgument | NoConnection>
  /** See {@link whereis}. */
  readonly whereis: (name: string) => Effect.Effect<Option.Option<Pid.Any>, NoConnection>
  /** See {@link unregister}. */
  readonly unregister: (name: string) => Effect.Effect<void, Errors.NotRegistered | NoConnection>
  /** See {@link registeredNames}. */
  readonly registeredNames: Effect.Effect<ReadonlyArray<string>, NoConnection>
  /** See {@link sync}. */
  readonly sync: Effect.Effect<void, NoConnection>
}

/**
 * The global name server of a node.
 *
 * @since 0.2.0
 * @category services
 */
export class Global extends Context.Service<Global, GlobalApi>()("@effect-otp/platform-node/Global") {}

/**
 * How {@link layer} runs.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** An Erlang node whose `global` holds the names (every call is an rpc to it). */
  readonly through?: string | undefined
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/**
 * Starts the global name server of the node in context and gives its operations (see the module
 * docs for the two ways it runs). Among effect-otp nodes it is a GenServer registered as
 * `effect_otp_global` on the node, stopped with the node; it fails with `GenServer.StartError`
 * when that name is taken.
 *
 * @since 0.2.0
 * @category constructors
 */
export const start = (options?: Options): Effect.Effect<GlobalApi, GenServer.StartError, Node.Distributed> =>
  Effect.flatMap(Effect.service(Node.Distributed), (dist) =>
    options?.through === undefined ? amongNodes(dist) : Effect.succeed(throughErlang(dist, options.through))
  )

/**
 * A layer with the global name server of the node in context (see {@link start}).
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options?: Options): Layer.Layer<Global, GenServer.StartError, Node.Distributed> =>
  Layer.effect(Global, start(options))

/**
 * Registers `pid` under `name` on every connected node (Erlang's `global:register_name/2`).
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Process } from "effect-otp"
 * import { Global, Node } from "@effect-otp/platform-node"
 *
 * const program = Effect.gen(function* () {
 *   const pid = yield* Process.spawn(Process.receive())
 *   yield* Global.register("leader", pid)
 *   // on any connected node that runs Global:
 *   yield* Global.send("leader", "hello")
 * })
 *
 * const node = Node.layer("ts@127.0.0.1", { cookie: "secret" })
 * program.pipe(Effect.provide(Global.layer().pipe(Layer.provideMerge(node))), Effect.runPromise)
 * ```
 *
 * @since 0.2.0
 * @category names
 */
export const register = (
  name: string,
  pid: Pid.Any
): Effect.Effect<void, Errors.AlreadyRegistered | Errors.NoProc | Errors.BadArgument | NoConnection, Global> =>
  Effect.flatMap(Effect.service(Global), (api) => api.register(name, pid))

/**
 * The pid registered under `name`, if any (Erlang's `global:whereis_name/1`).
 *
 * @since 0.2.0
 * @category names
 */
export const whereis = (name: string): Effect.Effect<Option.Option<Pid.Any>, NoConnection, Global> =>
  Effect.flatMap(Effect.service(Global), (api) => api.whereis(name))

/**
 * Sends `message` to the process registered under `name` (Erlang's `global:send/2`).
 *
 * @since 0.2.0
 * @category names
 */
export const send = (
  name: string,
  message: unknown
): Effect.Effect<void, Errors.NotRegistered | NoConnection, Global | CoreNode.Node> =>
  Effect.flatMap(whereis(name), (pid) =>
    Option.isNone(pid)
      ? Effect.fail(new Errors.NotRegistered({ registeredName: name }))
      : Effect.ignore(Process.send(pid.value as Pid.Pid<unknown, unknown>, message))
  )

/**
 * Removes a global name, on every connected node (Erlang's `global:unregister_name/1`).
 *
 * @since 0.2.0
 * @category names
 */
export const unregister = (name: string): Effect.Effect<void, Errors.NotRegistered | NoConnection, Global> =>
  Effect.flatMap(Effect.service(Global), (api) => api.unregister(name))

/**
 * The global names known here (Erlang's `global:registered_names/0`).
 *
 * @since 0.2.0
 * @category names
 */
export const registeredNames: Effect.Effect<ReadonlyArray<string>, NoConnection, Global> = Effect.flatMap(
  Effect.service(Global),
  (api) => api.registeredNames
)

/**
 * Waits until the name servers of the connected nodes have handled what this node's server sent
 * them before (Erlang's `global:sync/0`).
 *
 * @since 0.2.0
 * @category names
 */
export const sync: Effect.Effect<void, NoConnection, Global> = Effect.flatMap(Effect.service(Global), (api) => api.sync)
