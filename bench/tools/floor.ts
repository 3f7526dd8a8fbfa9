/**
 * The floor of a fiber ping-pong on Effect 4: two fibers with a hand-made one-slot mailbox resumed
 * through `Effect.callback`, woken via the scheduler (as Queue does) or synchronously.
 * usage: npx node bench/tools/floor.ts
 */
import { Effect, Exit, Fiber, Scheduler } from "effect"
import { RunQueueScheduler } from "./scheduler.ts"

type Resume = (e: Effect.Effect<number>) => void
class Box {
  items: Array<number> = []
  waiter: Resume | undefined = undefined
}
const N = 200_000

const recv = (box: Box) =>
  Effect.callback<number>((resume) => {
    if (box.items.length > 0) resume(Exit.succeed(box.items.shift()!))
    else box.waiter = resume
  })

const sendVia = (mode: "dispatcher" | "sync") => (box: Box, m: number) =>
  Effect.withFiber((fiber) => {
    const w = box.waiter
    if (w !== undefined) {
      box.waiter = undefined
      if (mode === "sync") w(Exit.succeed(m))
      else fiber.currentDispatcher.scheduleTask(() => w(Exit.succeed(m)), 0)
    } else box.items.push(m)
    return Effect.void
  })

const pingpong = (mode: "dispatcher" | "sync") =>
  Effect.gen(function* () {
    const send = sendVia(mode)
    const a = new Box()
    const b = new Box()
    const ponger = yield* Effect.forkChild(
      Effect.gen(function* () {
        while (true) yield* send(a, yield* recv(b))
      })
    )
    const t0 = performance.now()
    const pinger = yield* Effect.forkChild(
      Effect.gen(function* () {
        for (let i = 0; i < N; i++) {
          yield* send(b, i)
          yield* recv(a)
        }
      })
    )
    yield* Fiber.join(pinger)
    const us = ((performance.now() - t0) * 1000) / N
    yield* Fiber.interrupt(ponger)
    return us
  })

const schedulers: Record<string, Scheduler.Scheduler | undefined> = {
  default: undefined,
  "effect sync (microtask, no budget)": new Scheduler.MixedScheduler("sync"),
  runqueue: new RunQueueScheduler()
}
for (const [name, scheduler] of Object.entries(schedulers)) {
  for (const mode of ["dispatcher", "sync"] as const) {
    const opts = scheduler === undefined ? undefined : { scheduler }
    await Effect.runPromise(pingpong(mode), opts)
    const xs = []
    for (let i = 0; i < 3; i++) xs.push(await Effect.runPromise(pingpong(mode), opts))
    console.log(`${name.padEnd(36)} wake=${mode.padEnd(10)} ${xs.map((x) => x.toFixed(2)).join(" ")} µs/round trip`)
  }
}
