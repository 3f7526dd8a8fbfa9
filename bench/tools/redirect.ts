/**
 * A module hook for comparing effect-otp variants (see compare.ts and bench/tools/README.md).
 *
 * - `effect-otp` and `effect-otp/*` resolve to the copy named by the importer's `?otp=<variant>`
 *   query (build/bench-otp/<variant>/src), or by BENCH_OTP_DIR, else stay as they are.
 * - The query is carried on to relative imports, so `import("./bench/scenarios/x.ts?otp=head")`
 *   loads the scenario, its helpers and effect-otp as a separate instance per variant, and the
 *   variant's modules can read their switches from `import.meta.url`.
 *
 * `npx node --import ./bench/tools/redirect.ts bench/run.ts ...` with BENCH_OTP_DIR=<dir>/src runs
 * the whole bench on one copy.
 */
import { existsSync } from "node:fs"
import { registerHooks } from "node:module"
import { pathToFileURL } from "node:url"

const root = new URL("../../build/bench-otp/", import.meta.url)
const fixed = process.env.BENCH_OTP_DIR

const baseFor = (query: string): URL | undefined => {
  if (query !== "") {
    const variant = new URLSearchParams(query).get("otp")
    if (variant !== null) return new URL(`${variant}/src/`, root)
  }
  if (fixed !== undefined) return pathToFileURL(fixed.endsWith("/") ? fixed : `${fixed}/`)
  return undefined
}

registerHooks({
  resolve(specifier, context, nextResolve) {
    const parent = context.parentURL === undefined ? undefined : new URL(context.parentURL)
    const query = parent?.search ?? ""
    if (specifier === "effect-otp" || specifier.startsWith("effect-otp/")) {
      const base = baseFor(query)
      if (base !== undefined) {
        const file = new URL(
          specifier === "effect-otp" ? "index.ts" : `${specifier.slice("effect-otp/".length)}.ts`,
          base
        )
        if (!existsSync(file)) {
          // as Node's own resolution says it, so the bench's optional imports recognise it
          throw Object.assign(new Error(`Cannot find module '${specifier}' (${file.pathname})`), {
            code: "ERR_MODULE_NOT_FOUND"
          })
        }
        return { url: `${file.href}${query}`, shortCircuit: true }
      }
    }
    const resolved = nextResolve(specifier, context)
    if (query !== "" && (specifier.startsWith(".") || specifier.startsWith("/")) && !resolved.url.includes("?")) {
      return { ...resolved, url: `${resolved.url}${query}` }
    }
    return resolved
  }
})
