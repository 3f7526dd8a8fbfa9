/**
 * The signals of the distribution on the wire (`erl_dist_protocol`, "Protocol between connected
 * nodes"): the core's `Distribution.Transport` turned into control messages, and the control
 * messages that arrive turned into the core's `Distribution.Incoming` operations.
 *
 * | signal | control message |
 * |---|---|
 * | send to a pid / a name | SEND `{2, '', To}` / REG_SEND `{6, From, '', Name}`, then the message |
 * | link, unlink | LINK `{1, From, To}`, UNLINK_ID `{35, Id, From, To}` (answered with UNLINK_ID_ACK `{36, Id, From, To}`) |
 * | exit of a linked process, `exit/2`, `kill` | EXIT `{3, From, To, Reason}`, EXIT2 `{8, From, To, Reason}` |
 * | monitor, demonitor | MONITOR_P `{19, From, ToProc, Ref}`, DEMONITOR_P `{20, From, ToProc, Ref}` |
 * | a monitored process exited | MONITOR_P_EXIT `{21, FromProc, To, Ref, Reason}` |
 * | a reply to a `gen` call from another node | SEND `{2, '', Caller}`, then `{Tag, Reply}` |
 * | remote spawn (`Process.spawnOn`) | SPAWN_REQUEST `{29, ReqId, From, GroupLeader, {M, F, Arity}, Options}`, then the arguments |
 * | the answer to a SPAWN_REQUEST | SPAWN_REPLY `{31, ReqId, To, Flags, PidOrAtom}` |
 *
 * A built-in `net_kernel` answers `{is_auth, Node}` calls with `yes`, so `net_adm:ping/1` from an
 * Erlang node gets `pong`.
 *
 * @internal
 */
import { Cause, Effect, Exit, Schema } from "effect"
import { Distribution, ExitReason, type Node as CoreNode, Pid, Term } from "effect-otp"
import type * as Dist from "./distribution.ts"
import * as Handshake from "./handshake.ts"
import type { RegisteredSpawnHandler } from "../Node.ts"

const atom = Term.atom
const empty = atom("")
const genCall = atom("$gen_call")
const isAuth = atom("is_auth")
const yes = atom("yes")

const isPid = (u: unknown): u is Pid.Pid<never, unknown> => Pid.isPid(u)

const refKey = (ref: unknown): string =>
  ref instanceof Term.Reference ? `${ref.node}#${ref.creation}#${ref.ids.join(".")}` : String(ref)

const procTerm = (target: Distribution.Target): Term.Term => ("id" in target ? target : atom(target.name))

/** The module of a spawn handler name without a `:`: `effect_otp:Name` from Erlang. */
export const spawnModule = "effect_otp"

/** A spawn handler's name as `{Module, Function}`: `"m:f"` is `{m, f}`, any other `{effect_otp, Name}`. */
const spawnTarget = (handler: string): readonly [string, string] => {
  const colon = handler.indexOf(":")
  return colon < 0 ? [spawnModule, handler] : [handler.slice(0, colon), handler.slice(colon + 1)]
}

/** A registered spawn handler: the Schema of its arguments (decoded from the list of terms), its body. */

/**
 * Connects a core node to a distribution node: the transport the node sends through, and the handler
 * of what arrives. Returns a function that detaches it.
 */
export const wire = (
  node: CoreNode.NodeApi,
  dist: Dist.DistNode,
  runFork: <A, E>(effect: Effect.Effect<A, E>) => unknown,
  spawnHandlers: ReadonlyMap<string, RegisteredSpawnHandler>
): { readonly unwire: () => void; readonly undecodable: () => number } => {
  let unlinkIds = 0
  let undecodable = 0
  const systemPid = Pid.make(node.name, node.creation, 0) as Pid.Pid<never, unknown>
  const put = (to: string, packet: Handshake.Packet): boolean => {
    let bytes: Uint8Array
    try {
      bytes = Handshake.encodePacket(packet)
    } catch (error) {
      if (!(error instanceof Term.EncodeError)) throw error
      runFork(Effect.logWarning(`a message to ${to} has no Erlang term and was dropped: ${error.message}`))
      return false
    }
    dist.send(to, bytes)
    return true
  }
  const reason = Distribution.reasonToTerm
  const transport: Distribution.Transport = {
    send: (from, to, message) =>
      "id" in to
        ? put(to.node, { control: Term.tuple(2, empty, to), message: message as Term.Term })
        : put(to.node, { control: Term.tuple(6, from, empty, atom(to.name)), message: message as Term.Term }),
    link: (from, to) => void put(to.node, { control: Term.tuple(1, from, to) }),
    unlink: (from, to) => void put(to.node, { control: Term.tuple(35, ++unlinkIds, from, to) }),
    exit: (from, to, why, kind) =>
      void put(to.node, {
        control:
          kind === "link"
            ? Term.tuple(3, from, to, reason(why))
            : Term.tuple(8, from, to, kind === "kill" ? atom("kill") : reason(why))
      }),
    monitor: (from, target, ref) =>
      void put(target.node, {
        control: Term.tuple(19, from, procTerm(target), Distribution.monitorRefTerm(node, ref))
      }),
    demonitor: (from, target, ref) =>
      void put(target.node, {
        control: Term.tuple(20, from, procTerm(target), Distribution.monitorRefTerm(node, ref))
      }),
    // to the caller's pid, also for OTP 24+'s [alias | Ref] tags: the alias names the same process
    // (this node does not offer DFLAG_ALIAS)
    reply: (_from, to, tag, value) =>
      put(to.node, { control: Term.tuple(2, empty, to), message: Term.tuple(tag as Term.Term, value as Term.Term) }),
    monitorExit: (target, watcher, ref, why) =>
      void put(watcher.node, { control: Term.tuple(21, procTerm(target), watcher, ref as Term.Term, reason(why)) }),
    undecodable: (peer, description) => {
      undecodable++
      runFork(Effect.logWarning(`from ${peer}: ${description}`))
    },
    // `Process.spawnOn` to this node: its arguments cross to their terms and back, as they would to
    // another node, so the handler decodes the same values
    spawnHere: (handler, args) => {
      let terms: Term.Term
      try {
        terms = Term.decodeUnsafe(Term.encodeUnsafe(args as Array<Term.Term>))
      } catch (error) {
        if (!(error instanceof Term.EncodeError)) throw error
        return "badarg"
      }
      return spawnBody(node.name, handler, terms)
    },
    spawnRequest: (from, to, ref, handler, args, options) => {
      const [module, fun] = spawnTarget(handler)
      const opts: Array<Term.Term> = []
      if (options.link) opts.push(atom("link"))
      if (options.monitor) opts.push(atom("monitor"))
      // the group leader: the node's own pid, which takes no io requests
      return put(to, {
        control: Term.tuple(
          29,
          Distribution.monitorRefTerm(node, ref),
          from,
          systemPid,
          Term.tuple(atom(module), atom(fun), args.length),
          opts
        ),
        message: args as Array<Term.Term>
      })
    }
  }
  const { detach, incoming } = Distribution.attach(node, transport)

  /**
   * The body of the spawn handler `name` run with `args` (a list of terms from `peer`, decoded by its
   * Schema), or the atom the spawn is refused with: `undef` (no such handler) or `badarg` (the
   * arguments do not decode: logged and counted, and no handler runs).
   */
  function spawnBody(
    peer: string,
    name: string,
    args: Term.Term | undefined
  ): Effect.Effect<unknown, unknown> | string {
    const handler = spawnHandlers.get(name)
    if (handler === undefined) return "undef"
    const decoded = Array.isArray(args) ? Schema.decodeUnknownExit(handler.args)(args) : undefined
    if (decoded === undefined || Exit.isFailure(decoded)) {
      const why = decoded === undefined ? "the arguments are not a list" : Cause.pretty(decoded.cause)
      transport.undecodable(peer, `a spawn request for ${name} has arguments that do not decode: ${why}`)
      return "badarg"
    }
    return Effect.provideContext(handler.run(decoded.value), handler.context) as Effect.Effect<unknown, unknown>
  }

  /** OTP's `net_kernel`, as far as a ping needs it. */
  const netKernel = (message: Term.Term | undefined) => {
    if (!Term.isTuple(message) || message.elements[0] !== genCall) return
    const [, from, request] = message.elements
    if (!Term.isTuple(from) || !Term.isTuple(request) || request.elements[0] !== isAuth) return
    const [caller, tag] = from.elements
    if (isPid(caller)) transport.reply(systemPid, caller, tag, yes)
  }

  /**
   * SPAWN_REQUEST: the spawn handler named by `{Module, Function}` runs with the arguments its Schema
   * decoded, as a new process; the answer is its pid, or `undef` (no such handler) or `badarg` (the
   * arguments do not decode: logged and counted, and no handler runs).
   */
  const spawnRequest = (peer: string, e: ReadonlyArray<Term.Term>, args: Term.Term | undefined) => {
    const [, reqId, from, , mfa, opts] = e
    if (!isPid(from) || !Term.isTuple(mfa) || !Term.isAtom(mfa.elements[0]) || !Term.isAtom(mfa.elements[1])) return
    const answer = (flags: number, result: Term.Term) =>
      put(peer, { control: Term.tuple(31, reqId!, from, flags, result) })
    if (!Array.isArray(opts)) return answer(0, atom("badopt"))
    const module = mfa.elements[0].name
    const name = module === spawnModule ? mfa.elements[1].name : `${module}:${mfa.elements[1].name}`
    const body = spawnBody(peer, name, args)
    if (typeof body === "string") return answer(0, atom(body))
    const has = (option: string) =>
      (opts as ReadonlyArray<Term.Term>).some(
        (o) => o === atom(option) || (Term.isTuple(o) && o.elements[0] === atom(option))
      )
    const link = has("link")
    const monitor = has("monitor")
    // the packet comes from the socket's read, outside any fiber: the new process is spawned from a
    // fiber of the node's own (it takes its services from it), which runs at once
    let pid: Pid.Pid<never, unknown> | undefined
    runFork(
      Effect.sync(() => {
        pid = incoming.spawn(from, body, {
          link,
          monitor,
          ref: reqId,
          key: refKey(reqId)
        })
      })
    )
    answer((link ? 1 : 0) | (monitor ? 2 : 0), pid!)
  }

  dist.onPacket((peer, packet) => {
    const control = packet.control
    if (!Term.isTuple(control)) return
    const e = control.elements
    switch (e[0]) {
      case 2: // SEND {2, Unused, To}
      case 22: // SEND_SENDER {22, From, To}
        if (isPid(e[2])) incoming.deliver(e[2], packet.message, peer)
        return
      case 6: // REG_SEND {6, From, Unused, ToName}
        if (Term.isAtom(e[3]) && !incoming.deliver(e[3].name, packet.message, peer) && e[3].name === "net_kernel") {
          netKernel(packet.message)
        }
        return
      case 1: // LINK {1, From, To}
        if (isPid(e[1]) && isPid(e[2])) incoming.link(e[1], e[2])
        return
      case 4: // UNLINK {4, From, To} (before UNLINK_ID)
        if (isPid(e[1]) && isPid(e[2])) incoming.unlink(e[1], e[2])
        return
      case 35: // UNLINK_ID {35, Id, From, To}
        if (isPid(e[2]) && isPid(e[3])) {
          incoming.unlink(e[2], e[3])
          put(peer, { control: Term.tuple(36, e[1]!, e[3], e[2]) })
        }
        return
      case 36: // UNLINK_ID_ACK: the link was already removed here when the unlink was sent
        return
      case 3: // EXIT {3, From, To, Reason}
        if (isPid(e[1]) && isPid(e[2])) incoming.exit(e[1], e[2], Distribution.reasonFromTerm(e[3]!), "link")
        return
      case 8: // EXIT2 {8, From, To, Reason}
        if (isPid(e[1]) && isPid(e[2])) {
          const kill = e[3] === atom("kill")
          incoming.exit(
            e[1],
            e[2],
            kill ? ExitReason.killed : Distribution.reasonFromTerm(e[3]!),
            kill ? "kill" : "exit"
          )
        }
        return
      case 19: {
        // MONITOR_P {19, From, ToProc, Ref}
        const target = Term.isAtom(e[2]) ? e[2].name : isPid(e[2]) ? e[2] : undefined
        // a call to the built-in net_kernel monitors it: it never goes down
        if (target === "net_kernel" && !incoming.isRegistered(target)) return
        if (isPid(e[1]) && target !== undefined) incoming.monitor(e[1], target, e[3], refKey(e[3]))
        return
      }
      case 20: {
        // DEMONITOR_P {20, From, ToProc, Ref}
        const target = Term.isAtom(e[2]) ? e[2].name : isPid(e[2]) ? e[2] : undefined
        if (target !== undefined) incoming.demonitor(target, refKey(e[3]))
        return
      }
      case 29: // SPAWN_REQUEST {29, ReqId, From, GroupLeader, {M, F, A}, Opts}, then the arguments
        spawnRequest(peer, e, packet.message)
        return
      case 31: // SPAWN_REPLY {31, ReqId, To, Flags, Result}
        if (e[1] instanceof Term.Reference && e[1].node === node.name && isPid(e[2]) && typeof e[3] === "number") {
          const result = isPid(e[4]) ? e[4] : Term.isAtom(e[4]) ? e[4].name : "badarg"
          incoming.spawnReply(e[2], Distribution.refIdOf(e[1]), e[3], result)
        }
        return
      case 21: // MONITOR_P_EXIT {21, FromProc, To, Ref, Reason}
        if (isPid(e[2]) && e[3] instanceof Term.Reference && e[3].node === node.name) {
          incoming.monitorExit(e[2], Distribution.refIdOf(e[3]), Distribution.reasonFromTerm(e[4]!))
        }
        return
    }
  })
  const unsubscribe = dist.subscribe((event) => {
    if (event._tag !== "NodeUp") incoming.nodeDown(event.node)
  })
  return {
    unwire: () => {
      unsubscribe()
      detach()
    },
    undecodable: () => undecodable
  }
}
