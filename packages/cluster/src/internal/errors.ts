/**
 * The typed errors of `ClusterServer`, re-exported by `ClusterServer.ts`. They are Schema classes
 * because `EntityCrashed` travels from the runner back to the caller, and all of them may be kept
 * or logged as data.
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

/** The first problem of a Schema issue: the dotted path of its field and what is wrong there. */
export const describeIssue = (issue: SchemaIssue.Issue): { readonly field: string; readonly issue: string } => {
  const first = formatter(issue).issues[0]
  if (first === undefined) return { field: "", issue: "invalid value" }
  const path = (first.path ?? []).map((key) => String(typeof key === "object" ? key.key : key))
  return { field: path.join("."), issue: first.message }
}

const at = (field: string) => (field === "" ? "" : ` at field "${field}"`)

/** The entity's process exited while it handled the request (a crash, or a `stopWith` result). */
export class EntityCrashed extends Schema.TaggedError<EntityCrashed>()("EntityCrashed", {
  /** The entity type (the first argument of `ClusterServer.entity`). */
  entityType: Schema.String,
  /** The entity id the request was addressed to. */
  entityId: Schema.String,
  /** The tag of the request that was running. */
  request: Schema.String,
  /** The process's exit reason, printed (a `Cause` cannot cross the wire). */
  reason: Schema.String
}) {
  override get message(): string {
    return `entity ${this.entityType}/${this.entityId} exited while handling "${this.request}": ${this.reason}`
  }
}

/** A request did not pass its Schema in the caller: nothing was sent. */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", {
  entityType: Schema.String,
  /** The request's tag. */
  request: Schema.String,
  /** The path of the offending field, such as `n` or `items.2.name` (empty: the request itself). */
  field: Schema.String,
  /** What is wrong there, such as `Expected an integer, got 1.5`. */
  issue: Schema.String
}) {
  override get message(): string {
    return `invalid request "${this.request}" to ${this.entityType}${at(this.field)}: ${this.issue}`
  }
}

/**
 * The reply to a call did not pass its request's Schemas where it was encoded (on the entity's
 * runner, to cross to the caller, or in storage for a durable request): the handler answered with a
 * value its `success` Schema refuses, or failed with a declared error its `failure` Schema refuses.
 */
export class Undecodable extends Schema.TaggedError<Undecodable>()("Undecodable", {
  entityType: Schema.String,
  entityId: Schema.String,
  /** The request's tag. */
  request: Schema.String,
  /** What did not encode: the reply (as `Errors.Undecodable`'s `what`). */
  what: Schema.Literal("reply"),
  /** Schema's message for the reply, such as `Expected an integer`, with the path of a nested field. */
  reason: Schema.String
}) {
  override get message(): string {
    return `the reply of ${this.entityType}/${this.entityId} to "${this.request}" did not encode: ${this.reason}`
  }
}

/** The call was not answered within its timeout. The entity may still handle it; its reply is dropped. */
export class CallTimeout extends Schema.TaggedError<CallTimeout>()("CallTimeout", {
  entityType: Schema.String,
  entityId: Schema.String,
  request: Schema.String,
  /** The timeout, in milliseconds. */
  timeout: Schema.Number
}) {
  override get message(): string {
    return `call "${this.request}" to ${this.entityType}/${this.entityId} timed out after ${this.timeout} ms`
  }
}

/** `ClusterServer.entity` was given a definition it cannot serve; raised when the entity is defined. */
export class InvalidEntity extends Schema.TaggedError<InvalidEntity>()("InvalidEntity", {
  entityType: Schema.String,
  /** The option at fault: `type`, `protocol`, `casts`, `persisted`, `snapshot.every`, `snapshot.state`. */
  field: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `invalid entity "${this.entityType}": ${this.field}: ${this.reason}`
  }
}
