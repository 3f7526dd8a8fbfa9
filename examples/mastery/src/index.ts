/**
 * The Mastery quiz app, from "Designing Elixir Systems with OTP", on effect-otp.
 *
 * - `Mastery`: the public API (build a quiz, add templates, take it, answer questions) and the
 *   app's Layer;
 * - `Lifecycle`: the supervision tree as Layers and the services that reach the processes;
 * - `Boundary`: the GenServers (`QuizManager`, `QuizSession`);
 * - `Core`: the pure functional core (`Template`, `Question`, `Response`, `Quiz`, `Rng`, examples).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Core, Mastery } from "@effect-otp/example-mastery"
 *
 * const program = Effect.gen(function*() {
 *   yield* Mastery.buildQuiz({ title: "Capitals" })
 *   yield* Mastery.addTemplate("Capitals", Core.Examples.capitalOf)
 *   const session = yield* Mastery.takeQuiz("Capitals", "ada@example.com")
 *   return yield* Mastery.selectQuestion(session)
 * })
 *
 * Effect.runPromise(program.pipe(Effect.provide(Mastery.layer)))
 * ```
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Boundary from "./boundary/index.ts"
/** @since 0.1.0 */
export * as Core from "./core/index.ts"
/** @since 0.1.0 */
export * as Lifecycle from "./Lifecycle.ts"
/** @since 0.1.0 */
export * as Mastery from "./Mastery.ts"
