/**
 * TaskSupervisor: a dynamic supervisor for tasks (Elixir's `Task.Supervisor`).
 *
 * A task supervisor starts with no children and starts tasks on demand. It is a
 * `DynamicSupervisor` (every `DynamicSupervisor` function works on it) whose children are temporary
 * tasks by default. Start it in your supervision tree, usually under a name, and start tasks under it
 * from anywhere.
 *
 * ## Example
 *
 * ```ts
 * import { Effect } from "effect"
 * import { Process, Supervisor, Task, TaskSupervisor } from "effect-otp"
 *
 * declare const fetchUrl: (url: string) => Effect.Effect<string, Error>
 *
 * const tree = Supervisor.start({
 *   strategy: "oneForOne",
 *   children: [TaskSupervisor.childSpec({ name: "tasks" })]
 * })
 *
 * const fetchBoth = Effect.gen(function*() {
 *   const tasks = yield* TaskSupervisor.named("tasks")
 *   // linked to the caller, supervised: a crash of the task crashes the caller too
 *   const a = yield* TaskSupervisor.async(tasks, fetchUrl("https://a.example"))
 *   // not linked: the caller gets the failure as a value, and survives it
 *   const b = yield* TaskSupervisor.asyncNolink(tasks, fetchUrl("https://b.example"))
 *   return [yield* Task.await(a), yield* Task.yield(b, "5 seconds")] as const
 * })
 * ```
 *
 * ## API
 *
 * | function | linked to the caller | the caller gets |
 * |---|---|---|
 * | {@link startChild} | no | the pid: fire and forget |
 * | {@link async} | yes | a `Task` to `Task.await`; a crash of the task crashes the caller |
 * | {@link asyncNolink} | no | a `Task`; its failure comes as a `Down` / an `Exit.fail` from `Task.yield` |
 * | {@link asyncStream} / {@link asyncStreamNolink} | yes / no | a stream, as `Task.asyncStream` |
 *
 * Tasks run with the caller's services, not the supervisor's. Every task is monitored by its owner
 * and replies with a message tagged by the monitor reference, so an `asyncNolink` task fits a
 * GenServer: handle its `Task.Reply` and `Down` in `handleInfo` (see the `Task` module).
 *
 * ## How to supervise
 *
 * Put {@link childSpec} in a `Supervisor`'s children (its `id` defaults to its `name`). The
 * supervisor is the tasks' parent: when it stops, it stops every task in parallel within each
 * task's `shutdown` budget (default 5 seconds; a task must trap exits for the budget to matter,
 * else the `Shutdown` signal stops it at once). `maxChildren` bounds the tasks alive at once:
 * starting one more fails with `MaxChildren` (Elixir raises).
 *
 * ## Timeouts
 *
 * `Task.await` on a supervised task follows the `Task` rules: after the timeout, a task linked to
 * the caller (`async`) is killed, a `nolink` one keeps running; a late result is dropped. The
 * supervisor logs a killed task like any child that exits abnormally.
 *
 * ## When not to use it
 *
 * For tasks that must be restarted with an identity, state or a fixed place in the start order:
 * use a `Supervisor` with GenServer children. A task supervisor is one process: if starting tasks
 * becomes a bottleneck, run several and pick one per caller.
 *
 * @since 0.1.0
 */
import { Effect, type Layer, type Schedule, type Scope, type Stream } from "effect"
import { dual } from "effect/Function"
import type * as ChildSpec from "./ChildSpec.ts"
import * as DynamicSupervisor from "./DynamicSupervisor.ts"
import type * as ExitReason from "./ExitReason.ts"
import * as GenServer from "./GenServer.ts"
import * as internal from "./internal/task.ts"
import * as engine from "./internal/taskSupervisor.ts"
import type { Node } from "./Node.ts"
import type * as Pid from "./Pid.ts"
import * as Process from "./Process.ts"
import type * as Task from "./Task.ts"

/**
 * A task supervisor: a `DynamicSupervisor`.
 *
 * @since 0.1.0
 * @category models
 */
export type TaskSupervisor = DynamicSupervisor.DynamicSupervisor<undefined>

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Register the supervisor under this name. */
  readonly name?: string | undefined
  /** The most tasks alive at once. Default: no limit. */
  readonly maxChildren?: number | undefined
  /** Restart intensity (matters only for `transient`/`permanent` children). Default: 3 in 5 seconds. */
  readonly intensity?: Schedule.Schedule<unknown, unknown> | undefined
}

/**
 * What starting a task under the supervisor can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type StartTaskError = DynamicSupervisor.MaxChildren | ChildSpec.InvalidChildSpec | GenServer.CallError

/**
 * Options of {@link async} and {@link asyncNolink}.
 *
 * @since 0.1.0
 * @category models
 */
export interface AsyncOptions {
  /**
   * How the supervisor stops the task when it shuts down: a budget (default 5 seconds; the task
   * must trap exits for it to matter) or `"brutalKill"`.
   */
  readonly shutdown?: ChildSpec.Shutdown | undefined
}

/**
 * The shape of {@link async} and {@link asyncNolink}: the supervisor first, or last in a pipe.
 *
 * @since 0.2.0
 * @category models
 */
export interface StartTask {
  <A, E, R>(
    effect: Effect.Effect<A, E, R>,
    options?: AsyncOptions
  ): (
    self: TaskSupervisor
  ) => Effect.Effect<Task.Task<A, E>, StartTaskError, Exclude<R, Process.Provided> | Process.Self<unknown>>
  <A, E, R>(
    supervisor: TaskSupervisor,
    effect: Effect.Effect<A, E, R>,
    options?: AsyncOptions
  ): Effect.Effect<Task.Task<A, E>, StartTaskError, Exclude<R, Process.Provided> | Process.Self<unknown>>
}

/**
 * The shape of {@link asyncStream} and {@link asyncStreamNolink}.
 *
 * @since 0.2.0
 * @category models
 */
export type StartStream = <X, A, E, R, EX = never, RX = never, const O extends StreamOptions = {}>(
  supervisor: TaskSupervisor,
  input: Iterable<X> | Stream.Stream<X, EX, RX>,
  f: (input: X) => Effect.Effect<A, E, R>,
  options?: O
) => Stream.Stream<
  Task.StreamItem<X, A, E, O>,
  Task.StreamError<O> | StartTaskError | EX,
  Exclude<R, Process.Provided> | RX | Process.Self<unknown>
>

/**
 * Options of {@link startChild}.
 *
 * @since 0.1.0
 * @category models
 */
export interface StartChildOptions extends AsyncOptions {
  /** Default `"temporary"`: never restarted. `"transient"` restarts it after a crash. */
  readonly restart?: ChildSpec.Restart | undefined
}

/**
 * Options of {@link asyncStream} and {@link asyncStreamNolink}: those of `Task.asyncStream`, plus
 * the tasks' `shutdown`.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamOptions extends Task.StreamOptions, AsyncOptions {}

// ---------------------------------------------------------------------------------------------
// Starting the supervisor
// ---------------------------------------------------------------------------------------------

/**
 * Starts a task supervisor, not linked to the caller.
 *
 * @since 0.1.0
 * @category start
 */
export const start = (options?: Options): Effect.Effect<TaskSupervisor, DynamicSupervisor.StartError, Node> =>
  DynamicSupervisor.start(options)

/**
 * Starts a task supervisor linked to the caller.
 *
 * @since 0.1.0
 * @category start
 */
export const startLink = (
  options?: Options
): Effect.Effect<TaskSupervisor, DynamicSupervisor.StartError, Node | Process.Self<unknown>> =>
  DynamicSupervisor.startLink(options)

/**
 * A child spec for a task supervisor under a `Supervisor`. Its `id` defaults to the `name`, else
 * `"TaskSupervisor"`, as Elixir's.
 *
 * @since 0.1.0
 * @category start
 */
export const childSpec = (
  options?: Options & { readonly id?: string | undefined }
): ChildSpec.ChildSpec<DynamicSupervisor.StartError, Node | Process.Self<unknown>> =>
  DynamicSupervisor.childSpec(options?.id ?? options?.name ?? "TaskSupervisor", options)

/**
 * Starts one in the current scope; closing the scope stops it and its tasks.
 *
 * @since 0.1.0
 * @category start
 */
export const make = (
  options?: Options
): Effect.Effect<TaskSupervisor, DynamicSupervisor.StartError, Node | Scope.Scope> => DynamicSupervisor.make(options)

/**
 * A task supervisor as a Layer (give it a `name` and reach it with {@link named}).
 *
 * @since 0.1.0
 * @category start
 */
export const layer = (options?: Options): Layer.Layer<never, DynamicSupervisor.StartError, Node> =>
  DynamicSupervisor.layer(options)

/**
 * A reference to the task supervisor registered as `name`, looked up at every use.
 *
 * @since 0.1.0
 * @category start
 */
export const named = (name: string): Effect.Effect<TaskSupervisor, never, Node> => DynamicSupervisor.named(name)

/**
 * Stops it: every task in parallel within its budget, then itself.
 *
 * @since 0.1.0
 * @category start
 */
export const stop: {
  (reason?: ExitReason.ExitReason): (self: TaskSupervisor) => Effect.Effect<void, GenServer.CallError>
  (supervisor: TaskSupervisor, reason?: ExitReason.ExitReason): Effect.Effect<void, GenServer.CallError>
} = DynamicSupervisor.stop

// ---------------------------------------------------------------------------------------------
// Tasks
// ---------------------------------------------------------------------------------------------

/**
 * Starts a supervised task that must be awaited, linked to the caller (Elixir's
 * `Task.Supervisor.async`): as `Task.async`, except that the task is a child of the supervisor.
 * **Errors**: `MaxChildren` when the supervisor runs `maxChildren` tasks.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Task, TaskSupervisor } from "effect-otp"
 *
 * const twice = (tasks: TaskSupervisor.TaskSupervisor) =>
 *   Effect.gen(function*() {
 *     const task = yield* TaskSupervisor.async(tasks, Effect.succeed(21))
 *     return (yield* Task.await(task)) * 2
 *   })
 * ```
 *
 * @since 0.1.0
 * @category tasks
 */
export const async: StartTask = dual((args) => GenServer.isServer(args[0]), engine.asyncWith(true))

/**
 * Starts a supervised task that is **not linked** to the caller (Elixir's
 * `Task.Supervisor.async_nolink`): when it fails, the caller does not crash; it gets a `Down` with
 * the reason, which `Task.await` turns into the task's typed failure or `TaskExited`, and
 * `Task.yield` / `Task.shutdown` into `Exit.fail`.
 *
 * **Details**
 *
 * The caller always gets a `Down` with the task's `ref` (reason `Normal` when it succeeded), after
 * the `Task.Reply` when there is one. `Task.await`, `Task.yield` and friends consume both; in a
 * GenServer, handle them in `handleInfo`.
 *
 * @example
 * ```ts
 * import { Effect, Exit, Option } from "effect"
 * import { Task, TaskSupervisor } from "effect-otp"
 *
 * declare const risky: Effect.Effect<number, "boom">
 *
 * const tryIt = (tasks: TaskSupervisor.TaskSupervisor) =>
 *   Effect.gen(function*() {
 *     const task = yield* TaskSupervisor.asyncNolink(tasks, risky)
 *     const result = yield* Task.yield(task, "1 second")
 *     if (Option.isNone(result)) return yield* Task.shutdown(task)
 *     return result // Some(Exit.fail("boom")) if it failed: the caller is still alive
 *   })
 * ```
 *
 * @since 0.1.0
 * @category tasks
 */
export const asyncNolink: StartTask = dual((args) => GenServer.isServer(args[0]), engine.asyncWith(false))

/**
 * Starts a task under the supervisor, fire and forget: linked only to the supervisor, no result
 * (Elixir's `Task.Supervisor.start_child`). The caller need not be a process.
 *
 * **Details**
 *
 * `restart` defaults to `"temporary"`; with `"transient"` or `"permanent"` the supervisor runs the
 * effect again in a new process after a crash (subject to its intensity).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TaskSupervisor } from "effect-otp"
 *
 * declare const sendEmail: (to: string) => Effect.Effect<void, Error>
 *
 * const notify = (tasks: TaskSupervisor.TaskSupervisor) =>
 *   TaskSupervisor.startChild(tasks, sendEmail("ops@example.com"), { restart: "transient" })
 * ```
 *
 * @since 0.1.0
 * @category tasks
 */
export const startChild: {
  <A, E, R>(
    effect: Effect.Effect<A, E, R>,
    options?: StartChildOptions
  ): (
    self: TaskSupervisor
  ) => Effect.Effect<Pid.Pid<Process.MessagesOf<R>>, StartTaskError, Exclude<R, Process.Provided>>
  <A, E, R>(
    supervisor: TaskSupervisor,
    effect: Effect.Effect<A, E, R>,
    options?: StartChildOptions
  ): Effect.Effect<Pid.Pid<Process.MessagesOf<R>>, StartTaskError, Exclude<R, Process.Provided>>
} = dual(
  (args) => GenServer.isServer(args[0]),
  <A, E, R>(
    supervisor: TaskSupervisor,
    effect: Effect.Effect<A, E, R>,
    options?: StartChildOptions
  ): Effect.Effect<Pid.Pid<Process.MessagesOf<R>>, StartTaskError, Exclude<R, Process.Provided>> =>
    Effect.flatMap(Effect.context<Exclude<R, Process.Provided>>(), (context) =>
      DynamicSupervisor.startChild(supervisor, {
        id: "Task",
        start: Process.spawnLink(Effect.provideContext(effect, internal.callerContext(context))) as Effect.Effect<
          Pid.Pid<never, unknown>,
          never,
          Node | Process.Self<unknown>
        >,
        restart: options?.restart ?? "temporary",
        shutdown: options?.shutdown
      })
    ) as never
)

/**
 * Runs `f` on each element of `input` in its own supervised task, linked to the caller (Elixir's
 * `Task.Supervisor.async_stream`): as `Task.asyncStream`, with the tasks under the supervisor. The
 * stream fails with `MaxChildren` if the supervisor refuses a task: keep `maxConcurrency` at or
 * below its `maxChildren`, counting the other tasks it runs.
 *
 * @since 0.1.0
 * @category tasks
 */
export const asyncStream: StartStream = engine.streamWith(true) as never

/**
 * Runs `f` on each element of `input` in its own supervised task, **not linked** to the caller
 * (Elixir's `Task.Supervisor.async_stream_nolink`): a failed task becomes an `Exit.fail` element
 * and the stream goes on. The tasks still running when the stream stops are killed.
 *
 * @example
 * ```ts
 * import { Effect, Exit, Stream } from "effect"
 * import { TaskSupervisor } from "effect-otp"
 *
 * declare const check: (host: string) => Effect.Effect<"up", Error>
 *
 * const firstThreeUp = (tasks: TaskSupervisor.TaskSupervisor, hosts: ReadonlyArray<string>) =>
 *   TaskSupervisor.asyncStreamNolink(tasks, hosts, check, { ordered: false, onTimeout: "killTask" }).pipe(
 *     Stream.filter(Exit.isSuccess),
 *     Stream.take(3),
 *     Stream.runCollect // the remaining checks are killed
 *   )
 * ```
 *
 * @since 0.1.0
 * @category tasks
 */
export const asyncStreamNolink: StartStream = engine.streamWith(false) as never

// ---------------------------------------------------------------------------------------------
// Children
// ---------------------------------------------------------------------------------------------

/**
 * The pids of the tasks alive under the supervisor.
 *
 * @since 0.1.0
 * @category children
 */
export const children = (
  supervisor: TaskSupervisor
): Effect.Effect<ReadonlyArray<Pid.Pid<never, unknown>>, GenServer.CallError> =>
  Effect.map(DynamicSupervisor.whichChildren(supervisor), (children) => children.map((child) => child.pid))

/**
 * Stops a task (within its shutdown budget). `NotAChild` if the pid is not one of its tasks.
 *
 * @since 0.1.0
 * @category children
 */
export const terminateChild: {
  (
    pid: Pid.Pid<never, unknown>
  ): (self: TaskSupervisor) => Effect.Effect<void, DynamicSupervisor.NotAChild | GenServer.CallError>
  (
    supervisor: TaskSupervisor,
    pid: Pid.Pid<never, unknown>
  ): Effect.Effect<void, DynamicSupervisor.NotAChild | GenServer.CallError>
} = DynamicSupervisor.terminateChild
