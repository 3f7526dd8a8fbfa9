// A pool of two threads: a call, a map, and a declared error caught by its tag.
import { Context, Effect } from "effect"
import { WorkerPool } from "@effect-otp/platform-node"
import { Fib, protocol, SafeFib } from "./fib.ts"

class FibPool extends Context.Service<FibPool, WorkerPool.WorkerPool<Fib | SafeFib>>()("consumer/FibPool") {}

const FibPoolLive = WorkerPool.layer(FibPool, {
  protocol,
  worker: new URL("./fib-worker.ts", import.meta.url),
  size: 2
})

const program = Effect.gen(function* () {
  const pool = yield* FibPool
  const one = yield* WorkerPool.run(pool, new Fib({ n: 20 }))
  const all = yield* WorkerPool.map(pool, [10, 11, 12], (n) => new Fib({ n }))
  const safe = yield* WorkerPool.run(pool, new SafeFib({ n: 50 })).pipe(
    Effect.catchTag("TooBig", (error) => Effect.succeed(`TooBig ${error.n}`))
  )
  return { one, all, safe }
})

Effect.runPromise(program.pipe(Effect.provide(FibPoolLive))).then((result) => console.log(JSON.stringify(result)))
