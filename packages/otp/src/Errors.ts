/**
 * The typed errors of the process core. Each is named after the condition, carries the data a caller
 * needs to act on it, and has a `_tag` for `Effect.catchTag`.
 *
 * | error | returned by | when |
 * |---|---|---|
 * | `NoProc` | `Process.register`, calls to a server | the process does not exist (or has exited); names the pid or the name that was given |
 * | `AlreadyRegistered` | `Registry.register` | the name is taken, or the process already has a name |
 * | `NotRegistered` | `Registry.unregister`, `Process.send` to a name | no process has that name |
 * | `MailboxFull` | `Process.send` to a bounded mailbox with `overflow: "fail"` | the mailbox is at capacity; the message was not delivered |
 * | `Ignored` | a behaviour's `start` / `startLink` | `init` returned `ignore` (OTP's `ignore`): no process runs, nothing failed |
 * | `NodeClosed` | a behaviour's `start` / `startLink` | the node is closed (or closing): nothing was started |
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import * as Pid from "./Pid.ts"

/**
 * The process does not exist: it never did, or it has exited. `pid` is set when it was addressed by
 * pid, `name` when it was addressed by name; the message prints the one that is set.
 *
 * @since 0.1.0
 * @category errors
 */
export class NoProc extends Schema.TaggedError<NoProc>()("NoProc", {
  pid: Schema.optional(Pid.schema),
  name: Schema.optional(Schema.String)
}) {
  override get message(): string {
    // `name` is also every Error's own name ("NoProc"): only a name given to the error counts
    const name = Object.hasOwn(this, "name") ? this.name : undefined
    if (name !== undefined) return `no process named "${name}"`
    return this.pid !== undefined ? `no process ${String(this.pid)}` : "no process"
  }
}

/**
 * A name is taken, or the process already has a name.
 *
 * @since 0.1.0
 * @category errors
 */
export class AlreadyRegistered extends Schema.TaggedError<AlreadyRegistered>()("AlreadyRegistered", {
  name: Schema.String,
  /** The process that holds the name (or the process that already has a name). */
  pid: Pid.schema
}) {
  override get message(): string {
    return `the name "${this.name}" is already registered to ${String(this.pid)}`
  }
}

/**
 * No process has this name.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotRegistered extends Schema.TaggedError<NotRegistered>()("NotRegistered", {
  name: Schema.String
}) {
  override get message(): string {
    return `no process is registered as "${this.name}"`
  }
}

/**
 * A bounded mailbox with the `"fail"` overflow policy is at capacity; the message was not delivered.
 *
 * @since 0.1.0
 * @category errors
 */
export class MailboxFull extends Schema.TaggedError<MailboxFull>()("MailboxFull", {
  pid: Pid.schema,
  capacity: Schema.Int
}) {
  override get message(): string {
    return `the mailbox of ${String(this.pid)} is full (capacity ${this.capacity})`
  }
}

/**
 * A behaviour's `init` returned `ignore` (OTP's `ignore`): the start did not fail, but no process
 * runs. A supervisor that gets it from a child's start records the child as not running (its pid is
 * `None`, OTP's `undefined`) and does not count it as a failed start.
 *
 * @since 0.2.0
 * @category errors
 */
export class Ignored extends Schema.TaggedError<Ignored>()("Ignored", {}) {
  override get message(): string {
    return "init returned ignore: the process was not started"
  }
}

/**
 * Tells {@link Ignored} from any other error (a child start's failure, for example).
 *
 * @since 0.2.0
 * @category guards
 */
export const isIgnored = (u: unknown): u is Ignored => u instanceof Ignored

/**
 * The node is closed (its layer's scope is closing or closed): a start on it fails at once and
 * nothing is spawned. OTP has no equivalent: an Erlang node that has stopped runs no code.
 *
 * @since 0.2.0
 * @category errors
 */
export class NodeClosed extends Schema.TaggedError<NodeClosed>()("NodeClosed", {
  /** The node's name. */
  node: Schema.String
}) {
  override get message(): string {
    return `the node ${this.node} is closed: nothing can start on it`
  }
}
