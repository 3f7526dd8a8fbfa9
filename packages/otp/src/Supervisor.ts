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
 * Each step's input is `{ id, reason }`: the child being restarted and the reason it exited with
 * (for a retry after a failed restart, the `Failure` of that start).
 *
 * When the supervisor gives up, it logs the reason and exits with
 * `Shutdown(MaxRestartIntensity { id, reason })`, naming the child whose restart was refused.
 *
 * ## Reports
 *
 * The supervisor logs OTP's supervisor reports through the Logger, annotated with `event`; a
 * DynamicSupervisor logs the same lines:
 *
 * | `event` | level | when | message |
 * |---|---|---|---|
 * | `CHILD_TERMINATED` | Error | a child exited, unless normal-like and not permanent (OTP's `child_terminated`) | `supervisor <sup>: child "<id>" <pid> terminated` (a `Failure`'s cause is the log's cause; other reasons follow the text); annotated `child`, `childPid`, `reason` (its tag) |
 * | `RESTART` | Warn | a child was restarted (one line per child) | `supervisor <sup> restarted child "<id>" as <pid>`; annotated `supervisor`, `child`, `oldPid`, `newPid`, `reason` (see `Process`'s lifecycle events) |
 * | `START_ERROR` | Error | a restart failed to start its child (OTP's `start_error`) | `supervisor <sup>: child "<id>" failed to restart`, then the start's error; annotated `child` |
 * | `GIVE_UP` | Error | it gives up (OTP's `reached_max_restart_intensity`) | `supervisor <sup> gives up: <MaxRestartIntensity's message>`; annotated `supervisor`, `child`, `reason` |
 * | `SHUTDOWN_ERROR` | Error | a child did not stop cleanly (see below) | |
 * | `UNEXPECTED_MESSAGE` | Error | it received a message it does not know | `supervisor <sup> received an unexpected message`, then the message |
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
 * - Every request to a supervisor (`startChild`, `whichChildren`, `countChildren`, ...) waits for
 *   its answer with no timeout, as OTP's and Elixir's (`infinity`): the answer may wait behind a
 *   child's start or shutdown. It fails with `Errors.NoProc` or `ServerExited` when the supervisor
 *   is not there or exits meanwhile.
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
 * | gives up: exits `shutdown`, logs `reached_max_restart_intensity` | exits `Shutdown(MaxRestartIntensity { id, reason })`, logs a `GIVE_UP` error and counts it in `effect_otp_supervisor_give_ups_total` |
 * | a progress report for each restarted child | a `RESTART` warning per restarted child (old and new pid, reason), counted in `effect_otp_supervisor_restarts_total` (see the `Process` module's lifecycle events) |
 * | `intensity` and `period` checked by `supervisor_data` (`{error, {invalid_intensity, I}}`) | the start fails with `InvalidIntensity { field, value, reason }` |
 * | `shutdown_error` supervisor report | an error log annotated `event: "SHUTDOWN_ERROR"`, with `child`, `childPid` and `reason` |
 * | intensity 1 restart in 5 s by default, no backoff | 3 in 5 s by default; the intensity is a `Schedule`, so a delay or backoff composes with it |
 *
 * @since 0.1.0
 */
import { type Duration, Effect, Layer, type Option, type Schedule, type Scope } from "effect"
import type * as ChildSpec from "./ChildSpec.ts"
import { dual } from "effect/Function"
import * as Errors from "./Errors.ts"
import * as ExitReason from "./ExitReason.ts"
import * as GenServer from "./GenServer.ts"
import type * as Name from "./internal/name.ts"
import * as internal from "./internal/supervisor.ts"
import {
  CountChildren,
  DeleteChild,
  type Requests,
  RestartChild,
  StartChild,
  TerminateChild,
  WhichChildren
} from "./internal/supervisor.ts"
import * as supervision from "./internal/supervision.ts"
import * as validate from "./internal/validate.ts"
import type { Node } from "./Node.ts"
import type * as Pid from "./Pid.ts"
import type * as Process from "./Process.ts"
import {
  MaxRestartIntensity,
  ChildStartFailed,
  ChildNotFound,
  ChildRunning,
  AlreadyPresent,
  InvalidIntensity
} from "./Errors.ts"

// ---------------------------------------------------------------------------------------------
// Errors and reasons
// ---------------------------------------------------------------------------------------------

export {
  /**
   * The term of the `Shutdown` a supervisor exits with when it gives up.
   *
   * @since 0.1.0
   * @category errors
   */
  MaxRestartIntensity
}

export {
  /**
   * A child failed to start.
   *
   * @since 0.1.0
   * @category errors
   */
  ChildStartFailed
}

export {
  /**
   * No child has this id.
   *
   * @since 0.1.0
   * @category errors
   */
  ChildNotFound
}

export {
  /**
   * The child is running (`restartChild`, `deleteChild` need a stopped child).
   *
   * @since 0.1.0
   * @category errors
   */
  ChildRunning
}

export {
  /**
   * A child with this id exists already (`startChild`).
   *
   * @since 0.1.0
   * @category errors
   */
  AlreadyPresent
}

export { InvalidChildSpec } from "./ChildSpec.ts"

// ---------------------------------------------------------------------------------------------
// Intensity
// ---------------------------------------------------------------------------------------------

export {
  /**
   * An intensity's `maxRestarts` or `within` is not valid: `field` names it, `value` is what was given.
   * A supervisor started with it fails to start with this error, before any child starts.
   *
   * @since 0.2.0
   * @category errors
   */
  InvalidIntensity
}

/**
 * One step of OTP's restart intensity (`supervisor.erl`'s `add_restart`), as a pure function: the
 * restart times still inside the window after adding `now` (a restart exactly `windowMs` old is
 * inside), and whether there are now more than `maxRestarts` of them. {@link intensity} runs the
 * same code.
 *
 * @since 0.1.0
 * @category supervision
 */
export const addRestart: (
  stamps: ReadonlyArray<number>,
  now: number,
  maxRestarts: number,
  windowMs: number
) => { readonly stamps: ReadonlyArray<number>; readonly exceeded: boolean } = supervision.addRestart

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
 * @category supervision
 */
export const intensity: (maxRestarts: number, within: Duration.Input) => Schedule.Schedule<number, unknown> =
  supervision.intensity

/**
 * The default intensity: 3 restarts in 5 seconds (Elixir's default; OTP's is 1 in 5).
 *
 * @since 0.1.0
 * @category supervision
 */
export const defaultIntensity: Schedule.Schedule<number, unknown> = supervision.defaultIntensity

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

export {
  /**
   * The request behind `startChild`; with the other requests below, what a supervisor's pid
   * accepts ({@link Requests}).
   *
   * @since 0.2.0
   * @category children
   */
  StartChild,
  /**
   * The request behind `terminateChild`.
   *
   * @since 0.2.0
   * @category children
   */
  TerminateChild,
  /**
   * The request behind `restartChild`.
   *
   * @since 0.2.0
   * @category children
   */
  RestartChild,
  /**
   * The request behind `deleteChild`.
   *
   * @since 0.2.0
   * @category children
   */
  DeleteChild,
  /**
   * The request behind `whichChildren`.
   *
   * @since 0.2.0
   * @category children
   */
  WhichChildren,
  /**
   * The request behind `countChildren`, the same for both supervisors.
   *
   * @since 0.2.0
   * @category children
   */
  CountChildren,
  /**
   * The requests a supervisor handles: its protocol.
   *
   * @since 0.2.0
   * @category children
   */
  type Requests
}

/**
 * A reference to a supervisor.
 *
 * @since 0.1.0
 * @category models
 */
export type Supervisor = GenServer.Server<Requests>

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
      GenServer.start(internal.supervisorBehaviour, options as Options, { name: options.name, trapExit: true })
    )
  )

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
      GenServer.startLink(internal.supervisorBehaviour, options as Options, { name: options.name, trapExit: true })
    )
  )

/**
 * A child spec for a nested supervisor (type `"supervisor"`, shutdown `"infinity"`).
 *
 * @since 0.1.0
 * @category supervision
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
export const stop: {
  (reason?: ExitReason.ExitReason): (self: Supervisor) => Effect.Effect<void, GenServer.CallError>
  (supervisor: Supervisor, reason?: ExitReason.ExitReason): Effect.Effect<void, GenServer.CallError>
} = dual(
  (args) => GenServer.isServer(args[0]),
  (
    supervisor: Supervisor,
    reason: ExitReason.ExitReason = ExitReason.shutdown
  ): Effect.Effect<void, GenServer.CallError> => GenServer.stop(supervisor, reason)
)

/**
 * A reference to the supervisor registered as `name` (a local name, or `Registry.via(...)`), looked
 * up at each use.
 *
 * @since 0.1.0
 * @category start
 */
export const named = (name: Name.Name): Effect.Effect<Supervisor, never, Node> =>
  GenServer.named(internal.supervisorBehaviour, name)

/**
 * A reference to the supervisor of `pid` (one that `Supervisor.start` started, or one of a tree's
 * children that is a supervisor: `whichChildren` gives its pid).
 *
 * **Details**: nothing is checked: a call through a reference to a process that is not a
 * supervisor fails as a call to any other server does (the process crashes on a request it does not
 * serve, or `NoProc` once it is gone).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Supervisor } from "effect-otp"
 *
 * // the running children of a nested supervisor
 * const nested = (parent: Supervisor.Supervisor, id: string) =>
 *   Effect.gen(function* () {
 *     const children = yield* Supervisor.whichChildren(parent)
 *     const child = children.find((info) => info.id === id && info.pid._tag === "Some")
 *     return child?.pid._tag === "Some" ? yield* Supervisor.whichChildren(Supervisor.fromPid(child.pid.value)) : []
 *   })
 * ```
 *
 * @since 0.2.0
 * @category references
 */
export const fromPid = (pid: Pid.Pid<never, unknown>): Supervisor => GenServer.fromPid(pid)

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
export const startChild: {
  <E, R extends Node | Process.Self<never>>(
    spec: ChildSpec.ChildSpec<E, R>
  ): (
    self: Supervisor
  ) => Effect.Effect<
    Pid.Pid<never, unknown> | Extract<E, Errors.Ignored>,
    AlreadyPresent | ChildSpec.InvalidChildSpec | ChildStartFailed | GenServer.CallError
  >
  <E, R extends Node | Process.Self<never>>(
    supervisor: Supervisor,
    spec: ChildSpec.ChildSpec<E, R>
  ): Effect.Effect<
    Pid.Pid<never, unknown> | Extract<E, Errors.Ignored>,
    AlreadyPresent | ChildSpec.InvalidChildSpec | ChildStartFailed | GenServer.CallError
  >
} = dual(2, (supervisor: Supervisor, spec: ChildSpec.Any) =>
  supervision.call(supervisor, new internal.StartChild({ spec }))
)

/**
 * Stops a child (its spec stays, for `restartChild` or `deleteChild`). `ChildNotFound` if no such id.
 *
 * @since 0.1.0
 * @category children
 */
export const terminateChild: {
  (id: string): (self: Supervisor) => Effect.Effect<void, ChildNotFound | GenServer.CallError>
  (supervisor: Supervisor, id: string): Effect.Effect<void, ChildNotFound | GenServer.CallError>
} = dual(
  2,
  (supervisor: Supervisor, id: string): Effect.Effect<void, ChildNotFound | GenServer.CallError> =>
    supervision.call(supervisor, new internal.TerminateChild({ id }))
)

/**
 * Starts a stopped child again from its spec. `ChildRunning` if it runs, `ChildNotFound` if no such id,
 * `ChildStartFailed` when its start fails (an ignored start gives `ChildStartFailed` with the
 * `Errors.Ignored` error: no pid to return; the child stays stopped).
 *
 * @since 0.1.0
 * @category children
 */
export const restartChild: {
  (
    id: string
  ): (
    self: Supervisor
  ) => Effect.Effect<Pid.Pid<never, unknown>, ChildNotFound | ChildRunning | ChildStartFailed | GenServer.CallError>
  (
    supervisor: Supervisor,
    id: string
  ): Effect.Effect<Pid.Pid<never, unknown>, ChildNotFound | ChildRunning | ChildStartFailed | GenServer.CallError>
} = dual(
  2,
  (
    supervisor: Supervisor,
    id: string
  ): Effect.Effect<Pid.Pid<never, unknown>, ChildNotFound | ChildRunning | ChildStartFailed | GenServer.CallError> =>
    supervision.call(supervisor, new internal.RestartChild({ id }))
)

/**
 * Removes a stopped child's spec. `ChildRunning` if it runs, `ChildNotFound` if no such id.
 *
 * @since 0.1.0
 * @category children
 */
export const deleteChild: {
  (id: string): (self: Supervisor) => Effect.Effect<void, ChildNotFound | ChildRunning | GenServer.CallError>
  (supervisor: Supervisor, id: string): Effect.Effect<void, ChildNotFound | ChildRunning | GenServer.CallError>
} = dual(
  2,
  (supervisor: Supervisor, id: string): Effect.Effect<void, ChildNotFound | ChildRunning | GenServer.CallError> =>
    supervision.call(supervisor, new internal.DeleteChild({ id }))
)

/**
 * The children, in start order.
 *
 * @since 0.1.0
 * @category children
 */
export const whichChildren = (supervisor: Supervisor): Effect.Effect<ReadonlyArray<ChildInfo>, GenServer.CallError> =>
  supervision.call(supervisor, internal.whichChildrenRequest)

/**
 * How many children: specs, running, supervisors, workers.
 *
 * @since 0.1.0
 * @category children
 */
export const countChildren = (supervisor: Supervisor): Effect.Effect<Counts, GenServer.CallError> =>
  supervision.call(supervisor, internal.countChildrenRequest)
