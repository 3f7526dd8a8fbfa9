/**
 * The boundary of Mastery: the processes around the functional core (the book's
 * `Mastery.Boundary`).
 *
 * - `QuizManager`: one GenServer holding every quiz by title;
 * - `QuizSession`: one GenServer per user taking a quiz, under a DynamicSupervisor.
 *
 * Each module gives the typed protocol (`Request.Class` requests), the behaviour, its child spec
 * and client functions over a `GenServer.Server` reference. The app's services (`Lifecycle`) and
 * API (`Mastery`) are built on them.
 *
 * @example
 * ```ts
 * import { QuizManager, QuizSession } from "@effect-otp/example-mastery/boundary/index"
 *
 * const children = [QuizManager.childSpec(), QuizSession.supervisorChildSpec()]
 * ```
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as QuizManager from "./QuizManager.ts"
/** @since 0.1.0 */
export * as QuizSession from "./QuizSession.ts"
