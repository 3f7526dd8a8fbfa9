/**
 * Example templates for the Mastery demo: single-digit addition and multiplication, and the
 * capitals of South America.
 *
 * They show both kinds of generator (a list of values, and a function of a random source) and
 * lenient checkers: answers are trimmed, numbers must be whole numbers written in digits, and
 * capitals are compared without regard to case or accents.
 *
 * @example
 * ```ts
 * import { Result } from "effect"
 * import * as Quiz from "@effect-otp/example-mastery/core/Quiz"
 * import * as Examples from "@effect-otp/example-mastery/core/examples"
 *
 * const quiz = Examples.templates.reduce(
 *   (quiz, template) => Quiz.addTemplate(quiz, template),
 *   Quiz.makeUnsafe({ title: "Demo", seed: 2024 })
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Template from "./Template.ts"

const digits = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] as const

/**
 * Reads a whole number written in digits (an optional minus sign, spaces around it allowed).
 *
 * @since 0.1.0
 * @category checkers
 */
export const parseInteger = (answer: string): number | undefined => {
  const trimmed = answer.trim()
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : undefined
}

/**
 * Normalises a word for comparison: trimmed, lower case, accents removed, inner spaces collapsed.
 *
 * @since 0.1.0
 * @category checkers
 */
export const normaliseWord = (answer: string): string =>
  answer
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .trim()
    .replace(/\s+/g, " ")
    .toLowerCase()

/**
 * `left + right` with two digits drawn from lists (the book's first template).
 *
 * @since 0.1.0
 * @category templates
 */
export const singleDigitAddition = Template.makeUnsafe({
  name: "single_digit_addition",
  category: "addition",
  instructions: "Add the numbers",
  raw: "<%= left %> + <%= right %>",
  generators: { left: digits, right: digits },
  checker: ({ left, right }, answer) => parseInteger(answer) === left + right
})

/**
 * `left * right` with two digits made by generator functions.
 *
 * @since 0.1.0
 * @category templates
 */
export const singleDigitMultiplication = Template.makeUnsafe({
  name: "single_digit_multiplication",
  category: "multiplication",
  instructions: "Multiply the numbers",
  raw: "<%= left %> * <%= right %>",
  generators: { left: (random) => random.nextInt(0, 9), right: (random) => random.nextInt(0, 9) },
  checker: ({ left, right }, answer) => parseInteger(answer) === left * right
})

/**
 * The fixed answer list of {@link capitalOf}: the capital of each South American country (Bolivia's
 * constitutional capital, Sucre).
 *
 * @since 0.1.0
 * @category templates
 */
export const capitals = {
  Argentina: "Buenos Aires",
  Bolivia: "Sucre",
  Brazil: "Brasília",
  Chile: "Santiago",
  Colombia: "Bogotá",
  Ecuador: "Quito",
  Guyana: "Georgetown",
  Paraguay: "Asunción",
  Peru: "Lima",
  Suriname: "Paramaribo",
  Uruguay: "Montevideo",
  Venezuela: "Caracas"
} as const

const countries = Object.keys(capitals) as ReadonlyArray<keyof typeof capitals>

/**
 * "What is the capital of <country>?" for the countries of {@link capitals}.
 *
 * @since 0.1.0
 * @category templates
 */
export const capitalOf = Template.makeUnsafe({
  name: "capital_of_south_america",
  category: "geography",
  instructions: "Name the capital city",
  raw: "What is the capital of <%= country %>?",
  generators: { country: countries },
  checker: ({ country }, answer) => normaliseWord(answer) === normaliseWord(capitals[country])
})

/**
 * All the example templates.
 *
 * @since 0.1.0
 * @category templates
 */
export const templates: ReadonlyArray<Template.Template> = [singleDigitAddition, singleDigitMultiplication, capitalOf]
