/**
 * Child specifications: how a supervisor starts, restarts and stops a child.
 *
 * A child spec names the child (`id`), says how to start it (`start`: an effect, run inside the
 * supervisor process, that starts a process linked to it and returns its pid or server reference),
 * when to restart it (`restart`), how to stop it (`shutdown`), and whether it is a worker or a
 * supervisor (`type`). Specs are validated once, when they reach a supervisor, into a normalised
 * record; a bad spec fails with `InvalidChildSpec` naming the field.
 *
 * | field | values | default |
 * |---|---|---|
 * | `restart` | `"permanent"` (always restarted), `"transient"` (restarted after an abnormal exit, i.e. not `Normal`/`Shutdown`), `"temporary"` (never; removed when it exits) | `"permanent"` |
 * | `shutdown` | a duration (exit signal `Shutdown`, then `kill` after it), `"brutalKill"` (`kill` at once), `"infinity"` (wait as long as it takes) | 5 seconds for a worker, `"infinity"` for a supervisor, as OTP |
 * | `type` | `"worker"`, `"supervisor"` | `"worker"` |
 * | `significant` | with a supervisor's `autoShutdown`, its exit may stop the supervisor; not with `"permanent"` | `false` |
 *
 * @since 0.1.0
 */
import { Duration, type Effect, Schema } from "effect"
import type * as Pid from "./Pid.ts"

/**
 * @since 0.1.0
 * @category models
 */
export type Restart = "permanent" | "transient" | "temporary"

/**
 * @since 0.1.0
 * @category models
 */
export type Shutdown = Duration.Input | "brutalKill" | "infinity"

/**
 * @since 0.1.0
 * @category models
 */
export type ChildType = "worker" | "supervisor"

/**
 * What a child's start returns: its pid, or anything that knows its pid (a GenServer reference).
 *
 * @since 0.1.0
 * @category models
 */
export type Started = Pid.Pid<never, unknown> | { readonly whereis: () => { readonly _tag: string } }

/**
 * A child specification.
 *
 * @since 0.1.0
 * @category models
 */
export interface ChildSpec<E = unknown, R = never> {
  readonly id: string
  /** Starts the child, linked to the supervisor (it runs inside the supervisor process). */
  readonly start: Effect.Effect<Started, E, R>
  readonly restart?: Restart | undefined
  readonly shutdown?: Shutdown | undefined
  readonly type?: ChildType | undefined
  readonly significant?: boolean | undefined
}

/**
 * Any child spec.
 *
 * @since 0.1.0
 * @category models
 */
export type Any = ChildSpec<any, any>

/**
 * A validated child spec with every default filled in.
 *
 * @since 0.1.0
 * @category models
 */
export interface Normalized {
  readonly id: string
  readonly start: Effect.Effect<Started, unknown, unknown>
  readonly restart: Restart
  /** milliseconds, or the two special values */
  readonly shutdown: number | "brutalKill" | "infinity"
  readonly type: ChildType
  readonly significant: boolean
}

/**
 * A child spec is not valid: `field` says which field, `reason` why.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidChildSpec extends Schema.TaggedError<InvalidChildSpec>()("InvalidChildSpec", {
  id: Schema.String,
  field: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `invalid child spec "${this.id}": ${this.field}: ${this.reason}`
  }
}

/**
 * A child's start succeeded with something that is not a process: neither a pid nor a reference
 * (such as a GenServer's) to a live process. The supervisor treats it as a failed start.
 *
 * @since 0.2.0
 * @category errors
 */
export class NotAProcess extends Schema.TaggedError<NotAProcess>()("NotAProcess", {
  /** What the start returned. */
  value: Schema.Any
}) {
  override get message(): string {
    return `the child's start returned ${String(this.value)}, which is neither a pid nor a reference to a live process`
  }
}

const restarts: ReadonlyArray<string> = ["permanent", "transient", "temporary"]
const types: ReadonlyArray<string> = ["worker", "supervisor"]

/**
 * Validates one spec and fills in its defaults.
 *
 * @since 0.1.0
 * @category validation
 */
export const normalize = (spec: Any): Normalized | InvalidChildSpec => {
  const id = typeof spec?.id === "string" ? spec.id : String(spec?.id)
  const invalid = (field: string, reason: string) => new InvalidChildSpec({ id, field, reason })
  if (typeof spec?.id !== "string" || spec.id.length === 0) return invalid("id", "must be a non-empty string")
  if (spec.start === undefined || spec.start === null || typeof spec.start !== "object") {
    return invalid("start", "must be an Effect that starts the child")
  }
  const restart = spec.restart ?? "permanent"
  if (!restarts.includes(restart))
    return invalid("restart", `must be one of ${restarts.join(", ")}, got ${String(restart)}`)
  const type = spec.type ?? "worker"
  if (!types.includes(type)) return invalid("type", `must be "worker" or "supervisor", got ${String(type)}`)
  const significant = spec.significant ?? false
  if (typeof significant !== "boolean") return invalid("significant", "must be a boolean")
  if (significant && restart === "permanent") {
    return invalid("significant", "a permanent child cannot be significant")
  }
  const rawShutdown = spec.shutdown ?? (type === "supervisor" ? "infinity" : 5000)
  let shutdown: number | "brutalKill" | "infinity"
  if (rawShutdown === "brutalKill" || rawShutdown === "infinity") {
    shutdown = rawShutdown
  } else {
    if (typeof rawShutdown === "number" && (!Number.isFinite(rawShutdown) || rawShutdown < 0)) {
      return invalid("shutdown", `must be a non-negative duration, "brutalKill" or "infinity", got ${rawShutdown}`)
    }
    const duration = Duration.fromInput(rawShutdown as Duration.Input)
    if (duration._tag === "None") {
      return invalid("shutdown", `must be a duration, "brutalKill" or "infinity", got ${String(rawShutdown)}`)
    }
    const millis = Duration.toMillis(duration.value)
    if (!Number.isFinite(millis) || millis < 0) {
      return invalid("shutdown", `must be a finite non-negative duration, got ${String(rawShutdown)}`)
    }
    shutdown = millis
  }
  return { id: spec.id, start: spec.start, restart, shutdown, type, significant }
}

/**
 * Checks a valid spec against its supervisor's `autoShutdown` (OTP's check of `significant` against
 * `auto_shutdown` in `supervisor:check_childspecs/2`): a significant child needs a supervisor whose
 * `autoShutdown` is not `"never"`. Returns the error naming the field `significant`, or `undefined`.
 *
 * @since 0.2.0
 * @category validation
 */
export const checkSignificant = (
  spec: Normalized,
  autoShutdown: "never" | "anySignificant" | "allSignificant"
): InvalidChildSpec | undefined =>
  spec.significant && autoShutdown === "never"
    ? new InvalidChildSpec({
        id: spec.id,
        field: "significant",
        reason: 'a significant child needs a supervisor with autoShutdown other than "never"'
      })
    : undefined

/**
 * Validates a list of specs: each one, that ids are unique, then, when the supervisor's
 * `autoShutdown` is given, each one against it (see {@link checkSignificant}).
 *
 * @since 0.1.0
 * @category validation
 */
export const normalizeAll = (
  specs: ReadonlyArray<Any>,
  autoShutdown?: "never" | "anySignificant" | "allSignificant"
): ReadonlyArray<Normalized> | InvalidChildSpec => {
  const seen = new Set<string>()
  const out: Array<Normalized> = []
  for (const spec of specs) {
    const normalized = normalize(spec)
    if (normalized instanceof InvalidChildSpec) return normalized
    if (seen.has(normalized.id)) {
      return new InvalidChildSpec({ id: normalized.id, field: "id", reason: "duplicate id" })
    }
    seen.add(normalized.id)
    out.push(normalized)
  }
  if (autoShutdown !== undefined) {
    for (const spec of out) {
      const invalid = checkSignificant(spec, autoShutdown)
      if (invalid !== undefined) return invalid
    }
  }
  return out
}

/**
 * Whether a child that exited with a reason of this kind is restarted: OTP's `do_restart/3` as a
 * table over (restart type × whether the reason is normal-like).
 *
 * | restart | `Normal` / `Shutdown` | any other reason |
 * |---|---|---|
 * | permanent | restart | restart |
 * | transient | no | restart |
 * | temporary | no | no |
 *
 * @since 0.1.0
 * @category supervision
 */
export const shouldRestart = (restart: Restart, normalLike: boolean): boolean =>
  restart === "permanent" || (restart === "transient" && !normalLike)
