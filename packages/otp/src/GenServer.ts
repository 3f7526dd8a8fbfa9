/**
 * GenServer: a process that holds state and serves typed requests.
 *
 * A GenServer is a process whose loop is written for you: it takes a message, hands it to your
 * callback with the current state, and carries on with the state your callback returns. Calls are
 * typed end to end: a request is a `Request.Class` that declares its reply and errors, so
 * `GenServer.call(server, request)` returns `Effect<Reply, DeclaredError | CallError>`, and calling a
 * server with a request it does not declare does not compile.
 *
 * ## Example
 *
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { GenServer, Node, Request } from "effect-otp"
 *
 * class Increment extends Request.Class<Increment>()("Increment", {
 *   fields: { by: Schema.Number },
 *   success: Schema.Number
 * }) {}
 * class Get extends Request.Class<Get>()("Get", { success: Schema.Number }) {}
 *
 * const Counter = GenServer.behaviour({
 *   protocol: [Increment, Get],
 *   init: (start: number) => Effect.succeed(GenServer.ok(start)),
 *   handleCall: {
 *     Increment: (request, count) => Effect.succeed(GenServer.reply(count + request.by, count + request.by)),
 *     Get: (_, count) => Effect.succeed(GenServer.reply(count, count))
 *   },
 *   handleCast: (message: "reset", _count) => Effect.succeed(GenServer.noreply(0))
 * })
 *
 * const program = Effect.gen(function*() {
 *   const counter = yield* GenServer.start(Counter, 0, { name: "counter" })
 *   yield* GenServer.call(counter, new Increment({ by: 2 })) // 2: number
 *   yield* GenServer.cast(counter, "reset")
 *   return yield* GenServer.call(counter, new Get())         // 0
 * })
 *
 * Effect.runPromise(program.pipe(Effect.provide(Node.layer())))
 * ```
 *
 * ## Client / server API
 *
 * The client functions ({@link call}, {@link cast}, {@link stop}, {@link getState}) run in the
 * caller; the callbacks run in the server process, one message at a time:
 *
 * | callback | gets | returns |
 * |---|---|---|
 * | `init(args)` | the start argument | `ok(state)` or `ok(state, { continue })`; or fails: with {@link ignore}, or with an error `start` then fails with (see "Starting") |
 * | `handleCall.Tag(request, state, from)` | one handler per request tag | `reply(value, state)`, `replyError(error, state)`, `noreply(state)` (reply later with {@link replyTo}), `stopWith(reason, state, { reply })` |
 * | `handleCast(message, state)` | a cast | `noreply(state)` or `stopWith(reason, state)` |
 * | `handleInfo(message, state)` | any other message, e.g. from {@link send} or `Process.send` (default: logged at warning and dropped) | `noreply(state)` or `stopWith(reason, state)` |
 * | `handleContinue(arg, state)` | the `continue` of the previous result, before the next message | `noreply(state)` or `stopWith(reason, state)` |
 * | `terminate(reason, state)` | why the server stops | nothing; runs on `stop`, on a callback crash, and on a shutdown by its parent when trapping exits; if it crashes, the server exits with that crash instead |
 * | `codeChange(oldVersion, state, extra)` | when `Sys.changeCode` or a `Release` upgrade installs this version in a running server: the version it ran, its state | the migrated state (checked against `state`, the behaviour's state Schema, when declared); a failure keeps the old version running |
 *
 * Beside the callbacks, a behaviour may declare its `name` (what upgrades match running servers by:
 * give every version the same), its `version` (default `"1"`, shown by `Sys.getStatus`) and its
 * `state` Schema. See "Upgrading a running system" in `Release`. For messages from other nodes it
 * may declare the Schema of its casts (`casts`) and of its other messages (`infos`): such a message
 * is decoded with it before the handler sees it, and one that does not decode reaches no handler
 * (see {@link remote}). Local casts and messages are not decoded; without these Schemas a message
 * from another node arrives as the Erlang term it came as.
 *
 * Handler results are tagged values, not tuples: a bad return is a compile error, not OTP's
 * `bad_return_value` at run time.
 *
 * A call handler that **fails** with an error its request declares (its `failure` Schema) answers
 * the call with that error and the server carries on with the state it had: `Effect.fail(e)` is
 * `replyError(e, state)`. Any other failure, or a defect, is the server's crash: `terminate` runs
 * with it, the caller gets `ServerExited` with the `Failure` reason, and so do links and monitors.
 *
 * Each handler may require its own services (an app service, `Registry.register`): {@link behaviour}
 * adds the requirements of every handler to those of `init`, and `start` requires them all.
 *
 * The client functions take the server first or last, as Effect's own functions do: a server
 * reference is `Pipeable`, so `server.pipe(GenServer.call(new Add({ n: 1 })))` is
 * `GenServer.call(server, new Add({ n: 1 }))`, with the same types. {@link isServer} tells a
 * reference (of a GenServer, a GenStatem or a supervisor) from any other value.
 *
 * ## Calls and timeouts
 *
 * - Default call timeout: 5 seconds, as OTP; override per call with `{ timeout }` (`"infinity"` waits forever).
 * - A call to a server that is not alive fails at once with `NoProc`, which names the pid or the
 *   name the reference was made with.
 * - A process that calls itself (by its pid, its local name or a `via` name it holds) fails at
 *   once with {@link CallingSelf}; so do {@link stop} and {@link getState} of itself.
 * - A server that exits during the call fails it with `ServerExited` carrying the exit reason; a
 *   request the server has no handler for crashes it, and the caller gets that crash at once.
 * - A call that times out fails with `CallTimeout`; the late reply is dropped: a reply goes to
 *   the call itself, never to the caller's mailbox. The timeout covers the call's whole life,
 *   including a wait behind a full `"suspend"` mailbox; a request still waiting to get in when
 *   the call ends is taken back, so the server never handles it.
 * - On a bounded mailbox: `MailboxFull` at once under `"fail"`; {@link CallDropped} at once when
 *   `"dropNewest"` refuses the request or `"dropOldest"` drops it for a newer message.
 * - A caller interrupted mid-call leaves the server unharmed; the reply is dropped.
 * - Calls and casts from one caller are handled in the order they were sent.
 *
 * **Gotcha**: a fiber forked inside a process (`Effect.forkChild` in a handler) runs as that
 * process: it has its pid, so its call to its own server fails with `CallingSelf`. To call the
 * server from the side, spawn a process (or a `Task`).
 *
 * ## Starting
 *
 * {@link start}, {@link startLink} and {@link startMonitor} return once `init` has finished, as
 * OTP's `proc_lib:start_link`. **A start that fails returns only once the half-started process has
 * exited**: its name (local or `via`) is free, so an immediate retry can take it; and it has not
 * signalled the caller (the link is removed before it exits), so a caller that traps exits finds no
 * `EXIT` in its mailbox and one that does not is not killed.
 *
 * | what happened | OTP's start returns | the start fails with | the process exits with |
 * |---|---|---|---|
 * | `init` fails with `E` | `{error, E}` (or `{stop, E}`) | `E` | `Failure(E)` |
 * | `init` dies: a defect, a thrown exception | `{error, Reason}` | `InitFailed` whose `reason` is the exit reason | `Failure` with the defect |
 * | `init` calls `Process.exit(reason)`, or the process is stopped or killed during `init` | `{error, Reason}` | `InitFailed({ reason })` | `reason` |
 * | `init` fails with {@link ignore} | `ignore` | `Ignored` | `Normal` (no crash report) |
 * | the name is taken | `{error, {already_started, Pid}}` | `AlreadyRegistered` with the holder's pid | `Normal` (`init` does not run) |
 * | `init` outlasts `timeout` | `{error, timeout}`, the process killed | `StartTimeout` (the process unlinked, then killed) | `Killed` |
 * | the node is closed | - | `NodeClosed`; nothing is spawned | - |
 *
 * ## How to supervise
 *
 * Use {@link childSpec} (or a `ChildSpec` with `start: GenServer.startLink(...)`) in a `Supervisor`.
 * A server that should run `terminate` when its supervisor shuts it down must trap exits (start
 * option `trapExit: true`), as in OTP; otherwise the shutdown signal stops it at once.
 *
 * ## Name registration
 *
 * Start with `{ name }` to register the server; `AlreadyRegistered` if the name is taken. The name
 * is a local name (a string) or a name kept in a registry (`Registry.via(registry, key)`). {@link named}
 * gives a typed reference that looks the name up at every call, so it follows a server that a
 * supervisor restarts under the same name.
 *
 * **Gotcha**: between a server's exit and its restart there is a window in which the name is free:
 * a call made then fails with `NoProc` (or `ServerExited`, if it was in flight when the server
 * died). A client that must ride out restarts retries once after a barrier such as a call to the
 * supervisor (`Supervisor.whichChildren`), which returns only after the supervisor has handled the
 * exit and restarted the child. The Mastery example's clients do exactly this.
 *
 * ## Differences from OTP
 *
 * - Client functions fail with typed errors instead of exiting the caller: `NoProc`,
 *   `CallTimeout`, `ServerExited` (OTP's `exit(Reason)`), and {@link CallingSelf} where OTP's
 *   `gen:call` exits with `calling_self`. `stop` of the caller itself also fails with
 *   `CallingSelf`, where OTP's `gen_server:stop` deadlocks until its timeout (infinity by default).
 * - Bounded mailboxes exist (OTP's are unbounded), hence `MailboxFull` and {@link CallDropped}.
 * - Handler results are tagged values; a request outside the protocol does not compile, and one that
 *   reaches the server anyway (untyped or decoded) crashes it, as a `handle_call` without a
 *   matching clause does.
 * - **A failed start never signals its caller.** OTP's `start_link` lets the link kill a caller
 *   that does not trap exits when `init` crashes or exits abnormally; here the link is removed
 *   before the process exits and every failure is a typed error of the start, one per OTP outcome
 *   (see "Starting"). A caller that traps exits sees what it sees in OTP: no `EXIT`.
 * - OTP's `{stop, Reason}` and `{error, Reason}` from `init` are both a typed failure of `init`;
 *   `ignore` is {@link ignore}, an effect that fails `init` with `Ignored`, so that `Ignored` is in
 *   a start's error type only when its `init` can ignore.
 * - A {@link startMonitor} that fails returns no monitor reference, so no `Down` follows (OTP's
 *   `start_monitor` delivers a `DOWN`).
 * - {@link stop} fails with `ServerExited` (the reason inside) where `gen_server:stop` exits
 *   the caller, when the server exits with another reason than the one asked.
 * - A start on a closed node fails with `NodeClosed`; an Erlang node that has stopped runs no code.
 * - A behaviour may declare the Schemas of its casts and other messages (`casts`, `infos`): a cast
 *   or message from another node that does not decode with them reaches no handler (it is logged,
 *   counted in `Node.undecodable` and dropped), where OTP hands any term to `handle_cast` /
 *   `handle_info`.
 * - OTP's `sys` from another node (`{system, From, Request}`) is served in the system lane, never by
 *   `handleInfo`, but only `get_state`, `suspend`, `resume` and `terminate`: anything else (`get_status`,
 *   `replace_state`, `trace`, ...) answers `{error, {unknown_system_msg, Request}}`, and a state
 *   without a term answers `get_state` with `{error, {callback_failed, {gen_server,
 *   system_get_state}, {error, not_a_term}}}` (see {@link remote}).
 *
 * ## When not to use it
 *
 * For code organisation, or to hold state that only one fiber uses: a `Ref` is simpler. A GenServer
 * serialises every request through one process; if callers do not need that, it is a bottleneck.
 * For CPU-bound work, use a worker pool: a handler that computes for a long time blocks every caller.
 *
 * ## Debugging
 *
 * {@link getState} reads the state (OTP's `sys:get_state`); a crash logs a report with the pid,
 * name and cause; `Process.info` shows the mailbox.
 *
 * **Tracing.** A call carries the caller's span (read from the caller's fiber): when the caller has
 * one, the handler runs in a child span of it named after the request's tag (kind `server`, with
 * the attributes `pid`, `name` when registered, and `behaviour`), so spans the handler makes, and
 * the calls it makes in turn, continue the caller's trace. A caller without a span makes no span:
 * the call costs what it did. The same holds for `GenStatem` calls (the span covers the state
 * callback and the transition), tasks (a span named `Task`) and, in `@effect-otp/platform-node`,
 * worker pool requests and threaded servers, across the thread.
 *
 * **Call latency.** Start a server with `callLatency: true` to record each call's latency in the
 * histogram `effect_otp_call_duration_ms` (see the `Node` module's metrics table); it is off by
 * default, and a server without it costs nothing for it.
 *
 * @since 0.1.0
 */
import {
  type Deferred,
  type Duration,
  Effect,
  type Exit,
  Layer,
  type LogLevel,
  Option,
  type Pipeable,
  type Schema,
  type Scope
} from "effect"
import { dual } from "effect/Function"
import type * as ChildSpecModule from "./ChildSpec.ts"
import * as Errors from "./Errors.ts"
import * as ExitReason from "./ExitReason.ts"
import type * as kernel from "./internal/kernel.ts"
import type * as Name from "./internal/name.ts"
import * as internal from "./internal/genServer.ts"
import * as server from "./internal/server.ts"
import * as validate from "./internal/validate.ts"
import type * as Mailbox from "./Mailbox.ts"
import type { Node } from "./Node.ts"
import type * as Pid from "./Pid.ts"
import * as Process from "./Process.ts"
import type * as Request from "./Request.ts"
import { CallTimeout, ServerExited, StartTimeout, InitFailed, CallingSelf, CallDropped } from "./Errors.ts"

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

export {
  /**
   * The call was not answered within its timeout. The server may still handle it; its reply is dropped.
   *
   * @since 0.1.0
   * @category errors
   */
  CallTimeout
}

export {
  /**
   * The server exited before it replied.
   *
   * @since 0.1.0
   * @category errors
   */
  ServerExited
}

export {
  /**
   * The server's start did not finish within its timeout; the server was killed.
   *
   * @since 0.1.0
   * @category errors
   */
  StartTimeout
}

export {
  /**
   * `init` ended without a result: it died (a defect, a thrown exception), it ended the process
   * (`Process.exit`), or the process was stopped or killed during init. `reason` is the process's
   * exit reason; the process has exited when the start fails with this.
   *
   * @since 0.1.0
   * @category errors
   */
  InitFailed
}

export {
  /**
   * A process called itself, by its pid or by a name it holds (a `call`, `stop` or `getState`
   * from inside the server, or from a plain process through a reference to itself). It fails at once:
   * the process would wait for a reply that only it could give. OTP exits the caller with
   * `calling_self` for a call and a `sys` request, and deadlocks on a stop.
   *
   * @example
   * ```ts
   * import { Effect } from "effect"
   * import { GenServer, Process } from "effect-otp"
   * import { Get } from "./counter.ts"
   *
   * // inside a process: a reference to itself cannot be called
   * const selfCall = Effect.gen(function*() {
   *   const self = GenServer.fromPid<Get>(yield* Process.self())
   *   return yield* GenServer.call(self, new Get()).pipe(
   *     Effect.catchTag("CallingSelf", (error) => Effect.succeed(error.message))
   *   )
   * })
   * ```
   *
   * @since 0.2.0
   * @category errors
   */
  CallingSelf
}

export {
  /**
   * A bounded mailbox's drop policy dropped the call's request: `"dropNewest"` refused it when the
   * call was made, or `"dropOldest"` dropped it later, before the server took it, to make room for a
   * newer message. The call fails at that moment, not at the end of its timeout; the server never
   * handles the request.
   *
   * @example
   * ```ts
   * import { Effect } from "effect"
   * import { GenServer, Mailbox } from "effect-otp"
   * import { Counter, Get } from "./counter.ts"
   *
   * // a server that sheds load: a call it cannot queue fails at once
   * const shedding = Effect.gen(function*() {
   *   const counter = yield* GenServer.start(Counter, 0, { mailbox: Mailbox.bounded(100, "dropNewest") })
   *   return yield* GenServer.call(counter, new Get()).pipe(
   *     Effect.catchTag("CallDropped", () => Effect.succeed(-1)) // busy: try later
   *   )
   * })
   * ```
   *
   * @since 0.2.0
   * @category errors
   */
  CallDropped
}

/**
 * The start's `init` answered {@link ignore} (OTP's `ignore`): no process runs, and nothing failed.
 * The same class as `Errors.Ignored`, which supervisors look for.
 *
 * @since 0.2.0
 * @category errors
 */
export const Ignored: typeof Errors.Ignored = Errors.Ignored

/**
 * @since 0.2.0
 * @category errors
 */
export type Ignored = Errors.Ignored

/**
 * The node is closed: a start on it fails at once, nothing is spawned. The same class as
 * `Errors.NodeClosed`.
 *
 * @since 0.2.0
 * @category errors
 */
export const NodeClosed: typeof Errors.NodeClosed = Errors.NodeClosed

/**
 * @since 0.2.0
 * @category errors
 */
export type NodeClosed = Errors.NodeClosed

/**
 * What a call can fail with, besides the errors its request declares: `NoProc`, `CallingSelf`,
 * `CallTimeout`, `ServerExited`, on a bounded mailbox `MailboxFull` (policy `"fail"`) or
 * `CallDropped` (policies `"dropNewest"` and `"dropOldest"`), and across nodes `Undecodable` (a
 * typed request or its reply did not decode with its Schema, see {@link remote}).
 *
 * @since 0.1.0
 * @category errors
 */
export type CallError =
  | Errors.NoProc
  | CallTimeout
  | ServerExited
  | Errors.MailboxFull
  | CallDropped
  | CallingSelf
  | Errors.Undecodable

/**
 * Tells the errors of the call machinery ({@link CallError}: `NoProc`, `ServerExited`,
 * `CallTimeout`, `MailboxFull`, `CallDropped`, `CallingSelf`, `Undecodable`) from the errors a request declares:
 * the common "the server is gone or did not answer" check.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { GenServer, Request } from "effect-otp"
 *
 * class Get extends Request.Class<Get>()("Get", { success: Schema.Number, failure: Schema.Literal("empty") }) {}
 *
 * // the server's answer, or 0 when it is gone; "empty" stays a typed failure
 * const getOrZero = (server: GenServer.Server<Get>) =>
 *   GenServer.call(server, new Get()).pipe(Effect.catchIf(GenServer.isCallError, () => Effect.succeed(0)))
 * ```
 *
 * @since 0.2.0
 * @category errors
 */
export const isCallError: (u: unknown) => u is CallError = server.isCallError

/**
 * What a start can fail with, besides the errors `init` fails with.
 *
 * @since 0.1.0
 * @category errors
 */
export type StartError = Errors.AlreadyRegistered | StartTimeout | InitFailed | Errors.NodeClosed | Errors.BadArgument

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

/** @internal */
export const NoContinue: typeof internal.NoContinue = internal.NoContinue

/**
 * `init` succeeded.
 *
 * @since 0.1.0
 * @category results
 */
export interface Ok<S, C = never> {
  readonly _tag: "Ok"
  readonly state: S
  readonly continue: C | typeof NoContinue
}

/**
 * Reply to the call, then carry on with `state`.
 *
 * @since 0.1.0
 * @category results
 */
export interface Reply<A, S, C = never> {
  readonly _tag: "Reply"
  readonly value: A
  readonly state: S
  readonly continue: C | typeof NoContinue
}

/**
 * Answer the call with one of the errors its request declares, then carry on with `state`.
 *
 * @since 0.1.0
 * @category results
 */
export interface ReplyError<E, S, C = never> {
  readonly _tag: "ReplyError"
  readonly error: E
  readonly state: S
  readonly continue: C | typeof NoContinue
}

/**
 * Carry on with `state` without replying now.
 *
 * @since 0.1.0
 * @category results
 */
export interface NoReply<S, C = never> {
  readonly _tag: "NoReply"
  readonly state: S
  readonly continue: C | typeof NoContinue
}

/**
 * Stop the server with `reason` (after `terminate`), replying first if a reply is given.
 *
 * @since 0.1.0
 * @category results
 */
export interface Stop<S, A = never> {
  readonly _tag: "Stop"
  readonly reason: ExitReason.ExitReason
  readonly state: S
  readonly reply: Option.Option<A>
}

/**
 * What a call handler returns.
 *
 * @since 0.1.0
 * @category results
 */
export type CallResult<A, E, S, C = never> = Reply<A, S, C> | ReplyError<E, S, C> | NoReply<S, C> | Stop<S, A>

/**
 * What cast, info and continue handlers return.
 *
 * @since 0.1.0
 * @category results
 */
export type NoReplyResult<S, C = never> = NoReply<S, C> | Stop<S>

/**
 * @since 0.1.0
 * @category models
 */
export interface ContinueOption<C> {
  /** Run `handleContinue(continue, state)` before the next message (OTP's `{continue, Arg}`). */
  readonly continue?: C
}

const continueOf = <C>(options: ContinueOption<C> | undefined): C | typeof NoContinue =>
  options !== undefined && "continue" in options ? (options.continue as C) : NoContinue

/**
 * `init` succeeded with this state.
 *
 * @since 0.1.0
 * @category results
 */
export const ok = <S, C = never>(state: S, options?: ContinueOption<C>): Ok<S, C> => ({
  _tag: "Ok",
  state,
  continue: continueOf(options)
})

/**
 * `init` answers OTP's `ignore`: fail `init` with it (`return yield* GenServer.ignore`), and the
 * start fails with {@link Ignored} once the process has exited (`Normal`, with no crash report),
 * its name free. A supervisor records the child as not running (its pid is `None`, OTP's
 * `undefined`) and does not count it as a failed start.
 *
 * **Details**: `ignore` is an effect that fails with `Ignored`, not a result value, so `Ignored` is
 * in the error type of `start`, `startLink` and `childSpec` exactly when `init` can ignore (it
 * joins init's own errors), with no extra type parameter.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { GenServer } from "effect-otp"
 *
 * const Optional = GenServer.behaviour({
 *   init: (enabled: boolean) => (enabled ? Effect.succeed(GenServer.ok(0)) : GenServer.ignore)
 * })
 * // GenServer.start(Optional, false) fails with GenServer.Ignored
 * ```
 *
 * @since 0.2.0
 * @category results
 */
export const ignore: Effect.Effect<never, Ignored> = server.ignore

/**
 * Reply `value` to the call and carry on with `state`.
 *
 * @since 0.1.0
 * @category results
 */
export const reply = <A, S, C = never>(value: A, state: S, options?: ContinueOption<C>): Reply<A, S, C> => ({
  _tag: "Reply",
  value,
  state,
  continue: continueOf(options)
})

/**
 * Answer the call with a declared error and carry on with `state`.
 *
 * @since 0.1.0
 * @category results
 */
export const replyError = <E, S, C = never>(error: E, state: S, options?: ContinueOption<C>): ReplyError<E, S, C> => ({
  _tag: "ReplyError",
  error,
  state,
  continue: continueOf(options)
})

/**
 * Carry on with `state`; a call is answered later with {@link replyTo}.
 *
 * @since 0.1.0
 * @category results
 */
export const noreply = <S, C = never>(state: S, options?: ContinueOption<C>): NoReply<S, C> => ({
  _tag: "NoReply",
  state,
  continue: continueOf(options)
})

/**
 * Stop the server with `reason` (OTP's `{stop, Reason, State}` and `{stop, Reason, Reply, State}`).
 * From a call handler, `{ reply }` answers the caller first. To stop a server from outside, use
 * the client function {@link stop}.
 *
 * @since 0.1.0
 * @category results
 */
export const stopWith = <S, A = never>(
  reason: ExitReason.ExitReason,
  state: S,
  options?: { readonly reply?: A }
): Stop<S, A> => ({
  _tag: "Stop",
  reason,
  state,
  reply: options !== undefined && "reply" in options ? Option.some(options.reply as A) : Option.none()
})

// ---------------------------------------------------------------------------------------------
// From and replies
// ---------------------------------------------------------------------------------------------

/**
 * Who is waiting for a call's reply. Keep it to reply later with {@link replyTo}. The same type as
 * `GenStatem.From`.
 *
 * @since 0.1.0
 * @category models
 */
export interface From<A, E> {
  /** The calling process, if the call came from a process. */
  readonly caller: Option.Option<Pid.Pid<never, unknown>>
  /**
   * @internal Ends the call with `exit`, once: false when it was answered, failed or timed out
   * already. A caller that was interrupted is not told.
   */
  complete(exit: Exit.Exit<A, E | CallError>): boolean
}

/**
 * Replies to a call later (OTP's `gen_server:reply/2`, Elixir's `GenServer.reply/2`); the same
 * function answers a GenStatem's call (`gen_statem:reply/2`). Returns `false` when the caller had
 * already given up (timeout, interruption) or was answered. The handler result that answers the
 * current call is {@link reply}.
 *
 * @since 0.1.0
 * @category client
 */
export const replyTo: <A, E>(from: From<A, E>, value: A) => Effect.Effect<boolean> = server.replyTo

/**
 * Answers a call later with one of its declared errors.
 *
 * @since 0.1.0
 * @category client
 */
export const replyErrorTo: <A, E>(from: From<A, E>, error: E) => Effect.Effect<boolean> = server.replyErrorTo

// ---------------------------------------------------------------------------------------------
// Behaviour
// ---------------------------------------------------------------------------------------------

/**
 * A request class, as made by `Request.Class`.
 *
 * @since 0.1.0
 * @category models
 */
export type RequestClass = abstract new (...args: any) => Request.Any

/**
 * One call handler per request tag. A handler that fails with an error its request declares
 * answers the call with it (the server keeps its state); any other failure crashes the server.
 *
 * @since 0.1.0
 * @category models
 */
export type CallHandlers<Req extends Request.Any, S, R, C> = {
  readonly [T in Req["_tag"]]: (
    request: Extract<Req, { readonly _tag: T }>,
    state: S,
    from: From<Request.Success<Extract<Req, { readonly _tag: T }>>, Request.Failure<Extract<Req, { readonly _tag: T }>>>
  ) => Effect.Effect<
    CallResult<
      Request.Success<Extract<Req, { readonly _tag: T }>>,
      Request.Failure<Extract<Req, { readonly _tag: T }>>,
      S,
      C
    >,
    unknown,
    R
  >
}

/**
 * A GenServer's callbacks. Build one with {@link behaviour}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Behaviour<in Args, S, Req extends Request.Any, Cast, Info, InitE, R, C = never> {
  readonly init: (args: Args) => Effect.Effect<Ok<S, C>, InitE, R>
  readonly handleCall?: CallHandlers<Req, S, R, C> | undefined
  readonly handleCast?: ((message: Cast, state: S) => Effect.Effect<NoReplyResult<S, C>, unknown, R>) | undefined
  readonly handleInfo?: ((message: Info, state: S) => Effect.Effect<NoReplyResult<S, C>, unknown, R>) | undefined
  readonly handleContinue?: ((arg: C, state: S) => Effect.Effect<NoReplyResult<S, C>, unknown, R>) | undefined
  readonly terminate?: ((reason: ExitReason.ExitReason, state: S) => Effect.Effect<void, never, R>) | undefined
  /**
   * Migrates the state of a running server to this version of the behaviour when `Sys.changeCode`
   * (or a `Release` upgrade) installs it (OTP's `code_change/3`): gets the version the server ran,
   * its state, and the `extra` of the upgrade. A failure or a defect keeps the old version running.
   * Without it, the state is kept as it is.
   */
  readonly codeChange?:
    | ((oldVersion: string, state: unknown, extra: unknown) => Effect.Effect<S, unknown, R>)
    | undefined
  /** The behaviour's version, given to the next version's `codeChange` and shown by `Sys.getStatus`. Default `"1"`. */
  readonly version?: string | undefined
  /**
   * The behaviour's declared name (OTP's module name): what `Release` upgrades match running
   * servers by, and what `Sys.getStatus` shows. Give every version of a behaviour the same name.
   */
  readonly name?: string | undefined
  /** The state's Schema: a code change validates the migrated state against it before the switch. */
  readonly state?: Schema.Schema<S> | undefined
  /** The request classes the server accepts. */
  readonly protocol?: ReadonlyArray<RequestClass> | undefined
  /**
   * The Schema of the casts (its type is `Cast`). A cast from another node is decoded with it
   * (`Term.codec`) before `handleCast` sees it; one that does not decode reaches no handler: it is
   * logged with the sender's node, counted in `Node.undecodable` and dropped. Local casts are not
   * decoded. Without it, a cast from another node reaches `handleCast` as the term it came as.
   */
  readonly casts?: Schema.Codec<Cast, unknown, never, never> | undefined
  /**
   * The Schema of the other messages (its type is `Info`): a message from another node that is
   * neither a call nor a cast is decoded with it before `handleInfo` sees it, as `casts` are.
   */
  readonly infos?: Schema.Codec<Info, unknown, never, never> | undefined
}

/**
 * Any behaviour.
 *
 * @since 0.1.0
 * @category models
 */
export type AnyBehaviour = Behaviour<never, any, any, any, any, any, any, any>

/**
 * The services the call handlers of `H` require: the union of what each one requires (`any`, the
 * requirement of a `protocol` given without `handleCall`, counts as none).
 *
 * @since 0.2.0
 * @category type-level
 */
export type CallHandlersContext<H> = {
  readonly [K in keyof H]: H[K] extends (...args: any) => Effect.Effect<any, any, infer R>
    ? 0 extends 1 & R
      ? never
      : R
    : never
}[keyof H]

/**
 * Builds a behaviour, inferring its types: the protocol from `protocol`, the state from `init`, the
 * cast and info message types from the handlers' parameter annotations, and the services it
 * requires from `init` and every handler: a handler may require a service that `init` does not
 * (`Registry.register`, an app service), and `start` then requires it too.
 *
 * @since 0.1.0
 * @category constructors
 */
export const behaviour = <
  const P extends ReadonlyArray<RequestClass> = readonly [],
  Args = void,
  S = never,
  Cast = never,
  Info = unknown,
  InitE = never,
  R = never,
  C = never,
  H extends CallHandlers<InstanceType<P[number]>, NoInfer<S>, any, NoInfer<C>> = CallHandlers<
    InstanceType<P[number]>,
    NoInfer<S>,
    any,
    NoInfer<C>
  >,
  RCast = never,
  RInfo = never,
  RContinue = never,
  RTerminate = never,
  RCodeChange = never
>(definition: {
  readonly protocol?: P
  readonly casts?: Schema.Codec<Cast, unknown, never, never>
  readonly infos?: Schema.Codec<Info, unknown, never, never>
  readonly init: (args: Args) => Effect.Effect<Ok<S, C>, InitE, R>
  readonly handleCall?: H
  readonly handleCast?: (message: Cast, state: NoInfer<S>) => Effect.Effect<NoReplyResult<S, C>, unknown, RCast>
  readonly handleInfo?: (message: Info, state: NoInfer<S>) => Effect.Effect<NoReplyResult<S, C>, unknown, RInfo>
  readonly handleContinue?: (arg: C, state: NoInfer<S>) => Effect.Effect<NoReplyResult<S, C>, unknown, RContinue>
  readonly terminate?: (reason: ExitReason.ExitReason, state: NoInfer<S>) => Effect.Effect<void, never, RTerminate>
  readonly codeChange?: (oldVersion: string, state: unknown, extra: unknown) => Effect.Effect<S, unknown, RCodeChange>
  readonly version?: string
  readonly name?: string
  readonly state?: Schema.Schema<NoInfer<S>>
}): Behaviour<
  Args,
  S,
  InstanceType<P[number]>,
  Cast,
  Info,
  InitE,
  R | CallHandlersContext<H> | RCast | RInfo | RContinue | RTerminate | RCodeChange,
  C
> => definition as never

// ---------------------------------------------------------------------------------------------
// Server references
// ---------------------------------------------------------------------------------------------

/**
 * A reference to a GenServer that serves the requests `Req` and the casts `Cast`: a pid, or a
 * registered name looked up at each use. The same type as `GenStatem.Server`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Server<in Req extends Request.Any, in Cast = never> extends Pipeable.Pipeable {
  readonly [server.ServerTypeId]?: { readonly _Req: (r: Req) => void; readonly _Cast: (c: Cast) => void }
  /** The registered name, when the reference is by name. */
  readonly name: Option.Option<string>
  /** @internal the pid, when the reference is by pid: what `NoProc` names (else the name) */
  readonly target: Pid.Pid<never, unknown> | undefined
  /** @internal a name on another node (Erlang's `{Name, Node}`), when the reference is one */
  readonly remote?: kernel.RemoteName | undefined
  /** @internal the Schema the casts through this reference cross to another node with, if any */
  readonly casts?: Schema.Top | undefined
  /** @internal the server's live record now, if any */
  readonly resolve: () => kernel.ProcessRecord | undefined
  /** The pid this reference points to now, if the server is alive. */
  readonly whereis: () => Option.Option<ServerPid>
}

/**
 * The pid of a server: it accepts any message (those that are not calls or casts go to `handleInfo`).
 *
 * @since 0.1.0
 * @category models
 */
export type ServerPid = Pid.Pid<unknown, Errors.MailboxFull>

/**
 * Whether `u` is a server reference: one that {@link start}, {@link fromPid} or {@link named}
 * returned, of a GenServer, a GenStatem or a supervisor (they are all servers).
 *
 * **Details**: every reference carries a mark on its prototype and is `Pipeable`, so
 * `server.pipe(GenServer.call(request))` reads as `GenServer.call(server, request)`. A reference
 * is a value: `Equal.equals` holds between two references to the same pid (whichever function
 * made them), or to the same name, and `Hash.hash` agrees with it.
 *
 * @example
 * ```ts
 * import { GenServer } from "effect-otp"
 *
 * const describe = (u: unknown) => (GenServer.isServer(u) ? u.name : undefined)
 * ```
 *
 * @since 0.2.0
 * @category guards
 */
export const isServer: (u: unknown) => u is Server<any, any> = server.isServer

/**
 * A typed reference to the server of `pid`.
 *
 * **Details**: for a pid of another node, `options.casts` is the Schema its casts cross as (as
 * {@link remote}'s); without it a cast crosses as the term of its Schema class, or as the term it is.
 * On the pid's own node the option changes nothing: a local cast is handed over as it was sent.
 *
 * @since 0.1.0
 * @category references
 */
export const fromPid: <Req extends Request.Any, Cast = never>(
  pid: Pid.Pid<never, unknown>,
  options?: { readonly casts?: Schema.Codec<Cast, unknown, never, never> | undefined }
) => Server<Req, Cast> = server.fromPid

/**
 * A reference to the server registered as `name` on the node `node`: Erlang's `{Name, Node}`. On a
 * distributed node (`@effect-otp/platform-node`'s `Node`), `call` and `cast` through it speak OTP's
 * gen protocol over the wire, so the server may be an effect-otp GenServer or GenStatem, or an
 * Erlang `gen_server` / Elixir `GenServer`. A reference made with {@link fromPid} from a pid of
 * another node does the same.
 *
 * **Details**
 *
 * - A `Request.Class` request crosses as the term of its Schema (`Term.codec`), and the reply as
 *   `{ok, Success}` / `{error, Failure}` encoded with its `success` / `failure` Schemas: the call has
 *   the same types as locally, a declared error arrives as an instance of its class. The server
 *   decodes the request with the class of its `protocol` that has the request's `_tag`. A request
 *   or a reply that does not decode fails the call with `Errors.Undecodable` (no handler sees it;
 *   it is logged and counted in `Node.undecodable`).
 * - Any other request crosses as an Erlang term (`Term.tuple(...)`, an atom, ...) and `$gen_call`'s
 *   reply comes back as the term it was: type the reference with `Term.Tuple` (or the term your
 *   server takes) and decode the reply with `Term.codec(schema)`. A request that has no term is
 *   dropped, and the call ends with `CallTimeout`.
 * - A call to a name nobody holds fails with `NoProc`; a lost connection with `ServerExited` whose
 *   reason is `NoConnection`; the server's exit with `ServerExited` and its reason; no reply within
 *   the timeout (5 s by default) with `CallTimeout`, and a late reply is dropped, as locally.
 * - An effect-otp server called from another node with a term that is not one of its
 *   `Request.Class`es gets the term as it came (a tuple's handler is `handleCall.Tuple`); its reply
 *   must be a term. A declared error that is a term goes back as `{error, Error}`.
 * - A cast crosses as `{'$gen_cast', Message}`. A message that is an instance of a Schema class
 *   (`Schema.Class`, `Schema.TaggedClass`) crosses as the term of its class; with `options.casts`
 *   (give the server's behaviour, or its `casts` Schema), every cast crosses as the term of that
 *   Schema, so a struct crosses too. A cast that does not encode is dropped and logged at warning, as
 *   a message that has no term. The server decodes it with its behaviour's `casts` Schema when it
 *   declares one (a cast that does not decode reaches no handler: it is logged, counted in
 *   `Node.undecodable` and dropped), else its `handleCast` gets the term.
 * - An Erlang node's `sys` reaches an effect-otp server's system lane, not `handleInfo`:
 *   `sys:get_state` answers the state's term (encoded with the behaviour's `state` Schema when it
 *   declares one; a GenStatem's is `{State, Data}`, with its `data` Schema) or, for a state without
 *   a term, `{error, {callback_failed, {gen_server, system_get_state}, {error, not_a_term}}}` (which
 *   `sys:get_state` raises); `sys:suspend` and `sys:resume` answer `ok` once done (a suspended
 *   server's calls wait, as locally); `sys:terminate(Name, Reason)` answers `ok`, then the server
 *   stops with the reason (`Distribution.reasonFromTerm`); any other system request answers `{error,
 *   {unknown_system_msg, Request}}` and the server goes on. These are OTP 25's answers: later
 *   releases' `sys:get_state` expects `{ok, State}`.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { GenServer, Term } from "effect-otp"
 *
 * // an Elixir `GenServer.call({Stack, :"app@127.0.0.1"}, :pop)`
 * const pop = GenServer.call(GenServer.remote<Term.Atom>("Elixir.Stack", "app@127.0.0.1"), Term.atom("pop"))
 *
 * // a typed cast to an effect-otp server whose behaviour declares `casts: Reset`
 * class Reset extends Schema.TaggedClass<Reset>()("Reset", { to: Schema.Int }) {}
 * const reset = GenServer.cast(GenServer.remote("counter", "b@127.0.0.1", { casts: Reset }), new Reset({ to: 0 }))
 * ```
 *
 * @since 0.2.0
 * @category references
 */
export const remote: <Req extends Request.Any, Cast = never>(
  name: string,
  node: string,
  options?: { readonly casts?: Schema.Codec<Cast, unknown, never, never> | undefined }
) => Server<Req, Cast> = server.remote

/**
 * A typed reference to the server registered as `name` (a local name, or `Registry.via(...)`) on the
 * current node. The name is looked up at every call, so the reference follows a server that a
 * supervisor restarts under the same name.
 *
 * @since 0.1.0
 * @category references
 */
export const named = <Args, S, Req extends Request.Any, Cast, Info, InitE, R, C>(
  _behaviour: Behaviour<Args, S, Req, Cast, Info, InitE, R, C>,
  name: Name.Name
): Effect.Effect<Server<Req, Cast>, never, Node> => server.named(name)

/**
 * The pid of a server reference now.
 *
 * @since 0.1.0
 * @category references
 */
export const whereis: <Req extends Request.Any, Cast>(
  server: Server<Req, Cast>
) => Effect.Effect<Option.Option<ServerPid>> = server.whereis

/**
 * The requests of a behaviour.
 *
 * @since 0.1.0
 * @category type-level
 */
export type RequestsOf<B> =
  B extends Behaviour<never, infer _S, infer Req, infer _Cast, infer _Info, infer _E, infer _R, infer _C> ? Req : never

/**
 * The casts of a behaviour.
 *
 * @since 0.1.0
 * @category type-level
 */
export type CastsOf<B> =
  B extends Behaviour<never, infer _S, infer _Req, infer Cast, infer _Info, infer _E, infer _R, infer _C> ? Cast : never

// ---------------------------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------------------------

/**
 * Start options: `name` (a local name, or `Registry.via(registry, key)`; the start fails with
 * `AlreadyRegistered` if it is taken), `timeout` (how long `init` may take; default: no limit, as
 * OTP), `mailbox` (default: unbounded), `trapExit` (so that a parent's shutdown runs `terminate`;
 * default `false`), `logLevel` (the server's minimum log level, default the starter's; see
 * `Sys.setLogLevel`).
 *
 * @since 0.1.0
 * @category models
 */
export interface StartOptions {
  /**
   * Register the server under this name: a local name, or `Registry.via(registry, key)`. The start
   * fails with `AlreadyRegistered` if it is taken.
   */
  readonly name?: Name.Name | undefined
  /** How long `init` may take. Default: no limit, as OTP. */
  readonly timeout?: Duration.Input | "infinity" | undefined
  /** The server's mailbox. Default: unbounded. */
  readonly mailbox?: Mailbox.Options | undefined
  /** Trap exits from the start, so that a parent's shutdown runs `terminate`. Default `false`. */
  readonly trapExit?: boolean | undefined
  /**
   * The server's minimum log level (a line it logs below it is dropped). Default: the starter's.
   * `Sys.setLogLevel` changes it while it runs.
   */
  readonly logLevel?: LogLevel.LogLevel | undefined
  /**
   * Record the latency of each call to this server (from the call to its answer, on the caller's
   * clock) in the histogram `effect_otp_call_duration_ms`, labelled with the server's name (else
   * its pid). Default `false`: calls to servers without it pay nothing for it.
   */
  readonly callLatency?: boolean | undefined
}

const bodyOf =
  (behaviour: Behaviour<any, any, any, any, any, any, any, any>, args: unknown, options: StartOptions | undefined) =>
  (ack: Deferred.Deferred<void, unknown>, parent: kernel.ProcessRecord | undefined) =>
    internal.serverBody(behaviour, args, ack, options?.name, parent)

/**
 * Starts a server (not linked to the caller) and waits until its `init` has finished.
 *
 * **Errors** (each returned once the process has exited, its name free; see "Starting" in the
 * module docs): whatever `init` fails with; `Ignored` when `init` answers {@link ignore};
 * `AlreadyRegistered` when `name` is taken; `StartTimeout` when `init` outlasts `timeout` (the
 * server is then killed); `InitFailed` with the exit reason when init died, exited, or the process
 * was stopped during init; `NodeClosed` on a closed node; `BadArgument` for an invalid option (an
 * empty `name`, a negative `timeout`, a mailbox `capacity` that is not a positive integer, an
 * unknown `overflow`, a non-boolean `trapExit`, a `logLevel` that is not a `LogLevel`), before
 * anything is spawned.
 *
 * @since 0.1.0
 * @category start
 */
export const start = <Args, S, Req extends Request.Any, Cast, Info, InitE, R, C>(
  behaviour: Behaviour<Args, S, Req, Cast, Info, InitE, R, C>,
  args: Args,
  options?: StartOptions
): Effect.Effect<Server<Req, Cast>, InitE | StartError, Exclude<R, Process.Provided> | Node> =>
  validate.guard(validate.checkStartOptions("GenServer.start", options), () =>
    server.start(bodyOf(behaviour, args, options), options)
  ) as never

/**
 * Starts a server linked to the calling process (the way a supervisor starts its children). If the
 * server traps exits, an exit signal from the caller (its parent) runs `terminate` and stops it with
 * that reason, as OTP.
 *
 * **Errors**: those of {@link start}. A failed start unlinks the process before it exits: the
 * caller is never killed by it, and finds no `EXIT` from it in its mailbox when it traps exits.
 *
 * @since 0.1.0
 * @category start
 */
export const startLink = <Args, S, Req extends Request.Any, Cast, Info, InitE, R, C>(
  behaviour: Behaviour<Args, S, Req, Cast, Info, InitE, R, C>,
  args: Args,
  options?: StartOptions
): Effect.Effect<Server<Req, Cast>, InitE | StartError, Exclude<R, Process.Provided> | Node | Process.Self<unknown>> =>
  validate.guard(validate.checkStartOptions("GenServer.startLink", options), () =>
    server.startLink(bodyOf(behaviour, args, options), options)
  ) as never

/**
 * Starts a server monitored by the calling process. A start that fails (the errors of
 * {@link start}) returns no monitor, and no `Down` follows.
 *
 * @since 0.1.0
 * @category start
 */
export const startMonitor = <Args, S, Req extends Request.Any, Cast, Info, InitE, R, C>(
  behaviour: Behaviour<Args, S, Req, Cast, Info, InitE, R, C>,
  args: Args,
  options?: StartOptions
): Effect.Effect<
  { readonly server: Server<Req, Cast>; readonly ref: Process.MonitorRef },
  InitE | StartError,
  Exclude<R, Process.Provided> | Node | Process.Self<unknown>
> =>
  validate.guard(validate.checkStartOptions("GenServer.startMonitor", options), () =>
    server.startMonitor(bodyOf(behaviour, args, options), options)
  ) as never

/**
 * Starts a server (as {@link start}) in the current scope; closing the scope stops it with
 * `Shutdown` (its `terminate` runs) and waits until it has exited.
 *
 * **Errors**: those of {@link start}. A server already gone when the scope closes is not an
 * error.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { GenServer, Node } from "effect-otp"
 * import { Counter, Increment } from "./counter.ts"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function* () {
 *     const counter = yield* GenServer.make(Counter, 0)
 *     return yield* counter.pipe(GenServer.call(new Increment({ by: 1 })))
 *   })
 * ).pipe(Effect.provide(Node.layer()))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const make = <Args, S, Req extends Request.Any, Cast, Info, InitE, R, C>(
  behaviour: Behaviour<Args, S, Req, Cast, Info, InitE, R, C>,
  args: Args,
  options?: StartOptions
): Effect.Effect<Server<Req, Cast>, InitE | StartError, Exclude<R, Process.Provided> | Node | Scope.Scope> =>
  Effect.acquireRelease(start(behaviour, args, options), (server) => Effect.ignore(stop(server, ExitReason.shutdown)))

/**
 * A server as a Layer: building it starts the server (as {@link make}), releasing it stops it.
 * The layer provides no service: give the server a `name` and reach it with {@link named}, as
 * `Supervisor.layer` does for a tree.
 *
 * **Errors**: those of {@link start}.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { GenServer, Node } from "effect-otp"
 * import { Counter, Increment } from "./counter.ts"
 *
 * const CounterLive = GenServer.layer(Counter, 0, { name: "counter" })
 *
 * const program = Effect.gen(function* () {
 *   const counter = yield* GenServer.named(Counter, "counter")
 *   return yield* GenServer.call(counter, new Increment({ by: 1 }))
 * }).pipe(Effect.provide(Layer.provideMerge(CounterLive, Node.layer())))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = <Args, S, Req extends Request.Any, Cast, Info, InitE, R, C>(
  behaviour: Behaviour<Args, S, Req, Cast, Info, InitE, R, C>,
  args: Args,
  options?: StartOptions
): Layer.Layer<never, InitE | StartError, Exclude<R, Process.Provided> | Node> =>
  Layer.effectDiscard(make(behaviour, args, options))

// ---------------------------------------------------------------------------------------------
// Client API
// ---------------------------------------------------------------------------------------------

/**
 * Call options: `timeout`, default 5 seconds, as OTP; `"infinity"` waits as long as the server lives.
 *
 * @since 0.1.0
 * @category models
 */
export interface CallOptions {
  /** Default 5 seconds, as OTP. `"infinity"` waits as long as the server lives. */
  readonly timeout?: Duration.Input | "infinity" | undefined
}

/**
 * What a system request ({@link getState}, `Sys.suspend`, `Sys.replaceState`, ...) can fail with,
 * besides what its options add ({@link CallOptionsError}).
 *
 * @since 0.2.0
 * @category errors
 */
export type SystemCallError = Errors.NoProc | Errors.NoSystemHandler | CallTimeout | ServerExited | CallingSelf

/**
 * The error that the options of {@link call}, {@link stop} or {@link getState} may add:
 * `BadArgument` when they carry a timeout other than `"infinity"` (it is checked when the call is
 * made: a negative, NaN or non-duration timeout is rejected), nothing otherwise.
 *
 * @since 0.2.0
 * @category type-level
 */
export type CallOptionsError<O> = O extends { readonly timeout: infer T }
  ? [T] extends ["infinity" | undefined]
    ? never
    : Errors.BadArgument
  : never

/**
 * Sends a request and waits for its reply.
 *
 * **Errors**: the errors the request declares; `NoProc` if the server is not alive (naming the pid
 * or the name of the reference); `CallingSelf` at once if the caller is the server itself;
 * `ServerExited` if it exits before replying; `CallTimeout` after the timeout (default 5 s),
 * counted from the call, including any wait behind a full `"suspend"` mailbox; `MailboxFull` if
 * its bounded mailbox refuses the request (`"fail"`); `CallDropped` at once if its mailbox drops
 * the request (`"dropNewest"`, `"dropOldest"`); `BadArgument` for an invalid `timeout` (negative,
 * NaN, not a duration), before anything is sent.
 *
 * **Details**: `GenStatem.call` is this function: a GenStatem serves the same calls, and may reply
 * from a later state (a machine that crashes on a request its protocol does not declare fails the
 * call with `ServerExited` at once). The same holds for `cast`, `stop`, `replyTo`, `fromPid`,
 * `whereis`, `isCallError` and `ignore`, and for the types `Server`, `From`, `CallOptions`,
 * `CallError`, `StartOptions` and `StartError`.
 *
 * @since 0.1.0
 * @category client
 */
export const call: {
  <const Q extends Request.Any, const O extends CallOptions = {}>(
    request: Q,
    options?: O
  ): (self: Server<Q, never>) => Effect.Effect<Request.Success<Q>, Request.Failure<Q> | CallError | CallOptionsError<O>>
  <Req extends Request.Any, Cast, const Q extends Req, const O extends CallOptions = {}>(
    server: Server<Req, Cast>,
    request: Q,
    options?: O
  ): Effect.Effect<Request.Success<Q>, Request.Failure<Q> | CallError | CallOptionsError<O>>
} = dual((args) => server.isServer(args[0]), server.call) as never

/**
 * Sends a cast: fire and forget. Never fails for a dead server (as OTP), except on a bounded
 * mailbox with the `"fail"` policy.
 *
 * @since 0.1.0
 * @category client
 */
export const cast: {
  <const Cast>(
    message: Cast
  ): <Req extends Request.Any>(self: Server<Req, Cast>) => Effect.Effect<void, Errors.MailboxFull>
  <Req extends Request.Any, Cast>(
    server: Server<Req, Cast>,
    message: NoInfer<Cast>
  ): Effect.Effect<void, Errors.MailboxFull>
} = dual(2, server.cast)

/**
 * Sends a plain message to the server, handled by `handleInfo` (Elixir's `send(server, message)`).
 * Like a cast, it never fails for a dead server, except on a bounded mailbox with the `"fail"` policy.
 *
 * @example
 * ```ts
 * import { GenServer } from "effect-otp"
 *
 * const poke = (server: GenServer.Server<never>) => GenServer.send(server, "tick")
 * ```
 *
 * @since 0.1.0
 * @category client
 */
export const send: {
  (
    message: unknown
  ): <Req extends Request.Any, Cast>(self: Server<Req, Cast>) => Effect.Effect<void, Errors.MailboxFull>
  <Req extends Request.Any, Cast>(server: Server<Req, Cast>, message: unknown): Effect.Effect<void, Errors.MailboxFull>
} = dual(
  2,
  <Req extends Request.Any, Cast>(
    server: Server<Req, Cast>,
    message: unknown
  ): Effect.Effect<void, Errors.MailboxFull> =>
    Effect.suspend(() => {
      const pid = server.whereis()
      return pid._tag === "Some" ? Process.send(pid.value, message) : Effect.void
    })
)

/**
 * Stops a server (OTP's `gen_server:stop/3`, Elixir's `GenServer.stop/3`): it runs
 * `terminate(reason)` and exits with `reason` (default `Normal`); waits until it has exited. The
 * handler result that stops the server from inside is {@link stopWith}. Fails with `NoProc` if it is not alive, `CallingSelf` at once when the server
 * stops itself this way (return `stopWith(...)` from the handler instead), `CallTimeout` after
 * `timeout` (default: no limit, as OTP), and `ServerExited` carrying the reason it exited with when
 * that is not `reason`: its `terminate` crashed (the server then exits with that crash), or it died
 * first. OTP's `gen_server:stop` exits with that reason. `BadArgument` for an invalid `timeout`
 * (then nothing is stopped).
 *
 * @since 0.1.0
 * @category client
 */
export const stop: {
  <const O extends CallOptions = {}>(
    reason?: ExitReason.ExitReason,
    options?: O
  ): <Req extends Request.Any, Cast>(
    self: Server<Req, Cast>
  ) => Effect.Effect<void, Errors.NoProc | CallTimeout | CallingSelf | ServerExited | CallOptionsError<O>>
  <Req extends Request.Any, Cast, const O extends CallOptions = {}>(
    server: Server<Req, Cast>,
    reason?: ExitReason.ExitReason,
    options?: O
  ): Effect.Effect<void, Errors.NoProc | CallTimeout | CallingSelf | ServerExited | CallOptionsError<O>>
} = dual((args) => server.isServer(args[0]), server.stop) as never

/**
 * The server's state now (OTP's `sys:get_state/1`), for debugging and tests. Served through the
 * process's system lane, before any waiting message. Fails with `NoProc` if the server is not
 * alive, `CallingSelf` at once from the server itself, `ServerExited` if it exits first,
 * `CallTimeout` after `timeout` (default 5 s).
 *
 * @since 0.1.0
 * @category debugging
 */
export const getState: {
  <const O extends CallOptions = {}>(
    options?: O
  ): <Req extends Request.Any, Cast>(
    self: Server<Req, Cast>
  ) => Effect.Effect<unknown, SystemCallError | CallOptionsError<O>>
  <Req extends Request.Any, Cast, const O extends CallOptions = {}>(
    server: Server<Req, Cast>,
    options?: O
  ): Effect.Effect<unknown, SystemCallError | CallOptionsError<O>>
} = dual((args) => server.isServer(args[0]), server.getState) as never

// ---------------------------------------------------------------------------------------------
// Supervision
// ---------------------------------------------------------------------------------------------

/**
 * A child spec that starts this server under a supervisor (linked, with these start options).
 * `restart`, `shutdown` and `significant` may be given beside the start options.
 *
 * @example
 * ```ts
 * import { Supervisor, GenServer } from "effect-otp"
 * import { Counter } from "./counter.ts"
 *
 * const tree = Supervisor.start({
 *   children: [GenServer.childSpec("counter", Counter, 0, { name: "counter", restart: "transient" })]
 * })
 * ```
 *
 * @since 0.1.0
 * @category supervision
 */
export const childSpec = <Args, S, Req extends Request.Any, Cast, Info, InitE, R, C>(
  id: string,
  behaviour: Behaviour<Args, S, Req, Cast, Info, InitE, R, C>,
  args: Args,
  options?: StartOptions & Omit<ChildSpecModule.ChildSpec, "id" | "start" | "type">
): ChildSpecModule.ChildSpec<InitE | StartError, Exclude<R, Process.Provided> | Node | Process.Self<unknown>> =>
  server.childSpec(id, (start) => startLink(behaviour, args, start), options)
