/**
 * The quiz manager: a GenServer that holds every quiz of the app, by title (the book's
 * `Mastery.Boundary.QuizManager`).
 *
 * Quizzes are built here, templates are added to them here, and a quiz session gets its quiz from
 * here when a user takes it. The state is a `ReadonlyMap<title, Quiz>`; every handler is a thin
 * shell around a pure function of the core (`Quiz.make`, `Quiz.addTemplate`).
 *
 * The server runs once per node, registered as {@link name}, under the app's root supervisor
 * ({@link childSpec}). Reach it with {@link named}: the reference looks the name up at every call,
 * so it follows the server across restarts.
 *
 * ## Protocol
 *
 * | request | reply | errors |
 * |---|---|---|
 * | {@link BuildQuiz} `{ title, mastery?, seed? }` | `void` | `InvalidQuiz` |
 * | {@link AddTemplate} `{ title, template }` | `void` | {@link QuizNotFound} |
 * | {@link LookupQuizByTitle} `{ title }` | `Option<Quiz>` | |
 * | {@link RemoveQuiz} `{ title }` | `void` | |
 *
 * **Gotchas**
 *
 * - Templates and quizzes hold functions (generators, checkers), so {@link AddTemplate} and the
 *   reply of {@link LookupQuizByTitle} carry values that cannot be serialised: their Schemas
 *   ({@link TemplateSchema}, {@link QuizSchema}) are declared by a type guard and have no encoding.
 *   These requests are for processes on the same node; they cannot cross a worker thread or
 *   another node (send template *names* and `Response`s there).
 * - Building a quiz whose title exists replaces it (as the book's `Map.put`); sessions already
 *   running keep the quiz they started with.
 * - The quizzes live in this process only. If it crashes, its supervisor restarts it **empty**:
 *   quizzes must be built again (the book keeps it that way; persistence comes later in the book).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { GenServer, Node } from "effect-otp"
 * import * as QuizManager from "@effect-otp/example-mastery/boundary/QuizManager"
 * import { singleDigitAddition } from "@effect-otp/example-mastery/core/examples"
 *
 * const program = Effect.gen(function*() {
 *   const manager = yield* GenServer.start(QuizManager.behaviour, undefined, { name: QuizManager.name })
 *   yield* QuizManager.buildQuiz(manager, { title: "Arithmetic", mastery: 2, seed: 1 })
 *   yield* QuizManager.addTemplate(manager, "Arithmetic", singleDigitAddition)
 *   return yield* QuizManager.lookupQuizByTitle(manager, "Arithmetic") // Option.some(quiz)
 * })
 *
 * Effect.runPromise(program.pipe(Effect.provide(Node.layer())))
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Option, Random, Result, Schema } from "effect"
import { type ChildSpec, GenServer, type Node, type Process, Request } from "effect-otp"
import * as Quiz from "../core/Quiz.ts"
import type * as Template from "../core/Template.ts"

/**
 * The name the quiz manager is registered under.
 *
 * @since 0.1.0
 * @category naming
 */
export const name = "mastery/quiz_manager"

// ---------------------------------------------------------------------------------------------
// Schemas of local-only values
// ---------------------------------------------------------------------------------------------

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

/**
 * A compiled template, checked by shape. Declared (no encoding): a template holds functions, so it
 * can be sent to a process of the same node but not serialised.
 *
 * @since 0.1.0
 * @category schemas
 */
export const TemplateSchema = Schema.declare<Template.Template>(
  (u): u is Template.Template =>
    isRecord(u) &&
    typeof u.name === "string" &&
    typeof u.category === "string" &&
    Array.isArray(u.compiled) &&
    typeof u.checker === "function",
  { title: "Template" }
)

/**
 * A quiz, checked by shape. Declared (no encoding), like {@link TemplateSchema}.
 *
 * @since 0.1.0
 * @category schemas
 */
export const QuizSchema = Schema.declare<Quiz.Quiz>(
  (u): u is Quiz.Quiz =>
    isRecord(u) && typeof u.title === "string" && typeof u.mastery === "number" && u.templates instanceof Map,
  { title: "Quiz" }
)

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * No quiz has this title.
 *
 * @since 0.1.0
 * @category errors
 */
export class QuizNotFound extends Schema.TaggedError<QuizNotFound>()("QuizNotFound", {
  title: Schema.String
}) {
  override get message(): string {
    return `no quiz is titled "${this.title}"`
  }
}

// ---------------------------------------------------------------------------------------------
// Protocol
// ---------------------------------------------------------------------------------------------

/**
 * Builds an empty quiz (the book's `build_quiz`). `mastery` defaults to `Quiz.defaultMastery`;
 * `seed` to a number drawn from Effect's `Random` by the server.
 *
 * @since 0.1.0
 * @category protocol
 */
export class BuildQuiz extends Request.Class<BuildQuiz>()("BuildQuiz", {
  fields: {
    title: Schema.String,
    mastery: Schema.optional(Schema.Number),
    seed: Schema.optional(Schema.Number)
  },
  failure: Quiz.InvalidQuiz
}) {}

/**
 * Adds a template to the quiz with this title (replacing a template of the same name).
 *
 * @since 0.1.0
 * @category protocol
 */
export class AddTemplate extends Request.Class<AddTemplate>()("AddTemplate", {
  fields: { title: Schema.String, template: TemplateSchema },
  failure: QuizNotFound
}) {}

/**
 * The quiz with this title, if any.
 *
 * @since 0.1.0
 * @category protocol
 */
export class LookupQuizByTitle extends Request.Class<LookupQuizByTitle>()("LookupQuizByTitle", {
  fields: { title: Schema.String },
  success: Schema.Option(QuizSchema)
}) {}

/**
 * Removes the quiz with this title (nothing happens if there is none). Running sessions keep
 * their copy.
 *
 * @since 0.1.0
 * @category protocol
 */
export class RemoveQuiz extends Request.Class<RemoveQuiz>()("RemoveQuiz", {
  fields: { title: Schema.String }
}) {}

/**
 * The server's state: the quizzes by title.
 *
 * @since 0.1.0
 * @category models
 */
export type State = ReadonlyMap<string, Quiz.Quiz>

const put = (state: State, quiz: Quiz.Quiz): State => new Map(state).set(quiz.title, quiz)

/**
 * The quiz manager's callbacks. It starts with no quizzes.
 *
 * @since 0.1.0
 * @category behaviour
 */
export const behaviour = GenServer.behaviour({
  protocol: [BuildQuiz, AddTemplate, LookupQuizByTitle, RemoveQuiz],
  init: (_: void) => Effect.succeed(GenServer.ok<State>(new Map())),
  handleCall: {
    BuildQuiz: (request, state) =>
      Effect.map(
        request.seed === undefined ? Random.nextIntBetween(0, 2 ** 31 - 1) : Effect.succeed(request.seed),
        (seed) =>
          Result.match(Quiz.make({ title: request.title, mastery: request.mastery, seed }), {
            onFailure: (error) => GenServer.replyError(error, state),
            onSuccess: (quiz) => GenServer.reply(undefined, put(state, quiz))
          })
      ),
    AddTemplate: (request, state) => {
      const quiz = state.get(request.title)
      return Effect.succeed(
        quiz === undefined
          ? GenServer.replyError(new QuizNotFound({ title: request.title }), state)
          : GenServer.reply(undefined, put(state, Quiz.addTemplate(quiz, request.template)))
      )
    },
    LookupQuizByTitle: (request, state) =>
      Effect.succeed(GenServer.reply(Option.fromUndefinedOr(state.get(request.title)), state)),
    RemoveQuiz: (request, state) => {
      const quizzes = new Map(state)
      quizzes.delete(request.title)
      return Effect.succeed(GenServer.reply(undefined, quizzes))
    }
  }
})

/**
 * The requests of the quiz manager.
 *
 * @since 0.1.0
 * @category protocol
 */
export type Requests = BuildQuiz | AddTemplate | LookupQuizByTitle | RemoveQuiz

/**
 * A reference to a quiz manager.
 *
 * @since 0.1.0
 * @category models
 */
export type Server = GenServer.Server<Requests>

/**
 * The child spec of the quiz manager under a supervisor: registered as {@link name}, `permanent`.
 *
 * @since 0.1.0
 * @category supervision
 */
export const childSpec = (): ChildSpec.ChildSpec<GenServer.StartError, Node.Node | Process.Self<unknown>> =>
  GenServer.childSpec("quiz_manager", behaviour, undefined, { name })

/**
 * A reference to the quiz manager registered as {@link name} on this node, looked up at every call.
 *
 * @since 0.1.0
 * @category references
 */
export const named: Effect.Effect<Server, never, Node.Node> = GenServer.named(behaviour, name)

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

/**
 * Builds an empty quiz (replacing one with the same title).
 *
 * @since 0.1.0
 * @category client
 */
export const buildQuiz = (
  server: Server,
  fields: { readonly title: string; readonly mastery?: number | undefined; readonly seed?: number | undefined }
): Effect.Effect<void, Quiz.InvalidQuiz | GenServer.CallError> =>
  GenServer.call(server, new BuildQuiz({ title: fields.title, mastery: fields.mastery, seed: fields.seed }))

/**
 * Adds a template to a quiz.
 *
 * @since 0.1.0
 * @category client
 */
export const addTemplate = (
  server: Server,
  title: string,
  template: Template.Template<any>
): Effect.Effect<void, QuizNotFound | GenServer.CallError> =>
  GenServer.call(server, new AddTemplate({ title, template }))

/**
 * The quiz with this title, if any.
 *
 * @since 0.1.0
 * @category client
 */
export const lookupQuizByTitle = (
  server: Server,
  title: string
): Effect.Effect<Option.Option<Quiz.Quiz>, GenServer.CallError> =>
  GenServer.call(server, new LookupQuizByTitle({ title }))

/**
 * Removes a quiz.
 *
 * @since 0.1.0
 * @category client
 */
export const removeQuiz = (server: Server, title: string): Effect.Effect<void, GenServer.CallError> =>
  GenServer.call(server, new RemoveQuiz({ title }))
