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
 * The behaviours' own errors are declared here too, below the core's, and each behaviour's module
 * re-exports its own (`GenServer.CallTimeout` is `Errors.CallTimeout`, the same class): calls and
 * starts (`CallTimeout`, `ServerExited`, `StartTimeout`, `InitFailed`, `CallingSelf`,
 * `CallDropped`), the supervisors (`MaxRestartIntensity`, `ChildStartFailed`, `InvalidIntensity`,
 * `ChildNotFound`, `ChildRunning`, `AlreadyPresent`, `MaxChildren`, `NotAChild`), Task
 * (`TaskExited`, `TaskTimeout`, `AlreadyAwaited`, `NotOwner`, `InputExited`), Sys and code change
 * (`ReplaceStateFailed`, `CodeChangeFailed`, `InvalidState`, `UpgradeTimeout`, `BehaviourMismatch`,
 * `VersionMismatch`), Release (`UpgradeFailed`, `ValidationFailed`, `ValidationTimeout`,
 * `NotASupervisor`), GenStatem (`BadAction`) and Term (`EncodeError`, `DecodeError`). Each
 * module's doc says when its errors are returned. One home keeps the classes free of the engines:
 * an engine imports its errors from here, and no module imports its own engine back.
 *
 * Errors print as `Tag: message` (`String(error)`, `Cause.pretty`): no error has a field called
 * `name`, which would shadow `Error.prototype.name` (the tag) and print in its place; a registered
 * name is in `registeredName`.
 *
 * @since 0.1.0
 */
import { Cause, Data, Duration, Formatter, Schema } from "effect"
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

// ---------------------------------------------------------------------------------------------
// Calls and starts (GenServer, GenStatem)
// ---------------------------------------------------------------------------------------------

/**
 * The call was not answered within its timeout. The server may still handle it; its reply is dropped.
 *
 * @since 0.1.0
 * @category errors
 */
export class CallTimeout extends Schema.TaggedError<CallTimeout>()("CallTimeout", {
  pid: Pid.schema,
  timeout: Schema.Number
}) {
  override get message(): string {
    return `call to ${String(this.pid)} timed out after ${this.timeout} ms`
  }
}

/**
 * The server exited before it replied.
 *
 * @since 0.1.0
 * @category errors
 */
export class ServerExited extends Schema.TaggedError<ServerExited>()("ServerExited", {
  pid: Pid.schema,
  reason: Schema.Any
}) {
  override get message(): string {
    return `server ${String(this.pid)} exited during the call: ${String(this.reason)}`
  }
}

/**
 * The server's start did not finish within its timeout; the server was killed.
 *
 * @since 0.1.0
 * @category errors
 */
export class StartTimeout extends Schema.TaggedError<StartTimeout>()("StartTimeout", {
  timeout: Schema.Number
}) {
  override get message(): string {
    return `the server did not finish init within ${this.timeout} ms`
  }
}

/**
 * `init` ended without a result: it died (a defect, a thrown exception), it ended the process
 * (`Process.exit`), or the process was stopped or killed during init. `reason` is the process's
 * exit reason; the process has exited when the start fails with this.
 *
 * @since 0.1.0
 * @category errors
 */
export class InitFailed extends Schema.TaggedError<InitFailed>()("InitFailed", {
  reason: Schema.Any
}) {
  override get message(): string {
    return `init failed: ${String(this.reason)}`
  }
}

/**
 * A process called itself, by its pid or by a name it holds (a `call`, `stop` or `getState`
 * from inside the server, or from a plain process through a reference to itself). It fails at once:
 * the process would wait for a reply that only it could give. OTP exits the caller with
 * `calling_self` for a call and a `sys` request, and deadlocks on a stop.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { GenServer, Process } from "effect-otp"
 * import { Get } from "./counter.ts"
 *
 * // inside a process: a reference to itself cannot be called
 * const selfCall = Effect.gen(function*() {
 *   const self = GenServer.fromPid<Get>(yield* Process.self())
 *   return yield* GenServer.call(self, new Get()).pipe(
 *     Effect.catchTag("CallingSelf", (error) => Effect.succeed(error.message))
 *   )
 * })
 * ```
 *
 * @since 0.2.0
 * @category errors
 */
export class CallingSelf extends Schema.TaggedError<CallingSelf>()("CallingSelf", {
  pid: Pid.schema,
  /** The name the server was called by, when it was. */
  registeredName: Schema.optional(Schema.String),
  operation: Schema.Literals([
    "call",
    "stop",
    "getState",
    "changeCode",
    "replaceState",
    "getStatus",
    "suspend",
    "resume",
    "statistics",
    "trace",
    "log",
    "getLog",
    "setLogLevel"
  ])
}) {
  override get message(): string {
    const target =
      this.registeredName === undefined ? String(this.pid) : `"${this.registeredName}" (${String(this.pid)})`
    return `${this.operation} of ${target} from the process itself: it cannot wait for its own reply`
  }
}

/**
 * A bounded mailbox's drop policy dropped the call's request: `"dropNewest"` refused it when the
 * call was made, or `"dropOldest"` dropped it later, before the server took it, to make room for a
 * newer message. The call fails at that moment, not at the end of its timeout; the server never
 * handles the request.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { GenServer, Mailbox } from "effect-otp"
 * import { Counter, Get } from "./counter.ts"
 *
 * // a server that sheds load: a call it cannot queue fails at once
 * const shedding = Effect.gen(function*() {
 *   const counter = yield* GenServer.start(Counter, 0, { mailbox: Mailbox.bounded(100, "dropNewest") })
 *   return yield* GenServer.call(counter, new Get()).pipe(
 *     Effect.catchTag("CallDropped", () => Effect.succeed(-1)) // busy: try later
 *   )
 * })
 * ```
 *
 * @since 0.2.0
 * @category errors
 */
export class CallDropped extends Schema.TaggedError<CallDropped>()("CallDropped", {
  pid: Pid.schema,
  capacity: Schema.Int,
  overflow: Schema.Literals(["dropNewest", "dropOldest"])
}) {
  override get message(): string {
    return `the call to ${String(this.pid)} was dropped: its mailbox is full (capacity ${this.capacity}, overflow "${this.overflow}")`
  }
}

// ---------------------------------------------------------------------------------------------
// Supervisors
// ---------------------------------------------------------------------------------------------

/**
 * The term of the `Shutdown` a supervisor exits with when it gives up.
 *
 * @since 0.1.0
 * @category errors
 */
export class MaxRestartIntensity extends Schema.TaggedError<MaxRestartIntensity>()("MaxRestartIntensity", {
  /** The child whose restart was refused. */
  id: Schema.String,
  /** The reason that child exited with. */
  reason: Schema.Any
}) {
  override get message(): string {
    return `reached max restart intensity restarting "${this.id}" after: ${String(this.reason)}`
  }
}

/**
 * A child failed to start.
 *
 * @since 0.1.0
 * @category errors
 */
export class ChildStartFailed extends Schema.TaggedError<ChildStartFailed>()("ChildStartFailed", {
  id: Schema.String,
  error: Schema.Any
}) {
  override get message(): string {
    return `child "${this.id}" failed to start: ${String(this.error)}`
  }
}

/**
 * An intensity's `maxRestarts` or `within` is not valid: `field` names it, `value` is what was given.
 * A supervisor started with it fails to start with this error, before any child starts.
 *
 * @since 0.2.0
 * @category errors
 */
export class InvalidIntensity extends Schema.TaggedError<InvalidIntensity>()("InvalidIntensity", {
  field: Schema.Literals(["maxRestarts", "within"]),
  value: Schema.Any,
  reason: Schema.String
}) {
  override get message(): string {
    return `invalid restart intensity: ${this.field}: ${this.reason}, got ${String(this.value)}`
  }
}

/**
 * No child has this id.
 *
 * @since 0.1.0
 * @category errors
 */
export class ChildNotFound extends Schema.TaggedError<ChildNotFound>()("ChildNotFound", {
  id: Schema.String
}) {
  override get message(): string {
    return `no child "${this.id}"`
  }
}

/**
 * The child is running (`restartChild`, `deleteChild` need a stopped child).
 *
 * @since 0.1.0
 * @category errors
 */
export class ChildRunning extends Schema.TaggedError<ChildRunning>()("ChildRunning", {
  id: Schema.String
}) {
  override get message(): string {
    return `child "${this.id}" is running`
  }
}

/**
 * A child with this id exists already (`startChild`).
 *
 * @since 0.1.0
 * @category errors
 */
export class AlreadyPresent extends Schema.TaggedError<AlreadyPresent>()("AlreadyPresent", {
  id: Schema.String
}) {
  override get message(): string {
    return `a child "${this.id}" exists already`
  }
}

// ---------------------------------------------------------------------------------------------
// DynamicSupervisor
// ---------------------------------------------------------------------------------------------

/**
 * `maxChildren` children are running.
 *
 * @since 0.1.0
 * @category errors
 */
export class MaxChildren extends Schema.TaggedError<MaxChildren>()("MaxChildren", {
  maxChildren: Schema.Number
}) {
  override get message(): string {
    return `the supervisor already runs its maximum of ${this.maxChildren} children`
  }
}

/**
 * No running child has this pid.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotAChild extends Schema.TaggedError<NotAChild>()("NotAChild", {
  pid: Pid.schema
}) {
  override get message(): string {
    return `${String(this.pid)} is not a child of this supervisor`
  }
}

// ---------------------------------------------------------------------------------------------
// Task
// ---------------------------------------------------------------------------------------------

/**
 * The task exited without a result, and not because its effect failed with a typed error: it died
 * (a defect), was killed or shut down, or exited `Normal` without replying. `reason` says how.
 *
 * @since 0.1.0
 * @category errors
 */
export class TaskExited extends Schema.TaggedError<TaskExited>()("TaskExited", {
  pid: Pid.schema,
  reason: Schema.Any
}) {
  override get message(): string {
    return `task ${String(this.pid)} exited: ${String(this.reason)}`
  }
}

/**
 * No result arrived within the timeout; `timeout` is in milliseconds.
 *
 * @since 0.1.0
 * @category errors
 */
export class TaskTimeout extends Schema.TaggedError<TaskTimeout>()("TaskTimeout", {
  pid: Pid.schema,
  timeout: Schema.Number
}) {
  override get message(): string {
    return `task ${String(this.pid)} did not reply within ${this.timeout} ms`
  }
}

/**
 * The task's result was already taken: by an earlier {@link await}, a {@link yield} that returned
 * it, {@link ignore} or {@link shutdown}. {@link await} and {@link awaitMany} fail with it at once
 * (Elixir waits for the timeout: no reply or `Down` can come any more).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Task } from "effect-otp"
 *
 * const twice = Effect.gen(function*() {
 *   const task = yield* Task.async(Effect.succeed(1))
 *   yield* Task.await(task) // 1
 *   return yield* Task.await(task).pipe(Effect.catchTag("AlreadyAwaited", () => Effect.succeed(0))) // 0, at once
 * })
 * ```
 *
 * @since 0.2.0
 * @category errors
 */
export class AlreadyAwaited extends Schema.TaggedError<AlreadyAwaited>()("AlreadyAwaited", {
  pid: Pid.schema
}) {
  override get message(): string {
    return `task ${String(this.pid)} was already awaited: an earlier await, yield, ignore or shutdown took its result`
  }
}

/**
 * A task was queried from a process other than its owner (Elixir raises `ArgumentError`).
 *
 * @since 0.1.0
 * @category errors
 */
export class NotOwner extends Schema.TaggedError<NotOwner>()("NotOwner", {
  pid: Pid.schema,
  owner: Pid.schema,
  caller: Pid.schema
}) {
  override get message(): string {
    return `task ${String(this.pid)} must be queried from its owner ${String(this.owner)}, not from ${String(this.caller)}`
  }
}

/**
 * The failure of an {@link asyncStream} task with the input element it was processing, emitted
 * instead of the bare failure when `zipInputOnExit` is on (Elixir's `{:exit, {input, reason}}`).
 *
 * @since 0.1.0
 * @category errors
 */
export class InputExited<X, Err> extends Data.TaggedError("InputExited")<{
  readonly input: X
  readonly error: Err
}> {
  override get message(): string {
    return `the task for input ${String(this.input)} failed: ${String(this.error)}`
  }
}

// ---------------------------------------------------------------------------------------------
// Sys
// ---------------------------------------------------------------------------------------------

/**
 * The function given to {@link replaceState} threw: `error` is what it threw. The server keeps its
 * state and carries on (OTP's `sys:replace_state` with a crashing function).
 *
 * @since 0.2.0
 * @category errors
 */
export class ReplaceStateFailed extends Schema.TaggedError<ReplaceStateFailed>()("ReplaceStateFailed", {
  pid: Pid.schema,
  /** What the function threw. */
  error: Schema.Any
}) {
  override get message(): string {
    return `replaceState of ${String(this.pid)}: the function threw ${String(this.error)}; the state is unchanged`
  }
}

// ---------------------------------------------------------------------------------------------
// Code change (Sys.changeCode, GenStatem.changeCode)
// ---------------------------------------------------------------------------------------------

/**
 * The new behaviour's `codeChange` failed or died (`cause` is its `Cause`): the server runs its
 * old behaviour and state.
 *
 * @since 0.2.0
 * @category errors
 */
export class CodeChangeFailed extends Schema.TaggedError<CodeChangeFailed>()("CodeChangeFailed", {
  pid: Pid.schema,
  /** The declared name of the new behaviour, if it has one. */
  behaviour: Schema.optional(Schema.String),
  oldVersion: Schema.String,
  newVersion: Schema.String,
  cause: Schema.Any
}) {
  override get message(): string {
    return `codeChange of ${String(this.pid)} from version ${this.oldVersion} to ${this.newVersion} failed: ${
      Cause.isCause(this.cause) ? Cause.pretty(this.cause) : String(this.cause)
    }; the old version runs on`
  }
}

/**
 * The migrated state does not satisfy the new behaviour's declared state Schema (a GenServer's
 * `state`, a GenStatem's `data`); `issue` says why. The server runs its old behaviour and state.
 *
 * @since 0.2.0
 * @category errors
 */
export class InvalidState extends Schema.TaggedError<InvalidState>()("InvalidState", {
  pid: Pid.schema,
  behaviour: Schema.optional(Schema.String),
  newVersion: Schema.String,
  /** What the Schema found wrong. */
  issue: Schema.String
}) {
  override get message(): string {
    return `the state ${String(this.pid)} migrated to version ${this.newVersion} is invalid: ${this.issue}; the old version runs on`
  }
}

/**
 * The code change did not finish within its timeout (the server did not get to it, or its
 * `codeChange` outlasted it and was interrupted): the server runs its old behaviour and state.
 *
 * @since 0.2.0
 * @category errors
 */
export class UpgradeTimeout extends Schema.TaggedError<UpgradeTimeout>()("UpgradeTimeout", {
  pid: Pid.schema,
  /** The timeout, in milliseconds. */
  timeout: Schema.Number
}) {
  override get message(): string {
    return `the code change of ${String(this.pid)} did not finish within ${this.timeout} ms; the old version runs on`
  }
}

/**
 * A GenStatem's behaviour was given for a GenServer, or the other way round: nothing changed.
 *
 * @since 0.2.0
 * @category errors
 */
export class BehaviourMismatch extends Schema.TaggedError<BehaviourMismatch>()("BehaviourMismatch", {
  pid: Pid.schema,
  /** What the process runs: `"GenServer"`, `"GenStatem"`, `"Supervisor"`, `"DynamicSupervisor"`. */
  running: Schema.String,
  given: Schema.Literals(["GenServer", "GenStatem"])
}) {
  override get message(): string {
    return `${String(this.pid)} runs a ${this.running}: a ${this.given} behaviour cannot replace it`
  }
}

/**
 * `fromVersion` was given and the server runs another version: nothing changed.
 *
 * @since 0.2.0
 * @category errors
 */
export class VersionMismatch extends Schema.TaggedError<VersionMismatch>()("VersionMismatch", {
  pid: Pid.schema,
  expected: Schema.String,
  running: Schema.String
}) {
  override get message(): string {
    return `${String(this.pid)} runs version ${this.running}, not ${this.expected}: nothing changed`
  }
}

// ---------------------------------------------------------------------------------------------
// Release
// ---------------------------------------------------------------------------------------------

/**
 * A step of an upgrade failed, and every change made was rolled back: `id` names the child (or the
 * server found on the node), `supervisor` its supervisor, `pid` its process, `reason` the step's
 * error.
 *
 * @since 0.2.0
 * @category errors
 */
export class UpgradeFailed extends Schema.TaggedError<UpgradeFailed>()("UpgradeFailed", {
  release: Schema.String,
  supervisor: Schema.optional(Pid.schema),
  id: Schema.String,
  pid: Schema.optional(Pid.schema),
  reason: Schema.Any
}) {
  override get message(): string {
    const where = this.supervisor === undefined ? `"${this.id}"` : `child "${this.id}" of ${String(this.supervisor)}`
    const why = typeof this.reason?.message === "string" ? this.reason.message : String(this.reason)
    return `release ${this.release}: ${where} failed: ${why}; every change was rolled back`
  }
}

/**
 * The upgrade's `validate` failed (`cause` is its `Cause`); every change was rolled back.
 *
 * @since 0.2.0
 * @category errors
 */
export class ValidationFailed extends Schema.TaggedError<ValidationFailed>()("ValidationFailed", {
  release: Schema.String,
  cause: Schema.Any
}) {
  override get message(): string {
    return `release ${this.release}: validation failed: ${Cause.isCause(this.cause) ? Cause.pretty(this.cause) : String(this.cause)}; every change was rolled back`
  }
}

/**
 * The upgrade's `validate` did not finish within the upgrade's timeout (it was interrupted); every
 * change was rolled back.
 *
 * @since 0.2.0
 * @category errors
 */
export class ValidationTimeout extends Schema.TaggedError<ValidationTimeout>()("ValidationTimeout", {
  release: Schema.String,
  /** The upgrade's timeout, in milliseconds. */
  timeout: Schema.Number
}) {
  override get message(): string {
    return `release ${this.release}: validation did not finish within the upgrade's ${this.timeout} ms; every change was rolled back`
  }
}

/**
 * The target of {@link upgradeTree} is neither a `Supervisor` nor a `DynamicSupervisor`.
 *
 * @since 0.2.0
 * @category errors
 */
export class NotASupervisor extends Schema.TaggedError<NotASupervisor>()("NotASupervisor", {
  pid: Pid.schema
}) {
  override get message(): string {
    return `${String(this.pid)} is neither a Supervisor nor a DynamicSupervisor: upgradeTree walks a supervision tree`
  }
}

// ---------------------------------------------------------------------------------------------
// GenStatem
// ---------------------------------------------------------------------------------------------

/**
 * A state callback returned an action that is not valid: a timeout whose time is negative, NaN or
 * not a duration, an unknown timeout type, a value that is not an action, or a postpone or an
 * inserted event from a state enter call. The machine crashes with it (OTP's
 * `bad_action_from_state_function` and `bad_state_enter_action_from_state_function`): it exits
 * with `Failure`, whose cause is a defect holding this error. The actions before it in the list
 * have been carried out (a reply before it was sent), as OTP.
 *
 * @since 0.2.0
 * @category errors
 */
export class BadAction extends Schema.TaggedError<BadAction>()("BadAction", {
  /** The action as returned. */
  action: Schema.Any,
  /** Whether it came from a state enter call. */
  stateEnter: Schema.Boolean,
  /** What is wrong with it. */
  reason: Schema.String
}) {
  override get message(): string {
    const from = this.stateEnter ? "a state enter call" : "a state callback"
    return `bad action from ${from}: ${this.reason}, got ${Formatter.format(this.action)}`
  }
}

// ---------------------------------------------------------------------------------------------
// Erlang's term format (Term)
// ---------------------------------------------------------------------------------------------

/**
 * A value that has no term; `path` says where in the value.
 *
 * @since 0.2.0
 * @category errors
 */
export class EncodeError extends Schema.TaggedError<EncodeError>()("EncodeError", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `cannot encode ${this.path === "" ? "the value" : this.path} as an Erlang term: ${this.reason}`
  }
}

/**
 * Bytes that are not one well-formed term; `offset` says where decoding stopped.
 *
 * @since 0.2.0
 * @category errors
 */
export class DecodeError extends Schema.TaggedError<DecodeError>()("DecodeError", {
  offset: Schema.Number,
  reason: Schema.String
}) {
  override get message(): string {
    return `not a well-formed Erlang term (at byte ${this.offset}): ${this.reason}`
  }
}

// ---------------------------------------------------------------------------------------------
// Distribution (Process.spawnOn, calls across nodes)
// ---------------------------------------------------------------------------------------------

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
