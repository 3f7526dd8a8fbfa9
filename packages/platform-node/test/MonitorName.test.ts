import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { ExitReason, Pid, Process, Term, testing } from "effect-otp"
import { Epmd, Node } from "../src/index.ts"
import { cookie, on, startPair } from "./fixtures/dist.ts"
import { skipWithoutErl, startErl } from "./fixtures/os.ts"

// Process.monitor({ name, node }): MONITOR_P with the name, between two effect-otp nodes in this OS
// process and against a real Erlang node. Synchronised on messages and DOWNs only.

const atom = Term.atom

/** The pid a `Down` of a monitor by name on another node names: the node's `<0.0>`. */
const namePid = (node: string) => Pid.make(node, 0, 0) as Pid.Pid<never, unknown>

describe("Process.monitor of a name on another node", () => {
  it.live("Down with the name: holder's reason, NoProc for a free name, none after demonitor, NoConnection", () =>
    Effect.gen(function* () {
      const { a, b } = yield* startPair()
      const named = yield* on(b)(
        Process.spawn(Effect.andThen(Process.receive(), Process.exit(ExitReason.shutdownWith(atom("bye")))))
      )
      yield* on(b)(Process.register("named", named))
      const other = yield* on(b)(Process.spawn(Process.receive()))
      yield* on(b)(Process.register("other", other))
      const kept = yield* on(b)(Process.spawn(Process.receive()))
      yield* on(b)(Process.register("kept", kept))
      const local = yield* on(a)(Process.spawn(Process.receive()))
      yield* on(a)(Process.register("local", local))
      const result = yield* on(a)(
        testing.runInProcess(
          Effect.gen(function* () {
            const ref = yield* Process.monitor({ name: "named", node: "b@127.0.0.1" })
            const refFree = yield* Process.monitor({ name: "nobody", node: "b@127.0.0.1" })
            const refOther = yield* Process.monitor({ name: "other", node: "b@127.0.0.1" })
            const refKept = yield* Process.monitor({ name: "kept", node: "b@127.0.0.1" })
            // a name on the caller's own node: its holder's pid, and the name
            const refLocal = yield* Process.monitor({ name: "local", node: "a@127.0.0.1" })
            const demonitored = yield* Process.demonitor(refOther)
            yield* Process.send({ name: "named", node: "b@127.0.0.1" }, atom("go"))
            yield* Process.send({ name: "other", node: "b@127.0.0.1" }, atom("go"))
            yield* Process.send(local, atom("go"))
            const downs = [yield* Process.receive(), yield* Process.receive(), yield* Process.receive()]
            yield* Node.disconnect("b@127.0.0.1")
            const lost = yield* Process.receive()
            return { ref, refFree, refKept, refLocal, demonitored, downs, lost }
          })
        )
      )
      assert.isTrue(result.demonitored)
      const onB = (name: string) => ({ name, node: "b@127.0.0.1" })
      assert.sameDeepMembers(result.downs, [
        new Process.Down(result.refFree, namePid("b@127.0.0.1"), ExitReason.noProc, onB("nobody")),
        new Process.Down(result.ref, namePid("b@127.0.0.1"), ExitReason.shutdownWith(atom("bye")), onB("named")),
        new Process.Down(result.refLocal, local, ExitReason.normal, { name: "local", node: "a@127.0.0.1" })
      ])
      assert.deepStrictEqual(
        result.lost,
        new Process.Down(result.refKept, namePid("b@127.0.0.1"), ExitReason.noConnection, onB("kept"))
      )
      assert.deepStrictEqual(yield* Process.awaitExit(other), ExitReason.normal)
    }).pipe(Effect.scoped)
  )
})

describe.skipIf(skipWithoutErl)("Process.monitor of a name on an Erlang node", () => {
  it.live(
    "Down with the name and its reason when the holder ends; NoProc for a free name; NoConnection",
    () =>
      Effect.gen(function* () {
        const epmd = yield* Epmd.serve({ port: 0 })
        const secret = cookie()
        const ts = yield* Node.start("ts@127.0.0.1", { cookie: secret, epmdPort: epmd.port })
        yield* startErl(
          "e1@127.0.0.1",
          secret,
          epmd.port,
          [
            "K = spawn(fun() -> receive halt -> erlang:halt() end end),",
            "register(keeper, K),",
            'register(victim, self()), io:format("up~n"), receive stop -> ok end.'
          ].join(" "),
          "up"
        )
        const result = yield* on(ts)(
          testing.runInProcess(
            Effect.gen(function* () {
              const ref = yield* Process.monitor({ name: "victim", node: "e1@127.0.0.1" })
              const refFree = yield* Process.monitor({ name: "nobody", node: "e1@127.0.0.1" })
              const free = yield* Process.receive()
              yield* Process.send({ name: "victim", node: "e1@127.0.0.1" }, atom("stop"))
              const down = yield* Process.receive()
              // the node goes away: a monitor by name fires NoConnection
              const refKeeper = yield* Process.monitor({ name: "keeper", node: "e1@127.0.0.1" })
              yield* Process.send({ name: "keeper", node: "e1@127.0.0.1" }, atom("halt"))
              const lost = yield* Process.receive()
              return { ref, refFree, free, down, refKeeper, lost }
            })
          )
        )
        const onE1 = (name: string) => ({ name, node: "e1@127.0.0.1" })
        assert.deepStrictEqual(
          result.free,
          new Process.Down(result.refFree, namePid("e1@127.0.0.1"), ExitReason.noProc, onE1("nobody"))
        )
        assert.deepStrictEqual(
          result.down,
          new Process.Down(result.ref, namePid("e1@127.0.0.1"), ExitReason.normal, onE1("victim"))
        )
        assert.deepStrictEqual(
          result.lost,
          new Process.Down(result.refKeeper, namePid("e1@127.0.0.1"), ExitReason.noConnection, onE1("keeper"))
        )
      }).pipe(Effect.scoped),
    30_000
  )
})
