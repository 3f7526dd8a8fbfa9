/**
 * The process kernel: process records, mailboxes, exit signals, links, monitors, names and timers.
 *
 * Everything here that changes the process table is synchronous and runs on the one JS thread, so
 * the table is never seen half-updated. Exit handling is a fiber observer (`addObserver`), called
 * synchronously when a process fiber ends: it removes the process from the table, frees its name,
 * stops its timers, and sends its exit signal to every link and monitor. Nothing polls.
 *
 * @internal
 */
import { Clock, Context, Duration, Effect, Exit, Fiber, LogLevel, References, Scheduler, Scope } from "effect"
import * as Errors from "../Errors.ts"
import * as ExitReason from "../ExitReason.ts"
import type * as MailboxOptions from "../Mailbox.ts"
import { PidImpl } from "../Pid.ts"
import type * as Pid from "../Pid.ts"
import type { Self as ProcessSelf } from "../Process.ts"
import { findLive } from "./nodeIndex.ts"

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

/** A monitor fired (Erlang's `{'DOWN', Ref, process, Pid, Reason}`). */
export class DownMessage {
  readonly _tag = "DOWN"
  readonly ref: MonitorRef
  readonly pid: Pid.Pid<never, unknown>
  readonly reason: ExitReason.ExitReason
  constructor(ref: MonitorRef, pid: Pid.Pid<never, unknown>, reason: ExitReason.ExitReason) {
    this.ref = ref
    this.pid = pid
    this.reason = reason
  }
}

let refCounter = 0

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

/** A timer started by `sendAfter`. */
export class TimerRef {
  readonly id: number
  /** @internal */
  readonly owner: ProcessRecord
  constructor(owner: ProcessRecord) {
    this.id = ++refCounter
    this.owner = owner
  }
  toString(): string {
    return `#Ref<0.${this.id}>`
  }
}

/** The message a receive timer puts in its own process's mailbox; stale ones are dropped. */
class ReceiveTimeout {
  readonly ref = new MonitorRef()
}

/** What a receive returns when its timeout fired. */
export const TimedOut: unique symbol = Symbol.for("effect-otp/TimedOut") as never

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

export type Status = "runnable" | "running" | "waiting" | "exiting" | "exited"

interface Monitor {
  readonly ref: MonitorRef
  readonly watcher: ProcessRecord
  readonly target: ProcessRecord
}

interface Timer {
  readonly fiber: Fiber.Fiber<unknown, unknown>
  readonly due: number
}

/** The fields of a record that most processes never set: allocated on first write. */
class RecordExt {
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
  exitReason: ExitReason.ExitReason | undefined = undefined
  dropped: number = 0
}

/** The handle a process body gets through the `Self` service. */
export class ProcessRecord {
  readonly pid: PidImpl
  readonly node: NodeState
  /** the mailbox queue: messages from `mqHead` on, oldest first; allocated at the first message */
  mq: Array<unknown> | undefined = undefined
  mqHead = 0
  /** the resume of a receive waiting for a message, and what it resumes with (see `waitThen`) */
  waiter: ((effect: Effect.Effect<unknown>) => void) | undefined = undefined
  waitNext: Effect.Effect<unknown> = Effect.void
  /** messages a selective receive examined and skipped, oldest first */
  saved: Array<unknown> | undefined = undefined
  /** the system lane: served before any user message */
  system: Array<unknown> | undefined = undefined
  fiber: Fiber.Fiber<unknown, unknown> | undefined = undefined
  trapExit = false
  status: Status = "runnable"
  received = 0
  ext: RecordExt | undefined = undefined

  constructor(node: NodeState, id: number, mailbox: MailboxOptions.Options | undefined) {
    this.node = node
    this.pid = new PidImpl(node.name, node.creation, id, this)
    if (mailbox?.capacity !== undefined || mailbox?.overflow !== undefined) {
      const ext = (this.ext = new RecordExt())
      ext.capacity = mailbox.capacity ?? Number.POSITIVE_INFINITY
      ext.overflow = mailbox.overflow ?? "suspend"
    }
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
  get exitReason(): ExitReason.ExitReason | undefined {
    return this.ext === undefined ? undefined : this.ext.exitReason
  }
  set exitReason(value: ExitReason.ExitReason | undefined) {
    if (this.ext !== undefined) this.ext.exitReason = value
    else if (value !== undefined) (this.ext = new RecordExt()).exitReason = value
  }
  get dropped(): number {
    return this.ext === undefined ? 0 : this.ext.dropped
  }
  set dropped(value: number) {
    if (this.ext !== undefined) this.ext.dropped = value
    else if (value !== 0) (this.ext = new RecordExt()).dropped = value
  }

  get alive(): boolean {
    return this.status !== "exited"
  }

  get mailboxLength(): number {
    return mqSize(this) + (this.saved?.length ?? 0)
  }
}

/** A node: the process table, the pid counter and the local name table. */
export class NodeState {
  readonly name: string
  readonly creation: number
  readonly table = new Map<number, ProcessRecord>()
  readonly names = new Map<string, ProcessRecord>()
  nextId = 1
  closing = false
  spawned = 0
  sent = 0
  dropped = 0
  /** called when the table becomes empty */
  onEmpty: (() => void) | undefined = undefined
  /** the pid that stands for "outside any process" on this node, like `<0.0.0>` */
  readonly systemPid: PidImpl
  /** the scheduler this node's processes run on, in place of Effect's default one; undefined: the default */
  readonly scheduler: Scheduler.Scheduler | undefined
  /** the deadlines of the calls to this node's processes (see `addDeadline`) */
  deadlines: Deadlines | undefined = undefined
  /** spawner context → the same context with the node's scheduler (one derived context per spawner) */
  readonly processBases = new WeakMap<Context.Context<never>, Context.Context<never>>()

  constructor(name: string, creation: number, scheduler?: Scheduler.Scheduler) {
    this.name = name
    this.creation = creation
    this.systemPid = new PidImpl(name, creation, 0)
    this.scheduler = scheduler
  }

  get active(): number {
    return this.table.size
  }
}

// ---------------------------------------------------------------------------------------------
// The mailbox queue and wake-ups
// ---------------------------------------------------------------------------------------------

const mqSize = (record: ProcessRecord): number => (record.mq === undefined ? 0 : record.mq.length - record.mqHead)

const Empty: unique symbol = Symbol.for("effect-otp/Empty") as never

/** Takes the oldest message of the queue, or `Empty`. */
const mqTake = (record: ProcessRecord): unknown => {
  const mq = record.mq
  if (mq === undefined || record.mqHead >= mq.length) return Empty
  const message = mq[record.mqHead]
  mq[record.mqHead++] = undefined
  if (record.mqHead === mq.length) {
    mq.length = 0
    record.mqHead = 0
  } else if (record.mqHead >= 1024 && record.mqHead * 2 >= mq.length) {
    mq.splice(0, record.mqHead)
    record.mqHead = 0
  }
  return message
}

/** Appends a message and wakes the receiver if it waits in a receive. */
const mqPush = (record: ProcessRecord, message: unknown): void => {
  ;(record.mq ??= []).push(message)
  wake(record)
}

/**
 * Resumes a waiting receive through the scheduler: the receiver runs when the sender yields, never
 * on the sender's stack (so a send returns before the receiver reacts to it).
 */
const wake = (record: ProcessRecord): void => {
  const resume = record.waiter
  if (resume === undefined) return
  record.waiter = undefined
  const next = record.waitNext
  ;(Fiber.getCurrent() ?? record.fiber)!.currentDispatcher.scheduleTask(() => resume(next), 0)
}

// ---------------------------------------------------------------------------------------------
// Lookup
// ---------------------------------------------------------------------------------------------

/** The local record of a pid, alive or not; undefined when the pid is unknown here. */
export const recordOf = (pid: Pid.Pid<never, unknown>): ProcessRecord | undefined => {
  const impl = pid as PidImpl
  if (impl.process !== undefined) return impl.process as ProcessRecord
  const node = findLive(impl.node, impl.creation) as NodeState | undefined
  return node?.table.get(impl.id)
}

/** The live local record of a pid. */
export const liveRecordOf = (pid: Pid.Pid<never, unknown>): ProcessRecord | undefined => {
  const record = recordOf(pid)
  return record !== undefined && record.status !== "exited" ? record : undefined
}

// ---------------------------------------------------------------------------------------------
// Delivery
// ---------------------------------------------------------------------------------------------

/** The outcome of offering a message. */
export type Delivery = "delivered" | "dropped" | "full"

/**
 * Offers a user message. Never suspends: on a full `"suspend"` mailbox it answers `"full"`, and the
 * effectful send decides whether to wait.
 */
export const offer = (record: ProcessRecord, message: unknown): Delivery => {
  if (record.status === "exited") {
    record.node.dropped++
    return "dropped"
  }
  if (mqSize(record) >= record.capacity || (record.blocked !== undefined && record.blocked.length > 0)) {
    switch (record.overflow) {
      case "dropNewest": {
        record.dropped++
        record.node.dropped++
        return "dropped"
      }
      case "dropOldest": {
        record.dropped++
        record.node.dropped++
        // only kernel-made messages wait: the new message is the oldest user message to drop
        if (!dropOldestUserMessage(record)) return "dropped"
        break
      }
      default:
        return "full"
    }
  }
  record.received++
  record.node.sent++
  mqPush(record, message)
  return "delivered"
}

/** Messages the kernel puts in a mailbox: a `"dropOldest"` overflow never drops them. */
const isKernelMade = (message: unknown): boolean =>
  message instanceof DownMessage || message instanceof ExitMessage || message instanceof ReceiveTimeout

/**
 * A message whose sender waits for it to be handled (a call): a `"dropOldest"` overflow that drops
 * it tells it, so that the sender fails at once instead of waiting for its timeout.
 */
export abstract class AwaitedMessage {
  abstract dropped(record: ProcessRecord): void
}

/**
 * Removes the oldest user message from the queue and keeps the others in order; false when the queue
 * holds none. A Down, an EXIT or a receive timeout must not be lost to an overflow.
 */
const dropOldestUserMessage = (record: ProcessRecord): boolean => {
  const mq = record.mq
  if (mq === undefined) return false
  for (let i = record.mqHead; i < mq.length; i++) {
    const message = mq[i]
    if (!isKernelMade(message)) {
      if (i === record.mqHead) mqTake(record)
      else mq.splice(i, 1)
      if (message instanceof AwaitedMessage) message.dropped(record)
      return true
    }
  }
  return false
}

/** Delivers a message made by the kernel (Down, EXIT, timeouts): never refused, never counted as dropped. */
export const deliverSystemMade = (record: ProcessRecord, message: unknown): void => {
  if (record.status === "exited") return
  record.received++
  mqPush(record, message)
}

/** Puts a message in the system lane, served before any user message. */
export const pushSystem = (record: ProcessRecord, message: unknown): boolean => {
  if (record.status === "exited") return false
  const first = record.system === undefined
  ;(record.system ??= []).push(message)
  // a receive serves the whole lane before any user message: a process waiting in one is woken
  // for the first system message, any other serves the lane at its next receive
  if (first) wake(record)
  return true
}

/** Lets the oldest suspended sender in, if there is room. */
const releaseBlocked = (record: ProcessRecord): void => {
  const blocked = record.blocked
  while (blocked !== undefined && blocked.length > 0 && mqSize(record) < record.capacity) {
    blocked.shift()!()
  }
}

/**
 * Puts a sender in the queue of senders of a full `"suspend"` mailbox: `message` goes in when there is
 * room (or is dropped and counted if the receiver exits first), then `admitted` runs. Returns a
 * function that takes the message back out while it still waits (nothing once it is in).
 */
export const enqueueBlocked = (record: ProcessRecord, message: unknown, admitted: () => void): (() => void) => {
  const admit = () => {
    if (record.status !== "exited") {
      record.received++
      record.node.sent++
      mqPush(record, message)
    } else {
      record.node.dropped++
    }
    admitted()
  }
  const blocked = (record.blocked ??= [])
  blocked.push(admit)
  return () => {
    const i = blocked.indexOf(admit)
    if (i >= 0) blocked.splice(i, 1)
  }
}

/** A send that suspends on a full `"suspend"` mailbox until there is room or the receiver exits. */
export const offerSuspending = (record: ProcessRecord, message: unknown): Effect.Effect<void> =>
  Effect.callback<void>((resume) => Effect.sync(enqueueBlocked(record, message, () => resume(Effect.void))))

// ---------------------------------------------------------------------------------------------
// Receive
// ---------------------------------------------------------------------------------------------

const runSystem = (record: ProcessRecord): Effect.Effect<void> => {
  const messages = record.system!
  record.system = undefined
  const handler = record.systemHandler
  if (handler === undefined) return Effect.void
  return Effect.forEach(messages, handler, { discard: true })
}

/**
 * Takes the first message that `match` accepts: the save list first, then the queue. Skipped
 * messages go to the end of the save list, so their order is kept. When `token` is given, the
 * receive gives up with `TimedOut` when that timeout message comes up; stale timeout messages of
 * earlier receives are dropped. With `noWait`, an empty mailbox gives `TimedOut` at once.
 */
export const receive = (
  record: ProcessRecord,
  match: ((message: unknown) => boolean) | undefined,
  token: ReceiveTimeout | undefined,
  noWait: boolean
): Effect.Effect<unknown> => {
  if (match === undefined && token === undefined && !noWait) return receiveAny
  const handle = (message: unknown): Effect.Effect<unknown> | undefined => {
    if (message instanceof ReceiveTimeout) {
      return message === token ? Effect.succeed(TimedOut) : undefined
    }
    if (match === undefined || match(message)) return Effect.succeed(message)
    ;(record.saved ??= []).push(message)
    return undefined
  }
  const step = (): Effect.Effect<unknown> => {
    if (record.status === "waiting") record.status = "running"
    if (record.system !== undefined) return Effect.flatMap(runSystem(record), step)
    const saved = record.saved
    if (saved !== undefined && saved.length > 0) {
      for (let i = 0; i < saved.length; i++) {
        const message = saved[i]
        if (message instanceof ReceiveTimeout) {
          saved.splice(i--, 1)
          if (message === token) return Effect.succeed(TimedOut)
        } else if (match === undefined || match(message)) {
          if (i === 0) saved.shift()
          else saved.splice(i, 1)
          return Effect.succeed(message)
        }
      }
    }
    while (true) {
      const message = mqTake(record)
      if (message === Empty) break
      if (record.blocked !== undefined) releaseBlocked(record)
      const result = handle(message)
      if (result !== undefined) return result
    }
    if (noWait) return Effect.succeed(TimedOut)
    if (record.status === "running") record.status = "waiting"
    return Effect.flatMap(waitForMessage, step)
  }
  return Effect.suspend(step)
}

/**
 * The `Self` service: the record of the process a fiber runs. Declared here, once; `Process.Self` is
 * this key with its public type.
 */
export const Self = Context.Service<any, ProcessRecord>("effect-otp/Process/Self")

/** The record of the process the calling fiber runs (inside a process only: its `Self` is required). */
export const currentSelf: Effect.Effect<ProcessRecord, never, ProcessSelf<unknown>> = Effect.service(Self)

/** The record of the process `fiber` runs; the types guarantee it runs in one. */
const currentRecord = (fiber: Fiber.Fiber<unknown, unknown>): ProcessRecord =>
  Context.getOrUndefined(fiber.context, Self)!

/** The record of the process `fiber` runs, if it runs in one. */
export const callerOf = (fiber: Fiber.Fiber<unknown, unknown>): ProcessRecord | undefined =>
  Context.getOrUndefined(fiber.context, Self)

/**
 * Suspends the calling process until a message arrives, then goes on with `next` (the sender's wake-up
 * resumes it with `next` directly: no continuation frame per wait). Build it once per loop, not per wait.
 */
const waitThen = <A, E, R>(next: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.callback<A, E, R>((resume) => {
    const record = currentRecord(Fiber.getCurrent()!)
    record.waiter = resume as (effect: Effect.Effect<unknown>) => void
    record.waitNext = next as Effect.Effect<unknown>
  })

/** Suspends the calling process until a message arrives. One value for all. */
const waitForMessage: Effect.Effect<void> = waitThen(Effect.void)

/**
 * Takes the next message, whatever it is, and goes on with `onMessage(message)`: the receive of a
 * server loop (and, with `Effect.succeed`, `receive()` with no pattern and no timeout). The hot path:
 * no continuation frame per message, and no allocation when a message is waiting. It serves the
 * system lane first, then the save list (dropping the stale timeout messages of earlier receives),
 * then the queue, and waits when all are empty. A selective or timed receive is {@link receive}:
 * its matching and its timeout token would cost this path a closure per receive.
 */
export const receiveAnyThen = <A, E, R>(
  onMessage: (message: unknown) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> => {
  const self: Effect.Effect<A, E, R> = Effect.withFiber((fiber) => {
    const record = currentRecord(fiber)
    if (record.status === "waiting") record.status = "running"
    if (record.system !== undefined) return Effect.flatMap(runSystem(record), () => self)
    const saved = record.saved
    if (saved !== undefined && saved.length > 0) {
      for (let i = 0; i < saved.length; i++) {
        const message = saved[i]
        saved.splice(i--, 1)
        if (!(message instanceof ReceiveTimeout)) return onMessage(message)
      }
    }
    while (true) {
      const message = mqTake(record)
      if (message === Empty) break
      if (record.blocked !== undefined) releaseBlocked(record)
      if (!(message instanceof ReceiveTimeout)) return onMessage(message)
    }
    if (record.status === "running") record.status = "waiting"
    return afterWait
  })
  const afterWait = waitThen(self)
  return self
}

/** `receive()` with no pattern and no timeout: one value for every process. */
export const receiveAny: Effect.Effect<unknown> = receiveAnyThen(Effect.succeed)

/** `receive` with a timeout: a timer puts a timeout message in the process's own queue. */
export const receiveWithin = (
  record: ProcessRecord,
  match: ((message: unknown) => boolean) | undefined,
  timeout: Duration.Duration
): Effect.Effect<unknown> => {
  if (Duration.isZero(timeout)) return receive(record, match, undefined, true)
  if (!Duration.isFinite(timeout)) return receive(record, match, undefined, false)
  return Effect.suspend(() => {
    const token = new ReceiveTimeout()
    return Effect.flatMap(
      // the timeout token is not a message: it is not counted in `received`
      startTimer(record, timeout, () => void (record.status !== "exited" && mqPush(record, token)), token.ref.id),
      () =>
        Effect.tap(receive(record, match, token, false), () =>
          Effect.sync(() => cancelTimerUnsafe(record, token.ref.id))
        )
    )
  })
}

// ---------------------------------------------------------------------------------------------
// Timers
// ---------------------------------------------------------------------------------------------

/** Starts a timer owned by `owner`: it dies with the owner. */
export const startTimer = (
  owner: ProcessRecord,
  delay: Duration.Duration,
  fire: () => void,
  id: number
): Effect.Effect<void> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) =>
    Effect.map(
      Effect.forkDetach(
        Effect.flatMap(Effect.sleep(delay), () =>
          Effect.sync(() => {
            owner.timers?.delete(id)
            fire()
          })
        ),
        { startImmediately: true }
      ),
      (fiber) => {
        if (owner.status === "exited") {
          fiber.interruptUnsafe()
          return
        }
        if (fiber.pollUnsafe() === undefined) {
          ;(owner.timers ??= new Map()).set(id, { fiber, due: now + Duration.toMillis(delay) })
        }
      }
    )
  )

/** Cancels a timer; returns the time it had left, or undefined if it had fired or was cancelled. */
export const cancelTimerUnsafe = (owner: ProcessRecord, id: number, now?: number): number | undefined => {
  const timer = owner.timers?.get(id)
  if (timer === undefined) return undefined
  owner.timers!.delete(id)
  timer.fiber.interruptUnsafe()
  return now === undefined ? 0 : Math.max(0, timer.due - now)
}

// ---------------------------------------------------------------------------------------------
// Signals
// ---------------------------------------------------------------------------------------------

/** Ends a process with `reason`: the reason wins over whatever its fiber then exits with. */
export const terminate = (record: ProcessRecord, reason: ExitReason.ExitReason, signalled: boolean): void => {
  if (record.status === "exited" || record.pendingExit !== undefined) return
  record.pendingExit = reason
  record.signalled = signalled
  record.status = "exiting"
  record.fiber?.interruptUnsafe(undefined)
}

/** How an exit signal was sent: by a link when its process exited, by `exit/2`, or by `kill`. */
export type SignalKind = "link" | "exit" | "kill"

/** Delivers an exit signal with OTP's rules. */
export const exitSignal = (
  target: ProcessRecord,
  from: Pid.Pid<never, unknown>,
  reason: ExitReason.ExitReason,
  kind: SignalKind
): void => {
  if (target.status === "exited") return
  if (kind === "kill") {
    // kill wins even over a stop already under way (a shutdown whose budget ran out)
    target.pendingExit = undefined
    terminate(target, ExitReason.killed, true)
    return
  }
  if (target.pendingExit !== undefined) return
  if (target.trapExit) {
    deliverSystemMade(target, new ExitMessage(from, reason))
    return
  }
  if (reason._tag === "Normal") {
    // exit(self(), normal) ends the caller; a normal signal from anyone else is ignored
    if (kind === "exit" && recordOf(from) === target) terminate(target, reason, false)
    return
  }
  terminate(target, reason, true)
}

/** Sets whether the process traps exits; returns the previous setting. */
export const setTrapExit = (record: ProcessRecord, trap: boolean): boolean => {
  const previous = record.trapExit
  record.trapExit = trap
  return previous
}

/** Installs the handler of the process's system lane (see `pushSystem`). */
export const setSystemHandler = (
  record: ProcessRecord,
  handler: ((message: unknown) => Effect.Effect<void>) | undefined
): void => {
  record.systemHandler = handler
}

/**
 * Calls `listener` with the reason when the process exits, after its links and monitors have been
 * signalled. A listener added after the exit is never called.
 */
export const addExitListener = (record: ProcessRecord, listener: (reason: ExitReason.ExitReason) => void): void => {
  ;(record.exitListeners ??= new Set()).add(listener)
}

/** Takes back a listener of {@link addExitListener} (nothing if it ran or was never added). */
export const removeExitListener = (record: ProcessRecord, listener: (reason: ExitReason.ExitReason) => void): void => {
  record.exitListeners?.delete(listener)
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

/** Links two live processes (both directions). */
export const linkRecords = (a: ProcessRecord, b: ProcessRecord): void => {
  if (a === b) return
  ;(a.links ??= new Set()).add(b)
  ;(b.links ??= new Set()).add(a)
}

/** Removes a link in both directions. */
export const unlinkRecords = (a: ProcessRecord, b: ProcessRecord): void => {
  a.links?.delete(b)
  b.links?.delete(a)
}

/** Starts a monitor; if the target is dead, the Down comes at once with `NoProc`. */
export const monitorRecord = (
  watcher: ProcessRecord,
  target: ProcessRecord | undefined,
  targetPid: Pid.Pid<never, unknown>
): MonitorRef => {
  const ref = new MonitorRef()
  if (target === undefined || target.status === "exited") {
    deliverSystemMade(watcher, new DownMessage(ref, targetPid, ExitReason.noProc))
    return ref
  }
  const monitor: Monitor = { ref, watcher, target }
  ;(watcher.monitors ??= new Map()).set(ref.id, monitor)
  ;(target.monitoredBy ??= new Map()).set(ref.id, monitor)
  return ref
}

/** Removes a monitor; true when it was active. */
export const demonitorRecord = (watcher: ProcessRecord, ref: MonitorRef): boolean => {
  const monitor = watcher.monitors?.get(ref.id)
  if (monitor === undefined) return false
  watcher.monitors!.delete(ref.id)
  monitor.target.monitoredBy?.delete(ref.id)
  return true
}

/** Removes every message the predicate accepts from the mailbox (queue and save list). */
export const flushMessages = (record: ProcessRecord, predicate: (message: unknown) => boolean): number => {
  let removed = 0
  const saved = (record.saved ??= [])
  while (true) {
    const message = mqTake(record)
    if (message === Empty) break
    saved.push(message)
  }
  for (let i = 0; i < saved.length; i++) {
    if (predicate(saved[i])) {
      saved.splice(i--, 1)
      removed++
    }
  }
  if (record.blocked !== undefined) releaseBlocked(record)
  return removed
}

// ---------------------------------------------------------------------------------------------
// Exit
// ---------------------------------------------------------------------------------------------

/** The fiber observer: the process has exited; tell everyone who asked. */
export const onProcessExit = (record: ProcessRecord, reason: ExitReason.ExitReason): void => {
  record.exitReason = reason
  record.status = "exited"
  const node = record.node
  node.table.delete(record.pid.id)
  if (record.name !== undefined && node.names.get(record.name) === record) node.names.delete(record.name)
  if (record.timers !== undefined) {
    for (const timer of record.timers.values()) timer.fiber.interruptUnsafe()
    record.timers = undefined
  }
  if (record.blocked !== undefined) {
    const blocked = record.blocked
    record.blocked = undefined
    for (const admit of blocked) admit()
  }
  record.mq = undefined
  record.mqHead = 0
  record.waiter = undefined
  record.saved = undefined
  record.system = undefined
  exitDepth++
  try {
    const defer = exitDepth > maxExitDepth
    if (record.links !== undefined) {
      const links = record.links
      record.links = undefined
      for (const linked of links) {
        linked.links?.delete(record)
        if (defer) afterExit.push(() => exitSignal(linked, record.pid, reason, "link"))
        else exitSignal(linked, record.pid, reason, "link")
      }
    }
    if (record.monitoredBy !== undefined) {
      const monitors = record.monitoredBy
      record.monitoredBy = undefined
      for (const monitor of monitors.values()) {
        monitor.watcher.monitors?.delete(monitor.ref.id)
        deliverSystemMade(monitor.watcher, new DownMessage(monitor.ref, record.pid, reason))
      }
    }
    if (record.monitors !== undefined) {
      for (const monitor of record.monitors.values()) monitor.target.monitoredBy?.delete(monitor.ref.id)
      record.monitors = undefined
    }
    if (defer) {
      // until the task runs, an awaitExit waits for it: the links will have been signalled
      record.exitQueued = true
      afterExit.push(() => runExitListeners(record, reason))
    } else {
      runExitListeners(record, reason)
    }
    if (exitDepth === 1) {
      let task = afterExit.shift()
      while (task !== undefined) {
        task()
        task = afterExit.shift()
      }
    }
  } finally {
    exitDepth--
  }
  if (node.table.size === 0 && node.onEmpty !== undefined) node.onEmpty()
}

const runExitListeners = (record: ProcessRecord, reason: ExitReason.ExitReason): void => {
  record.exitQueued = false
  if (record.ext !== undefined && record.ext.pending !== undefined) {
    let entry: Pending | undefined = record.ext.pending
    record.ext.pending = record.ext.pendingTail = undefined
    while (entry !== undefined) {
      const next: Pending | undefined = entry.nextPending
      entry.prevPending = entry.nextPending = undefined
      entry.listed = false
      entry.serverExited(reason)
      entry = next
    }
  }
  const listeners = record.exitListeners
  record.exitListeners = undefined
  if (listeners !== undefined) for (const listener of listeners) listener(reason)
}

/**
 * Interrupting a suspended fiber runs it to its end synchronously, so an exit signal to a linked
 * process makes it exit inside the exit of the process that sent it, and so on down a chain of
 * links: a chain of a few hundred linked processes overflowed the stack. Beyond `maxExitDepth`
 * nested exits, the signals to links and the exit listeners are queued instead, in that order,
 * and the outermost exit runs the queue before it returns. Shallower exits are not changed.
 */
const maxExitDepth = 64
let exitDepth = 0
const afterExit: Array<() => void> = []

/** A call's deadline: `fire` runs when it passes unless `done` was set first. */
export abstract class Deadline {
  done = false
  due = 0
  abstract fire(): void
}

/**
 * An entry of a process's list of pending calls and `awaitExit`s: told when the process exits
 * (before its exit listeners). A doubly-linked list through the entries themselves, so adding and
 * removing one allocates nothing.
 */
export abstract class Pending extends Deadline {
  prevPending: Pending | undefined = undefined
  nextPending: Pending | undefined = undefined
  listed = false
  abstract serverExited(reason: ExitReason.ExitReason): void
}

/** Puts `entry` at the end of the pending list of `record`, a process whose exit has not been handled yet. */
export const addPending = (record: ProcessRecord, entry: Pending): void => {
  const ext = (record.ext ??= new RecordExt())
  const tail = ext.pendingTail
  entry.prevPending = tail
  if (tail !== undefined) tail.nextPending = entry
  else ext.pending = entry
  ext.pendingTail = entry
  entry.listed = true
}

/** Takes `entry` off the pending list of `record` (nothing if it is not on it). */
export const removePending = (record: ProcessRecord, entry: Pending): void => {
  if (!entry.listed) return
  entry.listed = false
  const prev = entry.prevPending
  const next = entry.nextPending
  const ext = record.ext!
  if (next !== undefined) next.prevPending = prev
  else ext.pendingTail = prev
  if (prev !== undefined) prev.nextPending = next
  else ext.pending = next
  entry.prevPending = entry.nextPending = undefined
}

/** The reason of a process whose exit has been handled; undefined while it runs or its exit is queued (see `afterExit`). */
const handledExitReason = (record: ProcessRecord): ExitReason.ExitReason | undefined =>
  record.status === "exited" && !record.exitQueued ? record.exitReason : undefined

/** Waits until the process has exited and gives its reason (`NoProc` if it was unknown or gone). */
export const awaitExit = (pid: Pid.Pid<never, unknown>): Effect.Effect<ExitReason.ExitReason> =>
  Effect.suspend(() => {
    // already over: no callback to register (the common case once a batch of processes has run)
    const record = recordOf(pid)
    if (record === undefined) return Effect.succeed(ExitReason.noProc)
    const reason = handledExitReason(record)
    return reason !== undefined ? Effect.succeed(reason) : waitExit(record)
  })

/**
 * An `awaitExit` waiting: an entry of the record's pending list (one object per wait, no `Set`
 * entry and no listener closure). It resumes its fiber from a microtask, so after the exit has been
 * handled (links, monitors, exit listeners: what they clean up, such as a `Registry`'s entries, is
 * done when the waiter goes on), never inside it: a fiber waiting for many processes in turn (spawn,
 * send, then `awaitExit` each) goes on once the batch that ends them has run, and finds the rest
 * already gone, instead of being resumed and suspended again inside each exit.
 */
class ExitWaiter extends Pending {
  readonly resume: (effect: Effect.Effect<ExitReason.ExitReason>) => void
  constructor(resume: (effect: Effect.Effect<ExitReason.ExitReason>) => void) {
    super()
    this.resume = resume
  }
  /** never armed: a wait has no deadline */
  fire(): void {}
  serverExited(reason: ExitReason.ExitReason): void {
    const resume = this.resume
    queueMicrotask(() => resume(Effect.succeed(reason)))
  }
}

const waitExit = (record: ProcessRecord): Effect.Effect<ExitReason.ExitReason> =>
  Effect.callback<ExitReason.ExitReason>((resume) => {
    // checked again: the fiber may have yielded to others since `awaitExit` looked
    const reason = handledExitReason(record)
    if (reason !== undefined) return resume(Effect.succeed(reason))
    const waiter = new ExitWaiter(resume)
    addPending(record, waiter)
    return Effect.sync(() => removePending(record, waiter))
  })

// ---------------------------------------------------------------------------------------------
// Spawn
// ---------------------------------------------------------------------------------------------

export interface SpawnOptions {
  readonly mailbox?: MailboxOptions.Options | undefined
  readonly trapExit?: boolean | undefined
}

const debugEnabled = (fiber: Fiber.Fiber<unknown, unknown>): boolean =>
  LogLevel.isLessThanOrEqualTo(fiber.getRef(References.MinimumLogLevel), "Debug")

/**
 * Whether an entry logged at `level` by `fiber` would reach a logger: false when the minimum level
 * filters it out or when there is no logger at all (`Logger.layer([])`). Reports that no logger
 * would see are then not built.
 */
export const logReaches = (fiber: Fiber.Fiber<unknown, unknown> | undefined, level: LogLevel.LogLevel): boolean =>
  fiber === undefined ||
  (fiber.getRef(References.CurrentLoggers).size > 0 &&
    !LogLevel.isGreaterThan(fiber.getRef(References.MinimumLogLevel), level))

/**
 * Spawns a process on `node` running `body` with `Self` provided. `setup` runs synchronously after
 * the record exists and before the fiber can run: links and monitors made there are in place before
 * the body starts.
 */
export const spawn = <E, R>(
  node: NodeState,
  body: Effect.Effect<unknown, E, R>,
  options: SpawnOptions | undefined,
  setup: ((record: ProcessRecord) => void) | undefined
): Effect.Effect<ProcessRecord, never, Exclude<R, any>> =>
  Effect.withFiber((parent) => Effect.succeed(spawnUnsafe(parent, node, body, options, setup))) as never

/**
 * {@link spawn} from inside a running fiber, `parent`: the process exists when this returns, and its
 * body starts when `parent` next yields (it is scheduled on `parent`'s dispatcher, as `Effect.fork`
 * schedules a child), never on `parent`'s stack.
 */
export const spawnUnsafe = (
  parent: Fiber.Fiber<unknown, unknown>,
  node: NodeState,
  body: Effect.Effect<unknown, unknown, unknown>,
  options: SpawnOptions | undefined,
  setup: ((record: ProcessRecord) => void) | undefined
): ProcessRecord => {
  const record = new ProcessRecord(node, node.nextId++, options?.mailbox)
  record.trapExit = options?.trapExit === true
  node.table.set(record.pid.id, record)
  node.spawned++
  setup?.(record)
  const debug = debugEnabled(parent)
  // each process has its own Scope, closed when it exits: `Effect.addFinalizer` in a body runs at
  // the process's exit, not at its spawner's. The scope is in the context the fiber starts with (not
  // `Effect.scoped`: no context switch, and no previous context kept alive for the process's life);
  // closing an empty scope has nothing to run, and `closeUnsafe` then answers undefined, which
  // `onExit` takes as "no finalizer effect" (the test suite's process-finalizer tests cover both)
  const scope = Scope.makeUnsafe()
  const scoped = Effect.onExit(body, (exit) => Scope.closeUnsafe(scope, exit) as Effect.Effect<void>)
  const run = debug
    ? Effect.andThen(
        Effect.logDebug(`process ${record.pid} spawned`).pipe(Effect.annotateLogs("event", "SPAWN")),
        scoped
      )
    : scoped
  // The child starts from the context the parent has now, plus `Self` and the pid log annotation,
  // rather than wrappers that would sit on the child's stack all its life.
  const annotations = parent.getRef(References.CurrentLogAnnotations)
  const context = Context.add(
    Context.add(Context.add(processBase(node, parent.context), Self, record), Scope.Scope, scope),
    References.CurrentLogAnnotations,
    {
      ...annotations,
      pid: pidString(node, record.pid.id)
    }
  )
  // A fiber of its own (detached: a process outlives its spawner) made directly with its context:
  // its first step waits for a task on the parent's dispatcher, as a fork's first step does, so
  // spawning costs no context switch of the parent fiber and no effect per step.
  const dispatcher = parent.currentDispatcher
  const fiber = Effect.runForkWith(context as Context.Context<never>)(
    Effect.callback<unknown, unknown>((resume) => {
      dispatcher.scheduleTask(() => {
        if (record.status === "runnable") record.status = "running"
        resume(run as Effect.Effect<unknown, unknown>)
      }, 0)
    })
  ) as Fiber.Fiber<unknown, unknown>
  record.fiber = fiber
  fiber.addObserver(exitObserver(record, fiber, debug))
  if (node.closing || record.pendingExit !== undefined) {
    const reason = record.pendingExit ?? ExitReason.shutdown
    record.pendingExit = undefined
    terminate(record, reason, true)
  }
  return record
}

/** The fiber observer of a process: crash report and lifecycle events (logged with the process's context), then the exit. */
const exitObserver =
  (record: ProcessRecord, fiber: Fiber.Fiber<unknown, unknown>, debug: boolean) =>
  (exit: Exit.Exit<unknown, unknown>): void => {
    const reason = exitReasonOf(record, exit)
    const report = reportExit(record, exit, reason, debug, fiber)
    if (report !== Effect.void) Effect.runForkWith(fiber.context)(report)
    onProcessExit(record, reason)
  }

/**
 * The context a process starts from: the spawner's, on the node's scheduler if it has one. Derived
 * once per spawner context, so the processes spawned from one fiber share one fiber cache.
 */
const processBase = (node: NodeState, context: Context.Context<never>): Context.Context<never> => {
  const scheduler = node.scheduler
  // only in place of Effect's default scheduler: a test clock's tracking scheduler stays
  if (scheduler === undefined || !(Context.get(context, Scheduler.Scheduler) instanceof Scheduler.MixedScheduler)) {
    return context
  }
  let base = node.processBases.get(context)
  if (base === undefined) {
    base = Context.add(context, Scheduler.Scheduler, scheduler)
    node.processBases.set(context, base)
  }
  return base
}

const pidPrefixes = new WeakMap<NodeState, string>()
/** `<0.42.0>` without a lookup per pid: the node's part is computed once. */
const pidString = (node: NodeState, id: number): string => {
  let prefix = pidPrefixes.get(node)
  if (prefix === undefined) {
    const system = node.systemPid.toString()
    prefix = system.slice(0, system.length - ".0.0>".length)
    pidPrefixes.set(node, prefix)
  }
  return `${prefix}.${id}.0>`
}

/** Why a process ended: the exit signal that stopped it, else what its fiber exited with. */
const exitReasonOf = (record: ProcessRecord, exit: Exit.Exit<unknown, unknown>): ExitReason.ExitReason =>
  record.pendingExit ?? (Exit.isSuccess(exit) ? ExitReason.normal : ExitReason.fromCause(exit.cause))

/** Crash reports and lifecycle events, logged from inside the process with its annotations. */
const reportExit = (
  record: ProcessRecord,
  exit: Exit.Exit<unknown, unknown>,
  reason: ExitReason.ExitReason,
  debug: boolean,
  fiber: Fiber.Fiber<unknown, unknown>
): Effect.Effect<void> => {
  if (Exit.isFailure(exit) && !record.signalled) {
    if (!ExitReason.isNormalLike(reason)) {
      // a crash report that no logger would print is not built (nor is a fiber forked to log it)
      if (!logReaches(fiber, "Error")) return Effect.void
      const annotations: Record<string, unknown> = { event: "CRASH", reason: reason._tag }
      if (record.name !== undefined) annotations.name = record.name
      return Effect.logError(
        `process ${record.pid} crashed`,
        reason._tag === "Failure" ? reason.cause : String(reason)
      ).pipe(Effect.annotateLogs(annotations))
    }
  }
  if (debug) {
    return Effect.logDebug(`process ${record.pid} exited: ${String(reason)}`).pipe(
      Effect.annotateLogs({ event: "EXIT", reason: reason._tag })
    )
  }
  return Effect.void
}

/** Stops every process of the node with `Shutdown` and waits until the table is empty. */
export const shutdownNode = (node: NodeState): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    node.closing = true
    if (node.table.size === 0) {
      stopDeadlines(node)
      return resume(Effect.void)
    }
    node.onEmpty = () => {
      node.onEmpty = undefined
      stopDeadlines(node)
      resume(Effect.void)
    }
    for (const record of Array.from(node.table.values())) terminate(record, ExitReason.shutdown, true)
  })

/**
 * The deadlines of one length, oldest first, from `head` to `tail`. The array is kept when the queue
 * empties (resetting its length would drop its storage, and the next call would allocate it again).
 */
class DeadlineFifo {
  items: Array<Deadline | undefined> = []
  head = 0
  tail = 0
}

/** A node's call deadlines: one FIFO per length, and the sweeper fiber. */
export class Deadlines {
  readonly fifos = new Map<number, DeadlineFifo>()
  /** the FIFO of the length armed last (nearly every call uses the default timeout) */
  lastMs = -1
  lastFifo: DeadlineFifo | undefined = undefined
  live = 0
  sweeper: Fiber.Fiber<void> | undefined = undefined
  sweeperDue = Number.POSITIVE_INFINITY
}

const fifoFor = (state: Deadlines, ms: number): DeadlineFifo => {
  let fifo = state.fifos.get(ms)
  if (fifo === undefined) {
    fifo = new DeadlineFifo()
    state.fifos.set(ms, fifo)
  }
  state.lastMs = ms
  state.lastFifo = fifo
  return fifo
}

/**
 * Arms a deadline `ms` from now on the caller's `Clock`. Deadlines of one length are due in the
 * order they are armed, so each length is a FIFO and arming costs a push; one sweeper fiber per node
 * sleeps until the earliest one. Entries that are done are dropped from the head as new ones come.
 */
export const addDeadline = (
  node: NodeState,
  fiber: Fiber.Fiber<unknown, unknown>,
  ms: number,
  entry: Deadline
): void => {
  const state = (node.deadlines ??= new Deadlines())
  const due = fiber.getRef(Clock.Clock).currentTimeMillisUnsafe() + ms
  entry.due = due
  entry.done = false
  const fifo = state.lastMs === ms ? state.lastFifo! : fifoFor(state, ms)
  const items = fifo.items
  while (fifo.head < fifo.tail && items[fifo.head]!.done) items[fifo.head++] = undefined
  if (fifo.head === fifo.tail) {
    fifo.head = fifo.tail = 0
  } else if (fifo.tail - fifo.head > 2 * state.live + 64) {
    fifo.items = items.slice(fifo.head, fifo.tail).filter((d) => !d!.done)
    fifo.head = 0
    fifo.tail = fifo.items.length
  }
  fifo.items[fifo.tail++] = entry
  state.live++
  if (due < state.sweeperDue) {
    state.sweeper?.interruptUnsafe()
    state.sweeperDue = due
    state.sweeper = Effect.runForkWith(fiber.context)(sweep(state))
  }
}

/** The call is over (replied, failed or interrupted): its deadline will not fire. */
export const clearDeadline = (node: NodeState, entry: Deadline): void => {
  if (entry.done) return
  entry.done = true
  if (node.deadlines !== undefined) node.deadlines.live--
}

const sweep = (state: Deadlines): Effect.Effect<void> =>
  Effect.clockWith((clock) => {
    const wait = Math.max(0, state.sweeperDue - clock.currentTimeMillisUnsafe())
    return Effect.flatMap(Effect.sleep(wait), () => {
      const now = clock.currentTimeMillisUnsafe()
      let next = Number.POSITIVE_INFINITY
      for (const fifo of state.fifos.values()) {
        const items = fifo.items
        while (fifo.head < fifo.tail) {
          const entry = items[fifo.head]!
          if (!entry.done && entry.due > now) break
          items[fifo.head++] = undefined
          if (!entry.done) {
            entry.done = true
            state.live--
            entry.fire()
          }
        }
        if (fifo.head < fifo.tail) next = Math.min(next, items[fifo.head]!.due)
        else fifo.head = fifo.tail = 0
      }
      state.sweeperDue = next
      if (next === Number.POSITIVE_INFINITY) {
        state.sweeper = undefined
        return Effect.void
      }
      return sweep(state)
    })
  })

/** Stops the node's deadline sweeper (at node shutdown: it must not keep the event loop alive). */
export const stopDeadlines = (node: NodeState): void => {
  const state = node.deadlines
  if (state === undefined) return
  state.sweeper?.interruptUnsafe()
  state.sweeper = undefined
  state.sweeperDue = Number.POSITIVE_INFINITY
}

/** Fails with NoProc when the pid names no live local process. */
export const noProcFor = (pid: Pid.Pid<never, unknown>) => new Errors.NoProc({ pid: pid as Pid.Pid<unknown, unknown> })
