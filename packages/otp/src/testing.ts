/**
 * Testing utilities for processes, in the spirit of ExUnit's `assert_receive` and
 * `start_supervised!` and Akka's `TestProbe`, made for `@effect/vitest`'s `it.effect` and its
 * `TestClock`: no test needs to sleep on the wall clock, and none needs a polling loop of its own.
 *
 * ## Example
 *
 * The test body is a process (`runInProcess`): the code under test reports to it with messages,
 * and the test waits for those messages, as an ExUnit test does with `assert_receive`.
 *
 * ```ts
 * import { it } from "@effect/vitest"
 * import { Effect } from "effect"
 * import { ExitReason, Node, Pid, Process, testing } from "effect-otp"
 *
 * interface Started { readonly _tag: "Started"; readonly pid: Process.Pid<never, unknown> }
 * const isStarted = (message: unknown): message is Started => (message as Started)?._tag === "Started"
 *
 * // a worker that tells `report` each time it starts
 * const worker = (report: Process.Pid<Started>) => ({
 *   id: "worker",
 *   start: Process.spawnLink(Effect.gen(function*() {
 *     yield* Process.send(report, { _tag: "Started", pid: yield* Process.self() })
 *     return yield* Process.receive<never>()
 *   }))
 * })
 *
 * it.effect("a crashed worker is restarted", () =>
 *   testing.runInProcess(Effect.gen(function*() {
 *     const first = yield* testing.startSupervised(worker(yield* Process.self<Started>()))
 *     yield* testing.assertReceive((m: unknown) => isStarted(m) && Pid.equals(m.pid, first)) // it started
 *     yield* Process.monitor(first)
 *     yield* Process.exit(first, ExitReason.failure("boom"))
 *     yield* testing.assertReceive(Process.isDown)                 // it is gone,
 *     const again = yield* testing.assertReceive(isStarted)        // and a new one started
 *     return again.pid
 *   })).pipe(Effect.provide(Node.layer())))                       // everything stops with the test
 * ```
 *
 * ## The utilities
 *
 * | utility | does | like |
 * |---|---|---|
 * | {@link runInProcess} | runs a test body as a process, returns its result | the ExUnit test process |
 * | {@link assertReceive} / {@link refuteReceive} | a matching message arrives / does not arrive within a timeout, in the calling process | `assert_receive` / `refute_receive` |
 * | {@link startProbe} | a process that records the messages it gets; `expectMessage`, `messages`, `run` | Akka's `TestProbe` |
 * | {@link expectExit} | a process exits, with this reason, within a timeout | `assert_receive {:DOWN, ...}` |
 * | {@link advancing} | runs an effect while the clock moves by a duration, returns its result | `TestClock.adjust` between a fork and a join |
 * | {@link waitUntil} | a condition becomes true within a timeout | `eventually` |
 * | {@link startSupervised} | starts a child under a supervisor stopped when the test's scope closes | `start_supervised!` |
 * | {@link recordSpans} | a tracer that keeps every span it makes, to assert on a handler's span and its parent | an in-memory span exporter |
 *
 * A failed expectation fails the effect with {@link AssertionFailed}, a typed error whose message
 * says what was expected and what was there instead (the mailbox, the exit reason); vitest prints
 * it when the test fails.
 *
 * ## Timeouts run in virtual time
 *
 * Under `TestClock` (`it.effect`), time passes only when someone moves the clock. Each timed
 * utility here moves it itself, so that a timeout can expire, and only when waiting by other means
 * has made no progress:
 *
 * 1. It first lets every runnable fiber run: it yields to the scheduler a number of times (20) and
 *    looks again. Anything that needs no time (a message on its way, an exit being handled, a
 *    restart without delay) is seen at this stage, and no virtual time passes.
 * 2. Then it advances the `TestClock` by one step (a twentieth of the timeout, at least 1 ms), so
 *    timers due in that step fire in order, and starts again at 1.
 * 3. When the whole timeout has been added, it fails with `AssertionFailed`.
 *
 * So waiting is moving virtual time, never sleeping on the wall clock: `assertReceive` with the
 * default 100 ms adds at most 100 ms of virtual time, in 5 ms steps, and a test runs in
 * microseconds. The consequence to keep in mind: **time you wait is time that passes for every
 * process** (a call timeout or a `sendAfter` due within the wait fires). Waiting with a timeout of
 * `0` only yields. Under the live clock (`it.live`) the utilities wait on the real `Clock`.
 *
 * @since 0.1.0
 */
import {
  Cause,
  Clock,
  Deferred,
  Duration,
  Effect,
  Equal,
  Exit,
  Fiber,
  Formatter,
  Layer,
  Option,
  Schema,
  Scope,
  Tracer
} from "effect"
import { dual } from "effect/Function"
import type * as ChildSpec from "./ChildSpec.ts"
import * as ExitReason from "./ExitReason.ts"
import type * as Errors from "./Errors.ts"
import type * as GenServer from "./GenServer.ts"
import * as kernel from "./internal/kernel.ts"
import type { Node } from "./Node.ts"
import * as Pid from "./Pid.ts"
import * as Process from "./Process.ts"
import * as Supervisor from "./Supervisor.ts"

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * An expectation of this module failed: `assertion` names the utility, `details` says what was
 * expected and what was found.
 *
 * @since 0.1.0
 * @category errors
 */
export class AssertionFailed extends Schema.TaggedError<AssertionFailed>()("AssertionFailed", {
  assertion: Schema.String,
  details: Schema.String
}) {
  override get message(): string {
    return `${this.assertion}: ${this.details}`
  }
}

/**
 * The process exited before its body finished (an exit signal, `Process.exit`, a kill), so it has
 * no result: `reason` is its exit reason.
 *
 * @since 0.1.0
 * @category errors
 */
export class ProcessExited extends Schema.TaggedError<ProcessExited>()("ProcessExited", {
  pid: Pid.schema,
  reason: Schema.Any
}) {
  override get message(): string {
    return `process ${String(this.pid)} exited with ${String(this.reason)} before its body finished`
  }
}

// ---------------------------------------------------------------------------------------------
// Virtual time
// ---------------------------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category models
 */
export interface TimeoutOptions {
  /** How long to wait, in `Clock` time (virtual under `TestClock`). */
  readonly timeout?: Duration.Input | undefined
}

/** How many scheduler turns a wait gives other fibers before it moves virtual time. */
const settleTurns = 20

interface AdjustableClock extends Clock.Clock {
  readonly adjust: (duration: Duration.Input) => Effect.Effect<void>
}

const testClockOf = (clock: Clock.Clock): AdjustableClock | undefined =>
  typeof (clock as Partial<AdjustableClock>).adjust === "function" ? (clock as AdjustableClock) : undefined

const millisOf = (input: Duration.Input | undefined, fallback: number): number =>
  input === undefined ? fallback : Duration.toMillis(Duration.fromInputUnsafe(input))

const stepOf = (timeout: number): number => Math.max(1, timeout / 20)

const settle: Effect.Effect<void> = Effect.suspend(() => {
  let i = 0
  return Effect.whileLoop({
    while: () => i++ < settleTurns,
    body: () => Effect.yieldNow,
    step: () => {}
  })
})

/**
 * Runs `effect`, which ends by itself within `timeout` of `Clock` time (it holds its own timeout
 * on the Clock), while, under `TestClock`, a driver moves virtual time forward whenever the
 * system has settled, until the whole timeout has passed.
 */
const drivingClock = <A, E, R>(effect: Effect.Effect<A, E, R>, timeout: number): Effect.Effect<A, E, R> =>
  Effect.withFiber((fiber) => {
    const clock = testClockOf(fiber.getRef(Clock.Clock))
    if (clock === undefined || timeout <= 0 || !Number.isFinite(timeout)) return effect
    const step = stepOf(timeout)
    const driver = Effect.suspend(() => {
      let elapsed = 0
      return Effect.whileLoop({
        while: () => elapsed < timeout,
        body: () =>
          Effect.andThen(
            settle,
            Effect.suspend(() => {
              const delta = Math.min(step, timeout - elapsed)
              elapsed += delta
              return clock.adjust(delta)
            })
          ),
        step: () => {}
      })
    })
    return Effect.flatMap(Effect.forkChild(driver), (driving) => Effect.ensuring(effect, Fiber.interrupt(driving)))
  })

/**
 * Waits until `condition` holds, within `timeout` (default 1 second) of `Clock` time, and fails
 * with `AssertionFailed` if it does not. The condition is a function or an effect; it is checked
 * after every scheduler turn.
 *
 * **Details**
 *
 * - Under `TestClock` it never sleeps: it yields so that other fibers run, and when that is not
 *   enough it moves virtual time forward in steps, up to `timeout` (see the module docs). A
 *   condition that needs no time to come true costs no virtual time.
 * - Under the live clock it yields, then sleeps a twentieth of the timeout between checks.
 *
 * **Gotchas**: prefer a message (a monitor's `Down`, a reply) when the code under test sends one:
 * `waitUntil` is for state that nothing announces, such as a registry entry that is gone.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Registry, testing } from "effect-otp"
 *
 * const waitForNoSubscribers = (topics: Registry.Registry<string>) =>
 *   testing.waitUntil(Effect.map(Registry.count(topics), (n) => n === 0), { timeout: "1 second" })
 * ```
 *
 * @since 0.1.0
 * @category awaiting
 */
export const waitUntil = <E = never, R = never>(
  condition: (() => boolean) | Effect.Effect<boolean, E, R>,
  options?: TimeoutOptions & { readonly label?: string | undefined }
): Effect.Effect<void, E | AssertionFailed, R> =>
  Effect.withFiber((fiber) => {
    const check: Effect.Effect<boolean, E, R> =
      typeof condition === "function" ? Effect.sync(condition) : (condition as Effect.Effect<boolean, E, R>)
    const clock = fiber.getRef(Clock.Clock)
    const testClock = testClockOf(clock)
    const timeout = millisOf(options?.timeout, 1000)
    const step = stepOf(timeout)
    const start = clock.currentTimeMillisUnsafe()
    const fail = () =>
      Effect.fail(
        new AssertionFailed({
          assertion: "waitUntil",
          details: `${options?.label ?? "the condition"} did not hold within ${timeout} ms${testClock === undefined ? "" : " of virtual time"}`
        })
      )
    const round = (turn: number): Effect.Effect<void, E | AssertionFailed, R> =>
      Effect.flatMap(check, (ok): Effect.Effect<void, E | AssertionFailed, R> => {
        if (ok) return Effect.void
        if (turn < settleTurns) return Effect.andThen(Effect.yieldNow, round(turn + 1))
        const elapsed = clock.currentTimeMillisUnsafe() - start
        if (elapsed >= timeout) return fail()
        const delta = Math.min(step, timeout - elapsed)
        const wait = testClock !== undefined ? testClock.adjust(delta) : Effect.sleep(Duration.millis(delta))
        return Effect.andThen(wait, round(0))
      })
    return round(0)
  })

/**
 * Runs `effect` while the clock moves forward by `duration`, and returns its result (or fails with
 * its error): the test's "start it, move the clock, take the result" in one step.
 *
 * **Details**
 *
 * - The effect starts at once and runs until it first waits, so the timers it sets up by then are
 *   registered before the clock moves.
 * - Under `TestClock` the clock moves by exactly `duration` (`TestClock.adjust`): every timer due
 *   within it fires, in order, and time stops there. The effect must then finish without more
 *   time: after the adjust it gets the same scheduler turns as the other waits of this module
 *   (see the module docs) and fails with `AssertionFailed` (and is interrupted) if it is still
 *   running, instead of hanging on a clock that nobody moves.
 * - Under the live clock it sleeps `duration` beside the effect, then waits for the effect.
 *
 * **Gotchas**: time moves for every process, not only for the effect (a call timeout or a
 * `sendAfter` due within `duration` fires). To check a deadline to the millisecond, move the
 * clock by hand to just before it, look, then move it by 1 ms.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { GenServer, testing } from "effect-otp"
 * import { Counter, Get } from "./counter.ts"
 *
 * // a call made after a 2 second sleep, done while the clock moves by 2 seconds
 * const program = Effect.gen(function*() {
 *   const counter = yield* GenServer.start(Counter, 0)
 *   const slow = Effect.andThen(Effect.sleep("2 seconds"), GenServer.call(counter, new Get()))
 *   return yield* testing.advancing(slow, "2 seconds") // 0
 * })
 * ```
 *
 * @since 0.2.0
 * @category awaiting
 */
export const advancing: {
  (duration: Duration.Input): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | AssertionFailed, R>
  <A, E, R>(effect: Effect.Effect<A, E, R>, duration: Duration.Input): Effect.Effect<A, E | AssertionFailed, R>
} = dual(
  2,
  <A, E, R>(effect: Effect.Effect<A, E, R>, duration: Duration.Input): Effect.Effect<A, E | AssertionFailed, R> =>
    Effect.withFiber((parent) => {
      const clock = testClockOf(parent.getRef(Clock.Clock))
      const millis = millisOf(duration, 0)
      return Effect.flatMap(Effect.forkChild(effect, { startImmediately: true }), (fiber) => {
        if (clock === undefined) return Effect.andThen(Effect.sleep(Duration.millis(millis)), Fiber.join(fiber))
        const finished = (turn: number): Effect.Effect<A, E | AssertionFailed> =>
          Effect.suspend(() => {
            const exit = fiber.pollUnsafe()
            if (exit !== undefined) return exit
            if (turn < settleTurns) return Effect.andThen(Effect.yieldNow, finished(turn + 1))
            return Effect.andThen(
              Fiber.interrupt(fiber),
              Effect.fail(
                new AssertionFailed({
                  assertion: "advancing",
                  details: `the effect did not finish within ${millis} ms of virtual time`
                })
              )
            )
          })
        return Effect.andThen(clock.adjust(millis), finished(0))
      })
    })
)

// ---------------------------------------------------------------------------------------------
// Matchers
// ---------------------------------------------------------------------------------------------

/**
 * What a receive assertion matches: a predicate or a refinement on the message, or a value that
 * the message must equal (`Equal.equals`: structural for plain objects and arrays).
 *
 * @since 0.1.0
 * @category models
 */
export type Matcher<M, S extends M = M> = ((message: M) => message is S) | ((message: M) => boolean) | M

/**
 * @since 0.1.0
 * @category models
 */
export interface ReceiveOptions extends TimeoutOptions {
  /** How the expected message reads in a failure. Default: the value, or the predicate's name. */
  readonly label?: string | undefined
}

const predicateOf = (matcher: unknown): ((message: unknown) => boolean) =>
  typeof matcher === "function"
    ? (matcher as (message: unknown) => boolean)
    : (message: unknown) => Equal.equals(message, matcher)

const labelOf = (matcher: unknown, options: ReceiveOptions | undefined): string => {
  if (options?.label !== undefined) return options.label
  if (typeof matcher === "function")
    return matcher.name.length > 0 ? `a message matching ${matcher.name}` : "a matching message"
  return Formatter.format(matcher)
}

const show = (messages: ReadonlyArray<unknown>): string => {
  if (messages.length === 0) return "it is empty"
  const shown = messages.slice(0, 10).map((m) => Formatter.format(m))
  const more = messages.length > 10 ? `, ... (${messages.length - 10} more)` : ""
  return `it holds ${messages.length} message${messages.length === 1 ? "" : "s"}: ${shown.join(", ")}${more}`
}

const defaultReceiveTimeout = 100

const selfRecord = kernel.currentSelf

/**
 * The messages waiting in the process's mailbox, oldest first, without taking them. After a
 * receive that timed out, they are all in the save list.
 */
const mailboxOf = (record: kernel.ProcessRecord): ReadonlyArray<unknown> => (record.saved ?? []).slice()

// ---------------------------------------------------------------------------------------------
// assertReceive / refuteReceive
// ---------------------------------------------------------------------------------------------

/**
 * Asserts that a message matching `matcher` is in the calling process's mailbox or arrives within
 * `timeout` (default 100 ms, as ExUnit), and takes it: the first matching message, leaving the
 * others in order. Fails with `AssertionFailed`, listing the mailbox, when none comes. Runs inside a
 * process (see {@link runInProcess}).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Process, testing } from "effect-otp"
 *
 * const body = Effect.gen(function*() {
 *   const self = yield* Process.self<string>()
 *   yield* Process.spawn(Process.send(self, "pong"))
 *   yield* testing.assertReceive("pong")                          // by value
 *   yield* testing.refuteReceive((m: string) => m.startsWith("p")) // nothing else comes
 * })
 * ```
 *
 * @since 0.1.0
 * @category messages
 */
export const assertReceive: {
  <M, S extends M>(
    matcher: (message: M) => message is S,
    options?: ReceiveOptions
  ): Effect.Effect<S, AssertionFailed, Process.Self<M>>
  <M>(matcher: (message: M) => boolean, options?: ReceiveOptions): Effect.Effect<M, AssertionFailed, Process.Self<M>>
  <M>(expected: M, options?: ReceiveOptions): Effect.Effect<M, AssertionFailed, Process.Self<M>>
} = ((matcher: unknown, options?: ReceiveOptions) =>
  Effect.flatMap(selfRecord, (record) => {
    const timeout = millisOf(options?.timeout, defaultReceiveTimeout)
    return Effect.flatMap(
      drivingClock(
        Process.receive(predicateOf(matcher), { timeout }) as Effect.Effect<Option.Option<unknown>>,
        timeout
      ),
      (received) =>
        Option.isSome(received)
          ? Effect.succeed(received.value)
          : Effect.fail(
              new AssertionFailed({
                assertion: "assertReceive",
                details: `no message like ${labelOf(matcher, options)} within ${timeout} ms; the mailbox: ${show(mailboxOf(record))}`
              })
            )
    )
  })) as never

/**
 * Asserts that no message matching `matcher` is in the calling process's mailbox or arrives
 * within `timeout` (default 100 ms, as ExUnit). A matching message that does come is taken, and
 * the failure shows it. Runs inside a process (see {@link runInProcess}).
 *
 * @since 0.1.0
 * @category messages
 */
export const refuteReceive: {
  <M>(matcher: (message: M) => boolean, options?: ReceiveOptions): Effect.Effect<void, AssertionFailed, Process.Self<M>>
  <M>(unexpected: M, options?: ReceiveOptions): Effect.Effect<void, AssertionFailed, Process.Self<M>>
} = (matcher: unknown, options?: ReceiveOptions): Effect.Effect<void, AssertionFailed, Process.Self<any>> => {
  const timeout = millisOf(options?.timeout, defaultReceiveTimeout)
  return Effect.flatMap(
    drivingClock(Process.receive(predicateOf(matcher), { timeout }) as Effect.Effect<Option.Option<unknown>>, timeout),
    (received) =>
      Option.isNone(received)
        ? Effect.void
        : Effect.fail(
            new AssertionFailed({
              assertion: "refuteReceive",
              details: `expected no message like ${labelOf(matcher, options)} within ${timeout} ms, got ${Formatter.format(received.value)}`
            })
          )
  )
}

// ---------------------------------------------------------------------------------------------
// expectExit
// ---------------------------------------------------------------------------------------------

const failuresOf = (cause: Cause.Cause<unknown>): ReadonlyArray<unknown> =>
  cause.reasons
    .filter((reason) => !Cause.isInterruptReason(reason))
    .map((reason) => (Cause.isFailReason(reason) ? { fail: reason.error } : { die: (reason as Cause.Die).defect }))

/**
 * Whether two exit reasons are the same: `Failure`s by their typed failures and defects (a cause
 * made by the runtime carries annotations a hand-made one lacks), the others structurally.
 */
const sameReason = (actual: ExitReason.ExitReason, expected: ExitReason.ExitReason): boolean => {
  if (actual._tag === "Failure" && expected._tag === "Failure") {
    return Equal.equals(failuresOf(actual.cause), failuresOf(expected.cause))
  }
  return Equal.equals(actual, expected)
}

/**
 * Waits until the process `pid` exits, within `timeout` (default 1 second, virtual under
 * `TestClock`), and checks its exit reason: equal to `expected` (a `Failure` is compared by its
 * failures and defects), or accepted by it when it is a predicate. Returns the reason. Fails with
 * `AssertionFailed` when the process does not exit in time or exits with another reason. Works
 * from any fiber, process or not; a pid that never existed or has gone gives `NoProc`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ExitReason, Process, testing } from "effect-otp"
 *
 * const program = Effect.gen(function*() {
 *   const pid = yield* Process.spawn(Effect.fail("boom"))
 *   yield* testing.expectExit(pid, ExitReason.failure("boom"))
 * })
 * ```
 *
 * @since 0.1.0
 * @category processes
 */
export const expectExit = (
  pid: Pid.Pid<never, unknown>,
  expected: ExitReason.ExitReason | ((reason: ExitReason.ExitReason) => boolean),
  options?: TimeoutOptions
): Effect.Effect<ExitReason.ExitReason, AssertionFailed> => {
  const timeout = millisOf(options?.timeout, 1000)
  const wait = Effect.timeoutOption(Process.awaitExit(pid), Duration.millis(timeout))
  return Effect.flatMap(drivingClock(wait, timeout), (exited) => {
    if (Option.isNone(exited)) {
      return Effect.fail(
        new AssertionFailed({ assertion: "expectExit", details: `${String(pid)} did not exit within ${timeout} ms` })
      )
    }
    const reason = exited.value
    const ok = typeof expected === "function" ? expected(reason) : sameReason(reason, expected)
    if (ok) return Effect.succeed(reason)
    const wanted = typeof expected === "function" ? "a reason accepted by the predicate" : String(expected)
    return Effect.fail(
      new AssertionFailed({
        assertion: "expectExit",
        details: `${String(pid)} exited with ${String(reason)}, expected ${wanted}`
      })
    )
  })
}

// ---------------------------------------------------------------------------------------------
// runInProcess
// ---------------------------------------------------------------------------------------------

/**
 * Runs `body` as a process and returns its result, or fails with its error; dies with its defect.
 * A test whose body is a process can receive messages ({@link assertReceive}), link, monitor and
 * trap exits. If the process exits before its body finishes (an exit signal, `Process.exit`, a
 * kill), fails with `ProcessExited` carrying the exit reason, so a test never hangs on a result
 * that cannot come. Interrupting the caller kills the process.
 *
 * @example
 * ```ts
 * import { it } from "@effect/vitest"
 * import { Effect } from "effect"
 * import { Node, Process, testing } from "effect-otp"
 *
 * it.effect("echo", () =>
 *   testing.runInProcess(Effect.gen(function*() {
 *     const self = yield* Process.self<string>()
 *     const echo = yield* Process.spawn(Effect.flatMap(Process.receive<string>(), (m) => Process.send(self, m)))
 *     yield* Process.send(echo, "hi")
 *     yield* testing.assertReceive("hi")
 *   })).pipe(Effect.provide(Node.layer())))
 * ```
 *
 * @since 0.1.0
 * @category processes
 */
export const runInProcess = <A, E, R, const O extends Process.SpawnOptions = {}>(
  body: Effect.Effect<A, E, R>,
  options?: O
): Effect.Effect<A, E | ProcessExited | Process.SpawnErrorOf<O>, Exclude<R, Process.Provided> | Node> =>
  Effect.gen(function* () {
    const result = yield* Deferred.make<A, E>()
    const pid = yield* Process.spawn(
      Effect.flatMap(Effect.exit(body), (exit) => Deferred.done(result, exit)),
      options
    )
    const reason = yield* Effect.onInterrupt(Process.awaitExit(pid), () => Process.kill(pid))
    const done = yield* Deferred.poll(result)
    if (Option.isSome(done)) {
      const exit = yield* Effect.exit(done.value)
      if (Exit.isSuccess(exit) || !Cause.hasInterruptsOnly(exit.cause)) return yield* exit
    }
    return yield* Effect.fail(new ProcessExited({ pid, reason }))
  }) as never

// ---------------------------------------------------------------------------------------------
// TestProbe
// ---------------------------------------------------------------------------------------------

/**
 * A process that records the messages it receives, for tests: hand its `pid` to the code under
 * test, then check what arrived.
 *
 * @since 0.1.0
 * @category probes
 */
export interface TestProbe<M = unknown> {
  /** The probe's pid, to give to the processes under test. */
  readonly pid: Process.Pid<M>
  /** Every message the probe has received so far, oldest first (taken by `expectMessage` or not). */
  readonly messages: ReadonlyArray<M>
  /**
   * Takes the oldest message not yet taken that matches, waiting up to `timeout` (default 100 ms)
   * for it; fails with `AssertionFailed`, listing what the probe holds, when none comes.
   */
  readonly expectMessage: {
    <S extends M>(matcher: (message: M) => message is S, options?: ReceiveOptions): Effect.Effect<S, AssertionFailed>
    (matcher: ((message: M) => boolean) | M, options?: ReceiveOptions): Effect.Effect<M, AssertionFailed>
  }
  /** Fails with `AssertionFailed` if a message matching (any message, by default) is waiting or arrives within `timeout` (default 100 ms). */
  readonly expectNoMessage: (
    matcher?: ((message: M) => boolean) | M,
    options?: ReceiveOptions
  ) => Effect.Effect<void, AssertionFailed>
  /**
   * Runs `effect` inside the probe process, between its messages, and returns its result: the probe
   * can register in a registry, link, monitor, trap exits. Fails with `ProcessExited` if the probe
   * has exited.
   */
  readonly run: <A, E, R>(
    effect: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | ProcessExited, Exclude<R, Process.Provided>>
  /** Makes the probe monitor `pid`: its `Down` is recorded like any message. */
  readonly monitor: (pid: Pid.Pid<never, unknown>) => Effect.Effect<Process.MonitorRef>
}

class ProbeJob {
  readonly effect: Effect.Effect<unknown, unknown, unknown>
  readonly done: Deferred.Deferred<unknown, unknown>
  constructor(effect: Effect.Effect<unknown, unknown, unknown>, done: Deferred.Deferred<unknown, unknown>) {
    this.effect = effect
    this.done = done
  }
}

const NotFound: unique symbol = Symbol.for("effect-otp/testing/NotFound")

/**
 * Starts a {@link TestProbe} in the current scope (it is killed when the scope closes).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Process, testing } from "effect-otp"
 *
 * const program = Effect.gen(function*() {
 *   const probe = yield* testing.startProbe<string>()
 *   yield* Process.send(probe.pid, "hello")
 *   yield* probe.expectMessage("hello")
 *   probe.messages // ["hello"]
 * })
 * ```
 *
 * @since 0.1.0
 * @category probes
 */
export const startProbe = <M = unknown, const O extends Process.SpawnOptions = {}>(
  options?: O
): Effect.Effect<TestProbe<M>, Process.SpawnErrorOf<O>, Node | Scope.Scope> =>
  Effect.gen(function* () {
    const history: Array<M> = []
    const pending: Array<M> = []
    const waiters = new Set<() => void>()
    const body = Effect.forever(
      Effect.flatMap(Process.receive<unknown>(), (message) => {
        if (message instanceof ProbeJob) {
          const job = message.effect as Effect.Effect<unknown, unknown>
          return Effect.flatMap(Effect.exit(job), (exit) => Deferred.done(message.done, exit))
        }
        history.push(message as M)
        pending.push(message as M)
        for (const waiter of Array.from(waiters)) waiter()
        return Effect.void
      }),
      { disableYield: true }
    )
    const pid = (yield* Process.spawn(body, options)) as Process.Pid<M>
    yield* Effect.addFinalizer(() => Process.kill(pid))
    const record = kernel.recordOf(pid)!

    const take = (match: (message: unknown) => boolean): M | typeof NotFound => {
      const i = pending.findIndex(match)
      return i < 0 ? NotFound : pending.splice(i, 1)[0]!
    }
    const awaitMatch = (match: (message: unknown) => boolean, timeout: number) =>
      drivingClock(
        Effect.timeoutOption(
          Effect.callback<M>((resume) => {
            const found = take(match)
            if (found !== NotFound) return resume(Effect.succeed(found))
            const waiter = () => {
              const next = take(match)
              if (next !== NotFound) {
                waiters.delete(waiter)
                resume(Effect.succeed(next))
              }
            }
            waiters.add(waiter)
            return Effect.sync(() => waiters.delete(waiter))
          }),
          Duration.millis(timeout)
        ),
        timeout
      )

    const expectMessage = (matcher: unknown, options?: ReceiveOptions): Effect.Effect<M, AssertionFailed> => {
      const timeout = millisOf(options?.timeout, defaultReceiveTimeout)
      return Effect.flatMap(awaitMatch(predicateOf(matcher), timeout), (found) =>
        Option.isSome(found)
          ? Effect.succeed(found.value)
          : Effect.fail(
              new AssertionFailed({
                assertion: "expectMessage",
                details: `the probe ${String(pid)} got no message like ${labelOf(matcher, options)} within ${timeout} ms; the probe: ${show(pending)}`
              })
            )
      )
    }

    const expectNoMessage = (matcher?: unknown, options?: ReceiveOptions): Effect.Effect<void, AssertionFailed> => {
      const timeout = millisOf(options?.timeout, defaultReceiveTimeout)
      const match = matcher === undefined ? () => true : predicateOf(matcher)
      return Effect.flatMap(awaitMatch(match, timeout), (found) =>
        Option.isNone(found)
          ? Effect.void
          : Effect.fail(
              new AssertionFailed({
                assertion: "expectNoMessage",
                details: `the probe ${String(pid)} got ${Formatter.format(found.value)} within ${timeout} ms`
              })
            )
      )
    }

    const run = <A, E, R>(
      effect: Effect.Effect<A, E, R>
    ): Effect.Effect<A, E | ProcessExited, Exclude<R, Process.Provided>> =>
      Effect.contextWith((context) =>
        Effect.suspend(() => {
          const done = Deferred.makeUnsafe<unknown, unknown>()
          const job = new ProbeJob(Effect.provideContext(effect, context as never) as never, done)
          if (!Process.sendUnsafe(pid as Process.Pid<unknown>, job)) {
            return Effect.fail(new ProcessExited({ pid, reason: kernel.exitedReasonOf(pid) ?? ExitReason.noProc }))
          }
          const exited = (reason: ExitReason.ExitReason) =>
            Deferred.doneUnsafe(done, Exit.fail(new ProcessExited({ pid, reason })))
          kernel.addExitListener(record, exited)
          return Effect.ensuring(
            Deferred.await(done),
            Effect.sync(() => kernel.removeExitListener(record, exited))
          )
        })
      ) as never

    const monitor = (target: Pid.Pid<never, unknown>): Effect.Effect<Process.MonitorRef> =>
      Effect.sync(() => kernel.monitorRecord(record, kernel.liveRecordOf(target), target))

    return {
      pid,
      get messages() {
        return history.slice()
      },
      expectMessage: expectMessage as TestProbe<M>["expectMessage"],
      expectNoMessage,
      run,
      monitor
    } satisfies TestProbe<M>
  })

// ---------------------------------------------------------------------------------------------
// startSupervised
// ---------------------------------------------------------------------------------------------

/** The test supervisor of each scope. */
const testSupervisors = new WeakMap<Scope.Scope, Supervisor.Supervisor>()

/**
 * The intensity of the test supervisor: as ExUnit's, high enough that a child crashing in a test
 * never takes the supervisor down.
 */
const testIntensity = Supervisor.intensity(1_000_000, "1 second")

/**
 * Starts a child under the test supervisor of the current scope and returns its pid (ExUnit's
 * `start_supervised!`). The first call in a scope starts that supervisor (`oneForOne`); closing the
 * scope (the end of an `it.effect` test) stops it, and with it every child, in reverse start order
 * within their shutdown budgets, so nothing outlives the test. The child is restarted by its
 * `restart` type as under any supervisor.
 *
 * **Errors**: those of `Supervisor.startChild` (`AlreadyPresent` for a second child with the same
 * id, `ChildStartFailed`, `InvalidChildSpec`).
 *
 * **Gotchas**: the child's start runs in the test supervisor, which has only the services of the
 * fiber that made the first call of the scope (and always `Node`): provide other services inside
 * the spec's `start`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { GenServer, testing } from "effect-otp"
 * import { Counter } from "./counter.ts"
 *
 * const program = Effect.gen(function*() {
 *   const pid = yield* testing.startSupervised(GenServer.childSpec("counter", Counter, 0))
 * })
 * ```
 *
 * @since 0.1.0
 * @category supervision
 */
export const startSupervised = <E>(
  spec: ChildSpec.ChildSpec<E, Node | Process.Self<unknown>>
): Effect.Effect<
  Pid.Pid<never, unknown> | Extract<E, Errors.Ignored>,
  | Supervisor.StartError
  | Supervisor.AlreadyPresent
  | ChildSpec.InvalidChildSpec
  | Supervisor.ChildStartFailed
  | GenServer.CallError,
  Node | Scope.Scope
> => Effect.flatMap(testSupervisor, (supervisor) => Supervisor.startChild(supervisor, spec))

const testSupervisor: Effect.Effect<Supervisor.Supervisor, Supervisor.StartError, Node | Scope.Scope> = Effect.flatMap(
  Effect.scope,
  (scope) => {
    const existing = testSupervisors.get(scope)
    if (existing !== undefined && Option.isSome(existing.whereis())) return Effect.succeed(existing)
    return Effect.tap(Supervisor.start({ children: [], intensity: testIntensity }), (supervisor) =>
      Effect.andThen(
        Effect.sync(() => testSupervisors.set(scope, supervisor)),
        Scope.addFinalizer(scope, Effect.ignore(Supervisor.stop(supervisor)))
      )
    )
  }
)

/**
 * Stops a child started by {@link startSupervised} and removes it from the test supervisor
 * (ExUnit's `stop_supervised!`). Fails with `ChildNotFound` if no such child runs in this scope.
 *
 * @since 0.1.0
 * @category supervision
 */
export const stopSupervised = (
  id: string
): Effect.Effect<void, Supervisor.ChildNotFound | Supervisor.ChildRunning | GenServer.CallError, Scope.Scope> =>
  Effect.flatMap(Effect.scope, (scope) => {
    const supervisor = testSupervisors.get(scope)
    if (supervisor === undefined) return Effect.fail(new Supervisor.ChildNotFound({ id }))
    return Effect.andThen(Supervisor.terminateChild(supervisor, id), Supervisor.deleteChild(supervisor, id))
  })

// ---------------------------------------------------------------------------------------------
// Spans
// ---------------------------------------------------------------------------------------------

/**
 * A tracer that records every span it makes (Effect's native spans), in the order they start, and
 * the layer that installs it. A call carries its caller's span and the handler runs in a child span
 * named after the request's tag, so a test can check a handler's span, its attributes and its
 * parent without an exporter.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { testing } from "effect-otp"
 *
 * const { spans, layer } = testing.recordSpans()
 * const traced = Effect.void.pipe(Effect.withSpan("work"), Effect.provide(layer))
 * // after running `traced`: spans.map((span) => span.name) is ["work"]
 * ```
 *
 * @since 0.2.0
 * @category debugging
 */
export const recordSpans = (): {
  readonly spans: ReadonlyArray<Tracer.NativeSpan>
  readonly layer: Layer.Layer<never>
} => {
  const spans: Array<Tracer.NativeSpan> = []
  const tracer = Tracer.make({
    span(options) {
      const span = new Tracer.NativeSpan(options)
      spans.push(span)
      return span
    }
  })
  return { spans, layer: Layer.succeed(Tracer.Tracer, tracer) }
}
