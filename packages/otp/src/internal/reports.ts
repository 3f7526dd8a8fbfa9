/**
 * Crash reports and lifecycle events (`SPAWN`, `EXIT`, `CRASH`, `RESTART`, `GIVE_UP`), each with
 * one shape of annotations (the table in the `Process` module docs): Effect reports no failure of
 * a fiber nobody joins, so the kernel does, as OTP's crash reports. Each is built only when a
 * logger would see it.
 *
 * @internal
 */
import { Effect, Exit, type Fiber, LogLevel, References } from "effect"
import * as ExitReason from "../ExitReason.ts"
import type * as Pid from "../Pid.ts"
import type { ProcessRecord } from "./records.ts"

/** Whether lifecycle events are logged (the minimum level lets debug entries through). */
export const debugEnabled = (fiber: Fiber.Fiber<unknown, unknown>): boolean =>
  LogLevel.isLessThanOrEqualTo(fiber.getRef(References.MinimumLogLevel), "Debug")

/**
 * Whether an entry logged at `level` by `fiber` would reach a logger: false when the minimum level
 * filters it out or when there is no logger at all (`Logger.layer([])`). Reports that no logger
 * would see are then not built.
 */
export const logReaches = (fiber: Fiber.Fiber<unknown, unknown> | undefined, level: LogLevel.LogLevel): boolean =>
  fiber === undefined ||
  (fiber.getRef(References.CurrentLoggers).size > 0 &&
    !LogLevel.isGreaterThan(fiber.getRef(References.MinimumLogLevel), level))

/**
 * `SPAWN`, at Debug, the first thing a new process logs: `parent` is its spawner's pid, or the
 * node's system pid (`<0.0.0>`-like) when it was spawned from outside any process.
 */
export const spawnReport = (record: ProcessRecord, parent: ProcessRecord | undefined): Effect.Effect<void> =>
  Effect.logDebug(`process ${record.pid} spawned`).pipe(
    Effect.annotateLogs({ event: "SPAWN", parent: String(parent?.pid ?? record.node.systemPid) })
  )

/** `EXIT` (at Debug) and `CRASH` (at Error), logged from inside the process with its annotations. */
export const reportExit = (
  record: ProcessRecord,
  exit: Exit.Exit<unknown, unknown>,
  reason: ExitReason.ExitReason,
  debug: boolean,
  fiber: Fiber.Fiber<unknown, unknown>
): Effect.Effect<void> => {
  if (Exit.isFailure(exit) && !record.signalled) {
    if (!ExitReason.isNormalLike(reason)) {
      // a crash report that no logger would print is not built (nor is a fiber forked to log it)
      if (!logReaches(fiber, "Error")) return Effect.void
      const annotations: Record<string, unknown> = { event: "CRASH", reason: reason._tag }
      if (record.name !== undefined) annotations.name = record.name
      return Effect.logError(
        `process ${record.pid} crashed`,
        reason._tag === "Failure" ? reason.cause : String(reason)
      ).pipe(Effect.annotateLogs(annotations))
    }
  }
  if (debug) {
    const annotations: Record<string, unknown> = { event: "EXIT", reason: reason._tag }
    if (record.name !== undefined) annotations.name = record.name
    return Effect.logDebug(`process ${record.pid} exited: ${String(reason)}`).pipe(Effect.annotateLogs(annotations))
  }
  return Effect.void
}

/**
 * `RESTART`, at Warning, from inside the supervisor: it restarted `child`, which had exited with
 * `reason` as `oldPid`, as `newPid`. Built only when a logger would see it.
 */
export const restartReport = (
  supervisor: ProcessRecord,
  child: string,
  oldPid: Pid.Pid<never, unknown>,
  newPid: Pid.Pid<never, unknown>,
  reason: ExitReason.ExitReason,
  fiber: Fiber.Fiber<unknown, unknown>
): Effect.Effect<void> =>
  logReaches(fiber, "Warn")
    ? Effect.logWarning(`supervisor ${supervisor.pid} restarted child "${child}" as ${newPid}`).pipe(
        Effect.annotateLogs({
          event: "RESTART",
          supervisor: String(supervisor.pid),
          child,
          oldPid: String(oldPid),
          newPid: String(newPid),
          reason: reason._tag
        })
      )
    : Effect.void

/**
 * `GIVE_UP`, at Error, from inside the supervisor: restarting `child` after `reason` would exceed
 * its restart intensity, so it stops its children and exits (`detail` is the exit term's message).
 */
export const giveUpReport = (
  supervisor: ProcessRecord,
  child: string,
  reason: ExitReason.ExitReason,
  detail: string
): Effect.Effect<void> =>
  Effect.logError(`supervisor ${supervisor.pid} gives up: ${detail}`).pipe(
    Effect.annotateLogs({ event: "GIVE_UP", supervisor: String(supervisor.pid), child, reason: reason._tag })
  )
