import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Stream } from "effect"
import { Errors, Task } from "effect-otp"
import * as WorkerPool from "../src/WorkerPool.ts"
import { failureOf } from "./fixtures/exits.ts"
import { Fib, fib, Gate, Half, Odd, Open, protocol, Throw, WhoAmI } from "./fixtures/protocol.ts"

// Real threads and real time: every test is bounded by this budget; waits have explicit timeouts.
const budget = 60_000
const worker = new URL("./fixtures/worker.ts", import.meta.url)

/** Both threads are free: a `Gate` holds one of them until an `Open` runs on the other. */
const bothThreadsServe = (pool: WorkerPool.WorkerPool<Gate | Open>, gate: string) =>
  WorkerPool.map(pool, [new Gate({ gate }), new Open({ gate })], (job) => job).pipe(
    Effect.timeoutOrElse({ duration: "20 seconds", orElse: () => Effect.die(new Error("a thread is still busy")) })
  )

describe("WorkerPool.asyncStream", () => {
  it.live(
    "one Exit per item, in input order, failures included; as the calls finish when not ordered; map on arrays",
    () =>
      Effect.gen(function* () {
        const pool = yield* WorkerPool.make({ protocol, worker, size: 2 })
        const jobs = [new Fib({ n: 20 }), new Half({ n: 3 }), new Throw({ message: "no" }), new Half({ n: 4 })]

        const exits = yield* WorkerPool.asyncStream(pool, jobs, (job) => job).pipe(Stream.runCollect)
        assert.strictEqual(exits.length, 4)
        const [fib20, odd, thrown, half] = exits
        assert.isTrue(Exit.isSuccess(fib20!) && (fib20.value as { value: number }).value === fib(20))
        assert.deepStrictEqual(failureOf(odd!), new Odd({ n: 3 }))
        // the whole error but the worker's stack, which names the worker's files and lines
        const { workerStack, ...defect } = failureOf(thrown!) as WorkerPool.HandlerDefect
        assert.deepStrictEqual(defect, {
          ...new WorkerPool.HandlerDefect({ request: "Throw", defect: "no", defectName: "Error" })
        })
        assert.isString(workerStack)
        assert.isTrue(Exit.isSuccess(half!) && half.value === 2)

        // zipInputOnExit: the failure carries its item; the data-last form
        const zipped = yield* WorkerPool.asyncStream([3, 8], (n: number) => new Half({ n }), {
          zipInputOnExit: true
        })(pool).pipe(Stream.runCollect)
        const inputExited = failureOf(zipped[0]!)
        assert.instanceOf(inputExited, Task.InputExited)
        assert.strictEqual(inputExited.input, 3)
        assert.deepStrictEqual(inputExited.error, new Odd({ n: 3 }))
        assert.deepStrictEqual(zipped[1], Exit.succeed(4))

        // `Gate` takes the first thread and `WhoAmI` the second; the gate opens once both have
        // started, with an `Open` that waits for a free thread: the second, after `WhoAmI`
        // answered. So `WhoAmI` always finishes first.
        const gateAfterWhoAmI = (gate: string, ordered: boolean) =>
          Effect.gen(function* () {
            const bothStarted = yield* Deferred.make<void>()
            const collected = yield* Effect.forkChild(
              WorkerPool.asyncStream(
                pool,
                [new Gate({ gate }), new WhoAmI()],
                (job) => {
                  if (job._tag === "WhoAmI") Deferred.doneUnsafe(bothStarted, Exit.void)
                  return job
                },
                { ordered }
              ).pipe(
                Stream.mapEffect((exit) => exit),
                Stream.runCollect
              ),
              { startImmediately: true }
            )
            yield* Deferred.await(bothStarted)
            const second = yield* WorkerPool.run(pool, new Open({ gate }))
            return { second, order: yield* Fiber.join(collected) }
          })
        const inOrder = yield* gateAfterWhoAmI("s1", true)
        assert.deepStrictEqual(inOrder.order, [inOrder.order[0], inOrder.second])
        const asTheyFinish = yield* gateAfterWhoAmI("s2", false)
        assert.deepStrictEqual(asTheyFinish.order, [asTheyFinish.second, asTheyFinish.order[1]])
        assert.notStrictEqual(asTheyFinish.order[1], asTheyFinish.second)

        // and map covers arrays, readonly ones too: one reply per element, in order
        const halves: Array<number> = yield* WorkerPool.map(pool, [2, 4, 6] as const, (n) => new Half({ n }))
        assert.deepStrictEqual(halves, [1, 2, 3])
        const ns: ReadonlyArray<number> = [10, 11, 12, 13, 14]
        const fibs = yield* WorkerPool.map(pool, ns, (n) => new Fib({ n }))
        assert.deepStrictEqual(
          fibs.map((_) => _.value),
          ns.map(fib)
        )
      }),
    budget
  )

  it.live(
    "back-pressure: items are read only for free slots; an early end interrupts the calls still running",
    () =>
      Effect.gen(function* () {
        const pool = yield* WorkerPool.make({ protocol, worker, size: 2 })
        const read: Array<number> = []
        const items = function* () {
          for (let i = 0; i < 10; i++) {
            read.push(i)
            yield i
          }
        }
        // item 0 blocks its thread forever; item 1 answers; the consumer takes one result and stops
        const first = yield* WorkerPool.asyncStream(
          pool,
          items(),
          (i) => (i === 0 ? new Gate({ gate: "never" }) : new WhoAmI()),
          { ordered: false, maxConcurrency: 2, timeout: "infinity" }
        ).pipe(Stream.take(1), Stream.runCollect)
        assert.strictEqual(first.length, 1)
        assert.isTrue(Exit.isSuccess(first[0]!))
        // two slots: items 0 and 1 were read, and no more (as Elixir: N + maxConcurrency - 1 for N taken)
        assert.deepStrictEqual(read, [0, 1])
        // the call blocked on the gate was interrupted with the stream: both threads serve again
        yield* bothThreadsServe(pool, "after-take")

        // invalid options fail the stream with BadArgument, as Task.asyncStream's
        const invalid = yield* Effect.exit(
          Stream.runCollect(WorkerPool.asyncStream(pool, [1], () => new WhoAmI(), { maxConcurrency: 0 }))
        )
        assert.deepStrictEqual(
          invalid,
          Exit.fail(
            new Errors.BadArgument({
              function: "WorkerPool.asyncStream",
              field: "maxConcurrency",
              value: 0,
              reason: "must be an integer greater than zero"
            })
          )
        )
      }),
    budget
  )

  it.live(
    "a call past its timeout: killTask emits WorkerTimeout and goes on, exit fails the stream; the thread is replaced",
    () =>
      Effect.gen(function* () {
        const pool = yield* WorkerPool.make({ protocol, worker, size: 2 })
        const jobs = (gate: string) => [new Gate({ gate }), new Fib({ n: 10 })]

        const killTask = yield* WorkerPool.asyncStream(pool, jobs("t1"), (job) => job, {
          timeout: "200 millis",
          onTimeout: "killTask"
        }).pipe(Stream.runCollect)
        assert.deepStrictEqual(failureOf(killTask[0]!), new WorkerPool.WorkerTimeout({ request: "Gate", timeout: 200 }))
        assert.isTrue(Exit.isSuccess(killTask[1]!))

        const exit = yield* Effect.exit(
          WorkerPool.asyncStream(pool, jobs("t2"), (job) => job, { timeout: "200 millis" }).pipe(Stream.runCollect)
        )
        assert.deepStrictEqual(failureOf(exit), new WorkerPool.WorkerTimeout({ request: "Gate", timeout: 200 }))

        // the terminated threads were replaced
        yield* bothThreadsServe(pool, "after-timeouts")
      }),
    budget
  )
})
