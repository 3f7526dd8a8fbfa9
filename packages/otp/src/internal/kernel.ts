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
import { Cause, Clock, type Context, Duration, Effect, Exit, type Fiber, LogLevel, Queue, References } from "effect"
import * as Errors from "../Errors.ts"
import * as ExitReason from "../ExitReason.ts"
import type * as MailboxOptions from "../Mailbox.ts"
import { PidImpl } from "../Pid.ts"
import type * as Pid from "../Pid.ts"
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

/** Put in the queue to wake a receiver when a system message arrives. */
const SystemWake: unique symbol = Symbol.for("effect-otp/SystemWake") as never

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

/** The handle a process body gets through the `Self` service. */
export class ProcessRecord {
  readonly pid: PidImpl
  readonly node: NodeState
  readonly queue: Queue.Queue<unknown>
  readonly capacity: number
  readonly overflow: MailboxOptions.Overflow
  /** messages a selective receive examined and skipped, oldest first */
  saved: Array<unknown> | undefined = undefined
  /** the system lane: served before any user message */
  system: Array<unknown> | undefined = undefined
  systemHandler: ((message: unknown) => Effect.Effect<void>) | undefined = undefined
  /** senders suspended on a full `"suspend"` mailbox, oldest first */
  blocked: Array<() => void> | undefined = undefined
  fiber: Fiber.Fiber<unknown, unknown> | undefined = undefined
  links: Set<ProcessRecord> | undefined = undefined
  /** monitors this process holds, by ref id */
  monitors: Map<number, Monitor> | undefined = undefined
  /** monitors on this process, by ref id */
  monitoredBy: Map<number, Monitor> | undefined = undefined
  timers: Map<number, Timer> | undefined = undefined
  exitListeners: Set<(reason: ExitReason.ExitReason) => void> | undefined = undefined
  /** exited, but its exit listeners are still queued behind an outer exit (see `afterExit`) */
  exitQueued = false
  trapExit = false
  name: string | undefined = undefined
  status: Status = "runnable"
  /** the reason an exit signal (or `exit/1`) gave this process; wins over the fiber's own exit */
  pendingExit: ExitReason.ExitReason | undefined = undefined
  /** true when `pendingExit` came from another process's signal: no crash report then */
  signalled = false
  exitReason: ExitReason.ExitReason | undefined = undefined
  received = 0
  dropped = 0

  constructor(node: NodeState, id: number, queue: Queue.Queue<unknown>, mailbox: MailboxOptions.Options | undefined) {
    this.node = node
    this.pid = new PidImpl(node.name, node.creation, id, this)
    this.queue = queue
    this.capacity = mailbox?.capacity ?? Number.POSITIVE_INFINITY
    this.overflow = mailbox?.overflow ?? "suspend"
  }

  get alive(): boolean {
    return this.status !== "exited"
  }

  get mailboxLength(): number {
    return Queue.sizeUnsafe(this.queue) + (this.saved?.length ?? 0)
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

  constructor(name: string, creation: number) {
    this.name = name
    this.creation = creation
    this.systemPid = new PidImpl(name, creation, 0)
  }

  get active(): number {
    return this.table.size
  }
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
  if (
    Queue.sizeUnsafe(record.queue) >= record.capacity ||
    (record.blocked !== undefined && record.blocked.length > 0)
  ) {
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
  Queue.offerUnsafe(record.queue, message)
  record.received++
  record.node.sent++
  return "delivered"
}

/** Messages the kernel puts in a mailbox: a `"dropOldest"` overflow never drops them. */
const isKernelMade = (message: unknown): boolean =>
  message instanceof DownMessage ||
  message instanceof ExitMessage ||
  message instanceof ReceiveTimeout ||
  message === SystemWake

/**
 * Removes the oldest user message from the queue and keeps the others in order; false when the queue
 * holds none. A Down, an EXIT, a receive timeout or a system wake-up must not be lost to an overflow.
 */
const dropOldestUserMessage = (record: ProcessRecord): boolean => {
  const head = Queue.takeUnsafe(record.queue) as Exit.Success<unknown> | undefined
  if (head === undefined) return false
  if (!isKernelMade(head.value)) return true
  const kept: Array<unknown> = [head.value]
  let dropped = false
  while (true) {
    const exit = Queue.takeUnsafe(record.queue) as Exit.Success<unknown> | undefined
    if (exit === undefined) break
    if (!dropped && !isKernelMade(exit.value)) dropped = true
    else kept.push(exit.value)
  }
  for (const message of kept) Queue.offerUnsafe(record.queue, message)
  return dropped
}

/** Delivers a message made by the kernel (Down, EXIT, timeouts): never refused, never counted as dropped. */
export const deliverSystemMade = (record: ProcessRecord, message: unknown): void => {
  if (record.status === "exited") return
  Queue.offerUnsafe(record.queue, message)
  record.received++
}

/** Puts a message in the system lane, served before any user message. */
export const pushSystem = (record: ProcessRecord, message: unknown): boolean => {
  if (record.status === "exited") return false
  const first = record.system === undefined
  ;(record.system ??= []).push(message)
  // Only a process blocked in receive needs a wake-up token; any other serves the lane at its next
  // receive. The token is not a message: left in the queue, it would count towards a bounded
  // mailbox's capacity and show in the mailbox length.
  if (first && record.status === "waiting") Queue.offerUnsafe(record.queue, SystemWake)
  return true
}

/** Lets the oldest suspended sender in, if there is room. */
const releaseBlocked = (record: ProcessRecord): void => {
  const blocked = record.blocked
  while (blocked !== undefined && blocked.length > 0 && Queue.sizeUnsafe(record.queue) < record.capacity) {
    blocked.shift()!()
  }
}

/** A send that suspends on a full `"suspend"` mailbox until there is room or the receiver exits. */
export const offerSuspending = (record: ProcessRecord, message: unknown): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    const admit = () => {
      if (record.status !== "exited") {
        Queue.offerUnsafe(record.queue, message)
        record.received++
        record.node.sent++
      } else {
        record.node.dropped++
      }
      resume(Effect.void)
    }
    const blocked = (record.blocked ??= [])
    blocked.push(admit)
    return Effect.sync(() => {
      const i = blocked.indexOf(admit)
      if (i >= 0) blocked.splice(i, 1)
    })
  })

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
  const handle = (message: unknown): Effect.Effect<unknown> | undefined => {
    if (message === SystemWake) {
      return record.system !== undefined ? Effect.flatMap(runSystem(record), step) : undefined
    }
    if (message instanceof ReceiveTimeout) {
      return message === token ? Effect.succeed(TimedOut) : undefined
    }
    if (match === undefined || match(message)) return Effect.succeed(message)
    ;(record.saved ??= []).push(message)
    return undefined
  }
  const step = (): Effect.Effect<unknown> => {
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
      const exit = Queue.takeUnsafe(record.queue)
      if (exit === undefined) break
      if (record.blocked !== undefined) releaseBlocked(record)
      const result = handle((exit as Exit.Success<unknown>).value)
      if (result !== undefined) return result
    }
    if (noWait) return Effect.succeed(TimedOut)
    record.status = "waiting"
    return Effect.flatMap(Queue.take(record.queue), (message) => {
      record.status = "running"
      if (record.blocked !== undefined) releaseBlocked(record)
      return handle(message) ?? step()
    })
  }
  return Effect.suspend(step)
}

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
      startTimer(
        record,
        timeout,
        () => void (record.status !== "exited" && Queue.offerUnsafe(record.queue, token)),
        token.ref.id
      ),
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
    const exit = Queue.takeUnsafe(record.queue)
    if (exit === undefined) break
    const message = (exit as Exit.Success<unknown>).value
    // a wake-up token is not a message: only the queue may hold it (the save list would hand it out
    // to the next receive as a user message); the system lane itself is served at every receive
    if (message !== SystemWake) saved.push(message)
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
export const onProcessExit = (record: ProcessRecord, exit: Exit.Exit<unknown, unknown>): void => {
  const reason = record.pendingExit ?? (Exit.isSuccess(exit) ? ExitReason.normal : ExitReason.fromCause(exit.cause))
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
  Queue.shutdownUnsafe(record.queue)
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

/** Waits until the process has exited and gives its reason (`NoProc` if it was unknown or gone). */
export const awaitExit = (pid: Pid.Pid<never, unknown>): Effect.Effect<ExitReason.ExitReason> =>
  Effect.callback<ExitReason.ExitReason>((resume) => {
    const record = recordOf(pid)
    if (record === undefined) return resume(Effect.succeed(ExitReason.noProc))
    // an exit whose listeners are still queued (see `afterExit`) answers when they run
    if (record.status === "exited" && !record.exitQueued) {
      return resume(Effect.succeed(record.exitReason!))
    }
    const listener = (reason: ExitReason.ExitReason) => resume(Effect.succeed(reason))
    ;(record.exitListeners ??= new Set()).add(listener)
    return Effect.sync(() => {
      record.exitListeners?.delete(listener)
    })
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
 * Spawns a process on `node` running `body` with `Self` provided. `setup` runs synchronously after
 * the record exists and before the fiber can run: links and monitors made there are in place before
 * the body starts.
 */
export const spawn = <E, R>(
  node: NodeState,
  self: Context.Key<any, ProcessRecord>,
  body: Effect.Effect<unknown, E, R>,
  options: SpawnOptions | undefined,
  setup: ((record: ProcessRecord) => void) | undefined
): Effect.Effect<ProcessRecord, never, Exclude<R, any>> =>
  Effect.flatMap(Queue.unbounded<unknown>(), (queue) =>
    Effect.withFiber((parent) => {
      const record = new ProcessRecord(node, node.nextId++, queue, options?.mailbox)
      record.trapExit = options?.trapExit === true
      node.table.set(record.pid.id, record)
      node.spawned++
      setup?.(record)
      const debug = debugEnabled(parent)
      const run = Effect.onExit(
        Effect.provideService(
          Effect.suspend(() => {
            record.status = "running"
            // each process has its own Scope, closed when it exits: `Effect.addFinalizer` in a body
            // runs at the process's exit, not at its spawner's
            const scoped = Effect.scoped(body)
            return debug
              ? Effect.andThen(
                  Effect.logDebug(`process ${record.pid} spawned`).pipe(Effect.annotateLogs("event", "SPAWN")),
                  scoped
                )
              : scoped
          }),
          self,
          record
        ),
        (exit) => reportExit(record, exit, debug)
      ).pipe(Effect.annotateLogs("pid", record.pid.toString()))
      return Effect.map(Effect.forkDetach(run), (fiber) => {
        record.fiber = fiber as Fiber.Fiber<unknown, unknown>
        fiber.addObserver((exit) => onProcessExit(record, exit))
        if (node.closing || record.pendingExit !== undefined) {
          const reason = record.pendingExit ?? ExitReason.shutdown
          record.pendingExit = undefined
          terminate(record, reason, true)
        }
        return record
      })
    })
  ) as never

/** Crash reports and lifecycle events, logged from inside the process with its annotations. */
const reportExit = (record: ProcessRecord, exit: Exit.Exit<unknown, unknown>, debug: boolean): Effect.Effect<void> => {
  if (Exit.isFailure(exit) && !record.signalled) {
    const reason = record.pendingExit ?? ExitReason.fromCause(exit.cause)
    if (!ExitReason.isNormalLike(reason)) {
      const annotations: Record<string, unknown> = { event: "CRASH", reason: reason._tag }
      if (record.name !== undefined) annotations.name = record.name
      return Effect.logError(
        `process ${record.pid} crashed`,
        reason._tag === "Failure" ? Cause.pretty(reason.cause) : String(reason)
      ).pipe(Effect.annotateLogs(annotations))
    }
  }
  if (debug) {
    const reason = record.pendingExit ?? (Exit.isSuccess(exit) ? ExitReason.normal : ExitReason.fromCause(exit.cause))
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
    if (node.table.size === 0) return resume(Effect.void)
    node.onEmpty = () => {
      node.onEmpty = undefined
      resume(Effect.void)
    }
    for (const record of Array.from(node.table.values())) terminate(record, ExitReason.shutdown, true)
  })

/** Fails with NoProc when the pid names no live local process. */
export const noProcFor = (pid: Pid.Pid<never, unknown>) => new Errors.NoProc({ pid: pid as Pid.Pid<unknown, unknown> })
