import { randomBytes } from "node:crypto"
import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Boundary, Core } from "@effect-otp/example-mastery"
import { Testing } from "@effect-otp/cluster"
import { Node as DistNode, Epmd, ObserverHttp } from "@effect-otp/platform-node"
import { Effect, Exit, Fiber, Layer, Option, Stream } from "effect"
import { TestClock, TestConsole } from "effect/testing"
import { GenServer, Node, Observer, Process, Supervisor } from "effect-otp"
import * as Cli from "../src/Cli.ts"
import * as Source from "../src/internal/observerSource.ts"
import * as Tui from "../src/internal/tui.ts"
import * as ObserverView from "../src/ObserverView.ts"
import * as MasteryDemo from "../src/demo/MasteryDemo.ts"
import * as PortsDemo from "../src/demo/PortsDemo.ts"

/**
 * What the demo printed so far. A pid prints its node's index in this OS process (`<1.4.0>` on the
 * second node made here), so pids are shown as if on the first node.
 */
const output = Effect.map(TestConsole.logLines, (lines) =>
  lines.map((line) => String(line).replace(/<\d+\.(\d+)\.0>/g, "<0.$1.0>"))
)

describe("otp demo mastery", () => {
  it.effect("--scripted: builds the tree, kills a session mid-quiz, shows it restarted, masters the quiz", () =>
    Effect.gen(function* () {
      yield* Cli.run(["demo", "mastery", "--scripted"]).pipe(Effect.provide(NodeServices.layer))
      const lines = yield* output
      const text = lines.join("\n")
      // the tree, with pids and registered names
      assert.include(text, `mastery            <0.1.0>  Supervisor "mastery" (oneForOne)`)
      assert.include(text, `├─ quiz_manager    <0.2.0>  GenServer "mastery/quiz_manager"`)
      assert.include(text, `└─ quiz_sessions   <0.3.0>  DynamicSupervisor "mastery/quiz_sessions"`)
      assert.include(
        text,
        `ada@example.com takes it: session <0.4.0>, registered as "mastery/session/Basics/ada@example.com"`
      )
      // the kill and the restart, with the supervisor's own reports
      assert.include(text, "✂  Process.kill(<0.4.0>): the session dies mid-quiz")
      assert.include(
        text,
        '│ log warn: supervisor <0.3.0> restarted child "mastery/session/Basics/ada@example.com" as <0.5.0>'
      )
      assert.include(text, '<0.4.0> → <0.5.0>, still "mastery/session/Basics/ada@example.com"')
      assert.include(
        text,
        `kept, by design: the start arguments: quiz "Basics" (3 templates, mastery 2), ada@example.com`
      )
      assert.include(text, "after:  mastered [], streaks {}, 0 answers, no question")
      // scripted answers: some right, some wrong, until mastered
      assert.isAbove(lines.filter((line) => line.includes("✓ right")).length, 5)
      assert.strictEqual(lines.filter((line) => line.includes("✗ wrong")).length, 2)
      assert.include(text, `Mastered "Basics" after 11 answers (2 wrong).`)
      assert.include(
        text,
        "Session <0.5.0> stopped Normal; restart: transient, so it stays stopped: 0 sessions running."
      )
      assert.strictEqual(
        lines.at(-1),
        "Released the app's Layer: the tree stopped in reverse order; 0 processes left on the node."
      )
    })
  )

  it.effect("the same seed gives the same run; --seed and --email change it", () =>
    Effect.gen(function* () {
      yield* Cli.run(["demo", "mastery", "--scripted"]).pipe(Effect.provide(NodeServices.layer))
      const first = yield* output
      yield* Cli.run(["demo", "mastery", "--scripted"]).pipe(Effect.provide(NodeServices.layer))
      const both = yield* output
      assert.deepStrictEqual(both.slice(first.length), first)
      yield* Cli.run(["demo", "mastery", "--scripted", "--seed", "3", "--email", "grace@example.com"]).pipe(
        Effect.provide(NodeServices.layer)
      )
      const third = (yield* output).slice(both.length)
      assert.include(third.join("\n"), "grace@example.com takes it")
      assert.notDeepEqual(third, first)
    })
  )

  it.effect("a student who stops early: the app is still released, nothing left running", () =>
    Effect.gen(function* () {
      const quitter: MasteryDemo.Student = {
        description: "test",
        echo: true,
        answer: (question, _prompt, number) =>
          Effect.succeed(number > 2 ? Option.none() : Option.fromUndefinedOr(MasteryDemo.solve(question)))
      }
      const summary = yield* MasteryDemo.run({ student: quitter })
      assert.deepStrictEqual(summary, {
        answers: 2,
        wrong: 0,
        mastered: false,
        killed: Option.none(),
        processesLeft: 0
      })
      assert.include((yield* output).join("\n"), "Stopped after 2 answers (0 wrong).")
    })
  )

  it.effect("the scripted student knows the answer to every question of the example templates", () =>
    Effect.sync(() => {
      let rng = Core.Rng.make(1)
      for (const template of Core.Examples.templates) {
        for (let i = 0; i < 200; i++) {
          const [question, next] = Core.Question.generate(template, rng)
          rng = next
          const asked = new Boundary.QuizSession.Question({
            templateName: template.name,
            category: template.category,
            instructions: template.instructions,
            asked: question.asked
          })
          const answer = MasteryDemo.solve(asked)
          assert.isDefined(answer, question.asked)
          assert.isTrue(template.checker(question.substitutions, answer!), `${question.asked} ${answer}`)
        }
      }
    })
  )
})

describe("otp demo mastery --serve", () => {
  it.effect("serves the app on its endpoint and kills a session every killEvery; the supervisor restarts it", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const served = yield* MasteryDemo.serve({ port: 0, killEvery: "5 seconds", pace: "1 hour" })
        const ada = Option.getOrThrow(yield* served.client.whereis(served.sessions[0]!))
        // started at once: attached before anything below happens
        const restarted = yield* Observer.changes().pipe(
          Stream.filter((event) => event._tag === "Restarted"),
          Stream.runHead,
          Effect.forkChild({ startImmediately: true }),
          Effect.provideService(Node.Node, served.node)
        )
        const port = new URL(served.url).port
        assert.deepStrictEqual(
          (yield* output).map((line) => line.replace(`:${port}/`, ":PORT/")),
          [
            "Mastery on effect-otp, kept running and served for watching",
            "Observer: http://127.0.0.1:PORT/  (read-only; --write adds the kill, suspend, resume and trace buttons)",
            "In a terminal: otp observer --url http://127.0.0.1:PORT/",
            "",
            "The supervision tree, built as a Layer:",
            `  mastery            <0.1.0>  Supervisor "mastery" (oneForOne)`,
            `  ├─ quiz_manager    <0.2.0>  GenServer "mastery/quiz_manager"`,
            `  └─ quiz_sessions   <0.3.0>  DynamicSupervisor "mastery/quiz_sessions"`,
            "       one QuizSession per user and quiz, started on demand (restart: transient)",
            "",
            `ada@example.com takes "Basics": session <0.4.0>`,
            `grace@example.com takes "Basics": session <0.5.0>`,
            `alan@example.com takes "Basics": session <0.6.0>`,
            "Every 5s a session is killed and its supervisor restarts it. Ctrl+C stops."
          ]
        )
        const snapshot: any = yield* Effect.promise(() => fetch(`${served.url}api/snapshot`).then((r) => r.json()))
        assert.deepStrictEqual(
          snapshot.supervisors.map((s: any) => [s.registeredName, s.children.length]),
          [
            ["mastery", 2],
            ["mastery/quiz_sessions", 3]
          ]
        )
        yield* TestClock.adjust("5 seconds")
        const restart = Option.getOrThrow(yield* Fiber.join(restarted))
        assert.deepStrictEqual(
          [restart._tag, restart.id, Option.getOrThrow(yield* served.client.whereis(served.sessions[0]!))],
          ["Restarted", "mastery/session/Basics/ada@example.com", restart.pid]
        )
        assert.notStrictEqual(String(restart.pid), String(ada))
        assert.include(yield* output, `  ✂  Process.kill(<0.4.0>): ada@example.com's session`)
      })
    )
  )
})

describe("otp demo ports", () => {
  // live: real programs, and the demo retries a call on the real clock while a restart is under way
  it.live(
    "a supervised program crashes, is restarted under its name, and the calls go on until the supervisor gives up",
    () =>
      Effect.gen(function* () {
        const summary = yield* PortsDemo.run()
        assert.deepStrictEqual(
          summary.replies,
          Array.from({ length: 9 }, (_, i) => `JOB ${i + 1}`)
        )
        // the first program, two restarts during the jobs, one more before the supervisor gives up
        assert.strictEqual(summary.osPids.length, 4)
        assert.strictEqual(summary.supervisorExit._tag, "Shutdown")
        assert.include(String(summary.supervisorExit), "MaxRestartIntensity")
        assert.isFalse(summary.leftRunning)
      }).pipe(
        Effect.andThen(output),
        Effect.map((lines) => assert.include(lines.join("\n"), "programs still running: none")),
        Effect.provide(TestConsole.layer)
      ),
    60_000
  )
})

describe("otp demo cluster-entities", () => {
  /** The round lines: rounds 1–3 split over both runners, 4–6 all on b, every count carried on. */
  const checkRounds = (lines: ReadonlyArray<string>) => {
    const rounds = lines.filter((line) => line.startsWith("round "))
    assert.strictEqual(rounds.length, 6)
    // before the stop, both runners serve entities; every count is the round's number
    for (const [i, line] of rounds.slice(0, 3).entries()) {
      const [, onA, onB] = line.match(/^round \d {3}a: (.*?) +b: (.*)$/) ?? []
      assert.isTrue(onA !== "" && onB !== "", line)
      const counts = [...line.matchAll(/(\d):(\d)/g)].map((m) => Number(m[2]))
      assert.deepStrictEqual(counts, Array(8).fill(i + 1), line)
    }
    // after it, b serves all eight, and each count goes on where it was
    assert.deepStrictEqual(rounds.slice(3), [
      `round 4   a: ${"".padEnd(24)}  b: 0:4 1:4 2:4 3:4 4:4 5:4 6:4 7:4`,
      `round 5   a: ${"".padEnd(24)}  b: 0:5 1:5 2:5 3:5 4:5 5:5 6:5 7:5`,
      `round 6   a: ${"".padEnd(24)}  b: 0:6 1:6 2:6 3:6 4:6 5:6 6:6 7:6`
    ])
    assert.strictEqual(lines.at(-1), "\nEvery call answered (48); each visitor's count went on where it was.")
  }

  it.live(
    "--memory: two runners in this process serve eight entities; runner a stops mid-load, b serves them all, their counts carried over",
    () =>
      Effect.gen(function* () {
        yield* Cli.run(["demo", "cluster-entities", "--memory"]).pipe(Effect.provide(NodeServices.layer))
        const lines = yield* TestConsole.logLines.pipe(Effect.map((lines) => lines.map(String)))
        checkRounds(lines)
        assert.include(
          lines,
          "\n✂  runner a stops, mid-load: its shards go to b, its entities start there from their snapshots\n"
        )
      }).pipe(Effect.provide(TestConsole.layer)),
    60_000
  )

  it.live.skipIf(!Testing.hasPostgres && process.env.CI === undefined)(
    "on PostgreSQL: two runner processes; runner a is killed with SIGKILL mid-load, b serves its entities from their snapshots",
    () =>
      Effect.gen(function* () {
        yield* Cli.run(["demo", "cluster-entities"]).pipe(Effect.provide(NodeServices.layer))
        const lines = yield* TestConsole.logLines.pipe(Effect.map((lines) => lines.map(String)))
        checkRounds(lines)
        const [, a, shardsOfA, b, shardsOfB] =
          lines
            .find((line) => line.startsWith("runner a: "))
            ?.match(/^runner a: OS pid (\d+), (\d+) shards; runner b: OS pid (\d+), (\d+) shards\n$/) ?? []
        assert.strictEqual(Number(shardsOfA) + Number(shardsOfB), 16)
        assert.notStrictEqual(a, b)
        assert.include(
          lines,
          `\n✂  kill -9 runner a (OS pid ${a}) as round 4 begins: once its shard locks expire, b takes its shards\n   and its entities start there from their snapshots; the calls waiting for them are answered by b\n`
        )
        // runner a is gone: signal 0 to its OS pid finds no process
        assert.throws(() => process.kill(Number(a), 0), /ESRCH/)
      }).pipe(Effect.provide(TestConsole.layer)),
    120_000
  )
})

describe("otp observer", () => {
  const Idle = GenServer.behaviour({ init: (_: void) => Effect.succeed(GenServer.ok(0)) })
  const withEndpoint = <A, E>(
    options: ObserverHttp.Options,
    body: (endpoint: ObserverHttp.ObserverHttp["Service"]) => Effect.Effect<A, E, Node.Node>
  ) =>
    Effect.flatMap(Effect.service(ObserverHttp.ObserverHttp), body).pipe(
      Effect.provide(ObserverHttp.layer(options).pipe(Layer.provideMerge(Node.layer())))
    )

  it.effect("prints the node's counters, its supervision tree and its processes by mailbox", () =>
    withEndpoint({}, (endpoint) =>
      Effect.gen(function* () {
        const sup = yield* Supervisor.start({
          strategy: "oneForOne",
          name: "shop",
          children: [
            GenServer.childSpec("cart", Idle, undefined, { name: "cart" }),
            Supervisor.childSpec("payments", {
              children: [GenServer.childSpec("card", Idle, undefined)]
            })
          ]
        })
        const waiting = yield* Process.spawn(Process.receive((m: string) => m === "never"))
        yield* Process.send(waiting, "one")
        yield* Process.send(waiting, "two")
        yield* Supervisor.whichChildren(sup)
        // the supervisor's memory is the estimate of its own records (see Observer.test.ts)
        const shop = (yield* Observer.snapshot).processes[0]!
        yield* Cli.run(["observer", "--url", endpoint.url, "--top", "3"]).pipe(Effect.provide(NodeServices.layer))
        assert.deepStrictEqual(yield* output, [
          "node nonode@nohost: 5 processes, 5 spawned, 3 messages sent, 0 dropped",
          "",
          "shop <0.1.0>  Supervisor oneForOne, restarts 0, intensity 0/3 in 5000 ms",
          "├─ cart <0.2.0>  running, restarts 0",
          "└─ payments <0.3.0>  Supervisor oneForOne, restarts 0, intensity 0/3 in 5000 ms",
          "   └─ card <0.4.0>  running, restarts 0",
          "",
          "processes by mailbox (top 3 of 5):",
          "pid      name  behaviour   status   mailbox  in  handled  memory",
          // an idle process's 984 B and two messages of 30 B
          "<0.5.0>        process     waiting  2        2   0        1.0 KiB",
          `<0.1.0>  shop  Supervisor  waiting  0        1   1        ${Tui.formatMemory(shop.memory, shop.memoryTruncated)}`,
          // an idle server's 3,800 B and its state, 0 (8 B)
          "<0.2.0>  cart  GenServer   waiting  0        0   0        3.7 KiB"
        ])
      })
    ).pipe(Effect.provide(TestConsole.layer))
  )

  it.effect("--sort memory: the process holding the most bytes first; a lower bound shown with ≥", () =>
    withEndpoint({}, (endpoint) =>
      Effect.gen(function* () {
        yield* Supervisor.start({
          strategy: "oneForOne",
          name: "shop",
          children: [GenServer.childSpec("cart", Idle, undefined, { name: "cart" })]
        })
        const hoarder = yield* Process.spawn(Process.receive((m: string) => m === "never"))
        // 50 messages of 1,000 characters: 50 × (8 + 16 + 2,000) B
        for (let i = 0; i < 50; i++) yield* Process.send(hoarder, "x".repeat(1_000))
        // 2,000 messages: past the walk's 1,000 values
        const flooded = yield* Process.spawn(Process.receive((m: number) => m < 0))
        for (let i = 0; i < 2_000; i++) yield* Process.send(flooded, i)
        const shop = (yield* Observer.snapshot).processes[0]!
        yield* Cli.run(["observer", "--url", endpoint.url, "--sort", "memory", "--top", "3"]).pipe(
          Effect.provide(NodeServices.layer)
        )
        // the columns' widths depend on the pids' node numbers (normalised by `output`): compared as words
        const lines = (yield* output).map((line) => line.replace(/ +/g, " "))
        assert.deepStrictEqual(lines.slice(lines.indexOf("processes by memory (top 3 of 4):")), [
          "processes by memory (top 3 of 4):",
          "pid name behaviour status mailbox in handled memory",
          // fewer messages, more bytes: first
          "<0.3.0> process waiting 50 50 0 99.8 KiB",
          // 984 + 2,000 × 8 B, walked or not
          "<0.4.0> process waiting 2000 2000 0 ≥16.6 KiB",
          `<0.1.0> shop Supervisor waiting 0 0 0 ${Tui.formatMemory(shop.memory, false)}`
        ])
      })
    ).pipe(Effect.provide(TestConsole.layer))
  )

  it.effect("an endpoint with a token, asked without it: EndpointRefused with the status and the answer", () =>
    withEndpoint({ host: "0.0.0.0", token: "s3cret" }, (endpoint) =>
      Effect.gen(function* () {
        const url = `http://127.0.0.1:${endpoint.port}/`
        const exit = yield* Effect.exit(
          ObserverView.attach({ url, token: undefined, follow: false, top: 5, sort: "mailbox" })
        )
        assert.deepStrictEqual(
          exit,
          Exit.fail(
            new ObserverView.EndpointRefused({
              url: `${url}api/snapshot`,
              status: 401,
              error: "a token is required"
            })
          )
        )
      })
    )
  )
  it.live("--node: a node over the distribution, printed with --once; its observer kills, the restart is seen", () =>
    Effect.gen(function* () {
      const epmd = yield* Epmd.serve({ port: 0 })
      const cookie = randomBytes(8).toString("hex")
      const target = yield* DistNode.start("shop@127.0.0.1", { cookie, epmdPort: epmd.port })
      const onTarget = <A, E>(effect: Effect.Effect<A, E, Node.Node>) =>
        Effect.provideService(effect, Node.Node, target.node)
      const sup = yield* onTarget(
        Supervisor.start({
          strategy: "oneForOne",
          name: "shop",
          children: [GenServer.childSpec("cart", Idle, undefined, { name: "cart" })]
        })
      )
      const supPid = Option.getOrThrow(yield* onTarget(GenServer.whereis(sup)))
      const cart = Option.getOrThrow((yield* onTarget(Supervisor.whichChildren(sup)))[0]!.pid)
      yield* Cli.run([
        "observer",
        "--node",
        "shop@127.0.0.1",
        "--cookie",
        cookie,
        "--epmd-port",
        String(epmd.port),
        "--once"
      ]).pipe(Effect.provide(NodeServices.layer))
      assert.deepStrictEqual((yield* TestConsole.logLines).slice(0, 5), [
        "node shop@127.0.0.1: 4 processes, 4 spawned, 2 messages sent, 0 dropped",
        "",
        `shop ${supPid}  Supervisor oneForOne, restarts 0, intensity 0/3 in 5000 ms`,
        `└─ cart ${cart}  running, restarts 0`,
        ""
      ])
      // the same source the live view reads: a kill, and the supervisor's restart in the next snapshot
      const remote = yield* Source.distribution("shop@127.0.0.1", { cookie, epmdPort: epmd.port })
      const down = yield* onTarget(Process.spawn(Effect.andThen(Process.monitor(cart), Process.receive())))
      assert.deepStrictEqual(yield* remote.command("kill", String(cart), true), { ok: true })
      yield* onTarget(Process.awaitExit(down))
      const after = yield* remote.snapshot
      const restarted = Option.getOrThrow((yield* onTarget(Supervisor.whichChildren(sup)))[0]!.pid)
      assert.deepStrictEqual(Tui.treeLines(after), [
        `shop ${supPid}  Supervisor oneForOne, restarts 1, intensity 1/3 in 5000 ms`,
        `└─ cart ${restarted}  running, restarts 1`
      ])
      assert.deepStrictEqual(yield* remote.command("suspend", "<0.999.0>", true), {
        ok: false,
        error: "no_process: no process <0.999.0>"
      })
    }).pipe(Effect.scoped, Effect.provide(TestConsole.layer))
  )
  it.effect("--interval 0: InvalidInterval, before anything is asked of the endpoint", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(
        Cli.run(["observer", "--url", "http://127.0.0.1:1/", "--interval", "0"]).pipe(
          Effect.provide(NodeServices.layer)
        )
      )
      assert.deepStrictEqual(exit, Exit.fail(new ObserverView.InvalidInterval({ interval: 0 })))
    })
  )
})
