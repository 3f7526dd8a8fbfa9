import { defineProject } from "vitest/config"

// The shared settings (vitest.shared.ts) minus the "module" condition: OpenTelemetry's packages
// export an ESM build under it whose imports have no file extensions, which Node cannot load.
const conditions = ["@effect-otp/source", "node", "development|production"]

export default defineProject({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    name: "examples",
    include: ["test/**/*.test.ts"]
  }
})
