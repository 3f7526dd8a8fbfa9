/**
 * A call carries its caller's span: the handler runs in a child span named after the request's tag.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Schema, type Tracer } from "effect"
import { GenServer, GenStatem, Node, Request, Task, testing } from "effect-otp"
import { inProcess } from "./utils.ts"

class Greet extends Request.Class<Greet>()("Greet", { fields: { who: Schema.String }, success: Schema.String }) {}

const greeter = GenServer.behaviour({
  protocol: [Greet],
  init: () => Effect.succeed(GenServer.ok(undefined)),
  handleCall: {
    Greet: (request, state) =>
      // a span made by the handler is a child of the handler's span
      Effect.succeed(GenServer.reply(`hello ${request.who}`, state)).pipe(Effect.withSpan("greeting"))
  }
})

interface MachineTypes {
  readonly state: "on"
  readonly data: undefined
}

const machine = GenStatem.behaviour<MachineTypes>()({
  callbackMode: "handleEvent",
  protocol: [Greet],
  init: () => Effect.succeed(GenStatem.ok("on", undefined)),
  handleEvent: (event) =>
    Effect.succeed(
      GenStatem.isCall(event, Greet)
        ? GenStatem.keepStateAndData([GenStatem.replyAction(event.from, `hi ${event.request.who}`)])
        : GenStatem.keepStateAndData()
    )
})

/** A span as the tests compare it: its name, kind, attributes and its parent's name. */
const shape = (span: Tracer.NativeSpan, spans: ReadonlyArray<Tracer.NativeSpan>) => {
  const parent = Option.getOrUndefined(span.parent)
  return {
    name: span.name,
    kind: span.kind,
    attributes: Object.fromEntries(span.attributes),
    parent: parent === undefined ? undefined : spans.find((s) => s.spanId === parent.spanId)?.name,
    sameTrace: parent === undefined || parent.traceId === span.traceId
  }
}

const traced = <A, E, R>(f: (spans: ReadonlyArray<Tracer.NativeSpan>) => Effect.Effect<A, E, R>) =>
  Effect.suspend(() => {
    const { spans, layer } = testing.recordSpans()
    return f(spans).pipe(Effect.provide(Layer.merge(Node.layer(), layer)))
  })

describe("tracing", () => {
  it.effect("a GenServer call's handler runs in a child span of the caller's, named after the request", () =>
    traced((spans) =>
      Effect.gen(function* () {
        const server = yield* GenServer.start(greeter, undefined, { name: "tracing/greeter" })
        const pid = String(Option.getOrThrow(server.whereis()))
        const reply = yield* GenServer.call(server, new Greet({ who: "joe" })).pipe(Effect.withSpan("client"))
        assert.strictEqual(reply, "hello joe")
        assert.deepStrictEqual(
          spans.map((span) => shape(span, spans)),
          [
            { name: "client", kind: "internal", attributes: {}, parent: undefined, sameTrace: true },
            {
              name: "Greet",
              kind: "server",
              attributes: { pid, name: "tracing/greeter", behaviour: "GenServer" },
              parent: "client",
              sameTrace: true
            },
            { name: "greeting", kind: "internal", attributes: {}, parent: "Greet", sameTrace: true }
          ]
        )
        // the parent is the caller's very span, by id
        assert.strictEqual(Option.getOrThrow(spans[1]!.parent).spanId, spans[0]!.spanId)
        assert.deepStrictEqual(
          spans.map((span) => span.status._tag),
          ["Ended", "Ended", "Ended"]
        )
      })
    )
  )

  it.effect("a call from a caller without a span makes no span", () =>
    traced((spans) =>
      Effect.gen(function* () {
        const server = yield* GenServer.start(greeter, undefined)
        assert.strictEqual(yield* GenServer.call(server, new Greet({ who: "mike" })), "hello mike")
        // only the handler's own span, a root: the server made none for the call
        assert.deepStrictEqual(
          spans.map((span) => shape(span, spans)),
          [{ name: "greeting", kind: "internal", attributes: {}, parent: undefined, sameTrace: true }]
        )
      })
    )
  )

  it.effect("a GenStatem call's event is handled in a child span of the caller's", () =>
    traced((spans) =>
      Effect.gen(function* () {
        const server = yield* GenStatem.start(machine, undefined)
        const pid = String(Option.getOrThrow(server.whereis()))
        assert.strictEqual(
          yield* GenServer.call(server, new Greet({ who: "robert" })).pipe(Effect.withSpan("client")),
          "hi robert"
        )
        assert.deepStrictEqual(
          spans.map((span) => shape(span, spans)),
          [
            { name: "client", kind: "internal", attributes: {}, parent: undefined, sameTrace: true },
            {
              name: "Greet",
              kind: "server",
              attributes: { pid, behaviour: "GenStatem" },
              parent: "client",
              sameTrace: true
            }
          ]
        )
        assert.strictEqual(Option.getOrThrow(spans[1]!.parent).spanId, spans[0]!.spanId)
      })
    )
  )

  it.effect("a Task's effect runs in a child span of the span it was started in", () =>
    traced((spans) =>
      Effect.gen(function* () {
        const [pid, value] = yield* inProcess(
          Effect.gen(function* () {
            const task = yield* Task.async(Effect.succeed(42).pipe(Effect.withSpan("work")))
            return [String(task.pid), yield* Task.await(task)] as const
          })
        ).pipe(Effect.withSpan("client"))
        assert.strictEqual(value, 42)
        assert.deepStrictEqual(
          spans.map((span) => shape(span, spans)),
          [
            { name: "client", kind: "internal", attributes: {}, parent: undefined, sameTrace: true },
            {
              name: "Task",
              kind: "internal",
              attributes: { pid, behaviour: "Task" },
              parent: "client",
              sameTrace: true
            },
            { name: "work", kind: "internal", attributes: {}, parent: "Task", sameTrace: true }
          ]
        )
      })
    )
  )
})
