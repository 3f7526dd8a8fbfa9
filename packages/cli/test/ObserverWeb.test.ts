// The observer's web page in headless Chromium (Debian's `chromium`, which .ci/run installs; no
// browser is downloaded): the Mastery app served with `MasteryDemo.serve` on 127.0.0.1, port 0, and
// the page driven through playwright-core. Every wait is on the page's DOM (a selector, with a
// bound) or on the node (a monitor, an Observer event), never on time. Without chromium the tests
// are skipped, with a note.
//
// Screenshots for the README: `OBSERVER_SCREENSHOTS=docs/observer npx vitest run
// packages/cli/test/ObserverWeb.test.ts` writes them there; without it nothing is written (so a CI
// run leaves the tree clean). CHROMIUM_PATH overrides where the browser is looked for.
import { existsSync } from "node:fs"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Option, Stream } from "effect"
import { TestConsole } from "effect/testing"
import { ExitReason, Node, Observer, Process, testing } from "effect-otp"
import { type Browser, chromium, type Page } from "playwright-core"
import { afterAll, beforeAll } from "vitest"
import * as MasteryDemo from "../src/demo/MasteryDemo.ts"

// CHROMIUM_PATH names another browser binary (or, set to a missing file, shows the skip)
const candidates =
  process.env.CHROMIUM_PATH !== undefined
    ? [process.env.CHROMIUM_PATH]
    : ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
const executablePath = candidates.find((path) => existsSync(path))
const screenshots = process.env.OBSERVER_SCREENSHOTS
if (executablePath === undefined) {
  console.warn(
    `ObserverWeb.test.ts skipped: no chromium at ${candidates.join(" or ")} (.ci/run installs Debian's chromium: apt-get install chromium)`
  )
}

let browser: Browser | undefined
beforeAll(async () => {
  if (executablePath === undefined) return
  browser = await chromium.launch({
    executablePath,
    // no network of its own: no updates, no sync, no metrics, no field trials
    args: [
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-default-apps",
      "--disable-field-trial-config",
      "--metrics-recording-only",
      "--no-first-run",
      "--no-default-browser-check"
    ]
  })
}, 30_000)
afterAll(async () => {
  await browser?.close()
})

/** The page's first load (browser start-up included) may be slow on a loaded machine. */
const loadBound = 15_000
/**
 * Every later wait on the page. The page's own speed is checked against its clock (a restart drawn
 * within a second of it, by `data-first-drawn`); this bound only keeps a stuck test short, with room
 * for the browser driver's round trips on a machine at load 20.
 */
const bound = 5_000

/** The app served for a test (quiet: its output goes to a TestConsole), with a page open on it. */
const withServed = <A, E>(
  options: MasteryDemo.ServeOptions,
  body: (served: MasteryDemo.Served, page: Page) => Effect.Effect<A, E, Node.Node>
) =>
  Effect.gen(function* () {
    const served = yield* MasteryDemo.serve({ port: 0, killEvery: "never", pace: "1 hour", ...options })
    const page = yield* Effect.acquireRelease(
      Effect.promise(() => browser!.newPage({ viewport: { width: 1280, height: 800 } })),
      (page) => Effect.promise(() => page.close())
    )
    yield* Effect.promise(() => page.goto(served.url))
    // attached to the event stream, and the snapshot read after that drawn
    yield* Effect.promise(() => page.waitForSelector('body[data-live="open"]', { timeout: loadBound }))
    return yield* body(served, page).pipe(Effect.provideService(Node.Node, served.node))
  }).pipe(Effect.scoped, Effect.provide(TestConsole.layer))

const pidOf = (served: MasteryDemo.Served, index: number) =>
  Effect.map(served.client.whereis(served.sessions[index]!), Option.getOrThrow)

const sessionId = (served: MasteryDemo.Served, index: number) =>
  `mastery/session/Basics/${served.sessions[index]!.email}`

/** The trees as drawn: each process's depth, id (a supervisor: its name), pid and restart count. */
const drawnTree = (page: Page) =>
  Effect.promise(() =>
    page.$$eval("#trees li[data-pid]", (items) =>
      items.map((item) => {
        let depth = 0
        for (let up = item.parentElement; up !== null && up.id !== "trees"; up = up.parentElement) {
          if (up.tagName === "LI") depth++
        }
        return [
          depth,
          item.dataset.id ?? item.querySelector("strong")!.textContent,
          item.dataset.pid,
          item.dataset.restarts
        ]
      })
    )
  )

/** The next `Restarted` event of the node for `id`, listened to from now on (the fiber starts at once, so it is attached on return). */
const nextRestart = (id: string) =>
  Effect.map(
    Observer.changes().pipe(
      Stream.filter((event) => event._tag === "Restarted" && event.id === id),
      Stream.runHead,
      Effect.forkChild({ startImmediately: true })
    ),
    (fiber) => Effect.map(Fiber.join(fiber), Option.getOrThrow)
  )

const post = (url: string) =>
  Effect.promise(async () => {
    const response = await fetch(url, { method: "POST" })
    return { status: response.status, body: await response.json() }
  })

/** Waits (see `bound`) until the outcome of the page's last action reads `text`. */
const outcome = (page: Page, text: string) =>
  Effect.promise(() =>
    page.waitForFunction((text) => (globalThis as any).document.getElementById("outcome")?.textContent === text, text, {
      timeout: bound
    })
  )

const texts = (page: Page, selector: string) =>
  Effect.promise(() => page.$$eval(selector, (nodes) => nodes.map((node) => node.textContent)))

const statusOf = (pid: Process.Pid<never, unknown>) =>
  Effect.map(Observer.snapshot, (snapshot) => snapshot.processes.find((p) => String(p.pid) === String(pid))?.status)

/** With OBSERVER_SCREENSHOTS set: a PNG of one section of the page (a few tens of KB). */
const shoot = (page: Page, selector: string, name: string) =>
  screenshots === undefined
    ? Effect.void
    : Effect.promise(() => page.locator(selector).screenshot({ path: join(screenshots, name), type: "png" }))

describe.skipIf(executablePath === undefined)("the observer's web page, in headless Chromium", () => {
  it.live(
    "shows the running app's tree; a session killed through the API is shown restarted within a second",
    () =>
      withServed({ write: true }, (served, page) =>
        Effect.gen(function* () {
          const snapshot = yield* Observer.snapshot
          const [root, sessionsSup] = [snapshot.supervisors[0]!, snapshot.supervisors[1]!]
          const manager = root.children[0]!
          const sessions = yield* Effect.forEach([0, 1, 2], (i) => pidOf(served, i))
          assert.deepStrictEqual(yield* drawnTree(page), [
            [0, "mastery", String(root.pid), "0"],
            [1, "quiz_manager", String(Option.getOrThrow(manager.pid)), "0"],
            [1, "quiz_sessions", String(sessionsSup.pid), "0"],
            [2, sessionId(served, 0), String(sessions[0]), "0"],
            [2, sessionId(served, 1), String(sessions[1]), "0"],
            [2, sessionId(served, 2), String(sessions[2]), "0"]
          ])

          const restarted = yield* nextRestart(sessionId(served, 1))
          const answer = yield* post(`${served.url}api/kill?pid=${encodeURIComponent(String(sessions[1]))}`)
          assert.deepStrictEqual(answer, { status: 200, body: { killed: String(sessions[1]) } })
          const restart = yield* restarted
          // the page draws the new process with one restart, within a second of the restart (by
          // the page's clock and the node's, both the machine's)
          const drawn = `#trees li[data-pid="${String(restart.pid)}"][data-restarts="1"]`
          yield* Effect.promise(() => page.waitForSelector(drawn, { timeout: bound }))
          const drawnAt = Number(yield* Effect.promise(() => page.getAttribute(drawn, "data-first-drawn")))
          assert.isBelow(drawnAt - restart.time, 1_000)
          // a DynamicSupervisor lists its children in the order they started: the restarted one last
          assert.deepStrictEqual((yield* drawnTree(page)).slice(3), [
            [2, sessionId(served, 0), String(sessions[0]), "0"],
            [2, sessionId(served, 2), String(sessions[2]), "0"],
            [2, sessionId(served, 1), String(restart.pid), "1"]
          ])
          assert.deepStrictEqual(yield* pidOf(served, 1), restart.pid)
          yield* Effect.promise(() => page.waitForSelector('#events div[data-tag="Restarted"]', { timeout: bound }))
          yield* shoot(page, "#trees-section", "observer-tree.png")
          yield* shoot(page, "#processes-section", "observer-processes.png")
        })
      ),
    40_000
  )

  it.live(
    "a click on the memory column sorts the table by the memory estimate: the process holding the most first",
    () =>
      withServed({ write: false }, (_served, page) =>
        Effect.gen(function* () {
          // 100 messages of 10,000 characters: 984 + 100 × (8 + 16 + 20,000) B
          const hoarder = yield* Process.spawn(Process.receive((m: string) => m === "never"))
          for (let i = 0; i < 100; i++) yield* Process.send(hoarder, "x".repeat(10_000))
          // a spawn after them: the page reads the snapshot again, with the messages in it
          const marker = yield* Process.spawn(Process.receive<never>())
          yield* Effect.promise(() => page.waitForSelector(`tr[data-pid="${String(marker)}"]`, { timeout: bound }))
          yield* Effect.promise(() => page.click('th[data-key="memory"]'))
          yield* Effect.promise(() => page.waitForSelector('th.sorted[data-key="memory"]', { timeout: bound }))
          const rows = yield* Effect.promise(() =>
            page.$$eval("#processes tbody tr", (rows) =>
              rows.map((row) => {
                const cell = row.querySelector("td[data-memory]")!
                return [(row as any).dataset.pid, Number((cell as any).dataset.memory), cell.textContent]
              })
            )
          )
          assert.deepStrictEqual(rows[0], [String(hoarder), 984 + 100 * (8 + 16 + 20_000), "1.9 MiB"])
          const memories = rows.map((row) => row[1] as number)
          assert.deepStrictEqual(
            memories,
            [...memories].sort((a, b) => b - a)
          )
          const { processes } = yield* Observer.snapshot
          assert.deepStrictEqual(rows.map((row) => row[0]).sort(), processes.map((p) => String(p.pid)).sort())
        })
      ),
    40_000
  )

  it.live(
    "the kill button kills: the process's monitor fires, its supervisor restarts it",
    () =>
      withServed({ write: true }, (served, page) =>
        Effect.gen(function* () {
          const pid = yield* pidOf(served, 0)
          const restarted = yield* nextRestart(sessionId(served, 0))
          // the test's body is a process: it monitors the session, and the Down comes to its mailbox
          const [monitor, down] = yield* testing.runInProcess(
            Effect.gen(function* () {
              const monitor = yield* Process.monitor(pid)
              yield* Effect.promise(() => page.click(`tr[data-pid="${String(pid)}"] button[data-action="kill"]`))
              return [monitor, yield* testing.assertReceive(Process.isDown, { timeout: "5 seconds" })] as const
            })
          )
          assert.deepStrictEqual([down.ref, down.pid, down.reason], [monitor, pid, ExitReason.killed])
          const restart = yield* restarted
          assert.notStrictEqual(String(restart.pid), String(pid))
          assert.deepStrictEqual(yield* pidOf(served, 0), restart.pid)
          yield* Effect.promise(() =>
            page.waitForSelector(`#trees li[data-pid="${String(restart.pid)}"][data-restarts="1"]`, { timeout: bound })
          )
        })
      ),
    40_000
  )

  it.live(
    "a process's detail (Process.info, Sys.getStatus, its events); suspend, resume and trace from its buttons",
    () =>
      withServed({ write: true }, (served, page) =>
        Effect.gen(function* () {
          const pid = yield* pidOf(served, 0)
          yield* Effect.promise(() => page.click(`#trees li[data-pid="${String(pid)}"] > .box`))
          yield* Effect.promise(() =>
            page.waitForSelector(`#detail[data-pid="${String(pid)}"][data-state="live"]`, { timeout: bound })
          )
          assert.deepStrictEqual(yield* texts(page, "#detail h2"), ["Process.info", "Sys.getStatus", "Last events"])
          assert.deepStrictEqual(yield* texts(page, "#detail button"), [
            "kill",
            "suspend",
            "resume",
            "trace on",
            "trace off"
          ])
          // what the page shows is what the route answers
          const detail: any = yield* Effect.promise(() =>
            fetch(`${served.url}api/process?pid=${encodeURIComponent(String(pid))}`).then((r) => r.json())
          )
          const shown = yield* texts(page, "#detail pre")
          assert.deepStrictEqual(JSON.parse(shown[0]!), detail.status)
          assert.include(yield* texts(page, "#detail dd"), sessionId(served, 0))

          yield* Effect.promise(() => page.click('#detail button[data-action="suspend"]'))
          yield* outcome(page, `suspend ${String(pid)}: done`)
          assert.strictEqual(yield* statusOf(pid), "suspended")
          yield* Effect.promise(() => page.waitForSelector(`tr[data-pid="${String(pid)}"] td.bad`, { timeout: bound }))
          yield* Effect.promise(() => page.click('#detail button[data-action="resume"]'))
          yield* outcome(page, `resume ${String(pid)}: done`)
          assert.strictEqual(yield* statusOf(pid), "waiting")

          yield* Effect.promise(() => page.click('#detail button[data-action="trace-on"]'))
          yield* outcome(page, `trace-on ${String(pid)}: done`)
          // a call to the traced session: its Sys events reach the event list and its detail
          yield* served.client.progress(served.sessions[0]!)
          yield* Effect.promise(() => page.waitForSelector('#events div[data-tag="Traced"]', { timeout: bound }))
          yield* Effect.promise(() => page.waitForSelector('#detail .log div[data-tag="Traced"]', { timeout: bound }))
          yield* shoot(page, "#detail-section", "observer-detail.png")
          yield* Effect.promise(() => page.click('#detail button[data-action="trace-off"]'))
          yield* outcome(page, `trace-off ${String(pid)}: done`)
        })
      ),
    40_000
  )

  it.live(
    "read-only: no button on the page, and the API answers 403 and leaves the process alone",
    () =>
      withServed({ write: false }, (served, page) =>
        Effect.gen(function* () {
          const pid = yield* pidOf(served, 0)
          assert.strictEqual(yield* Effect.promise(() => page.locator(`tr[data-pid="${String(pid)}"]`).count()), 1)
          assert.strictEqual(yield* Effect.promise(() => page.locator("button").count()), 0)
          // its detail too
          yield* Effect.promise(() => page.click(`tr[data-pid="${String(pid)}"]`))
          yield* Effect.promise(() =>
            page.waitForSelector(`#detail[data-pid="${String(pid)}"][data-state="live"]`, { timeout: bound })
          )
          assert.strictEqual(yield* Effect.promise(() => page.locator("button").count()), 0)
          assert.include(yield* texts(page, "#detail p"), "read-only endpoint")
          assert.deepStrictEqual(yield* post(`${served.url}api/kill?pid=${encodeURIComponent(String(pid))}`), {
            status: 403,
            body: { error: "read-only: the endpoint was started without write access" }
          })
          assert.isTrue(yield* Process.isAlive(pid))
        })
      ),
    40_000
  )
})
