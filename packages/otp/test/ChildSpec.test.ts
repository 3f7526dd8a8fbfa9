import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { ChildSpec } from "effect-otp"

const start = Effect.never as unknown as ChildSpec.ChildSpec["start"]

const invalidSignificant = (id: string) =>
  new ChildSpec.InvalidChildSpec({
    id,
    field: "significant",
    reason: 'a significant child needs a supervisor with autoShutdown other than "never"'
  })

describe("ChildSpec", () => {
  describe("checkSignificant", () => {
    it("refuses a significant child under autoShutdown never", () => {
      const spec = ChildSpec.normalize({ id: "s", start, restart: "transient", significant: true })
      assert.isFalse(spec instanceof ChildSpec.InvalidChildSpec)
      if (spec instanceof ChildSpec.InvalidChildSpec) return
      assert.deepStrictEqual(ChildSpec.checkSignificant(spec, "never"), invalidSignificant("s"))
      assert.strictEqual(ChildSpec.checkSignificant(spec, "anySignificant"), undefined)
      assert.strictEqual(ChildSpec.checkSignificant(spec, "allSignificant"), undefined)
    })

    it("accepts a child that is not significant under any autoShutdown", () => {
      const spec = ChildSpec.normalize({ id: "w", start })
      if (spec instanceof ChildSpec.InvalidChildSpec) return assert.fail(spec.message)
      assert.strictEqual(ChildSpec.checkSignificant(spec, "never"), undefined)
    })
  })

  describe("normalizeAll with the supervisor's autoShutdown", () => {
    it("reports the first significant child after every spec passed its own checks", () => {
      const significant = { id: "s", start, restart: "transient" as const, significant: true }
      const bad = { id: "b", start, restart: "sometimes" as never }
      // a spec error anywhere in the list comes first, as the supervisor's start reported it
      assert.deepStrictEqual(
        ChildSpec.normalizeAll([significant, bad], "never"),
        new ChildSpec.InvalidChildSpec({
          id: "b",
          field: "restart",
          reason: "must be one of permanent, transient, temporary, got sometimes"
        })
      )
      assert.deepStrictEqual(
        ChildSpec.normalizeAll([{ id: "w", start }, significant, { ...significant, id: "t" }], "never"),
        invalidSignificant("s")
      )
    })

    it("without autoShutdown, or with one that allows them, keeps significant children", () => {
      const specs = [{ id: "s", start, restart: "transient" as const, significant: true }]
      const withoutCheck = ChildSpec.normalizeAll(specs)
      const allowed = ChildSpec.normalizeAll(specs, "anySignificant")
      assert.isTrue(Array.isArray(withoutCheck) && withoutCheck[0]!.significant)
      assert.isTrue(Array.isArray(allowed) && allowed[0]!.significant)
    })
  })
})
