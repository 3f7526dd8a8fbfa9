/**
 * Running an effect-otp application as a Node.js program.
 *
 * `Application.run(app)` runs an application Layer (see `effect-otp`'s `Application`) on
 * `@effect/platform-node`'s `runMain`:
 *
 * | what happens | the tree | exit code |
 * |---|---|---|
 * | SIGINT or SIGTERM | shutdown hooks by priority, then stopped gracefully: children in reverse start order within their shutdown budgets, then the node | 0 |
 * | a process calls `Application.gracefulShutdown({ reason, timeout })` | the same; the reason is logged | 0 for a normal-like reason (`Normal`, `Shutdown`), 1 otherwise |
 * | the graceful stop outlasts `shutdownTimeout` (a signal) or the request's `timeout` | abandoned; `ShutdownTimeout` is printed for a request | 1 |
 * | the root supervisor gives up (restart intensity exceeded) or exits | already stopped; the reason is printed | 1 |
 * | the application fails to start (a child's start failed, an invalid child spec) | what had started is stopped; the error is printed | 1 |
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Application as App, GenServer, Node } from "effect-otp"
 * import { Application } from "@effect-otp/platform-node"
 * import { Counter } from "./counter.ts"
 *
 * const children = [GenServer.childSpec("counter", Counter, 0, { name: "counter" })]
 * Application.run(App.layer({ children }).pipe(Layer.provideMerge(Node.layer())))
 * ```
 *
 * ## Watching it run
 *
 * `Application.run(app, { observer: { port: 9090 } })` opens the observer endpoint
 * (`ObserverHttp`: a web page, JSON and server-sent events; `otp observer` reads it too) while the
 * application runs, and logs its url. It is off unless asked for, listens on 127.0.0.1 unless
 * `host` says otherwise (and then only with a `token`: without one the run prints `TokenRequired`
 * and exits 1 before the tree starts), and is read-only unless `write: true`. It opens once the
 * tree is up and closes before the tree stops.
 *
 * ```ts
 * import { Layer } from "effect"
 * import { Application as App, GenServer, Node } from "effect-otp"
 * import { Application } from "@effect-otp/platform-node"
 * import { Counter } from "./counter.ts"
 *
 * const children = [GenServer.childSpec("counter", Counter, 0, { name: "counter" })]
 * const app = App.layer({ children }).pipe(Layer.provideMerge(Node.layer()))
 * Application.run(app, { observer: { port: 9090, write: true } }) // open http://127.0.0.1:9090/
 * ```
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Context, Duration, Effect, Exit, Layer } from "effect"
import type { ServeError } from "effect/http/HttpServerError"
import { Application, ExitReason, type Node } from "effect-otp"
import * as ObserverHttp from "./ObserverHttp.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface RunOptions {
  /** How long a graceful stop may take after a signal before the process exits with code 1. Default 30 seconds. */
  readonly shutdownTimeout?: Duration.Input | undefined
  /**
   * Opens the observer endpoint (`ObserverHttp.layer` with these options) while the application
   * runs, and logs its url. Off by default. Bound to 127.0.0.1 unless `host` says otherwise, and then
   * only with a `token`; read-only unless `write: true`. The app's Layer must give the `Node`
   * (`Layer.provideMerge(Node.layer())`, as in the example above).
   *
   * @since 0.2.0
   */
  readonly observer?: ObserverHttp.Options | undefined
}

/**
 * {@link RunOptions} with the observer endpoint on.
 *
 * @since 0.2.0
 * @category models
 */
export interface ObservedRunOptions extends RunOptions {
  readonly observer: ObserverHttp.Options
}

/**
 * What a run with the observer endpoint can fail with, besides the app's own errors: the
 * endpoint's options ({@link ObserverHttp.TokenRequired}, before the tree starts) or its port
 * (`ServeError`, after the tree started, which is then stopped).
 *
 * @since 0.2.0
 * @category models
 */
export type ObserverError = ObserverHttp.TokenRequired | ServeError

/**
 * The exit code of an application's run: 0 for a signal or a requested shutdown with a normal-like
 * reason (a graceful stop), 1 otherwise.
 *
 * @since 0.1.0
 * @category running
 */
export const exitCode = <E>(exit: Exit.Exit<ExitReason.ExitReason, E>): number => {
  if (Exit.isSuccess(exit)) return ExitReason.isNormalLike(exit.value) ? 0 : 1
  return Cause.hasInterruptsOnly(exit.cause) ? 0 : 1
}

/**
 * The effect `run` runs: the application, plus a watchdog that ends the process (code 1) if a
 * graceful stop after SIGINT or SIGTERM outlasts `shutdownTimeout`. The watchdog is armed when the
 * signal arrives, so it bounds the shutdown hooks and the tree's stop together. With `observer`, the
 * endpoint's options are checked before the tree starts, and the endpoint listens once the tree is
 * up (and closes before the tree stops).
 *
 * @since 0.1.0
 * @category running
 */
export const program: {
  <E>(
    app: Layer.Layer<Application.Root | Node.Node, E>,
    options: ObservedRunOptions
  ): Effect.Effect<
    ExitReason.ExitReason,
    E | Application.ApplicationStopped | Application.ShutdownTimeout | ObserverError
  >
  <E>(
    app: Layer.Layer<Application.Root, E>,
    options?: RunOptions & { readonly observer?: undefined }
  ): Effect.Effect<ExitReason.ExitReason, E | Application.ApplicationStopped | Application.ShutdownTimeout>
} = <E>(app: Layer.Layer<Application.Root, E>, options?: RunOptions) => programOf(app, options)

// the overloads' one body: with `observer`, the first overload has checked that `app` gives the Node
const programOf = <E>(
  app: Layer.Layer<Application.Root, E>,
  options?: RunOptions
): Effect.Effect<
  ExitReason.ExitReason,
  E | Application.ApplicationStopped | Application.ShutdownTimeout | ObserverError
> => {
  const timeout = Duration.toMillis(Duration.fromInputUnsafe(options?.shutdownTimeout ?? "30 seconds"))
  const arm = () => {
    setTimeout(() => {
      console.error(`graceful shutdown took longer than ${timeout} ms; exiting`)
      process.exit(1)
    }, timeout).unref()
  }
  const observer = options?.observer
  const observed: Layer.Layer<Application.Root, E | ObserverError> =
    observer === undefined
      ? app
      : ObserverHttp.layer(observer).pipe(
          Layer.tap((context) =>
            Effect.logInfo(`observer endpoint on ${Context.get(context, ObserverHttp.ObserverHttp).url}`)
          ),
          Layer.provideMerge(app as Layer.Layer<Application.Root | Node.Node, E>)
        )
  return Effect.acquireUseRelease(
    Effect.sync(() => {
      process.once("SIGINT", arm)
      process.once("SIGTERM", arm)
    }),
    () => Effect.andThen(ObserverHttp.checkOptions(observer), Application.main(observed)),
    () =>
      Effect.sync(() => {
        process.removeListener("SIGINT", arm)
        process.removeListener("SIGTERM", arm)
      })
  )
}

/**
 * Runs an application Layer as the program's main effect, with signal handling and exit codes as in
 * the table above. With `observer`, the observer endpoint is open while it runs (see
 * {@link RunOptions}); an invalid `observer` (a non-loopback `host` without a `token`) prints
 * `TokenRequired` and exits 1 before the tree starts.
 *
 * @since 0.1.0
 * @category running
 */
export const run: {
  <E>(app: Layer.Layer<Application.Root | Node.Node, E>, options: ObservedRunOptions): void
  <E>(app: Layer.Layer<Application.Root, E>, options?: RunOptions & { readonly observer?: undefined }): void
} = <E>(app: Layer.Layer<Application.Root, E>, options?: RunOptions): void =>
  NodeRuntime.runMain(programOf(app, options), {
    teardown: (exit, onExit) => onExit(exitCode(exit as Exit.Exit<ExitReason.ExitReason, unknown>))
  })
