/**
 * A question: one concrete instance of a {@link Template.Template}, with the values chosen for its
 * placeholders (`substitutions`) and the text the user is `asked`.
 *
 * Questions are made by {@link generate}, which runs each of the template's generators with a
 * seeded {@link Rng.Rng} and returns the advanced generator with the question, so the same seed
 * always asks the same thing. {@link make} builds one from chosen values (tests, replays).
 *
 * **Gotchas**: a question holds its template (and so functions); to send "what was asked" to
 * another process, send `asked` and `template.name`, or a `Response`.
 *
 * @example
 * ```ts
 * import * as Question from "@effect-otp/example-mastery/core/Question"
 * import * as Rng from "@effect-otp/example-mastery/core/Rng"
 * import { singleDigitAddition } from "@effect-otp/example-mastery/core/examples"
 *
 * const [question, rng] = Question.generate(singleDigitAddition, Rng.make(42))
 * question.asked // e.g. "3 + 7"
 * question.substitutions // e.g. { left: 3, right: 7 }
 * ```
 *
 * @since 0.1.0
 */
import type { Array as Arr } from "effect"
import * as Rng from "./Rng.ts"
import * as Template from "./Template.ts"

/**
 * A question asked from a template.
 *
 * @since 0.1.0
 * @category models
 */
export interface Question {
  /** The text shown to the user. */
  readonly asked: string
  /** The value chosen for each generator. */
  readonly substitutions: Template.Substitutions
  readonly template: Template.Template
}

/**
 * Makes a question from chosen substitutions.
 *
 * **Gotchas**: throws if a placeholder of the template has no substitution (see
 * `Template.render`); the type prevents it for a typed template.
 *
 * @example
 * ```ts
 * import * as Question from "@effect-otp/example-mastery/core/Question"
 * import { singleDigitAddition } from "@effect-otp/example-mastery/core/examples"
 *
 * const question = Question.make(singleDigitAddition, { left: 3, right: 4 })
 * question.asked // "3 + 4"
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <S extends Template.Substitutions>(template: Template.Template<S>, substitutions: S): Question => ({
  asked: Template.render(template, substitutions),
  substitutions,
  template: template as Template.Template<any>
})

/**
 * Generates a question: runs each generator of the template (in the order the generators were
 * written), then renders the text.
 *
 * **Details**: a list generator draws one element with `Rng.pick`; a function generator gets a
 * `Rng.Source`. Returns the question and the generator advanced past every draw.
 *
 * @example
 * ```ts
 * import * as Question from "@effect-otp/example-mastery/core/Question"
 * import * as Rng from "@effect-otp/example-mastery/core/Rng"
 * import { capitalOf } from "@effect-otp/example-mastery/core/examples"
 *
 * const [first, rng1] = Question.generate(capitalOf, Rng.make(1))
 * const [second] = Question.generate(capitalOf, rng1)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const generate = (template: Template.Template<any>, rng: Rng.Rng): readonly [Question, Rng.Rng] => {
  const [substitutions, next] = Rng.run(rng, (random) => {
    const chosen: Record<string, Template.Value> = {}
    for (const [name, generator] of Object.entries(template.generators as Template.Generators)) {
      chosen[name] =
        typeof generator === "function"
          ? generator(random)
          : random.pick(generator as Arr.NonEmptyReadonlyArray<Template.Value>)
    }
    return chosen
  })
  return [make(template, substitutions), next]
}
