/**
 * A user's answer to a question, checked and stamped: what the quiz learns from and what the book
 * later persists.
 *
 * A response records the quiz's title, the template's name, the text the user was asked (`to`),
 * who answered (`email`), the `answer`, whether it was `correct` (decided once, by the template's
 * checker, when the response is made) and when (`timestamp`).
 *
 * It is a `Schema.Class` of plain data (strings, a boolean, a `DateTime.Utc`), unlike a template or
 * a question: it can be sent as a message to another process or node, logged, and stored. Use
 * `Schema.toCodecJson(Response)` to encode it (the timestamp becomes an ISO string) and decode it
 * back.
 *
 * The timestamp is an argument, so making a response stays pure: the boundary reads the clock
 * (`yield* DateTime.now`, which follows `TestClock` in tests).
 *
 * @example
 * ```ts
 * import { DateTime, Effect, Option } from "effect"
 * import * as Quiz from "@effect-otp/example-mastery/core/Quiz"
 * import * as Response from "@effect-otp/example-mastery/core/Response"
 *
 * const answer = (quiz: Quiz.Quiz, email: string, text: string) =>
 *   Effect.gen(function*() {
 *     const timestamp = yield* DateTime.now
 *     return Response.fromQuiz(quiz, { email, answer: text, timestamp }).pipe(
 *       Option.map((response) => Quiz.answerQuestion(quiz, response))
 *     )
 *   })
 * ```
 *
 * @since 0.1.0
 */
import { Option, Schema } from "effect"
import type { DateTime } from "effect"
import type * as Question from "./Question.ts"
import type * as Quiz from "./Quiz.ts"

/**
 * A checked answer.
 *
 * @since 0.1.0
 * @category models
 */
export class Response extends Schema.Class<Response>("Mastery/Response")({
  quizTitle: Schema.String,
  templateName: Schema.String,
  /** The question text the user answered. */
  to: Schema.String,
  email: Schema.String,
  answer: Schema.String,
  correct: Schema.Boolean,
  timestamp: Schema.DateTimeUtc
}) {}

/**
 * Makes a response to a question: checks the answer with the question's template.
 *
 * @example
 * ```ts
 * import { DateTime } from "effect"
 * import * as Question from "@effect-otp/example-mastery/core/Question"
 * import * as Response from "@effect-otp/example-mastery/core/Response"
 * import { singleDigitAddition } from "@effect-otp/example-mastery/core/examples"
 *
 * const response = Response.make({
 *   quizTitle: "Arithmetic",
 *   question: Question.make(singleDigitAddition, { left: 3, right: 4 }),
 *   email: "ada@example.com",
 *   answer: "7",
 *   timestamp: DateTime.makeUnsafe(0)
 * })
 * response.correct // true
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: {
  readonly quizTitle: string
  readonly question: Question.Question
  readonly email: string
  readonly answer: string
  readonly timestamp: DateTime.Utc
}): Response =>
  new Response({
    quizTitle: options.quizTitle,
    templateName: options.question.template.name,
    to: options.question.asked,
    email: options.email,
    answer: options.answer,
    correct: options.question.template.checker(options.question.substitutions, options.answer),
    timestamp: options.timestamp
  })

/**
 * Makes a response to the quiz's current question (the book's `Response.new(quiz, email, answer)`),
 * or `None` when no question has been selected yet.
 *
 * @example
 * ```ts
 * import { DateTime, Option } from "effect"
 * import * as Quiz from "@effect-otp/example-mastery/core/Quiz"
 * import * as Response from "@effect-otp/example-mastery/core/Response"
 * declare const quiz: Quiz.Quiz
 *
 * const response = Response.fromQuiz(quiz, { email: "ada@example.com", answer: "7", timestamp: DateTime.makeUnsafe(0) })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromQuiz = (
  quiz: Quiz.Quiz,
  options: { readonly email: string; readonly answer: string; readonly timestamp: DateTime.Utc }
): Option.Option<Response> =>
  Option.map(quiz.currentQuestion, (question) => make({ quizTitle: quiz.title, question, ...options }))
