/**
 * What both sides of a threaded GenServer share: its definition (the call and cast classes and the
 * Schema of the start argument), the tags of its requests, and how the start argument travels to
 * the thread (`workerData`, encoded with its Schema). Loaded by the worker side too, so it imports
 * nothing from the process runtime.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Request } from "effect-otp"
import { describeIssue, InvalidRequest } from "./errors.ts"
import type { Definition } from "../ThreadedGenServer.ts"
export type { Definition }

/** A request class (`Request.Class`). */
export type RequestClass = abstract new (...args: any) => Request.Any

/** The internal view of a definition: its tags and the codec of its start argument. */
export interface DefinitionImpl {
  readonly protocol: ReadonlyArray<RequestClass>
  readonly casts: ReadonlyArray<RequestClass>
  readonly args: Schema.Top
  readonly callTags: ReadonlyArray<string>
  readonly castTags: ReadonlyArray<string>
  readonly encodeArgs: (args: unknown) => Effect.Effect<unknown, InvalidRequest>
  readonly decodeArgs: (encoded: unknown) => Effect.Effect<unknown, InvalidRequest>
}

/** The `workerData` key under which the encoded start argument travels. */
export const workerDataKey = "@effect-otp/platform-node/ThreadedGenServer"

/** The tag of a request class, as WorkerPool reads it. */
export const tagOf = (cls: RequestClass): string => {
  const any = cls as any
  const literal = any.fields?._tag?.ast?.literal
  if (typeof literal === "string") return literal
  if (typeof any.identifier === "string") return any.identifier
  throw new TypeError(`ThreadedGenServer: ${String(cls.name)} is not a Request.Class (it has no tag)`)
}

const invalidArgs = (side: "main" | "worker") => (error: Schema.SchemaError) =>
  new InvalidRequest({ request: "start argument", ...describeIssue(error.issue), side })

export const define = (options: {
  readonly protocol: ReadonlyArray<RequestClass>
  readonly casts?: ReadonlyArray<RequestClass> | undefined
  readonly args?: Schema.Top | undefined
}): DefinitionImpl => {
  const casts = options.casts ?? []
  const callTags = options.protocol.map(tagOf)
  const castTags = casts.map(tagOf)
  const all = [...callTags, ...castTags]
  const twice = all.find((tag, i) => all.indexOf(tag) !== i)
  if (twice !== undefined) {
    throw new TypeError(`ThreadedGenServer.define: two requests or casts have the tag "${twice}"`)
  }
  const args = options.args ?? Schema.Void
  const codec = Schema.toCodecJson(args)
  const encode = Schema.encodeUnknownEffect(codec as unknown as Schema.Codec<unknown, unknown>)
  const decode = Schema.decodeUnknownEffect(codec as unknown as Schema.Codec<unknown, unknown>)
  return {
    protocol: options.protocol,
    casts,
    args,
    callTags,
    castTags,
    encodeArgs: (value) => Effect.mapError(encode(value), invalidArgs("main")),
    decodeArgs: (encoded) => Effect.mapError(decode(encoded), invalidArgs("worker"))
  }
}
