import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { ExitReason } from "effect-otp"
import { program as hello } from "../hello.ts"
import { program as operating } from "../operating.ts"
import { program as supervision } from "../supervision.ts"
import { program as tracing } from "../tracing.ts"

// The README's examples run, and do what the README says.
describe("README examples", () => {
  it.effect("hello: spawn, send, receive", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* hello, ExitReason.normal)
    })
  )

  it.effect("supervision: a client survives its server's restart", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* supervision, { before: 2, after: 1 })
    })
  )

  it.effect("tracing: a call's trace continues through the server, its calls and its tasks", () =>
    Effect.gen(function* () {
      // the node's number in a pid depends on how many nodes this test process started before
      const lines = (yield* tracing).map((line) => line.replace(/pid=<\d+\./, "pid=<N."))
      assert.deepStrictEqual(lines, [
        "client (internal)",
        "  Deposit (server) pid=<N.2.0> name=bank behaviour=GenServer",
        "    Credit (server) pid=<N.1.0> name=ledger behaviour=GenServer",
        "    Task (internal) pid=<N.3.0> behaviour=Task",
        "      audit (internal)"
      ])
    })
  )

  it.effect("operating: what an operator sees of a running node", () =>
    Effect.gen(function* () {
      const report = yield* operating
      // the node's number in a pid depends on how many nodes this test process started before
      const pids = (line: string) => line.replace(/<\d+\./g, "<N.")
      assert.deepStrictEqual(
        { ...report.info, links: report.info.links.map(pids) },
        { status: "running", mailboxLength: 0, links: ["<N.1.0>"] }
      )
      assert.deepStrictEqual(report.status, { behaviour: "GenServer", registeredName: "counter", status: "running" })
      assert.deepStrictEqual(report.logs.map(pids), [
        'DEBUG process <N.1.0> spawned {"pid":"<N.1.0>","event":"SPAWN","parent":"<N.0.0>"}',
        'DEBUG process <N.2.0> spawned {"pid":"<N.2.0>","event":"SPAWN","parent":"<N.1.0>"}',
        'ERROR process <N.2.0> crashed {"pid":"<N.2.0>","name":"counter","behaviour":"GenServer","event":"CRASH","reason":"Failure"}',
        'ERROR supervisor <N.1.0>: child "counter" <N.2.0> terminated {"pid":"<N.1.0>","name":"root","behaviour":"Supervisor","event":"CHILD_TERMINATED","child":"counter","childPid":"<N.2.0>","reason":"Failure"}',
        'DEBUG process <N.3.0> spawned {"pid":"<N.3.0>","event":"SPAWN","parent":"<N.1.0>"}',
        'WARN supervisor <N.1.0> restarted child "counter" as <N.3.0> {"pid":"<N.1.0>","name":"root","behaviour":"Supervisor","event":"RESTART","supervisor":"<N.1.0>","child":"counter","oldPid":"<N.2.0>","newPid":"<N.3.0>","reason":"Failure"}'
      ])
      assert.deepStrictEqual(
        report.largest.map(({ pid, mailboxLength }) => [pids(pid), mailboxLength]),
        [["<N.4.0>", 2]]
      )
      assert.deepStrictEqual(report.metrics, [
        'effect_otp_processes_spawned_total {} {"count":4,"incremental":false}',
        'effect_otp_processes_active {} {"value":3}',
        'effect_otp_messages_sent_total {} {"count":5,"incremental":false}',
        'effect_otp_messages_dropped_total {} {"count":0,"incremental":false}',
        'effect_otp_call_duration_ms {"server":"counter"} {"count":2}',
        'effect_otp_supervisor_restarts_total {"supervisor":"root","child":"counter"} {"count":1,"incremental":false}'
      ])
    })
  )
})
