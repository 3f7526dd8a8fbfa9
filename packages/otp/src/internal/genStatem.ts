/**
 * The GenStatem engine: a port of the event loop of OTP's `gen_statem.erl` (`loop_state_callback`,
 * `loop_actions_list`, `loop_state_transition`, `loop_timeouts`, `loop_done`) onto a process.
 *
 * The engine keeps, beside the state and data: the postponed events (oldest first), the queue of
 * events to handle before the mailbox (inserted events and retried postponed ones), the running
 * timeouts by type, and the queue of zero-time timeouts. A timeout with a time runs on the kernel's
 * timers and fires as a `TimeoutFired` message in the process's own mailbox; the message names its
 * timer, and a message whose timer is no longer the running one of its type (cancelled, replaced,
 * or restarted) is dropped, so a cancelled timeout never fires.
 *
 * @internal
 */
import { type Deferred, Duration, Effect, Equal } from "effect"
import type * as ExitReason from "../ExitReason.ts"
import type * as GenServer from "../GenServer.ts"
import type * as GenStatem from "../GenStatem.ts"
import * as codeChange from "./codeChange.ts"
import * as kernel from "./kernel.ts"
import type * as Name from "./name.ts"
import * as server from "./server.ts"
import * as sys from "./sys.ts"
import * as validate from "./validate.ts"
import { BadAction } from "../Errors.ts"
export { BadAction } from "../Errors.ts"

// ---------------------------------------------------------------------------------------------
// Messages and errors
// ---------------------------------------------------------------------------------------------

/** The message a timeout's timer puts in the machine's mailbox. */
class TimeoutFired {
  readonly key: string
  readonly ref: kernel.TimerRef
  constructor(key: string, ref: kernel.TimerRef) {
    this.key = key
    this.ref = ref
  }
}

/** Why a timeout action is not valid, or `undefined` when it is. */
const badTimeout = (action: GenStatem.SetTimeout<unknown>): string | undefined => {
  const type = action.type as unknown
  if (type !== "timeout" && type !== "stateTimeout") {
    if (typeof type !== "object" || type === null || typeof (type as { timeout?: unknown }).timeout !== "string") {
      return 'the timeout type must be "timeout", "stateTimeout" or { timeout: name }'
    }
  }
  const time = action.time
  if (time === "cancel" || time === "update" || validate.timeoutMillis(time) !== undefined) return undefined
  return 'the time must be a non-negative duration or "infinity"'
}

const badAction = (action: unknown, stateEnter: boolean, reason: string): Effect.Effect<never> =>
  Effect.die(new BadAction({ action, stateEnter, reason }))

// ---------------------------------------------------------------------------------------------
// Shapes the engine works with
// ---------------------------------------------------------------------------------------------

type AnyEffect = Effect.Effect<any, any, any>

type Fn = (...args: Array<any>) => AnyEffect

interface AnyBehaviour {
  readonly callbackMode: "handleEvent" | "stateFunctions"
  readonly protocol?: ReadonlyArray<abstract new (...args: Array<any>) => object> | undefined
  readonly init: (args: unknown) => AnyEffect
  readonly handleEvent?: Fn
  readonly states?: Readonly<Record<string, Fn>>
  readonly stateEnter?: boolean | undefined
  readonly enter?: Fn | Readonly<Record<string, Fn | undefined>> | undefined
  readonly terminate?: ((reason: ExitReason.ExitReason, state: unknown, data: unknown) => AnyEffect) | undefined
  readonly codeChange?: ((oldVersion: string, state: unknown, data: unknown, extra: unknown) => AnyEffect) | undefined
  readonly version?: string | undefined
  readonly name?: string | undefined
  /** the data's Schema: a code change validates the migrated data against it */
  readonly data?: unknown
}

interface Event {
  readonly _tag: string
}

type AnyAction = GenStatem.Action<unknown, unknown>

type AnyResult = GenStatem.Result<unknown, unknown, AnyAction>

/** `Unchanged` of `GenStatem`: the data of `keepStateAndData` and friends. */
export const Unchanged: unique symbol = Symbol.for("effect-otp/GenStatem/Unchanged")

/** A running timeout: its timer (none while it waits in the zero-time queue) and its content. */
interface Running {
  readonly ref: kernel.TimerRef | undefined
  readonly name: string | undefined
  content: unknown
}

/** What a transition has collected so far: OTP's `NextState_NewData`, `Postpone`, `NextEventsR`, `TimeoutsR`. */
interface Transition {
  state: unknown
  data: unknown
  postpone: boolean
  callEnter: boolean
  readonly nextEvents: Array<Event>
  readonly timeouts: Array<GenStatem.SetTimeout<unknown>>
}

const keyOf = (type: GenStatem.TimeoutType): string => (typeof type === "string" ? type : `generic:${type.timeout}`)

const timeoutEvent = (key: string, running: Running): Event => {
  switch (key) {
    case "timeout":
      return { _tag: "Timeout", content: running.content } as Event
    case "stateTimeout":
      return { _tag: "StateTimeout", content: running.content } as Event
    default:
      return { _tag: "GenericTimeout", name: running.name, content: running.content } as Event
  }
}

/** An event as `Sys`'s trace and log show it. */
const sysEventOf = (event: Event): sys.Event => {
  const e = event as {
    readonly _tag: string
    readonly request?: unknown
    readonly from?: GenServer.From<unknown, unknown>
    readonly content?: unknown
    readonly name?: string
  }
  switch (e._tag) {
    case "Call":
      return { _tag: "Call", request: e.request, from: e.from!.caller }
    case "Cast":
      return { _tag: "Cast", message: e.content }
    case "Info":
      return { _tag: "Info", message: e.content }
    case "Timeout":
      return { _tag: "Timeout", type: "timeout", content: e.content }
    case "StateTimeout":
      return { _tag: "Timeout", type: "stateTimeout", content: e.content }
    case "GenericTimeout":
      return { _tag: "Timeout", type: { timeout: e.name! }, content: e.content }
    default:
      return { _tag: "Internal", content: e.content }
  }
}

/** Whether the behaviour's protocol has the request's class. */
const declares = (behaviour: AnyBehaviour, request: object): boolean => {
  const protocol = behaviour.protocol
  if (protocol === undefined) return false
  for (let i = 0; i < protocol.length; i++) if (request instanceof protocol[i]!) return true
  return false
}

const badReturn = (what: string, value: unknown): Effect.Effect<never> =>
  Effect.die(new Error(`GenStatem: ${what}: ${JSON.stringify((value as { _tag?: unknown })?._tag ?? value)}`))

// ---------------------------------------------------------------------------------------------
// The engine
// ---------------------------------------------------------------------------------------------

class Engine implements sys.Inspectable, codeChange.Upgradable {
  behaviour: AnyBehaviour
  readonly record: kernel.ProcessRecord
  readonly parent: kernel.ProcessRecord | undefined
  state: unknown = undefined
  data: unknown = undefined
  stopping = false
  /** events postponed in the current state, oldest first */
  postponed: Array<Event> = []
  /** events to handle before the mailbox: inserted ones, then retried postponed ones */
  queue: Array<Event> = []
  /** running timeouts by key: "timeout", "stateTimeout", "generic:<name>" */
  readonly timers = new Map<string, Running>()
  /** zero-time timeouts, delivered in order when the queue is empty, before the mailbox */
  readonly t0q: Array<string> = []
  readonly run: AnyEffect

  constructor(behaviour: AnyBehaviour, record: kernel.ProcessRecord, parent: kernel.ProcessRecord | undefined) {
    this.behaviour = behaviour
    this.record = record
    this.parent = parent
    this.run = Effect.forever(Effect.suspend(() => this.step()))
  }

  /** OTP's `loop_done`: the queue first, then a zero-time timeout, then the mailbox. */
  step(): AnyEffect {
    if (this.queue.length > 0) return this.handle(this.queue.shift()!)
    if (this.t0q.length > 0) {
      const key = this.t0q.shift()!
      const running = this.timers.get(key)!
      this.timers.delete(key)
      return this.handle(timeoutEvent(key, running))
    }
    return Effect.flatMap(kernel.receive(this.record, undefined, undefined, false), (message) => this.received(message))
  }

  /** OTP's `loop_receive`: a message becomes an event. */
  received(message: unknown): AnyEffect {
    if (message instanceof server.CallEnvelope) {
      const request = message.request
      if (!declares(this.behaviour, request)) {
        // as a GenServer without a handler for it: the machine crashes, and the caller gets ServerExited
        return Effect.die(new Error(`GenStatem: the request "${request._tag}" is not in the protocol`))
      }
      const event = { _tag: "Call", request, from: message.from } as Event
      if (message.span === undefined) return this.handle(event)
      // the state callback is called inside the span, as a GenServer's handler
      return server.traced(
        Effect.suspend(() => this.handle(event)),
        message,
        this.record,
        "GenStatem"
      )
    }
    if (message instanceof server.CastEnvelope) return this.handle({ _tag: "Cast", content: message.message } as Event)
    if (message instanceof TimeoutFired) {
      const running = this.timers.get(message.key)
      // a timer that was cancelled or replaced after it fired: its message is stale
      if (running === undefined || running.ref !== message.ref) return Effect.void
      this.timers.delete(message.key)
      return this.handle(timeoutEvent(message.key, running))
    }
    if (this.isParentExit(message)) {
      // OTP: an exit signal from the parent, trapped, stops the machine with that reason after terminate
      return this.stopWith(message.reason)
    }
    return this.handle({ _tag: "Info", content: message } as Event)
  }

  /** Calls the state callback with an event, then carries out the transition. */
  handle(event: Event): AnyEffect {
    if (this.debug !== undefined) return this.debugHandle(event)
    return this.transition(event)
  }

  /**
   * `handle` with a debug option on (`Sys.trace`, `Sys.log`, `Sys.statistics`): the event in, the
   * replies out (through a `From` that records them) and the transition are recorded.
   */
  debugHandle(event: Event): AnyEffect {
    const state = this.state
    const call = event as {
      readonly _tag: string
      readonly request?: unknown
      readonly from?: GenServer.From<unknown, unknown>
    }
    const handled = call._tag === "Call" ? ({ ...call, from: sys.tracedFrom(this, call.from!) } as Event) : event
    return sys.handled(
      this,
      sysEventOf(event),
      () => this.transition(handled),
      (): sys.Event => ({ _tag: "Transition", state, nextState: this.state, data: this.data })
    )
  }

  transition(event: Event): AnyEffect {
    return Effect.flatMap(this.callState(event), (result: AnyResult) =>
      this.apply(
        result,
        { state: this.state, data: this.data, postpone: false, callEnter: false, nextEvents: [], timeouts: [] },
        event,
        true
      )
    )
  }

  callState(event: Event): AnyEffect {
    const behaviour = this.behaviour
    if (behaviour.callbackMode === "handleEvent") return behaviour.handleEvent!(event, this.state, this.data)
    const states = behaviour.states!
    const name = this.state as string
    const fn = Object.hasOwn(states, name) ? states[name] : undefined
    if (typeof fn !== "function") {
      return Effect.die(new Error(`GenStatem: no state function for the state ${JSON.stringify(name)}`))
    }
    return fn(event, this.data)
  }

  /** The init "transition": OTP enters the first state with a state enter call whose old state is itself. */
  initTransition(ok: GenStatem.Ok<unknown, unknown, AnyAction>): AnyEffect {
    this.state = ok.state
    this.data = ok.data
    const transition: Transition = {
      state: ok.state,
      data: ok.data,
      postpone: false,
      callEnter: true,
      nextEvents: [],
      timeouts: []
    }
    return this.apply({ _tag: "RepeatState", data: ok.data, actions: ok.actions }, transition, undefined, true)
  }

  /**
   * OTP's `loop_state_callback_result` and `loop_actions_list`: takes in a result of a state call
   * (`stateCall`) or of a state enter call, then makes the next state enter call or finishes.
   */
  apply(result: AnyResult, transition: Transition, event: Event | undefined, stateCall: boolean): AnyEffect {
    switch (result?._tag) {
      case "NextState": {
        if (!stateCall) {
          if (!Equal.equals(result.state, transition.state)) {
            return badReturn("a state enter call may not change the state", result.state)
          }
        } else {
          transition.callEnter = !Equal.equals(result.state, this.state)
        }
        transition.state = result.state
        transition.data = result.data
        break
      }
      case "KeepState": {
        if (result.data !== Unchanged) transition.data = result.data
        transition.callEnter = false
        break
      }
      case "RepeatState": {
        if (result.data !== Unchanged) transition.data = result.data
        transition.callEnter = true
        break
      }
      case "Stop": {
        this.state = transition.state
        this.data = result.data !== Unchanged ? result.data : transition.data
        for (const reply of result.replies) reply.send()
        return this.stopWith(result.reason)
      }
      default:
        return badReturn("bad return from a state callback", result)
    }
    for (const action of result.actions) {
      switch (action?._tag) {
        case "Reply": {
          action.send()
          break
        }
        case "Postpone": {
          if (!stateCall) return badAction(action, true, "a state enter call may not postpone")
          transition.postpone = event !== undefined
          break
        }
        case "NextEvent": {
          if (!stateCall) return badAction(action, true, "a state enter call may not insert events")
          transition.nextEvents.push({ _tag: "Internal", content: action.content } as Event)
          break
        }
        case "SetTimeout": {
          const bad = badTimeout(action)
          if (bad !== undefined) return badAction(action, !stateCall, bad)
          transition.timeouts.push(action)
          break
        }
        default:
          return badAction(action, !stateCall, "not an action")
      }
    }
    if (transition.callEnter && this.behaviour.stateEnter === true) return this.enter(transition, event)
    return this.finish(transition, event)
  }

  /** OTP's `loop_state_enter`: the enter call of the state being entered, with the state left. */
  enter(transition: Transition, event: Event | undefined): AnyEffect {
    transition.callEnter = false
    const behaviour = this.behaviour
    const enter = behaviour.enter
    let call: AnyEffect | undefined
    if (behaviour.callbackMode === "handleEvent") {
      if (typeof enter === "function") call = enter(this.state, transition.state, transition.data)
    } else if (enter !== undefined && typeof enter !== "function") {
      const name = transition.state as string
      const fn = Object.hasOwn(enter, name) ? enter[name] : undefined
      if (fn !== undefined) call = fn(this.state, transition.data)
    }
    if (call === undefined) return this.finish(transition, event)
    return Effect.flatMap(call, (result: AnyResult) => this.apply(result, transition, event, false))
  }

  /**
   * OTP's `loop_state_transition`, `loop_keep_state` / `loop_state_change`, `loop_timeouts` and
   * `loop_done`: postpone, retry postponed events on a state change, cancel the event timeout
   * (any event) and the state timeout (a state change), start the new timeouts, insert events.
   */
  finish(transition: Transition, event: Event | undefined): AnyEffect {
    if (transition.postpone && event !== undefined) this.postponed.push(event)
    if (!Equal.equals(transition.state, this.state)) {
      if (this.postponed.length > 0) {
        this.queue = this.postponed.concat(this.queue)
        this.postponed = []
      }
      this.cancel("stateTimeout")
    }
    this.cancel("timeout")
    this.state = transition.state
    this.data = transition.data
    const starts = this.timeouts(transition.timeouts)
    if (transition.nextEvents.length > 0) this.queue = transition.nextEvents.concat(this.queue)
    return starts.length === 0 ? Effect.void : Effect.forEach(starts, (start) => start, { discard: true })
  }

  /** Carries out the timeout actions: the last of each type wins, as OTP. */
  timeouts(actions: ReadonlyArray<GenStatem.SetTimeout<unknown>>): Array<AnyEffect> {
    const starts: Array<AnyEffect> = []
    if (actions.length === 0) return starts
    const seen = new Set<string>()
    const zero: Array<string> = []
    for (let i = actions.length - 1; i >= 0; i--) {
      const action = actions[i]
      const key = keyOf(action.type)
      if (seen.has(key)) continue
      seen.add(key)
      const name = typeof action.type === "string" ? undefined : action.type.timeout
      if (action.time === "cancel") {
        this.cancel(key)
        continue
      }
      if (action.time === "update") {
        const running = this.timers.get(key)
        if (running !== undefined) {
          running.content = action.content
        } else {
          this.timers.set(key, { ref: undefined, name, content: action.content })
          zero.unshift(key)
        }
        continue
      }
      // checked when the action was taken in (`badTimeout`)
      const millis = validate.timeoutMillis(action.time)!
      this.cancel(key)
      if (millis === Number.POSITIVE_INFINITY) continue // infinity: cancelled, as OTP
      if (millis === 0) {
        this.timers.set(key, { ref: undefined, name, content: action.content })
        zero.unshift(key)
        continue
      }
      const ref = new kernel.TimerRef(this.record)
      this.timers.set(key, { ref, name, content: action.content })
      const record = this.record
      starts.push(
        kernel.startTimer(
          record,
          Duration.millis(millis),
          () => kernel.deliverSystemMade(record, new TimeoutFired(key, ref)),
          ref.id
        )
      )
    }
    for (const key of zero) this.t0q.push(key)
    return starts
  }

  /** Cancels a running timeout of this key: its timer, or its place in the zero-time queue. */
  cancel(key: string): void {
    const running = this.timers.get(key)
    if (running === undefined) return
    this.timers.delete(key)
    if (running.ref !== undefined) {
      kernel.cancelTimerUnsafe(this.record, running.ref.id)
    } else {
      const i = this.t0q.indexOf(key)
      if (i >= 0) this.t0q.splice(i, 1)
    }
  }

  /** Runs terminate, then ends the process with `reason`. */
  stopWith(reason: ExitReason.ExitReason): AnyEffect {
    this.stopping = true
    return server.stopAfter(this.record, this.runTerminate(reason), reason)
  }

  runTerminate(reason: ExitReason.ExitReason): Effect.Effect<void> {
    const terminate = this.behaviour.terminate
    return server.runTerminate(
      this.record,
      terminate === undefined ? undefined : terminate(reason, this.state, this.data)
    )
  }

  system(message: unknown): AnyEffect {
    if (message instanceof server.StopRequest) return this.stopWith(message.reason)
    return codeChange.serve(this, message) ?? sys.serve(this, message)
  }

  startedAt = 0
  debug: sys.Debug | undefined = undefined
  isParentExit(message: unknown): message is kernel.ExitMessage {
    return server.isParentExit(message, this.parent)
  }
  readonly behaviourKind = "GenStatem"
  pendingTimeouts(now: number): ReadonlyArray<sys.PendingTimeout> {
    const pending: Array<sys.PendingTimeout> = []
    for (const [key, running] of this.timers) {
      // a zero-time timeout waiting its turn, or one whose timer fired and whose message waits: due now
      const due = running.ref === undefined ? undefined : this.record.timers?.get(running.ref.id)?.due
      pending.push({
        type: key === "timeout" || key === "stateTimeout" ? key : { timeout: running.name! },
        remaining: Duration.millis(due === undefined ? 0 : Math.max(0, due - now)),
        content: running.content
      })
    }
    return pending
  }
  systemState(): unknown {
    return { state: this.state, data: this.data }
  }
  replaceSystemState(replaced: unknown): void {
    const { data, state } = replaced as { readonly state: unknown; readonly data: unknown }
    this.state = state
    this.data = data
  }

  migrate(next: AnyBehaviour, oldVersion: string, extra: unknown): AnyEffect {
    return next.codeChange === undefined
      ? Effect.succeed({ state: this.state, data: this.data })
      : next.codeChange(oldVersion, this.state, this.data, extra)
  }
  check(next: AnyBehaviour, migrated: unknown): string | undefined {
    return codeChange.schemaIssue(next.data, (migrated as { readonly data: unknown }).data)
  }
  install(next: AnyBehaviour, migrated: unknown): void {
    this.behaviour = next
    this.replaceSystemState(migrated)
  }
}

// ---------------------------------------------------------------------------------------------
// Process body and system requests
// ---------------------------------------------------------------------------------------------

/** The body of a GenStatem process: init, ack, the first transition, then the loop. */
export const body = (
  behaviour: AnyBehaviour,
  args: unknown,
  ack: Deferred.Deferred<void, unknown>,
  name: Name.Name | undefined,
  parent: kernel.ProcessRecord | undefined
): Effect.Effect<void, unknown, any> => {
  // the version an upgrade put in the behaviour's place in the starter's context, if any
  const code = codeChange.currentCode(behaviour)
  return server.serverBody(name, ack, parent, (record) => {
    const engine = new Engine(code, record, parent)
    return {
      engine,
      init: Effect.map(code.init(args), (ok: GenStatem.Ok<unknown, unknown, AnyAction>) => {
        engine.state = ok.state
        engine.data = ok.data
        return Effect.andThen(engine.initTransition(ok), engine.run)
      })
    }
  })
}
