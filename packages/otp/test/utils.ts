/**
 * Helpers for the process core's tests: run code as a process and get its result back, capture
 * logs, compare exit reasons exactly.
 */
import { assert } from "@effect/vitest"
import { Cause, Deferred, Effect, type Exit, Layer, Logger, Option, Queue, References } from "effect"
import { type ChildSpec, ExitReason, Node, type Pid, Process, testing } from "effect-otp"

/** Runs `effect` on a node of its own (`Node.layer()`). */
export const withNode = <A, E, R>(effect: Effect.Effect<A, E, R>) => effect.pipe(Effect.provide(Node.layer()))

/**
 * Runs `effect` on a node of its own with no logger, for tests whose processes crash on purpose and
 * whose reports would only clutter the output.
 */
export const withQuietNode = <A, E, R>(effect: Effect.Effect<A, E, R>, options?: Node.Options) =>
  effect.pipe(Effect.provide(Layer.merge(Node.layer(options), Logger.layer([]))))

/**
 * Runs `effect` on a node of its own with a logger that records every log line into `entries`,
 * which `f` is given (see {@link captureLogs}).
 */
export const withLogs = <A, E, R>(f: (entries: Array<LogEntry>) => Effect.Effect<A, E, R>) =>
  Effect.suspend(() => {
    const logs = captureLogs()
    return f(logs.entries).pipe(Effect.provide(Layer.merge(Node.layer(), logs.layer)))
  })

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
      const next = yield* Effect.orDie(Process.receive<M>({ timeout: 0 }))
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
 * Waits until the process is blocked in a receive (its `info` status is `"waiting"`): the handshake
 * for "the process has finished its step and waits for the next message", which no message
 * announces. Effect 4 resumes a fiber waiting on a Deferred synchronously, inside the fiber that
 * completed it, so after `yield* Deferred.await(ready)` a test runs in the middle of the process's
 * step. It uses `testing.waitUntil` with timeout 0: no virtual time passes (no timer fires), and
 * the test fails if the process does not get there within the scheduler turns that gives.
 */
export const awaitWaiting = (pid: Pid.Pid<never, unknown>): Effect.Effect<void> =>
  Effect.orDie(
    testing.waitUntil(
      Effect.map(Process.info(pid), (info) => Option.isSome(info) && info.value.status === "waiting"),
      { timeout: 0, label: `${String(pid)} waiting in a receive` }
    )
  )

/** What the caller of a start that failed sees when the start returns (see {@link failedStart}). */
export interface FailedStart<E, A> {
  /** the start's error */
  readonly error: E
  /** the processes started by the start that are still alive when it returns */
  readonly left: ReadonlyArray<Pid.Pid<never, unknown>>
  /** what `retry` returned, run at once after the failure */
  readonly retried: A
  /** the caller's mailbox after the retry */
  readonly mailbox: ReadonlyArray<unknown>
}

/**
 * Runs `start`, which must fail, in a process that traps exits, and gives what that caller sees
 * when it returns: the error, the processes the start left alive (none, for a start that returns
 * only once the half-started process is gone), what `retry` gave when run at once after (a start
 * under the same name, which works only if the name is free), and the caller's mailbox (empty:
 * no `EXIT` of the failed process).
 */
export const failedStart = <E, R, A = undefined, E2 = never, R2 = never>(
  start: Effect.Effect<unknown, E, R>,
  retry?: Effect.Effect<A, E2, R2>
): Effect.Effect<FailedStart<E, A>, E2, Exclude<R | R2, Process.Provided> | Node.Node> =>
  inProcess(
    Effect.gen(function* () {
      yield* Process.trapExit(true)
      const node = yield* Node.Node
      const before = new Set(node.processes())
      const error = yield* Effect.flip(start)
      const left = node.processes().filter((pid) => !before.has(pid))
      const retried = (retry === undefined ? undefined : yield* retry) as A
      const mailbox = yield* drain()
      return { error, left, retried, mailbox }
    })
  ) as never

/**
 * A child (id `"flaky"`) whose first start succeeds; each later start tells `entered` its attempt
 * number, waits for the test's word on `release`, then fails with `"attempt n"` (or starts, for
 * `"start"`). `attempts()` is how many starts there were.
 */
export const gatedChild = Effect.gen(function* () {
  const entered = yield* Queue.unbounded<number>()
  const release = yield* Queue.unbounded<"fail" | "start">()
  let attempts = 0
  const spec: ChildSpec.ChildSpec<string, any> = {
    id: "flaky",
    start: Effect.suspend(() => {
      const n = ++attempts
      if (n === 1) return Process.spawnLink(Process.receive())
      return Effect.andThen(
        Queue.offer(entered, n),
        Effect.flatMap(Queue.take(release), (word) =>
          word === "start" ? Process.spawnLink(Process.receive()) : Effect.fail(`attempt ${n}`)
        )
      )
    })
  }
  return { spec, entered, release, attempts: () => attempts } as const
})
