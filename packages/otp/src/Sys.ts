/**
 * Sys: looking into a running server (OTP's `sys`).
 *
 * The functions here talk to a process through its system lane, which it serves between two
 * messages and ahead of the messages already in its mailbox: read its state ({@link getState}),
 * replace it ({@link replaceState}), see what it is doing ({@link getStatus}, {@link statistics}), and stop it taking
 * messages for a while ({@link suspend}, {@link resume}). They serve any GenServer and GenStatem,
 * and so any Supervisor and DynamicSupervisor, which run on GenServer's engine. A target is a
 * server reference (`GenServer.named`, what `start` returns, `GenServer.fromPid`) or a pid.
 *
 * ## Example
 *
 * ```ts
 * import { Effect, Fiber } from "effect"
 * import { GenServer, Node, Sys } from "effect-otp"
 * import { Counter, Increment } from "./counter.ts"
 *
 * const program = Effect.gen(function*() {
 *   const counter = yield* GenServer.start(Counter, 0)
 *   yield* Sys.replaceState(counter, (n: number) => n + 10)
 *   yield* Sys.suspend(counter)
 *   // queued while the counter is suspended: answered once it resumes
 *   const pending = yield* Effect.forkChild(GenServer.call(counter, new Increment({ by: 1 })), {
 *     startImmediately: true
 *   })
 *   const status = yield* Sys.getStatus(counter) // status: "suspended", mailboxLength: 1
 *   yield* Sys.resume(counter)
 *   return { status, reply: yield* Fiber.join(pending) } // reply: 11
 * })
 *
 * Effect.runPromise(Effect.provide(program, Node.layer()))
 * ```
 *
 * ## Suspension
 *
 * A suspended process serves only its system lane: the calls, casts and other messages sent to it
 * meanwhile wait in its mailbox, and it handles them once resumed, in the order they came, none
 * lost. A call made meanwhile waits as any call does: it is answered after the resume, or fails
 * with `CallTimeout` when its timeout passes first (its request, still in the mailbox, is then
 * handled and its reply dropped, as OTP's). A GenStatem's timeouts that fire while it is suspended
 * wait in the mailbox as the other messages. One message goes through, as in OTP's suspended loop:
 * an `EXIT` from its parent (a server that traps exits) stops it after `terminate`, so a supervisor
 * shuts a suspended child down as any other.
 *
 * ## What each failure returns
 *
 * Every function fails with: `NoProc` when the target is not alive (naming its pid or name);
 * `CallingSelf` at once when a process asks it of itself; `NoSystemHandler` at once when the
 * target is a process without a system handler (a plain `Process.spawn` process); `ServerExited`
 * when the target exits before it answers; `CallTimeout` when it does not answer within `timeout`
 * (default 5 s, OTP's; `"infinity"` waits as long as it lives), for example while a long handler
 * runs; `BadArgument` for an invalid `timeout`, before anything is sent. {@link replaceState} also
 * fails with {@link ReplaceStateFailed} when its function throws: the state is unchanged and the
 * server carries on.
 *
 * ## Differences from OTP
 *
 * - A request to a process without a system handler fails at once with `NoSystemHandler`; OTP's
 *   waits for its timeout.
 * - `getStatus` answers a record ({@link Status}) instead of OTP's `{status, Pid, {module, Mod},
 *   [PDict, SysState, Parent, Dbg, Misc]}`; it has no `format_status` callback yet, and a
 *   supervisor reports `behaviour: "GenServer"`.
 * - `replaceState`'s function is a plain function of the state (for a GenStatem, of `{ state,
 *   data }`, as OTP's `{State, Data}`); it cannot run effects.
 * - {@link statistics} is always on (OTP's is switched on with `sys:statistics(Name, true)`) and
 *   counts messages from the mailbox's own counters: no reductions, no `messages_out`.
 * - Not yet: `trace`, `log`, `install`, debug options at start.
 *
 * @since 0.2.0
 */
import type { Effect } from "effect"
import type * as server from "./internal/server.ts"
import * as internal from "./internal/sys.ts"

/**
 * A target of a system request: a server reference (GenServer's or GenStatem's) or a pid.
 *
 * @since 0.2.0
 * @category models
 */
export type Target = internal.Target

/**
 * Options of every function here: `timeout`, default 5 seconds, as OTP; `"infinity"` waits as long
 * as the process lives.
 *
 * @since 0.2.0
 * @category models
 */
export type Options = server.CallOptions

/**
 * What every function here can fail with, besides `BadArgument` for an invalid timeout: see the
 * module's "What each failure returns".
 *
 * @since 0.2.0
 * @category errors
 */
export type SysError = server.SystemCallError

/**
 * The error the options may add: `BadArgument` when they carry a timeout other than `"infinity"`.
 *
 * @since 0.2.0
 * @category type-level
 */
export type OptionsError<O> = server.CallOptionsError<O>

/**
 * What {@link getStatus} answers: the pid, the registered name, the behaviour, whether it is
 * suspended, its state (as {@link getState} answers it), the number of messages waiting in its
 * mailbox, and its parent (the process that started it linked).
 *
 * @since 0.2.0
 * @category models
 */
export type Status = internal.Status

/**
 * The function given to {@link replaceState} threw: `error` is what it threw. The server keeps its
 * state and carries on (OTP's `sys:replace_state` with a crashing function).
 *
 * @since 0.2.0
 * @category errors
 */
export const ReplaceStateFailed: typeof internal.ReplaceStateFailed = internal.ReplaceStateFailed

/**
 * @since 0.2.0
 * @category errors
 */
export type ReplaceStateFailed = internal.ReplaceStateFailed

/**
 * The process's state now (OTP's `sys:get_state`): a GenServer's state, a GenStatem's `{ state,
 * data }`. Served through the system lane, before any waiting message, and while suspended.
 * `GenServer.getState` is this function.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { GenServer, Sys } from "effect-otp"
 * import { Counter } from "./counter.ts"
 *
 * const program = Effect.gen(function*() {
 *   const counter = yield* GenServer.start(Counter, 5)
 *   return yield* Sys.getState(counter) // 5
 * })
 * ```
 *
 * @since 0.2.0
 * @category debugging
 */
export const getState: <const O extends Options = {}>(
  target: Target,
  options?: O
) => Effect.Effect<unknown, SysError | OptionsError<O>> = internal.getState as never

/**
 * Replaces the process's state with `f(state)` and answers the new state (OTP's
 * `sys:replace_state`). The next message the process handles sees it. For a GenStatem, `f` takes
 * and returns `{ state, data }`. Fails with {@link ReplaceStateFailed} when `f` throws: the state
 * is unchanged and the process carries on.
 *
 * **Details**: the type of the state is the caller's to give (by annotating `f`'s parameter): a
 * reference does not carry it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { GenServer, Sys } from "effect-otp"
 * import { Counter, Get } from "./counter.ts"
 *
 * const program = Effect.gen(function*() {
 *   const counter = yield* GenServer.start(Counter, 1)
 *   yield* Sys.replaceState(counter, (n: number) => n * 100)
 *   return yield* GenServer.call(counter, new Get()) // 100
 * })
 * ```
 *
 * @since 0.2.0
 * @category debugging
 */
export const replaceState: <S, const O extends Options = {}>(
  target: Target,
  f: (state: S) => S,
  options?: O
) => Effect.Effect<S, ReplaceStateFailed | SysError | OptionsError<O>> = internal.replaceState as never

/**
 * The process's {@link Status} (OTP's `sys:get_status`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { GenServer, Sys } from "effect-otp"
 * import { Counter } from "./counter.ts"
 *
 * const program = Effect.gen(function*() {
 *   const counter = yield* GenServer.start(Counter, 0, { name: "counter" })
 *   const { behaviour, registeredName, status } = yield* Sys.getStatus(counter)
 *   return [behaviour, registeredName, status] // ["GenServer", Option.some("counter"), "running"]
 * })
 * ```
 *
 * @since 0.2.0
 * @category debugging
 */
export const getStatus: <const O extends Options = {}>(
  target: Target,
  options?: O
) => Effect.Effect<Status, SysError | OptionsError<O>> = internal.getStatus as never

/**
 * Suspends the process (OTP's `sys:suspend`): once this returns, it serves only system requests,
 * and every other message waits in its mailbox, in order, until {@link resume}. Suspending a
 * suspended process changes nothing.
 *
 * @since 0.2.0
 * @category debugging
 */
export const suspend: <const O extends Options = {}>(
  target: Target,
  options?: O
) => Effect.Effect<void, SysError | OptionsError<O>> = internal.suspend as never

/**
 * Resumes a suspended process (OTP's `sys:resume`): it handles the messages that waited, in the
 * order they came. Resuming a running process changes nothing.
 *
 * @since 0.2.0
 * @category debugging
 */
export const resume: <const O extends Options = {}>(
  target: Target,
  options?: O
) => Effect.Effect<void, SysError | OptionsError<O>> = internal.resume as never

/**
 * What {@link statistics} answers: the server's start time and the time now (node clock
 * milliseconds), and its message counts.
 *
 * @since 0.2.0
 * @category models
 */
export type Statistics = internal.Statistics

/**
 * The server's statistics (OTP's `sys:statistics(Name, get)`): when it started, the time now, how
 * many messages came into its mailbox, how many it has handled, how many its bounded mailbox
 * dropped. Always on: the counts are the mailbox's own, kept for every process.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { GenServer, Sys } from "effect-otp"
 * import { Counter, Get } from "./counter.ts"
 *
 * const program = Effect.gen(function*() {
 *   const counter = yield* GenServer.start(Counter, 0)
 *   yield* GenServer.cast(counter, { _tag: "Reset" })
 *   yield* GenServer.call(counter, new Get())
 *   const { messagesIn, messagesHandled } = yield* Sys.statistics(counter)
 *   return [messagesIn, messagesHandled] // [2, 2]
 * })
 * ```
 *
 * @since 0.2.0
 * @category debugging
 */
export const statistics: <const O extends Options = {}>(
  target: Target,
  options?: O
) => Effect.Effect<Statistics, SysError | OptionsError<O>> = internal.statistics as never
