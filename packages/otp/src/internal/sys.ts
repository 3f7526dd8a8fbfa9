/**
 * `Sys`'s engine, OTP's `sys`: the system requests a server serves between two messages (read or
 * replace its state, report its status, suspend and resume it, trace, log and count its events, set
 * its log level) and their client functions. Both server engines (GenServer's, GenStatem's) hand the
 * requests they do not serve themselves to {@link serve}. The suspension itself is the kernel's
 * (`suspendUnsafe`: the receive serves only the system lane). The debug options (trace, log,
 * statistics) live in a {@link Debug} object on the engine, `undefined` while all are off: an engine
 * checks that one field per message and goes through {@link handled} only when it is set. `Sys.ts`
 * holds the types, the docs and the signatures.
 *
 * @internal
 */
import {
  Clock,
  Context,
  Deferred,
  type Duration,
  Effect,
  Exit,
  Fiber,
  Formatter,
  type LogLevel,
  Option,
  References,
  Schema
} from "effect"
import * as Distribution from "../Distribution.ts"
import * as Errors from "../Errors.ts"
import type * as ExitReason from "../ExitReason.ts"
import type * as GenServer from "../GenServer.ts"
import * as Pid from "../Pid.ts"
import * as Term from "../Term.ts"
import * as codeChange from "./codeChange.ts"
import * as kernel from "./kernel.ts"
import * as server from "./server.ts"
import * as typedWire from "./typedWire.ts"
import * as validate from "./validate.ts"
import { ReplaceStateFailed } from "../Errors.ts"
export { ReplaceStateFailed } from "../Errors.ts"

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// Status
// ---------------------------------------------------------------------------------------------

/** The behaviours a server runs (a supervisor runs on GenServer's engine, and says it is a supervisor). */
export type Behaviour = "GenServer" | "GenStatem" | "Supervisor" | "DynamicSupervisor"

/** What `getStatus` reports. */
export interface Status {
  readonly pid: Pid.Pid<never, unknown>
  /** The locally registered name, if any. */
  readonly registeredName: Option.Option<string>
  /** The behaviour the process runs. */
  readonly behaviour: Behaviour
  /** The declared name of the behaviour's code (its `name`), if it has one. */
  readonly behaviourName: Option.Option<string>
  /** The version of the behaviour's code it runs (its `version`, `"1"` when it declares none). */
  readonly version: string
  readonly status: "running" | "suspended"
  /** What `getState` answers: a GenServer's state, a GenStatem's `{ state, data }`. */
  readonly state: unknown
  /** The messages waiting in the mailbox (its queue and the messages a receive skipped). */
  readonly mailboxLength: number
  /** The process that started it linked (a supervisor, or the caller of `startLink`), if any. */
  readonly parent: Option.Option<Pid.Pid<never, unknown>>
  /** Its minimum log level (see `setLogLevel`). */
  readonly logLevel: LogLevel.LogLevel
  /** A GenStatem's running timeouts, in the order they were started; none for the other behaviours. */
  readonly timeouts: ReadonlyArray<PendingTimeout>
  /** The events its log keeps (see `log`), oldest first; empty when the log is off. */
  readonly log: ReadonlyArray<Event>
}

/** A GenStatem's timeout that has not fired yet. */
export interface PendingTimeout {
  /** The event timeout, the state timeout, or a generic timeout by name. */
  readonly type: "timeout" | "stateTimeout" | { readonly timeout: string }
  /** The time left before it fires (zero for a zero-time timeout waiting its turn). */
  readonly remaining: Duration.Duration
  /** The content of its event. */
  readonly content: unknown
}

// ---------------------------------------------------------------------------------------------
// Debug events: trace, log, statistics
// ---------------------------------------------------------------------------------------------

/**
 * An event of a server, as its trace logs it and its log keeps it (OTP's `sys` debug events): a
 * message in (`Call`, `Cast`, `Info`; a GenStatem's `Timeout` and `Internal` events), a reply out,
 * and what the handler left: a GenServer's new state, a GenStatem's transition.
 */
export type Event =
  | { readonly _tag: "Call"; readonly request: unknown; readonly from: Option.Option<Pid.Pid<never, unknown>> }
  | { readonly _tag: "Cast"; readonly message: unknown }
  | { readonly _tag: "Info"; readonly message: unknown }
  | { readonly _tag: "Timeout"; readonly type: PendingTimeout["type"]; readonly content: unknown }
  | { readonly _tag: "Internal"; readonly content: unknown }
  | {
      readonly _tag: "Reply"
      readonly to: Option.Option<Pid.Pid<never, unknown>>
      readonly reply: Exit.Exit<unknown, unknown>
    }
  | { readonly _tag: "StateChange"; readonly state: unknown }
  | { readonly _tag: "Transition"; readonly state: unknown; readonly nextState: unknown; readonly data: unknown }

/** What `statistics` counts once switched on. */
export interface Counters {
  readonly since: number
  messagesOut: number
  handlerInvocations: number
  handlerMillis: number
}

/** A server's debug options; an engine holds one only while one of them is on. */
export class Debug {
  trace = false
  /** how many events the log keeps; 0: no log */
  logSize = 0
  log: Array<Event> = []
  counters: Counters | undefined = undefined
  get off(): boolean {
    return !this.trace && this.logSize === 0 && this.counters === undefined
  }
}

/** The log's default size, as OTP's `sys:log(Name, true)`. */
const defaultLogSize = 10

/** Records an event: in the log, in the counters, and as a trace line. */
const emit = (engine: Inspectable, event: Event): void => {
  const debug = engine.debug
  if (debug === undefined) return
  if (debug.logSize > 0) {
    debug.log.push(event)
    if (debug.log.length > debug.logSize) debug.log.shift()
  }
  if (debug.counters !== undefined && event._tag === "Reply") debug.counters.messagesOut++
  if (debug.trace) {
    logTrace(engine, event)
    const node = engine.record.node
    if (node.observers !== undefined) kernel.notifyObservers(node, { _tag: "Traced", record: engine.record, event })
  }
}

/**
 * Logs a trace line from the process, with its annotations (pid, name, behaviour) and `event:
 * "TRACE"`, `kind: event._tag`: at `Info`, subject to the process's minimum level. Logged at once,
 * as the crash reports are (a reply sent from another fiber is logged with the process's context).
 */
const logTrace = (engine: Inspectable, event: Event): void => {
  const fiber = engine.record.fiber
  if (fiber === undefined || !kernel.logReaches(fiber, "Info")) return
  Effect.runForkWith(fiber.context)(
    Effect.logInfo(describe(engine.record.pid, event), event).pipe(
      Effect.annotateLogs({ event: "TRACE", kind: event._tag })
    )
  )
}

const describeFrom = (from: Option.Option<Pid.Pid<never, unknown>>): string =>
  Option.isSome(from) ? String(from.value) : "outside any process"

/** The line of text a trace logs for `event` of the server `pid`. */
export const describe = (pid: Pid.Pid<never, unknown>, event: Event): string => {
  switch (event._tag) {
    case "Call":
      return `${pid} got call ${Formatter.format(event.request)} from ${describeFrom(event.from)}`
    case "Cast":
      return `${pid} got cast ${Formatter.format(event.message)}`
    case "Info":
      return `${pid} got ${Formatter.format(event.message)}`
    case "Timeout":
      return `${pid} got ${typeof event.type === "string" ? event.type : `timeout ${event.type.timeout}`} ${Formatter.format(event.content)}`
    case "Internal":
      return `${pid} got internal ${Formatter.format(event.content)}`
    case "Reply":
      return `${pid} sent ${Exit.isSuccess(event.reply) ? Formatter.format(event.reply.value) : `error ${Formatter.format(event.reply.cause)}`} to ${describeFrom(event.to)}`
    case "StateChange":
      return `${pid} new state ${Formatter.format(event.state)}`
    case "Transition":
      return `${pid} in state ${Formatter.format(event.state)}, next state ${Formatter.format(event.nextState)}`
  }
}

/**
 * A handler run with debug on: records `event` (the message in), runs the handler `run` makes,
 * then records what `after` says it left, counting the handler's invocation and its time (on the
 * process's `Clock`) while statistics are on.
 */
export const handled = <A, E, R>(
  engine: Inspectable,
  event: Event,
  run: () => Effect.Effect<A, E, R>,
  after: () => Event
): Effect.Effect<A, E, R> => {
  emit(engine, event)
  const counters = engine.debug?.counters
  if (counters === undefined) {
    return Effect.map(run(), (a) => {
      emit(engine, after())
      return a
    })
  }
  const clock = engine.record.fiber!.getRef(Clock.Clock)
  const start = clock.currentTimeMillisUnsafe()
  counters.handlerInvocations++
  return Effect.map(run(), (a) => {
    counters.handlerMillis += clock.currentTimeMillisUnsafe() - start
    emit(engine, after())
    return a
  })
}

/** A call's `From` that records its reply as a `Reply` event, for a handler run with debug on. */
export const tracedFrom = (
  engine: Inspectable,
  from: GenServer.From<unknown, unknown>
): GenServer.From<unknown, unknown> => ({
  caller: from.caller,
  complete: (exit) => {
    emit(engine, { _tag: "Reply", to: from.caller, reply: exit })
    return from.complete(exit)
  }
})

/** What `statistics` reports. */
export interface Statistics {
  /** When the server started (its `init`), in the node clock's milliseconds. */
  readonly startTime: number
  /** The node clock's time when the server answered. */
  readonly currentTime: number
  /** The messages put in its mailbox since it started (calls, casts, infos, exit and down messages, timeouts). */
  readonly messagesIn: number
  /** The messages it has taken from its mailbox and handled. */
  readonly messagesHandled: number
  /** The messages its bounded mailbox dropped. */
  readonly messagesDropped: number
  /** What was counted since `statistics(target, true)` switched the counting on; none while it is off. */
  readonly counted: Option.Option<CountedStatistics>
}

/** What a server counts while its statistics are on. */
export interface CountedStatistics {
  /** When they were switched on, in the node clock's milliseconds. */
  readonly since: number
  /** The replies it sent: OTP's `messages_out`. */
  readonly messagesOut: number
  /** The events its handlers were run for (a call, a cast, an info, a timeout...): reductions' nearest equivalent. */
  readonly handlerInvocations: number
  /** The time its handlers ran, on the process's `Clock`, in milliseconds. */
  readonly handlerMillis: number
}

/** What a server engine shows `serve`. */
export interface Inspectable {
  /** The behaviour's name, in `Sys.getStatus` and in the `behaviour` annotation of the server's log lines. */
  readonly behaviourKind: Status["behaviour"]
  /** Its debug options, `undefined` while all are off. */
  debug: Debug | undefined
  /** A GenStatem's running timeouts, their time left counted from `now`. */
  pendingTimeouts?(now: number): ReadonlyArray<PendingTimeout>
  /** The running behaviour: its declared name and version. */
  readonly behaviour: codeChange.Versioned
  readonly startedAt: number
  readonly record: kernel.ProcessRecord
  readonly parent: kernel.ProcessRecord | undefined
  /** The state `getState` answers. */
  systemState(): unknown
  /** Sets the state `replaceState` made. */
  replaceSystemState(state: unknown): void
  /** Whether a message is an `EXIT` from the parent: a suspended server takes it and stops. */
  isParentExit(message: unknown): boolean
  /** Runs terminate, then ends the process with `reason`. */
  stopWith(reason: ExitReason.ExitReason): Effect.Effect<unknown, unknown, unknown>
}

// ---------------------------------------------------------------------------------------------
// System requests
// ---------------------------------------------------------------------------------------------

class ReplaceState<S = any> {
  readonly f: (state: S) => S
  readonly deferred: Deferred.Deferred<S, ReplaceStateFailed>
  constructor(f: (state: S) => S, deferred: Deferred.Deferred<S, ReplaceStateFailed>) {
    this.f = f
    this.deferred = deferred
  }
}

class GetStatus {
  readonly deferred: Deferred.Deferred<Status>
  constructor(deferred: Deferred.Deferred<Status>) {
    this.deferred = deferred
  }
}

class GetStatistics {
  readonly deferred: Deferred.Deferred<Statistics>
  constructor(deferred: Deferred.Deferred<Statistics>) {
    this.deferred = deferred
  }
}

class Trace {
  readonly on: boolean
  readonly deferred: Deferred.Deferred<void>
  constructor(on: boolean, deferred: Deferred.Deferred<void>) {
    this.on = on
    this.deferred = deferred
  }
}

class SetLog {
  readonly size: number
  readonly deferred: Deferred.Deferred<void>
  constructor(size: number, deferred: Deferred.Deferred<void>) {
    this.size = size
    this.deferred = deferred
  }
}

class GetLog {
  readonly deferred: Deferred.Deferred<ReadonlyArray<Event>>
  constructor(deferred: Deferred.Deferred<ReadonlyArray<Event>>) {
    this.deferred = deferred
  }
}

class SetStatistics {
  readonly on: boolean
  readonly deferred: Deferred.Deferred<void>
  constructor(on: boolean, deferred: Deferred.Deferred<void>) {
    this.on = on
    this.deferred = deferred
  }
}

class SetLogLevel {
  readonly level: LogLevel.LogLevel
  readonly deferred: Deferred.Deferred<void>
  constructor(level: LogLevel.LogLevel, deferred: Deferred.Deferred<void>) {
    this.level = level
    this.deferred = deferred
  }
}

class Suspend {
  readonly deferred: Deferred.Deferred<void>
  constructor(deferred: Deferred.Deferred<void>) {
    this.deferred = deferred
  }
}

class Resume {
  readonly deferred: Deferred.Deferred<void>
  constructor(deferred: Deferred.Deferred<void>) {
    this.deferred = deferred
  }
}

/** Serves the system requests common to every server; the others are ignored. */
export const serve = (engine: Inspectable, message: unknown): Effect.Effect<unknown, unknown, unknown> => {
  // an EXIT from the parent let through while suspended: the server stops, as it would have
  if (message instanceof kernel.ExitMessage) return engine.stopWith(message.reason)
  if (message instanceof server.GetState) {
    Deferred.doneUnsafe(message.deferred, Exit.succeed(engine.systemState()))
  } else if (message instanceof ReplaceState) {
    let next: unknown
    try {
      next = message.f(engine.systemState())
    } catch (error) {
      Deferred.doneUnsafe(message.deferred, Exit.fail(new ReplaceStateFailed({ pid: engine.record.pid, error })))
      return Effect.void
    }
    engine.replaceSystemState(next)
    Deferred.doneUnsafe(message.deferred, Exit.succeed(next))
  } else if (message instanceof GetStatus) {
    Deferred.doneUnsafe(message.deferred, Exit.succeed(statusOf(engine)))
  } else if (message instanceof GetStatistics) {
    const deferred = message.deferred
    return Effect.clockWith((clock) =>
      Effect.sync(() => {
        const record = engine.record
        Deferred.doneUnsafe(
          deferred,
          Exit.succeed({
            startTime: engine.startedAt,
            currentTime: clock.currentTimeMillisUnsafe(),
            messagesIn: record.received,
            messagesHandled: messagesTakenOf(record),
            messagesDropped: record.dropped,
            counted: Option.fromUndefinedOr(countedOf(engine.debug?.counters))
          })
        )
      })
    )
  } else if (message instanceof Suspend) {
    suspendEngine(engine)
    Deferred.doneUnsafe(message.deferred, Exit.void)
  } else if (message instanceof Resume) {
    kernel.resumeUnsafe(engine.record)
    Deferred.doneUnsafe(message.deferred, Exit.void)
  } else if (message instanceof server.SystemFromWire) {
    return serveWire(engine, message)
  } else if (message instanceof Trace) {
    setDebug(engine, (debug) => {
      debug.trace = message.on
    })
    Deferred.doneUnsafe(message.deferred, Exit.void)
  } else if (message instanceof SetLog) {
    setDebug(engine, (debug) => {
      debug.logSize = message.size
      if (debug.log.length > message.size) debug.log.splice(0, debug.log.length - message.size)
    })
    Deferred.doneUnsafe(message.deferred, Exit.void)
  } else if (message instanceof GetLog) {
    Deferred.doneUnsafe(message.deferred, Exit.succeed(engine.debug === undefined ? [] : engine.debug.log.slice()))
  } else if (message instanceof SetStatistics) {
    const now = engine.record.fiber!.getRef(Clock.Clock).currentTimeMillisUnsafe()
    setDebug(engine, (debug) => {
      // switched on again: counted afresh, as OTP's `sys:statistics(Name, true)`
      debug.counters = message.on ? { since: now, messagesOut: 0, handlerInvocations: 0, handlerMillis: 0 } : undefined
    })
    Deferred.doneUnsafe(message.deferred, Exit.void)
  } else if (message instanceof SetLogLevel) {
    // the process's own fiber serves its system lane: its context's minimum level is the one every
    // line it logs from now on is checked against (Effect's own filter)
    const fiber = Fiber.getCurrent()!
    fiber.setContext(Context.add(fiber.context, References.MinimumLogLevel, message.level))
    Deferred.doneUnsafe(message.deferred, Exit.void)
  }
  return Effect.void
}

/** Suspends the server: it serves only its system lane (and an `EXIT` from its parent) until resumed. */
const suspendEngine = (engine: Inspectable): void => kernel.suspendUnsafe(engine.record, (m) => engine.isParentExit(m))

const okAtom = Term.atom("ok")
const errorAtom = Term.atom("error")
const getStateAtom = Term.atom("get_state")
const suspendAtom = Term.atom("suspend")
const resumeAtom = Term.atom("resume")
const terminateAtom = Term.atom("terminate")

/**
 * Serves a system message from another node as OTP 25's `sys:handle_system_msg` does, answering
 * `{Tag, Reply}` to its caller: `get_state` with the state's term (see {@link stateTerm}),
 * `suspend` and `resume` with `ok` once done, `{terminate, Reason}` with `ok` and then the server's
 * stop with the reason (`Distribution.reasonFromTerm`), anything else (`get_status` too, whose
 * answer holds OTP's own debug structures) with `{error, {unknown_system_msg, Request}}`.
 */
const serveWire = (engine: Inspectable, message: server.SystemFromWire): Effect.Effect<unknown, unknown, unknown> => {
  const transport = engine.record.node.distribution
  if (transport === undefined) return Effect.void
  const { caller, request, tag } = message
  const answer = (reply: unknown) => transport.reply(engine.record.pid, caller, tag, reply)
  if (request === getStateAtom) {
    const state = stateTerm(engine)
    answer(state === NoTerm ? getStateFailed(engine) : state)
  } else if (request === suspendAtom) {
    suspendEngine(engine)
    answer(okAtom)
  } else if (request === resumeAtom) {
    kernel.resumeUnsafe(engine.record)
    answer(okAtom)
  } else if (Term.isTuple(request) && request.elements.length === 2 && request.elements[0] === terminateAtom) {
    // as OTP's system_terminate: the answer first, then the stop (terminate runs with the reason)
    answer(okAtom)
    return engine.stopWith(Distribution.reasonFromTerm(request.elements[1]!))
  } else {
    answer(Term.tuple(errorAtom, Term.tuple(Term.atom("unknown_system_msg"), request)))
  }
  return Effect.void
}

const NoTerm: unique symbol = Symbol.for("effect-otp/sys/NoTerm")

/**
 * What `sys:get_state` gets from another node: a GenServer's state, a GenStatem's `{State, Data}`
 * (as OTP's gen_statem answers), each encoded with the Schema its behaviour declares for it
 * (`state`, `data`: `Term.codec`), else as it is; {@link NoTerm} when the Schema does not encode it.
 */
const stateTerm = (engine: Inspectable): unknown => {
  const behaviour = engine.behaviour as { readonly state?: unknown; readonly data?: unknown }
  const state = engine.systemState()
  if (engine.behaviourKind !== "GenStatem") return encodeWith(behaviour.state, state)
  const { data, state: name } = state as { readonly state: unknown; readonly data: unknown }
  const encoded = encodeWith(behaviour.data, data)
  return encoded === NoTerm ? NoTerm : encodeWith(undefined, Term.tuple(name as Term.Term, encoded as Term.Term))
}

const encodeWith = (schema: unknown, value: unknown): unknown => {
  if (Schema.isSchema(schema)) {
    const encoded = typedWire.messageCodec(schema as Schema.Top).encode(value)
    return Exit.isSuccess(encoded) ? encoded.value : NoTerm
  }
  // checked here, so that a state without a term is answered, not logged by the transport
  try {
    Term.encodeUnsafe(value as Term.Term)
    return value
  } catch (error) {
    if (!(error instanceof Term.EncodeError)) throw error
    return NoTerm
  }
}

/**
 * The answer to `get_state` when the state has no term: what OTP's `sys` answers when a
 * behaviour's `system_get_state` fails, `{error, {callback_failed, {Module, system_get_state},
 * {error, not_a_term}}}` (`sys:get_state` raises its reason).
 */
const getStateFailed = (engine: Inspectable): Term.Tuple =>
  Term.tuple(
    errorAtom,
    Term.tuple(
      Term.atom("callback_failed"),
      Term.tuple(
        Term.atom(engine.behaviourKind === "GenStatem" ? "gen_statem" : "gen_server"),
        Term.atom("system_get_state")
      ),
      Term.tuple(errorAtom, Term.atom("not_a_term"))
    )
  )

/** Changes the engine's debug options; none left on: no debug object, nothing checked per message. */
const setDebug = (engine: Inspectable, f: (debug: Debug) => void): void => {
  const debug = engine.debug ?? new Debug()
  f(debug)
  engine.debug = debug.off ? undefined : debug
}

const countedOf = (counters: Counters | undefined): CountedStatistics | undefined =>
  counters === undefined
    ? undefined
    : {
        since: counters.since,
        messagesOut: counters.messagesOut,
        handlerInvocations: counters.handlerInvocations,
        handlerMillis: counters.handlerMillis
      }

/**
 * The messages a process has taken from its mailbox: those that came in, less those waiting and
 * those a "dropOldest" mailbox dropped (a message in, taken out unhandled; "dropNewest" refuses one
 * before it is in). Served between two messages, none is being handled.
 */
export const messagesTakenOf = (record: kernel.ProcessRecord): number =>
  record.received - record.mailboxLength - (record.overflow === "dropOldest" ? record.dropped : 0)

const statusOf = (engine: Inspectable): Status => {
  const record = engine.record
  const fiber = Fiber.getCurrent()!
  return {
    pid: record.pid,
    registeredName: Option.fromUndefinedOr(record.name),
    behaviour: engine.behaviourKind,
    behaviourName: Option.fromUndefinedOr(engine.behaviour.name),
    version: codeChange.versionOf(engine.behaviour),
    status: record.suspended !== undefined ? "suspended" : "running",
    state: engine.systemState(),
    mailboxLength: record.mailboxLength,
    parent: engine.parent === undefined ? Option.none() : Option.some(engine.parent.pid),
    logLevel: fiber.getRef(References.MinimumLogLevel),
    timeouts:
      engine.pendingTimeouts === undefined
        ? []
        : engine.pendingTimeouts(fiber.getRef(Clock.Clock).currentTimeMillisUnsafe()),
    log: engine.debug === undefined ? [] : engine.debug.log.slice()
  }
}

// ---------------------------------------------------------------------------------------------
// Client API
// ---------------------------------------------------------------------------------------------

/** A server reference, or the pid of any process. */
export type Target = GenServer.Server<never, never> | Pid.Pid<never, unknown>

const toServer = (target: Target): GenServer.Server<never, never> =>
  Pid.isPid(target) ? server.fromPid(target) : target

export const getState = <const O extends GenServer.CallOptions = {}>(target: Target, options?: O) =>
  server.getState(toServer(target), options)

export const replaceState = <S, const O extends GenServer.CallOptions = {}>(
  target: Target,
  f: (state: S) => S,
  options?: O
) =>
  server.systemRequest<never, never, S, ReplaceStateFailed, O>(
    toServer(target),
    "replaceState",
    (deferred) => new ReplaceState(f, deferred),
    options
  )

export const getStatus = <const O extends GenServer.CallOptions = {}>(target: Target, options?: O) =>
  server.systemRequest<never, never, Status, never, O>(
    toServer(target),
    "getStatus",
    (deferred) => new GetStatus(deferred),
    options
  )

export const suspend = <const O extends GenServer.CallOptions = {}>(target: Target, options?: O) =>
  server.systemRequest<never, never, void, never, O>(
    toServer(target),
    "suspend",
    (deferred) => new Suspend(deferred),
    options
  )

export const resume = <const O extends GenServer.CallOptions = {}>(target: Target, options?: O) =>
  server.systemRequest<never, never, void, never, O>(
    toServer(target),
    "resume",
    (deferred) => new Resume(deferred),
    options
  )

export const statistics = <const O extends GenServer.CallOptions = {}>(target: Target, options?: O) =>
  server.systemRequest<never, never, Statistics, never, O>(
    toServer(target),
    "statistics",
    (deferred) => new GetStatistics(deferred),
    options
  )

export const trace = <const O extends GenServer.CallOptions = {}>(target: Target, on: boolean, options?: O) =>
  server.systemRequest<never, never, void, never, O>(
    toServer(target),
    "trace",
    (deferred) => new Trace(on, deferred),
    options
  )

/** The size of a log: `true` is OTP's default (10), `false` and 0 switch it off. */
const logSizeOf = (size: number | boolean): number => (size === true ? defaultLogSize : size === false ? 0 : size)

export const log = <const O extends GenServer.CallOptions = {}>(target: Target, size: number | boolean, options?: O) =>
  validate.guard(checkLogSize(size), () =>
    server.systemRequest<never, never, void, never, O>(
      toServer(target),
      "log",
      (deferred) => new SetLog(logSizeOf(size), deferred),
      options
    )
  )

const checkLogSize = (size: unknown): Errors.BadArgument | undefined =>
  typeof size === "boolean" || (typeof size === "number" && Number.isInteger(size) && size >= 0)
    ? undefined
    : new Errors.BadArgument({
        function: "Sys.log",
        field: "size",
        value: size,
        reason: "must be a boolean or a non-negative integer"
      })

export const getLog = <const O extends GenServer.CallOptions = {}>(target: Target, options?: O) =>
  server.systemRequest<never, never, ReadonlyArray<Event>, never, O>(
    toServer(target),
    "getLog",
    (deferred) => new GetLog(deferred),
    options
  )

export const setStatistics = <const O extends GenServer.CallOptions = {}>(target: Target, on: boolean, options?: O) =>
  server.systemRequest<never, never, void, never, O>(
    toServer(target),
    "statistics",
    (deferred) => new SetStatistics(on, deferred),
    options
  )

export const setLogLevel = <const O extends GenServer.CallOptions = {}>(
  target: Target,
  level: LogLevel.LogLevel,
  options?: O
) =>
  validate.guard(validate.checkLogLevel("Sys.setLogLevel", "level", level), () =>
    server.systemRequest<never, never, void, never, O>(
      toServer(target),
      "setLogLevel",
      (deferred) => new SetLogLevel(level, deferred),
      options
    )
  )
