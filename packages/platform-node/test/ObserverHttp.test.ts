// Real HTTP on loopback: every step waits for an answer (a response, an event of the stream), never
// for time.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer, Logger, Option, Schema, type Scope } from "effect"
import { ExitReason, GenServer, Node, Observer, Process, Request, Supervisor } from "effect-otp"
import { ObserverHttp } from "@effect-otp/platform-node"

const Idle = GenServer.behaviour({ init: (_: void) => Effect.succeed(GenServer.ok(0)) })

class Bump extends Request.Class<Bump>()("Bump", { fields: { by: Schema.Number }, success: Schema.Number }) {}

/** A counter whose state is a record, to see it rendered. */
const Counter = GenServer.behaviour({
  protocol: [Bump],
  init: (_: void) => Effect.succeed(GenServer.ok({ count: 0 })),
  handleCall: {
    Bump: (request, state) =>
      Effect.succeed(GenServer.reply(state.count + request.by, { count: state.count + request.by }))
  }
})

/** The endpoint on a fresh node, with `body` run once it listens. */
const withEndpoint = <A, E>(
  options: ObserverHttp.Options,
  body: (endpoint: ObserverHttp.ObserverHttp["Service"]) => Effect.Effect<A, E, Node.Node | Scope.Scope>
) =>
  Effect.flatMap(Effect.service(ObserverHttp.ObserverHttp), body).pipe(
    Effect.scoped,
    Effect.provide(ObserverHttp.layer(options).pipe(Layer.provideMerge(Layer.merge(Node.layer(), Logger.layer([])))))
  )

const post = (endpoint: ObserverHttp.ObserverHttp["Service"], route: string, pid: unknown, query = "") =>
  get(`${endpoint.url}api/${route}?pid=${encodeURIComponent(String(pid))}${query}`, { method: "POST" })

const detail = (endpoint: ObserverHttp.ObserverHttp["Service"], pid: unknown) =>
  get(`${endpoint.url}api/process?pid=${encodeURIComponent(String(pid))}`)

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

/** The endpoint's event stream, read until the scope closes (then the request is aborted). */
const subscribe = (endpoint: ObserverHttp.ObserverHttp["Service"]) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const controller = new AbortController()
      const response = await fetch(`${endpoint.url}api/events`, { signal: controller.signal })
      return { controller, response, reader: response.body!.getReader() }
    }),
    ({ controller }) => Effect.sync(() => controller.abort())
  )

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
        // the memory estimate, as the node's own snapshot has it (the worker: an idle server and its state 0)
        const local = yield* Observer.snapshot
        assert.deepStrictEqual(
          body.processes.map((p: any) => [p.memory, p.memoryTruncated]),
          local.processes.map((p) => [p.memory, p.memoryTruncated])
        )
        assert.strictEqual(body.processes[1].memory, 3_808)
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
        const { response, reader } = yield* subscribe(endpoint)
        assert.strictEqual(response.headers.get("content-type"), "text/event-stream")
        assert.deepStrictEqual(yield* readEvents(reader, () => true), [{ comment: ": attached" }])
        yield* Process.exit(worker, ExitReason.failure("boom"))
        const events = yield* readEvents(reader, (event) => event._tag === "Restarted")
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
  it.effect("GET /api/process: a server's info, status (state as text) and last events; a plain process's; 404", () =>
    withEndpoint({}, (endpoint) =>
      Effect.gen(function* () {
        const { supPid, worker } = yield* startTree
        const { status, body } = yield* detail(endpoint, worker)
        assert.strictEqual(status, 200)
        assert.deepStrictEqual(body, {
          pid: String(worker),
          info: {
            pid: String(worker),
            status: "waiting",
            mailboxLength: 0,
            links: [supPid],
            monitors: [],
            monitoredBy: [],
            trapExit: false,
            registeredName: "http-worker",
            messagesReceived: 0,
            messagesDropped: 0
          },
          status: {
            pid: String(worker),
            registeredName: "http-worker",
            behaviour: "GenServer",
            behaviourName: null,
            version: "1",
            status: "running",
            state: "0",
            mailboxLength: 0,
            parent: supPid,
            logLevel: "Info",
            timeouts: [],
            log: []
          },
          events: [{ _tag: "Spawned", pid: String(worker), time: 0 }]
        })
        const plain = yield* Process.spawn(Process.receive<never>())
        assert.deepStrictEqual((yield* detail(endpoint, plain)).body.status, null)
        yield* Process.kill(plain)
        yield* Process.awaitExit(plain)
        assert.deepStrictEqual(yield* detail(endpoint, plain), {
          status: 404,
          body: { error: `no process ${String(plain)}` }
        })
      })
    )
  )

  it.effect("POST /api/suspend, /api/resume, /api/trace: 403 on a read-only endpoint, the server untouched", () =>
    withEndpoint({}, (endpoint) =>
      Effect.gen(function* () {
        const counter = yield* GenServer.start(Counter, undefined)
        const pid = Option.getOrThrow(yield* GenServer.whereis(counter))
        const refused = { status: 403, body: { error: "read-only: the endpoint was started without write access" } }
        assert.deepStrictEqual(yield* post(endpoint, "suspend", pid), refused)
        assert.deepStrictEqual(yield* post(endpoint, "resume", pid), refused)
        assert.deepStrictEqual(yield* post(endpoint, "trace", pid, "&on=true"), refused)
        assert.strictEqual((yield* detail(endpoint, pid)).body.status.status, "running")
        assert.strictEqual(yield* GenServer.call(counter, new Bump({ by: 1 })), 1)
      })
    )
  )

  it.effect("POST /api/suspend and /api/resume: the status shown changes; 409 for a plain process, 404 for none", () =>
    withEndpoint({ write: true }, (endpoint) =>
      Effect.gen(function* () {
        const counter = yield* GenServer.start(Counter, undefined)
        const pid = Option.getOrThrow(yield* GenServer.whereis(counter))
        assert.deepStrictEqual(yield* post(endpoint, "suspend", pid), { status: 200, body: { ok: true } })
        assert.strictEqual((yield* detail(endpoint, pid)).body.status.status, "suspended")
        assert.deepStrictEqual(
          (yield* get(`${endpoint.url}api/snapshot`)).body.processes.find((p: any) => p.pid === String(pid)).status,
          "suspended"
        )
        assert.deepStrictEqual(yield* post(endpoint, "resume", pid), { status: 200, body: { ok: true } })
        assert.strictEqual((yield* detail(endpoint, pid)).body.status.status, "running")
        const plain = yield* Process.spawn(Process.receive<never>())
        assert.deepStrictEqual(yield* post(endpoint, "suspend", plain), {
          status: 409,
          body: { error: `${String(plain)} is not a server: it serves no suspend` }
        })
        yield* Process.kill(plain)
        yield* Process.awaitExit(plain)
        assert.deepStrictEqual(yield* post(endpoint, "resume", plain), {
          status: 404,
          body: { error: `no process ${String(plain)}` }
        })
      })
    )
  )

  it.effect("POST /api/trace: while on, the server's Sys events reach /api/events and its detail; off, they stop", () =>
    withEndpoint({ write: true }, (endpoint) =>
      Effect.gen(function* () {
        const counter = yield* GenServer.start(Counter, undefined)
        const pid = String(Option.getOrThrow(yield* GenServer.whereis(counter)))
        const { reader } = yield* subscribe(endpoint)
        yield* readEvents(reader, () => true)
        assert.deepStrictEqual(yield* post(endpoint, "trace", pid, "&on=true"), { status: 200, body: { ok: true } })
        assert.strictEqual(yield* GenServer.call(counter, new Bump({ by: 2 })), 2)
        const traced = [
          {
            _tag: "Traced",
            pid,
            kind: "Call",
            text: `${pid} got call Bump({"_tag":"Bump","by":2}) from outside any process`,
            time: 0
          },
          { _tag: "Traced", pid, kind: "Reply", text: `${pid} sent 2 to outside any process`, time: 0 },
          { _tag: "Traced", pid, kind: "StateChange", text: `${pid} new state {"count":2}`, time: 0 }
        ]
        assert.deepStrictEqual(yield* readEvents(reader, (event) => event.kind === "StateChange"), traced)
        assert.deepStrictEqual((yield* detail(endpoint, pid)).body.events, [
          { _tag: "Spawned", pid, time: 0 },
          ...traced
        ])
        assert.deepStrictEqual(yield* post(endpoint, "trace", pid, "&on=false"), { status: 200, body: { ok: true } })
        assert.strictEqual(yield* GenServer.call(counter, new Bump({ by: 1 })), 3)
        // the next event of the stream is this spawn: the call above sent none
        const next = yield* Process.spawn(Process.receive<never>())
        assert.deepStrictEqual(yield* readEvents(reader, () => true), [{ _tag: "Spawned", pid: String(next), time: 0 }])
      })
    )
  )
})
