/**
 * Typed requests across nodes: a `Request.Class` request crosses as the term of its Schema
 * (`Term.codec`), and its reply as the term of its `success` or `failure` Schema, wrapped so the
 * caller can tell them apart:
 *
 * | the server's answer | the reply term |
 * |---|---|
 * | a reply | `{ok, Success}` |
 * | a declared error | `{error, Failure}` |
 * | the request did not decode there, or the reply did not encode | `{undecodable, request \| reply, <<"why">>}` |
 *
 * A request that is not a `Request.Class` (a term), or a server whose protocol does not declare the
 * request's tag, keeps the untyped gen protocol of `server.ts`. Codecs are built once per class.
 *
 * Casts and other messages are typed the same way when the behaviour declares their Schema (`casts`,
 * `infos`): {@link messageCodec} is the codec of such a Schema, built once per Schema.
 *
 * @internal
 */
import { Cause, Exit, Schema } from "effect"
import * as Term from "../Term.ts"

/** The codecs of one request class. */
export interface Codecs {
  readonly tag: string
  readonly encodeRequest: (request: unknown) => Exit.Exit<unknown, Schema.SchemaError>
  readonly decodeRequest: (term: unknown) => Exit.Exit<unknown, Schema.SchemaError>
  readonly encodeSuccess: (value: unknown) => Exit.Exit<unknown, Schema.SchemaError>
  readonly decodeSuccess: (term: unknown) => Exit.Exit<unknown, Schema.SchemaError>
  readonly encodeFailure: (error: unknown) => Exit.Exit<unknown, Schema.SchemaError>
  readonly decodeFailure: (term: unknown) => Exit.Exit<unknown, Schema.SchemaError>
}

/** The term codec of one message Schema: encodes a value to its term, decodes a term to a value. */
export interface MessageCodec {
  readonly encode: (value: unknown) => Exit.Exit<unknown, Schema.SchemaError>
  readonly decode: (term: unknown) => Exit.Exit<unknown, Schema.SchemaError>
}

const bySchema = new WeakMap<object, MessageCodec>()

/** The term codec (`Term.codec`) of `schema`, built once per Schema. */
export const messageCodec = (schema: Schema.Top): MessageCodec => {
  let codec = bySchema.get(schema)
  if (codec === undefined) {
    const terms = Term.codec(schema) as unknown as Schema.Codec<unknown, unknown>
    codec = { encode: Schema.encodeUnknownExit(terms), decode: Schema.decodeUnknownExit(terms) }
    bySchema.set(schema, codec)
  }
  return codec
}

/**
 * The term codec of a message that is an instance of a Schema class (`Schema.Class`,
 * `Schema.TaggedClass`, `Request.Class`), encoded by its own class; undefined for anything else
 * (a term, a plain object).
 */
export const codecOfInstance = (message: unknown): MessageCodec | undefined => {
  if (typeof message !== "object" || message === null || Term.isTerm(message)) return undefined
  const cls = message.constructor
  return typeof cls === "function" && Schema.isSchema(cls) ? messageCodec(cls as unknown as Schema.Top) : undefined
}

const byClass = new WeakMap<object, Codecs | null>()

/** The tag a `Request.Class` (a Schema tagged class) declares, if it is one. */
const tagOf = (cls: any): string | undefined => {
  const literal = cls?.fields?._tag?.ast?.literal
  if (typeof literal === "string") return literal
  return typeof cls?.identifier === "string" ? cls.identifier : undefined
}

/** The codecs of a request class: undefined for a class that is not a `Request.Class`. */
export const codecsOfClass = (cls: unknown): Codecs | undefined => {
  if (typeof cls !== "function") return undefined
  const cached = byClass.get(cls)
  if (cached !== undefined) return cached ?? undefined
  const any: any = cls
  const tag = tagOf(any)
  let codecs: Codecs | null = null
  if (tag !== undefined && Schema.isSchema(cls) && Schema.isSchema(any.success) && Schema.isSchema(any.failure)) {
    const request = messageCodec(cls as Schema.Top)
    const success = messageCodec(any.success as Schema.Top)
    const failure = messageCodec(any.failure as Schema.Top)
    codecs = {
      tag,
      encodeRequest: request.encode,
      decodeRequest: request.decode,
      encodeSuccess: success.encode,
      decodeSuccess: success.decode,
      encodeFailure: failure.encode,
      decodeFailure: failure.decode
    }
  }
  byClass.set(cls, codecs)
  return codecs ?? undefined
}

/** The codecs of a request, when it is an instance of a `Request.Class`. */
export const codecsOf = (request: unknown): Codecs | undefined =>
  typeof request === "object" && request !== null && !Term.isTerm(request)
    ? codecsOfClass(request.constructor)
    : undefined

const byProtocol = new WeakMap<ReadonlyArray<unknown>, ReadonlyMap<string, Codecs>>()

/** The codecs of the request classes of a protocol, by tag. */
const protocolCodecs = (protocol: ReadonlyArray<unknown>): ReadonlyMap<string, Codecs> => {
  let map = byProtocol.get(protocol)
  if (map === undefined) {
    const built = new Map<string, Codecs>()
    for (const cls of protocol) {
      const codecs = codecsOfClass(cls)
      if (codecs !== undefined) built.set(codecs.tag, codecs)
    }
    byProtocol.set(protocol, (map = built))
  }
  return map
}

const tagKey = Term.atom("_tag")

/**
 * The codecs for a request term that arrived for a server whose behaviour declares `protocol`: a map
 * whose `_tag` (a binary or an atom) is the tag of one of its `Request.Class`es.
 */
export const codecsForTerm = (protocol: ReadonlyArray<unknown> | undefined, term: unknown): Codecs | undefined => {
  if (protocol === undefined || !(term instanceof Map)) return undefined
  const tag = (term as ReadonlyMap<unknown, unknown>).get(tagKey)
  const name = Term.isAtom(tag) ? tag.name : Term.text(tag as Term.Term)
  return name === undefined ? undefined : protocolCodecs(protocol).get(name)
}

export const ok = Term.atom("ok")
export const error = Term.atom("error")
export const undecodable = Term.atom("undecodable")

/** The message of a Schema failure, for logs and `Undecodable`. */
export const why = (exit: Exit.Exit<unknown, Schema.SchemaError>): string => {
  if (Exit.isSuccess(exit)) return ""
  const error = Cause.findErrorOption(exit.cause)
  return error._tag === "Some" ? error.value.message : Cause.pretty(exit.cause)
}

/** `{undecodable, What, <<"why">>}` */
export const undecodableReply = (what: "request" | "reply", reason: string): Term.Tuple =>
  Term.tuple(undecodable, Term.atom(what), reason)
