import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "example-mastery",
    include: ["test/**/*.test.ts"]
  }
})
