/**
 * The typed errors of `WorkerPool`, re-exported by `WorkerPool.ts`. They are Schema classes
 * because some of them are raised in the worker thread and travel back to the caller.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"

const formatField = (path: ReadonlyArray<PropertyKey>): string => {
  let out = ""
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`
    else if (typeof key === "string" && /^[A-Za-z_$][\w$]*$/.test(key)) out += out === "" ? key : `.${key}`
    else out += `[${JSON.stringify(String(key))}]`
  }
  return out
}

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

/** The first problem of a Schema issue: the field it is at and what is wrong there. */
export const describeIssue = (issue: SchemaIssue.Issue): { readonly field: string; readonly issue: string } => {
  const first = formatter(issue).issues[0]
  return first === undefined
    ? { field: "", issue: "invalid value" }
    : { field: formatField((first.path ?? []).map((_) => (typeof _ === "object" ? _.key : _))), issue: first.message }
}

const at = (field: string) => (field === "" ? "" : ` at field "${field}"`)

/**
 * A request did not encode (in the caller) or decode (in the worker) with its Schema. The call was
 * not run; the worker is unaffected.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", {
  /** The request's tag. */
  request: Schema.String,
  /** The path of the offending field, such as `n` or `items[2].name` (empty: the request itself). */
  field: Schema.String,
  /** What is wrong there, such as `Expected an integer, got 1.5`. */
  issue: Schema.String,
  /** Where it was detected: `"main"` (encoding before sending) or `"worker"` (decoding on arrival). */
  side: Schema.Literals(["main", "worker"])
}) {
  override get message(): string {
    return `invalid request "${this.request}"${at(this.field)}: ${this.issue}`
  }
}

/**
 * A reply, or a declared error, did not encode (in the worker) or decode (in the caller) with the
 * Schema its request declares: the handler returned a value of the wrong shape. The worker is
 * unaffected.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidReply extends Schema.TaggedError<InvalidReply>()("InvalidReply", {
  /** The request's tag. */
  request: Schema.String,
  /** `"success"` for the reply, `"failure"` for a declared error. */
  kind: Schema.Literals(["success", "failure"]),
  /** The path of the offending field (empty: the value itself). */
  field: Schema.String,
  /** What is wrong there. */
  issue: Schema.String,
  /** Where it was detected: `"worker"` (encoding) or `"main"` (decoding). */
  side: Schema.Literals(["main", "worker"])
}) {
  override get message(): string {
    const what = this.kind === "success" ? "reply" : "declared error"
    return `invalid ${what} to "${this.request}"${at(this.field)}: ${this.issue}`
  }
}

/**
 * The handler threw or died (an Effect defect) in the worker. Only this call fails; the worker
 * thread keeps serving.
 *
 * @since 0.1.0
 * @category errors
 */
export class HandlerDefect extends Schema.TaggedError<HandlerDefect>()("HandlerDefect", {
  /** The request's tag. */
  request: Schema.String,
  /** The defect's message, or its string form when it was not an `Error`. */
  defect: Schema.String,
  /** The defect's class name (`Error`, `TypeError`, ...), when it was an `Error`. */
  defectName: Schema.optional(Schema.String),
  /** The defect's stack in the worker, when there was one. */
  workerStack: Schema.optional(Schema.String)
}) {
  override get message(): string {
    const name = this.defectName === undefined ? "" : `${this.defectName}: `
    return `the handler of "${this.request}" died: ${name}${this.defect}`
  }
}

/**
 * Why a worker thread ended:
 * - `"uncaughtException"`: an exception nobody caught (the thread's `error` event);
 * - `"outOfMemory"`: the thread hit its heap limit (`ERR_WORKER_OUT_OF_MEMORY`);
 * - `"exit"`: the thread exited by itself (`process.exit(code)`, or its event loop ran dry);
 * - `"terminated"`: the pool terminated it (a call timed out, or it did not start or close in time).
 *
 * @since 0.1.0
 * @category models
 */
export type CrashReason = "uncaughtException" | "outOfMemory" | "exit" | "terminated"

/**
 * The worker thread running the call died before replying: an uncaught exception, `process.exit`,
 * running out of memory, or termination by the pool. A pool replaces the thread; a session does
 * not (its state is gone with the thread).
 *
 * @since 0.1.0
 * @category errors
 */
export class WorkerCrashed extends Schema.TaggedError<WorkerCrashed>()("WorkerCrashed", {
  /** The tag of the call that was running, when the crash failed a call. */
  request: Schema.optional(Schema.String),
  /** The worker's index in its pool (0 for a session). */
  worker: Schema.Int,
  /** The crashed thread's `threadId`. */
  threadId: Schema.Int,
  reason: Schema.Literals(["uncaughtException", "outOfMemory", "exit", "terminated"]),
  /** The thread's exit code. */
  exitCode: Schema.Int,
  /** What happened, in words: the uncaught error, or why the pool terminated the thread. */
  detail: Schema.String
}) {
  override get message(): string {
    const call = this.request === undefined ? "" : ` during "${this.request}"`
    return `worker ${this.worker} (thread ${this.threadId}) crashed${call}: ${this.detail}`
  }
}

/**
 * A call did not finish within its `timeout`. A thread cannot be pre-empted, so the pool
 * terminates the thread that ran it and starts a replacement.
 *
 * @since 0.1.0
 * @category errors
 */
export class WorkerTimeout extends Schema.TaggedError<WorkerTimeout>()("WorkerTimeout", {
  request: Schema.String,
  /** The timeout, in milliseconds. */
  timeout: Schema.Number
}) {
  override get message(): string {
    return `"${this.request}" did not finish within ${Duration.format(Duration.millis(this.timeout))}; its worker thread was terminated`
  }
}

/**
 * A worker thread could not be started: its module threw or exited before serving, or it did not
 * start serving within `startTimeout`.
 *
 * @since 0.1.0
 * @category errors
 */
export class WorkerSpawnFailed extends Schema.TaggedError<WorkerSpawnFailed>()("WorkerSpawnFailed", {
  /** The worker's index in its pool (0 for a session). */
  worker: Schema.Int,
  /** What happened, in words. */
  detail: Schema.String
}) {
  override get message(): string {
    return `worker ${this.worker} could not be started: ${this.detail}`
  }
}

/**
 * The pool (or session) was closed: its scope ended before or during the call.
 *
 * @since 0.1.0
 * @category errors
 */
export class WorkerPoolClosed extends Schema.TaggedError<WorkerPoolClosed>()("WorkerPoolClosed", {}) {
  override get message(): string {
    return "the worker pool is closed"
  }
}

/**
 * Every error a call to a pool or session can fail with, besides the errors its request declares.
 *
 * @since 0.1.0
 * @category errors
 */
export type WorkerError =
  | InvalidRequest
  | InvalidReply
  | HandlerDefect
  | WorkerCrashed
  | WorkerTimeout
  | WorkerSpawnFailed
  | WorkerPoolClosed
