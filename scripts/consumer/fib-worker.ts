// The worker module: one handler per request.
import { Effect } from "effect"
import * as WorkerPool from "@effect-otp/platform-node/WorkerPool"
import { protocol, TooBig } from "./fib.ts"

const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2))

WorkerPool.serve({
  protocol,
  handlers: {
    Fib: ({ n }) => Effect.sync(() => fib(n)),
    SafeFib: ({ n }) => (n > 40 ? Effect.fail(new TooBig({ n })) : Effect.sync(() => fib(n)))
  }
}).pipe(WorkerPool.runWorker)
