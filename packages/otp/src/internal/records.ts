/**
 * The process table's records: a process, a node, the references and messages the kernel makes,
 * the `Self` service that hands a body its record, and the lookup of a pid's record. Only the kernel
 * writes their fields; the other modules call its operations.
 *
 * @internal
 */
import { Context, Effect, Exit, type Fiber, type Scheduler, type Scope } from "effect"
import * as Errors from "../Errors.ts"
import type * as ExitReason from "../ExitReason.ts"
import type * as MailboxOptions from "../Mailbox.ts"
import { PidImpl } from "../Pid.ts"
import type * as Pid from "../Pid.ts"
import type { Self as ProcessSelf } from "../Process.ts"
import type { Deadlines } from "./callDeadlines.ts"
import type { CallLatency } from "./metrics.ts"
import { findLive, type NodeRef, nodeRefOf } from "./nodeIndex.ts"
import { ProcessTable } from "./processTable.ts"
import type { RemoteName, RemoteState, Transport } from "./remote.ts"
import type { Pending } from "./signals.ts"
import type { Event as SysEvent, Inspectable } from "./sys.ts"
import type { Status } from "../Process.ts"

// ---------------------------------------------------------------------------------------------
// Messages made by the kernel
// ---------------------------------------------------------------------------------------------

/** An exit signal turned into a message, for a process that traps exits (Erlang's `{'EXIT', From, Reason}`). */
export class ExitMessage {
  readonly _tag = "EXIT"
  readonly from: Pid.Pid<never, unknown>
  readonly reason: ExitReason.ExitReason
  constructor(from: Pid.Pid<never, unknown>, reason: ExitReason.ExitReason) {
    this.from = from
    this.reason = reason
  }
}

/**
 * A monitor fired (Erlang's `{'DOWN', Ref, process, Object, Reason}`): `name` is the `{ name, node }`
 * of a monitor by name (Erlang's `{Name, Node}` object), undefined for a monitor by pid.
 */
export class DownMessage {
  readonly _tag = "DOWN"
  readonly ref: MonitorRef
  readonly pid: Pid.Pid<never, unknown>
  readonly reason: ExitReason.ExitReason
  readonly name: RemoteName | undefined
  constructor(
    ref: MonitorRef,
    pid: Pid.Pid<never, unknown>,
    reason: ExitReason.ExitReason,
    name: RemoteName | undefined = undefined
  ) {
    this.ref = ref
    this.pid = pid
    this.reason = reason
    this.name = name
  }
}

let refCounter = 0

/** A fresh reference number, unique in this OS process. */
export const nextRefId = (): number => ++refCounter

/** A unique reference, like Erlang's `make_ref()`: names a monitor or a timer. */
export class MonitorRef {
  readonly id: number
  constructor() {
    this.id = ++refCounter
  }
  toString(): string {
    return `#Ref<0.${this.id}>`
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString()
  }
}

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

export type { Status }

export interface Monitor {
  readonly ref: MonitorRef
  readonly watcher: ProcessRecord
  readonly target: ProcessRecord
  /** the `{ name, node }` of a monitor by name, for its `Down` */
  readonly name: RemoteName | undefined
}

export interface Timer {
  readonly fiber: Fiber.Fiber<unknown, unknown>
  readonly due: number
}

/**
 * A suspended process (`Sys.suspend`): the messages it lets through to its system lane (an `EXIT`
 * from its parent), and how many messages had come in when its queue was last looked through.
 */
export interface Suspension {
  readonly through: (message: unknown) => boolean
  seen: number
}

const emptyScope: Scope.State.Empty = { _tag: "Empty" }
/** The scope of a process whose exit has been handled (its record's rare fields are gone): a finalizer added to it runs at once. */
const closedScope: Scope.State.Closed = { _tag: "Closed", exit: Exit.void }

/** The fields of a record that most processes never set: allocated on first write. */
export class RecordExt {
  capacity = Number.POSITIVE_INFINITY
  overflow: MailboxOptions.Overflow = "suspend"
  systemHandler: ((message: unknown) => Effect.Effect<void>) | undefined = undefined
  blocked: Array<() => void> | undefined = undefined
  links: Set<ProcessRecord> | undefined = undefined
  monitors: Map<number, Monitor> | undefined = undefined
  monitoredBy: Map<number, Monitor> | undefined = undefined
  timers: Map<number, Timer> | undefined = undefined
  exitListeners: Set<(reason: ExitReason.ExitReason) => void> | undefined = undefined
  /** the calls waiting for this process's reply and the `awaitExit`s, oldest first (see `addPending`) */
  pending: Pending | undefined = undefined
  pendingTail: Pending | undefined = undefined
  exitQueued: boolean = false
  name: string | undefined = undefined
  pendingExit: ExitReason.ExitReason | undefined = undefined
  signalled: boolean = false
  dropped: number = 0
  /** set by `Sys.suspend`: the receive serves only the system lane until `Sys.resume` */
  suspended: Suspension | undefined = undefined
  /** the links and monitors that cross to other nodes */
  remote: RemoteState | undefined = undefined
  /** a server started with `callLatency`: its calls' latency histogram */
  callLatency: CallLatency | undefined = undefined
  /** the server engine (GenServer's, GenStatem's) the process runs: for the `Observer`, `Sys` and `Release` (see `code`) */
  engine: Inspectable | undefined = undefined
  trapExit = false
  /** messages a selective receive examined and skipped, oldest first */
  saved: Array<unknown> | undefined = undefined
  /** the system lane: served before any user message */
  system: Array<unknown> | undefined = undefined
  /** the finalizers of the process's scope (`Effect.addFinalizer` in its body; see `ProcessRecord.state`) */
  scope: Scope.State.Open | Scope.State.Closed | Scope.State.Empty = emptyScope
}

/** What the kernel knows of a server running a named behaviour: its engine, whose behaviour can change. */
export interface Code {
  readonly behaviour: { readonly name?: string | undefined; readonly version?: string | undefined }
}

/** The slots of a mailbox queue (`ProcessRecord.mq`): its head, its count of messages received, its first message. */
export const MQ_HEAD = 0
export const MQ_RECEIVED = 1
export const MQ_FIRST = 2

/**
 * The handle a process body gets through the `Self` service. It is also the process's own `Scope`
 * (Effect's `Scope.Closeable` is a structural interface whose finalizers live in `state`): the
 * kernel closes it when the process fiber has ended, before the exit is signalled, so
 * `Effect.addFinalizer` in a body runs at the process's exit. Nothing of it is stored per process
 * until a finalizer is added: `state` lives in the rare fields, the rest is on the prototype.
 */
export class ProcessRecord implements Scope.Closeable {
  readonly pid: PidImpl
  readonly node: NodeState
  /**
   * the mailbox queue, allocated at the first message: `[head, received, ...messages]`, the messages
   * from index `head` on, oldest first (see {@link mqHead}, {@link received}). The queue's two
   * counters live in its first slots, not in fields: a process that never had a message pays for
   * neither
   */
  mq: Array<unknown> | undefined = undefined
  /** the resume of a receive waiting for a message, and what it resumes with (see `waitThen`) */
  waiter: ((effect: Effect.Effect<unknown>) => void) | undefined = undefined
  waitNext: Effect.Effect<unknown> = Effect.void
  fiber: Fiber.Fiber<unknown, unknown> | undefined = undefined
  status: Status = "runnable"
  ext: RecordExt | undefined = undefined

  constructor(node: NodeState, id: number, mailbox: MailboxOptions.Options | undefined) {
    this.node = node
    this.pid = new PidImpl(node.ref, id, this)
    if (mailbox?.capacity !== undefined || mailbox?.overflow !== undefined) {
      const ext = (this.ext = new RecordExt())
      ext.capacity = mailbox.capacity ?? Number.POSITIVE_INFINITY
      ext.overflow = mailbox.overflow ?? "suspend"
    }
  }

  /** The index in {@link mq} of the oldest message waiting. */
  get mqHead(): number {
    return this.mq === undefined ? MQ_FIRST : (this.mq[MQ_HEAD] as number)
  }
  /** How many messages came in (queued, whether taken since or not): `Process.info`'s `messagesReceived`. */
  get received(): number {
    return this.mq === undefined ? 0 : (this.mq[MQ_RECEIVED] as number)
  }

  get capacity(): number {
    return this.ext === undefined ? Number.POSITIVE_INFINITY : this.ext.capacity
  }
  get overflow(): MailboxOptions.Overflow {
    return this.ext === undefined ? "suspend" : this.ext.overflow
  }
  get systemHandler(): ((message: unknown) => Effect.Effect<void>) | undefined {
    return this.ext === undefined ? undefined : this.ext.systemHandler
  }
  set systemHandler(value: ((message: unknown) => Effect.Effect<void>) | undefined) {
    if (this.ext !== undefined) this.ext.systemHandler = value
    else if (value !== undefined) (this.ext = new RecordExt()).systemHandler = value
  }
  get blocked(): Array<() => void> | undefined {
    return this.ext === undefined ? undefined : this.ext.blocked
  }
  set blocked(value: Array<() => void> | undefined) {
    if (this.ext !== undefined) this.ext.blocked = value
    else if (value !== undefined) (this.ext = new RecordExt()).blocked = value
  }
  get links(): Set<ProcessRecord> | undefined {
    return this.ext === undefined ? undefined : this.ext.links
  }
  set links(value: Set<ProcessRecord> | undefined) {
    if (this.ext !== undefined) this.ext.links = value
    else if (value !== undefined) (this.ext = new RecordExt()).links = value
  }
  get monitors(): Map<number, Monitor> | undefined {
    return this.ext === undefined ? undefined : this.ext.monitors
  }
  set monitors(value: Map<number, Monitor> | undefined) {
    if (this.ext !== undefined) this.ext.monitors = value
    else if (value !== undefined) (this.ext = new RecordExt()).monitors = value
  }
  get monitoredBy(): Map<number, Monitor> | undefined {
    return this.ext === undefined ? undefined : this.ext.monitoredBy
  }
  set monitoredBy(value: Map<number, Monitor> | undefined) {
    if (this.ext !== undefined) this.ext.monitoredBy = value
    else if (value !== undefined) (this.ext = new RecordExt()).monitoredBy = value
  }
  get timers(): Map<number, Timer> | undefined {
    return this.ext === undefined ? undefined : this.ext.timers
  }
  set timers(value: Map<number, Timer> | undefined) {
    if (this.ext !== undefined) this.ext.timers = value
    else if (value !== undefined) (this.ext = new RecordExt()).timers = value
  }
  get exitListeners(): Set<(reason: ExitReason.ExitReason) => void> | undefined {
    return this.ext === undefined ? undefined : this.ext.exitListeners
  }
  set exitListeners(value: Set<(reason: ExitReason.ExitReason) => void> | undefined) {
    if (this.ext !== undefined) this.ext.exitListeners = value
    else if (value !== undefined) (this.ext = new RecordExt()).exitListeners = value
  }
  get exitQueued(): boolean {
    return this.ext === undefined ? false : this.ext.exitQueued
  }
  set exitQueued(value: boolean) {
    if (this.ext !== undefined) this.ext.exitQueued = value
    else if (value !== false) (this.ext = new RecordExt()).exitQueued = value
  }
  get name(): string | undefined {
    return this.ext === undefined ? undefined : this.ext.name
  }
  set name(value: string | undefined) {
    if (this.ext !== undefined) this.ext.name = value
    else if (value !== undefined) (this.ext = new RecordExt()).name = value
  }
  get pendingExit(): ExitReason.ExitReason | undefined {
    return this.ext === undefined ? undefined : this.ext.pendingExit
  }
  set pendingExit(value: ExitReason.ExitReason | undefined) {
    if (this.ext !== undefined) this.ext.pendingExit = value
    else if (value !== undefined) (this.ext = new RecordExt()).pendingExit = value
  }
  get signalled(): boolean {
    return this.ext === undefined ? false : this.ext.signalled
  }
  set signalled(value: boolean) {
    if (this.ext !== undefined) this.ext.signalled = value
    else if (value !== false) (this.ext = new RecordExt()).signalled = value
  }
  get dropped(): number {
    return this.ext === undefined ? 0 : this.ext.dropped
  }
  set dropped(value: number) {
    if (this.ext !== undefined) this.ext.dropped = value
    else if (value !== 0) (this.ext = new RecordExt()).dropped = value
  }

  get suspended(): Suspension | undefined {
    return this.ext === undefined ? undefined : this.ext.suspended
  }
  set suspended(value: Suspension | undefined) {
    if (this.ext !== undefined) this.ext.suspended = value
    else if (value !== undefined) (this.ext = new RecordExt()).suspended = value
  }

  /** The engine of a server whose behaviour has a declared name (`Release`'s upgrades find it by it). */
  get code(): Code | undefined {
    const engine = this.engine
    return engine !== undefined && engine.behaviour.name !== undefined ? engine : undefined
  }
  get engine(): Inspectable | undefined {
    return this.ext === undefined ? undefined : this.ext.engine
  }
  set engine(value: Inspectable | undefined) {
    if (this.ext !== undefined) this.ext.engine = value
    else if (value !== undefined) (this.ext = new RecordExt()).engine = value
  }

  get callLatency(): CallLatency | undefined {
    return this.ext === undefined ? undefined : this.ext.callLatency
  }
  set callLatency(value: CallLatency | undefined) {
    if (this.ext !== undefined) this.ext.callLatency = value
    else if (value !== undefined) (this.ext = new RecordExt()).callLatency = value
  }

  get saved(): Array<unknown> | undefined {
    return this.ext === undefined ? undefined : this.ext.saved
  }
  set saved(value: Array<unknown> | undefined) {
    if (this.ext !== undefined) this.ext.saved = value
    else if (value !== undefined) (this.ext = new RecordExt()).saved = value
  }
  get system(): Array<unknown> | undefined {
    return this.ext === undefined ? undefined : this.ext.system
  }
  set system(value: Array<unknown> | undefined) {
    if (this.ext !== undefined) this.ext.system = value
    else if (value !== undefined) (this.ext = new RecordExt()).system = value
  }
  get trapExit(): boolean {
    return this.ext === undefined ? false : this.ext.trapExit
  }
  set trapExit(value: boolean) {
    if (this.ext !== undefined) this.ext.trapExit = value
    else if (value !== false) (this.ext = new RecordExt()).trapExit = value
  }

  /** The scope's finalizers (Effect's scope operations read and write it); kept in the rare fields. */
  get state(): Scope.State.Open | Scope.State.Closed | Scope.State.Empty {
    if (this.ext !== undefined) return this.ext.scope
    return this.status === "exited" ? closedScope : emptyScope
  }
  set state(value: Scope.State.Open | Scope.State.Closed | Scope.State.Empty) {
    if (this.ext !== undefined) this.ext.scope = value
    else if (value !== emptyScope) (this.ext = new RecordExt()).scope = value
  }
  get "~effect/Scope"(): "~effect/Scope" {
    return "~effect/Scope"
  }
  get "~effect/Scope/Closeable"(): "~effect/Scope/Closeable" {
    return "~effect/Scope/Closeable"
  }
  get strategy(): "sequential" {
    return "sequential"
  }
  get parent(): undefined {
    return undefined
  }

  get alive(): boolean {
    return this.status !== "exited"
  }

  get mailboxLength(): number {
    return (this.mq === undefined ? 0 : this.mq.length - this.mqHead) + (this.saved?.length ?? 0)
  }
}

/**
 * A change in the process table, as the `Observer` sees it: the life cycle (spawn, exit, a
 * supervisor's restart), and the `Sys` events of a server whose trace is on (`Sys.trace`); never a
 * message of any other process.
 */
export type LifecycleEvent =
  | { readonly _tag: "Spawned"; readonly record: ProcessRecord }
  | { readonly _tag: "Exited"; readonly record: ProcessRecord; readonly reason: ExitReason.ExitReason }
  | {
      readonly _tag: "Restarted"
      readonly supervisor: ProcessRecord
      readonly id: string
      readonly pid: Pid.Pid<never, unknown>
    }
  | { readonly _tag: "Traced"; readonly record: ProcessRecord; readonly event: SysEvent }

/** Tells the node's observers of `event` (the caller has checked that there are some). */
export const notifyObservers = (node: NodeState, event: LifecycleEvent): void => {
  for (const observer of node.observers!) observer(event)
}

/** A node: the process table, the pid counter and the local name table. */
export class NodeState {
  readonly name: string
  readonly creation: number
  /** what its pids hold of it */
  readonly ref: NodeRef
  readonly table = new ProcessTable<ProcessRecord>()
  readonly names = new Map<string, ProcessRecord>()
  nextId = 1
  closing = false
  spawned = 0
  sent = 0
  dropped = 0
  /**
   * the `Observer`s' listeners of spawns, exits and restarts; undefined while none is attached, so
   * the life cycle pays one field check and the message path nothing
   */
  observers: Set<(event: LifecycleEvent) => void> | undefined = undefined
  /** called when the table becomes empty */
  onEmpty: (() => void) | undefined = undefined
  /** the pid that stands for "outside any process" on this node, like `<0.0.0>` */
  readonly systemPid: PidImpl
  /** the scheduler this node's processes run on, in place of Effect's default one; undefined: the default */
  readonly scheduler: Scheduler.Scheduler | undefined
  /** the deadlines of the calls to this node's processes (see `addDeadline`) */
  deadlines: Deadlines | undefined = undefined
  /** the transport to other nodes, when the node is distributed (see `Distribution.attach`) */
  distribution: Transport | undefined = undefined
  /** per peer node, the local processes with a link or monitor across to it */
  peers: Map<string, Set<ProcessRecord>> | undefined = undefined
  /** spawner context → the same context with the node's scheduler (one derived context per spawner) */
  readonly processBases = new WeakMap<Context.Context<never>, Context.Context<never>>()

  constructor(name: string, creation: number, scheduler?: Scheduler.Scheduler) {
    this.name = name
    this.creation = creation
    this.ref = nodeRefOf(name, creation)
    this.systemPid = new PidImpl(this.ref, 0)
    this.scheduler = scheduler
  }

  get active(): number {
    return this.table.size
  }
}

// ---------------------------------------------------------------------------------------------
// Self and lookup
// ---------------------------------------------------------------------------------------------

/**
 * The `Self` service: the record of the process a fiber runs. Declared here, once; `Process.Self` is
 * this key with its public type.
 */
export const Self = Context.Service<any, ProcessRecord>("effect-otp/Process/Self")

/** The record of the process the calling fiber runs (inside a process only: its `Self` is required). */
export const currentSelf: Effect.Effect<ProcessRecord, never, ProcessSelf<unknown>> = Effect.service(Self)

/** The record of the process `fiber` runs; the types guarantee it runs in one. */
export const currentRecord = (fiber: Fiber.Fiber<unknown, unknown>): ProcessRecord =>
  Context.getOrUndefined(fiber.context, Self)!

/** The record of the process `fiber` runs, if it runs in one. */
export const callerOf = (fiber: Fiber.Fiber<unknown, unknown>): ProcessRecord | undefined =>
  Context.getOrUndefined(fiber.context, Self)

/**
 * The local record of a pid: while its process lives, and until its exit has been handled (links,
 * monitors and exit listeners told); undefined afterwards, and when the pid is unknown here. Once
 * the exit has been handled, the pid its record made holds only the exit reason (see
 * {@link exitedReasonOf}), so a held pid keeps no record alive.
 */
export const recordOf = (pid: Pid.Pid<never, unknown>): ProcessRecord | undefined => {
  const impl = pid as PidImpl
  const process = impl.process
  if (process !== undefined) return process instanceof ProcessRecord ? process : undefined
  const node = findLive(impl.ref) as NodeState | undefined
  return node?.table.get(impl.id)
}

/** The exit reason a pid made by a local record keeps once its process's exit has been handled. */
export const exitedReasonOf = (pid: Pid.Pid<never, unknown>): ExitReason.ExitReason | undefined => {
  const process = (pid as PidImpl).process
  return process === undefined || process instanceof ProcessRecord ? undefined : (process as ExitReason.ExitReason)
}

/** Counts a message that `node` dropped (`Node.stats`' `messagesDropped`). */
export const countDropped = (node: NodeState): void => {
  node.dropped++
}

/**
 * A message sent to a pid whose process has exited and been released: counted as dropped by its
 * node, as `offer` counts one to an exited record.
 */
export const droppedAtExited = (pid: Pid.Pid<never, unknown>): void => {
  if (exitedReasonOf(pid) === undefined) return
  const node = findLive((pid as PidImpl).ref) as NodeState | undefined
  if (node !== undefined) node.dropped++
}

/** The exit of `record` has been handled: its pid lets go of it and keeps only `reason`. */
export const releaseRecord = (record: ProcessRecord, reason: ExitReason.ExitReason): void => {
  record.pid.process = reason
}

/**
 * A key that tells processes apart, alive or dead: the pid the process's record made (every local
 * message and spawn carries that one object), or the pid itself for a pid the node never knew or no
 * longer knows (one made elsewhere, such as a remote pid).
 */
export const pidKey = (pid: Pid.Pid<never, unknown>): Pid.Pid<never, unknown> => recordOf(pid)?.pid ?? pid

/** The live local record of a pid. */
export const liveRecordOf = (pid: Pid.Pid<never, unknown>): ProcessRecord | undefined => {
  const record = recordOf(pid)
  return record !== undefined && record.status !== "exited" ? record : undefined
}

/** Gives a live process the local name `name`: the caller has checked that both are free. */
export const registerName = (record: ProcessRecord, name: string): void => {
  record.name = name
  record.node.names.set(name, record)
}

/** Frees the local name `name` of `node` (nothing if no process holds it); returns its holder. */
export const unregisterName = (node: NodeState, name: string): ProcessRecord | undefined => {
  const record = node.names.get(name)
  if (record === undefined) return undefined
  node.names.delete(name)
  record.name = undefined
  return record
}

/** Records the server engine a process runs, for the `Observer` to read its behaviour, parent and state. */
export const setEngine = (record: ProcessRecord, engine: Inspectable): void => {
  record.engine = engine
}

/** Fails with NoProc when the pid names no live local process. */
export const noProcFor = (pid: Pid.Pid<never, unknown>) => new Errors.NoProc({ pid: pid as Pid.Pid<unknown, unknown> })
