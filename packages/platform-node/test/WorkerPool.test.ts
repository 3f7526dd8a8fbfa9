import { assert, describe, it } from "@effect/vitest"
import { Context, Deferred, Effect, Exit, Fiber, Result, Scope } from "effect"
import { Worker } from "node:worker_threads"
import type * as internal from "../src/internal/workerPool.ts"
import * as WorkerPool from "../src/WorkerPool.ts"
import {
  Add,
  BadReply,
  Crash,
  Fib,
  fib,
  Gate,
  Half,
  LooseEcho,
  Odd,
  Open,
  protocol,
  Spin,
  Throw,
  Total,
  WhoAmI
} from "./fixtures/protocol.ts"
import { failureOf } from "./fixtures/exits.ts"

// Real threads and real time: every test is bounded by this budget (the machine is shared and
// noisy, and a cold thread loads its modules in a few hundred milliseconds).
const budget = 60_000
const worker = new URL("./fixtures/worker.ts", import.meta.url)

class TestPool extends Context.Service<TestPool, WorkerPool.WorkerPool<InstanceType<(typeof protocol)[number]>>>()(
  "test/TestPool"
) {}

// a pool Layer must serve every request of its service's type
class NarrowPool extends Context.Service<NarrowPool, WorkerPool.WorkerPool<Fib | Total>>()("test/NarrowPool") {}
export const _layerChecks = () => [
  WorkerPool.layer(NarrowPool, { protocol: [Fib, Total], worker }),
  WorkerPool.layer(NarrowPool, { protocol, worker }),
  // @ts-expect-error: the protocol does not serve `Total`
  WorkerPool.layer(NarrowPool, { protocol: [Fib], worker })
]

describe("WorkerPool", () => {
  it.live(
    "a pool of 2 computes a CPU-bound job set correctly, on both threads",
    () =>
      Effect.gen(function* () {
        const pool = yield* TestPool
        const threads = yield* WorkerPool.threadIds(pool)
        assert.strictEqual(threads.length, 2)

        const ns = Array.from({ length: 12 }, (_, i) => 20 + (i % 6))
        const results = yield* WorkerPool.map(pool, ns, (n) => new Fib({ n }))

        assert.deepStrictEqual(
          results.map((_) => _.value),
          ns.map(fib)
        )
        // the first two calls start together, so each thread takes one
        assert.deepStrictEqual(new Set(results.map((_) => _.threadId)), new Set(threads))
      }).pipe(Effect.provide(WorkerPool.layer(TestPool, { protocol, worker, size: 2 }))),
    budget
  )

  it.live(
    "map returns the results in input order, or in completion order when not ordered",
    () =>
      Effect.gen(function* () {
        const pool = yield* WorkerPool.make({ protocol, worker, size: 2 })
        const [first, second] = yield* WorkerPool.threadIds(pool)
        // `Gate` runs on the first thread and `WhoAmI` on the second; the test opens the gate once
        // both are running, and its `Open` waits for a free thread: the second, after `WhoAmI`
        // has answered. So `WhoAmI` always finishes first.
        const gateAfterWhoAmI = (gate: string, options: WorkerPool.MapOptions) =>
          Effect.gen(function* () {
            const bothStarted = yield* Deferred.make<void>()
            const results = yield* Effect.forkChild(
              WorkerPool.map(
                pool,
                [new Gate({ gate }), new WhoAmI()],
                (job, i) => {
                  // called as each call starts, right before it takes a thread
                  if (i === 1) Deferred.doneUnsafe(bothStarted, Exit.void)
                  return job
                },
                options
              ),
              { startImmediately: true }
            )
            yield* Deferred.await(bothStarted)
            assert.strictEqual(yield* WorkerPool.run(pool, new Open({ gate })), second)
            return yield* Fiber.join(results)
          })

        assert.deepStrictEqual(yield* gateAfterWhoAmI("g1", {}), [first, second])
        assert.deepStrictEqual(yield* gateAfterWhoAmI("g2", { ordered: false }), [second, first])
      }),
    budget
  )

  it.live(
    "an error in one job does not affect the others",
    () =>
      Effect.gen(function* () {
        const pool = yield* WorkerPool.make({ protocol, worker, size: 2 })
        const threads = yield* WorkerPool.threadIds(pool)
        const jobs = [new Fib({ n: 20 }), new Half({ n: 3 }), new Throw({ message: "no" }), new Half({ n: 4 })]

        const results = yield* WorkerPool.map(pool, jobs, (job) => job, { mode: "result" })

        assert.strictEqual(results.length, 4)
        const [fib20, odd, thrown, half] = results
        assert.isTrue(Result.isSuccess(fib20!) && (fib20.success as { value: number }).value === 6765)
        assert.deepStrictEqual(odd, Result.fail(new Odd({ n: 3 })))
        assert.isTrue(Result.isFailure(thrown!) && thrown.failure._tag === "HandlerDefect")
        const defect = (thrown as Result.Failure<unknown, WorkerPool.HandlerDefect>).failure
        assert.strictEqual(defect.defect, "no")
        assert.strictEqual(defect.defectName, "Error")
        assert.deepStrictEqual(half, Result.succeed(2))
        // the threads are still the same: nothing crashed
        assert.deepStrictEqual(yield* WorkerPool.threadIds(pool), threads)

        // in the default mode, the first failure fails the map
        const failed = yield* Effect.exit(WorkerPool.map(pool, [4, 5, 6], (n) => new Half({ n })))
        assert.deepStrictEqual(failureOf(failed), new Odd({ n: 5 }))
      }),
    budget
  )

  it.live(
    "a thread that crashes mid-call fails that call with WorkerCrashed; a replacement serves the next call",
    () =>
      Effect.gen(function* () {
        const pool = yield* WorkerPool.make({
          protocol,
          // a small heap, so that the "oom" crash comes quickly
          worker: () => new Worker(worker, { resourceLimits: { maxOldGenerationSizeMb: 96 } }),
          size: 2
        })
        const cases = [
          { how: "throw", reason: "uncaughtException", detail: "boom in the worker" },
          { how: "exit", reason: "exit", detail: "exited with code 7" },
          { how: "oom", reason: "outOfMemory", detail: "out of memory" }
        ] as const
        for (const [i, { detail, how, reason }] of cases.entries()) {
          // a call in flight on the other thread, which must not notice the crash
          const gate = `crash-${i}`
          const waiting = yield* Effect.forkChild(WorkerPool.run(pool, new Gate({ gate })), { startImmediately: true })
          const [busy, victim] = yield* WorkerPool.threadIds(pool)

          const crashed = failureOf(yield* Effect.exit(WorkerPool.run(pool, new Crash({ how }))))
          assert.strictEqual(crashed._tag, "WorkerCrashed", String(crashed))
          const crash = crashed as WorkerPool.WorkerCrashed
          assert.strictEqual(crash.reason, reason)
          assert.strictEqual(crash.threadId, victim)
          assert.strictEqual(crash.request, "Crash")
          assert.include(crash.detail, detail)

          // the next call waits for the replacement (the other thread is busy) and is served by it
          const replacement = yield* WorkerPool.run(pool, new WhoAmI())
          assert.notStrictEqual(replacement, victim)
          assert.notStrictEqual(replacement, busy)
          // the replacement opens the gate: the call on the other thread completes normally
          yield* WorkerPool.run(pool, new Open({ gate }))
          assert.strictEqual(yield* Fiber.join(waiting), busy)
        }
      }),
    budget
  )

  it.live(
    "bad input fails the call with a typed error naming the field; the worker keeps serving",
    () =>
      Effect.gen(function* () {
        const pool = yield* WorkerPool.make({ protocol: [Half, LooseEcho, BadReply, WhoAmI], worker, size: 1 })
        const thread = yield* WorkerPool.run(pool, new WhoAmI())

        // does not encode here: `n` must be an integer
        const encode = failureOf(
          yield* Effect.exit(WorkerPool.run(pool, new Half({ n: 1.5 }, { disableChecks: true })))
        )
        assert.deepInclude(encode, { _tag: "InvalidRequest", request: "Half", field: "n", side: "main" })

        // encodes here, but the worker's Schema wants a positive integer
        const decode = failureOf(yield* Effect.exit(WorkerPool.run(pool, new LooseEcho({ n: -1.5 }))))
        assert.deepInclude(decode, { _tag: "InvalidRequest", request: "Echo", field: "n", side: "worker" })
        assert.include((decode as WorkerPool.InvalidRequest).message, 'at field "n"')

        // the handler's reply does not fit its Schema
        const reply = failureOf(yield* Effect.exit(WorkerPool.run(pool, new BadReply())))
        assert.deepInclude(reply, {
          _tag: "InvalidReply",
          request: "BadReply",
          kind: "success",
          field: "value",
          side: "worker"
        })

        // same thread, still serving
        assert.strictEqual(yield* WorkerPool.run(pool, new LooseEcho({ n: 2 })), 2)
        assert.strictEqual(yield* WorkerPool.run(pool, new WhoAmI()), thread)

        // and a request outside the pool's protocol does not compile
        const _outside = () =>
          // @ts-expect-error: `Total` is not a request of this pool
          WorkerPool.run(pool, new Total())
        void _outside
      }),
    budget
  )

  it.live(
    "a call over its timeout fails with WorkerTimeout; its thread is terminated and replaced",
    () =>
      Effect.gen(function* () {
        const pool = yield* WorkerPool.make({ protocol, worker, size: 1 })
        const thread = yield* WorkerPool.run(pool, new WhoAmI())

        const timedOut = failureOf(yield* Effect.exit(WorkerPool.run(pool, new Spin({ ms: 60_000 }), { timeout: 200 })))
        assert.deepInclude(timedOut, { _tag: "WorkerTimeout", request: "Spin", timeout: 200 })

        const replacement = yield* WorkerPool.run(pool, new WhoAmI())
        assert.notStrictEqual(replacement, thread)
      }),
    budget
  )

  it.live(
    "a session keeps its state in its thread, and its thread's crash is an Exit",
    () =>
      Effect.gen(function* () {
        const session = yield* WorkerPool.session({ protocol, worker })
        yield* WorkerPool.run(session, new Add({ n: 2 }))
        yield* WorkerPool.run(session, new Add({ n: 3 }))
        assert.strictEqual(yield* WorkerPool.run(session, new Total()), 5)

        const ended = yield* Effect.forkChild(WorkerPool.awaitExit(session), { startImmediately: true })
        const crashed = failureOf(yield* Effect.exit(WorkerPool.run(session, new Crash({ how: "exit" }))))
        // the thread's id and the words of `detail` vary by run: the rest is compared
        assert.deepInclude(crashed, { _tag: "WorkerCrashed", request: "Crash", reason: "exit", exitCode: 7 })

        const exit = yield* Fiber.join(ended)
        assert.deepInclude(failureOf(exit), { _tag: "WorkerCrashed", reason: "exit", exitCode: 7 })
        // no replacement: the state is gone, and so is the session
        const after = failureOf(yield* Effect.exit(WorkerPool.run(session, new Total())))
        assert.deepInclude(after, { _tag: "WorkerCrashed", reason: "exit", exitCode: 7 })
      }),
    budget
  )

  it.live(
    "closing the scope fails the calls in flight and leaves no thread and no fiber",
    () =>
      Effect.gen(function* () {
        const threads: Array<Worker> = []
        const exited = new Set<Worker>()
        const scope = yield* Scope.make()
        const pool = yield* WorkerPool.make({
          protocol,
          worker: () => {
            const thread = new Worker(worker)
            thread.once("exit", () => exited.add(thread))
            threads.push(thread)
            return thread
          },
          size: 2
        }).pipe(Scope.provide(scope))
        assert.strictEqual((yield* WorkerPool.threadIds(pool)).length, 2)
        const inFlight = yield* Effect.forkChild(WorkerPool.run(pool, new Gate({ gate: "never" })), {
          startImmediately: true
        })
        const queued = yield* Effect.forkChild(
          WorkerPool.map(pool, [1, 2, 3], () => new Gate({ gate: "never" })),
          {
            startImmediately: true
          }
        )

        yield* Scope.close(scope, Exit.void)

        assert.deepStrictEqual(failureOf(yield* Fiber.await(inFlight)), new WorkerPool.WorkerPoolClosed())
        assert.deepStrictEqual(failureOf(yield* Fiber.await(queued)), new WorkerPool.WorkerPoolClosed())
        // every thread has emitted `exit` by the time the scope is closed
        assert.strictEqual(threads.length, 2)
        assert.strictEqual(exited.size, 2)
        assert.isTrue(threads.every((thread) => thread.threadId === -1))
        // the pool's own fibers (one supervisor per thread) are done
        const fibers = (pool as unknown as internal.Engine).fibers
        assert.strictEqual(fibers.length, 2)
        assert.isTrue(fibers.every((fiber) => fiber.pollUnsafe() !== undefined))
        // and the pool refuses new calls
        const late = failureOf(yield* Effect.exit(WorkerPool.run(pool, new WhoAmI())))
        assert.deepStrictEqual(late, new WorkerPool.WorkerPoolClosed())
      }),
    budget
  )

  it.live(
    "a worker module that fails to start fails make with WorkerSpawnFailed naming the error",
    () =>
      Effect.gen(function* () {
        const exit = yield* Effect.exit(
          WorkerPool.make({
            protocol: [WhoAmI],
            worker: new URL("./fixtures/broken-worker.ts", import.meta.url),
            size: 1
          })
        )
        const failure = failureOf(exit)
        assert.strictEqual(failure._tag, "WorkerSpawnFailed")
        assert.include(failure.message, "cannot open the model file")
      }),
    budget
  )
})
