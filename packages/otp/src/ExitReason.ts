/**
 * Why a process exited.
 *
 * Exit reasons follow Erlang/OTP: `Normal` (the body finished), `Shutdown` (an orderly stop, with an
 * optional term, like `{shutdown, Term}`), `Killed` (the process was killed with the untrappable
 * `kill` signal), `NoProc` (a link or monitor named a process that did not exist), `NoConnection`
 * (the node of a linked or monitored process was lost), and `Failure` (the body failed or died; it
 * carries the Effect `Cause`, so typed failures and defects keep all their detail).
 *
 * How a reason travels:
 * - a body that succeeds exits `Normal`; one that fails or dies exits `Failure(cause)`;
 * - a process stopped by an exit signal exits with the signal's reason, and the `kill` signal gives
 *   `Killed`, which then reaches linked processes as an ordinary, trappable `Killed`;
 * - {@link isNormalLike} (`Normal`, `Shutdown`) drives `transient` restarts and crash logging, as
 *   OTP's supervisor does with `normal`, `shutdown` and `{shutdown, _}`.
 *
 * **Gotcha**: link propagation follows OTP, not `isNormalLike`: only `Normal` is ignored by a linked
 * process that does not trap exits. A `Shutdown` takes linked processes down with it, which is how a
 * supervisor's shutdown reaches the helpers its children linked to.
 *
 * @since 0.1.0
 */
import { Cause, Data, Option } from "effect"

/**
 * The body finished.
 *
 * @since 0.1.0
 * @category models
 */
export class Normal extends Data.TaggedClass("Normal")<{}> {
  override toString(): string {
    return "normal"
  }
}

/**
 * An orderly stop, optionally with a term (OTP's `shutdown` / `{shutdown, Term}`).
 *
 * @since 0.1.0
 * @category models
 */
export class Shutdown extends Data.TaggedClass("Shutdown")<{ readonly term: Option.Option<unknown> }> {
  override toString(): string {
    return Option.isSome(this.term) ? `{shutdown, ${String(this.term.value)}}` : "shutdown"
  }
}

/**
 * The process was killed by the untrappable `kill` signal.
 *
 * @since 0.1.0
 * @category models
 */
export class Killed extends Data.TaggedClass("Killed")<{}> {
  override toString(): string {
    return "killed"
  }
}

/**
 * The process named by a link or monitor did not exist.
 *
 * Not `Errors.NoProc`: both are OTP's `noproc`, this one as an exit reason (in `Exit` and `Down`
 * messages, `Process.awaitExit`), that one as the typed error of an operation that addressed a
 * process that is not alive (a call, `Process.register`, `Sys`).
 *
 * @since 0.1.0
 * @category models
 */
export class NoProc extends Data.TaggedClass("NoProc")<{}> {
  override toString(): string {
    return "noproc"
  }
}

/**
 * The connection to the process's node was lost.
 *
 * @since 0.1.0
 * @category models
 */
export class NoConnection extends Data.TaggedClass("NoConnection")<{}> {
  override toString(): string {
    return "noconnection"
  }
}

/**
 * The body failed or died; `cause` says how.
 *
 * @since 0.1.0
 * @category models
 */
export class Failure extends Data.TaggedClass("Failure")<{ readonly cause: Cause.Cause<unknown> }> {
  override toString(): string {
    return Cause.pretty(this.cause)
  }
}

/**
 * Why a process exited.
 *
 * @since 0.1.0
 * @category models
 */
export type ExitReason = Normal | Shutdown | Killed | NoProc | NoConnection | Failure

/**
 * @since 0.1.0
 * @category constructors
 */
export const normal: ExitReason = new Normal()

/**
 * @since 0.1.0
 * @category constructors
 */
export const shutdown: ExitReason = new Shutdown({ term: Option.none() })

/**
 * `Shutdown` with a term, like OTP's `{shutdown, Term}`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const shutdownWith = (term: unknown): ExitReason => new Shutdown({ term: Option.some(term) })

/**
 * @since 0.1.0
 * @category constructors
 */
export const killed: ExitReason = new Killed()

/**
 * @since 0.1.0
 * @category constructors
 */
export const noProc: ExitReason = new NoProc()

/**
 * @since 0.1.0
 * @category constructors
 */
export const noConnection: ExitReason = new NoConnection()

/**
 * A `Failure` from a cause.
 *
 * @since 0.1.0
 * @category constructors
 */
export const failureCause = (cause: Cause.Cause<unknown>): ExitReason => new Failure({ cause })

/**
 * A `Failure` whose cause is the typed failure `error` (`Cause.fail(error)`), the reason a process
 * gets from `Process.exit(ExitReason.failure("boom"))`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const failure = (error: unknown): ExitReason => new Failure({ cause: Cause.fail(error) })

/**
 * Tells whether a value is an exit reason.
 *
 * @since 0.1.0
 * @category guards
 */
export const isExitReason = (u: unknown): u is ExitReason =>
  u instanceof Normal ||
  u instanceof Shutdown ||
  u instanceof Killed ||
  u instanceof NoProc ||
  u instanceof NoConnection ||
  u instanceof Failure

/**
 * `Normal` or `Shutdown`: the reasons that mean "stopped on purpose". A `transient` child is not
 * restarted for them and no crash is reported, as OTP does for `normal`, `shutdown` and
 * `{shutdown, _}`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isNormalLike = (reason: ExitReason): boolean => reason._tag === "Normal" || reason._tag === "Shutdown"

/**
 * @since 0.1.0
 * @category guards
 */
export const isNormal = (reason: ExitReason): reason is Normal => reason._tag === "Normal"

/**
 * The reason for an Effect `Cause` that ended a process body: interruption alone means the process
 * was stopped from outside the process model (for example by closing a Scope), which is `Shutdown`;
 * any failure or defect is `Failure` with the cause.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromCause = (cause: Cause.Cause<unknown>): ExitReason =>
  Cause.hasInterruptsOnly(cause) ? shutdown : failureCause(cause)
