/**
 * Helpers for the process core's tests: run code as a process and get its result back, capture
 * logs, compare exit reasons exactly.
 */
import { assert } from "@effect/vitest"
import { Cause, Deferred, Effect, type Exit, Logger, Option, References } from "effect"
import { ExitReason, type Node, Process, testing } from "effect-otp"

/**
 * Runs `body` as a process, waits until it has exited, and returns its result (or fails with its
 * error): `testing.runInProcess`, except that a process that exits without finishing its body (an
 * exit signal, `Process.exit`) makes this die with `ProcessExited` instead of failing, so the
 * tests' error types stay those of their bodies.
 */
export const inProcess = <A, E, R>(
  body: Effect.Effect<A, E, R>
): Effect.Effect<A, E, Exclude<R, Process.Provided> | Node.Node> =>
  Effect.catchIf(
    testing.runInProcess(body),
    (error): error is testing.ProcessExited => error instanceof testing.ProcessExited,
    Effect.die
  ) as never

/**
 * Spawns a process that waits for one message and then returns, so that the test decides when it
 * exits; returns its pid.
 */
export const spawnIdle = Process.spawn(Process.receive<unknown>())

/** A pid of a process that has already exited (Normal). */
export const deadPid = Effect.gen(function* () {
  const pid = yield* Process.spawn(Effect.void)
  assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.normal)
  return pid
})

/**
 * Takes every message already in the calling process's mailbox (a receive with timeout 0 until
 * none is left), oldest first.
 */
export const drain = <M = unknown>(): Effect.Effect<Array<M>, never, Process.Self<M>> =>
  Effect.gen(function* () {
    const out: Array<M> = []
    while (true) {
      const next = yield* Process.receive<M>({ timeout: 0 })
      if (Option.isNone(next)) return out
      out.push(next.value)
    }
  })

/**
 * Asserts that two exit reasons are the same. `Failure` reasons are compared by their typed
 * failures and defects (a cause made by the runtime carries stack annotations that a hand-made
 * cause does not).
 */
export const assertReason = (actual: ExitReason.ExitReason, expected: ExitReason.ExitReason): void => {
  assert.strictEqual(actual._tag, expected._tag, `expected ${String(expected)}, got ${String(actual)}`)
  if (actual._tag === "Failure" && expected._tag === "Failure") {
    assert.deepStrictEqual(failuresOf(actual.cause), failuresOf(expected.cause))
  } else {
    assert.deepStrictEqual(actual, expected)
  }
}

const failuresOf = (cause: Cause.Cause<unknown>) =>
  cause.reasons.map((reason) =>
    Cause.isFailReason(reason)
      ? { fail: reason.error }
      : Cause.isDieReason(reason)
        ? { die: reason.defect }
        : { interrupt: true }
  )

/** A log line as the tests see it. */
export interface LogEntry {
  readonly level: string
  readonly message: unknown
  readonly annotations: Readonly<Record<string, unknown>>
}

/**
 * A logger that records every log line, and the layer that installs it in place of the default
 * logger.
 */
export const captureLogs = () => {
  const entries: Array<LogEntry> = []
  const logger = Logger.make((options) => {
    entries.push({
      level: options.logLevel,
      message: options.message,
      annotations: { ...options.fiber.getRef(References.CurrentLogAnnotations) }
    })
  })
  return { entries, layer: Logger.layer([logger]) }
}

/** The exit of a fiber that has finished, or fails the test. */
export const finished = <A, E>(exit: Exit.Exit<A, E> | undefined): Exit.Exit<A, E> => {
  assert.isDefined(exit, "the fiber is still running")
  return exit!
}

/**
 * Spawns `body` as a process and returns its pid with an effect that waits for the body's result
 * (and dies if the process exits without finishing its body).
 */
export const spawnResult = <A, E, R, const O extends Process.SpawnOptions = {}>(
  body: Effect.Effect<A, E, R>,
  options?: O
) =>
  Effect.gen(function* () {
    const result = yield* Deferred.make<A, E>()
    const pid = yield* Process.spawn(
      Effect.flatMap(Effect.exit(body), (exit) => Deferred.done(result, exit)),
      options
    )
    const await_ = Effect.raceFirst(
      Deferred.await(result),
      Effect.flatMap(Process.awaitExit(pid), (reason) =>
        Effect.flatMap(Deferred.poll(result), (done) =>
          Option.isSome(done)
            ? done.value
            : Effect.die(new Error(`process ${pid} exited with ${reason._tag} before its body finished`))
        )
      )
    )
    return { pid, result: await_ } as const
  })

/**
 * Effect 4 resumes a fiber waiting on a Deferred synchronously, inside the fiber that completed it:
 * after `yield* Deferred.await(ready)` a test runs in the middle of the process's step. One yield
 * lets the process finish that synchronous step (for instance, enter the receive that follows the
 * signal) before the test goes on. It is one deterministic scheduler hop, not a polling loop.
 */
export const letProcessFinishStep: Effect.Effect<void> = Effect.yieldNow
