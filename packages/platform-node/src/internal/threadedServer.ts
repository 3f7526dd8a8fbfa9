/**
 * The main side of a threaded GenServer: a green GenServer process that owns a `WorkerPool`
 * session and forwards each call and cast to it, one at a time, and exits with `Failure` when the
 * session's thread dies.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type { ChildSpec, Request } from "effect-otp"
import * as ExitReason from "effect-otp/ExitReason"
import * as GenServer from "effect-otp/GenServer"
import * as Process from "effect-otp/Process"
import { Worker } from "node:worker_threads"
import * as WorkerPool from "../WorkerPool.ts"
import { type DefinitionImpl, workerDataKey } from "./threadedDefinition.ts"

/** Where the thread comes from: a module, or a function that creates the `Worker` with `workerData`. */
export type WorkerSource = URL | string | ((workerData: unknown) => Worker)

export interface StartOptions extends GenServer.StartOptions {
  readonly worker: WorkerSource
  readonly startTimeout?: Duration.Input | undefined
  readonly shutdownTimeout?: Duration.Input | undefined
}

/** The main side's state: the session, and its thread's id (what `GenServer.getState` shows). */
export interface State {
  readonly threadId: number
  readonly session: WorkerPool.Session<any>
}

/** Sent to the server by its watcher when the thread dies while no call is running. */
class ThreadExited {
  readonly crash: WorkerPool.WorkerCrashed
  constructor(crash: WorkerPool.WorkerCrashed) {
    this.crash = crash
  }
}

/** The pool's own errors, as opposed to the errors a request declares. */
const isWorkerError = (u: unknown): u is WorkerPool.WorkerError =>
  u instanceof WorkerPool.InvalidRequest ||
  u instanceof WorkerPool.InvalidReply ||
  u instanceof WorkerPool.HandlerDefect ||
  u instanceof WorkerPool.WorkerCrashed ||
  u instanceof WorkerPool.WorkerTimeout ||
  u instanceof WorkerPool.WorkerSpawnFailed ||
  u instanceof WorkerPool.WorkerPoolClosed

/** The server stops with the thread's failure as its reason (the session, and the state, go with it). */
const stopWith = (error: unknown, state: State): Effect.Effect<GenServer.Stop<State>> =>
  Effect.succeed(GenServer.stopWith(ExitReason.failure(error), state))

type CallResult = GenServer.CallResult<unknown, unknown, State>
type NoReplyResult = GenServer.NoReplyResult<State>

const spawnerOf =
  (source: WorkerSource, encodedArgs: unknown) =>
  (_id: number): Worker => {
    const workerData = { [workerDataKey]: encodedArgs }
    return typeof source === "function" ? source(workerData) : new Worker(source, { workerData })
  }

type AnyBehaviour = GenServer.Behaviour<unknown, State, any, any, unknown, unknown, Scope.Scope | Process.Self<unknown>>

export const behaviourOf = (definition: DefinitionImpl, options: StartOptions): AnyBehaviour => {
  const forwardCall = (
    request: Request.Any,
    state: State,
    from: GenServer.From<unknown, unknown>
  ): Effect.Effect<CallResult> =>
    Effect.matchEffect(WorkerPool.run(state.session, request), {
      onSuccess: (value): Effect.Effect<CallResult> => Effect.succeed(GenServer.reply(value, state)),
      onFailure: (error): Effect.Effect<CallResult> => {
        if (!isWorkerError(error)) return Effect.succeed(GenServer.replyError(error, state))
        if (error._tag === "InvalidRequest") {
          // the request did not cross the thread boundary (a protocol that differs between the two
          // sides): the caller's defect, which its declared errors cannot express; the server and
          // its state are unaffected
          from.complete(Exit.die(error))
          return Effect.succeed(GenServer.noreply(state))
        }
        return stopWith(error, state)
      }
    })
  const handleCall: Record<string, typeof forwardCall> = {}
  for (const tag of definition.callTags) handleCall[tag] = forwardCall

  return {
    protocol: definition.protocol,
    init: (args: unknown) =>
      Effect.gen(function* () {
        const encoded = yield* definition.encodeArgs(args)
        const session = yield* WorkerPool.session({
          protocol: [...definition.protocol, ...definition.casts],
          worker: spawnerOf(options.worker, encoded),
          startTimeout: options.startTimeout,
          shutdownTimeout: options.shutdownTimeout
        })
        const [threadId] = yield* WorkerPool.threadIds(session)
        const self = yield* Process.self<ThreadExited>()
        // a thread that dies while the server waits for messages: tell the server
        yield* Effect.forkScoped(
          Effect.flatMap(WorkerPool.awaitExit(session), (exit) =>
            Exit.isFailure(exit)
              ? Effect.asVoid(Process.send(self, new ThreadExited(crashOfCause(exit.cause)!)))
              : Effect.void
          )
        )
        return GenServer.ok<State>({ threadId: threadId ?? -1, session })
      }),
    handleCall: handleCall as never,
    handleCast: (message: Request.Any, state: State): Effect.Effect<NoReplyResult> =>
      Effect.matchEffect(WorkerPool.run(state.session, message), {
        onSuccess: (): Effect.Effect<NoReplyResult> => Effect.succeed(GenServer.noreply(state)),
        onFailure: (error): Effect.Effect<NoReplyResult> =>
          error._tag === "InvalidRequest"
            ? Effect.as(
                Effect.logError(`ThreadedGenServer: dropped a cast that did not cross the thread boundary`, error),
                GenServer.noreply(state)
              )
            : stopWith(error, state)
      }),
    handleInfo: (message: unknown, state: State): Effect.Effect<NoReplyResult> =>
      message instanceof ThreadExited
        ? stopWith(message.crash, state)
        : Effect.as(
            Effect.logWarning(`ThreadedGenServer received an unexpected message`, message),
            GenServer.noreply(state)
          )
  }
}

const crashOfCause = (cause: Cause.Cause<unknown>): WorkerPool.WorkerCrashed | undefined => {
  for (const reason of cause.reasons) {
    if (Cause.isFailReason(reason) && reason.error instanceof WorkerPool.WorkerCrashed) return reason.error
    if (Cause.isDieReason(reason) && reason.defect instanceof WorkerPool.WorkerCrashed) return reason.defect
  }
  return undefined
}

/** The thread crash behind an exit reason, or behind a `ServerExited` error, if there is one. */
export const crashOf = (u: ExitReason.ExitReason | GenServer.ServerExited): Option.Option<WorkerPool.WorkerCrashed> => {
  const reason: unknown = u._tag === "ServerExited" ? u.reason : u
  if (!ExitReason.isExitReason(reason) || reason._tag !== "Failure") return Option.none()
  return Option.fromUndefinedOr(crashOfCause(reason.cause))
}

/** A reference by name: GenServer.named reads only its behaviour's types. */
export const named = (name: NonNullable<GenServer.StartOptions["name"]>) =>
  GenServer.named(undefined as unknown as AnyBehaviour, name)

export const start = (definition: DefinitionImpl, args: unknown, options: StartOptions) =>
  GenServer.start(behaviourOf(definition, options), args, options)

export const startLink = (definition: DefinitionImpl, args: unknown, options: StartOptions) =>
  GenServer.startLink(behaviourOf(definition, options), args, options)

export const childSpec = (
  id: string,
  definition: DefinitionImpl,
  args: unknown,
  options: StartOptions & Omit<ChildSpec.ChildSpec, "id" | "start" | "type">
) => GenServer.childSpec(id, behaviourOf(definition, options), args, options)
