import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { ExitReason } from "effect-otp"
import { program as hello } from "../hello.ts"
import { program as supervision } from "../supervision.ts"
import { program as tracing } from "../tracing.ts"

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

  it.effect("tracing: a call's trace continues through the server, its calls and its tasks", () =>
    Effect.gen(function* () {
      // the node's number in a pid depends on how many nodes this test process started before
      const lines = (yield* tracing).map((line) => line.replace(/pid=<\d+\./, "pid=<N."))
      assert.deepStrictEqual(lines, [
        "client (internal)",
        "  Deposit (server) pid=<N.2.0> name=bank behaviour=GenServer",
        "    Credit (server) pid=<N.1.0> name=ledger behaviour=GenServer",
        "    Task (internal) pid=<N.3.0> behaviour=Task",
        "      audit (internal)"
      ])
    })
  )
})
