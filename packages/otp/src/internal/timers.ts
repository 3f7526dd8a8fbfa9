/**
 * Timers owned by a process (`sendAfter`, receive timeouts): each is a fiber on Effect's `Clock`,
 * and dies with its owner.
 *
 * @internal
 */
import { Clock, Duration, Effect } from "effect"
import { nextRefId, type ProcessRecord } from "./records.ts"

/** A timer started by `sendAfter`. */
export class TimerRef {
  readonly id: number
  /** @internal */
  readonly owner: ProcessRecord
  /** @internal */
  constructor(owner: ProcessRecord) {
    this.id = nextRefId()
    this.owner = owner
  }
  toString(): string {
    return `#Ref<0.${this.id}>`
  }
}

/** Starts a timer owned by `owner`: it dies with the owner. */
export const startTimer = (
  owner: ProcessRecord,
  delay: Duration.Duration,
  fire: () => void,
  id: number
): Effect.Effect<void> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) =>
    Effect.map(
      Effect.forkDetach(
        Effect.flatMap(Effect.sleep(delay), () =>
          Effect.sync(() => {
            owner.timers?.delete(id)
            fire()
          })
        ),
        { startImmediately: true }
      ),
      (fiber) => {
        if (owner.status === "exited") {
          fiber.interruptUnsafe()
          return
        }
        if (fiber.pollUnsafe() === undefined) {
          ;(owner.timers ??= new Map()).set(id, { fiber, due: now + Duration.toMillis(delay) })
        }
      }
    )
  )

/** Cancels a timer; returns the time it had left, or undefined if it had fired or was cancelled. */
export const cancelTimerUnsafe = (owner: ProcessRecord, id: number, now?: number): number | undefined => {
  const timer = owner.timers?.get(id)
  if (timer === undefined) return undefined
  owner.timers!.delete(id)
  timer.fiber.interruptUnsafe()
  return now === undefined ? 0 : Math.max(0, timer.due - now)
}

/** Stops every timer of a process that has exited. */
export const stopTimers = (record: ProcessRecord): void => {
  if (record.timers === undefined) return
  for (const timer of record.timers.values()) timer.fiber.interruptUnsafe()
  record.timers = undefined
}
