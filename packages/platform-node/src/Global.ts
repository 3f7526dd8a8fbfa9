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
import { Context, Effect, Equal, Layer, Option, Schema } from "effect"
import { Errors, GenServer, Node as CoreNode, Pid, Process, Term } from "effect-otp"
import * as Node from "./Node.ts"
import * as Rpc from "./Rpc.ts"

/**
 * The node that global names go through cannot be reached, or did not answer.
 *
 * @since 0.2.0
 * @category errors
 */
export class NoConnection extends Schema.TaggedError<NoConnection>()("NoConnection", {
  node: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `global names: no connection to ${this.node}: ${this.reason}`
  }
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

const atom = Term.atom
const SERVER = "effect_otp_global"
const tag = atom("$effect_otp_global")
const yes = atom("yes")
const no = atom("no")
const isPid = (u: unknown): u is Pid.Any => Pid.isPid(u)

// ---------------------------------------------------------------------------------------------
// Among effect-otp nodes: the name server
// ---------------------------------------------------------------------------------------------

interface State {
  readonly self: string
  readonly names: Map<string, Pid.Any>
}

const nameOf = (term: Term.Term | undefined): string | undefined => (Term.isAtom(term) ? term.name : undefined)

/** The names of this node's processes, as `[{Name, Pid}]`. */
const ownNames = (state: State): Array<Term.Term> =>
  [...state.names].filter(([, pid]) => pid.node === state.self).map(([name, pid]) => Term.tuple(atom(name), pid))

/** Casts `message` to the name server of every connected node. */
const broadcast = (dist: Node.DistributedApi, message: Term.Tuple) =>
  Effect.forEach(dist.list(), (node) => Effect.ignore(Process.send({ name: SERVER, node }, message)), {
    discard: true
  })

/**
 * `pid` arrives for `name`, held by `current`: OTP's `random_exit_name/3`. The pid on the node with
 * the smaller name keeps it; the other is killed by its own node.
 */
const merge = (state: State, name: string, pid: Pid.Any): Effect.Effect<void> => {
  const current = state.names.get(name)
  if (current === undefined) {
    state.names.set(name, pid)
    return Effect.void
  }
  if (Equal.equals(current, pid)) return Effect.void
  const [winner, loser] = current.node <= pid.node ? [current, pid] : [pid, current]
  state.names.set(name, winner)
  if (loser.node !== state.self) return Effect.void
  return Effect.andThen(
    Effect.logInfo(`global: name conflict, terminating ${name} ${String(loser)}`),
    Process.kill(loser)
  )
}

/** Drops `name` if `pid` holds it. */
const drop = (state: State, name: string, pid: Pid.Any) => {
  const current = state.names.get(name)
  if (current !== undefined && Equal.equals(current, pid)) state.names.delete(name)
}

/**
 * Sends this node's own names to the name server of `node`: `{Tag, sync, [{Name, Pid}], ReplyTo}`,
 * where `ReplyTo` is this node's name when `node` should send its own back, else `false`.
 */
const sendSync = (state: State, node: string, answer: boolean) =>
  Effect.ignore(
    Process.send(
      { name: SERVER, node },
      Term.tuple(tag, atom("sync"), ownNames(state), answer ? atom(state.self) : false)
    )
  )

const serverBehaviour = (dist: Node.DistributedApi, state: State) =>
  GenServer.behaviour({
    protocol: [Term.Tuple],
    init: () =>
      Effect.gen(function* () {
        yield* Effect.provideService(Node.monitorNodes(true), Node.Distributed, dist)
        // the nodes connected before this server started: names both ways
        for (const node of dist.list()) yield* sendSync(state, node, true)
        return GenServer.ok(state)
      }),
    handleCall: {
      Tuple: (request: Term.Tuple, s: State) =>
        Effect.gen(function* () {
          const [op, rawName, pid] = request.elements
          const name = nameOf(rawName)
          // {register, Name, Pid}: yes, or {no, Holder}
          if (op === atom("register") && name !== undefined && isPid(pid)) {
            const holder = s.names.get(name)
            if (holder !== undefined && !Equal.equals(holder, pid)) {
              return GenServer.reply(Term.tuple(no, holder) as unknown, s)
            }
            if (holder === undefined) {
              s.names.set(name, pid)
              if (pid.node === s.self) yield* Process.monitor(pid)
            }
            return GenServer.reply(yes as unknown, s)
          }
          // {ping}: answered after everything that came before
          return GenServer.reply(yes as unknown, s)
        })
    },
    handleInfo: (message: unknown, s: State) =>
      Effect.gen(function* () {
        if (Term.isTuple(message) && message.elements[0] === tag) {
          // from a name server: {Tag, sync, [{Name, Pid}], ReplyTo} and {Tag, delete, Name, Pid}
          const [, op, a, b] = message.elements
          if (op === atom("sync") && Array.isArray(a)) {
            for (const entry of a as Array<Term.Term>) {
              if (!Term.isTuple(entry)) continue
              const name = nameOf(entry.elements[0])
              const pid = entry.elements[1]
              if (name !== undefined && isPid(pid)) yield* merge(s, name, pid)
            }
            if (Term.isAtom(b)) yield* sendSync(s, b.name, false)
          } else if (op === atom("delete")) {
            const name = nameOf(a)
            if (name !== undefined && isPid(b)) drop(s, name, b)
          }
        } else if (message instanceof Node.NodeUp) {
          yield* sendSync(s, message.node, false)
        } else if (message instanceof Node.NodeDown) {
          for (const [name, pid] of s.names) if (pid.node === message.node) s.names.delete(name)
        } else if (Process.isDown(message)) {
          for (const [name, pid] of s.names) {
            if (!Equal.equals(pid, message.pid)) continue
            s.names.delete(name)
            yield* broadcast(dist, Term.tuple(tag, atom("delete"), atom(name), pid))
          }
        }
        return GenServer.noreply(s)
      })
  })

const ask = (server: GenServer.Server<Term.Tuple>, request: Term.Tuple) =>
  GenServer.call(server, request) as Effect.Effect<unknown, GenServer.CallError | Errors.BadArgument>

const amongNodes = (dist: Node.DistributedApi): Effect.Effect<GlobalApi, GenServer.StartError> =>
  Effect.gen(function* () {
    const node = dist.node
    const state: State = { self: node.name, names: new Map() }
    const local = yield* Effect.provideService(
      GenServer.start(serverBehaviour(dist, state), undefined, { name: SERVER }),
      CoreNode.Node,
      node
    )
    const peerServer = (peer: string) => GenServer.remote<Term.Tuple>(SERVER, peer)
    const onNode = <A, E>(effect: Effect.Effect<A, E, CoreNode.Node>) =>
      Effect.provideService(effect, CoreNode.Node, node)

    const register: GlobalApi["register"] = (name, pid) =>
      onNode(
        Effect.gen(function* () {
          if (pid.node !== node.name) {
            return yield* Effect.fail(
              new Errors.BadArgument({
                function: "Global.register",
                field: "pid",
                value: pid,
                reason: `must be a process of this node (${node.name}): register it on its own node`
              })
            )
          }
          if (!(yield* Process.isAlive(pid))) return yield* Effect.fail(new Errors.NoProc({ pid }))
          const request = Term.tuple(atom("register"), atom(name), pid)
          const answer = yield* Effect.orDie(ask(local, request))
          if (answer !== yes) {
            return yield* Effect.fail(
              new Errors.AlreadyRegistered({ registeredName: name, pid: (answer as Term.Tuple).elements[1] as Pid.Any })
            )
          }
          // every connected node that runs a name server; one that runs none (an Erlang node)
          // answers NoProc at once, a node that goes away meanwhile drops the name with it
          const answers = yield* Effect.forEach(
            dist.list(),
            (peer) => Effect.map(Effect.option(ask(peerServer(peer), request)), (reply) => [peer, reply] as const),
            { concurrency: "unbounded" }
          )
          const refused = answers.find(([, reply]) => Option.isSome(reply) && reply.value !== yes)
          if (refused === undefined) return
          const undo = Term.tuple(tag, atom("delete"), atom(name), pid)
          yield* Effect.ignore(GenServer.send(local, undo))
          yield* broadcast(dist, undo)
          const holder = ((refused[1] as Option.Some<unknown>).value as Term.Tuple).elements[1] as Pid.Any
          return yield* Effect.fail(new Errors.AlreadyRegistered({ registeredName: name, pid: holder }))
        })
      )

    const api: GlobalApi = {
      register,
      whereis: (name) => Effect.sync(() => Option.fromUndefinedOr(state.names.get(name))),
      unregister: (name) =>
        onNode(
          Effect.gen(function* () {
            const pid = state.names.get(name)
            if (pid === undefined) return yield* Effect.fail(new Errors.NotRegistered({ registeredName: name }))
            state.names.delete(name)
            yield* broadcast(dist, Term.tuple(tag, atom("delete"), atom(name), pid))
          })
        ),
      registeredNames: Effect.sync(() => [...state.names.keys()]),
      sync: onNode(
        Effect.gen(function* () {
          const ping = Term.tuple(atom("ping"))
          // the local server first: what it sent before is in the peers' outboxes before our pings
          yield* Effect.ignore(ask(local, ping))
          yield* Effect.forEach(dist.list(), (peer) => Effect.ignore(ask(peerServer(peer), ping)), {
            concurrency: "unbounded",
            discard: true
          })
          // and what the peers sent back meanwhile (their names, after ours) is handled here
          yield* Effect.ignore(ask(local, ping))
        })
      )
    }
    return api
  })

// ---------------------------------------------------------------------------------------------
// Through an Erlang node's global
// ---------------------------------------------------------------------------------------------

const throughErlang = (dist: Node.DistributedApi, through: string): GlobalApi => {
  // connecting first gives the precise reason when the node cannot be reached
  const rpc = (fun: string, args: ReadonlyArray<Term.Term>, module = "global") =>
    Effect.andThen(dist.connect(through), Rpc.call(through, module, fun, args)).pipe(
      Effect.provideService(CoreNode.Node, dist.node),
      Effect.mapError((error) => new NoConnection({ node: through, reason: error.message }))
    )
  const whereis = (name: string) =>
    Effect.map(rpc("whereis_name", [atom(name)]), (pid) => (isPid(pid) ? Option.some(pid) : Option.none()))
  return {
    register: (name, pid) =>
      Effect.gen(function* () {
        if (pid.node === dist.name && !(yield* Effect.provideService(Process.isAlive(pid), CoreNode.Node, dist.node))) {
          return yield* Effect.fail(new Errors.NoProc({ pid }))
        }
        if ((yield* rpc("register_name", [atom(name), pid])) === yes) return
        const holder = yield* whereis(name)
        return yield* Effect.fail(
          new Errors.AlreadyRegistered({
            registeredName: name,
            pid: Option.getOrElse(holder, () => pid)
          })
        )
      }),
    whereis,
    unregister: (name) =>
      Effect.gen(function* () {
        if (Option.isNone(yield* whereis(name))) {
          return yield* Effect.fail(new Errors.NotRegistered({ registeredName: name }))
        }
        yield* rpc("unregister_name", [atom(name)])
      }),
    registeredNames: Effect.map(rpc("registered_names", []), (names) =>
      Array.isArray(names) ? names.flatMap((n) => (Term.isAtom(n) ? [n.name] : [])) : []
    ),
    // a system request to global_name_server: it is handled after what this node sent before
    sync: Effect.asVoid(rpc("get_state", [atom("global_name_server")], "sys"))
  }
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
