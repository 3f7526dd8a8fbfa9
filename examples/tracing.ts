/**
 * Tracing across calls, exported through OpenTelemetry: a client calls a bank (a GenServer), whose
 * handler calls a ledger (another GenServer) and starts a Task; every hop continues the client's
 * trace. The spans go to OpenTelemetry's in-memory exporter, and the program prints their tree.
 * Run it with `npx node examples/tracing.ts`.
 */
import * as OtelTracer from "@effect/opentelemetry/OtelTracer"
import * as Resource from "@effect/opentelemetry/Resource"
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor
} from "@opentelemetry/sdk-trace-base"
import { Effect, Layer, Schema } from "effect"
import { GenServer, Node, Request, Task } from "effect-otp"

class Credit extends Request.Class<Credit>()("Credit", { fields: { amount: Schema.Number }, success: Schema.Number }) {}
class Deposit extends Request.Class<Deposit>()("Deposit", {
  fields: { amount: Schema.Number },
  success: Schema.Number
}) {}

const ledger = GenServer.behaviour({
  protocol: [Credit],
  init: () => Effect.succeed(GenServer.ok(0)),
  handleCall: {
    Credit: ({ amount }, total) => Effect.succeed(GenServer.reply(total + amount, total + amount))
  }
})

const bank = GenServer.behaviour({
  protocol: [Deposit],
  init: () => Effect.map(GenServer.named(ledger, "ledger"), (ledger) => GenServer.ok(ledger)),
  handleCall: {
    // runs in a span named "Deposit", child of the client's; the call and the task below continue it
    Deposit: ({ amount }, ledger) =>
      Effect.gen(function* () {
        const total = yield* GenServer.call(ledger, new Credit({ amount }))
        const audit = yield* Task.async(Effect.succeed(`audited ${amount}`).pipe(Effect.withSpan("audit")))
        yield* Task.await(audit)
        return GenServer.reply(total, ledger)
      })
  }
})

/** The finished spans as a tree: name, kind and attributes, children indented under their parent. */
export const spanTree = (spans: ReadonlyArray<ReadableSpan>): Array<string> => {
  const kinds = ["internal", "server", "client", "producer", "consumer"]
  const lines: Array<string> = []
  const children = (parent: string | undefined) =>
    spans
      .filter((span) => span.parentSpanContext?.spanId === parent)
      .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1])
  const walk = (span: ReadableSpan, depth: number) => {
    const attributes = Object.entries(span.attributes)
      .filter(([key]) => !key.startsWith("code."))
      .map(([key, value]) => `${key}=${String(value)}`)
    lines.push(
      `${"  ".repeat(depth)}${span.name} (${kinds[span.kind]})${attributes.length > 0 ? ` ${attributes.join(" ")}` : ""}`
    )
    for (const child of children(span.spanContext().spanId)) walk(child, depth + 1)
  }
  for (const root of children(undefined)) walk(root, 0)
  return lines
}

export const program = Effect.gen(function* () {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  const tracing = OtelTracer.layer.pipe(
    Layer.provide(Layer.succeed(OtelTracer.OtelTracerProvider, provider)),
    Layer.provide(Resource.layer({ serviceName: "bank" }))
  )
  yield* Effect.gen(function* () {
    yield* GenServer.start(ledger, undefined, { name: "ledger" })
    const server = yield* GenServer.start(bank, undefined, { name: "bank" })
    yield* GenServer.call(server, new Deposit({ amount: 100 })).pipe(Effect.withSpan("client"))
  }).pipe(Effect.provide(Layer.merge(Node.layer(), tracing)))
  return spanTree(exporter.getFinishedSpans())
})

if (import.meta.main) Effect.runPromise(program).then((lines) => console.log(lines.join("\n")))
