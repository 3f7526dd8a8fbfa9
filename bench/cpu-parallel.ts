/**
 * CPU parallelism on a WorkerPool: `4 × cores` jobs of `fib(32)` on a pool of `cores` threads,
 * against the same jobs one after the other on the main thread.
 *
 *   npx node bench/cpu-parallel.ts [--quick] [--json <file>]
 *
 * Self-contained: this file is also the worker module (it serves when it is not the main thread).
 * Reported, each as median / min / max over the repetitions:
 *
 * - `sequential`: the jobs on the main thread, ms;
 * - `pool`: the same jobs through `WorkerPool.map` (the pool started and warmed up beforehand), ms;
 * - `rawThreads`: the same jobs on plain `worker_threads` (no Effect, no Schema), ms: what the
 *   machine itself allows, so that a low speed-up can be told apart from pool overhead;
 * - `speedup`: sequential / pool per repetition (the goal: ≥ 1.7 on an idle 2-core machine);
 * - `rawSpeedup`: sequential / rawThreads per repetition: the ceiling the machine gave this run;
 * - `startup`: from `WorkerPool.make` to a pool of one thread serving, ms (a thread loads its own
 *   copy of the modules it imports);
 * - `call`: the round trip of a trivial call (`fib(1)`), one at a time, µs: the per-call overhead
 *   (Schema encoding both ways, the RPC messages, the scheduling);
 * - `greenCall` / `threadedCall`: the round trip of a trivial `GenServer.call` (`Ping`), one at a
 *   time, µs, to a green GenServer and to a `ThreadedGenServer` (the same call, forwarded by the
 *   server process to its thread): what a call costs more when the state lives in a thread;
 * - the load average (os.loadavg) before and after, beside the figures: on a shared machine, a
 *   load near or above the number of cores means the threads had no idle core to run on.
 *
 * The JSON file is `{ [scenario]: { unit, median, min, max, samples, ... } }`.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as GenServer from "effect-otp/GenServer"
import * as Node from "effect-otp/Node"
import * as Request from "effect-otp/Request"
import { writeFileSync } from "node:fs"
import * as os from "node:os"
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads"
import * as ThreadedGenServer from "@effect-otp/platform-node/ThreadedGenServer"
import * as WorkerPool from "@effect-otp/platform-node/WorkerPool"

class Fib extends Request.Class<Fib>()("Fib", { fields: { n: Schema.Int }, success: Schema.Number }) {}

/** A trivial call, to a green GenServer and to a threaded one. */
class Ping extends Request.Class<Ping>()("Ping", { fields: { n: Schema.Int }, success: Schema.Int }) {}
const ThreadedPing = ThreadedGenServer.define({ protocol: [Ping] })
const GreenPing = GenServer.behaviour({
  protocol: [Ping],
  init: () => Effect.succeed(GenServer.ok(0)),
  handleCall: { Ping: ({ n }, count) => Effect.succeed(GenServer.reply(n, count + 1)) }
})
/** Marks the threads of the threaded GenServer, which this file also serves. */
const threadedFlag = "--threaded-genserver"

const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2))

const N = 32

interface Stats {
  readonly unit: string
  readonly median: number
  readonly min: number
  readonly max: number
  readonly samples: ReadonlyArray<number>
  readonly [extra: string]: unknown
}

function stats(unit: string, samples: ReadonlyArray<number>, extra: Record<string, unknown> = {}): Stats {
  const sorted = [...samples].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
  const round = (x: number) => Math.round(x * 100) / 100
  return {
    unit,
    median: round(median),
    min: round(sorted[0]!),
    max: round(sorted[sorted.length - 1]!),
    samples: samples.map(round),
    ...extra
  }
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.()

const loadavg = (): Array<number> => os.loadavg().map((x) => Math.round(x * 100) / 100)

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  const quick = argv.includes("--quick")
  const jsonAt = argv.indexOf("--json")
  const json = jsonAt >= 0 ? argv[jsonAt + 1] : argv.find((a) => a.startsWith("--json="))?.slice("--json=".length)
  if (jsonAt >= 0 && (json === undefined || json.startsWith("--"))) throw new Error("--json needs a file name")

  const cores = os.availableParallelism()
  const jobs = 4 * cores
  const reps = quick ? 3 : 7
  const startups = quick ? 3 : 5
  const ns = Array.from({ length: jobs }, () => N)
  const self = new URL(import.meta.url)
  const loadBefore = loadavg()

  console.log(
    `cpu-parallel: ${jobs} jobs of fib(${N}), ${cores} cores, ${reps} repetitions; load average ${loadBefore.join(" ")}`
  )

  // -- worker start-up: a fresh pool of one thread, start to serving ------------------------------
  const startup: Array<number> = []
  for (let i = 0; i < startups; i++) {
    gc()
    const t0 = performance.now()
    await Effect.runPromise(
      Effect.scoped(
        Effect.map(WorkerPool.make({ protocol: [Fib], worker: self, size: 1 }), () => {
          startup.push(performance.now() - t0)
        })
      )
    )
  }

  // -- plain worker_threads, for reference ------------------------------------------------------
  const raw = Array.from({ length: cores }, () => new Worker(self, { workerData: "raw" }))
  const runRaw = (): Promise<void> =>
    new Promise((resolve) => {
      let next = 0
      let done = 0
      for (const worker of raw) {
        const feed = () => {
          if (next < jobs) {
            next++
            worker.postMessage(N)
          }
        }
        worker.removeAllListeners("message")
        worker.on("message", () => {
          done++
          if (done === jobs) resolve()
          else feed()
        })
        feed()
      }
    })

  const sequential: Array<number> = []
  const pooled: Array<number> = []
  const rawThreads: Array<number> = []
  const speedup: Array<number> = []
  const rawSpeedup: Array<number> = []
  const call: Array<number> = []
  const calls = quick ? 500 : 2000
  let poolSize = 0

  await Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const pool = yield* WorkerPool.make({ protocol: [Fib], worker: self, size: cores })
        poolSize = pool.size
        const timed = <A, E>(effect: Effect.Effect<A, E>) =>
          Effect.gen(function* () {
            gc()
            const t0 = performance.now()
            yield* effect
            return performance.now() - t0
          })
        const onPool = WorkerPool.map(pool, ns, (n) => new Fib({ n }))
        const onMain = Effect.sync(() => {
          for (const n of ns) fib(n)
        })
        const onRaw = Effect.promise(runRaw)
        const roundTrips = Effect.forEach(
          Array.from({ length: calls }),
          () => WorkerPool.run(pool, new Fib({ n: 1 })),
          {
            discard: true
          }
        )
        // warm-up: JIT in every thread
        yield* onMain
        yield* onPool
        yield* onRaw
        yield* roundTrips
        for (let i = 0; i < reps; i++) {
          // alternate the order, so that slow drifts of a noisy machine hit both sides
          const s = i % 2 === 0 ? yield* timed(onMain) : 0
          const p = yield* timed(onPool)
          const s2 = i % 2 === 1 ? yield* timed(onMain) : s
          sequential.push(s2)
          pooled.push(p)
          speedup.push(s2 / p)
          const r = yield* timed(onRaw)
          rawThreads.push(r)
          rawSpeedup.push(s2 / r)
          call.push(((yield* timed(roundTrips)) * 1000) / calls)
        }
      })
    )
  )
  await Promise.all(raw.map((worker) => worker.terminate()))

  // -- GenServer.call: green vs threaded ----------------------------------------------------------
  const greenCall: Array<number> = []
  const threadedCall: Array<number> = []
  await Effect.runPromise(
    Effect.gen(function* () {
      const green = yield* GenServer.start(GreenPing, undefined)
      const threaded = yield* ThreadedGenServer.start(ThreadedPing, undefined, {
        worker: (data) => new Worker(self, { workerData: data, argv: [threadedFlag] })
      })
      const pings = (server: GenServer.Server<Ping>) =>
        Effect.gen(function* () {
          gc()
          const t0 = performance.now()
          for (let i = 0; i < calls; i++) yield* GenServer.call(server, new Ping({ n: i }))
          return ((performance.now() - t0) * 1000) / calls
        })
      yield* pings(green)
      yield* pings(threaded)
      for (let i = 0; i < reps; i++) {
        // alternate the order, as above
        if (i % 2 === 0) {
          greenCall.push(yield* pings(green))
          threadedCall.push(yield* pings(threaded))
        } else {
          threadedCall.push(yield* pings(threaded))
          greenCall.push(yield* pings(green))
        }
      }
    }).pipe(Effect.provide(Node.layer()))
  )

  const loadAfter = loadavg()
  const context = { cores, jobs, fib: N, poolSize, loadavgBefore: loadBefore, loadavgAfter: loadAfter }
  const results: Record<string, Stats> = {
    sequential: stats("ms", sequential, context),
    pool: stats("ms", pooled, context),
    rawThreads: stats("ms", rawThreads, context),
    speedup: stats("x", speedup, { ...context, goal: 1.7 }),
    rawSpeedup: stats("x", rawSpeedup, context),
    startup: stats("ms", startup, { ...context, what: "WorkerPool.make of one thread, until it serves" }),
    call: stats("µs", call, { ...context, what: "round trip of one trivial call", calls }),
    greenCall: stats("µs", greenCall, { ...context, what: "GenServer.call to a green GenServer", calls }),
    threadedCall: stats("µs", threadedCall, { ...context, what: "GenServer.call to a ThreadedGenServer", calls })
  }

  const row = (name: string, s: Stats) =>
    `${name.padEnd(12)} ${String(s.median).padStart(9)} ${s.unit.padEnd(3)} (min ${s.min}, max ${s.max})`
  console.log(row("sequential", results.sequential!))
  console.log(row("pool", results.pool!))
  console.log(row("rawThreads", results.rawThreads!))
  console.log(row("speedup", results.speedup!))
  console.log(row("rawSpeedup", results.rawSpeedup!))
  console.log(row("startup", results.startup!))
  console.log(row("call", results.call!))
  console.log(row("greenCall", results.greenCall!))
  console.log(row("threadedCall", results.threadedCall!))
  console.log(`load average before ${loadBefore.join(" ")}, after ${loadAfter.join(" ")} (${cores} cores)`)
  // the load average lags (it includes the minute before this run), so the evidence of a busy
  // machine is the plain threads falling short of the cores
  if (results.rawSpeedup!.median < cores * 0.8) {
    console.log(
      `note: plain threads reached only ${results.rawSpeedup!.median}x on ${cores} cores: the machine was busy, ` +
        "and the pool's speed-up is bounded the same way"
    )
  }

  if (json !== undefined) {
    writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`)
    console.log(`wrote ${json}`)
  }
}

if (!isMainThread) {
  if (process.argv.includes(threadedFlag)) {
    ThreadedGenServer.serve(ThreadedPing, {
      init: () => Effect.succeed(0),
      handleCall: { Ping: ({ n }, count) => Effect.succeed(ThreadedGenServer.reply(n, count + 1)) }
    }).pipe(ThreadedGenServer.runWorker)
  } else if (workerData === "raw") {
    // the plain worker_threads baseline: a number in, a number out
    parentPort!.on("message", (n: number) => parentPort!.postMessage(fib(n)))
  } else {
    WorkerPool.serve({ protocol: [Fib], handlers: { Fib: ({ n }) => Effect.sync(() => fib(n)) } }).pipe(
      WorkerPool.runWorker
    )
  }
} else {
  await main()
}
