/**
 * What Supervisor and DynamicSupervisor share: their errors, the restart intensity (OTP's
 * `add_restart` window, the `intensity` schedule built on it, and one step of it: give up, restart
 * now, or restart after a delay), starting children linked to the supervisor, the one restart
 * path (OTP's `do_restart`, `restart/2` and `try_again_restart`) with its reports, and what the
 * `Observer` sees of a supervisor (its {@link TreeView}).
 *
 * @internal
 */
import { Cause, Clock, Context, Duration, Effect, Exit, Fiber, Option, Schedule, Schema } from "effect"
import * as ChildSpec from "../ChildSpec.ts"
import * as Errors from "../Errors.ts"
import * as ExitReason from "../ExitReason.ts"
import * as GenServer from "../GenServer.ts"
import * as Pid from "../Pid.ts"
import * as Request from "../Request.ts"
import * as kernel from "./kernel.ts"
import * as metrics from "./metrics.ts"
import { giveUpReport, restartReport } from "./reports.ts"
import { MaxRestartIntensity, InvalidIntensity } from "../Errors.ts"
import type { ChildInfo as ChildView } from "../Observer.ts"

const infinite = { timeout: "infinity" } as const

/**
 * A request to a supervisor, either kind: it waits for the answer with no timeout, as OTP's
 * `supervisor:call/2` and Elixir's (`infinity`), since the answer may wait behind a child's start
 * or shutdown.
 */
export const call = <Req extends Request.Any, Cast, const Q extends Req>(
  supervisor: GenServer.Server<Req, Cast>,
  request: Q
): Effect.Effect<Request.Success<Q>, Request.Failure<Q> | GenServer.CallError> =>
  GenServer.call(supervisor, request, infinite)
export { MaxRestartIntensity, ChildStartFailed, InvalidIntensity } from "../Errors.ts"

/** A restart intensity schedule, driven by hand: one step per restart. */
export type Step = (now: number, input: unknown) => Effect.Effect<unknown, unknown>

/** Builds the step function of a supervisor's intensity schedule (its state lives as long as the supervisor). */
export const makeStep = (intensity: Schedule.Schedule<unknown, unknown>): Effect.Effect<Step> =>
  Schedule.toStep(intensity)

/** The pid a start's result names, or undefined (not a pid, nor a reference to a live process). */
const pidOf = (started: unknown): Pid.Pid<never, unknown> | undefined => {
  if (Pid.isPid(started)) return started
  if (typeof started !== "object" || started === null) return undefined
  const whereis = (started as { readonly whereis?: unknown }).whereis
  if (typeof whereis !== "function") return undefined
  try {
    const found: unknown = whereis.call(started)
    return Option.isOption(found) && Option.isSome(found) && Pid.isPid(found.value) ? found.value : undefined
  } catch {
    return undefined
  }
}

/**
 * What comes of a child's start that succeeded: links the started child to the supervisor (or gives
 * the supervisor an EXIT with `NoProc` when it is already dead, as a link to it would) and returns
 * its pid; `NotAProcess` when the start returned no process, a failed start.
 */
export const linkStarted = (
  self: kernel.ProcessRecord,
  started: unknown
): Pid.Pid<never, unknown> | ChildSpec.NotAProcess => {
  const pid = pidOf(started)
  if (pid === undefined) return new ChildSpec.NotAProcess({ value: started })
  const target = kernel.liveRecordOf(pid)
  if (target !== undefined) kernel.linkRecords(self, target)
  else kernel.deliverSystemMade(self, new kernel.ExitMessage(pid, ExitReason.noProc))
  return pid
}

/**
 * The error of a child's start that failed: its typed error when it failed with one, or the
 * `Failure` exit reason with the whole cause when it died (threw) or was interrupted. A supervisor
 * never dies of its child's start.
 */
export const startErrorOf = (cause: Cause.Cause<unknown>): unknown => {
  const reasons = cause.reasons
  return reasons.length === 1 && Cause.isFailReason(reasons[0]!) ? reasons[0].error : ExitReason.failureCause(cause)
}

/** The exit reason a failed start counts as, for the intensity and the give-up term. */
const reasonOfStartError = (error: unknown): ExitReason.ExitReason =>
  error instanceof ExitReason.Failure ? error : ExitReason.failure(error)

/** What one intensity step decided. */
export type Decision =
  | { readonly _tag: "GiveUp" }
  | { readonly _tag: "Now" }
  | { readonly _tag: "After"; readonly delay: Duration.Duration }

const giveUp: Decision = { _tag: "GiveUp" }
const now: Decision = { _tag: "Now" }

const decisionOf = (exit: Exit.Exit<unknown, unknown>): Decision => {
  if (Exit.isFailure(exit)) return giveUp
  const [, delay] = exit.value as [unknown, Duration.Duration]
  return Duration.isZero(delay) ? now : { _tag: "After", delay }
}

/**
 * Steps the intensity now, at the current `Clock` time of `fiber` (the supervisor's, which runs the
 * effect this is part of next): the decision itself when the step answers with a completed `Exit`
 * (as {@link intensity}, `Supervisor.intensity`, does), otherwise the effect that gives it. A step
 * that throws gives up, as a defect of the step did.
 */
const stepIntensityNow = (
  step: Step,
  input: unknown,
  fiber: Fiber.Fiber<unknown, unknown>
): Decision | Effect.Effect<Decision> => {
  let result: Effect.Effect<unknown, unknown>
  try {
    result = step(fiber.getRef(Clock.Clock).currentTimeMillisUnsafe(), input)
  } catch {
    return giveUp
  }
  return Exit.isExit(result) ? decisionOf(result) : Effect.map(Effect.exit(result), decisionOf)
}

/** Sends `message` to the supervisor itself after `delay` (a timer that dies with it). */
const remindAfter = (self: kernel.ProcessRecord, delay: Duration.Duration, message: unknown): Effect.Effect<void> =>
  kernel.startTimer(self, delay, () => kernel.deliverSystemMade(self, message), new kernel.TimerRef(self).id)

/**
 * A restart of `child` succeeded: counted in `effect_otp_supervisor_restarts_total` and reported as
 * `RESTART`. Runs on the supervisor's fiber (its handlers do), which holds the metric registry.
 */
export const restarted = (
  self: kernel.ProcessRecord,
  child: string,
  oldPid: Pid.Pid<never, unknown>,
  newPid: Pid.Pid<never, unknown>,
  reason: ExitReason.ExitReason
): Effect.Effect<void> => {
  const fiber = Fiber.getCurrent()!
  metrics.countRestart(self, child, fiber.context)
  const node = self.node
  if (node.observers !== undefined) {
    kernel.notifyObservers(node, { _tag: "Restarted", supervisor: self, id: child, pid: newPid })
  }
  return restartReport(self, child, oldPid, newPid, reason, fiber)
}

/**
 * The supervisor gives up restarting `child` after `reason`: counted in
 * `effect_otp_supervisor_give_ups_total`, reported as `GIVE_UP`; returns the `Shutdown` term
 * it exits with.
 */
export const gaveUp = (
  self: kernel.ProcessRecord,
  child: string,
  reason: ExitReason.ExitReason
): { readonly report: Effect.Effect<void>; readonly exit: ExitReason.ExitReason } => {
  metrics.countGiveUp(self, Fiber.getCurrent()!.context)
  const term = new MaxRestartIntensity({ id: child, reason })
  return { report: giveUpReport(self, child, reason, term.message), exit: ExitReason.shutdownWith(term) }
}

// ---------------------------------------------------------------------------------------------
// Starting children
// ---------------------------------------------------------------------------------------------

/** A supervised child as the shared code sees it: its normalised spec. */
export interface Supervised {
  readonly spec: ChildSpec.Normalized
  /** the pid it last ran as, and why that process ended: what a `RESTART` report names */
  lastPid?: Pid.Pid<never, unknown> | undefined
  lastReason?: ExitReason.ExitReason | undefined
  /** the times it was started again after it exited (what the `Observer` shows) */
  restarts: number
}

/** A child that failed to start, with the error its start failed with. */
export interface StartFailure<C extends Supervised> {
  readonly failed: C
  readonly error: unknown
}

/** What a supervisor's state gives the shared code: itself, and its intensity's step. */
export interface Supervising {
  readonly self: kernel.ProcessRecord
  readonly step: Step
  /** the children started again since the supervisor started (what the `Observer` shows) */
  restarts: number
}

/**
 * How a supervisor keeps its children, given to the shared code: what becomes of a child that was
 * started, ignored or not restarted, and which children a restart involves (its strategy).
 */
export interface Children<S extends Supervising, C extends Supervised> {
  /** `child` is running as `pid`. */
  readonly started: (state: S, child: C, pid: Pid.Pid<never, unknown>) => void
  /** `child`'s start failed with `Errors.Ignored` (OTP's `ignore`): it is not running. */
  readonly ignored: (state: S, child: C) => void
  /** `child`'s pid while it runs; undefined when it does not. */
  readonly pidOf: (child: C) => Pid.Pid<never, unknown> | undefined
  /**
   * Marks the children a restart of `child` involves as being restarted (`child` alone, or the group
   * the strategy names) and gives the effect that stops those of them still running, in reverse
   * start order (OTP's `terminate_children` of a group restart); undefined when none is.
   */
  readonly restarting: (state: S, child: C) => Effect.Effect<void> | undefined
  /** The children being restarted that are to start now, in start order (a restart of `child`). */
  readonly due: (state: S, child: C) => ReadonlyArray<C>
  /** `failed` failed to restart: it stays restarting; the others of `due` not started do not. */
  readonly failed: (state: S, failed: C, due: ReadonlyArray<C>) => void
  /** Whether `child` is still being restarted: a reminder or a new attempt about it applies. */
  readonly isRestarting: (state: S, child: C) => boolean
  /** `child` exited and is not restarted (OTP's `del_child`, then its auto shutdown). */
  readonly notRestarted: (state: S, child: C) => GenServer.NoReplyResult<S>
  /** The supervisor gives up on restarting `child` (OTP's `del_child` before its shutdown). */
  readonly gaveUp: (state: S, child: C) => void
}

/**
 * Starts `children` in order, built now for an effect that runs next, and goes on with `then` (the
 * first failure, or undefined when all started or were ignored). One `matchCauseEffect` per child
 * around the child's own start, linking in its success handler, and `then` called from the last
 * handler: on a restart, the supervisor runs no effect of its own besides the child's start. A start
 * that fails, dies or returns no process is a failure (see {@link startErrorOf}).
 */
export const startInOrder = <S extends Supervising, C extends Supervised, A>(
  children: Children<S, C>,
  state: S,
  due: ReadonlyArray<C>,
  then: (failure: StartFailure<C> | undefined) => Effect.Effect<A>
): Effect.Effect<A> => {
  let i = 0
  const next = (): Effect.Effect<A> => {
    if (i >= due.length) return then(undefined)
    const child = due[i++]!
    return Effect.matchCauseEffect(child.spec.start as Effect.Effect<ChildSpec.Started, unknown>, {
      onFailure: (cause) => {
        const error = startErrorOf(cause)
        if (!Errors.isIgnored(error)) return then({ failed: child, error })
        children.ignored(state, child)
        return next()
      },
      onSuccess: (started) => {
        const pid = linkStarted(state.self, started)
        if (!Pid.isPid(pid)) return then({ failed: child, error: pid })
        children.started(state, child, pid)
        return next()
      }
    })
  }
  return next()
}

// ---------------------------------------------------------------------------------------------
// The restart path
// ---------------------------------------------------------------------------------------------

/** A delayed restart of `child` is due (the intensity was stepped when it was scheduled). */
class RestartTimer<C> {
  readonly child: C
  constructor(child: C) {
    this.child = child
  }
}

/**
 * A restart of `child` failed to start it: try again, stepping the intensity first (OTP's
 * `try_again_restart`, a message to itself so that requests are served between attempts).
 */
class TryAgain<C> {
  readonly child: C
  readonly reason: ExitReason.ExitReason
  constructor(child: C, reason: ExitReason.ExitReason) {
    this.child = child
    this.reason = reason
  }
}

/**
 * A child exited (OTP's `do_restart`): reports it unless it exited normal-like and is not permanent
 * (`child_terminated`), then restarts it if its restart type says so, or lets the supervisor drop it.
 * `pid` is the pid it exited from.
 */
export const childExited = <S extends Supervising, C extends Supervised>(
  children: Children<S, C>,
  state: S,
  child: C,
  pid: Pid.Pid<never, unknown>,
  reason: ExitReason.ExitReason
): Effect.Effect<GenServer.NoReplyResult<S>> => {
  child.lastPid = pid
  child.lastReason = reason
  const normalLike = ExitReason.isNormalLike(reason)
  // handlers run on the supervisor's fiber: a report no logger would print is not built
  const report =
    (normalLike && child.spec.restart !== "permanent") || !kernel.logReaches(Fiber.getCurrent(), "Error")
      ? undefined
      : Effect.logError(
          `supervisor ${state.self.pid}: child "${child.spec.id}" ${pid} terminated`,
          reason._tag === "Failure" ? reason.cause : String(reason)
        ).pipe(
          Effect.annotateLogs({
            event: "CHILD_TERMINATED",
            child: child.spec.id,
            childPid: String(pid),
            reason: reason._tag
          })
        )
  if (!ChildSpec.shouldRestart(child.spec.restart, normalLike)) {
    const result = children.notRestarted(state, child)
    return report === undefined ? Effect.succeed(result) : Effect.as(report, result)
  }
  return report === undefined
    ? restart(children, state, child, reason)
    : Effect.andThen(
        report,
        Effect.suspend(() => restart(children, state, child, reason))
      )
}

/**
 * Restarts `child` after it exited with `reason`, or after a failed restart (OTP's `restart/2`):
 * steps the intensity with `{ id, reason }`, then gives up, or restarts the children the restart
 * involves now or after the schedule's delay.
 */
const restart = <S extends Supervising, C extends Supervised>(
  children: Children<S, C>,
  state: S,
  child: C,
  reason: ExitReason.ExitReason
): Effect.Effect<GenServer.NoReplyResult<S>> => {
  // handlers run on the supervisor's fiber, and the effect built here runs next: the intensity is
  // stepped now when its step is a plain function (as `intensity`'s), without an Effect per step
  const decision = stepIntensityNow(state.step, { id: child.spec.id, reason }, Fiber.getCurrent()!)
  return Effect.isEffect(decision)
    ? Effect.flatMap(decision, (decided) => restartDecided(children, state, child, reason, decided))
    : restartDecided(children, state, child, reason, decision)
}

const restartDecided = <S extends Supervising, C extends Supervised>(
  children: Children<S, C>,
  state: S,
  child: C,
  reason: ExitReason.ExitReason,
  decision: Decision
): Effect.Effect<GenServer.NoReplyResult<S>> => {
  if (decision._tag === "GiveUp") {
    children.gaveUp(state, child)
    const { exit, report } = gaveUp(state.self, child.spec.id, reason)
    return Effect.as(report, GenServer.stopWith(exit, state))
  }
  const stopping = children.restarting(state, child)
  if (decision._tag === "Now") {
    return stopping === undefined
      ? restartDue(children, state, child)
      : Effect.andThen(
          stopping,
          Effect.suspend(() => restartDue(children, state, child))
        )
  }
  const remind = Effect.as(remindAfter(state.self, decision.delay, new RestartTimer(child)), GenServer.noreply(state))
  return stopping === undefined ? remind : Effect.andThen(stopping, remind)
}

/**
 * Starts the children being restarted that are due, in start order. Started, each is reported
 * (`RESTART`); a failure leaves the child that failed restarting, reports it (`start_error`) and
 * sends the supervisor a {@link TryAgain}. Built now, from the children as they are now.
 */
const restartDue = <S extends Supervising, C extends Supervised>(
  children: Children<S, C>,
  state: S,
  child: C
): Effect.Effect<GenServer.NoReplyResult<S>> => {
  const due = children.due(state, child)
  return startInOrder(children, state, due, (failure) => {
    if (failure === undefined) {
      let reports: Effect.Effect<void> = Effect.void
      for (const c of due) {
        const pid = children.pidOf(c)
        // a child whose start answered `ignore` was not restarted
        if (pid === undefined) continue
        c.restarts++
        state.restarts++
        const report = restarted(state.self, c.spec.id, c.lastPid ?? pid, pid, c.lastReason ?? ExitReason.normal)
        if (report !== Effect.void) reports = reports === Effect.void ? report : Effect.andThen(reports, report)
      }
      return reports === Effect.void
        ? Effect.succeed(GenServer.noreply(state))
        : Effect.as(reports, GenServer.noreply(state))
    }
    children.failed(state, failure.failed, due)
    const id = failure.failed.spec.id
    kernel.deliverSystemMade(state.self, new TryAgain(failure.failed, reasonOfStartError(failure.error)))
    return Effect.as(
      Effect.logError(`supervisor ${state.self.pid}: child "${id}" failed to restart`, failure.error).pipe(
        Effect.annotateLogs({ event: "START_ERROR", child: id })
      ),
      GenServer.noreply(state)
    )
  })
}

/**
 * A message of the restart path to the supervisor itself ({@link RestartTimer}, {@link TryAgain}):
 * the restart it asks for, if its child is still being restarted; undefined for any other message.
 */
export const restartMessage = <S extends Supervising, C extends Supervised>(
  children: Children<S, C>,
  state: S,
  message: unknown
): Effect.Effect<GenServer.NoReplyResult<S>> | undefined => {
  if (message instanceof TryAgain) {
    const child = message.child as C
    return children.isRestarting(state, child)
      ? restart(children, state, child, message.reason)
      : Effect.succeed(GenServer.noreply(state))
  }
  if (message instanceof RestartTimer) {
    const child = message.child as C
    return children.isRestarting(state, child)
      ? Effect.suspend(() => restartDue(children, state, child))
      : Effect.succeed(GenServer.noreply(state))
  }
  return undefined
}

/** A message the supervisor does not know: reported (as OTP's "Supervisor received unexpected message"). */
export const unexpectedMessage = <S extends Supervising>(
  state: S,
  message: unknown
): Effect.Effect<GenServer.NoReplyResult<S>> =>
  Effect.as(
    Effect.logError(`supervisor ${state.self.pid} received an unexpected message`, message).pipe(
      Effect.annotateLogs({ event: "UNEXPECTED_MESSAGE" })
    ),
    GenServer.noreply(state)
  )

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * A request field that carries a child spec as it is: the engine validates it where it enters
 * (`ChildSpec.normalize`: `InvalidChildSpec` naming the field), so the field accepts any value; a
 * spec holds effects and never crosses a thread or a node.
 */
export const specField = <S>() => Schema.declare((_: unknown): _ is S => true, { expected: "a child spec" })

/** A child's pid: a supervisor sends its children no message of its own, hence `Pid<never, unknown>`. */
export const childPidSchema = Schema.declare((u: unknown): u is Pid.Pid<never, unknown> => Pid.isPid(u), {
  expected: "Pid"
})

/** A child's restart type (`ChildSpec.Restart`). */
export const restartSchema = Schema.Literals(["permanent", "transient", "temporary"])

/** A child's kind (`ChildSpec.ChildType`). */
export const childTypeSchema = Schema.Literals(["worker", "supervisor"])

/** What `countChildren` answers, for both supervisors. */
export const countsSchema = Schema.Struct({
  specs: Schema.Number,
  active: Schema.Number,
  supervisors: Schema.Number,
  workers: Schema.Number
})

/** `countChildren`, the same request for both supervisors. */
export class CountChildren extends Request.Class<CountChildren>()("CountChildren", {
  success: countsSchema
}) {}

// ---------------------------------------------------------------------------------------------
// Restart intensity
// ---------------------------------------------------------------------------------------------

/**
 * Validates an intensity's arguments (OTP's `supervisor_data` checks of `intensity` and `period`):
 * `maxRestarts` is an integer ≥ 0, `within` a duration > 0. Returns the window in milliseconds, or
 * the error.
 */
const validateIntensity = (maxRestarts: number, within: Duration.Input): number | InvalidIntensity => {
  if (typeof maxRestarts !== "number" || !Number.isInteger(maxRestarts) || maxRestarts < 0) {
    return new InvalidIntensity({ field: "maxRestarts", value: maxRestarts, reason: "must be an integer >= 0" })
  }
  const duration = Duration.fromInput(within)
  const windowMs = duration._tag === "Some" ? Duration.toMillis(duration.value) : Number.NaN
  if (!(windowMs > 0)) {
    return new InvalidIntensity({ field: "within", value: within, reason: "must be a duration > 0" })
  }
  return windowMs
}

interface IntensityCheckState {
  error: InvalidIntensity | undefined
  readonly windows: Array<IntensityWindow>
}

/**
 * One `intensity(maxRestarts, within)` a supervisor's schedule is made of, with its live window of
 * restart times: what the `Observer` reads to tell how much of it is used.
 */
export interface IntensityWindow {
  readonly maxRestarts: number
  readonly windowMs: number
  readonly window: RestartWindow
}

/** How many of `intensity`'s restarts are inside its window at `now`. */
export const intensityUsed = (intensity: IntensityWindow, now: number): number => {
  const { stamps, head } = intensity.window
  let used = 0
  for (let i = head; i < stamps.length; i++) if (now - stamps[i]! <= intensity.windowMs) used++
  return used
}

/**
 * Where a supervisor's start collects the first invalid intensity found while it builds its
 * intensity schedule (which may be composed of several): unset outside a supervisor's start.
 */
const IntensityCheck = Context.Reference<IntensityCheckState | undefined>("effect-otp/Supervisor/IntensityCheck", {
  defaultValue: () => undefined
})

/**
 * The restart times of an intensity window, oldest first, from `head` on; the one implementation
 * behind {@link addRestart} and {@link intensity}.
 */
interface RestartWindow {
  stamps: Array<number>
  head: number
}

/**
 * Adds a restart at `now` (OTP's `add_restart`): drops the restarts more than `windowMs` older than
 * `now` (one exactly `windowMs` old is still inside), adds `now`, and returns how many are inside.
 */
const pushRestart = (window: RestartWindow, now: number, windowMs: number): number => {
  let stamps = window.stamps
  let head = window.head
  if (stamps.length > head && now < stamps[stamps.length - 1]!) {
    // the clock went back (a test clock): keep the window's restarts in time order
    stamps = stamps.slice(head).filter((t) => now - t <= windowMs)
    head = 0
    let i = stamps.length
    while (i > 0 && stamps[i - 1]! > now) i--
    stamps.splice(i, 0, now)
  } else {
    while (head < stamps.length && now - stamps[head]! > windowMs) head++
    if (head > 64 && head * 2 > stamps.length) {
      stamps = stamps.slice(head)
      head = 0
    }
    stamps.push(now)
  }
  window.stamps = stamps
  window.head = head
  return stamps.length - head
}

/** One step of OTP's `add_restart` as a pure function (`Supervisor.addRestart`). */
export const addRestart = (
  stamps: ReadonlyArray<number>,
  now: number,
  maxRestarts: number,
  windowMs: number
): { readonly stamps: ReadonlyArray<number>; readonly exceeded: boolean } => {
  const window: RestartWindow = { stamps: [...stamps], head: 0 }
  const count = pushRestart(window, now, windowMs)
  return { stamps: window.stamps.slice(window.head), exceeded: count > maxRestarts }
}

/** "At most `maxRestarts` restarts within `within`" as a Schedule (`Supervisor.intensity`). */
export const intensity = (maxRestarts: number, within: Duration.Input): Schedule.Schedule<number, unknown> => {
  const windowMs = validateIntensity(maxRestarts, within)
  if (windowMs instanceof InvalidIntensity) {
    return Schedule.fromStep(
      Effect.flatMap(Effect.service(IntensityCheck), (check) => {
        if (check === undefined) return Effect.die(windowMs)
        check.error ??= windowMs
        return Effect.succeed((_now: number, _input: unknown) => Cause.done(0))
      })
    )
  }
  return Schedule.fromStep(
    Effect.map(Effect.service(IntensityCheck), (check) => {
      const window: RestartWindow = { stamps: [], head: 0 }
      check?.windows.push({ maxRestarts, windowMs, window })
      return (now: number, _input: unknown) => {
        const count = pushRestart(window, now, windowMs)
        if (count > maxRestarts) return Cause.done(count)
        return Effect.succeed([count, Duration.zero] as [number, Duration.Duration])
      }
    })
  )
}

/**
 * Builds the step function of a supervisor's intensity schedule, failing with the first
 * {@link InvalidIntensity} among the intensities it is made of, with the windows of those
 * intensities. Shared by both supervisors' starts.
 */
export const makeIntensityStep = (
  schedule: Schedule.Schedule<unknown, unknown>
): Effect.Effect<{ readonly step: Step; readonly windows: ReadonlyArray<IntensityWindow> }, InvalidIntensity> =>
  Effect.suspend(() => {
    const check: IntensityCheckState = { error: undefined, windows: [] }
    return Effect.flatMap(Effect.provideService(makeStep(schedule), IntensityCheck, check), (step) =>
      check.error === undefined ? Effect.succeed({ step, windows: check.windows }) : Effect.fail(check.error)
    )
  })

/** The default intensity: 3 restarts in 5 seconds (`Supervisor.defaultIntensity`). */
export const defaultIntensity: Schedule.Schedule<number, unknown> = intensity(3, "5 seconds")

// ---------------------------------------------------------------------------------------------
// What the Observer sees
// ---------------------------------------------------------------------------------------------

/** A supervisor, as the `Observer` shows it. */
export interface TreeView {
  readonly kind: "Supervisor" | "DynamicSupervisor"
  readonly strategy: "oneForOne" | "oneForAll" | "restForOne"
  readonly children: ReadonlyArray<ChildView>
  /** the children it has started again since it started */
  readonly restarts: number
  readonly intensity: ReadonlyArray<IntensityWindow>
}

const views = new WeakMap<kernel.ProcessRecord, () => TreeView>()

/** Lets the `Observer` see the supervisor run by `self`: `view` is read at each snapshot. */
export const describeTree = (self: kernel.ProcessRecord, view: () => TreeView): void => {
  views.set(self, view)
}

/** The view of the supervisor run by `record`, if it runs one. */
export const treeOf = (record: kernel.ProcessRecord): TreeView | undefined => views.get(record)?.()
