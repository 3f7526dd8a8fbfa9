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
 * | `BadArgument` | any function given an invalid option or argument (a negative timeout, an unknown strategy, ...) | OTP's `badarg`: the value is rejected where it enters, before anything starts |
 * | `NoConnection` | `Process.spawnOn` | the node cannot be reached, or the connection was lost before it answered |
 * | `SpawnFailed` | `Process.spawnOn` | the node refused the spawn: no such handler, arguments its Schema rejects, ... (`reason`) |
 * | `SpawnTimeout` | `Process.spawnOn` | the node did not answer within the timeout |
 * | `Undecodable` | `GenServer.call` across nodes | a typed request or reply that crossed did not decode with its Schema |
 *
 * Errors print as `Tag: message` (`String(error)`, `Cause.pretty`): no error has a field called
 * `name`, which would shadow `Error.prototype.name` (the tag) and print in its place; a registered
 * name is in `registeredName`.
 *
 * @since 0.1.0
 */
import { Duration, Formatter, Schema } from "effect"
import * as Pid from "./Pid.ts"

/**
 * The process does not exist: it never did, or it has exited. `pid` is set when it was addressed by
 * pid, `name` when it was addressed by name; the message prints the one that is set.
 *
 * Not `ExitReason.NoProc`: both are OTP's `noproc`, this one as the typed error of an operation
 * (in the `E` channel, with the pid or name), that one as the reason a link or monitor reports for
 * a process that did not exist (in `Exit` and `Down` messages). They never share a channel.
 *
 * @since 0.1.0
 * @category errors
 */
export class NoProc extends Schema.TaggedError<NoProc>()("NoProc", {
  pid: Schema.optional(Pid.schema),
  /** The name the process was looked up by, when it was. */
  registeredName: Schema.optional(Schema.String)
}) {
  override get message(): string {
    if (this.registeredName !== undefined) return `no process named "${this.registeredName}"`
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
  registeredName: Schema.String,
  /** The process that holds the name (or the process that already has a name). */
  pid: Pid.schema
}) {
  override get message(): string {
    return `the name "${this.registeredName}" is already registered to ${String(this.pid)}`
  }
}

/**
 * No process has this name.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotRegistered extends Schema.TaggedError<NotRegistered>()("NotRegistered", {
  registeredName: Schema.String
}) {
  override get message(): string {
    return `no process is registered as "${this.registeredName}"`
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
 * A system request (`Sys.getState`, `Sys.suspend`, `GenServer.getState`, ...) went to a live
 * process that has no system handler: a plain `Process.spawn` process, not a GenServer, a
 * GenStatem or a process that called `Process.setSystemHandler`. OTP's request would wait for
 * its timeout; here it fails at once.
 *
 * @since 0.2.0
 * @category errors
 */
export class NoSystemHandler extends Schema.TaggedError<NoSystemHandler>()("NoSystemHandler", {
  pid: Pid.schema
}) {
  override get message(): string {
    return `the process ${String(this.pid)} has no system handler: it serves no system request`
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

/**
 * An invalid option or argument (OTP's `badarg`): `function` is the function it was passed to,
 * `field` the option or argument (a path such as `"mailbox.capacity"` for a nested one), `value`
 * what was passed, `reason` what a valid value is.
 *
 * **Details**: values are checked once, where they enter (start options, a call's timeout, a
 * supervisor's flags), before anything starts: a start that fails with it has left no process
 * behind. A child spec is the exception: it fails with `ChildSpec.InvalidChildSpec`, which names the child.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Errors, GenServer } from "effect-otp"
 *
 * const get = (server: GenServer.Server<never>) =>
 *   GenServer.getState(server, { timeout: -1 }).pipe(
 *     Effect.catchTag("BadArgument", (e) => Effect.die(e)) // "BadArgument: getState: timeout must be ..."
 *   )
 * ```
 *
 * @since 0.2.0
 * @category errors
 */
export class BadArgument extends Schema.TaggedError<BadArgument>()("BadArgument", {
  /** The function the value was passed to, e.g. `"GenServer.call"`. */
  function: Schema.String,
  /** The option or argument, e.g. `"timeout"`, `"mailbox.capacity"`. */
  field: Schema.String,
  /** The value that was passed. */
  value: Schema.Any,
  /** What a valid value is. */
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.function}: ${this.field} ${this.reason}, got ${Formatter.format(this.value)}`
  }
}

/**
 * The milliseconds of a timeout option: `Infinity` for `"infinity"` (or an infinite duration),
 * `undefined` when the value is not a non-negative duration (negative, NaN, not a duration).
 *
 * @since 0.2.0
 * @category validation
 */
export const timeoutMillis = (input: unknown): number | undefined => {
  if (typeof input === "number") return input >= 0 ? input : undefined
  if (input === "infinity") return Number.POSITIVE_INFINITY
  let duration: Duration.Duration
  try {
    duration = Duration.fromInputUnsafe(input as Duration.Input)
  } catch {
    return undefined
  }
  const millis = Duration.toMillis(duration)
  return millis >= 0 ? millis : undefined
}

/**
 * The rule every effect-otp function applies to a timeout option: `undefined` (the default),
 * `"infinity"` or a non-negative duration pass; anything else is the {@link BadArgument} naming the
 * function and the field. For packages built on effect-otp, so that their timeouts fail the same way.
 *
 * @example
 * ```ts
 * import { Errors } from "effect-otp"
 *
 * Errors.checkTimeout("MyPool.run", "timeout", "-1 seconds") // BadArgument
 * Errors.checkTimeout("MyPool.run", "timeout", "5 seconds") // undefined
 * ```
 *
 * @since 0.2.0
 * @category validation
 */
export const checkTimeout = (fn: string, field: string, input: unknown): BadArgument | undefined =>
  input === undefined || timeoutMillis(input) !== undefined
    ? undefined
    : new BadArgument({ function: fn, field, value: input, reason: 'must be a non-negative duration or "infinity"' })

/**
 * Tells {@link BadArgument} from any other error.
 *
 * @since 0.2.0
 * @category guards
 */
export const isBadArgument = (u: unknown): u is BadArgument => u instanceof BadArgument

/**
 * The node `node` cannot be reached: no connection could be made to it, or the connection was lost
 * before it answered. Not `ExitReason.NoConnection`: both are OTP's `noconnection`, this one as the
 * typed error of an operation, that one as the reason of links and monitors across a lost
 * connection.
 *
 * @since 0.2.0
 * @category errors
 */
export class NoConnection extends Schema.TaggedError<NoConnection>()("NoConnection", {
  node: Schema.String
}) {
  override get message(): string {
    return `no connection to ${this.node}`
  }
}

/**
 * A remote spawn that the node `node` refused, with the reason it gave (the atom of its
 * `SPAWN_REPLY`): `"undef"` (no spawn handler `name` there), `"badarg"` (the arguments do not decode
 * with the handler's Schema, or have no Erlang term), `"badopt"`, `"system_limit"`, `"notsup"`;
 * `"notalive"` when this node is not distributed.
 *
 * @since 0.2.0
 * @category errors
 */
export class SpawnFailed extends Schema.TaggedError<SpawnFailed>()("SpawnFailed", {
  node: Schema.String,
  /** The spawn handler's name (`"module:function"` for an Erlang function). */
  handler: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    const why =
      this.reason === "undef"
        ? "it has no such spawn handler"
        : this.reason === "badarg"
          ? "the arguments do not decode with the handler's Schema"
          : this.reason === "notalive"
            ? "this node is not distributed"
            : this.reason
    return `spawning ${this.handler} on ${this.node} failed: ${why}`
  }
}

/**
 * The node `node` did not answer a remote spawn within `timeout` milliseconds. The request is
 * abandoned: a process that starts after all is unlinked (sent an exit `abandoned` when it was to be
 * linked) and unmonitored, as OTP's `spawn_request_abandon`.
 *
 * @since 0.2.0
 * @category errors
 */
export class SpawnTimeout extends Schema.TaggedError<SpawnTimeout>()("SpawnTimeout", {
  node: Schema.String,
  handler: Schema.String,
  timeout: Schema.Number
}) {
  override get message(): string {
    return `spawning ${this.handler} on ${this.node}: no answer within ${this.timeout} ms`
  }
}

/**
 * A typed request (`Request.Class`) or its reply crossed between two nodes and did not decode with
 * its Schema there: `what` says which, `reason` is Schema's message. It was logged and counted
 * (`Node.undecodable`); no handler saw it.
 *
 * @since 0.2.0
 * @category errors
 */
export class Undecodable extends Schema.TaggedError<Undecodable>()("Undecodable", {
  node: Schema.String,
  what: Schema.Literals(["request", "reply"]),
  reason: Schema.String
}) {
  override get message(): string {
    return `a ${this.what} from ${this.node} did not decode: ${this.reason}`
  }
}
