// Real HTTP on loopback: every step waits for an answer (a response, an event of the stream), never
// for time.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer, Option } from "effect"
import { ExitReason, GenServer, Node, Process, Supervisor } from "effect-otp"
import { ObserverHttp } from "@effect-otp/platform-node"

const Idle = GenServer.behaviour({ init: (_: void) => Effect.succeed(GenServer.ok(0)) })

/** The endpoint on a fresh node, with `body` run once it listens. */
const withEndpoint = <A, E>(
  options: ObserverHttp.Options,
  body: (endpoint: ObserverHttp.ObserverHttp["Service"]) => Effect.Effect<A, E, Node.Node>
) =>
  Effect.flatMap(Effect.service(ObserverHttp.ObserverHttp), body).pipe(
    Effect.provide(ObserverHttp.layer(options).pipe(Layer.provideMerge(Node.layer())))
  )

const get = (url: string, init?: RequestInit) =>
  Effect.promise(async () => {
    const response = await fetch(url, init)
    return { status: response.status, body: (await response.json()) as any }
  })

/** Reads server-sent events until `until` holds for the last one; returns them all. */
const readEvents = (reader: ReadableStreamDefaultReader<Uint8Array>, until: (event: any) => boolean) =>
  Effect.promise(async () => {
    const decoder = new TextDecoder()
    const events: Array<any> = []
    let buffer = ""
    while (true) {
      const { value, done } = await reader.read()
      if (done) return events
      buffer += decoder.decode(value, { stream: true })
      let end = buffer.indexOf("\n\n")
      while (end >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        if (block.startsWith("data: ")) events.push(JSON.parse(block.slice(6)))
        else events.push({ comment: block })
        if (until(events[events.length - 1])) return events
        end = buffer.indexOf("\n\n")
      }
    }
  })

const startTree = Effect.gen(function* () {
  const sup = yield* Supervisor.start({
    strategy: "oneForOne",
    children: [GenServer.childSpec("worker", Idle, undefined, { name: "http-worker" })],
    name: "http-sup"
  })
  const supPid = Option.getOrThrow(yield* GenServer.whereis(sup))
  const worker = Option.getOrThrow((yield* Supervisor.whichChildren(sup))[0]!.pid)
  return { sup, supPid: String(supPid), worker }
})

describe("ObserverHttp", () => {
  it.effect("GET /api/snapshot: the snapshot as JSON; GET /: the page", () =>
    withEndpoint({}, (endpoint) =>
      Effect.gen(function* () {
        const { supPid, worker } = yield* startTree
        const { status, body } = yield* get(`${endpoint.url}api/snapshot`)
        assert.strictEqual(status, 200)
        assert.deepStrictEqual(body.supervisors, [
          {
            pid: supPid,
            registeredName: "http-sup",
            kind: "Supervisor",
            strategy: "oneForOne",
            children: [
              {
                id: "worker",
                pid: String(worker),
                status: "running",
                type: "worker",
                restart: "permanent",
                restarts: 0
              }
            ],
            restarts: 0,
            intensity: [{ maxRestarts: 3, withinMs: 5000, used: 0 }]
          }
        ])
        assert.deepStrictEqual(
          body.processes.map((p: any) => [p.pid, p.registeredName, p.behaviour, p.parent]),
          [
            [supPid, "http-sup", "Supervisor", null],
            [String(worker), "http-worker", "GenServer", supPid]
          ]
        )
        const page = yield* Effect.promise(() => fetch(endpoint.url).then((r) => r.text()))
        assert.include(page, "<title>effect-otp observer</title>")
        assert.include(page, "const write = false")
      })
    )
  )

  it.effect("GET /api/events: a crashed child's exit, its new process and the restart arrive as events", () =>
    withEndpoint({}, (endpoint) =>
      Effect.gen(function* () {
        const { supPid, worker } = yield* startTree
        const controller = new AbortController()
        const response = yield* Effect.promise(() => fetch(`${endpoint.url}api/events`, { signal: controller.signal }))
        assert.strictEqual(response.headers.get("content-type"), "text/event-stream")
        const reader = response.body!.getReader()
        assert.deepStrictEqual(yield* readEvents(reader, () => true), [{ comment: ": attached" }])
        yield* Process.exit(worker, ExitReason.failure("boom"))
        const events = yield* readEvents(reader, (event) => event._tag === "Restarted")
        controller.abort()
        const restarted = events[events.length - 1].pid
        assert.deepStrictEqual(events, [
          { _tag: "Exited", pid: String(worker), registeredName: "http-worker", reason: "Error: boom", time: 0 },
          { _tag: "Spawned", pid: restarted, time: 0 },
          { _tag: "Restarted", supervisor: supPid, id: "worker", pid: restarted, time: 0 }
        ])
      })
    )
  )

  it.effect("POST /api/kill: refused on a read-only endpoint, the process untouched", () =>
    withEndpoint({}, (endpoint) =>
      Effect.gen(function* () {
        const pid = yield* Process.spawn(Process.receive<never>())
        const answer = yield* get(`${endpoint.url}api/kill?pid=${encodeURIComponent(String(pid))}`, {
          method: "POST"
        })
        assert.deepStrictEqual(answer, {
          status: 403,
          body: { error: "read-only: the endpoint was started without write access" }
        })
        assert.isTrue(yield* Process.isAlive(pid))
      })
    )
  )

  it.effect("POST /api/kill: with write access, the process is killed; an unknown pid is 404", () =>
    withEndpoint({ write: true }, (endpoint) =>
      Effect.gen(function* () {
        const pid = yield* Process.spawn(Process.receive<never>())
        const answer = yield* get(`${endpoint.url}api/kill?pid=${encodeURIComponent(String(pid))}`, {
          method: "POST"
        })
        assert.deepStrictEqual(answer, { status: 200, body: { killed: String(pid) } })
        assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.killed)
        assert.deepStrictEqual(
          yield* get(`${endpoint.url}api/kill?pid=${encodeURIComponent(String(pid))}`, { method: "POST" }),
          { status: 404, body: { error: `no process ${String(pid)}` } }
        )
      })
    )
  )

  it.effect("a non-loopback address without a token is refused before anything listens", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(withEndpoint({ host: "0.0.0.0" }, () => Effect.void))
      assert.deepStrictEqual(exit, Exit.fail(new ObserverHttp.TokenRequired({ host: "0.0.0.0" })))
    })
  )

  it.effect("with a token: a request without it is 401, with it (header or query) answered", () =>
    withEndpoint({ host: "0.0.0.0", token: "s3cret" }, (endpoint) =>
      Effect.gen(function* () {
        const url = `http://127.0.0.1:${endpoint.port}/api/snapshot`
        assert.deepStrictEqual(yield* get(url), { status: 401, body: { error: "a token is required" } })
        assert.deepStrictEqual(yield* get(url, { headers: { authorization: "Bearer wrong" } }), {
          status: 401,
          body: { error: "a token is required" }
        })
        assert.strictEqual((yield* get(url, { headers: { authorization: "Bearer s3cret" } })).status, 200)
        assert.strictEqual((yield* get(`${url}?token=s3cret`)).status, 200)
      })
    )
  )
})
