/**
 * `WorkerPool.asyncStream`: the engine of the green `Task.asyncStream` (Elixir's
 * `Task.async_stream`), with a call on the pool in place of each task. Calls start only while the
 * stream is pulled, never more than `maxConcurrency` at once; a finished call frees its slot at
 * once, even while its (ordered) result waits for an earlier one; closing the stream interrupts
 * the calls still running.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Request } from "effect-otp"
import * as Task from "effect-otp/Task"
import { WorkerTimeout } from "./errors.ts"
import type { Engine } from "./workerPool.ts"

/** The options of `Task.asyncStream`, with the same meanings. */
export type StreamOptions = Task.StreamOptions

/** The default per-call timeout: 5 seconds, as `Task.asyncStream` (and Elixir). */
const defaultTimeout = Duration.seconds(5)

interface Completion {
  readonly position: number
  readonly input: unknown
  readonly exit: Exit.Exit<unknown, unknown>
}

type Chunk = readonly [Exit.Exit<unknown, unknown>, ...Array<Exit.Exit<unknown, unknown>>]

export const asyncStream = <X, EX, RX>(
  engine: Engine,
  input: Iterable<X> | Stream.Stream<X, EX, RX>,
  f: (item: X) => Request.Any,
  options: StreamOptions
): Stream.Stream<Exit.Exit<unknown, unknown>, unknown, RX> => {
  const channel = Channel.fromTransform((_upstream: unknown, scope: Scope.Scope) =>
    Effect.gen(function* () {
      const max = options.maxConcurrency ?? engine.capacity
      const invalid = Task.checkStreamOptions("WorkerPool.asyncStream", options, max)
      if (invalid !== undefined) return yield* Effect.fail(invalid)
      const ordered = options.ordered ?? true
      const onTimeout = options.onTimeout ?? "exit"
      const zip = options.zipInputOnExit === true
      const timeout =
        options.timeout === "infinity"
          ? undefined
          : options.timeout === undefined
            ? defaultTimeout
            : Duration.fromInputUnsafe(options.timeout)
      const callOptions = timeout === undefined ? {} : { timeout }

      // the input, one element at a time, as Task.asyncStream reads it
      let nextInput: Effect.Effect<Option.Option<X>, EX, RX>
      let closeInput: () => void = () => {}
      if (!Stream.isStream(input)) {
        const iterator = (input as Iterable<X>)[Symbol.iterator]()
        nextInput = Effect.sync(() => {
          const result = iterator.next()
          return result.done === true ? Option.none() : Option.some(result.value)
        })
        closeInput = () => void iterator.return?.()
      } else {
        const pull = yield* Channel.toPullScoped((input as Stream.Stream<X, EX, RX>).channel, scope)
        const buffer: Array<X> = []
        nextInput = Effect.suspend(() => {
          if (buffer.length > 0) return Effect.succeed(Option.some(buffer.shift()!))
          return Effect.matchCauseEffect(pull, {
            onSuccess: (chunk) => {
              buffer.push(...chunk)
              return Effect.succeed(Option.some(buffer.shift()!))
            },
            onFailure: (cause) =>
              cause.reasons.some((r) => Cause.isFailReason(r) && Cause.isDone(r.error))
                ? Effect.succeed(Option.none<X>())
                : Effect.failCause(cause as Cause.Cause<EX>)
          })
        }) as never
      }
      yield* Scope.addFinalizer(scope, Effect.sync(closeInput))

      const completions = yield* Queue.unbounded<Completion>()
      const done = new Map<number, Exit.Exit<unknown, unknown>>()
      let running = 0
      let started = 0
      let delivered = 0
      let inputDone = false

      // each call runs in its own fiber of the stream's scope: closing the stream interrupts it,
      // which interrupts its handler in the worker
      const startOne = (item: X): Effect.Effect<void> => {
        const position = started++
        running++
        const call = Effect.suspend(() => engine.run(f(item), callOptions))
        return Effect.asVoid(
          Effect.forkIn(
            Effect.flatMap(Effect.exit(call), (exit) => Queue.offer(completions, { position, input: item, exit })),
            scope,
            { startImmediately: true }
          )
        )
      }

      const step = (): Effect.Effect<Chunk, unknown, RX> => {
        if (!inputDone && running < max) {
          return Effect.flatMap(nextInput, (next) => {
            if (Option.isNone(next)) {
              inputDone = true
              return step()
            }
            return Effect.flatMap(startOne(next.value), step)
          })
        }
        if (ordered && done.has(delivered)) {
          const out: Array<Exit.Exit<unknown, unknown>> = []
          while (done.has(delivered)) {
            out.push(done.get(delivered)!)
            done.delete(delivered++)
          }
          return Effect.succeed(out as unknown as Chunk)
        }
        if (inputDone && running === 0) return Cause.done()
        return Effect.flatMap(Queue.take(completions), handle)
      }

      const handle = (completion: Completion): Effect.Effect<Chunk, unknown, RX> => {
        running--
        let result = completion.exit
        if (Exit.isFailure(result)) {
          const failure = result.cause.reasons.find(Cause.isFailReason)
          if (failure !== undefined && failure.error instanceof WorkerTimeout && onTimeout === "exit") {
            return Effect.fail(failure.error)
          }
          if (zip) {
            result = Exit.mapError(result, (error) => new Task.InputExited({ input: completion.input, error }))
          }
        }
        if (ordered) {
          done.set(completion.position, result)
          return step()
        }
        delivered++
        return Effect.succeed([result] as const)
      }

      return Effect.suspend(step)
    })
  )
  return Stream.fromChannel(channel) as never
}
