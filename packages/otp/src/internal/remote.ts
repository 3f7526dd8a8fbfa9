/**
 * Processes of other nodes: the kernel's side of the distribution. A node with a transport
 * (`NodeState.distribution`, set by `Distribution.attach`) sends the signals of its processes to
 * pids and names of other nodes through it, and the transport hands back what arrives. The links and
 * monitors that cross to another node are kept in the local process's record (`RemoteState`) and,
 * per peer node, in `NodeState.peers`, so that a lost connection fires each of them exactly once
 * with `NoConnection`.
 *
 * Nothing here runs on the path of a message between two processes of one node.
 *
 * @internal
 */
import { Duration, Effect, type Fiber } from "effect"
import * as Errors from "../Errors.ts"
import * as ExitReason from "../ExitReason.ts"
import * as Pid from "../Pid.ts"
import { addDeadline, clearDeadline, Deadline } from "./callDeadlines.ts"
import * as etf from "./etf.ts"
import { deliverSystemMade, receiveWithin, TimedOut } from "./mailbox.ts"
import { DownMessage, liveRecordOf, MonitorRef, type NodeState, type ProcessRecord, RecordExt } from "./records.ts"
import { exitSignal, type SignalKind } from "./signals.ts"

/** A process of another node named by its registered name there (Erlang's `{Name, Node}`). */
export interface RemoteName {
  readonly name: string
  readonly node: string
}

/** What a monitor watches: a pid, or a name on another node. */
export type Target = Pid.Pid<never, unknown> | RemoteName

/**
 * The transport's side: the kernel calls it synchronously, in the order its processes send, and it
 * puts each signal on the wire to the target's node in that order (connecting first if need be).
 */
export interface Transport {
  /** SEND / REG_SEND. Returns false when the message cannot cross (it has no term). */
  readonly send: (from: Pid.Pid<never, unknown>, to: Target, message: unknown) => boolean
  /** LINK */
  readonly link: (from: Pid.Pid<never, unknown>, to: Pid.Pid<never, unknown>) => void
  /** UNLINK_ID */
  readonly unlink: (from: Pid.Pid<never, unknown>, to: Pid.Pid<never, unknown>) => void
  /** EXIT (`link`: the exit of a linked process), EXIT2 (`exit`, `kill`) */
  readonly exit: (
    from: Pid.Pid<never, unknown>,
    to: Pid.Pid<never, unknown>,
    reason: ExitReason.ExitReason,
    kind: SignalKind
  ) => void
  /** MONITOR_P; `ref` is the watcher's local monitor reference */
  readonly monitor: (from: Pid.Pid<never, unknown>, target: Target, ref: MonitorRef) => void
  /** DEMONITOR_P */
  readonly demonitor: (from: Pid.Pid<never, unknown>, target: Target, ref: MonitorRef) => void
  /**
   * A reply to a call from another node (OTP's `gen:reply`): `{Tag, Reply}` to the caller `to`.
   * Returns false when the reply cannot cross (it has no term).
   */
  readonly reply: (from: Pid.Pid<never, unknown>, to: Pid.Pid<never, unknown>, tag: unknown, value: unknown) => boolean
  /** MONITOR_P_EXIT: `target` (as the watcher named it) exited; `ref` is the watcher's, as it came */
  readonly monitorExit: (
    target: Target,
    watcher: Pid.Pid<never, unknown>,
    ref: unknown,
    reason: ExitReason.ExitReason
  ) => void
  /**
   * Something from `node` did not decode with its Schema (a typed request or reply, a typed cast or
   * message): the transport
   * logs `description` and counts it (`Node.undecodable`).
   */
  readonly undecodable: (node: string, description: string) => void
  /**
   * `Process.spawnOn` to this node (Erlang's `spawn_request(node(), ...)`): the body of this node's
   * spawn handler `handler` run with `args` (decoded as a SPAWN_REQUEST's from another node would
   * be), or the atom the spawn is refused with (`"undef"`, `"badarg"`).
   */
  readonly spawnHere: (handler: string, args: ReadonlyArray<unknown>) => Effect.Effect<unknown, unknown> | string
  /**
   * SPAWN_REQUEST: asks `node` to spawn a process running its spawn handler `handler` with `args`
   * (the request's id is `ref`, also the monitor's reference when `monitor` is set). Returns false
   * when the arguments cannot cross (they have no term).
   */
  readonly spawnRequest: (
    from: Pid.Pid<never, unknown>,
    node: string,
    ref: MonitorRef,
    handler: string,
    args: ReadonlyArray<unknown>,
    options: { readonly link: boolean; readonly monitor: boolean }
  ) => boolean
}

/** The answer to a remote spawn, for the process that asked (see {@link spawnRemote}). */
export class SpawnReply {
  readonly ref: MonitorRef
  /** the new process, or the atom the node refused with (`"noconnection"` when the connection was lost) */
  readonly result: Pid.Pid<never, unknown> | string
  constructor(ref: MonitorRef, result: Pid.Pid<never, unknown> | string) {
    this.ref = ref
    this.result = result
  }
}

/** A remote spawn waiting for its `SPAWN_REPLY`. */
interface PendingSpawn {
  readonly ref: MonitorRef
  readonly node: string
}

/** A monitor a local process holds on a process of another node. */
interface HeldMonitor {
  readonly ref: MonitorRef
  readonly target: Target
  /** the pid the `Down` names */
  readonly pid: Pid.Pid<never, unknown>
}

/** A process of another node monitoring a local one. */
interface Watcher {
  readonly watcher: Pid.Pid<never, unknown>
  readonly ref: unknown
  /** the target as the watcher named it: its pid, or its name */
  readonly target: Target
}

/** The links and monitors of one local process that cross to other nodes. */
export class RemoteState {
  links: Map<string, Pid.Pid<never, unknown>> | undefined = undefined
  monitors: Map<number, HeldMonitor> | undefined = undefined
  watchers: Map<string, Watcher> | undefined = undefined
  spawns: Map<number, PendingSpawn> | undefined = undefined
  /** the calls to processes of other nodes waiting for their replies, by their reference's id */
  calls: Map<number, RemoteCall> | undefined = undefined
}

/**
 * The reference of a call to a process of another node: its monitor's, and the tag of its reply;
 * its term says so (see {@link monitorRefTerm}), so that a reply that comes too late is recognised.
 */
export class CallRef extends MonitorRef {}

/**
 * A call of a local process to a process of another node (OTP's `gen:call`), waiting in the
 * caller's record rather than in its mailbox, as an alias would: its reply, the `Down` of its
 * monitor or its deadline settles it, whichever comes first; a reply that comes later is dropped.
 */
export class RemoteCall extends Deadline {
  readonly record: ProcessRecord
  readonly ref: CallRef
  /** `"reply"` with the reply, `"down"` with the target's exit reason, `"timeout"` */
  readonly settle: (outcome: "reply" | "down" | "timeout", value: unknown) => void
  constructor(
    record: ProcessRecord,
    ref: CallRef,
    settle: (outcome: "reply" | "down" | "timeout", value: unknown) => void
  ) {
    super()
    this.record = record
    this.ref = ref
    this.settle = settle
  }
  fire(): void {
    if (!takeCall(this.record, this.ref.id)) return
    demonitorRemote(this.record, this.ref)
    this.settle("timeout", undefined)
  }
}

/** Takes the call `id` of `record` out of its pending calls; undefined when it is not pending. */
const takeCall = (record: ProcessRecord, id: number): RemoteCall | undefined => {
  const calls = record.ext?.remote?.calls
  const call = calls?.get(id)
  if (call === undefined) return undefined
  calls!.delete(id)
  clearDeadline(record.node, call)
  return call
}

/**
 * A monitor reference of `node` as a term: the `MonitorRef`'s id in two words (see `refIdOf`), and
 * a third word that is 1 for a call's reference ({@link CallRef}), else 0.
 */
export const monitorRefTerm = (node: NodeState, ref: MonitorRef): etf.Reference =>
  new etf.Reference(node.name, node.creation, [
    ref.id % 0x40000,
    Math.floor(ref.id / 0x40000),
    ref instanceof CallRef ? 1 : 0
  ])

/** The id of the `MonitorRef` a term made by {@link monitorRefTerm} stands for. */
export const refIdOf = (ref: etf.Reference): number => (ref.ids[0] ?? 0) + (ref.ids[1] ?? 0) * 0x40000

/** A key for a pid of any node. */
export const pidKey = (pid: Pid.Pid<never, unknown>): string => `${pid.node}#${pid.creation}.${pid.id}`

/** The node a pid lives on is another node, reached through `node`'s transport. */
export const isRemote = (node: NodeState, pid: { readonly node: string }): boolean =>
  node.distribution !== undefined && pid.node !== node.name

const remoteOf = (record: ProcessRecord): RemoteState => {
  const ext = (record.ext ??= new RecordExt())
  return (ext.remote ??= new RemoteState())
}

/** Notes that `record` has a link or monitor across to `peer`, for {@link nodeDown}. */
const notePeer = (record: ProcessRecord, peer: string): void => {
  const peers = (record.node.peers ??= new Map())
  let records = peers.get(peer)
  if (records === undefined) peers.set(peer, (records = new Set()))
  records.add(record)
}

/** Sends through `node`'s transport; a message that cannot cross is dropped and counted. */
export const sendRemote = (node: NodeState, from: Pid.Pid<never, unknown>, to: Target, message: unknown): void => {
  if (!node.distribution!.send(from, to, message)) node.dropped++
}

// ---------------------------------------------------------------------------------------------
// Signals from a local process to another node
// ---------------------------------------------------------------------------------------------

/** Links `record` to a process of another node. */
export const linkRemote = (record: ProcessRecord, pid: Pid.Pid<never, unknown>): void => {
  const remote = remoteOf(record)
  const key = pidKey(pid)
  if (remote.links?.has(key) === true) return
  ;(remote.links ??= new Map()).set(key, pid)
  notePeer(record, pid.node)
  record.node.distribution!.link(record.pid, pid)
}

/** Removes the link of `record` to a process of another node (UNLINK_ID). */
export const unlinkRemote = (record: ProcessRecord, pid: Pid.Pid<never, unknown>): void => {
  const links = record.ext?.remote?.links
  if (links === undefined || !links.delete(pidKey(pid))) return
  record.node.distribution!.unlink(record.pid, pid)
}

/**
 * The pid a `Down` of a monitor by name names when the holder's pid is not known: the name's node's
 * `<0.0>` (see `Process.monitor`); the `Down`'s `name` says which name it is.
 */
export const namePid = (target: RemoteName): Pid.Pid<never, unknown> =>
  Pid.make(target.node, 0, 0) as Pid.Pid<never, unknown>

/** The `{ name, node }` a held monitor was made by, for its `Down`; undefined for a monitor by pid. */
const nameOf = (monitor: HeldMonitor): RemoteName | undefined => ("id" in monitor.target ? undefined : monitor.target)

/**
 * Monitors a process of another node, by pid or by name (the `Down` of a monitor by name names the
 * name's node's `<0.0>` and carries the name: MONITOR_P_EXIT gives the name, not the pid).
 */
export const monitorRemote = (
  record: ProcessRecord,
  target: Target,
  ref: MonitorRef = new MonitorRef()
): MonitorRef => {
  const remote = remoteOf(record)
  const pid = "id" in target ? target : namePid(target)
  ;(remote.monitors ??= new Map()).set(ref.id, { ref, target, pid })
  notePeer(record, target.node)
  record.node.distribution!.monitor(record.pid, target, ref)
  return ref
}

/** Removes a monitor on a process of another node; true when it was active. */
export const demonitorRemote = (record: ProcessRecord, ref: MonitorRef): boolean => {
  const monitors = record.ext?.remote?.monitors
  const monitor = monitors?.get(ref.id)
  if (monitor === undefined) return false
  monitors!.delete(ref.id)
  record.node.distribution!.demonitor(record.pid, monitor.target, ref)
  return true
}

/**
 * Calls a process of another node from the local process `record` (its fiber is `fiber`): monitors
 * the target, sends `request(tag)` (the tag is the monitor's reference) and arms the deadline
 * (`timeoutMs`, infinite when not finite). `settle` is called once, from whatever settles it (the
 * transport's delivery, the monitor's `Down`, the deadline), unless {@link cancelRemoteCall} comes
 * first.
 */
export const callRemote = (
  record: ProcessRecord,
  fiber: Fiber.Fiber<unknown, unknown>,
  target: Target,
  request: (tag: etf.Reference) => unknown,
  timeoutMs: number,
  settle: (outcome: "reply" | "down" | "timeout", value: unknown) => void
): RemoteCall => {
  const ref = new CallRef()
  monitorRemote(record, target, ref)
  const call = new RemoteCall(record, ref, settle)
  ;(remoteOf(record).calls ??= new Map()).set(ref.id, call)
  sendRemote(record.node, record.pid, target, request(monitorRefTerm(record.node, ref)))
  if (Number.isFinite(timeoutMs)) addDeadline(record.node, fiber, timeoutMs, call)
  else call.done = true
  return call
}

/** The caller gave up `call` (it was interrupted): its monitor goes, and its reply will be dropped. */
export const cancelRemoteCall = (call: RemoteCall): void => {
  if (takeCall(call.record, call.ref.id) !== undefined) demonitorRemote(call.record, call.ref)
}

/** The id of the call whose reply `message` is (`{Tag, Reply}`, `Tag` a call's reference of `node`), if it is one. */
const callReplyId = (node: NodeState, message: unknown): number | undefined => {
  if (!(message instanceof etf.Tuple) || message.elements.length !== 2) return undefined
  const tag = message.elements[0]
  return tag instanceof etf.Reference &&
    tag.ids.length === 3 &&
    tag.ids[2] === 1 &&
    tag.node === node.name &&
    tag.creation === node.creation
    ? refIdOf(tag)
    : undefined
}

/** The monitor `ref` of `record` fired with `reason`: it settles its call, if it is a call's, else it is a `Down`. */
const monitorFired = (record: ProcessRecord, monitor: HeldMonitor, reason: ExitReason.ExitReason): void => {
  if (monitor.ref instanceof CallRef) takeCall(record, monitor.ref.id)?.settle("down", reason)
  else deliverSystemMade(record, new DownMessage(monitor.ref, monitor.pid, reason, nameOf(monitor)))
}

/** Why a remote spawn failed: the typed error for the atom of its `SPAWN_REPLY`. */
const spawnError = (node: string, handler: string, reason: string): Errors.NoConnection | Errors.SpawnFailed =>
  reason === "noconnection" ? new Errors.NoConnection({ node }) : new Errors.SpawnFailed({ node, handler, reason })

/**
 * Spawns a process on another node through its spawn handler `handler` (SPAWN_REQUEST), linked to
 * and monitored by `record` as asked, and waits for the answer (SPAWN_REPLY) for `timeoutMs`. The
 * link and the monitor are in place when the answer arrives, before any signal of the new process
 * (see {@link incomingSpawnReply}); a request that times out is abandoned.
 */
export const spawnRemote = (
  record: ProcessRecord,
  node: string,
  handler: string,
  args: ReadonlyArray<unknown>,
  link: boolean,
  monitor: boolean,
  timeoutMs: number
): Effect.Effect<
  { readonly pid: Pid.Pid<never, unknown>; readonly ref: MonitorRef },
  Errors.NoConnection | Errors.SpawnFailed | Errors.SpawnTimeout
> =>
  Effect.suspend(() => {
    const transport = record.node.distribution
    if (transport === undefined) return Effect.fail(spawnError(node, handler, "notalive"))
    const ref = new MonitorRef()
    const spawns = (remoteOf(record).spawns ??= new Map())
    spawns.set(ref.id, { ref, node })
    notePeer(record, node)
    if (!transport.spawnRequest(record.pid, node, ref, handler, args, { link, monitor })) {
      spawns.delete(ref.id)
      return Effect.fail(spawnError(node, handler, "badarg"))
    }
    const isReply = (m: unknown) => m instanceof SpawnReply && m.ref === ref
    type Spawned = { readonly pid: Pid.Pid<never, unknown>; readonly ref: MonitorRef }
    type SpawnError = Errors.NoConnection | Errors.SpawnFailed | Errors.SpawnTimeout
    const settle = (m: unknown): Effect.Effect<Spawned, SpawnError> => {
      const result = (m as SpawnReply).result
      return typeof result === "string"
        ? Effect.fail(spawnError(node, handler, result))
        : Effect.succeed({ pid: result, ref })
    }
    return receiveWithin(record, isReply, Duration.millis(timeoutMs)).pipe(
      Effect.flatMap((m): Effect.Effect<Spawned, SpawnError> => {
        if (m !== TimedOut) return settle(m)
        // the answer came while the timeout was on its way: it is in the mailbox
        if (!spawns.has(ref.id)) return Effect.flatMap(receiveWithin(record, isReply, Duration.zero), settle)
        spawns.delete(ref.id)
        return Effect.fail(new Errors.SpawnTimeout({ node, handler, timeout: timeoutMs }))
      }),
      Effect.onInterrupt(() => Effect.sync(() => void spawns.delete(ref.id)))
    )
  })

/** The pids of other nodes `record` is linked to, and what it monitors there (`Process.info`). */
export const remoteLinksOf = (record: ProcessRecord): ReadonlyArray<Pid.Pid<never, unknown>> =>
  Array.from(record.ext?.remote?.links?.values() ?? [])

// ---------------------------------------------------------------------------------------------
// Signals from another node to a local process (the transport calls these)
// ---------------------------------------------------------------------------------------------

/** The live local process `pid` names on `node` (its name and creation must be this node's). */
const localRecord = (node: NodeState, pid: Pid.Pid<never, unknown>): ProcessRecord | undefined => {
  if (pid.node !== node.name || pid.creation !== node.creation) return undefined
  const record = liveRecordOf(pid)
  return record !== undefined && record.node === node ? record : undefined
}

/** The live local process a target names: a pid of this node, or a registered name. */
const localTarget = (node: NodeState, target: Pid.Pid<never, unknown> | string): ProcessRecord | undefined => {
  if (typeof target !== "string") return localRecord(node, target)
  const record = node.names.get(target)
  return record !== undefined && record.status !== "exited" ? record : undefined
}

/** Makes `transport` the node's distribution: its signals to other nodes go through it. */
export const attachTransport = (node: NodeState, transport: Transport): void => {
  node.distribution = transport
}

/** Ends `transport` as the node's distribution, if it still is. */
export const detachTransport = (node: NodeState, transport: Transport): void => {
  if (node.distribution === transport) node.distribution = undefined
}

/** SEND / REG_SEND from the node `peer`: a message for a local pid or name; false when nobody is there. */
export const deliver = (
  node: NodeState,
  to: Pid.Pid<never, unknown> | string,
  message: unknown,
  peer: string,
  offer: (record: ProcessRecord, message: unknown, peer: string) => unknown
): boolean => {
  const record = localTarget(node, to)
  if (record === undefined) {
    node.dropped++
    return false
  }
  const calls = record.ext?.remote?.calls
  if (calls !== undefined) {
    const id = callReplyId(node, message)
    if (id !== undefined) {
      const call = takeCall(record, id)
      // a reply to a call that is over (timed out, or given up) is dropped, as OTP drops what comes to a
      // deactivated alias
      if (call === undefined) node.dropped++
      else {
        demonitorRemote(record, call.ref)
        call.settle("reply", (message as etf.Tuple).elements[1])
      }
      return true
    }
  }
  offer(record, message, peer)
  return true
}

/** LINK from a process of another node; a dead local end answers with `NoProc`. */
export const incomingLink = (node: NodeState, from: Pid.Pid<never, unknown>, to: Pid.Pid<never, unknown>): void => {
  const record = localRecord(node, to)
  if (record === undefined) {
    node.distribution?.exit(to, from, ExitReason.noProc, "link")
    return
  }
  ;(remoteOf(record).links ??= new Map()).set(pidKey(from), from)
  notePeer(record, from.node)
}

/** UNLINK_ID from a process of another node. */
export const incomingUnlink = (node: NodeState, from: Pid.Pid<never, unknown>, to: Pid.Pid<never, unknown>): void => {
  localRecord(node, to)?.ext?.remote?.links?.delete(pidKey(from))
}

/**
 * EXIT (`link`: only if the link is still there, which it then no longer is) or EXIT2 (`exit`,
 * `kill`) from a process of another node.
 */
export const incomingExit = (
  node: NodeState,
  from: Pid.Pid<never, unknown>,
  to: Pid.Pid<never, unknown>,
  reason: ExitReason.ExitReason,
  kind: SignalKind
): void => {
  const record = localRecord(node, to)
  if (record === undefined) return
  if (kind === "link") {
    const links = record.ext?.remote?.links
    if (links === undefined || !links.delete(pidKey(from))) return
  }
  exitSignal(record, from, reason, kind)
}

/** MONITOR_P from a process of another node; a dead or unknown target answers with `NoProc`. */
export const incomingMonitor = (
  node: NodeState,
  watcher: Pid.Pid<never, unknown>,
  target: Pid.Pid<never, unknown> | string,
  ref: unknown,
  key: string
): void => {
  const named: Target = typeof target === "string" ? { name: target, node: node.name } : target
  const record = localTarget(node, target)
  if (record === undefined) {
    node.distribution?.monitorExit(named, watcher, ref, ExitReason.noProc)
    return
  }
  ;(remoteOf(record).watchers ??= new Map()).set(key, { watcher, ref, target: named })
  notePeer(record, watcher.node)
}

/** DEMONITOR_P from a process of another node. */
export const incomingDemonitor = (node: NodeState, target: Pid.Pid<never, unknown> | string, key: string): void => {
  localTarget(node, target)?.ext?.remote?.watchers?.delete(key)
}

/** MONITOR_P_EXIT: a process of another node that a local one monitors (`refId`) exited. */
export const incomingMonitorExit = (
  node: NodeState,
  watcher: Pid.Pid<never, unknown>,
  refId: number,
  reason: ExitReason.ExitReason
): void => {
  const record = localRecord(node, watcher)
  const monitors = record?.ext?.remote?.monitors
  const monitor = monitors?.get(refId)
  if (monitor === undefined) return
  monitors!.delete(refId)
  monitorFired(record!, monitor, reason)
}

/**
 * SPAWN_REPLY for the remote spawn `refId` of the local process `to`: the link (flag 1) and the
 * monitor (flag 2) the other node set up are recorded here before the reply reaches the waiting
 * process, so that the new process's exit, which follows on the same connection, finds them. A
 * reply nobody waits for any more (the request was abandoned) undoes them: an exit `abandoned` to
 * the linked process and a demonitor, as OTP's `spawn_request_abandon`.
 */
export const incomingSpawnReply = (
  node: NodeState,
  to: Pid.Pid<never, unknown>,
  refId: number,
  flags: number,
  result: Pid.Pid<never, unknown> | string
): void => {
  const record = localRecord(node, to)
  const spawns = record?.ext?.remote?.spawns
  const pending = spawns?.get(refId)
  if (pending === undefined) {
    if (typeof result === "string") return
    if ((flags & 1) !== 0) node.distribution?.exit(to, result, ExitReason.failure(etf.Atom.make("abandoned")), "exit")
    if ((flags & 2) !== 0) node.distribution?.demonitor(to, result, { id: refId } as MonitorRef)
    return
  }
  spawns!.delete(refId)
  if (typeof result !== "string") {
    const remote = record!.ext!.remote!
    if ((flags & 1) !== 0) (remote.links ??= new Map()).set(pidKey(result), result)
    if ((flags & 2) !== 0) (remote.monitors ??= new Map()).set(refId, { ref: pending.ref, target: result, pid: result })
  }
  deliverSystemMade(record!, new SpawnReply(pending.ref, result))
}

/**
 * SPAWN_REQUEST from `parent`, a process of another node: the setup of the new process `child`
 * (`spawnUnsafe`'s, before its body runs): linked to `parent` when `link` is set, monitored by it
 * (with `ref`, the request's id, and `key` for the DEMONITOR_P) when `monitor` is set.
 */
export const setupSpawned = (
  child: ProcessRecord,
  parent: Pid.Pid<never, unknown>,
  options: { readonly link: boolean; readonly monitor: boolean; readonly ref: unknown; readonly key: string }
): void => {
  if (!options.link && !options.monitor) return
  const remote = remoteOf(child)
  if (options.link) (remote.links ??= new Map()).set(pidKey(parent), parent)
  if (options.monitor) {
    ;(remote.watchers ??= new Map()).set(options.key, { watcher: parent, ref: options.ref, target: child.pid })
  }
  notePeer(child, parent.node)
}

/**
 * The connection to `peer` is lost: every link and monitor across it fires with `NoConnection`,
 * once (each is removed as it fires), and the watchers from it are forgotten.
 */
export const nodeDown = (node: NodeState, peer: string): void => {
  const records = node.peers?.get(peer)
  if (records === undefined) return
  node.peers!.delete(peer)
  for (const record of records) {
    const remote = record.ext?.remote
    if (remote === undefined || record.status === "exited") continue
    if (remote.watchers !== undefined) {
      for (const [key, watcher] of remote.watchers) if (watcher.watcher.node === peer) remote.watchers.delete(key)
    }
    if (remote.spawns !== undefined) {
      for (const [id, spawn] of remote.spawns) {
        if (spawn.node !== peer) continue
        remote.spawns.delete(id)
        deliverSystemMade(record, new SpawnReply(spawn.ref, "noconnection"))
      }
    }
    if (remote.monitors !== undefined) {
      for (const [id, monitor] of remote.monitors) {
        if (monitor.target.node !== peer) continue
        remote.monitors.delete(id)
        monitorFired(record, monitor, ExitReason.noConnection)
      }
    }
    if (remote.links !== undefined) {
      for (const [key, pid] of remote.links) {
        if (pid.node !== peer) continue
        remote.links.delete(key)
        exitSignal(record, pid, ExitReason.noConnection, "link")
      }
    }
  }
}
