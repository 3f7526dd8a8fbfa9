/**
 * Spawning processes, and stopping a whole node.
 *
 * @internal
 */
import { Cause, Context, Effect, Exit, type Fiber, LogLevel, References, Scheduler, Scope } from "effect"
import * as ExitReason from "../ExitReason.ts"
import type * as MailboxOptions from "../Mailbox.ts"
import { stopDeadlines } from "./callDeadlines.ts"
import { callerOf, type NodeState, notifyObservers, ProcessRecord, Self } from "./records.ts"
import { debugEnabled, reportExit, spawnReport } from "./reports.ts"
import { onProcessExit, stopOnClosingNode, terminate } from "./signals.ts"

export interface SpawnOptions {
  readonly mailbox?: MailboxOptions.Options | undefined
  readonly trapExit?: boolean | undefined
  /** the process's minimum log level, in place of the spawner's */
  readonly logLevel?: LogLevel.LogLevel | undefined
  /** the process's operation budget: Effect's `MaxOpsBeforeYield` for its fiber (validated by the caller) */
  readonly reductions?: number | undefined
}

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
  Effect.withFiber((parent) => Effect.succeed(spawnUnsafe(parent, node, body, options, setup)))

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
  // the lifecycle events are the process's lines: its own level, when it has one, decides
  const debug =
    options?.logLevel === undefined ? debugEnabled(parent) : LogLevel.isLessThanOrEqualTo(options.logLevel, "Debug")
  // each process has its own Scope, closed when it exits: `Effect.addFinalizer` in a body runs at
  // the process's exit, not at its spawner's. The record is that scope (see `ProcessRecord`), in the
  // context the fiber starts with (not `Effect.scoped`: no context switch, and no previous context
  // kept alive for the process's life), and the exit observer closes it (see `onFiberExit`): the
  // body runs as it is, with no exit frame on its stack
  const run = debug ? Effect.andThen(spawnReport(record, callerOf(parent)), body) : body
  // The child starts from the context the parent has now, plus `Self` and the pid log annotation,
  // rather than wrappers that would sit on the child's stack all its life.
  // A server's own annotations (its `name` and `behaviour`) say which server logs: its children
  // start without them.
  const annotations = parent.getRef(References.CurrentLogAnnotations)
  const base = Context.add(
    Context.add(Context.add(processBase(node, parent.context), Self, record), Scope.Scope, record),
    References.CurrentLogAnnotations,
    processAnnotations(annotations, pidString(node, record.pid.id))
  )
  const logLevel = options?.logLevel
  const leveled = logLevel === undefined ? base : Context.add(base, References.MinimumLogLevel, logLevel)
  const reductions = options?.reductions
  const context = reductions === undefined ? leveled : Context.add(leveled, Scheduler.MaxOpsBeforeYield, reductions)
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
  fiber.addObserver((debug ? exitObserverDebug : exitObserver).bind(record))
  if (node.observers !== undefined) notifyObservers(node, { _tag: "Spawned", record })
  if (node.closing || record.pendingExit !== undefined) {
    const reason = record.pendingExit ?? ExitReason.shutdown
    record.pendingExit = undefined
    terminate(record, reason, true)
  }
  return record
}

/**
 * The fiber observer of a process, bound to its record (a bound function, not a closure: an idle
 * process keeps no closure context for it): closes the process's scope, then reports and handles
 * the exit. The `debug` variant also logs the `EXIT` event.
 */
function exitObserver(this: ProcessRecord, exit: Exit.Exit<unknown, unknown>): void {
  onFiberExit(this, exit, false)
}
function exitObserverDebug(this: ProcessRecord, exit: Exit.Exit<unknown, unknown>): void {
  onFiberExit(this, exit, true)
}

/**
 * The process fiber has ended. Its scope's finalizers, when it has any, run first, in a fiber of
 * their own with the process's context (its `Self`, log annotations and scheduler): the process
 * is alive until they are done, and its exit comes afterwards, as it did when they ran at the end
 * of its own fiber. A finalizer that fails makes the exit a failure, as `Effect.onExit` would.
 */
const onFiberExit = (record: ProcessRecord, exit: Exit.Exit<unknown, unknown>, debug: boolean): void => {
  const fiber = record.fiber!
  // without rare fields it has no finalizer: it reads as closed once the process has exited
  const finalizers = record.ext === undefined ? undefined : Scope.closeUnsafe(record, exit)
  if (finalizers === undefined) {
    processExited(record, exit, debug, fiber)
    return
  }
  // uninterruptible, as a fiber runs its own finalizers
  const closing = Effect.runForkWith(fiber.context)(Effect.exit(finalizers), { uninterruptible: true })
  closing.addObserver((closed) => {
    const done = (Exit.isSuccess(closed) ? closed.value : closed) as Exit.Exit<void, unknown>
    processExited(record, Exit.isSuccess(done) ? exit : withFinalizerFailure(exit, done.cause), debug, closing)
  })
}

const withFinalizerFailure = (exit: Exit.Exit<unknown, unknown>, cause: Cause.Cause<unknown>) =>
  Exit.failCause(Exit.isSuccess(exit) ? cause : Cause.combine(exit.cause, cause))

/** Reports the exit (with the context of `fiber`, which has the process's) and handles it. */
const processExited = (
  record: ProcessRecord,
  exit: Exit.Exit<unknown, unknown>,
  debug: boolean,
  fiber: Fiber.Fiber<unknown, unknown>
): void => {
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

/**
 * A process's log annotations: its spawner's (without a server's own `name` and `behaviour`) and its
 * `pid`. With none to inherit, a one-field literal, the smallest object that holds it.
 */
const processAnnotations = (annotations: Readonly<Record<string, unknown>>, pid: string): Record<string, unknown> => {
  for (const _ in annotations) {
    return { ...(annotations.behaviour === undefined ? annotations : withoutServerAnnotations(annotations)), pid }
  }
  return { pid }
}

const withoutServerAnnotations = ({
  name: _name,
  behaviour: _behaviour,
  ...rest
}: Readonly<Record<string, unknown>>): Record<string, unknown> => rest

const pidPrefixes = new WeakMap<NodeState, string>()
/**
 * `<0.42.0>` without a lookup per pid: the node's part is computed once. The string is the pid
 * annotation of the process's whole life, so it is made flat: from 13 characters on (`<0.10000000.0>`)
 * V8 makes a concatenation a cons string of its parts, twice the bytes; `join` builds it in one piece.
 */
const pidString = (node: NodeState, id: number): string => {
  let prefix = pidPrefixes.get(node)
  if (prefix === undefined) {
    const system = node.systemPid.toString()
    prefix = system.slice(0, system.length - ".0.0>".length)
    pidPrefixes.set(node, prefix)
  }
  const pid = `${prefix}.${id}.0>`
  return pid.length < 13 ? pid : [prefix, ".", id, ".0>"].join("")
}

/** Why a process ended: the exit signal that stopped it, else what its fiber exited with. */
const exitReasonOf = (record: ProcessRecord, exit: Exit.Exit<unknown, unknown>): ExitReason.ExitReason =>
  record.pendingExit ?? (Exit.isSuccess(exit) ? ExitReason.normal : ExitReason.fromCause(exit.cause))

/**
 * Stops every process of the node with `Shutdown`, supervision trees from the top (see
 * `stopOnClosingNode`), and waits until the table is empty.
 */
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
    for (const record of Array.from(node.table.values())) stopOnClosingNode(record)
  })
