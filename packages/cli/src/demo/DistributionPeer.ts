/**
 * The other effect-otp node of `otp demo cluster` (see `DistributionDemo`), run as its own OS
 * process: `node DistributionPeer.js <name> <cookie> <epmdPort>`. It starts the node `name`,
 * registered with the EPMD on `epmdPort`, with
 *
 * - `counter`: a GenServer over terms: the call `{add, N}` answers the new count;
 * - the spawn handler `greeter` (args `[Who]`): its process waits for a pid and sends it a greeting;
 * - the spawn handler `sleeper` (no args): its process waits forever;
 *
 * then prints `ready <name>`. It exits when its stdin ends (the demo is gone).
 *
 * @since 0.2.0
 */
import { NodeRuntime } from "@effect/platform-node"
import { Node } from "@effect-otp/platform-node"
import { Console, Effect, Schema } from "effect"
import { GenServer, Process, Term } from "effect-otp"

/**
 * The counter the demo calls from the other nodes.
 *
 * @since 0.2.0
 * @category demo
 */
export const Counter = GenServer.behaviour({
  protocol: [Term.Tuple],
  init: (_: void) => Effect.succeed(GenServer.ok(0)),
  handleCall: {
    Tuple: (request: Term.Tuple, count: number) => {
      const next = count + (request.elements[1] as number)
      return Effect.succeed(GenServer.reply(next as unknown, next))
    }
  }
})

/**
 * Starts the node, its counter and its spawn handlers, and prints `ready <name>`.
 *
 * @since 0.2.0
 * @category demo
 */
export const main = (name: string, cookie: string, epmdPort: number): Effect.Effect<never, unknown> =>
  Effect.gen(function* () {
    yield* GenServer.start(Counter, undefined, { name: "counter" })
    yield* Node.registerSpawnHandler("greeter", {
      args: Schema.Tuple([Schema.String]),
      run: ([who]) =>
        Effect.gen(function* () {
          const from = yield* Process.receive<Process.Pid<string>>()
          yield* Process.send(from, `hello ${who}, from ${name}`)
        })
    })
    yield* Node.registerSpawnHandler("sleeper", { args: Schema.Tuple([]), run: () => Process.receive() })
    yield* Console.log(`ready ${name}`)
    return yield* Effect.never
  }).pipe(Effect.provide(Node.layer(name, { cookie, epmdPort })))

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, "/"))) {
  const [name = "beta@127.0.0.1", cookie = "cookie", epmdPort = "4369"] = process.argv.slice(2)
  process.stdin.on("end", () => process.exit(0))
  process.stdin.resume()
  NodeRuntime.runMain(main(name, cookie, Number(epmdPort)))
}
