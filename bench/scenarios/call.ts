/**
 * Scenario 4: a counter server. `call`: N synchronous requests, each waiting for its reply
 * (reported per call). `cast`: N asynchronous requests, then one call, whose reply proves that all
 * casts were handled (reported per cast).
 *
 * (a) and (b) are here; (c), effect-otp's `GenServer`, is in `otp-genserver.ts`, loaded
 * dynamically: until `effect-otp/GenServer` exists, (c) is reported as n/a.
 */
import { Deferred, Effect, Fiber, Queue } from "effect"
import type { Impl, Scenario } from "../lib/harness.ts"
import { JsProcess } from "../lib/js-actor.ts"
import { deferred, importOptional, now, nowEffect, nsPer, run, usPer } from "../lib/util.ts"

type JsRequest = { readonly tag: "call"; readonly from: JsProcess<number> } | { readonly tag: "cast" }

/** (a) plain JS: a server process holding a counter; the client process waits for each reply. */
const baselineCall = (n: number): Promise<number> => {
  const done = deferred<number>()
  let counter = 0
  const server = new JsProcess<JsRequest>((request) => {
    counter++
    if (request.tag === "call") request.from.send(counter)
  })
  const t0 = now()
  let calls = 0
  const client: JsProcess<number> = new JsProcess<number>((_, self) => {
    if (++calls === n) {
      done.resolve(now() - t0)
      self.exit()
      server.exit()
    } else server.send(call)
  })
  const call: JsRequest = { tag: "call", from: client }
  server.send(call)
  return done.promise
}

const baselineCast = (n: number): Promise<number> => {
  const done = deferred<number>()
  let counter = 0
  const server = new JsProcess<JsRequest>((request) => {
    counter++
    if (request.tag === "call") request.from.send(counter)
  })
  const t0 = now()
  const cast: JsRequest = { tag: "cast" }
  const client: JsProcess<number | "go"> = new JsProcess<number | "go">((message, self) => {
    if (message === "go") {
      for (let i = 0; i < n; i++) server.send(cast)
      server.send({ tag: "call", from: self as JsProcess<number> })
    } else {
      if (message !== n + 1) throw new Error(`counter is ${message}, expected ${n + 1}`)
      done.resolve(now() - t0)
      self.exit()
      server.exit()
    }
  })
  client.send("go")
  return done.promise
}

type EffRequest = { readonly tag: "call"; readonly reply: Deferred.Deferred<number> } | { readonly tag: "cast" }

const effectServer = (queue: Queue.Queue<EffRequest>) =>
  Effect.gen(function* () {
    let counter = 0
    while (true) {
      const request = yield* Queue.take(queue)
      counter++
      if (request.tag === "call") yield* Deferred.succeed(request.reply, counter)
    }
  })

/** The obvious raw-Effect call: a fresh `Deferred` per request, offered with it, then awaited. */
const effectCall = (queue: Queue.Queue<EffRequest>) =>
  Effect.flatMap(Deferred.make<number>(), (reply) =>
    Effect.andThen(Queue.offer(queue, { tag: "call", reply }), Deferred.await(reply))
  )

/** (b) raw Effect: a server fiber over a `Queue`; a call is a `Deferred` sent with the request. */
const rawEffectCall = (n: number): Promise<number> =>
  run(
    Effect.gen(function* () {
      const queue = yield* Queue.unbounded<EffRequest>()
      const server = yield* Effect.forkChild(effectServer(queue))
      const client = yield* Effect.forkChild(
        Effect.gen(function* () {
          const t0 = yield* nowEffect
          for (let i = 0; i < n; i++) yield* effectCall(queue)
          return (yield* nowEffect) - t0
        })
      )
      const elapsed = yield* Fiber.join(client)
      yield* Fiber.interrupt(server)
      return elapsed
    })
  )

const rawEffectCast = (n: number): Promise<number> =>
  run(
    Effect.gen(function* () {
      const queue = yield* Queue.unbounded<EffRequest>()
      const server = yield* Effect.forkChild(effectServer(queue))
      const client = yield* Effect.forkChild(
        Effect.gen(function* () {
          const t0 = yield* nowEffect
          const cast: EffRequest = { tag: "cast" }
          for (let i = 0; i < n; i++) yield* Queue.offer(queue, cast)
          const counter = yield* effectCall(queue)
          if (counter !== n + 1) return yield* Effect.die(`counter is ${counter}, expected ${n + 1}`)
          return (yield* nowEffect) - t0
        })
      )
      const elapsed = yield* Fiber.join(client)
      yield* Fiber.interrupt(server)
      return elapsed
    })
  )

/** The (c) implementation: `call(n)` / `cast(n)` give the total in ms; loaded from otp-genserver.ts. */
export interface OtpCallCast {
  readonly call: (n: number) => Promise<number>
  readonly cast: (n: number) => Promise<number>
  /** `cast` on the run-queue scheduler, whatever `--run-queue` says */
  readonly castRunQueue: (n: number) => Promise<number>
}

const loadOtp = async (): Promise<OtpCallCast | { readonly missing: string }> => {
  const module = await importOptional<typeof import("./otp-genserver.ts")>("./otp-genserver.ts", import.meta.url)
  return "missing" in module ? module : module.load()
}

const otpImpl = (
  otp: OtpCallCast | { readonly missing: string },
  f: (otp: OtpCallCast) => (warmup: boolean) => Promise<number>
): Impl => ("missing" in otp ? { unavailable: otp.missing } : ({ warmup }) => f(otp)(warmup))

export const call: Scenario = {
  id: "call-200k",
  title: "4. GenServer.call, 200,000 calls",
  unit: "µs/call",
  target: { value: 1.2 },
  reference: { beam: "1.19", effect: "2.44" },
  maxRatioToEffect: 1.0,
  repetitions: { full: 7, quick: 2 },
  warmups: { full: 2, quick: 1 },
  beam: { size: () => 200_000 },
  impls: async () => {
    const size = (warmup: boolean) => (warmup ? 20_000 : 200_000)
    const otp = await loadOtp()
    return {
      baseline: async ({ warmup }) => usPer(await baselineCall(size(warmup)), size(warmup)),
      effect: async ({ warmup }) => usPer(await rawEffectCall(size(warmup)), size(warmup)),
      otp: otpImpl(otp, (o) => async (warmup) => usPer(await o.call(size(warmup)), size(warmup)))
    }
  }
}

export const cast: Scenario = {
  id: "cast-1m",
  title: "4. GenServer.cast, 1,000,000 casts + 1 call",
  unit: "ns/cast",
  target: { value: 150 },
  reference: { beam: "120", effect: "312" },
  maxRatioToEffect: 1.25,
  repetitions: { full: 5, quick: 2 },
  warmups: { full: 1, quick: 1 },
  beam: { size: () => 1_000_000 },
  impls: async () => {
    const size = (warmup: boolean) => (warmup ? 100_000 : 1_000_000)
    const otp = await loadOtp()
    return {
      baseline: async ({ warmup }) => nsPer(await baselineCast(size(warmup)), size(warmup)),
      effect: async ({ warmup }) => nsPer(await rawEffectCast(size(warmup)), size(warmup)),
      otp: otpImpl(otp, (o) => async (warmup) => nsPer(await o.cast(size(warmup)), size(warmup)))
    }
  }
}

/** Fails a run that has not finished after `ms`: a hang becomes a failure with a reason. */
const within = <A>(ms: number, what: string, run: Promise<A>): Promise<A> => {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(what)), ms)
  })
  return Promise.race([run, timeout]).finally(() => clearTimeout(timer))
}

/**
 * The receive wake-up stress (#14, item 1): the cast burst and the call of `cast-1m`, with (c)
 * always on the run-queue scheduler, where a process is often at its operation budget as it goes
 * to wait. A message that came in that window used to wake nobody, and the call after the burst
 * never returned (2 runs in 3 before the fix). A run that takes over 30 s fails the bench.
 */
export const wakeup: Scenario = {
  id: "wakeup-200k",
  title: "4. cast burst + call on the run-queue scheduler (no lost wake-up)",
  unit: "ns/cast",
  maxRatioToEffect: 1.25,
  repetitions: { full: 9, quick: 5 },
  warmups: { full: 1, quick: 1 },
  beam: { size: () => 200_000 },
  impls: async () => {
    const size = (warmup: boolean) => (warmup ? 20_000 : 200_000)
    const otp = await loadOtp()
    const lost = "lost wake-up: the call after the cast burst did not return within 30 s"
    return {
      baseline: async ({ warmup }) => nsPer(await baselineCast(size(warmup)), size(warmup)),
      effect: async ({ warmup }) => nsPer(await rawEffectCast(size(warmup)), size(warmup)),
      otp: otpImpl(
        otp,
        (o) => async (warmup) => nsPer(await within(30_000, lost, o.castRunQueue(size(warmup))), size(warmup))
      )
    }
  }
}
