/**
 * DynamicSupervisor: a supervisor that starts with no children and starts them on demand.
 *
 * Use it for a changing population of similar processes: one session per user, one connection per
 * peer. It has a single strategy, `oneForOne`; children are identified by pid; restart types,
 * intensity and reports work as in `Supervisor` (one restart path serves both).
 *
 * ## Example
 *
 * ```ts
 * import { Effect } from "effect"
 * import { DynamicSupervisor, GenServer } from "effect-otp"
 * import { Session } from "./session.ts"
 *
 * const program = Effect.gen(function*() {
 *   const sessions = yield* DynamicSupervisor.start({ name: "sessions", maxChildren: 10_000 })
 *   const pid = yield* DynamicSupervisor.startChild(sessions, GenServer.childSpec("s", Session, "alice"))
 * })
 * ```
 *
 * ## Extra arguments
 *
 * With `extraArguments: x`, a child spec may give `start` as a function: it is called with `x`,
 * like Elixir's `:extra_arguments` prepended to every child's start arguments.
 *
 * ## Guarantees
 *
 * - `startChild` fails with `MaxChildren` when `maxChildren` children are running (default: no limit).
 * - `start` fails with `Errors.BadArgument` for an invalid option (`maxChildren` not a non-negative
 *   integer or `Infinity`, an `intensity` that is not a Schedule, a bad `name`), before anything is
 *   spawned.
 * - On shutdown, the children are stopped in parallel under one budget, as OTP: every child gets its
 *   exit signal at once; those still alive when the largest of their `shutdown` budgets has passed
 *   are killed.
 * - When the intensity is exceeded, it stops all children and exits with
 *   `Shutdown(MaxRestartIntensity)`, like `Supervisor`. An invalid `intensity` fails its start with
 *   `Supervisor.InvalidIntensity`.
 * - It never dies of what a child's start does: `startChild` fails with the start's own typed
 *   error, or with `ChildStartFailed` when the start dies (its `error` is the `Failure` exit reason
 *   with the cause) or returns no process (`ChildSpec.NotAProcess`); the other children are untouched.
 * - A start that fails with `Errors.Ignored` adds no child: `startChild` succeeds with the `Ignored`
 *   value. A restart that is ignored forgets the child.
 * - A restart that fails is retried through a message to itself (OTP's `try_again_restart`), each
 *   attempt counting toward the intensity; in between it answers requests, reports the child with
 *   `status: "restarting"` (and the pid it had), and `terminateChild(thatPid)` ends the retries.
 * - A child killed after its budget, or exiting abnormally while being stopped, is reported through
 *   the Logger (`event: "SHUTDOWN_ERROR"`, OTP's `shutdown_error`).
 * - Every request to it waits for its answer with no timeout, as OTP's and Elixir's (`infinity`):
 *   the answer may wait behind a child's start or shutdown.
 *
 * ## When not to use it
 *
 * For a fixed set of children known at start: use `Supervisor`, which also gives them ids and an order.
 *
 * ## Differences from OTP
 *
 * - `start_child` returns `{error, Reason}` for any failed start; here a start's typed error is
 *   returned as it is, and a start that crashed or returned no process gives `ChildStartFailed`
 *   (`error`: the `Failure` exit reason, or `NotAProcess`).
 * - `:ignore` (Elixir) / `{ok, undefined}` (OTP) is the `Errors.Ignored` value as `startChild`'s success.
 * - `which_children` reports a child being restarted as `restarting` without a pid; here
 *   `ChildInfo.status` is `"restarting"` and `pid` is the pid it had.
 * - Giving up exits with `Shutdown(MaxRestartIntensity { id, reason })` rather than `shutdown`.
 *
 * @since 0.1.0
 */
import { Effect, Layer, type Schedule, type Scope } from "effect"
import { dual } from "effect/Function"
import type * as ChildSpec from "./ChildSpec.ts"
import type * as Errors from "./Errors.ts"
import * as ExitReason from "./ExitReason.ts"
import * as GenServer from "./GenServer.ts"
import * as internal from "./internal/dynamicSupervisor.ts"
import { type Requests, StartChild, TerminateChild, WhichChildren } from "./internal/dynamicSupervisor.ts"
import type * as Name from "./internal/name.ts"
import * as supervision from "./internal/supervision.ts"
import * as validate from "./internal/validate.ts"
import type { Node } from "./Node.ts"
import type * as Pid from "./Pid.ts"
import type * as Process from "./Process.ts"
import type { ChildStartFailed, InvalidIntensity } from "./Supervisor.ts"
import { MaxChildren, NotAChild } from "./Errors.ts"

export {
  /**
   * `maxChildren` children are running.
   *
   * @since 0.1.0
   * @category errors
   */
  MaxChildren
}

export {
  /**
   * No running child has this pid.
   *
   * @since 0.1.0
   * @category errors
   */
  NotAChild
}

/**
 * A child spec for a dynamic supervisor: like `ChildSpec`, but `start` may be a function of the
 * supervisor's extra arguments.
 *
 * @since 0.1.0
 * @category models
 */
export interface DynamicChildSpec<X, E = unknown, R = never> extends Omit<ChildSpec.ChildSpec<E, R>, "start"> {
  readonly start: Effect.Effect<ChildSpec.Started, E, R> | ((extra: X) => Effect.Effect<ChildSpec.Started, E, R>)
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options<X = undefined> {
  /** Register it under this name: a local name, or `Registry.via(registry, key)`. */
  readonly name?: Name.Name | undefined
  /** The most children running at once. Default: no limit. */
  readonly maxChildren?: number | undefined
  /** Default `Supervisor.defaultIntensity` (3 restarts in 5 seconds). */
  readonly intensity?: Schedule.Schedule<unknown, unknown> | undefined
  /** Passed to every child spec whose `start` is a function. */
  readonly extraArguments?: X | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ChildInfo {
  /** The child's pid; while it is being restarted, the pid it had (its `status` is `"restarting"`). */
  readonly pid: Pid.Pid<never, unknown>
  /**
   * `"running"`, or `"restarting"`: being restarted (waiting for a delayed restart or for a new
   * attempt after a failed one; OTP reports its pid as `restarting`).
   */
  readonly status: "running" | "restarting"
  readonly type: ChildSpec.ChildType
  readonly restart: ChildSpec.Restart
}

declare const ExtraTypeId: unique symbol

export {
  /**
   * The request behind `startChild`; with the others below and `Supervisor.CountChildren`, what
   * a dynamic supervisor's pid accepts ({@link Requests}).
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
   * The request behind `whichChildren`.
   *
   * @since 0.2.0
   * @category children
   */
  WhichChildren,
  /**
   * The requests a dynamic supervisor handles: its protocol.
   *
   * @since 0.2.0
   * @category children
   */
  type Requests
}

/**
 * A reference to a dynamic supervisor whose extra arguments are `X`.
 *
 * @since 0.1.0
 * @category models
 */
export interface DynamicSupervisor<in X = undefined> extends GenServer.Server<Requests> {
  readonly [ExtraTypeId]?: (x: X) => void
}

/**
 * Why a dynamic supervisor did not start.
 *
 * @since 0.1.0
 * @category errors
 */
export type StartError = InvalidIntensity | GenServer.StartError

/**
 * Checks the options where they enter, before the supervisor's process is spawned: `maxChildren`
 * is a non-negative integer or `Infinity` (OTP's `non_neg_integer() | infinity`; 0 refuses every
 * child), `intensity` a Schedule, `name` a name.
 */
const checkOptions = (fn: string, options: Options<unknown> | undefined): Errors.BadArgument | undefined =>
  validate.checkObject(fn, "options", options, true) ??
  (options === undefined
    ? undefined
    : (validate.checkCount(fn, "maxChildren", options.maxChildren) ??
      validate.checkSchedule(fn, "intensity", options.intensity) ??
      validate.checkName(fn, "name", options.name)))

/**
 * Starts a dynamic supervisor, not linked to the caller.
 *
 * @since 0.1.0
 * @category start
 */
export const start = <X = undefined>(options?: Options<X>): Effect.Effect<DynamicSupervisor<X>, StartError, Node> =>
  validate.guard(checkOptions("DynamicSupervisor.start", options), () =>
    GenServer.start(internal.behaviour, (options ?? {}) as Options<unknown>, { name: options?.name, trapExit: true })
  )

/**
 * Starts a dynamic supervisor linked to the caller (as a child of another supervisor).
 *
 * @since 0.1.0
 * @category start
 */
export const startLink = <X = undefined>(
  options?: Options<X>
): Effect.Effect<DynamicSupervisor<X>, StartError, Node | Process.Self<unknown>> =>
  validate.guard(checkOptions("DynamicSupervisor.startLink", options), () =>
    GenServer.startLink(internal.behaviour, (options ?? {}) as Options<unknown>, {
      name: options?.name,
      trapExit: true
    })
  )

/**
 * A child spec for a dynamic supervisor under a supervisor.
 *
 * @since 0.1.0
 * @category start
 */
export const childSpec = <X = undefined>(
  id: string,
  options?: Options<X>
): ChildSpec.ChildSpec<StartError, Node | Process.Self<unknown>> => ({
  id,
  start: startLink(options),
  type: "supervisor"
})

/**
 * A reference to the dynamic supervisor registered as `name` (a local name, or `Registry.via(...)`).
 *
 * @since 0.1.0
 * @category start
 */
export const named = <X = undefined>(name: Name.Name): Effect.Effect<DynamicSupervisor<X>, never, Node> =>
  GenServer.named(internal.behaviour, name)

/**
 * Stops it: all children in parallel under one budget, then itself.
 *
 * @since 0.1.0
 * @category start
 */
export const stop: {
  (reason?: ExitReason.ExitReason): <X>(self: DynamicSupervisor<X>) => Effect.Effect<void, GenServer.CallError>
  <X>(supervisor: DynamicSupervisor<X>, reason?: ExitReason.ExitReason): Effect.Effect<void, GenServer.CallError>
} = dual(
  (args) => GenServer.isServer(args[0]),
  <X>(
    supervisor: DynamicSupervisor<X>,
    reason: ExitReason.ExitReason = ExitReason.shutdown
  ): Effect.Effect<void, GenServer.CallError> => GenServer.stop(supervisor, reason)
)

/**
 * Starts one in the current scope; closing the scope stops it.
 *
 * @since 0.1.0
 * @category layers
 */
export const make = <X = undefined>(
  options?: Options<X>
): Effect.Effect<DynamicSupervisor<X>, StartError, Node | Scope.Scope> =>
  Effect.acquireRelease(start(options), (supervisor) => Effect.ignore(stop(supervisor)))

/**
 * A dynamic supervisor as a Layer (register it with `name` and reach it with {@link named}).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <X = undefined>(options?: Options<X>): Layer.Layer<never, StartError, Node> =>
  Layer.effectDiscard(make(options))

/**
 * Starts a child. Its start runs inside the supervisor process, with the services the supervisor
 * was started with; so the spec may only require `Node` and `Process.Self` (provide anything else
 * to its `start` first). **Errors**: `MaxChildren`; `InvalidChildSpec`; whatever its start fails with;
 * `ChildStartFailed` when its start dies (throws) or returns no process (`NotAProcess`). The
 * supervisor and its other children are unaffected by a failed start.
 *
 * A start that fails with `Errors.Ignored` (OTP's `ignore`) is not a failure: no child is added,
 * and `startChild` succeeds with the `Ignored` value instead of a pid (Elixir's `:ignore`).
 *
 * @since 0.1.0
 * @category children
 */
export const startChild: {
  <X, E, R extends Node | Process.Self<never>>(
    spec: DynamicChildSpec<X, E, R>
  ): (
    self: DynamicSupervisor<X>
  ) => Effect.Effect<
    Pid.Pid<never, unknown> | Extract<E, Errors.Ignored>,
    Exclude<E, Errors.Ignored> | ChildStartFailed | MaxChildren | ChildSpec.InvalidChildSpec | GenServer.CallError
  >
  <X, E, R extends Node | Process.Self<never>>(
    supervisor: DynamicSupervisor<X>,
    spec: DynamicChildSpec<X, E, R>
  ): Effect.Effect<
    Pid.Pid<never, unknown> | Extract<E, Errors.Ignored>,
    Exclude<E, Errors.Ignored> | ChildStartFailed | MaxChildren | ChildSpec.InvalidChildSpec | GenServer.CallError
  >
} = dual(2, <X>(supervisor: DynamicSupervisor<X>, spec: DynamicChildSpec<X, unknown, never>) =>
  supervision.call(supervisor, new internal.StartChild({ spec }))
)

/**
 * Stops a child and forgets it. `NotAChild` if the pid is not a running child.
 *
 * @since 0.1.0
 * @category children
 */
export const terminateChild: {
  (
    pid: Pid.Pid<never, unknown>
  ): <X>(self: DynamicSupervisor<X>) => Effect.Effect<void, NotAChild | GenServer.CallError>
  <X>(
    supervisor: DynamicSupervisor<X>,
    pid: Pid.Pid<never, unknown>
  ): Effect.Effect<void, NotAChild | GenServer.CallError>
} = dual(
  2,
  <X>(
    supervisor: DynamicSupervisor<X>,
    pid: Pid.Pid<never, unknown>
  ): Effect.Effect<void, NotAChild | GenServer.CallError> =>
    supervision.call(supervisor, new internal.TerminateChild({ pid }))
)

/**
 * The running children.
 *
 * @since 0.1.0
 * @category children
 */
export const whichChildren = <X>(
  supervisor: DynamicSupervisor<X>
): Effect.Effect<ReadonlyArray<ChildInfo>, GenServer.CallError> =>
  supervision.call(supervisor, new internal.WhichChildren())

/**
 * How many children.
 *
 * @since 0.1.0
 * @category children
 */
export const countChildren = <X>(
  supervisor: DynamicSupervisor<X>
): Effect.Effect<
  { readonly specs: number; readonly active: number; readonly supervisors: number; readonly workers: number },
  GenServer.CallError
> => supervision.call(supervisor, new internal.CountChildren())
