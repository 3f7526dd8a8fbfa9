import { Effect } from "effect"
import { Node, Process } from "effect-otp"

type Ping = { readonly _tag: "Ping"; readonly from: Process.Pid<Pong> }
type Pong = { readonly _tag: "Pong" }

const program = Effect.gen(function* () {
  const ponger = yield* Process.spawn(
    Effect.forever(
      Effect.gen(function* () {
        const ping = yield* Process.receive<Ping>()
        yield* Process.send(ping.from, { _tag: "Pong" })
      }),
      { disableYield: true }
    )
  )
  const pinger = yield* Process.spawn(
    Effect.gen(function* () {
      const me = yield* Process.self<Pong>()
      const t = Date.now()
      for (let i = 0; i < 100000; i++) {
        yield* Process.send(ponger, { _tag: "Ping", from: me })
        yield* Process.receive<Pong>()
      }
      console.log("100k round trips ms", Date.now() - t)
    })
  )
  console.log("pinger", String(pinger), "exit:", String(yield* Process.awaitExit(pinger)))
  const crasher = yield* Process.spawn(Effect.die(new Error("boom")))
  console.log("crasher", String(yield* Process.awaitExit(crasher)).split("\n")[0])
  yield* Process.kill(ponger)
  console.log("ponger", String(yield* Process.awaitExit(ponger)))
  const stuck = yield* Process.spawn(Process.receive())
  return stuck
}).pipe(Effect.provide(Node.layer()))

Effect.runPromise(program).then((pid) => console.log("done; stuck one was", String(pid)))
