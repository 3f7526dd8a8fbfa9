/**
 * The worker side of a threaded GenServer: decodes the start argument from `workerData`, builds
 * the state with `init`, and serves the definition's calls and casts on `WorkerPool.serve`, one at
 * a time, carrying the state from one handler to the next.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type { Request } from "effect-otp"
import * as WorkerThreads from "node:worker_threads"
import type { DefinitionImpl } from "./threadedDefinition.ts"
import { workerDataKey } from "./threadedDefinition.ts"
import * as WorkerPool from "../WorkerPool.ts"
import type { Reply, ReplyError, NoReply } from "../ThreadedGenServer.ts"
export type { Reply, ReplyError, NoReply }

export const reply = <A, S>(value: A, state: S): Reply<A, S> => ({ _tag: "Reply", value, state })
export const replyError = <E, S>(error: E, state: S): ReplyError<E, S> => ({ _tag: "ReplyError", error, state })
export const noreply = <S>(state: S): NoReply<S> => ({ _tag: "NoReply", state })

type AnyHandler = (message: any, state: any) => Effect.Effect<unknown, unknown, any>

/** A handler's failure is a bug of the server, as in a green GenServer: it becomes a defect. */
const asDefect = <A, R>(effect: Effect.Effect<A, unknown, R>): Effect.Effect<A, never, R> =>
  Effect.catch(effect, (error) => Effect.die(error))

const badResult = (tag: string, expected: string, result: unknown) =>
  Effect.die(
    new TypeError(
      `ThreadedGenServer: the handler of "${tag}" returned ${
        typeof result === "object" && result !== null && "_tag" in result ? String(result._tag) : typeof result
      }, expected ${expected}`
    )
  )

export const serve = (
  definition: DefinitionImpl,
  options: {
    readonly init: (args: any) => Effect.Effect<unknown, unknown, any>
    readonly handleCall: Record<string, AnyHandler>
    readonly handleCast?: Record<string, AnyHandler> | undefined
  }
): Effect.Effect<never, unknown, any> =>
  Effect.gen(function* () {
    const data = WorkerThreads.workerData as Record<string, unknown> | undefined
    if (WorkerThreads.isMainThread || typeof data !== "object" || data === null || !(workerDataKey in data)) {
      return yield* Effect.die(
        new Error("ThreadedGenServer.serve must run in a worker thread started by ThreadedGenServer.start")
      )
    }
    for (const tag of definition.callTags) {
      if (typeof options.handleCall[tag] !== "function") {
        return yield* Effect.die(new TypeError(`ThreadedGenServer.serve: no handleCall for "${tag}"`))
      }
    }
    for (const tag of definition.castTags) {
      if (typeof options.handleCast?.[tag] !== "function") {
        return yield* Effect.die(new TypeError(`ThreadedGenServer.serve: no handleCast for "${tag}"`))
      }
    }
    const args = yield* Effect.orDie(definition.decodeArgs(data[workerDataKey]))
    // the session serves one call at a time, so the handlers take turns with the state
    let state: unknown = yield* options.init(args)
    const handlers: Record<string, (request: Request.Any) => Effect.Effect<unknown, unknown, any>> = {}
    for (const tag of definition.callTags) {
      const handler = options.handleCall[tag]!
      handlers[tag] = (request) =>
        Effect.flatMap(
          asDefect(Effect.suspend(() => handler(request, state))),
          (result: any): Effect.Effect<unknown, unknown> => {
            if (result?._tag === "Reply") {
              state = result.state
              return Effect.succeed(result.value)
            }
            if (result?._tag === "ReplyError") {
              state = result.state
              return Effect.fail(result.error)
            }
            return badResult(tag, "reply(value, state) or replyError(error, state)", result)
          }
        )
    }
    for (const tag of definition.castTags) {
      const handler = options.handleCast![tag]!
      handlers[tag] = (message) =>
        Effect.flatMap(asDefect(Effect.suspend(() => handler(message, state))), (result: any): Effect.Effect<void> => {
          if (result?._tag === "NoReply") {
            state = result.state
            return Effect.void
          }
          return badResult(tag, "noreply(state)", result)
        })
    }
    return yield* WorkerPool.serve({
      protocol: [...definition.protocol, ...definition.casts],
      handlers: handlers as never
    })
  })
