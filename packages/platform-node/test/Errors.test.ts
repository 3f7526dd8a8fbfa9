import { assert, describe, it } from "@effect/vitest"
import { Cause } from "effect"
import * as platformNode from "../src/index.ts"
import { WorkerPool } from "../src/index.ts"

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
