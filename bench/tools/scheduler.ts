/**
 * Schedulers for the scheduling probes: the run-queue scheduler is the kernel's own (opt-in with
 * `Node.layer({ scheduler: "runQueue" })`); Effect's microtask mode is here for comparison.
 */
import { Scheduler } from "effect"

export { RunQueueScheduler } from "../../packages/otp/src/internal/scheduler.ts"

/** Effect's own scheduler with microtasks (its "sync" mode): no budget at all, for comparison. */
export const effectMicrotask = (): Scheduler.Scheduler => new Scheduler.MixedScheduler("sync")
