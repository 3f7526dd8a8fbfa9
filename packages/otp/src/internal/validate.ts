/**
 * Validation of what a user passes in, done once where the value enters (start options, a call's
 * timeout, a supervisor's flags). Each check returns `undefined` for a valid value, or the
 * `BadArgument` naming the function, the field and the value, so the caller fails with it before
 * anything starts.
 *
 * @internal
 */
import { Effect, LogLevel, Schedule } from "effect"
import * as Errors from "../Errors.ts"
import { BadArgument } from "../Errors.ts"
import type * as Mailbox from "../Mailbox.ts"
import * as Name from "./name.ts"

/**
 * The milliseconds of a timeout: `Infinity` for `"infinity"` (or an infinite duration),
 * `undefined` when the value is not a non-negative duration (negative, NaN, not a duration).
 */
export const timeoutMillis: (input: unknown) => number | undefined = Errors.timeoutMillis

/** The error for a timeout that {@link timeoutMillis} refuses. */
export const badTimeout = (fn: string, field: string, value: unknown): BadArgument =>
  new BadArgument({ function: fn, field, value, reason: 'must be a non-negative duration or "infinity"' })

/** A timeout option: `undefined` (the default), `"infinity"`, or a non-negative duration. */
export const checkTimeout: (fn: string, field: string, input: unknown) => BadArgument | undefined = Errors.checkTimeout

/** The options of a call, `stop` or `getState`: only `timeout`. */
export const checkCallOptions = (
  fn: string,
  options: { readonly timeout?: unknown } | undefined
): BadArgument | undefined => (options === undefined ? undefined : checkTimeout(fn, "timeout", options.timeout))

const overflows: ReadonlyArray<unknown> = ["suspend", "dropNewest", "dropOldest", "fail"]

/** Mailbox options: a positive integer capacity (or `Infinity`) and a known overflow policy. */
export const checkMailbox = (fn: string, field: string, mailbox: unknown): BadArgument | undefined => {
  if (mailbox === undefined) return undefined
  if (typeof mailbox !== "object" || mailbox === null) {
    return new BadArgument({ function: fn, field, value: mailbox, reason: "must be mailbox options" })
  }
  const { capacity, overflow } = mailbox as Mailbox.Options
  if (
    capacity !== undefined &&
    !(typeof capacity === "number" && capacity >= 1 && (Number.isInteger(capacity) || capacity === Infinity))
  ) {
    return new BadArgument({
      function: fn,
      field: `${field}.capacity`,
      value: capacity,
      reason: "must be a positive integer or Infinity"
    })
  }
  if (overflow !== undefined && !overflows.includes(overflow)) {
    return new BadArgument({
      function: fn,
      field: `${field}.overflow`,
      value: overflow,
      reason: `must be one of ${overflows.map((o) => `"${o}"`).join(", ")}`
    })
  }
  return undefined
}

/** A process name: a non-empty string or a `via` name. */
export const checkName = (fn: string, field: string, name: unknown): BadArgument | undefined =>
  name === undefined || (typeof name === "string" && name.length > 0) || Name.isVia(name)
    ? undefined
    : new BadArgument({
        function: fn,
        field,
        value: name,
        reason: "must be a non-empty string or a via name (Registry.via)"
      })

/** A reduction budget (`MaxOpsBeforeYield` for one process): a positive integer. */
export const checkReductions = (fn: string, field: string, value: unknown): BadArgument | undefined =>
  value === undefined || (typeof value === "number" && Number.isInteger(value) && value >= 1)
    ? undefined
    : new BadArgument({ function: fn, field, value, reason: "must be a positive integer" })

/** A boolean flag. */
export const checkBoolean = (fn: string, field: string, value: unknown): BadArgument | undefined =>
  value === undefined || typeof value === "boolean"
    ? undefined
    : new BadArgument({ function: fn, field, value, reason: "must be a boolean" })

/** One of a few strings. */
export const checkOneOf = (
  fn: string,
  field: string,
  value: unknown,
  allowed: ReadonlyArray<string>
): BadArgument | undefined =>
  value === undefined || allowed.includes(value as string)
    ? undefined
    : new BadArgument({
        function: fn,
        field,
        value,
        reason: `must be one of ${allowed.map((a) => `"${a}"`).join(", ")}`
      })

/**
 * The start options of a server (GenServer, GenStatem): `name`, `timeout`, `mailbox`, `trapExit`,
 * `logLevel`, `callLatency`.
 */
export const checkStartOptions = (
  fn: string,
  options:
    | {
        readonly name?: unknown
        readonly timeout?: unknown
        readonly mailbox?: unknown
        readonly trapExit?: unknown
        readonly logLevel?: unknown
        readonly callLatency?: unknown
      }
    | undefined
): BadArgument | undefined =>
  options === undefined
    ? undefined
    : (checkName(fn, "name", options.name) ??
      checkTimeout(fn, "timeout", options.timeout) ??
      checkMailbox(fn, "mailbox", options.mailbox) ??
      checkBoolean(fn, "trapExit", options.trapExit) ??
      checkLogLevel(fn, "logLevel", options.logLevel) ??
      checkBoolean(fn, "callLatency", options.callLatency))

/** A minimum log level: one of Effect's `LogLevel`s (`undefined`: the spawner's). */
export const checkLogLevel = (fn: string, field: string, value: unknown): BadArgument | undefined =>
  checkOneOf(fn, field, value, LogLevel.values)

/** `effect()`, or a failure with `bad` when a check found an invalid value. */
export const guard = <A, E, R>(
  bad: BadArgument | undefined,
  effect: () => Effect.Effect<A, E, R>
): Effect.Effect<A, E | BadArgument, R> => (bad === undefined ? effect() : Effect.fail(bad))

/** A restart intensity: a `Schedule`. */
export const checkSchedule = (fn: string, field: string, value: unknown): BadArgument | undefined =>
  value === undefined || Schedule.isSchedule(value)
    ? undefined
    : new BadArgument({ function: fn, field, value, reason: "must be a Schedule (see Supervisor.intensity)" })

/** An options argument: an object (or nothing, when `optional`). */
export const checkObject = (fn: string, field: string, value: unknown, optional: boolean): BadArgument | undefined =>
  (optional && value === undefined) || (typeof value === "object" && value !== null)
    ? undefined
    : new BadArgument({ function: fn, field, value, reason: "must be an options object" })

/** A count: a non-negative integer or `Infinity`. */
export const checkCount = (fn: string, field: string, value: unknown): BadArgument | undefined =>
  value === undefined ||
  (typeof value === "number" && value >= 0 && (Number.isInteger(value) || value === Number.POSITIVE_INFINITY))
    ? undefined
    : new BadArgument({ function: fn, field, value, reason: "must be a non-negative integer or Infinity" })
