/**
 * Worker pools: CPU parallelism on worker threads, with typed, Schema-checked calls.
 *
 * Processes (fibers) share one JavaScript thread, and nothing can pre-empt a synchronous loop: a
 * `fib(40)` in a GenServer stalls every process of the node until it returns. A `WorkerPool` runs
 * such jobs on worker threads instead. Its protocol is the one GenServers use: `Request.Class`
 * requests that declare their reply and errors as Schemas, so a call is typed end to end, and its
 * values cross the thread boundary as checked, encoded data.
 *
 * ## Example
 *
 * ```ts
 * // fib.ts: the protocol, imported by both sides
 * import { Schema } from "effect"
 * import { Request } from "effect-otp"
 *
 * export class Fib extends Request.Class<Fib>()("Fib", {
 *   fields: { n: Schema.Int },
 *   success: Schema.Number
 * }) {}
 * export class TooBig extends Schema.TaggedError<TooBig>()("TooBig", { n: Schema.Int }) {}
 * export class SafeFib extends Request.Class<SafeFib>()("SafeFib", {
 *   fields: { n: Schema.Int },
 *   success: Schema.Number,
 *   failure: TooBig
 * }) {}
 * export const protocol = [Fib, SafeFib] as const
 * ```
 *
 * ```ts
 * // fib-worker.ts: the worker module, one handler per request
 * import { Effect } from "effect"
 * import * as WorkerPool from "@effect-otp/platform-node/WorkerPool" // not the package index: see Gotchas
 * import { protocol, TooBig } from "./fib.ts"
 *
 * const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2))
 *
 * WorkerPool.serve({
 *   protocol,
 *   handlers: {
 *     Fib: ({ n }) => Effect.sync(() => fib(n)),
 *     SafeFib: ({ n }) => (n > 40 ? Effect.fail(new TooBig({ n })) : Effect.sync(() => fib(n)))
 *   }
 * }).pipe(WorkerPool.runWorker)
 * ```
 *
 * ```ts
 * // main.ts
 * import { Context, Effect } from "effect"
 * import { WorkerPool } from "@effect-otp/platform-node"
 * import { Fib, protocol, SafeFib } from "./fib.ts"
 *
 * class FibPool extends Context.Service<FibPool, WorkerPool.WorkerPool<Fib | SafeFib>>()("app/FibPool") {}
 *
 * const FibPoolLive = WorkerPool.layer(FibPool, {
 *   protocol,
 *   worker: new URL("./fib-worker.ts", import.meta.url)
 *   // size: one thread per core; concurrency: 1 call per thread
 * })
 *
 * const program = Effect.gen(function*() {
 *   const pool = yield* FibPool
 *   const one = yield* WorkerPool.run(pool, new Fib({ n: 30 }))                   // number
 *   const all = yield* WorkerPool.map(pool, [30, 31, 32], (n) => new Fib({ n }))  // number[], in order
 *   const safe = yield* WorkerPool.run(pool, new SafeFib({ n: 50 })).pipe(
 *     Effect.catchTag("TooBig", () => Effect.succeed(-1))                        // the declared error
 *   )
 *   return [one, all, safe]
 * })
 *
 * Effect.runPromise(program.pipe(Effect.provide(FibPoolLive)))
 * ```
 *
 * ## API
 *
 * | function | side | what it does |
 * |---|---|---|
 * | {@link make} / {@link layer} | main | starts `size` threads running `worker`; closing the scope stops them all |
 * | {@link run} | main | one call on the least busy thread: `Effect<Reply, DeclaredError \| WorkerError>` |
 * | {@link map} | main | a call per item, `maxConcurrency` at a time; results in input order, or as they finish |
 * | {@link asyncStream} | main | `Task.asyncStream` on the pool: a lazy, back-pressured stream of one `Exit` per item |
 * | {@link session} | main | ONE dedicated thread whose state lives between calls (see "Sessions") |
 * | {@link awaitExit} | main | how a session's thread ended, as an `Exit` |
 * | {@link threadIds} | main | the `threadId`s of the live threads |
 * | {@link serve} + {@link runWorker} | worker | serves the protocol: an optional per-thread `init`, one handler per request |
 *
 * Calls are balanced: each goes to the thread with the fewest calls in flight, and calls wait in
 * FIFO order while every thread has `concurrency` of them. `concurrency` is 1 by default, right for
 * CPU-bound handlers (a thread runs one synchronous job at a time anyway); raise it for handlers
 * that mostly wait.
 *
 * ## What each failure returns
 *
 * | what happened | the call fails with | the thread |
 * |---|---|---|
 * | the handler failed with an error its request declares | that error, decoded (`catchTag` it) | keeps serving |
 * | the handler threw or died | {@link HandlerDefect}: the defect's name, message and worker stack | keeps serving |
 * | the request does not encode (here) or decode (there) with its Schema | {@link InvalidRequest} naming the field, e.g. `items[2].name` | keeps serving; the handler never ran |
 * | the reply or declared error does not encode (there) or decode (here) | {@link InvalidReply} naming the field | keeps serving |
 * | the thread died mid-call: uncaught exception, `process.exit`, out of memory | {@link WorkerCrashed}: `reason`, `exitCode`, `threadId`, `detail` | replaced at once by a fresh thread |
 * | the call ran past its `timeout` | {@link WorkerTimeout} | terminated (a thread cannot be pre-empted) and replaced |
 * | the scope of the pool closed before or during the call | {@link WorkerPoolClosed} | stopped |
 * | a thread could not start (its module threw, or never called `serve`) | {@link WorkerSpawnFailed} from `make`/`layer`; later, from calls when no thread can start | retried when a call needs it |
 *
 * - Only the calls running on a crashed thread fail: calls on other threads go on, and queued
 *   calls are served by the replacement.
 * - A thread that keeps crashing (more than 5 restarts in 5 seconds) rests until a call needs it,
 *   so a broken worker module cannot spin the CPU.
 * - Nothing hangs: every call ends with a reply or one of the errors above, shutdown included.
 * - Interrupting a call interrupts the handler's fiber in the worker. A synchronous loop cannot
 *   notice that and runs to its end; the pool counts its thread busy until it does. To bound a
 *   CPU-bound call, give it a `timeout`: the pool then terminates the thread.
 *
 * ## Sessions: state that lives in a worker
 *
 * A pool's threads are interchangeable, so its handlers should not keep state between calls. A
 * {@link session} is one dedicated thread: `serve`'s `init` builds the state when the thread
 * starts, and every call of the session sees it. Calls are served one at a time, in order, like a
 * GenServer's mailbox. A session's thread is never replaced: when it dies its state is gone, the
 * running and later calls fail with `WorkerCrashed`, and {@link awaitExit} completes with
 * `Exit.fail(WorkerCrashed)`. A process that owns a session dies with it by running
 * `Effect.flatten(WorkerPool.awaitExit(session))` beside its work, and its supervisor starts it
 * again with a new session: the building block of a "threaded" GenServer. Start arguments go in
 * the `Worker`'s `workerData` (the function form of `worker`) or in a first request.
 *
 * ## Threads or green processes?
 *
 * - Use processes for everything that waits (I/O, timers, messages, coordination): a spawn costs
 *   about a microsecond and they share memory for free.
 * - Use a pool for CPU-bound work of more than a few milliseconds per call (parsing, compression,
 *   image or numeric work). Measured by `bench/cpu-parallel.ts` on an idle 2-core machine: a
 *   round trip costs about 0.2-0.3 ms (Schema both ways, the RPC messages, the scheduling), a
 *   thread takes about 0.4 s to start (it loads its own copy of Effect and of its module's
 *   imports), and 8 jobs of `fib(32)` run 1.75-1.85 times faster on a pool of 2 than on the main
 *   thread (plain `worker_threads`: 1.9). More threads than cores only adds contention.
 * - Values cross as encoded data (Schema, then structured clone): no shared objects, functions or
 *   pids. Send what the job needs, not a handle to it.
 *
 * ## Tracing
 *
 * A request from a caller that has a span carries the span's context (trace id, span id, sampled)
 * to the thread with the encoded request; the worker runs the handler in a child span of it, named
 * after the request's tag (kind `server`, attribute `threadId`), so the worker's spans continue the
 * caller's trace. They are exported by the tracer installed in the worker. A caller without a
 * span sends none, and the worker makes no span.
 *
 * ## Gotchas
 *
 * - A worker module should import `@effect-otp/platform-node/WorkerPool`, not the package index:
 *   every thread loads what its module imports, and the index loads modules a worker never uses.
 * - Module-level state in the worker module is per thread.
 * - Requests, replies and declared errors must round-trip through `Schema.toCodecJson`.
 * - Built on `effect/rpc`'s worker protocol (unstable in Effect 4.1), one RPC client per thread;
 *   the pool, the balancing, the crash handling and the Schema checks are this module's own,
 *   because effect/rpc's pooled worker protocol (4.1.0) does not isolate failures: when one worker
 *   dies, every in-flight call of the client, on every worker, fails with the same anonymous
 *   `RpcClientError`; the dead worker is respawned after a fixed 1 s while calls routed to it wait;
 *   and by default a handler's throw is a defect of every call in flight.
 *
 * @since 0.1.0
 */
import type * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import { dual } from "effect/Function"
import type * as Layer from "effect/Layer"
import type * as Result from "effect/Result"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { Errors, Request, Task } from "effect-otp"
import type * as WorkerThreads from "node:worker_threads"
import type { WorkerCrashed, WorkerError, WorkerSpawnFailed, WorkerTimeout } from "./internal/errors.ts"
import * as internalStream from "./internal/threadedStream.ts"
import * as internal from "./internal/workerPool.ts"
import type { RequestClass, Handlers } from "./internal/workerPool.ts"

export {
  /**
   * The handler threw or died in the worker; only this call fails.
   *
   * @since 0.1.0
   * @category errors
   */
  HandlerDefect,
  /**
   * A reply or declared error did not encode (worker) or decode (caller) with its Schema; names the field.
   *
   * @since 0.1.0
   * @category errors
   */
  InvalidReply,
  /**
   * A request did not encode (caller) or decode (worker) with its Schema; names the field.
   *
   * @since 0.1.0
   * @category errors
   */
  InvalidRequest,
  /**
   * The thread running the call died: `reason` is `uncaughtException`, `outOfMemory`, `exit` or `terminated`.
   *
   * @since 0.1.0
   * @category errors
   */
  WorkerCrashed,
  /**
   * The pool or session was closed before or during the call.
   *
   * @since 0.1.0
   * @category errors
   */
  WorkerPoolClosed,
  /**
   * A worker thread could not be started.
   *
   * @since 0.1.0
   * @category errors
   */
  WorkerSpawnFailed,
  /**
   * A call exceeded its `timeout`; its thread was terminated and replaced.
   *
   * @since 0.1.0
   * @category errors
   */
  WorkerTimeout
} from "./internal/errors.ts"

export type {
  /**
   * Why a worker thread ended.
   *
   * @since 0.1.0
   * @category models
   */
  CrashReason,
  /**
   * Every error a call can fail with besides its declared errors.
   *
   * @since 0.1.0
   * @category errors
   */
  WorkerError
} from "./internal/errors.ts"

declare const TypeId: unique symbol

export type {
  /**
   * A request class: `Request.Class` from `effect-otp`, whose static side carries the Schemas.
   *
   * @since 0.1.0
   * @category models
   */
  RequestClass
}

/**
 * A pool of worker threads serving the requests `Req`. Build one with {@link make} or {@link layer};
 * call it with {@link run} and {@link map}.
 *
 * @since 0.1.0
 * @category models
 */
export interface WorkerPool<in Req extends Request.Any> {
  readonly [TypeId]?: { readonly _Req: (request: Req) => void; readonly _kind: "pool" }
  /** The number of threads. */
  readonly size: number
  /** The number of calls a thread serves at once. */
  readonly concurrency: number
}

/**
 * One dedicated worker thread serving the requests `Req`, one call at a time by default, whose
 * state lives between calls. Build one with {@link session}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Session<in Req extends Request.Any> {
  readonly [TypeId]?: { readonly _Req: (request: Req) => void; readonly _kind: "session" }
  /** The number of calls the thread serves at once. */
  readonly concurrency: number
}

/**
 * What {@link run} and {@link map} accept: a pool or a session.
 *
 * @since 0.1.0
 * @category models
 */
export type Caller<Req extends Request.Any> = WorkerPool<Req> | Session<Req>

/**
 * Where the worker threads come from: the URL (or path) of the worker module, or a function that
 * creates the `Worker` for a slot (to pass `resourceLimits`, `env`, `execArgv`, ...). The module
 * must call {@link serve} with the same protocol.
 *
 * @since 0.1.0
 * @category models
 */
export type WorkerSource = URL | string | ((id: number) => WorkerThreads.Worker)

/**
 * The options of {@link make} and {@link layer}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<P extends ReadonlyArray<RequestClass>> {
  /** The request classes the workers serve. */
  readonly protocol: P
  /** The worker module. */
  readonly worker: WorkerSource
  /** The number of threads. Default: `os.availableParallelism()`, one per core. */
  readonly size?: number | undefined
  /**
   * Calls a thread serves at once. Default 1: a CPU-bound handler holds its thread until it
   * returns, so more would only queue inside the worker instead of in the pool.
   */
  readonly concurrency?: number | undefined
  /**
   * How long a thread may take to start serving before it counts as failed. Default 30 seconds:
   * generous, because a cold start loads every module the worker imports.
   */
  readonly startTimeout?: Duration.Input | undefined
  /**
   * How long a closing thread may take to finish its handlers and exit before it is terminated.
   * Default 5 seconds, as Effect's own worker platform.
   */
  readonly shutdownTimeout?: Duration.Input | undefined
}

/**
 * The options of {@link session}: those of a pool, without `size`.
 *
 * @since 0.1.0
 * @category models
 */
export type SessionOptions<P extends ReadonlyArray<RequestClass>> = Omit<Options<P>, "size">

/**
 * The options of one call.
 *
 * @since 0.1.0
 * @category models
 */
export interface CallOptions {
  /**
   * Fail with `WorkerTimeout` after this long, and terminate (and replace) the thread running the
   * call. Default: no timeout.
   */
  readonly timeout?: Duration.Input | undefined
}

/**
 * `Errors.BadArgument` when `O`, the options given to {@link run} or {@link map}, holds a value that
 * can be invalid (a `timeout`, a `maxConcurrency`); `never` when no such option is given.
 *
 * @since 0.2.0
 * @category models
 */
export type OptionsError<O> =
  | (O extends { readonly timeout: infer T } ? ([T] extends [undefined] ? never : Errors.BadArgument) : never)
  | (O extends { readonly maxConcurrency: infer M } ? ([M] extends [undefined] ? never : Errors.BadArgument) : never)

/**
 * The options of {@link map}.
 *
 * @since 0.1.0
 * @category models
 */
export interface MapOptions extends CallOptions {
  /** Results in the order of the items (default `true`), or in the order the calls finish. */
  readonly ordered?: boolean | undefined
  /** How many calls are in flight at once. Default: the pool's capacity, `size × concurrency`. */
  readonly maxConcurrency?: number | undefined
  /**
   * `"default"`: the first failure fails the whole map and interrupts the calls still running.
   * `"result"`: every item gets a `Result`, and one failing call does not affect the others.
   */
  readonly mode?: "default" | "result" | undefined
}

export type {
  /**
   * One handler per request of the protocol: it gets the decoded request and returns the reply, or
   * fails with an error its request declares.
   *
   * @since 0.1.0
   * @category models
   */
  Handlers
}

/**
 * The result of {@link map} for the options `O`.
 *
 * @since 0.1.0
 * @category models
 */
export type MapResult<R extends Request.Any, O> = O extends { readonly mode: "result" }
  ? Array<Result.Result<Request.Success<R>, Request.Failure<R> | WorkerError>>
  : Array<Request.Success<R>>

/**
 * Starts a pool of worker threads in the current scope and waits until every thread serves.
 * Closing the scope fails the calls in flight with `WorkerPoolClosed`, asks each thread to close,
 * and terminates those still running after `shutdownTimeout`: when the scope has closed, no thread
 * and no fiber of the pool is left.
 *
 * **Errors**: `WorkerSpawnFailed` when a thread cannot be started; `Errors.BadArgument` when `size`
 * or `concurrency` is not a positive integer, before any thread starts.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { WorkerPool } from "@effect-otp/platform-node"
 * import { Fib } from "./fib.ts"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function*() {
 *     const pool = yield* WorkerPool.make({
 *       protocol: [Fib],
 *       worker: new URL("./fib-worker.ts", import.meta.url),
 *       size: 2
 *     })
 *     return yield* WorkerPool.run(pool, new Fib({ n: 30 }))
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: <const P extends ReadonlyArray<RequestClass>>(
  options: Options<P>
) => Effect.Effect<WorkerPool<InstanceType<P[number]>>, WorkerSpawnFailed | Errors.BadArgument, Scope.Scope> =
  internal.make as any

/**
 * A Layer that provides a pool under the service `tag`: {@link make} in the Layer's scope.
 *
 * @example
 * ```ts
 * import { Context } from "effect"
 * import { WorkerPool } from "@effect-otp/platform-node"
 * import { Fib } from "./fib.ts"
 *
 * class FibPool extends Context.Service<FibPool, WorkerPool.WorkerPool<Fib>>()("app/FibPool") {}
 *
 * const FibPoolLive = WorkerPool.layer(FibPool, {
 *   protocol: [Fib],
 *   worker: new URL("./fib-worker.ts", import.meta.url)
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: <Id, Req extends Request.Any, const P extends ReadonlyArray<RequestClass>>(
  tag: Context.Key<Id, WorkerPool<Req>>,
  options: Options<P> & ([Req] extends [InstanceType<P[number]>] ? unknown : { readonly protocol: never })
) => Layer.Layer<Id, WorkerSpawnFailed | Errors.BadArgument> = internal.layer as any

/**
 * Starts one dedicated worker thread in the current scope, for state that lives in the worker
 * between calls (see "Sessions" above). Its calls are served one at a time, in order, unless
 * `concurrency` says otherwise. The thread is not replaced when it dies: see {@link awaitExit}.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { WorkerPool } from "@effect-otp/platform-node"
 * import { Add, Total } from "./totals.ts"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function*() {
 *     const counter = yield* WorkerPool.session({
 *       protocol: [Add, Total],
 *       worker: new URL("./totals-worker.ts", import.meta.url)
 *     })
 *     yield* WorkerPool.run(counter, new Add({ n: 2 }))
 *     return yield* WorkerPool.run(counter, new Total()) // 2: the state stayed in the thread
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const session: <const P extends ReadonlyArray<RequestClass>>(
  options: SessionOptions<P>
) => Effect.Effect<Session<InstanceType<P[number]>>, WorkerSpawnFailed | Errors.BadArgument, Scope.Scope> =
  internal.session as any

/**
 * Waits until a session's thread ends: `Exit.fail(WorkerCrashed)` when it died, `Exit.void` when
 * the session was closed. A process that owns a session dies with it by running
 * `Effect.flatten(WorkerPool.awaitExit(session))` beside its work.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { WorkerPool } from "@effect-otp/platform-node"
 *
 * declare const session: WorkerPool.Session<never>
 *
 * // fails with WorkerCrashed as soon as the session's thread dies
 * const dieWithTheSession = Effect.flatten(WorkerPool.awaitExit(session))
 * ```
 *
 * @since 0.1.0
 * @category getters
 */
export const awaitExit: <Req extends Request.Any>(self: Session<Req>) => Effect.Effect<Exit.Exit<void, WorkerCrashed>> =
  internal.awaitSession as any

/**
 * Sends a request to the least busy thread and returns its reply.
 *
 * **Details**
 *
 * The request is encoded with its Schema here and decoded in the worker; the reply (or declared
 * error) goes the other way. The call waits in FIFO order while every thread is busy. See "What
 * each failure returns" above for the errors.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { WorkerPool } from "@effect-otp/platform-node"
 * import { Fib } from "./fib.ts"
 *
 * declare const pool: WorkerPool.WorkerPool<Fib>
 *
 * const fib30 = WorkerPool.run(pool, new Fib({ n: 30 }), { timeout: "10 seconds" })
 * //    ^? Effect<number, WorkerPool.WorkerError>
 * ```
 *
 * @since 0.1.0
 * @category client
 */
export const run: {
  <R extends Request.Any, const O extends CallOptions = {}>(
    request: R,
    options?: O
  ): (self: Caller<R>) => Effect.Effect<Request.Success<R>, Request.Failure<R> | WorkerError | OptionsError<O>>
  <R extends Request.Any, const O extends CallOptions = {}>(
    self: Caller<R>,
    request: R,
    options?: O
  ): Effect.Effect<Request.Success<R>, Request.Failure<R> | WorkerError | OptionsError<O>>
} = dual(
  (args) => internal.isEngine(args[0]),
  (self: Caller<any>, request: Request.Any, options?: CallOptions) =>
    (self as unknown as internal.Engine).run(request, options)
)

/**
 * Runs a call per item, at most `maxConcurrency` at a time, and collects the replies: in the
 * order of the items (`ordered: true`, the default) or in the order the calls finish.
 *
 * **Details**
 *
 * `f` builds the request for an item (and its index). By default the first failure fails the map
 * and interrupts the calls still running (as `Effect.forEach`); with `mode: "result"` every item
 * gets a `Result` and a failing call does not affect the others (as Elixir's
 * `Task.async_stream`). `timeout` applies to each call.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { WorkerPool } from "@effect-otp/platform-node"
 * import { Fib } from "./fib.ts"
 *
 * declare const pool: WorkerPool.WorkerPool<Fib>
 *
 * const fibs = WorkerPool.map(pool, [30, 31, 32, 33], (n) => new Fib({ n }))
 * //    ^? Effect<Array<number>, WorkerPool.WorkerError>
 * const each = WorkerPool.map(pool, [30, 31], (n) => new Fib({ n }), { mode: "result", timeout: "5 seconds" })
 * //    ^? Effect<Array<Result<number, WorkerPool.WorkerError>>>
 * ```
 *
 * @since 0.1.0
 * @category client
 */
export const map: {
  <A, R extends Request.Any, const O extends MapOptions = {}>(
    items: Iterable<A>,
    f: (item: A, index: number) => R,
    options?: O
  ): (
    self: Caller<R>
  ) => Effect.Effect<
    MapResult<R, O>,
    (O extends { readonly mode: "result" } ? never : Request.Failure<R> | WorkerError) | OptionsError<O>
  >
  <A, R extends Request.Any, const O extends MapOptions = {}>(
    self: Caller<R>,
    items: Iterable<A>,
    f: (item: A, index: number) => R,
    options?: O
  ): Effect.Effect<
    MapResult<R, O>,
    (O extends { readonly mode: "result" } ? never : Request.Failure<R> | WorkerError) | OptionsError<O>
  >
} = dual(
  (args) => internal.isEngine(args[0]),
  (
    self: Caller<any>,
    items: Iterable<unknown>,
    f: (item: unknown, index: number) => Request.Any,
    options?: MapOptions
  ) => (self as unknown as internal.Engine).map(items, f, options)
)

/**
 * The `threadId`s of the pool's (or session's) live threads, in slot order; a thread being
 * replaced is not listed.
 *
 * @since 0.1.0
 * @category getters
 */
export const threadIds = <Req extends Request.Any>(self: Caller<Req>): Effect.Effect<ReadonlyArray<number>> =>
  internal.threadIds(self as unknown as internal.Engine)

/**
 * The worker side: serves the protocol with one handler per request, until the pool closes the
 * thread. Run it with {@link runWorker}.
 *
 * **Details**
 *
 * - `init` (optional) runs once when the thread starts, before it serves: the place to build
 *   per-thread state (a session's) or resources. `handlers` may then be a function of its result.
 * - Each request is decoded with its Schema before its handler runs, and the reply (or the
 *   declared error) encoded after; a value that does not fit fails that call only, naming the
 *   field.
 * - A handler that throws or dies fails its call with `HandlerDefect`; the thread keeps serving.
 *
 * **Gotchas**
 *
 * Import this module as `@effect-otp/platform-node/WorkerPool` in a worker module, not through
 * the package index: every thread loads what its module imports, and the index pulls in modules
 * a worker does not need (a slower start for every thread).
 *
 * @example
 * ```ts
 * import { Effect, Ref } from "effect"
 * import * as WorkerPool from "@effect-otp/platform-node/WorkerPool"
 * import { Add, Total } from "./totals.ts"
 *
 * WorkerPool.serve({
 *   protocol: [Add, Total],
 *   init: Ref.make(0), // once per thread: a session's state
 *   handlers: (total) => ({
 *     Add: ({ n }) => Ref.updateAndGet(total, (t) => t + n),
 *     Total: () => Ref.get(total)
 *   })
 * }).pipe(WorkerPool.runWorker)
 * ```
 *
 * @since 0.1.0
 * @category worker
 */
export const serve: <const P extends ReadonlyArray<RequestClass>, S = void, E = never, R = never>(options: {
  readonly protocol: P
  readonly init?: Effect.Effect<S, E, R> | undefined
  readonly handlers: Handlers<InstanceType<P[number]>, R> | ((state: S) => Handlers<InstanceType<P[number]>, R>)
}) => Effect.Effect<never, E, R> = internal.serve

/**
 * Runs {@link serve} as the worker thread's main program. If it fails (its handlers could not be
 * built, or it is not running in a worker), the error becomes an uncaught exception of the thread,
 * which the pool reports in `WorkerSpawnFailed`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as WorkerPool from "@effect-otp/platform-node/WorkerPool"
 * import { Fib } from "./fib.ts"
 *
 * WorkerPool.serve({ protocol: [Fib], handlers: { Fib: ({ n }) => Effect.succeed(n) } }).pipe(WorkerPool.runWorker)
 * ```
 *
 * @since 0.1.0
 * @category worker
 */
export const runWorker: <E>(effect: Effect.Effect<never, E>) => void = internal.runWorker

// ---------------------------------------------------------------------------------------------
// Streams
// ---------------------------------------------------------------------------------------------

/**
 * The options of {@link asyncStream}: those of `Task.asyncStream`, with the same meanings and
 * defaults, except `maxConcurrency`, whose default is the pool's capacity (`size × concurrency`:
 * the number of cores for a default pool, as `Task.asyncStream`'s).
 *
 * @since 0.1.0
 * @category models
 */
export type StreamOptions = Task.StreamOptions

/**
 * What {@link asyncStream} emits for one item: the call's reply, or its failure (a declared error
 * or a {@link WorkerError}), wrapped in `Task.InputExited` when `zipInputOnExit` is on.
 *
 * @since 0.1.0
 * @category type-level
 */
export type StreamItem<X, R extends Request.Any, O> = Exit.Exit<
  Request.Success<R>,
  Task.Zipped<X, Request.Failure<R> | WorkerError, O>
>

/**
 * What fails an {@link asyncStream}: a call past its timeout, with `onTimeout: "exit"` (the default).
 *
 * @since 0.1.0
 * @category type-level
 */
export type StreamError<O> = ("exit" extends Task.OnTimeoutOf<O> ? WorkerTimeout : never) | Task.StreamOptionsError<O>

/**
 * `Task.asyncStream` on the pool: runs a call per item of `input`, at most `maxConcurrency` at a
 * time, and streams one `Exit` per item, in the order of the items or as the calls finish.
 *
 * **Details**
 *
 * The options mean what they mean for `Task.asyncStream`, and their defaults are the same:
 *
 * - **Back-pressure**: calls start only while the stream is pulled, never more than
 *   `maxConcurrency` at once (default: the pool's capacity), and an item is read from `input` (an
 *   `Iterable`, read lazily, or a `Stream`) only when a slot is free. A finished call frees its
 *   slot at once, even while its result waits for an earlier one (`ordered: true`, the default).
 * - `timeout` (default 5 seconds, `"infinity"` for none) counts from the moment a thread takes
 *   the call; past it, the pool terminates that thread (a thread cannot be pre-empted) and starts
 *   a fresh one. `onTimeout: "exit"` (default) then fails the stream with {@link WorkerTimeout};
 *   `"killTask"` emits `Exit.fail(WorkerTimeout)` for that item and goes on.
 * - Any other failure of a call is emitted as its `Exit`: a declared error, or a
 *   {@link WorkerError} such as `WorkerCrashed`; `zipInputOnExit: true` wraps it in
 *   `Task.InputExited` with the item. `Stream.mapEffect((exit) => exit)` turns the stream into
 *   one of replies that fails at the first failure.
 * - When the stream ends early (the consumer takes only part of it, or fails), the calls still
 *   running are interrupted, which interrupts their handlers in the workers.
 * - Invalid options fail the stream with `Errors.BadArgument` when it runs, as `Task.asyncStream`'s.
 *
 * Differences from `Task.asyncStream`, which runs each item in a process linked to the caller: no
 * process is needed (the stream runs anywhere), and a failing call never crashes the caller, as
 * if it trapped exits (`TaskSupervisor.asyncStreamNolink`'s behaviour).
 *
 * **Gotchas**
 *
 * - The default timeout of 5 seconds terminates the thread of a longer call: give CPU-bound jobs
 *   a `timeout` that fits them, or `"infinity"`.
 * - A `maxConcurrency` above the pool's capacity only queues calls in the pool, where their
 *   timeout has not started yet.
 *
 * @example
 * ```ts
 * import { Effect, Exit, Stream } from "effect"
 * import { WorkerPool } from "@effect-otp/platform-node"
 * import { Fib } from "./fib.ts"
 *
 * declare const pool: WorkerPool.WorkerPool<Fib>
 *
 * // fib(n) for each n, in order, each within 30 seconds; the first failure fails the stream
 * const fibs = WorkerPool.asyncStream(pool, [35, 36, 37, 38], (n) => new Fib({ n }), { timeout: "30 seconds" }).pipe(
 *   Stream.mapEffect((exit) => exit),
 *   Stream.runCollect
 * )
 * // the jobs that finished within a second each, as they finish
 * const quick = WorkerPool.asyncStream(pool, [30, 45, 31], (n) => new Fib({ n }), {
 *   ordered: false,
 *   timeout: "1 second",
 *   onTimeout: "killTask"
 * }).pipe(Stream.filter(Exit.isSuccess), Stream.map((exit) => exit.value), Stream.runCollect)
 * ```
 *
 * @since 0.1.0
 * @category client
 */
export const asyncStream: {
  <X, R extends Request.Any, EX = never, RX = never, const O extends StreamOptions = {}>(
    input: Iterable<X> | Stream.Stream<X, EX, RX>,
    f: (item: X) => R,
    options?: O
  ): (self: Caller<R>) => Stream.Stream<StreamItem<X, R, O>, StreamError<O> | EX, RX>
  <X, R extends Request.Any, EX = never, RX = never, const O extends StreamOptions = {}>(
    self: Caller<R>,
    input: Iterable<X> | Stream.Stream<X, EX, RX>,
    f: (item: X) => R,
    options?: O
  ): Stream.Stream<StreamItem<X, R, O>, StreamError<O> | EX, RX>
} = dual(
  (args) => internal.isEngine(args[0]),
  (
    self: Caller<any>,
    input: Iterable<unknown> | Stream.Stream<unknown, unknown, unknown>,
    f: (item: unknown) => Request.Any,
    options?: StreamOptions
  ) => internalStream.asyncStream(self as unknown as internal.Engine, input, f, options ?? {})
)
