import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Exit, Layer, Logger, Option, Schema, Scope } from "effect"
import { Application, ExitReason, Node, Process, Supervisor } from "effect-otp"
import * as QuizManagerServer from "../src/boundary/QuizManager.ts"
import * as QuizSession from "../src/boundary/QuizSession.ts"
import * as Quiz from "../src/core/Quiz.ts"
import * as Template from "../src/core/Template.ts"
import * as Lifecycle from "../src/Lifecycle.ts"
import * as Mastery from "../src/Mastery.ts"

// --- helpers -------------------------------------------------------------------------------------

/** A template whose only right answer is "right", so tests choose right and wrong answers freely. */
const drill = (name: string) =>
  Template.makeUnsafe({
    name,
    category: "drills",
    instructions: "Answer 'right'",
    raw: `${name}: say <%= word %>`,
    generators: { word: ["right"] },
    checker: (_, answer) => answer === "right"
  })

/** The whole app on a fresh node per test, its crash and restart reports silenced. */
const withApp = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(Effect.provide(Mastery.layer.pipe(Layer.provide(Logger.layer([])))))

/** Builds the quiz "Drills" with these templates. */
const buildDrills = (options: { readonly mastery: number; readonly seed?: number }, ...names: Array<string>) =>
  Effect.gen(function* () {
    yield* Mastery.buildQuiz({ title: "Drills", mastery: options.mastery, seed: options.seed ?? 7 })
    for (const name of names) yield* Mastery.addTemplate("Drills", drill(name))
  })

const pidOf = (session: Mastery.Session) =>
  Effect.map(
    Lifecycle.QuizSessions.use((sessions) => sessions.whereis(session)),
    Option.getOrThrow
  )

const next = (answered: QuizSession.Answered): QuizSession.Next => {
  assert.strictEqual(answered._tag, "Next")
  return answered as QuizSession.Next
}

// --- the boundary, end to end --------------------------------------------------------------------

describe("Mastery boundary", () => {
  it.effect("build a quiz, take it, answer until mastered; the session then stops and is gone", () =>
    withApp(
      Effect.gen(function* () {
        yield* buildDrills({ mastery: 2 }, "a", "b")
        const session = yield* Mastery.takeQuiz("Drills", "ada@example.com")
        assert.deepStrictEqual(session, new Mastery.Session({ title: "Drills", email: "ada@example.com" }))
        const pid = yield* pidOf(session)
        assert.deepStrictEqual(
          (yield* Process.info(pid)).pipe(Option.map((info) => info.registeredName)),
          Option.some(Option.some(QuizSession.nameOf(session)))
        )

        let question = yield* Mastery.selectQuestion(session)
        assert.strictEqual(question.instructions, "Answer 'right'")
        assert.strictEqual(question.asked, `${question.templateName}: say right`)

        // a wrong answer is checked, stamped and resets nothing it should not
        const wrong = next(yield* Mastery.answerQuestion(session, "wrong"))
        assert.isFalse(wrong.response.correct)
        assert.strictEqual(wrong.response.email, "ada@example.com")
        assert.strictEqual(wrong.response.to, question.asked)
        question = wrong.question

        // each template needs 2 right answers in a row: 4 more answers, the last one masters the quiz
        const results: Array<QuizSession.Answered> = []
        for (let i = 0; i < 4; i++) {
          const answered = yield* Mastery.answerQuestion(session, "right")
          results.push(answered)
          if (answered._tag === "Next") question = answered.question
        }
        assert.deepStrictEqual(
          results.map((r) => r._tag),
          ["Next", "Next", "Next", "Mastered"]
        )
        const mastered = results[3] as QuizSession.Mastered
        assert.isTrue(mastered.response.correct)
        assert.strictEqual(mastered.answered, 5)

        // mastered: the session stopped Normal, and a transient child is not restarted
        assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.normal)
        const gone = yield* Effect.flip(Mastery.selectQuestion(session))
        assert.deepStrictEqual(gone, new Lifecycle.SessionNotFound({ title: "Drills", email: "ada@example.com" }))
        assert.strictEqual(yield* Lifecycle.QuizSessions.use((sessions) => sessions.count), 0)
      })
    )
  )

  it.effect("two sessions are independent", () =>
    withApp(
      Effect.gen(function* () {
        yield* buildDrills({ mastery: 2 }, "a", "b", "c")
        const ada = yield* Mastery.takeQuiz("Drills", "ada@example.com")
        const grace = yield* Mastery.takeQuiz("Drills", "grace@example.com")
        assert.notDeepEqual(yield* pidOf(ada), yield* pidOf(grace))

        yield* Mastery.selectQuestion(ada)
        yield* Mastery.selectQuestion(grace)
        for (let i = 0; i < 3; i++) yield* Mastery.answerQuestion(ada, "right") // a full cycle: every template at 1
        yield* Mastery.answerQuestion(grace, "wrong")

        const adaProgress = yield* Mastery.progress(ada)
        const graceProgress = yield* Mastery.progress(grace)
        assert.deepStrictEqual(adaProgress.streaks, { a: 1, b: 1, c: 1 })
        assert.strictEqual(adaProgress.answered, 3)
        assert.deepStrictEqual(graceProgress.streaks, {})
        assert.strictEqual(graceProgress.answered, 1)

        // taking the quiz again resumes the running session: same process, progress kept
        const again = yield* Mastery.takeQuiz("Drills", "ada@example.com")
        assert.deepStrictEqual(yield* pidOf(again), yield* pidOf(ada))
        assert.strictEqual((yield* Mastery.progress(again)).answered, 3)
        assert.strictEqual(yield* Lifecycle.QuizSessions.use((sessions) => sessions.count), 2)
      })
    )
  )

  it.effect("a session killed mid-quiz is restarted under the same name: the client keeps working", () =>
    withApp(
      Effect.gen(function* () {
        yield* buildDrills({ mastery: 1, seed: 42 }, "a", "b", "c")
        const session = yield* Mastery.takeQuiz("Drills", "ada@example.com")
        const first = yield* Mastery.selectQuestion(session)
        const afterFirst = next(yield* Mastery.answerQuestion(session, "right"))
        const before = yield* Mastery.progress(session)
        assert.deepStrictEqual(before.mastered, [first.templateName])
        assert.strictEqual(before.answered, 1)
        assert.deepStrictEqual(before.currentQuestion, Option.some(afterFirst.question.asked))

        const oldPid = yield* pidOf(session)
        yield* Process.kill(oldPid)
        assert.deepStrictEqual(yield* Process.awaitExit(oldPid), ExitReason.killed)

        // the same client call works at once: it is routed by name to the restarted process
        const after = yield* Mastery.progress(session)
        const newPid = yield* pidOf(session)
        assert.notDeepEqual(newPid, oldPid)
        assert.isTrue(yield* Process.isAlive(newPid))

        // survived: the start arguments (the quiz as taken, the email) and so the name
        assert.strictEqual(after.title, before.title)
        assert.strictEqual(after.email, before.email)
        assert.strictEqual(after.mastery, 1)
        assert.deepStrictEqual(after.templates, before.templates)
        // lost, by design: all progress, the current question included
        assert.deepStrictEqual(after.mastered, [])
        assert.deepStrictEqual(after.streaks, {})
        assert.strictEqual(after.answered, 0)
        assert.deepStrictEqual(after.currentQuestion, Option.none())
        const noQuestion = yield* Effect.flip(Mastery.answerQuestion(session, "right"))
        assert.deepStrictEqual(
          noQuestion,
          new QuizSession.NoCurrentQuestion({ title: "Drills", email: "ada@example.com" })
        )

        // same quiz, same seed: the restarted session asks the same first question again
        const restartedFirst = yield* Mastery.selectQuestion(session)
        assert.deepStrictEqual(restartedFirst, first)
        const tags: Array<string> = []
        for (let i = 0; i < 3; i++) tags.push((yield* Mastery.answerQuestion(session, "right"))._tag)
        assert.deepStrictEqual(tags, ["Next", "Next", "Mastered"])
      })
    )
  )

  it.effect("a call in flight when the session dies is retried on the restarted session", () =>
    withApp(
      Effect.gen(function* () {
        yield* buildDrills({ mastery: 3 }, "a")
        const session = yield* Mastery.takeQuiz("Drills", "ada@example.com")
        yield* Mastery.selectQuestion(session)
        const oldPid = yield* pidOf(session)
        // the call is sent while the killed session is still exiting (or just after): either way
        // it is answered by the restarted session
        yield* Process.kill(oldPid)
        const progress = yield* Mastery.progress(session)
        assert.strictEqual(progress.answered, 0)
        assert.notDeepEqual(yield* pidOf(session), oldPid)
      })
    )
  )
})

// --- the quiz manager --------------------------------------------------------------------------

describe("QuizManager", () => {
  it.effect("typed errors: invalid quiz, unknown quiz; removing a quiz leaves running sessions alone", () =>
    withApp(
      Effect.gen(function* () {
        const invalid = yield* Effect.flip(Mastery.buildQuiz({ title: "Bad", mastery: 0 }))
        assert.deepStrictEqual(
          invalid,
          new Quiz.InvalidQuiz({ title: "Bad", field: "mastery", reason: "must be a positive integer, got 0" })
        )
        const nope = new QuizManagerServer.QuizNotFound({ title: "Nope" })
        assert.deepStrictEqual(yield* Effect.flip(Mastery.addTemplate("Nope", drill("a"))), nope)
        assert.deepStrictEqual(yield* Effect.flip(Mastery.takeQuiz("Nope", "ada@example.com")), nope)

        yield* buildDrills({ mastery: 2 }, "a")
        const session = yield* Mastery.takeQuiz("Drills", "ada@example.com")
        yield* Lifecycle.QuizManager.use((manager) => manager.removeQuiz("Drills"))
        assert.isTrue(Option.isNone(yield* Lifecycle.QuizManager.use((manager) => manager.lookupQuizByTitle("Drills"))))
        assert.deepStrictEqual(
          yield* Effect.flip(Mastery.takeQuiz("Drills", "grace@example.com")),
          new QuizManagerServer.QuizNotFound({ title: "Drills" })
        )
        assert.strictEqual((yield* Mastery.selectQuestion(session)).templateName, "a")
      })
    )
  )

  it.effect("a quiz without templates has nothing to ask", () =>
    withApp(
      Effect.gen(function* () {
        yield* Mastery.buildQuiz({ title: "Empty", seed: 1 })
        const session = yield* Mastery.takeQuiz("Empty", "ada@example.com")
        assert.deepStrictEqual(
          yield* Effect.flip(Mastery.selectQuestion(session)),
          new QuizSession.NothingToAsk({ title: "Empty" })
        )
      })
    )
  )

  it.effect("a crashed quiz manager is restarted empty, by design; its client keeps working", () =>
    withApp(
      Effect.gen(function* () {
        yield* buildDrills({ mastery: 2 }, "a")
        const server = yield* QuizManagerServer.named
        const oldPid = Option.getOrThrow(server.whereis())
        yield* Process.exit(oldPid, ExitReason.failure("boom"))
        yield* Process.awaitExit(oldPid)
        const lookup = yield* Lifecycle.QuizManager.use((manager) => manager.lookupQuizByTitle("Drills"))
        assert.isTrue(Option.isNone(lookup))
        assert.notDeepEqual(Option.getOrThrow(server.whereis()), oldPid)
        yield* buildDrills({ mastery: 2 }, "a")
        assert.isTrue(Option.isSome(yield* Lifecycle.QuizManager.use((manager) => manager.lookupQuizByTitle("Drills"))))
      })
    )
  )
})

// --- lifecycle -----------------------------------------------------------------------------------

describe("Lifecycle", () => {
  it.effect("building and releasing the app Layer leaves no process running", () =>
    Effect.gen(function* () {
      const node = yield* Node.Node
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(Lifecycle.layer.pipe(Layer.provide(Logger.layer([]))), scope)
      const manager = Context.get(context, Lifecycle.QuizManager)
      yield* manager.buildQuiz({ title: "Drills", seed: 1 })
      yield* manager.addTemplate("Drills", drill("a"))
      const sessions = Context.get(context, Lifecycle.QuizSessions)
      yield* sessions.takeQuiz("Drills", "ada@example.com")
      yield* sessions.takeQuiz("Drills", "grace@example.com")
      // root supervisor, quiz manager, sessions supervisor, two sessions
      assert.strictEqual(node.processes().length, 5)
      const children = yield* Supervisor.whichChildren(Context.get(context, Application.Root).supervisor)
      assert.deepStrictEqual(
        children.map((child) => [child.id, child.type]),
        [
          ["quiz_manager", "worker"],
          ["quiz_sessions", "supervisor"]
        ]
      )
      assert.sameMembers(
        [...(yield* Process.registered)],
        [
          Lifecycle.rootName,
          QuizManagerServer.name,
          QuizSession.supervisorName,
          QuizSession.nameOf({ title: "Drills", email: "ada@example.com" }),
          QuizSession.nameOf({ title: "Drills", email: "grace@example.com" })
        ]
      )

      yield* Scope.close(scope, Exit.void)
      assert.deepStrictEqual(node.processes(), [])
      assert.strictEqual(node.stats().active, 0)
      assert.deepStrictEqual(yield* Process.registered, [])
      assert.strictEqual(node.stats().spawned, 5)
    }).pipe(Effect.provide(Node.layer()))
  )

  it.effect("session names are injective and readable", () =>
    Effect.sync(() => {
      assert.strictEqual(
        QuizSession.nameOf({ title: "Basics", email: "ada@example.com" }),
        "mastery/session/Basics/ada@example.com"
      )
      assert.notStrictEqual(
        QuizSession.nameOf({ title: "a/b", email: "c" }),
        QuizSession.nameOf({ title: "a", email: "b/c" })
      )
    })
  )

  it.effect("the session protocol is plain data: its replies encode to JSON and back", () =>
    withApp(
      Effect.gen(function* () {
        yield* buildDrills({ mastery: 2 }, "a")
        const session = yield* Mastery.takeQuiz("Drills", "ada@example.com")
        yield* Mastery.selectQuestion(session)
        const answered = yield* Mastery.answerQuestion(session, "right")
        const codec = Schema.toCodecJson(QuizSession.Answered)
        const json = JSON.parse(JSON.stringify(yield* Schema.encodeEffect(codec)(answered)))
        assert.deepStrictEqual(yield* Schema.decodeUnknownEffect(codec)(json), answered)
        const progress = Schema.toCodecJson(QuizSession.Progress)
        const snapshot = yield* Mastery.progress(session)
        assert.deepStrictEqual(
          yield* Schema.decodeUnknownEffect(progress)(yield* Schema.encodeEffect(progress)(snapshot)),
          snapshot
        )
      })
    )
  )
})
