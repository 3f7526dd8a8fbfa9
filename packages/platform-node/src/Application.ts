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
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Duration, Effect, Exit, type Layer } from "effect"
import { Application, ExitReason } from "effect-otp"

/**
 * @since 0.1.0
 * @category models
 */
export interface RunOptions {
  /** How long a graceful stop may take after a signal before the process exits with code 1. Default 30 seconds. */
  readonly shutdownTimeout?: Duration.Input | undefined
}

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
 * signal arrives, so it bounds the shutdown hooks and the tree's stop together.
 *
 * @since 0.1.0
 * @category running
 */
export const program = <E>(
  app: Layer.Layer<Application.Root, E>,
  options?: RunOptions
): Effect.Effect<ExitReason.ExitReason, E | Application.ApplicationStopped | Application.ShutdownTimeout> => {
  const timeout = Duration.toMillis(Duration.fromInputUnsafe(options?.shutdownTimeout ?? "30 seconds"))
  const arm = () => {
    setTimeout(() => {
      console.error(`graceful shutdown took longer than ${timeout} ms; exiting`)
      process.exit(1)
    }, timeout).unref()
  }
  return Effect.acquireUseRelease(
    Effect.sync(() => {
      process.once("SIGINT", arm)
      process.once("SIGTERM", arm)
    }),
    () => Application.main(app),
    () =>
      Effect.sync(() => {
        process.removeListener("SIGINT", arm)
        process.removeListener("SIGTERM", arm)
      })
  )
}

/**
 * Runs an application Layer as the program's main effect, with signal handling and exit codes as in
 * the table above.
 *
 * @since 0.1.0
 * @category running
 */
export const run = <E>(app: Layer.Layer<Application.Root, E>, options?: RunOptions): void =>
  NodeRuntime.runMain(program(app, options), {
    teardown: (exit, onExit) => onExit(exitCode(exit as Exit.Exit<ExitReason.ExitReason, unknown>))
  })
