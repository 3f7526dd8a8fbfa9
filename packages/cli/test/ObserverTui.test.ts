// `otp observer`'s live view in a real terminal (tmux): the node runs in this test's process behind
// its admin endpoint, the view in its own OS process in a tmux window. Every step waits for the
// screen to show its outcome (read again on each write of the view), never for a fixed time.
import { randomBytes } from "node:crypto"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import { Node as DistNode, Epmd, ObserverHttp } from "@effect-otp/platform-node"
import { Effect, Layer, Logger, Option, type Scope } from "effect"
import { GenServer, Node, Observer, Process, Supervisor, Sys } from "effect-otp"
import * as Tmux from "./fixtures/tmux.ts"

const root = fileURLToPath(new URL("../../..", import.meta.url))

const Idle = GenServer.behaviour({ init: (_: void) => Effect.succeed(GenServer.ok({ calls: 0 })) })

/** `otp observer` with these arguments in a 120×40 terminal; once it ends, its exit status is shown. */
const observer = (args: string) =>
  Tmux.open(
    [
      `'${process.execPath}' --conditions=@effect-otp/source packages/cli/src/bin.ts observer`,
      `${args} --interval 200; echo "observer exited $?"; exec sleep 600`
    ].join(" "),
    { cwd: root, columns: 120, rows: 40 }
  )

/** A node with its endpoint, a tree on it, and the live view of it in a 120×40 terminal. */
const withView = <A, E>(
  write: boolean,
  body: (view: {
    readonly terminal: Tmux.Terminal
    readonly sup: Supervisor.Supervisor
    readonly cart: Process.Pid<never, unknown>
  }) => Effect.Effect<A, E, Node.Node | Scope.Scope>
) =>
  Effect.gen(function* () {
    const endpoint = yield* ObserverHttp.ObserverHttp
    const sup = yield* Supervisor.start({
      strategy: "oneForOne",
      name: "tui-shop",
      children: [
        GenServer.childSpec("cart", Idle, undefined, { name: "tui-cart" }),
        Supervisor.childSpec("payments", { children: [GenServer.childSpec("card", Idle, undefined)] })
      ]
    })
    const cart = Option.getOrThrow((yield* Supervisor.whichChildren(sup))[0]!.pid)
    const terminal = yield* observer(`--url ${endpoint.url}`)
    return yield* body({ terminal, sup, cart })
  }).pipe(
    Effect.scoped,
    Effect.provide(ObserverHttp.layer({ write }).pipe(Layer.provideMerge(Layer.merge(Node.layer(), Logger.layer([])))))
  )

const help = "↑↓/jk select  / find  enter detail  esc back  x kill  p suspend  r resume  t trace  s sort  q quit"

/** Selects the first process whose name contains `text`. */
const find = (terminal: Tmux.Terminal, text: string) =>
  Effect.gen(function* () {
    yield* terminal.send(["/"])
    yield* terminal.send([text], { literal: true })
    yield* terminal.send(["Enter"])
  })

describe.skipIf(!Tmux.tmuxAvailable)("otp observer: the live view in a terminal (tmux)", () => {
  it.live(
    "the tree and the table appear; kill shows the restart; suspend and resume change the status; trace; q",
    () =>
      withView(true, ({ terminal, sup, cart }) =>
        Effect.gen(function* () {
          const screen = yield* terminal.waitFor("the tree and the table", (s) =>
            s.includes(`├─ cart ${cart}  running, restarts 0`)
          )
          const lines = screen.split("\n")
          assert.match(lines[0]!, /^otp observer {2}nonode@nohost via http:\/\/127\.0\.0\.1:\d+\/ {2}4 processes/)
          assert.match(lines[3]!, /^tui-shop <[\d.]+> {2}Supervisor oneForOne, restarts 0, intensity 0\/3 in 5000 ms$/)
          assert.strictEqual(lines[4], `├─ cart ${cart}  running, restarts 0`)
          assert.match(lines[5]!, /^└─ payments <[\d.]+> {2}Supervisor oneForOne/)
          assert.strictEqual(lines[8], "processes by mailbox (4)")
          assert.strictEqual(lines[9], "pid      name      behaviour   status   mailbox  in  handled  memory")
          // an idle server's 3,800 B and its state { calls: 0 } (40 B)
          assert.include(screen, `${cart}  tui-cart  GenServer   waiting  0        0   0        3.8 KiB`)
          assert.strictEqual(lines.at(-2), help)

          // s three times: by memory. A process holding 20 messages of 1,000 characters comes first
          // (984 + 20 × 2,024 B), the supervisors next, then the two idle servers by pid
          const hoarder = yield* Process.spawn(Process.receive((m: string) => m === "never"))
          for (let i = 0; i < 20; i++) yield* Process.send(hoarder, "x".repeat(1_000))
          yield* terminal.send(["s", "s", "s"])
          const byMemory = yield* terminal.waitFor("sorted by memory", (s) => s.includes("processes by memory (5)"))
          const table = byMemory.split("\n")
          const first = table.indexOf("processes by memory (5)") + 2
          // (its status: runnable or waiting, as the snapshot found it on its way to the receive)
          assert.match(table[first]!, new RegExp(`^${hoarder} +process +(runnable|waiting) +20 +20 +0 +40\\.5 KiB$`))
          const { processes } = yield* Observer.snapshot
          const expected = [...processes]
            .sort((a, b) => b.memory - a.memory || a.pid.id - b.pid.id)
            .map((p) => String(p.pid))
          assert.deepStrictEqual(
            table.slice(first, first + 5).map((line) => line.split(" ")[0]),
            expected
          )

          // select the cart, kill it: the supervisor's restart shows in the tree
          yield* find(terminal, "tui-cart")
          yield* terminal.waitFor("the cart selected", (s) => s.includes(`selected ${cart}`))
          yield* terminal.send(["x"])
          const restarted = yield* terminal.waitFor(
            "the kill and the restart",
            (s) => s.includes(`killed ${cart}`) && /├─ cart <[\d.]+> {2}running, restarts 1/.test(s)
          )
          const shown = /├─ cart (<[\d.]+>) {2}running, restarts 1/.exec(restarted)![1]
          const now = Option.getOrThrow((yield* Supervisor.whichChildren(sup))[0]!.pid)
          assert.strictEqual(shown, String(now))
          assert.notStrictEqual(shown, String(cart))
          assert.match(restarted, /^tui-shop <[\d.]+> {2}Supervisor oneForOne, restarts 1, intensity 1\/3 in 5000 ms$/m)

          // its detail; suspend and resume change the status shown
          yield* find(terminal, "tui-cart")
          yield* terminal.send(["Enter"])
          yield* terminal.waitFor(
            "the detail",
            (s) => s.includes(`process ${now} "tui-cart"`) && s.includes("GenServer v1, running")
          )
          yield* terminal.send(["p"])
          const suspended = yield* terminal.waitFor(
            "suspended",
            (s) => s.includes(`suspended ${now}`) && s.includes("Sys status: GenServer v1, suspended")
          )
          assert.include(suspended, '  state {"calls":0}')
          assert.include(suspended, `  restarted cart as ${now} (supervisor `)
          assert.strictEqual((yield* Sys.getStatus(now)).status, "suspended")
          yield* terminal.send(["r"])
          yield* terminal.waitFor(
            "resumed",
            (s) => s.includes(`resumed ${now}`) && s.includes("Sys status: GenServer v1, running")
          )
          assert.strictEqual((yield* Sys.getStatus(now)).status, "running")

          // trace: its Sys events show in its detail
          yield* terminal.send(["t"])
          yield* terminal.waitFor("trace on", (s) => s.includes(`trace on: ${now}`) && s.includes("(trace on)"))
          yield* Process.send(now as Process.Pid<string>, "hello")
          yield* terminal.waitFor("the traced message", (s) => s.includes(`trace: ${now} got "hello"`))

          // q: the view ends and the terminal is back to its normal screen
          yield* terminal.send(["q"])
          const after = yield* terminal.waitFor("the view ended", (s) => s.includes("observer exited 0"))
          assert.notInclude(after, help)
        })
      ),
    60_000
  )

  it.live(
    "on a read-only endpoint a kill is refused: the 403 is shown on the message line, the process lives",
    () =>
      withView(false, ({ terminal, cart }) =>
        Effect.gen(function* () {
          yield* terminal.waitFor("the table", (s) => s.includes(`${cart}  tui-cart`))
          yield* find(terminal, "tui-cart")
          yield* terminal.waitFor("the cart selected", (s) => s.includes(`selected ${cart}`))
          yield* terminal.send(["x"])
          yield* terminal.waitFor("the refusal", (s) =>
            s.includes(`kill ${cart} refused: 403: read-only: the endpoint was started without write access`)
          )
          assert.isTrue(yield* Process.isAlive(cart))
          yield* terminal.send(["q"])
          yield* terminal.waitFor("the view ended", (s) => s.includes("observer exited 0"))
        })
      ),
    60_000
  )
  it.live(
    "--node: the live view of a node over the distribution; kill shows the restart",
    () =>
      Effect.gen(function* () {
        const epmd = yield* Epmd.serve({ port: 0 })
        const cookie = randomBytes(8).toString("hex")
        const target = yield* DistNode.start("tui-shop@127.0.0.1", { cookie, epmdPort: epmd.port })
        const on = <A, E>(effect: Effect.Effect<A, E, Node.Node>) =>
          Effect.provideService(effect, Node.Node, target.node)
        const sup = yield* on(
          Supervisor.start({
            strategy: "oneForOne",
            name: "tui-shop",
            children: [GenServer.childSpec("cart", Idle, undefined, { name: "tui-cart" })]
          })
        )
        const cart = Option.getOrThrow((yield* on(Supervisor.whichChildren(sup)))[0]!.pid)
        const terminal = yield* observer(`--node tui-shop@127.0.0.1 --cookie ${cookie} --epmd-port ${epmd.port}`)
        const screen = yield* terminal.waitFor("the tree", (s) => s.includes(`└─ cart ${cart}  running, restarts 0`))
        assert.match(screen.split("\n")[0]!, /^otp observer {2}tui-shop@127\.0\.0\.1 via tui-shop@127\.0\.0\.1 {2}/)
        // the memory estimate crossed the distribution with the rest of the snapshot
        const shown = yield* terminal.waitFor("the cart's row", (s) => s.includes(`${cart}  tui-cart`))
        const local = (yield* on(Observer.snapshot)).processes.find((p) => String(p.pid) === String(cart))!
        assert.strictEqual(local.memory, 3_840)
        assert.match(shown, new RegExp(`^${cart} +tui-cart +GenServer +waiting +0 +\\d+ +\\d+ +3\\.8 KiB$`, "m"))
        yield* find(terminal, "tui-cart")
        yield* terminal.waitFor("the cart selected", (s) => s.includes(`selected ${cart}`))
        yield* terminal.send(["x"])
        const restarted = yield* terminal.waitFor(
          "the kill and the restart",
          (s) => s.includes(`killed ${cart}`) && /└─ cart <[\d.]+> {2}running, restarts 1/.test(s)
        )
        const now = Option.getOrThrow((yield* on(Supervisor.whichChildren(sup)))[0]!.pid)
        assert.include(restarted, `└─ cart ${now}  running, restarts 1`)
        yield* terminal.send(["q"])
        yield* terminal.waitFor("the view ended", (s) => s.includes("observer exited 0"))
      }).pipe(Effect.scoped, Effect.provide(Logger.layer([]))),
    60_000
  )
})
