/**
 * ObserverHttp: an admin endpoint that serves a node's `Observer` over HTTP, on Effect's own HTTP
 * server (`@effect/platform-node`'s `NodeHttpServer`). Opt-in: nothing listens unless this layer is
 * provided.
 *
 * | route | what it answers |
 * |---|---|
 * | `GET /` | one HTML page (no framework): the supervision trees drawn as nested trees, the process table, the last events, a kill button per process (only with `write: true`) |
 * | `GET /api/snapshot` | `Observer.snapshot` as JSON (pids as `"<0.42.0>"`, options as the value or `null`) |
 * | `GET /api/events` | `Observer.changes` as server-sent events, one JSON event per `data:` line |
 * | `POST /api/kill?pid=<0.42.0>` | kills the process (`Process.kill`); `403` unless started with `write: true` |
 *
 * ## Safety
 *
 * - Bound to `127.0.0.1` by default. Bound to any other address, a `token` is required: the layer
 *   fails with {@link TokenRequired} without one, before anything listens.
 * - With a token, every request carries it (`Authorization: Bearer <token>`, or `?token=<token>`
 *   for the page and its event stream, which a browser's `EventSource` cannot give headers);
 *   otherwise `401`.
 * - Read-only unless `write: true`: the kill route answers `403`.
 *
 * ## What each failure returns
 *
 * The layer fails with {@link TokenRequired} (a non-loopback `host` without a `token`) or with the
 * HTTP server's `ServeError` (the port is taken). A request answers `401` without the token, `403`
 * for a kill on a read-only endpoint, `404` for an unknown route or a pid that names no live
 * process (`{ "error": ... }` as JSON).
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Application as App, GenServer, Node } from "effect-otp"
 * import { Application, ObserverHttp } from "@effect-otp/platform-node"
 * import { Counter } from "./counter.ts"
 *
 * const children = [GenServer.childSpec("counter", Counter, 0, { name: "counter" })]
 * const app = App.layer({ children }).pipe(
 *   Layer.provideMerge(ObserverHttp.layer({ port: 9090 })),
 *   Layer.provideMerge(Node.layer())
 * )
 * Application.run(app) // then open http://127.0.0.1:9090/
 * ```
 *
 * @since 0.2.0
 */
import { timingSafeEqual } from "node:crypto"
import { createServer } from "node:http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Context, Effect, Layer, Option, Schema, Stream } from "effect"
import * as HttpServer from "effect/http/HttpServer"
import type { ServeError } from "effect/http/HttpServerError"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { Node, Observer, Process } from "effect-otp"
import { page } from "./internal/observerPage.ts"

/**
 * Options of {@link layer}.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** The address to listen on. Default `"127.0.0.1"`; any other needs a `token`. */
  readonly host?: string | undefined
  /** The port. Default `0`: any free port (read it from {@link ObserverHttp}'s `url`). */
  readonly port?: number | undefined
  /** A secret every request must carry. Required when `host` is not a loopback address. */
  readonly token?: string | undefined
  /** Whether the kill route works. Default `false`: read-only. */
  readonly write?: boolean | undefined
}

/**
 * The layer was asked to listen on a non-loopback address without a token.
 *
 * @since 0.2.0
 * @category errors
 */
export class TokenRequired extends Schema.TaggedError<TokenRequired>()("TokenRequired", {
  host: Schema.String
}) {
  override get message(): string {
    return `the observer endpoint on ${this.host} (not a loopback address) needs a token`
  }
}

/**
 * The running endpoint: where it listens.
 *
 * @since 0.2.0
 * @category services
 */
export class ObserverHttp extends Context.Service<
  ObserverHttp,
  { readonly url: string; readonly host: string; readonly port: number; readonly write: boolean }
>()("@effect-otp/platform-node/ObserverHttp") {}

const loopback = (host: string): boolean =>
  host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host)

const sameSecret = (given: string | null | undefined, token: string): boolean => {
  if (given === null || given === undefined) return false
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** JSON of a value of the Observer: pids as strings, options as their value or null, exit reasons as text. */
const toJson = (value: unknown): unknown => {
  if (value === null || typeof value !== "object") return value
  if (Option.isOption(value)) return Option.isSome(value) ? toJson(value.value) : null
  if (Array.isArray(value)) return value.map(toJson)
  if (value.constructor !== Object) return String(value)
  const out: Record<string, unknown> = {}
  for (const [key, field] of Object.entries(value)) out[key] = toJson(field)
  return out
}

const error = (status: number, message: string) => HttpServerResponse.jsonUnsafe({ error: message }, { status })

const encoder = new TextEncoder()

const make = (options: Options | undefined) =>
  Effect.gen(function* () {
    const host = options?.host ?? "127.0.0.1"
    const token = options?.token
    const write = options?.write === true
    if (token === undefined && !loopback(host)) return yield* Effect.fail(new TokenRequired({ host }))
    const node = yield* Node.Node
    const server = yield* NodeHttpServer.make(() => createServer(), {
      host,
      port: options?.port ?? 0,
      gracefulShutdownTimeout: "1 second"
    })
    const events = Stream.concat(
      // a comment first: the client knows it is attached before any event
      Stream.succeed(encoder.encode(": attached\n\n")),
      Observer.changes().pipe(Stream.map((event) => encoder.encode(`data: ${JSON.stringify(toJson(event))}\n\n`)))
    ).pipe(Stream.provideService(Node.Node, node))
    const handler = Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const url = new URL(request.url, "http://observer")
      if (token !== undefined) {
        const bearer = request.headers.authorization?.replace(/^Bearer /, "")
        if (!sameSecret(bearer, token) && !sameSecret(url.searchParams.get("token"), token)) {
          return error(401, "a token is required")
        }
      }
      const route = `${request.method} ${url.pathname}`
      switch (route) {
        case "GET /":
          return HttpServerResponse.text(page(write), { contentType: "text/html; charset=utf-8" })
        case "GET /api/snapshot":
          return HttpServerResponse.jsonUnsafe(toJson(yield* Observer.snapshot))
        case "GET /api/events":
          return HttpServerResponse.stream(events, {
            contentType: "text/event-stream",
            headers: { "cache-control": "no-cache" }
          })
        case "POST /api/kill": {
          if (!write) return error(403, "read-only: the endpoint was started without write access")
          const target = url.searchParams.get("pid")
          const pid = node.processes().find((p) => String(p) === target)
          if (pid === undefined) return error(404, `no process ${target}`)
          yield* Process.kill(pid)
          return HttpServerResponse.jsonUnsafe({ killed: String(pid) })
        }
        default:
          return error(404, `no route ${route}`)
      }
    }).pipe(Effect.provideService(Node.Node, node), Effect.interruptible)
    yield* HttpServer.serveEffect(handler).pipe(Effect.provideService(HttpServer.HttpServer, server))
    const address = server.address
    const port = address._tag === "UnixPathAddress" ? 0 : address.port
    const shown = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host
    return { url: `http://${shown}:${port}/`, host, port, write }
  })

/**
 * Serves the node's `Observer` over HTTP while the layer is alive (see the module's docs for the
 * routes and the safety rules). Fails with {@link TokenRequired} for a non-loopback `host` without a
 * `token`.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options?: Options): Layer.Layer<ObserverHttp, TokenRequired | ServeError, Node.Node> =>
  Layer.effect(ObserverHttp, make(options))
