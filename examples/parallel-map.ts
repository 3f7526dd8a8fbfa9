/**
 * A CPU-bound parallel map: counting the primes below 4,000,000 in 24 chunks, on the main thread
 * one chunk after the other, then on a WorkerPool with one thread per core (`WorkerPool.map`).
 * Run it with `npx node examples/parallel-map.ts` (the project's Node 24, whatever Node the machine
 * has). It takes a few seconds.
 *
 * The file is also the worker module: in a worker thread, it serves the `CountPrimes` request.
 */
import { Effect, Schema } from "effect"
import * as Request from "effect-otp/Request"
import * as os from "node:os"
import { isMainThread } from "node:worker_threads"
import * as WorkerPool from "@effect-otp/platform-node/WorkerPool"

// The protocol: a range in, a count out, both checked by their Schemas at the thread boundary.
class CountPrimes extends Request.Class<CountPrimes>()("CountPrimes", {
  fields: { from: Schema.Int, to: Schema.Int },
  success: Schema.Int
}) {}

// The job: plain synchronous JavaScript, which nothing can pre-empt on the thread that runs it.
const countPrimes = (from: number, to: number): number => {
  let count = 0
  for (let n = Math.max(from, 2); n < to; n++) {
    let prime = true
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false
        break
      }
    }
    if (prime) count++
  }
  return count
}

const limit = 4_000_000
const chunks = 24
const ranges = Array.from({ length: chunks }, (_, i) => ({
  from: Math.floor((i * limit) / chunks),
  to: Math.floor(((i + 1) * limit) / chunks)
}))

const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const start = performance.now()
    const value = yield* effect
    return { value, ms: performance.now() - start }
  })

export const program = Effect.scoped(
  Effect.gen(function* () {
    const cores = os.availableParallelism()
    const load = os.loadavg().map((x) => x.toFixed(2))
    yield* Effect.log(`${cores} cores, load average ${load.join(" ")}; primes below ${limit} in ${chunks} chunks`)

    // one thread per core; starting a thread loads its own copy of the modules, so it is timed apart
    const started = yield* timed(WorkerPool.make({ protocol: [CountPrimes], worker: new URL(import.meta.url) }))
    const pool = started.value
    yield* Effect.log(`pool of ${pool.size} threads started in ${started.ms.toFixed(0)} ms`)

    const onMain = Effect.sync(() => ranges.reduce((sum, r) => sum + countPrimes(r.from, r.to), 0))
    const onPool = Effect.map(
      WorkerPool.map(pool, ranges, (r) => new CountPrimes(r)),
      (counts) => counts.reduce((sum, n) => sum + n, 0)
    )

    // a warm-up of both (the JIT, in each thread), then the best of two runs each, alternated so
    // that the drift of a busy machine hits both sides
    yield* WorkerPool.map(pool, ranges.slice(0, pool.size), (r) => new CountPrimes(r))
    let main = Number.POSITIVE_INFINITY
    let threads = Number.POSITIVE_INFINITY
    let primes = 0
    for (let i = 0; i < 2; i++) {
      const a = yield* timed(onMain)
      const b = yield* timed(onPool)
      if (a.value !== b.value) return yield* Effect.die(new Error(`the counts differ: ${a.value} vs ${b.value}`))
      primes = a.value
      main = Math.min(main, a.ms)
      threads = Math.min(threads, b.ms)
    }

    const speedup = main / threads
    yield* Effect.log(`${primes} primes`)
    yield* Effect.log(`main thread: ${main.toFixed(0)} ms`)
    yield* Effect.log(`pool:        ${threads.toFixed(0)} ms`)
    yield* Effect.log(`speed-up:    ${speedup.toFixed(2)}x on ${cores} cores`)
    const after = os.loadavg()[0]!
    if (speedup < 0.75 * Math.min(cores, pool.size) && after > cores * 0.5) {
      yield* Effect.log(
        `note: the load average is ${after.toFixed(2)} on ${cores} cores; other work holds the cores, so the speed-up is lower than on an idle machine`
      )
    }
    return { primes, main, pool: threads, speedup, cores }
  })
)

if (!isMainThread) {
  WorkerPool.serve({
    protocol: [CountPrimes],
    handlers: { CountPrimes: ({ from, to }) => Effect.sync(() => countPrimes(from, to)) }
  }).pipe(WorkerPool.runWorker)
} else if (import.meta.main) {
  Effect.runPromise(program)
}
