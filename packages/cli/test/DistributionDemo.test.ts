import { NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { TestConsole } from "effect/testing"
import * as Cli from "../src/Cli.ts"

/** What the demo printed, with what differs at each run (ports, OS pids, pids) replaced. */
const output = Effect.map(TestConsole.logLines, (lines) =>
  lines.map((line) =>
    String(line)
      .replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:PORT")
      .replace(/OS pid \d+/g, "OS pid N")
      .replace(/kill -9 \d+/g, "kill -9 N")
      .replace(/<\d+\.\d+\.0>/g, "<PID>")
  )
)

describe("otp demo cluster", () => {
  // live: real OS processes and sockets; the demo synchronises on their ready lines and messages
  it.live(
    "three nodes in three OS processes: ping, remote calls, a remote spawn, a link broken by kill -9",
    () =>
      Effect.gen(function* () {
        yield* Cli.run(["demo", "cluster"]).pipe(Effect.provide(NodeServices.layer))
        const lines = yield* output
        const erlang = lines[4] === "  gamma@127.0.0.1  erl (OS pid N)"
        assert.deepStrictEqual(lines.slice(0, 5), [
          "Distribution on effect-otp: nodes in separate OS processes, over 127.0.0.1",
          "  epmd   127.0.0.1:PORT (this process's own)",
          "  alpha@127.0.0.1  this process (OS pid N)",
          "  beta@127.0.0.1   node DistributionPeer.ts (OS pid N)",
          erlang ? "  gamma@127.0.0.1  erl (OS pid N)" : "  (no erl on the PATH: no Erlang node this time)"
        ])
        // the Erlang node's lines, where they come when there is one
        const withErlang = new Set([
          "  gamma → alpha: net_adm:ping gives pong",
          "  gamma → beta: gen_server:call({counter, 'beta@127.0.0.1'}, {add, 10}) → 15",
          "  alpha → gamma: rpc lists:reverse([1,2,3]) → [3,2,1]"
        ])
        const expected = [
          "1. ping",
          "  alpha → beta: pong (connected: beta@127.0.0.1)",
          "  gamma → alpha: net_adm:ping gives pong",
          "2. remote GenServer calls",
          "  alpha → beta: GenServer.call(counter, {add, 5}) → 5",
          "  gamma → beta: gen_server:call({counter, 'beta@127.0.0.1'}, {add, 10}) → 15",
          "  alpha → gamma: rpc lists:reverse([1,2,3]) → [3,2,1]",
          "3. remote spawn",
          '  alpha → beta: spawnOn("greeter", ["alpha"]) → <PID>, which says "hello alpha, from beta@127.0.0.1"',
          "  its Down: normal",
          "4. a link broken by killing a node",
          "  <PID> on alpha traps exits, linked to <PID> on beta (spawnOn, link)",
          "  ✂  kill -9 N (beta)",
          "  <PID> got Exit from <PID>: noconnection",
          "  nodedown beta@127.0.0.1 (connection closed)",
          `Connected now: ${erlang ? "gamma@127.0.0.1" : "none"}. Done.`
        ]
        assert.deepStrictEqual(
          lines.slice(5).filter((line) => line !== ""),
          expected.filter((line) => erlang || !withErlang.has(line))
        )
      }).pipe(Effect.provide(TestConsole.layer)),
    120_000
  )
})
