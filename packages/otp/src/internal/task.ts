/**
 * Tasks: the task record, the reply protocol, await / yield / shutdown / ignore, and the engine
 * behind `asyncStream`.
 *
 * The reply protocol is Elixir's: a task sends its result to its owner as a message tagged with
 * the owner's monitor reference (`Reply { ref, value }`), and the owner takes it with a selective
 * receive on that reference or the `Down` of the same monitor. A reply is sent only while the
 * owner's monitor is still active, which is Erlang's monitor alias (`alias: demonitor`): once the
 * owner has demonitored (after a timeout, `ignore`, `shutdown`, or `Process.demonitor`), a late
 * result is dropped at the source and never reaches the mailbox.
 *
 * @internal
 */
import {
  Cause,
  Channel,
  Clock,
  Context,
  Duration,
  Effect,
  Exit,
  Option,
  Pipeable,
  References,
  Scope,
  Stream
} from "effect"
import type * as Errors from "../Errors.ts"
import { BadArgument } from "../Errors.ts"
import * as ExitReason from "../ExitReason.ts"
import type { Node } from "../Node.ts"
import type * as Pid from "../Pid.ts"
import * as Process from "../Process.ts"
import type { Task } from "../Task.ts"
import type * as TaskModule from "../Task.ts"
import * as kernel from "./kernel.ts"
import { spanAttributes } from "./server.ts"
import * as checks from "./validate.ts"
import { currentNode } from "./node.ts"
import { TaskExited, TaskTimeout, AlreadyAwaited, NotOwner, InputExited } from "../Errors.ts"
export { TaskExited, TaskTimeout, AlreadyAwaited, NotOwner, InputExited } from "../Errors.ts"

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// Records and messages
// ---------------------------------------------------------------------------------------------

export const TypeId: unique symbol = Symbol.for("effect-otp/Task")

/**
 * Shared between a task process and its owner: the typed failure of the task's own effect, and
 * whether the owner has taken the task's result (or given the task up).
 */
export interface Outcome {
  failed: boolean
  error: unknown
  taken: boolean
}

export class TaskImpl<A, E> implements Task<A, E> {
  declare readonly [TypeId]: Task<A, E>[typeof TypeId]
  declare readonly pipe: Pipeable.Pipeable["pipe"]
  readonly pid: Pid.Pid<never, unknown>
  readonly ref: kernel.MonitorRef
  readonly owner: Pid.Pid<never, unknown>
  /** @internal */
  declare readonly outcome: Outcome
  constructor(pid: Pid.Pid<never, unknown>, ref: kernel.MonitorRef, owner: Pid.Pid<never, unknown>, outcome: Outcome) {
    this.pid = pid
    this.ref = ref
    this.owner = owner
    Object.defineProperty(this, "outcome", { value: outcome, enumerable: false })
  }
  toString(): string {
    return `#Task<${String(this.pid)}, ${String(this.ref)}>`
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString()
  }
}
Object.defineProperty(TaskImpl.prototype, TypeId, { value: { _A: () => undefined, _E: () => undefined } })
Object.defineProperty(TaskImpl.prototype, "pipe", { value: Pipeable.Prototype.pipe })

export const isTask = (u: unknown): u is Task<unknown, unknown> => typeof u === "object" && u !== null && TypeId in u

/** The message a task sends its owner when its effect succeeds (Elixir's `{ref, result}`). */
export class Reply<A = unknown> {
  readonly _tag = "TaskReply"
  readonly ref: kernel.MonitorRef
  readonly value: A
  constructor(ref: kernel.MonitorRef, value: A) {
    this.ref = ref
    this.value = value
  }
}

/** The message by which the owner of a supervised task gives it the reference to reply with. */
export class Go {
  readonly handshake: object
  readonly ref: kernel.MonitorRef
  constructor(handshake: object, ref: kernel.MonitorRef) {
    this.handshake = handshake
    this.ref = ref
  }
}

const impl = <A, E>(task: Task<A, E>): TaskImpl<A, E> => task as TaskImpl<A, E>

export const selfRecord: Effect.Effect<kernel.ProcessRecord, never, Process.Self<unknown>> = kernel.currentSelf

export const nodeState: Effect.Effect<kernel.NodeState, never, Node> = currentNode

export const newOutcome = (): Outcome => ({ failed: false, error: undefined, taken: false })

// ---------------------------------------------------------------------------------------------
// The task side
// ---------------------------------------------------------------------------------------------

/**
 * Runs the task's effect inside the task process. On success it replies to the owner, if the
 * owner's monitor on this task is still active; on failure it records the typed error (so the owner
 * can tell the task's own failure from an exit signal) and exits with the cause. When the caller
 * that started the task had a span (the task runs in its context), the effect runs in a child span
 * of it named `Task`, with the task's pid as attribute.
 */
export const runBody = <A, E, R>(
  body: Effect.Effect<A, E, R>,
  owner: kernel.ProcessRecord,
  ref: () => kernel.MonitorRef,
  outcome: Outcome
): Effect.Effect<void, E, R | Process.Self<unknown>> =>
  Effect.withFiber((fiber) =>
    replyWith(
      fiber.cache.span === undefined
        ? body
        : Effect.withSpan(body, "Task", {
            captureStackTrace: false,
            attributes: spanAttributes(kernel.callerOf(fiber)!, "Task")
          }),
      owner,
      ref,
      outcome
    )
  )

const replyWith = <A, E, R>(
  body: Effect.Effect<A, E, R>,
  owner: kernel.ProcessRecord,
  ref: () => kernel.MonitorRef,
  outcome: Outcome
): Effect.Effect<void, E, R | Process.Self<unknown>> =>
  Effect.matchCauseEffect(body, {
    onSuccess: (value) =>
      Effect.map(selfRecord, (self) => {
        const monitor = owner.monitors?.get(ref().id)
        if (monitor !== undefined && monitor.target === self) kernel.deliverSystemMade(owner, new Reply(ref(), value))
      }),
    onFailure: (cause) => {
      for (const reason of cause.reasons) {
        if (Cause.isFailReason(reason)) {
          outcome.failed = true
          outcome.error = reason.error
          break
        }
      }
      return Effect.failCause(cause)
    }
  })

/**
 * Spawns a task process on the owner's node, monitored by the owner (and linked to it when `link`),
 * atomically: the link and the monitor exist before the effect runs.
 */
export const spawnTask = <A, E, R>(
  owner: kernel.ProcessRecord,
  node: kernel.NodeState,
  body: Effect.Effect<A, E, R>,
  link: boolean
): Effect.Effect<TaskImpl<A, E>, never, Exclude<R, Process.Provided>> =>
  Effect.suspend(() => {
    const outcome = newOutcome()
    let ref: kernel.MonitorRef | undefined
    return Effect.map(
      kernel.spawn(
        node,
        runBody(body, owner, () => ref!, outcome),
        undefined,
        (child) => {
          if (link) kernel.linkRecords(owner, child)
          ref = kernel.monitorRecord(owner, child, child.pid)
        }
      ),
      (record) => new TaskImpl<A, E>(record.pid, ref!, owner.pid, outcome)
    )
  })

/** The context a supervised task runs its effect in: the caller's, minus what belongs to a process. */
export const callerContext = <R>(context: Context.Context<R>): Context.Context<R> =>
  Context.omit(Process.Self, References.CurrentLogAnnotations)(context) as Context.Context<R>

/** How long a supervised task waits for its owner's `Go` (Elixir's `@ref_timeout`). */
const handshakeTimeout = Duration.seconds(5)

/**
 * The body of a supervised task (started by a task supervisor): it waits for the owner's `Go`
 * (monitoring the owner meanwhile), then runs the effect and replies with the reference it got.
 */
export const supervisedBody = <A, E, R>(
  body: Effect.Effect<A, E, R>,
  context: Context.Context<R>,
  owner: kernel.ProcessRecord,
  handshake: object,
  outcome: Outcome
): Effect.Effect<void, E, Process.Self<unknown>> =>
  Effect.flatMap(selfRecord, (self) => {
    const watch = kernel.monitorRecord(self, kernel.liveRecordOf(owner.pid), owner.pid)
    const isHandshake = (m: unknown) =>
      (m instanceof Go && m.handshake === handshake) || (m instanceof kernel.DownMessage && m.ref === watch)
    return Effect.flatMap(kernel.receiveWithin(self, isHandshake, handshakeTimeout), (m) => {
      if (m instanceof Go) {
        kernel.demonitorRecord(self, watch)
        kernel.flushMessages(self, (x) => x instanceof kernel.DownMessage && x.ref === watch)
        return runBody(Effect.provideContext(body, context), owner, () => m.ref, outcome)
      }
      // the owner died before it could use the task, or never sent the reference: give up quietly
      const reason =
        m instanceof kernel.DownMessage ? ExitReason.shutdownWith(m.reason) : ExitReason.shutdownWith("timeout")
      kernel.terminate(self, reason, false)
      return Effect.interrupt
    })
  })

// ---------------------------------------------------------------------------------------------
// The owner side
// ---------------------------------------------------------------------------------------------

export type Timeout = Duration.Input | "infinity"

export const defaultTimeout = Duration.seconds(5)

export const toDuration = (timeout: Timeout | undefined, fallback: Duration.Duration): Duration.Duration =>
  timeout === undefined ? fallback : timeout === "infinity" ? Duration.infinity : Duration.fromInputUnsafe(timeout)

const millisOf = (duration: Duration.Duration): number => Duration.toMillis(duration)

const isMessageOf =
  (task: TaskImpl<unknown, unknown>) =>
  (m: unknown): boolean =>
    (m instanceof Reply || m instanceof kernel.DownMessage) && m.ref === task.ref

/** The error the owner gets for a task that exited with `reason` without replying. */
export const exitError = <E>(task: TaskImpl<unknown, E>, reason: ExitReason.ExitReason): E | TaskExited => {
  const outcome = task.outcome
  if (reason._tag === "Failure" && outcome.failed) {
    for (const r of reason.cause.reasons) {
      if (Cause.isFailReason(r) && r.error === outcome.error) return outcome.error as E
    }
  }
  return new TaskExited({ pid: task.pid as Pid.Pid<unknown, unknown>, reason })
}

/** The error of a task whose `Down` the owner has taken: the task is over for the owner. */
const takeExit = <E>(task: TaskImpl<unknown, E>, reason: ExitReason.ExitReason): E | TaskExited => {
  task.outcome.taken = true
  return exitError(task, reason)
}

/** Removes the owner's monitor and any reply or `Down` of it already in the mailbox. */
export const forget = (self: kernel.ProcessRecord, task: TaskImpl<unknown, unknown>): void => {
  task.outcome.taken = true
  kernel.demonitorRecord(self, task.ref)
  kernel.flushMessages(self, isMessageOf(task))
}

/** Kills a task that is linked to the owner, unlinking first so that its death does not reach the owner. */
export const killIfLinked = (self: kernel.ProcessRecord, task: TaskImpl<unknown, unknown>): void => {
  const target = kernel.liveRecordOf(task.pid)
  if (target === undefined || self.links?.has(target) !== true) return
  kernel.unlinkRecords(self, target)
  kernel.exitSignal(target, self.pid, ExitReason.killed, "kill")
}

/** Unlinks and kills a task, whether or not it is linked. */
const unlinkAndKill = (self: kernel.ProcessRecord, pid: Pid.Pid<never, unknown>): void => {
  const target = kernel.liveRecordOf(pid)
  if (target === undefined) return
  kernel.unlinkRecords(self, target)
  kernel.exitSignal(target, self.pid, ExitReason.killed, "kill")
}

const checkOwner = (self: kernel.ProcessRecord, task: TaskImpl<unknown, unknown>): NotOwner | undefined =>
  kernel.recordOf(task.owner) === self
    ? undefined
    : new NotOwner({
        pid: task.pid as Pid.Pid<unknown, unknown>,
        owner: task.owner as Pid.Pid<unknown, unknown>,
        caller: self.pid as Pid.Pid<unknown, unknown>
      })

const withOwner = <A, E, R = never>(
  tasks: ReadonlyArray<Task<unknown, unknown>>,
  f: (self: kernel.ProcessRecord) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | NotOwner, R | Process.Self<unknown>> =>
  Effect.flatMap(selfRecord, (self): Effect.Effect<A, E | NotOwner, R> => {
    for (const task of tasks) {
      const error = checkOwner(self, impl(task))
      if (error !== undefined) return Effect.fail(error)
    }
    return f(self)
  })

export const await_ = <A, E>(
  task: Task<A, E>,
  timeout?: Timeout
): Effect.Effect<
  A,
  E | TaskExited | TaskTimeout | NotOwner | AlreadyAwaited | Errors.BadArgument,
  Process.Self<unknown>
> => checks.guard(checks.checkTimeout("Task.await", "timeout", timeout), () => awaitChecked(task, timeout))

const awaitChecked = <A, E>(
  task: Task<A, E>,
  timeout: Timeout | undefined
): Effect.Effect<A, E | TaskExited | TaskTimeout | NotOwner | AlreadyAwaited, Process.Self<unknown>> =>
  withOwner([task], (self): Effect.Effect<A, E | TaskExited | TaskTimeout | AlreadyAwaited> => {
    const t = impl(task)
    if (t.outcome.taken) return Effect.fail(new AlreadyAwaited({ pid: t.pid as Pid.Pid<unknown, unknown> }))
    const duration = toDuration(timeout, defaultTimeout)
    return Effect.flatMap(
      kernel.receiveWithin(self, isMessageOf(t), duration),
      (m): Effect.Effect<A, E | TaskExited | TaskTimeout> => {
        if (m instanceof Reply) {
          forget(self, t)
          return Effect.succeed(m.value as A)
        }
        if (m instanceof kernel.DownMessage) return Effect.fail(takeExit(t, m.reason))
        forget(self, t)
        killIfLinked(self, t)
        return Effect.fail(new TaskTimeout({ pid: t.pid as Pid.Pid<unknown, unknown>, timeout: millisOf(duration) }))
      }
    )
  })

export const yield_ = <A, E>(
  task: Task<A, E>,
  timeout?: Timeout
): Effect.Effect<Option.Option<Exit.Exit<A, E | TaskExited>>, NotOwner | Errors.BadArgument, Process.Self<unknown>> =>
  checks.guard(checks.checkTimeout("Task.yield", "timeout", timeout), () => yieldChecked(task, timeout))

const yieldChecked = <A, E>(
  task: Task<A, E>,
  timeout: Timeout | undefined
): Effect.Effect<Option.Option<Exit.Exit<A, E | TaskExited>>, NotOwner, Process.Self<unknown>> =>
  withOwner([task], (self) => {
    const t = impl(task)
    return Effect.map(
      kernel.receiveWithin(self, isMessageOf(t), toDuration(timeout, defaultTimeout)),
      (m): Option.Option<Exit.Exit<A, E | TaskExited>> => {
        if (m instanceof Reply) {
          forget(self, t)
          return Option.some(Exit.succeed(m.value as A))
        }
        if (m instanceof kernel.DownMessage) return Option.some(Exit.fail(takeExit(t, m.reason)))
        return Option.none()
      }
    )
  })

export const ignore = <A, E>(
  task: Task<A, E>
): Effect.Effect<Option.Option<Exit.Exit<A, E | TaskExited>>, NotOwner, Process.Self<unknown>> =>
  withOwner([task], (self) => {
    const t = impl(task)
    return Effect.map(
      kernel.receiveWithin(self, isMessageOf(t), Duration.zero),
      (m): Option.Option<Exit.Exit<A, E | TaskExited>> => {
        if (m instanceof kernel.DownMessage) return Option.some(Exit.fail(takeExit(t, m.reason)))
        const target = kernel.recordOf(t.pid)
        if (target !== undefined) kernel.unlinkRecords(self, target)
        forget(self, t)
        return m instanceof Reply ? Option.some(Exit.succeed(m.value as A)) : Option.none()
      }
    )
  })

type ShutdownPhase = "shutdown" | "brutalKill" | "timeoutKill"

/** A reply already in the mailbox, taken without waiting. */
const flushReply = <A>(self: kernel.ProcessRecord, task: TaskImpl<A, unknown>): Option.Option<Exit.Exit<A, never>> => {
  let found: Reply | undefined
  kernel.flushMessages(self, (m) => {
    if (found === undefined && m instanceof Reply && m.ref === task.ref) {
      found = m
      return true
    }
    return false
  })
  return found === undefined ? Option.none() : Option.some(Exit.succeed(found.value as A))
}

/** Whether the task ended the way `shutdown` asked it to (then there is nothing to report). */
const isExpected = (reason: ExitReason.ExitReason, phase: ShutdownPhase): boolean =>
  phase === "brutalKill" ? reason._tag === "Killed" : reason._tag === "Shutdown" && Option.isNone(reason.term)

export const shutdown = <A, E>(
  task: Task<A, E>,
  how: Timeout | "brutalKill" = defaultTimeout
): Effect.Effect<Option.Option<Exit.Exit<A, E | TaskExited>>, NotOwner | Errors.BadArgument, Process.Self<unknown>> =>
  checks.guard(how === "brutalKill" ? undefined : checks.checkTimeout("Task.shutdown", "shutdown", how), () =>
    shutdownChecked(task, how)
  )

const shutdownChecked = <A, E>(
  task: Task<A, E>,
  how: Timeout | "brutalKill"
): Effect.Effect<Option.Option<Exit.Exit<A, E | TaskExited>>, NotOwner, Process.Self<unknown>> =>
  withOwner([task], (self) =>
    Effect.suspend(() => {
      const t = impl(task)
      type Result = Option.Option<Exit.Exit<A, E | TaskExited>>
      const target = kernel.liveRecordOf(t.pid)
      const watch = kernel.monitorRecord(self, target, t.pid)
      const brutal = how === "brutalKill"
      if (target !== undefined) {
        // unlink and signal in one synchronous step: no window in which the owner could die in between
        kernel.unlinkRecords(self, target)
        kernel.exitSignal(target, self.pid, brutal ? ExitReason.killed : ExitReason.shutdown, brutal ? "kill" : "exit")
      }
      const isWatchDown = (m: unknown) => m instanceof kernel.DownMessage && m.ref === watch
      const settle = (reason: ExitReason.ExitReason, phase: ShutdownPhase): Result => {
        t.outcome.taken = true
        if (reason._tag === "NoProc") {
          // the task had already exited: its own Down, if still in the mailbox, tells how
          let down: kernel.DownMessage | undefined
          kernel.flushMessages(self, (m) => {
            if (down === undefined && m instanceof kernel.DownMessage && m.ref === t.ref) {
              down = m
              return true
            }
            return false
          })
          let result: Result
          if (down === undefined) {
            kernel.demonitorRecord(self, t.ref)
            result = Option.some(Exit.fail(new TaskExited({ pid: t.pid as never, reason: ExitReason.noProc })))
          } else if (isExpected(down.reason, phase)) {
            result = Option.none()
          } else {
            result = Option.some(Exit.fail(exitError(t, down.reason)))
          }
          const reply = flushReply(self, t)
          return Option.isSome(reply) ? reply : result
        }
        forget(self, t)
        const reply = flushReply(self, t)
        if (Option.isSome(reply)) return reply
        return isExpected(reason, phase) ? Option.none() : Option.some(Exit.fail(exitError(t, reason)))
      }
      const wait = (phase: ShutdownPhase, timeout: Duration.Duration): Effect.Effect<Result> =>
        Effect.flatMap(kernel.receiveWithin(self, isWatchDown, timeout), (m) => {
          if (m instanceof kernel.DownMessage) return Effect.succeed(settle(m.reason, phase))
          unlinkAndKill(self, t.pid)
          return wait("timeoutKill", Duration.infinity)
        })
      if (brutal) return wait("brutalKill", Duration.infinity)
      return wait("shutdown", toDuration(how as Timeout, defaultTimeout))
    })
  )

/** Milliseconds on the effect's clock. */
const now: Effect.Effect<number> = Clock.currentTimeMillis

type AnyTask = Task<unknown, unknown>

export const awaitMany = (
  tasks: ReadonlyArray<AnyTask>,
  timeout?: Timeout
): Effect.Effect<Array<unknown>, unknown, Process.Self<unknown>> =>
  checks.guard(checks.checkTimeout("Task.awaitMany", "timeout", timeout), () => awaitManyChecked(tasks, timeout))

/**
 * The one receive loop of `awaitMany` and `yieldMany`: takes the replies and Downs of `tasks` as
 * they come, and hands `step` each task's index and outcome (`ok` and its reply, or not `ok` and
 * the error it exited with; the task forgotten either way) until `step` returns `false`, no task
 * is pending, or `deadline`
 * (clock milliseconds; `undefined`: none) passes. Returns the indexes still pending and whether the
 * deadline passed.
 */
const collect = (
  self: kernel.ProcessRecord,
  tasks: ReadonlyArray<AnyTask>,
  deadline: number | undefined,
  step: (i: number, ok: boolean, value: unknown) => boolean
): Effect.Effect<{ readonly pending: ReadonlyArray<number>; readonly timedOut: boolean }> => {
  const pending = new Map<kernel.MonitorRef, number>()
  for (let i = 0; i < tasks.length; i++) pending.set(impl(tasks[i]!).ref, i)
  const isPending = (m: unknown) => (m instanceof Reply || m instanceof kernel.DownMessage) && pending.has(m.ref)
  const done = (timedOut: boolean) => Effect.succeed({ pending: Array.from(pending.values()), timedOut })
  const take = (m: unknown) => {
    if (m === kernel.TimedOut) return done(true)
    const message = m as Reply | kernel.DownMessage
    const i = pending.get(message.ref)!
    const task = impl(tasks[i]!)
    pending.delete(message.ref)
    if (message instanceof Reply) forget(self, task)
    const more =
      message instanceof Reply ? step(i, true, message.value) : step(i, false, takeExit(task, message.reason))
    return more ? loop() : done(false)
  }
  const loop = (): Effect.Effect<{ readonly pending: ReadonlyArray<number>; readonly timedOut: boolean }> => {
    if (pending.size === 0) return done(false)
    if (deadline === undefined) return Effect.flatMap(kernel.receive(self, isPending, undefined, false), take)
    return Effect.flatMap(now, (t) =>
      Effect.flatMap(kernel.receiveWithin(self, isPending, Duration.millis(Math.max(0, deadline - t))), take)
    )
  }
  return loop()
}

const awaitManyChecked = (
  tasks: ReadonlyArray<AnyTask>,
  timeout: Timeout | undefined
): Effect.Effect<Array<unknown>, unknown, Process.Self<unknown>> =>
  withOwner(tasks, (self) =>
    Effect.flatMap(now, (start) => {
      for (const task of tasks) {
        const t = impl(task)
        if (t.outcome.taken) return Effect.fail(new AlreadyAwaited({ pid: t.pid as Pid.Pid<unknown, unknown> }))
      }
      const duration = toDuration(timeout, defaultTimeout)
      const results: Array<unknown> = new Array(tasks.length)
      let failed = false
      let failure: unknown
      const deadline = Duration.isFinite(duration) ? start + millisOf(duration) : undefined
      return Effect.flatMap(
        collect(self, tasks, deadline, (i, ok, value) => {
          if (ok) results[i] = value
          else [failed, failure] = [true, value]
          return ok
        }),
        ({ pending, timedOut }): Effect.Effect<Array<unknown>, unknown> => {
          if (!failed && !timedOut) return Effect.succeed(results)
          // a task failed, or the time is up: give up on the others
          for (const i of pending) {
            const t = impl(tasks[i]!)
            forget(self, t)
            killIfLinked(self, t)
          }
          if (failed) return Effect.fail(failure)
          const first = impl(tasks[pending[0]!]!)
          return Effect.fail(new TaskTimeout({ pid: first.pid as never, timeout: millisOf(duration) }))
        }
      )
    })
  )

export interface YieldManyOptions {
  readonly timeout?: Timeout | undefined
  readonly limit?: number | undefined
  readonly onTimeout?: "nothing" | "ignore" | "killTask" | undefined
}

const isYieldManyOptions = (u: unknown): u is YieldManyOptions =>
  typeof u === "object" &&
  u !== null &&
  !Array.isArray(u) &&
  !Duration.isDuration(u) &&
  (Object.keys(u).length === 0 || "timeout" in u || "limit" in u || "onTimeout" in u)

const onTimeouts: ReadonlyArray<string> = ["nothing", "ignore", "killTask"]

export const yieldMany = (
  tasks: ReadonlyArray<AnyTask>,
  timeoutOrOptions?: Timeout | YieldManyOptions
): Effect.Effect<
  Array<Option.Option<Exit.Exit<unknown, unknown>>>,
  NotOwner | Errors.BadArgument,
  Process.Self<unknown>
> => {
  const options: YieldManyOptions = isYieldManyOptions(timeoutOrOptions)
    ? timeoutOrOptions
    : { timeout: timeoutOrOptions }
  const fn = "Task.yieldMany"
  return checks.guard(
    checks.checkTimeout(fn, "timeout", options.timeout) ??
      checks.checkCount(fn, "limit", options.limit) ??
      checks.checkOneOf(fn, "onTimeout", options.onTimeout, onTimeouts),
    () => yieldManyChecked(tasks, options)
  )
}

const yieldManyChecked = (
  tasks: ReadonlyArray<AnyTask>,
  options: YieldManyOptions
): Effect.Effect<Array<Option.Option<Exit.Exit<unknown, unknown>>>, NotOwner, Process.Self<unknown>> =>
  withOwner(tasks, (self) =>
    Effect.flatMap(now, (start) => {
      const duration = toDuration(options.timeout, defaultTimeout)
      const limit = Math.min(options.limit ?? tasks.length, tasks.length)
      const results: Array<Option.Option<Exit.Exit<unknown, unknown>>> = tasks.map(() => Option.none())
      if (limit <= 0) return Effect.succeed(results)
      let count = 0
      const deadline = Duration.isFinite(duration) ? start + millisOf(duration) : undefined
      return Effect.flatMap(
        collect(self, tasks, deadline, (i, ok, value) => {
          results[i] = Option.some(ok ? Exit.succeed(value) : Exit.fail(value))
          return ++count < limit
        }),
        ({ pending, timedOut }) => {
          const onTimeout = options.onTimeout ?? "nothing"
          if (!timedOut || onTimeout === "nothing") return Effect.succeed(results)
          return Effect.as(
            Effect.forEach(
              pending,
              (i) =>
                Effect.map(
                  onTimeout === "killTask" ? shutdownChecked(tasks[i]!, "brutalKill") : ignore(tasks[i]!),
                  (r) => {
                    results[i] = r
                  }
                ),
              { discard: true }
            ),
            results
          )
        }
      )
    })
  )

// ---------------------------------------------------------------------------------------------
// asyncStream
// ---------------------------------------------------------------------------------------------

/** The options of `asyncStream`, declared (and documented) in the public module. */
export type StreamOptions = TaskModule.StreamOptions

/** The default `maxConcurrency`: the number of cores when the platform tells it, else 1. */
export const DefaultMaxConcurrency = Context.Reference<number>("effect-otp/Task/DefaultMaxConcurrency", {
  defaultValue: () => {
    const cores = (globalThis as { readonly navigator?: { readonly hardwareConcurrency?: unknown } }).navigator
      ?.hardwareConcurrency
    return typeof cores === "number" && Number.isInteger(cores) && cores > 0 ? cores : 1
  }
})

interface Entry {
  readonly task: TaskImpl<unknown, unknown>
  readonly position: number
  readonly input: unknown
  readonly timer: number | undefined
  replied: boolean
  value: unknown
  timedOut: boolean
}

/** Spawns the task for one input element, monitored by (and maybe linked to) `owner`. */
export type Spawner<X, SE, SR> = (
  owner: kernel.ProcessRecord,
  input: X
) => Effect.Effect<TaskImpl<unknown, unknown>, SE, SR>

/** Checks the options of an async stream (`maxConcurrency` is the one given, or the default). */
const checkStreamOptions = (
  fn: string,
  options: StreamOptions,
  maxConcurrency: number
): Errors.BadArgument | undefined =>
  (Number.isInteger(maxConcurrency) && maxConcurrency > 0
    ? undefined
    : new BadArgument({
        function: fn,
        field: "maxConcurrency",
        value: maxConcurrency,
        reason: "must be an integer greater than zero"
      })) ??
  checks.checkOneOf(fn, "onTimeout", options.onTimeout, ["exit", "killTask"]) ??
  checks.checkTimeout(fn, "timeout", options.timeout)

/** How one item of {@link asyncStreamWith} ended: its position in the input, the item, and its result. */
export interface StreamCompletion {
  readonly position: number
  readonly input: unknown
  readonly exit: Exit.Exit<unknown, unknown>
}

/** What runs the items of {@link asyncStreamWith}: a task each (Task), a call on a pool each (WorkerPool). */
export interface StreamRunner<X, E, R> {
  /** Starts the item at `position` (0, 1, 2, ... in input order). */
  readonly start: (item: X, position: number) => Effect.Effect<void, E, R>
  /** Waits until one started item has ended. A failure fails the stream (`onTimeout: "exit"`). */
  readonly next: Effect.Effect<StreamCompletion, E, R>
}

/**
 * What a runner is made with: the stream's scope (its finalizers run when the stream closes) and the
 * function that closes the input, which the runner's own finalizer calls in its place.
 */
export interface StreamSetup {
  readonly scope: Scope.Scope
  readonly closeInput: () => void
}

/**
 * The stream engine of `asyncStream`, after Elixir's `Task.Supervised.stream`, with a pluggable
 * runner. Items start only while the stream is pulled, never more than `maxConcurrency` at once; a
 * slot frees as soon as its item has ended, even while its (ordered) result waits for an earlier one.
 * Invalid options fail the stream with `BadArgument` naming `fn`, before any item starts.
 */
export const asyncStreamWith = <X, E, R, RS, EX = never, RX = never>(
  fn: string,
  input: Iterable<X> | Stream.Stream<X, EX, RX>,
  options: StreamOptions,
  defaultMaxConcurrency: Effect.Effect<number>,
  makeRunner: (setup: StreamSetup) => Effect.Effect<StreamRunner<X, E, R>, never, RS>
): Stream.Stream<Exit.Exit<unknown, unknown>, E | EX | Errors.BadArgument, R | RX | RS> => {
  const channel = Channel.fromTransform((_upstream: unknown, scope: Scope.Scope) =>
    Effect.gen(function* () {
      const max = options.maxConcurrency ?? (yield* defaultMaxConcurrency)
      const invalid = checkStreamOptions(fn, options, max)
      if (invalid !== undefined) return yield* Effect.fail(invalid)
      const ordered = options.ordered ?? true
      const zip = options.zipInputOnExit === true

      // the input, one element at a time, as Elixir's Enumerable.reduce with :suspend
      let nextInput: Effect.Effect<Option.Option<X>, EX, RX>
      let closeInput: () => void = () => {}
      if (!Stream.isStream(input)) {
        const iterator = (input as Iterable<X>)[Symbol.iterator]()
        nextInput = Effect.sync(() => {
          const result = iterator.next()
          return result.done === true ? Option.none() : Option.some(result.value)
        })
        closeInput = () => void iterator.return?.()
      } else {
        const pull = yield* Channel.toPullScoped((input as Stream.Stream<X, EX, RX>).channel, scope)
        const buffer: Array<X> = []
        nextInput = Effect.suspend(() => {
          if (buffer.length > 0) return Effect.succeed(Option.some(buffer.shift()!))
          return Effect.matchCauseEffect(pull, {
            onSuccess: (chunk) => {
              buffer.push(...chunk)
              return Effect.succeed(Option.some(buffer.shift()!))
            },
            onFailure: (cause) =>
              cause.reasons.some((r) => Cause.isFailReason(r) && Cause.isDone(r.error))
                ? Effect.succeed(Option.none<X>())
                : Effect.failCause(cause as Cause.Cause<EX>)
          })
        })
      }
      const runner = yield* makeRunner({ scope, closeInput })

      const done = new Map<number, Exit.Exit<unknown, unknown>>()
      let running = 0
      let started = 0
      let delivered = 0
      let inputDone = false

      type Chunk = readonly [Exit.Exit<unknown, unknown>, ...Array<Exit.Exit<unknown, unknown>>]

      const step = (): Effect.Effect<Chunk, E | EX | Cause.Done, R | RX> => {
        if (!inputDone && running < max) {
          return Effect.flatMap(nextInput, (next) => {
            if (Option.isNone(next)) {
              inputDone = true
              return step()
            }
            return Effect.flatMap(runner.start(next.value, started), () => {
              started++
              running++
              return step()
            })
          })
        }
        if (ordered && done.has(delivered)) {
          const out: Array<Exit.Exit<unknown, unknown>> = []
          while (done.has(delivered)) {
            out.push(done.get(delivered)!)
            done.delete(delivered++)
          }
          return Effect.succeed(out as unknown as Chunk)
        }
        if (inputDone && running === 0) return Cause.done()
        return Effect.flatMap(runner.next, handle)
      }

      const handle = (completion: StreamCompletion): ReturnType<typeof step> => {
        running--
        let result = completion.exit
        if (zip && Exit.isFailure(result)) {
          result = Exit.mapError(result, (error) => new InputExited({ input: completion.input, error }))
        }
        if (ordered) {
          done.set(completion.position, result)
          return step()
        }
        delivered++
        return Effect.succeed([result] as const)
      }

      return Effect.suspend(step)
    })
  )
  return Stream.fromChannel(channel)
}

/**
 * `Task.asyncStream`'s runner: a task per item, monitored by (and maybe linked to) the caller. Each
 * task's timeout is a timer owned by the caller that kills the task at the exact time, even while the
 * consumer is busy elsewhere. Closing the stream (end, failure, or a consumer that stops pulling)
 * kills the tasks still running, waits until they have exited, and removes their messages from the
 * caller's mailbox.
 */
export const makeStream = <X, SE, SR, EX, RX>(
  fn: string,
  input: Iterable<X> | Stream.Stream<X, EX, RX>,
  spawn: Spawner<X, SE, SR>,
  options: StreamOptions
): Stream.Stream<
  Exit.Exit<unknown, unknown>,
  SE | EX | TaskTimeout | Errors.BadArgument,
  SR | RX | Process.Self<unknown>
> =>
  asyncStreamWith(fn, input, options, DefaultMaxConcurrency, ({ closeInput, scope }) =>
    Effect.gen(function* () {
      const self = yield* selfRecord
      const onTimeout = options.onTimeout ?? "exit"
      const zip = options.zipInputOnExit === true
      const timeout = toDuration(options.timeout, defaultTimeout)
      const running = new Map<kernel.MonitorRef, Entry>()
      let closed = false

      const onTaskTimeout = (entry: Entry) => {
        if (closed || !running.has(entry.task.ref) || entry.timedOut) return
        const target = kernel.liveRecordOf(entry.task.pid)
        if (target === undefined) return
        entry.timedOut = true
        kernel.unlinkRecords(self, target)
        kernel.exitSignal(target, self.pid, ExitReason.killed, "kill")
      }

      const start = (x: X, position: number): Effect.Effect<void, SE, SR> =>
        Effect.flatMap(spawn(self, x), (task) => {
          const timer = Duration.isFinite(timeout) ? new kernel.TimerRef(self).id : undefined
          const entry: Entry = {
            task,
            position,
            input: zip ? x : undefined,
            timer,
            replied: false,
            value: undefined,
            timedOut: false
          }
          running.set(task.ref, entry)
          if (timer === undefined) return Effect.void
          return kernel.startTimer(self, timeout, () => onTaskTimeout(entry), timer)
        })

      const isOurs = (m: unknown) => (m instanceof Reply || m instanceof kernel.DownMessage) && running.has(m.ref)

      const handle = (m: unknown): Effect.Effect<StreamCompletion, TaskTimeout> => {
        if (m instanceof Reply) {
          const entry = running.get(m.ref)!
          entry.replied = true
          entry.value = m.value
          return next
        }
        const down = m as kernel.DownMessage
        const entry = running.get(down.ref)!
        running.delete(down.ref)
        if (entry.timer !== undefined) kernel.cancelTimerUnsafe(self, entry.timer)
        if (self.trapExit) {
          // the caller traps exits: the task's EXIT is the stream's business, not the caller's
          const key = kernel.pidKey(entry.task.pid)
          kernel.flushMessages(self, (x) => x instanceof kernel.ExitMessage && kernel.pidKey(x.from) === key)
        }
        let exit: Exit.Exit<unknown, unknown>
        if (entry.replied) {
          exit = Exit.succeed(entry.value)
        } else if (entry.timedOut) {
          const error = new TaskTimeout({ pid: entry.task.pid as never, timeout: millisOf(timeout) })
          if (onTimeout === "exit") return Effect.fail(error)
          exit = Exit.fail(error)
        } else {
          exit = Exit.fail(exitError(entry.task, down.reason))
        }
        return Effect.succeed({ position: entry.position, input: entry.input, exit })
      }
      const next: Effect.Effect<StreamCompletion, TaskTimeout> = Effect.suspend(() =>
        Effect.flatMap(kernel.receive(self, isOurs, undefined, false), handle)
      )

      yield* Scope.addFinalizer(
        scope,
        Effect.suspend(() => {
          closed = true
          closeInput()
          const killed: Array<Pid.Pid<never, unknown>> = []
          const keys = new Set<Pid.Pid<never, unknown>>()
          for (const entry of running.values()) {
            if (entry.timer !== undefined) kernel.cancelTimerUnsafe(self, entry.timer)
            kernel.demonitorRecord(self, entry.task.ref)
            keys.add(kernel.pidKey(entry.task.pid))
            if (kernel.liveRecordOf(entry.task.pid) !== undefined) {
              unlinkAndKill(self, entry.task.pid)
              killed.push(entry.task.pid)
            }
          }
          if (running.size > 0) {
            const refs = new Set(running.keys())
            kernel.flushMessages(
              self,
              (m) =>
                ((m instanceof Reply || m instanceof kernel.DownMessage) && refs.has(m.ref)) ||
                (m instanceof kernel.ExitMessage && keys.has(kernel.pidKey(m.from)))
            )
          }
          running.clear()
          return Effect.forEach(killed, (pid) => kernel.awaitExit(pid), { discard: true })
        })
      )
      const runner: StreamRunner<X, SE | TaskTimeout, SR> = { start, next }
      return runner
    })
  )
