/**
 * Application: the top of a supervision tree, and how a program lives and dies with it.
 *
 * An application is a root supervisor plus the Layers around it (a `Node`, the typed client
 * services of its GenServers). {@link layer} starts the root supervisor and provides the `Root`
 * service; {@link main} builds an application Layer, waits while the root supervisor runs, and:
 *
 * - when the program is interrupted (SIGINT/SIGTERM under `@effect-otp/platform-node`'s
 *   `Application.run`), runs the shutdown hooks, then releases the Layers: the tree stops in
 *   reverse start order within each child's shutdown budget, then the node stops what is left (a
 *   signal that arrives while the tree is starting takes effect once the start has finished);
 * - when a process of the tree asks for it with {@link gracefulShutdown}, does the same and succeeds
 *   with the reason it was given (or fails with `ShutdownTimeout` when hooks and tree together
 *   outlast the timeout);
 * - when the root supervisor gives up (its restart intensity was exceeded) or exits for any other
 *   reason, fails with `ApplicationStopped` carrying the root's exit reason, so the program exits
 *   non-zero with the reason printed.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Application, GenServer, Node } from "effect-otp"
 * import { Counter } from "./counter.ts"
 *
 * const App = Application.layer({
 *   name: "app",
 *   children: [GenServer.childSpec("counter", Counter, 0, { name: "counter" })]
 * }).pipe(Layer.provideMerge(Node.layer()))
 * // in Node.js: Application.run(App) from "@effect-otp/platform-node"
 * ```
 *
 * ## Shutdown hooks
 *
 * Work that must happen before the tree stops (drain a queue, deregister from a load balancer,
 * flush a buffer) registers a hook with {@link onShutdown} from anywhere in the tree: a process
 * started under the application has the `Lifecycle` service, so calling it elsewhere does not
 * compile. When the application stops gracefully (a signal, or {@link gracefulShutdown}):
 *
 * 1. the hooks run one at a time, higher `priority` first (registration order among equals), each
 *    within its own `timeout`: a hook that overruns is logged (`SHUTDOWN_HOOK`, level Warning) and
 *    abandoned (interrupted without waiting), one that fails is logged, and the next one runs;
 * 2. then the tree stops in reverse start order within the children's shutdown budgets;
 * 3. the whole of it is bounded by the shutdown's `timeout` (platform-node's `shutdownTimeout` for
 *    a signal): past it, `main` fails with `ShutdownTimeout` and `Application.run` exits with code 1.
 *
 * A hook registered by a process is removed when that process exits, so a restarted process that
 * registers again does not run twice. Hooks do not run when the root supervisor gives up: the tree
 * is already gone then.
 *
 * Differences from OTP: OTP's `init:stop/0` stops applications in reverse start order and has no
 * hooks (each application's `prep_stop/1` is the nearest equivalent); this follows Akka's and
 * Rakka's coordinated shutdown.
 *
 * @since 0.1.0
 */
import { Context, Deferred, Duration, Effect, Exit, Fiber, Layer, Option, Schema, Scope } from "effect"
import type * as ChildSpec from "./ChildSpec.ts"
import * as ExitReason from "./ExitReason.ts"
import * as kernel from "./internal/kernel.ts"
import type { Node } from "./Node.ts"
import * as Supervisor from "./Supervisor.ts"

// ---------------------------------------------------------------------------------------------
// Lifecycle: shutdown hooks and the graceful shutdown request
// ---------------------------------------------------------------------------------------------

/**
 * Options of a shutdown hook.
 *
 * @since 0.2.0
 * @category shutdown
 */
export interface ShutdownHookOptions {
  /** Names the hook in logs. */
  readonly name: string
  /** Higher runs first. Default 0. */
  readonly priority?: number | undefined
  /** How long the hook may run before it is abandoned. Default 5 seconds. */
  readonly timeout?: Duration.Input | undefined
}

/**
 * Options of {@link gracefulShutdown}.
 *
 * @since 0.2.0
 * @category shutdown
 */
export interface GracefulShutdownOptions {
  /** What `main` succeeds with once the tree has stopped. Default `Shutdown`. */
  readonly reason?: ExitReason.ExitReason | undefined
  /** Bounds hooks and tree stop together. Default 30 seconds (platform-node's `shutdownTimeout` default). */
  readonly timeout?: Duration.Input | undefined
}

/**
 * A graceful shutdown that was asked for: its reason and its overall timeout in milliseconds.
 *
 * @since 0.2.0
 * @category shutdown
 */
export interface ShutdownRequest {
  readonly reason: ExitReason.ExitReason
  readonly timeoutMs: number
}

/**
 * A shutdown hook as the lifecycle keeps it: its name, priority, timeout and effect.
 *
 * @since 0.2.0
 * @category shutdown
 */
export interface Hook {
  readonly name: string
  readonly priority: number
  readonly timeout: Duration.Duration
  readonly run: Effect.Effect<void, unknown>
}

/**
 * An application's shutdown hooks and graceful shutdown request.
 *
 * @since 0.2.0
 * @category models
 */
export interface LifecycleApi {
  /** Adds a hook; the returned function removes it. */
  readonly addHook: (hook: Hook) => () => void
  /** Runs the hooks once (later calls wait for the first run), as described in the module docs. */
  readonly runHooks: Effect.Effect<void>
  /** Asks for a graceful shutdown; false when one was asked for already. */
  readonly request: (request: ShutdownRequest) => boolean
  /** Completes with the first request. */
  readonly requested: Effect.Effect<ShutdownRequest>
}

/**
 * The application's lifecycle: provided to every process started under {@link layer}, so that
 * {@link onShutdown} and {@link gracefulShutdown} compile only there.
 *
 * @since 0.2.0
 * @category services
 */
export class Lifecycle extends Context.Service<Lifecycle, LifecycleApi>()("effect-otp/Application/Lifecycle") {}

const defaultHookTimeout = Duration.seconds(5)
const defaultShutdownTimeout = Duration.seconds(30)

/** Runs one hook within its timeout; an overrun or a failure is logged, never passed on. */
const runHook = (hook: Hook): Effect.Effect<void> =>
  Effect.gen(function* () {
    const fiber = yield* Effect.forkDetach(hook.run)
    const exit = yield* Effect.timeoutOption(Fiber.await(fiber), hook.timeout)
    if (Option.isNone(exit)) {
      fiber.interruptUnsafe()
      return yield* Effect.logWarning(
        `shutdown hook "${hook.name}" overran its timeout of ${Duration.toMillis(hook.timeout)} ms; abandoned`
      )
    }
    if (Exit.isFailure(exit.value)) {
      return yield* Effect.logError(`shutdown hook "${hook.name}" failed`, exit.value.cause)
    }
  }).pipe(Effect.annotateLogs({ event: "SHUTDOWN_HOOK", hook: hook.name, priority: hook.priority }))

/**
 * A fresh lifecycle (one per application).
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeLifecycle: Effect.Effect<LifecycleApi> = Effect.sync(() => {
  const hooks: Array<Hook> = []
  const requested = Deferred.makeUnsafe<ShutdownRequest>()
  const ran = Deferred.makeUnsafe<void>()
  let started = false
  return {
    addHook: (hook) => {
      hooks.push(hook)
      return () => {
        const i = hooks.indexOf(hook)
        if (i >= 0) hooks.splice(i, 1)
      }
    },
    runHooks: Effect.suspend(() => {
      if (started) return Deferred.await(ran)
      started = true
      // a stable sort: registration order among equal priorities
      const ordered = [...hooks].sort((a, b) => b.priority - a.priority)
      return Effect.ensuring(Effect.forEach(ordered, runHook, { discard: true }), Deferred.succeed(ran, undefined))
    }),
    request: (request) => Deferred.doneUnsafe(requested, Exit.succeed(request)),
    requested: Deferred.await(requested)
  }
})

/**
 * Registers `hook` to run when the application stops gracefully, before its tree stops (see the
 * module docs for the order, timeouts and what an overrun does). Inside a process, the hook is
 * removed when the process exits.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Application, Process } from "effect-otp"
 *
 * const worker = Effect.gen(function* () {
 *   yield* Application.onShutdown(Effect.log("draining"), { name: "drain", priority: 10, timeout: "2 seconds" })
 *   yield* Process.receive<never>()
 * })
 * ```
 *
 * @since 0.2.0
 * @category shutdown
 */
export const onShutdown = (
  hook: Effect.Effect<void, unknown>,
  options: ShutdownHookOptions
): Effect.Effect<void, never, Lifecycle> =>
  Effect.flatMap(Effect.service(Lifecycle), (lifecycle) => {
    const remove = lifecycle.addHook({
      name: options.name,
      priority: options.priority ?? 0,
      timeout: options.timeout === undefined ? defaultHookTimeout : Duration.fromInputUnsafe(options.timeout),
      run: hook
    })
    return Effect.flatMap(Effect.serviceOption(Scope.Scope), (scope) =>
      Option.isSome(scope) ? Scope.addFinalizer(scope.value, Effect.sync(remove)) : Effect.void
    )
  })

/**
 * Asks the application to stop gracefully: its shutdown hooks run, then its tree stops, then
 * {@link main} succeeds with `reason` (platform-node's `Application.run` exits with code 0 for a
 * normal-like reason, 1 otherwise). Returns at once; a second request is ignored.
 *
 * @since 0.2.0
 * @category shutdown
 */
export const gracefulShutdown = (options?: GracefulShutdownOptions): Effect.Effect<void, never, Lifecycle> =>
  Effect.map(Effect.service(Lifecycle), (lifecycle) => {
    lifecycle.request({
      reason: options?.reason ?? ExitReason.shutdown,
      timeoutMs: Duration.toMillis(Duration.fromInputUnsafe(options?.timeout ?? defaultShutdownTimeout))
    })
  })

/**
 * The root supervisor of an application.
 *
 * @since 0.1.0
 * @category models
 */
export interface RootApi {
  readonly supervisor: Supervisor.Supervisor
  /** Completes with the root supervisor's exit reason when it exits on its own. */
  readonly exited: Effect.Effect<ExitReason.ExitReason>
  /** The application's shutdown hooks and graceful shutdown request. */
  readonly lifecycle: LifecycleApi
}

/**
 * @since 0.1.0
 * @category services
 */
export class Root extends Context.Service<Root, RootApi>()("effect-otp/Application/Root") {}

/**
 * The application's root supervisor exited on its own (not because the application was stopped).
 *
 * @since 0.1.0
 * @category errors
 */
export class ApplicationStopped extends Schema.TaggedError<ApplicationStopped>()("ApplicationStopped", {
  reason: Schema.Any
}) {
  override get message(): string {
    return `the application's root supervisor exited: ${String(this.reason)}`
  }
}

/**
 * The application's shutdown did not finish (hooks and tree stop) within its timeout.
 *
 * @since 0.2.0
 * @category errors
 */
export class ShutdownTimeout extends Schema.TaggedError<ShutdownTimeout>()("ShutdownTimeout", {
  reason: Schema.Any,
  timeout: Schema.Number
}) {
  override get message(): string {
    return `the graceful shutdown (${String(this.reason)}) did not finish within ${this.timeout} ms`
  }
}

/**
 * Starts the root supervisor as a Layer that provides `Root`; releasing it stops the tree. Every
 * process of the tree gets the application's {@link Lifecycle}.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <const Children extends ReadonlyArray<ChildSpec.Any>>(
  options: Supervisor.Options<Children>
): Layer.Layer<Root, Supervisor.StartError, Exclude<Supervisor.ChildrenContext<Children>, Lifecycle> | Node> =>
  Layer.effect(
    Root,
    Effect.gen(function* () {
      // main's, when main builds this layer (so that a signal during the start runs the hooks)
      const provided = yield* Effect.serviceOption(Lifecycle)
      const lifecycle = Option.isSome(provided) ? provided.value : yield* makeLifecycle
      const supervisor = yield* Effect.provideService(Supervisor.make(options), Lifecycle, lifecycle)
      const exited = yield* Deferred.make<ExitReason.ExitReason>()
      const record = supervisor.resolve()
      if (record === undefined) {
        yield* Deferred.succeed(exited, ExitReason.noProc)
      } else {
        kernel.addExitListener(record, (reason) => Deferred.doneUnsafe(exited, Exit.succeed(reason)))
      }
      return { supervisor, exited: Deferred.await(exited), lifecycle }
    })
  )

/**
 * Runs an application Layer until its root supervisor exits (then fails with `ApplicationStopped`),
 * a process asks for {@link gracefulShutdown} (then runs the hooks, stops the tree and succeeds with
 * the reason, or fails with `ShutdownTimeout`), or the effect is interrupted (then runs the hooks
 * and releases the Layer: a graceful shutdown).
 *
 * @since 0.1.0
 * @category running
 */
export const main = <E>(
  app: Layer.Layer<Root, E>
): Effect.Effect<ExitReason.ExitReason, E | ApplicationStopped | ShutdownTimeout> =>
  Effect.gen(function* () {
    const lifecycle = yield* makeLifecycle
    const scope = yield* Scope.make()
    const stopped = yield* Effect.gen(function* () {
      // a signal during the start waits for the start to finish, then the hooks run and the tree
      // stops (an interrupted build would tear the half-built tree down before any hook ran)
      const context = yield* Effect.uninterruptible(Layer.buildWithScope(app, scope))
      const root = Context.get(context, Root)
      return yield* Effect.raceFirst(
        Effect.map(root.exited, (reason) => ({ _tag: "Exited" as const, reason })),
        Effect.map(lifecycle.requested, (request) => ({ _tag: "Requested" as const, request }))
      )
    }).pipe(
      Effect.provideService(Lifecycle, lifecycle),
      Effect.onExit((exit) =>
        Exit.isSuccess(exit)
          ? Effect.void
          : Exit.hasInterrupts(exit)
            ? // interrupted (a signal), while starting or running: the hooks, then the tree
              Effect.andThen(lifecycle.runHooks, Scope.close(scope, Exit.void))
            : Scope.close(scope, exit)
      )
    )
    if (stopped._tag === "Exited") {
      yield* Scope.close(scope, Exit.void)
      yield* Effect.logError(`application stopped: root supervisor exited with ${String(stopped.reason)}`)
      return yield* Effect.fail(new ApplicationStopped({ reason: stopped.reason }))
    }
    const { reason, timeoutMs } = stopped.request
    yield* Effect.logInfo(`application stopping: ${String(reason)}`)
    // the stop goes on in its own fiber, so that the timeout can give up waiting for it
    const stopping = yield* Effect.forkDetach(Effect.andThen(lifecycle.runHooks, Scope.close(scope, Exit.void)))
    const done = yield* Effect.timeoutOption(Fiber.await(stopping), Duration.millis(timeoutMs)).pipe(
      // a signal during the stop: it is under way already, wait for it
      Effect.onInterrupt(() => Fiber.await(stopping))
    )
    if (Option.isNone(done)) return yield* Effect.fail(new ShutdownTimeout({ reason, timeout: timeoutMs }))
    yield* Effect.logWithLevel(ExitReason.isNormalLike(reason) ? "Info" : "Error")(
      `application stopped: ${String(reason)}`
    )
    return reason
  })
