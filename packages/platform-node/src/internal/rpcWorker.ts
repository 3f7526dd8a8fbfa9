/**
 * The adapter over Effect's unstable worker and RPC modules (`effect/rpc`, `effect/workers`,
 * platform-node's `NodeWorker` / `NodeWorkerRunner`). It is the only file that imports them, so an
 * Effect minor release that changes them touches this file alone.
 *
 * What it gives the pool is deliberately small and untyped: a {@link Connection} to ONE worker
 * thread that carries already-encoded payloads and replies, and {@link serve}, the worker side. All
 * Schema work (and so every typed error) happens in `workerPool.ts`, on both sides of the thread.
 *
 * Why not `RpcClient.layerProtocolWorker` as it is (measured with effect 4.1.0, see the report in
 * the WorkerPool module docs): when one worker of its pool dies, it fails every in-flight call of
 * the client (those running on healthy workers too) with an `RpcClientError` that names neither
 * the call nor the thread, and it respawns the dead worker after a fixed 1 s delay, while calls
 * routed to it wait. Its pool also hands the most recently used worker out first, which does not
 * spread CPU-bound calls over idle threads. So each worker gets its own client `Protocol` here
 * (a crash fails only that worker's calls), and the pool does balancing and replacement itself.
 *
 * @internal
 */
import * as NodeWorker from "@effect/platform-node/NodeWorker"
import * as NodeWorkerRunner from "@effect/platform-node/NodeWorkerRunner"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type * as Tracer from "effect/Tracer"
import * as Rpc from "effect/rpc/Rpc"
import * as RpcClient from "effect/rpc/RpcClient"
import * as RpcGroup from "effect/rpc/RpcGroup"
import type { FromClientEncoded, FromServerEncoded } from "effect/rpc/RpcMessage"
import type * as RpcSerialization from "effect/rpc/RpcSerialization"
import * as RpcServer from "effect/rpc/RpcServer"
import * as Worker from "effect/workers/Worker"
import type * as WorkerThreads from "node:worker_threads"

/** How a worker thread ended, as seen from the main thread. */
export interface ThreadExit {
  /** The exit code of the `exit` event. */
  readonly exitCode: number
  /** The first `error` event (an uncaught exception or `ERR_WORKER_OUT_OF_MEMORY`), if any. */
  readonly error: unknown
  /** Set when the main thread terminated the worker on purpose, with why. */
  readonly terminated: string | undefined
}

/** A connection to one worker thread. */
export interface Connection {
  readonly threadId: number
  /**
   * Sends an encoded payload to the handler `tag`. Succeeds with the encoded reply, fails with
   * what the worker-side handler failed with. Does not notice a thread crash: race it with `exit`.
   */
  readonly call: (tag: string, payload: unknown) => Effect.Effect<unknown, unknown>
  /** Completes when the thread has exited, for any reason. */
  readonly exit: Deferred.Deferred<ThreadExit>
  /** How the thread exited, once it has. */
  readonly exited: () => ThreadExit | undefined
  /** False once the thread has exited or is being terminated: it takes no new calls. */
  readonly alive: () => boolean
  /** The number of requests sent that the worker has not answered yet (interrupted ones included). */
  readonly pending: () => number
  /** Terminates the thread at once; `reason` ends up in `ThreadExit.terminated`. */
  readonly terminate: (reason: string) => Effect.Effect<void>
}

/** Why a worker could not be started. */
export type SpawnFailure =
  | { readonly _tag: "Exited"; readonly threadId: number; readonly exit: ThreadExit }
  | { readonly _tag: "Timeout"; readonly threadId: number }
  | { readonly _tag: "Throw"; readonly error: unknown }

// the RPCs are built from tags at run time, so their static types say nothing useful
type AnyGroup = RpcGroup.RpcGroup<any>

const groups = new Map<string, AnyGroup>()

/**
 * Every request travels as an opaque, already-encoded value: the pool encodes and decodes with the
 * user's Schemas itself, so that a bad payload or reply becomes a typed error naming the field
 * (effect/rpc turns those into untyped defects).
 *
 * Tracing is `"none"`: effect/rpc makes no client or server span of its own, but the request still
 * carries the caller's span context (trace id, span id, sampled) when the caller has a span, and the
 * worker side gets it as the external parent span that {@link serve} hands to the pool.
 */
const groupFor = (tags: ReadonlyArray<string>): AnyGroup => {
  const key = tags.join("\u0000")
  let group = groups.get(key)
  if (group === undefined) {
    group = RpcGroup.make(
      ...tags.map((tag) =>
        Rpc.make(tag, { payload: Schema.Unknown, success: Schema.Unknown, error: Schema.Unknown }).annotate(
          Rpc.TracingEnabled,
          "none"
        )
      )
    ) as AnyGroup
    groups.set(key, group)
  }
  return group
}

// the worker protocols of effect/rpc use structured clone and the JSON codecs
const codecFor = Schema.toCodecJson as unknown as RpcSerialization.CodecFor

/**
 * A client `Protocol` for a single worker: what `RpcClient.makeProtocolWorker` does for each
 * worker of its pool, minus the pool, the 1 s respawn loop and the broadcast of a crash to every
 * client. It also counts the requests the worker has not answered yet: an interrupted call
 * returns at once, but its handler may keep the thread busy until it ends.
 */
const makeProtocol = (
  backing: Worker.Worker<FromServerEncoded, FromClientEncoded>,
  ready: Deferred.Deferred<void>,
  pending: Set<string | number>,
  onSettled: () => void
) =>
  RpcClient.Protocol.make(
    Effect.fnUntraced(function* (writeResponse, clientIds) {
      const deliver = (response: FromServerEncoded) => {
        if (response._tag === "Exit" && pending.delete(response.requestId)) onSettled()
        return Effect.forEach(clientIds, (clientId) => writeResponse(clientId, response), { discard: true })
      }
      yield* backing
        .run(deliver, { onSpawn: Deferred.succeed(ready, undefined) })
        .pipe(Effect.ignore, Effect.interruptible, Effect.forkScoped)
      return {
        send: (_clientId, request, transferables) => {
          if (request._tag === "Request") pending.add(request.id)
          return Effect.orDie(backing.send(request, transferables))
        },
        supportsAck: true,
        supportsTransferables: true,
        codecFor
      }
    })
  )

/**
 * Starts one worker thread and connects to it, in the current scope. Succeeds once the worker has
 * started serving. Closing the scope asks the worker to close and terminates it if it has not
 * exited within `shutdownTimeout`.
 */
export const connect = (options: {
  readonly tags: ReadonlyArray<string>
  readonly spawn: () => WorkerThreads.Worker
  readonly startTimeout: Duration.Duration
  readonly shutdownTimeout: Duration.Duration
  /** Called when the worker answers a request. */
  readonly onSettled: () => void
  /** Called when the thread has exited, before `exit` completes. */
  readonly onExit: () => void
}): Effect.Effect<Connection, SpawnFailure, Scope.Scope> =>
  Effect.gen(function* () {
    const exit = Deferred.makeUnsafe<ThreadExit>()
    const ready = Deferred.makeUnsafe<void>()
    let terminated: string | undefined
    let error: unknown
    let exited: ThreadExit | undefined
    // created here, not lazily by the platform, so that a spawn function that throws fails `connect`
    const thread = yield* Effect.try({
      try: options.spawn,
      catch: (error): SpawnFailure => ({ _tag: "Throw", error })
    })
    const threadId = thread.threadId
    thread.on("error", (cause) => {
      error ??= cause
    })
    thread.once("exit", (exitCode) => {
      exited = { exitCode, error, terminated }
      options.onExit()
      Deferred.doneUnsafe(exit, Exit.succeed(exited))
    })
    // sets the reason at once, so that the thread takes no new call while it is being terminated
    const terminate = (reason: string) => {
      if (exited === undefined) terminated ??= reason
      return Effect.suspend(() =>
        exited !== undefined
          ? Effect.void
          : Effect.andThen(
              Effect.promise(() => thread.terminate()),
              Deferred.await(exit)
            )
      )
    }

    // the last finalizer to run: whatever happened before, no thread outlives the scope
    yield* Effect.addFinalizer(() => terminate("the pool was closed"))

    const platform = yield* Effect.provide(Worker.WorkerPlatform, NodeWorker.layerPlatform)
    const backing = yield* platform.spawn<FromServerEncoded, FromClientEncoded>(0).pipe(
      Effect.provideService(Worker.Spawner, () => thread),
      Effect.mapError((error): SpawnFailure => ({ _tag: "Throw", error }))
    )
    const pending = new Set<string | number>()
    const protocol = yield* makeProtocol(backing, ready, pending, options.onSettled)
    const client = yield* RpcClient.make(groupFor(options.tags), { flatten: true }).pipe(
      Effect.provideService(RpcClient.Protocol, protocol)
    )

    // the first finalizer to run, a graceful close: the close message (the one NodeWorker sends,
    // whose own budget of 5 s is fixed), then our budget, then terminate
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        if (exited !== undefined) return Effect.void
        thread.postMessage([1])
        return Deferred.await(exit).pipe(
          Effect.timeoutOrElse({
            duration: options.shutdownTimeout,
            orElse: () => terminate("it did not close in time")
          })
        )
      })
    )

    const started = yield* Effect.raceFirst(
      Effect.as(Deferred.await(ready), "ready" as const),
      Deferred.await(exit)
    ).pipe(Effect.timeoutOption(options.startTimeout))
    if (started._tag === "None") {
      yield* terminate("it did not start in time")
      return yield* Effect.fail<SpawnFailure>({ _tag: "Timeout", threadId })
    }
    if (started.value !== "ready") {
      return yield* Effect.fail<SpawnFailure>({ _tag: "Exited", threadId, exit: started.value })
    }
    return {
      threadId,
      call: (tag, payload) =>
        (client as (tag: string, payload: unknown) => Effect.Effect<unknown, unknown>)(tag, payload),
      exit,
      exited: () => exited,
      alive: () => exited === undefined && terminated === undefined,
      pending: () => pending.size,
      terminate
    } satisfies Connection
  })

/**
 * The worker side: serves `handle` for `tags` over the RPC worker protocol until the main thread
 * closes the worker. `handle` gets the caller's span, as an external span, when the caller had one.
 * Fails when not run in a worker thread.
 */
export const serve = <R>(
  tags: ReadonlyArray<string>,
  handle: (tag: string, payload: unknown, parent: Tracer.ExternalSpan | undefined) => Effect.Effect<unknown, unknown, R>
): Effect.Effect<never, never, R> =>
  Effect.gen(function* () {
    const group = groupFor(tags)
    const handlers: Record<
      string,
      (
        payload: unknown,
        options: { readonly remoteParentSpan: Tracer.ExternalSpan | undefined }
      ) => Effect.Effect<unknown, unknown, R>
    > = {}
    for (const tag of tags) handlers[tag] = (payload, options) => handle(tag, payload, options.remoteParentSpan)
    const live = RpcServer.layer(group, { disableFatalDefects: true }).pipe(
      Layer.provide(group.toLayer(handlers) as Layer.Layer<never, never, R>),
      Layer.provide(RpcServer.layerProtocolWorkerRunner),
      Layer.provide(NodeWorkerRunner.layer)
    )
    return yield* Layer.launch(live as Layer.Layer<never, unknown, R>).pipe(
      Effect.catch(() => Effect.die(new Error("WorkerPool.serve must run in a worker thread started by a WorkerPool")))
    )
  })

/**
 * Forks `effect` as the worker's main fiber. A failure or defect becomes an uncaught exception of
 * the thread, so the main thread sees it in the worker's `error` event (and a pool names it in
 * `WorkerSpawnFailed` or `WorkerCrashed`); an interruption (the main thread closed the worker) is
 * a normal end.
 */
export const runMain = <E>(effect: Effect.Effect<never, E>): void => {
  Effect.runFork(effect).addObserver((exit) => {
    if (Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)) {
      const error = Cause.squash(exit.cause)
      setImmediate(() => {
        throw error
      })
    }
  })
}
