/**
 * What Supervisor and DynamicSupervisor share: starting a child linked to the supervisor, and one
 * step of the restart intensity (give up, restart now, or restart after a delay).
 *
 * @internal
 */
import { Cause, Clock, Duration, Effect, Exit, type Fiber, Option, Schedule } from "effect"
import * as ChildSpec from "../ChildSpec.ts"
import * as ExitReason from "../ExitReason.ts"
import * as Pid from "../Pid.ts"
import * as kernel from "./kernel.ts"

/** A restart intensity schedule, driven by hand: one step per restart. */
export type Step = (now: number, input: unknown) => Effect.Effect<unknown, unknown>

/** Builds the step function of a supervisor's intensity schedule (its state lives as long as the supervisor). */
export const makeStep = (intensity: Schedule.Schedule<unknown, unknown>): Effect.Effect<Step> =>
  Schedule.toStep(intensity) as unknown as Effect.Effect<Step>

/** The pid a start's result names, or undefined (not a pid, nor a reference to a live process). */
const pidOf = (started: unknown): Pid.Pid<never, unknown> | undefined => {
  if (Pid.isPid(started)) return started
  if (typeof started !== "object" || started === null) return undefined
  const whereis = (started as { readonly whereis?: unknown }).whereis
  if (typeof whereis !== "function") return undefined
  try {
    const found: unknown = whereis.call(started)
    return Option.isOption(found) && Option.isSome(found) && Pid.isPid(found.value) ? found.value : undefined
  } catch {
    return undefined
  }
}

/**
 * What comes of a child's start that succeeded: links the started child to the supervisor (or gives
 * the supervisor an EXIT with `NoProc` when it is already dead, as a link to it would) and returns
 * its pid; `NotAProcess` when the start returned no process, a failed start.
 */
export const linkStarted = (
  self: kernel.ProcessRecord,
  started: unknown
): Pid.Pid<never, unknown> | ChildSpec.NotAProcess => {
  const pid = pidOf(started)
  if (pid === undefined) return new ChildSpec.NotAProcess({ value: started })
  const target = kernel.liveRecordOf(pid)
  if (target !== undefined) kernel.linkRecords(self, target)
  else kernel.deliverSystemMade(self, new kernel.ExitMessage(pid, ExitReason.noProc))
  return pid
}

/**
 * The error of a child's start that failed: its typed error when it failed with one, or the
 * `Failure` exit reason with the whole cause when it died (threw) or was interrupted. A supervisor
 * never dies of its child's start.
 */
export const startErrorOf = (cause: Cause.Cause<unknown>): unknown => {
  const reasons = cause.reasons
  return reasons.length === 1 && Cause.isFailReason(reasons[0]!) ? reasons[0].error : ExitReason.failureCause(cause)
}

/** The exit reason a failed start counts as, for the intensity and the give-up term. */
export const reasonOfStartError = (error: unknown): ExitReason.ExitReason =>
  error instanceof ExitReason.Failure ? error : ExitReason.failure(error)

/** What one intensity step decided. */
export type Decision =
  | { readonly _tag: "GiveUp" }
  | { readonly _tag: "Now" }
  | { readonly _tag: "After"; readonly delay: Duration.Duration }

const giveUp: Decision = { _tag: "GiveUp" }
const now: Decision = { _tag: "Now" }

const decisionOf = (exit: Exit.Exit<unknown, unknown>): Decision => {
  if (Exit.isFailure(exit)) return giveUp
  const [, delay] = exit.value as [unknown, Duration.Duration]
  return Duration.isZero(delay) ? now : { _tag: "After", delay }
}

/**
 * Steps the intensity now, at the current `Clock` time of `fiber` (the supervisor's, which runs the
 * effect this is part of next): the decision itself when the step answers with a completed `Exit`
 * (as {@link Supervisor.intensity} does), otherwise the effect that gives it. A step that throws
 * gives up, as a defect of the step did.
 */
export const stepIntensityNow = (
  step: Step,
  input: unknown,
  fiber: Fiber.Fiber<unknown, unknown>
): Decision | Effect.Effect<Decision> => {
  let result: Effect.Effect<unknown, unknown>
  try {
    result = step(fiber.getRef(Clock.Clock).currentTimeMillisUnsafe(), input)
  } catch {
    return giveUp
  }
  return Exit.isExit(result) ? decisionOf(result) : Effect.map(Effect.exit(result), decisionOf)
}

/** Steps the intensity at the current `Clock` time. */
export const stepIntensity = (step: Step, input: unknown): Effect.Effect<Decision> =>
  Effect.clockWith((clock) => Effect.map(Effect.exit(step(clock.currentTimeMillisUnsafe(), input)), decisionOf))

/** Sends `message` to the supervisor itself after `delay` (a timer that dies with it). */
export const remindAfter = (
  self: kernel.ProcessRecord,
  delay: Duration.Duration,
  message: unknown
): Effect.Effect<void> =>
  kernel.startTimer(self, delay, () => kernel.deliverSystemMade(self, message), new kernel.TimerRef(self).id)
