/**
 * The scale scenarios (#14, item 3): many processes at once. (b) raw Effect and (c) effect-otp run
 * here, BEAM in bench/beam/beam_bench.erl; there is no plain-JS (a) for them. `--quick` runs a
 * reduced form (fewer processes, calls or rounds, fewer repetitions), said in each title.
 *
 * - `idle-1m`: heap per idle process with 1,000,000 of them (quick: 200,000), as `memory-100k`.
 * - `dynsup-stop-10k`, `dynsup-stop-100k`: stopping a DynamicSupervisor with that many idle
 *   children (BEAM: a `simple_one_for_one` supervisor; (b): interrupting that many fibers).
 * - `callers-10k`: 10,000 callers call one counter server at once, 20 calls each (quick: 5): the
 *   p99 of a call's latency, its p50 and the throughput beside it.
 * - `broadcast-10k`: a message to the 10,000 subscribers of one key of a duplicate-key Registry,
 *   each answering the broadcaster (BEAM: a `pg` group); ms per round, 20 rounds (quick: 5).
 * - `tree-10k`: a one-for-one Supervisor with 10,000 workers started, then stopped: build +
 *   teardown in ms, each apart beside it ((b): 10,000 fibers forked into a scope, then closed).
 */
import { Deferred, Effect, Exit, Fiber, Queue, Scope } from "effect"
import { DynamicSupervisor, GenServer, Process, Registry, Supervisor } from "effect-otp"
import { quantile, type Sample, type Scenario } from "../lib/harness.ts"
import { now, nowEffect, run, runOnNode } from "../lib/util.ts"
import { idleEffect, idleOtp } from "./memory.ts"
import { Counter, increment } from "./otp-genserver.ts"

const noBaseline = { unavailable: "scale scenario: raw Effect and BEAM are the references" }

const idleSize = (quick: boolean | undefined) => (quick === true ? 200_000 : 1_000_000)

const withHeap = (sample: number | Sample, n: number): Sample => {
  const bytesPerProcess = typeof sample === "number" ? sample : sample.value
  return {
    value: bytesPerProcess,
    extra: { ...(typeof sample === "number" ? {} : sample.extra), "heap (MB)": (bytesPerProcess * n) / 1048576 }
  }
}

export const idle1m: Scenario = {
  id: "idle-1m",
  title: "scale: heap per idle process, 1,000,000 (quick: 200,000)",
  unit: "bytes/process",
  target: { value: 1_000 },
  maxRatioToEffect: 1.25,
  repetitions: { full: 1, quick: 1 },
  warmups: { full: 0, quick: 0 },
  beam: { size: idleSize, warmupSize: () => 1, extras: { heap_MB: "heap (MB)" } },
  impls: async () => ({
    baseline: noBaseline,
    effect: async ({ quick }) => withHeap(await idleEffect(idleSize(quick)), idleSize(quick)),
    otp: async ({ quick }) => withHeap(await idleOtp(idleSize(quick)), idleSize(quick))
  })
}

// ---------------------------------------------------------------------------------------------

const idleBody = Process.receive<never>()
const idleChild = { id: "worker", start: Process.spawnLink(idleBody) }

/** (c): a DynamicSupervisor with `n` idle children; the time `stop` takes, in ms. */
const dynsupOtp = (n: number): Promise<number> =>
  runOnNode(
    Effect.gen(function* () {
      const sup = yield* DynamicSupervisor.start()
      for (let i = 0; i < n; i++) yield* DynamicSupervisor.startChild(sup, idleChild)
      const t0 = yield* nowEffect
      yield* DynamicSupervisor.stop(sup)
      return (yield* nowEffect) - t0
    }).pipe(Effect.orDie)
  )

/** (b): `n` fibers blocked on their queues; the time interrupting them all takes, in ms. */
const dynsupEffect = (n: number): Promise<number> =>
  run(
    Effect.gen(function* () {
      const fibers = new Array<Fiber.Fiber<number>>(n)
      for (let i = 0; i < n; i++) {
        const queue = yield* Queue.unbounded<number>()
        fibers[i] = yield* Effect.forkChild(Queue.take(queue))
      }
      yield* Effect.yieldNow
      const t0 = yield* nowEffect
      yield* Fiber.interruptAll(fibers)
      return (yield* nowEffect) - t0
    })
  )

const dynsup = (n: number, label: string, repetitions: { full: number; quick: number }): Scenario => ({
  id: `dynsup-stop-${label}`,
  title: `scale: stop a DynamicSupervisor of ${n.toLocaleString("en-US")} children`,
  unit: "ms",
  maxRatioToEffect: undefined,
  repetitions,
  warmups: { full: 1, quick: 1 },
  beam: { size: () => n },
  impls: async () => {
    const size = (warmup: boolean) => (warmup ? n / 10 : n)
    return {
      baseline: noBaseline,
      effect: ({ warmup }) => dynsupEffect(size(warmup)),
      otp: ({ warmup }) => dynsupOtp(size(warmup))
    }
  }
})

export const dynsupStop10k = dynsup(10_000, "10k", { full: 5, quick: 3 })
export const dynsupStop100k = dynsup(100_000, "100k", { full: 3, quick: 1 })

// ---------------------------------------------------------------------------------------------

const CALLERS = 10_000
const callsPerCaller = (quick: boolean | undefined, warmup: boolean) => (warmup ? 2 : quick === true ? 5 : 20)

/** p99 of the latencies (µs), with the p50 and the calls per second beside it. */
const latencies = (ms: Float64Array, elapsedMs: number): Sample => ({
  value: quantile(ms, 0.99) * 1000,
  extra: { "call p50 (µs)": quantile(ms, 0.5) * 1000, "calls/s": ms.length / (elapsedMs / 1000) }
})

/** `CALLERS` fibers at once, each making `k` timed calls with `callOnce`. */
const callers = <E>(k: number, callOnce: Effect.Effect<unknown, E>) =>
  Effect.gen(function* () {
    const ms = new Float64Array(CALLERS * k)
    const t0 = yield* nowEffect
    const fibers = new Array<Fiber.Fiber<void, E>>(CALLERS)
    for (let c = 0; c < CALLERS; c++) {
      fibers[c] = yield* Effect.forkChild(
        Effect.gen(function* () {
          for (let i = 0; i < k; i++) {
            const t = now()
            yield* callOnce
            ms[c * k + i] = now() - t
          }
        })
      )
    }
    yield* Fiber.joinAll(fibers)
    return latencies(ms, (yield* nowEffect) - t0)
  })

/** (b): a server fiber over a queue of requests, each with its `Deferred` reply. */
const callersEffect = (k: number): Promise<Sample> =>
  run(
    Effect.gen(function* () {
      const requests = yield* Queue.unbounded<Deferred.Deferred<number>>()
      let count = 0
      const server = yield* Effect.forkChild(
        Effect.forever(
          Effect.flatMap(Queue.take(requests), (reply) => Deferred.succeed(reply, ++count)),
          {
            disableYield: true
          }
        )
      )
      const call = Effect.flatMap(Deferred.make<number>(), (reply) =>
        Effect.andThen(Queue.offer(requests, reply), Deferred.await(reply))
      )
      const sample = yield* callers(k, call)
      yield* Fiber.interrupt(server)
      return sample
    })
  )

/** (c): the counter GenServer of `call-200k`, default call options. */
const callersOtp = (k: number): Promise<Sample> =>
  runOnNode(
    Effect.gen(function* () {
      const server = yield* GenServer.start(Counter, 0)
      const sample = yield* callers(k, GenServer.call(server, increment))
      yield* GenServer.stop(server)
      return sample
    }).pipe(Effect.orDie)
  )

export const callers10k: Scenario = {
  id: "callers-10k",
  title: "scale: 10,000 concurrent callers of one server, 20 calls each (quick: 5)",
  unit: "µs p99 call",
  maxRatioToEffect: undefined,
  repetitions: { full: 3, quick: 1 },
  warmups: { full: 1, quick: 1 },
  beam: {
    size: (quick) => callsPerCaller(quick, false),
    warmupSize: () => 2,
    extras: { p50_us: "call p50 (µs)", calls_per_s: "calls/s" }
  },
  impls: async () => ({
    baseline: noBaseline,
    effect: ({ warmup, quick }) => callersEffect(callsPerCaller(quick, warmup)),
    otp: ({ warmup, quick }) => callersOtp(callsPerCaller(quick, warmup))
  })
}

// ---------------------------------------------------------------------------------------------

const SUBSCRIBERS = 10_000
const rounds = (quick: boolean | undefined, warmup: boolean) => (warmup ? 2 : quick === true ? 5 : 20)

type News = { readonly from: Process.Pid<"ack"> }

/** (c): 10,000 processes registered under one key; each round a `dispatch` to all, then their acks. */
const broadcastOtp = (r: number): Promise<number> =>
  runOnNode(
    Effect.gen(function* () {
      const registry = yield* Registry.start<string, undefined>({ keys: "duplicate", name: "bench-broadcast" })
      const joined = yield* Deferred.make<void>()
      let count = 0
      const subscriber = Effect.gen(function* () {
        yield* Registry.register(registry, "topic", undefined)
        if (++count === SUBSCRIBERS) yield* Deferred.succeed(joined, undefined)
        while (true) {
          const news = yield* Process.receive<News>()
          yield* Process.send(news.from, "ack")
        }
      })
      for (let i = 0; i < SUBSCRIBERS; i++) yield* Process.spawn(subscriber)
      yield* Deferred.await(joined)
      const done = yield* Deferred.make<number>()
      yield* Process.spawn(
        Effect.gen(function* () {
          const news: News = { from: yield* Process.self<"ack">() }
          const t0 = yield* nowEffect
          for (let i = 0; i < r; i++) {
            yield* Registry.dispatch(registry, "topic", (entries) =>
              Effect.sync(() => {
                for (const [pid] of entries) Process.sendUnsafe(pid as Process.Pid<News>, news)
              })
            )
            for (let a = 0; a < SUBSCRIBERS; a++) yield* Process.receive<"ack">()
          }
          yield* Deferred.succeed(done, ((yield* nowEffect) - t0) / r)
        })
      )
      return yield* Deferred.await(done)
    }).pipe(Effect.orDie)
  )

/** (b): 10,000 fibers, each on its queue; each round an offer to every queue, then their acks. */
const broadcastEffect = (r: number): Promise<number> =>
  run(
    Effect.gen(function* () {
      const acks = yield* Queue.unbounded<"ack">()
      const queues = new Array<Queue.Queue<"news">>(SUBSCRIBERS)
      const fibers = new Array<Fiber.Fiber<never>>(SUBSCRIBERS)
      for (let i = 0; i < SUBSCRIBERS; i++) {
        const queue = (queues[i] = yield* Queue.unbounded<"news">())
        fibers[i] = yield* Effect.forkChild(
          Effect.forever(Effect.andThen(Queue.take(queue), Queue.offer(acks, "ack")), { disableYield: true })
        )
      }
      const t0 = yield* nowEffect
      for (let i = 0; i < r; i++) {
        for (const queue of queues) Queue.offerUnsafe(queue, "news")
        for (let a = 0; a < SUBSCRIBERS; a++) yield* Queue.take(acks)
      }
      const elapsed = ((yield* nowEffect) - t0) / r
      yield* Fiber.interruptAll(fibers)
      return elapsed
    })
  )

export const broadcast10k: Scenario = {
  id: "broadcast-10k",
  title: "scale: Registry broadcast to 10,000 subscribers, each answering, 20 rounds (quick: 5)",
  unit: "ms/broadcast",
  maxRatioToEffect: undefined,
  repetitions: { full: 3, quick: 1 },
  warmups: { full: 1, quick: 1 },
  beam: { size: (quick) => rounds(quick, false), warmupSize: () => 2 },
  impls: async () => ({
    baseline: noBaseline,
    effect: ({ warmup, quick }) => broadcastEffect(rounds(quick, warmup)),
    otp: ({ warmup, quick }) => broadcastOtp(rounds(quick, warmup))
  })
}

// ---------------------------------------------------------------------------------------------

const TREE = 10_000

const buildAndTeardown = (build: number, teardown: number): Sample => ({
  value: build + teardown,
  extra: { "build (ms)": build, "teardown (ms)": teardown }
})

/** (c): a one-for-one Supervisor with `n` idle workers, started then stopped. */
const treeOtp = (n: number): Promise<Sample> =>
  runOnNode(
    Effect.gen(function* () {
      const children = Array.from({ length: n }, (_, i) => ({ id: `w${i}`, start: Process.spawnLink(idleBody) }))
      const t0 = yield* nowEffect
      const sup = yield* Supervisor.start({ strategy: "oneForOne", children })
      const t1 = yield* nowEffect
      yield* Supervisor.stop(sup)
      return buildAndTeardown(t1 - t0, (yield* nowEffect) - t1)
    }).pipe(Effect.orDie)
  )

/** (b): `n` fibers, each on its queue, forked into a scope, then the scope closed. */
const treeEffect = (n: number): Promise<Sample> =>
  run(
    Effect.gen(function* () {
      const t0 = yield* nowEffect
      const scope = yield* Scope.make()
      for (let i = 0; i < n; i++) {
        const queue = yield* Queue.unbounded<number>()
        yield* Effect.forkIn(Queue.take(queue), scope)
      }
      yield* Effect.yieldNow
      const t1 = yield* nowEffect
      yield* Scope.close(scope, Exit.void)
      return buildAndTeardown(t1 - t0, (yield* nowEffect) - t1)
    })
  )

export const tree10k: Scenario = {
  id: "tree-10k",
  title: "scale: a supervisor of 10,000 workers, built then torn down",
  unit: "ms",
  maxRatioToEffect: undefined,
  repetitions: { full: 5, quick: 2 },
  warmups: { full: 1, quick: 1 },
  beam: { size: () => TREE, extras: { build_ms: "build (ms)", teardown_ms: "teardown (ms)" } },
  impls: async () => {
    const size = (warmup: boolean) => (warmup ? TREE / 10 : TREE)
    return {
      baseline: noBaseline,
      effect: ({ warmup }) => treeEffect(size(warmup)),
      otp: ({ warmup }) => treeOtp(size(warmup))
    }
  }
}
