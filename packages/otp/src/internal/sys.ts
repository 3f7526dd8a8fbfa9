/**
 * `Sys`'s engine, OTP's `sys`: the system requests a server serves between two messages (read or
 * replace its state, report its status, suspend and resume it) and their client functions. Both
 * server engines (GenServer's, GenStatem's) hand the requests they do not serve themselves to
 * {@link serve}. The suspension itself is the kernel's (`suspendUnsafe`: the receive serves only the
 * system lane). `Sys.ts` holds the types, the docs and the signatures.
 *
 * @internal
 */
import { Deferred, Effect, Exit, Option, Schema } from "effect"
import type * as ExitReason from "../ExitReason.ts"
import * as Pid from "../Pid.ts"
import * as kernel from "./kernel.ts"
import * as server from "./server.ts"

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * The function given to `replaceState` threw: the server keeps its state and carries on (OTP's
 * `sys:replace_state` with a crashing function).
 */
export class ReplaceStateFailed extends Schema.TaggedError<ReplaceStateFailed>()("ReplaceStateFailed", {
  pid: Pid.schema,
  /** What the function threw. */
  error: Schema.Any
}) {
  override get message(): string {
    return `replaceState of ${String(this.pid)}: the function threw ${String(this.error)}; the state is unchanged`
  }
}

// ---------------------------------------------------------------------------------------------
// Status
// ---------------------------------------------------------------------------------------------

/** What `getStatus` reports. */
export interface Status {
  readonly pid: Pid.Pid<never, unknown>
  /** The locally registered name, if any. */
  readonly registeredName: Option.Option<string>
  /** The behaviour the process runs (a supervisor runs on GenServer's engine). */
  readonly behaviour: "GenServer" | "GenStatem"
  readonly status: "running" | "suspended"
  /** What `getState` answers: a GenServer's state, a GenStatem's `{ state, data }`. */
  readonly state: unknown
  /** The messages waiting in the mailbox (its queue and the messages a receive skipped). */
  readonly mailboxLength: number
  /** The process that started it linked (a supervisor, or the caller of `startLink`), if any. */
  readonly parent: Option.Option<Pid.Pid<never, unknown>>
}

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
}

/** What a server engine shows `serve`. */
export interface Inspectable {
  readonly behaviourKind: Status["behaviour"]
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

class ReplaceState {
  readonly f: (state: unknown) => unknown
  readonly deferred: Deferred.Deferred<unknown, ReplaceStateFailed>
  constructor(f: (state: unknown) => unknown, deferred: Deferred.Deferred<unknown, ReplaceStateFailed>) {
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
            // served between two messages, none is being handled; a "dropOldest" drop was a
            // message in, taken out unhandled ("dropNewest" refuses it before it is in)
            messagesHandled:
              record.received - record.mailboxLength - (record.overflow === "dropOldest" ? record.dropped : 0),
            messagesDropped: record.dropped
          })
        )
      })
    )
  } else if (message instanceof Suspend) {
    kernel.suspendUnsafe(engine.record, (m) => engine.isParentExit(m))
    Deferred.doneUnsafe(message.deferred, Exit.void)
  } else if (message instanceof Resume) {
    kernel.resumeUnsafe(engine.record)
    Deferred.doneUnsafe(message.deferred, Exit.void)
  }
  return Effect.void
}

const statusOf = (engine: Inspectable): Status => {
  const record = engine.record
  return {
    pid: record.pid,
    registeredName: Option.fromUndefinedOr(record.name),
    behaviour: engine.behaviourKind,
    status: record.suspended !== undefined ? "suspended" : "running",
    state: engine.systemState(),
    mailboxLength: record.mailboxLength,
    parent: engine.parent === undefined ? Option.none() : Option.some(engine.parent.pid)
  }
}

// ---------------------------------------------------------------------------------------------
// Client API
// ---------------------------------------------------------------------------------------------

/** A server reference, or the pid of any process. */
export type Target = server.Server<never, never> | Pid.Pid<never, unknown>

const toServer = (target: Target): server.Server<never, never> => (Pid.isPid(target) ? server.fromPid(target) : target)

export const getState = (target: Target, options?: server.CallOptions) => server.getState(toServer(target), options)

export const replaceState = (target: Target, f: (state: any) => unknown, options?: server.CallOptions) =>
  server.systemRequest<never, never, unknown, ReplaceStateFailed>(
    toServer(target),
    "replaceState",
    (deferred) => new ReplaceState(f, deferred),
    options
  )

export const getStatus = (target: Target, options?: server.CallOptions) =>
  server.systemRequest<never, never, Status, never>(
    toServer(target),
    "getStatus",
    (deferred) => new GetStatus(deferred),
    options
  )

export const suspend = (target: Target, options?: server.CallOptions) =>
  server.systemRequest<never, never, void, never>(
    toServer(target),
    "suspend",
    (deferred) => new Suspend(deferred),
    options
  )

export const resume = (target: Target, options?: server.CallOptions) =>
  server.systemRequest<never, never, void, never>(
    toServer(target),
    "resume",
    (deferred) => new Resume(deferred),
    options
  )

export const statistics = (target: Target, options?: server.CallOptions) =>
  server.systemRequest<never, never, Statistics, never>(
    toServer(target),
    "statistics",
    (deferred) => new GetStatistics(deferred),
    options
  )
