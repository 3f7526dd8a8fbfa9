/**
 * Distributed nodes: an effect-otp node that speaks Erlang's distribution protocol, so that its
 * processes send to, link to and monitor processes of other effect-otp nodes and of Erlang and
 * Elixir nodes, as processes of one node do.
 *
 * ## Distribution
 *
 * ### Start a node
 *
 * `Node.layer(name, { cookie })` starts a node named `name@host`: it provides the core's `Node`
 * service (so `Process`, `GenServer`, `Supervisor` work as on any node) and the {@link Distributed}
 * service (`connect`, `list`, `monitorNodes`, `disconnect`). It listens on `127.0.0.1` (option
 * `host`) on a free port (option `port`) and registers with EPMD: the real `epmd` when one answers
 * on its port (4369, or `ERL_EPMD_PORT`, or option `epmdPort`), else an EPMD of its own.
 *
 * ```ts
 * import { Effect } from "effect"
 * import { Process } from "effect-otp"
 * import { Node } from "@effect-otp/platform-node"
 *
 * const program = Effect.gen(function* () {
 *   yield* Node.connect("app@127.0.0.1") // an `iex --sname app` or `erl -sname app` node
 *   yield* Process.send({ name: "my_server", node: "app@127.0.0.1" }, "hello")
 * })
 *
 * program.pipe(Effect.provide(Node.layer("ts@127.0.0.1", { cookie: "secret" })), Effect.runPromise)
 * ```
 *
 * ### Connect to an Elixir or Erlang node
 *
 * Start it with the same cookie and a name the host resolves, e.g. `iex --name app@127.0.0.1
 * --cookie secret`; then `Node.connect("app@127.0.0.1")` from TypeScript, or
 * `Node.connect(:"ts@127.0.0.1")` from iex (the TypeScript node is hidden by default: it shows in
 * `Node.list(:hidden)`, not in `Node.list()`). Sending to a pid or a `{ name, node }` of a node that
 * is not connected connects first, as Erlang does.
 *
 * ### What crosses the wire
 *
 * Erlang terms (see the core's `Term` module for the mapping): numbers, atoms, tuples, lists,
 * binaries and strings (as binaries), maps, pids, references. A message that has no term (a plain
 * object, a class instance, a function) cannot cross: it is dropped, counted in the node's
 * `messagesDropped` and logged. Encode typed messages with `Term.codec(schema)` (typed calls and
 * casts do it for you, see below). Messages from
 * Erlang arrive as terms; a packet that does not decode is logged, counted ({@link undecodable})
 * and skipped, and the connection goes on.
 *
 * **Typed requests.** A `GenServer.call` whose request is a `Request.Class` sends the term of its
 * Schema (`Term.codec`: a map with atom keys, `%{_tag: "Deposit", amount: 5}` as Elixir writes it).
 * The server decodes it with the class of that `_tag` its behaviour's `protocol` declares, and
 * answers `{ok, Success}` or `{error, Failure}` encoded with the request's `success` and `failure`
 * Schemas, which the caller decodes: a declared error arrives as an instance of its class. An Erlang
 * or Elixir caller sends the map and gets the tuples. A request that does not decode reaches no
 * handler: the server answers `{undecodable, request, Why}` at once (the caller's
 * `Errors.Undecodable`); a reply that does not decode fails the call with `Undecodable` too. Both are
 * logged and counted in {@link undecodable}, and the connection goes on. A request that is a term
 * (`Term.tuple(...)`) keeps the plain gen protocol.
 *
 * **Typed casts and messages.** A behaviour (GenServer or GenStatem) may declare the Schema of its
 * casts (`casts`) and of its other messages (`infos`). A `{'$gen_cast', Message}` from another node
 * is then decoded with `Term.codec(casts)` before `handleCast` sees it, and any other message with
 * `Term.codec(infos)` before `handleInfo` does. One that does not decode reaches no handler: it is
 * logged with the sender's node, counted in {@link undecodable} and dropped, and the connection goes
 * on. `GenServer.cast` to a server of another node sends the term of the reference's `casts`
 * (`GenServer.remote(name, node, Behaviour)`), or of the Schema class the message is an instance
 * of, so a class instance or a struct arrives as the same value. Local casts and messages are never
 * decoded; without these Schemas, a cast or message from another node arrives as the term it came
 * as (an Erlang node can put any term there: declare the Schemas to type what crosses).
 *
 * Signals keep their local meaning: links and exit signals (`kill` included), monitors and `Down`,
 * `Process.exit`. Exit reasons cross as Erlang's (`normal`, `shutdown`, `{shutdown, T}`, `killed`,
 * `noproc`, `noconnection`; a failure whose error is a term is that term, any other is `{failure,
 * <<"pretty cause">>}`). When a connection is lost (the peer stopped, was killed, stopped ticking
 * for `tickTime`, or sent a malformed frame), every link and monitor across it fires once with
 * `NoConnection`. Messages from one process to another arrive in the order they were sent.
 *
 * ### Remote spawn
 *
 * {@link registerSpawnHandler} offers a handler to other nodes: `Process.spawnOn(node, name, args, {
 * link, monitor })` there (or Erlang's `erlang:spawn_request(Node, effect_otp, Name, Args, Opts)`)
 * starts a process here running it with `args` decoded by its Schema, linked to and monitored by the
 * caller as asked, before its body runs. A name without `:` is the function `Name` of the module
 * `effect_otp`; `"m:f"` is `m:f`, which is also how `Process.spawnOn` names a function on an Erlang
 * node. On the wire: SPAWN_REQUEST and SPAWN_REPLY (this node offers `DFLAG_SPAWN`). A name nobody
 * registered is answered `undef`, arguments that do not decode `badarg` (logged and counted in
 * {@link undecodable}; no handler runs): the caller's `Errors.SpawnFailed` with that reason.
 * `Process.spawnOn` to the node's own name runs its own handler as a local process, as Erlang's
 * `spawn_request(node(), ...)` spawns locally: the same decoding of the arguments (they go to their
 * terms and back), the same link and monitor options, the same `undef` / `badarg`.
 *
 * ### Observing a node
 *
 * Every node started here runs an observer: a GenServer registered as `effect_otp_observer` that
 * answers `otp observer --node name@host --cookie secret` (and `ObserverRemote`): the node's
 * `Observer` snapshot, one process's detail, and the commands kill, suspend, resume and trace, as
 * `$gen_call`s with terms, so an Erlang node can ask it too (`gen_server:call({effect_otp_observer,
 * 'ts@127.0.0.1'}, {snapshot})`). It records the processes' events only from its first request on;
 * before that it costs one idle process. A peer that knows the cookie can already do anything on
 * the node (see below), so the commands need no other permission. `observer: false` leaves it out.
 *
 * ### Security
 *
 * The cookie only authenticates the handshake; it is **not encryption**, and a node that knows it
 * can run anything on yours (an Erlang peer can call any function through `rpc`). Bind to a private
 * network (the default is `127.0.0.1`), keep the cookie secret, and firewall the EPMD and
 * distribution ports. TLS distribution is a later step.
 *
 * ## Failures
 *
 * - `start` / `layer`: `InvalidNodeName` (not `name@host`), the `Epmd` errors (`EpmdRefused` when
 *   the name is taken), `ConnectFailed` when the port cannot be listened on.
 * - `connect` (and the first send to a node, whose links and monitors then fire `NoConnection`):
 *   - `ConnectFailed { node, reason }`: the node is not registered with EPMD, nothing listens on
 *     its port, or it is this node;
 *   - `HandshakeFailed { node, reason }`: the node was reached but the handshake did not complete:
 *     the cookies differ (`"the peer closed the connection: the cookies differ"` or `"the peer's
 *     answer to our challenge is wrong: the cookies differ"`), or a handshake message was
 *     unexpected or malformed;
 *   - `NotAllowed { node }`: the node answered `not_allowed` (Erlang's `net_kernel:allow/1` leaves
 *     this node out).
 *
 *   In every case nothing is connected, no `NodeUp` is sent, and both nodes go on running.
 * - `registerSpawnHandler`: {@link SpawnHandlerExists} when the name is taken.
 * - `Process.spawnOn` (see its docs): `SpawnFailed` (`undef`, `badarg`, ...), `NoConnection`,
 *   `SpawnTimeout`, `BadArgument`.
 * - A typed call across nodes: `Errors.Undecodable` when its request or reply does not decode.
 * - A typed cast or message that does not decode on arrival: no error to anyone (a cast has no
 *   answer); it is logged, counted in {@link undecodable} and dropped. A cast that does not encode
 *   is dropped and logged, as a message that has no term.
 * - A frame that is not a distribution message or longer than `maxPacket` drops that connection
 *   with a logged reason (`NodeDown` with that reason); the node keeps running.
 *
 * ## Differences from Erlang
 *
 * - Hidden by default, and never a member of `global`'s cluster: the `Global` module keeps global
 *   names among effect-otp nodes, or goes through an Erlang node's `global` (see its docs for
 *   why).
 * - Remote spawn runs registered handlers, not any function: an Erlang `spawn_request` for a name
 *   nobody registered (or a `Process.spawnOn` to this node's own name) is answered `undef` at once,
 *   where an Erlang node would start a process that crashes with `undef`. The group leader sent with our requests is this node's `<0.0>` pid, which
 *   takes no io requests.
 * - GenServer calls cross as OTP's `$gen_call` / `$gen_cast` (see `GenServer.remote`), with terms as
 *   requests and replies; a reply to an OTP 24+ call goes to the caller's pid, not to its alias
 *   (this node offers no `DFLAG_ALIAS`), so a reply that comes after the caller gave up is not
 *   dropped by the runtime there, as it would be between two Erlang nodes.
 * - No atom cache and no fragmentation: every packet is sent whole, in the plain `112` framing.
 * - A monitor by name works both ways (`Process.monitor({ name, node })`); its `Down` carries
 *   `name: { name, node }` (Erlang's `{Name, Node}` object) and, since MONITOR_P_EXIT carries no
 *   pid, names the node's `<0.0>` as its `pid`.
 *
 * @since 0.2.0
 */
import { Context, Data, Effect, Layer, Schema, Scope } from "effect"
import { Node as CoreNode, Process, Term } from "effect-otp"
import type * as Epmd from "./Epmd.ts"
import * as Dist from "./internal/distribution.ts"
import { ConnectFailed } from "./internal/handshake.ts"
import { HandshakeFailed, NotAllowed } from "./internal/handshake.ts"
import * as observerNode from "./internal/observerNode.ts"
import { wire } from "./internal/wire.ts"

export {
  /**
   * A node could not be reached: it is not registered with EPMD, nothing listens on its port, or it
   * is this node. Also what {@link start} fails with when it cannot listen on its port.
   *
   * @since 0.2.0
   * @category errors
   */
  ConnectFailed
}

/**
 * A spawn handler of that name is already registered on this node.
 *
 * @since 0.2.0
 * @category errors
 */
export class SpawnHandlerExists extends Schema.TaggedError<SpawnHandlerExists>()("SpawnHandlerExists", {
  handler: Schema.String
}) {
  override get message(): string {
    return `a spawn handler named ${this.handler} is already registered`
  }
}

export {
  /**
   * The handshake with a node that was reached did not complete: the cookies differ (the peer's
   * digest did not match ours, or it closed the connection after our answer to its challenge), or a
   * handshake message was unexpected or malformed. Nothing is connected.
   *
   * @since 0.2.0
   * @category errors
   */
  HandshakeFailed,
  /**
   * The node answered the handshake with `not_allowed`: it refuses this node (Erlang's
   * `net_kernel:allow/1` leaves it out, or this node lacks a capability the peer requires). Nothing
   * is connected.
   *
   * @since 0.2.0
   * @category errors
   */
  NotAllowed
}

/**
 * What {@link connect} can fail with.
 *
 * @since 0.2.0
 * @category errors
 */
export type ConnectError = ConnectFailed | HandshakeFailed | NotAllowed

/**
 * What {@link start} can fail with.
 *
 * @since 0.2.0
 * @category errors
 */
export type StartError = Epmd.EpmdError | ConnectFailed

/**
 * The message a process that called {@link monitorNodes} receives when a connection to a node is
 * up (Erlang's `{nodeup, Node}`).
 *
 * @since 0.2.0
 * @category messages
 */
export class NodeUp extends Data.TaggedClass("NodeUp")<{ readonly node: string }> {}

/**
 * The message a process that called {@link monitorNodes} receives when a connection to a node is
 * lost (Erlang's `{nodedown, Node}`), with why: `"disconnect"`, `"connection closed"`,
 * `"net_tick_timeout"`, or what was wrong with a packet.
 *
 * @since 0.2.0
 * @category messages
 */
export class NodeDown extends Data.TaggedClass("NodeDown")<{ readonly node: string; readonly reason: string }> {}

/**
 * How a node starts.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** The shared secret of the handshake. It authenticates; it does not encrypt. */
  readonly cookie: string
  /** Default `true`: not in the peers' `nodes()`, and no part of `global`. */
  readonly hidden?: boolean | undefined
  /** The port to listen on. Default 0: any free port, published through EPMD. */
  readonly port?: number | undefined
  /** The address to listen on. Default `127.0.0.1`. */
  readonly host?: string | undefined
  /** EPMD's port. Default 4369 (or `ERL_EPMD_PORT`). */
  readonly epmdPort?: number | undefined
  /** OTP's `net_ticktime`: a peer silent this long is down. Default 60 seconds, as OTP's. */
  readonly tickTime?: import("effect").Duration.Input | undefined
  /** The largest packet accepted; a longer one drops its connection. Default 64 MiB. */
  readonly maxPacket?: number | undefined
  /** The core node's scheduler (see the core's `Node.Options`). */
  readonly scheduler?: "effect" | "runQueue" | undefined
  /**
   * Whether the node runs its observer, the process `effect_otp_observer` that answers
   * `otp observer --node` (see "Observing a node"). Default `true`.
   */
  readonly observer?: boolean | undefined
}

/**
 * A started distributed node.
 *
 * @since 0.2.0
 * @category models
 */
export interface DistributedApi {
  /** `name@host` */
  readonly name: string
  /** The creation EPMD gave this incarnation: peers see it in its pids. */
  readonly creation: number
  /** The port it listens on. */
  readonly port: number
  /** The core node: its processes. */
  readonly node: CoreNode.NodeApi
  /** Connects to `node`; done at once when connected. */
  readonly connect: (node: string) => Effect.Effect<void, ConnectError>
  /** Closes the connection to `node`, if any. */
  readonly disconnect: (node: string) => Effect.Effect<void>
  /** The connected nodes now. */
  readonly list: () => ReadonlyArray<string>
  /** The packets that did not decode so far (each was logged and skipped). */
  readonly undecodable: () => number
  /** Calls `f` with every `NodeUp` / `NodeDown` until the returned function is called. */
  readonly subscribe: (f: (event: NodeUp | NodeDown) => void) => () => void
  /** The spawn handlers other nodes can run here (see {@link registerSpawnHandler}), by name. */
  readonly spawnHandlers: Map<string, RegisteredSpawnHandler>
}

/**
 * A spawn handler as the node keeps it (see {@link registerSpawnHandler}): the decoder of its
 * arguments, its body, and the services it was registered with.
 *
 * @since 0.2.0
 * @category models
 */
export interface RegisteredSpawnHandler {
  readonly args: Schema.Decoder<unknown>
  readonly run: (args: unknown) => Effect.Effect<unknown, unknown, unknown>
  readonly context: Context.Context<never>
}

/**
 * The service of a distributed node.
 *
 * @since 0.2.0
 * @category services
 */
export class Distributed extends Context.Service<Distributed, DistributedApi>()(
  "@effect-otp/platform-node/Node/Distributed"
) {}

/**
 * Starts a distributed node in the current scope: listening, registered with EPMD, with a core node
 * of the same name. Closing the scope stops its processes, closes its connections and unregisters
 * it.
 *
 * @since 0.2.0
 * @category constructors
 */
export const start = (name: string, options: Options): Effect.Effect<DistributedApi, StartError, Scope.Scope> =>
  Effect.gen(function* () {
    const dist = yield* Dist.start({
      name,
      cookie: options.cookie,
      hidden: options.hidden,
      host: options.host,
      port: options.port,
      epmdPort: options.epmdPort,
      tickTime: options.tickTime,
      maxPacket: options.maxPacket
    })
    const node = yield* CoreNode.make({ name, creation: dist.creation, scheduler: options.scheduler })
    const runFork = Effect.runForkWith(yield* Effect.context<never>())
    const spawnHandlers = new Map<string, RegisteredSpawnHandler>()
    const wired = wire(node, dist, runFork, spawnHandlers)
    yield* Effect.addFinalizer(() => Effect.sync(wired.unwire))
    if (options.observer !== false) yield* Effect.provideService(observerNode.start, CoreNode.Node, node)
    const subscribe = (f: (event: NodeUp | NodeDown) => void) =>
      dist.subscribe((event) => {
        if (event._tag === "NodeUp") f(new NodeUp({ node: event.node }))
        else if (event._tag === "NodeDown") f(new NodeDown({ node: event.node, reason: event.reason }))
      })
    return {
      name,
      creation: dist.creation,
      port: dist.port,
      node,
      connect: (peer) => Effect.asVoid(dist.connect(peer)),
      disconnect: dist.disconnect,
      list: dist.nodes,
      undecodable: () => dist.undecodable() + wired.undecodable(),
      subscribe,
      spawnHandlers
    } satisfies DistributedApi
  })

/**
 * A layer with a distributed node: the core's `Node` service and {@link Distributed}.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (name: string, options: Options): Layer.Layer<CoreNode.Node | Distributed, StartError> =>
  Layer.effectContext(
    Effect.map(start(name, options), (api) => Context.make(Distributed, api).pipe(Context.add(CoreNode.Node, api.node)))
  )

/**
 * Connects to `node` (`name@host`); succeeds at once when connected.
 *
 * @since 0.2.0
 * @category client
 */
export const connect = (node: string): Effect.Effect<void, ConnectError, Distributed> =>
  Effect.flatMap(Effect.service(Distributed), (api) => api.connect(node))

/**
 * Closes the connection to `node`, if any: its `NodeDown` reason is `"disconnect"`, and every link
 * and monitor across it fires with `NoConnection`.
 *
 * @since 0.2.0
 * @category client
 */
export const disconnect = (node: string): Effect.Effect<void, never, Distributed> =>
  Effect.flatMap(Effect.service(Distributed), (api) => api.disconnect(node))

/**
 * The nodes connected now (Erlang's `nodes(connected)`).
 *
 * @since 0.2.0
 * @category client
 */
export const list: Effect.Effect<ReadonlyArray<string>, never, Distributed> = Effect.map(
  Effect.service(Distributed),
  (api) => api.list()
)

/**
 * A spawn handler: the Schema of its arguments and the body of the process it starts.
 *
 * @since 0.2.0
 * @category models
 */
export interface SpawnHandler<A, I, R> {
  /**
   * The Schema of the argument list, decoded from the list of terms the request carries through
   * `Term.codec` (so `Schema.Tuple([Schema.String, Schema.Int])` takes `[<<"bob">>, 3]`).
   */
  readonly args: Schema.Codec<A, I>
  /** The body of the new process. */
  readonly run: (args: A) => Effect.Effect<unknown, unknown, R>
}

/**
 * Registers a spawn handler: from now on another node's `Process.spawnOn(thisNode, name, args)`
 * (or Erlang's `erlang:spawn_request(ThisNode, effect_otp, Name, Args, Options)`) starts a process
 * on this node running `handler.run` with the arguments decoded by `handler.args`.
 *
 * **Details**
 *
 * - The name maps to Erlang's `{Module, Function}`: a name without a `:` is the function of the
 *   module `effect_otp` (`"greeter"` is `effect_otp:greeter`), `"m:f"` is `m:f` (a handler that
 *   stands in for an Erlang function).
 * - The arguments are the request's list of terms, decoded with `Term.codec(handler.args)`.
 *   Arguments that do not decode start nothing: the request is answered with `badarg` (the caller's
 *   `SpawnFailed`), logged and counted in {@link undecodable}. A name nobody registered is answered
 *   with `undef`.
 * - The process runs with the services in context here (but its own `Self`), is linked to and
 *   monitored by the caller as it asked, both before its body runs.
 * - A name that is taken fails with {@link SpawnHandlerExists}; {@link unregisterSpawnHandler}
 *   frees it.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { Process } from "effect-otp"
 * import { Node } from "@effect-otp/platform-node"
 *
 * const register = Node.registerSpawnHandler("greeter", {
 *   args: Schema.Tuple([Schema.String]),
 *   run: ([name]) =>
 *     Effect.gen(function* () {
 *       const from = yield* Process.receive<Process.Pid<string>>()
 *       yield* Process.send(from, `hello ${name}`)
 *     })
 * })
 * ```
 *
 * @since 0.2.0
 * @category processes
 */
export const registerSpawnHandler = <A, I, R>(
  name: string,
  handler: SpawnHandler<A, I, R>
): Effect.Effect<void, SpawnHandlerExists, Distributed | Exclude<R, Process.Provided>> =>
  Effect.flatMap(Effect.service(Distributed), (api) =>
    Effect.flatMap(Effect.context<never>(), (context) => {
      if (api.spawnHandlers.has(name)) return Effect.fail(new SpawnHandlerExists({ handler: name }))
      api.spawnHandlers.set(name, {
        args: Term.codec(handler.args) as unknown as Schema.Decoder<unknown>,
        run: handler.run as (args: unknown) => Effect.Effect<unknown, unknown, unknown>,
        context: Context.omit(Process.Self, Scope.Scope)(context) as Context.Context<never>
      })
      return Effect.void
    })
  )

/**
 * Removes the spawn handler `name`, if any: later requests for it are answered with `undef`. The
 * processes it started go on.
 *
 * @since 0.2.0
 * @category processes
 */
export const unregisterSpawnHandler = (name: string): Effect.Effect<void, never, Distributed> =>
  Effect.map(Effect.service(Distributed), (api) => void api.spawnHandlers.delete(name))

/**
 * The packets that arrived and did not decode so far (each was logged and skipped), and the typed
 * requests, replies, casts and messages that did not decode with their Schemas (each was logged, and
 * reached no handler).
 *
 * @since 0.2.0
 * @category client
 */
export const undecodable: Effect.Effect<number, never, Distributed> = Effect.map(Effect.service(Distributed), (api) =>
  api.undecodable()
)

const monitors = new WeakMap<DistributedApi, Map<string, () => void>>()

/**
 * Subscribes the calling process to {@link NodeUp} / {@link NodeDown} messages (`true`), or stops
 * them (`false`), as Erlang's `net_kernel:monitor_nodes/1`. A process subscribed twice gets each
 * message once; the subscription ends when the process exits.
 *
 * @since 0.2.0
 * @category client
 */
export const monitorNodes = (
  flag: boolean
): Effect.Effect<void, never, Distributed | Process.Self<NodeUp | NodeDown>> =>
  Effect.flatMap(Effect.service(Distributed), (api) =>
    Effect.map(Process.self<NodeUp | NodeDown>(), (self) => {
      let table = monitors.get(api)
      if (table === undefined) monitors.set(api, (table = new Map()))
      const key = String(self.id)
      table.get(key)?.()
      table.delete(key)
      if (!flag) return
      const unsubscribe = api.subscribe((event) => {
        if (!Process.sendUnsafe(self, event)) {
          unsubscribe()
          if (table.get(key) === unsubscribe) table.delete(key)
        }
      })
      table.set(key, unsubscribe)
    })
  )
