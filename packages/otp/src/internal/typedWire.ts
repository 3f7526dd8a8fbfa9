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
    const request = Term.codec(cls as Schema.Top) as unknown as Schema.Codec<unknown, unknown>
    const success = Term.codec(any.success as Schema.Top) as unknown as Schema.Codec<unknown, unknown>
    const failure = Term.codec(any.failure as Schema.Top) as unknown as Schema.Codec<unknown, unknown>
    codecs = {
      tag,
      encodeRequest: Schema.encodeUnknownExit(request),
      decodeRequest: Schema.decodeUnknownExit(request),
      encodeSuccess: Schema.encodeUnknownExit(success),
      decodeSuccess: Schema.decodeUnknownExit(success),
      encodeFailure: Schema.encodeUnknownExit(failure),
      decodeFailure: Schema.decodeUnknownExit(failure)
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
