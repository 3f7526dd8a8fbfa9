/**
 * Sys: looking into a running server (OTP's `sys`).
 *
 * The functions here talk to a process through its system lane, which it serves between two
 * messages and ahead of the messages already in its mailbox: read its state ({@link getState}),
 * replace it ({@link replaceState}), see what it is doing ({@link getStatus}, {@link statistics}), and stop it taking
 * messages for a while ({@link suspend}, {@link resume}); watch what it does as it happens
 * ({@link trace}), keep its last events ({@link log}, {@link getLog}), count its work
 * ({@link statistics} with `true`), change its minimum log level ({@link setLogLevel}), and install
 * a new version of its behaviour ({@link changeCode}: hot code change). They
 * serve any GenServer and GenStatem, and so any Supervisor and DynamicSupervisor, which run on
 * GenServer's engine. A target is a server reference (`GenServer.named`, what `start` returns,
 * `GenServer.fromPid`) or a pid.
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
 * ## Debugging a server: trace, log, statistics
 *
 * Three debug options, each switched on and off while the server runs, as OTP's `sys:trace`,
 * `sys:log` and `sys:statistics`. While all three are off a server checks one field per message and
 * does nothing else; each costs only while it is on.
 *
 * - {@link trace}: every {@link Event} is logged as it happens, through Effect's `Logger`, from the
 *   server (so its minimum log level applies), at `Info`. One shape for every line: the message is
 *   `[text, event]` (a line of text such as `<0.7.0> got call Note({"label":"a"}) from <0.6.0>`,
 *   then the {@link Event} itself), and the annotations are the server's (`pid`, `name` when it has
 *   one, `behaviour`) plus `event: "TRACE"` and `kind` (the event's `_tag`).
 * - {@link log}: the last `n` events are kept; {@link getLog} reads them back, oldest first, and
 *   {@link getStatus} shows them.
 * - {@link statistics} with `true`: the replies the server sends (`messagesOut`), its handler
 *   invocations and the time they ran (on its `Clock`, so `TestClock` drives it) are counted from
 *   then on; {@link statistics} shows them under `counted`.
 *
 * The events of one message, in order: the message in (`Call`, `Cast`, `Info`; for a GenStatem also
 * `Timeout` and `Internal`, the events its actions inserted), the replies out (`Reply`, when the
 * handler's result or action replies; also when `GenServer.reply` answers later a call that came
 * in while a debug option was on, and one is still on), then what the handler left: a GenServer's
 * `StateChange` (its state after the handler and any `handleContinue`), a GenStatem's `Transition`
 * (the state before, the state after, the data). A handler that stops the server records no
 * `StateChange` or `Transition`.
 *
 * ## Log lines and log levels
 *
 * Every line a process logs carries its `pid` as an annotation; a server's also carry `behaviour`
 * (`"GenServer"`, `"GenStatem"`, `"Supervisor"`, `"DynamicSupervisor"`) and, when it was started
 * with a name, `name`. A process's minimum log level is Effect's own (`References.MinimumLogLevel`
 * in its fiber's context): the spawner's by default, or the `logLevel` option of `Process.spawn`
 * and of the behaviours' starts; {@link setLogLevel} changes a server's while it runs. A line below
 * a process's level is dropped, and no other process is affected.
 *
 * ## What each failure returns
 *
 * Every function fails with: `NoProc` when the target is not alive (naming its pid or name);
 * `CallingSelf` at once when a process asks it of itself; `NoSystemHandler` at once when the
 * target is a process without a system handler (a plain `Process.spawn` process); `ServerExited`
 * when the target exits before it answers; `CallTimeout` when it does not answer within `timeout`
 * (default 5 s, OTP's; `"infinity"` waits as long as it lives), for example while a long handler
 * runs; `BadArgument` for an invalid `timeout` (and for an invalid size of {@link log} or level of
 * {@link setLogLevel}), before anything is sent. {@link replaceState} also fails with
 * {@link ReplaceStateFailed} when its function throws: the state is unchanged and the server carries
 * on.
 * {@link changeCode} also fails with {@link CodeChangeFailed}, {@link InvalidState},
 * {@link UpgradeTimeout}, {@link BehaviourMismatch} or {@link VersionMismatch}: the server runs its
 * old code and state on.
 *
 * ## Hot code change
 *
 * {@link changeCode} is OTP's `sys:suspend`, `sys:change_code`, `sys:resume` in one request: the new
 * behaviour's `codeChange` migrates the state between two messages, the new state Schema validates
 * it, and the messages that came in meanwhile are handled afterwards, in order, by the new version.
 * {@link getStatus} shows the behaviour's declared name and version. To upgrade a whole supervision
 * tree, all or nothing, and make restarts start the new version, use `Release.upgradeTree`; the
 * guide "Upgrading a running system" in `Release` says what JavaScript cannot do that BEAM can.
 *
 * ## Differences from OTP
 *
 * - A request to a process without a system handler fails at once with `NoSystemHandler`; OTP's
 *   waits for its timeout.
 * - `getStatus` answers a record ({@link Status}) instead of OTP's `{status, Pid, {module, Mod},
 *   [PDict, SysState, Parent, Dbg, Misc]}`; it has no `format_status` callback yet.
 * - `replaceState`'s function is a plain function of the state (for a GenStatem, of `{ state,
 *   data }`, as OTP's `{State, Data}`); it cannot run effects.
 * - {@link statistics} always answers the mailbox's own counts (messages in, handled, dropped: kept
 *   for every process at no extra cost); what OTP counts only once `sys:statistics(Name, true)` is
 *   called (`messages_out`, and reductions, whose nearest equivalent here is the handler
 *   invocations and their time) is counted once `statistics(target, true)` is called.
 * - A trace is logged through Effect's `Logger` at `Info`, not printed to standard output as OTP's
 *   `sys:trace`; an event is a typed {@link Event}, not OTP's tuple.
 * - `Reply` events count the replies a server sends to calls; a message sent with `Process.send`
 *   from a handler is not an event (OTP's `gen_server` does not record it either).
 * - `changeCode` suspends, changes and resumes in one request (OTP's needs a suspended process);
 *   on a suspended process it changes code and leaves it suspended, as OTP's. It takes the new
 *   behaviour itself (OTP takes a module name, whose new code is already loaded) and reads the old
 *   version from the running behaviour (OTP's caller passes `OldVsn`; `fromVersion` checks it).
 * - Not yet: `install` (a debug function of one's own), `log_to_file`, debug options at start.
 *
 * @since 0.2.0
 */
import type { Effect, LogLevel } from "effect"
import type * as Errors from "./Errors.ts"
import * as codeChange from "./internal/codeChange.ts"
import type * as GenServer from "./GenServer.ts"
import * as internal from "./internal/sys.ts"
import type * as Pid from "./Pid.ts"
import {
  ReplaceStateFailed,
  CodeChangeFailed,
  InvalidState,
  UpgradeTimeout,
  BehaviourMismatch,
  VersionMismatch
} from "./Errors.ts"
import type { Target, Status, Behaviour, PendingTimeout, Event, Statistics, CountedStatistics } from "./internal/sys.ts"
import type { ChangeCodeOptions, Changed, ChangeCodeError } from "./internal/codeChange.ts"

export type {
  /**
   * A target of a system request: a server reference (GenServer's or GenStatem's) or a pid.
   *
   * @since 0.2.0
   * @category models
   */
  Target
}

/**
 * Options of every function here: `timeout`, default 5 seconds, as OTP; `"infinity"` waits as long
 * as the process lives.
 *
 * @since 0.2.0
 * @category models
 */
export type Options = GenServer.CallOptions

/**
 * What every function here can fail with, besides `BadArgument` for an invalid timeout: see the
 * module's "What each failure returns".
 *
 * @since 0.2.0
 * @category errors
 */
export type SysError = GenServer.SystemCallError

/**
 * The error the options may add: `BadArgument` when they carry a timeout other than `"infinity"`.
 *
 * @since 0.2.0
 * @category type-level
 */
export type OptionsError<O> = GenServer.CallOptionsError<O>

export type {
  /**
   * What {@link getStatus} answers: the pid, the registered name, the behaviour, whether it is
   * suspended, its state (as {@link getState} answers it), the number of messages waiting in its
   * mailbox, its parent (the process that started it linked), its minimum log level, a GenStatem's
   * running timeouts (with their time left and content), and the events its log keeps.
   *
   * @since 0.2.0
   * @category models
   */
  Status
}

export type {
  /**
   * The behaviour a server runs, as {@link getStatus} and its log annotations name it.
   *
   * @since 0.2.0
   * @category models
   */
  Behaviour
}

export type {
  /**
   * A GenStatem's timeout that has not fired yet, as {@link getStatus} shows it: its type (`"timeout"`,
   * `"stateTimeout"` or `{ timeout: name }`), the time left and its content.
   *
   * @since 0.2.0
   * @category models
   */
  PendingTimeout
}

export type {
  /**
   * An event of a server, as {@link trace} logs it and {@link log} keeps it (OTP's `sys` debug
   * events): `Call` (the request and the caller), `Cast`, `Info`, a GenStatem's `Timeout` and
   * `Internal` (inserted by a `nextEvent` action) are messages in; `Reply` (to whom, and the reply as
   * an `Exit`: a success, or a failure with the request's declared error) is a message out;
   * `StateChange` (a GenServer's state after a handler) and `Transition` (a GenStatem's state before
   * and after an event, and its data) are what the handler left.
   *
   * @since 0.2.0
   * @category models
   */
  Event
}

export {
  /**
   * The function given to {@link replaceState} threw: `error` is what it threw. The server keeps its
   * state and carries on (OTP's `sys:replace_state` with a crashing function).
   *
   * @since 0.2.0
   * @category errors
   */
  ReplaceStateFailed
}

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
) => Effect.Effect<unknown, SysError | OptionsError<O>> = internal.getState

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
) => Effect.Effect<S, ReplaceStateFailed | SysError | OptionsError<O>> = internal.replaceState

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
) => Effect.Effect<Status, SysError | OptionsError<O>> = internal.getStatus

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
) => Effect.Effect<void, SysError | OptionsError<O>> = internal.suspend

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
) => Effect.Effect<void, SysError | OptionsError<O>> = internal.resume

export type {
  /**
   * What {@link statistics} answers: the server's start time and the time now (node clock
   * milliseconds), its mailbox's message counts, and what it counted while its statistics are on
   * (`counted`, none while they are off).
   *
   * @since 0.2.0
   * @category models
   */
  Statistics
}

export type {
  /**
   * What a server counts once {@link statistics} is switched on: since when, the replies it sent
   * (`messagesOut`), how many events its handlers were run for (`handlerInvocations`, reductions'
   * nearest equivalent) and how long they ran (`handlerMillis`, on the process's `Clock`).
   *
   * @since 0.2.0
   * @category models
   */
  CountedStatistics
}

/**
 * The server's statistics (OTP's `sys:statistics(Name, get)`): when it started, the time now, how
 * many messages came into its mailbox, how many it has handled, how many its bounded mailbox
 * dropped (always there: the mailbox's own counts, kept for every process), and `counted`.
 *
 * With a boolean, switches the counting on or off instead (OTP's `sys:statistics(Name, true |
 * false)`): on, the server counts from then on its replies, its handler invocations and their
 * time, shown under `counted`; switched on again, it counts afresh. Off (the default), it counts
 * nothing per message.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { GenServer, Sys } from "effect-otp"
 * import { Counter, Get } from "./counter.ts"
 *
 * const program = Effect.gen(function*() {
 *   const counter = yield* GenServer.start(Counter, 0)
 *   yield* Sys.statistics(counter, true)
 *   yield* GenServer.cast(counter, { _tag: "Reset" })
 *   yield* GenServer.call(counter, new Get())
 *   const { counted, messagesHandled, messagesIn } = yield* Sys.statistics(counter)
 *   // [2, 2, Option.some({ since, messagesOut: 1, handlerInvocations: 2, handlerMillis: 0 })]
 *   return [messagesIn, messagesHandled, counted]
 * })
 * ```
 *
 * @since 0.2.0
 * @category debugging
 */
export const statistics: {
  <const O extends Options = {}>(target: Target, options?: O): Effect.Effect<Statistics, SysError | OptionsError<O>>
  <const O extends Options = {}>(
    target: Target,
    on: boolean,
    options?: O
  ): Effect.Effect<void, SysError | OptionsError<O>>
} = ((target: Target, on?: boolean | Options, options?: Options) =>
  typeof on === "boolean" ? internal.setStatistics(target, on, options) : internal.statistics(target, on)) as never

/**
 * Switches the server's trace on or off (OTP's `sys:trace`): while on, each of its {@link Event}s
 * is logged as it happens, at `Info`, from the server (see "Debugging a server" above for the
 * shape of a line). Costs nothing per message while off.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { GenServer, Sys } from "effect-otp"
 * import { Counter, Increment } from "./counter.ts"
 *
 * const program = Effect.gen(function*() {
 *   const counter = yield* GenServer.start(Counter, 0)
 *   yield* Sys.trace(counter, true)
 *   // logs "<0.2.0> got call Increment({"by":1}) from outside any process",
 *   // "<0.2.0> sent 1 to outside any process", "<0.2.0> new state 1"
 *   yield* GenServer.call(counter, new Increment({ by: 1 }))
 * })
 * ```
 *
 * @since 0.2.0
 * @category debugging
 */
export const trace: <const O extends Options = {}>(
  target: Target,
  on: boolean,
  options?: O
) => Effect.Effect<void, SysError | OptionsError<O>> = internal.trace

/**
 * The line of text {@link trace} logs for an {@link Event} of the server `pid`, such as
 * `<0.7.0> got call Note({"label":"a"}) from <0.6.0>` (values shown with Effect's `Formatter`). The
 * `Observer` shows traced events and the events of {@link getStatus}'s log with it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { GenServer, Sys } from "effect-otp"
 * import { Counter, Increment } from "./counter.ts"
 *
 * const program = Effect.gen(function*() {
 *   const counter = yield* GenServer.start(Counter, 0)
 *   const { pid } = yield* Sys.getStatus(counter)
 *   yield* Sys.log(counter, true)
 *   yield* GenServer.call(counter, new Increment({ by: 1 }))
 *   const events = yield* Sys.getLog(counter)
 *   // ["<0.2.0> got call Increment({"by":1}) from outside any process", "<0.2.0> sent 1 to ...", ...]
 *   return events.map((event) => Sys.formatEvent(pid, event))
 * })
 * ```
 *
 * @since 0.2.0
 * @category debugging
 */
export const formatEvent: (pid: Pid.Pid<never, unknown>, event: Event) => string = internal.describe

/**
 * Keeps the server's last `size` {@link Event}s (OTP's `sys:log(Name, {true, N})`): `true` keeps
 * the last 10, as OTP; `false` or 0 switches the log off and forgets it. A smaller size keeps the
 * newest events already logged. {@link getLog} and {@link getStatus} read them back. Fails with
 * `BadArgument` for a size that is not a boolean or a non-negative integer.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { GenServer, Sys } from "effect-otp"
 * import { Counter, Increment } from "./counter.ts"
 *
 * const program = Effect.gen(function*() {
 *   const counter = yield* GenServer.start(Counter, 0)
 *   yield* Sys.log(counter, 5)
 *   yield* GenServer.call(counter, new Increment({ by: 1 }))
 *   return yield* Sys.getLog(counter) // [Call, Reply, StateChange]
 * })
 * ```
 *
 * @since 0.2.0
 * @category debugging
 */
export const log: <const O extends Options = {}>(
  target: Target,
  size: number | boolean,
  options?: O
) => Effect.Effect<void, SysError | Errors.BadArgument | OptionsError<O>> = internal.log

/**
 * The events the server's log keeps (OTP's `sys:log(Name, get)`), oldest first; empty when its log
 * is off (see {@link log}).
 *
 * @since 0.2.0
 * @category debugging
 */
export const getLog: <const O extends Options = {}>(
  target: Target,
  options?: O
) => Effect.Effect<ReadonlyArray<Event>, SysError | OptionsError<O>> = internal.getLog

/**
 * Sets the server's minimum log level while it runs: every line it logs from then on below `level`
 * is dropped (Effect's own filter, on the server's fiber), and no other process is affected. The
 * `logLevel` start option sets it from the start; {@link getStatus} shows it. Fails with
 * `BadArgument` for a level that is not one of Effect's `LogLevel`s.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { GenServer, Sys } from "effect-otp"
 * import { Counter } from "./counter.ts"
 *
 * const program = Effect.gen(function*() {
 *   const counter = yield* GenServer.start(Counter, 0, { logLevel: "Warn" })
 *   yield* Sys.setLogLevel(counter, "Debug") // its debug lines are logged from now on
 * })
 * ```
 *
 * @since 0.2.0
 * @category debugging
 */
export const setLogLevel: <const O extends Options = {}>(
  target: Target,
  level: LogLevel.LogLevel,
  options?: O
) => Effect.Effect<void, SysError | Errors.BadArgument | OptionsError<O>> = internal.setLogLevel

// ---------------------------------------------------------------------------------------------
// Code change
// ---------------------------------------------------------------------------------------------

/**
 * A behaviour {@link changeCode} can install: a GenServer's or a GenStatem's (what both have in
 * common: `init`, and the optional `name` and `version`).
 *
 * @since 0.2.0
 * @category models
 */
export interface AnyBehaviour {
  readonly init: (args: never) => Effect.Effect<unknown, unknown, unknown>
  readonly name?: string | undefined
  readonly version?: string | undefined
}

export type {
  /**
   * Options of {@link changeCode}: `timeout` (default 5 s; it covers the wait for the server to get
   * to the request and the new `codeChange` itself), `fromVersion` (the version the server must be
   * running, else `VersionMismatch`), `extra` (the last argument of `codeChange`, OTP's `Extra`).
   *
   * @since 0.2.0
   * @category models
   */
  ChangeCodeOptions
}

export type {
  /**
   * What {@link changeCode} did: the server's pid, the new behaviour's declared name, and the
   * versions it ran before and runs now.
   *
   * @since 0.2.0
   * @category models
   */
  Changed
}

export {
  /**
   * The new behaviour's `codeChange` failed or died (`cause` is its `Cause`): the server runs its
   * old behaviour and state.
   *
   * @since 0.2.0
   * @category errors
   */
  CodeChangeFailed
}

export {
  /**
   * The migrated state does not satisfy the new behaviour's declared state Schema (a GenServer's
   * `state`, a GenStatem's `data`); `issue` says why. The server runs its old behaviour and state.
   *
   * @since 0.2.0
   * @category errors
   */
  InvalidState
}

export {
  /**
   * The code change did not finish within its timeout (the server did not get to it, or its
   * `codeChange` outlasted it and was interrupted): the server runs its old behaviour and state.
   *
   * @since 0.2.0
   * @category errors
   */
  UpgradeTimeout
}

export {
  /**
   * A GenStatem's behaviour was given for a GenServer, or the other way round: nothing changed.
   *
   * @since 0.2.0
   * @category errors
   */
  BehaviourMismatch
}

export {
  /**
   * `fromVersion` was given and the server runs another version: nothing changed.
   *
   * @since 0.2.0
   * @category errors
   */
  VersionMismatch
}

export type {
  /**
   * Why a code change failed; whichever it is, the server runs its old behaviour and state, resumed.
   *
   * @since 0.2.0
   * @category errors
   */
  ChangeCodeError
}

/**
 * Installs a new version of a server's behaviour while it runs (OTP's `sys:suspend`,
 * `sys:change_code`, `sys:resume` in one request): between two messages, the new behaviour's
 * `codeChange(oldVersion, state, extra)` migrates the state (a GenStatem's `codeChange(oldVersion,
 * state, data, extra)` its state and data); when the new behaviour declares a state Schema, the
 * migrated state is validated against it; then the server handles every later message with the new
 * handlers and the migrated state. Without `codeChange`, the state is kept as it is.
 *
 * **Details**
 *
 * - The server does nothing else while it changes code: the calls, casts and messages that come
 *   in meanwhile wait in its mailbox and are handled afterwards, in order, all by the new version
 *   (or all by the old one when the change failed). None is lost.
 * - A failure leaves the server on its old behaviour and state, and running: {@link CodeChangeFailed}
 *   (`codeChange` failed or died), {@link InvalidState} (the Schema refused the migrated state),
 *   {@link UpgradeTimeout} (not done within `timeout`), {@link BehaviourMismatch},
 *   {@link VersionMismatch}; plus the errors of every `Sys` function (`NoProc`, `CallingSelf`,
 *   `NoSystemHandler`, `ServerExited`, `BadArgument`).
 * - A server suspended with {@link suspend} changes code and stays suspended, as OTP's
 *   `sys:change_code` on a suspended process.
 * - Each change is logged as a `RELEASE` event (annotation `event: "RELEASE"`, with `behaviour`,
 *   `from`, `to` and `outcome`): at info level when it is done, at warning level when it fails.
 *
 * **Gotchas**: the new behaviour runs in the process already started, with the services it
 * started with: it cannot require new ones. A process with a system handler of its own
 * (`Process.setSystemHandler`) does not serve the request: the change fails with `UpgradeTimeout`
 * after `timeout`. A supervisor restarts the child from its child spec:
 * to make a restart start the new version too, upgrade through `Release.upgradeTree`.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { GenServer, Request, Sys } from "effect-otp"
 *
 * class Get extends Request.Class<Get>()("Get", { success: Schema.Number }) {}
 *
 * const V1 = GenServer.behaviour({
 *   name: "Counter",
 *   version: "1",
 *   protocol: [Get],
 *   init: (n: number) => Effect.succeed(GenServer.ok(n)),
 *   handleCall: { Get: (_, n) => Effect.succeed(GenServer.reply(n, n)) }
 * })
 *
 * const State = Schema.Struct({ count: Schema.Number, history: Schema.Array(Schema.Number) })
 * const V2 = GenServer.behaviour({
 *   name: "Counter",
 *   version: "2",
 *   protocol: [Get],
 *   state: State,
 *   init: (n: number) => Effect.succeed(GenServer.ok<typeof State.Type>({ count: n, history: [] })),
 *   handleCall: { Get: (_, s) => Effect.succeed(GenServer.reply(s.count, s)) },
 *   codeChange: (_oldVersion, n) => Effect.succeed({ count: n as number, history: [] })
 * })
 *
 * const program = Effect.gen(function*() {
 *   const counter = yield* GenServer.start(V1, 5)
 *   yield* Sys.changeCode(counter, V2) // { fromVersion: "1", toVersion: "2", ... }
 *   return yield* GenServer.call(counter, new Get()) // 5, answered by version 2
 * })
 * ```
 *
 * @since 0.2.0
 * @category system
 */
export const changeCode: <const O extends ChangeCodeOptions = {}>(
  target: Target,
  behaviour: AnyBehaviour,
  options?: O
) => Effect.Effect<Changed, ChangeCodeError | SysError | OptionsError<O>> = codeChange.changeCode as never
