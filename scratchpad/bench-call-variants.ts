/**
 * GenServer.call cost by call option: default 5 s timeout (a race of two fibers plus a timer per
 * call) against `timeout: "infinity"` (a plain Deferred wait).
 */
import { Effect, Schema } from "effect"
import { Node } from "effect-otp"
import * as GenServer from "effect-otp/GenServer"
import * as Request from "effect-otp/Request"
import { setScheduler } from "../bench/lib/util.ts"
import { RunQueueScheduler } from "./bench-scheduler.ts"

class Increment extends Request.Class<Increment>()("Increment", { success: Schema.Number }) {}
const Counter = GenServer.behaviour({
  protocol: [Increment],
  init: (start: number) => Effect.succeed(GenServer.ok(start)),
  handleCall: { Increment: (_request, count) => Effect.succeed(GenServer.reply(count + 1, count + 1)) }
})
const increment = new Increment()
const N = 100_000
const variant = (options: GenServer.CallOptions | undefined) =>
  Effect.gen(function* () {
    const server = yield* GenServer.start(Counter, 0)
    const t0 = performance.now()
    for (let i = 0; i < N; i++) yield* GenServer.call(server, increment, options)
    return ((performance.now() - t0) * 1000) / N
  }).pipe(Effect.orDie, Effect.provide(Node.layer()))
const rq = new RunQueueScheduler()
void setScheduler
for (const [name, options] of [
  ["default (5 s)", undefined],
  ["infinity", { timeout: "infinity" }]
] as const) {
  for (const [sname, scheduler] of [
    ["default sched", undefined],
    ["runqueue", rq]
  ] as const) {
    const opts = scheduler === undefined ? undefined : { scheduler }
    await Effect.runPromise(variant(options), opts)
    const xs = []
    for (let i = 0; i < 3; i++) xs.push(await Effect.runPromise(variant(options), opts))
    console.log(`${name.padEnd(14)} ${sname.padEnd(14)} ${xs.map((x) => x.toFixed(2)).join(" ")} µs/call`)
  }
}
