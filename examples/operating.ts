/**
 * The README's "Operating an effect-otp system": looking at a running node. A counter under a
 * supervisor, with its call latency recorded; the program inspects it, crashes it, and reads the
 * lifecycle events and the metrics that follow. Run it with `npx node examples/operating.ts`.
 */
import { Effect, Layer, Logger, Metric, Option, References, Schema } from "effect"
import { GenServer, Node, Process, Request, Supervisor, Sys } from "effect-otp"

class Increment extends Request.Class<Increment>()("Increment", {
  fields: { by: Schema.Number },
  success: Schema.Number
}) {}
class Crash extends Request.Class<Crash>()("Crash", {}) {}

const Counter = GenServer.behaviour({
  protocol: [Increment, Crash],
  init: (start: number) => Effect.succeed(GenServer.ok(start)),
  handleCall: {
    Increment: ({ by }, n) => Effect.succeed(GenServer.reply(n + by, n + by)),
    Crash: () => Effect.die("boom")
  }
})

/** Log lines as `LEVEL message {annotations}`, the lifecycle events among them. */
const lines: Array<string> = []
const logger = Logger.make(({ fiber, logLevel, message }) => {
  const text = (Array.isArray(message) ? message : [message]).map(String)[0]
  const annotations = JSON.stringify(fiber.getRef(References.CurrentLogAnnotations))
  lines.push(`${logLevel.toUpperCase()} ${text} ${annotations}`)
})

export const program = Effect.gen(function* () {
  const root = yield* Supervisor.start({
    name: "root",
    children: [GenServer.childSpec("counter", Counter, 0, { name: "counter", callLatency: true })]
  })
  const counter = yield* GenServer.named(Counter, "counter")
  yield* GenServer.call(counter, new Increment({ by: 2 }))

  // one process: Process.info; a server: Sys.getStatus
  const pid = Option.getOrThrow(counter.whereis())
  const info = Option.getOrThrow(yield* Process.info(pid))
  const status = yield* Sys.getStatus(counter)

  // a crash: CRASH from the counter, RESTART from its supervisor
  yield* Effect.exit(GenServer.call(counter, new Crash()))
  yield* Supervisor.whichChildren(root)

  // the node: the largest mailboxes, and the metrics
  const idle = yield* Process.spawn(Process.receive<string>({ timeout: "1 hour" }))
  yield* Process.send(idle, "one")
  yield* Process.send(idle, "two")
  const largest = yield* Process.largestMailboxes(3)
  const metrics = (yield* Metric.snapshot)
    .filter((m) => m.id.startsWith("effect_otp_"))
    .map(({ id, attributes, state }) => {
      const { node: _, ...labels } = attributes ?? {}
      const value = "count" in state && "buckets" in state ? { count: state.count } : state
      return `${id} ${JSON.stringify(labels)} ${JSON.stringify(value)}`
    })
  return {
    info: { status: info.status, mailboxLength: info.mailboxLength, links: info.links.map(String) },
    status: {
      behaviour: status.behaviour,
      registeredName: Option.getOrNull(status.registeredName),
      status: status.status
    },
    logs: lines.filter((line) => !line.startsWith("DEBUG") || line.includes('"event"')),
    largest: largest.map(({ pid, mailboxLength }) => ({ pid: String(pid), mailboxLength })),
    metrics
  }
}).pipe(
  Effect.provide(Layer.merge(Node.layer(), Logger.layer([logger]))),
  Effect.provideService(References.MinimumLogLevel, "Debug"),
  Effect.provideService(Metric.MetricRegistry, new Map()),
  Effect.scoped
)

if (import.meta.main) {
  Effect.runPromise(program).then((report) => {
    console.log("Process.info:", report.info)
    console.log("Sys.getStatus:", report.status)
    console.log("logs:")
    for (const line of report.logs) console.log(`  ${line}`)
    console.log("Process.largestMailboxes(3):", report.largest)
    console.log("metrics:")
    for (const line of report.metrics) console.log(`  ${line}`)
  })
}
