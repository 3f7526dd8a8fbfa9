/**
 * Threaded GenServers: a GenServer whose state and handlers live in a worker thread.
 *
 * A green GenServer's handlers run on the node's one JavaScript thread: a handler that computes
 * for 200 ms stalls every process for 200 ms. A threaded GenServer keeps its state in a dedicated
 * worker thread and runs its handlers there, while the server itself is an ordinary process of
 * the node: it has a pid, it links, is monitored, supervised and registered by name, and it is
 * called with the same typed `GenServer.call` / `GenServer.cast` as a green one. Requests, replies
 * and declared errors cross the thread as Schema-checked data.
 *
 * ## Example
 *
 * ```ts
 * // counter.ts: the definition, imported by both sides
 * import { Schema } from "effect"
 * import { Request } from "effect-otp"
 * import * as ThreadedGenServer from "@effect-otp/platform-node/ThreadedGenServer"
 *
 * export class Increment extends Request.Class<Increment>()("Increment", {
 *   fields: { by: Schema.Int },
 *   success: Schema.Int
 * }) {}
 * export class TooLow extends Schema.TaggedError<TooLow>()("TooLow", { count: Schema.Int }) {}
 * export class Decrement extends Request.Class<Decrement>()("Decrement", {
 *   success: Schema.Int,
 *   failure: TooLow
 * }) {}
 * export class Reset extends Request.Class<Reset>()("Reset", {}) {} // a cast: no reply
 *
 * export const Counter = ThreadedGenServer.define({
 *   protocol: [Increment, Decrement],
 *   casts: [Reset],
 *   args: Schema.Int // the start argument
 * })
 * ```
 *
 * ```ts
 * // counter-worker.ts: the state and the handlers, in the thread
 * import { Effect } from "effect"
 * import * as ThreadedGenServer from "@effect-otp/platform-node/ThreadedGenServer"
 * import { Counter, TooLow } from "./counter.ts"
 *
 * ThreadedGenServer.serve(Counter, {
 *   init: (start) => Effect.succeed(start),
 *   handleCall: {
 *     Increment: ({ by }, count) => Effect.succeed(ThreadedGenServer.reply(count + by, count + by)),
 *     Decrement: (_, count) =>
 *       Effect.succeed(
 *         count > 0
 *           ? ThreadedGenServer.reply(count - 1, count - 1)
 *           : ThreadedGenServer.replyError(new TooLow({ count }), count)
 *       )
 *   },
 *   handleCast: {
 *     Reset: (_, _count) => Effect.succeed(ThreadedGenServer.noreply(0))
 *   }
 * }).pipe(ThreadedGenServer.runWorker)
 * ```
 *
 * ```ts
 * // main.ts
 * import { Effect } from "effect"
 * import { GenServer, Node } from "effect-otp"
 * import { ThreadedGenServer } from "@effect-otp/platform-node"
 * import { Counter, Decrement, Increment, Reset } from "./counter.ts"
 *
 * const program = Effect.gen(function*() {
 *   const counter = yield* ThreadedGenServer.start(Counter, 10, {
 *     worker: new URL("./counter-worker.ts", import.meta.url),
 *     name: "counter"
 *   })
 *   yield* GenServer.call(counter, new Increment({ by: 2 })) // 12: number
 *   yield* GenServer.cast(counter, new Reset())
 *   return yield* GenServer.call(counter, new Decrement()).pipe(
 *     Effect.catchTag("TooLow", () => Effect.succeed(-1)) // the declared error: -1
 *   )
 * })
 *
 * Effect.runPromise(program.pipe(Effect.provide(Node.layer())))
 * ```
 *
 * ## API
 *
 * | function | side | what it does |
 * |---|---|---|
 * | {@link define} | both | the calls, the casts and the Schema of the start argument |
 * | {@link start} / {@link startLink} / {@link childSpec} | main | starts the server process and its thread; returns a `GenServer.Server` |
 * | {@link named} | main | a typed reference by registered name, looked up at every call |
 * | `GenServer.call` / `GenServer.cast` / `GenServer.stop` | main | exactly as for a green server |
 * | {@link crashOf} | main | the `WorkerCrashed` behind an exit reason or a `ServerExited` |
 * | {@link serve} + {@link runWorker} | worker | `init(args)` builds the state; one handler per call and per cast |
 * | {@link reply} / {@link replyError} / {@link noreply} | worker | what the handlers return |
 *
 * ## Semantics
 *
 * - **One message at a time**, as a GenServer's mailbox: the server process takes a call or cast,
 *   forwards it to its thread and waits for the handler to finish before taking the next. Calls
 *   and casts from one caller are handled in the order they were sent.
 * - **Casts** are requests without a reply (declare them as `Request.Class`es with no `success`):
 *   `GenServer.cast` returns at once; the server still runs them in order with the calls.
 * - **The state lives in the thread.** `init` builds it from the start argument, which travels in
 *   the thread's `workerData`, encoded with the `args` Schema. It is lost with the thread, as a
 *   green GenServer's state is lost when it crashes: the supervisor starts a new server, on a new
 *   thread, from the start argument again.
 * - **The thread belongs to the process.** It starts in the server's `init` (so `start` returns
 *   once the thread serves, a few hundred milliseconds) and is closed when the process exits, for
 *   any reason: when `Process.awaitExit` returns or a `Down` arrives, the thread has exited.
 * - Call timeouts are the caller's, as for any GenServer: 5 seconds by default (pass `{ timeout }`
 *   to `GenServer.call` for longer jobs). The handler in the thread runs on, and its late reply
 *   is dropped.
 * - `GenServer.getState` shows the server process's view, `{ threadId, session }`, not the state
 *   in the thread. Other messages sent to the pid (not calls or casts) are logged and dropped.
 * - The worker side has no `handleInfo`, `handleContinue`, `terminate` or deferred replies: a
 *   thread gets only the calls and casts of its definition. To stop the server, stop the process
 *   (`GenServer.stop`, its supervisor).
 *
 * ## What each failure does
 *
 * | what happened | the caller of the running call gets | the server |
 * |---|---|---|
 * | the handler answered `replyError(e, state)` | `e`, one of the request's declared errors (`catchTag` it) | carries on |
 * | the thread died: uncaught exception, `process.exit`, out of memory | `ServerExited` whose reason is `Failure(WorkerCrashed)` ({@link crashOf} finds it) | exits with `Failure(WorkerCrashed)`; its supervisor restarts it on a fresh thread |
 * | the handler threw, died or failed (a bug of the server) | `ServerExited` with `Failure(HandlerDefect)` | exits with that reason, as a green GenServer whose handler crashed; the thread is closed |
 * | the handler returned a reply that does not fit its Schema | `ServerExited` with `Failure(InvalidReply)` naming the field | exits with that reason |
 * | the request did not encode here or decode there (the two sides disagree on the protocol) | a defect: `InvalidRequest`, naming the field | unaffected |
 * | the caller's timeout passed | `CallTimeout` | unaffected: finishes the handler, the reply is dropped |
 * | the thread did not start (its module threw, `init` failed, a bad start argument) | - (`start` fails with `WorkerSpawnFailed`, or `InvalidRequest` for a start argument that does not encode) | never started: `start` returns once its process has exited, its name free, as `GenServer.start` |
 *
 * - A thread that dies while the server is idle stops the server at once (a watcher on the thread
 *   tells it), so monitors and links learn of a crash even when nobody calls.
 * - The calls waiting in the mailbox when the server exits fail with `ServerExited` carrying the
 *   same reason, as for any GenServer that exits.
 * - A cast's failures do the same to the server, with no caller to tell; a cast that does not
 *   cross the thread boundary is logged at error level and dropped.
 * - Why `ServerExited` and not `WorkerCrashed` itself: a call's error type is
 *   `DeclaredError | GenServer.CallError`, the same for green and threaded servers, and the thread
 *   crash is the server's exit reason. Recover it with {@link crashOf}, or match the reason.
 *
 * ## How to supervise
 *
 * ```ts
 * import { Supervisor } from "effect-otp"
 * import { ThreadedGenServer } from "@effect-otp/platform-node"
 * import { Counter } from "./counter.ts"
 *
 * const tree = Supervisor.start({
 *   strategy: "oneForOne",
 *   children: [
 *     ThreadedGenServer.childSpec("counter", Counter, 0, {
 *       worker: new URL("./counter-worker.ts", import.meta.url),
 *       name: "counter"
 *     })
 *   ]
 * })
 * ```
 *
 * A restart starts a new thread: budget a few hundred milliseconds per restart, and remember that
 * the supervisor's restart intensity counts crashes of the thread like any other.
 *
 * ## Threads or green processes?
 *
 * - Green (`GenServer`) for everything that waits (I/O, timers, other processes): a call costs a
 *   few microseconds, a start about a microsecond.
 * - Threaded for a server whose handlers compute for more than about a millisecond per message,
 *   or that holds a large CPU-bound structure (a model, an index, a simulation): the rest of the
 *   node keeps running while it computes. A call costs a green call plus a `WorkerPool` call (the
 *   Schema encoding and a message each way): about 0.3 ms where a green call takes about 6 µs on
 *   a busy 2-core machine (`threadedCall` and `greenCall` in `bench/cpu-parallel.ts`). A start
 *   costs a few hundred milliseconds, and each thread holds its own copy of the modules it imports.
 * - For stateless CPU-bound jobs, a `WorkerPool` spreads the calls over many threads; a threaded
 *   GenServer is one thread, serialised like any GenServer.
 *
 * ## Gotchas
 *
 * - A worker module should import `@effect-otp/platform-node/ThreadedGenServer`, not the package
 *   index, which loads every module of the package in every thread.
 * - Requests, replies, declared errors and the start argument must round-trip through
 *   `Schema.toCodecJson`; pids, functions and shared objects cannot cross.
 * - A handler that never returns (an endless loop) holds the server forever: calls time out, and
 *   a shutdown waits `shutdownTimeout` (default 5 seconds) before it terminates the thread.
 *
 * ## Debugging
 *
 * - A crash is logged with a crash report that names the thread, the request that was running
 *   and what happened (`worker 0 (thread 4) crashed during "Crash": uncaught exception: ...`).
 * - `GenServer.getState(server)` gives `{ threadId, session }`: the thread's id, and the session
 *   for `WorkerPool.threadIds`. `Process.info` shows the server's mailbox as for any process.
 * - Tracing: a call from a caller with a span runs in the green server in a child span named after
 *   the request's tag (as any GenServer call), and in the thread in a child span of that one (as a
 *   `WorkerPool` request): caller → server → worker, one trace.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import type { ChildSpec, ExitReason, GenServer, Node, Process, Request } from "effect-otp"
import type { Worker } from "node:worker_threads"
import * as definitionInternal from "./internal/threadedDefinition.ts"
import * as internal from "./internal/threadedServer.ts"
import * as worker from "./internal/threadedWorker.ts"
import * as WorkerPool from "./WorkerPool.ts"
import type { RequestClass } from "./internal/threadedDefinition.ts"

// ---------------------------------------------------------------------------------------------
// Definition
// ---------------------------------------------------------------------------------------------

export type {
  /**
   * A request class, as made by `Request.Class`.
   *
   * @since 0.1.0
   * @category models
   */
  RequestClass
}

declare const DefinitionTypeId: unique symbol

/**
 * A threaded GenServer's definition: its calls `Req`, its casts `Cast` and its start argument
 * `Args`. Made by {@link define}, imported by both the main thread and the worker module, so that
 * both agree on the protocol at compile time.
 *
 * @since 0.1.0
 * @category models
 */
export interface Definition<in out Req extends Request.Any, in out Cast extends Request.Any, in out Args> {
  readonly [DefinitionTypeId]?: {
    readonly _Req: (_: Req) => Req
    readonly _Cast: (_: Cast) => Cast
    readonly _Args: (_: Args) => Args
  }
  /** The call requests, each with its reply and declared errors. */
  readonly protocol: ReadonlyArray<RequestClass>
  /** The cast messages (requests without a reply). */
  readonly casts: ReadonlyArray<RequestClass>
  /** The Schema of the start argument. */
  readonly args: Schema.Top
}

/**
 * Any definition.
 *
 * @since 0.1.0
 * @category models
 */
export interface AnyDefinition {
  readonly protocol: ReadonlyArray<RequestClass>
  readonly casts: ReadonlyArray<RequestClass>
  readonly args: Schema.Top
}

/**
 * The calls of a definition.
 *
 * @since 0.1.0
 * @category type-level
 */
export type RequestsOf<D> = D extends Definition<infer Req, infer _Cast, infer _Args> ? Req : never

/**
 * The casts of a definition.
 *
 * @since 0.1.0
 * @category type-level
 */
export type CastsOf<D> = D extends Definition<infer _Req, infer Cast, infer _Args> ? Cast : never

/**
 * The start argument of a definition.
 *
 * @since 0.1.0
 * @category type-level
 */
export type ArgsOf<D> = D extends Definition<infer _Req, infer _Cast, infer Args> ? Args : never

/**
 * Defines a threaded GenServer: the requests it answers (`protocol`), the casts it takes
 * (`casts`, requests without a reply), and the Schema of its start argument (`args`, default
 * `Schema.Void`).
 *
 * **Details**
 *
 * Throws a `TypeError` when two requests or casts share a tag.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Request } from "effect-otp"
 * import * as ThreadedGenServer from "@effect-otp/platform-node/ThreadedGenServer"
 *
 * class Get extends Request.Class<Get>()("Get", { success: Schema.Int }) {}
 * class Reset extends Request.Class<Reset>()("Reset", {}) {}
 *
 * export const Counter = ThreadedGenServer.define({ protocol: [Get], casts: [Reset], args: Schema.Int })
 * //           ^? Definition<Get, Reset, number>
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const define: <
  const P extends ReadonlyArray<RequestClass>,
  const C extends ReadonlyArray<RequestClass> = readonly [],
  Args = void
>(options: {
  readonly protocol: P
  readonly casts?: C | undefined
  readonly args?: Schema.Codec<Args, any> | undefined
}) => Definition<InstanceType<P[number]>, InstanceType<C[number]>, Args> = definitionInternal.define as never

// ---------------------------------------------------------------------------------------------
// Main side
// ---------------------------------------------------------------------------------------------

/**
 * Where the thread comes from: the URL (or path) of the worker module, or a function that creates
 * the `Worker` (to pass `resourceLimits`, `env`, `execArgv`, ...). The function must pass the
 * `workerData` it is given on to the `Worker`: it carries the start argument.
 *
 * @since 0.1.0
 * @category models
 */
export type WorkerSource = URL | string | ((workerData: unknown) => Worker)

/**
 * Start options: the `GenServer.StartOptions` (`name`, `timeout` for the whole start including the
 * thread's, `mailbox`, `trapExit`), plus:
 *
 * - `worker` (required): the worker module, which calls {@link serve} with the same definition;
 * - `startTimeout`: how long the thread may take to start serving, default 30 seconds (a cold
 *   thread loads every module its worker module imports);
 * - `shutdownTimeout`: how long the thread may take to close when the server exits before it is
 *   terminated, default 5 seconds (it matters only when a handler is still running).
 *
 * @since 0.1.0
 * @category models
 */
export interface StartOptions extends GenServer.StartOptions {
  readonly worker: WorkerSource
  readonly startTimeout?: Duration.Input | undefined
  readonly shutdownTimeout?: Duration.Input | undefined
}

/**
 * What a start can fail with: those of a green GenServer, `WorkerSpawnFailed` when the thread
 * did not start (its module threw, its `init` failed, it did not serve in time), and
 * `InvalidRequest` when the start argument does not encode with its Schema.
 *
 * @since 0.1.0
 * @category errors
 */
export type StartError = GenServer.StartError | WorkerPool.WorkerSpawnFailed | WorkerPool.InvalidRequest

/**
 * Starts a threaded server (not linked to the caller) and waits until its thread serves.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { GenServer } from "effect-otp"
 * import { ThreadedGenServer } from "@effect-otp/platform-node"
 * import { Counter, Increment } from "./counter.ts"
 *
 * const program = Effect.gen(function*() {
 *   const counter = yield* ThreadedGenServer.start(Counter, 0, {
 *     worker: new URL("./counter-worker.ts", import.meta.url)
 *   })
 *   return yield* GenServer.call(counter, new Increment({ by: 1 })) // 1
 * })
 * ```
 *
 * @since 0.1.0
 * @category start
 */
export const start: <Req extends Request.Any, Cast extends Request.Any, Args>(
  definition: Definition<Req, Cast, Args>,
  args: NoInfer<Args>,
  options: StartOptions
) => Effect.Effect<GenServer.Server<Req, Cast>, StartError, Node.Node> = internal.start as never

/**
 * Starts a threaded server linked to the calling process (the way a supervisor starts its
 * children) and waits until its thread serves.
 *
 * @since 0.1.0
 * @category start
 */
export const startLink: <Req extends Request.Any, Cast extends Request.Any, Args>(
  definition: Definition<Req, Cast, Args>,
  args: NoInfer<Args>,
  options: StartOptions
) => Effect.Effect<GenServer.Server<Req, Cast>, StartError, Node.Node | Process.Self<unknown>> =
  internal.startLink as never

/**
 * A child spec that starts a threaded server under a supervisor (linked, with these start
 * options). `restart`, `shutdown` and `significant` may be given beside the start options.
 *
 * @example
 * ```ts
 * import { Supervisor } from "effect-otp"
 * import { ThreadedGenServer } from "@effect-otp/platform-node"
 * import { Counter } from "./counter.ts"
 *
 * const tree = Supervisor.start({
 *   children: [
 *     ThreadedGenServer.childSpec("counter", Counter, 0, {
 *       worker: new URL("./counter-worker.ts", import.meta.url),
 *       name: "counter"
 *     })
 *   ]
 * })
 * ```
 *
 * @since 0.1.0
 * @category supervision
 */
export const childSpec: <Req extends Request.Any, Cast extends Request.Any, Args>(
  id: string,
  definition: Definition<Req, Cast, Args>,
  args: NoInfer<Args>,
  options: StartOptions & Omit<ChildSpec.ChildSpec, "id" | "start" | "type">
) => ChildSpec.ChildSpec<StartError, Node.Node | Process.Self<unknown>> = internal.childSpec as never

/**
 * A typed reference to the threaded server registered as `name` (a local name, or
 * `Registry.via(...)`) on the current node, looked up at every call: it follows a server that a
 * supervisor restarts under the same name.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { GenServer } from "effect-otp"
 * import { ThreadedGenServer } from "@effect-otp/platform-node"
 * import { Counter, Increment } from "./counter.ts"
 *
 * const bump = Effect.gen(function*() {
 *   const counter = yield* ThreadedGenServer.named(Counter, "counter")
 *   return yield* GenServer.call(counter, new Increment({ by: 1 }))
 * })
 * ```
 *
 * @since 0.1.0
 * @category references
 */
export const named: <Req extends Request.Any, Cast extends Request.Any, Args>(
  definition: Definition<Req, Cast, Args>,
  name: NonNullable<GenServer.StartOptions["name"]>
) => Effect.Effect<GenServer.Server<Req, Cast>, never, Node.Node> = (_definition, name) => internal.named(name)

/**
 * The thread crash behind an exit reason (a `Failure` whose cause holds a `WorkerCrashed`), or
 * behind the `ServerExited` error of a call that was running or waiting when the thread died.
 *
 * @example
 * ```ts
 * import { Effect, Option } from "effect"
 * import { GenServer } from "effect-otp"
 * import { ThreadedGenServer } from "@effect-otp/platform-node"
 * import { Increment } from "./counter.ts"
 *
 * declare const counter: GenServer.Server<Increment>
 *
 * const call = GenServer.call(counter, new Increment({ by: 1 })).pipe(
 *   Effect.catchTag("ServerExited", (error) =>
 *     Option.match(ThreadedGenServer.crashOf(error), {
 *       onNone: () => Effect.fail(error),
 *       onSome: (crash) => Effect.logError(`the counter's thread died: ${crash.detail}`).pipe(Effect.as(-1))
 *     })
 *   )
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export const crashOf: (
  reasonOrError: GenServer.ServerExited | ExitReason.ExitReason
) => Option.Option<WorkerPool.WorkerCrashed> = internal.crashOf

// ---------------------------------------------------------------------------------------------
// Worker side
// ---------------------------------------------------------------------------------------------

/**
 * Reply `value` to the call and carry on with `state`.
 *
 * @since 0.1.0
 * @category results
 */
export interface Reply<A, S> {
  readonly _tag: "Reply"
  readonly value: A
  readonly state: S
}

/**
 * Answer the call with one of its declared errors and carry on with `state`.
 *
 * @since 0.1.0
 * @category results
 */
export interface ReplyError<E, S> {
  readonly _tag: "ReplyError"
  readonly error: E
  readonly state: S
}

/**
 * Carry on with `state`: what a cast handler returns.
 *
 * @since 0.1.0
 * @category results
 */
export interface NoReply<S> {
  readonly _tag: "NoReply"
  readonly state: S
}

/**
 * Reply `value` to the call and carry on with `state`.
 *
 * @since 0.1.0
 * @category results
 */
export const reply: <A, S>(value: A, state: S) => Reply<A, S> = worker.reply

/**
 * Answer the call with one of the errors its request declares, and carry on with `state`.
 *
 * @since 0.1.0
 * @category results
 */
export const replyError: <E, S>(error: E, state: S) => ReplyError<E, S> = worker.replyError

/**
 * Carry on with `state` (a cast handler's result).
 *
 * @since 0.1.0
 * @category results
 */
export const noreply: <S>(state: S) => NoReply<S> = worker.noreply

/**
 * One handler per call of the definition: it gets the request and the state, and returns
 * {@link reply} or {@link replyError} with the next state. A failure or defect of the handler
 * crashes the server, as in a green GenServer.
 *
 * @since 0.1.0
 * @category models
 */
export type CallHandlers<Req extends Request.Any, S, R> = {
  readonly [T in Req["_tag"]]: (
    request: Extract<Req, { readonly _tag: T }>,
    state: S
  ) => Effect.Effect<
    | Reply<Request.Success<Extract<Req, { readonly _tag: T }>>, S>
    | ReplyError<Request.Failure<Extract<Req, { readonly _tag: T }>>, S>,
    unknown,
    R
  >
}

/**
 * One handler per cast of the definition: it gets the message and the state, and returns
 * {@link noreply} with the next state.
 *
 * @since 0.1.0
 * @category models
 */
export type CastHandlers<Cast extends Request.Any, S, R> = {
  readonly [T in Cast["_tag"]]: (
    message: Extract<Cast, { readonly _tag: T }>,
    state: S
  ) => Effect.Effect<NoReply<S>, unknown, R>
}

/**
 * The worker side's callbacks: `init` from the start argument, a handler per call, and a handler
 * per cast (required when the definition has casts).
 *
 * @since 0.1.0
 * @category models
 */
export interface ServeOptions<Req extends Request.Any, Cast extends Request.Any, Args, S, E, R> {
  /** Builds the state from the start argument, once, when the thread starts. */
  readonly init: (args: Args) => Effect.Effect<S, E, R>
  /** One handler per call. */
  readonly handleCall: CallHandlers<Req, NoInfer<S>, NoInfer<R>>
  /** One handler per cast: required when the definition has casts. */
  readonly handleCast?: CastHandlers<Cast, NoInfer<S>, NoInfer<R>> | undefined
}

/** `handleCast` is required when the definition has casts. */
/**
 * `serve`'s options require `handleCast` exactly when the definition declares casts.
 *
 * @since 0.2.0
 * @category type-level
 */
export type CastsRequired<Cast> = [Cast] extends [never] ? unknown : { readonly handleCast: unknown }

/**
 * The worker side: builds the state with `init` from the start argument, then serves the
 * definition's calls and casts, one at a time, until the server closes the thread. Run it with
 * {@link runWorker} as the worker module's main program.
 *
 * **Details**
 *
 * - `init` runs once, before the thread serves; if it fails, the server's start fails with
 *   `WorkerSpawnFailed` naming the error.
 * - Each handler gets the state the previous one returned. Requests are decoded with their Schema
 *   before the handler runs; replies and declared errors are encoded after.
 * - A handler that fails, throws or dies crashes the server (the state is lost with it), as in
 *   a green GenServer.
 * - Dies when it is not running in a thread started by {@link start}, or when a call or cast has
 *   no handler.
 *
 * **Gotchas**
 *
 * Annotate the parameter of `init` (`(start: number) => ...`) for precise compile errors: without
 * it, TypeScript infers the state from `init` only when the whole object is right, so a mistake
 * elsewhere (a missing handler) shows up as a state of type `unknown` in every handler.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as ThreadedGenServer from "@effect-otp/platform-node/ThreadedGenServer"
 * import { Counter } from "./counter.ts"
 *
 * ThreadedGenServer.serve(Counter, {
 *   init: (start) => Effect.succeed(start),
 *   handleCall: {
 *     Increment: ({ by }, count) => Effect.succeed(ThreadedGenServer.reply(count + by, count + by)),
 *     Decrement: (_, count) => Effect.succeed(ThreadedGenServer.reply(count - 1, count - 1))
 *   },
 *   handleCast: { Reset: () => Effect.succeed(ThreadedGenServer.noreply(0)) }
 * }).pipe(ThreadedGenServer.runWorker)
 * ```
 *
 * @since 0.1.0
 * @category worker
 */
export const serve: <D extends AnyDefinition, S, E = never, R = never>(
  definition: D,
  options: ServeOptions<RequestsOf<D>, CastsOf<D>, ArgsOf<D>, S, E, R> & CastsRequired<CastsOf<D>>
) => Effect.Effect<never, E, R> = worker.serve as never

/**
 * Runs {@link serve} as the worker thread's main program (the same as `WorkerPool.runWorker`).
 *
 * @since 0.1.0
 * @category worker
 */
export const runWorker: <E>(effect: Effect.Effect<never, E>) => void = WorkerPool.runWorker
