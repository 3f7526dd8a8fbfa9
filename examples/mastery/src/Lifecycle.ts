/**
 * The lifecycle of Mastery: its supervision tree as Layers, and the typed services that the rest
 * of the program uses to reach its processes (the book's `Mastery.Application`).
 *
 * ```
 * mastery                        root Supervisor (oneForOne), Application.Root
 * ├── quiz_manager               GenServer "mastery/quiz_manager"        (permanent)
 * └── quiz_sessions              DynamicSupervisor "mastery/quiz_sessions"
 *     └── mastery/session/…      one QuizSession per (title, email)      (transient)
 * ```
 *
 * - {@link tree}: `Application.layer` with the two children, in that order: the quiz manager
 *   starts first and stops last.
 * - {@link QuizManager} and {@link QuizSessions}: `Context.Service` clients. They route every call
 *   by registered name (`GenServer.named`), never by pid, so they keep working when a supervisor
 *   restarts a process under the same name.
 * - {@link layer}: the tree plus both services; it needs a `Node` (see `Mastery.layer` for the
 *   whole app with its node).
 *
 * ## Restarts, from a client's point of view
 *
 * Between a process's death and its restart there is a moment when its name is free. A client
 * call that falls in it (`NoProc`), or that was in flight when the process died (`ServerExited`),
 * is retried once after a call to the process's supervisor: a supervisor handles the exit signal
 * of a dead child before any later call, so when that call returns the child has been restarted
 * (no sleep, no polling). A session that is gone for good (mastered, or never taken) then fails
 * with {@link SessionNotFound}.
 *
 * **Gotchas**: a retried answer lands on the restarted session, which has no current question
 * (progress is not kept across restarts, see `QuizSession`): it fails with `NoCurrentQuestion`.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Node } from "effect-otp"
 * import * as Lifecycle from "@effect-otp/example-mastery/Lifecycle"
 * import { capitalOf } from "@effect-otp/example-mastery/core/examples"
 *
 * const program = Effect.gen(function*() {
 *   const manager = yield* Lifecycle.QuizManager
 *   const sessions = yield* Lifecycle.QuizSessions
 *   yield* manager.buildQuiz({ title: "Capitals", mastery: 2 })
 *   yield* manager.addTemplate("Capitals", capitalOf)
 *   const session = yield* sessions.takeQuiz("Capitals", "ada@example.com")
 *   return yield* sessions.selectQuestion(session)
 * })
 *
 * Effect.runPromise(program.pipe(Effect.provide(Lifecycle.layer.pipe(Layer.provideMerge(Node.layer())))))
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import {
  Application,
  type ChildSpec,
  DynamicSupervisor,
  type GenServer,
  Node,
  type Pid,
  type Process,
  Supervisor
} from "effect-otp"
import * as QuizManagerServer from "./boundary/QuizManager.ts"
import * as QuizSession from "./boundary/QuizSession.ts"
import type * as Quiz from "./core/Quiz.ts"
import type * as Template from "./core/Template.ts"

// ---------------------------------------------------------------------------------------------
// The supervision tree
// ---------------------------------------------------------------------------------------------

/**
 * The name of the app's root supervisor.
 *
 * @since 0.1.0
 * @category tree
 */
export const rootName = "mastery"

/**
 * The root supervisor's children, in start order.
 *
 * @since 0.1.0
 * @category tree
 */
export const children: readonly [Child<GenServer.StartError>, Child<DynamicSupervisor.StartError>] = [
  QuizManagerServer.childSpec(),
  QuizSession.supervisorChildSpec()
]

// Written out so that the published declarations name the public `GenServer.StartError`.
type Child<E> = ChildSpec.ChildSpec<E, Node.Node | Process.Self<unknown>>

/**
 * The supervision tree: building it starts the root supervisor, the quiz manager, then the
 * sessions' DynamicSupervisor; releasing it stops them in reverse order (every session first).
 *
 * Default restart intensity (3 restarts in 5 seconds, `Supervisor.defaultIntensity`) at both levels.
 *
 * @since 0.1.0
 * @category tree
 */
export const tree: Layer.Layer<Application.Root, Supervisor.StartError, Node.Node> = Application.layer({
  name: rootName,
  strategy: "oneForOne",
  children
})

// ---------------------------------------------------------------------------------------------
// Routing across restarts
// ---------------------------------------------------------------------------------------------

const isGone = (error: unknown): error is { readonly _tag: "NoProc" | "ServerExited" } =>
  typeof error === "object" &&
  error !== null &&
  "_tag" in error &&
  (error._tag === "NoProc" || error._tag === "ServerExited")

/** Runs `call`; if the process was gone, waits on its supervisor (`barrier`) and runs it once more. */
const retryAfterRestart = <A, E>(
  call: Effect.Effect<A, E>,
  barrier: Effect.Effect<unknown, unknown>
): Effect.Effect<A, E> => Effect.catchIf(call, isGone, () => Effect.andThen(Effect.ignore(barrier), call))

// ---------------------------------------------------------------------------------------------
// QuizManager service
// ---------------------------------------------------------------------------------------------

/**
 * What the {@link QuizManager} service does.
 *
 * @since 0.1.0
 * @category services
 */
export interface QuizManagerApi {
  /** Builds an empty quiz, replacing one with the same title. `seed` is drawn at random when absent. */
  readonly buildQuiz: (fields: {
    readonly title: string
    readonly mastery?: number | undefined
    readonly seed?: number | undefined
  }) => Effect.Effect<void, Quiz.InvalidQuiz | GenServer.CallError>
  /** Adds a template to a quiz. */
  readonly addTemplate: (
    title: string,
    template: Template.Template<any>
  ) => Effect.Effect<void, QuizManagerServer.QuizNotFound | GenServer.CallError>
  /** The quiz with this title, if any. */
  readonly lookupQuizByTitle: (title: string) => Effect.Effect<Option.Option<Quiz.Quiz>, GenServer.CallError>
  /** Removes a quiz (sessions already running keep their copy). */
  readonly removeQuiz: (title: string) => Effect.Effect<void, GenServer.CallError>
}

/**
 * The client of the quiz manager process, routed by its registered name.
 *
 * @since 0.1.0
 * @category services
 */
export class QuizManager extends Context.Service<QuizManager, QuizManagerApi>()("Mastery/QuizManager") {
  /**
   * The service, on the quiz manager of the running tree (it needs `Application.Root`, so it is
   * built after the tree and released before it).
   *
   * @since 0.1.0
   */
  static readonly layer: Layer.Layer<QuizManager, never, Node.Node | Application.Root> = Layer.effect(
    QuizManager,
    Effect.gen(function* () {
      const root = yield* Application.Root
      const server = yield* QuizManagerServer.named
      const routed = <A, E>(call: Effect.Effect<A, E>) =>
        retryAfterRestart(call, Supervisor.countChildren(root.supervisor))
      return QuizManager.of({
        buildQuiz: (fields) => routed(QuizManagerServer.buildQuiz(server, fields)),
        addTemplate: (title, template) => routed(QuizManagerServer.addTemplate(server, title, template)),
        lookupQuizByTitle: (title) => routed(QuizManagerServer.lookupQuizByTitle(server, title)),
        removeQuiz: (title) => routed(QuizManagerServer.removeQuiz(server, title))
      })
    })
  )
}

// ---------------------------------------------------------------------------------------------
// QuizSessions service
// ---------------------------------------------------------------------------------------------

/**
 * No session process for this (title, email): the user mastered the quiz (the session stopped),
 * or never took it.
 *
 * @since 0.1.0
 * @category errors
 */
export class SessionNotFound extends Schema.TaggedError<SessionNotFound>()("SessionNotFound", {
  title: Schema.String,
  email: Schema.String
}) {
  override get message(): string {
    return `${this.email} has no session on "${this.title}" (mastered, or never taken)`
  }
}

/**
 * What the {@link QuizSessions} service does.
 *
 * @since 0.1.0
 * @category services
 */
export interface QuizSessionsApi {
  /**
   * Starts a session for `email` on the quiz titled `title` (as the quiz manager has it now), or
   * returns the user's running session on it.
   */
  readonly takeQuiz: (
    title: string,
    email: string
  ) => Effect.Effect<QuizSession.Session, QuizManagerServer.QuizNotFound | GenServer.CallError>
  /** Selects the next question of the session. */
  readonly selectQuestion: (
    session: QuizSession.Session
  ) => Effect.Effect<QuizSession.Question, QuizSession.NothingToAsk | SessionNotFound | GenServer.CallError>
  /** Answers the session's current question: the next question, or `Mastered` (the session stops). */
  readonly answerQuestion: (
    session: QuizSession.Session,
    answer: string
  ) => Effect.Effect<QuizSession.Answered, QuizSession.NoCurrentQuestion | SessionNotFound | GenServer.CallError>
  /** The session's progress. */
  readonly progress: (
    session: QuizSession.Session
  ) => Effect.Effect<QuizSession.Progress, SessionNotFound | GenServer.CallError>
  /** The pid of the session's process now, if it runs (for display and debugging). */
  readonly whereis: (session: QuizSession.Session) => Effect.Effect<Option.Option<Pid.Pid<never, unknown>>>
  /** How many sessions run now. */
  readonly count: Effect.Effect<number, GenServer.CallError>
}

/**
 * The client of the quiz sessions: starts them under the sessions' DynamicSupervisor and routes
 * every request by the session's registered name.
 *
 * @since 0.1.0
 * @category services
 */
export class QuizSessions extends Context.Service<QuizSessions, QuizSessionsApi>()("Mastery/QuizSessions") {
  /**
   * The service, on the sessions' supervisor of the running tree.
   *
   * @since 0.1.0
   */
  static readonly layer: Layer.Layer<QuizSessions, never, Node.Node | Application.Root | QuizManager> = Layer.effect(
    QuizSessions,
    Effect.gen(function* () {
      const root = yield* Application.Root
      const node = yield* Node.Node
      const manager = yield* QuizManager
      const supervisor = yield* DynamicSupervisor.named(QuizSession.supervisorName)
      const routed = <A, E>(
        session: QuizSession.Session,
        f: (server: QuizSession.Server) => Effect.Effect<A, E>
      ): Effect.Effect<A, Exclude<E, { readonly _tag: "NoProc" }> | SessionNotFound> =>
        retryAfterRestart(
          Effect.flatMap(QuizSession.named(session), f).pipe(Effect.provideService(Node.Node, node)),
          DynamicSupervisor.countChildren(supervisor)
        ).pipe(
          Effect.catchIf(
            (error): error is Extract<E, { readonly _tag: "NoProc" }> => isGone(error) && error._tag === "NoProc",
            () => Effect.fail(new SessionNotFound({ title: session.title, email: session.email }))
          )
        ) as never
      return QuizSessions.of({
        takeQuiz: (title, email) =>
          Effect.flatMap(
            manager.lookupQuizByTitle(title),
            (quiz): Effect.Effect<QuizSession.Session, QuizManagerServer.QuizNotFound | GenServer.CallError> =>
              Option.isNone(quiz)
                ? Effect.fail(new QuizManagerServer.QuizNotFound({ title }))
                : retryAfterRestart(
                    QuizSession.takeQuiz(supervisor, quiz.value, email),
                    Supervisor.countChildren(root.supervisor)
                  )
          ),
        selectQuestion: (session) => routed(session, QuizSession.selectQuestion),
        answerQuestion: (session, answer) => routed(session, (server) => QuizSession.answerQuestion(server, answer)),
        progress: (session) => routed(session, QuizSession.progress),
        whereis: (session) =>
          Effect.map(QuizSession.named(session), (server) => server.whereis()).pipe(
            Effect.provideService(Node.Node, node)
          ),
        count: Effect.map(DynamicSupervisor.countChildren(supervisor), (counts) => counts.active)
      })
    })
  )
}

// ---------------------------------------------------------------------------------------------
// The app
// ---------------------------------------------------------------------------------------------

/**
 * The supervision tree and both services, on a `Node` given from outside. Built in this order:
 * tree, `QuizManager`, `QuizSessions`; released in reverse.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Application.Root | QuizManager | QuizSessions, Supervisor.StartError, Node.Node> =
  QuizSessions.layer.pipe(Layer.provideMerge(QuizManager.layer), Layer.provideMerge(tree))
