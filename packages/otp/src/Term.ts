/**
 * Erlang terms and their External Term Format (ETF): the wire format of the Erlang distribution and
 * of `erlang:term_to_binary/1`. A term is a plain JavaScript value where one fits, and a small class
 * where Erlang has a type JavaScript lacks:
 *
 * | Erlang | JavaScript | encodes as |
 * |---|---|---|
 * | integer | `number` (a safe integer), `bigint` (past ±2^53) | SMALL_INTEGER, INTEGER, SMALL_BIG, LARGE_BIG |
 * | float | `number` that is not an integer; `Term.Float` for an integral float (`1.0`, `-0.0`) | NEW_FLOAT |
 * | atom | `Term.Atom` (interned: `Term.atom("ok") === Term.atom("ok")`); `true` / `false` are booleans | SMALL_ATOM_UTF8, ATOM_UTF8 |
 * | tuple | `Term.Tuple` | SMALL_TUPLE, LARGE_TUPLE |
 * | list | an array; `Term.ImproperList` for `[a \| t]` | NIL, STRING (a list of bytes, as Erlang does), LIST |
 * | binary | `Uint8Array`; a `string` encodes as its UTF-8 bytes | BINARY |
 * | bitstring | `Term.BitBinary` (1 to 7 bits of a last byte) | BIT_BINARY |
 * | map | `Map` | MAP |
 * | pid | `Pid` (the core's; `id` holds `serial * 2^32 + id`) | NEW_PID |
 * | port, reference | `Term.Port`, `Term.Reference` | NEW_PORT / V4_PORT, NEWER_REFERENCE |
 * | `fun M:F/A`, a local fun | `Term.Export`; `Term.Fun` (opaque: its bytes go back as they came) | EXPORT, NEW_FUN |
 *
 * Decoding also reads the older tags (ATOM, SMALL_ATOM, PID, PORT, REFERENCE, NEW_REFERENCE,
 * FLOAT) and normalises what it reads: an integer in the safe range is a `number`, a list whose tail
 * is a list is one list, a bit binary of whole bytes is a binary. So `decode(encode(t))` equals `t`
 * (by {@link equals}, Erlang's `=:=`) for every term, and a `string` comes back as its bytes (read
 * it with {@link text}).
 *
 * ## Typed messages: Schema
 *
 * {@link codec} turns any Schema into a Schema from terms, so a typed message crosses to and from
 * an Erlang node with Schema's validation and typed errors:
 *
 * | the Schema's encoded side | the term |
 * |---|---|
 * | `string` | a binary (UTF-8); a binary that is valid UTF-8 decodes to a `string`, an atom to its name |
 * | `number`, `bigint`, `boolean` | an integer or a float, a big integer, `true` / `false` |
 * | `null` | the atom `nil` (Elixir's) |
 * | an array | a list; a tuple decodes to an array too |
 * | an object (a struct, a `Request.Class`, a tagged union) | a map with atom keys (an Elixir map `%{_tag: "Increment", by: 1}`) |
 * | a `Map`, a `Uint8Array` that is not text, a `Pid` or any other `Term` value | itself |
 *
 * A term that does not decode fails with Schema's `SchemaError` (never with garbage in a handler);
 * a value that has no term fails the encoding the same way. Across nodes, `GenServer.call` encodes a
 * `Request.Class` request and its reply with this codec (see `GenServer.remote`), and a spawn
 * handler decodes its arguments with it (`Node.registerSpawnHandler` in `@effect-otp/platform-node`).
 *
 * ## Failures
 *
 * - `encode` fails with `EncodeError { path, reason }` for a value that has no term (a plain
 *   object, `null`, `undefined`, a function, `NaN`, a `number` integer past 2^53, an atom of more
 *   than 255 characters); `path` says where in the value (`[2]{0}` is the first element of the
 *   tuple at index 2).
 * - `decode` fails with `DecodeError { offset, reason }` for bytes that are not one well-formed
 *   term: a wrong version byte, an unknown or unsupported tag (compressed terms, the atom cache of
 *   the distribution header), a length larger than the bytes left, trailing bytes, nesting deeper
 *   than 2,000 levels. It never allocates more than the input can describe.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Term } from "effect-otp"
 *
 * const program = Effect.gen(function* () {
 *   const bytes = yield* Term.encode(Term.tuple(Term.atom("ok"), [1, 2, 3], "héllo"))
 *   const back = yield* Term.decode(bytes) // {ok, [1,2,3], <<"héllo"/utf8>>}
 *   return Term.equals(back, Term.tuple(Term.atom("ok"), [1, 2, 3], "héllo")) // true
 * })
 * ```
 *
 * @since 0.2.0
 */
import { Effect, Schema, SchemaIssue, SchemaTransformation } from "effect"
import * as etf from "./internal/etf.ts"
import * as Pid from "./Pid.ts"
import { Atom, Tuple, ImproperList, Float, BitBinary, Port, Reference, Export, Fun, type Term } from "./internal/etf.ts"
import { EncodeError, DecodeError } from "./Errors.ts"

export type {
  /**
   * @since 0.2.0
   * @category models
   */
  Term
}

export {
  /**
   * @since 0.2.0
   * @category models
   */
  Atom
}
export {
  /**
   * @since 0.2.0
   * @category models
   */
  Tuple
}
export {
  /**
   * @since 0.2.0
   * @category models
   */
  ImproperList
}
export {
  /**
   * @since 0.2.0
   * @category models
   */
  Float
}
export {
  /**
   * @since 0.2.0
   * @category models
   */
  BitBinary
}
export {
  /**
   * @since 0.2.0
   * @category models
   */
  Port
}
export {
  /**
   * @since 0.2.0
   * @category models
   */
  Reference
}
export {
  /**
   * @since 0.2.0
   * @category models
   */
  Export
}
export {
  /**
   * @since 0.2.0
   * @category models
   */
  Fun
}

export {
  /**
   * A value that has no term; `path` says where in the value.
   *
   * @since 0.2.0
   * @category errors
   */
  EncodeError
}

export {
  /**
   * Bytes that are not one well-formed term; `offset` says where decoding stopped.
   *
   * @since 0.2.0
   * @category errors
   */
  DecodeError
}

// ---------------------------------------------------------------------------------------------
// Constructors
// ---------------------------------------------------------------------------------------------

/**
 * The atom named `name` (interned).
 *
 * @since 0.2.0
 * @category constructors
 */
export const atom = (name: string): Atom => etf.Atom.make(name)

/**
 * A tuple of the given elements.
 *
 * @since 0.2.0
 * @category constructors
 */
export const tuple = (...elements: ReadonlyArray<Term>): Tuple => new etf.Tuple(elements)

/**
 * A float, also when its value is integral (a plain integral `number` encodes as an integer).
 *
 * @since 0.2.0
 * @category constructors
 */
export const float = (value: number): Float => new etf.Float(value)

/**
 * `[...elements | tail]`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const improperList = (elements: ReadonlyArray<Term>, tail: Term): ImproperList =>
  new etf.ImproperList(elements, tail)

// ---------------------------------------------------------------------------------------------
// Guards
// ---------------------------------------------------------------------------------------------

/**
 * @since 0.2.0
 * @category guards
 */
export const isAtom = (u: unknown): u is Atom => u instanceof etf.Atom

/**
 * @since 0.2.0
 * @category guards
 */
export const isTuple = (u: unknown): u is Tuple => u instanceof etf.Tuple

// ---------------------------------------------------------------------------------------------
// Encoding and decoding
// ---------------------------------------------------------------------------------------------

/**
 * The term's external format (`term_to_binary`), version byte included.
 *
 * @since 0.2.0
 * @category encoding
 */
export const encode = (term: Term): Effect.Effect<Uint8Array, EncodeError> => {
  try {
    return Effect.succeed(etf.encodeUnsafe(term))
  } catch (error) {
    if (error instanceof etf.EncodeError) return Effect.fail(error)
    throw error
  }
}

/**
 * The term of an external format (`binary_to_term`): the version byte, one term, nothing after it.
 *
 * @since 0.2.0
 * @category encoding
 */
export const decode = (bytes: Uint8Array): Effect.Effect<Term, DecodeError> => {
  try {
    return Effect.succeed(etf.decodeUnsafe(bytes))
  } catch (error) {
    if (error instanceof etf.DecodeError) return Effect.fail(error)
    throw error
  }
}

/**
 * {@link encode} for synchronous callers (the distribution's transport); throws `EncodeError`.
 *
 * @since 0.2.0
 * @category encoding
 */
export const encodeUnsafe: (term: Term) => Uint8Array = etf.encodeUnsafe

/**
 * Decodes one term that starts at `offset` (at its tag: after the version byte) and says where it
 * ends, for framings that put terms one after another (the distribution's control term and
 * message). Throws `DecodeError`.
 *
 * @since 0.2.0
 * @category encoding
 */
export const decodeAtUnsafe: (bytes: Uint8Array, offset: number) => { readonly term: Term; readonly end: number } =
  etf.decodeAtUnsafe

/**
 * {@link decode} for synchronous callers; throws `DecodeError`.
 *
 * @since 0.2.0
 * @category encoding
 */
export const decodeUnsafe: (bytes: Uint8Array) => Term = etf.decodeUnsafe

// ---------------------------------------------------------------------------------------------
// Reading terms
// ---------------------------------------------------------------------------------------------

// ignoreBOM: a leading U+FEFF is text, kept (by default TextDecoder drops it)
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })
const utf8Encoder = new TextEncoder()

/**
 * A binary (or a `string`) read as UTF-8 text; undefined for anything else or invalid UTF-8.
 *
 * @since 0.2.0
 * @category getters
 */
export const text = (term: Term): string | undefined => {
  if (typeof term === "string") return term
  if (!(term instanceof Uint8Array)) return undefined
  try {
    return utf8.decode(term)
  } catch {
    return undefined
  }
}

const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

const isInteger = (t: Term): t is number | bigint =>
  typeof t === "bigint" || (typeof t === "number" && Number.isInteger(t) && !Object.is(t, -0))

const floatValue = (t: Term): number | undefined =>
  t instanceof etf.Float ? t.value : typeof t === "number" && !isInteger(t) ? t : undefined

const binaryOf = (t: Term): Uint8Array | undefined =>
  t instanceof Uint8Array ? t : typeof t === "string" ? utf8Encoder.encode(t) : undefined

/**
 * Erlang's exact equality (`=:=`) of two terms: `1` and `Term.float(1)` differ; a `string` equals
 * the binary of its UTF-8 bytes; maps are equal when they have equal keys with equal values.
 *
 * @since 0.2.0
 * @category equivalence
 */
export const equals = (a: Term, b: Term): boolean => {
  if (a === b) return true
  if (isInteger(a)) return isInteger(b) && BigInt(a) === BigInt(b)
  const fa = floatValue(a)
  if (fa !== undefined) {
    const fb = floatValue(b)
    return fb !== undefined && Object.is(fa, fb)
  }
  const ba = binaryOf(a)
  if (ba !== undefined) {
    const bb = binaryOf(b)
    return bb !== undefined && bytesEqual(ba, bb)
  }
  if (typeof a !== "object" || typeof b !== "object") return false
  if (Array.isArray(a)) {
    const lb = b as ReadonlyArray<Term>
    return Array.isArray(b) && a.length === lb.length && a.every((x, i) => equals(x, lb[i]!))
  }
  if (a instanceof etf.Tuple) {
    return (
      b instanceof etf.Tuple &&
      a.elements.length === b.elements.length &&
      a.elements.every((x, i) => equals(x, b.elements[i]!))
    )
  }
  if (a instanceof etf.ImproperList) {
    return (
      b instanceof etf.ImproperList &&
      equals(a.elements as ReadonlyArray<Term>, b.elements as ReadonlyArray<Term>) &&
      equals(a.tail, b.tail)
    )
  }
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false
    const rest = [...(b as ReadonlyMap<Term, Term>)]
    for (const [k, v] of a as ReadonlyMap<Term, Term>) {
      const i = rest.findIndex(([k2]) => equals(k, k2))
      if (i < 0 || !equals(v, rest[i]![1])) return false
      rest.splice(i, 1)
    }
    return true
  }
  if (Pid.isPid(a)) return Pid.isPid(b) && Pid.equals(a, b)
  if (a instanceof etf.BitBinary) return b instanceof etf.BitBinary && a.bits === b.bits && bytesEqual(a.bytes, b.bytes)
  if (a instanceof etf.Port)
    return b instanceof etf.Port && a.node === b.node && a.id === b.id && a.creation === b.creation
  if (a instanceof etf.Reference) {
    return (
      b instanceof etf.Reference &&
      a.node === b.node &&
      a.creation === b.creation &&
      a.ids.length === b.ids.length &&
      a.ids.every((x, i) => x === b.ids[i])
    )
  }
  if (a instanceof etf.Export) {
    return b instanceof etf.Export && a.module === b.module && a.function === b.function && a.arity === b.arity
  }
  if (a instanceof etf.Fun) return b instanceof etf.Fun && bytesEqual(a.bytes, b.bytes)
  return false
}

// ---------------------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------------------

const isTermClass = (u: object): boolean =>
  u instanceof etf.Atom ||
  u instanceof etf.Tuple ||
  u instanceof etf.ImproperList ||
  u instanceof etf.Float ||
  u instanceof etf.BitBinary ||
  u instanceof etf.Port ||
  u instanceof etf.Reference ||
  u instanceof etf.Export ||
  u instanceof etf.Fun ||
  Pid.isPid(u)

/**
 * Tells whether a value is a term (as {@link encode} takes it, without looking inside lists, tuples
 * and maps).
 *
 * @since 0.2.0
 * @category guards
 */
export const isTerm = (u: unknown): u is Term => {
  switch (typeof u) {
    case "number":
    case "bigint":
    case "boolean":
    case "string":
      return true
    case "object":
      return u !== null && (Array.isArray(u) || u instanceof Uint8Array || u instanceof Map || isTermClass(u))
    default:
      return false
  }
}

/**
 * The Schema of terms (declared: a term is checked by {@link isTerm}, its contents by `encode`).
 *
 * @since 0.2.0
 * @category encoding
 */
export const TermSchema: Schema.declare<Term> = Schema.declare(isTerm, { expected: "an Erlang term" })

const nil = etf.Atom.make("nil")

/** The term of a Schema-encoded value (see the table in the module docs); throws `EncodeError`. */
const fromPlain = (value: unknown, path: string): Term => {
  if (value === null) return nil
  if (typeof value !== "object") {
    if (typeof value === "undefined" || typeof value === "function" || typeof value === "symbol") {
      throw new etf.EncodeError({ path, reason: `${String(value)} has no term` })
    }
    return value as Term
  }
  if (Array.isArray(value)) return value.map((x, i) => fromPlain(x, `${path}[${i}]`))
  if (value instanceof Uint8Array || value instanceof Map || isTermClass(value)) return value as Term
  const entries = new Map<Term, Term>()
  for (const [k, v] of Object.entries(value)) {
    if (v !== undefined) entries.set(etf.Atom.make(k), fromPlain(v, `${path}.${k}`))
  }
  return entries
}

/** The Schema-encodable value of a term (see the table in the module docs). */
const toPlain = (term: Term): unknown => {
  if (typeof term !== "object") return term
  if (term instanceof Uint8Array) return text(term) ?? term
  if (Array.isArray(term)) return term.map(toPlain)
  if (term instanceof etf.Atom) return term === nil ? null : term.name
  if (term instanceof etf.Tuple) return term.elements.map(toPlain)
  if (term instanceof etf.Float) return term.value
  if (term instanceof Map) {
    const keys = [...(term as ReadonlyMap<Term, Term>).keys()]
    if (keys.every((k) => k instanceof etf.Atom || (k instanceof Uint8Array && text(k) !== undefined))) {
      const out: Record<string, unknown> = {}
      for (const [k, v] of term as ReadonlyMap<Term, Term>) {
        out[k instanceof etf.Atom ? k.name : text(k)!] = toPlain(v)
      }
      return out
    }
    return term
  }
  return term
}

/**
 * A Schema from terms to `schema`'s type: a term is read into `schema`'s encoded shape (see the
 * table in the module docs), then decoded by `schema`; a value is encoded by `schema`, then made a
 * term. Failures on either side are Schema issues (`SchemaError` from `Schema.decodeUnknownEffect`).
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { Term } from "effect-otp"
 *
 * class Increment extends Schema.TaggedClass<Increment>()("Increment", { by: Schema.Int }) {}
 * const IncrementTerm = Term.codec(Increment)
 *
 * const program = Effect.gen(function* () {
 *   const term = yield* Schema.encodeEffect(IncrementTerm)(new Increment({ by: 2 })) // %{_tag: "Increment", by: 2}
 *   const bytes = yield* Term.encode(term)
 *   return yield* Schema.decodeUnknownEffect(IncrementTerm)(yield* Term.decode(bytes)) // Increment { by: 2 }
 * })
 * ```
 *
 * @since 0.2.0
 * @category encoding
 */
export const codec = <S extends Schema.Top>(schema: S): Schema.decodeTo<S, Schema.declare<Term>> =>
  TermSchema.pipe(
    Schema.decodeTo(
      schema,
      SchemaTransformation.transformEffect<S["Encoded"], Term>({
        decode: (term) => Effect.succeed(toPlain(term)),
        encode: (value, options) => {
          try {
            return Effect.succeed(fromPlain(value, ""))
          } catch (error) {
            if (!(error instanceof etf.EncodeError)) throw error
            return Effect.fail(new SchemaIssue.InvalidValue({ message: error.message }, value, options))
          }
        }
      })
    )
  )
