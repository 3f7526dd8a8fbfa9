/**
 * A process's mailbox: the queue, the save list of a selective receive, the system lane served
 * before any message, the senders waiting on a full bounded mailbox, and the receive loops.
 *
 * A waiting receive is resumed through the scheduler, never on the sender's stack.
 *
 * @internal
 */
import { Duration, Effect, Fiber } from "effect"
import {
  currentRecord,
  DownMessage,
  ExitMessage,
  MonitorRef,
  MQ_FIRST,
  MQ_HEAD,
  MQ_RECEIVED,
  type ProcessRecord
} from "./records.ts"
import { runQueue, runQueueScheduler } from "./scheduler.ts"
import { cancelTimerUnsafe, startTimer } from "./timers.ts"

/** The message a receive timer puts in its own process's mailbox; stale ones are dropped. */
class ReceiveTimeout {
  readonly ref = new MonitorRef()
}

/** What a receive returns when its timeout fired. */
export const TimedOut: unique symbol = Symbol.for("effect-otp/TimedOut")

// ---------------------------------------------------------------------------------------------
// The mailbox queue and wake-ups
// ---------------------------------------------------------------------------------------------

const mqSize = (record: ProcessRecord): number => {
  const mq = record.mq
  return mq === undefined ? 0 : mq.length - (mq[MQ_HEAD] as number)
}

const Empty: unique symbol = Symbol.for("effect-otp/Empty")

/** Takes the oldest message of the queue, or `Empty`. */
const mqTake = (record: ProcessRecord): unknown => {
  const mq = record.mq
  if (mq === undefined) return Empty
  const head = mq[MQ_HEAD] as number
  if (head >= mq.length) return Empty
  const message = mq[head]
  mq[head] = undefined
  const next = head + 1
  if (next === mq.length) {
    mq.length = MQ_FIRST
    mq[MQ_HEAD] = MQ_FIRST
  } else if (next >= 1024 && next * 2 >= mq.length) {
    mq.splice(MQ_FIRST, next - MQ_FIRST)
    mq[MQ_HEAD] = MQ_FIRST
  } else {
    mq[MQ_HEAD] = next
  }
  return message
}

/** Appends a message, counts it as received, and wakes the receiver if it waits in a receive. */
const mqPush = (record: ProcessRecord, message: unknown): void => {
  const mq = (record.mq ??= [MQ_FIRST, 0])
  mq[MQ_RECEIVED] = (mq[MQ_RECEIVED] as number) + 1
  mq.push(message)
  wake(record)
}

/** {@link mqPush} for what is not a message (a receive's timeout token): not counted. */
const mqPushUncounted = (record: ProcessRecord, token: unknown): void => {
  ;(record.mq ??= [MQ_FIRST, 0]).push(token)
  wake(record)
}

/**
 * Resumes a waiting receive through the scheduler: the receiver runs when the sender yields, never
 * on the sender's stack (so a send returns before the receiver reacts to it). A receiver on the run
 * queue is woken there, whoever sends (a fiber that is not a process too); otherwise through the
 * sender's dispatcher, which batches its wake-ups.
 */
const wake = (record: ProcessRecord): void => {
  const resume = record.waiter
  if (resume === undefined) return
  record.waiter = undefined
  const next = record.waitNext
  // the receiver's scheduler, not its dispatcher: reading a fiber's dispatcher makes one if it has none
  const receiver = record.fiber!
  ;(receiver.cache.scheduler === runQueueScheduler
    ? runQueue
    : (Fiber.getCurrent() ?? receiver).currentDispatcher
  ).scheduleTask(() => resume(next), 0)
}

// ---------------------------------------------------------------------------------------------
// Delivery
// ---------------------------------------------------------------------------------------------

/** The outcome of offering a message. */
export type Delivery = "delivered" | "dropped" | "full"

/**
 * Offers a message from outside any effect (`Process.sendUnsafe`, a message from another node): a
 * full mailbox of any policy drops it and counts the drop. Whether it was delivered.
 */
export const offerUnsafe = (record: ProcessRecord, message: unknown): boolean => {
  const result = offer(record, message)
  if (result === "full") {
    record.dropped++
    record.node.dropped++
    return false
  }
  return result === "delivered"
}

/**
 * Offers a user message. Never suspends: on a full `"suspend"` mailbox it answers `"full"`, and the
 * effectful send decides whether to wait.
 */
export const offer = (record: ProcessRecord, message: unknown): Delivery => {
  if (record.status === "exited") {
    record.node.dropped++
    return "dropped"
  }
  if (mqSize(record) >= record.capacity || (record.blocked !== undefined && record.blocked.length > 0)) {
    switch (record.overflow) {
      case "dropNewest": {
        record.dropped++
        record.node.dropped++
        return "dropped"
      }
      case "dropOldest": {
        record.dropped++
        record.node.dropped++
        // only kernel-made messages wait: the new message is the oldest user message to drop
        if (!dropOldestUserMessage(record)) return "dropped"
        break
      }
      default:
        return "full"
    }
  }
  record.node.sent++
  mqPush(record, message)
  return "delivered"
}

/** Messages the kernel puts in a mailbox: a `"dropOldest"` overflow never drops them. */
const isKernelMade = (message: unknown): boolean =>
  message instanceof DownMessage || message instanceof ExitMessage || message instanceof ReceiveTimeout

/**
 * A message whose sender waits for it to be handled (a call): a `"dropOldest"` overflow that drops
 * it tells it, so that the sender fails at once instead of waiting for its timeout.
 */
export abstract class AwaitedMessage {
  abstract dropped(record: ProcessRecord): void
}

/**
 * Removes the oldest user message from the queue and keeps the others in order; false when the queue
 * holds none. A Down, an EXIT or a receive timeout must not be lost to an overflow.
 */
const dropOldestUserMessage = (record: ProcessRecord): boolean => {
  const mq = record.mq
  if (mq === undefined) return false
  for (let i = record.mqHead; i < mq.length; i++) {
    const message = mq[i]
    if (!isKernelMade(message)) {
      if (i === record.mqHead) mqTake(record)
      else mq.splice(i, 1)
      if (message instanceof AwaitedMessage) message.dropped(record)
      return true
    }
  }
  return false
}

/** Delivers a message made by the kernel (Down, EXIT, timeouts): never refused, never counted as dropped. */
export const deliverSystemMade = (record: ProcessRecord, message: unknown): void => {
  if (record.status === "exited") return
  mqPush(record, message)
}

/** Puts a message in the system lane, served before any user message. */
export const pushSystem = (record: ProcessRecord, message: unknown): boolean => {
  if (record.status === "exited") return false
  const first = record.system === undefined
  ;(record.system ??= []).push(message)
  // a receive serves the whole lane before any user message: a process waiting in one is woken
  // for the first system message, any other serves the lane at its next receive
  if (first) wake(record)
  return true
}

/** Lets the oldest suspended sender in, if there is room. */
const releaseBlocked = (record: ProcessRecord): void => {
  const blocked = record.blocked
  while (blocked !== undefined && blocked.length > 0 && mqSize(record) < record.capacity) {
    blocked.shift()!()
  }
}

/**
 * Puts a sender in the queue of senders of a full `"suspend"` mailbox: `message` goes in when there is
 * room (or is dropped and counted if the receiver exits first), then `admitted` runs. Returns a
 * function that takes the message back out while it still waits (nothing once it is in).
 */
export const enqueueBlocked = (record: ProcessRecord, message: unknown, admitted: () => void): (() => void) => {
  const admit = () => {
    if (record.status !== "exited") {
      record.node.sent++
      mqPush(record, message)
    } else {
      record.node.dropped++
    }
    admitted()
  }
  const blocked = (record.blocked ??= [])
  blocked.push(admit)
  return () => {
    const i = blocked.indexOf(admit)
    if (i >= 0) blocked.splice(i, 1)
  }
}

/** A send that suspends on a full `"suspend"` mailbox until there is room or the receiver exits. */
export const offerSuspending = (record: ProcessRecord, message: unknown): Effect.Effect<void> =>
  Effect.callback<void>((resume) => Effect.sync(enqueueBlocked(record, message, () => resume(Effect.void))))

// ---------------------------------------------------------------------------------------------
// Receive
// ---------------------------------------------------------------------------------------------

/**
 * Serves the system lane. When a system message suspended the process (`suspend`), it then serves
 * only the system lane until one resumes it: the queue and the save list stay as they are, in order.
 */
const runSystem = (record: ProcessRecord): Effect.Effect<void> => {
  const messages = record.system!
  record.system = undefined
  const handler = record.systemHandler
  if (handler === undefined) return Effect.void
  return Effect.flatMap(Effect.forEach(messages, handler, { discard: true }), () =>
    record.suspended !== undefined ? whileSuspended(record) : Effect.void
  )
}

/** Waits for the system lane only, and serves it, until the process is resumed. */
const whileSuspended = (record: ProcessRecord): Effect.Effect<void> =>
  Effect.suspend(() => {
    if (record.system === undefined) letThrough(record)
    if (record.system !== undefined) {
      if (record.status === "waiting") record.status = "running"
      return runSystem(record)
    }
    if (record.status === "running") record.status = "waiting"
    return Effect.flatMap(waitForSystem, () => whileSuspended(record))
  })

/**
 * Moves the first message of the queue that the suspension lets through (OTP's suspended loop
 * takes an `EXIT` from the parent) to the system lane. Only the messages that came in since the
 * last look are looked at: they are at the queue's end.
 */
const letThrough = (record: ProcessRecord): void => {
  const suspension = record.suspended!
  const fresh = record.received - suspension.seen
  if (fresh === 0) return
  suspension.seen = record.received
  const mq = record.mq
  if (mq === undefined) return
  for (let i = Math.max(record.mqHead, mq.length - fresh); i < mq.length; i++) {
    const message = mq[i]
    if (suspension.through(message)) {
      mq.splice(i, 1)
      record.system = [message]
      return
    }
  }
}

/**
 * Suspends the calling process until a system message or any message arrives (it then looks for
 * one to let through, and waits on).
 */
const waitForSystem: Effect.Effect<void> = Effect.callback<void>((resume) => {
  const record = currentRecord(Fiber.getCurrent()!)
  if (record.system !== undefined || record.received !== record.suspended!.seen) return resume(Effect.void)
  record.waiter = resume as (effect: Effect.Effect<unknown>) => void
  record.waitNext = Effect.void
})

/**
 * Suspends the process (OTP's `sys:suspend`): once the system message being served is done, its
 * receive serves only the system lane, and the messages `through` accepts, which it moves there;
 * the other messages wait in the mailbox, in order. Suspending a suspended process changes nothing.
 */
export const suspendUnsafe = (record: ProcessRecord, through: (message: unknown) => boolean): void => {
  if (record.suspended !== undefined) return
  // the whole queue is looked through once
  record.suspended = { through, seen: record.received - mqSize(record) }
}

/** Resumes a suspended process: its receive takes the mailbox's messages again, in order. */
export const resumeUnsafe = (record: ProcessRecord): void => {
  record.suspended = undefined
}

/**
 * Takes the first message that `match` accepts (any message, when it is undefined): the save list
 * first, then the queue. Skipped messages go to the end of the save list, so their order is kept.
 * The timeout message `token` gives `TimedOut`; other timeout messages (stale ones of earlier
 * receives) are dropped. `Empty` when no message is there. The one take of every receive: it
 * allocates nothing but the save list, for a skipped message.
 */
const take = (
  record: ProcessRecord,
  match: ((message: unknown) => boolean) | undefined,
  token: ReceiveTimeout | undefined
): unknown => {
  const saved = record.saved
  if (saved !== undefined && saved.length > 0) {
    for (let i = 0; i < saved.length; i++) {
      const message = saved[i]
      if (message instanceof ReceiveTimeout) {
        saved.splice(i--, 1)
        if (message === token) return TimedOut
      } else if (match === undefined || match(message)) {
        if (i === 0) saved.shift()
        else saved.splice(i, 1)
        return message
      }
    }
  }
  while (true) {
    const message = mqTake(record)
    if (message === Empty) return Empty
    if (record.blocked !== undefined) releaseBlocked(record)
    if (message instanceof ReceiveTimeout) {
      if (message === token) return TimedOut
    } else if (match === undefined || match(message)) {
      return message
    } else {
      ;(record.saved ??= []).push(message)
    }
  }
}

/**
 * Takes the first message that `match` accepts (see {@link take}). When `token` is given, the
 * receive gives up with `TimedOut` when that timeout message comes up. With `noWait`, an empty
 * mailbox gives `TimedOut` at once.
 */
export const receive = (
  record: ProcessRecord,
  match: ((message: unknown) => boolean) | undefined,
  token: ReceiveTimeout | undefined,
  noWait: boolean
): Effect.Effect<unknown> => {
  if (match === undefined && token === undefined && !noWait) return receiveAny
  const step = (): Effect.Effect<unknown> => {
    if (record.status === "waiting") record.status = "running"
    if (record.system !== undefined) return Effect.flatMap(runSystem(record), step)
    const message = take(record, match, token)
    if (message !== Empty) return Effect.succeed(message)
    if (noWait) return Effect.succeed(TimedOut)
    if (record.status === "running") record.status = "waiting"
    return Effect.flatMap(waitForMessage, step)
  }
  return Effect.suspend(step)
}

/**
 * Suspends the calling process until a message arrives, then goes on with `next` (the sender's wake-up
 * resumes it with `next` directly: no continuation frame per wait). Build it once per loop, not per wait.
 */
const waitThen = <A, E, R>(next: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.callback<A, E, R>((resume) => {
    const record = currentRecord(Fiber.getCurrent()!)
    // The receive found the mailbox empty one operation ago; if the fiber yielded on its operation
    // budget in between, a message or a system request that came meanwhile woke nobody (no wake-up
    // was registered yet): go on at once instead of waiting for the next one.
    if (mqSize(record) > 0 || record.system !== undefined) return resume(next)
    record.waiter = resume as (effect: Effect.Effect<unknown>) => void
    record.waitNext = next as Effect.Effect<unknown>
  })

/** Suspends the calling process until a message arrives. One value for all. */
const waitForMessage: Effect.Effect<void> = waitThen(Effect.void)

/**
 * Takes the next message, whatever it is, and goes on with `onMessage(message)`: the receive of a
 * server loop (and, with `Effect.succeed`, `receive()` with no pattern and no timeout). The hot path:
 * no continuation frame per message, and no allocation when a message is waiting. It serves the
 * system lane first, then takes as {@link receive} does ({@link take}, with no pattern and no
 * token), and waits when all are empty. {@link receive} is the same loop with a pattern or a
 * timeout: their closure would cost this path one per receive.
 */
export const receiveAnyThen = <A, E, R>(
  onMessage: (message: unknown) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> => {
  const self: Effect.Effect<A, E, R> = Effect.withFiber((fiber) => {
    const record = currentRecord(fiber)
    if (record.status === "waiting") record.status = "running"
    if (record.system !== undefined) return Effect.flatMap(runSystem(record), () => self)
    const message = take(record, undefined, undefined)
    if (message !== Empty) return onMessage(message)
    if (record.status === "running") record.status = "waiting"
    return afterWait
  })
  const afterWait = waitThen(self)
  return self
}

/** `receive()` with no pattern and no timeout: one value for every process. */
export const receiveAny: Effect.Effect<unknown> = receiveAnyThen(Effect.succeed)

/** `receive` with a timeout: a timer puts a timeout message in the process's own queue. */
export const receiveWithin = (
  record: ProcessRecord,
  match: ((message: unknown) => boolean) | undefined,
  timeout: Duration.Duration
): Effect.Effect<unknown> => {
  if (Duration.isZero(timeout)) return receive(record, match, undefined, true)
  if (!Duration.isFinite(timeout)) return receive(record, match, undefined, false)
  return Effect.suspend(() => {
    const token = new ReceiveTimeout()
    return Effect.flatMap(
      // the timeout token is not a message: it is not counted in `received`
      startTimer(
        record,
        timeout,
        () => void (record.status !== "exited" && mqPushUncounted(record, token)),
        token.ref.id
      ),
      () =>
        Effect.tap(receive(record, match, token, false), () =>
          Effect.sync(() => cancelTimerUnsafe(record, token.ref.id))
        )
    )
  })
}

/** Removes every message the predicate accepts from the mailbox (queue and save list). */
export const flushMessages = (record: ProcessRecord, predicate: (message: unknown) => boolean): number => {
  let removed = 0
  const saved = (record.saved ??= [])
  while (true) {
    const message = mqTake(record)
    if (message === Empty) break
    saved.push(message)
  }
  // one pass that keeps the others in order (a `splice` per removed message would be quadratic)
  let kept = 0
  for (let i = 0; i < saved.length; i++) {
    const message = saved[i]
    if (predicate(message)) removed++
    else saved[kept++] = message
  }
  saved.length = kept
  if (record.blocked !== undefined) releaseBlocked(record)
  return removed
}
/** Installs the handler of the process's system lane (see `pushSystem`). */
export const setSystemHandler = (
  record: ProcessRecord,
  handler: ((message: unknown) => Effect.Effect<void>) | undefined
): void => {
  record.systemHandler = handler
}

/**
 * Empties the mailbox of a process that has exited: the senders still waiting for room are let go
 * (their messages counted as dropped), and the queue, the save list and the system lane are freed.
 */
export const closeMailbox = (record: ProcessRecord): void => {
  if (record.blocked !== undefined) {
    const blocked = record.blocked
    record.blocked = undefined
    for (const admit of blocked) admit()
  }
  record.mq = undefined
  record.waiter = undefined
  record.waitNext = Effect.void
  record.saved = undefined
  record.system = undefined
}
