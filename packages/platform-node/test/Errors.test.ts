import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect } from "effect"
import { Errors } from "effect-otp"
import * as platformNode from "../src/index.ts"
import { WorkerPool } from "../src/index.ts"
import { protocol } from "./fixtures/protocol.ts"

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
      assert.strictEqual(spawned, 0)
    })
  )
})
