/**
 * Scenario 7: fairness. A process spins in a tight loop (no receive) while a ping-pong pair runs
 * beside it; the figure is the 99th percentile of the pair's round-trip time. A chain of 1 ms
 * `setTimeout`s runs at the same time, and its lateness (p99, max) is reported as a secondary
 * figure: a scheduler that starves the event loop shows up there.
 *
 * The hog does the same unit of work in all three: one step of a linear congruential generator.
 * (a) plain JS runs it in slices of 2,048 steps and yields with `setImmediate` between slices (a
 * well-behaved JS busy loop); the pair uses microtasks. (b) and (c) run it as
 * `Effect.forever(Effect.sync(step), { disableYield: true })`: only Effect's operation budget
 * (`MaxOpsBeforeYield`, 2,048) pre-empts it.
 *
 * (c) also runs the pair beside a spinner spawned with a smaller reduction budget
 * (`Process.spawn(hog, { reductions: 128 })`, 1/16 of the default): its figures are secondary ones,
 * "budget 128: ...", showing what the option does for the spinner's neighbours.
 */
import { Effect, Fiber, Queue } from "effect"
import { Process } from "effect-otp"
import { quantile, type Sample, type Scenario } from "../lib/harness.ts"
import { JsProcess } from "../lib/js-actor.ts"
import { deferred, now, run, runOnNode } from "../lib/util.ts"

let lcg = 1
const step = (): void => {
  lcg = (Math.imul(lcg, 1103515245) + 12345) | 0
}

/** A 1 ms timer chain recording how late each tick fires. */
const timerProbe = () => {
  const lags: Array<number> = []
  let due = now() + 1
  let stopped = false
  let handle: NodeJS.Timeout
  const tick = () => {
    const t = now()
    lags.push(Math.max(0, t - due))
    if (stopped) return
    due = t + 1
    handle = setTimeout(tick, 1)
  }
  handle = setTimeout(tick, 1)
  return {
    stop: () => {
      stopped = true
      clearTimeout(handle)
      // the tick that had not fired yet: late by now - due, or not late at all if not yet due
      lags.push(Math.max(0, now() - due))
      return lags
    }
  }
}

const result = (rtts: Float64Array, lags: ReadonlyArray<number>): Sample => ({
  value: quantile(rtts, 0.99) * 1000,
  extra: {
    "round trip p50 (µs)": quantile(rtts, 0.5) * 1000,
    "timer lag p99 (ms)": quantile(lags, 0.99),
    "timer lag max (ms)": Math.max(...lags),
    "timer ticks": lags.length
  }
})

/** (a) plain JS. */
const baseline = async (n: number): Promise<Sample> => {
  const rtts = new Float64Array(n)
  let hogging = true
  const slice = () => {
    for (let i = 0; i < 2048; i++) step()
    if (hogging) setImmediate(slice)
  }
  setImmediate(slice)
  const probe = timerProbe()
  const done = deferred<void>()
  const ponger = new JsProcess<JsProcess<"pong">>((from) => from.send("pong"))
  let i = 0
  let t = now()
  const pinger: JsProcess<"pong"> = new JsProcess<"pong">((_, self) => {
    const t1 = now()
    rtts[i++] = t1 - t
    if (i === n) {
      self.exit()
      ponger.exit()
      done.resolve()
    } else {
      t = t1
      ponger.send(self)
    }
  })
  ponger.send(pinger)
  await done.promise
  hogging = false
  return result(rtts, probe.stop())
}

const hogEffect = Effect.forever(Effect.sync(step), { disableYield: true })

/** (b) raw Effect. */
const rawEffect = (n: number): Promise<Sample> =>
  run(
    Effect.gen(function* () {
      const rtts = new Float64Array(n)
      const pings = yield* Queue.unbounded<number>()
      const pongs = yield* Queue.unbounded<number>()
      const hog = yield* Effect.forkChild(hogEffect)
      const ponger = yield* Effect.forkChild(
        Effect.gen(function* () {
          while (true) yield* Queue.offer(pongs, yield* Queue.take(pings))
        })
      )
      yield* Effect.yieldNow
      const probe = timerProbe()
      const pinger = yield* Effect.forkChild(
        Effect.gen(function* () {
          for (let i = 0; i < n; i++) {
            const t = now()
            yield* Queue.offer(pings, i)
            yield* Queue.take(pongs)
            rtts[i] = now() - t
          }
        })
      )
      yield* Fiber.join(pinger)
      const lags = probe.stop()
      yield* Fiber.interrupt(hog)
      yield* Fiber.interrupt(ponger)
      return result(rtts, lags)
    })
  )

type Ping = { readonly from: Process.Pid<"pong"> }

/** The spinner's budget in (c)'s second run. */
const SMALL_BUDGET = 128

/** (c) effect-otp, the spinner on the default budget, then on {@link SMALL_BUDGET}. */
const otp = async (n: number): Promise<Sample> => {
  const byDefault = await otpPair(n, undefined)
  const small = await otpPair(n, SMALL_BUDGET)
  const extra: Record<string, number> = { ...byDefault.extra }
  for (const [key, value] of Object.entries({ "round trip p99 (µs)": small.value, ...small.extra })) {
    if (!key.startsWith("timer ticks")) extra[`budget ${SMALL_BUDGET}: ${key}`] = value
  }
  return { value: byDefault.value, extra }
}

const otpPair = (n: number, reductions: number | undefined): Promise<Sample> =>
  runOnNode(
    Effect.gen(function* () {
      const rtts = new Float64Array(n)
      const hog = yield* Process.spawn(hogEffect, { reductions })
      const ponger = yield* Process.spawn(
        Effect.gen(function* () {
          while (true) {
            const ping = yield* Process.receive<Ping>()
            yield* Process.send(ping.from, "pong")
          }
        })
      )
      yield* Effect.yieldNow
      const probe = timerProbe()
      const pinger = yield* Process.spawn(
        Effect.gen(function* () {
          const ping: Ping = { from: yield* Process.self<"pong">() }
          for (let i = 0; i < n; i++) {
            const t = now()
            yield* Process.send(ponger, ping)
            yield* Process.receive<"pong">()
            rtts[i] = now() - t
          }
        })
      )
      yield* Process.awaitExit(pinger)
      const lags = probe.stop()
      yield* Process.kill(hog)
      yield* Process.kill(ponger)
      return result(rtts, lags)
    }).pipe(Effect.orDie)
  )

export const fairness: Scenario = {
  id: "fairness",
  title: "7. fairness: ping-pong p99 beside a busy loop",
  unit: "µs p99 round trip",
  reference: { beam: "—", effect: "—" },
  maxRatioToEffect: 1.25,
  repetitions: { full: 5, quick: 3 },
  warmups: { full: 1, quick: 1 },
  beam: { size: () => 1_000, warmupSize: () => 200, extras: { p50_us: "round trip p50 (µs)" } },
  impls: async () => {
    const size = (warmup: boolean) => (warmup ? 200 : 1_000)
    return {
      baseline: ({ warmup }) => baseline(size(warmup)),
      effect: ({ warmup }) => rawEffect(size(warmup)),
      otp: ({ warmup }) => otp(size(warmup))
    }
  }
}
