/**
 * Erlang's External Term Format (`erts/doc/guides/erl_ext_dist.md`): the term model, the encoder
 * and the decoder behind the public `Term` module. Hand-written: no maintained JavaScript package
 * covers the whole tag set without a native build.
 *
 * Both directions are synchronous and allocation-light, for the distribution's hot path; they
 * throw `EncodeError` / `DecodeError` (the public module wraps them in Effects).
 *
 * @internal
 */
import { Equal, Hash } from "effect"
import * as Pid from "../Pid.ts"
import { EncodeError, DecodeError } from "../Errors.ts"
export { EncodeError, DecodeError } from "../Errors.ts"

// ---------------------------------------------------------------------------------------------
// Tags
// ---------------------------------------------------------------------------------------------

export const VERSION = 131
const NEW_FLOAT_EXT = 70
const BIT_BINARY_EXT = 77
const COMPRESSED = 80
const NEWER_REFERENCE_EXT = 90
const NEW_PID_EXT = 88
const NEW_PORT_EXT = 89
const SMALL_INTEGER_EXT = 97
const INTEGER_EXT = 98
const FLOAT_EXT = 99
const ATOM_EXT = 100
const REFERENCE_EXT = 101
const PORT_EXT = 102
const PID_EXT = 103
const SMALL_TUPLE_EXT = 104
const LARGE_TUPLE_EXT = 105
const NIL_EXT = 106
const STRING_EXT = 107
const LIST_EXT = 108
const BINARY_EXT = 109
const SMALL_BIG_EXT = 110
const LARGE_BIG_EXT = 111
const NEW_FUN_EXT = 112
const EXPORT_EXT = 113
const NEW_REFERENCE_EXT = 114
const SMALL_ATOM_EXT = 115
const MAP_EXT = 116
const ATOM_UTF8_EXT = 118
const SMALL_ATOM_UTF8_EXT = 119
const V4_PORT_EXT = 120

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// The term model
// ---------------------------------------------------------------------------------------------

const atoms = new Map<string, Atom>()

/** An atom. Interned: `Atom.make("ok") === Atom.make("ok")`. */
export class Atom implements Equal.Equal {
  readonly _tag = "Atom"
  readonly name: string
  private constructor(name: string) {
    this.name = name
  }
  static make(name: string): Atom {
    let atom = atoms.get(name)
    if (atom === undefined) {
      atom = new Atom(name)
      atoms.set(name, atom)
    }
    return atom
  }
  [Equal.symbol](that: unknown): boolean {
    return this === that
  }
  [Hash.symbol](): number {
    return Hash.string(this.name)
  }
  toString(): string {
    return /^[a-z][a-zA-Z0-9_@]*$/.test(this.name) ? this.name : `'${this.name.replace(/['\\]/g, "\\$&")}'`
  }
  toJSON(): unknown {
    return { _tag: "Atom", name: this.name }
  }
}

/** A tuple: `{a, b}`. (A JavaScript array is a list.) */
export class Tuple {
  readonly _tag = "Tuple"
  readonly elements: ReadonlyArray<Term>
  constructor(elements: ReadonlyArray<Term>) {
    this.elements = elements
  }
  toJSON(): unknown {
    return { _tag: "Tuple", elements: this.elements }
  }
}

/** A list whose tail is not `[]`: `[a, b | t]`. */
export class ImproperList {
  readonly _tag = "ImproperList"
  readonly elements: ReadonlyArray<Term>
  readonly tail: Term
  constructor(elements: ReadonlyArray<Term>, tail: Term) {
    this.elements = elements
    this.tail = tail
  }
}

/** A float whose value is integral (`1.0`, `-0.0`): a plain `number` that is an integer encodes as an integer. */
export class Float {
  readonly _tag = "Float"
  readonly value: number
  constructor(value: number) {
    this.value = value
  }
}

/** A bitstring whose length is not a whole number of bytes: `bits` (1 to 7) bits of the last byte are used. */
export class BitBinary {
  readonly _tag = "BitBinary"
  readonly bytes: Uint8Array
  readonly bits: number
  constructor(bytes: Uint8Array, bits: number) {
    this.bytes = bytes
    this.bits = bits
  }
}

/** A port of a node. */
export class Port {
  readonly _tag = "Port"
  readonly node: string
  readonly id: bigint
  readonly creation: number
  constructor(node: string, id: bigint, creation: number) {
    this.node = node
    this.id = id
    this.creation = creation
  }
}

/** A reference of a node (`make_ref()`, a monitor reference). */
export class Reference {
  readonly _tag = "Reference"
  readonly node: string
  readonly creation: number
  readonly ids: ReadonlyArray<number>
  constructor(node: string, creation: number, ids: ReadonlyArray<number>) {
    this.node = node
    this.creation = creation
    this.ids = ids
  }
}

/** An external function: `fun Module:Function/Arity`. */
export class Export {
  readonly _tag = "Export"
  readonly module: string
  readonly function: string
  readonly arity: number
  constructor(module: string, fn: string, arity: number) {
    this.module = module
    this.function = fn
    this.arity = arity
  }
}

/** A local fun, kept as its encoded bytes: it can be passed back to its node, not called here. */
export class Fun {
  readonly _tag = "Fun"
  /** The whole NEW_FUN_EXT encoding, tag included. */
  readonly bytes: Uint8Array
  constructor(bytes: Uint8Array) {
    this.bytes = bytes
  }
}

/** An Erlang term as a JavaScript value. */
export type Term =
  | number
  | bigint
  | boolean
  | string
  | Atom
  | Float
  | Tuple
  | ReadonlyArray<Term>
  | ImproperList
  | Uint8Array
  | BitBinary
  | ReadonlyMap<Term, Term>
  | Pid.Pid<never, unknown>
  | Port
  | Reference
  | Export
  | Fun

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

const utf8Encoder = new TextEncoder()
// ignoreBOM: a leading U+FEFF is text, kept (by default TextDecoder drops it)
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })
// TextDecoder's "latin1" is windows-1252 (0x80 is €); Erlang's Latin-1 is ISO 8859-1
const latin1 = (bytes: Uint8Array): string => {
  let text = ""
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]!)
  return text
}

class Writer {
  buffer = new Uint8Array(64)
  view = new DataView(this.buffer.buffer)
  length = 0
  ensure(n: number): undefined {
    const needed = this.length + n
    if (needed <= this.buffer.length) return
    let size = this.buffer.length * 2
    while (size < needed) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buffer.subarray(0, this.length))
    this.buffer = next
    this.view = new DataView(next.buffer)
  }
  u8(v: number): undefined {
    this.ensure(1)
    this.buffer[this.length++] = v
  }
  u16(v: number): undefined {
    this.ensure(2)
    this.view.setUint16(this.length, v)
    this.length += 2
  }
  u32(v: number): undefined {
    this.ensure(4)
    this.view.setUint32(this.length, v)
    this.length += 4
  }
  i32(v: number): undefined {
    this.ensure(4)
    this.view.setInt32(this.length, v)
    this.length += 4
  }
  f64(v: number): undefined {
    this.ensure(8)
    this.view.setFloat64(this.length, v)
    this.length += 8
  }
  bytes(b: Uint8Array): undefined {
    this.ensure(b.length)
    this.buffer.set(b, this.length)
    this.length += b.length
  }
  result(): Uint8Array {
    return this.buffer.slice(0, this.length)
  }
}

/** The term being written has no encoding; its path is added on the way out (see {@link within}). */
const fail = (reason: string): never => {
  throw new EncodeError({ path: "", reason })
}

/**
 * The error of a term inside another, with its place there (`segment`) put before its path: paths
 * are built on the way out of a failure, so that an encoding that succeeds builds none.
 */
const within = (error: unknown, segment: string): unknown =>
  error instanceof EncodeError ? new EncodeError({ path: segment + error.path, reason: error.reason }) : error

/** The places of a term inside a list, a tuple or a map, as an error's path names them. */
const inList = (i: number): string => `[${i}]`
const inTuple = (i: number): string => `{${i}}`
const keyAt = (i: number): string => `<key ${i}>`
const valueAt = (i: number): string => `<value ${i}>`
const inTail = (): string => "<tail>"

/** Writes a term inside another; its failure gets its place (`place(i)`, built only then) put before its path. */
const writeInside = (w: Writer, term: Term, depth: number, place: (i: number) => string, i: number): undefined => {
  try {
    return writeTerm(w, term, depth)
  } catch (error) {
    throw within(error, place(i))
  }
}

/** Atoms already encoded (tag, length, name), as sent again and again in control messages. */
const atomBytes = new Map<string, Uint8Array>()
const atomBytesLimit = 4096

const writeAtom = (w: Writer, name: string): undefined => {
  const cached = atomBytes.get(name)
  if (cached !== undefined) return w.bytes(cached)
  if ([...name].length > 255) fail(`an atom has at most 255 characters (got ${[...name].length})`)
  const utf8 = utf8Encoder.encode(name)
  const header =
    utf8.length < 256 ? [SMALL_ATOM_UTF8_EXT, utf8.length] : [ATOM_UTF8_EXT, utf8.length >> 8, utf8.length & 0xff]
  const bytes = new Uint8Array(header.length + utf8.length)
  bytes.set(header)
  bytes.set(utf8, header.length)
  if (atomBytes.size < atomBytesLimit) atomBytes.set(name, bytes)
  w.bytes(bytes)
}

const writeBig = (w: Writer, value: bigint): undefined => {
  const sign = value < 0n ? 1 : 0
  let magnitude = value < 0n ? -value : value
  const digits: Array<number> = []
  while (magnitude > 0n) {
    digits.push(Number(magnitude & 0xffn))
    magnitude >>= 8n
  }
  if (digits.length < 256) {
    w.u8(SMALL_BIG_EXT)
    w.u8(digits.length)
  } else {
    w.u8(LARGE_BIG_EXT)
    w.u32(digits.length)
  }
  w.u8(sign)
  for (const d of digits) w.u8(d)
}

const writeInteger = (w: Writer, value: number | bigint): undefined => {
  if (typeof value === "number") {
    if (value >= 0 && value <= 255) {
      w.u8(SMALL_INTEGER_EXT)
      w.u8(value)
    } else if (value >= -2147483648 && value <= 2147483647) {
      w.u8(INTEGER_EXT)
      w.i32(value)
    } else {
      writeBig(w, BigInt(value))
    }
  } else if (value >= -2147483648n && value <= 2147483647n) {
    writeInteger(w, Number(value))
  } else {
    writeBig(w, value)
  }
}

const isByteList = (list: ReadonlyArray<Term>): boolean => {
  if (list.length === 0 || list.length > 65535) return false
  for (const x of list) {
    if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || x > 255) return false
  }
  return true
}

const writeTerm = (w: Writer, term: Term, depth: number): undefined => {
  if (depth > maxDepth) fail(`nested deeper than ${maxDepth} levels`)
  switch (typeof term) {
    case "number":
      if (Number.isInteger(term) && !Object.is(term, -0)) {
        if (!Number.isSafeInteger(term)) fail(`${term} is past 2^53: use a bigint for a large integer`)
        return writeInteger(w, term)
      }
      if (!Number.isFinite(term)) fail(`${term} is not a finite number`)
      w.u8(NEW_FLOAT_EXT)
      return w.f64(term)
    case "bigint":
      return writeInteger(w, term)
    case "boolean":
      return writeAtom(w, term ? "true" : "false")
    case "string": {
      const bytes = utf8Encoder.encode(term)
      w.u8(BINARY_EXT)
      w.u32(bytes.length)
      return w.bytes(bytes)
    }
    case "object": {
      if (term === null) return fail('null has no term (use Term.atom("nil") or Term.atom("undefined"))')
      if (Array.isArray(term)) {
        const list = term as ReadonlyArray<Term>
        if (list.length === 0) return w.u8(NIL_EXT)
        if (isByteList(list)) {
          w.u8(STRING_EXT)
          w.u16(list.length)
          for (const x of list) w.u8(x as number)
          return
        }
        w.u8(LIST_EXT)
        w.u32(list.length)
        for (let i = 0; i < list.length; i++) writeInside(w, list[i]!, depth + 1, inList, i)
        return w.u8(NIL_EXT)
      }
      if (term instanceof Uint8Array) {
        w.u8(BINARY_EXT)
        w.u32(term.length)
        return w.bytes(term)
      }
      if (term instanceof Atom) return writeAtom(w, term.name)
      if (term instanceof Tuple) {
        const elements = term.elements
        if (elements.length < 256) {
          w.u8(SMALL_TUPLE_EXT)
          w.u8(elements.length)
        } else {
          w.u8(LARGE_TUPLE_EXT)
          w.u32(elements.length)
        }
        for (let i = 0; i < elements.length; i++) writeInside(w, elements[i]!, depth + 1, inTuple, i)
        return
      }
      if (term instanceof Map) {
        w.u8(MAP_EXT)
        w.u32(term.size)
        let i = 0
        for (const [k, v] of term as ReadonlyMap<Term, Term>) {
          writeInside(w, k, depth + 1, keyAt, i)
          writeInside(w, v, depth + 1, valueAt, i)
          i++
        }
        return
      }
      if (Pid.isPid(term)) {
        // NEW_PID_EXT's id and serial: a pid's `id` holds `serial * 2^32 + id`
        w.u8(NEW_PID_EXT)
        writeAtom(w, term.node)
        w.u32(term.id % 0x100000000)
        w.u32(Math.floor(term.id / 0x100000000))
        return w.u32(term.creation)
      }
      if (term instanceof Float) {
        if (!Number.isFinite(term.value)) fail(`${term.value} is not a finite number`)
        w.u8(NEW_FLOAT_EXT)
        return w.f64(term.value)
      }
      if (term instanceof ImproperList) {
        if (term.elements.length === 0) fail("an improper list has at least one element before its tail")
        w.u8(LIST_EXT)
        w.u32(term.elements.length)
        for (let i = 0; i < term.elements.length; i++) writeInside(w, term.elements[i]!, depth + 1, inList, i)
        return writeInside(w, term.tail, depth + 1, inTail, 0)
      }
      if (term instanceof BitBinary) {
        if (!Number.isInteger(term.bits) || term.bits < 1 || term.bits > 7 || term.bytes.length === 0) {
          fail(`a bit binary uses 1 to 7 bits of a last byte (got ${term.bits} bits of ${term.bytes.length} bytes)`)
        }
        w.u8(BIT_BINARY_EXT)
        w.u32(term.bytes.length)
        w.u8(term.bits)
        // the unused low bits of the last byte are zero in a canonical encoding
        const last = term.bytes[term.bytes.length - 1]! & ((0xff << (8 - term.bits)) & 0xff)
        w.bytes(term.bytes.subarray(0, term.bytes.length - 1))
        return w.u8(last)
      }
      if (term instanceof Reference) {
        if (term.ids.length < 1 || term.ids.length > 5) fail(`a reference has 1 to 5 ids (got ${term.ids.length})`)
        w.u8(NEWER_REFERENCE_EXT)
        w.u16(term.ids.length)
        writeAtom(w, term.node)
        w.u32(term.creation)
        for (const id of term.ids) w.u32(id)
        return
      }
      if (term instanceof Port) {
        if (term.id < 0x100000000n) {
          w.u8(NEW_PORT_EXT)
          writeAtom(w, term.node)
          w.u32(Number(term.id))
        } else {
          w.u8(V4_PORT_EXT)
          writeAtom(w, term.node)
          w.u32(Number(term.id >> 32n))
          w.u32(Number(term.id & 0xffffffffn))
        }
        return w.u32(term.creation)
      }
      if (term instanceof Export) {
        w.u8(EXPORT_EXT)
        writeAtom(w, term.module)
        writeAtom(w, term.function)
        return writeInteger(w, term.arity)
      }
      if (term instanceof Fun) return w.bytes(term.bytes)
      return fail(`${describe(term)} has no term`)
    }
    default:
      return fail(`${describe(term)} has no term`)
  }
}

const describe = (u: unknown): string => {
  if (u === undefined) return "undefined"
  if (typeof u === "function") return "a function"
  if (typeof u === "symbol") return "a symbol"
  const name = (u as object).constructor?.name
  return name === undefined || name === "Object" ? "a plain object" : `a ${name}`
}

/** How deep terms may nest (tuples in tuples, list tails in lists) in either direction. */
export const maxDepth = 2_000

/** The buffer encodings are written into, reused (each result is a copy of what was written). */
let spare: Writer | undefined = new Writer()

/** The term's encoding, version byte included. Throws `EncodeError`. */
export const encodeUnsafe = (term: Term): Uint8Array => {
  // an encoding started while one is under way (none does today) gets a buffer of its own
  const w = spare ?? new Writer()
  spare = undefined
  w.length = 0
  try {
    w.u8(VERSION)
    writeTerm(w, term, 0)
    return w.result()
  } finally {
    if (w.buffer.length <= 64 * 1024) spare = w
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

/** Reads big-endian numbers from the bytes themselves (no `DataView` per term; floats, rare, make one). */
class Reader {
  readonly bytes: Uint8Array
  offset: number
  constructor(bytes: Uint8Array, offset: number) {
    this.bytes = bytes
    this.offset = offset
  }
  fail(reason: string, at = this.offset): never {
    throw new DecodeError({ offset: at, reason })
  }
  need(n: number): undefined {
    if (this.offset + n > this.bytes.length) {
      this.fail(`${n} more bytes expected, ${this.bytes.length - this.offset} left`)
    }
  }
  u8(): number {
    this.need(1)
    return this.bytes[this.offset++]!
  }
  u16(): number {
    this.need(2)
    const b = this.bytes
    const at = this.offset
    this.offset = at + 2
    return (b[at]! << 8) | b[at + 1]!
  }
  u32(): number {
    this.need(4)
    const b = this.bytes
    const at = this.offset
    this.offset = at + 4
    return b[at]! * 0x1000000 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!)
  }
  i32(): number {
    this.need(4)
    const b = this.bytes
    const at = this.offset
    this.offset = at + 4
    return (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!
  }
  f64(): number {
    this.need(8)
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength).getFloat64(this.offset)
    this.offset += 8
    return v
  }
  take(n: number): Uint8Array {
    this.need(n)
    const b = this.bytes.slice(this.offset, this.offset + n)
    this.offset += n
    return b
  }
  /** A count of items that each take at least `min` bytes: refused when the input cannot hold them. */
  count(n: number, min: number): number {
    if (n * min > this.bytes.length - this.offset) {
      this.fail(`a length of ${n} is more than the ${this.bytes.length - this.offset} bytes left can hold`)
    }
    return n
  }
}

const readAtomName = (r: Reader): string => {
  const at = r.offset
  const tag = r.u8()
  switch (tag) {
    case SMALL_ATOM_UTF8_EXT:
      return utf8(r, r.u8(), at)
    case ATOM_UTF8_EXT:
      return utf8(r, r.u16(), at)
    case ATOM_EXT:
      return latin1(r.take(r.u16()))
    case SMALL_ATOM_EXT:
      return latin1(r.take(r.u8()))
    default:
      return r.fail(`an atom was expected, got tag ${tag}`, at)
  }
}

/**
 * Atom names decoded lately, by their bytes (a slot per hash): the names that come again and again
 * (the node's name in every pid, the atoms of control messages) are neither built nor hashed again,
 * and the same string comes back each time.
 */
const nameSlots = 256
const nameCacheMax = 64
const cachedNameBytes: Array<Uint8Array | undefined> = new Array(nameSlots).fill(undefined)
const cachedNames: Array<string> = new Array(nameSlots).fill("")

/** The next `n` bytes as UTF-8: a name decoded lately is taken from the cache, an ASCII one read without a decoder call. */
const utf8 = (r: Reader, n: number, at: number): string => {
  r.need(n)
  const bytes = r.bytes
  const start = r.offset
  if (n > nameCacheMax) return decodeName(r, n, at)
  let hash = n
  for (let i = start; i < start + n; i++) hash = (Math.imul(hash, 31) + bytes[i]!) | 0
  const slot = hash & (nameSlots - 1)
  const cached = cachedNameBytes[slot]
  if (cached !== undefined && cached.length === n) {
    let i = 0
    while (i < n && cached[i] === bytes[start + i]) i++
    if (i === n) {
      r.offset += n
      return cachedNames[slot]!
    }
  }
  const name = decodeName(r, n, at)
  cachedNameBytes[slot] = bytes.slice(start, start + n)
  cachedNames[slot] = name
  return name
}

/** The next `n` bytes as UTF-8: an ASCII name (most atoms) is read without a copy or a decoder call. */
const decodeName = (r: Reader, n: number, at: number): string => {
  const bytes = r.bytes
  const start = r.offset
  if (n <= 32) {
    let name = ""
    let i = start
    for (; i < start + n; i++) {
      const b = bytes[i]!
      if (b >= 0x80) break
      name += String.fromCharCode(b)
    }
    if (i === start + n) {
      r.offset += n
      return name
    }
  }
  try {
    return utf8Decoder.decode(r.take(n))
  } catch {
    return r.fail("an atom's name is not valid UTF-8", at)
  }
}

const atomTerm = (name: string): Term => (name === "true" ? true : name === "false" ? false : Atom.make(name))

const maxSafe = BigInt(Number.MAX_SAFE_INTEGER)

const readBig = (r: Reader, n: number): number | bigint => {
  const sign = r.u8()
  r.need(n)
  let value = 0n
  for (let i = n - 1; i >= 0; i--) value = (value << 8n) | BigInt(r.bytes[r.offset + i]!)
  r.offset += n
  if (sign !== 0) value = -value
  return value >= -maxSafe && value <= maxSafe ? Number(value) : value
}

const readTerm = (r: Reader, depth: number): Term => {
  if (depth > maxDepth) r.fail(`nested deeper than ${maxDepth} levels`)
  const at = r.offset
  const tag = r.u8()
  switch (tag) {
    case SMALL_INTEGER_EXT:
      return r.u8()
    case INTEGER_EXT:
      return r.i32()
    case SMALL_BIG_EXT:
      return readBig(r, r.u8())
    case LARGE_BIG_EXT:
      return readBig(r, r.u32())
    case NEW_FLOAT_EXT: {
      const v = r.f64()
      return Number.isInteger(v) ? new Float(v) : v
    }
    case FLOAT_EXT: {
      const text = latin1(r.take(31)).replace(/\0.*$/, "")
      const v = Number.parseFloat(text)
      if (Number.isNaN(v)) r.fail(`"${text}" is not a float`, at)
      return Number.isInteger(v) ? new Float(v) : v
    }
    case ATOM_UTF8_EXT:
    case SMALL_ATOM_UTF8_EXT:
    case ATOM_EXT:
    case SMALL_ATOM_EXT:
      r.offset = at
      return atomTerm(readAtomName(r))
    case SMALL_TUPLE_EXT:
    case LARGE_TUPLE_EXT: {
      const n = r.count(tag === SMALL_TUPLE_EXT ? r.u8() : r.u32(), 1)
      const elements = new Array<Term>(n)
      for (let i = 0; i < n; i++) elements[i] = readTerm(r, depth + 1)
      return new Tuple(elements)
    }
    case NIL_EXT:
      return []
    case STRING_EXT:
      return Array.from(r.take(r.u16()))
    case LIST_EXT: {
      const n = r.count(r.u32(), 1)
      const elements = new Array<Term>(n)
      for (let i = 0; i < n; i++) elements[i] = readTerm(r, depth + 1)
      const tail = readTerm(r, depth + 1)
      if (Array.isArray(tail)) return tail.length === 0 ? elements : elements.concat(tail)
      if (n === 0) return tail
      if (tail instanceof ImproperList) return new ImproperList(elements.concat(tail.elements), tail.tail)
      return new ImproperList(elements, tail)
    }
    case BINARY_EXT:
      return r.take(r.u32())
    case BIT_BINARY_EXT: {
      const n = r.u32()
      const bits = r.u8()
      if (bits < 1 || bits > 8) r.fail(`a bit binary's last byte uses ${bits} bits (1 to 8)`, at)
      if (n === 0) r.fail("a bit binary has at least one byte", at)
      const bytes = r.take(n)
      if (bits === 8) return bytes
      bytes[n - 1] = bytes[n - 1]! & ((0xff << (8 - bits)) & 0xff)
      return new BitBinary(bytes, bits)
    }
    case MAP_EXT: {
      const n = r.count(r.u32(), 2)
      const map = new Map<Term, Term>()
      for (let i = 0; i < n; i++) {
        const k = readTerm(r, depth + 1)
        map.set(k, readTerm(r, depth + 1))
      }
      return map
    }
    case NEW_PID_EXT:
    case PID_EXT: {
      const node = readAtomName(r)
      const id = r.u32()
      const serial = r.u32()
      const creation = tag === NEW_PID_EXT ? r.u32() : r.u8()
      if (serial >= 0x200000) r.fail(`a pid's serial of ${serial} does not fit a JavaScript number`, at)
      return Pid.make(node, creation, serial * 0x100000000 + id) as Pid.Pid<never, unknown>
    }
    case NEW_PORT_EXT:
    case PORT_EXT: {
      const node = readAtomName(r)
      const id = r.u32()
      return new Port(node, BigInt(id), tag === NEW_PORT_EXT ? r.u32() : r.u8())
    }
    case V4_PORT_EXT: {
      const node = readAtomName(r)
      const high = r.u32()
      const low = r.u32()
      return new Port(node, (BigInt(high) << 32n) | BigInt(low), r.u32())
    }
    case NEWER_REFERENCE_EXT:
    case NEW_REFERENCE_EXT: {
      const n = r.u16()
      if (n < 1 || n > 5) r.fail(`a reference has 1 to 5 ids (got ${n})`, at)
      const node = readAtomName(r)
      const creation = tag === NEWER_REFERENCE_EXT ? r.u32() : r.u8()
      const ids = new Array<number>(n)
      for (let i = 0; i < n; i++) ids[i] = r.u32()
      return new Reference(node, creation, ids)
    }
    case REFERENCE_EXT: {
      const node = readAtomName(r)
      const id = r.u32()
      return new Reference(node, r.u8(), [id])
    }
    case EXPORT_EXT: {
      const module = readAtomName(r)
      const fn = readAtomName(r)
      const arity = readTerm(r, depth + 1)
      if (typeof arity !== "number" || arity < 0 || arity > 255) r.fail("an export's arity is 0 to 255", at)
      return new Export(module, fn, arity as number)
    }
    case NEW_FUN_EXT: {
      const size = r.u32()
      if (size < 4) r.fail(`a fun of ${size} bytes`, at)
      r.offset = at
      return new Fun(r.take(size + 1))
    }
    case COMPRESSED:
      return r.fail("compressed terms are not supported (term_to_binary's compressed option)", at)
    default:
      return r.fail(`unknown tag ${tag}`, at)
  }
}

/**
 * Decodes one term that starts at `offset` (after the version byte when there is one) and says
 * where it ended. Throws `DecodeError`.
 */
export const decodeAtUnsafe = (bytes: Uint8Array, offset: number): { readonly term: Term; readonly end: number } => {
  const r = new Reader(bytes, offset)
  const term = readTerm(r, 0)
  return { term, end: r.offset }
}

/** Decodes a whole encoding: the version byte, one term, nothing after it. Throws `DecodeError`. */
export const decodeUnsafe = (bytes: Uint8Array): Term => {
  if (bytes.length === 0) throw new DecodeError({ offset: 0, reason: "no bytes" })
  if (bytes[0] !== VERSION) throw new DecodeError({ offset: 0, reason: `version ${bytes[0]} (131 expected)` })
  const { end, term } = decodeAtUnsafe(bytes, 1)
  if (end !== bytes.length) {
    throw new DecodeError({ offset: end, reason: `${bytes.length - end} bytes after the term` })
  }
  return term
}
