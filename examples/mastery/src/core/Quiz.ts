/**
 * A quiz: the functional core of Mastery. It asks questions generated from its templates until the
 * user has answered `mastery` questions of every template right in a row.
 *
 * A quiz is an immutable value; every function returns a new one. It is meant to be the state of
 * one process (a quiz session server) that calls these functions in its handlers, as in the book's
 * "functional core, boundary" layering. Nothing here does I/O, reads a clock or draws from a global
 * random source.
 *
 * The life of a quiz:
 *
 * 1. {@link make} it with a title, a `mastery` (default {@link defaultMastery}) and a seed;
 * 2. {@link addTemplate} for each template;
 * 3. {@link selectQuestion}: the quiz picks an unmastered template and generates a question
 *    (`None` when every template is mastered: the user is done);
 * 4. make a `Response` to `currentQuestion` and {@link answerQuestion}; go to 3.
 *
 * Guarantees:
 *
 * - **Cycling**: within a cycle, each unmastered template is asked once, in random order (a random
 *   category first, then a random template in it, as in the book); when all have been asked,
 *   a new cycle starts with the templates that are still unmastered.
 * - A mastered template is never selected again.
 * - **Mastery**: a template is mastered after exactly `mastery` right answers in a row; a wrong
 *   answer resets its count to 0.
 * - **Determinism**: the quiz carries its random generator (`rng`). The same seed and the same
 *   calls give the same questions.
 *
 * Differences from the book, on purpose:
 *
 * - `templates` is the catalogue of every template, and `used` / `mastered` hold template *names*.
 *   The book moves template structs between three collections; here membership is by name, so a
 *   template can neither be lost nor duplicated (the book's `advance` could crash when the
 *   mastered template's category was already empty).
 * - {@link answerQuestion} finds the template by the response's `templateName`, not through the
 *   current question, so it is total: an answer to an unknown or already mastered template is only
 *   stored as `lastResponse`.
 *
 * **Gotchas**: a quiz holds templates, which hold functions, so it cannot be serialised. Keep it in
 * one process; send `Response`s and template names between processes.
 *
 * @example
 * ```ts
 * import { DateTime, Option, Result } from "effect"
 * import * as Quiz from "@effect-otp/example-mastery/core/Quiz"
 * import * as Response from "@effect-otp/example-mastery/core/Response"
 * import { singleDigitAddition } from "@effect-otp/example-mastery/core/examples"
 *
 * let quiz = Quiz.addTemplate(Quiz.makeUnsafe({ title: "Arithmetic", mastery: 2, seed: 42 }), singleDigitAddition)
 * for (;;) {
 *   const selected = Quiz.selectQuestion(quiz)
 *   if (Option.isNone(selected)) break // mastered
 *   quiz = selected.value
 *   const { left, right } = quiz.currentQuestion.pipe(Option.getOrThrow).substitutions as { left: number; right: number }
 *   const response = Response.fromQuiz(quiz, {
 *     email: "ada@example.com",
 *     answer: String(left + right),
 *     timestamp: DateTime.makeUnsafe(0)
 *   }).pipe(Option.getOrThrow)
 *   quiz = Quiz.answerQuestion(quiz, response)
 * }
 * Quiz.isMastered(quiz) // true
 * ```
 *
 * @since 0.1.0
 */
import { Function, Option, Result, Schema } from "effect"
import * as Question from "./Question.ts"
import type * as Response from "./Response.ts"
import * as Rng from "./Rng.ts"
import type * as Template from "./Template.ts"

/**
 * A quiz's state.
 *
 * @since 0.1.0
 * @category models
 */
export interface Quiz {
  readonly title: string
  /** How many right answers in a row master a template. */
  readonly mastery: number
  /** Every template of the quiz, by category, in the order they were added. */
  readonly templates: ReadonlyMap<string, ReadonlyArray<Template.Template>>
  /** The names of the templates already asked in the current cycle, in the order they were asked. */
  readonly used: ReadonlyArray<string>
  /** The names of the mastered templates, in the order they were mastered. */
  readonly mastered: ReadonlyArray<string>
  /** The question selected last; `None` before the first {@link selectQuestion}. */
  readonly currentQuestion: Option.Option<Question.Question>
  /** The response answered last; `None` before the first {@link answerQuestion}. */
  readonly lastResponse: Option.Option<Response.Response>
  /** Right answers in a row, by template name. A template without an entry has 0. */
  readonly record: ReadonlyMap<string, number>
  /** The random generator the next selection draws from. */
  readonly rng: Rng.Rng
}

/**
 * What {@link make} takes.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly title: string
  /** A positive integer; {@link defaultMastery} when absent. */
  readonly mastery?: number | undefined
  /** Seeds the quiz's random generator (see `Rng.make`). */
  readonly seed: number
}

/**
 * The default `mastery`: 3 right answers in a row, the book's default. Enough that a lucky guess
 * does not count, few enough to keep a drill short.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultMastery = 3

/**
 * A quiz was rejected when it was made. `field` is the field at fault, `reason` says why.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidQuiz extends Schema.TaggedError<InvalidQuiz>()("InvalidQuiz", {
  title: Schema.String,
  field: Schema.Literals(["title", "mastery"]),
  reason: Schema.String
}) {
  override get message(): string {
    return `invalid quiz "${this.title}": ${this.field}: ${this.reason}`
  }
}

const update = (quiz: Quiz, changes: Partial<Quiz>): Quiz => ({ ...quiz, ...changes })

/**
 * Makes an empty quiz.
 *
 * **Details**: fails with {@link InvalidQuiz} when the title is empty or `mastery` is not a
 * positive integer. The seed has no default on purpose: a pure function cannot invent one, and a
 * fixed default would ask every user the same questions. The boundary draws it (for instance
 * `yield* Random.nextInt`).
 *
 * @example
 * ```ts
 * import { Result } from "effect"
 * import * as Quiz from "@effect-otp/example-mastery/core/Quiz"
 *
 * const result = Quiz.make({ title: "Arithmetic", seed: 42 })
 * Result.isSuccess(result) // true; mastery is 3
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Result.Result<Quiz, InvalidQuiz> => {
  const mastery = options.mastery ?? defaultMastery
  if (options.title.trim() === "") {
    return Result.fail(new InvalidQuiz({ title: options.title, field: "title", reason: "must not be empty" }))
  }
  if (!Number.isSafeInteger(mastery) || mastery < 1) {
    return Result.fail(
      new InvalidQuiz({ title: options.title, field: "mastery", reason: `must be a positive integer, got ${mastery}` })
    )
  }
  return Result.succeed({
    title: options.title,
    mastery,
    templates: new Map(),
    used: [],
    mastered: [],
    currentQuestion: Option.none(),
    lastResponse: Option.none(),
    record: new Map(),
    rng: Rng.make(options.seed)
  })
}

/**
 * The book's name for {@link make} (`Quiz.new`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const newQuiz: (options: Options) => Result.Result<Quiz, InvalidQuiz> = make

/**
 * Like {@link make}, but throws the {@link InvalidQuiz}: for quizzes written in code.
 *
 * @example
 * ```ts
 * import * as Quiz from "@effect-otp/example-mastery/core/Quiz"
 *
 * const quiz = Quiz.makeUnsafe({ title: "Capitals", mastery: 2, seed: 7 })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeUnsafe = (options: Options): Quiz => Result.getOrThrow(make(options))

/**
 * Adds a template to the quiz, in its category.
 *
 * **Details**: names are unique within a quiz. Adding a template whose name is already there
 * replaces the old one (it may change category) and keeps its progress: its record, and whether it
 * is used or mastered. A new template can be asked from the next selection on.
 *
 * @example
 * ```ts
 * import { pipe } from "effect"
 * import * as Quiz from "@effect-otp/example-mastery/core/Quiz"
 * import { capitalOf, singleDigitAddition } from "@effect-otp/example-mastery/core/examples"
 *
 * const quiz = pipe(
 *   Quiz.makeUnsafe({ title: "Mixed", seed: 1 }),
 *   Quiz.addTemplate(singleDigitAddition),
 *   Quiz.addTemplate(capitalOf)
 * )
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const addTemplate: {
  (template: Template.Template<any>): (quiz: Quiz) => Quiz
  (quiz: Quiz, template: Template.Template<any>): Quiz
} = Function.dual(2, (quiz: Quiz, template: Template.Template<any>): Quiz => {
  const templates = new Map(removeTemplate(quiz.templates, template.name))
  templates.set(template.category, [...(templates.get(template.category) ?? []), template])
  return update(quiz, { templates })
})

const removeTemplate = (
  templates: ReadonlyMap<string, ReadonlyArray<Template.Template>>,
  name: string
): ReadonlyMap<string, ReadonlyArray<Template.Template>> => {
  const result = new Map<string, ReadonlyArray<Template.Template>>()
  for (const [category, list] of templates) {
    const kept = list.filter((template) => template.name !== name)
    if (kept.length > 0) result.set(category, kept)
  }
  return result
}

/**
 * Every template of the quiz, in category order, then in the order they were added.
 *
 * @since 0.1.0
 * @category getters
 */
export const allTemplates = (quiz: Quiz): ReadonlyArray<Template.Template> => [...quiz.templates.values()].flat()

/**
 * The template with this name, if the quiz has one.
 *
 * @since 0.1.0
 * @category getters
 */
export const findTemplate: {
  (name: string): (quiz: Quiz) => Option.Option<Template.Template>
  (quiz: Quiz, name: string): Option.Option<Template.Template>
} = Function.dual(
  2,
  (quiz: Quiz, name: string): Option.Option<Template.Template> =>
    Option.fromUndefinedOr(allTemplates(quiz).find((template) => template.name === name))
)

/**
 * Whether the template with this name is mastered.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isTemplateMastered: {
  (name: string): (quiz: Quiz) => boolean
  (quiz: Quiz, name: string): boolean
} = Function.dual(2, (quiz: Quiz, name: string): boolean => quiz.mastered.includes(name))

/**
 * Whether the user is done: the quiz has templates and every one is mastered.
 *
 * **Details**: a quiz without templates is not mastered (nothing was learnt), although
 * {@link selectQuestion} has nothing to ask from it either.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isMastered = (quiz: Quiz): boolean => {
  const all = allTemplates(quiz)
  return all.length > 0 && all.every((template) => quiz.mastered.includes(template.name))
}

/**
 * The templates that the current cycle can still ask, by category (empty categories left out).
 *
 * @since 0.1.0
 * @category getters
 */
export const available = (quiz: Quiz): ReadonlyMap<string, ReadonlyArray<Template.Template>> => {
  const result = new Map<string, ReadonlyArray<Template.Template>>()
  for (const [category, list] of quiz.templates) {
    const open = list.filter((template) => !quiz.used.includes(template.name) && !quiz.mastered.includes(template.name))
    if (open.length > 0) result.set(category, open)
  }
  return result
}

/**
 * Selects the next question: returns the quiz with a new `currentQuestion`, or `None` when there is
 * nothing left to ask (every template is mastered, or there are none).
 *
 * **Details**
 *
 * - Draws a random category among those with templates not yet asked in this cycle, then a random
 *   template in it (the book's `Enum.random` twice), and generates a question from it.
 * - The template's name goes to `used`. When every unmastered template has been used, `used` is
 *   cleared and a new cycle starts.
 * - Only `rng` (advanced), `used` and `currentQuestion` change.
 *
 * **Gotchas**: selecting again without answering replaces the current question; the skipped
 * template counts as used for this cycle.
 *
 * @example
 * ```ts
 * import { Option } from "effect"
 * import * as Quiz from "@effect-otp/example-mastery/core/Quiz"
 * import { singleDigitAddition } from "@effect-otp/example-mastery/core/examples"
 *
 * const quiz = Quiz.addTemplate(Quiz.makeUnsafe({ title: "Arithmetic", seed: 42 }), singleDigitAddition)
 * const asked = Quiz.selectQuestion(quiz).pipe(
 *   Option.flatMap((selected) => selected.currentQuestion),
 *   Option.map((question) => question.asked)
 * ) // e.g. Option.some("3 + 7")
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const selectQuestion = (quiz: Quiz): Option.Option<Quiz> => {
  let used = quiz.used
  let groups = available(quiz)
  if (groups.size === 0 && used.length > 0) {
    used = []
    groups = available(update(quiz, { used }))
  }
  const categories = [...groups.keys()]
  if (categories.length === 0) return Option.none()
  const [category, rng1] = Rng.pick(quiz.rng, categories as [string, ...Array<string>])
  const [template, rng2] = Rng.pick(rng1, groups.get(category)! as [Template.Template, ...Array<Template.Template>])
  const [question, rng3] = Question.generate(template, rng2)
  return Option.some(
    update(quiz, { used: [...used, template.name], currentQuestion: Option.some(question), rng: rng3 })
  )
}

/**
 * Takes a response into account: the quiz's record for the response's template goes up by one for
 * a right answer (and the template is mastered when it reaches `mastery`), and back to 0 for a
 * wrong one. The response becomes `lastResponse`.
 *
 * **Details**
 *
 * - A mastered template leaves `used` and `record` (the book's `advance`) and joins `mastered`.
 * - The template is found by `response.templateName`. A response for a template the quiz does not
 *   have, or has already mastered, changes only `lastResponse`. `quizTitle` is not checked.
 * - `currentQuestion` is kept: call {@link selectQuestion} for the next one.
 *
 * @example
 * ```ts
 * import * as Quiz from "@effect-otp/example-mastery/core/Quiz"
 * import type * as Response from "@effect-otp/example-mastery/core/Response"
 * declare const quiz: Quiz.Quiz
 * declare const response: Response.Response
 *
 * const next = Quiz.answerQuestion(quiz, response)
 * next.record.get(response.templateName) // the count of right answers in a row
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const answerQuestion: {
  (response: Response.Response): (quiz: Quiz) => Quiz
  (quiz: Quiz, response: Response.Response): Quiz
} = Function.dual(2, (quiz: Quiz, response: Response.Response): Quiz => {
  const name = response.templateName
  const lastResponse = Option.some(response)
  if (Option.isNone(findTemplate(quiz, name)) || isTemplateMastered(quiz, name)) {
    return update(quiz, { lastResponse })
  }
  const record = new Map(quiz.record)
  if (!response.correct) {
    record.delete(name)
    return update(quiz, { lastResponse, record })
  }
  const count = (quiz.record.get(name) ?? 0) + 1
  if (count < quiz.mastery) {
    record.set(name, count)
    return update(quiz, { lastResponse, record })
  }
  record.delete(name)
  return update(quiz, {
    lastResponse,
    record,
    mastered: [...quiz.mastered, name],
    used: quiz.used.filter((used) => used !== name)
  })
})
