import { assert, describe, expect, it } from "@effect/vitest"
import { DateTime, Effect, Option, pipe, Result, Schema } from "effect"
import { TestClock } from "effect/testing"
import * as fc from "fast-check"
import { Examples, Question, Quiz, Response, Rng, Template } from "../src/core/index.ts"

// --- helpers -------------------------------------------------------------------------------------

const epoch = DateTime.makeUnsafe(0)

/** A template whose only right answer is "right", so tests choose right and wrong answers freely. */
const drill = (name: string, category = "drills") =>
  Template.makeUnsafe({
    name,
    category,
    instructions: "Answer 'right'",
    raw: `${name}: say <%= word %>`,
    generators: { word: ["right"] },
    checker: (_, answer) => answer === "right"
  })

const quizOf = (
  options: { readonly mastery?: number; readonly seed?: number },
  ...templates: Array<Template.Template>
) =>
  templates.reduce(
    (quiz, template) => Quiz.addTemplate(quiz, template),
    Quiz.makeUnsafe({ title: "Test", mastery: options.mastery, seed: options.seed ?? 1 })
  )

const select = (quiz: Quiz.Quiz): Quiz.Quiz => Option.getOrThrow(Quiz.selectQuestion(quiz))

const current = (quiz: Quiz.Quiz): Question.Question => Option.getOrThrow(quiz.currentQuestion)

const respond = (quiz: Quiz.Quiz, answer: string): Response.Response =>
  Option.getOrThrow(Response.fromQuiz(quiz, { email: "ada@example.com", answer, timestamp: epoch }))

/** Selects a question and answers it; returns the quiz and the name of the template asked. */
const step = (quiz: Quiz.Quiz, right: boolean): readonly [Quiz.Quiz, string] => {
  const selected = select(quiz)
  const name = current(selected).template.name
  return [Quiz.answerQuestion(selected, respond(selected, right ? "right" : "wrong")), name]
}

const askedNames = (quiz: Quiz.Quiz, count: number): ReadonlyArray<string> => {
  const names: Array<string> = []
  for (let i = 0; i < count; i++) {
    quiz = select(quiz)
    names.push(current(quiz).template.name)
  }
  return names
}

// --- Rng -----------------------------------------------------------------------------------------

describe("Rng", () => {
  it("gives the same draws for the same seed", () => {
    const draws = (seed: number) => Rng.run(Rng.make(seed), (random) => [1, 2, 3, 4, 5].map(() => random.nextFloat()))
    expect(draws(42)).toEqual(draws(42))
    expect(draws(42)[0]).not.toEqual(draws(43)[0])
  })

  it("run threads the state exactly like the pure draws", () => {
    const rng0 = Rng.make(7)
    const [a, rng1] = Rng.nextInt(rng0, 0, 9)
    const [b, rng2] = Rng.pick(rng1, ["x", "y", "z"])
    const [c, rng3] = Rng.nextFloat(rng2)
    expect(Rng.run(rng0, (random) => [random.nextInt(0, 9), random.pick(["x", "y", "z"]), random.nextFloat()])).toEqual(
      [[a, b, c], rng3]
    )
  })

  it("normalises seeds to unsigned 32-bit integers", () => {
    expect(Rng.make(-1)).toBe(4294967295)
    expect(Rng.make(2 ** 32 + 5)).toBe(5)
    expect(Rng.make(Number.NaN)).toBe(0)
  })

  it("rejects an empty integer range", () => {
    expect(() => Rng.nextInt(Rng.make(1), 3, 2)).toThrow(RangeError)
  })

  it("draws integers within the bounds (property)", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: -1000, max: 1000 }), fc.nat(1000), (seed, min, width) => {
        const [n] = Rng.nextInt(Rng.make(seed), min, min + width)
        return Number.isInteger(n) && n >= min && n <= min + width
      })
    )
  })

  it("reaches every value of a small range", () => {
    const [seen] = Rng.run(Rng.make(3), (random) => new Set(Array.from({ length: 200 }, () => random.nextInt(0, 9))))
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  })
})

// --- Template ------------------------------------------------------------------------------------

describe("Template", () => {
  it("compiles the text once, into text and placeholder segments", () => {
    const template = Examples.singleDigitAddition
    expect(template.compiled).toEqual([
      { _tag: "Placeholder", name: "left" },
      { _tag: "Text", text: " + " },
      { _tag: "Placeholder", name: "right" }
    ])
    expect(Template.placeholders(template)).toEqual(["left", "right"])
    expect(Template.compile("no placeholders")).toEqual(Result.succeed([{ _tag: "Text", text: "no placeholders" }]))
    expect(Template.compile("<%=x%> and <%=   x   %>")).toEqual(
      Result.succeed([
        { _tag: "Placeholder", name: "x" },
        { _tag: "Text", text: " and " },
        { _tag: "Placeholder", name: "x" }
      ])
    )
  })

  it("renders a question text", () => {
    expect(Template.render(Examples.singleDigitAddition, { left: 3, right: 4 })).toBe("3 + 4")
    expect(Template.render(Examples.capitalOf, { country: "Peru" })).toBe("What is the capital of Peru?")
  })

  const fields = {
    name: "t",
    category: "c",
    instructions: "",
    raw: "<%= a %>",
    generators: { a: [1] },
    checker: () => true
  }

  const rejection = (result: Result.Result<unknown, Template.InvalidTemplate>) => {
    assert.isTrue(Result.isFailure(result))
    const error = Result.getFailure(result).pipe(Option.getOrThrow)
    return { _tag: error._tag, field: error.field }
  }

  it("rejects a bad template with the field at fault", () => {
    expect(rejection(Template.make({ ...fields, name: " " }))).toEqual({ _tag: "InvalidTemplate", field: "name" })
    expect(rejection(Template.make({ ...fields, category: "" }))).toEqual({
      _tag: "InvalidTemplate",
      field: "category"
    })
    expect(rejection(Template.make({ ...fields, raw: "<%= a %> + <%= b >" }))).toEqual({
      _tag: "InvalidTemplate",
      field: "raw"
    })
    expect(rejection(Template.make({ ...fields, raw: "<% a %>" }))).toEqual({ _tag: "InvalidTemplate", field: "raw" })
    expect(rejection(Template.make({ ...fields, raw: "<%= a %> <%= b %>" }))).toEqual({
      _tag: "InvalidTemplate",
      field: "generators"
    })
    expect(rejection(Template.make({ ...fields, generators: { a: [] } }))).toEqual({
      _tag: "InvalidTemplate",
      field: "generators"
    })
  })

  it("accepts generators that the text does not show", () => {
    assert.isTrue(Result.isSuccess(Template.make({ ...fields, generators: { a: [1], hidden: ["x"] } })))
  })

  it("makeUnsafe throws the InvalidTemplate", () => {
    expect(() => Template.makeUnsafe({ ...fields, raw: "<%= b %>" })).toThrow(Template.InvalidTemplate)
    expect(() => Template.makeUnsafe({ ...fields, raw: "<%= b %>" })).toThrow(
      'invalid template "t": generators: no generator for the placeholder "b"'
    )
  })

  it("render throws on a missing substitution", () => {
    const template: Template.Template = Examples.singleDigitAddition
    expect(() => Template.render(template, { left: 1 })).toThrow(/no substitution for the placeholder "right"/)
  })

  describe("checker semantics", () => {
    const check = (template: Template.Template<any>, substitutions: Template.Substitutions, answer: string) =>
      template.checker(substitutions, answer)

    it("addition and multiplication accept whole numbers in digits, with spaces around", () => {
      expect(check(Examples.singleDigitAddition, { left: 3, right: 4 }, "7")).toBe(true)
      expect(check(Examples.singleDigitAddition, { left: 3, right: 4 }, " 7 \n")).toBe(true)
      expect(check(Examples.singleDigitAddition, { left: 3, right: 4 }, "8")).toBe(false)
      expect(check(Examples.singleDigitAddition, { left: 3, right: 4 }, "7.0")).toBe(false)
      expect(check(Examples.singleDigitAddition, { left: 3, right: 4 }, "seven")).toBe(false)
      expect(check(Examples.singleDigitAddition, { left: 3, right: 4 }, "")).toBe(false)
      expect(check(Examples.singleDigitMultiplication, { left: 6, right: 7 }, "42")).toBe(true)
      expect(check(Examples.singleDigitMultiplication, { left: 0, right: 7 }, "0")).toBe(true)
      expect(check(Examples.singleDigitMultiplication, { left: 6, right: 7 }, "13")).toBe(false)
    })

    it("capitals ignore case, accents and extra spaces, and only the country's capital is right", () => {
      expect(check(Examples.capitalOf, { country: "Colombia" }, "Bogotá")).toBe(true)
      expect(check(Examples.capitalOf, { country: "Colombia" }, "  bogota ")).toBe(true)
      expect(check(Examples.capitalOf, { country: "Argentina" }, "buenos   AIRES")).toBe(true)
      expect(check(Examples.capitalOf, { country: "Chile" }, "Lima")).toBe(false)
      expect(check(Examples.capitalOf, { country: "Chile" }, "")).toBe(false)
    })

    it("every generated question of the examples has a right answer that the checker accepts", () => {
      const rightAnswer = (question: Question.Question): string => {
        const s = question.substitutions
        switch (question.template.name) {
          case "single_digit_addition":
            return String(Number(s.left) + Number(s.right))
          case "single_digit_multiplication":
            return String(Number(s.left) * Number(s.right))
          default:
            return Examples.capitals[s.country as keyof typeof Examples.capitals]
        }
      }
      fc.assert(
        fc.property(fc.integer(), fc.constantFrom(...Examples.templates), (seed, template) => {
          const [question] = Question.generate(template, Rng.make(seed))
          return template.checker(question.substitutions, rightAnswer(question))
        })
      )
    })
  })
})

// --- Question ------------------------------------------------------------------------------------

describe("Question", () => {
  it("is generated deterministically from a seed", () => {
    const [q1, rng1] = Question.generate(Examples.singleDigitMultiplication, Rng.make(99))
    const [q2, rng2] = Question.generate(Examples.singleDigitMultiplication, Rng.make(99))
    expect(q1.asked).toBe(q2.asked)
    expect(q1.substitutions).toEqual(q2.substitutions)
    expect(rng1).toBe(rng2)
    expect(rng1).not.toBe(Rng.make(99))
  })

  it("asks the text rendered from its substitutions, drawn from the generators", () => {
    let rng = Rng.make(5)
    const asked = new Set<string>()
    for (let i = 0; i < 50; i++) {
      const [question, next] = Question.generate(Examples.singleDigitAddition, rng)
      rng = next
      const { left, right } = question.substitutions
      expect(question.asked).toBe(`${left} + ${right}`)
      expect([left, right].every((n) => typeof n === "number" && n >= 0 && n <= 9)).toBe(true)
      expect(question.template).toBe(Examples.singleDigitAddition)
      asked.add(question.asked)
    }
    expect(asked.size).toBeGreaterThan(10)
  })

  it("can be made from chosen substitutions", () => {
    const question = Question.make(Examples.capitalOf, { country: "Peru" })
    expect(question.asked).toBe("What is the capital of Peru?")
    expect(question.substitutions).toEqual({ country: "Peru" })
  })
})

// --- Response ------------------------------------------------------------------------------------

describe("Response", () => {
  const question = Question.make(Examples.singleDigitAddition, { left: 3, right: 4 })
  const make = (answer: string) =>
    Response.make({ quizTitle: "Arithmetic", question, email: "ada@example.com", answer, timestamp: epoch })

  it("records the question and checks the answer with the template's checker", () => {
    const response = make("7")
    expect({ ...response }).toEqual({
      quizTitle: "Arithmetic",
      templateName: "single_digit_addition",
      to: "3 + 4",
      email: "ada@example.com",
      answer: "7",
      correct: true,
      timestamp: epoch
    })
    expect(make("8").correct).toBe(false)
  })

  it("fromQuiz answers the current question, and none before one is selected", () => {
    const quiz = quizOf({}, Examples.capitalOf)
    assert.isTrue(Option.isNone(Response.fromQuiz(quiz, { email: "e", answer: "x", timestamp: epoch })))
    const selected = select(quiz)
    const response = respond(selected, "whatever")
    expect(response.to).toBe(current(selected).asked)
    expect(response.templateName).toBe("capital_of_south_america")
    expect(response.quizTitle).toBe("Test")
    expect(response.correct).toBe(false)
  })

  it("is plain data: it encodes to JSON and decodes back", () => {
    const codec = Schema.toCodecJson(Response.Response)
    const response = make("7")
    const json = Schema.encodeSync(codec)(response)
    expect(JSON.parse(JSON.stringify(json))).toEqual({
      quizTitle: "Arithmetic",
      templateName: "single_digit_addition",
      to: "3 + 4",
      email: "ada@example.com",
      answer: "7",
      correct: true,
      timestamp: "1970-01-01T00:00:00.000Z"
    })
    const decoded = Schema.decodeUnknownSync(codec)(JSON.parse(JSON.stringify(json)))
    assert.instanceOf(decoded, Response.Response)
    expect({ ...decoded }).toEqual({ ...response })
  })

  it.effect("is stamped at the boundary from the Clock (TestClock here)", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(1_700_000_000_000)
      const timestamp = yield* DateTime.now
      const response = Response.make({ quizTitle: "Arithmetic", question, email: "e", answer: "7", timestamp })
      expect(DateTime.toEpochMillis(response.timestamp)).toBe(1_700_000_000_000)
    })
  )
})

// --- Quiz ----------------------------------------------------------------------------------------

describe("Quiz", () => {
  describe("make", () => {
    it("builds an empty quiz with the default mastery of 3", () => {
      const quiz = Quiz.makeUnsafe({ title: "Arithmetic", seed: 1 })
      expect(quiz.title).toBe("Arithmetic")
      expect(quiz.mastery).toBe(3)
      expect(Quiz.defaultMastery).toBe(3)
      expect(quiz.templates.size).toBe(0)
      expect(quiz.used).toEqual([])
      expect(quiz.mastered).toEqual([])
      expect(quiz.record.size).toBe(0)
      assert.isTrue(Option.isNone(quiz.currentQuestion))
      assert.isTrue(Option.isNone(quiz.lastResponse))
      expect(quiz.rng).toBe(Rng.make(1))
      expect(Quiz.makeUnsafe({ title: "x", mastery: 5, seed: 1 }).mastery).toBe(5)
      assert.isTrue(Result.isSuccess(Quiz.newQuiz({ title: "x", seed: 1 })))
    })

    it("rejects an empty title and a mastery that is not a positive integer", () => {
      const field = (options: Quiz.Options) =>
        Quiz.make(options).pipe(
          Result.getFailure,
          Option.map((error) => error.field)
        )
      expect(field({ title: "", seed: 1 })).toEqual(Option.some("title"))
      expect(field({ title: "x", mastery: 0, seed: 1 })).toEqual(Option.some("mastery"))
      expect(field({ title: "x", mastery: -2, seed: 1 })).toEqual(Option.some("mastery"))
      expect(field({ title: "x", mastery: 1.5, seed: 1 })).toEqual(Option.some("mastery"))
      expect(() => Quiz.makeUnsafe({ title: "x", mastery: 0, seed: 1 })).toThrow(Quiz.InvalidQuiz)
    })
  })

  describe("addTemplate", () => {
    it("groups templates by category, in the order they were added", () => {
      const quiz = pipe(
        Quiz.makeUnsafe({ title: "Mixed", seed: 1 }),
        Quiz.addTemplate(drill("a", "one")),
        Quiz.addTemplate(drill("b", "two")),
        Quiz.addTemplate(drill("c", "one"))
      )
      expect([...quiz.templates.keys()]).toEqual(["one", "two"])
      expect(quiz.templates.get("one")!.map((t) => t.name)).toEqual(["a", "c"])
      expect(quiz.templates.get("two")!.map((t) => t.name)).toEqual(["b"])
      expect(Quiz.allTemplates(quiz).map((t) => t.name)).toEqual(["a", "c", "b"])
      expect(Quiz.findTemplate(quiz, "b").pipe(Option.map((t) => t.category))).toEqual(Option.some("two"))
      assert.isTrue(Option.isNone(Quiz.findTemplate(quiz, "zzz")))
    })

    it("replaces a template with the same name and keeps its progress", () => {
      let quiz = quizOf({ mastery: 3 }, drill("a", "one"))
      ;[quiz] = step(quiz, true)
      expect(quiz.record.get("a")).toBe(1)
      const replacement = drill("a", "two")
      quiz = Quiz.addTemplate(quiz, replacement)
      expect([...quiz.templates.keys()]).toEqual(["two"])
      expect(Quiz.allTemplates(quiz)).toEqual([replacement])
      expect(quiz.record.get("a")).toBe(1)
      ;[quiz] = step(quiz, true)
      ;[quiz] = step(quiz, true)
      assert.isTrue(Quiz.isTemplateMastered(quiz, "a"))
    })

    it("leaves the quiz it was given unchanged", () => {
      const empty = Quiz.makeUnsafe({ title: "x", seed: 1 })
      const added = Quiz.addTemplate(empty, drill("a"))
      expect(empty.templates.size).toBe(0)
      expect(added.templates.size).toBe(1)
    })
  })

  describe("selectQuestion", () => {
    it("returns none for a quiz without templates", () => {
      assert.isTrue(Option.isNone(Quiz.selectQuestion(Quiz.makeUnsafe({ title: "x", seed: 1 }))))
    })

    it("sets the current question and marks its template used", () => {
      const quiz = select(quizOf({}, Examples.singleDigitAddition))
      const question = current(quiz)
      expect(question.template.name).toBe("single_digit_addition")
      expect(question.asked).toMatch(/^\d \+ \d$/)
      expect(quiz.used).toEqual(["single_digit_addition"])
    })

    it("asks each template once per cycle, then starts a new cycle", () => {
      const names = ["a", "b", "c", "d"]
      const quiz = quizOf({ seed: 11 }, drill("a", "x"), drill("b", "x"), drill("c", "y"), drill("d", "z"))
      const asked = askedNames(quiz, 12)
      for (let cycle = 0; cycle < 3; cycle++) {
        expect([...asked.slice(cycle * 4, cycle * 4 + 4)].sort()).toEqual(names)
      }
    })

    it("is deterministic: the same seed asks the same questions", () => {
      const run = (seed: number) => {
        let quiz = quizOf({ seed }, ...Examples.templates)
        const asked: Array<string> = []
        for (let i = 0; i < 20; i++) {
          quiz = select(quiz)
          asked.push(current(quiz).asked)
        }
        return asked
      }
      expect(run(2024)).toEqual(run(2024))
      expect(new Set([1, 2, 3, 4, 5].map((seed) => run(seed).join("|"))).size).toBeGreaterThan(1)
    })

    it("never returns a mastered template", () => {
      const [quiz, masteredName] = step(quizOf({ mastery: 1, seed: 3 }, drill("a"), drill("b"), drill("c")), true)
      assert.isTrue(Quiz.isTemplateMastered(quiz, masteredName))
      expect(askedNames(quiz, 30)).not.toContain(masteredName)
    })
  })

  describe("answerQuestion", () => {
    it("masters a template after exactly `mastery` right answers in a row", () => {
      let quiz = quizOf({ mastery: 3 }, drill("a"))
      ;[quiz] = step(quiz, true)
      expect(quiz.record.get("a")).toBe(1)
      ;[quiz] = step(quiz, true)
      expect(quiz.record.get("a")).toBe(2)
      assert.isFalse(Quiz.isTemplateMastered(quiz, "a"))
      assert.isFalse(Quiz.isMastered(quiz))
      ;[quiz] = step(quiz, true)
      assert.isTrue(Quiz.isTemplateMastered(quiz, "a"))
      assert.isTrue(Quiz.isMastered(quiz))
      expect(quiz.mastered).toEqual(["a"])
      expect(quiz.record.has("a")).toBe(false)
      expect(quiz.used).toEqual([])
    })

    it("resets the count on a wrong answer", () => {
      let quiz = quizOf({ mastery: 3 }, drill("a"))
      ;[quiz] = step(quiz, true)
      ;[quiz] = step(quiz, true)
      ;[quiz] = step(quiz, false)
      expect(quiz.record.has("a")).toBe(false)
      ;[quiz] = step(quiz, true)
      ;[quiz] = step(quiz, true)
      assert.isFalse(Quiz.isTemplateMastered(quiz, "a"))
      ;[quiz] = step(quiz, true)
      assert.isTrue(Quiz.isTemplateMastered(quiz, "a"))
    })

    it("keeps the response as lastResponse", () => {
      const selected = select(quizOf({}, drill("a")))
      const response = respond(selected, "right")
      const answered = Quiz.answerQuestion(selected, response)
      expect(answered.lastResponse).toEqual(Option.some(response))
      expect(answered.currentQuestion).toBe(selected.currentQuestion)
    })

    it("only stores a response for an unknown or mastered template", () => {
      const quiz = select(quizOf({ mastery: 1 }, drill("a"), drill("b")))
      const stranger = Response.make({
        quizTitle: "Test",
        question: Question.make(drill("zzz"), { word: "right" }),
        email: "e",
        answer: "right",
        timestamp: epoch
      })
      const answered = Quiz.answerQuestion(quiz, stranger)
      expect(answered).toEqual({ ...quiz, lastResponse: Option.some(stranger) })

      const response = respond(quiz, "right")
      const mastered = Quiz.answerQuestion(quiz, response)
      expect(Quiz.answerQuestion(mastered, response)).toEqual({ ...mastered, lastResponse: Option.some(response) })
    })

    it("asks nothing once every template is mastered", () => {
      let quiz = quizOf({ mastery: 2, seed: 8 }, ...Examples.templates)
      let answered = 0
      for (;;) {
        const selected = Quiz.selectQuestion(quiz)
        if (Option.isNone(selected)) break
        quiz = selected.value
        const question = current(quiz)
        const s = question.substitutions
        const right =
          question.template.name === "single_digit_addition"
            ? String(Number(s.left) + Number(s.right))
            : question.template.name === "single_digit_multiplication"
              ? String(Number(s.left) * Number(s.right))
              : Examples.capitals[s.country as keyof typeof Examples.capitals]
        quiz = Quiz.answerQuestion(quiz, respond(quiz, right))
        answered++
      }
      expect(answered).toBe(2 * Examples.templates.length)
      assert.isTrue(Quiz.isMastered(quiz))
      expect([...quiz.mastered].sort()).toEqual(Examples.templates.map((t) => t.name).sort())
      assert.isTrue(Option.isNone(Quiz.selectQuestion(quiz)))
    })

    it("a quiz without templates is not mastered", () => {
      assert.isFalse(Quiz.isMastered(Quiz.makeUnsafe({ title: "x", seed: 1 })))
    })
  })

  describe("properties", () => {
    const arbitraryRun = fc.record({
      seed: fc.integer(),
      mastery: fc.integer({ min: 1, max: 4 }),
      templates: fc.integer({ min: 1, max: 5 }),
      answers: fc.array(fc.boolean(), { maxLength: 80 })
    })

    it("after any sequence of answers, a template is mastered iff its last `mastery` answers were right", () => {
      fc.assert(
        fc.property(arbitraryRun, ({ seed, mastery, templates, answers }) => {
          const names = Array.from({ length: templates }, (_, i) => `t${i}`)
          let quiz = quizOf({ mastery, seed }, ...names.map((name, i) => drill(name, `c${i % 2}`)))
          const history = new Map(names.map((name) => [name, [] as Array<boolean>]))
          for (const right of answers) {
            const selected = Quiz.selectQuestion(quiz)
            if (Option.isNone(selected)) break
            const name = current(selected.value).template.name
            // a mastered template is never selected
            expect(history.get(name)!.slice(-mastery)).not.toEqual(Array(mastery).fill(true))
            quiz = Quiz.answerQuestion(selected.value, respond(selected.value, right ? "right" : "wrong"))
            history.get(name)!.push(right)
          }
          for (const name of names) {
            const answered = history.get(name)!
            const last = answered.slice(-mastery)
            const masteredByModel = last.length === mastery && last.every((right) => right)
            expect(Quiz.isTemplateMastered(quiz, name)).toBe(masteredByModel)
            // the record is the number of right answers in a row (cleared once mastered)
            const streak = answered.length - 1 - answered.lastIndexOf(false)
            expect(quiz.record.get(name) ?? 0).toBe(masteredByModel ? 0 : streak)
          }
          expect(Quiz.isMastered(quiz)).toBe(names.every((name) => Quiz.isTemplateMastered(quiz, name)))
        })
      )
    })

    it("when nothing is mastered, every cycle asks each template exactly once", () => {
      fc.assert(
        fc.property(fc.integer(), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 }), (seed, n, cycles) => {
          const names = Array.from({ length: n }, (_, i) => `t${i}`)
          let quiz = quizOf({ seed }, ...names.map((name, i) => drill(name, `c${i % 3}`)))
          for (let cycle = 0; cycle < cycles; cycle++) {
            const asked: Array<string> = []
            for (let i = 0; i < n; i++) {
              const [next, name] = step(quiz, false)
              quiz = next
              asked.push(name)
            }
            expect(asked.sort()).toEqual(names)
          }
        })
      )
    })
  })
})
