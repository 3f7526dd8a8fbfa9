/**
 * Stopping children the way OTP's supervisor does: monitor, unlink, send the exit signal `shutdown`
 * (or `kill`), wait for the `Down` within the budget, then `kill`. Runs inside the supervisor process.
 * A child that does not stop the way it was asked to is reported through the Logger (OTP's
 * `shutdown_error`): nothing dies silently.
 *
 * @internal
 */
import { Duration, Effect, Option } from "effect"
import type * as ChildSpec from "../ChildSpec.ts"
import * as ExitReason from "../ExitReason.ts"
import type * as Pid from "../Pid.ts"
import * as kernel from "./kernel.ts"

/** A child to stop: what a shutdown needs to know of its spec. */
export interface Stopping {
  readonly pid: Pid.Pid<never, unknown>
  readonly spec: {
    readonly id: string
    readonly shutdown: ChildSpec.Normalized["shutdown"]
    readonly restart: ChildSpec.Restart
  }
}

/** Monitors a child to stop and unlinks it: from then on, its exit comes as a `Down` only. */
const watch = (self: kernel.ProcessRecord, pid: Pid.Pid<never, unknown>): kernel.MonitorRef => {
  const target = kernel.liveRecordOf(pid)
  const ref = kernel.monitorRecord(self, target, pid)
  if (target !== undefined) kernel.unlinkRecords(self, target)
  return ref
}

/**
 * Prepares a stop: monitor and unlink, and take an EXIT from the child that may have arrived
 * already (its reason is the child's exit reason, as OTP's `unlink_flush`).
 */
const prepare = (
  self: kernel.ProcessRecord,
  pid: Pid.Pid<never, unknown>
): { readonly ref: kernel.MonitorRef; readonly exited: ExitReason.ExitReason | undefined } => {
  const ref = watch(self, pid)
  const key = kernel.pidKey(pid)
  let exited: ExitReason.ExitReason | undefined
  kernel.flushMessages(self, (m) => {
    if (!(m instanceof kernel.ExitMessage) || kernel.pidKey(m.from) !== key) return false
    exited = m.reason
    return true
  })
  return { ref, exited }
}

const downOf = (ref: kernel.MonitorRef) => (m: unknown) => m instanceof kernel.DownMessage && m.ref === ref

const reasonOf = (m: unknown): ExitReason.ExitReason | undefined =>
  m === kernel.TimedOut ? undefined : (m as kernel.DownMessage).reason

/**
 * The reason of `ref`'s `Down` if it is in the mailbox now, taken out; undefined when it is not. A
 * child that exits at its signal has sent its `Down` by the time the signal returns: it is taken
 * synchronously, with no receive, no wait and no timer.
 */
const takeDown = (self: kernel.ProcessRecord, ref: kernel.MonitorRef): ExitReason.ExitReason | undefined => {
  let reason: ExitReason.ExitReason | undefined
  kernel.flushMessages(self, (m) => {
    if (reason !== undefined || !(m instanceof kernel.DownMessage) || m.ref !== ref) return false
    reason = m.reason
    return true
  })
  return reason
}

/** The `Down` of `ref`'s child within `timeoutMs` (undefined: no limit); undefined when the time ran out. */
const awaitDown = (
  self: kernel.ProcessRecord,
  ref: kernel.MonitorRef,
  timeoutMs: number | undefined
): Effect.Effect<ExitReason.ExitReason | undefined> => {
  const isDown = downOf(ref)
  return Effect.map(
    timeoutMs === undefined
      ? kernel.receive(self, isDown, undefined, false)
      : kernel.receiveWithin(self, isDown, Duration.millis(timeoutMs)),
    reasonOf
  )
}

const signal = (self: kernel.ProcessRecord, pid: Pid.Pid<never, unknown>, kind: "exit" | "kill"): void => {
  const target = kernel.liveRecordOf(pid)
  if (target !== undefined) kernel.exitSignal(target, self.pid, ExitReason.shutdown, kind)
}

/**
 * Whether a child stopped the way it was asked to (OTP's `do_terminate`): `Killed` for
 * `brutalKill`, `Shutdown` otherwise; `Normal` is fine for a child that is not permanent.
 */
const stoppedCleanly = (reason: ExitReason.ExitReason, child: Stopping): boolean => {
  if (reason._tag === "Normal") return child.spec.restart !== "permanent"
  if (child.spec.shutdown === "brutalKill") return reason._tag === "Killed"
  return reason._tag === "Shutdown" && Option.isNone(reason.term)
}

/**
 * OTP's `shutdown_error` report: a child killed after its budget ran out, or one that exited with
 * another reason than the one asked for while its supervisor was stopping it.
 */
const report = (
  self: kernel.ProcessRecord,
  child: Stopping,
  reason: ExitReason.ExitReason
): Effect.Effect<ExitReason.ExitReason> =>
  stoppedCleanly(reason, child)
    ? Effect.succeed(reason)
    : Effect.as(
        Effect.logError(
          `supervisor ${self.pid}: child "${child.spec.id}" ${child.pid} did not stop cleanly: ${String(reason)}`
        ).pipe(
          Effect.annotateLogs({
            event: "SHUTDOWN_ERROR",
            child: child.spec.id,
            childPid: String(child.pid),
            reason: reason._tag
          })
        ),
        reason
      )

/** Stops one child; returns the reason it exited with (reported when it is not the one asked for). */
export const shutdownChild = (self: kernel.ProcessRecord, child: Stopping): Effect.Effect<ExitReason.ExitReason> =>
  Effect.suspend(() => {
    const pid = child.pid
    const shutdown = child.spec.shutdown
    const { ref, exited } = prepare(self, pid)
    const settle = (down: ExitReason.ExitReason | undefined) => report(self, child, exited ?? down!)
    signal(self, pid, shutdown === "brutalKill" ? "kill" : "exit")
    const down = takeDown(self, ref)
    if (down !== undefined) return settle(down)
    if (shutdown === "brutalKill" || shutdown === "infinity")
      return Effect.flatMap(awaitDown(self, ref, undefined), settle)
    return Effect.flatMap(awaitDown(self, ref, shutdown), (reason) => {
      if (reason !== undefined) return settle(reason)
      signal(self, pid, "kill")
      return Effect.flatMap(awaitDown(self, ref, undefined), settle)
    })
  })

/** A child being stopped by {@link shutdownChildren}: the EXIT it sent before it was unlinked, if any. */
interface Entry {
  readonly child: Stopping
  exited: ExitReason.ExitReason | undefined
}

/**
 * Stops many children at once under one budget: every child gets its signal first, then the
 * supervisor waits for the `Down`s; those still alive when the budget runs out are killed.
 *
 * Linear in the number of children: all are monitored and unlinked first, then one pass over the
 * mailbox takes the EXITs they sent before (each child's `prepare` would rescan the whole mailbox,
 * which fills with the `Down`s of the children already stopped), then all are signalled, and the
 * `Down`s already in the mailbox are taken in one pass each time the supervisor wakes up.
 */
export const shutdownChildren = (self: kernel.ProcessRecord, children: ReadonlyArray<Stopping>): Effect.Effect<void> =>
  Effect.suspend(() => {
    if (children.length === 0) return Effect.void
    const pending = new Map<kernel.MonitorRef, Entry>()
    const byPid = new Map<Pid.Pid<never, unknown>, Entry>()
    for (const child of children) {
      const entry: Entry = { child, exited: undefined }
      pending.set(watch(self, child.pid), entry)
      byPid.set(kernel.pidKey(child.pid), entry)
    }
    kernel.flushMessages(self, (m) => {
      if (!(m instanceof kernel.ExitMessage)) return false
      const entry = byPid.get(kernel.pidKey(m.from))
      if (entry === undefined) return false
      entry.exited = m.reason
      return true
    })
    let budget: number | "infinity" = 0
    for (const child of children) {
      if (child.spec.shutdown === "brutalKill") {
        signal(self, child.pid, "kill")
      } else {
        signal(self, child.pid, "exit")
        if (child.spec.shutdown === "infinity") budget = "infinity"
        else if (budget !== "infinity") budget = Math.max(budget, child.spec.shutdown)
      }
    }
    const isPendingDown = (m: unknown) => m instanceof kernel.DownMessage && pending.has(m.ref)
    /** The `Down`s of pending children that are in the mailbox now, in the order they came, taken out. */
    const takeDowns = (): Array<kernel.DownMessage> => {
      const downs: Array<kernel.DownMessage> = []
      kernel.flushMessages(self, (m) => {
        if (!isPendingDown(m)) return false
        downs.push(m as kernel.DownMessage)
        return true
      })
      return downs
    }
    const settle = (down: kernel.DownMessage): Effect.Effect<unknown> => {
      const { child, exited } = pending.get(down.ref)!
      pending.delete(down.ref)
      return report(self, child, exited ?? down.reason)
    }
    const collect = (deadline: number | undefined): Effect.Effect<void> =>
      Effect.suspend(() => {
        const downs = takeDowns()
        if (downs.length > 0) {
          return Effect.andThen(Effect.forEach(downs, settle, { discard: true }), collect(deadline))
        }
        if (pending.size === 0) return Effect.void
        return Effect.flatMap(
          Effect.clockWith((clock) => Effect.succeed(clock.currentTimeMillisUnsafe())),
          (now) => {
            const wait =
              deadline === undefined
                ? kernel.receive(self, isPendingDown, undefined, false)
                : kernel.receiveWithin(self, isPendingDown, Duration.millis(Math.max(0, deadline - now)))
            return Effect.flatMap(wait, (m) => {
              if (m === kernel.TimedOut) {
                for (const { child } of pending.values()) signal(self, child.pid, "kill")
                return collect(undefined)
              }
              return Effect.andThen(settle(m as kernel.DownMessage), collect(deadline))
            })
          }
        )
      })
    return Effect.flatMap(
      Effect.clockWith((clock) => Effect.succeed(clock.currentTimeMillisUnsafe())),
      (now) => collect(budget === "infinity" ? undefined : now + budget)
    )
  })
