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
 *
 * "busy pair: ..." (secondary, (b) and (c)): is the event loop served beside a ping-pong pair that
 * never stops (no spinner)? For a fixed time ({@link BUSY_MS}) the pair bounces messages as fast as
 * it can while the 1 ms timer chain runs and a loopback TCP client sends one byte at a time to an
 * echo server in the same process, waiting for each echo before the next: the timers' lateness
 * (p99), the echoes answered and their round trip (p99), and the pair's round trips. (c) runs it on
 * the node's default scheduler, then on Effect's (`scheduler: "effect"`, "effect scheduler: ...").
 */
import * as Net from "node:net"
import { Effect, Fiber, Queue } from "effect"
import { Process } from "effect-otp"
import { quantile, type Sample, type Scenario } from "../lib/harness.ts"
import { JsProcess } from "../lib/js-actor.ts"
import { deferred, now, run, runOnNode, runOnNodeWith } from "../lib/util.ts"

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

/** How long the busy pair runs, in ms (a warm-up runs a fifth of it). */
const BUSY_MS = 200

/**
 * A loopback TCP echo: a server and a client in this process; the client sends one byte, waits for
 * it to come back, records the round trip and sends the next, until stopped.
 */
const echoProbe = async () => {
  const server = Net.createServer((socket) => {
    socket.setNoDelay(true)
    socket.on("data", (data) => socket.write(data))
    socket.on("error", () => {}) // the client's reset at the end
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as Net.AddressInfo).port
  const client = Net.connect(port, "127.0.0.1")
  client.setNoDelay(true)
  await new Promise<void>((resolve) => client.once("connect", () => resolve()))
  const rtts: Array<number> = []
  let stopped = false
  let sent = 0
  const send = () => {
    sent = now()
    client.write("x")
  }
  client.on("data", () => {
    rtts.push(now() - sent)
    if (!stopped) send()
  })
  send()
  return {
    stop: async () => {
      stopped = true
      const waiting = now() - sent
      client.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      // the echo not answered yet counts with its wait so far: a starved loop shows here
      return [...rtts, waiting]
    }
  }
}

/** Runs `pair(until)` (a ping-pong pair bouncing until that time; it answers its round trips) beside the probes. */
const busyPair = async (ms: number, pair: (until: number) => Promise<number>): Promise<Record<string, number>> => {
  const echo = await echoProbe()
  const timers = timerProbe()
  const rounds = await pair(now() + ms)
  const lags = timers.stop()
  const echoes = await echo.stop()
  return {
    "busy pair: timer lag p99 (ms)": quantile(lags, 0.99),
    "busy pair: timer ticks": lags.length,
    "busy pair: echoes answered": echoes.length - 1,
    "busy pair: echo round trip p99 (ms)": quantile(echoes, 0.99),
    "busy pair: round trips (k)": rounds / 1000
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

/** (b)'s busy pair: two fibers and two queues, as in (b)'s pair above. */
const rawEffectBusy = (until: number): Promise<number> =>
  run(
    Effect.gen(function* () {
      const pings = yield* Queue.unbounded<number>()
      const pongs = yield* Queue.unbounded<number>()
      const ponger = yield* Effect.forkChild(
        Effect.gen(function* () {
          while (true) yield* Queue.offer(pongs, yield* Queue.take(pings))
        })
      )
      const pinger = yield* Effect.forkChild(
        Effect.gen(function* () {
          let rounds = 0
          while (now() < until) {
            yield* Queue.offer(pings, rounds)
            yield* Queue.take(pongs)
            rounds++
          }
          return rounds
        })
      )
      const rounds = yield* Fiber.join(pinger)
      yield* Fiber.interrupt(ponger)
      return rounds
    })
  )

type Ping = { readonly from: Process.Pid<"pong"> }

/** (c)'s busy pair: two processes, as in (c)'s pair above. */
const otpBusy =
  (scheduler: "effect" | undefined) =>
  (until: number): Promise<number> =>
    runOnNodeWith(
      scheduler,
      Effect.gen(function* () {
        const ponger = yield* Process.spawn(
          Effect.gen(function* () {
            while (true) {
              const ping = yield* Process.receive<Ping>()
              yield* Process.send(ping.from, "pong")
            }
          })
        )
        let rounds = 0
        const pinger = yield* Process.spawn(
          Effect.gen(function* () {
            const ping: Ping = { from: yield* Process.self<"pong">() }
            while (now() < until) {
              yield* Process.send(ponger, ping)
              yield* Process.receive<"pong">()
              rounds++
            }
          })
        )
        yield* Process.awaitExit(pinger)
        yield* Process.kill(ponger)
        return rounds
      }).pipe(Effect.orDie)
    )

/** The spinner's budget in (c)'s second run. */
const SMALL_BUDGET = 128

/** (c) effect-otp, the spinner on the default budget, then on {@link SMALL_BUDGET}; then the busy pair on both schedulers. */
const otp = async (n: number, busyMs: number): Promise<Sample> => {
  const byDefault = await otpPair(n, undefined)
  const small = await otpPair(n, SMALL_BUDGET)
  const extra: Record<string, number> = { ...byDefault.extra }
  for (const [key, value] of Object.entries({ "round trip p99 (µs)": small.value, ...small.extra })) {
    if (!key.startsWith("timer ticks")) extra[`budget ${SMALL_BUDGET}: ${key}`] = value
  }
  Object.assign(extra, await busyPair(busyMs, otpBusy(undefined)))
  for (const [key, value] of Object.entries(await busyPair(busyMs, otpBusy("effect")))) {
    extra[`effect scheduler: ${key}`] = value
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
    const busyMs = (warmup: boolean) => (warmup ? BUSY_MS / 5 : BUSY_MS)
    return {
      baseline: ({ warmup }) => baseline(size(warmup)),
      effect: async ({ warmup }) => {
        const sample = await rawEffect(size(warmup))
        return { value: sample.value, extra: { ...sample.extra, ...(await busyPair(busyMs(warmup), rawEffectBusy)) } }
      },
      otp: ({ warmup }) => otp(size(warmup), busyMs(warmup))
    }
  }
}
