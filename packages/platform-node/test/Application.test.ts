import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"

const fixture = fileURLToPath(new URL("./fixtures/app.ts", import.meta.url))

/** Runs the fixture app; sends `signal` once it printed "ready"; resolves with its exit code and output. */
const runApp = (args: ReadonlyArray<string>, signal: NodeJS.Signals | undefined) =>
  Effect.callback<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }>((resume) => {
    const child = spawn(process.execPath, [fixture, ...args], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    let signalled = false
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
      if (signal !== undefined && !signalled && stdout.includes("ready")) {
        signalled = true
        child.kill(signal)
      }
    })
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.on("exit", (code) => resume(Effect.succeed({ code, stdout, stderr })))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

// These run real OS processes, so they use real time (it.live); they synchronise on the child's
// output and exit, never on sleeps.
describe("Application.run", () => {
  it.live(
    "SIGTERM stops the tree gracefully in reverse order and exits 0",
    () =>
      Effect.gen(function* () {
        const { code, stderr, stdout } = yield* runApp([], "SIGTERM")
        assert.strictEqual(code, 0, stderr)
        assert.strictEqual(stdout, "ready\nhook high\nhook low\nstopped b\nstopped a\n")
      }),
    20_000
  )

  it.live(
    "SIGINT exits 0 too",
    () =>
      Effect.gen(function* () {
        const { code, stderr, stdout } = yield* runApp([], "SIGINT")
        assert.strictEqual(code, 0, stderr)
        assert.include(stdout, "stopped a")
      }),
    20_000
  )

  it.live(
    "gracefulShutdown with a normal reason: hooks, then the tree, exit 0",
    () =>
      Effect.gen(function* () {
        const { code, stderr, stdout } = yield* runApp(["request-normal"], undefined)
        assert.strictEqual(code, 0, stderr)
        assert.include(stdout, "hook high\nhook low\nstopped requester\nstopped b\nstopped a\n")
        assert.include(stdout + stderr, "INFO (#1): application stopped: normal")
      }),
    20_000
  )

  it.live(
    "gracefulShutdown with an abnormal reason exits 1",
    () =>
      Effect.gen(function* () {
        const { code, stderr, stdout } = yield* runApp(["request-abnormal"], undefined)
        assert.strictEqual(code, 1, stderr)
        assert.include(stdout, "hook high\nhook low\nstopped requester\nstopped b\nstopped a\n")
        assert.include(stdout + stderr, "ERROR (#1): application stopped: Error: bad")
      }),
    20_000
  )

  it.live(
    "a hook that outlasts shutdownTimeout after a signal: the process exits 1",
    () =>
      Effect.gen(function* () {
        const { code, stderr, stdout } = yield* runApp(["hang"], "SIGTERM")
        assert.strictEqual(code, 1, stderr)
        assert.strictEqual(stdout, "ready\nhook high\n")
        assert.include(stderr, "graceful shutdown took longer than 1000 ms; exiting")
      }),
    20_000
  )

  it.live(
    "a root supervisor that gives up exits non-zero with the reason printed",
    () =>
      Effect.gen(function* () {
        const { code, stdout, stderr } = yield* runApp(["crash"], undefined)
        assert.strictEqual(code, 1, stderr)
        assert.include(stdout, "stopped a")
        assert.include(stdout + stderr, "reached max restart intensity")
      }),
    20_000
  )
})
