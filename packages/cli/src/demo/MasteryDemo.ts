/**
 * `otp demo mastery`: a short, scripted tour of the Mastery app (the quiz from "Designing Elixir
 * Systems with OTP") running on effect-otp.
 *
 * The demo starts the app's supervision tree on a fresh node, prints it, builds a quiz from the
 * example templates, takes it as one user, and answers questions until the quiz is mastered. After
 * a few answers it **kills the session's process** and shows the DynamicSupervisor bringing it
 * back under the same name: the old and the new pid, the supervisor's own reports, and what state
 * survived by design (the session's start arguments: the quiz and the email) and what did not (the
 * progress). It ends by releasing the app's Layer and counting the processes left (none).
 *
 * Who answers is a {@link Student}: {@link scriptedStudent} knows the answers and gets a few
 * wrong on purpose (the output is the same at every run for a given seed);
 * {@link terminalStudent} asks the person at the terminal.
 *
 * {@link serve} keeps the app running instead, for watching: the observer endpoint on (port 9090 by
 * default), three users answering, and a session killed every few seconds and restarted by its
 * supervisor (`otp demo mastery --serve`, `npm start -- --serve`).
 *
 * Output goes through Effect's `Console`, so tests capture it with `TestConsole`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as MasteryDemo from "@effect-otp/cli/demo/MasteryDemo"
 *
 * Effect.runPromise(MasteryDemo.run({ student: MasteryDemo.scriptedStudent() }))
 * ```
 *
 * @since 0.1.0
 */
import { Boundary, Core, Lifecycle } from "#mastery"
import { ObserverHttp } from "@effect-otp/platform-node"
import { Console, Context, Duration, Effect, Exit, Layer, Logger, Option, Scope, Terminal } from "effect"
import type { ServeError } from "effect/http/HttpServerError"
import { Application, Node, Process, Supervisor } from "effect-otp"

type Question = Boundary.QuizSession.Question
type Progress = Boundary.QuizSession.Progress

// ---------------------------------------------------------------------------------------------
// Students
// ---------------------------------------------------------------------------------------------

/**
 * Who answers the questions.
 *
 * @since 0.1.0
 * @category models
 */
export interface Student {
  /** Who answers, for the header. */
  readonly description: string
  /**
   * Whether the demo prints the answer after the prompt (a scripted student), or the person typed
   * it after the prompt the student displayed.
   */
  readonly echo: boolean
  /** The answer to the `number`-th question, shown with `prompt`; `None` to stop the demo. */
  readonly answer: (question: Question, prompt: string, number: number) => Effect.Effect<Option.Option<string>>
}

/**
 * The right answer to a question of the example templates (`Core.Examples`), read from its text.
 *
 * @since 0.1.0
 * @category students
 */
export const solve = (question: Question): string | undefined => {
  const numbers = /(\d+)\s*([+*])\s*(\d+)/.exec(question.asked)
  if (numbers !== null) {
    const [left, right] = [Number(numbers[1]), Number(numbers[3])]
    return String(numbers[2] === "+" ? left + right : left * right)
  }
  const country = /capital of (.+)\?/.exec(question.asked)?.[1] as keyof typeof Core.Examples.capitals | undefined
  return country === undefined ? undefined : Core.Examples.capitals[country]
}

const wrongAnswer = (right: string | undefined): string => {
  if (right === undefined) return "?"
  if (/^\d+$/.test(right)) return String(Number(right) + 1)
  return right === "Lima" ? "Quito" : "Lima"
}

/**
 * A student who knows every answer but gives a wrong one to the questions numbered in `wrong`
 * (default: the 2nd and the 7th).
 *
 * @since 0.1.0
 * @category students
 */
export const scriptedStudent = (options?: { readonly wrong?: ReadonlyArray<number> | undefined }): Student => {
  const wrong = options?.wrong ?? [2, 7]
  return {
    description: "scripted, a few wrong on purpose; run it in a terminal to answer yourself",
    echo: true,
    answer: (question, _prompt, number) => {
      const right = solve(question)
      return Effect.succeed(Option.some(wrong.includes(number) ? wrongAnswer(right) : (right ?? "?")))
    }
  }
}

/**
 * A student at the terminal: shows the prompt and reads a line. An empty line, `q`, Ctrl+D or
 * Ctrl+C stops the demo.
 *
 * @since 0.1.0
 * @category students
 */
export const terminalStudent: Effect.Effect<Student, never, Terminal.Terminal> = Effect.map(
  Terminal.Terminal,
  (terminal): Student => ({
    description: "yours; an empty line or q stops",
    echo: false,
    answer: (_question, prompt) =>
      terminal.display(prompt).pipe(
        Effect.andThen(terminal.readLine),
        Effect.map((line) => (line.trim() === "" || line.trim() === "q" ? Option.none() : Option.some(line))),
        Effect.catch(() => Effect.succeed(Option.none<string>()))
      )
  })
)

// ---------------------------------------------------------------------------------------------
// The demo
// ---------------------------------------------------------------------------------------------

/**
 * What {@link run} takes: who answers, and the knobs of the script.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly student: Student
  /** Seeds the quiz's question selection. Default 7. */
  readonly seed?: number | undefined
  /** Who takes the quiz. Default `"ada@example.com"`. */
  readonly email?: string | undefined
  /** Right answers in a row that master a template. Default 2. */
  readonly mastery?: number | undefined
  /** The session is killed after this many answers. Default 4. */
  readonly killAfter?: number | undefined
}

/**
 * What a run did, for tests.
 *
 * @since 0.1.0
 * @category models
 */
export interface Summary {
  readonly answers: number
  readonly wrong: number
  readonly mastered: boolean
  readonly killed: Option.Option<{ readonly before: string; readonly after: string }>
  readonly processesLeft: number
}

const title = "Basics"

const pad = (text: string, width: number) => text.padEnd(width)

const streaks = (progress: Progress): string => {
  const entries = Object.entries(progress.streaks)
  return entries.length === 0
    ? "{}"
    : `{ ${entries.map(([name, count]) => `${shortName(name)}: ${count}`).join(", ")} }`
}

const list = (names: ReadonlyArray<string>) => `[${names.map(shortName).join(", ")}]`

const shortName = (template: string): string =>
  ({
    single_digit_addition: "addition",
    single_digit_multiplication: "multiplication",
    capital_of_south_america: "capitals"
  })[template] ?? template

const describe = (progress: Progress): string =>
  `mastered ${list(progress.mastered)}, streaks ${streaks(progress)}, ${progress.answered} answers, ${Option.match(
    progress.currentQuestion,
    { onNone: () => "no question", onSome: (asked) => `asked "${asked}"` }
  )}`

const formatLog = (message: unknown): string =>
  (Array.isArray(message) ? message : [message])
    .map((part) => (typeof part === "string" ? part : String(part)))
    .join(" ")

/** Prints the app's supervision tree with its pids. */
const printTree = (root: Application.RootApi["supervisor"]) =>
  Effect.gen(function* () {
    const rootPid = Option.getOrThrow(root.whereis())
    const children = yield* Supervisor.whichChildren(root)
    yield* Console.log("The supervision tree, built as a Layer:")
    yield* Console.log(
      `  ${pad(Lifecycle.rootName, 18)} ${pad(String(rootPid), 8)} Supervisor "${Lifecycle.rootName}" (oneForOne)`
    )
    for (const [i, child] of children.entries()) {
      const pid = Option.getOrThrow(child.pid)
      const name = (yield* Process.info(pid)).pipe(
        Option.flatMap((info) => info.registeredName),
        Option.getOrElse(() => "-")
      )
      const kind = child.type === "supervisor" ? "DynamicSupervisor" : "GenServer"
      const branch = i === children.length - 1 ? "└─" : "├─"
      yield* Console.log(`  ${pad(`${branch} ${child.id}`, 18)} ${pad(String(pid), 8)} ${kind} "${name}"`)
    }
    yield* Console.log(`       one QuizSession per user and quiz, started on demand (restart: transient)`)
  })

/**
 * Runs the demo on a fresh node and returns what happened. Prints through `Console`.
 *
 * **Errors**: none expected; a failure of the app is a bug of the demo and is a defect.
 *
 * @since 0.1.0
 * @category running
 */
export const run = (options: Options): Effect.Effect<Summary> => {
  const { student } = options
  const mastery = options.mastery ?? 2
  const killAfter = options.killAfter ?? 4
  const email = options.email ?? "ada@example.com"
  const say = (line = "") => Console.log(line)

  // the supervisors' reports (crash, restart) are collected and printed where they belong
  const logs: Array<string> = []
  const logger = Logger.make(({ logLevel, message }) => {
    logs.push(`log ${logLevel.toLowerCase()}: ${formatLog(message)}`)
  })
  const flushLogs = Effect.suspend(() => Effect.forEach(logs.splice(0), (line) => say(`     │ ${line}`)))

  return Effect.scoped(
    Effect.gen(function* () {
      const node = yield* Node.make()
      const appScope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(Lifecycle.layer, appScope).pipe(
        Effect.provideService(Node.Node, node)
      )
      const manager = Context.get(context, Lifecycle.QuizManager)
      const sessions = Context.get(context, Lifecycle.QuizSessions)
      const root = Context.get(context, Application.Root).supervisor

      yield* say(`Mastery on effect-otp: the quiz app of "Designing Elixir Systems with OTP"`)
      yield* say(`Answers: ${student.description}. Seed ${options.seed ?? 7}.`)
      yield* say()

      yield* printTree(root)
      yield* say()

      // the quiz
      yield* manager.buildQuiz({ title, mastery, seed: options.seed ?? 7 })
      for (const template of Core.Examples.templates) yield* manager.addTemplate(title, template)
      yield* say(
        `Quiz "${title}": ${Core.Examples.templates.length} templates (${Core.Examples.templates.map((t) => shortName(t.name)).join(", ")}), mastered after ${mastery} right answers in a row`
      )
      const session = yield* sessions.takeQuiz(title, email)
      const pidOf = Effect.map(sessions.whereis(session), Option.getOrThrow)
      let sessionPid = yield* pidOf
      yield* say(`${email} takes it: session ${sessionPid}, registered as "${Boundary.QuizSession.nameOf(session)}"`)
      yield* say()

      // the questions
      let question = yield* sessions.selectQuestion(session)
      let answers = 0
      let wrong = 0
      let mastered = false
      let killed: Summary["killed"] = Option.none()
      while (true) {
        answers++
        const prompt = `  ${pad(`${answers}.`, 3)} ${pad(question.asked, 32)} > `
        const answer = yield* student.answer(question, prompt, answers)
        if (Option.isNone(answer)) {
          answers--
          yield* say(student.echo ? "" : "  (stopped)")
          break
        }
        const result = yield* sessions.answerQuestion(session, answer.value)
        const correct = result.response.correct
        if (!correct) wrong++
        const template = shortName(result.response.templateName)
        let verdict: string
        if (result._tag === "Mastered") {
          verdict = `${template} mastered`
        } else {
          const progress = yield* sessions.progress(session)
          verdict = progress.mastered.includes(result.response.templateName)
            ? `${template} mastered`
            : `${template} ${progress.streaks[result.response.templateName] ?? 0}/${mastery}`
        }
        const mark = `${correct ? "✓ right" : "✗ wrong"}   ${verdict}`
        yield* say(student.echo ? `${prompt}${pad(answer.value, 12)} ${mark}` : `${" ".repeat(prompt.length)}${mark}`)
        if (result._tag === "Mastered") {
          mastered = true
          break
        }
        question = result.question

        if (answers === killAfter && Option.isNone(killed)) {
          const before = yield* sessions.progress(session)
          const oldPid = yield* pidOf
          yield* say()
          yield* say(`  ✂  Process.kill(${oldPid}): the session dies mid-quiz`)
          yield* Process.kill(oldPid)
          const reason = yield* Process.awaitExit(oldPid)
          // routed by name: the same client call reaches the restarted process
          const after = yield* sessions.progress(session)
          const newPid = yield* pidOf
          // a call to the DynamicSupervisor is served after it has handled the exit (and logged)
          yield* sessions.count
          yield* flushLogs
          yield* say(
            `     exit reason ${reason._tag}; the DynamicSupervisor restarted the session under the same name:`
          )
          yield* say(`     ${oldPid} → ${newPid}, still "${Boundary.QuizSession.nameOf(session)}"`)
          yield* say(
            `     kept, by design: the start arguments: quiz "${after.title}" (${after.templates.length} templates, mastery ${after.mastery}), ${after.email}`
          )
          yield* say(`     lost, by design: the progress`)
          yield* say(`       before: ${describe(before)}`)
          yield* say(`       after:  ${describe(after)}`)
          yield* say(`     the question was lost too: the client selects a new one, and the user starts over`)
          yield* say(`     (same quiz, same seed: the restarted session asks the same questions again)`)
          yield* say()
          killed = Option.some({ before: String(oldPid), after: String(newPid) })
          sessionPid = newPid
          question = yield* sessions.selectQuestion(session)
        }
      }

      // the end
      yield* say()
      if (mastered) {
        // the reply comes before the exit: wait for it, then ask the supervisor (which has handled it)
        const reason = yield* Process.awaitExit(sessionPid)
        yield* say(`Mastered "${title}" after ${answers} answers (${wrong} wrong).`)
        yield* say(
          `Session ${sessionPid} stopped ${reason._tag}; restart: transient, so it stays stopped: ${yield* sessions.count} sessions running.`
        )
      } else {
        yield* say(`Stopped after ${answers} answers (${wrong} wrong).`)
      }
      yield* flushLogs
      yield* Scope.close(appScope, Exit.void)
      const processesLeft = node.processes().length
      yield* say(
        `Released the app's Layer: the tree stopped in reverse order; ${processesLeft} processes left on the node.`
      )
      return { answers, wrong, mastered, killed, processesLeft } satisfies Summary
    })
  ).pipe(Effect.provide(Logger.layer([logger])), Effect.orDie)
}

// ---------------------------------------------------------------------------------------------
// Served: the app kept running, with its observer endpoint
// ---------------------------------------------------------------------------------------------

/**
 * What {@link serve} takes: where the observer endpoint listens, and how the app is kept busy.
 *
 * @since 0.2.0
 * @category models
 */
export interface ServeOptions {
  /** The endpoint's port. Default 9090 (the port `otp observer` reads by default); 0 takes any free port. */
  readonly port?: number | undefined
  /** The endpoint's address. Default `"127.0.0.1"`; any other needs a `token`. */
  readonly host?: string | undefined
  /** The endpoint's token (see `ObserverHttp`). */
  readonly token?: string | undefined
  /** Whether the endpoint's kill, suspend, resume and trace work. Default `false`: read-only. */
  readonly write?: boolean | undefined
  /** Who take the quiz, one session each. Default ada, grace and alan (`@example.com`). */
  readonly emails?: ReadonlyArray<string> | undefined
  /** Each user answers one question this often. Default 1 second. */
  readonly pace?: Duration.Input | undefined
  /** A session is killed this often, in turn. Default 5 seconds; `"never"` kills none. */
  readonly killEvery?: Duration.Input | "never" | undefined
  /** Seeds the quiz's question selection. Default 7. */
  readonly seed?: number | undefined
}

/**
 * The app {@link serve} runs.
 *
 * @since 0.2.0
 * @category models
 */
export interface Served {
  /** The observer endpoint's page. */
  readonly url: string
  /** The node the app runs on. */
  readonly node: Node.Node["Service"]
  /** The users' sessions, in the order of `emails`. */
  readonly sessions: ReadonlyArray<Boundary.QuizSession.Session>
  /** The client of the sessions (`Lifecycle.QuizSessions`): to ask them something, or find their pids. */
  readonly client: Lifecycle.QuizSessionsApi
}

const defaultEmails = ["ada@example.com", "grace@example.com", "alan@example.com"]

/**
 * Runs the Mastery app until the scope closes, with `ObserverHttp`'s endpoint on, so it can be
 * watched in a browser or with `otp observer`. Prints the endpoint's url and the tree, starts one
 * session per user, each answering a question every `pace`, and kills a session every `killEvery`
 * (in turn): its DynamicSupervisor restarts it, and the observer shows it.
 *
 * **Errors**: the endpoint's (`TokenRequired` for a non-loopback host without a token, `ServeError`
 * when the port is taken); nothing of the app is left running then.
 *
 * @since 0.2.0
 * @category running
 */
export const serve = (
  options?: ServeOptions
): Effect.Effect<Served, ObserverHttp.TokenRequired | ServeError, Scope.Scope> =>
  Effect.gen(function* () {
    const node = yield* Node.make()
    // the endpoint first: when it cannot listen, the app has not started
    const endpoint = Context.get(
      yield* Layer.build(
        ObserverHttp.layer({
          host: options?.host,
          port: options?.port ?? 9090,
          token: options?.token,
          write: options?.write
        })
      ).pipe(Effect.provideService(Node.Node, node)),
      ObserverHttp.ObserverHttp
    )
    return yield* running(node, endpoint, options)
  }).pipe(Effect.provide(Logger.layer([compactLogger])))

/** The supervisors' reports, one line each, through the fiber's `Console`. */
const compactLogger = Logger.withConsoleLog(
  Logger.make(({ logLevel, message }) => `     │ log ${logLevel.toLowerCase()}: ${formatLog(message)}`)
)

const running = (
  node: Node.Node["Service"],
  endpoint: ObserverHttp.ObserverHttp["Service"],
  options: ServeOptions | undefined
) =>
  Effect.gen(function* () {
    const emails = options?.emails ?? defaultEmails
    const pace = options?.pace ?? "1 second"
    const killEvery = options?.killEvery ?? "5 seconds"
    const context = yield* Layer.build(Lifecycle.layer).pipe(Effect.provideService(Node.Node, node))
    const manager = Context.get(context, Lifecycle.QuizManager)
    const sessions = Context.get(context, Lifecycle.QuizSessions)
    const root = Context.get(context, Application.Root).supervisor
    const url = options?.token === undefined ? endpoint.url : `${endpoint.url}?token=${options.token}`

    yield* Console.log(`Mastery on effect-otp, kept running and served for watching`)
    yield* Console.log(
      `Observer: ${url}  (${endpoint.write ? "with kill, suspend, resume and trace buttons" : "read-only; --write adds the kill, suspend, resume and trace buttons"})`
    )
    yield* Console.log(
      `In a terminal: otp observer --url ${endpoint.url}${options?.token === undefined ? "" : " --token …"}`
    )
    yield* Console.log("")
    yield* printTree(root)
    yield* Console.log("")

    // a quiz that is never mastered: the sessions keep running
    yield* manager.buildQuiz({ title, mastery: 1_000_000, seed: options?.seed ?? 7 })
    for (const template of Core.Examples.templates) yield* manager.addTemplate(title, template)
    const started = yield* Effect.forEach(emails, (email) => sessions.takeQuiz(title, email))
    for (const session of started) {
      yield* Console.log(
        `${session.email} takes "${title}": session ${Option.getOrThrow(yield* sessions.whereis(session))}`
      )
    }
    const student = scriptedStudent()
    const answerOne = (session: Boundary.QuizSession.Session, number: number) =>
      Effect.flatMap(sessions.selectQuestion(session), (question) =>
        Effect.flatMap(student.answer(question, "", number), (answer) =>
          sessions.answerQuestion(
            session,
            Option.getOrElse(answer, () => "?")
          )
        )
      )
    // a call in flight when its session is killed fails: the next round asks again
    // (numbered 1 to 10 in turn: the scripted student gets the 2nd and the 7th wrong)
    for (const session of started) {
      let number = 0
      yield* Effect.forkScoped(
        Effect.forever(
          Effect.andThen(
            Effect.sleep(pace),
            Effect.suspend(() => Effect.ignore(answerOne(session, (number++ % 10) + 1)))
          )
        )
      )
    }
    if (killEvery !== "never") {
      yield* Console.log(
        `Every ${Duration.format(Duration.fromInputUnsafe(killEvery))} a session is killed and its supervisor restarts it. Ctrl+C stops.`
      )
      let turn = 0
      const killOne = Effect.gen(function* () {
        const session = started[turn++ % started.length]!
        const before = yield* sessions.whereis(session)
        if (Option.isNone(before)) return
        yield* Console.log(`  ✂  Process.kill(${before.value}): ${session.email}'s session`)
        yield* Process.kill(before.value)
        yield* Process.awaitExit(before.value)
        // a call to the DynamicSupervisor is served after it has handled the exit
        yield* Effect.ignore(sessions.count)
        const after = yield* sessions.whereis(session)
        yield* Console.log(`     restarted as ${Option.match(after, { onNone: () => "-", onSome: String })}`)
      })
      yield* Effect.forkScoped(Effect.forever(Effect.andThen(Effect.sleep(killEvery), killOne)))
    } else {
      yield* Console.log(`Ctrl+C stops.`)
    }
    return { url, node, sessions: started, client: sessions } satisfies Served
  }).pipe(Effect.orDie)
