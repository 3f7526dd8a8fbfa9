/**
 * What Supervisor and DynamicSupervisor share: starting a child linked to the supervisor, and one
 * step of the restart intensity (give up, restart now, or restart after a delay).
 *
 * @internal
 */
import { Clock, Duration, Effect, Exit, type Fiber, Option, Schedule } from "effect"
import type * as ChildSpec from "../ChildSpec.ts"
import * as ExitReason from "../ExitReason.ts"
import * as Pid from "../Pid.ts"
import * as kernel from "./kernel.ts"

/** A restart intensity schedule, driven by hand: one step per restart. */
export type Step = (now: number, input: unknown) => Effect.Effect<unknown, unknown>

/** Builds the step function of a supervisor's intensity schedule (its state lives as long as the supervisor). */
export const makeStep = (intensity: Schedule.Schedule<unknown, unknown>): Effect.Effect<Step> =>
  Schedule.toStep(intensity) as unknown as Effect.Effect<Step>

const pidOf = (started: ChildSpec.Started): Pid.Pid<never, unknown> | undefined => {
  if (Pid.isPid(started)) return started
  return Option.getOrUndefined(
    (started as { readonly whereis: () => Option.Option<Pid.Pid<never, unknown>> }).whereis()
  )
}

/**
 * Runs a child's start inside the supervisor and makes sure the child is linked to it; a child
 * that is already dead gives the supervisor an EXIT with `NoProc`, as a link to it would.
 */
export const startLinked = (
  self: kernel.ProcessRecord,
  start: Effect.Effect<ChildSpec.Started, unknown, unknown>
): Effect.Effect<Pid.Pid<never, unknown>, unknown> =>
  Effect.flatMap(start as Effect.Effect<ChildSpec.Started, unknown>, (started) => {
    const pid = linkStarted(self, started)
    return pid === undefined ? Effect.fail(noLivePid()) : Effect.succeed(pid)
  })

/**
 * What {@link startLinked} does once the start has succeeded, for a caller that runs the start
 * itself: links the started child to the supervisor (or gives the supervisor an EXIT with `NoProc`
 * when it is already dead) and returns its pid; undefined when the start gave no pid, a start
 * failure with {@link noLivePid}.
 */
export const linkStarted = (
  self: kernel.ProcessRecord,
  started: ChildSpec.Started
): Pid.Pid<never, unknown> | undefined => {
  const pid = pidOf(started)
  if (pid === undefined) return undefined
  const target = kernel.liveRecordOf(pid)
  if (target !== undefined) kernel.linkRecords(self, target)
  else kernel.deliverSystemMade(self, new kernel.ExitMessage(pid, ExitReason.noProc))
  return pid
}

/** The error of a start that succeeded without a live pid. */
export const noLivePid = (): Error => new Error("the child's start returned no live pid")

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
