import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "@effect-otp/cli",
    include: ["test/**/*.test.ts"]
  }
})
