/**
 * A question template: the recipe from which a quiz generates as many questions as it needs.
 *
 * A template has a `name` (unique within a quiz; a quiz tracks progress by it), a `category`
 * (the quiz picks a category first, then a template in it), `instructions` for the user, and:
 *
 * - `raw`: the question text with placeholders in the book's EEx form, `<%= name %>`;
 * - `generators`: for each placeholder, a list of values to choose from, or a function that makes
 *   a value from a {@link Rng.Source} (never from `Math.random`: the quiz must stay replayable);
 * - `checker`: `(substitutions, answer) => boolean`, whether the user's answer is right for the
 *   values that were substituted.
 *
 * The text is compiled once, when the template is made: `raw` is split into text and placeholder
 * segments, and every placeholder is checked to have a generator. A bad template fails there, with
 * an {@link InvalidTemplate} that names the template, the field and the reason, never later while
 * a user is being asked.
 *
 * Types: {@link make} infers the substitutions' type from the generators, so the checker is typed
 * (`left: number`, `country: string`). A quiz holds templates of different shapes as the erased
 * `Template` (`Template<Substitutions>`).
 *
 * **Gotchas**: a template holds functions, so it cannot be serialised. Processes exchange template
 * names (and `Response`s, which are plain data), not templates.
 *
 * @example
 * ```ts
 * import * as Template from "@effect-otp/example-mastery/core/Template"
 *
 * const digits = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
 * const addition = Template.makeUnsafe({
 *   name: "single_digit_addition",
 *   category: "addition",
 *   instructions: "Add the numbers",
 *   raw: "<%= left %> + <%= right %>",
 *   generators: { left: digits, right: (random) => random.nextInt(0, 9) },
 *   checker: ({ left, right }, answer) => answer.trim() === String(left + right)
 * })
 * Template.render(addition, { left: 3, right: 4 }) // "3 + 4"
 * addition.checker({ left: 3, right: 4 }, "7") // true
 * ```
 *
 * @since 0.1.0
 */
import { Result, Schema } from "effect"
import type * as Rng from "./Rng.ts"

/**
 * A value substituted for a placeholder.
 *
 * @since 0.1.0
 * @category models
 */
export type Value = string | number

/**
 * The values chosen for a question, by placeholder name.
 *
 * @since 0.1.0
 * @category models
 */
export type Substitutions = { readonly [placeholder: string]: Value }

/**
 * How a placeholder gets its value: one element of a list (each with the same probability), or the
 * result of a function of a random source.
 *
 * @since 0.1.0
 * @category models
 */
export type Generator<A extends Value = Value> = ReadonlyArray<A> | ((random: Rng.Source) => A)

/**
 * One generator per substituted name.
 *
 * @since 0.1.0
 * @category models
 */
export type Generators<S extends Substitutions = Substitutions> = { readonly [K in keyof S]: Generator<S[K]> }

/**
 * The substitutions' type that a set of generators produces.
 *
 * @since 0.1.0
 * @category models
 */
export type SubstitutionsOf<G extends Generators> = {
  readonly [K in keyof G]: G[K] extends ReadonlyArray<infer A>
    ? Extract<A, Value>
    : G[K] extends (random: Rng.Source) => infer A
      ? Extract<A, Value>
      : never
}

/**
 * A piece of the compiled question text.
 *
 * @since 0.1.0
 * @category models
 */
export type Segment =
  | { readonly _tag: "Text"; readonly text: string }
  | { readonly _tag: "Placeholder"; readonly name: string }

/**
 * A compiled template.
 *
 * @since 0.1.0
 * @category models
 */
export interface Template<S extends Substitutions = Substitutions> {
  readonly name: string
  readonly category: string
  readonly instructions: string
  /** The question text as written, with `<%= name %>` placeholders. */
  readonly raw: string
  /** `raw`, split once into text and placeholders. */
  readonly compiled: ReadonlyArray<Segment>
  readonly generators: Generators<S>
  /**
   * Whether `answer` is right for these substitutions.
   *
   * (Declared as a method so that a `Template<{ left: number }>` widens to the erased `Template`.)
   */
  checker(substitutions: S, answer: string): boolean
}

/**
 * What {@link make} takes.
 *
 * @since 0.1.0
 * @category models
 */
export interface Fields<G extends Generators> {
  readonly name: string
  readonly category: string
  readonly instructions: string
  readonly raw: string
  readonly generators: G
  readonly checker: (substitutions: SubstitutionsOf<G>, answer: string) => boolean
}

/**
 * A template was rejected when it was made.
 *
 * `field` is the field at fault (`"name"`, `"category"`, `"raw"`, `"generators"`); `reason` says why.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidTemplate extends Schema.TaggedError<InvalidTemplate>()("InvalidTemplate", {
  name: Schema.String,
  field: Schema.Literals(["name", "category", "raw", "generators"]),
  reason: Schema.String
}) {
  override get message(): string {
    return `invalid template "${this.name}": ${this.field}: ${this.reason}`
  }
}

const PLACEHOLDER = /<%=\s*([A-Za-z_][A-Za-z0-9_]*)\s*%>/g

/**
 * Compiles a question text into segments, or explains why it cannot.
 *
 * **Details**: a placeholder is `<%=`, an identifier, `%>`, with optional spaces. Any other `<%` is
 * rejected, so a typo such as `<%= left >` fails here instead of being shown to a user.
 *
 * @example
 * ```ts
 * import * as Template from "@effect-otp/example-mastery/core/Template"
 *
 * Template.compile("<%= left %> + <%= right %>")
 * // Result.succeed([{ _tag: "Placeholder", name: "left" }, { _tag: "Text", text: " + " }, ...])
 * ```
 *
 * @since 0.1.0
 * @category compiling
 */
export const compile = (raw: string): Result.Result<ReadonlyArray<Segment>, string> => {
  const segments: Array<Segment> = []
  let last = 0
  for (const match of raw.matchAll(PLACEHOLDER)) {
    const text = raw.slice(last, match.index)
    if (text.includes("<%")) return Result.fail(malformed(text))
    if (text !== "") segments.push({ _tag: "Text", text })
    segments.push({ _tag: "Placeholder", name: match[1]! })
    last = match.index + match[0].length
  }
  const rest = raw.slice(last)
  if (rest.includes("<%")) return Result.fail(malformed(rest))
  if (rest !== "") segments.push({ _tag: "Text", text: rest })
  return Result.succeed(segments)
}

const malformed = (text: string): string =>
  `malformed placeholder near "${text.slice(text.indexOf("<%"), text.indexOf("<%") + 20)}" (expected <%= name %>)`

/**
 * The placeholder names of a template, in order of first appearance.
 *
 * @since 0.1.0
 * @category getters
 */
export const placeholders = (template: Template<any>): ReadonlyArray<string> => [
  ...new Set(template.compiled.flatMap((segment) => (segment._tag === "Placeholder" ? [segment.name] : [])))
]

/**
 * Makes a template: compiles its text and validates its fields.
 *
 * **Details**: fails with {@link InvalidTemplate} when the name or category is empty, the text has
 * a malformed placeholder, a placeholder has no generator, or a generator is an empty list.
 * Generators whose value is not shown in the text are allowed (a checker may use them).
 *
 * @example
 * ```ts
 * import { Result } from "effect"
 * import * as Template from "@effect-otp/example-mastery/core/Template"
 *
 * const result = Template.make({
 *   name: "double",
 *   category: "arithmetic",
 *   instructions: "Double it",
 *   raw: "2 × <%= n %>",
 *   generators: { n: [1, 2, 3] },
 *   checker: ({ n }, answer) => Number(answer) === 2 * n
 * })
 * if (Result.isFailure(result)) console.error(result.failure.message)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <const G extends Generators>(
  fields: Fields<G>
): Result.Result<Template<SubstitutionsOf<G>>, InvalidTemplate> => {
  const fail = (field: InvalidTemplate["field"], reason: string) =>
    Result.fail(new InvalidTemplate({ name: fields.name, field, reason }))
  if (fields.name.trim() === "") return fail("name", "must not be empty")
  if (fields.category.trim() === "") return fail("category", "must not be empty")
  const compiled = compile(fields.raw)
  if (Result.isFailure(compiled)) return fail("raw", compiled.failure)
  const generators = fields.generators as Generators
  for (const segment of compiled.success) {
    if (segment._tag === "Placeholder" && !Object.hasOwn(generators, segment.name)) {
      return fail("generators", `no generator for the placeholder "${segment.name}"`)
    }
  }
  for (const [name, generator] of Object.entries(generators)) {
    if (typeof generator !== "function" && generator.length === 0) {
      return fail("generators", `the generator "${name}" is an empty list`)
    }
  }
  return Result.succeed({
    name: fields.name,
    category: fields.category,
    instructions: fields.instructions,
    raw: fields.raw,
    compiled: compiled.success,
    generators: fields.generators as unknown as Generators<SubstitutionsOf<G>>,
    checker: fields.checker
  })
}

/**
 * Like {@link make}, but throws the {@link InvalidTemplate}: for templates written in code, where a
 * bad one is a bug.
 *
 * @example
 * ```ts
 * import * as Template from "@effect-otp/example-mastery/core/Template"
 *
 * const hello = Template.makeUnsafe({
 *   name: "greeting",
 *   category: "words",
 *   instructions: "Type the word",
 *   raw: "Type <%= word %>",
 *   generators: { word: ["hello", "world"] },
 *   checker: ({ word }, answer) => answer === word
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeUnsafe = <const G extends Generators>(fields: Fields<G>): Template<SubstitutionsOf<G>> =>
  Result.getOrThrow(make(fields))

/**
 * Renders the question text for these substitutions.
 *
 * **Gotchas**: throws if a placeholder has no substitution. Substitutions made by
 * `Question.generate` always cover the placeholders; this can only happen with hand-made ones.
 *
 * @example
 * ```ts
 * import * as Template from "@effect-otp/example-mastery/core/Template"
 * declare const addition: Template.Template<{ left: number; right: number }>
 *
 * Template.render(addition, { left: 3, right: 4 }) // "3 + 4"
 * ```
 *
 * @since 0.1.0
 * @category rendering
 */
export const render = <S extends Substitutions>(template: Template<S>, substitutions: S): string =>
  template.compiled
    .map((segment) => {
      if (segment._tag === "Text") return segment.text
      const value: Value | undefined = Object.hasOwn(substitutions, segment.name)
        ? substitutions[segment.name]
        : undefined
      if (value === undefined) {
        throw new Error(`template "${template.name}": no substitution for the placeholder "${segment.name}"`)
      }
      return String(value)
    })
    .join("")
