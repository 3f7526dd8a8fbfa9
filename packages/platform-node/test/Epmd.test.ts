import { spawn } from "node:child_process"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Option, Scope } from "effect"
import { Epmd } from "../src/index.ts"
import { freePort, skipWithoutErl, startErl, startProcess } from "./fixtures/os.ts"

// Real sockets on 127.0.0.1 (it.live); everything synchronises on answers, process output and
// exits, never on sleeps.

describe("Epmd, embedded server and client", () => {
  it.live("register, lookup, names; a taken name is refused; closing the scope unregisters", () =>
    Effect.gen(function* () {
      const server = yield* Epmd.serve({ port: 0 })
      const address = { port: server.port }
      const scope = yield* Scope.make()
      const registration = yield* Scope.provide(Epmd.register({ name: "alpha", port: 5001 }, address), scope)
      assert.strictEqual(registration.name, "alpha")
      assert.isAbove(registration.creation, 0)
      assert.deepStrictEqual(
        yield* Epmd.lookup("alpha", address),
        Option.some({
          name: "alpha",
          port: 5001,
          hidden: false,
          highestVersion: 6,
          lowestVersion: 6,
          extra: new Uint8Array(0)
        })
      )
      assert.deepStrictEqual(yield* Epmd.lookup("nobody", address), Option.none())
      assert.deepStrictEqual(yield* Epmd.names(address), [{ name: "alpha", port: 5001 }])
      assert.deepStrictEqual(
        yield* Effect.exit(Effect.scoped(Epmd.register({ name: "alpha", port: 5002, hidden: true }, address))),
        Exit.fail(new Epmd.EpmdRefused({ nodeName: "alpha", result: 1 }))
      )
      yield* Scope.close(scope, Exit.void)
      yield* server.awaitUnregistered("alpha")
      assert.deepStrictEqual(yield* Epmd.names(address), [])
      // the name is free again
      const again = yield* Effect.scoped(Epmd.register({ name: "alpha", port: 5003 }, address))
      assert.notStrictEqual(again.creation, registration.creation)
    }).pipe(Effect.scoped)
  )

  it.live("bad names and an EPMD that is not there fail with typed errors", () =>
    Effect.gen(function* () {
      const port = yield* freePort
      assert.deepStrictEqual(
        yield* Effect.exit(Epmd.lookup("a@host", { port })),
        Exit.fail(new Epmd.InvalidNodeName({ nodeName: "a@host", reason: "EPMD registers the part before @" }))
      )
      assert.deepStrictEqual(
        yield* Effect.exit(Epmd.lookup("", { port })),
        Exit.fail(new Epmd.InvalidNodeName({ nodeName: "", reason: "it is empty" }))
      )
      const exit = yield* Effect.exit(Epmd.names({ port }))
      assert.deepStrictEqual(
        exit,
        Exit.fail(
          new Epmd.EpmdUnavailable({ host: "127.0.0.1", port, reason: `connect ECONNREFUSED 127.0.0.1:${port}` })
        )
      )
    })
  )

  it.live("a malformed request closes its connection and the server goes on", () =>
    Effect.gen(function* () {
      const server = yield* Epmd.serve({ port: 0 })
      yield* Effect.callback<void>((resume) => {
        const socket = spawn(process.execPath, [
          "-e",
          `const s = require("node:net").connect(${server.port}, "127.0.0.1", () => s.write(Buffer.from([0, 3, 120, 0, 1]))); s.on("close", () => process.exit(0))`
        ])
        socket.on("exit", () => resume(Effect.void))
      })
      yield* Effect.scoped(Epmd.register({ name: "still", port: 1 }, { port: server.port }))
    }).pipe(Effect.scoped)
  )
})

// in CI, `.ci/run` installs Erlang: a missing `erl` there fails these instead of skipping them
describe.skipIf(skipWithoutErl)("Epmd with Erlang", () => {
  it.live(
    "the client against Erlang's epmd: register, lookup, names, a taken name",
    () =>
      Effect.gen(function* () {
        const port = yield* freePort
        // at debug level 2 epmd says when it listens (level 1 only that it started)
        yield* startProcess(
          "epmd",
          ["-d", "-d", "-address", "127.0.0.1", "-port", String(port)],
          "entering the main select() loop"
        )
        const address = { port }
        const registration = yield* Epmd.register({ name: "ts", port: 6001, hidden: true }, address)
        assert.isAbove(registration.creation, 0)
        assert.deepStrictEqual(
          yield* Epmd.lookup("ts", address),
          Option.some({
            name: "ts",
            port: 6001,
            hidden: true,
            highestVersion: 6,
            lowestVersion: 6,
            extra: new Uint8Array(0)
          })
        )
        assert.deepStrictEqual(yield* Epmd.names(address), [{ name: "ts", port: 6001 }])
        assert.deepStrictEqual(
          yield* Effect.exit(Effect.scoped(Epmd.register({ name: "ts", port: 6002 }, address))),
          Exit.fail(new Epmd.EpmdRefused({ nodeName: "ts", result: 1 }))
        )
      }).pipe(Effect.scoped),
    30_000
  )

  it.live(
    "an Erlang node registers with the embedded EPMD, and is gone from it when it dies",
    () =>
      Effect.gen(function* () {
        const server = yield* Epmd.serve({ port: 0 })
        const erl = yield* startErl("erl1@127.0.0.1", "c", server.port, 'io:format("up~n").', "up")
        const [node] = server.registered()
        assert.strictEqual(node?.name, "erl1")
        assert.deepStrictEqual(yield* Epmd.names({ port: server.port }), [{ name: "erl1", port: node!.port }])
        erl.kill("SIGKILL")
        yield* server.awaitUnregistered("erl1")
        assert.deepStrictEqual(yield* Epmd.lookup("erl1", { port: server.port }), Option.none())
      }).pipe(Effect.scoped),
    30_000
  )
})
