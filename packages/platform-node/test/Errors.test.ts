import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect } from "effect"
import { Errors } from "effect-otp"
import * as platformNode from "../src/index.ts"
import { WorkerPool } from "../src/index.ts"
import { Fib, protocol } from "./fixtures/protocol.ts"

describe("errors print as Tag: message", () => {
  it("String(error) and the first line of Cause.pretty are `Tag: message`", () => {
    const samples = [
      [new WorkerPool.WorkerPoolClosed(), "WorkerPoolClosed: the worker pool is closed"],
      [
        new WorkerPool.WorkerSpawnFailed({ worker: 2, detail: "exited with code 1" }),
        "WorkerSpawnFailed: worker 2 could not be started: exited with code 1"
      ]
    ] as const
    for (const [error, printed] of samples) {
      assert.strictEqual(String(error), printed)
      assert.strictEqual(Cause.pretty(Cause.fail(error)).split("\n")[0], printed)
    }
  })

  it("no exported error class has a field called `name` (it would print in place of the tag)", () => {
    const classes: Array<string> = []
    for (const [moduleName, module] of Object.entries(platformNode)) {
      for (const [exportName, value] of Object.entries(module as Record<string, unknown>)) {
        if (typeof value !== "function" || !(value.prototype instanceof Error)) continue
        const fields = (value as { readonly fields?: Record<string, unknown> }).fields
        if (fields === undefined) continue
        classes.push(`${moduleName}.${exportName}`)
        assert.notProperty(fields, "name", `${moduleName}.${exportName} has a field called name`)
      }
    }
    assert.includeMembers(classes, ["WorkerPool.WorkerCrashed", "WorkerPool.WorkerPoolClosed"])
  })
})

describe("BadArgument: WorkerPool", () => {
  it.effect("make and session reject a size or concurrency that is not a positive integer, starting no thread", () =>
    Effect.gen(function* () {
      let spawned = 0
      // a worker source that counts the threads it would start (none may start)
      const worker = () => {
        spawned++
        throw new Error("no thread may start")
      }
      for (const [field, value] of [
        ["size", 0],
        ["size", 1.5],
        ["concurrency", -1],
        ["concurrency", Number.NaN]
      ] as const) {
        const error = yield* Effect.flip(Effect.scoped(WorkerPool.make({ protocol, worker, [field]: value })))
        assert.deepStrictEqual(
          error,
          new Errors.BadArgument({ function: "WorkerPool.make", field, value, reason: "must be a positive integer" })
        )
      }
      const session = yield* Effect.flip(Effect.scoped(WorkerPool.session({ protocol, worker, concurrency: 0 })))
      assert.deepStrictEqual(
        session,
        new Errors.BadArgument({
          function: "WorkerPool.session",
          field: "concurrency",
          value: 0,
          reason: "must be a positive integer"
        })
      )
      for (const [field, value] of [
        ["startTimeout", "-1 seconds"],
        ["shutdownTimeout", "infinity"],
        ["startTimeout", "soon"]
      ] as const) {
        const error = yield* Effect.flip(Effect.scoped(WorkerPool.make({ protocol, worker, [field]: value })))
        assert.deepStrictEqual(
          error,
          new Errors.BadArgument({
            function: "WorkerPool.make",
            field,
            value,
            reason: "must be a non-negative, finite duration"
          })
        )
      }
      assert.strictEqual(spawned, 0)
    })
  )

  it.live(
    "run and map reject an invalid timeout or maxConcurrency before any call goes to a thread",
    () =>
      Effect.gen(function* () {
        const pool = yield* WorkerPool.make({
          protocol,
          worker: new URL("./fixtures/worker.ts", import.meta.url),
          size: 1
        })
        const fib = new Fib({ n: 5 })
        assert.deepStrictEqual(
          yield* Effect.flip(WorkerPool.run(pool, fib, { timeout: "-5 millis" })),
          new Errors.BadArgument({
            function: "WorkerPool.run",
            field: "timeout",
            value: "-5 millis",
            reason: 'must be a non-negative duration or "infinity"'
          })
        )
        assert.deepStrictEqual(
          yield* Effect.flip(
            WorkerPool.map(pool, [1, 2], (n) => new Fib({ n }), { maxConcurrency: 0, mode: "result" })
          ),
          new Errors.BadArgument({
            function: "WorkerPool.map",
            field: "maxConcurrency",
            value: 0,
            reason: "must be a positive integer"
          })
        )
        assert.deepStrictEqual(
          yield* Effect.flip(WorkerPool.map(pool, [1], (n) => new Fib({ n }), { timeout: Number.NaN })),
          new Errors.BadArgument({
            function: "WorkerPool.map",
            field: "timeout",
            value: Number.NaN,
            reason: 'must be a non-negative duration or "infinity"'
          })
        )
        // the pool is unaffected: a valid call still runs
        assert.strictEqual((yield* WorkerPool.run(pool, fib, { timeout: "30 seconds" })).value, 5)
      }).pipe(Effect.scoped),
    60_000
  )
})
