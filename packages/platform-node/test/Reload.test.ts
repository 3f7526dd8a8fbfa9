/**
 * Reload from module files on a real file system: a temporary directory whose `node_modules` links
 * to the workspace's, so the module files written there import `effect` and `effect-otp` as the
 * tests do (the same instances). Synchronised on the reloads' outcomes and the watcher's events.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Option, Schema } from "effect"
import { ExitReason, GenServer, Process, Release, Request, Supervisor, Sys } from "effect-otp"
import { Reload } from "@effect-otp/platform-node"
import { withNode } from "./fixtures/node.ts"

class Bump extends Request.Class<Bump>()("Bump", { success: Schema.String }) {}

const workspaceModules = path.resolve(import.meta.dirname, "../../../node_modules")

/** A fresh temporary directory, removed when the test's scope closes. */
const tempDir = Effect.acquireRelease(
  Effect.sync(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-otp-reload-"))
    fs.symlinkSync(workspaceModules, path.join(dir, "node_modules"), "dir")
    return dir
  }),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

/** The source of a counter module: version 1 keeps a number, version 2 `{ count, history }`. */
const counterSource = (version: "1" | "2" | "broken") =>
  version === "1"
    ? `
import { Effect } from "effect"
import { GenServer } from "effect-otp"
export const Counter = GenServer.behaviour({
  name: "Counter",
  version: "1",
  init: (n) => Effect.succeed(GenServer.ok(n)),
  handleCall: { Bump: (_, n) => Effect.succeed(GenServer.reply("v1:" + (n + 1), n + 1)) }
})
`
    : `
import { Effect, Schema } from "effect"
import { GenServer } from "effect-otp"
export const Counter = GenServer.behaviour({
  name: "Counter",
  version: ${version === "2" ? '"2"' : '"3"'},
  state: Schema.Struct({ count: Schema.Number, history: Schema.Array(Schema.Number) }),
  init: (n) => Effect.succeed(GenServer.ok({ count: n, history: [] })),
  handleCall: {
    Bump: (_, s) => Effect.succeed(GenServer.reply("v2:" + (s.count + 1), { count: s.count + 1, history: [...s.history, s.count] }))
  },
  codeChange: (oldVersion, n) => ${
    version === "2" ? "Effect.succeed({ count: n, history: [] })" : 'Effect.fail("broken v3 from " + oldVersion)'
  }
})
`

/** Writes a file the way an atomic save does: elsewhere, then renamed over it. */
const writeAtomically = (file: string, source: string) =>
  Effect.sync(() => {
    fs.writeFileSync(`${file}.tmp`, source)
    fs.renameSync(`${file}.tmp`, file)
  })

/**
 * Writes version 1 of the counter module to `counter.ts` in a fresh temporary directory and starts a
 * supervisor whose child "counter" runs its behaviour `Counter` from 10.
 */
const startCounter = Effect.gen(function* () {
  const dir = yield* tempDir
  const file = path.join(dir, "counter.ts")
  fs.writeFileSync(file, counterSource("1"))
  const mod = yield* Effect.promise(() => import(pathToFileURL(file).href))
  const sup = yield* Supervisor.start({ children: [GenServer.childSpec("counter", mod.Counter, 10)] })
  return { dir, file, sup, pid: yield* counterPid(sup) }
})

const counterPid = (sup: Supervisor.Supervisor) =>
  Effect.map(Supervisor.whichChildren(sup), (children) => Option.getOrThrow(children[0]!.pid))

const bump = (pid: Process.Pid<never, unknown>) => GenServer.call(GenServer.fromPid<Bump>(pid), new Bump())

const versionOf = (pid: Process.Pid<never, unknown>) => Effect.map(Sys.getStatus(pid), (s) => s.version)

describe("Reload.module", () => {
  it.effect("re-imports a rewritten module and upgrades its servers and the specs that start them", () =>
    withNode(
      Effect.gen(function* () {
        const { sup, pid, file } = yield* startCounter
        assert.strictEqual(yield* bump(pid), "v1:11")
        fs.writeFileSync(file, counterSource("2"))
        const report = yield* Reload.module(file)
        assert.deepStrictEqual(report, {
          release: "Counter@2",
          upgraded: [
            {
              pid,
              id: String(pid),
              supervisor: Option.none(),
              behaviour: Option.some("Counter"),
              fromVersion: "1",
              toVersion: "2"
            }
          ],
          specs: [{ supervisor: Option.getOrThrow(sup.whereis()), ids: ["counter"] }]
        })
        assert.strictEqual(yield* bump(pid), "v2:12")
        // reloading the same versions changes nothing
        assert.deepStrictEqual((yield* Reload.module(file)).upgraded, [])
        // a restart starts the reloaded version
        yield* Process.exit(pid, ExitReason.failure("crash"))
        yield* Process.awaitExit(pid)
        const restarted = yield* counterPid(sup)
        assert.deepStrictEqual(yield* Sys.getState(restarted), { count: 10, history: [] })
      })
    )
  )

  it.effect("a broken version, or a failed validation, is rolled back", () =>
    withNode(
      Effect.gen(function* () {
        const { pid, file } = yield* startCounter
        fs.writeFileSync(file, counterSource("broken"))
        const broken = yield* Effect.flip(Reload.module(file))
        assert.instanceOf(broken, Release.UpgradeFailed)
        assert.deepStrictEqual((broken as Release.UpgradeFailed).reason.cause, Cause.fail("broken v3 from 1"))
        assert.strictEqual(yield* versionOf(pid), "1")
        fs.writeFileSync(file, counterSource("2"))
        const unhealthy = yield* Effect.flip(Reload.module(file, { validate: Effect.fail("unhealthy") }))
        assert.deepStrictEqual(
          unhealthy,
          new Release.ValidationFailed({ release: "Counter@2", cause: Cause.fail("unhealthy") })
        )
        assert.strictEqual(yield* versionOf(pid), "1")
        assert.strictEqual(yield* bump(pid), "v1:11")
      })
    )
  )

  it.effect("a file that cannot be imported, or exports no named behaviour, changes nothing", () =>
    withNode(
      Effect.gen(function* () {
        const dir = yield* tempDir
        const missing = path.join(dir, "missing.ts")
        const error = yield* Effect.flip(Reload.module(missing))
        assert.instanceOf(error, Reload.ModuleLoadFailed)
        assert.strictEqual((error as Reload.ModuleLoadFailed).path, missing)
        const plain = path.join(dir, "plain.ts")
        fs.writeFileSync(plain, "export const answer = 42\n")
        assert.deepStrictEqual(yield* Effect.flip(Reload.module(plain)), new Reload.NoBehaviours({ path: plain }))
      })
    )
  )
})

describe("Reload.watch", () => {
  it.effect("reloads a module file when it changes", () =>
    withNode(
      Effect.gen(function* () {
        const { pid, file, dir } = yield* startCounter
        const reloaded = yield* Deferred.make<Release.Report>()
        yield* Reload.watch(dir, {
          onReload: (changed, exit) =>
            changed === file && Exit.isSuccess(exit) && exit.value.upgraded.length > 0
              ? Effect.asVoid(Deferred.succeed(reloaded, exit.value))
              : Effect.void
        })
        yield* writeAtomically(file, counterSource("2"))
        const report = yield* Deferred.await(reloaded)
        assert.deepStrictEqual(
          report.upgraded.map((u) => [u.pid, u.fromVersion, u.toVersion]),
          [[pid, "1", "2"]]
        )
        assert.strictEqual(yield* bump(pid), "v2:11")
      })
    )
  )

  it.effect("a directory that cannot be watched fails with ModuleLoadFailed", () =>
    withNode(
      Effect.gen(function* () {
        const dir = path.join(os.tmpdir(), "effect-otp-reload-no-such-dir")
        const error = yield* Effect.flip(Reload.watch(dir))
        assert.instanceOf(error, Reload.ModuleLoadFailed)
        assert.strictEqual(error.path, dir)
      })
    )
  )
})
