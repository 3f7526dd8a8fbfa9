/**
 * `otp demo cluster`: Erlang's distribution between effect-otp nodes in separate OS processes and,
 * when `erl` is installed, an Erlang node, in one terminal.
 *
 * This process is the node `alpha@127.0.0.1`; it starts an EPMD of its own on a free port, then
 * `beta@127.0.0.1` (`DistributionPeer`, another Node.js process) and, if `erl` is on the PATH,
 * `gamma@127.0.0.1` (an Erlang node), all with one random cookie. Then, printed as it happens:
 *
 * 1. ping: alpha connects to beta; gamma pings alpha (`net_adm:ping`).
 * 2. remote calls: alpha calls beta's `counter` GenServer; gamma calls it with `gen_server:call`;
 *    alpha calls gamma through `rpc` (a `gen_server` call to its `rex`).
 * 3. remote spawn: alpha starts a `greeter` on beta with `Process.spawnOn`, monitored, and gets its
 *    greeting and its `Down`.
 * 4. a link broken by killing a node: a process of alpha links to a `sleeper` it spawned on beta and
 *    traps exits; beta's OS process is killed with SIGKILL; the process gets `Exit` with
 *    `NoConnection`, then `NodeDown`.
 *
 * Pids and OS pids differ at each run.
 *
 * @example
 * ```ts
 * import { NodeServices } from "@effect/platform-node"
 * import { Effect } from "effect"
 * import * as DistributionDemo from "@effect-otp/cli/demo/DistributionDemo"
 *
 * Effect.runPromise(DistributionDemo.run().pipe(Effect.provide(NodeServices.layer)))
 * ```
 *
 * @since 0.2.0
 */
import { Epmd, Node, Rpc } from "@effect-otp/platform-node"
import { Console, Deferred, Effect, Option, Stream } from "effect"
import { Node as CoreNode, ExitReason, GenServer, Process, Term } from "effect-otp"
import { ChildProcess, type ChildProcessSpawner } from "effect/process"
import { randomBytes } from "node:crypto"

const atom = Term.atom
const alpha = "alpha@127.0.0.1"
const beta = "beta@127.0.0.1"
const gamma = "gamma@127.0.0.1"

/**
 * What the demo did, for tests.
 *
 * @since 0.2.0
 * @category models
 */
export interface Summary {
  /** Whether an Erlang node took part (`erl` was found). */
  readonly erlang: boolean
}

/** Starts `command` and waits for the line `ready`; the process is killed with the scope. */
const startNode = (command: string, args: ReadonlyArray<string>, ready: string, env?: Record<string, string>) =>
  Effect.gen(function* () {
    const handle = yield* ChildProcess.make(command, args, {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
      extendEnv: true,
      env,
      killSignal: "SIGKILL"
    })
    const started = yield* Deferred.make<void, Error>()
    yield* Effect.forkScoped(
      Stream.merge(handle.stdout, handle.stderr).pipe(
        Stream.decodeText,
        Stream.splitLines,
        Stream.runForEach((line) => (line === ready ? Deferred.succeed(started, undefined) : Effect.void)),
        Effect.ignore,
        Effect.andThen(Deferred.fail(started, new Error(`${command} ended before it printed "${ready}"`)))
      )
    )
    yield* Deferred.await(started)
    return handle
  })

const peerScript = new URL(`./DistributionPeer${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url)
  .pathname

/**
 * Runs the demo: the nodes, the four steps, and everything stopped at the end.
 *
 * @since 0.2.0
 * @category demos
 */
export const run = (): Effect.Effect<Summary, unknown, ChildProcessSpawner.ChildProcessSpawner> =>
  Effect.scoped(
    Effect.gen(function* () {
      const say = (line = "") => Console.log(line)
      const cookie = randomBytes(8).toString("hex")
      const epmd = yield* Epmd.serve({ port: 0 })
      const node = yield* Node.start(alpha, { cookie, epmdPort: epmd.port })
      yield* say("Distribution on effect-otp: nodes in separate OS processes, over 127.0.0.1")
      yield* say(`  epmd   127.0.0.1:${epmd.port} (this process's own)`)
      yield* say(`  ${alpha}  this process (OS pid ${process.pid})`)
      const betaOs = yield* startNode(process.execPath, [peerScript, beta, cookie, String(epmd.port)], `ready ${beta}`)
      yield* say(`  ${beta}   node ${peerScript.replace(/^.*\//, "")} (OS pid ${betaOs.pid})`)
      const erl = yield* Effect.option(
        startNode(
          "erl",
          ["-name", gamma, "-setcookie", cookie, "-start_epmd", "false", "-noinput", "-eval", 'io:format("ready~n").'],
          "ready",
          { ERL_EPMD_PORT: String(epmd.port) }
        )
      )
      yield* say(
        Option.isSome(erl)
          ? `  ${gamma}  erl (OS pid ${erl.value.pid})`
          : "  (no erl on the PATH: no Erlang node this time)"
      )

      const steps = Effect.gen(function* () {
        yield* say()
        yield* say("1. ping")
        yield* Node.connect(beta)
        yield* say(`  alpha → beta: pong (connected: ${node.list().join(", ")})`)
        if (Option.isSome(erl)) {
          const pong = yield* Rpc.call(gamma, "net_adm", "ping", [atom(alpha)])
          yield* say(`  gamma → alpha: net_adm:ping gives ${String((pong as Term.Atom).name)}`)
        }

        yield* say()
        yield* say("2. remote GenServer calls")
        const counter = GenServer.remote<Term.Tuple>("counter", beta)
        const five = yield* GenServer.call(counter, Term.tuple(atom("add"), 5))
        yield* say(`  alpha → beta: GenServer.call(counter, {add, 5}) → ${five}`)
        if (Option.isSome(erl)) {
          const fifteen = yield* Rpc.call(gamma, "gen_server", "call", [
            Term.tuple(atom("counter"), atom(beta)),
            Term.tuple(atom("add"), 10)
          ])
          yield* say(`  gamma → beta: gen_server:call({counter, '${beta}'}, {add, 10}) → ${fifteen}`)
          const reversed = yield* Rpc.call(gamma, "lists", "reverse", [[1, 2, 3]])
          yield* say(`  alpha → gamma: rpc lists:reverse([1,2,3]) → [${(reversed as Array<number>).join(",")}]`)
        }

        yield* say()
        yield* say("3. remote spawn")
        const greeter = yield* Process.spawnOn(beta, "greeter", ["alpha"], { monitor: true })
        yield* Process.send(greeter.pid, yield* Process.self<unknown>())
        const greeting = yield* Process.receive()
        // a string crosses as a binary
        const text = greeting instanceof Uint8Array ? new TextDecoder().decode(greeting) : String(greeting)
        yield* say(`  alpha → beta: spawnOn("greeter", ["alpha"]) → ${String(greeter.pid)}, which says "${text}"`)
        const down = yield* Process.receive()
        yield* say(`  its Down: ${Process.isDown(down) ? String(down.reason) : String(down)}`)

        yield* say()
        yield* say("4. a link broken by killing a node")
        yield* Process.trapExit(true)
        yield* Node.monitorNodes(true)
        const sleeper = yield* Process.spawnOn(beta, "sleeper", [], { link: true })
        const self = yield* Process.self<unknown>()
        yield* say(`  ${String(self)} on alpha traps exits, linked to ${String(sleeper)} on beta (spawnOn, link)`)
        yield* say(`  ✂  kill -9 ${betaOs.pid} (beta)`)
        yield* betaOs.kill({ killSignal: "SIGKILL" })
        while (true) {
          const message = yield* Process.receive()
          if (Process.isExit(message)) {
            yield* say(`  ${String(self)} got Exit from ${String(message.from)}: ${String(message.reason)}`)
          } else if (message instanceof Node.NodeDown) {
            yield* say(`  nodedown ${message.node} (${message.reason})`)
            break
          }
        }
        yield* say()
        yield* say(`Connected now: ${node.list().join(", ") || "none"}. Done.`)
      })
      yield* Process.spawn(steps).pipe(
        Effect.flatMap(Process.awaitExit),
        Effect.flatMap((reason) =>
          ExitReason.isNormal(reason) ? Effect.void : Effect.fail(new Error(`the demo failed: ${String(reason)}`))
        ),
        Effect.provideService(CoreNode.Node, node.node),
        Effect.provideService(Node.Distributed, node)
      )
      return { erlang: Option.isSome(erl) }
    })
  )
