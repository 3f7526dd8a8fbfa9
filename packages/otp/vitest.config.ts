import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "effect-otp",
    include: ["test/**/*.test.ts"]
  }
})
