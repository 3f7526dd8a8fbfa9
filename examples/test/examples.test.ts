import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { ExitReason } from "effect-otp"
import { program as hello } from "../hello.ts"
import { program as supervision } from "../supervision.ts"

// The README's examples run, and do what the README says.
describe("README examples", () => {
  it.effect("hello: spawn, send, receive", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* hello, ExitReason.normal)
    })
  )

  it.effect("supervision: a client survives its server's restart", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* supervision, { before: 2, after: 1 })
    })
  )
})
