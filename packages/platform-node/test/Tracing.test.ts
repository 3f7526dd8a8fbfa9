/**
 * A request to a worker thread carries its caller's span: the span context (trace id, span id,
 * sampled) travels with the request, and the worker runs the handler in a child span of it.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { GenServer, Node, testing } from "effect-otp"
import * as ThreadedGenServer from "../src/ThreadedGenServer.ts"
import * as WorkerPool from "../src/WorkerPool.ts"
import { SpanOf, Traced } from "./fixtures/span.ts"

// Real threads and real time: every test is bounded by this budget (the machine is shared and noisy).
const budget = 60_000

describe("tracing across threads", () => {
  it.live(
    "a WorkerPool request's handler runs in a child span of the caller's span, in the worker",
    () =>
      Effect.gen(function* () {
        const pool = yield* WorkerPool.make({
          protocol: [SpanOf],
          worker: new URL("./fixtures/span-pool-worker.ts", import.meta.url),
          size: 1
        })
        const [thread] = yield* WorkerPool.threadIds(pool)
        const [client, info] = yield* Effect.flatMap(Effect.currentSpan, (client) =>
          Effect.map(WorkerPool.run(pool, new SpanOf()), (info) => [client, info] as const)
        ).pipe(Effect.withSpan("client"))
        assert.deepStrictEqual(info, {
          name: "SpanOf",
          kind: "server",
          traceId: client.traceId,
          parentSpanId: client.spanId,
          sampled: true,
          threadIdAttribute: thread!,
          threadId: thread!
        })
        // a caller without a span: the worker makes none
        assert.strictEqual(yield* WorkerPool.run(pool, new SpanOf()), null)
      }).pipe(Effect.scoped),
    budget
  )

  it.live(
    "a ThreadedGenServer call: caller → the server's handler span → the worker's handler span",
    () =>
      Effect.gen(function* () {
        const { spans, layer } = testing.recordSpans()
        yield* Effect.gen(function* () {
          const server = yield* ThreadedGenServer.start(Traced, undefined, {
            worker: new URL("./fixtures/span-worker.ts", import.meta.url)
          })
          const pid = String(Option.getOrThrow(server.whereis()))
          const [client, info] = yield* Effect.flatMap(Effect.currentSpan, (client) =>
            Effect.map(GenServer.call(server, new SpanOf()), (info) => [client, info] as const)
          ).pipe(Effect.withSpan("client"))
          // on this thread: the client's span and the green server's handler span, child of it
          const trace = spans.filter((span) => span.traceId === client.traceId)
          assert.deepStrictEqual(
            trace.map((span) => ({
              name: span.name,
              parentSpanId: Option.getOrNull(Option.map(span.parent, (parent) => parent.spanId)),
              attributes: Object.fromEntries(span.attributes)
            })),
            [
              { name: "client", parentSpanId: null, attributes: {} },
              { name: "SpanOf", parentSpanId: client.spanId, attributes: { pid, behaviour: "GenServer" } }
            ]
          )
          // in the worker: a child of the server's handler span, in the same trace
          assert.deepStrictEqual(info, {
            name: "SpanOf",
            kind: "server",
            traceId: client.traceId,
            parentSpanId: trace[1]!.spanId,
            sampled: true,
            threadIdAttribute: info!.threadId,
            threadId: info!.threadId
          })
        }).pipe(Effect.provide(Layer.merge(Node.layer(), layer)))
      }).pipe(Effect.scoped),
    budget
  )
})
