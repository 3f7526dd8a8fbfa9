/**
 * The `otp` command: demos and tools for effect-otp, built with `effect/cli`.
 *
 * ```
 * otp demo mastery [--scripted] [--seed <int>] [--email <text>]
 * otp demo mastery --serve [--port <int>] [--write] [--kill-every <seconds>]
 * otp demo ports
 * otp demo upgrade [--clients <int>] [--calls <int>]
 * otp demo cluster-entities [--rounds <int>] [--stop-after <int>] [--memory]
 * otp observer [--url <url>] [--token <text>] [--node <name@host> [--cookie <text>] [--epmd-port <int>]]
 *              [--once] [--follow] [--sort mailbox|messages|handled|memory|pid] [--top <int>] [--interval <ms>]
 * ```
 *
 * - `otp demo mastery`: the Mastery quiz app on a supervision tree, with a session killed
 *   mid-quiz and restarted by its supervisor (see `demo/MasteryDemo`). Interactive when stdin is
 *   a terminal, scripted otherwise (or with `--scripted`). With `--serve` it keeps running instead,
 *   with its observer endpoint on (port 9090 by default, read-only unless `--write`), three users
 *   answering, and a session killed every `--kill-every` seconds (default 5): watch it in a browser
 *   or with `otp observer` (see `MasteryDemo.serve`).
 * - `otp demo ports`: an OS program under a supervisor as a port, crashing and restarted while the
 *   demo keeps calling it (see `demo/PortsDemo`).
 * - `otp demo upgrade`: hot code upgrade of a counter under load, version 1 to 2 with no call lost,
 *   then a broken version 3 rejected and rolled back (see `demo/UpgradeDemo`).
 * - `otp demo cluster-entities`: a GenServer behaviour as a sharded entity (`@effect-otp/cluster`)
 *   on two runners and a client in one terminal; a runner is killed mid-load and the calls carry
 *   on, its entities restarted on the other runner from their snapshots. Two runner processes on a
 *   throwaway PostgreSQL when it is installed, in memory in one process otherwise or with
 *   `--memory` (see `demo/ClusterDemo`).
 * - `otp demo cluster`: Erlang's distribution between nodes in separate OS processes: this one,
 *   another effect-otp node and (when `erl` is installed) an Erlang node; a ping, remote calls, a
 *   remote spawn, and a link broken by killing a node (see `demo/DistributionDemo`).
 * - `otp observer`: a running node, read from its admin endpoint (`ObserverHttp`): a live
 *   full-screen view of its supervision trees, its processes and one process's detail, with keys to
 *   kill, suspend, resume and trace a process; `--once` (or an output that is not a terminal) prints
 *   the trees and busiest processes once, `--follow` then its spawns, exits and restarts; `--node`
 *   observes a node over the distribution instead, through its observer process (see `ObserverView`).
 *
 * `--help` works at every level; `--version` prints the version.
 *
 * @example
 * ```ts
 * import { NodeServices } from "@effect/platform-node"
 * import { Effect } from "effect"
 * import * as Cli from "@effect-otp/cli/Cli"
 *
 * // what `otp demo mastery --scripted` does, from code (as the tests do)
 * Effect.runPromise(Cli.run(["demo", "mastery", "--scripted"]).pipe(Effect.provide(NodeServices.layer)))
 * ```
 *
 * @since 0.1.0
 */
import { Duration, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import * as ClusterDemo from "./demo/ClusterDemo.ts"
import * as DistributionDemo from "./demo/DistributionDemo.ts"
import * as MasteryDemo from "./demo/MasteryDemo.ts"
import * as PortsDemo from "./demo/PortsDemo.ts"
import * as UpgradeDemo from "./demo/UpgradeDemo.ts"
import * as ObserverView from "./ObserverView.ts"

/**
 * The version `otp --version` prints.
 *
 * @since 0.1.0
 * @category constants
 */
export const version = "0.1.0"

/**
 * Whether the demo should ask the person at the terminal: stdin is a TTY and `--scripted` is not set.
 *
 * @since 0.1.0
 * @category demos
 */
export const isInteractive = (scripted: boolean): boolean => !scripted && process.stdin.isTTY === true

/**
 * `otp demo mastery`.
 *
 * @since 0.1.0
 * @category demos
 */
export const demoMastery = Command.make(
  "mastery",
  {
    scripted: Flag.Boolean("scripted").pipe(
      Flag.withDescription("Answer automatically, even when stdin is a terminal"),
      Flag.withDefault(false)
    ),
    seed: Flag.Int("seed").pipe(Flag.withDescription("Seed of the quiz's question selection"), Flag.withDefault(7)),
    email: Flag.String("email").pipe(Flag.withDescription("Who takes the quiz"), Flag.withDefault("ada@example.com")),
    serve: Flag.Boolean("serve").pipe(
      Flag.withDescription(
        "Keep the app running with its observer endpoint on (a browser or `otp observer` can watch it), a session killed every few seconds"
      ),
      Flag.withDefault(false)
    ),
    port: Flag.Int("port").pipe(
      Flag.withDescription("With --serve: the endpoint's port (0: any free port)"),
      Flag.withDefault(9090)
    ),
    write: Flag.Boolean("write").pipe(
      Flag.withDescription("With --serve: the endpoint's kill, suspend, resume and trace work"),
      Flag.withDefault(false)
    ),
    killEvery: Flag.Int("kill-every").pipe(
      Flag.withDescription("With --serve: kill a session every this many seconds (0: never)"),
      Flag.withDefault(5)
    )
  },
  Effect.fnUntraced(function* ({ scripted, seed, email, serve, port, write, killEvery }) {
    if (serve) {
      return yield* Effect.scoped(
        Effect.andThen(
          MasteryDemo.serve({ seed, port, write, killEvery: killEvery <= 0 ? "never" : Duration.seconds(killEvery) }),
          Effect.never
        )
      )
    }
    const student = isInteractive(scripted) ? yield* MasteryDemo.terminalStudent : MasteryDemo.scriptedStudent()
    yield* MasteryDemo.run({ student, seed, email })
  })
).pipe(
  Command.withDescription(
    "The Mastery quiz app (Designing Elixir Systems with OTP) on effect-otp: a supervision tree, a quiz, a session killed mid-quiz and restarted"
  ),
  Command.withExamples([
    { command: "otp demo mastery", description: "Answer the questions yourself (in a terminal)" },
    { command: "otp demo mastery --scripted --seed 3", description: "Watch a scripted run" },
    {
      command: "otp demo mastery --serve --write",
      description: "Keep it running; watch it at http://127.0.0.1:9090/ or with `otp observer`"
    }
  ])
)

/**
 * `otp demo ports`.
 *
 * @since 0.2.0
 * @category demos
 */
export const demoPorts = Command.make("ports", {}, () => Effect.asVoid(PortsDemo.run())).pipe(
  Command.withDescription(
    "An OS program as a supervised process (a port): it crashes, its supervisor restarts it, the calls go on"
  ),
  Command.withExamples([{ command: "otp demo ports", description: "Watch a program crash and come back" }])
)

/**
 * `otp demo upgrade`.
 *
 * @since 0.2.0
 * @category demos
 */
export const demoUpgrade = Command.make(
  "upgrade",
  {
    clients: Flag.Int("clients").pipe(Flag.withDescription("Clients calling the counter at once"), Flag.withDefault(3)),
    calls: Flag.Int("calls").pipe(Flag.withDescription("Increments each client makes"), Flag.withDefault(20))
  },
  Effect.fnUntraced(function* ({ clients, calls }) {
    yield* UpgradeDemo.run({ clients, calls })
  })
).pipe(
  Command.withDescription(
    "Hot code upgrade: a counter under load upgraded from version 1 to 2 with no call lost, then a broken version 3 rejected and rolled back"
  ),
  Command.withExamples([{ command: "otp demo upgrade --clients 5 --calls 100", description: "More load" }])
)

/**
 * `otp demo cluster-entities`.
 *
 * @since 0.2.0
 * @category demos
 */
export const demoClusterEntities = Command.make(
  "cluster-entities",
  {
    rounds: Flag.Int("rounds").pipe(Flag.withDescription("Rounds of calls to the eight entities"), Flag.withDefault(6)),
    stopAfter: Flag.Int("stop-after").pipe(
      Flag.withDescription("The round after which runner a dies"),
      Flag.withDefault(3)
    ),
    memory: Flag.Boolean("memory").pipe(
      Flag.withDescription("Everything in this process, in memory, even when PostgreSQL is installed"),
      Flag.withDefault(false)
    )
  },
  ({ rounds, stopAfter, memory }) => ClusterDemo.run({ rounds, stopAfter, memory })
).pipe(
  Command.withDescription(
    "A GenServer as a sharded entity on two runners (@effect-otp/cluster): a runner is killed mid-load, the calls carry on"
  ),
  Command.withExamples([
    { command: "otp demo cluster-entities", description: "Six rounds; runner a is killed in the fourth" },
    { command: "otp demo cluster-entities --memory", description: "In one process, without PostgreSQL" }
  ])
)

/**
 * `otp demo cluster`.
 *
 * @since 0.2.0
 * @category demos
 */
export const demoCluster = Command.make("cluster", {}, () => Effect.asVoid(DistributionDemo.run())).pipe(
  Command.withDescription(
    "Erlang's distribution between effect-otp nodes in separate OS processes and an Erlang node (when erl is installed): ping, remote calls, a remote spawn, a link broken by killing a node"
  ),
  Command.withExamples([{ command: "otp demo cluster", description: "Watch three nodes talk, then one killed" }])
)

/**
 * `otp demo`: the demos.
 *
 * @since 0.1.0
 * @category demos
 */
export const demo = Command.make("demo").pipe(
  Command.withDescription("Demos of effect-otp"),
  Command.withSubcommands([demoMastery, demoPorts, demoUpgrade, demoClusterEntities, demoCluster])
)

/**
 * `otp observer`.
 *
 * @since 0.2.0
 * @category commands
 */
export const observer = Command.make(
  "observer",
  {
    url: Flag.String("url").pipe(
      Flag.withDescription("The node's admin endpoint (ObserverHttp)"),
      Flag.withDefault("http://127.0.0.1:9090/")
    ),
    token: Flag.String("token").pipe(Flag.withDescription("The endpoint's token, if it has one"), Flag.optional),
    node: Flag.String("node").pipe(
      Flag.withDescription("Observe this node (name@host) over the distribution instead of an endpoint"),
      Flag.optional
    ),
    cookie: Flag.String("cookie").pipe(
      Flag.withDescription("The node's cookie (default: ~/.erlang.cookie)"),
      Flag.optional
    ),
    epmdPort: Flag.Int("epmd-port").pipe(
      Flag.withDescription("EPMD's port on the node's host (default 4369, or ERL_EPMD_PORT)"),
      Flag.optional
    ),
    once: Flag.Boolean("once").pipe(
      Flag.withDescription("Print the trees and the busiest processes once, as plain text (for scripts)"),
      Flag.withDefault(false)
    ),
    follow: Flag.Boolean("follow").pipe(
      Flag.withDescription("Print as --once, then each spawn, exit and restart as it happens"),
      Flag.withDefault(false)
    ),
    sort: Flag.Literals("sort", ["mailbox", "messages", "handled", "memory", "pid"]).pipe(
      Flag.withDescription(
        "Sort the processes by mailbox length, messages in, messages handled, memory (an estimate) or pid"
      ),
      Flag.withDefault("mailbox" as const)
    ),
    top: Flag.Int("top").pipe(Flag.withDescription("How many processes --once lists"), Flag.withDefault(20)),
    interval: Flag.Int("interval").pipe(
      Flag.withDescription("Milliseconds between two refreshes of the live view"),
      Flag.withDefault(1000)
    )
  },
  ({
    url,
    token,
    node,
    cookie,
    epmdPort,
    once,
    follow,
    sort,
    top,
    interval
  }): Effect.Effect<void, ObserverView.ObserverError> => {
    if (!(interval > 0)) return Effect.fail(new ObserverView.InvalidInterval({ interval }))
    const plain = once || follow || !process.stdout.isTTY || !process.stdin.isTTY
    if (Option.isSome(node)) {
      return ObserverView.overNode({
        node: node.value,
        cookie: Option.getOrUndefined(cookie),
        epmdPort: Option.getOrUndefined(epmdPort),
        once: plain,
        sort,
        top,
        interval: Duration.millis(interval)
      })
    }
    return plain
      ? ObserverView.attach({ url, token: Option.getOrUndefined(token), follow, sort, top })
      : ObserverView.live({ url, token: Option.getOrUndefined(token), sort, interval: Duration.millis(interval) })
  }
).pipe(
  Command.withDescription(
    "A running node, live: its supervision trees, its processes, one process's detail; keys to kill, suspend, resume, trace"
  ),
  Command.withExamples([
    { command: "otp observer --url http://127.0.0.1:9090/", description: "The live view of the node's endpoint" },
    { command: "otp observer --once", description: "Print the node's trees and processes once" },
    {
      command: "otp observer --node app@127.0.0.1 --cookie secret",
      description: "The live view of a node, over the distribution"
    },
    { command: "otp observer --follow", description: "Then print its spawns, exits and restarts as they happen" }
  ])
)

/**
 * The root command.
 *
 * @since 0.1.0
 * @category commands
 */
export const otp = Command.make("otp").pipe(
  Command.withDescription("effect-otp: Erlang/OTP's model of concurrency on Effect"),
  Command.withSubcommands([demo, observer])
)

/**
 * Runs `otp` with these arguments (without the program name).
 *
 * @since 0.1.0
 * @category running
 */
export const run = Command.runWith(otp, { version })
