/**
 * The wake-up race of a receive (#14, item 1): a receive that finds its mailbox empty marks the
 * process as waiting, and registers its wake-up one Effect operation later. If the fiber yields on
 * its operation budget in between, a message sent then must still wake it. A scheduler that yields
 * exactly in that window, and sends the message from inside it, forces the interleaving.
 */
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, type Fiber, Option, Scheduler } from "effect"
import { ExitReason, Node, Process } from "effect-otp"

interface Record {
  readonly status: string
  readonly waiter: unknown
}

/**
 * Effect's scheduler, except that it yields once when the fiber of a process is between "waiting"
 * and a registered wake-up, after sending that process `message` (as another fiber would).
 */
class RaceScheduler implements Scheduler.Scheduler {
  readonly executionMode = "async" as const
  readonly inner = new Scheduler.MixedScheduler()
  fired = false
  readonly message: unknown
  constructor(message: unknown) {
    this.message = message
  }
  shouldYield(fiber: Fiber.Fiber<unknown, unknown>): boolean {
    const record = Context.getOrUndefined(fiber.context, Process.Self as never) as
      | (Record & { readonly pid: Process.Pid<unknown> })
      | undefined
    if (!this.fired && record !== undefined && record.status === "waiting" && record.waiter === undefined) {
      this.fired = true
      Process.sendUnsafe(record.pid, this.message)
      return true
    }
    return this.inner.shouldYield(fiber)
  }
  makeDispatcher() {
    return this.inner.makeDispatcher()
  }
}

/** Spawns `body` on the race scheduler and waits for its exit. */
const raced = <A>(body: Effect.Effect<A, never, Process.Self<string>>, message: string) =>
  Effect.gen(function* () {
    const scheduler = new RaceScheduler(message)
    const received: Array<unknown> = []
    const pid = yield* Effect.provideService(
      Process.spawn(Effect.flatMap(body, (m) => Effect.sync(() => received.push(m)))),
      Scheduler.Scheduler,
      scheduler
    )
    const reason = yield* Process.awaitExit(pid)
    return { fired: scheduler.fired, reason, received }
  }).pipe(Effect.provide(Node.layer()))

describe("receive: no lost wake-up", () => {
  it.live("a message sent while receive() yields between waiting and its wake-up wakes it", () =>
    Effect.gen(function* () {
      const outcome = yield* raced(Process.receive<string>(), "hello")
      assert.deepStrictEqual(outcome, { fired: true, reason: ExitReason.normal, received: ["hello"] })
    })
  )

  it.live("the same for a receive with a timeout", () =>
    Effect.gen(function* () {
      const outcome = yield* raced(
        Effect.orDie(
          Effect.map(
            Process.receive<string>({ timeout: "1 hour" }),
            Option.getOrElse(() => "timed out")
          )
        ),
        "hello"
      )
      assert.deepStrictEqual(outcome, { fired: true, reason: ExitReason.normal, received: ["hello"] })
    })
  )

  it.live("the same for a selective receive", () =>
    Effect.gen(function* () {
      const outcome = yield* raced(
        Process.receive((m: string): m is string => m === "hello"),
        "hello"
      )
      assert.deepStrictEqual(outcome, { fired: true, reason: ExitReason.normal, received: ["hello"] })
    })
  )
})
