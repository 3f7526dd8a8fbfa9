import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { TestConsole } from "effect/testing"
import * as Cli from "../src/Cli.ts"
import * as UpgradeDemo from "../src/demo/UpgradeDemo.ts"

/** What the demo printed, pids shown as if on the first node (see Cli.test.ts). */
const output = Effect.map(TestConsole.logLines, (lines) =>
  lines.map((line) => String(line).replace(/<\d+\.(\d+)\.0>/g, "<0.$1.0>"))
)

describe("otp demo upgrade", () => {
  it.effect("upgrades the counter under load with no call lost, then rejects and rolls back version 3", () =>
    Effect.gen(function* () {
      const summary = yield* UpgradeDemo.run({ clients: 2, calls: 3 })
      // both versions answered calls (version 1 at least the 5 before the upgrade began, version 2
      // at least the 3 each client makes after it), and every call made was counted once
      assert.isAtLeast(summary.answeredBy["1"] ?? 0, 5)
      assert.isAtLeast(summary.answeredBy["2"] ?? 0, 2 * 3)
      assert.strictEqual(summary.finalCount, summary.calls)
      assert.strictEqual((summary.answeredBy["1"] ?? 0) + (summary.answeredBy["2"] ?? 0), summary.calls)
      assert.deepStrictEqual([summary.versionAfterRejection, summary.versionAfterRestart], ["2", "2"])
      const lines = yield* output
      assert.deepStrictEqual(lines.slice(0, 2), [
        "Upgrading a running counter: 2 clients call it until the upgrade is over, then 3 times more each.",
        "  counter <0.2.0> runs Counter version 1 (state: a number)"
      ])
      assert.includeMembers(lines, [
        "     │ RELEASE <0.2.0> upgraded Counter from version 1 to 2",
        "  ✓ counter <0.2.0>: version 1 → 2",
        "  ✓ child specs of <0.1.0> (counter) now start version 2",
        `  final count ${summary.calls} (version 2): no call lost`,
        '  ✗ UpgradeFailed: child "counter", InvalidState; rolled back'
      ])
      assert.match(
        lines.at(-1)!,
        /^ {2}✂ {2}crashed it: the supervisor restarted it as <0\.3\.0>, version 2, state \{"count":0,"history":\[\]\}$/
      )
    })
  )

  it.effect("otp demo upgrade runs from the command line", () =>
    Effect.gen(function* () {
      yield* Cli.run(["demo", "upgrade", "--clients", "1", "--calls", "2"]).pipe(Effect.provide(NodeServices.layer))
      const text = (yield* output).join("\n")
      assert.include(text, "1 clients call it until the upgrade is over, then 2 times more each.")
      assert.include(text, "no call lost")
    })
  )
})
