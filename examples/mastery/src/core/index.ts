/**
 * The functional core of Mastery: pure functions over immutable values, no processes.
 *
 * - `Template`: the recipe for questions (text with placeholders, generators, checker);
 * - `Question`: one question generated from a template;
 * - `Response`: a user's checked answer (plain, serialisable data);
 * - `Quiz`: the templates, the progress towards mastery, and the question selection;
 * - `Rng`: the seeded random generator every random choice goes through;
 * - `Examples`: templates for the demo.
 *
 * @example
 * ```ts
 * import { Option } from "effect"
 * import { Examples, Quiz } from "@effect-otp/example-mastery/core/index"
 *
 * const quiz = Quiz.addTemplate(Quiz.makeUnsafe({ title: "Demo", seed: 1 }), Examples.capitalOf)
 * const question = Quiz.selectQuestion(quiz).pipe(Option.flatMap((quiz) => quiz.currentQuestion))
 * ```
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Examples from "./examples.ts"
/** @since 0.1.0 */
export * as Question from "./Question.ts"
/** @since 0.1.0 */
export * as Quiz from "./Quiz.ts"
/** @since 0.1.0 */
export * as Response from "./Response.ts"
/** @since 0.1.0 */
export * as Rng from "./Rng.ts"
/** @since 0.1.0 */
export * as Template from "./Template.ts"
