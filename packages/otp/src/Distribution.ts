/**
 * The hook between a node and a distribution transport: how processes reach pids and names of
 * other nodes. The core defines it and holds no sockets; `@effect-otp/platform-node`'s `Node.start`
 * is the transport that speaks Erlang's distribution protocol over TCP. Application code does not
 * use this module: it uses `Process.send`, `link`, `monitor`, `exit` with pids of other nodes, and
 * `Process.send({ name, node }, message)`.
 *
 * A transport is attached to a node with {@link attach}. From then on:
 *
 * - a signal from a local process to a pid or name of another node (send, link, unlink, exit,
 *   kill, monitor, demonitor, a remote spawn's request) calls the transport synchronously, in the
 *   order the processes made them; the transport must keep that order per target node;
 * - a typed request or reply that did not decode is reported to the transport (`undecodable`), which
 *   logs and counts it;
 * - a local process that exits sends its exit to its links on other nodes (`exit` with kind
 *   `"link"`), a `monitorExit` to the processes of other nodes monitoring it, and takes back the
 *   monitors it held there (`demonitor`);
 * - the transport hands what arrives to the {@link Incoming} operations, and calls
 *   {@link Incoming.nodeDown} when a connection is lost: every link and monitor across it then fires
 *   once with `NoConnection`.
 *
 * Pids of another node are never looked up locally once a node is distributed, even when that node
 * runs in the same OS process: two distributed nodes in one process talk over the wire, as two
 * machines would.
 *
 * @since 0.2.0
 */
import { Cause, type Effect, Fiber, Option } from "effect"
import * as ExitReason from "./ExitReason.ts"
import * as kernel from "./internal/kernel.ts"
import { stateOf } from "./internal/node.ts"
import * as remote from "./internal/remote.ts"
import * as server from "./internal/server.ts"
import type * as Node from "./Node.ts"
import type * as Pid from "./Pid.ts"
import * as Term from "./Term.ts"
import type { RemoteName, Target, Transport } from "./internal/remote.ts"

export type {
  /**
   * A process of another node named by its registered name there: Erlang's `{Name, Node}`.
   *
   * @since 0.2.0
   * @category models
   */
  RemoteName
}

export type {
  /**
   * What a monitor names: a pid, or a registered name on a node.
   *
   * @since 0.2.0
   * @category models
   */
  Target
}

export type {
  /**
   * What the node asks of its transport. Each call is synchronous and must not fail: a signal to a
   * node that cannot be reached is dropped, and the loss of the connection is reported back with
   * {@link Incoming.nodeDown}.
   *
   * @since 0.2.0
   * @category models
   */
  Transport
}

/**
 * The kind of an exit signal: `"link"` (a linked process exited: Erlang's EXIT), `"exit"`
 * (`Process.exit`: EXIT2), `"kill"` (`Process.kill`: EXIT2 with `kill`).
 *
 * @since 0.2.0
 * @category models
 */
export type SignalKind = "link" | "exit" | "kill"

/**
 * What a transport hands to the node: the signals that arrived from other nodes.
 *
 * @since 0.2.0
 * @category models
 */
export interface Incoming {
  /**
   * SEND / REG_SEND from the node `peer` to a local pid or registered name; false when nobody is
   * there. A server whose behaviour declares the Schema of its casts or other messages gets them
   * decoded; one that does not decode is reported to the transport (`undecodable`) and dropped.
   */
  readonly deliver: (to: Pid.Pid<never, unknown> | string, message: unknown, peer: string) => boolean
  /** LINK; a dead local end answers at once with an exit `NoProc`. */
  readonly link: (from: Pid.Pid<never, unknown>, to: Pid.Pid<never, unknown>) => void
  /** UNLINK / UNLINK_ID */
  readonly unlink: (from: Pid.Pid<never, unknown>, to: Pid.Pid<never, unknown>) => void
  /** EXIT (`"link"`: only while the link is there) and EXIT2 (`"exit"`, `"kill"`). */
  readonly exit: (
    from: Pid.Pid<never, unknown>,
    to: Pid.Pid<never, unknown>,
    reason: ExitReason.ExitReason,
    kind: SignalKind
  ) => void
  /**
   * MONITOR_P of a local pid or name by `watcher`; `ref` is the watcher's reference as it came, and
   * `key` a string that tells it apart (for the DEMONITOR_P). A dead target answers at once with a
   * `monitorExit` `NoProc`.
   */
  readonly monitor: (
    watcher: Pid.Pid<never, unknown>,
    target: Pid.Pid<never, unknown> | string,
    ref: unknown,
    key: string
  ) => void
  /** DEMONITOR_P */
  readonly demonitor: (target: Pid.Pid<never, unknown> | string, key: string) => void
  /** MONITOR_P_EXIT for a monitor a local process holds: its `MonitorRef`'s `id`. */
  readonly monitorExit: (watcher: Pid.Pid<never, unknown>, refId: number, reason: ExitReason.ExitReason) => void
  /** The connection to `node` is lost: every link and monitor across it fires with `NoConnection`. */
  readonly nodeDown: (node: string) => void
  /** A live local process holds the registered name `name`. */
  readonly isRegistered: (name: string) => boolean
  /**
   * SPAWN_REQUEST from `parent`: spawns `body` as a new local process, linked to `parent` when
   * `link` is set and monitored by it (`ref` is the request's id as it came, `key` tells it apart
   * for the DEMONITOR_P) when `monitor` is set, all before the body runs; returns its pid, which the
   * transport sends back in the SPAWN_REPLY before anything else the process may send. Called from
   * inside a fiber: the new process starts from that fiber's context and on its scheduler.
   */
  readonly spawn: (
    parent: Pid.Pid<never, unknown>,
    body: Effect.Effect<unknown, unknown>,
    options: { readonly link: boolean; readonly monitor: boolean; readonly ref: unknown; readonly key: string }
  ) => Pid.Pid<never, unknown>
  /**
   * SPAWN_REPLY for the remote spawn whose request id is `refId` (a `MonitorRef`'s, see
   * {@link refIdOf}) of the local process `to`: `flags` 1 = linked, 2 = monitored; `result` is the
   * new process, or the atom's name the node refused with.
   */
  readonly spawnReply: (
    to: Pid.Pid<never, unknown>,
    refId: number,
    flags: number,
    result: Pid.Pid<never, unknown> | string
  ) => void
}

/**
 * A monitor reference of `node` as an Erlang reference term, for MONITOR_P and the tags of calls.
 *
 * @since 0.2.0
 * @category system
 */
export const monitorRefTerm = (node: Node.NodeApi, ref: kernel.MonitorRef): Term.Reference =>
  remote.monitorRefTerm(stateOf(node), ref)

/**
 * The id of the monitor reference a term made by {@link monitorRefTerm} stands for (what
 * {@link Incoming.monitorExit} takes).
 *
 * @since 0.2.0
 * @category system
 */
export const refIdOf: (ref: Term.Reference) => number = remote.refIdOf

/**
 * Attaches a transport to a node: from now on its processes reach other nodes through it. Returns
 * the operations the transport calls with what arrives, and a function that detaches it.
 *
 * @since 0.2.0
 * @category system
 */
export const attach = (
  node: Node.NodeApi,
  transport: Transport
): { readonly incoming: Incoming; readonly detach: () => void } => {
  const state = stateOf(node)
  remote.attachTransport(state, transport)
  const offer = (record: kernel.ProcessRecord, message: unknown, peer: string) => {
    const delivered = server.fromWire(record, message, peer)
    if (delivered !== server.Undelivered) kernel.offerUnsafe(record, delivered)
  }
  return {
    incoming: {
      deliver: (to, message, peer) => remote.deliver(state, to, message, peer, offer),
      link: (from, to) => remote.incomingLink(state, from, to),
      unlink: (from, to) => remote.incomingUnlink(state, from, to),
      exit: (from, to, reason, kind) => remote.incomingExit(state, from, to, reason, kind),
      monitor: (watcher, target, ref, key) => remote.incomingMonitor(state, watcher, target, ref, key),
      demonitor: (target, key) => remote.incomingDemonitor(state, target, key),
      monitorExit: (watcher, refId, reason) => remote.incomingMonitorExit(state, watcher, refId, reason),
      nodeDown: (peer) => remote.nodeDown(state, peer),
      isRegistered: (name) => {
        const record = state.names.get(name)
        return record !== undefined && record.status !== "exited"
      },
      spawn: (parent, body, options) =>
        kernel.spawnUnsafe(Fiber.getCurrent()!, state, body, undefined, (child) =>
          remote.setupSpawned(child, parent, options)
        ).pid,
      spawnReply: (to, refId, flags, result) => remote.incomingSpawnReply(state, to, refId, flags, result)
    },
    detach: () => remote.detachTransport(state, transport)
  }
}

const atoms = {
  normal: Term.atom("normal"),
  shutdown: Term.atom("shutdown"),
  killed: Term.atom("killed"),
  kill: Term.atom("kill"),
  noproc: Term.atom("noproc"),
  noconnection: Term.atom("noconnection")
}

/**
 * An exit reason as an Erlang term: `normal`, `shutdown` / `{shutdown, Term}`, `killed`, `noproc`,
 * `noconnection`; a `Failure` whose error is a term is that term (so a reason that came from Erlang
 * goes back as it came), any other failure is `{failure, <<"the cause, pretty-printed">>}`.
 *
 * @since 0.2.0
 * @category encoding
 */
export const reasonToTerm = (reason: ExitReason.ExitReason): Term.Term => {
  switch (reason._tag) {
    case "Normal":
      return atoms.normal
    case "Shutdown":
      return Option.isSome(reason.term) && Term.isTerm(reason.term.value)
        ? Term.tuple(atoms.shutdown, reason.term.value)
        : atoms.shutdown
    case "Killed":
      return atoms.killed
    case "NoProc":
      return atoms.noproc
    case "NoConnection":
      return atoms.noconnection
    case "Failure": {
      const error = Cause.findErrorOption(reason.cause)
      if (Option.isSome(error) && Term.isTerm(error.value)) return error.value
      return Term.tuple(Term.atom("failure"), Cause.pretty(reason.cause))
    }
  }
}

/**
 * An Erlang exit reason as an `ExitReason`: the inverse of {@link reasonToTerm}; `kill` (the reason
 * of an untrappable exit signal) reads as `Killed`, any other term is a `Failure` with the term as
 * its error.
 *
 * @since 0.2.0
 * @category encoding
 */
export const reasonFromTerm = (term: Term.Term): ExitReason.ExitReason => {
  switch (term) {
    case atoms.normal:
      return ExitReason.normal
    case atoms.shutdown:
      return ExitReason.shutdown
    case atoms.killed:
    case atoms.kill:
      return ExitReason.killed
    case atoms.noproc:
      return ExitReason.noProc
    case atoms.noconnection:
      return ExitReason.noConnection
  }
  if (Term.isTuple(term) && term.elements.length === 2 && term.elements[0] === atoms.shutdown) {
    return ExitReason.shutdownWith(term.elements[1])
  }
  return ExitReason.failure(term)
}
