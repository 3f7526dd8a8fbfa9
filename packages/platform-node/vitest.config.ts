import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "@effect-otp/platform-node",
    include: ["test/**/*.test.ts"]
  }
})
