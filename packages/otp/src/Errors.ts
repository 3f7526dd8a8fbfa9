/**
 * The typed errors of the process core. Each is named after the condition, carries the data a caller
 * needs to act on it, and has a `_tag` for `Effect.catchTag`.
 *
 * | error | returned by | when |
 * |---|---|---|
 * | `NoProc` | `Registry.register`, calls to a server | the process does not exist (or has exited) |
 * | `AlreadyRegistered` | `Registry.register` | the name is taken, or the process already has a name |
 * | `NotRegistered` | `Registry.unregister`, `Process.send` to a name | no process has that name |
 * | `MailboxFull` | `Process.send` to a bounded mailbox with `overflow: "fail"` | the mailbox is at capacity; the message was not delivered |
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import * as Pid from "./Pid.ts"

/**
 * The process does not exist: it never did, or it has exited.
 *
 * @since 0.1.0
 * @category errors
 */
export class NoProc extends Schema.TaggedError<NoProc>()("NoProc", {
  pid: Schema.optional(Pid.schema),
  name: Schema.optional(Schema.String)
}) {
  override get message(): string {
    return `no process ${this.name !== undefined ? `named "${this.name}"` : String(this.pid)}`
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
