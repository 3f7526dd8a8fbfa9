import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Option } from "effect"
import { TestClock } from "effect/testing"
import { ExitReason, Node, Process } from "effect-otp"

describe("smoke", () => {
  it.effect("receive timeout fires at the right virtual time", () =>
    Effect.gen(function* () {
      const pid = yield* Process.spawn(Process.receive<string>({ timeout: "5 seconds" }))
      const exit = yield* Effect.forkChild(Process.awaitExit(pid))
      yield* TestClock.adjust("4 seconds")
      assert.isTrue(yield* Process.isAlive(pid))
      yield* TestClock.adjust("1 second")
      const reason = yield* Fiber.join(exit)
      assert.deepStrictEqual(reason, ExitReason.normal)
      assert.isTrue(Option.isNone(yield* Process.info(pid)))
    }).pipe(Effect.provide(Node.layer()))
  )
})
