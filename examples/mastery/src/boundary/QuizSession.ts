/**
 * A quiz session: one GenServer per user taking a quiz (the book's `Mastery.Boundary.QuizSession`).
 *
 * A session holds one `Quiz` (with the user's progress: streaks, mastered templates, the current
 * question) and the user's email. It asks questions and checks answers with the pure functions of
 * the core (`Quiz.selectQuestion`, `Response.fromQuiz`, `Quiz.answerQuestion`), reading only the
 * clock for the response's timestamp.
 *
 * - **One process per (quiz title, email)**, registered under {@link nameOf}, so a client reaches a
 *   session by the pair alone: the {@link Session} value is the book's `{title, email}` tuple.
 * - **Started on demand under a DynamicSupervisor** registered as {@link supervisorName}
 *   ({@link takeQuiz}), with restart `transient`: a session that crashes or is killed is
 *   restarted under the same name; a session whose user mastered the quiz stops `Normal` and is
 *   not restarted (its name is freed).
 *
 * ## Protocol
 *
 * | request | reply | errors |
 * |---|---|---|
 * | {@link SelectQuestion} | {@link Question} | {@link NothingToAsk} (a quiz without templates) |
 * | {@link AnswerQuestion} `{ answer }` | {@link Next} (the checked `Response` and the next question) or {@link Mastered} (then the session stops) | {@link NoCurrentQuestion} |
 * | {@link GetProgress} | {@link Progress} | |
 *
 * Every request, reply and error is plain data with a Schema (the core's `Response` included), so
 * this protocol could cross a thread or a node; the quiz itself stays in the process.
 *
 * ## What survives a restart, by design
 *
 * A session's state lives in its process only. When the process crashes (or is killed), the
 * DynamicSupervisor starts a new one **from the child spec's start arguments**: the quiz as the
 * quiz manager had it when the user took it, and the email. So:
 *
 * - **survives**: the session's name (title and email), so clients routed by name keep working;
 *   the quiz's title, templates, mastery and seed (the same seed, so the same question sequence
 *   restarts from the beginning);
 * - **is lost**: all progress: the streaks, the mastered templates, the number of answers, the
 *   current question and the last response. After a restart, answer with `NoCurrentQuestion`
 *   until {@link SelectQuestion} asks a new question.
 *
 * This is the book's choice ("let it crash" gives back a *known good* state, not the state that
 * led to the crash); it discusses keeping progress in a database, which comes later.
 * Templates added to the quiz after the user took it are not seen by the session, before or
 * after a restart.
 *
 * @example
 * ```ts
 * import { Effect, Option } from "effect"
 * import { DynamicSupervisor, GenServer, Node } from "effect-otp"
 * import * as QuizSession from "@effect-otp/example-mastery/boundary/QuizSession"
 * import * as Quiz from "@effect-otp/example-mastery/core/Quiz"
 * import { singleDigitAddition } from "@effect-otp/example-mastery/core/examples"
 *
 * const quiz = Quiz.addTemplate(Quiz.makeUnsafe({ title: "Arithmetic", mastery: 1, seed: 1 }), singleDigitAddition)
 *
 * const program = Effect.gen(function*() {
 *   const sessions = yield* DynamicSupervisor.start({ name: QuizSession.supervisorName })
 *   const session = yield* QuizSession.takeQuiz(sessions, quiz, "ada@example.com")
 *   const server = yield* QuizSession.named(session)
 *   const question = yield* QuizSession.selectQuestion(server) // e.g. { asked: "3 + 4", ... }
 *   return yield* QuizSession.answerQuestion(server, "7") // Mastered: mastery 1, one template
 * })
 *
 * Effect.runPromise(program.pipe(Effect.provide(Node.layer())))
 * ```
 *
 * @since 0.1.0
 */
import { DateTime, Effect, Option, Schema } from "effect"
import { type ChildSpec, DynamicSupervisor, ExitReason, GenServer, type Node, type Process, Request } from "effect-otp"
import * as Quiz from "../core/Quiz.ts"
import * as Response from "../core/Response.ts"

// ---------------------------------------------------------------------------------------------
// Naming
// ---------------------------------------------------------------------------------------------

/**
 * The name the sessions' DynamicSupervisor is registered under.
 *
 * @since 0.1.0
 * @category naming
 */
export const supervisorName = "mastery/quiz_sessions"

/**
 * A session: which user takes which quiz (the book's `{title, email}`). Plain data; the session's
 * process is found by name from it.
 *
 * @since 0.1.0
 * @category models
 */
export class Session extends Schema.Class<Session>("Mastery/Session")({
  title: Schema.String,
  email: Schema.String
}) {}

const escape = (part: string): string => part.replaceAll("%", "%25").replaceAll("/", "%2F")

/**
 * The registered name of a session's process: `mastery/session/<title>/<email>`, with `%` and `/`
 * escaped in both parts, so two different sessions never share a name.
 *
 * @example
 * ```ts
 * import * as QuizSession from "@effect-otp/example-mastery/boundary/QuizSession"
 *
 * QuizSession.nameOf({ title: "Basics", email: "ada@example.com" }) // "mastery/session/Basics/ada@example.com"
 * ```
 *
 * @since 0.1.0
 * @category naming
 */
export const nameOf = (session: { readonly title: string; readonly email: string }): string =>
  `mastery/session/${escape(session.title)}/${escape(session.email)}`

// ---------------------------------------------------------------------------------------------
// Replies and errors
// ---------------------------------------------------------------------------------------------

/**
 * A question as the user sees it: what the session sends instead of the core's `Question`, which
 * holds its template (functions).
 *
 * @since 0.1.0
 * @category models
 */
export class Question extends Schema.Class<Question>("Mastery/AskedQuestion")({
  templateName: Schema.String,
  category: Schema.String,
  instructions: Schema.String,
  /** The question text. */
  asked: Schema.String
}) {}

/**
 * The answer was checked; here is the next question.
 *
 * @since 0.1.0
 * @category models
 */
export class Next extends Schema.TaggedClass<Next>()("Next", {
  response: Response.Response,
  question: Question
}) {}

/**
 * The answer was checked and the user has mastered every template: the session has stopped.
 *
 * @since 0.1.0
 * @category models
 */
export class Mastered extends Schema.TaggedClass<Mastered>()("Mastered", {
  response: Response.Response,
  /** How many answers the session took, this one included. */
  answered: Schema.Number
}) {}

/**
 * What answering a question gives.
 *
 * @since 0.1.0
 * @category models
 */
export const Answered = Schema.Union([Next, Mastered])

/**
 * What answering a question gives: {@link Next} or {@link Mastered}.
 *
 * @since 0.1.0
 * @category models
 */
export type Answered = Next | Mastered

/**
 * A snapshot of a session's progress (for display, debugging and tests).
 *
 * @since 0.1.0
 * @category models
 */
export class Progress extends Schema.Class<Progress>("Mastery/Progress")({
  title: Schema.String,
  email: Schema.String,
  mastery: Schema.Number,
  /** Every template of the quiz. */
  templates: Schema.Array(Schema.String),
  /** The templates mastered, in the order they were mastered. */
  mastered: Schema.Array(Schema.String),
  /** Right answers in a row, by template (templates at 0 left out). */
  streaks: Schema.Record(Schema.String, Schema.Number),
  /** Answers given to this session process. */
  answered: Schema.Number,
  /** The question waiting for an answer. */
  currentQuestion: Schema.Option(Schema.String)
}) {}

/**
 * The quiz has nothing to ask: it has no templates.
 *
 * @since 0.1.0
 * @category errors
 */
export class NothingToAsk extends Schema.TaggedError<NothingToAsk>()("NothingToAsk", {
  title: Schema.String
}) {
  override get message(): string {
    return `the quiz "${this.title}" has no template to ask from`
  }
}

/**
 * An answer came before any question was selected (or after a restart lost the question).
 *
 * @since 0.1.0
 * @category errors
 */
export class NoCurrentQuestion extends Schema.TaggedError<NoCurrentQuestion>()("NoCurrentQuestion", {
  title: Schema.String,
  email: Schema.String
}) {
  override get message(): string {
    return `${this.email} has no question to answer in "${this.title}": select a question first`
  }
}

// ---------------------------------------------------------------------------------------------
// Protocol
// ---------------------------------------------------------------------------------------------

/**
 * Selects the next question (replacing an unanswered one).
 *
 * @since 0.1.0
 * @category protocol
 */
export class SelectQuestion extends Request.Class<SelectQuestion>()("SelectQuestion", {
  success: Question,
  failure: NothingToAsk
}) {}

/**
 * Answers the current question; replies with the checked response and the next question, or
 * {@link Mastered} (and stops) when every template is mastered.
 *
 * @since 0.1.0
 * @category protocol
 */
export class AnswerQuestion extends Request.Class<AnswerQuestion>()("AnswerQuestion", {
  fields: { answer: Schema.String },
  success: Answered,
  failure: NoCurrentQuestion
}) {}

/**
 * The session's progress now.
 *
 * @since 0.1.0
 * @category protocol
 */
export class GetProgress extends Request.Class<GetProgress>()("GetProgress", {
  success: Progress
}) {}

/**
 * The requests of a session.
 *
 * @since 0.1.0
 * @category protocol
 */
export type Requests = SelectQuestion | AnswerQuestion | GetProgress

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

/**
 * A session's start arguments: the quiz, as the quiz manager had it, and who takes it. A restart
 * starts from them again.
 *
 * @since 0.1.0
 * @category models
 */
export interface Args {
  readonly quiz: Quiz.Quiz
  readonly email: string
}

/**
 * A session's state.
 *
 * @since 0.1.0
 * @category models
 */
export interface State {
  readonly quiz: Quiz.Quiz
  readonly email: string
  /** Answers given to this process. */
  readonly answered: number
}

const toQuestion = (quiz: Quiz.Quiz): Question => {
  const question = Option.getOrThrow(quiz.currentQuestion)
  return new Question({
    templateName: question.template.name,
    category: question.template.category,
    instructions: question.template.instructions,
    asked: question.asked
  })
}

/**
 * The progress of a session's state.
 *
 * @since 0.1.0
 * @category models
 */
export const progressOf = (state: State): Progress =>
  new Progress({
    title: state.quiz.title,
    email: state.email,
    mastery: state.quiz.mastery,
    templates: Quiz.allTemplates(state.quiz).map((template) => template.name),
    mastered: state.quiz.mastered,
    streaks: Object.fromEntries(state.quiz.record),
    answered: state.answered,
    currentQuestion: Option.map(state.quiz.currentQuestion, (question) => question.asked)
  })

/**
 * A session's callbacks.
 *
 * @since 0.1.0
 * @category behaviour
 */
export const behaviour = GenServer.behaviour({
  protocol: [SelectQuestion, AnswerQuestion, GetProgress],
  init: (args: Args) => Effect.succeed(GenServer.ok<State>({ quiz: args.quiz, email: args.email, answered: 0 })),
  handleCall: {
    SelectQuestion: (_, state) =>
      Effect.succeed(
        Option.match(Quiz.selectQuestion(state.quiz), {
          onNone: () => GenServer.replyError(new NothingToAsk({ title: state.quiz.title }), state),
          onSome: (quiz) => GenServer.reply(toQuestion(quiz), { ...state, quiz })
        })
      ),
    AnswerQuestion: (request, state) =>
      Effect.map(DateTime.now, (timestamp): GenServer.CallResult<Answered, NoCurrentQuestion, State> => {
        const response = Response.fromQuiz(state.quiz, { email: state.email, answer: request.answer, timestamp })
        if (Option.isNone(response)) {
          return GenServer.replyError(new NoCurrentQuestion({ title: state.quiz.title, email: state.email }), state)
        }
        const answered = state.answered + 1
        const quiz = Quiz.answerQuestion(state.quiz, response.value)
        return Option.match(Quiz.selectQuestion(quiz), {
          // every template mastered: reply, then stop Normal (transient: not restarted)
          onNone: () =>
            GenServer.stopWith<State, Answered>(
              ExitReason.normal,
              { ...state, quiz, answered },
              { reply: new Mastered({ response: response.value, answered }) }
            ),
          onSome: (next) =>
            GenServer.reply(new Next({ response: response.value, question: toQuestion(next) }), {
              ...state,
              quiz: next,
              answered
            })
        })
      }),
    GetProgress: (_, state) => Effect.succeed(GenServer.reply(progressOf(state), state))
  }
})

/**
 * A reference to a session process.
 *
 * @since 0.1.0
 * @category models
 */
export type Server = GenServer.Server<Requests>

/**
 * The child spec of a session under the sessions' DynamicSupervisor: registered under
 * {@link nameOf}, restart `transient` (restarted after a crash, not after mastery).
 *
 * @since 0.1.0
 * @category supervision
 */
export const childSpec = (
  quiz: Quiz.Quiz,
  email: string
): ChildSpec.ChildSpec<GenServer.StartError, Node.Node | Process.Self<unknown>> => {
  const name = nameOf({ title: quiz.title, email })
  return GenServer.childSpec(name, behaviour, { quiz, email }, { name, restart: "transient" })
}

/**
 * The sessions' DynamicSupervisor, as a child of the app's root supervisor.
 *
 * @since 0.1.0
 * @category supervision
 */
export const supervisorChildSpec = (): ChildSpec.ChildSpec<
  DynamicSupervisor.StartError,
  Node.Node | Process.Self<unknown>
> => DynamicSupervisor.childSpec("quiz_sessions", { name: supervisorName })

/**
 * Starts a session for `email` on `quiz` under the sessions' supervisor (the book's
 * `QuizSession.take_quiz`). If that user already has a session on a quiz of that title, returns it
 * unchanged: taking a quiz again resumes it.
 *
 * **Errors**: `CallError` when the supervisor is not reachable. The other start errors cannot
 * happen here (no child limit, no init timeout, an `init` that cannot fail, a node that runs) and
 * are defects.
 *
 * @since 0.1.0
 * @category client
 */
export const takeQuiz = <X>(
  supervisor: DynamicSupervisor.DynamicSupervisor<X>,
  quiz: Quiz.Quiz,
  email: string
): Effect.Effect<Session, GenServer.CallError> => {
  const session = new Session({ title: quiz.title, email })
  return DynamicSupervisor.startChild(supervisor, childSpec(quiz, email)).pipe(
    Effect.as(session),
    Effect.catchTag("AlreadyRegistered", () => Effect.succeed(session)),
    Effect.catchTags({
      MaxChildren: Effect.die,
      InvalidChildSpec: Effect.die,
      StartTimeout: Effect.die,
      InitFailed: Effect.die,
      NodeClosed: Effect.die,
      ChildStartFailed: Effect.die,
      BadArgument: Effect.die
    })
  )
}

/**
 * A reference to the session's process, by name: it follows the session across restarts.
 *
 * @since 0.1.0
 * @category references
 */
export const named = (session: {
  readonly title: string
  readonly email: string
}): Effect.Effect<Server, never, Node.Node> => GenServer.named(behaviour, nameOf(session))

/**
 * Selects the next question.
 *
 * @since 0.1.0
 * @category client
 */
export const selectQuestion = (server: Server): Effect.Effect<Question, NothingToAsk | GenServer.CallError> =>
  GenServer.call(server, new SelectQuestion())

/**
 * Answers the current question.
 *
 * @since 0.1.0
 * @category client
 */
export const answerQuestion = (
  server: Server,
  answer: string
): Effect.Effect<Answered, NoCurrentQuestion | GenServer.CallError> =>
  GenServer.call(server, new AnswerQuestion({ answer }))

/**
 * The session's progress.
 *
 * @since 0.1.0
 * @category client
 */
export const progress = (server: Server): Effect.Effect<Progress, GenServer.CallError> =>
  GenServer.call(server, new GetProgress())
