/**
 * Runs packages/otp's tests (copied to <dir>/test) against a prototype copy of its sources
 * (<dir>/src): `npx vitest run --config bench/tools/otp.vitest.config.ts`.
 * BENCH_OTP_ROOT selects the copy (default build/bench-otp/patched, see bench/tools/README.md).
 */
import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

const root = process.env.BENCH_OTP_ROOT ?? fileURLToPath(new URL("../../build/bench-otp/patched", import.meta.url))

export default defineConfig({
  resolve: {
    alias: [
      { find: /^effect-otp$/, replacement: `${root}/src/index.ts` },
      { find: /^effect-otp\/(.*)$/, replacement: `${root}/src/$1.ts` }
    ]
  },
  test: { root, include: ["test/**/*.test.ts"] }
})
