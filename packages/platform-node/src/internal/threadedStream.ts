/**
 * `WorkerPool.asyncStream`: `Task.asyncStream`'s engine (`Task.asyncStreamWith`) with a call on the
 * pool in place of each task. Closing the stream interrupts the calls still running.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { Request } from "effect-otp"
import * as Task from "effect-otp/Task"
import { WorkerTimeout } from "./errors.ts"
import type { Engine } from "./workerPool.ts"

/** The options of `Task.asyncStream`, with the same meanings. */
export type StreamOptions = Task.StreamOptions

/** The default per-call timeout: 5 seconds, as `Task.asyncStream` (and Elixir). */
const defaultTimeout = Duration.seconds(5)

export const asyncStream = <X, EX, RX>(
  engine: Engine,
  input: Iterable<X> | Stream.Stream<X, EX, RX>,
  f: (item: X) => Request.Any,
  options: StreamOptions
): Stream.Stream<Exit.Exit<unknown, unknown>, unknown, RX> => {
  return Task.asyncStreamWith(
    "WorkerPool.asyncStream",
    input,
    options,
    Effect.sync(() => engine.capacity),
    ({ closeInput, scope }) =>
      Effect.gen(function* () {
        // the options are valid by now: the engine checks them first
        const onTimeout = options.onTimeout ?? "exit"
        const timeout =
          options.timeout === "infinity"
            ? undefined
            : options.timeout === undefined
              ? defaultTimeout
              : Duration.fromInputUnsafe(options.timeout)
        const callOptions = timeout === undefined ? {} : { timeout }
        yield* Scope.addFinalizer(scope, Effect.sync(closeInput))
        const completions = yield* Queue.unbounded<Task.StreamCompletion>()
        // each call runs in its own fiber of the stream's scope: closing the stream interrupts it,
        // which interrupts its handler in the worker
        const start = (item: X, position: number): Effect.Effect<void> => {
          const call = Effect.suspend(() => engine.run(f(item), callOptions))
          return Effect.asVoid(
            Effect.forkIn(
              Effect.flatMap(Effect.exit(call), (exit) => Queue.offer(completions, { position, input: item, exit })),
              scope,
              { startImmediately: true }
            )
          )
        }
        const next = Effect.flatMap(
          Queue.take(completions),
          (completion): Effect.Effect<Task.StreamCompletion, WorkerTimeout> => {
            const exit = completion.exit
            if (Exit.isFailure(exit) && onTimeout === "exit") {
              const failure = exit.cause.reasons.find(Cause.isFailReason)
              if (failure !== undefined && failure.error instanceof WorkerTimeout) return Effect.fail(failure.error)
            }
            return Effect.succeed(completion)
          }
        )
        const runner: Task.StreamRunner<X, WorkerTimeout, never> = { start, next }
        return runner
      })
  )
}
