import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"

const fixture = fileURLToPath(new URL("./fixtures/app.ts", import.meta.url))

/**
 * Runs the fixture app; once its output (stdout and stderr) matches `ready` (default: "ready"),
 * runs `interact` with the match, then sends `signal`; resolves with its exit code and output.
 */
const runApp = (
  args: ReadonlyArray<string>,
  signal: NodeJS.Signals | undefined,
  options?: { readonly ready?: RegExp; readonly interact?: (match: RegExpExecArray) => Promise<void> }
) =>
  Effect.callback<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }>((resume) => {
    const child = spawn(process.execPath, [fixture, ...args], { stdio: ["ignore", "pipe", "pipe"] })
    const ready = options?.ready ?? /ready/
    let stdout = ""
    let stderr = ""
    let signalled = false
    const onOutput = () => {
      const match = ready.exec(stdout + stderr)
      if (signal === undefined || signalled || match === null) return
      signalled = true
      void (options?.interact?.(match) ?? Promise.resolve()).finally(() => child.kill(signal))
    }
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
      onOutput()
    })
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
      onOutput()
    })
    child.on("exit", (code) => resume(Effect.succeed({ code, stdout, stderr })))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

/** The fixture's own lines (not the log's). */
const printed = (stdout: string) => stdout.split("\n").filter((line) => /^(ready|stopped \w+|hook \w+)$/.test(line))

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

  it.live(
    "observer: the endpoint serves the running tree on 127.0.0.1, kills with write access, stops with it",
    () =>
      Effect.gen(function* () {
        const seen: Array<unknown> = []
        const { code, stderr, stdout } = yield* runApp(["observer"], "SIGTERM", {
          ready: /observer endpoint on (http:\/\/127\.0\.0\.1:\d+\/)/,
          interact: async ([, url]) => {
            const snapshot = (await (await fetch(`${url}api/snapshot`)).json()) as any
            const children = snapshot.supervisors[0].children
            seen.push(children.map((child: any) => [child.id, child.status]))
            const answer = await fetch(`${url}api/kill?pid=${encodeURIComponent(children[0].pid)}`, { method: "POST" })
            seen.push([answer.status, await answer.json()])
            seen.push([children[0].pid])
          }
        })
        assert.strictEqual(code, 0, stderr)
        const killed = (seen[2] as Array<string>)[0]
        assert.deepStrictEqual(seen, [
          [
            ["a", "running"],
            ["b", "running"]
          ],
          [200, { killed }],
          [killed]
        ])
        // "a" was killed (its finaliser ran) and restarted, then the tree stopped on SIGTERM
        assert.deepStrictEqual(printed(stdout), [
          "ready",
          "stopped a",
          "hook high",
          "hook low",
          "stopped b",
          "stopped a"
        ])
        assert.include(stdout, `supervisor <0.1.0> restarted child "a" as`)
      }),
    20_000
  )

  it.live(
    "observer on a non-loopback address without a token: TokenRequired, exit 1, nothing started",
    () =>
      Effect.gen(function* () {
        const { code, stderr, stdout } = yield* runApp(["observer-open"], undefined)
        assert.strictEqual(code, 1, stderr)
        assert.deepStrictEqual(printed(stdout), [])
        assert.include(stdout + stderr, "the observer endpoint on 0.0.0.0 (not a loopback address) needs a token")
      }),
    20_000
  )
})
