/**
 * Application: the top of a supervision tree, and how a program lives and dies with it.
 *
 * An application is a root supervisor plus the Layers around it (a `Node`, the typed client
 * services of its GenServers). {@link layer} starts the root supervisor and provides the `Root`
 * service; {@link main} builds an application Layer, waits while the root supervisor runs, and:
 *
 * - when the program is interrupted (SIGINT/SIGTERM under `@effect-otp/platform-node`'s
 *   `Application.run`), releases the Layers: the tree stops in reverse start order within each
 *   child's shutdown budget, then the node stops what is left;
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
 * @since 0.1.0
 */
import { Context, Deferred, Effect, Exit, Layer, Schema } from "effect"
import type * as ChildSpec from "./ChildSpec.ts"
import * as ExitReason from "./ExitReason.ts"
import type { Node } from "./Node.ts"
import * as Supervisor from "./Supervisor.ts"

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
 * Starts the root supervisor as a Layer that provides `Root`; releasing it stops the tree.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <const Children extends ReadonlyArray<ChildSpec.Any>>(
  options: Supervisor.Options<Children>
): Layer.Layer<Root, Supervisor.StartError, Supervisor.ChildrenContext<Children> | Node> =>
  Layer.effect(
    Root,
    Effect.gen(function* () {
      const supervisor = yield* Supervisor.make(options)
      const exited = yield* Deferred.make<ExitReason.ExitReason>()
      const record = supervisor.resolve()
      if (record === undefined) {
        yield* Deferred.succeed(exited, ExitReason.noProc)
      } else {
        ;(record.exitListeners ??= new Set()).add((reason) => Deferred.doneUnsafe(exited, Exit.succeed(reason)))
      }
      return { supervisor, exited: Deferred.await(exited) }
    })
  )

/**
 * Runs an application Layer until its root supervisor exits (then fails with `ApplicationStopped`)
 * or the effect is interrupted (then releases the Layer: a graceful shutdown).
 *
 * @since 0.1.0
 * @category running
 */
export const main = <E>(app: Layer.Layer<Root, E>): Effect.Effect<never, E | ApplicationStopped> =>
  Effect.scoped(
    Effect.gen(function* () {
      const context = yield* Layer.build(app)
      const root = Context.get(context, Root)
      const reason = yield* root.exited
      yield* Effect.logError(`application stopped: root supervisor exited with ${String(reason)}`)
      return yield* Effect.fail(new ApplicationStopped({ reason }))
    })
  )
