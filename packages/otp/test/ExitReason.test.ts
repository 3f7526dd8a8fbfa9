import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Equal, Option } from "effect"
import { ExitReason, Process } from "effect-otp"
import { assertReason, withQuietNode } from "./utils.ts"

describe("ExitReason", () => {
  it("each constructor gives its tag and prints as OTP does", () => {
    const table: ReadonlyArray<readonly [ExitReason.ExitReason, string, string]> = [
      [ExitReason.normal, "Normal", "normal"],
      [ExitReason.shutdown, "Shutdown", "shutdown"],
      [ExitReason.shutdownWith("maintenance"), "Shutdown", "{shutdown, maintenance}"],
      [ExitReason.killed, "Killed", "killed"],
      [ExitReason.noProc, "NoProc", "noproc"],
      [ExitReason.noConnection, "NoConnection", "noconnection"]
    ]
    for (const [reason, tag, printed] of table) {
      assert.strictEqual(reason._tag, tag)
      assert.strictEqual(String(reason), printed)
    }
    const failure = ExitReason.failure("boom")
    assert.strictEqual(failure._tag, "Failure")
    assert.strictEqual(String(failure), Cause.pretty(Cause.fail("boom")))
    assert.deepStrictEqual((ExitReason.shutdownWith("x") as ExitReason.Shutdown).term, Option.some("x"))
    assert.deepStrictEqual((ExitReason.shutdown as ExitReason.Shutdown).term, Option.none())
  })

  it("reasons compare by value", () => {
    assert.isTrue(Equal.equals(ExitReason.normal, new ExitReason.Normal()))
    assert.isTrue(Equal.equals(ExitReason.shutdownWith("a"), ExitReason.shutdownWith("a")))
    assert.isFalse(Equal.equals(ExitReason.shutdownWith("a"), ExitReason.shutdownWith("b")))
    assert.isFalse(Equal.equals(ExitReason.shutdownWith("a"), ExitReason.shutdown))
    assert.isFalse(Equal.equals(ExitReason.killed, ExitReason.noProc))
  })

  it("isNormalLike is true for Normal and Shutdown only; isNormal for Normal only", () => {
    const table: ReadonlyArray<readonly [ExitReason.ExitReason, boolean, boolean]> = [
      [ExitReason.normal, true, true],
      [ExitReason.shutdown, true, false],
      [ExitReason.shutdownWith({ reason: "stop" }), true, false],
      [ExitReason.killed, false, false],
      [ExitReason.noProc, false, false],
      [ExitReason.noConnection, false, false],
      [ExitReason.failure("boom"), false, false],
      [ExitReason.failureCause(Cause.die(new Error("defect"))), false, false]
    ]
    for (const [reason, normalLike, normal] of table) {
      assert.strictEqual(ExitReason.isNormalLike(reason), normalLike, String(reason))
      assert.strictEqual(ExitReason.isNormal(reason), normal, String(reason))
    }
  })

  it("isExitReason accepts the reason classes only", () => {
    for (const reason of [ExitReason.normal, ExitReason.shutdown, ExitReason.killed, ExitReason.failure(1)]) {
      assert.isTrue(ExitReason.isExitReason(reason))
    }
    for (const value of [{ _tag: "Normal" }, "normal", null, undefined, new Error("normal")]) {
      assert.isFalse(ExitReason.isExitReason(value))
    }
  })

  it("fromCause: interruption alone is Shutdown; a failure or defect is Failure with the cause", () => {
    assert.deepStrictEqual(ExitReason.fromCause(Cause.interrupt(1)), ExitReason.shutdown)
    const fail = Cause.fail("boom")
    const failed = ExitReason.fromCause(fail)
    assert.strictEqual(failed._tag, "Failure")
    assert.strictEqual((failed as ExitReason.Failure).cause, fail)
    const mixed = Cause.combine(Cause.interrupt(1), Cause.die("defect"))
    assert.strictEqual((ExitReason.fromCause(mixed) as ExitReason.Failure).cause, mixed)
  })

  describe("the reason a process body gives", () => {
    const cases: ReadonlyArray<readonly [string, Effect.Effect<unknown, unknown, never>, ExitReason.ExitReason]> = [
      ["it succeeds", Effect.succeed(42), ExitReason.normal],
      ["it fails", Effect.fail("boom"), ExitReason.failure("boom")],
      ["it dies", Effect.die("defect"), ExitReason.failureCause(Cause.die("defect"))],
      [
        "it throws inside Effect.sync",
        Effect.sync(() => {
          throw "thrown"
        }),
        ExitReason.failureCause(Cause.die("thrown"))
      ],
      ["it interrupts itself", Effect.interrupt, ExitReason.shutdown]
    ]
    for (const [name, body, expected] of cases) {
      it.effect(`${expected._tag} when ${name}`, () =>
        withQuietNode(
          Effect.gen(function* () {
            const pid = yield* Process.spawn(body)
            assertReason(yield* Process.awaitExit(pid), expected)
          })
        )
      )
    }
  })
})
