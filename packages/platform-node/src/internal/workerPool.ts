/**
 * The implementation of `WorkerPool`: Schema encoding on both sides of the thread, the scheduler
 * that balances calls over idle workers, crash detection and replacement, sessions, `map`.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import type * as Context from "effect/Context"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import type * as Tracer from "effect/Tracer"
import { Errors, type Request } from "effect-otp"
import * as Supervisor from "effect-otp/Supervisor"
import * as os from "node:os"
import * as WorkerThreads from "node:worker_threads"
import { Worker as NodeWorkerThread } from "node:worker_threads"
import {
  describeIssue,
  HandlerDefect,
  InvalidReply,
  InvalidRequest,
  type CrashReason,
  WorkerCrashed,
  type WorkerError,
  WorkerPoolClosed,
  WorkerSpawnFailed,
  WorkerTimeout
} from "./errors.ts"
import * as RpcWorker from "./rpcWorker.ts"
// the options are declared (and documented) once, in the public module
import type { CallOptions, MapOptions, Options, SessionOptions, WorkerSource } from "../WorkerPool.ts"

// ---------------------------------------------------------------------------------------------
// Protocols and codecs
// ---------------------------------------------------------------------------------------------

/** A request class (`Request.Class`): a Schema of the request with its `success` and `failure` Schemas. */
export type RequestClass = abstract new (...args: any) => Request.Any

interface Codecs {
  readonly tag: string
  readonly encodeRequest: (u: unknown) => Effect.Effect<unknown, Schema.SchemaError>
  readonly decodeRequest: (u: unknown) => Effect.Effect<Request.Any, Schema.SchemaError>
  readonly encodeSuccess: (u: unknown) => Effect.Effect<unknown, Schema.SchemaError>
  readonly decodeSuccess: (u: unknown) => Effect.Effect<unknown, Schema.SchemaError>
  readonly encodeFailure: (u: unknown) => Effect.Effect<unknown, Schema.SchemaError>
  readonly decodeFailure: (u: unknown) => Effect.Effect<unknown, Schema.SchemaError>
}

const codecsCache = new WeakMap<RequestClass, Codecs>()

const tagOf = (cls: RequestClass): string => {
  const any = cls as any
  const literal = any.fields?._tag?.ast?.literal
  if (typeof literal === "string") return literal
  if (typeof any.identifier === "string") return any.identifier
  throw new TypeError(`WorkerPool: ${String(cls.name)} is not a Request.Class (it has no tag)`)
}

const codecsOf = (cls: RequestClass): Codecs => {
  let codecs = codecsCache.get(cls)
  if (codecs === undefined) {
    const any = cls as any
    if (!Schema.isSchema(any) || !Schema.isSchema((any as any).success) || !Schema.isSchema((any as any).failure)) {
      throw new TypeError(`WorkerPool: ${String(cls.name)} is not a Request.Class (missing Schemas)`)
    }
    const request = Schema.toCodecJson(any as Schema.Top)
    const success = Schema.toCodecJson((any as any).success as Schema.Top)
    const failure = Schema.toCodecJson((any as any).failure as Schema.Top)
    codecs = {
      tag: tagOf(cls),
      encodeRequest: Schema.encodeUnknownEffect(request) as Codecs["encodeRequest"],
      decodeRequest: Schema.decodeUnknownEffect(request) as Codecs["decodeRequest"],
      encodeSuccess: Schema.encodeUnknownEffect(success) as Codecs["encodeSuccess"],
      decodeSuccess: Schema.decodeUnknownEffect(success) as Codecs["decodeSuccess"],
      encodeFailure: Schema.encodeUnknownEffect(failure) as Codecs["encodeFailure"],
      decodeFailure: Schema.decodeUnknownEffect(failure) as Codecs["decodeFailure"]
    }
    codecsCache.set(cls, codecs)
  }
  return codecs
}

/** The request classes of a protocol by tag; rejects two classes with one tag. */
const protocolMap = (protocol: ReadonlyArray<RequestClass>): ReadonlyMap<string, Codecs> => {
  const map = new Map<string, Codecs>()
  for (const cls of protocol) {
    const codecs = codecsOf(cls)
    if (map.has(codecs.tag))
      throw new TypeError(`WorkerPool: two requests of the protocol have the tag "${codecs.tag}"`)
    map.set(codecs.tag, codecs)
  }
  return map
}

/**
 * How a handler's failure travels back: a declared error (encoded with its request's `failure`
 * Schema) or one of the pool's own errors raised in the worker.
 */
class Declared extends Schema.TaggedClass<Declared>()("Declared", { error: Schema.Unknown }) {}
const WireFailure = Schema.Union([Declared, InvalidRequest, InvalidReply, HandlerDefect])
const wireFailureCodec = Schema.toCodecJson(WireFailure)
const encodeWireFailure = Schema.encodeSync(wireFailureCodec)
const decodeWireFailure = Schema.decodeUnknownEffect(wireFailureCodec)

// ---------------------------------------------------------------------------------------------
// The worker side
// ---------------------------------------------------------------------------------------------

/** One handler per request tag of the protocol. */
export type Handlers<Req extends Request.Any, R> = {
  readonly [T in Req["_tag"]]: (
    request: Extract<Req, { readonly _tag: T }>
  ) => Effect.Effect<
    Request.Success<Extract<Req, { readonly _tag: T }>>,
    Request.Failure<Extract<Req, { readonly _tag: T }>>,
    R
  >
}

const defectOf = (tag: string, defect: unknown): HandlerDefect =>
  defect instanceof Error
    ? new HandlerDefect({
        request: tag,
        defect: defect.message,
        defectName: defect.name,
        ...(defect.stack === undefined ? {} : { workerStack: defect.stack })
      })
    : new HandlerDefect({ request: tag, defect: typeof defect === "string" ? defect : safeString(defect) })

const safeString = (u: unknown): string => {
  try {
    return typeof u === "object" && u !== null ? JSON.stringify(u) : String(u)
  } catch {
    return String(u)
  }
}

/**
 * Runs one request in the worker: decode, handle, encode; every failure becomes a wire failure.
 * When the caller had a span (`parent`, its context carried with the request), the handler runs
 * in a child span of it named after the request's tag, with the worker's thread id as attribute.
 */
const handleOne = <R>(
  codecs: Codecs,
  handler: (request: any) => Effect.Effect<unknown, unknown, R>,
  payload: unknown,
  parent: Tracer.ExternalSpan | undefined
): Effect.Effect<unknown, unknown, R> => {
  const handled = Effect.matchEffect(codecs.decodeRequest(payload), {
    onFailure: (error) =>
      Effect.fail(
        encodeWireFailure(new InvalidRequest({ request: codecs.tag, ...describeIssue(error.issue), side: "worker" }))
      ),
    onSuccess: (request) =>
      Effect.suspend(() => handler(request)).pipe(
        Effect.matchCauseEffect({
          onSuccess: (value) =>
            Effect.mapError(codecs.encodeSuccess(value), (error) =>
              encodeWireFailure(
                new InvalidReply({
                  request: codecs.tag,
                  kind: "success",
                  ...describeIssue(error.issue),
                  side: "worker"
                })
              )
            ),
          onFailure: (cause) => {
            const failure = cause.reasons.find(Cause.isFailReason)
            if (failure !== undefined) {
              return Effect.matchEffect(codecs.encodeFailure(failure.error), {
                onFailure: (error) =>
                  Effect.fail(
                    encodeWireFailure(
                      new InvalidReply({
                        request: codecs.tag,
                        kind: "failure",
                        ...describeIssue(error.issue),
                        side: "worker"
                      })
                    )
                  ),
                onSuccess: (error) => Effect.fail(encodeWireFailure(new Declared({ error })))
              })
            }
            const die = cause.reasons.find(Cause.isDieReason)
            if (die !== undefined) return Effect.fail(encodeWireFailure(defectOf(codecs.tag, die.defect)))
            return Effect.failCause(cause)
          }
        })
      )
  })
  return parent === undefined
    ? handled
    : Effect.withSpan(handled, codecs.tag, {
        parent,
        kind: "server",
        captureStackTrace: false,
        attributes: { threadId: WorkerThreads.threadId }
      })
}

export const serve = <const P extends ReadonlyArray<RequestClass>, S = void, E = never, R = never>(options: {
  readonly protocol: P
  readonly init?: Effect.Effect<S, E, R> | undefined
  readonly handlers: Handlers<InstanceType<P[number]>, R> | ((state: S) => Handlers<InstanceType<P[number]>, R>)
}): Effect.Effect<never, E, R> =>
  Effect.gen(function* () {
    const byTag = protocolMap(options.protocol)
    const state = (options.init === undefined ? undefined : yield* options.init) as S
    const handlers = (typeof options.handlers === "function" ? options.handlers(state) : options.handlers) as Record<
      string,
      (request: any) => Effect.Effect<unknown, unknown, R>
    >
    for (const tag of byTag.keys()) {
      if (typeof handlers[tag] !== "function") {
        return yield* Effect.die(new TypeError(`WorkerPool.serve: no handler for "${tag}"`))
      }
    }
    return yield* RpcWorker.serve([...byTag.keys()], (tag, payload, parent) =>
      handleOne(byTag.get(tag)!, handlers[tag]!, payload, parent)
    )
  })

export const runWorker: <E>(effect: Effect.Effect<never, E>) => void = RpcWorker.runMain

// ---------------------------------------------------------------------------------------------
// The main side: options
// ---------------------------------------------------------------------------------------------

/** A count option: `undefined` (its default) or a positive integer. */
const checkPositiveInt = (fn: string, field: string, value: unknown): Errors.BadArgument | undefined =>
  value === undefined || (Number.isInteger(value) && (value as number) >= 1)
    ? undefined
    : new Errors.BadArgument({ function: fn, field, value, reason: "must be a positive integer" })

const spawnerOf = (source: WorkerSource): ((id: number) => NodeWorkerThread) =>
  typeof source === "function" ? source : () => new NodeWorkerThread(source)

// ---------------------------------------------------------------------------------------------
// The engine
// ---------------------------------------------------------------------------------------------

interface Slot {
  readonly id: number
  conn: RpcWorker.Connection | undefined
  lost: Deferred.Deferred<void>
  busy: number
  status: "starting" | "ready" | "broken" | "dead"
  /** Why the slot is broken (its last start failed) or dead (a session's thread ended). */
  failure: WorkerSpawnFailed | WorkerCrashed | undefined
  /** Set while broken: completing it asks for another start. */
  retry: Deferred.Deferred<void> | undefined
  /** Start times of the recent restarts, for the restart intensity. */
  restarts: ReadonlyArray<number>
}

interface Lease {
  readonly slot: Slot
  readonly conn: RpcWorker.Connection
  /** Completed when the thread exits or the pool closes: its calls will get no reply. */
  readonly lost: Deferred.Deferred<void>
}

interface Waiter {
  readonly resume: (effect: Effect.Effect<Lease, WorkerError>) => void
  lease: Lease | undefined
}

/**
 * A slot's thread is restarted at once at most this many times in `restartWindow` (a supervisor's
 * intensity window: a restart exactly `restartWindow` old still counts), then on demand.
 */
const maxRestarts = 5
const restartWindow = 5_000

const EngineTypeId: unique symbol = Symbol.for("@effect-otp/platform-node/WorkerPool") as never

export class Engine {
  readonly [EngineTypeId] = EngineTypeId
  readonly slots: Array<Slot>
  readonly waiters = new Set<Waiter>()
  readonly closedSignal = Deferred.makeUnsafe<void>()
  readonly fibers: Array<Fiber.Fiber<unknown, unknown>> = []
  closed = false
  readonly byTag: ReadonlyMap<string, Codecs>
  readonly size: number
  readonly concurrency: number
  readonly restart: boolean
  readonly spawn: (id: number) => NodeWorkerThread
  readonly startTimeout: Duration.Duration
  readonly shutdownTimeout: Duration.Duration

  constructor(options: Options<ReadonlyArray<RequestClass>>, restart: boolean) {
    this.byTag = protocolMap(options.protocol)
    // checked by `checkOptions` before the engine is made
    this.size = options.size ?? os.availableParallelism()
    this.concurrency = options.concurrency ?? 1
    this.restart = restart
    this.spawn = spawnerOf(options.worker)
    this.startTimeout = Duration.fromInputUnsafe(options.startTimeout ?? "30 seconds")
    this.shutdownTimeout = Duration.fromInputUnsafe(options.shutdownTimeout ?? "5 seconds")
    this.slots = Array.from({ length: this.size }, (_, id) => ({
      id,
      conn: undefined,
      lost: Deferred.makeUnsafe<void>(),
      busy: 0,
      status: "starting" as const,
      failure: undefined,
      retry: undefined,
      restarts: []
    }))
  }

  get capacity(): number {
    return this.size * this.concurrency
  }

  // -- scheduling -------------------------------------------------------------------------------

  /**
   * The ready slot with the fewest calls in flight, if one has room. A thread that has exited, or
   * is being terminated, takes no call even before its supervisor has noticed. The load of a
   * thread counts the calls it still runs for callers that were interrupted.
   */
  pick(): Slot | undefined {
    let best: Slot | undefined
    let bestLoad = this.concurrency
    for (const slot of this.slots) {
      const conn = slot.conn
      if (slot.status !== "ready" || conn === undefined || !conn.alive()) continue
      const load = Math.max(slot.busy, conn.pending())
      if (load < bestLoad) {
        best = slot
        bestLoad = load
      }
    }
    return best
  }

  lease(slot: Slot): Lease {
    slot.busy++
    return { slot, conn: slot.conn!, lost: slot.lost }
  }

  release(lease: Lease): void {
    if (lease.slot.conn === lease.conn && lease.slot.busy > 0) {
      lease.slot.busy--
      this.dispatch()
    }
  }

  /** Hands free capacity to waiters, in order; fails them when no worker can come. */
  dispatch(): void {
    for (const waiter of this.waiters) {
      const slot = this.pick()
      if (slot === undefined) break
      this.waiters.delete(waiter)
      const lease = this.lease(slot)
      waiter.lease = lease
      waiter.resume(Effect.succeed(lease))
    }
    if (this.waiters.size > 0 && !this.slots.some((_) => _.status === "ready" || _.status === "starting")) {
      const failure = this.hopeless()
      for (const waiter of this.waiters) waiter.resume(Effect.fail(failure))
      this.waiters.clear()
    }
  }

  /** The error for calls that no worker can serve: the last failure of a broken or dead slot. */
  hopeless(): WorkerError {
    for (const slot of this.slots) if (slot.failure !== undefined) return slot.failure
    return new WorkerPoolClosed()
  }

  /** Asks broken slots to try to start again (pools only), when no slot is ready or starting. */
  retryBroken(): void {
    if (!this.restart || this.slots.some((_) => _.status === "ready" || _.status === "starting")) return
    for (const slot of this.slots) {
      if (slot.status === "broken" && slot.retry !== undefined) {
        slot.status = "starting"
        Deferred.doneUnsafe(slot.retry, Exit.void)
        slot.retry = undefined
      }
    }
  }

  readonly acquire: Effect.Effect<Lease, WorkerError> = Effect.callback<Lease, WorkerError>((resume) => {
    if (this.closed) return resume(Effect.fail(new WorkerPoolClosed()))
    if (this.waiters.size === 0) {
      const slot = this.pick()
      if (slot !== undefined) return resume(Effect.succeed(this.lease(slot)))
    }
    this.retryBroken()
    const waiter: Waiter = { resume, lease: undefined }
    this.waiters.add(waiter)
    this.dispatch()
    return Effect.sync(() => {
      // interrupted: give back a lease handed over in the meantime, or leave the queue
      if (waiter.lease !== undefined) this.release(waiter.lease)
      else this.waiters.delete(waiter)
    })
  })

  // -- slots ------------------------------------------------------------------------------------

  crashOf(slot: Slot, threadId: number, exit: RpcWorker.ThreadExit, request?: string): WorkerCrashed {
    const { error, exitCode, terminated } = exit
    let reason: CrashReason
    let detail: string
    if (terminated !== undefined) {
      reason = "terminated"
      detail = `terminated by the pool: ${terminated}`
    } else if (error !== undefined) {
      const code = (error as { readonly code?: unknown }).code
      reason = code === "ERR_WORKER_OUT_OF_MEMORY" ? "outOfMemory" : "uncaughtException"
      detail =
        reason === "outOfMemory"
          ? `out of memory (${error instanceof Error ? error.message : String(error)})`
          : `uncaught exception: ${error instanceof Error ? `${error.name}: ${error.message}` : safeString(error)}`
    } else {
      reason = "exit"
      detail = `the thread exited with code ${exitCode}`
    }
    return new WorkerCrashed({
      ...(request === undefined ? {} : { request }),
      worker: slot.id,
      threadId,
      reason,
      exitCode,
      detail
    })
  }

  spawnFailure(slot: Slot, failure: RpcWorker.SpawnFailure): WorkerSpawnFailed {
    switch (failure._tag) {
      case "Timeout":
        return new WorkerSpawnFailed({
          worker: slot.id,
          detail: `thread ${failure.threadId} did not start serving within ${Duration.format(this.startTimeout)} (does the module call WorkerPool.serve?)`
        })
      case "Exited":
        return new WorkerSpawnFailed({
          worker: slot.id,
          detail: `thread ${failure.threadId} ended before serving: ${this.crashOf(slot, failure.threadId, failure.exit).detail}`
        })
      case "Throw":
        return new WorkerSpawnFailed({
          worker: slot.id,
          detail: failure.error instanceof Error ? failure.error.message : safeString(failure.error)
        })
    }
  }

  /** One thread's life in a slot: start it, serve until it exits. */
  serveSlot(slot: Slot, started: Deferred.Deferred<void, WorkerSpawnFailed>) {
    return Effect.scoped(
      Effect.gen({ self: this }, function* () {
        const lost = Deferred.makeUnsafe<void>()
        const conn = yield* RpcWorker.connect({
          tags: [...this.byTag.keys()],
          spawn: () => this.spawn(slot.id),
          startTimeout: this.startTimeout,
          shutdownTimeout: this.shutdownTimeout,
          onSettled: () => {
            if (this.waiters.size > 0) this.dispatch()
          },
          onExit: () => Deferred.doneUnsafe(lost, Exit.void)
        }).pipe(Effect.mapError((failure) => this.spawnFailure(slot, failure)))
        slot.conn = conn
        slot.lost = lost
        slot.busy = 0
        slot.status = "ready"
        slot.failure = undefined
        Deferred.doneUnsafe(started, Exit.void)
        this.dispatch()
        const exit = yield* Deferred.await(conn.exit)
        slot.status = "starting"
        slot.conn = undefined
        slot.busy = 0
        return this.crashOf(slot, conn.threadId, exit)
      })
    )
  }

  /** A slot's supervisor: restarts its thread when it ends (pools), or marks it dead (sessions). */
  superviseSlot(slot: Slot, started: Deferred.Deferred<void, WorkerSpawnFailed>) {
    return Effect.gen({ self: this }, function* () {
      while (true) {
        slot.status = "starting"
        const result = yield* Effect.result(this.serveSlot(slot, started))
        if (result._tag === "Failure") {
          Deferred.doneUnsafe(started, Exit.fail(result.failure))
          slot.failure = result.failure
          if (!this.restart) {
            slot.status = "dead"
            this.dispatch()
            return
          }
          slot.status = "broken"
          const retry = Deferred.makeUnsafe<void>()
          slot.retry = retry
          this.dispatch()
          yield* Deferred.await(retry)
          continue
        }
        // the thread ended after serving
        if (!this.restart) {
          slot.status = "dead"
          slot.failure = result.success
          this.dispatch()
          return
        }
        const now = yield* Clock.currentTimeMillis
        const restart = Supervisor.addRestart(slot.restarts, now, maxRestarts, restartWindow)
        slot.restarts = restart.stamps
        if (restart.exceeded) {
          // crashing in a loop: rest until a call needs this worker
          slot.status = "broken"
          slot.failure = result.success
          const retry = Deferred.makeUnsafe<void>()
          slot.retry = retry
          this.dispatch()
          yield* Deferred.await(retry)
          slot.restarts = []
        }
      }
    })
  }

  /** Starts every slot in `scope` and waits until all serve (or one fails to start). */
  start(scope: Scope.Scope): Effect.Effect<void, WorkerSpawnFailed> {
    return Effect.gen({ self: this }, function* () {
      const started = this.slots.map(() => Deferred.makeUnsafe<void, WorkerSpawnFailed>())
      for (const slot of this.slots) {
        const fiber = yield* Effect.forkIn(this.superviseSlot(slot, started[slot.id]!), scope, {
          startImmediately: true
        })
        this.fibers.push(fiber)
      }
      // runs first when the scope closes (finalizers run in reverse order): callers fail at once,
      // then the supervisors are interrupted, which closes the threads
      yield* Scope.addFinalizer(
        scope,
        Effect.sync(() => this.close())
      )
      yield* Effect.forEach(started, Deferred.await, { concurrency: "unbounded", discard: true })
    })
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    Deferred.doneUnsafe(this.closedSignal, Exit.void)
    for (const slot of this.slots) Deferred.doneUnsafe(slot.lost, Exit.void)
    const closed = new WorkerPoolClosed()
    for (const waiter of this.waiters) waiter.resume(Effect.fail(closed))
    this.waiters.clear()
  }

  threadIds(): ReadonlyArray<number> {
    const ids: Array<number> = []
    for (const slot of this.slots) {
      if (slot.status === "ready" && slot.conn?.alive() === true) ids.push(slot.conn.threadId)
    }
    return ids
  }

  // -- calls ------------------------------------------------------------------------------------

  decodeReply(codecs: Codecs, exit: Exit.Exit<unknown, unknown>): Effect.Effect<unknown, unknown> {
    if (Exit.isSuccess(exit)) {
      return Effect.mapError(
        codecs.decodeSuccess(exit.value),
        (error) =>
          new InvalidReply({ request: codecs.tag, kind: "success", ...describeIssue(error.issue), side: "main" })
      )
    }
    const failure = exit.cause.reasons.find(Cause.isFailReason)
    if (failure === undefined) {
      // a defect of the transport itself (not of the handler, which the worker reports as a failure)
      const die = exit.cause.reasons.find(Cause.isDieReason)
      return die === undefined ? Effect.failCause(exit.cause) : Effect.fail(defectOf(codecs.tag, die.defect))
    }
    return Effect.flatMap(
      Effect.orDie(decodeWireFailure(failure.error)),
      (wire): Effect.Effect<never, unknown> =>
        wire._tag === "Declared"
          ? Effect.flatMap(
              Effect.mapError(
                codecs.decodeFailure(wire.error),
                (error) =>
                  new InvalidReply({
                    request: codecs.tag,
                    kind: "failure",
                    ...describeIssue(error.issue),
                    side: "main"
                  })
              ),
              Effect.fail
            )
          : Effect.fail(wire)
    )
  }

  /** Why a leased thread will not reply: the pool closed, or the thread died. */
  lostError(lease: Lease, tag: string): WorkerError {
    const exit = lease.conn.exited()
    return this.closed || exit === undefined
      ? new WorkerPoolClosed()
      : this.crashOf(lease.slot, lease.conn.threadId, exit, tag)
  }

  /** One call on a leased worker: raced with the thread's death and the pool's closing. */
  callOn(lease: Lease, codecs: Codecs, payload: unknown, timeout: Duration.Duration | undefined) {
    const { conn } = lease
    const reply = Effect.flatMap(Effect.exit(conn.call(codecs.tag, payload)), (exit) => this.decodeReply(codecs, exit))
    const lost = Effect.andThen(
      Deferred.await(lease.lost),
      Effect.suspend(() => Effect.fail(this.lostError(lease, codecs.tag)))
    )
    // Closing a connection's scope also interrupts its pending RPCs: when the thread died or the
    // pool closed, an interrupted reply means exactly that
    const raced = Effect.catchCause(Effect.raceFirst(reply, lost), (cause) =>
      Cause.hasInterruptsOnly(cause) && Deferred.isDoneUnsafe(lease.lost)
        ? Effect.fail(this.lostError(lease, codecs.tag))
        : Effect.failCause(cause)
    )
    if (timeout === undefined) return raced
    return Effect.timeoutOrElse(raced, {
      duration: timeout,
      orElse: () =>
        Effect.andThen(
          conn.terminate(`a call to "${codecs.tag}" timed out after ${Duration.format(timeout)}`),
          Effect.suspend(() =>
            Effect.fail(new WorkerTimeout({ request: codecs.tag, timeout: Duration.toMillis(timeout) }))
          )
        )
    })
  }

  run(request: Request.Any, options?: CallOptions): Effect.Effect<any, any> {
    return Effect.suspend(() => {
      const tag = request._tag
      const codecs = this.byTag.get(tag)
      if (codecs === undefined) {
        return Effect.fail(
          new InvalidRequest({ request: tag, field: "_tag", issue: "not a request of this protocol", side: "main" })
        )
      }
      const invalid = Errors.checkTimeout("WorkerPool.run", "timeout", options?.timeout)
      if (invalid !== undefined) return Effect.fail(invalid)
      const timeout =
        options?.timeout === undefined || options.timeout === ("infinity" as never)
          ? undefined
          : Duration.fromInputUnsafe(options.timeout)
      return Effect.flatMap(
        Effect.mapError(
          codecs.encodeRequest(request),
          (error) => new InvalidRequest({ request: tag, ...describeIssue(error.issue), side: "main" })
        ),
        (payload) =>
          Effect.uninterruptibleMask((restore) =>
            Effect.flatMap(restore(this.acquire), (lease) =>
              Effect.ensuring(
                restore(this.callOn(lease, codecs, payload, timeout)),
                Effect.sync(() => this.release(lease))
              )
            )
          )
      )
    })
  }

  map<A>(
    items: Iterable<A>,
    f: (item: A, index: number) => Request.Any,
    options?: MapOptions
  ): Effect.Effect<Array<any>, any> {
    return Effect.suspend(() => {
      const ordered = options?.ordered ?? true
      const asResult = options?.mode === "result"
      const invalid =
        Errors.checkTimeout("WorkerPool.map", "timeout", options?.timeout) ??
        checkPositiveInt("WorkerPool.map", "maxConcurrency", options?.maxConcurrency)
      if (invalid !== undefined) return Effect.fail(invalid)
      const concurrency = options?.maxConcurrency ?? this.capacity
      const callOptions: CallOptions = options?.timeout === undefined ? {} : { timeout: options.timeout }
      const one = (item: A, index: number) => {
        const call = Effect.suspend(() => this.run(f(item, index), callOptions))
        return asResult ? Effect.result(call) : call
      }
      if (ordered) return Effect.forEach(items, one, { concurrency }) as Effect.Effect<Array<any>, any>
      const out: Array<unknown> = []
      return Effect.as(
        Effect.forEach(items, (item, index) => Effect.map(one(item, index), (value) => out.push(value)), {
          concurrency,
          discard: true
        }),
        out
      )
    })
  }
}

// ---------------------------------------------------------------------------------------------
// Constructors
// ---------------------------------------------------------------------------------------------

/** The pool's options, checked before any thread starts. */
const checkOptions = (fn: string, options: Options<ReadonlyArray<RequestClass>>): Errors.BadArgument | undefined =>
  checkPositiveInt(fn, "size", options.size) ??
  checkPositiveInt(fn, "concurrency", options.concurrency) ??
  checkFiniteTimeout(fn, "startTimeout", options.startTimeout) ??
  checkFiniteTimeout(fn, "shutdownTimeout", options.shutdownTimeout)

/** A timeout the pool waits for in full: a non-negative, finite duration. */
const checkFiniteTimeout = (fn: string, field: string, value: unknown): Errors.BadArgument | undefined => {
  if (value === undefined) return undefined
  const millis = Errors.timeoutMillis(value)
  return millis !== undefined && Number.isFinite(millis)
    ? undefined
    : new Errors.BadArgument({ function: fn, field, value, reason: "must be a non-negative, finite duration" })
}

export const make = (
  options: Options<ReadonlyArray<RequestClass>>,
  restart = true
): Effect.Effect<Engine, WorkerSpawnFailed | Errors.BadArgument, Scope.Scope> =>
  Effect.gen(function* () {
    const bad = checkOptions(restart ? "WorkerPool.make" : "WorkerPool.session", options)
    if (bad !== undefined) return yield* Effect.fail(bad)
    const engine = new Engine(options, restart)
    const parent = yield* Effect.scope
    const scope = yield* Scope.fork(parent, "parallel")
    yield* Effect.onError(engine.start(scope), (cause) => Scope.close(scope, Exit.failCause(cause)))
    return engine
  })

export const layer = <Id>(
  tag: Context.Key<Id, any>,
  options: Options<ReadonlyArray<RequestClass>>
): Layer.Layer<Id, WorkerSpawnFailed | Errors.BadArgument> => Layer.effect(tag, make(options))

export const session = (
  options: SessionOptions<ReadonlyArray<RequestClass>>
): Effect.Effect<Engine, WorkerSpawnFailed | Errors.BadArgument, Scope.Scope> => make({ ...options, size: 1 }, false)

/** Completes when a session's thread has ended: `Exit.fail(WorkerCrashed)`, or `Exit.void` on close. */
export const awaitSession = (engine: Engine): Effect.Effect<Exit.Exit<void, WorkerCrashed>> =>
  Effect.suspend(() => {
    const slot = engine.slots[0]!
    const check = Effect.sync((): Exit.Exit<void, WorkerCrashed> | undefined => {
      if (slot.status === "dead" && slot.failure?._tag === "WorkerCrashed") return Exit.fail(slot.failure)
      if (engine.closed) return Exit.void
      return undefined
    })
    return Effect.flatMap(check, (done) => {
      if (done !== undefined) return Effect.succeed(done)
      const conn = slot.conn
      const threadEnded =
        conn === undefined
          ? Effect.never
          : Effect.map(
              Deferred.await(conn.exit),
              (exit): Exit.Exit<void, WorkerCrashed> =>
                engine.closed ? Exit.void : Exit.fail(engine.crashOf(slot, conn.threadId, exit))
            )
      return Effect.raceFirst(
        threadEnded,
        Effect.as(Deferred.await(engine.closedSignal), Exit.void as Exit.Exit<void, WorkerCrashed>)
      )
    })
  })

export const isEngine = (u: unknown): u is Engine => typeof u === "object" && u !== null && EngineTypeId in u

export const threadIds = (engine: Engine): Effect.Effect<ReadonlyArray<number>> => Effect.sync(() => engine.threadIds())
