/**
 * GenStatem: a process that is a state machine (OTP's `gen_statem`).
 *
 * (module guide: written below the code, see the end of this comment block)
 *
 * @since 0.1.0
 */
import type { Duration, Effect, Option } from "effect"
import type * as ChildSpecModule from "./ChildSpec.ts"
import type * as Errors from "./Errors.ts"
import * as ExitReason from "./ExitReason.ts"
import * as internal from "./internal/genStatem.ts"
import type * as Name from "./internal/name.ts"
import * as server from "./internal/server.ts"
import type { Node } from "./Node.ts"
import type * as Pid from "./Pid.ts"
import type * as Process from "./Process.ts"
import type * as Request from "./Request.ts"

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
 * Who is waiting for a call's reply: answer with the {@link reply} action, now or from a later
 * state, or with {@link replyTo}. The same type as `GenServer.From`.
 *
 * @since 0.1.0
 * @category models
 */
export type From<A, E> = server.From<A, E>

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
 * if (GenStatem.isCall(event, GetColor)) {
 *   return Effect.succeed(GenStatem.keepStateAndData([GenStatem.reply(event.from, state)]))
 * }
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
 * Answer a call: {@link reply} or {@link replyError}.
 *
 * @since 0.1.0
 * @category actions
 */
export interface Reply {
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
export type Action<N, C> = Reply | Postpone | NextEvent<N> | SetTimeout<C>

/**
 * What a state enter call may ask for: replies and timeouts (no postpone, no inserted events), as
 * OTP's `enter_action()`.
 *
 * @since 0.1.0
 * @category actions
 */
export type EnterAction<C> = Reply | SetTimeout<C>

/**
 * The actions of a machine with these types.
 *
 * @since 0.1.0
 * @category type-level
 */
export type ActionOf<T extends Types> = Action<InternalOf<T>, TimeoutOf<T>>

/**
 * Answers a call: the caller gets `value`. The reply is sent when the action is carried out, in the
 * order of the actions.
 *
 * @since 0.1.0
 * @category actions
 */
export const reply = <A, E>(from: From<A, E>, value: NoInfer<A>): Reply => ({
  _tag: "Reply",
  send: () => void server.replyUnsafe(from, value)
})

/**
 * Answers a call with one of the errors its request declares.
 *
 * @since 0.1.0
 * @category actions
 */
export const replyError = <A, E>(from: From<A, E>, error: NoInfer<E>): Reply => ({
  _tag: "Reply",
  send: () => void server.replyErrorUnsafe(from, error)
})

/**
 * Postpones the current event until the state changes.
 *
 * @since 0.1.0
 * @category actions
 */
export const postpone: Postpone = { _tag: "Postpone" }

/**
 * Inserts an internal event, handled next (after the other events inserted by the same
 * transition, in order, and before any message in the mailbox).
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
  readonly replies: ReadonlyArray<Reply>
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
export const ok = <S, D, A = never>(state: S, data: D, actions?: ReadonlyArray<A>): Ok<S, D, A> => ({
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
export const nextState = <S, D, A = never>(state: S, data: D, actions?: ReadonlyArray<A>): NextState<S, D, A> => ({
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
 * Stops the machine with `reason` (default `Normal`): sends `replies`, runs `terminate` with
 * `data` (default: the current data), then exits.
 *
 * @since 0.1.0
 * @category results
 */
export const stop = <D = never>(
  reason: ExitReason.ExitReason = ExitReason.normal,
  options?: { readonly data?: D; readonly replies?: ReadonlyArray<Reply> }
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
  readonly init: (args: Args) => Effect.Effect<Ok<StateOf<T>, DataOf<T>, Exclude<ActionOf<T>, Postpone>>, InitE, R>
  /** Runs when the machine stops: on `stop`, on a crash, and on a parent's shutdown while trapping exits. */
  readonly terminate?:
    | ((reason: ExitReason.ExitReason, state: StateOf<T>, data: DataOf<T>) => Effect.Effect<void, never, R>)
    | undefined
  /**
   * Migrates the state and data of the version `oldVersion` when {@link changeCode} installs this
   * behaviour in a running machine; a failure keeps the old behaviour.
   */
  readonly codeChange?:
    | ((
        oldVersion: string | undefined,
        state: unknown,
        data: unknown
      ) => Effect.Effect<{ readonly state: StateOf<T>; readonly data: DataOf<T> }, unknown, R>)
    | undefined
  /** The behaviour's version, given to the next version's `codeChange`. */
  readonly version?: string | undefined
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

type EnterOff = { readonly stateEnter?: false | undefined; readonly enter?: undefined }

type Definition<P extends ReadonlyArray<RequestClass>, Args, T extends Types, InitE, R> = Omit<
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
 * const Toggle = GenStatem.behaviour<{ state: Switch; data: number; cast: "flip" }>()({
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
 * A reference to a GenStatem that serves the requests `Req` and the casts `Cast`: a pid, or a
 * registered name looked up at each use. The same type as `GenServer.Server`, so `GenServer.call`
 * works on a GenStatem too (as OTP's `gen:call`).
 *
 * @since 0.1.0
 * @category models
 */
export type Server<Req extends Request.Any, Cast = never> = server.Server<Req, Cast>

/**
 * The pid of a machine: it accepts any message (those that are not calls or casts are `Info` events).
 *
 * @since 0.1.0
 * @category models
 */
export type ServerPid = server.ServerPid

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
 * A typed reference to the machine of `pid`.
 *
 * @since 0.1.0
 * @category references
 */
export const fromPid: <Req extends Request.Any, Cast = never>(pid: Pid.Pid<never, unknown>) => Server<Req, Cast> =
  server.fromPid

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

/**
 * The pid of a machine reference now.
 *
 * @since 0.1.0
 * @category references
 */
export const whereis: <Req extends Request.Any, Cast>(
  server: Server<Req, Cast>
) => Effect.Effect<Option.Option<ServerPid>> = server.whereis

// ---------------------------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------------------------

/**
 * Start options: `name`, `timeout` (for init), `mailbox`, `trapExit`; the same as GenServer's.
 *
 * @since 0.1.0
 * @category models
 */
export type StartOptions = server.StartOptions

/**
 * What a start can fail with, besides the errors `init` fails with.
 *
 * @since 0.1.0
 * @category errors
 */
export type StartError = server.StartError

/**
 * Starts a machine (not linked to the caller) and waits until its `init` has finished.
 *
 * **Errors**: whatever `init` fails with; `AlreadyRegistered` when `name` is taken; `StartTimeout`
 * when `init` outlasts `timeout`; `InitFailed` when init died or the process was stopped during init.
 *
 * @since 0.1.0
 * @category start
 */
export const start = <Args, T extends Types, Req extends Request.Any, InitE, R>(
  behaviour: Behaviour<Args, T, Req, InitE, R>,
  args: Args,
  options?: StartOptions
): Effect.Effect<Server<Req, CastOf<T>>, InitE | StartError, Exclude<R, Process.Self<never>> | Node> =>
  server.start((ack, parent) => internal.body(behaviour as never, args, ack, options?.name, parent), options) as never

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
  Exclude<R, Process.Self<never>> | Node | Process.Self<never>
> =>
  server.startLink(
    (ack, parent) => internal.body(behaviour as never, args, ack, options?.name, parent),
    options
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
  Exclude<R, Process.Self<never>> | Node | Process.Self<never>
> =>
  server.startMonitor(
    (ack, parent) => internal.body(behaviour as never, args, ack, options?.name, parent),
    options
  ) as never

// ---------------------------------------------------------------------------------------------
// Client API
// ---------------------------------------------------------------------------------------------

/**
 * What a call can fail with, besides the errors its request declares.
 *
 * @since 0.1.0
 * @category errors
 */
export type CallError = server.CallError

/**
 * @since 0.1.0
 * @category models
 */
export type CallOptions = server.CallOptions

/**
 * Sends a request and waits for the reply, which the machine may send from a later state.
 *
 * **Errors**: the errors the request declares; `NoProc` if the machine is not alive; `ServerExited`
 * if it exits before replying; `CallTimeout` after the timeout (default 5 s); `MailboxFull` if its
 * bounded mailbox refuses the request.
 *
 * @since 0.1.0
 * @category client
 */
export const call: <Req extends Request.Any, Cast, const Q extends Req>(
  server: Server<Req, Cast>,
  request: Q,
  options?: CallOptions
) => Effect.Effect<Request.Success<Q>, Request.Failure<Q> | CallError> = server.call

/**
 * Sends a cast: fire and forget. Never fails for a dead machine (as OTP), except on a bounded
 * mailbox with the `"fail"` policy.
 *
 * @since 0.1.0
 * @category client
 */
export const cast: <Req extends Request.Any, Cast>(
  server: Server<Req, Cast>,
  message: NoInfer<Cast>
) => Effect.Effect<void, Errors.MailboxFull> = server.cast

/**
 * Replies to a call outside a transition (OTP's `gen_statem:reply/2`). Returns `false` when the
 * caller had already given up or was answered.
 *
 * @since 0.1.0
 * @category client
 */
export const replyTo: <A, E>(from: From<A, E>, value: A) => Effect.Effect<boolean> = server.replyTo

/**
 * Stops a machine: it runs `terminate(reason)` and exits with `reason` (default `Normal`); waits
 * until it has exited. Fails with `NoProc` if it is not alive, `CallTimeout` after `timeout`.
 *
 * @since 0.1.0
 * @category client
 */
export const stopServer: <Req extends Request.Any, Cast>(
  server: Server<Req, Cast>,
  reason?: ExitReason.ExitReason,
  options?: CallOptions
) => Effect.Effect<void, Errors.NoProc | server.CallTimeout> = server.stopServer

/**
 * The machine's state and data now (OTP's `sys:get_state/1`), through the system lane.
 *
 * @since 0.1.0
 * @category debugging
 */
export const getState = <Req extends Request.Any, Cast>(
  server_: Server<Req, Cast>,
  options?: CallOptions
): Effect.Effect<
  { readonly state: unknown; readonly data: unknown },
  Errors.NoProc | server.CallTimeout | server.ServerExited
> => server.getState(server_, options) as never

/**
 * `codeChange` failed: the machine keeps its old behaviour, state and data.
 *
 * @since 0.1.0
 * @category errors
 */
export const CodeChangeFailed: typeof internal.CodeChangeFailed = internal.CodeChangeFailed

/**
 * @since 0.1.0
 * @category errors
 */
export type CodeChangeFailed = internal.CodeChangeFailed

/**
 * Installs a new version of the behaviour in a running machine (OTP's `sys:change_code`): between
 * two events, the new behaviour's `codeChange(oldVersion, state, data)` migrates the state and
 * data, then the machine runs the new callbacks (its callback mode may change too). If
 * `codeChange` fails, the machine keeps the old behaviour, state and data, and this fails with
 * `CodeChangeFailed`. Without `codeChange`, state and data are kept as they are.
 *
 * @since 0.1.0
 * @category debugging
 */
export const changeCode = <Req extends Request.Any, Cast, Args, T extends Types, InitE>(
  server_: Server<Req, Cast>,
  behaviour: Behaviour<Args, T, Req, InitE, never>,
  options?: CallOptions
): Effect.Effect<void, CodeChangeFailed | Errors.NoProc | server.CallTimeout | server.ServerExited> =>
  internal.changeCode(server_, behaviour as never, options)

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
): ChildSpecModule.ChildSpec<InitE | StartError, Exclude<R, Process.Self<never>> | Node | Process.Self<never>> =>
  server.childSpec(id, (start) => startLink(behaviour, args, start), options)
