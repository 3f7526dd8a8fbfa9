/**
 * Tasks: processes that run one effect and report its result to the process that started them.
 *
 * The most common use of a task is to turn sequential code into concurrent code by computing a
 * value in another process while the caller does something else, then awaiting it (Elixir's
 * `Task`).
 *
 * ## Example
 *
 * ```ts
 * import { Effect } from "effect"
 * import { Node, Process, Task } from "effect-otp"
 *
 * declare const fetchPrice: (sku: string) => Effect.Effect<number>
 * declare const fetchStock: (sku: string) => Effect.Effect<number>
 *
 * const quote = (sku: string) =>
 *   Effect.gen(function*() {
 *     const price = yield* Task.async(fetchPrice(sku)) // runs in its own process
 *     const stock = yield* fetchStock(sku) // meanwhile, here
 *     return { price: yield* Task.await(price), stock }
 *   })
 *
 * const program = Effect.gen(function*() {
 *   const pid = yield* Process.spawn(quote("sku-1")) // tasks belong to a process
 *   return yield* Process.awaitExit(pid)
 * })
 *
 * Effect.runPromise(program.pipe(Effect.provide(Node.layer())))
 * ```
 *
 * ## async and await
 *
 * {@link async} spawns a process that is **linked to and monitored by** the caller, which must be
 * a process (`Process.Self` in its requirements). When the task's effect succeeds, the task sends
 * its result to the caller as a {@link Reply} tagged with the monitor reference, and {@link await}
 * takes it with a selective receive on that reference (or the task's `Down`).
 *
 * - If you start a task with `async`, **you must await it** (or `yield` then `shutdown` / `ignore`).
 * - The link is on purpose: if the caller dies, the task dies; if the task crashes, the caller
 *   crashes too, unless it traps exits. An async task is an extension of the caller, not a way to
 *   isolate it from errors: if you need isolation, use `TaskSupervisor.asyncNolink`.
 * - `await(async(effect))` fails with the same typed errors as `effect` (when the caller survives
 *   the task's failure: it traps exits, or the task is not linked), plus {@link TaskExited} for any
 *   other exit (a defect, a kill, a shutdown) and {@link TaskTimeout}.
 * - Only the owner may query a task: from another process, every query fails with {@link NotOwner}.
 *
 * ## Tasks are processes
 *
 * A task has its own pid, mailbox and exit reason; it may receive messages, link and monitor like
 * any process. It runs with the caller's services (its context is inherited), and a crash is logged
 * with a crash report like any process's.
 *
 * ## Supervised tasks
 *
 * `TaskSupervisor` starts tasks under a dynamic supervisor, which shows how many run and stops them
 * within a shutdown budget when the application stops:
 *
 * - `TaskSupervisor.startChild`: fire and forget.
 * - `TaskSupervisor.async` + {@link await}: like {@link async}, but supervised.
 * - `TaskSupervisor.asyncNolink` + {@link yield} / {@link shutdown}: the task's failure never
 *   crashes the caller; the caller gets a `Down` and the reason.
 *
 * A task can also be a static child of a `Supervisor` with {@link childSpec} (restart `temporary`
 * by default, as in Elixir): for work to run while the tree starts, such as warming a cache.
 *
 * ## Using tasks from a GenServer
 *
 * Do not `await` a long task inside a behaviour callback. Start it with
 * `TaskSupervisor.asyncNolink` and handle its messages in `handleInfo`: a {@link Reply} whose `ref`
 * is the task's `ref` carries the result (then `Process.demonitor(ref, { flush: true })` drops the
 * `Down` that follows), and a `Down` with that `ref` and no reply before it means the task failed.
 *
 * ## Timeouts
 *
 * - `await` waits 5 seconds by default (as Elixir); `"infinity"` waits as long as the task lives.
 * - When the time is up, `await` fails with {@link TaskTimeout} at that exact time and **kills the
 *   task if it is linked to the caller**: in Elixir the timeout exits the caller, and its exit takes
 *   the linked task down. A task that is not linked (`asyncNolink`) keeps running, as in Elixir.
 * - A result that arrives after the owner gave up never reaches its mailbox: a task replies only
 *   while the owner's monitor on it is active (Erlang's monitor alias), and every query that gives
 *   up removes that monitor.
 * - {@link yield} waits for a time and returns `None` if no result came: the task keeps running and
 *   can be yielded again, awaited, ignored or shut down.
 *
 * ## Differences from Elixir
 *
 * - `await` and `awaitMany` do not exit the caller: they fail with typed errors (the task's own
 *   typed failure, {@link TaskExited}, {@link TaskTimeout}, {@link NotOwner}), and on a timeout or a
 *   failure they kill the still-running tasks linked to the caller, which Elixir's exit would have
 *   taken down. A caller that does not handle the error fails its body, which is Elixir's behaviour.
 * - Awaiting a task whose result was already taken (awaiting it twice, or after a `yield` that
 *   returned its result, `ignore` or `shutdown`) fails at once with {@link AlreadyAwaited}; Elixir
 *   waits for the whole timeout, since no message can come. `yield` keeps Elixir's behaviour: it
 *   waits for its timeout and returns `None`.
 * - `yield`, `yieldMany`, `shutdown` and `ignore` return `Option<Exit>` where Elixir returns
 *   `{:ok, value} | {:exit, reason} | nil`: `None` is `nil`, `Exit.Success` is `{:ok, value}`, and
 *   `Exit.Failure` carries the task's typed failure or {@link TaskExited} with the exit reason.
 * - An invalid timeout (negative, NaN, not a duration) or `yieldMany` option makes `await`,
 *   `awaitMany`, `yield`, `yieldMany` and `shutdown` fail with `Errors.BadArgument` before they wait
 *   or touch a task, where Elixir raises `ArgumentError` or `FunctionClauseError`. (`asyncStream`'s
 *   invalid options fail the stream with it too, when it runs.)
 * - `asyncStream` with `onTimeout: "exit"` fails the stream with {@link TaskTimeout} instead of
 *   exiting the caller, and kills the stream's other tasks.
 *
 * ## When not to use it
 *
 * - For work whose result nobody awaits: use `TaskSupervisor.startChild` (or {@link start}).
 * - To isolate a failure from the caller: use `TaskSupervisor.asyncNolink`, not `async` with
 *   `trapExit`; trapping exits makes the caller immune to every link, not only this one.
 * - For concurrency inside one process's own logic with no need for a separate mailbox or exit
 *   reason, plain Effect concurrency (`Effect.all`, `Effect.forEach` with `concurrency`) is lighter.
 * - For CPU-bound work: a task is a fiber on the same thread; use the worker pool.
 *
 * @since 0.1.0
 */
import { type Duration, Effect, type Exit, type Option, type Pipeable, type Stream } from "effect"
import { dual } from "effect/Function"
import type * as ChildSpec from "./ChildSpec.ts"
import type * as Errors from "./Errors.ts"
import * as internal from "./internal/task.ts"
import type { Node } from "./Node.ts"
import type * as Pid from "./Pid.ts"
import * as Process from "./Process.ts"
import { TypeId, Reply, type StreamCompletion, type StreamRunner, type StreamSetup } from "./internal/task.ts"
import { TaskExited, TaskTimeout, NotOwner, AlreadyAwaited, InputExited } from "./Errors.ts"

// ---------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------

export {
  /**
   * @since 0.1.0
   * @category symbols
   */
  TypeId
}

/**
 * Whether `u` is a task (one that {@link async}, {@link start} or a `TaskSupervisor` returned).
 *
 * **Details**: a task carries {@link TypeId} on its prototype and is `Pipeable`, so
 * `task.pipe(Task.await("1 second"))` reads as `Task.await(task, "1 second")`.
 *
 * @example
 * ```ts
 * import { Task } from "effect-otp"
 *
 * const pidOf = (u: unknown) => (Task.isTask(u) ? u.pid : undefined)
 * ```
 *
 * @since 0.2.0
 * @category guards
 */
export const isTask: (u: unknown) => u is Task<unknown, unknown> = internal.isTask

/**
 * A running task: its pid, the owner's monitor reference (which also tags its reply) and its owner.
 * `A` is the result; `E` the typed failure of its effect.
 *
 * @since 0.1.0
 * @category models
 */
export interface Task<out A, out E = never> extends Pipeable.Pipeable {
  readonly [internal.TypeId]: { readonly _A: () => A; readonly _E: () => E }
  /** The task's process. */
  readonly pid: Pid.Pid<never, unknown>
  /** The owner's monitor on the task: its `Down` and the task's `Reply` carry this reference. */
  readonly ref: Process.MonitorRef
  /** The process that started the task, the only one that may await it. */
  readonly owner: Pid.Pid<never, unknown>
}

/**
 * The result type of a task.
 *
 * @since 0.1.0
 * @category type-level
 */
export type Success<T> = T extends Task<infer A, infer _E> ? A : never

/**
 * The typed failure of a task's effect.
 *
 * @since 0.1.0
 * @category type-level
 */
export type Failure<T> = T extends Task<infer _A, infer E> ? E : never

/**
 * A timeout: a duration, or `"infinity"` to wait as long as the task lives.
 *
 * @since 0.1.0
 * @category models
 */
export type Timeout = Duration.Input | "infinity"

export {
  /**
   * The message a task sends its owner when its effect succeeds (Elixir's `{ref, result}`); `ref` is
   * the task's `ref`. Its `_tag` is `"TaskReply"`. {@link await} and friends take it for you; a
   * GenServer that starts tasks sees it in `handleInfo`.
   *
   * @since 0.1.0
   * @category messages
   */
  Reply
}

/**
 * @since 0.1.0
 * @category guards
 */
export const isReply = (u: unknown): u is Reply => u instanceof internal.Reply

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

export {
  /**
   * The task exited without a result, and not because its effect failed with a typed error: it died
   * (a defect), was killed or shut down, or exited `Normal` without replying. `reason` says how.
   *
   * @since 0.1.0
   * @category errors
   */
  TaskExited
}

export {
  /**
   * No result arrived within the timeout; `timeout` is in milliseconds.
   *
   * @since 0.1.0
   * @category errors
   */
  TaskTimeout
}

export {
  /**
   * A task was queried from a process other than its owner (Elixir raises `ArgumentError`).
   *
   * @since 0.1.0
   * @category errors
   */
  NotOwner
}

export {
  /**
   * The task's result was already taken: by an earlier {@link await}, a {@link yield} that returned
   * it, {@link ignore} or {@link shutdown}. {@link await} and {@link awaitMany} fail with it at once
   * (Elixir waits for the timeout: no reply or `Down` can come any more).
   *
   * @example
   * ```ts
   * import { Effect } from "effect"
   * import { Task } from "effect-otp"
   *
   * const twice = Effect.gen(function*() {
   *   const task = yield* Task.async(Effect.succeed(1))
   *   yield* Task.await(task) // 1
   *   return yield* Task.await(task).pipe(Effect.catchTag("AlreadyAwaited", () => Effect.succeed(0))) // 0, at once
   * })
   * ```
   *
   * @since 0.2.0
   * @category errors
   */
  AlreadyAwaited
}

export {
  /**
   * The failure of an {@link asyncStream} task with the input element it was processing, emitted
   * instead of the bare failure when `zipInputOnExit` is on (Elixir's `{:exit, {input, reason}}`).
   *
   * @since 0.1.0
   * @category errors
   */
  InputExited
}

// ---------------------------------------------------------------------------------------------
// Starting
// ---------------------------------------------------------------------------------------------

/**
 * Starts a task that must be awaited: a process running `effect`, linked to and monitored by the
 * caller, atomically (both are in place before the effect runs).
 *
 * **Details**
 *
 * - When `effect` succeeds, the task sends its result to the caller (a {@link Reply}) and exits
 *   `Normal`. When it fails or dies, the task exits with the cause, which crashes the caller
 *   through the link unless the caller traps exits.
 * - The task inherits the caller's services; its own `Process.Self` is the task's.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Task } from "effect-otp"
 *
 * const both = Effect.gen(function*() {
 *   const a = yield* Task.async(Effect.succeed(1))
 *   const b = yield* Task.async(Effect.succeed(2))
 *   return (yield* Task.await(a)) + (yield* Task.await(b)) // 3
 * })
 * ```
 *
 * @since 0.1.0
 * @category start
 */
export const async = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<Task<A, E>, never, Exclude<R, Process.Provided> | Node | Process.Self<unknown>> =>
  Effect.flatMap(internal.selfRecord, (self) =>
    Effect.flatMap(internal.nodeState, (node) => internal.spawnTask(self, node, effect, true))
  )

/**
 * Starts a fire-and-forget task, not linked to the caller (Elixir's `Task.start`). Prefer
 * `TaskSupervisor.startChild`, which gives the task a shutdown budget when the application stops.
 *
 * @since 0.1.0
 * @category start
 */
export const start = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<Pid.Pid<Process.MessagesOf<R>>, never, Exclude<R, Process.Provided> | Node> => Process.spawn(effect)

/**
 * Starts a fire-and-forget task linked to the caller (Elixir's `Task.start_link`), as the `start` of
 * a child spec.
 *
 * @since 0.1.0
 * @category start
 */
export const startLink = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<Pid.Pid<Process.MessagesOf<R>>, never, Exclude<R, Process.Provided> | Node | Process.Self<unknown>> =>
  Process.spawnLink(effect)

/**
 * A child spec that runs `effect` as a task under a `Supervisor`. The restart type defaults to
 * `"temporary"` (as Elixir's `Task`): a task is not restarted, even when it crashes, unless you ask
 * for `"transient"` or `"permanent"`.
 *
 * **Gotcha**: the supervisor does not wait for the task to finish before it starts the next child.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Supervisor, Task } from "effect-otp"
 *
 * declare const warmCache: Effect.Effect<void>
 *
 * const tree = Supervisor.start({ strategy: "oneForOne", children: [Task.childSpec(warmCache, { id: "warm" })] })
 * ```
 *
 * @since 0.1.0
 * @category start
 */
export const childSpec = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options?: {
    readonly id?: string | undefined
    readonly restart?: ChildSpec.Restart | undefined
    readonly shutdown?: ChildSpec.Shutdown | undefined
  }
): ChildSpec.ChildSpec<never, Exclude<R, Process.Provided> | Node | Process.Self<unknown>> => ({
  id: options?.id ?? "Task",
  start: startLink(effect),
  restart: options?.restart ?? "temporary",
  shutdown: options?.shutdown
})

// ---------------------------------------------------------------------------------------------
// Awaiting
// ---------------------------------------------------------------------------------------------

const await_: {
  (
    timeout?: Timeout
  ): <A, E>(
    task: Task<A, E>
  ) => Effect.Effect<
    A,
    E | TaskExited | TaskTimeout | NotOwner | AlreadyAwaited | Errors.BadArgument,
    Process.Self<unknown>
  >
  <A, E>(
    task: Task<A, E>,
    timeout?: Timeout
  ): Effect.Effect<
    A,
    E | TaskExited | TaskTimeout | NotOwner | AlreadyAwaited | Errors.BadArgument,
    Process.Self<unknown>
  >
} = dual((args) => internal.isTask(args[0]), internal.await_)

const yield_: {
  (
    timeout?: Timeout
  ): <A, E>(
    task: Task<A, E>
  ) => Effect.Effect<Option.Option<Exit.Exit<A, E | TaskExited>>, NotOwner | Errors.BadArgument, Process.Self<unknown>>
  <A, E>(
    task: Task<A, E>,
    timeout?: Timeout
  ): Effect.Effect<Option.Option<Exit.Exit<A, E | TaskExited>>, NotOwner | Errors.BadArgument, Process.Self<unknown>>
} = dual((args) => internal.isTask(args[0]), internal.yield_)

export {
  /**
   * Waits for a task's result (default timeout: 5 seconds, as Elixir).
   *
   * **Details**
   *
   * - The result: the task's value.
   * - The task's effect failed with a typed error `E`: fails with that `E` (reached only when the
   *   caller survived the crash: it traps exits, or the task is not linked to it).
   * - The task exited otherwise (a defect, killed, shut down, `Normal` without a reply): fails with
   *   {@link TaskExited} and the exit reason.
   * - No result within `timeout`: fails with {@link TaskTimeout} at that time, and kills the task if
   *   it is linked to the caller (unlinking first, so the kill does not reach the caller). Its
   *   result, should it come, is dropped.
   * - Called from another process than the owner (the task itself included): fails with
   *   {@link NotOwner}.
   * - The result was already taken (by an earlier `await`, a `yield` that returned it, `ignore` or
   *   `shutdown`): fails at once with {@link AlreadyAwaited}.
   *
   * @example
   * ```ts
   * import { Effect } from "effect"
   * import { Task } from "effect-otp"
   *
   * const slow = Effect.gen(function*() {
   *   const task = yield* Task.async(Effect.sleep("10 seconds"))
   *   return yield* Task.await(task, "1 second").pipe(
   *     Effect.catchTag("TaskTimeout", () => Effect.succeed("gave up")) // the task is killed
   *   )
   * })
   * ```
   *
   * @since 0.1.0
   * @category awaiting
   */
  await_ as await,
  /**
   * Waits for a task's result for at most `timeout` (default 5 seconds), without giving up on the
   * task: `Some(exit)` when it replied or exited, `None` when the time ran out (the task keeps
   * running and can be yielded again, awaited, ignored or shut down).
   *
   * @example
   * ```ts
   * import { Effect, Option } from "effect"
   * import { Task } from "effect-otp"
   *
   * declare const work: Effect.Effect<number>
   *
   * const withDeadline = Effect.gen(function*() {
   *   const task = yield* Task.async(work)
   *   const result = yield* Task.yield(task, "2 seconds")
   *   return Option.isSome(result) ? result : yield* Task.shutdown(task) // Elixir's yield || shutdown
   * })
   * ```
   *
   * @since 0.1.0
   * @category awaiting
   */
  yield_ as yield
}

/**
 * Waits for the results of several tasks, within one timeout for all (default 5 seconds), and
 * returns them in the order of `tasks`.
 *
 * **Details**
 *
 * Fails as soon as one task exits without a result (its typed failure or {@link TaskExited}), or
 * with {@link TaskTimeout} when the time runs out; either way, the tasks that have not replied yet
 * are given up and, if linked to the caller, killed. {@link NotOwner} if any task belongs to
 * another process; {@link AlreadyAwaited} at once if the result of any of them was already taken.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Task } from "effect-otp"
 *
 * const sum = Effect.gen(function*() {
 *   const tasks = [yield* Task.async(Effect.succeed(1)), yield* Task.async(Effect.succeed("two"))] as const
 *   const [one, two] = yield* Task.awaitMany(tasks) // [number, string]
 * })
 * ```
 *
 * @since 0.1.0
 * @category awaiting
 */
export const awaitMany: <const T extends ReadonlyArray<Task<any, any>>>(
  tasks: T,
  timeout?: Timeout
) => Effect.Effect<
  { -readonly [K in keyof T]: Success<T[K]> },
  Failure<T[number]> | TaskExited | TaskTimeout | NotOwner | AlreadyAwaited | Errors.BadArgument,
  Process.Self<unknown>
> = internal.awaitMany as never

/**
 * Options of {@link yieldMany}.
 *
 * @since 0.1.0
 * @category models
 */
export interface YieldManyOptions {
  /** How long to wait for all of them. Default 5 seconds. */
  readonly timeout?: Timeout | undefined
  /** Return as soon as this many tasks replied or exited (then `onTimeout` does not apply). */
  readonly limit?: number | undefined
  /**
   * What to do with the tasks that did not reply in time: `"nothing"` (default: they can still be
   * awaited, yielded, ignored or shut down), `"ignore"` ({@link ignore} each), `"killTask"`
   * ({@link shutdown} each with `"brutalKill"`).
   */
  readonly onTimeout?: "nothing" | "ignore" | "killTask" | undefined
}

/**
 * Yields to several tasks within one timeout: for each task, in the order of `tasks`, `Some(exit)`
 * if it replied or exited in time, else `None`. Takes a timeout or {@link YieldManyOptions}.
 *
 * @example
 * ```ts
 * import { Effect, Option } from "effect"
 * import { Task } from "effect-otp"
 *
 * declare const jobs: ReadonlyArray<Effect.Effect<number>>
 *
 * const fastest = Effect.gen(function*() {
 *   const tasks = yield* Effect.forEach(jobs, Task.async)
 *   const results = yield* Task.yieldMany(tasks, { timeout: "5 seconds", onTimeout: "killTask" })
 *   return results.filter(Option.isSome) // the ones that made it; the others were killed
 * })
 * ```
 *
 * @since 0.1.0
 * @category awaiting
 */
export const yieldMany: <const T extends ReadonlyArray<Task<any, any>>>(
  tasks: T,
  timeoutOrOptions?: Timeout | YieldManyOptions
) => Effect.Effect<
  { -readonly [K in keyof T]: Option.Option<Exit.Exit<Success<T[K]>, Failure<T[K]> | TaskExited>> },
  NotOwner | Errors.BadArgument,
  Process.Self<unknown>
> = internal.yieldMany as never

/**
 * Unlinks and stops a task, then tells what became of it (Elixir's `Task.shutdown`).
 *
 * **Details**
 *
 * With a timeout (default 5 seconds), the task gets the exit signal `Shutdown` and is killed if it
 * has not exited when the time is up; with `"brutalKill"` it is killed at once. Returns
 * `Some(Exit.succeed(value))` if its result arrived meanwhile (even during the shutdown),
 * `Some(Exit.fail(...))` if it exited for another reason than the one `shutdown` gave it (including
 * `Killed` after the timeout), else `None`. Afterwards the task can no longer be awaited.
 *
 * @since 0.1.0
 * @category awaiting
 */
export const shutdown: {
  (
    shutdown?: Timeout | "brutalKill"
  ): <A, E>(
    task: Task<A, E>
  ) => Effect.Effect<Option.Option<Exit.Exit<A, E | TaskExited>>, NotOwner | Errors.BadArgument, Process.Self<unknown>>
  <A, E>(
    task: Task<A, E>,
    shutdown?: Timeout | "brutalKill"
  ): Effect.Effect<Option.Option<Exit.Exit<A, E | TaskExited>>, NotOwner | Errors.BadArgument, Process.Self<unknown>>
} = dual((args) => internal.isTask(args[0]), internal.shutdown)

/**
 * Lets a task run on without its owner: unlinks and demonitors it, so it can no longer be awaited.
 * Returns its result if it had already arrived, `Some(Exit.fail(...))` if it had already exited,
 * else `None`.
 *
 * **Gotcha**: to start a task whose result you do not want, use `TaskSupervisor.startChild`
 * instead of `async` followed by `ignore`.
 *
 * @since 0.1.0
 * @category awaiting
 */
export const ignore: <A, E>(
  task: Task<A, E>
) => Effect.Effect<Option.Option<Exit.Exit<A, E | TaskExited>>, NotOwner, Process.Self<unknown>> = internal.ignore

// ---------------------------------------------------------------------------------------------
// Streams
// ---------------------------------------------------------------------------------------------

/**
 * Options of {@link asyncStream}.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamOptions {
  /**
   * The most tasks alive at once. Default: {@link DefaultMaxConcurrency} (the number of cores, as
   * Elixir's `System.schedulers_online/0`).
   */
  readonly maxConcurrency?: number | undefined
  /**
   * Emit the results in the order of the input (default `true`). Ordered results that finish early
   * are buffered until their turn; `false` emits each as soon as its task ends.
   */
  readonly ordered?: boolean | undefined
  /** How long each task may run, from its start. Default 5 seconds. */
  readonly timeout?: Timeout | undefined
  /**
   * What a timed-out task does to the stream (the task is killed either way): `"exit"` (default)
   * fails the stream with {@link TaskTimeout}; `"killTask"` emits `Exit.fail(TaskTimeout)` for that
   * element and goes on.
   */
  readonly onTimeout?: "exit" | "killTask" | undefined
  /** Emit failures as {@link InputExited}, with the input element that caused them. Default `false`. */
  readonly zipInputOnExit?: boolean | undefined
}

/**
 * The default `maxConcurrency` of {@link asyncStream}: `navigator.hardwareConcurrency` where the
 * platform has it (Node.js, Deno, browsers), else 1. Provide another value with
 * `Effect.provideService(Task.DefaultMaxConcurrency, n)`.
 *
 * @since 0.1.0
 * @category streams
 */
export const DefaultMaxConcurrency = internal.DefaultMaxConcurrency

/**
 * The `onTimeout` a stream's options `O` select (`"exit"` when not given).
 *
 * @since 0.1.0
 * @category type-level
 */
export type OnTimeoutOf<O> = "onTimeout" extends keyof O
  ? O extends { readonly onTimeout?: infer T }
    ? [T] extends [undefined]
      ? "exit"
      : undefined extends T
        ? Exclude<T, undefined> | "exit"
        : T
    : "exit"
  : "exit"

/**
 * The error of a stream item: `Err`, wrapped in `InputExited` with its input when the options `O`
 * set `zipInputOnExit`.
 *
 * @since 0.1.0
 * @category type-level
 */
export type Zipped<X, Err, O> = "zipInputOnExit" extends keyof O
  ? O extends { readonly zipInputOnExit?: infer Z }
    ? true extends Z
      ? false extends Z
        ? Err | InputExited<X, Err>
        : undefined extends Z
          ? Err | InputExited<X, Err>
          : InputExited<X, Err>
      : Err
    : Err
  : Err

/**
 * What an {@link asyncStream} emits for one input element: the task's result, or its failure.
 *
 * @since 0.1.0
 * @category type-level
 */
export type StreamItem<X, A, E, O> = Exit.Exit<
  A,
  Zipped<X, E | TaskExited | ("killTask" extends OnTimeoutOf<O> ? TaskTimeout : never), O>
>

/**
 * What invalid options fail an {@link asyncStream} with: `BadArgument`, possible when the options
 * give `maxConcurrency` or `timeout`.
 *
 * @since 0.2.0
 * @category type-level
 */
export type StreamOptionsError<O> = O extends unknown
  ? [Extract<keyof O, "maxConcurrency" | "timeout">] extends [never]
    ? never
    : Errors.BadArgument
  : never

/**
 * What fails an {@link asyncStream}: a timed-out task with `onTimeout: "exit"`; invalid options.
 *
 * @since 0.1.0
 * @category type-level
 */
export type StreamError<O> = ("exit" extends OnTimeoutOf<O> ? TaskTimeout : never) | StreamOptionsError<O>

/**
 * Runs `f` on each element of `input` in its own task, at most `maxConcurrency` at a time, and
 * streams the outcomes (Elixir's `Task.async_stream`).
 *
 * **Details**
 *
 * - Each element becomes a task linked to and monitored by the process that runs the stream (run
 *   it inside a process: `Process.Self` is in its requirements). A crashing task crashes that
 *   process, unless it traps exits: then the stream emits `Exit.fail(...)` for that element. Use
 *   `TaskSupervisor.asyncStreamNolink` to keep the caller out of the tasks' failures.
 * - Emits one `Exit` per element: `Exit.succeed(value)`, or `Exit.fail(error)` with the task's
 *   typed failure, {@link TaskExited}, or {@link TaskTimeout} (with `onTimeout: "killTask"`), each
 *   wrapped in {@link InputExited} when `zipInputOnExit` is on. `Stream.mapEffect((exit) => exit)`
 *   turns them back into a stream of values that fails on the first failure.
 * - **Back-pressure**: tasks are spawned only while the stream is pulled, and never more than
 *   `maxConcurrency` are alive at once, however slow the consumer; an input element is taken only
 *   when a slot is free. A finished task frees its slot at once, even while its (ordered) result
 *   waits for an earlier one.
 * - Each task has `timeout` to finish, counted from its start (default 5 seconds); it is killed at
 *   that time even while the consumer is busy.
 * - When the stream ends early (the consumer takes only part of it, or fails), the tasks still
 *   running are killed, and none of their messages is left in the caller's mailbox.
 * - `input` is an `Iterable` (read lazily, one element per free slot) or a `Stream`.
 *
 * **Gotchas**
 *
 * - Like Elixir, a consumer that takes N results may cause up to N + maxConcurrency − 1 tasks to
 *   start; put the `take` on the input to bound the work exactly.
 * - The stream's pulls receive the tasks' messages from the caller's mailbox: do not run another
 *   receive in the same process at the same time (a concurrent fiber of the process).
 * - Invalid options (`maxConcurrency` not a positive integer, a `timeout` that is negative, NaN or
 *   not a duration, an unknown `onTimeout`) fail the stream with `Errors.BadArgument` when it runs,
 *   before any task starts (Elixir raises `ArgumentError`). A bad `DefaultMaxConcurrency` fails it
 *   the same way, although the error type only shows `BadArgument` when options are given.
 *
 * @example
 * ```ts
 * import { Effect, Exit, Stream } from "effect"
 * import { Task } from "effect-otp"
 *
 * declare const fetchPage: (url: string) => Effect.Effect<string, Error>
 *
 * // inside a process: the pages that came within 10 seconds each, in the order of `urls`
 * const pages = (urls: ReadonlyArray<string>) =>
 *   Task.asyncStream(urls, fetchPage, { maxConcurrency: 8, timeout: "10 seconds", onTimeout: "killTask" }).pipe(
 *     Stream.filter(Exit.isSuccess),
 *     Stream.map((exit) => exit.value),
 *     Stream.runCollect
 *   )
 * ```
 *
 * @since 0.1.0
 * @category streams
 */
export const asyncStream: {
  <X, A, E, R, const O extends StreamOptions = {}>(
    f: (input: X) => Effect.Effect<A, E, R>,
    options?: O
  ): <EX = never, RX = never>(
    input: Iterable<X> | Stream.Stream<X, EX, RX>
  ) => Stream.Stream<
    StreamItem<X, A, E, O>,
    StreamError<O> | EX,
    Exclude<R, Process.Provided> | RX | Node | Process.Self<unknown>
  >
  <X, A, E, R, EX = never, RX = never, const O extends StreamOptions = {}>(
    input: Iterable<X> | Stream.Stream<X, EX, RX>,
    f: (input: X) => Effect.Effect<A, E, R>,
    options?: O
  ): Stream.Stream<
    StreamItem<X, A, E, O>,
    StreamError<O> | EX,
    Exclude<R, Process.Provided> | RX | Node | Process.Self<unknown>
  >
} = ((...args: Array<any>) =>
  typeof args[0] === "function"
    ? (input: any) => makeAsyncStream(input, args[0], args[1])
    : makeAsyncStream(args[0], args[1], args[2])) as never

const makeAsyncStream = (
  input: Iterable<unknown> | Stream.Stream<unknown, unknown, unknown>,
  f: (input: unknown) => Effect.Effect<unknown, unknown, unknown>,
  options: StreamOptions | undefined
) =>
  internal.makeStream(
    "Task.asyncStream",
    input,
    (owner, x) => Effect.flatMap(internal.nodeState, (node) => internal.spawnTask(owner, node, f(x), true)),
    options ?? {}
  )

// ---------------------------------------------------------------------------------------------
// The stream engine, for other runners
// ---------------------------------------------------------------------------------------------

export type {
  /**
   * How one item of {@link asyncStreamWith} ended: its position in the input (0, 1, 2, ...), the item
   * (what `InputExited` carries with `zipInputOnExit`), and its result.
   *
   * @since 0.2.0
   * @category streams
   */
  StreamCompletion
}

export type {
  /**
   * What runs the items of {@link asyncStreamWith}: `start` starts one item; `next` waits until one
   * started item has ended. A failure of either fails the stream.
   *
   * @since 0.2.0
   * @category streams
   */
  StreamRunner
}

export type {
  /**
   * What a {@link StreamRunner} is made with: the stream's scope (finalizers added to it run when the
   * stream closes) and `closeInput`, which the runner's finalizer must call (before or after stopping
   * its items, as it needs).
   *
   * @since 0.2.0
   * @category streams
   */
  StreamSetup
}

/**
 * The engine of {@link asyncStream} with another way to run an item: `WorkerPool.asyncStream` runs
 * each as a call on a pool of worker threads.
 *
 * **Details**
 *
 * The engine reads `input` one element at a time, only while the stream is pulled; it starts at most
 * `maxConcurrency` items at once (default: `defaultMaxConcurrency`); a slot frees as soon as its
 * item has ended; with `ordered` (the default) results come in input order, else as they end; with
 * `zipInputOnExit` each failure is wrapped in {@link InputExited}. `timeout` and `onTimeout` are
 * the runner's to apply.
 *
 * **Errors**: invalid options fail the stream with `BadArgument` naming `fn` (the public function
 * that was called), before any item starts; a failure of the runner's `start` or `next` fails it.
 *
 * @since 0.2.0
 * @category streams
 */
export const asyncStreamWith: <X, E, R, RS, EX = never, RX = never>(
  fn: string,
  input: Iterable<X> | Stream.Stream<X, EX, RX>,
  options: StreamOptions,
  defaultMaxConcurrency: Effect.Effect<number>,
  makeRunner: (setup: StreamSetup) => Effect.Effect<StreamRunner<X, E, R>, never, RS>
) => Stream.Stream<Exit.Exit<unknown, unknown>, E | EX | Errors.BadArgument, R | RX | RS> = internal.asyncStreamWith
