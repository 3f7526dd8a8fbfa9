/**
 * Process identifiers.
 *
 * A `Pid` names a process: the node it lives on (name and creation, so that two nodes with the same
 * name in one OS process never mix up their pids) and a number unique on that node. Pids are plain
 * values: compare them with `Equal.equals` (or `Pid.equals`), use them as `HashMap` keys, print them,
 * and encode them with {@link schema} to send them to a worker thread or another node.
 *
 * `Pid<M, SendError>` is typed by the messages `M` that the process accepts; `SendError` is the error
 * a send to it can fail with (`never` for the default unbounded mailbox, `MailboxFull` for a bounded
 * mailbox with the `"fail"` overflow policy). A `Pid<M>` is accepted wherever a `Pid<M, MailboxFull>`
 * is expected, and a `Pid<unknown>` accepts any message.
 *
 * Pids print in Erlang's style, `<0.42.0>`: the first number is the node's index in this OS process
 * (0 for the first node started), the second the process number.
 *
 * @since 0.1.0
 */
import { Equal, Hash, Pipeable, Schema, SchemaTransformation } from "effect"
import { type NodeRef, nodeRefOf } from "./internal/nodeIndex.ts"

/**
 * @since 0.1.0
 * @category symbols
 */
export const TypeId: unique symbol = Symbol.for("effect-otp/Pid")

/**
 * A process identifier, typed by the messages the process accepts. A value (`Equal`, `Hash`), and
 * `Pipeable`: `pid.pipe(Process.send(message))`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Pid<in M = unknown, out SendError = never> extends Equal.Equal, Pipeable.Pipeable {
  readonly [TypeId]: {
    readonly _M: (m: M) => void
    readonly _E: () => SendError
  }
  /** The name of the node the process lives on. */
  readonly node: string
  /** The node's creation number: tells apart nodes of the same name, as in Erlang. */
  readonly creation: number
  /** The process number, unique on its node. */
  readonly id: number
}

/**
 * A pid of any process.
 *
 * @since 0.1.0
 * @category models
 */
export type Any = Pid<never, unknown>

/** @internal */
export class PidImpl implements Pid<any, any> {
  declare readonly [TypeId]: Pid<any, any>[typeof TypeId]
  // a private field, not an own property: invisible to equality, JSON and inspection, and cheaper to
  // set than a non-enumerable property defined per instance
  #process: unknown
  /** the node, shared by all its pids: one field for `node` and `creation` */
  readonly ref: NodeRef
  readonly id: number
  constructor(ref: NodeRef, id: number, process?: unknown) {
    this.ref = ref
    this.id = id
    this.#process = process
  }
  get node(): string {
    return this.ref.name
  }
  get creation(): number {
    return this.ref.creation
  }
  /** @internal the local process record, when the pid was made by this OS process's node */
  get process(): unknown {
    return this.#process
  }
  set process(value: unknown) {
    this.#process = value
  }
  [Equal.symbol](that: unknown): boolean {
    return that instanceof PidImpl && that.id === this.id && that.ref === this.ref
  }
  [Hash.symbol](): number {
    return Hash.combine(Hash.number(this.id))(Hash.string(this.node)) ^ this.creation
  }
  pipe() {
    // biome-ignore lint/complexity/noArguments: Effect's pipeArguments takes the arguments object
    return Pipeable.pipeArguments(this, arguments)
  }
  toString(): string {
    return `<${this.ref.index}.${this.id}.0>`
  }
  toJSON(): unknown {
    return { _id: "Pid", node: this.node, creation: this.creation, id: this.id }
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString()
  }
}
Object.defineProperty(PidImpl.prototype, TypeId, { value: { _M: (_: unknown) => {}, _E: () => undefined as never } })

/**
 * Makes a pid from its parts. Useful for decoding; a pid made this way reaches a local process only
 * if one with these parts exists.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <M = unknown>(node: string, creation: number, id: number): Pid<M, unknown> =>
  new PidImpl(nodeRefOf(node, creation), id)

/**
 * Tells whether a value is a pid.
 *
 * @since 0.1.0
 * @category guards
 */
export const isPid = (u: unknown): u is Pid<never, unknown> => u instanceof PidImpl

/**
 * Compares two pids.
 *
 * @since 0.1.0
 * @category equivalence
 */
export const equals = (self: Pid<never, unknown>, that: Pid<never, unknown>): boolean =>
  (self as PidImpl)[Equal.symbol](that)

/**
 * A Schema for pids. Its JSON encoding is `{ node, creation, id }`.
 *
 * **Details**
 *
 * A decoded pid equals the pid it was encoded from, and sending to it reaches the same process when
 * that process lives on a node of this OS process.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Pid } from "effect-otp"
 *
 * const json = Schema.encodeSync(Pid.schema)(Pid.make("a@host", 1, 42))
 * // => { node: "a@host", creation: 1, id: 42 }
 * ```
 *
 * @since 0.1.0
 * @category encoding
 */
export const schema: Schema.Codec<
  Pid<unknown, unknown>,
  { readonly node: string; readonly creation: number; readonly id: number }
> = Schema.Struct({ node: Schema.String, creation: Schema.Int, id: Schema.Int }).pipe(
  Schema.decodeTo(
    Schema.declare((u): u is Pid<unknown, unknown> => u instanceof PidImpl, { expected: "Pid" }),
    SchemaTransformation.transform({
      decode: (e) => new PidImpl(nodeRefOf(e.node, e.creation), e.id) as Pid<unknown, unknown>,
      encode: (pid) => ({ node: pid.node, creation: pid.creation, id: pid.id })
    })
  )
)
