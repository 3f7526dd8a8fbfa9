/**
 * Mastery: the public API of the quiz app from "Designing Elixir Systems with OTP" (the book's
 * `Mastery` module), on effect-otp.
 *
 * A user drills a quiz until they master it: the quiz asks questions generated from templates,
 * and a template is mastered after `mastery` right answers in a row. The app is built in the
 * book's layers:
 *
 * | layer | modules | what it is |
 * |---|---|---|
 * | core | `core/*` | pure functions over immutable values (`Template`, `Question`, `Response`, `Quiz`, `Rng`) |
 * | boundary | `boundary/QuizManager`, `boundary/QuizSession` | GenServers with typed protocols around the core |
 * | lifecycle | `Lifecycle` | the supervision tree as Layers, and the services that reach the processes by name |
 * | API | `Mastery` (this module) | five functions on those services, and the app's Layer |
 *
 * Every function here needs the services of {@link layer} (or of `Lifecycle.layer` on a node of
 * your own). A session is plain data ({@link Session}: title and email); the process behind it is
 * found by name at each call, so a session survives its process being restarted (its progress
 * does not, by design: see `QuizSession`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as Mastery from "@effect-otp/example-mastery/Mastery"
 * import { singleDigitAddition } from "@effect-otp/example-mastery/core/examples"
 *
 * const program = Effect.gen(function*() {
 *   yield* Mastery.buildQuiz({ title: "Arithmetic", mastery: 2 })
 *   yield* Mastery.addTemplate("Arithmetic", singleDigitAddition)
 *   const session = yield* Mastery.takeQuiz("Arithmetic", "ada@example.com")
 *   const question = yield* Mastery.selectQuestion(session) // e.g. "3 + 4"
 *   const answered = yield* Mastery.answerQuestion(session, "7")
 *   if (answered._tag === "Next") console.log(answered.response.correct, answered.question.asked)
 * })
 *
 * Effect.runPromise(program.pipe(Effect.provide(Mastery.layer)))
 * ```
 *
 * @since 0.1.0
 */
import { type Effect, Layer } from "effect"
import { type Application, type GenServer, Node, type Supervisor } from "effect-otp"
import type * as QuizManagerServer from "./boundary/QuizManager.ts"
import * as QuizSession from "./boundary/QuizSession.ts"
import type * as Quiz from "./core/Quiz.ts"
import type * as Template from "./core/Template.ts"
import * as Lifecycle from "./Lifecycle.ts"

/**
 * A user taking a quiz: `{ title, email }`.
 *
 * @since 0.1.0
 * @category models
 */
export const Session = QuizSession.Session

/**
 * A user taking a quiz: `{ title, email }`, plain data.
 *
 * @since 0.1.0
 * @category models
 */
export type Session = QuizSession.Session

/**
 * The services the API needs.
 *
 * @since 0.1.0
 * @category models
 */
export type Services = Lifecycle.QuizManager | Lifecycle.QuizSessions

/**
 * The whole app: a node, the supervision tree and the services. Releasing it stops every process.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<
  Application.Root | Lifecycle.QuizManager | Lifecycle.QuizSessions | Node.Node,
  Supervisor.StartError
> = Lifecycle.layer.pipe(Layer.provideMerge(Node.layer()))

/**
 * Builds an empty quiz (replacing one with the same title). `mastery` defaults to 3, `seed` to a
 * random number.
 *
 * **Errors**: `InvalidQuiz` for an empty title or a `mastery` that is not a positive integer.
 *
 * @since 0.1.0
 * @category quizzes
 */
export const buildQuiz = (fields: {
  readonly title: string
  readonly mastery?: number | undefined
  readonly seed?: number | undefined
}): Effect.Effect<void, Quiz.InvalidQuiz | GenServer.CallError, Lifecycle.QuizManager> =>
  Lifecycle.QuizManager.use((manager) => manager.buildQuiz(fields))

/**
 * Adds a template to the quiz titled `title`.
 *
 * **Errors**: `QuizNotFound`.
 *
 * @since 0.1.0
 * @category quizzes
 */
export const addTemplate = (
  title: string,
  template: Template.Template<any>
): Effect.Effect<void, QuizManagerServer.QuizNotFound | GenServer.CallError, Lifecycle.QuizManager> =>
  Lifecycle.QuizManager.use((manager) => manager.addTemplate(title, template))

/**
 * Starts a session for `email` on the quiz titled `title`, or returns the running one.
 *
 * **Errors**: `QuizNotFound`.
 *
 * @since 0.1.0
 * @category sessions
 */
export const takeQuiz = (
  title: string,
  email: string
): Effect.Effect<Session, QuizManagerServer.QuizNotFound | GenServer.CallError, Lifecycle.QuizSessions> =>
  Lifecycle.QuizSessions.use((sessions) => sessions.takeQuiz(title, email))

/**
 * Asks the session's next question.
 *
 * **Errors**: `SessionNotFound` (mastered, or never taken); `NothingToAsk` (no templates).
 *
 * @since 0.1.0
 * @category sessions
 */
export const selectQuestion = (
  session: Session
): Effect.Effect<
  QuizSession.Question,
  QuizSession.NothingToAsk | Lifecycle.SessionNotFound | GenServer.CallError,
  Lifecycle.QuizSessions
> => Lifecycle.QuizSessions.use((sessions) => sessions.selectQuestion(session))

/**
 * Answers the session's current question: `Next` (the checked response and the next question) or
 * `Mastered` (the session has stopped).
 *
 * **Errors**: `SessionNotFound`; `NoCurrentQuestion` (no question selected since the session
 * started or was restarted).
 *
 * @since 0.1.0
 * @category sessions
 */
export const answerQuestion = (
  session: Session,
  answer: string
): Effect.Effect<
  QuizSession.Answered,
  QuizSession.NoCurrentQuestion | Lifecycle.SessionNotFound | GenServer.CallError,
  Lifecycle.QuizSessions
> => Lifecycle.QuizSessions.use((sessions) => sessions.answerQuestion(session, answer))

/**
 * The session's progress: mastered templates, streaks, answers, current question.
 *
 * @since 0.1.0
 * @category sessions
 */
export const progress = (
  session: Session
): Effect.Effect<QuizSession.Progress, Lifecycle.SessionNotFound | GenServer.CallError, Lifecycle.QuizSessions> =>
  Lifecycle.QuizSessions.use((sessions) => sessions.progress(session))
