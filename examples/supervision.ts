/**
 * The README's supervision example: a GenServer under a supervisor, the tree declared as Layers, a
 * typed client service that routes by registered name and keeps working after a crash.
 * Run it with `npx node examples/supervision.ts`.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { Application, GenServer, Node, Process, Request, Supervisor } from "effect-otp"

// The protocol: each request declares its reply (and error) Schema.
class Increment extends Request.Class<Increment>()("Increment", {
  fields: { by: Schema.Number },
  success: Schema.Number
}) {}
class Get extends Request.Class<Get>()("Get", { success: Schema.Number }) {}

// The server: state is a number; one handler per request, typed by the request's reply.
export const Counter = GenServer.behaviour({
  protocol: [Increment, Get],
  init: (start: number) => Effect.succeed(GenServer.ok(start)),
  handleCall: {
    Increment: ({ by }, n) => Effect.succeed(GenServer.reply(n + by, n + by)),
    Get: (_, n) => Effect.succeed(GenServer.reply(n, n))
  }
})

// A typed client service: routes by name, so it follows the server across restarts.
export class CounterClient extends Context.Service<
  CounterClient,
  {
    readonly increment: (by: number) => Effect.Effect<number, GenServer.CallError>
    readonly get: Effect.Effect<number, GenServer.CallError>
  }
>()("examples/CounterClient") {
  static readonly layer = Layer.effect(
    CounterClient,
    Effect.map(GenServer.named(Counter, "counter"), (server) => ({
      increment: (by: number) => GenServer.call(server, new Increment({ by })),
      get: GenServer.call(server, new Get())
    }))
  )
}

// The tree: a root supervisor with the counter; the client on top; the node below.
export const App = CounterClient.layer.pipe(
  Layer.provideMerge(
    Application.layer({
      name: "root",
      strategy: "oneForOne",
      intensity: Supervisor.intensity(3, "5 seconds"),
      children: [GenServer.childSpec("counter", Counter, 0, { name: "counter" })]
    })
  ),
  Layer.provideMerge(Node.layer())
)

export const program = Effect.gen(function* () {
  const counter = yield* CounterClient
  yield* counter.increment(2)
  const before = yield* counter.get // 2

  // crash the server: the supervisor restarts it (with fresh state) under the same name
  const pid = Option.getOrThrow(yield* Process.whereis("counter"))
  yield* Process.kill(pid)
  yield* Process.awaitExit(pid)
  yield* Supervisor.whichChildren(yield* Supervisor.named("root")) // the restart has happened by now
  const after = yield* counter.increment(1) // 1: the client kept working
  return { before, after }
}).pipe(Effect.provide(App))

if (import.meta.main) Effect.runPromise(program).then((result) => console.log(result))
