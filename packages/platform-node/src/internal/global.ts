/**
 * Global's engine: the name server among effect-otp nodes (a GenServer registered as
 * `effect_otp_global` on each node), and the operations through an Erlang node's `global`.
 *
 * @internal
 */
import { Effect, Equal, Option, Schema } from "effect"
import { Errors, GenServer, Node as CoreNode, Pid, Process, Term } from "effect-otp"
import type { GlobalApi } from "../Global.ts"
import * as Node from "../Node.ts"
import * as Rpc from "../Rpc.ts"

/** The node that global names go through cannot be reached, or did not answer (`Global.NoConnection`). */
export class NoConnection extends Schema.TaggedError<NoConnection>()("NoConnection", {
  node: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `global names: no connection to ${this.node}: ${this.reason}`
  }
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

/** Starts this node's name server, among effect-otp nodes (`Global.start` without `through`). */
export const amongNodes = (dist: Node.DistributedApi): Effect.Effect<GlobalApi, GenServer.StartError> =>
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

/** The operations through the Erlang node `through`'s `global` (`Global.start({ through })`). */
export const throughErlang = (dist: Node.DistributedApi, through: string): GlobalApi => {
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
