import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from "node:child_process"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Schema } from "effect"
import * as fc from "fast-check"
import { Pid, Term } from "effect-otp"

const bytes = (...b: Array<number>) => Uint8Array.from(b)

// ---------------------------------------------------------------------------------------------
// Arbitraries: every kind of term, in the canonical form decoding gives back
// ---------------------------------------------------------------------------------------------

const maxSafe = BigInt(Number.MAX_SAFE_INTEGER)
const nodeName = fc.constantFrom("a@127.0.0.1", "other@host", "ñode@h")
const atomArb = fc.string({ unit: "binary", maxLength: 12 }).map(Term.atom)
const integerArb = fc.oneof(
  fc.integer(),
  fc.integer({ min: 0, max: 255 }),
  fc.bigInt({ min: -(2n ** 2100n), max: 2n ** 2100n }).map((n) => (n >= -maxSafe && n <= maxSafe ? Number(n) : n))
)
const floatArb = fc
  .double({ noNaN: true, noDefaultInfinity: true })
  .map((d) => (Number.isInteger(d) ? Term.float(d) : d))
const bitBinaryArb = fc
  .tuple(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 7 }))
  .map(([b, bits]) => {
    b[b.length - 1] = b[b.length - 1]! & ((0xff << (8 - bits)) & 0xff)
    return new Term.BitBinary(b, bits)
  })
const pidArb = fc
  .tuple(nodeName, fc.integer({ min: 0, max: 2 ** 28 - 1 }), fc.integer({ min: 0, max: 3 }), fc.nat())
  .map(([node, id, serial, creation]) => Pid.make(node, creation, serial * 2 ** 32 + id) as Pid.Pid<never, unknown>)
const portArb = fc
  .tuple(nodeName, fc.bigInt({ min: 0n, max: 2n ** 40n }), fc.nat())
  .map(([node, id, creation]) => new Term.Port(node, id, creation))
const referenceArb = fc
  .tuple(nodeName, fc.nat(), fc.array(fc.nat({ max: 2 ** 32 - 1 }), { minLength: 3, maxLength: 3 }))
  .map(([node, creation, ids]) => new Term.Reference(node, creation, ids))
const exportArb = fc
  .tuple(fc.constantFrom("lists", "erlang", "m"), fc.constantFrom("map", "self", "f"), fc.integer({ min: 0, max: 255 }))
  .map(([m, f, a]) => new Term.Export(m, f, a))

const leaf: fc.Arbitrary<Term.Term> = fc.oneof(
  integerArb,
  floatArb,
  fc.boolean(),
  atomArb,
  fc.uint8Array({ maxLength: 16 }),
  bitBinaryArb,
  pidArb,
  portArb,
  referenceArb,
  exportArb
)

/** Map entries with keys distinct by `=:=` (Erlang refuses a map with a duplicate key). */
const distinctKeys = (entries: ReadonlyArray<readonly [Term.Term, Term.Term]>): Map<Term.Term, Term.Term> => {
  const map = new Map<Term.Term, Term.Term>()
  for (const [k, v] of entries) if (![...map.keys()].some((k2) => Term.equals(k, k2))) map.set(k, v)
  return map
}

const { term: termArb } = fc.letrec<{ term: Term.Term }>((tie) => ({
  term: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("term"), { maxLength: 5 }).map((es) => new Term.Tuple(es)),
    fc.array(tie("term"), { maxLength: 5 }),
    fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }),
    fc.array(fc.tuple(tie("term"), tie("term")), { maxLength: 4 }).map(distinctKeys),
    fc
      .tuple(fc.array(tie("term"), { minLength: 1, maxLength: 3 }), leaf)
      .map(([es, tail]) => Term.improperList(es, tail))
  )
}))

const hasMap = (t: Term.Term): boolean =>
  t instanceof Map ||
  (Array.isArray(t) && t.some(hasMap)) ||
  (t instanceof Term.Tuple && t.elements.some(hasMap)) ||
  (t instanceof Term.ImproperList && (t.elements.some(hasMap) || hasMap(t.tail)))

// ---------------------------------------------------------------------------------------------

describe("Term", () => {
  it("encodes as erlang:term_to_binary(T, [{minor_version, 2}]) does", () => {
    const t = Term.tuple(Term.atom("ok"), [1, 2, 3], "h", 1.5, -1, 300, 2n ** 70n)
    // copied from erl: term_to_binary({ok, [1,2,3], <<"h">>, 1.5, -1, 300, 1 bsl 70}, [{minor_version,2}])
    const erl = [131, 104, 7, 119, 2, 111, 107, 107, 0, 3, 1, 2, 3, 109, 0, 0, 0, 1, 104, 70, 63, 248, 0, 0, 0, 0, 0, 0]
    erl.push(98, 255, 255, 255, 255, 98, 0, 0, 1, 44, 110, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 64)
    assert.deepStrictEqual(Term.encodeUnsafe(t), Uint8Array.from(erl))
  })

  it("decodes the older tags: ATOM, SMALL_ATOM, FLOAT, PID, REFERENCE", () => {
    assert.strictEqual(Term.decodeUnsafe(bytes(131, 100, 0, 2, 111, 107)), Term.atom("ok"))
    assert.strictEqual(Term.decodeUnsafe(bytes(131, 115, 4, 116, 114, 117, 101)), true)
    const float = [...new TextEncoder().encode("1.50000000000000000000e+00")]
    assert.strictEqual(Term.decodeUnsafe(bytes(131, 99, ...float, 0, 0, 0, 0, 0)), 1.5)
    const pid = Term.decodeUnsafe(bytes(131, 103, 100, 0, 1, 110, 0, 0, 0, 7, 0, 0, 0, 1, 2))
    assert.isTrue(Term.equals(pid, Pid.make("n", 2, 2 ** 32 + 7) as Pid.Pid<never, unknown>))
    const ref = Term.decodeUnsafe(bytes(131, 101, 100, 0, 1, 110, 0, 0, 0, 9, 3))
    assert.isTrue(Term.equals(ref, new Term.Reference("n", 3, [9])))
  })

  it("normalises what it reads: a list with a list tail, a whole-byte bit binary, a safe big integer", () => {
    // [1 | [2]] as LIST(1, [1], tail LIST(1, [2], NIL))
    const nested = bytes(131, 108, 0, 0, 0, 1, 97, 1, 108, 0, 0, 0, 1, 97, 2, 106)
    assert.deepStrictEqual(Term.decodeUnsafe(nested), [1, 2])
    assert.deepStrictEqual(Term.decodeUnsafe(bytes(131, 77, 0, 0, 0, 1, 8, 255)), bytes(255))
    assert.strictEqual(Term.decodeUnsafe(bytes(131, 110, 1, 1, 5)), -5)
  })

  it.effect("encode fails with EncodeError naming where the value has no term", () =>
    Effect.gen(function* () {
      const cases: Array<[unknown, Term.EncodeError]> = [
        [
          null,
          new Term.EncodeError({
            path: "",
            reason: 'null has no term (use Term.atom("nil") or Term.atom("undefined"))'
          })
        ],
        [[1, { a: 1 }], new Term.EncodeError({ path: "[1]", reason: "a plain object has no term" })],
        [
          Term.tuple(1, [undefined as never]),
          new Term.EncodeError({ path: "{1}[0]", reason: "undefined has no term" })
        ],
        [Number.NaN, new Term.EncodeError({ path: "", reason: "NaN is not a finite number" })],
        [
          2 ** 60,
          new Term.EncodeError({ path: "", reason: `${2 ** 60} is past 2^53: use a bigint for a large integer` })
        ],
        [
          Term.atom("a".repeat(256)),
          new Term.EncodeError({ path: "", reason: "an atom has at most 255 characters (got 256)" })
        ],
        [
          new Term.BitBinary(bytes(1), 8),
          new Term.EncodeError({
            path: "",
            reason: "a bit binary uses 1 to 7 bits of a last byte (got 8 bits of 1 bytes)"
          })
        ]
      ]
      for (const [value, error] of cases) {
        assert.deepStrictEqual(yield* Effect.exit(Term.encode(value as Term.Term)), Exit.fail(error))
      }
      assert.strictEqual(cases[1]![1].message, "cannot encode [1] as an Erlang term: a plain object has no term")
    })
  )

  it.effect("decode fails with DecodeError for bytes that are not one term, and says where", () =>
    Effect.gen(function* () {
      const cases: Array<[Uint8Array, Term.DecodeError]> = [
        [bytes(), new Term.DecodeError({ offset: 0, reason: "no bytes" })],
        [bytes(130, 97, 1), new Term.DecodeError({ offset: 0, reason: "version 130 (131 expected)" })],
        [bytes(131, 98, 0, 0), new Term.DecodeError({ offset: 2, reason: "4 more bytes expected, 2 left" })],
        [bytes(131, 97, 1, 97), new Term.DecodeError({ offset: 3, reason: "1 bytes after the term" })],
        [bytes(131, 42), new Term.DecodeError({ offset: 1, reason: "unknown tag 42" })],
        [
          bytes(131, 80, 0, 0, 0, 9),
          new Term.DecodeError({
            offset: 1,
            reason: "compressed terms are not supported (term_to_binary's compressed option)"
          })
        ],
        // a list that claims 4 billion elements in 1 byte: refused before any allocation
        [
          bytes(131, 108, 255, 255, 255, 255, 106),
          new Term.DecodeError({ offset: 6, reason: "a length of 4294967295 is more than the 1 bytes left can hold" })
        ],
        [
          bytes(131, 119, 2, 0xff, 0xfe),
          new Term.DecodeError({ offset: 1, reason: "an atom's name is not valid UTF-8" })
        ],
        // a big integer whose digits end early (found by the random-bytes property)
        [bytes(131, 110, 4, 0, 0, 0, 0), new Term.DecodeError({ offset: 4, reason: "4 more bytes expected, 3 left" })]
      ]
      for (const [input, error] of cases) {
        assert.deepStrictEqual(yield* Effect.exit(Term.decode(input)), Exit.fail(error))
      }
      const deep = new Uint8Array(1 + 2 * 2100 + 1)
      deep[0] = 131
      for (let i = 0; i < 2100; i++) deep.set([104, 1], 1 + 2 * i)
      deep[deep.length - 1] = 106
      assert.deepStrictEqual(
        yield* Effect.exit(Term.decode(deep)),
        Exit.fail(new Term.DecodeError({ offset: 1 + 2 * 2001, reason: "nested deeper than 2000 levels" }))
      )
    })
  )

  it("decode(encode(t)) equals t, and re-encoding gives the same bytes (property)", () => {
    fc.assert(
      fc.property(termArb, (t) => {
        const encoded = Term.encodeUnsafe(t)
        const back = Term.decodeUnsafe(encoded)
        assert.isTrue(Term.equals(back, t), `${String(t)} came back as ${String(back)}`)
        assert.deepStrictEqual(Term.encodeUnsafe(back), encoded)
      }),
      { numRuns: 500 }
    )
  })

  it("decode of any bytes gives a term or a DecodeError, never another exception (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (tail) => {
        const input = Uint8Array.from([131, ...tail])
        try {
          Term.decodeUnsafe(input)
        } catch (error) {
          assert.instanceOf(error, Term.DecodeError)
        }
      }),
      { numRuns: 2000 }
    )
  })

  it("each of many atoms of one byte length decodes to its own name, however often it comes again", () => {
    // 2,000 names of 5 bytes and 200 of 6 (UTF-8): the decoder's recent names hold far fewer, so
    // names of the same length meet in its slots all the time
    const names = [
      ...Array.from({ length: 2_000 }, (_, i) => `a${String(i).padStart(4, "0")}`),
      ...Array.from({ length: 200 }, (_, i) => `ñ${String(i).padStart(4, "0")}`)
    ]
    const encoded = names.map((name) => Term.encodeUnsafe(Term.tuple(Term.atom(name), Term.atom(name))))
    for (let pass = 0; pass < 2; pass++) {
      const decoded = encoded.map((bytes) => Term.decodeUnsafe(bytes))
      assert.deepStrictEqual(
        decoded,
        names.map((name) => Term.tuple(Term.atom(name), Term.atom(name)))
      )
    }
  })

  it("a leading U+FEFF is text: kept by decode and by Term.text (TextDecoder drops it by default)", () => {
    const bom = "\uFEFFx"
    const nested = Term.tuple(Term.tuple(bom))
    assert.isTrue(Term.equals(Term.decodeUnsafe(Term.encodeUnsafe(nested)), nested))
    assert.deepStrictEqual(Term.decodeUnsafe(Term.encodeUnsafe(Term.atom(bom))), Term.atom(bom))
    assert.strictEqual(Term.text(bytes(0xef, 0xbb, 0xbf, 0x78)), bom)
  })

  it("a Latin-1 atom (ATOM_EXT, SMALL_ATOM_EXT) is ISO 8859-1: each byte is its code point", () => {
    // 131, SMALL_ATOM_EXT, 3 bytes: 0x80 0x9f 0xe9 (TextDecoder's "latin1" is windows-1252: € Ÿ é)
    assert.deepStrictEqual(Term.decodeUnsafe(bytes(131, 115, 3, 0x80, 0x9f, 0xe9)), Term.atom("\u0080\u009fé"))
    // 131, ATOM_EXT, length 2: 0x41 0xff
    assert.deepStrictEqual(Term.decodeUnsafe(bytes(131, 100, 0, 2, 0x41, 0xff)), Term.atom("Aÿ"))
  })

  it("equals is Erlang's =:=: integers and floats differ, a string is its binary", () => {
    assert.isFalse(Term.equals(1, Term.float(1)))
    assert.isTrue(Term.equals(1, 1n))
    assert.isTrue(Term.equals("é", bytes(0xc3, 0xa9)))
    assert.isTrue(Term.equals(new Map([[Term.atom("a"), 1]]), new Map([[Term.atom("a"), 1]])))
    assert.isFalse(Term.equals(Term.tuple(1), [1]))
    assert.strictEqual(Term.text(Term.decodeUnsafe(Term.encodeUnsafe("héllo"))), "héllo")
  })
})

class Increment extends Schema.TaggedClass<Increment>()("Increment", {
  by: Schema.Int,
  note: Schema.NullOr(Schema.String)
}) {}
const IncrementTerm = Term.codec(Increment)

describe("Term.codec", () => {
  it.effect("a typed message becomes a map with atom keys and comes back through the bytes", () =>
    Effect.gen(function* () {
      const term = yield* Schema.encodeEffect(IncrementTerm)(new Increment({ by: 2, note: null }))
      assert.isTrue(
        Term.equals(
          term,
          new Map<Term.Term, Term.Term>([
            [Term.atom("_tag"), "Increment"],
            [Term.atom("by"), 2],
            [Term.atom("note"), Term.atom("nil")]
          ])
        )
      )
      const back = yield* Schema.decodeUnknownEffect(IncrementTerm)(yield* Term.decode(yield* Term.encode(term)))
      assert.deepStrictEqual(back, new Increment({ by: 2, note: null }))
    })
  )

  it.effect("decodes what an Elixir node sends: atoms for strings, binaries for text", () =>
    Effect.gen(function* () {
      // %{_tag: :Increment, by: 5, note: "hi"}
      const elixir = new Map<Term.Term, Term.Term>([
        [Term.atom("_tag"), Term.atom("Increment")],
        [Term.atom("by"), 5],
        [Term.atom("note"), new TextEncoder().encode("hi")]
      ])
      assert.deepStrictEqual(
        yield* Schema.decodeUnknownEffect(IncrementTerm)(elixir),
        new Increment({ by: 5, note: "hi" })
      )
    })
  )

  it.effect("a term that does not fit the Schema fails with SchemaError naming the field", () =>
    Effect.gen(function* () {
      const bad = new Map<Term.Term, Term.Term>([
        [Term.atom("_tag"), "Increment"],
        [Term.atom("by"), "x"],
        [Term.atom("note"), Term.atom("nil")]
      ])
      const exit = yield* Effect.exit(Schema.decodeUnknownEffect(IncrementTerm)(bad))
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      assert.instanceOf(error, Schema.SchemaError)
      assert.strictEqual(String(error), 'SchemaError(Expected number\n  at ["by"])')
    })
  )
})

// ---------------------------------------------------------------------------------------------
// Against a real Erlang node: binary_to_term of our bytes, term_to_binary back
// ---------------------------------------------------------------------------------------------

const hasErl = (() => {
  try {
    execFileSync("erl", ["-noshell", "-eval", "halt()."], { stdio: "ignore", timeout: 30_000 })
    return true
  } catch {
    return false
  }
})()

// in CI, `.ci/run` installs Erlang: a missing `erl` there fails the test instead of skipping it
describe.skipIf(!hasErl && process.env.CI === undefined)("Term against erlang:binary_to_term", () => {
  // reads {packet, 4} frames on stdin, answers term_to_binary(binary_to_term(B), [{minor_version, 2}])
  // (or the atom badarg), stops at end of input
  const echo =
    "P = open_port({fd, 0, 1}, [binary, {packet, 4}, eof])," +
    "L = fun Loop() -> receive {P, {data, B}} ->" +
    "  R = try term_to_binary(binary_to_term(B), [{minor_version, 2}]) catch _:_ -> term_to_binary(badarg) end," +
    "  port_command(P, R), Loop(); {P, eof} -> halt(0) end end, L()."

  const frame = (b: Uint8Array) => {
    const out = new Uint8Array(4 + b.length)
    new DataView(out.buffer).setUint32(0, b.length)
    out.set(b, 4)
    return out
  }

  /** Sends each input as a frame and collects as many answers, in order (one erl for the whole run). */
  const roundTrip = (inputs: ReadonlyArray<Uint8Array>) =>
    Effect.callback<Array<Uint8Array>, Error>((resume) => {
      const erl: ChildProcessWithoutNullStreams = spawn("erl", ["-noinput", "-eval", echo])
      const answers: Array<Uint8Array> = []
      let buffer = new Uint8Array(0)
      let stderr = ""
      erl.stderr.on("data", (c: Buffer) => {
        stderr += c.toString()
      })
      erl.stdout.on("data", (chunk: Buffer) => {
        const next = new Uint8Array(buffer.length + chunk.length)
        next.set(buffer)
        next.set(chunk, buffer.length)
        buffer = next
        while (buffer.length >= 4) {
          const n = new DataView(buffer.buffer, buffer.byteOffset).getUint32(0)
          if (buffer.length < 4 + n) break
          answers.push(buffer.slice(4, 4 + n))
          buffer = buffer.slice(4 + n)
        }
        if (answers.length === inputs.length) erl.stdin.end()
      })
      erl.on("exit", (code) => {
        if (answers.length === inputs.length) resume(Effect.succeed(answers))
        else resume(Effect.fail(new Error(`erl exited (${code}) after ${answers.length} answers: ${stderr}`)))
      })
      for (const input of inputs) erl.stdin.write(frame(input))
      return Effect.sync(() => erl.kill("SIGKILL"))
    })

  it.live(
    "every generated term survives binary_to_term and comes back equal (and byte for byte without maps)",
    () =>
      Effect.gen(function* () {
        const terms = fc.sample(termArb, { numRuns: 400, seed: 42 })
        const answers = yield* roundTrip(terms.map(Term.encodeUnsafe))
        terms.forEach((t, i) => {
          const back = Term.decodeUnsafe(answers[i]!)
          assert.isTrue(
            Term.equals(back, t),
            `term ${i}: ${JSON.stringify(t, (_, v) => (typeof v === "bigint" ? `${v}n` : v))}`
          )
          if (!hasMap(t)) assert.deepStrictEqual(answers[i], Term.encodeUnsafe(t), `term ${i}: bytes differ`)
        })
      }),
    60_000
  )
})
