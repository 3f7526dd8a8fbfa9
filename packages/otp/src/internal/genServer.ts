/**
 * GenServer's engine: the loop that takes each message and runs the behaviour's handler for it,
 * and the body of a server process (init, ack, then the loop). `GenServer.ts` holds the types, the
 * docs and the signatures; calls, casts and starts are `internal/server.ts`, shared with GenStatem.
 *
 * @internal
 */
import { Cause, type Deferred, Effect, Exit, Option, Schema } from "effect"
import type * as ExitReason from "../ExitReason.ts"
import type { Behaviour, CallResult, From, NoReplyResult, Ok } from "../GenServer.ts"
import type * as Request from "../Request.ts"
import * as codeChange from "./codeChange.ts"
import * as kernel from "./kernel.ts"
import type * as Name from "./name.ts"
import * as server from "./server.ts"
import * as sys from "./sys.ts"

/** What `ok`, `reply`, `noreply` carry when no `continue` was asked for. */
export const NoContinue: unique symbol = Symbol.for("effect-otp/GenServer/NoContinue")

type AnyEffect = Effect.Effect<any, any, any>

/**
 * `Effect.flatMap(effect, f)` for a handler's result: `f` is applied at once when the handler
 * answered with a completed success (an `Exit`, as `Effect.succeed(...)` is), without a continuation
 * frame per message.
 */
const thenNow = <A>(effect: Effect.Effect<A, any, any>, f: (a: A) => AnyEffect): AnyEffect =>
  Exit.isExit(effect) && Exit.isSuccess(effect) ? f(effect.value as A) : Effect.flatMap(effect, f)

/** Whether `error` is one of the errors the request's class declares (its `failure` Schema). */
const declares = (request: Request.Any, error: unknown): boolean => {
  const requestClass = (request as { readonly constructor?: unknown }).constructor as
    | { readonly failure?: unknown }
    | undefined
  const failure = requestClass?.failure
  if (!Schema.isSchema(failure)) return false
  let is = declaredGuards.get(requestClass!)
  if (is === undefined) {
    is = Schema.is(failure as Schema.Top) as (u: unknown) => boolean
    declaredGuards.set(requestClass!, is)
  }
  return is(error)
}

const declaredGuards = new WeakMap<object, (u: unknown) => boolean>()

/** The name a behaviour that runs on GenServer's engine goes by, when it is not "GenServer" (a supervisor's). */
const BehaviourName: unique symbol = Symbol.for("effect-otp/GenServer/BehaviourName") as never

/** Gives a behaviour run on GenServer's engine its own name, in `Sys.getStatus` and in its log annotations. */
export const withBehaviourName = <B extends object>(behaviour: B, name: sys.Behaviour): B =>
  Object.assign(behaviour, { [BehaviourName]: name })

class ServerLoop implements sys.Inspectable, codeChange.Upgradable {
  state: any
  stopping = false
  /** The call being handled: a handler runs to its end before the next message is taken. */
  call: server.CallEnvelope | undefined = undefined
  /** What follows a call handler that did not answer at once: made once, not per call. */
  readonly afterHandler = {
    onSuccess: (result: CallResult<any, any, any, any>): AnyEffect => this.afterCall(result, this.call!.from),
    onFailure: (cause: Cause.Cause<unknown>): AnyEffect => this.callFailed(cause)
  }
  /** the running version: `Sys.changeCode` replaces it between two messages */
  behaviour: Behaviour<any, any, any, any, any, any, any, any>
  readonly record: kernel.ProcessRecord
  readonly parent: kernel.ProcessRecord | undefined
  readonly next: AnyEffect
  /** `after`, bound once for `thenNow` */
  readonly afterResult = (result: NoReplyResult<any, any>): AnyEffect => this.after(result)

  constructor(
    behaviour: Behaviour<any, any, any, any, any, any, any, any>,
    record: kernel.ProcessRecord,
    parent: kernel.ProcessRecord | undefined
  ) {
    this.behaviour = behaviour
    this.record = record
    this.parent = parent
    this.behaviourKind = (behaviour as { readonly [BehaviourName]?: sys.Behaviour })[BehaviourName] ?? "GenServer"
    this.next = kernel.receiveAnyThen((message) =>
      this.debug === undefined ? this.dispatch(message) : this.debugDispatch(message)
    )
  }

  /**
   * `dispatch` with a debug option on (`Sys.trace`, `Sys.log`, `Sys.statistics`): the message in,
   * the replies out (through a `From` that records them) and the new state are recorded.
   */
  debugDispatch(message: unknown): AnyEffect {
    if (message instanceof server.CallEnvelope) {
      const { from, request, span } = message
      return sys.handled(
        this,
        { _tag: "Call", request, from: from.caller },
        () => this.dispatch(new server.CallEnvelope(request, sys.tracedFrom(this, from), span)),
        this.stateChange
      )
    }
    const event: sys.Event =
      message instanceof server.CastEnvelope ? { _tag: "Cast", message: message.message } : { _tag: "Info", message }
    return sys.handled(this, event, () => this.dispatch(message), this.stateChange)
  }

  readonly stateChange = (): sys.Event => ({ _tag: "StateChange", state: this.state })

  dispatch(message: unknown): AnyEffect {
    if (message instanceof server.CallEnvelope) {
      const handler = this.behaviour.handleCall?.[message.request._tag] as
        | ((request: unknown, state: unknown, from: unknown) => AnyEffect)
        | undefined
      if (handler === undefined) {
        return Effect.die(new Error(`GenServer: no handleCall for request "${message.request._tag}"`))
      }
      if (message.span !== undefined) {
        // the handler is called inside its span: what it does before returning its effect is traced too
        this.call = message
        const state = this.state
        return Effect.matchCauseEffect(
          server.traced(
            Effect.suspend(() => handler(message.request, state, message.from)),
            message,
            this.record,
            this.behaviourKind
          ),
          this.afterHandler
        )
      }
      const effect = handler(message.request, this.state, message.from)
      if (Exit.isExit(effect) && Exit.isSuccess(effect)) {
        return this.afterCall(effect.value as CallResult<any, any, any, any>, message.from)
      }
      this.call = message
      return Effect.matchCauseEffect(effect, this.afterHandler)
    }
    if (message instanceof server.CastEnvelope) {
      const handler = this.behaviour.handleCast
      if (handler === undefined) return Effect.die(new Error("GenServer: cast to a server without handleCast"))
      return thenNow(handler(message.message, this.state), this.afterResult)
    }
    if (this.isParentExit(message)) {
      // OTP: an exit signal from the parent, trapped, stops the server with that reason after terminate
      return this.stopWith(message.reason)
    }
    const handler = this.behaviour.handleInfo
    if (handler === undefined) {
      return Effect.logWarning(`GenServer ${this.record.pid} received an unexpected message`, message)
    }
    return thenNow(handler(message, this.state), this.afterResult)
  }

  afterCall(result: CallResult<any, any, any, any>, from: From<unknown, unknown>): AnyEffect {
    switch (result._tag) {
      case "Reply": {
        server.replyUnsafe(from, result.value)
        return this.carryOn(result.state, result.continue)
      }
      case "ReplyError": {
        server.replyErrorUnsafe(from, result.error)
        return this.carryOn(result.state, result.continue)
      }
      case "NoReply":
        return this.carryOn(result.state, result.continue)
      case "Stop": {
        this.state = result.state
        if (Option.isSome(result.reply)) server.replyUnsafe(from, result.reply.value)
        return this.stopWith(result.reason)
      }
    }
  }

  /**
   * A call handler failed: with one of the errors its request declares, the caller gets it and the
   * server carries on with its state; any other failure is the server's crash.
   */
  callFailed(cause: Cause.Cause<unknown>): AnyEffect {
    const call = this.call!
    const reason = cause.reasons.length === 1 ? cause.reasons[0] : undefined
    if (reason !== undefined && Cause.isFailReason(reason) && declares(call.request, reason.error)) {
      server.replyErrorUnsafe(call.from, reason.error)
      return Effect.void
    }
    return Effect.failCause(cause)
  }

  after(result: NoReplyResult<any, any>): AnyEffect {
    if (result._tag === "Stop") {
      this.state = result.state
      return this.stopWith(result.reason)
    }
    return this.carryOn(result.state, result.continue)
  }

  carryOn(state: unknown, cont: unknown): AnyEffect {
    this.state = state
    if (cont === NoContinue) return Effect.void
    const handler = this.behaviour.handleContinue
    if (handler === undefined) return Effect.die(new Error("GenServer: continue without handleContinue"))
    return thenNow(handler(cont, state), this.afterResult)
  }

  /** Runs terminate, then ends the process with `reason`. */
  stopWith(reason: ExitReason.ExitReason): AnyEffect {
    this.stopping = true
    return server.stopAfter(this.record, this.runTerminate(reason), reason)
  }

  runTerminate(reason: ExitReason.ExitReason): Effect.Effect<void> {
    const terminate = this.behaviour.terminate
    return server.runTerminate(this.record, terminate === undefined ? undefined : terminate(reason, this.state))
  }

  system(message: unknown): AnyEffect {
    if (message instanceof server.StopRequest) return this.stopWith(message.reason)
    return codeChange.serve(this, message) ?? sys.serve(this, message)
  }

  migrate(next: Behaviour<any, any, any, any, any, any, any, any>, oldVersion: string, extra: unknown): AnyEffect {
    return next.codeChange === undefined ? Effect.succeed(this.state) : next.codeChange(oldVersion, this.state, extra)
  }
  check(next: Behaviour<any, any, any, any, any, any, any, any>, migrated: unknown): string | undefined {
    return codeChange.schemaIssue(next.state, migrated)
  }
  install(next: Behaviour<any, any, any, any, any, any, any, any>, state: unknown): void {
    this.behaviour = next
    this.state = state
  }

  startedAt = 0
  isParentExit(message: unknown): message is kernel.ExitMessage {
    return server.isParentExit(message, this.parent)
  }
  readonly behaviourKind: sys.Behaviour
  debug: sys.Debug | undefined = undefined
  systemState(): unknown {
    return this.state
  }
  replaceSystemState(state: unknown): void {
    this.state = state
  }
}

/** The body of a server process: init, ack, then the loop. */
export const serverBody = (
  behaviour: Behaviour<any, any, any, any, any, any, any, any>,
  args: unknown,
  ack: Deferred.Deferred<void, unknown>,
  name: Name.Name | undefined,
  parent: kernel.ProcessRecord | undefined
): Effect.Effect<void, unknown, any> => {
  // the version an upgrade put in the behaviour's place in the starter's context, if any
  const code = codeChange.currentCode(behaviour)
  return server.serverBody(name, ack, parent, (record) => {
    const loop = new ServerLoop(code, record, parent)
    return {
      engine: loop,
      init: Effect.map(code.init(args), (result: Ok<any, any>) => {
        loop.state = result.state
        return Effect.andThen(
          loop.carryOn(result.state, result.continue),
          Effect.forever(loop.next, { disableYield: true })
        )
      })
    }
  })
}
