/**
 * Scenario 5: supervisor restart. A one-for-one supervisor with one permanent worker; restart
 * intensity is checked on every restart (a sliding window, limit 1,000,000 in 1 s, so it never
 * trips). One cycle: ask the supervisor for its child, watch the child, tell it to crash, wait for
 * its exit, then ask the supervisor again, which answers only after it has handled the child's
 * exit (the exit signal is ahead of the request in its mailbox): the answer is the restarted,
 * registered child. Reported per cycle.
 *
 * The crash is a thrown, pre-allocated error (no stack capture per crash) in all three. (a) and
 * (b) are here; (c), effect-otp's `Supervisor`, is in `otp-supervisor.ts`, loaded dynamically.
 */
import { Clock, Deferred, Effect, type Exit, Fiber, Queue } from "effect"
import type { Impl, Scenario } from "../lib/harness.ts"
import { type ExitReason, JsProcess } from "../lib/js-actor.ts"
import { crash, importOptional, now, nowEffect, run, usPer } from "../lib/util.ts"

const LIMIT = 1_000_000
const WINDOW_MS = 1_000

/** Restart intensity: at most `limit` restarts in a sliding window (timestamps, oldest first). */
class Intensity {
  private stamps: Array<number> = []
  private head = 0
  /** Records a restart at `t`; false when the limit is exceeded. */
  record(t: number): boolean {
    const stamps = this.stamps
    while (this.head < stamps.length && t - stamps[this.head]! >= WINDOW_MS) this.head++
    if (this.head > 1024 && this.head * 2 > stamps.length) {
      this.stamps = stamps.slice(this.head)
      this.head = 0
    }
    this.stamps.push(t)
    return this.stamps.length - this.head <= LIMIT
  }
}

// ---------------------------------------------------------------------------------------------
// (a) plain JS
// ---------------------------------------------------------------------------------------------

type JsWorkerMsg = "crash"
type JsSupMsg =
  | { readonly tag: "EXIT"; readonly from: JsProcess<JsWorkerMsg>; readonly reason: ExitReason }
  | { readonly tag: "whichChildren"; readonly reply: (child: JsProcess<JsWorkerMsg>) => void }

const jsWorker = (): JsProcess<JsWorkerMsg> =>
  new JsProcess<JsWorkerMsg>(() => {
    throw crash
  })

const baseline = async (n: number): Promise<number> => {
  const intensity = new Intensity()
  let child: JsProcess<JsWorkerMsg>
  const startChild = () => {
    child = jsWorker()
    child.addObserver((reason, from) => supervisor.send({ tag: "EXIT", from, reason }))
  }
  const supervisor: JsProcess<JsSupMsg> = new JsProcess<JsSupMsg>((message, self) => {
    if (message.tag === "whichChildren") return message.reply(child)
    if (message.from !== child) return
    if (!intensity.record(Date.now())) return self.exit({ crash: "shutdown" })
    startChild()
  })
  startChild()
  const whichChildren = () =>
    new Promise<JsProcess<JsWorkerMsg>>((reply) => supervisor.send({ tag: "whichChildren", reply }))
  const t0 = now()
  let current = await whichChildren()
  for (let i = 0; i < n; i++) {
    const down = new Promise<void>((resolve) => current.addObserver(() => resolve()))
    current.send("crash")
    await down
    const next = await whichChildren()
    if (next === current || !next.alive) throw new Error("the child was not restarted")
    current = next
  }
  const elapsed = now() - t0
  supervisor.exit()
  current.exit()
  return elapsed
}

// ---------------------------------------------------------------------------------------------
// (b) raw Effect
// ---------------------------------------------------------------------------------------------

interface EffChild {
  readonly fiber: Fiber.Fiber<never, unknown>
  readonly mailbox: Queue.Queue<"crash">
}

type EffSupMsg =
  | { readonly tag: "EXIT"; readonly child: EffChild; readonly exit: Exit.Exit<never, unknown> }
  | { readonly tag: "whichChildren"; readonly reply: Deferred.Deferred<EffChild> }

const effectWorker = (mailbox: Queue.Queue<"crash">): Effect.Effect<never> =>
  Effect.flatMap(Queue.take(mailbox), () => Effect.die(crash))

/** The obvious raw-Effect supervisor: a fiber over a `Queue`; children report their exit via an observer. */
const rawEffect = (n: number): Promise<number> =>
  run(
    Effect.gen(function* () {
      const supQueue = yield* Queue.unbounded<EffSupMsg>()
      const startChild = Effect.gen(function* () {
        const mailbox = yield* Queue.unbounded<"crash">()
        const fiber = yield* Effect.forkDetach(effectWorker(mailbox))
        const child: EffChild = { fiber, mailbox }
        fiber.addObserver((exit) => Queue.offerUnsafe(supQueue, { tag: "EXIT", child, exit }))
        return child
      })
      const supervisor = yield* Effect.forkChild(
        Effect.gen(function* () {
          const intensity = new Intensity()
          let child = yield* startChild
          while (true) {
            const message = yield* Queue.take(supQueue)
            if (message.tag === "whichChildren") {
              yield* Deferred.succeed(message.reply, child)
            } else if (message.child === child) {
              if (!intensity.record(yield* Clock.currentTimeMillis)) return yield* Effect.interrupt
              child = yield* startChild
            }
          }
        })
      )
      const whichChildren = Effect.flatMap(Deferred.make<EffChild>(), (reply) =>
        Effect.andThen(Queue.offer(supQueue, { tag: "whichChildren", reply }), Deferred.await(reply))
      )
      const t0 = yield* nowEffect
      let current = yield* whichChildren
      for (let i = 0; i < n; i++) {
        yield* Queue.offer(current.mailbox, "crash")
        yield* Fiber.await(current.fiber)
        const next = yield* whichChildren
        if (next === current || next.fiber.pollUnsafe() !== undefined) {
          return yield* Effect.die("the child was not restarted")
        }
        current = next
      }
      const elapsed = (yield* nowEffect) - t0
      yield* Fiber.interrupt(supervisor)
      yield* Fiber.interrupt(current.fiber)
      return elapsed
    })
  )

// ---------------------------------------------------------------------------------------------

/** The (c) implementation: `cycles(n)` gives the total in ms; loaded from otp-supervisor.ts. */
export interface OtpRestart {
  readonly cycles: (n: number) => Promise<number>
}

export const restart: Scenario = {
  id: "restart-10k",
  title: "5. supervisor restart, 10,000 cycles",
  unit: "µs/cycle",
  target: { value: 10 },
  reference: { beam: "86–89", effect: "7.7" },
  maxRatioToEffect: 1.25,
  // 5 repetitions even in quick mode: a run is ~0.1 s, and a median of 3 moved by ±0.1 in c/b
  repetitions: { full: 9, quick: 5 },
  // full-size warm-ups: at 1,000 cycles the JIT is still far from its steady state (the first
  // 10,000-cycle runs of (c) took 30, then 23, then 15 µs per cycle)
  warmups: { full: 2, quick: 2 },
  beam: { size: () => 10_000, warmupSize: () => 1_000 },
  impls: async () => {
    const size = (_warmup: boolean) => 10_000
    const module = await importOptional<typeof import("./otp-supervisor.ts")>("./otp-supervisor.ts", import.meta.url)
    const otp = "missing" in module ? module : await module.load()
    const otpImpl: Impl =
      "missing" in otp
        ? { unavailable: otp.missing }
        : async ({ warmup }) => usPer(await otp.cycles(size(warmup)), size(warmup))
    return {
      baseline: async ({ warmup }) => usPer(await baseline(size(warmup)), size(warmup)),
      effect: async ({ warmup }) => usPer(await rawEffect(size(warmup)), size(warmup)),
      otp: otpImpl
    }
  }
}
