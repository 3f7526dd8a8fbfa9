/**
 * Supervisor: a process that starts, watches and restarts other processes.
 *
 * A supervisor starts its children in order, links to them and traps exits. When a child exits, the
 * supervisor decides from the child's `restart` type and the exit reason whether to restart it, and
 * restarts it (and, depending on the strategy, its siblings) unless the restart intensity is
 * exceeded; then it gives up: it stops all its children in reverse order and exits, so that its own
 * supervisor can act. This is how OTP turns crashes into recovery.
 *
 * ## Example
 *
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { GenServer, Node, Process, Supervisor } from "effect-otp"
 * import { Counter } from "./counter.ts"
 *
 * // a plain process that ticks once a second
 * const ticker = Effect.forever(Effect.andThen(Effect.sleep("1 second"), Effect.log("tick")))
 *
 * const Tree = Supervisor.layer({
 *   strategy: "oneForOne",
 *   intensity: Supervisor.intensity(3, "5 seconds"),
 *   children: [
 *     GenServer.childSpec("counter", Counter, 0, { name: "counter" }),
 *     { id: "ticker", start: Process.spawnLink(ticker), restart: "transient", shutdown: "brutalKill" }
 *   ]
 * })
 *
 * const App = Tree.pipe(Layer.provideMerge(Node.layer()))
 * ```
 *
 * ## Strategies
 *
 * | strategy | when a child must be restarted |
 * |---|---|
 * | `"oneForOne"` (default) | only that child is restarted |
 * | `"oneForAll"` | all other children are stopped (reverse start order), then all are started again (start order) |
 * | `"restForOne"` | the children started after it are stopped (reverse order), then it and they are started again (in order) |
 *
 * Restart decisions follow OTP's table (see `ChildSpec.shouldRestart`): `permanent` always,
 * `transient` unless the reason is `Normal` or `Shutdown`, `temporary` never (and its spec is
 * removed when it exits).
 *
 * ## Restart intensity is a Schedule
 *
 * Each restart is one step of the supervisor's `intensity` schedule: when the schedule is done, the
 * supervisor gives up; the delay the schedule returns is waited before the restart (the supervisor
 * keeps serving requests meanwhile). {@link intensity} is OTP's "at most N restarts in T" as a pure
 * sliding window over `Clock`; compose it with Effect's schedules for backoff and jitter:
 *
 * ```ts
 * import { Effect, Schedule } from "effect"
 * import { Supervisor } from "effect-otp"
 *
 * Supervisor.intensity(5, "10 seconds").pipe(Schedule.addDelay(() => Effect.succeed("100 millis")))
 * Schedule.max([Supervisor.intensity(5, "10 seconds"), Schedule.exponential("10 millis")])
 * ```
 *
 * The default is `intensity(3, "5 seconds")`, Elixir's choice: OTP's default, 1 restart in 5
 * seconds, gives up on the second crash in a burst, which is harsh for applications that restart
 * workers holding network connections. The schedule's state lives as long as the supervisor: a
 * backoff schedule keeps growing across bursts (the sliding window does not).
 *
 * The window is OTP's `add_restart`: a restart exactly `within` old still counts, one a millisecond
 * older does not. `intensity(maxRestarts, within)` needs an integer `maxRestarts` ≥ 0 and a
 * `within` > 0 (a zero window would never give up); otherwise the supervisor's start fails with
 * `InvalidIntensity` naming the field and the value, before any child starts.
 *
 * When the supervisor gives up, it logs the reason and exits with
 * `Shutdown(MaxRestartIntensity { id, reason })`, naming the child whose restart was refused.
 *
 * ## Start, shutdown and guarantees
 *
 * - Children start in the order of `children`; if one fails to start, the children already started
 *   are stopped in reverse order and the supervisor's start fails with `ChildStartFailed` naming the child.
 * - A supervisor never dies of what a child's start does. A start that fails gives
 *   `ChildStartFailed { id, error }` with its typed error; one that dies (throws) gives it with the
 *   `Failure` exit reason holding the whole cause; one that returns something that is not a process
 *   gives it with `ChildSpec.NotAProcess`. The same holds for `startChild` and `restartChild`,
 *   whatever the strategy: the supervisor and its other children are untouched.
 * - A start that fails with `Errors.Ignored` (OTP's `ignore`) is not a failure: the child is
 *   recorded as stopped (pid `None`; a temporary one is forgotten), and `startChild` succeeds with
 *   the `Ignored` value.
 * - A restart that fails to start the child counts toward the intensity and is retried as OTP's
 *   `try_again_restart`: the supervisor sends itself a message, so it answers `whichChildren`,
 *   `countChildren`, `terminateChild` and the rest between attempts. Meanwhile the child is reported
 *   with `status: "restarting"`; `terminateChild` stops the retries. Each attempt restarts the group
 *   the strategy names again (`oneForAll`: all children).
 * - On shutdown, children are stopped in reverse start order, each within its `shutdown` budget:
 *   exit signal `Shutdown`, then `kill` when the budget runs out (`brutalKill`: `kill` at once).
 *   A child killed after its budget, or one that exits with another reason than `Shutdown` while it
 *   is being stopped, is reported through the Logger (an error annotated `event: "SHUTDOWN_ERROR"`,
 *   OTP's `shutdown_error`).
 * - Invalid specs fail at start with `InvalidChildSpec` naming the field; invalid flags (an unknown
 *   `strategy` or `autoShutdown`, an `intensity` that is not a Schedule, `children` that is not an
 *   array, a bad `name`) fail with `Errors.BadArgument` naming the field, before the supervisor
 *   process is spawned.
 *
 * ## A restarted child whose name is still taken: delay the restart
 *
 * A sub-supervisor is killed while its child, registered as `"db"`, traps exits and runs a slow
 * `terminate` (it flushes a buffer for a second). The parent restarts the sub-supervisor at once;
 * its new child cannot register `"db"`, still held by the old one, so the start fails
 * (`ChildStartFailed` with `AlreadyRegistered`); the parent retries at once, fails again, and burns
 * its whole intensity in milliseconds, then gives up with
 * `Shutdown(MaxRestartIntensity { id: "sub", reason: Failure(ChildStartFailed(...)) })`.
 * OTP has the same race. The remedy OTP lacks is a restart delay longer than the `terminate`:
 *
 * ```ts
 * import { Schedule } from "effect"
 * import { GenServer, Supervisor } from "effect-otp"
 * import { Counter } from "./counter.ts"
 *
 * // `Counter` stands for the server registered as "db"
 * const tree = Supervisor.start({
 *   intensity: Schedule.max([Supervisor.intensity(3, "5 seconds"), Schedule.spaced("2 seconds")]),
 *   children: [
 *     Supervisor.childSpec("sub", {
 *       children: [GenServer.childSpec("db", Counter, 0, { name: "db", trapExit: true })]
 *     })
 *   ]
 * })
 * ```
 *
 * The parent then waits 2 seconds before each restart (answering requests meanwhile, the child
 * reported as `"restarting"`); by then the old server has finished its `terminate` and freed the name.
 *
 * **Gotcha**: `kill` interrupts the child's fiber; a child stuck in an uninterruptible region (or a
 * synchronous JS loop) cannot be killed by anything in JavaScript. Keep CPU-bound work on a worker pool.
 *
 * ## Supervisors are Layers
 *
 * {@link layer} starts the tree when the Layer is built and stops it (reverse order, within the
 * budgets) when the Layer is released; {@link make} does the same in any `Scope`. Expose a child
 * GenServer to the rest of the app as a `Context.Service` built on `GenServer.named`, so its clients
 * keep working across restarts.
 *
 * ## When not to use it
 *
 * For fibers whose lifetime is one request or one scope: `Effect.forkScoped` and `FiberSet` are
 * simpler. Supervise long-lived processes that must come back after a crash.
 *
 * ## Differences from OTP
 *
 * Each maps one to one to OTP's behaviour:
 *
 * | OTP | here |
 * |---|---|
 * | `{error, {shutdown, {failed_to_start_child, Id, Reason}}}` from `start_link` | the start fails with `ChildStartFailed { id, error }` |
 * | `{error, Reason}` from `start_child` / `restart_child` | `ChildStartFailed { id, error }` (and `AlreadyPresent`, `ChildRunning`, `ChildNotFound`, `InvalidChildSpec`) |
 * | a start that crashes: `Reason` is the crash | `error` is the `Failure` exit reason with the whole cause |
 * | a start returning something else than `{ok, Pid}`: `{bad_start_spec, ...}` | `error` is `ChildSpec.NotAProcess { value }` |
 * | `ignore` → `{ok, undefined}` from `start_child` | `startChild` succeeds with the `Errors.Ignored` value; `restartChild` fails with `ChildStartFailed` holding it (it has no pid to return) |
 * | `restart_child` / `delete_child` of a restarting child: `{error, restarting}` | they act on it as on a stopped child: `restartChild` starts it now, `deleteChild` removes it; either ends the retries |
 * | `which_children`: pid, `restarting` or `undefined` | `ChildInfo.pid` (`Some` / `None`) and `ChildInfo.status` (`"running"`, `"restarting"`, `"stopped"`) |
 * | gives up: exits `shutdown`, logs `reached_max_restart_intensity` | exits `Shutdown(MaxRestartIntensity { id, reason })` and logs it |
 * | `intensity` and `period` checked by `supervisor_data` (`{error, {invalid_intensity, I}}`) | the start fails with `InvalidIntensity { field, value, reason }` |
 * | `shutdown_error` supervisor report | an error log annotated `event: "SHUTDOWN_ERROR"`, with `child`, `childPid` and `reason` |
 * | intensity 1 restart in 5 s by default, no backoff | 3 in 5 s by default; the intensity is a `Schedule`, so a delay or backoff composes with it |
 *
 * @since 0.1.0
 */
import { Cause, Context, Duration, Effect, Fiber, Layer, Option, Schedule, Schema, type Scope } from "effect"
import * as ChildSpec from "./ChildSpec.ts"
import * as Errors from "./Errors.ts"
import * as ExitReason from "./ExitReason.ts"
import * as GenServer from "./GenServer.ts"
import * as kernel from "./internal/kernel.ts"
import type * as Name from "./internal/name.ts"
import { shutdownChild } from "./internal/shutdown.ts"
import * as supervision from "./internal/supervision.ts"
import * as validate from "./internal/validate.ts"
import type { Node } from "./Node.ts"
import * as Pid from "./Pid.ts"
import type * as Process from "./Process.ts"
import * as Request from "./Request.ts"

// ---------------------------------------------------------------------------------------------
// Errors and reasons
// ---------------------------------------------------------------------------------------------

/**
 * The term of the `Shutdown` a supervisor exits with when it gives up.
 *
 * @since 0.1.0
 * @category errors
 */
export class MaxRestartIntensity extends Schema.TaggedError<MaxRestartIntensity>()("MaxRestartIntensity", {
  /** The child whose restart was refused. */
  id: Schema.String,
  /** The reason that child exited with. */
  reason: Schema.Any
}) {
  override get message(): string {
    return `reached max restart intensity restarting "${this.id}" after: ${String(this.reason)}`
  }
}

/**
 * A child failed to start.
 *
 * @since 0.1.0
 * @category errors
 */
export class ChildStartFailed extends Schema.TaggedError<ChildStartFailed>()("ChildStartFailed", {
  id: Schema.String,
  error: Schema.Any
}) {
  override get message(): string {
    return `child "${this.id}" failed to start: ${String(this.error)}`
  }
}

/**
 * No child has this id.
 *
 * @since 0.1.0
 * @category errors
 */
export class ChildNotFound extends Schema.TaggedError<ChildNotFound>()("ChildNotFound", {
  id: Schema.String
}) {
  override get message(): string {
    return `no child "${this.id}"`
  }
}

/**
 * The child is running (`restartChild`, `deleteChild` need a stopped child).
 *
 * @since 0.1.0
 * @category errors
 */
export class ChildRunning extends Schema.TaggedError<ChildRunning>()("ChildRunning", {
  id: Schema.String
}) {
  override get message(): string {
    return `child "${this.id}" is running`
  }
}

/**
 * A child with this id exists already (`startChild`).
 *
 * @since 0.1.0
 * @category errors
 */
export class AlreadyPresent extends Schema.TaggedError<AlreadyPresent>()("AlreadyPresent", {
  id: Schema.String
}) {
  override get message(): string {
    return `a child "${this.id}" exists already`
  }
}

export { InvalidChildSpec } from "./ChildSpec.ts"

// ---------------------------------------------------------------------------------------------
// Intensity
// ---------------------------------------------------------------------------------------------

/**
 * An intensity's `maxRestarts` or `within` is not valid: `field` names it, `value` is what was given.
 * A supervisor started with it fails to start with this error, before any child starts.
 *
 * @since 0.2.0
 * @category errors
 */
export class InvalidIntensity extends Schema.TaggedError<InvalidIntensity>()("InvalidIntensity", {
  field: Schema.Literals(["maxRestarts", "within"]),
  value: Schema.Any,
  reason: Schema.String
}) {
  override get message(): string {
    return `invalid restart intensity: ${this.field}: ${this.reason}, got ${String(this.value)}`
  }
}

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

/**
 * Where a supervisor's start collects the first invalid intensity found while it builds its
 * intensity schedule (which may be composed of several): unset outside a supervisor's start.
 */
const IntensityCheck = Context.Reference<{ error: InvalidIntensity | undefined } | undefined>(
  "effect-otp/Supervisor/IntensityCheck",
  { defaultValue: () => undefined }
)

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

/**
 * One step of OTP's restart intensity (`supervisor.erl`'s `add_restart`), as a pure function: the
 * restart times still inside the window after adding `now` (a restart exactly `windowMs` old is
 * inside), and whether there are now more than `maxRestarts` of them. {@link intensity} runs the
 * same code.
 *
 * @since 0.1.0
 * @category intensity
 */
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

/**
 * "At most `maxRestarts` restarts within `within`" as a Schedule: a sliding window on `Clock`, as
 * OTP's `add_restart` (a restart exactly `within` old still counts). It outputs the number of
 * restarts in the window and asks for no delay; it is done at the `maxRestarts + 1`-th restart
 * inside the window.
 *
 * **Errors**: `maxRestarts` must be an integer ≥ 0 and `within` a duration > 0 (a zero window would
 * never give up); otherwise a supervisor started with this schedule (alone or composed) fails to
 * start with {@link InvalidIntensity} naming the field, and the schedule used elsewhere dies with it.
 *
 * @since 0.1.0
 * @category intensity
 */
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
    Effect.sync(() => {
      const window: RestartWindow = { stamps: [], head: 0 }
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
 * {@link InvalidIntensity} among the intensities it is made of. Shared by both supervisors' starts.
 *
 * @internal
 */
export const makeIntensityStep = (
  schedule: Schedule.Schedule<unknown, unknown>
): Effect.Effect<supervision.Step, InvalidIntensity> =>
  Effect.suspend(() => {
    const check: { error: InvalidIntensity | undefined } = { error: undefined }
    return Effect.flatMap(Effect.provideService(supervision.makeStep(schedule), IntensityCheck, check), (step) =>
      check.error === undefined ? Effect.succeed(step) : Effect.fail(check.error)
    )
  })

/**
 * The default intensity: 3 restarts in 5 seconds (Elixir's default; OTP's is 1 in 5).
 *
 * @since 0.1.0
 * @category intensity
 */
export const defaultIntensity: Schedule.Schedule<number, unknown> = intensity(3, "5 seconds")

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category models
 */
export type Strategy = "oneForOne" | "oneForAll" | "restForOne"

/**
 * @since 0.1.0
 * @category models
 */
export type AutoShutdown = "never" | "anySignificant" | "allSignificant"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options<Children extends ReadonlyArray<ChildSpec.Any> = ReadonlyArray<ChildSpec.Any>> {
  readonly children: Children
  /** Default `"oneForOne"`. */
  readonly strategy?: Strategy | undefined
  /** Default {@link defaultIntensity}: 3 restarts in 5 seconds. */
  readonly intensity?: Schedule.Schedule<unknown, unknown> | undefined
  /** Register the supervisor under this name: a local name, or `Registry.via(registry, key)`. */
  readonly name?: Name.Name | undefined
  /**
   * Stop the supervisor when significant children exit (OTP's `auto_shutdown`). Default `"never"`.
   */
  readonly autoShutdown?: AutoShutdown | undefined
}

/**
 * The services the children's starts need, besides what a supervisor provides.
 *
 * @since 0.1.0
 * @category type-level
 */
export type ChildrenContext<Children extends ReadonlyArray<ChildSpec.Any>> = Exclude<
  ContextOf<Children[number]>,
  Process.Self<unknown> | Node
>

/** @internal */
export type ContextOf<C> = C extends ChildSpec.ChildSpec<any, infer R> ? R : never

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category models
 */
export interface ChildInfo {
  readonly id: string
  /** The child's pid, or `None` when it is not running (see {@link ChildInfo.status}). */
  readonly pid: Option.Option<Pid.Pid<never, unknown>>
  /**
   * Whether it runs: `"running"` (its `pid` is `Some`), `"restarting"` (being restarted: waiting for
   * a delayed restart or for a new attempt after a failed one; OTP's `restarting`) or `"stopped"`
   * (terminated, ignored at its start, or exited without a restart; OTP's `undefined`).
   */
  readonly status: ChildStatus
  readonly type: ChildSpec.ChildType
  readonly restart: ChildSpec.Restart
}

/**
 * Whether a child runs, as `whichChildren` reports it (OTP reports a pid, `restarting` or
 * `undefined`).
 *
 * @since 0.2.0
 * @category models
 */
export type ChildStatus = "running" | "restarting" | "stopped"

/**
 * @since 0.1.0
 * @category models
 */
export interface Counts {
  readonly specs: number
  readonly active: number
  readonly supervisors: number
  readonly workers: number
}

class StartChild extends Request.Class<StartChild>()("StartChild", {
  fields: { spec: Schema.Any },
  success: Schema.Any,
  failure: Schema.Any
}) {}
class TerminateChild extends Request.Class<TerminateChild>()("TerminateChild", {
  fields: { id: Schema.String },
  failure: Schema.Any
}) {}
class RestartChild extends Request.Class<RestartChild>()("RestartChild", {
  fields: { id: Schema.String },
  success: Schema.Any,
  failure: Schema.Any
}) {}
class DeleteChild extends Request.Class<DeleteChild>()("DeleteChild", {
  fields: { id: Schema.String },
  failure: Schema.Any
}) {}
class WhichChildren extends Request.Class<WhichChildren>()("WhichChildren", { success: Schema.Any }) {}
class CountChildren extends Request.Class<CountChildren>()("CountChildren", { success: Schema.Any }) {}

// A request without fields is the same value at every call: made once, as constructing a Schema
// class (which validates) costs about as much as the rest of the request's way to the server.
const whichChildrenRequest = new WhichChildren()
const countChildrenRequest = new CountChildren()

type CallOut = Effect.Effect<GenServer.CallResult<any, any, State>>

type Requests = StartChild | TerminateChild | RestartChild | DeleteChild | WhichChildren | CountChildren

/**
 * A reference to a supervisor.
 *
 * @since 0.1.0
 * @category models
 */
export type Supervisor = GenServer.Server<Requests>

// ---------------------------------------------------------------------------------------------
// The supervisor process
// ---------------------------------------------------------------------------------------------

interface Child {
  readonly spec: ChildSpec.Normalized
  pid: Pid.Pid<never, unknown> | undefined
}

/** A delayed restart is due (the intensity was stepped when it was scheduled). */
class RestartTimer {
  readonly id: string
  constructor(id: string) {
    this.id = id
  }
}

/**
 * A restart failed to start the child: try again, stepping the intensity first (OTP's
 * `try_again_restart`, a message to itself so that requests are served between attempts).
 */
class TryAgain {
  readonly id: string
  readonly reason: ExitReason.ExitReason
  constructor(id: string, reason: ExitReason.ExitReason) {
    this.id = id
    this.reason = reason
  }
}

interface State {
  readonly self: kernel.ProcessRecord
  readonly strategy: Strategy
  readonly autoShutdown: AutoShutdown
  readonly step: supervision.Step
  children: Array<Child>
  /** children being restarted (waiting for a delayed restart or a new attempt), by id */
  pending: Set<string>
}

const logEvent = (event: string, message: string, fields: Record<string, unknown>) =>
  Effect.logWarning(message).pipe(Effect.annotateLogs({ event, ...fields }))

const stopChild = (state: State, child: Child): Effect.Effect<void> => {
  const pid = child.pid
  if (pid === undefined) return Effect.void
  child.pid = undefined
  return Effect.asVoid(shutdownChild(state.self, { pid, spec: child.spec }))
}

/** Stops children in reverse order. */
const stopChildren = (state: State, children: ReadonlyArray<Child>): Effect.Effect<void> =>
  Effect.forEach([...children].reverse(), (child) => stopChild(state, child), { discard: true })

/** A child that failed to start, with the error its start failed with. */
interface StartFailure {
  readonly failed: Child
  readonly error: unknown
}

/** Starts children in order; stops at the first failure and returns it. */
const startChildren = (state: State, children: ReadonlyArray<Child>): Effect.Effect<StartFailure | undefined> =>
  Effect.suspend(() => startChildrenThen(state, children, Effect.succeed))

/**
 * A child whose start was ignored (`Errors.Ignored`): not running, not being restarted; a temporary
 * one is forgotten, as OTP.
 */
const ignored = (state: State, child: Child): void => {
  child.pid = undefined
  state.pending.delete(child.spec.id)
  if (child.spec.restart === "temporary") state.children = state.children.filter((c) => c !== child)
}

/**
 * Starts children in order, built now for an effect that runs next, and goes on with `then` (the
 * first failure, or undefined when all started or were ignored). One `matchCauseEffect` per child
 * around the child's own start, linking in its success handler, and `then` called from the last
 * handler: on a restart, the supervisor runs no effect of its own besides the child's start. A start
 * that fails, dies or returns no process is a failure (see `supervision.startErrorOf`).
 */
const startChildrenThen = <A>(
  state: State,
  children: ReadonlyArray<Child>,
  then: (failure: StartFailure | undefined) => Effect.Effect<A>
): Effect.Effect<A> => {
  let i = 0
  const next = (): Effect.Effect<A> => {
    if (i >= children.length) return then(undefined)
    const child = children[i++]!
    return Effect.matchCauseEffect(child.spec.start as Effect.Effect<ChildSpec.Started, unknown>, {
      onFailure: (cause) => {
        const error = supervision.startErrorOf(cause)
        if (!Errors.isIgnored(error)) return then({ failed: child, error })
        ignored(state, child)
        return next()
      },
      onSuccess: (started) => {
        const pid = supervision.linkStarted(state.self, started)
        if (!Pid.isPid(pid)) return then({ failed: child, error: pid })
        child.pid = pid
        return next()
      }
    })
  }
  return next()
}

/**
 * A child has to be restarted: step the intensity, then restart (now or after the schedule's delay)
 * the children the strategy names. Returns a GenServer result.
 */
const restartFor = (
  state: State,
  child: Child,
  reason: ExitReason.ExitReason
): Effect.Effect<GenServer.NoReplyResult<State>> => {
  // handlers run on the supervisor's fiber, and the effect built here runs next: the intensity is
  // stepped now when its step is a plain function (as `intensity`'s), without an Effect per step
  const decision = supervision.stepIntensityNow(state.step, { id: child.spec.id, reason }, Fiber.getCurrent()!)
  return Effect.isEffect(decision)
    ? Effect.flatMap(decision, (decided) => restartDecided(state, child, reason, decided))
    : restartDecided(state, child, reason, decision)
}

const restartDecided = (
  state: State,
  child: Child,
  reason: ExitReason.ExitReason,
  decision: supervision.Decision
): Effect.Effect<GenServer.NoReplyResult<State>> => {
  if (decision._tag === "GiveUp") {
    const term = new MaxRestartIntensity({ id: child.spec.id, reason })
    return Effect.as(
      Effect.logError(`supervisor ${state.self.pid} gives up: ${term.message}`).pipe(
        Effect.annotateLogs({ event: "SHUTDOWN", child: child.spec.id })
      ),
      GenServer.stop(ExitReason.shutdownWith(term), state)
    )
  }
  const group = restartGroup(state, child)
  for (const member of group) state.pending.add(member.spec.id)
  const others = group.filter((member) => member !== child && member.pid !== undefined)
  if (decision._tag === "Now") {
    return others.length === 0
      ? restartPendingNow(state)
      : Effect.andThen(stopChildren(state, others), restartPending(state))
  }
  const remind = Effect.as(
    supervision.remindAfter(state.self, decision.delay, new RestartTimer(child.spec.id)),
    GenServer.noreply(state)
  )
  return others.length === 0 ? remind : Effect.andThen(stopChildren(state, others), remind)
}

/** The children a restart of `child` involves, in start order. */
const restartGroup = (state: State, child: Child): ReadonlyArray<Child> => {
  switch (state.strategy) {
    case "oneForOne":
      return [child]
    case "oneForAll":
      return state.children
    case "restForOne":
      return state.children.slice(state.children.indexOf(child))
  }
}

/**
 * Starts every pending child, in start order. A failure leaves the child (and those after it in the
 * group) restarting, and the supervisor sends itself a {@link TryAgain}.
 */
const restartPending = (state: State): Effect.Effect<GenServer.NoReplyResult<State>> =>
  Effect.suspend(() => restartPendingNow(state))

/** {@link restartPending} built now, for an effect that runs next. */
const restartPendingNow = (state: State): Effect.Effect<GenServer.NoReplyResult<State>> => {
  // One pass: the pending children that are not running form the group to start, in start order;
  // temporary ones among them are not restarted by a group restart but dropped, as OTP; running
  // children are no longer pending.
  const pending = state.pending
  const group: Array<Child> = []
  let dropped = false
  for (const c of state.children) {
    if (c.pid !== undefined) pending.delete(c.spec.id)
    else if (pending.has(c.spec.id)) {
      if (c.spec.restart === "temporary") dropped = true
      else group.push(c)
    }
  }
  if (dropped) {
    state.children = state.children.filter(
      (c) => !(c.pid === undefined && c.spec.restart === "temporary" && pending.has(c.spec.id))
    )
  }
  return startChildrenThen(state, group, (failure) => {
    for (const c of group) if (c.pid !== undefined) state.pending.delete(c.spec.id)
    if (failure === undefined) {
      if (!kernel.logReaches(Fiber.getCurrent(), "Warn")) return Effect.succeed(GenServer.noreply(state))
      return Effect.as(
        logEvent("RESTART", `supervisor ${state.self.pid} restarted ${group.map((c) => c.spec.id).join(", ")}`, {
          children: group.map((c) => c.spec.id)
        }),
        GenServer.noreply(state)
      )
    }
    // as OTP, only the child that failed is restarting; the others not started are stopped until
    // its next attempt restarts the group again
    for (const c of group) if (c !== failure.failed && c.pid === undefined) state.pending.delete(c.spec.id)
    const id = failure.failed.spec.id
    kernel.deliverSystemMade(state.self, new TryAgain(id, supervision.reasonOfStartError(failure.error)))
    return Effect.as(
      Effect.logError(`supervisor ${state.self.pid}: child "${id}" failed to restart`, failure.error).pipe(
        Effect.annotateLogs({ event: "START_ERROR", child: id })
      ),
      GenServer.noreply(state)
    )
  })
}

/** OTP's `try_again_restart`: a child still being restarted is restarted again, as a new restart. */
const tryAgain = (state: State, message: TryAgain): Effect.Effect<GenServer.NoReplyResult<State>> => {
  const child = state.children.find((c) => c.spec.id === message.id)
  if (child === undefined || child.pid !== undefined || !state.pending.has(message.id)) {
    return Effect.succeed(GenServer.noreply(state))
  }
  return restartFor(state, child, message.reason)
}

const childExited = (
  state: State,
  from: Pid.Pid<never, unknown>,
  reason: ExitReason.ExitReason
): Effect.Effect<GenServer.NoReplyResult<State>> => {
  const child = state.children.find((c) => c.pid !== undefined && Pid.equals(c.pid, from))
  if (child === undefined) return Effect.succeed(GenServer.noreply(state))
  child.pid = undefined
  // handlers run on the supervisor's fiber: a report no logger would print is not built
  const report =
    ExitReason.isNormalLike(reason) || !kernel.logReaches(Fiber.getCurrent(), "Error")
      ? Effect.void
      : Effect.logError(
          `supervisor ${state.self.pid}: child "${child.spec.id}" terminated`,
          reason._tag === "Failure" ? reason.cause : String(reason)
        ).pipe(Effect.annotateLogs({ event: "CHILD_TERMINATED", child: child.spec.id, reason: reason._tag }))
  if (!ChildSpec.shouldRestart(child.spec.restart, ExitReason.isNormalLike(reason))) {
    if (child.spec.restart === "temporary") state.children = state.children.filter((c) => c !== child)
    if (child.spec.significant && autoShutdownNow(state, child)) {
      return Effect.as(report, GenServer.stop(ExitReason.shutdown, state))
    }
    return Effect.as(report, GenServer.noreply(state))
  }
  return report === Effect.void
    ? restartFor(state, child, reason)
    : Effect.andThen(
        report,
        Effect.suspend(() => restartFor(state, child, reason))
      )
}

const autoShutdownNow = (state: State, exited: Child): boolean => {
  switch (state.autoShutdown) {
    case "never":
      return false
    case "anySignificant":
      return true
    case "allSignificant":
      return state.children.every((c) => !c.spec.significant || c === exited || c.pid === undefined)
  }
}

const infoOf = (state: State, child: Child): ChildInfo => ({
  id: child.spec.id,
  pid: Option.fromUndefinedOr(child.pid),
  status: child.pid !== undefined ? "running" : state.pending.has(child.spec.id) ? "restarting" : "stopped",
  type: child.spec.type,
  restart: child.spec.restart
})

const infosOf = (state: State): Array<ChildInfo> => {
  const children = state.children
  const out = new Array<ChildInfo>(children.length)
  for (let i = 0; i < children.length; i++) out[i] = infoOf(state, children[i]!)
  return out
}

const supervisorBehaviour = GenServer.behaviour({
  protocol: [StartChild, TerminateChild, RestartChild, DeleteChild, WhichChildren, CountChildren],
  init: (options: Options) =>
    Effect.gen(function* () {
      const self = yield* kernel.currentSelf
      kernel.setTrapExit(self, true)
      const autoShutdown = options.autoShutdown ?? "never"
      const specs = ChildSpec.normalizeAll(options.children, autoShutdown)
      if (specs instanceof ChildSpec.InvalidChildSpec) return yield* Effect.fail(specs)
      const step = yield* makeIntensityStep(options.intensity ?? defaultIntensity)
      const state: State = {
        self,
        strategy: options.strategy ?? "oneForOne",
        autoShutdown,
        step,
        children: specs.map((spec) => ({ spec, pid: undefined })),
        pending: new Set()
      }
      const failure = yield* startChildren(state, state.children)
      if (failure !== undefined) {
        yield* stopChildren(
          state,
          state.children.filter((c) => c.pid !== undefined)
        )
        return yield* Effect.fail(new ChildStartFailed({ id: failure.failed.spec.id, error: failure.error }))
      }
      return GenServer.ok(state)
    }),
  handleCall: {
    StartChild: (request, state) =>
      Effect.suspend((): CallOut => {
        const spec = ChildSpec.normalize(request.spec)
        if (spec instanceof ChildSpec.InvalidChildSpec) return Effect.succeed(GenServer.replyError(spec, state))
        if (state.children.some((c) => c.spec.id === spec.id)) {
          return Effect.succeed(GenServer.replyError(new AlreadyPresent({ id: spec.id }), state))
        }
        const insignificant = ChildSpec.checkSignificant(spec, state.autoShutdown)
        if (insignificant !== undefined) return Effect.succeed(GenServer.replyError(insignificant, state))
        const child: Child = { spec, pid: undefined }
        return startChildrenThen(state, [child], (failure): CallOut => {
          if (failure !== undefined) {
            return Effect.succeed(
              GenServer.replyError(new ChildStartFailed({ id: spec.id, error: failure.error }), state)
            )
          }
          // an ignored start is kept as a stopped child (a temporary one is forgotten), as OTP
          if (child.pid !== undefined || spec.restart !== "temporary") state.children.push(child)
          return Effect.succeed(GenServer.reply(child.pid ?? new Errors.Ignored(), state))
        })
      }),
    TerminateChild: (request, state) =>
      Effect.suspend((): CallOut => {
        const child = state.children.find((c) => c.spec.id === request.id)
        if (child === undefined)
          return Effect.succeed(GenServer.replyError(new ChildNotFound({ id: request.id }), state))
        state.pending.delete(child.spec.id)
        return Effect.as(stopChild(state, child), GenServer.reply(undefined, state))
      }),
    RestartChild: (request, state) =>
      Effect.suspend((): CallOut => {
        const child = state.children.find((c) => c.spec.id === request.id)
        if (child === undefined)
          return Effect.succeed(GenServer.replyError(new ChildNotFound({ id: request.id }), state))
        if (child.pid !== undefined)
          return Effect.succeed(GenServer.replyError(new ChildRunning({ id: request.id }), state))
        return startChildrenThen(
          state,
          [child],
          (failure): CallOut =>
            Effect.succeed(
              failure !== undefined
                ? GenServer.replyError(new ChildStartFailed({ id: child.spec.id, error: failure.error }), state)
                : child.pid !== undefined
                  ? GenServer.reply(child.pid, state)
                  : GenServer.replyError(
                      new ChildStartFailed({ id: child.spec.id, error: new Errors.Ignored() }),
                      state
                    )
            )
        )
      }),
    DeleteChild: (request, state) =>
      Effect.sync(() => {
        const child = state.children.find((c) => c.spec.id === request.id)
        if (child === undefined) return GenServer.replyError(new ChildNotFound({ id: request.id }), state)
        if (child.pid !== undefined) return GenServer.replyError(new ChildRunning({ id: request.id }), state)
        state.children = state.children.filter((c) => c !== child)
        state.pending.delete(child.spec.id)
        return GenServer.reply(undefined, state)
      }),
    // handlers are called when their request is handled: an answer computed now is an `Exit`, which
    // the server loop applies without running an effect
    WhichChildren: (_, state) => Effect.succeed(GenServer.reply(infosOf(state), state)),
    CountChildren: (_, state) =>
      Effect.succeed(
        GenServer.reply(
          {
            specs: state.children.length,
            active: state.children.filter((c) => c.pid !== undefined).length,
            supervisors: state.children.filter((c) => c.spec.type === "supervisor").length,
            workers: state.children.filter((c) => c.spec.type === "worker").length
          } satisfies Counts,
          state
        )
      )
  },
  handleInfo: (message: unknown, state) => {
    if (message instanceof kernel.ExitMessage) return childExited(state, message.from, message.reason)
    if (message instanceof TryAgain) return tryAgain(state, message)
    if (message instanceof RestartTimer) {
      return state.pending.has(message.id) ? restartPending(state) : Effect.succeed(GenServer.noreply(state))
    }
    return Effect.as(
      Effect.logWarning(`supervisor ${state.self.pid} received an unexpected message`, message),
      GenServer.noreply(state)
    )
  },
  terminate: (_reason, state) =>
    stopChildren(
      state,
      state.children.filter((c) => c.pid !== undefined)
    )
})

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/**
 * Why a supervisor did not start.
 *
 * @since 0.1.0
 * @category errors
 */
export type StartError = ChildSpec.InvalidChildSpec | InvalidIntensity | ChildStartFailed | GenServer.StartError

const narrowStart = <A>(effect: Effect.Effect<A, unknown, unknown>): Effect.Effect<A, StartError, never> =>
  effect as Effect.Effect<A, StartError, never>

const strategies: ReadonlyArray<Strategy> = ["oneForOne", "oneForAll", "restForOne"]
const autoShutdowns: ReadonlyArray<AutoShutdown> = ["never", "anySignificant", "allSignificant"]

/**
 * Checks a supervisor's flags where they enter, before its process is spawned (OTP's
 * `supervisor_data` checks); the child specs are checked by the supervisor's init.
 */
const checkOptions = (fn: string, options: Options): Errors.BadArgument | undefined =>
  validate.checkObject(fn, "options", options, false) ??
  (Array.isArray(options.children)
    ? undefined
    : new Errors.BadArgument({
        function: fn,
        field: "children",
        value: options.children,
        reason: "must be an array of child specs"
      })) ??
  validate.checkOneOf(fn, "strategy", options.strategy, strategies) ??
  validate.checkOneOf(fn, "autoShutdown", options.autoShutdown, autoShutdowns) ??
  validate.checkSchedule(fn, "intensity", options.intensity) ??
  validate.checkName(fn, "name", options.name)

/**
 * Starts a supervisor (not linked to the caller) with its children.
 *
 * @since 0.1.0
 * @category start
 */
export const start = <const Children extends ReadonlyArray<ChildSpec.Any>>(
  options: Options<Children>
): Effect.Effect<Supervisor, StartError, ChildrenContext<Children> | Node> =>
  narrowStart(
    validate.guard(checkOptions("Supervisor.start", options), () =>
      GenServer.start(supervisorBehaviour, options as Options, { name: options.name, trapExit: true })
    )
  ) as never

/**
 * Starts a supervisor linked to the calling process: a child supervisor of another supervisor.
 *
 * @since 0.1.0
 * @category start
 */
export const startLink = <const Children extends ReadonlyArray<ChildSpec.Any>>(
  options: Options<Children>
): Effect.Effect<Supervisor, StartError, ChildrenContext<Children> | Node | Process.Self<unknown>> =>
  narrowStart(
    validate.guard(checkOptions("Supervisor.startLink", options), () =>
      GenServer.startLink(supervisorBehaviour, options as Options, { name: options.name, trapExit: true })
    )
  ) as never

/**
 * A child spec for a nested supervisor (type `"supervisor"`, shutdown `"infinity"`).
 *
 * @since 0.1.0
 * @category child specs
 */
export const childSpec = <const Children extends ReadonlyArray<ChildSpec.Any>>(
  id: string,
  options: Options<Children>,
  overrides?: Partial<Omit<ChildSpec.ChildSpec, "id" | "start">>
): ChildSpec.ChildSpec<StartError, ChildrenContext<Children> | Node | Process.Self<unknown>> => ({
  id,
  start: startLink(options),
  type: "supervisor",
  ...overrides
})

/**
 * Stops a supervisor: its children in reverse order, within their budgets, then itself.
 *
 * @since 0.1.0
 * @category start
 */
export const stop = (
  supervisor: Supervisor,
  reason: ExitReason.ExitReason = ExitReason.shutdown
): Effect.Effect<void, GenServer.CallError> => GenServer.stopServer(supervisor, reason)

/**
 * A reference to the supervisor registered as `name` (a local name, or `Registry.via(...)`), looked
 * up at each use.
 *
 * @since 0.1.0
 * @category start
 */
export const named = (name: Name.Name): Effect.Effect<Supervisor, never, Node> =>
  GenServer.named(supervisorBehaviour, name)

/**
 * Starts a supervisor in the current scope; closing the scope stops the tree.
 *
 * @since 0.1.0
 * @category layers
 */
export const make = <const Children extends ReadonlyArray<ChildSpec.Any>>(
  options: Options<Children>
): Effect.Effect<Supervisor, StartError, ChildrenContext<Children> | Node | Scope.Scope> =>
  Effect.acquireRelease(start(options), (supervisor) => Effect.ignore(stop(supervisor)))

/**
 * A supervision tree as a Layer: building it starts the supervisor and its children in order;
 * releasing it stops them in reverse order within their shutdown budgets.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <const Children extends ReadonlyArray<ChildSpec.Any>>(
  options: Options<Children>
): Layer.Layer<never, StartError, ChildrenContext<Children> | Node> => Layer.effectDiscard(make(options))

/**
 * Starts a child from a spec. Its start runs inside the supervisor process, with the services the
 * supervisor was started with; so the spec may only require `Node` and `Process.Self` (provide
 * anything else to its `start` first). Fails with `AlreadyPresent` if the id exists, `InvalidChildSpec` for a
 * bad spec, `ChildStartFailed` when its start fails, dies or returns no process (the supervisor
 * itself is unaffected).
 *
 * A start that fails with `Errors.Ignored` (OTP's `ignore`) is not a failure: the child is kept as
 * a stopped child (a temporary one is forgotten), and `startChild` succeeds with the `Ignored`
 * value instead of a pid (OTP's `{ok, undefined}`). Only specs whose start may fail with `Ignored`
 * have it in their success type.
 *
 * @since 0.1.0
 * @category children
 */
export const startChild = <E, R extends Node | Process.Self<never>>(
  supervisor: Supervisor,
  spec: ChildSpec.ChildSpec<E, R>
): Effect.Effect<
  Pid.Pid<never, unknown> | Extract<E, Errors.Ignored>,
  AlreadyPresent | ChildSpec.InvalidChildSpec | ChildStartFailed | GenServer.CallError
> => GenServer.call(supervisor, new StartChild({ spec }), { timeout: "infinity" })

/**
 * Stops a child (its spec stays, for `restartChild` or `deleteChild`). `ChildNotFound` if no such id.
 *
 * @since 0.1.0
 * @category children
 */
export const terminateChild = (
  supervisor: Supervisor,
  id: string
): Effect.Effect<void, ChildNotFound | GenServer.CallError> =>
  GenServer.call(supervisor, new TerminateChild({ id }), { timeout: "infinity" })

/**
 * Starts a stopped child again from its spec. `ChildRunning` if it runs, `ChildNotFound` if no such id,
 * `ChildStartFailed` when its start fails (an ignored start gives `ChildStartFailed` with the
 * `Errors.Ignored` error: no pid to return; the child stays stopped).
 *
 * @since 0.1.0
 * @category children
 */
export const restartChild = (
  supervisor: Supervisor,
  id: string
): Effect.Effect<Pid.Pid<never, unknown>, ChildNotFound | ChildRunning | ChildStartFailed | GenServer.CallError> =>
  GenServer.call(supervisor, new RestartChild({ id }), { timeout: "infinity" })

/**
 * Removes a stopped child's spec. `ChildRunning` if it runs, `ChildNotFound` if no such id.
 *
 * @since 0.1.0
 * @category children
 */
export const deleteChild = (
  supervisor: Supervisor,
  id: string
): Effect.Effect<void, ChildNotFound | ChildRunning | GenServer.CallError> =>
  GenServer.call(supervisor, new DeleteChild({ id }))

/**
 * The children, in start order.
 *
 * @since 0.1.0
 * @category children
 */
export const whichChildren = (supervisor: Supervisor): Effect.Effect<ReadonlyArray<ChildInfo>, GenServer.CallError> =>
  GenServer.call(supervisor, whichChildrenRequest) as Effect.Effect<ReadonlyArray<ChildInfo>, GenServer.CallError>

/**
 * How many children: specs, running, supervisors, workers.
 *
 * @since 0.1.0
 * @category children
 */
export const countChildren = (supervisor: Supervisor): Effect.Effect<Counts, GenServer.CallError> =>
  GenServer.call(supervisor, countChildrenRequest) as Effect.Effect<Counts, GenServer.CallError>
