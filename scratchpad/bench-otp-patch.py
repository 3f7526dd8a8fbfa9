"""Applies the lean-mailbox + direct-handoff + lean-spawn changes to a copy of packages/otp/src.
usage: python3 scratchpad/bench-otp-patch.py scratchpad/bench-otp/src"""
import sys
root = sys.argv[1]
def edit(path, pairs):
    p = f"{root}/{path}"
    s = open(p).read()
    for a, b in pairs:
        if a not in s:
            raise SystemExit(f"{path}: not found:\n{a[:200]}")
        s = s.replace(a, b, 1)
    open(p, "w").write(s)

K = "internal/kernel.ts"
edit(K, [
# imports
('import { Cause, Clock, type Context, Duration, Effect, Exit, type Fiber, LogLevel, Queue, References } from "effect"',
 'import { Clock, Context, Duration, Effect, Exit, Fiber, LogLevel, References, Scheduler } from "effect"\nimport { RunQueueScheduler } from "../../../../../scratchpad/bench-scheduler.ts"'),
# record fields
('''  readonly node: NodeState
  readonly queue: Queue.Queue<unknown>
  readonly capacity: number''',
'''  readonly node: NodeState
  /** the mailbox queue: messages from `mqHead` on, oldest first; allocated at the first message */
  mq: Array<unknown> | undefined = undefined
  mqHead = 0
  /** the resume of a receive waiting for a message */
  waiter: ((effect: Effect.Effect<void>) => void) | undefined = undefined
  readonly capacity: number'''),
('''  constructor(node: NodeState, id: number, queue: Queue.Queue<unknown>, mailbox: MailboxOptions.Options | undefined) {
    this.node = node
    this.pid = new PidImpl(node.name, node.creation, id, this)
    this.queue = queue
''','''  constructor(node: NodeState, id: number, mailbox: MailboxOptions.Options | undefined) {
    this.node = node
    this.pid = new PidImpl(node.name, node.creation, id, this)
'''),
('''    return Queue.sizeUnsafe(this.queue) + (this.saved?.length ?? 0)''',
 '''    return mqSize(this) + (this.saved?.length ?? 0)'''),
# mailbox primitives, inserted before Lookup section
('''// ---------------------------------------------------------------------------------------------
// Lookup''','''// ---------------------------------------------------------------------------------------------
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

/** How deep a sender may run the receivers it wakes on its own stack (see `wake`). */
const maxHandoffDepth = 8
let handoffDepth = 0
/** Prototype switches: OTP_HANDOFF=1 turns the direct handoff on; OTP_SCHED=runqueue runs processes on a run queue. */
const switches = new URL(import.meta.url).searchParams
const handoffEnabled = (switches.get("handoff") ?? (globalThis as any).process?.env?.OTP_HANDOFF) === "1"
/** A sender hands off only in the first part of its operation budget, so it still yields to others. */
const handoffOpLimit = 512

/**
 * Appends a message and wakes the receiver if it waits. With `handoff`, a send from inside a fiber
 * resumes the waiting receiver at once on the sender's stack (as `Deferred` resumes its waiters):
 * the receiver runs until it waits again, then the sender carries on. No scheduler hop, so no
 * event-loop turn per message; the depth is bounded, beyond it the wake-up goes through the
 * scheduler. Kernel-made messages (signals, timeouts) never hand off: they are delivered from the
 * middle of kernel bookkeeping.
 */
const mqPush = (record: ProcessRecord, message: unknown, handoff: boolean): void => {
  ;(record.mq ??= []).push(message)
  wake(record, handoff)
}

const wake = (record: ProcessRecord, handoff: boolean): void => {
  const resume = record.waiter
  if (resume === undefined) return
  record.waiter = undefined
  const current = Fiber.getCurrent()
  if (
    handoff &&
    handoffEnabled &&
    current !== undefined &&
    handoffDepth < maxHandoffDepth &&
    current.currentOpCount < handoffOpLimit
  ) {
    handoffDepth++
    try {
      resume(Effect.void)
    } finally {
      handoffDepth--
    }
  } else {
    ;(current ?? record.fiber)!.currentDispatcher.scheduleTask(() => resume(Effect.void), 0)
  }
}

// ---------------------------------------------------------------------------------------------
// Lookup'''),
# offer
('''  if (
    Queue.sizeUnsafe(record.queue) >= record.capacity ||''','''  if (
    mqSize(record) >= record.capacity ||'''),
('''  Queue.offerUnsafe(record.queue, message)
  record.received++
  record.node.sent++
  return "delivered"
}''','''  record.received++
  record.node.sent++
  mqPush(record, message, true)
  return "delivered"
}'''),
# dropOldest
('''const dropOldestUserMessage = (record: ProcessRecord): boolean => {
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
}''','''const dropOldestUserMessage = (record: ProcessRecord): boolean => {
  const mq = record.mq
  if (mq === undefined) return false
  for (let i = record.mqHead; i < mq.length; i++) {
    if (!isKernelMade(mq[i])) {
      if (i === record.mqHead) mqTake(record)
      else mq.splice(i, 1)
      return true
    }
  }
  return false
}'''),
('''  if (record.status === "exited") return
  Queue.offerUnsafe(record.queue, message)
  record.received++
}''','''  if (record.status === "exited") return
  record.received++
  mqPush(record, message, false)
}'''),
('''  if (first && record.status === "waiting") Queue.offerUnsafe(record.queue, SystemWake)''',
 '''  // a waiting receive serves the lane when woken: no token needed
  if (first) wake(record, false)'''),
('''  while (blocked !== undefined && blocked.length > 0 && Queue.sizeUnsafe(record.queue) < record.capacity) {''',
 '''  while (blocked !== undefined && blocked.length > 0 && mqSize(record) < record.capacity) {'''),
('''      if (record.status !== "exited") {
        Queue.offerUnsafe(record.queue, message)
        record.received++
        record.node.sent++''','''      if (record.status !== "exited") {
        record.received++
        record.node.sent++
        mqPush(record, message, false)'''),
# receive
('''export const receive = (
  record: ProcessRecord,
  match: ((message: unknown) => boolean) | undefined,
  token: ReceiveTimeout | undefined,
  noWait: boolean
): Effect.Effect<unknown> => {
  const handle''','''export const receive = (
  record: ProcessRecord,
  match: ((message: unknown) => boolean) | undefined,
  token: ReceiveTimeout | undefined,
  noWait: boolean
): Effect.Effect<unknown> => {
  if (match === undefined && token === undefined && !noWait) return receiveAny
  const handle'''),
('''    while (true) {
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
}''','''    while (true) {
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

/** The record of the process the current fiber runs (the `Self` service, read by its key). */
const currentRecord = (fiber: Fiber.Fiber<unknown, unknown>): ProcessRecord =>
  Context.getOrUndefined(fiber.context, SelfByKey) as ProcessRecord

/** `Process.Self`, by its key (the string is the service's identity) */
const SelfByKey = Context.Service<any, ProcessRecord>("effect-otp/Process/Self")

/** Suspends the calling process until a message arrives (the sender resumes it). One value for all. */
const waitForMessage: Effect.Effect<void> = Effect.callback<void>((resume) => {
  currentRecord(Fiber.getCurrent()!).waiter = resume
})

/**
 * `receive()` with no pattern and no timeout, the hot path: one value for every process, no
 * allocation when a message is waiting.
 */
export const receiveAny: Effect.Effect<unknown> = Effect.withFiber((fiber) => receiveAnyStep(currentRecord(fiber)))

const receiveAnyAfterWait: Effect.Effect<unknown> = Effect.flatMap(waitForMessage, () => receiveAny)

const receiveAnyStep = (record: ProcessRecord): Effect.Effect<unknown> => {
  if (record.status === "waiting") record.status = "running"
  if (record.system !== undefined) return Effect.flatMap(runSystem(record), () => receiveAny)
  const saved = record.saved
  if (saved !== undefined && saved.length > 0) {
    for (let i = 0; i < saved.length; i++) {
      const message = saved[i]
      saved.splice(i--, 1)
      if (!(message instanceof ReceiveTimeout)) return Effect.succeed(message)
    }
  }
  while (true) {
    const message = mqTake(record)
    if (message === Empty) break
    if (record.blocked !== undefined) releaseBlocked(record)
    if (message === SystemWake) {
      if (record.system !== undefined) return Effect.flatMap(runSystem(record), () => receiveAny)
    } else if (!(message instanceof ReceiveTimeout)) return Effect.succeed(message)
  }
  if (record.status === "running") record.status = "waiting"
  return receiveAnyAfterWait
}'''),
('''        () => void (record.status !== "exited" && Queue.offerUnsafe(record.queue, token)),''',
 '''        () => void (record.status !== "exited" && mqPush(record, token, false)),'''),
# flush
('''  while (true) {
    const exit = Queue.takeUnsafe(record.queue)
    if (exit === undefined) break
    const message = (exit as Exit.Success<unknown>).value''','''  while (true) {
    const message = mqTake(record)
    if (message === Empty) break'''),
# exit
('''  Queue.shutdownUnsafe(record.queue)''','''  record.mq = undefined
  record.mqHead = 0
  record.waiter = undefined'''),
])
print("kernel mailbox patched")

import re
_kernel = open(f"{root}/{K}").read()
_m = re.search(r"export const spawn = <E, R>\([\s\S]*?\n  (?:\}\)|\)) as never\n", _kernel)
SPAWN_BLOCK = _m.group(0)
LEAN_SPAWN = """export const spawn = <E, R>(
  node: NodeState,
  self: Context.Key<any, ProcessRecord>,
  body: Effect.Effect<unknown, E, R>,
  options: SpawnOptions | undefined,
  setup: ((record: ProcessRecord) => void) | undefined
): Effect.Effect<ProcessRecord, never, Exclude<R, any>> =>
  Effect.withFiber((parent) => {
    const record = new ProcessRecord(node, node.nextId++, options?.mailbox)
    record.trapExit = options?.trapExit === true
    node.table.set(record.pid.id, record)
    node.spawned++
    setup?.(record)
    const debug = debugEnabled(parent)
    const run = Effect.suspend(() => {
      if (record.status === "runnable") record.status = "running"
      // each process has its own Scope, closed when it exits: `Effect.addFinalizer` in a body
      // runs at the process's exit, not at its spawner's
      const scoped = Effect.scoped(body)
      return debug
        ? Effect.andThen(
            Effect.logDebug(`process ${record.pid} spawned`).pipe(Effect.annotateLogs("event", "SPAWN")),
            scoped
          )
        : scoped
    })
    // The child inherits the context the parent has when it forks: put `Self` and the pid log
    // annotation there, rather than wrappers that would sit on the child's stack all its life.
    const annotations = parent.getRef(References.CurrentLogAnnotations)
    const context = Context.add(Context.add(processBase(parent.context), self, record), References.CurrentLogAnnotations, {
      ...annotations,
      pid: pidString(node, record.pid.id)
    })
    return Effect.map(Effect.updateContext(Effect.forkDetach(run), () => context as Context.Context<any>), (fiber) => {
      record.fiber = fiber as Fiber.Fiber<unknown, unknown>
      fiber.addObserver(exitObserver(record, fiber as Fiber.Fiber<unknown, unknown>, debug))
      if (node.closing || record.pendingExit !== undefined) {
        const reason = record.pendingExit ?? ExitReason.shutdown
        record.pendingExit = undefined
        terminate(record, reason, true)
      }
      return record
    })
  }) as never

/** The fiber observer of a process: crash report and lifecycle events (logged with the process's context), then the exit. */
const exitObserver =
  (record: ProcessRecord, fiber: Fiber.Fiber<unknown, unknown>, debug: boolean) =>
  (exit: Exit.Exit<unknown, unknown>): void => {
    const report = reportExit(record, exit, debug)
    if (report !== Effect.void) Effect.runForkWith(fiber.context)(report)
    onProcessExit(record, exit)
  }
"""

edit(K, [
('''  const step = (): Effect.Effect<unknown> => {
    if (record.system !== undefined) return Effect.flatMap(runSystem(record), step)''','''  const step = (): Effect.Effect<unknown> => {
    if (record.status === "waiting") record.status = "running"
    if (record.system !== undefined) return Effect.flatMap(runSystem(record), step)'''),
(SPAWN_BLOCK, LEAN_SPAWN),
('''\n/** Crash reports and lifecycle events''','''

const runQueue: Scheduler.Scheduler | undefined =
  (switches.get("sched") ?? (globalThis as any).process?.env?.OTP_SCHED) === "runqueue"
    ? new RunQueueScheduler()
    : undefined
const processBases = new WeakMap<Context.Context<never>, Context.Context<never>>()
/**
 * The context a process starts from: the spawner's, on the process run queue. Derived once per
 * spawner context, so the processes spawned from one fiber share one fiber cache.
 */
const processBase = (context: Context.Context<never>): Context.Context<never> => {
  // only in place of Effect's default scheduler: a test clock's tracking scheduler stays
  if (runQueue === undefined || !(Context.get(context, Scheduler.Scheduler) instanceof Scheduler.MixedScheduler)) {
    return context
  }
  let base = processBases.get(context)
  if (base === undefined) {
    base = Context.add(context, Scheduler.Scheduler, runQueue)
    processBases.set(context, base)
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

/** Crash reports and lifecycle events'''),
])
print("kernel spawn patched")

edit("Process.ts", [
('''  if (options === undefined) {
    return Effect.flatMap(selfRecord, (record) => kernel.receive(record, match, undefined, false))''','''  if (options === undefined) {
    if (match === undefined) return kernel.receiveAny
    return Effect.flatMap(selfRecord, (record) => kernel.receive(record, match, undefined, false))'''),
])
print("Process.receive patched")

# ------------------------------------------------------------------------------------------------
# Call timeouts without a race per call: deadlines in FIFOs (one per timeout length), one sweeper
# fiber per node sleeping on Effect's Clock until the earliest deadline.
# ------------------------------------------------------------------------------------------------
edit(K, [
('''/** Fails with NoProc when the pid names no live local process. */''','''/** A call's deadline: `fire` runs when it passes unless `done` was set first. */
export class Deadline {
  done = false
  readonly due: number
  readonly fire: () => void
  constructor(due: number, fire: () => void) {
    this.due = due
    this.fire = fire
  }
}

interface DeadlineFifo {
  items: Array<Deadline>
  head: number
}

interface Deadlines {
  readonly fifos: Map<number, DeadlineFifo>
  live: number
  sweeper: Fiber.Fiber<void> | undefined
  sweeperDue: number
}

const deadlinesOf = new WeakMap<NodeState, Deadlines>()

/**
 * Arms a deadline `ms` from now on the caller's `Clock`. Deadlines of one length are due in the
 * order they are armed, so each length is a FIFO and arming costs a push; one sweeper fiber per node
 * sleeps until the earliest one. Entries that are done are dropped from the head as new ones come.
 */
export const addDeadline = (
  node: NodeState,
  fiber: Fiber.Fiber<unknown, unknown>,
  ms: number,
  fire: () => void
): Deadline => {
  let state = deadlinesOf.get(node)
  if (state === undefined) {
    state = { fifos: new Map(), live: 0, sweeper: undefined, sweeperDue: Number.POSITIVE_INFINITY }
    deadlinesOf.set(node, state)
  }
  const due = fiber.getRef(Clock.Clock).currentTimeMillisUnsafe() + ms
  const entry = new Deadline(due, fire)
  let fifo = state.fifos.get(ms)
  if (fifo === undefined) {
    fifo = { items: [], head: 0 }
    state.fifos.set(ms, fifo)
  }
  while (fifo.head < fifo.items.length && fifo.items[fifo.head]!.done) fifo.items[fifo.head++] = undefined as never
  if (fifo.head === fifo.items.length) {
    fifo.items.length = 0
    fifo.head = 0
  } else if (fifo.items.length - fifo.head > 2 * state.live + 64) {
    fifo.items = fifo.items.slice(fifo.head).filter((d) => !d.done)
    fifo.head = 0
  }
  fifo.items.push(entry)
  state.live++
  if (due < state.sweeperDue) {
    state.sweeper?.interruptUnsafe()
    state.sweeperDue = due
    state.sweeper = Effect.runForkWith(fiber.context)(sweep(state))
  }
  return entry
}

/** The call is over (replied, failed or interrupted): its deadline will not fire. */
export const clearDeadline = (node: NodeState, entry: Deadline): void => {
  if (entry.done) return
  entry.done = true
  const state = deadlinesOf.get(node)
  if (state !== undefined) state.live--
}

const sweep = (state: Deadlines): Effect.Effect<void> =>
  Effect.clockWith((clock) => {
    const wait = Math.max(0, state.sweeperDue - clock.currentTimeMillisUnsafe())
    return Effect.flatMap(Effect.sleep(wait), () => {
      const now = clock.currentTimeMillisUnsafe()
      let next = Number.POSITIVE_INFINITY
      for (const fifo of state.fifos.values()) {
        while (fifo.head < fifo.items.length) {
          const entry = fifo.items[fifo.head]!
          if (!entry.done && entry.due > now) break
          fifo.items[fifo.head++] = undefined as never
          if (!entry.done) {
            entry.done = true
            state.live--
            entry.fire()
          }
        }
        if (fifo.head < fifo.items.length) next = Math.min(next, fifo.items[fifo.head]!.due)
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
  const state = deadlinesOf.get(node)
  if (state === undefined) return
  state.sweeper?.interruptUnsafe()
  state.sweeper = undefined
  state.sweeperDue = Number.POSITIVE_INFINITY
}

/** Fails with NoProc when the pid names no live local process. */'''),
('''  Effect.callback<void>((resume) => {
    node.closing = true
    if (node.table.size === 0) return resume(Effect.void)
    node.onEmpty = () => {
      node.onEmpty = undefined
      resume(Effect.void)
    }''','''  Effect.callback<void>((resume) => {
    node.closing = true
    if (node.table.size === 0) {
      stopDeadlines(node)
      return resume(Effect.void)
    }
    node.onEmpty = () => {
      node.onEmpty = undefined
      stopDeadlines(node)
      resume(Effect.void)
    }'''),
])
edit("internal/server.ts", [
('''    return Effect.ensuring(awaitReply(deferred, record, options), cleanup)
  }) as never''','''    const timeout = options?.timeout === undefined ? defaultCallTimeout : options.timeout
    if (timeout === "infinity") return Effect.ensuring(Deferred.await(deferred), cleanup)
    const ms = Duration.toMillis(Duration.fromInputUnsafe(timeout))
    const deadline = kernel.addDeadline(record.node, fiber, ms, () =>
      Deferred.doneUnsafe(deferred, Exit.fail(new CallTimeout({ pid: record.pid, timeout: ms })))
    )
    return Effect.ensuring(
      Deferred.await(deferred),
      Effect.sync(() => {
        listeners.delete(onExit)
        kernel.clearDeadline(record.node, deadline)
      })
    )
  }) as never'''),
])
print("call deadlines patched")

# ------------------------------------------------------------------------------------------------
# Restart intensity: a sliding window kept as a deque, O(1) amortised per restart (it was a copy
# and a filter of the whole window per restart: quadratic in the restarts within the window).
# ------------------------------------------------------------------------------------------------
edit("Supervisor.ts", [
('''    Effect.sync(() => {
      let stamps: ReadonlyArray<number> = []
      return (now: number, _input: unknown) => {
        const next = addRestart(stamps, now, maxRestarts, windowMs)
        stamps = next.stamps
        if (next.exceeded) return Cause.done(stamps.length)
        return Effect.succeed([stamps.length, Duration.zero] as [number, Duration.Duration])
      }
    })''','''    Effect.sync(() => {
      let stamps: Array<number> = []
      let head = 0
      return (now: number, _input: unknown) => {
        if (stamps.length > head && now < stamps[stamps.length - 1]!) {
          // the clock went back (a test clock): fall back to the pure step
          const next = addRestart(stamps.slice(head), now, maxRestarts, windowMs)
          stamps = [...next.stamps]
          head = 0
        } else {
          while (head < stamps.length && now - stamps[head]! >= windowMs) head++
          if (head > 64 && head * 2 > stamps.length) {
            stamps = stamps.slice(head)
            head = 0
          }
          stamps.push(now)
        }
        const count = stamps.length - head
        if (count > maxRestarts) return Cause.done(count)
        return Effect.succeed([count, Duration.zero] as [number, Duration.Duration])
      }
    })'''),
])
print("intensity patched")

# ------------------------------------------------------------------------------------------------
# GenServer: a handler that returns an already-completed effect (Effect.succeed(...) is an Exit in
# Effect 4) is continued synchronously, without a flatMap and its closure per message.
# ------------------------------------------------------------------------------------------------
edit("GenServer.ts", [
('''      return Effect.flatMap(
        handler(message.request, this.state, message.from),
        (result: CallResult<any, any, any, any>) => this.afterCall(result, message.from)
      )''','''      const effect = handler(message.request, this.state, message.from)
      if (Exit.isExit(effect) && Exit.isSuccess(effect)) {
        return this.afterCall(effect.value as CallResult<any, any, any, any>, message.from)
      }
      return Effect.flatMap(effect, (result: CallResult<any, any, any, any>) => this.afterCall(result, message.from))'''),
('''      return Effect.flatMap(handler(message.message, this.state), (result: NoReplyResult<any, any>) =>
        this.after(result)
      )''','''      const effect = handler(message.message, this.state)
      if (Exit.isExit(effect) && Exit.isSuccess(effect)) return this.after(effect.value as NoReplyResult<any, any>)
      return Effect.flatMap(effect, (result: NoReplyResult<any, any>) => this.after(result))'''),
])
print("GenServer dispatch patched")

# ------------------------------------------------------------------------------------------------
# A slimmer record: the fields most processes never set (links, monitors, timers, names, bounded
# mailbox options, exit bookkeeping...) move to an `ext` object allocated on first write; accessors
# keep every use site as it was.
# ------------------------------------------------------------------------------------------------
_k = open(f"{root}/{K}").read()
_start = _k.index("export class ProcessRecord {")
_end = _k.index("\n}\n", _start) + 3
_rare = [
  ("systemHandler", "((message: unknown) => Effect.Effect<void>) | undefined", "undefined"),
  ("blocked", "Array<() => void> | undefined", "undefined"),
  ("links", "Set<ProcessRecord> | undefined", "undefined"),
  ("monitors", "Map<number, Monitor> | undefined", "undefined"),
  ("monitoredBy", "Map<number, Monitor> | undefined", "undefined"),
  ("timers", "Map<number, Timer> | undefined", "undefined"),
  ("exitListeners", "Set<(reason: ExitReason.ExitReason) => void> | undefined", "undefined"),
  ("exitQueued", "boolean", "false"),
  ("name", "string | undefined", "undefined"),
  ("pendingExit", "ExitReason.ExitReason | undefined", "undefined"),
  ("signalled", "boolean", "false"),
  ("exitReason", "ExitReason.ExitReason | undefined", "undefined"),
  ("dropped", "number", "0"),
]
_ext_fields = "\n".join(f"  {n}: {t} = {d}" for n, t, d in _rare)
_accessors = "\n".join(
  f"  get {n}(): {t} {{\n    return this.ext === undefined ? {d} : this.ext.{n}\n  }}\n"
  f"  set {n}(value: {t}) {{\n    if (this.ext !== undefined) this.ext.{n} = value\n    else if (value !== {d}) (this.ext = new RecordExt()).{n} = value\n  }}"
  for n, t, d in _rare)
_slim = f'''/** The fields of a record that most processes never set: allocated on first write. */
class RecordExt {{
  capacity = Number.POSITIVE_INFINITY
  overflow: MailboxOptions.Overflow = "suspend"
{_ext_fields}
}}

/** The handle a process body gets through the `Self` service. */
export class ProcessRecord {{
  readonly pid: PidImpl
  readonly node: NodeState
  /** the mailbox queue: messages from `mqHead` on, oldest first; allocated at the first message */
  mq: Array<unknown> | undefined = undefined
  mqHead = 0
  /** the resume of a receive waiting for a message */
  waiter: ((effect: Effect.Effect<void>) => void) | undefined = undefined
  /** messages a selective receive examined and skipped, oldest first */
  saved: Array<unknown> | undefined = undefined
  /** the system lane: served before any user message */
  system: Array<unknown> | undefined = undefined
  fiber: Fiber.Fiber<unknown, unknown> | undefined = undefined
  trapExit = false
  status: Status = "runnable"
  received = 0
  ext: RecordExt | undefined = undefined

  constructor(node: NodeState, id: number, mailbox: MailboxOptions.Options | undefined) {{
    this.node = node
    this.pid = new PidImpl(node.name, node.creation, id, this)
    if (mailbox?.capacity !== undefined || mailbox?.overflow !== undefined) {{
      const ext = (this.ext = new RecordExt())
      ext.capacity = mailbox.capacity ?? Number.POSITIVE_INFINITY
      ext.overflow = mailbox.overflow ?? "suspend"
    }}
  }}

  get capacity(): number {{
    return this.ext === undefined ? Number.POSITIVE_INFINITY : this.ext.capacity
  }}
  get overflow(): MailboxOptions.Overflow {{
    return this.ext === undefined ? "suspend" : this.ext.overflow
  }}
{_accessors}

  get alive(): boolean {{
    return this.status !== "exited"
  }}

  get mailboxLength(): number {{
    return mqSize(this) + (this.saved?.length ?? 0)
  }}
}}
'''
_k = _k[:_start].replace("/** The handle a process body gets through the `Self` service. */\n", "") + _slim + _k[_end:]
open(f"{root}/{K}", "w").write(_k)
print("record slimmed")

# ------------------------------------------------------------------------------------------------
# Crash reports: hand the Cause to the logger (which formats it if it prints anything) instead of
# formatting it with Cause.pretty for every crash, printed or not.
# ------------------------------------------------------------------------------------------------
edit(K, [
('''        reason._tag === "Failure" ? Cause.pretty(reason.cause) : String(reason)''',
 '''        reason._tag === "Failure" ? reason.cause : String(reason)'''),
])
print("crash report patched")
edit("Supervisor.ts", [
('''    : Effect.logError(`supervisor ${state.self.pid}: child "${child.spec.id}" terminated`, String(reason)).pipe(''',
 '''    : Effect.logError(
        `supervisor ${state.self.pid}: child "${child.spec.id}" terminated`,
        reason._tag === "Failure" ? reason.cause : String(reason)
      ).pipe('''),
])
print("supervisor report patched")
