/**
 * Typed requests: the protocol of a server.
 *
 * A request is a Schema tagged class that also declares the Schema of its reply (`success`) and of
 * the errors the server may answer with (`failure`). `GenServer.call(server, request)` then has the
 * type `Effect<Success, Failure | CallError>`, and a server only accepts the requests of its
 * protocol: calling it with anything else is a compile error. Because requests and replies are
 * Schemas, the same protocol can cross a worker thread or a node.
 *
 * Not Effect's `Request` module (`import { Request } from "effect"`: requests to a
 * `RequestResolver`, batched and cached); this one is a server's protocol. A file that needs both
 * imports one under another name (`import { Request as OtpRequest } from "effect-otp"`).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Request } from "effect-otp"
 *
 * class Increment extends Request.Class<Increment>()("Increment", {
 *   fields: { by: Schema.Number },
 *   success: Schema.Number
 * }) {}
 *
 * class Withdraw extends Request.Class<Withdraw>()("Withdraw", {
 *   fields: { amount: Schema.Number },
 *   success: Schema.Number,
 *   failure: Schema.Literal("insufficient funds")
 * }) {}
 *
 * const request = new Increment({ by: 2 })
 * ```
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

declare const RequestTypeId: unique symbol

/**
 * The type-level mark of a request: its reply type `A` and error type `E`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Request<out A, out E> {
  readonly _tag: string
  readonly [RequestTypeId]?: { readonly _A: () => A; readonly _E: () => E }
}

/**
 * Any request.
 *
 * @since 0.1.0
 * @category models
 */
export type Any = Request<any, any>

/**
 * The reply type of a request.
 *
 * @since 0.1.0
 * @category type-level
 */
export type Success<R> = R extends Request<infer A, infer _E> ? A : never

/**
 * The error type a request declares.
 *
 * @since 0.1.0
 * @category type-level
 */
export type Failure<R> = R extends Request<infer _A, infer E> ? E : never

/**
 * The static side of a request class: its Schemas.
 *
 * @since 0.1.0
 * @category models
 */
export interface Schemas<Success extends Schema.Top, Failure extends Schema.Top> {
  readonly success: Success
  readonly failure: Failure
}

/**
 * Defines a request class: a Schema tagged class with the Schemas of its reply and errors.
 *
 * **Details**
 *
 * - `fields`: the request's payload (default: none).
 * - `success`: the reply's Schema (default `Schema.Void`).
 * - `failure`: the Schema of the errors the server may answer with (default `Schema.Never`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const Class =
  <Self = never>() =>
  <
    const Tag extends string,
    const Fields extends Schema.Struct.Fields = {},
    Success extends Schema.Top = Schema.Void,
    Failure extends Schema.Top = Schema.Never
  >(
    tag: Tag,
    options?: {
      readonly fields?: Fields | undefined
      readonly success?: Success | undefined
      readonly failure?: Failure | undefined
    }
  ) => {
    const Base = Schema.TaggedClass<Self, Request<Success["Type"], Failure["Type"]>>()(
      tag,
      (options?.fields ?? {}) as Fields
    )
    const success = options?.success ?? Schema.Void
    const failure = options?.failure ?? Schema.Never
    return class extends (Base as any) {
      static readonly success = success
      static readonly failure = failure
    } as unknown as typeof Base & Schemas<Success, Failure>
  }
