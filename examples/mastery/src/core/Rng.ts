/**
 * A seedable, immutable pseudo-random number generator: the only source of randomness of the
 * Mastery core.
 *
 * An `Rng` is a plain 32-bit number (the generator's state). Every draw takes an `Rng` and returns
 * the value together with the next `Rng`, so the functions that use randomness stay pure: the same
 * seed always gives the same questions, in tests and in a replay. A `Quiz` carries its own `Rng`
 * (see `Quiz.rng`), so `Quiz.selectQuestion` is an ordinary `Quiz => Option<Quiz>` function.
 *
 * The algorithm is Mulberry32 (a counter with a 32-bit mixing function): small, fast and good
 * enough to shuffle quiz questions. It is **not** cryptographically secure.
 *
 * Why not Effect's `Random` service? It would make every core function an `Effect`, and the
 * process holding a quiz would have to provide the service to replay it. A seed is data: it lives
 * in the quiz's state, is copied with it, and can be logged. The boundary draws the initial seed
 * once, for instance with `yield* Random.nextInt` in the quiz server's `init`.
 *
 * @example
 * ```ts
 * import * as Rng from "@effect-otp/example-mastery/core/Rng"
 *
 * const rng0 = Rng.make(42)
 * const [die, rng1] = Rng.nextInt(rng0, 1, 6)
 * const [coin] = Rng.pick(rng1, ["heads", "tails"])
 * // same seed, same draws:
 * Rng.nextInt(Rng.make(42), 1, 6)[0] === die // true
 *
 * // several draws with a mutable cursor, still pure from the outside:
 * const [pair, rng2] = Rng.run(rng1, (random) => [random.nextInt(0, 9), random.nextInt(0, 9)] as const)
 * ```
 *
 * @since 0.1.0
 */
import type { Array as Arr, Brand } from "effect"

/**
 * The state of the generator: an unsigned 32-bit integer, branded so that only {@link make} and
 * the draws produce one.
 *
 * @since 0.1.0
 * @category models
 */
export type Rng = Brand.Branded<number, "Mastery/Rng">

/**
 * A mutable cursor over an {@link Rng}, handed to a template's generator functions by {@link run}.
 *
 * **Gotchas**: it is valid only during the call it was given to; keeping it and drawing later
 * breaks determinism (the draws would no longer be threaded into the returned `Rng`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Source {
  /** A float in `[0, 1)`. */
  readonly nextFloat: () => number
  /** An integer in `[min, max]`, both ends included. */
  readonly nextInt: (min: number, max: number) => number
  /** One element of a non-empty array, each with the same probability. */
  readonly pick: <A>(items: Arr.NonEmptyReadonlyArray<A>) => A
}

const GOLDEN = 0x6d2b79f5
const TWO_POW_32 = 4294967296

/**
 * Makes a generator from any number.
 *
 * **Details**: the seed is truncated to an unsigned 32-bit integer (`seed >>> 0`); `NaN` and
 * infinities give `0`. Seeds that differ only above 32 bits give the same generator.
 *
 * @example
 * ```ts
 * import * as Rng from "@effect-otp/example-mastery/core/Rng"
 *
 * const rng = Rng.make(Date.now())
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (seed: number): Rng => (seed >>> 0) as Rng

/**
 * Draws a float in `[0, 1)`.
 *
 * @example
 * ```ts
 * import * as Rng from "@effect-otp/example-mastery/core/Rng"
 *
 * const [x, next] = Rng.nextFloat(Rng.make(1))
 * ```
 *
 * @since 0.1.0
 * @category draws
 */
export const nextFloat = (rng: Rng): readonly [number, Rng] => {
  // Mulberry32: the state is a Weyl sequence, the output a hash of it.
  const state = (rng + GOLDEN) >>> 0
  let t = state
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return [((t ^ (t >>> 14)) >>> 0) / TWO_POW_32, state as Rng]
}

/**
 * Draws an integer in `[min, max]`, both ends included.
 *
 * **Gotchas**: `min` and `max` must be integers with `min <= max`; otherwise it throws a
 * `RangeError` (a bug in the caller, not a condition to handle).
 *
 * @example
 * ```ts
 * import * as Rng from "@effect-otp/example-mastery/core/Rng"
 *
 * const [digit, next] = Rng.nextInt(Rng.make(7), 0, 9)
 * ```
 *
 * @since 0.1.0
 * @category draws
 */
export const nextInt = (rng: Rng, min: number, max: number): readonly [number, Rng] => {
  if (!Number.isInteger(min) || !Number.isInteger(max) || min > max) {
    throw new RangeError(`Rng.nextInt: expected integers min <= max, got [${min}, ${max}]`)
  }
  const [x, next] = nextFloat(rng)
  return [min + Math.floor(x * (max - min + 1)), next]
}

/**
 * Draws one element of a non-empty array, each with the same probability.
 *
 * @example
 * ```ts
 * import * as Rng from "@effect-otp/example-mastery/core/Rng"
 *
 * const [colour, next] = Rng.pick(Rng.make(3), ["red", "green", "blue"])
 * ```
 *
 * @since 0.1.0
 * @category draws
 */
export const pick = <A>(rng: Rng, items: Arr.NonEmptyReadonlyArray<A>): readonly [A, Rng] => {
  const [i, next] = nextInt(rng, 0, items.length - 1)
  return [items[i]!, next]
}

/**
 * Runs a function that draws any number of values through a {@link Source}, and returns its result
 * with the generator advanced past every draw.
 *
 * **Details**: the cursor mutates a local copy of the state only, so `run` is a pure function of
 * `rng` and `f` (as long as `f` itself is pure apart from its draws).
 *
 * @example
 * ```ts
 * import * as Rng from "@effect-otp/example-mastery/core/Rng"
 *
 * const [[a, b], next] = Rng.run(Rng.make(9), (random) => [random.nextInt(1, 6), random.nextInt(1, 6)] as const)
 * ```
 *
 * @since 0.1.0
 * @category draws
 */
export const run = <A>(rng: Rng, f: (random: Source) => A): readonly [A, Rng] => {
  let state = rng
  const step = <B>(draw: readonly [B, Rng]): B => {
    state = draw[1]
    return draw[0]
  }
  const source: Source = {
    nextFloat: () => step(nextFloat(state)),
    nextInt: (min, max) => step(nextInt(state, min, max)),
    pick: (items) => step(pick(state, items))
  }
  const value = f(source)
  return [value, state]
}
