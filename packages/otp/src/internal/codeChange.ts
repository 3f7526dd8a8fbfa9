/**
 * Hot code change of one server: OTP's `sys:change_code` and the behaviours' `system_code_change`.
 *
 * A `ChangeCode` system request carries the new behaviour; the server serves it between two
 * messages (so nothing else runs meanwhile, and the messages that come in wait in its mailbox):
 * the new behaviour's `codeChange` migrates the state, the declared state Schema checks it, and
 * only then the engine switches to the new behaviour and state. Any failure leaves the engine as
 * it was. The request answers the state it replaced, so that a `RestoreCode` can put it back (the
 * rollback of a tree's upgrade). Both engines (GenServer's, GenStatem's) serve the two requests
 * through {@link serve}; `Sys.ts` holds the public signature and docs, `internal/release.ts` the
 * tree and node upgrades built on these requests.
 *
 * @internal
 */
import { Cause, Context, Deferred, Duration, Effect, Exit, Fiber, Option, Schema } from "effect"
import * as Errors from "../Errors.ts"
import type * as GenServer from "../GenServer.ts"
import * as Pid from "../Pid.ts"
import * as kernel from "./kernel.ts"
import * as server from "./server.ts"
import * as validate from "./validate.ts"
import { CodeChangeFailed, InvalidState, UpgradeTimeout, BehaviourMismatch, VersionMismatch } from "../Errors.ts"
export { CodeChangeFailed, InvalidState, UpgradeTimeout, BehaviourMismatch, VersionMismatch } from "../Errors.ts"

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** Why a code change of one server failed; in every case the server runs its old code and state. */
export type ChangeCodeError = CodeChangeFailed | InvalidState | UpgradeTimeout | BehaviourMismatch | VersionMismatch

// ---------------------------------------------------------------------------------------------
// Behaviours and engines
// ---------------------------------------------------------------------------------------------

/** What a code change reads of any behaviour. */
export interface Versioned {
  readonly name?: string | undefined
  readonly version?: string | undefined
  readonly callbackMode?: unknown
}

/** A behaviour's version: `"1"` when it declares none. */
export const versionOf = (behaviour: Versioned): string => behaviour.version ?? "1"

/** Which engine runs a behaviour: GenStatem's have a `callbackMode`. */
export const kindOf = (behaviour: Versioned): "GenServer" | "GenStatem" =>
  behaviour.callbackMode === undefined ? "GenServer" : "GenStatem"

/** What a server engine gives a code change. */
export interface Upgradable {
  readonly record: kernel.ProcessRecord
  /** What `Sys.getStatus` calls the behaviour: a supervisor's engine is a GenServer's, but not its kind. */
  readonly behaviourKind: string
  readonly behaviour: Versioned
  /** The new behaviour's `codeChange` on the current state; succeeds with the state `systemState` would show. */
  migrate(next: Versioned, oldVersion: string, extra: unknown): Effect.Effect<unknown, unknown, unknown>
  /** What the new behaviour's state Schema finds wrong with a migrated state, or `undefined`. */
  check(next: Versioned, migrated: unknown): string | undefined
  /** The state `Sys.getState` shows. */
  systemState(): unknown
  /** Switches to `next` and the state (as `systemState` shows it). */
  install(next: Versioned, state: unknown): void
}

/** What a Schema finds wrong with a value of its type, or `undefined` when the value is valid. */
export const schemaIssue = (schema: unknown, value: unknown): string | undefined => {
  if (!Schema.isSchema(schema)) return undefined
  const exit = Schema.decodeUnknownExit(Schema.toType(schema as Schema.Top) as never)(value)
  if (Exit.isSuccess(exit)) return undefined
  const error = Cause.findErrorOption(exit.cause)
  const message = Option.isSome(error)
    ? String((error.value as { readonly message?: unknown }).message)
    : Cause.pretty(exit.cause)
  // one line: it goes into error messages and log lines
  return message.replace(/\s*\n\s*/g, " ")
}

// ---------------------------------------------------------------------------------------------
// System requests
// ---------------------------------------------------------------------------------------------

/** What a server ran before a code change: what `RestoreCode` puts back. */
export interface Snapshot {
  readonly behaviour: Versioned
  readonly state: unknown
}

/** What a code change did. */
export interface Changed {
  readonly pid: Pid.Pid<never, unknown>
  /** The declared name of the new behaviour. */
  readonly behaviour: Option.Option<string>
  readonly fromVersion: string
  readonly toVersion: string
}

/** What a served `ChangeCode` answers: the change, and what it replaced. */
export interface ChangeResult {
  readonly changed: Changed
  readonly snapshot: Snapshot
}

/**
 * A system request to change code. Its caller and the server settle who decides a timeout: the
 * caller's timer abandons a request the server has not started (the server then skips it); a
 * request the server has started ends by the deadline on the server's side.
 */
export class ChangeCode {
  state: "waiting" | "running" | "abandoned" = "waiting"
  readonly behaviour: Versioned
  readonly fromVersion: string | undefined
  readonly extra: unknown
  /** the node clock's time by which the change is done, `Infinity` for none */
  readonly deadline: number
  readonly timeout: number
  readonly deferred: Deferred.Deferred<ChangeResult, ChangeCodeError>
  constructor(
    behaviour: Versioned,
    fromVersion: string | undefined,
    extra: unknown,
    deadline: number,
    timeout: number,
    deferred: Deferred.Deferred<ChangeResult, ChangeCodeError>
  ) {
    this.behaviour = behaviour
    this.fromVersion = fromVersion
    this.extra = extra
    this.deadline = deadline
    this.timeout = timeout
    this.deferred = deferred
  }
}

/** A system request to put back what a code change replaced (a rollback). */
export class RestoreCode {
  readonly snapshot: Snapshot
  readonly deferred: Deferred.Deferred<void>
  constructor(snapshot: Snapshot, deferred: Deferred.Deferred<void>) {
    this.snapshot = snapshot
    this.deferred = deferred
  }
}

/** Logs a `RELEASE` event from inside the server, at `level`, when a logger would see it. */
const logRelease = (
  level: "Info" | "Warn",
  message: string,
  annotations: Record<string, unknown>
): Effect.Effect<void> =>
  kernel.logReaches(Fiber.getCurrent(), level)
    ? (level === "Info" ? Effect.logInfo(message) : Effect.logWarning(message)).pipe(
        Effect.annotateLogs({ event: "RELEASE", ...annotations })
      )
    : Effect.void

const nameOf = (behaviour: Versioned): string => behaviour.name ?? "(unnamed)"

/** Serves `ChangeCode` and `RestoreCode`; anything else is not for here (`undefined`). */
export const serve = (engine: Upgradable, message: unknown): Effect.Effect<unknown, unknown, unknown> | undefined => {
  if (message instanceof ChangeCode) return serveChange(engine, message)
  if (message instanceof RestoreCode) {
    const from = versionOf(engine.behaviour)
    const to = message.snapshot.behaviour
    engine.install(to, message.snapshot.state)
    return Effect.andThen(
      logRelease(
        "Warn",
        `${String(engine.record.pid)} rolled back ${nameOf(to)} from version ${from} to ${versionOf(to)}`,
        { behaviour: nameOf(to), from, to: versionOf(to), outcome: "rolledBack" }
      ),
      Effect.sync(() => Deferred.doneUnsafe(message.deferred, Exit.void))
    )
  }
  return undefined
}

const serveChange = (engine: Upgradable, message: ChangeCode): Effect.Effect<unknown, unknown, unknown> => {
  // abandoned: its caller gave up before the server got to it
  if (message.state !== "waiting") return Effect.void
  message.state = "running"
  const pid = engine.record.pid
  const next = message.behaviour
  const running = engine.behaviour
  const oldVersion = versionOf(running)
  const newVersion = versionOf(next)
  const behaviour = next.name
  // logged before the caller hears of it: the log tells what happened before the caller goes on
  const failed = (error: ChangeCodeError): Effect.Effect<void> =>
    Effect.andThen(
      logRelease("Warn", `${String(pid)} keeps ${nameOf(running)} version ${oldVersion}: ${error.message}`, {
        behaviour: nameOf(next),
        from: oldVersion,
        to: newVersion,
        outcome: error._tag
      }),
      Effect.sync(() => Deferred.doneUnsafe(message.deferred, Exit.fail(error)))
    )
  if (kindOf(next) !== engine.behaviourKind) {
    return failed(new BehaviourMismatch({ pid, running: engine.behaviourKind, given: kindOf(next) }))
  }
  if (message.fromVersion !== undefined && message.fromVersion !== oldVersion) {
    return failed(new VersionMismatch({ pid, expected: message.fromVersion, running: oldVersion }))
  }
  return Effect.clockWith((clock) => {
    const remaining = message.deadline - clock.currentTimeMillisUnsafe()
    if (remaining <= 0) return failed(new UpgradeTimeout({ pid, timeout: message.timeout }))
    const migrate = Effect.exit(Effect.suspend(() => engine.migrate(next, oldVersion, message.extra)))
    const timed =
      remaining === Number.POSITIVE_INFINITY
        ? Effect.map(migrate, Option.some)
        : Effect.timeoutOption(migrate, remaining)
    return Effect.flatMap(timed, (outcome) => {
      if (Option.isNone(outcome)) return failed(new UpgradeTimeout({ pid, timeout: message.timeout }))
      const exit = outcome.value
      if (Exit.isFailure(exit)) {
        return failed(
          behaviour === undefined
            ? new CodeChangeFailed({ pid, oldVersion, newVersion, cause: exit.cause })
            : new CodeChangeFailed({ pid, behaviour, oldVersion, newVersion, cause: exit.cause })
        )
      }
      const issue = engine.check(next, exit.value)
      if (issue !== undefined) {
        return failed(
          behaviour === undefined
            ? new InvalidState({ pid, newVersion, issue })
            : new InvalidState({ pid, behaviour, newVersion, issue })
        )
      }
      const snapshot: Snapshot = { behaviour: running, state: engine.systemState() }
      engine.install(next, exit.value)
      const changed: Changed = {
        pid,
        behaviour: Option.fromUndefinedOr(behaviour),
        fromVersion: oldVersion,
        toVersion: newVersion
      }
      return Effect.andThen(
        logRelease("Info", `${String(pid)} upgraded ${nameOf(next)} from version ${oldVersion} to ${newVersion}`, {
          behaviour: nameOf(next),
          from: oldVersion,
          to: newVersion,
          outcome: "upgraded"
        }),
        Effect.sync(() => Deferred.doneUnsafe(message.deferred, Exit.succeed({ changed, snapshot })))
      )
    })
  })
}

// ---------------------------------------------------------------------------------------------
// Client side
// ---------------------------------------------------------------------------------------------

export interface ChangeCodeOptions extends GenServer.CallOptions {
  /** The version the server must be running; another fails with `VersionMismatch`. */
  readonly fromVersion?: string | undefined
  /** Passed to the new behaviour's `codeChange` as its last argument (OTP's `Extra`). */
  readonly extra?: unknown
}

const defaultTimeoutMs = 5000

/** A timeout option in milliseconds (`Infinity` for `"infinity"`); the option was checked. */
export const timeoutMillis = (timeout: Duration.Input | "infinity" | undefined): number =>
  timeout === undefined
    ? defaultTimeoutMs
    : timeout === "infinity"
      ? Number.POSITIVE_INFINITY
      : Duration.toMillis(Duration.fromInputUnsafe(timeout))

/**
 * Puts a `ChangeCode` in a server's system lane and waits for its outcome: `ServerExited` when the
 * server exits first; `UpgradeTimeout` when the server has not started it by `deadline` (it then
 * skips it), or when its `codeChange` outlasts the deadline (the server reports it).
 */
export const request = (
  record: kernel.ProcessRecord,
  behaviour: Versioned,
  fromVersion: string | undefined,
  extra: unknown,
  deadline: number,
  timeout: number
): Effect.Effect<ChangeResult, ChangeCodeError | server.ServerExited> =>
  Effect.suspend(() => {
    const deferred = Deferred.makeUnsafe<ChangeResult, ChangeCodeError | server.ServerExited>()
    const message = new ChangeCode(behaviour, fromVersion, extra, deadline, timeout, deferred as never)
    const onExit = (reason: unknown) =>
      Deferred.doneUnsafe(deferred, Exit.fail(new server.ServerExited({ pid: record.pid, reason })))
    kernel.addExitListener(record, onExit)
    kernel.pushSystem(record, message)
    const wait = Deferred.await(deferred)
    const timed = Effect.clockWith((clock) => {
      const remaining = deadline - clock.currentTimeMillisUnsafe()
      if (remaining === Number.POSITIVE_INFINITY) return wait
      return Effect.timeoutOrElse(wait, {
        duration: Math.max(0, remaining),
        orElse: () => {
          if (message.state !== "waiting") return wait
          message.state = "abandoned"
          return Effect.fail(new UpgradeTimeout({ pid: record.pid, timeout }))
        }
      })
    })
    return Effect.ensuring(
      timed,
      Effect.sync(() => {
        // an interrupted caller: the server skips the request if it has not started it
        if (message.state === "waiting") message.state = "abandoned"
        kernel.removeExitListener(record, onExit)
      })
    )
  })

/** Puts back what a code change replaced; a server that has exited meanwhile is left alone. */
export const restore = (record: kernel.ProcessRecord, snapshot: Snapshot): Effect.Effect<void> =>
  Effect.suspend(() =>
    Effect.ignore(
      server.systemCall<void, never>(record, (deferred) => new RestoreCode(snapshot, deferred), { timeout: "infinity" })
    )
  )

/** A target: a server reference or a pid. */
export type Target = GenServer.Server<never, never> | Pid.Pid<never, unknown>

const toServer = (target: Target): GenServer.Server<never, never> =>
  Pid.isPid(target) ? server.fromPid(target) : target

/** `Sys.changeCode`. */
export const changeCode = (
  target: Target,
  behaviour: Versioned,
  options?: ChangeCodeOptions
): Effect.Effect<Changed, ChangeCodeError | GenServer.SystemCallError | Errors.BadArgument> =>
  validate.guard(validate.checkCallOptions("Sys.changeCode", options), () =>
    server.withTarget(
      toServer(target),
      "changeCode",
      (record): Effect.Effect<Changed, ChangeCodeError | server.ServerExited | Errors.NoSystemHandler> => {
        if (record.systemHandler === undefined) return Effect.fail(new Errors.NoSystemHandler({ pid: record.pid }))
        const timeout = timeoutMillis(options?.timeout)
        return Effect.clockWith((clock) =>
          Effect.map(
            request(
              record,
              behaviour,
              options?.fromVersion,
              options?.extra,
              clock.currentTimeMillisUnsafe() + timeout,
              timeout
            ),
            (result) => result.changed
          )
        )
      }
    )
  )

// ---------------------------------------------------------------------------------------------
// The versions a start runs
// ---------------------------------------------------------------------------------------------

/**
 * The behaviours a start runs in place of those of the same declared name: a supervisor whose
 * child specs an upgrade updated runs their starts with them, so a restart starts the new version.
 */
export const CodeOverrides = Context.Reference<ReadonlyMap<string, Versioned>>("effect-otp/CodeOverrides", {
  defaultValue: () => new Map()
})

/**
 * The behaviour a start runs: `behaviour`, or the version an upgrade put in its place in the
 * starter's context. Called on the starter's fiber, at start time; free for an unnamed behaviour.
 */
export const currentCode = <B extends Versioned>(behaviour: B): B => {
  const name = behaviour.name
  if (name === undefined) return behaviour
  const fiber = Fiber.getCurrent()
  const override = fiber === undefined ? undefined : fiber.getRef(CodeOverrides).get(name)
  return override !== undefined && kindOf(override) === kindOf(behaviour) ? (override as B) : behaviour
}
