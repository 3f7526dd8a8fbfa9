/**
 * Stopping children the way OTP's supervisor does: monitor, unlink, send the exit signal `shutdown`
 * (or `kill`), wait for the `Down` within the budget, then `kill`. Runs inside the supervisor process.
 *
 * @internal
 */
import { Duration, Effect } from "effect"
import * as ExitReason from "../ExitReason.ts"
import type * as Pid from "../Pid.ts"
import * as kernel from "./kernel.ts"

const isExitFrom = (pid: Pid.Pid<never, unknown>) => (m: unknown) =>
  m instanceof kernel.ExitMessage && kernel.recordOf(m.from) === kernel.recordOf(pid)

/** Prepares a stop: monitor and unlink, and drop an EXIT from the child that may have arrived already. */
const prepare = (self: kernel.ProcessRecord, pid: Pid.Pid<never, unknown>): kernel.MonitorRef => {
  const target = kernel.liveRecordOf(pid)
  const ref = kernel.monitorRecord(self, target, pid)
  if (target !== undefined) kernel.unlinkRecords(self, target)
  kernel.flushMessages(self, isExitFrom(pid))
  return ref
}

const downOf = (ref: kernel.MonitorRef) => (m: unknown) => m instanceof kernel.DownMessage && m.ref === ref

const awaitDown = (
  self: kernel.ProcessRecord,
  ref: kernel.MonitorRef,
  timeoutMs: number | undefined
): Effect.Effect<ExitReason.ExitReason | undefined> =>
  Effect.map(
    timeoutMs === undefined
      ? kernel.receive(self, downOf(ref), undefined, false)
      : kernel.receiveWithin(self, downOf(ref), Duration.millis(timeoutMs)),
    (m) => (m === kernel.TimedOut ? undefined : (m as kernel.DownMessage).reason)
  )

const signal = (self: kernel.ProcessRecord, pid: Pid.Pid<never, unknown>, kind: "exit" | "kill"): void => {
  const target = kernel.liveRecordOf(pid)
  if (target !== undefined) kernel.exitSignal(target, self.pid, ExitReason.shutdown, kind)
}

/** Stops one child; returns the reason it exited with. */
export const shutdownChild = (
  self: kernel.ProcessRecord,
  pid: Pid.Pid<never, unknown>,
  shutdown: number | "brutalKill" | "infinity"
): Effect.Effect<ExitReason.ExitReason> =>
  Effect.suspend(() => {
    const ref = prepare(self, pid)
    if (shutdown === "brutalKill") {
      signal(self, pid, "kill")
      return Effect.map(awaitDown(self, ref, undefined), (reason) => reason!)
    }
    signal(self, pid, "exit")
    if (shutdown === "infinity") return Effect.map(awaitDown(self, ref, undefined), (reason) => reason!)
    return Effect.flatMap(awaitDown(self, ref, shutdown), (reason) => {
      if (reason !== undefined) return Effect.succeed(reason)
      signal(self, pid, "kill")
      return Effect.map(awaitDown(self, ref, undefined), (late) => late!)
    })
  })

/**
 * Stops many children at once under one budget: every child gets its signal first, then the
 * supervisor waits for the `Down`s; those still alive when the budget runs out are killed.
 */
export const shutdownChildren = (
  self: kernel.ProcessRecord,
  children: ReadonlyArray<{
    readonly pid: Pid.Pid<never, unknown>
    readonly shutdown: number | "brutalKill" | "infinity"
  }>
): Effect.Effect<void> =>
  Effect.suspend(() => {
    if (children.length === 0) return Effect.void
    const pending = new Map<kernel.MonitorRef, Pid.Pid<never, unknown>>()
    let budget: number | "infinity" = 0
    for (const child of children) {
      const ref = prepare(self, child.pid)
      pending.set(ref, child.pid)
      if (child.shutdown === "brutalKill") {
        signal(self, child.pid, "kill")
      } else {
        signal(self, child.pid, "exit")
        if (child.shutdown === "infinity") budget = "infinity"
        else if (budget !== "infinity") budget = Math.max(budget, child.shutdown)
      }
    }
    const isPendingDown = (m: unknown) => m instanceof kernel.DownMessage && pending.has(m.ref)
    const collect = (deadline: number | undefined): Effect.Effect<void> =>
      Effect.suspend(() => {
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
                for (const pid of pending.values()) signal(self, pid, "kill")
                return collect(undefined)
              }
              pending.delete((m as kernel.DownMessage).ref)
              return collect(deadline)
            })
          }
        )
      })
    return Effect.flatMap(
      Effect.clockWith((clock) => Effect.succeed(clock.currentTimeMillisUnsafe())),
      (now) => collect(budget === "infinity" ? undefined : now + budget)
    )
  })
