/**
 * Crash reports and lifecycle events (`SPAWN`, `EXIT`, `CRASH`): Effect reports no failure of a
 * fiber nobody joins, so the kernel does, as OTP's crash reports.
 *
 * @internal
 */
import { Effect, Exit, type Fiber, LogLevel, References } from "effect"
import * as ExitReason from "../ExitReason.ts"
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

/** Crash reports and lifecycle events, logged from inside the process with its annotations. */
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
    return Effect.logDebug(`process ${record.pid} exited: ${String(reason)}`).pipe(
      Effect.annotateLogs({ event: "EXIT", reason: reason._tag })
    )
  }
  return Effect.void
}
