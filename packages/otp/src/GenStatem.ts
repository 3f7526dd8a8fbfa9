/**
 * GenStatem: a process that is a state machine (OTP's `gen_statem`).
 *
 * A GenStatem is a server whose behaviour depends on the state it is in: each event (a call, a
 * cast, any other message, a timeout, an event it inserted itself) is handled by the code of the
 * current state, which answers with a transition (the next state and data) and actions (replies,
 * postpone, inserted events, timeouts). Beyond what a GenServer gives, it has: code grouped by
 * state, events postponed until the state changes, events inserted by the machine itself, state
 * enter calls, and three kinds of timeouts with OTP's cancellation rules. Calls are typed as
 * GenServer's: a request is a `Request.Class` that declares its reply, and
 * `GenStatem.call(machine, request)` has the type `Effect<Reply, DeclaredError | CallError>`; a
 * request outside the protocol does not compile.
 *
 * ## Example
 *
 * A traffic light: red → green → yellow → red, each color held for its time by a state timeout set
 * in the color's state enter call, counting the cycles completed.
 *
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { GenStatem, Node, Request } from "effect-otp"
 *
 * type Color = "red" | "green" | "yellow"
 *
 * class GetLight extends Request.Class<GetLight>()("GetLight", {
 *   success: Schema.Struct({ color: Schema.Literals(["red", "green", "yellow"]), cycles: Schema.Number })
 * }) {}
 *
 * interface LightTypes {
 *   readonly state: Color
 *   readonly data: { readonly cycles: number }
 *   readonly timeout: "change"
 * }
 *
 * const after: Record<Color, Color> = { red: "green", green: "yellow", yellow: "red" }
 *
 * // every color does the same: serve GetLight, and move on when its state timeout fires
 * const light = (color: Color) => (event: GenStatem.Event<GetLight, LightTypes>, data: LightTypes["data"]) =>
 *   Effect.succeed(
 *     event._tag === "StateTimeout"
 *       ? GenStatem.nextState(after[color], data)
 *       : GenStatem.isCall(event, GetLight)
 *         ? GenStatem.keepStateAndData([GenStatem.replyAction(event.from, { color, cycles: data.cycles })])
 *         : GenStatem.keepStateAndData()
 *   )
 *
 * export const TrafficLight = GenStatem.behaviour<LightTypes>()({
 *   callbackMode: "stateFunctions",
 *   protocol: [GetLight],
 *   init: () => Effect.succeed(GenStatem.ok("red", { cycles: 0 })),
 *   stateEnter: true,
 *   enter: {
 *     // entering red from yellow completes a cycle (the first enter call, after init, comes from "red")
 *     red: (oldState, data) =>
 *       Effect.succeed(
 *         GenStatem.keepState({ cycles: oldState === "yellow" ? data.cycles + 1 : data.cycles }, [
 *           GenStatem.stateTimeout("30 seconds", "change")
 *         ])
 *       ),
 *     green: () => Effect.succeed(GenStatem.keepStateAndData([GenStatem.stateTimeout("25 seconds", "change")])),
 *     yellow: () => Effect.succeed(GenStatem.keepStateAndData([GenStatem.stateTimeout("5 seconds", "change")]))
 *   },
 *   states: { red: light("red"), green: light("green"), yellow: light("yellow") }
 * })
 *
 * const program = Effect.gen(function*() {
 *   const trafficLight = yield* GenStatem.start(TrafficLight, undefined, { name: "light" })
 *   return yield* GenStatem.call(trafficLight, new GetLight()) // { color: "red", cycles: 0 }
 * })
 *
 * Effect.runPromise(program.pipe(Effect.provide(Node.layer())))
 * ```
 *
 * The tests hold a second example, a door lock in `"handleEvent"` mode: digits are entered with
 * calls, the right code opens the door, and a state timeout locks it again after 10 seconds unless
 * it is locked by hand first (that state change cancels the timeout).
 *
 * ## Types, callback modes and events
 *
 * {@link behaviour} takes the machine's {@link Types} first (`state`, `data`, and the contents of
 * `cast`, `info`, `internal` and `timeout` events), then the callbacks, whose other types (protocol,
 * start argument, init's errors, requirements) are inferred:
 *
 * | callback mode | callbacks | states |
 * |---|---|---|
 * | `"handleEvent"` (OTP's `handle_event_function`) | `handleEvent(event, state, data)` | any type; compared by value (`Equal.equals`) |
 * | `"stateFunctions"` (OTP's `state_functions`) | `states: { [state]: (event, data) => ... }` | names (strings) |
 *
 * Both modes also take `init(args)` (returns {@link ok}`(state, data, actions?)`; a failure makes
 * `start` fail with it; {@link ignore} is OTP's `ignore`), `terminate(reason, state, data)` (if it
 * crashes, the machine exits with that crash), `codeChange`, `version`, and, with
 * `stateEnter: true`, `enter` (see below). Every callback returns an `Effect` and may use services.
 *
 * An {@link Event} is a tagged value: `Call` (`request`, `from`), `Cast`, `Info` (any other
 * message: a plain send, an `EXIT` when trapping exits, a `DOWN`), `Internal` (from
 * {@link nextEvent}), `Timeout`, `StateTimeout`, `GenericTimeout` (`name`); all but `Call` carry a
 * `content`. {@link isCall}`(event, RequestClass)` narrows an event to a call of that request so
 * that `reply(event.from, value)` is checked against the request's reply type. A kind whose content
 * type is `never` in the {@link Types} (casts, internal events and timeouts by default) does not
 * occur and need not be handled.
 *
 * ## Transitions and actions
 *
 * | result | OTP | the state | state enter call | postponed events |
 * |---|---|---|---|---|
 * | {@link nextState}`(state, data, actions?)` | `next_state` | `state` | if `state` differs | retried if `state` differs |
 * | {@link keepState}`(data, actions?)` | `keep_state` | same | no | kept |
 * | {@link keepStateAndData}`(actions?)` | `keep_state_and_data` | same | no | kept |
 * | {@link repeatState}`(data, actions?)` / {@link repeatStateAndData} | `repeat_state` | same | yes | kept |
 * | {@link stopWith}`(reason?, { data?, replies? })` | `stop`, `stop_and_reply` | the machine sends the replies, runs `terminate`, exits with `reason` (default `Normal`) | | |
 *
 * | action | OTP | does |
 * |---|---|---|
 * | {@link replyAction}`(from, value)` / {@link replyErrorAction}`(from, error)` | `{reply, From, Reply}` (`reply_action()`) | answers a call, at once, in the order of the actions; `from` may come from an earlier event (reply from a later state) |
 * | {@link postpone} | `postpone` | keeps the current event and handles it again after the next state change |
 * | {@link nextEvent}`(content)` | `{next_event, internal, C}` | inserts an `Internal` event, handled next, before queued messages; several in the order of the actions |
 * | {@link eventTimeout}, {@link stateTimeout}, {@link genericTimeout} | `{timeout, T, C}`, `{state_timeout, T, C}`, `{{timeout, Name}, T, C}` | starts (or restarts) a timeout; see below |
 * | {@link cancelTimeout}`(type)`, {@link updateTimeout}`(type, content)` | `{Type, cancel}`, `{Type, update, C}` | stops a timeout; changes its content |
 *
 * A transition is carried out in OTP's order: the replies as their actions come; if the state
 * changes (or repeats) and `stateEnter` is on, the enter call of the new state, whose actions add to
 * the event's; the current event is postponed if asked; on a state change the postponed events
 * (oldest first) go back in front of the queue and the state timeout is cancelled; the event
 * timeout is cancelled (any event does); the new timeouts start (the last action of each type
 * wins); the inserted events go in front of everything. Then the next event is: an inserted or
 * retried event, else a zero-time timeout, else the next message in the mailbox.
 *
 * An invalid action (a timeout time that is negative, NaN or not a duration, an unknown timeout
 * type, a value that is not an action) crashes the machine with {@link BadAction}, after the
 * actions before it, as OTP's `bad_action_from_state_function`. A timeout's time may be `0` or
 * `"Infinity"` (an infinite time cancels the timeout, as OTP's `infinity`).
 *
 * ## State enter calls
 *
 * With `stateEnter: true`, the machine calls `enter` each time it enters a state: after `init`
 * (with the first state as old state, as OTP), after every state change, and after
 * `repeatState`. In `"handleEvent"` mode `enter` is one function `(oldState, state, data)`; in
 * `"stateFunctions"` mode it is one function per state `(oldState, data)`, and a state without one
 * is entered without a call. An enter call returns `keepState`, `keepStateAndData`, `repeatState`
 * (enter again) or `stopWith`, and its actions are replies and timeouts only: it cannot change the
 * state, postpone, or insert events. A state timeout set on entering is the usual way to bound
 * the time in a state.
 *
 * ## Timeouts
 *
 * Every timeout runs on the process's own timers (Effect's `Clock`, so `TestClock` drives them in
 * tests) and arrives as a message in its own mailbox, after the messages sent before it fired.
 *
 * | timeout | event | cancelled by | a new one of the same kind |
 * |---|---|---|---|
 * | {@link eventTimeout} | `Timeout` | any event (a message, a timeout, an inserted or retried event), {@link cancelTimeout}`("timeout")` | replaces it |
 * | {@link stateTimeout} | `StateTimeout` | a state change (not `keepState`, not `repeatState`, not events), {@link cancelTimeout}`("stateTimeout")` | replaces it |
 * | {@link genericTimeout}`(name, ...)` | `GenericTimeout` with `name` | only {@link cancelTimeout}`({ timeout: name })`; each name is independent | of the same name replaces it |
 *
 * - A state timeout set in a transition that changes the state belongs to the new state.
 * - Time `0`: the timeout event comes after the inserted and retried events and before any message
 *   in the mailbox; a zero event timeout therefore fires only when no event is queued. An infinite
 *   duration cancels, as OTP's `infinity`.
 * - {@link updateTimeout} changes the content of a running timeout without restarting it; if none
 *   is running the event comes at once, as with time `0`.
 * - **A cancelled or replaced timeout never fires**, even when its timer had already put its
 *   message in the mailbox: each message names its timer, and a message whose timer is not the
 *   running one of its kind is dropped.
 * - All timeouts die with the process.
 *
 * ## Client API
 *
 * {@link call}, {@link cast}, {@link stop}, {@link getState}, {@link whereis}, {@link named}
 * and {@link fromPid} work as GenServer's, on the same {@link Server} references and the same call
 * machinery: default call timeout 5 seconds; `NoProc` for a machine that is not alive;
 * `ServerExited` when it exits before replying; `CallTimeout` after the timeout, the late reply
 * being dropped; calls and casts from one caller handled in the order they were sent. A machine
 * may keep `event.from` (in its data, or by postponing the call) and answer from a later state; a
 * caller that gave up is not harmed. `GenServer.call` reaches a GenStatem and the other way round,
 * as OTP's `gen:call`.
 *
 * ## Names shared with GenServer
 *
 * One name means one thing in both modules:
 *
 * | name | what | OTP |
 * |---|---|---|
 * | {@link stop}`(server, reason?, options?)` | the client function that stops a machine or a server and waits | `gen_statem:stop/3`, `gen_server:stop/3` |
 * | {@link stopWith}`(reason?, { data?, replies? })` | the result that stops the machine from inside (GenServer's `stopWith(reason, state)`) | `stop`, `stop_and_reply` |
 * | {@link replyTo}`(from, value)` / {@link replyErrorTo}`(from, error)` | an effect that answers a call now, from anywhere | `gen_statem:reply/2`, `gen_server:reply/2` |
 * | {@link replyAction}`(from, value)` / {@link replyErrorAction}`(from, error)` | the action that answers a call when the actions are carried out | `{reply, From, Reply}` (`reply_action()`) |
 *
 * `reply(value, state)` is GenServer's call-handler result only; a GenStatem has no `reply`.
 *
 * ## How to supervise
 *
 * Use {@link childSpec} in a `Supervisor`. A machine that should run `terminate` when its
 * supervisor shuts it down must trap exits (start option `trapExit: true`), as in OTP. A restarted
 * machine starts again from `init`: its state, data and timeouts are gone.
 *
 * ## Name registration
 *
 * Start with `{ name }` (a local name, or `Registry.via(registry, key)`); `AlreadyRegistered` if the
 * name is taken. {@link named} gives a typed reference that looks the name up at every call.
 *
 * ## Code change
 *
 * {@link changeCode}`(machine, newBehaviour)` (`Sys.changeCode`, typed for a machine) installs a
 * new version in a running machine between two events, as OTP's `sys:change_code`: the new
 * behaviour's `codeChange(oldVersion, state, data, extra)` migrates the state and data, its `data`
 * Schema (when it declares one) validates the migrated data, and a failure keeps the old version
 * running, with a typed error. Give the versions the same `name` and each its own `version` to
 * upgrade whole trees with `Release.upgradeTree`; see "Upgrading a running system" in `Release`.
 *
 * ## Differences from OTP
 *
 * - Results and actions are tagged values built by functions, not tuples; a bad result or a state
 *   enter call that changes the state does not compile (OTP's `bad_return_from_state_function`).
 * - State enter calls go to `enter`, not to the state function with an `enter` event type, so that
 *   their narrower result type is checked.
 * - {@link nextEvent} inserts `Internal` events only (OTP also allows other event types).
 * - States are compared with `Equal.equals` (structural), OTP's `=:=`; do not mutate a state.
 * - No `hibernate` (a fiber has no heap to compact), no absolute-time timeouts, no
 *   `change_callback_module` / `push_callback_module` (use {@link changeCode}).
 * - OTP's `{stop, Reason}` from `init` is a typed failure of `init`, and `start` fails with it;
 *   `ignore` is {@link ignore}, an effect that fails `init` with `Ignored`.
 * - Starts follow `GenServer`'s rules (see "Starting" and "Differences from OTP" there): a failed
 *   start returns once the process has exited, with a typed error, and never signals its caller.
 * - Calls are typed by the `protocol`: a request outside it does not compile, and one that reaches
 *   the machine anyway (untyped or decoded) crashes the machine before any state function sees it;
 *   the caller gets `ServerExited` with that crash at once. OTP has no protocol: such a call is an
 *   event like any other, and the caller waits for its timeout if nobody answers.
 * - Across nodes a machine speaks OTP's gen protocol (see `GenServer.remote`). With `casts` and
 *   `infos` (the Schemas of its `cast` and `info` types) a cast or message from another node is
 *   decoded before it becomes an event, and one that does not decode makes no event (logged,
 *   counted in `Node.undecodable`, dropped), where OTP hands any term to the state function.
 *   Without them, such a cast or message carries the Erlang term it came as.
 * - A machine that calls itself (`call`, `stop`, `getState`, `changeCode`, by pid or name)
 *   fails at once with `GenServer.CallingSelf`, where OTP exits with `calling_self` (and deadlocks
 *   on `gen_statem:stop` of itself).
 *
 * ## When not to use it
 *
 * When the behaviour hardly depends on a state, a GenServer is simpler. When nothing else needs to
 * reach the state machine, keep it a pure function `(state, event) => state` (the functional core)
 * and test it without a process. For CPU-bound work in a handler, use a worker pool: a state
 * function that computes for a long time blocks every event and every timeout behind it.
 *
 * ## Debugging
 *
 * {@link getState} reads the state and data through the system lane (OTP's `sys:get_state`),
 * before any waiting message; a crash in a callback runs `terminate` with the crash as reason and
 * logs a crash report with the pid, name and cause; `Process.info` shows the mailbox. To see the
 * order in which events are handled, log in the callbacks: events are handled one at a time, in the
 * order described above.
 *
 * **Gotchas**
 *
 * - `getState`, `stop` and `changeCode` go through the system lane, ahead of messages already
 *   in the mailbox: after a cast, a call (not `getState`) is what waits until the cast is handled.
 * - A postponed event stays postponed for as long as the state does not change: a machine that
 *   postpones everything in a state it never leaves grows its queue without bound.
 * - With a bounded mailbox whose overflow is `"dropOldest"`, a timeout's message is a message like
 *   any other and can be dropped.
 *
 * @since 0.1.0
 */
import { type Duration, Effect, Layer, type Schema, type Scope } from "effect"
import { dual } from "effect/Function"
import type * as ChildSpecModule from "./ChildSpec.ts"
import type * as Errors from "./Errors.ts"
import * as ExitReason from "./ExitReason.ts"
import type * as GenServer from "./GenServer.ts"
import {
  type CallOptions,
  type From,
  send as sendToServer,
  type Server,
  type StartError,
  type StartOptions
} from "./GenServer.ts"
import * as codeChange from "./internal/codeChange.ts"
import * as internal from "./internal/genStatem.ts"
import type * as Name from "./internal/name.ts"
import * as server from "./internal/server.ts"
import * as validate from "./internal/validate.ts"
import type { Node } from "./Node.ts"
import type * as Process from "./Process.ts"
import type * as Request from "./Request.ts"
import { BadAction, CodeChangeFailed } from "./Errors.ts"

// The client API is GenServer's, declared there once: a GenStatem speaks the same protocol, so each
// function works on both (as OTP's `gen:call`, `gen:stop`).
export {
  type CallError,
  type CallOptions,
  type From,
  call,
  cast,
  fromPid,
  ignore,
  isCallError,
  isServer,
  replyErrorTo,
  replyTo,
  type Server,
  type ServerPid,
  type StartError,
  type StartOptions,
  stop,
  whereis
} from "./GenServer.ts"

// ---------------------------------------------------------------------------------------------
// Types of a machine
// ---------------------------------------------------------------------------------------------

/**
 * The types of a state machine, given once to {@link behaviour}: its states, its data, and the
 * contents of the events it handles besides calls (whose types come from the protocol).
 *
 * | field | what | default |
 * |---|---|---|
 * | `state` | the states (a union of names for `"stateFunctions"`, any type for `"handleEvent"`) | required |
 * | `data` | the data carried across states | required |
 * | `cast` | what {@link cast} sends | `never`: no casts |
 * | `info` | any other message that reaches the process | `unknown` |
 * | `internal` | what {@link nextEvent} inserts | `never`: no inserted events |
 * | `timeout` | the content of timeout events (event, state and generic timeouts alike) | `never`: no timeouts |
 *
 * @since 0.1.0
 * @category models
 */
export interface Types {
  readonly state: unknown
  readonly data: unknown
  readonly cast?: unknown
  readonly info?: unknown
  readonly internal?: unknown
  readonly timeout?: unknown
}

/**
 * @since 0.1.0
 * @category type-level
 */
export type StateOf<T extends Types> = T["state"]

/**
 * @since 0.1.0
 * @category type-level
 */
export type DataOf<T extends Types> = T["data"]

/**
 * @since 0.1.0
 * @category type-level
 */
export type CastOf<T extends Types> = T extends { readonly cast: infer C } ? C : never

/**
 * @since 0.1.0
 * @category type-level
 */
export type InfoOf<T extends Types> = T extends { readonly info: infer I } ? I : unknown

/**
 * @since 0.1.0
 * @category type-level
 */
export type InternalOf<T extends Types> = T extends { readonly internal: infer N } ? N : never

/**
 * @since 0.1.0
 * @category type-level
 */
export type TimeoutOf<T extends Types> = T extends { readonly timeout: infer C } ? C : never

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

/**
 * A call (OTP's `{call, From}` event): answer it with `reply(event.from, value)`.
 *
 * @since 0.1.0
 * @category events
 */
export type Call<Req> = Req extends Request.Any
  ? {
      readonly _tag: "Call"
      readonly request: Req
      readonly from: From<Request.Success<Req>, Request.Failure<Req>>
    }
  : never

/**
 * A cast (OTP's `cast` event).
 *
 * @since 0.1.0
 * @category events
 */
export interface Cast<C> {
  readonly _tag: "Cast"
  readonly content: C
}

/**
 * Any other message that reached the process (OTP's `info` event): a plain send, an `EXIT` from a
 * linked process when trapping exits, a `DOWN`.
 *
 * @since 0.1.0
 * @category events
 */
export interface Info<I> {
  readonly _tag: "Info"
  readonly content: I
}

/**
 * An event inserted by {@link nextEvent} (OTP's `internal` event).
 *
 * @since 0.1.0
 * @category events
 */
export interface Internal<N> {
  readonly _tag: "Internal"
  readonly content: N
}

/**
 * The event timeout fired (OTP's `timeout` event).
 *
 * @since 0.1.0
 * @category events
 */
export interface Timeout<C> {
  readonly _tag: "Timeout"
  readonly content: C
}

/**
 * The state timeout fired (OTP's `state_timeout` event).
 *
 * @since 0.1.0
 * @category events
 */
export interface StateTimeout<C> {
  readonly _tag: "StateTimeout"
  readonly content: C
}

/**
 * The generic timeout `name` fired (OTP's `{timeout, Name}` event).
 *
 * @since 0.1.0
 * @category events
 */
export interface GenericTimeout<C> {
  readonly _tag: "GenericTimeout"
  readonly name: string
  readonly content: C
}

/**
 * The events a machine handles: calls of its protocol `Req`, then the kinds its {@link Types}
 * declare (a kind whose content type is `never` does not occur).
 *
 * @since 0.1.0
 * @category events
 */
export type Event<Req, T extends Types> =
  | Call<Req>
  | ([CastOf<T>] extends [never] ? never : Cast<CastOf<T>>)
  | Info<InfoOf<T>>
  | ([InternalOf<T>] extends [never] ? never : Internal<InternalOf<T>>)
  | ([TimeoutOf<T>] extends [never]
      ? never
      : Timeout<TimeoutOf<T>> | StateTimeout<TimeoutOf<T>> | GenericTimeout<TimeoutOf<T>>)

/**
 * Narrows an event to a call of the request class `request`, so that `event.from` has that
 * request's reply type.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { GenStatem, Request } from "effect-otp"
 *
 * class GetColor extends Request.Class<GetColor>()("GetColor", { success: Schema.String }) {}
 *
 * export const Light = GenStatem.behaviour<{ state: "red" | "green"; data: null }>()({
 *   callbackMode: "handleEvent",
 *   protocol: [GetColor],
 *   init: () => Effect.succeed(GenStatem.ok("red", null)),
 *   handleEvent: (event, state) =>
 *     Effect.succeed(
 *       GenStatem.isCall(event, GetColor)
 *         ? GenStatem.keepStateAndData([GenStatem.replyAction(event.from, state)]) // from: From<string, never>
 *         : GenStatem.keepStateAndData()
 *     )
 * })
 * ```
 *
 * @since 0.1.0
 * @category guards
 */
export const isCall = <E, C extends abstract new (...args: any) => Request.Any>(
  event: E,
  request: C
): event is Extract<E, { readonly _tag: "Call"; readonly request: InstanceType<C> }> =>
  (event as { readonly _tag?: unknown })._tag === "Call" &&
  (event as unknown as { readonly request: unknown }).request instanceof request

// ---------------------------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------------------------

/**
 * Answer a call: {@link replyAction} or {@link replyErrorAction}.
 *
 * @since 0.1.0
 * @category actions
 */
export interface ReplyAction {
  readonly _tag: "Reply"
  /** @internal */
  readonly send: () => void
}

/**
 * Postpone the current event: it is handled again after the next state change (OTP's `postpone`).
 *
 * @since 0.1.0
 * @category actions
 */
export interface Postpone {
  readonly _tag: "Postpone"
}

/**
 * Insert an `Internal` event, handled before any queued message (OTP's `{next_event, internal, C}`).
 *
 * @since 0.1.0
 * @category actions
 */
export interface NextEvent<N> {
  readonly _tag: "NextEvent"
  readonly content: N
}

/**
 * Which timeout: the event timeout, the state timeout, or the generic timeout of a name (OTP's
 * `timeout`, `state_timeout`, `{timeout, Name}`).
 *
 * @since 0.1.0
 * @category actions
 */
export type TimeoutType = "timeout" | "stateTimeout" | { readonly timeout: string }

/**
 * Start, restart, cancel or update a timeout.
 *
 * @since 0.1.0
 * @category actions
 */
export interface SetTimeout<C> {
  readonly _tag: "SetTimeout"
  readonly type: TimeoutType
  /** a duration starts (or restarts) it; `"cancel"` stops it; `"update"` changes its content */
  readonly time: Duration.Input | "cancel" | "update"
  readonly content: C
}

/**
 * What an event handler may ask for beside its transition.
 *
 * @since 0.1.0
 * @category actions
 */
export type Action<N, C> = ReplyAction | Postpone | NextEvent<N> | SetTimeout<C>

/**
 * What a state enter call may ask for: replies and timeouts (no postpone, no inserted events), as
 * OTP's `enter_action()`.
 *
 * @since 0.1.0
 * @category actions
 */
export type EnterAction<C> = ReplyAction | SetTimeout<C>

/**
 * The actions of a machine with these types.
 *
 * @since 0.1.0
 * @category type-level
 */
export type ActionOf<T extends Types> = Action<InternalOf<T>, TimeoutOf<T>>

/**
 * The action that answers a call (OTP's `{reply, From, Reply}`): the caller gets `value`. The
 * reply is sent when the action is carried out, in the order of the actions. To answer at once
 * from an effect (another process, a later callback), use {@link replyTo}.
 *
 * @since 0.1.0
 * @category actions
 */
export const replyAction = <A, E>(from: From<A, E>, value: NoInfer<A>): ReplyAction => ({
  _tag: "Reply",
  send: () => void server.replyUnsafe(from, value)
})

/**
 * The action that answers a call with one of the errors its request declares (the error side of
 * {@link replyAction}; {@link replyErrorTo} answers at once from an effect).
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { GenStatem, Node, Request } from "effect-otp"
 *
 * class Enter extends Request.Class<Enter>()("Enter", { success: Schema.String, failure: Schema.Literal("closed") }) {}
 *
 * const Shop = GenStatem.behaviour<{ state: "open" | "closed"; data: number }>()({
 *   callbackMode: "handleEvent",
 *   protocol: [Enter],
 *   init: () => Effect.succeed(GenStatem.ok("open", 0)),
 *   handleEvent: (event, state, n) =>
 *     Effect.succeed(
 *       !GenStatem.isCall(event, Enter)
 *         ? GenStatem.keepStateAndData()
 *         : state === "closed"
 *           ? GenStatem.keepStateAndData([GenStatem.replyErrorAction(event.from, "closed")])
 *           : GenStatem.keepState(n + 1, [GenStatem.replyAction(event.from, `customer ${n + 1}`)])
 *     )
 * })
 *
 * const program = Effect.gen(function*() {
 *   const shop = yield* GenStatem.start(Shop, undefined)
 *   return yield* GenStatem.call(shop, new Enter(), { timeout: "1 second" }) // Effect<string, "closed" | CallError>
 * })
 *
 * Effect.runPromise(program.pipe(Effect.provide(Node.layer())))
 * ```
 *
 * @since 0.1.0
 * @category actions
 */
export const replyErrorAction = <A, E>(from: From<A, E>, error: NoInfer<E>): ReplyAction => ({
  _tag: "Reply",
  send: () => void server.replyErrorUnsafe(from, error)
})

/**
 * Postpones the current event until the state changes.
 *
 * **Details**: a postponed event is handled again, in the new state, after the next state change;
 * several postponed events come back oldest first, before any event that arrived after them. An
 * event postponed again stays postponed until the next change.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { GenStatem, Request } from "effect-otp"
 *
 * class Send extends Request.Class<Send>()("Send", { fields: { text: Schema.String }, success: Schema.String }) {}
 *
 * // while connecting, calls wait: they are answered once the connection is up
 * export const Connection = GenStatem.behaviour<{ state: "connecting" | "up"; data: null; cast: "connected" }>()({
 *   callbackMode: "stateFunctions",
 *   protocol: [Send],
 *   init: () => Effect.succeed(GenStatem.ok("connecting", null)),
 *   states: {
 *     connecting: (event, data) =>
 *       Effect.succeed(
 *         event._tag === "Cast" ? GenStatem.nextState("up", data) : GenStatem.keepStateAndData([GenStatem.postpone])
 *       ),
 *     up: (event) =>
 *       Effect.succeed(
 *         GenStatem.isCall(event, Send)
 *           ? GenStatem.keepStateAndData([GenStatem.replyAction(event.from, `sent ${event.request.text}`)])
 *           : GenStatem.keepStateAndData()
 *       )
 *   }
 * })
 * ```
 *
 * @since 0.1.0
 * @category actions
 */
export const postpone: Postpone = { _tag: "Postpone" }

/**
 * Inserts an internal event, handled next (after the other events inserted by the same
 * transition, in order, and before any message in the mailbox).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { GenStatem } from "effect-otp"
 *
 * // a cast of several lines becomes one internal event per line, handled before the next cast
 * export const Lines = GenStatem.behaviour<{
 *   state: "ready"
 *   data: ReadonlyArray<string>
 *   cast: string
 *   internal: string
 * }>()({
 *   callbackMode: "handleEvent",
 *   init: () => Effect.succeed(GenStatem.ok("ready", [])),
 *   handleEvent: (event, _state, lines) =>
 *     Effect.succeed(
 *       event._tag === "Cast"
 *         ? GenStatem.keepStateAndData(event.content.split("\n").map((line) => GenStatem.nextEvent(line)))
 *         : event._tag === "Internal"
 *           ? GenStatem.keepState([...lines, event.content])
 *           : GenStatem.keepStateAndData()
 *     )
 * })
 * ```
 *
 * @since 0.1.0
 * @category actions
 */
export const nextEvent = <N>(content: N): NextEvent<N> => ({ _tag: "NextEvent", content })

const setTimeout = <C>(type: TimeoutType, time: SetTimeout<C>["time"], content: C): SetTimeout<C> => ({
  _tag: "SetTimeout",
  type,
  time,
  content
})

/**
 * Starts the event timeout: a `Timeout` event after `time`, unless another event comes first (any
 * event cancels it). A new one replaces the running one.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { GenStatem } from "effect-otp"
 *
 * // a session that goes idle after 30 seconds without any event
 * export const Session = GenStatem.behaviour<{ state: "active" | "idle"; data: null; cast: "touch"; timeout: "idle" }>()({
 *   callbackMode: "handleEvent",
 *   init: () => Effect.succeed(GenStatem.ok("active", null, [GenStatem.eventTimeout("30 seconds", "idle")])),
 *   handleEvent: (event, _state, data) =>
 *     Effect.succeed(
 *       event._tag === "Timeout"
 *         ? GenStatem.nextState("idle", data)
 *         : GenStatem.nextState("active", data, [GenStatem.eventTimeout("30 seconds", "idle")])
 *     )
 * })
 * ```
 *
 * @since 0.1.0
 * @category timeouts
 */
export const eventTimeout: {
  (time: Duration.Input): SetTimeout<void>
  <C>(time: Duration.Input, content: C): SetTimeout<C>
} = <C>(time: Duration.Input, content?: C): SetTimeout<C> => setTimeout("timeout", time, content as C)

/**
 * Starts the state timeout: a `StateTimeout` event after `time`, unless the state changes first.
 * Set in a transition that changes the state, it belongs to the new state. A new one replaces the
 * running one.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { GenStatem } from "effect-otp"
 *
 * // an open door locks itself after 10 seconds, unless it is locked by hand first
 * export const Door = GenStatem.behaviour<{ state: "locked" | "open"; data: null; cast: "open" | "lock"; timeout: "lock" }>()({
 *   callbackMode: "handleEvent",
 *   init: () => Effect.succeed(GenStatem.ok("locked", null)),
 *   handleEvent: (event, state, data) =>
 *     Effect.succeed(
 *       event._tag === "Cast" && event.content === "open" && state === "locked"
 *         ? GenStatem.nextState("open", data, [GenStatem.stateTimeout("10 seconds", "lock")])
 *         : event._tag === "StateTimeout" || (event._tag === "Cast" && event.content === "lock")
 *           ? GenStatem.nextState("locked", data)
 *           : GenStatem.keepStateAndData()
 *     )
 * })
 * ```
 *
 * @since 0.1.0
 * @category timeouts
 */
export const stateTimeout: {
  (time: Duration.Input): SetTimeout<void>
  <C>(time: Duration.Input, content: C): SetTimeout<C>
} = <C>(time: Duration.Input, content?: C): SetTimeout<C> => setTimeout("stateTimeout", time, content as C)

/**
 * Starts the generic timeout `name`: a `GenericTimeout` event after `time`. Neither events nor state
 * changes cancel it; a new one of the same name replaces it; {@link cancelTimeout} stops it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { GenStatem } from "effect-otp"
 *
 * // a heartbeat every 5 seconds whatever the state, until "stop" cancels it
 * export const Heart = GenStatem.behaviour<{ state: "calm" | "busy"; data: number; cast: "stop"; timeout: null }>()({
 *   callbackMode: "handleEvent",
 *   init: () => Effect.succeed(GenStatem.ok("calm", 0, [GenStatem.genericTimeout("beat", "5 seconds", null)])),
 *   handleEvent: (event, _state, beats) =>
 *     Effect.succeed(
 *       event._tag === "GenericTimeout"
 *         ? GenStatem.keepState(beats + 1, [GenStatem.genericTimeout("beat", "5 seconds", null)])
 *         : event._tag === "Cast"
 *           ? GenStatem.keepStateAndData([GenStatem.cancelTimeout({ timeout: "beat" })])
 *           : GenStatem.keepStateAndData()
 *     )
 * })
 * ```
 *
 * @since 0.1.0
 * @category timeouts
 */
export const genericTimeout: {
  (name: string, time: Duration.Input): SetTimeout<void>
  <C>(name: string, time: Duration.Input, content: C): SetTimeout<C>
} = <C>(name: string, time: Duration.Input, content?: C): SetTimeout<C> =>
  setTimeout({ timeout: name }, time, content as C)

/**
 * Cancels a running timeout (OTP's `{Type, cancel}`); nothing happens if it is not running. A
 * cancelled timeout never fires.
 *
 * @since 0.1.0
 * @category timeouts
 */
export const cancelTimeout = (type: TimeoutType): SetTimeout<never> => setTimeout(type, "cancel", undefined as never)

/**
 * Changes the content of a running timeout without restarting it (OTP's `{Type, update, Content}`);
 * if it is not running, the timeout event is delivered at once, as a zero-time timeout.
 *
 * @since 0.1.0
 * @category timeouts
 */
export const updateTimeout = <C>(type: TimeoutType, content: C): SetTimeout<C> => setTimeout(type, "update", content)

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

/** @internal */
export const Unchanged: typeof internal.Unchanged = internal.Unchanged

/**
 * `init` succeeded: the first state, the data, and actions (carried out as those of a transition).
 *
 * @since 0.1.0
 * @category results
 */
export interface Ok<S, D, A> {
  readonly _tag: "Ok"
  readonly state: S
  readonly data: D
  readonly actions: ReadonlyArray<A>
}

/**
 * Go to `state` with `data` (OTP's `next_state`). A different state retries the postponed events,
 * cancels the state timeout and makes a state enter call; the same state is `keepState`.
 *
 * @since 0.1.0
 * @category results
 */
export interface NextState<S, D, A> {
  readonly _tag: "NextState"
  readonly state: S
  readonly data: D
  readonly actions: ReadonlyArray<A>
}

/**
 * Stay in the state (OTP's `keep_state` and `keep_state_and_data`).
 *
 * @since 0.1.0
 * @category results
 */
export interface KeepState<D, A> {
  readonly _tag: "KeepState"
  readonly data: D | typeof Unchanged
  readonly actions: ReadonlyArray<A>
}

/**
 * Stay in the state but make a state enter call again (OTP's `repeat_state`).
 *
 * @since 0.1.0
 * @category results
 */
export interface RepeatState<D, A> {
  readonly _tag: "RepeatState"
  readonly data: D | typeof Unchanged
  readonly actions: ReadonlyArray<A>
}

/**
 * Stop with `reason` after the replies are sent and `terminate` has run (OTP's `stop` and
 * `stop_and_reply`).
 *
 * @since 0.1.0
 * @category results
 */
export interface Stop<D> {
  readonly _tag: "Stop"
  readonly reason: ExitReason.ExitReason
  readonly data: D | typeof Unchanged
  readonly replies: ReadonlyArray<ReplyAction>
}

/**
 * What an event handler returns.
 *
 * @since 0.1.0
 * @category results
 */
export type Result<S, D, A> = NextState<S, D, A> | KeepState<D, A> | RepeatState<D, A> | Stop<D>

/**
 * What a state enter call returns: it may not change the state (as OTP, where a different state
 * is a `bad_state_enter_return`; here it does not compile).
 *
 * @since 0.1.0
 * @category results
 */
export type EnterResult<D, A> = KeepState<D, A> | RepeatState<D, A> | Stop<D>

/**
 * `init` succeeded: start in `state` with `data`; the actions are carried out as those of a first
 * transition (timeouts, inserted events; with `stateEnter`, the first state enter call follows).
 *
 * @since 0.1.0
 * @category results
 */
export const ok = <const S, D, A = never>(state: S, data: D, actions?: ReadonlyArray<A>): Ok<S, D, A> => ({
  _tag: "Ok",
  state,
  data,
  actions: actions ?? []
})

/**
 * Goes to `state` with `data`, then carries out `actions`.
 *
 * @since 0.1.0
 * @category results
 */
export const nextState = <const S, D, A = never>(
  state: S,
  data: D,
  actions?: ReadonlyArray<A>
): NextState<S, D, A> => ({
  _tag: "NextState",
  state,
  data,
  actions: actions ?? []
})

/**
 * Stays in the state with new `data`.
 *
 * @since 0.1.0
 * @category results
 */
export const keepState = <D, A = never>(data: D, actions?: ReadonlyArray<A>): KeepState<D, A> => ({
  _tag: "KeepState",
  data,
  actions: actions ?? []
})

/**
 * Stays in the state with the same data: only the actions.
 *
 * @since 0.1.0
 * @category results
 */
export const keepStateAndData = <A = never>(actions?: ReadonlyArray<A>): KeepState<never, A> => ({
  _tag: "KeepState",
  data: Unchanged,
  actions: actions ?? []
})

/**
 * Stays in the state with new `data` and makes a state enter call again (with `stateEnter`).
 *
 * @since 0.1.0
 * @category results
 */
export const repeatState = <D, A = never>(data: D, actions?: ReadonlyArray<A>): RepeatState<D, A> => ({
  _tag: "RepeatState",
  data,
  actions: actions ?? []
})

/**
 * Stays in the state with the same data and makes a state enter call again.
 *
 * @since 0.1.0
 * @category results
 */
export const repeatStateAndData = <A = never>(actions?: ReadonlyArray<A>): RepeatState<never, A> => ({
  _tag: "RepeatState",
  data: Unchanged,
  actions: actions ?? []
})

/**
 * The result that stops the machine with `reason` (default `Normal`): sends `replies`, runs
 * `terminate` with `data` (default: the current data), then exits. To stop a machine from
 * outside, use the client function {@link stop}.
 *
 * @since 0.1.0
 * @category results
 */
export const stopWith = <D = never>(
  reason: ExitReason.ExitReason = ExitReason.normal,
  options?: { readonly data?: D; readonly replies?: ReadonlyArray<ReplyAction> }
): Stop<D> => ({
  _tag: "Stop",
  reason,
  data: options !== undefined && "data" in options ? (options.data as D) : Unchanged,
  replies: options?.replies ?? []
})

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
 * The handler of every event in `"handleEvent"` mode (OTP's `handle_event/4`).
 *
 * @since 0.1.0
 * @category models
 */
export type HandleEvent<Req, T extends Types, R> = (
  event: Event<Req, T>,
  state: StateOf<T>,
  data: DataOf<T>
) => Effect.Effect<Result<StateOf<T>, DataOf<T>, ActionOf<T>>, unknown, R>

/**
 * The state enter call in `"handleEvent"` mode: the previous state, the state entered, the data.
 *
 * @since 0.1.0
 * @category models
 */
export type HandleEnter<T extends Types, R> = (
  oldState: StateOf<T>,
  state: StateOf<T>,
  data: DataOf<T>
) => Effect.Effect<EnterResult<DataOf<T>, EnterAction<TimeoutOf<T>>>, unknown, R>

/**
 * One handler per state in `"stateFunctions"` mode (OTP's `StateName/3`).
 *
 * @since 0.1.0
 * @category models
 */
export type StateFunctions<Req, T extends Types, R> = {
  readonly [K in StateOf<T> & string]: (
    event: Event<Req, T>,
    data: DataOf<T>
  ) => Effect.Effect<Result<StateOf<T>, DataOf<T>, ActionOf<T>>, unknown, R>
}

/**
 * State enter calls in `"stateFunctions"` mode, per state: the previous state and the data. A
 * state without one is entered without a call.
 *
 * @since 0.1.0
 * @category models
 */
export type EnterFunctions<T extends Types, R> = {
  readonly [K in StateOf<T> & string]?: (
    oldState: StateOf<T>,
    data: DataOf<T>
  ) => Effect.Effect<EnterResult<DataOf<T>, EnterAction<TimeoutOf<T>>>, unknown, R>
}

/**
 * What the two callback modes share.
 *
 * @since 0.1.0
 * @category models
 */
export interface Common<Args, T extends Types, InitE, R> {
  /** The requests the machine serves with calls. */
  readonly protocol?: ReadonlyArray<RequestClass> | undefined
  /**
   * The Schema of the casts (its type is the `cast` of {@link Types}). A cast from another node is
   * decoded with it (`Term.codec`) before a `Cast` event carries it; one that does not decode makes
   * no event: it is logged with the sender's node, counted in `Node.undecodable` and dropped. Local
   * casts are not decoded. Without it, a cast from another node carries the term it came as.
   */
  readonly casts?: Schema.Codec<CastOf<T>, unknown, never, never> | undefined
  /**
   * The Schema of the other messages (its type is the `info` of {@link Types}): a message from
   * another node that is neither a call nor a cast is decoded with it before an `Info` event
   * carries it, as `casts` are.
   */
  readonly infos?: Schema.Codec<InfoOf<T>, unknown, never, never> | undefined
  readonly init: (args: Args) => Effect.Effect<Ok<StateOf<T>, DataOf<T>, Exclude<ActionOf<T>, Postpone>>, InitE, R>
  /** Runs when the machine stops: on `stop`, on a crash, and on a parent's shutdown while trapping exits. */
  readonly terminate?:
    | ((reason: ExitReason.ExitReason, state: StateOf<T>, data: DataOf<T>) => Effect.Effect<void, never, R>)
    | undefined
  /**
   * Migrates the state and data of the version `oldVersion` when {@link changeCode} (or a
   * `Release` upgrade) installs this behaviour in a running machine (OTP's `code_change/4`, `extra`
   * is the upgrade's); a failure keeps the old behaviour.
   */
  readonly codeChange?:
    | ((
        oldVersion: string,
        state: unknown,
        data: unknown,
        extra: unknown
      ) => Effect.Effect<{ readonly state: StateOf<T>; readonly data: DataOf<T> }, unknown, R>)
    | undefined
  /** The behaviour's version, given to the next version's `codeChange` and shown by `Sys.getStatus`. Default `"1"`. */
  readonly version?: string | undefined
  /**
   * The behaviour's declared name (OTP's module name): what `Release` upgrades match running
   * machines by. Give every version of a behaviour the same name.
   */
  readonly name?: string | undefined
  /** The data's Schema: a code change validates the migrated data against it before the switch. */
  readonly data?: Schema.Schema<DataOf<T>> | undefined
}

/**
 * `"handleEvent"` mode: one function over (event, state, data); states may be any type.
 *
 * @since 0.1.0
 * @category models
 */
export interface HandleEventMode<Req, T extends Types, R> {
  readonly callbackMode: "handleEvent"
  readonly handleEvent: HandleEvent<Req, T, R>
}

/**
 * `"stateFunctions"` mode: one function per state; states are names.
 *
 * @since 0.1.0
 * @category models
 */
export interface StateFunctionsMode<Req, T extends Types, R> {
  readonly callbackMode: "stateFunctions"
  readonly states: StateFunctions<Req, T, R>
}

/**
 * A GenStatem's callbacks. Build one with {@link behaviour}.
 *
 * @since 0.1.0
 * @category models
 */
export type Behaviour<Args, T extends Types, Req extends Request.Any, InitE, R> = Common<Args, T, InitE, R> &
  (
    | (HandleEventMode<Req, T, R> & {
        readonly stateEnter?: boolean | undefined
        readonly enter?: HandleEnter<T, R> | undefined
      })
    | (StateFunctionsMode<Req, T, R> & {
        readonly stateEnter?: boolean | undefined
        readonly enter?: EnterFunctions<T, R> | undefined
      })
  ) & { readonly [BehaviourTypeId]?: { readonly _Req: Req; readonly _Cast: CastOf<T> } }

declare const BehaviourTypeId: unique symbol

/**
 * Any behaviour.
 *
 * @since 0.1.0
 * @category models
 */
export type AnyBehaviour = Behaviour<never, any, any, any, any>

/**
 * A definition without state enter calls: neither `stateEnter` nor `enter` is given.
 *
 * @since 0.2.0
 * @category type-level
 */
export type EnterOff = { readonly stateEnter?: false | undefined; readonly enter?: undefined }

/**
 * What `behaviour` accepts: a {@link Behaviour} whose state enter settings agree with its callback
 * mode (`enter` only with `stateEnter: true`).
 *
 * @since 0.2.0
 * @category type-level
 */
export type Definition<P extends ReadonlyArray<RequestClass>, Args, T extends Types, InitE, R> = Omit<
  Common<Args, T, InitE, R>,
  "protocol"
> & { readonly protocol?: P } & (
    | (HandleEventMode<InstanceType<P[number]>, T, R> &
        (EnterOff | { readonly stateEnter: true; readonly enter: HandleEnter<T, R> }))
    | (StateFunctionsMode<InstanceType<P[number]>, T, R> &
        (EnterOff | { readonly stateEnter: true; readonly enter: EnterFunctions<T, R> }))
  )

/**
 * Builds a behaviour. Give the machine's {@link Types} first; the protocol, the start argument,
 * init's errors and the requirements are inferred.
 *
 * **Details**
 *
 * - `callbackMode: "handleEvent"` with `handleEvent(event, state, data)`, or
 *   `callbackMode: "stateFunctions"` with `states: { [state]: (event, data) => ... }`.
 * - `stateEnter: true` turns state enter calls on; `enter` is then required: one function
 *   `(oldState, state, data)` in `"handleEvent"` mode, or one per state `(oldState, data)`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { GenStatem } from "effect-otp"
 *
 * type Switch = "off" | "on"
 * export const Toggle = GenStatem.behaviour<{ state: Switch; data: number; cast: "flip" }>()({
 *   callbackMode: "stateFunctions",
 *   init: () => Effect.succeed(GenStatem.ok("off", 0)),
 *   states: {
 *     off: (event, flips) => Effect.succeed(event._tag === "Cast" ? GenStatem.nextState("on", flips + 1) : GenStatem.keepStateAndData()),
 *     on: (event, flips) => Effect.succeed(event._tag === "Cast" ? GenStatem.nextState("off", flips + 1) : GenStatem.keepStateAndData())
 *   }
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const behaviour =
  <T extends Types>() =>
  <const P extends ReadonlyArray<RequestClass> = readonly [], Args = void, InitE = never, R = never>(
    definition: Definition<P, Args, T, InitE, R>
  ): Behaviour<Args, T, InstanceType<P[number]>, InitE, R> =>
    definition as never

// ---------------------------------------------------------------------------------------------
// Server references
// ---------------------------------------------------------------------------------------------

/**
 * The requests of a behaviour.
 *
 * @since 0.1.0
 * @category type-level
 */
export type RequestsOf<B> = B extends Behaviour<any, any, infer Req, any, any> ? Req : never

/**
 * The casts of a behaviour.
 *
 * @since 0.1.0
 * @category type-level
 */
export type CastsOf<B> = B extends Behaviour<any, infer T, any, any, any> ? CastOf<T> : never

/**
 * A typed reference to the machine registered as `name` (a local name, or `Registry.via(...)`);
 * looked up at every call, so it follows a machine that a supervisor restarts under the same name.
 *
 * @since 0.1.0
 * @category references
 */
export const named = <Args, T extends Types, Req extends Request.Any, InitE, R>(
  _behaviour: Behaviour<Args, T, Req, InitE, R>,
  name: Name.Name
): Effect.Effect<Server<Req, CastOf<T>>, never, Node> => server.named(name)

// ---------------------------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------------------------

/**
 * Starts a machine (not linked to the caller) and waits until its `init` has finished.
 *
 * **Errors** (each returned once the process has exited, its name free, as `GenServer.start`):
 * whatever `init` fails with; `Ignored` when `init` answers {@link ignore}; `AlreadyRegistered`
 * when `name` is taken; `StartTimeout` when `init` outlasts `timeout`; `InitFailed` with the exit
 * reason when init died, exited, or the process was stopped during init; `NodeClosed` on a closed
 * node; `BadArgument` for an invalid option, before anything is spawned (see `GenServer.start`).
 *
 * @since 0.1.0
 * @category start
 */
export const start = <Args, T extends Types, Req extends Request.Any, InitE, R>(
  behaviour: Behaviour<Args, T, Req, InitE, R>,
  args: Args,
  options?: StartOptions
): Effect.Effect<Server<Req, CastOf<T>>, InitE | StartError, Exclude<R, Process.Provided> | Node> =>
  validate.guard(validate.checkStartOptions("GenStatem.start", options), () =>
    server.start((ack, parent) => internal.body(behaviour as never, args, ack, options?.name, parent), options)
  ) as never

/**
 * Starts a machine linked to the calling process (as a supervisor starts its children). If the
 * machine traps exits, an exit signal from its parent runs `terminate` and stops it with that reason.
 *
 * @since 0.1.0
 * @category start
 */
export const startLink = <Args, T extends Types, Req extends Request.Any, InitE, R>(
  behaviour: Behaviour<Args, T, Req, InitE, R>,
  args: Args,
  options?: StartOptions
): Effect.Effect<
  Server<Req, CastOf<T>>,
  InitE | StartError,
  Exclude<R, Process.Provided> | Node | Process.Self<unknown>
> =>
  validate.guard(validate.checkStartOptions("GenStatem.startLink", options), () =>
    server.startLink((ack, parent) => internal.body(behaviour as never, args, ack, options?.name, parent), options)
  ) as never

/**
 * Starts a machine monitored by the calling process.
 *
 * @since 0.1.0
 * @category start
 */
export const startMonitor = <Args, T extends Types, Req extends Request.Any, InitE, R>(
  behaviour: Behaviour<Args, T, Req, InitE, R>,
  args: Args,
  options?: StartOptions
): Effect.Effect<
  { readonly server: Server<Req, CastOf<T>>; readonly ref: Process.MonitorRef },
  InitE | StartError,
  Exclude<R, Process.Provided> | Node | Process.Self<unknown>
> =>
  validate.guard(validate.checkStartOptions("GenStatem.startMonitor", options), () =>
    server.startMonitor((ack, parent) => internal.body(behaviour as never, args, ack, options?.name, parent), options)
  ) as never

/**
 * Starts a machine (as {@link start}) in the current scope; closing the scope stops it with
 * `Shutdown` (its `terminate` runs) and waits until it has exited. `GenServer.make` for machines.
 *
 * **Errors**: those of {@link start}. A machine already gone when the scope closes is not an
 * error.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { GenStatem, Node } from "effect-otp"
 * import { Flip, Switch } from "./switch.ts"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function* () {
 *     const light = yield* GenStatem.make(Switch, undefined)
 *     return yield* light.pipe(GenStatem.call(new Flip())) // "on"
 *   })
 * ).pipe(Effect.provide(Node.layer()))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const make = <Args, T extends Types, Req extends Request.Any, InitE, R>(
  behaviour: Behaviour<Args, T, Req, InitE, R>,
  args: Args,
  options?: StartOptions
): Effect.Effect<Server<Req, CastOf<T>>, InitE | StartError, Exclude<R, Process.Provided> | Node | Scope.Scope> =>
  Effect.acquireRelease(start(behaviour, args, options), (machine) =>
    Effect.ignore(server.stop(machine, ExitReason.shutdown))
  )

/**
 * A machine as a Layer: building it starts the machine (as {@link make}), releasing it stops it.
 * The layer provides no service: give the machine a `name` and reach it with {@link named}, as
 * `GenServer.layer` does.
 *
 * **Errors**: those of {@link start}.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { GenStatem, Node } from "effect-otp"
 * import { Flip, Switch } from "./switch.ts"
 *
 * const SwitchLive = GenStatem.layer(Switch, undefined, { name: "switch" })
 *
 * const program = Effect.gen(function* () {
 *   const light = yield* GenStatem.named(Switch, "switch")
 *   return yield* GenStatem.call(light, new Flip())
 * }).pipe(Effect.provide(Layer.provideMerge(SwitchLive, Node.layer())))
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = <Args, T extends Types, Req extends Request.Any, InitE, R>(
  behaviour: Behaviour<Args, T, Req, InitE, R>,
  args: Args,
  options?: StartOptions
): Layer.Layer<never, InitE | StartError, Exclude<R, Process.Provided> | Node> =>
  Layer.effectDiscard(make(behaviour, args, options))

// ---------------------------------------------------------------------------------------------
// Client API
// ---------------------------------------------------------------------------------------------

/**
 * The machine's state and data now (OTP's `sys:get_state/1`), through the system lane.
 *
 * @since 0.1.0
 * @category debugging
 */
export const getState: {
  <const O extends CallOptions = {}>(
    options?: O
  ): <Req extends Request.Any, Cast>(
    self: Server<Req, Cast>
  ) => Effect.Effect<
    { readonly state: unknown; readonly data: unknown },
    GenServer.SystemCallError | GenServer.CallOptionsError<O>
  >
  <Req extends Request.Any, Cast, const O extends CallOptions = {}>(
    server: Server<Req, Cast>,
    options?: O
  ): Effect.Effect<
    { readonly state: unknown; readonly data: unknown },
    GenServer.SystemCallError | GenServer.CallOptionsError<O>
  >
} = dual((args) => server.isServer(args[0]), server.getState) as never

/**
 * Sends a plain message to the machine: its state callback receives it as an {@link Info} event
 * (OTP's `info` event; Elixir's `send(pid, message)`). `GenServer.send` under the name GenStatem's
 * users look for: like a cast, it never fails for a dead machine, except on a bounded mailbox with
 * the `"fail"` policy (`MailboxFull`).
 *
 * @example
 * ```ts
 * import { GenStatem } from "effect-otp"
 *
 * const poke = (machine: GenStatem.Server<never>) => machine.pipe(GenStatem.send("tick"))
 * ```
 *
 * @since 0.2.0
 * @category client
 */
export const send: {
  (
    message: unknown
  ): <Req extends Request.Any, Cast>(self: Server<Req, Cast>) => Effect.Effect<void, Errors.MailboxFull>
  <Req extends Request.Any, Cast>(server: Server<Req, Cast>, message: unknown): Effect.Effect<void, Errors.MailboxFull>
} = sendToServer

export {
  /**
   * A state callback returned an action that is not valid: a timeout whose time is negative, NaN or
   * not a duration, an unknown timeout type, a value that is not an action, or a postpone or an
   * inserted event from a state enter call. The machine crashes with it (OTP's
   * `bad_action_from_state_function` and `bad_state_enter_action_from_state_function`): it exits
   * with `Failure`, whose cause is a defect holding this error. The actions before it in the list
   * have been carried out (a reply before it was sent), as OTP.
   *
   * @since 0.2.0
   * @category errors
   */
  BadAction
}

export {
  /**
   * `codeChange` failed: the machine keeps its old behaviour, state and data. The same error as
   * `Sys.CodeChangeFailed`.
   *
   * @since 0.1.0
   * @category errors
   */
  CodeChangeFailed
}

/**
 * Installs a new version of the behaviour in a running machine: `Sys.changeCode` for a machine,
 * typed by its behaviour. Between two events, the new behaviour's `codeChange(oldVersion, state,
 * data, extra)` migrates the state and data (checked against its `data` Schema when it declares
 * one), then the machine runs the new callbacks (its callback mode may change too). A failure keeps
 * the old behaviour, state and data (see `Sys.changeCode` for the errors). Without `codeChange`,
 * state and data are kept as they are.
 *
 * **Gotchas**: events that come in meanwhile wait in the mailbox, postponed events stay postponed,
 * and running timeouts keep running; the new behaviour may not require services of its own (it
 * runs inside the machine already started).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { GenStatem, Node } from "effect-otp"
 *
 * const V1 = GenStatem.behaviour<{ state: "on"; data: number }>()({
 *   callbackMode: "handleEvent",
 *   version: "1",
 *   init: () => Effect.succeed(GenStatem.ok("on", 1)),
 *   handleEvent: () => Effect.succeed(GenStatem.keepStateAndData())
 * })
 *
 * // version 2 keeps its data in milli-units
 * const V2 = GenStatem.behaviour<{ state: "on"; data: number }>()({
 *   callbackMode: "handleEvent",
 *   version: "2",
 *   init: () => Effect.succeed(GenStatem.ok("on", 1000)),
 *   codeChange: (oldVersion, _state, data) =>
 *     oldVersion === "1" ? Effect.succeed({ state: "on" as const, data: (data as number) * 1000 }) : Effect.fail("unknown"),
 *   handleEvent: () => Effect.succeed(GenStatem.keepStateAndData())
 * })
 *
 * const program = Effect.gen(function*() {
 *   const machine = yield* GenStatem.start(V1, undefined)
 *   yield* GenStatem.changeCode(machine, V2)
 *   return (yield* GenStatem.getState(machine)).data // 1000
 * })
 *
 * Effect.runPromise(program.pipe(Effect.provide(Node.layer())))
 * ```
 *
 * @since 0.1.0
 * @category debugging
 */
export const changeCode: {
  <Req extends Request.Any, Args, T extends Types, InitE, const O extends codeChange.ChangeCodeOptions = {}>(
    behaviour: Behaviour<Args, T, Req, InitE, never>,
    options?: O
  ): <Cast>(
    self: Server<Req, Cast>
  ) => Effect.Effect<
    codeChange.Changed,
    codeChange.ChangeCodeError | GenServer.SystemCallError | GenServer.CallOptionsError<O>
  >
  <Req extends Request.Any, Cast, Args, T extends Types, InitE, const O extends codeChange.ChangeCodeOptions = {}>(
    server: Server<Req, Cast>,
    behaviour: Behaviour<Args, T, Req, InitE, never>,
    options?: O
  ): Effect.Effect<
    codeChange.Changed,
    codeChange.ChangeCodeError | GenServer.SystemCallError | GenServer.CallOptionsError<O>
  >
} = dual((args) => server.isServer(args[0]), codeChange.changeCode) as never

// ---------------------------------------------------------------------------------------------
// Supervision
// ---------------------------------------------------------------------------------------------

/**
 * A child spec that starts this machine under a supervisor (linked, with these start options).
 * `restart`, `shutdown` and `significant` may be given beside the start options.
 *
 * @since 0.1.0
 * @category supervision
 */
export const childSpec = <Args, T extends Types, Req extends Request.Any, InitE, R>(
  id: string,
  behaviour: Behaviour<Args, T, Req, InitE, R>,
  args: Args,
  options?: StartOptions & Omit<ChildSpecModule.ChildSpec, "id" | "start" | "type">
): ChildSpecModule.ChildSpec<InitE | StartError, Exclude<R, Process.Provided> | Node | Process.Self<unknown>> =>
  server.childSpec(id, (start) => startLink(behaviour, args, start), options)
