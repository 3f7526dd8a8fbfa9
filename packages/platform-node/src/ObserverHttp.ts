/**
 * ObserverHttp: an admin endpoint that serves a node's `Observer` over HTTP, on Effect's own HTTP
 * server (`@effect/platform-node`'s `NodeHttpServer`). Opt-in: nothing listens unless this layer is
 * provided.
 *
 * | route | what it answers |
 * |---|---|
 * | `GET /` | one HTML page (no framework): the supervision trees drawn as trees, the process table (sortable), the last events, all kept live by `/api/events`; a click on a process opens its detail (`/api/process`); the kill, suspend, resume and trace buttons are shown only with `write: true` |
 * | `GET /api/snapshot` | `Observer.snapshot` as JSON (pids as `"<0.42.0>"`, options as the value or `null`) |
 * | `GET /api/process?pid=<0.42.0>` | one process: `{ pid, info, status, events }`: `info` as `Process.info` gives it, `status` as `Sys.getStatus` gives it for a server (its `state` and timeout contents as text, shown with Effect's `Formatter`; its log as `{ kind, text }`), `null` for a plain process (or a server that does not answer within 2 s), `events` its last 50 events (life cycle and traced, oldest first) |
 * | `GET /api/events` | `Observer.changes` as server-sent events, one JSON event per `data:` line; a traced `Sys` event as `{ _tag: "Traced", pid, kind, text, time }` |
 * | `POST /api/kill?pid=<0.42.0>` | kills the process (`Process.kill`); answers `{ killed: pid }` |
 * | `POST /api/suspend?pid=`, `POST /api/resume?pid=` | `Sys.suspend` / `Sys.resume`; answers `{ ok: true }` |
 * | `POST /api/trace?pid=&on=true\|false` | `Sys.trace`: while on, the server's `Sys` events are logged and reach `/api/events` and its detail's `events`; answers `{ ok: true }` |
 *
 * The endpoint keeps the last 50 events of each process (of at most 10,000 processes, the most
 * recently seen) while it runs, from a stream of `Observer.changes` it holds open: with the endpoint
 * up, each spawn and exit costs the event's record, and no message costs anything.
 *
 * ## Safety
 *
 * - Bound to `127.0.0.1` by default. Bound to any other address, a `token` is required: the layer
 *   fails with {@link TokenRequired} without one, before anything listens.
 * - With a token, every request carries it (`Authorization: Bearer <token>`, or `?token=<token>`
 *   for the page and its event stream, which a browser's `EventSource` cannot give headers);
 *   otherwise `401`.
 * - Read-only unless `write: true`: the kill, suspend, resume and trace routes answer `403`.
 *
 * ## What each failure returns
 *
 * The layer fails with {@link TokenRequired} (a non-loopback `host` without a `token`) or with the
 * HTTP server's `ServeError` (the port is taken). A request answers (`{ "error": ... }` as JSON)
 * `401` without the token, `403` for a command (kill, suspend, resume, trace) on a read-only
 * endpoint, `404` for an unknown route or a pid that names no live process, `409` for a suspend,
 * resume or trace of a process that is not a server (it serves no `Sys` request), `504` when the
 * server does not answer it within 2 s (it is busy in a long handler).
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
import { Context, Effect, Layer, Option, Schema } from "effect"
import * as HttpServer from "effect/http/HttpServer"
import type { ServeError } from "effect/http/HttpServerError"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type { Node } from "effect-otp"
import * as service from "./internal/observerService.ts"
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
  /** Whether the commands (kill, suspend, resume, trace) work. Default `false`: read-only. */
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

const error = (status: number, message: string) => HttpServerResponse.jsonUnsafe({ error: message }, { status })

const encoder = new TextEncoder()

/** The HTTP status of a command that was not done. */
const statusOf = { NoProcess: 404, NotSys: 409, Timeout: 504 } as const

/**
 * Checks options as {@link layer} does before anything listens: fails with {@link TokenRequired}
 * for a non-loopback `host` without a `token`. For a caller that opens the endpoint after other
 * work (`Application.run`'s `observer` option checks before the tree starts).
 *
 * @since 0.2.0
 * @category layers
 */
export const checkOptions = (options?: Options): Effect.Effect<void, TokenRequired> => {
  const host = options?.host ?? "127.0.0.1"
  return options?.token === undefined && !loopback(host) ? Effect.fail(new TokenRequired({ host })) : Effect.void
}

const make = (options: Options | undefined) =>
  Effect.gen(function* () {
    yield* checkOptions(options)
    const host = options?.host ?? "127.0.0.1"
    const token = options?.token
    const write = options?.write === true
    const { service: observer, record } = yield* service.make
    yield* Effect.forkScoped(record, { startImmediately: true })
    const server = yield* NodeHttpServer.make(() => createServer(), {
      host,
      port: options?.port ?? 0,
      gracefulShutdownTimeout: "1 second"
    })
    // a comment first, sent once subscribed: after it, the client misses no event
    const events = observer.events(encoder.encode(": attached\n\n"), (event) =>
      encoder.encode(`data: ${JSON.stringify(event)}\n\n`)
    )
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
          return HttpServerResponse.jsonUnsafe(yield* observer.snapshot)
        case "GET /api/process": {
          const target = url.searchParams.get("pid") ?? ""
          const detail = yield* observer.detail(target)
          return Option.isSome(detail)
            ? HttpServerResponse.jsonUnsafe(detail.value)
            : error(404, `no process ${target}`)
        }
        case "GET /api/events":
          return HttpServerResponse.stream(events, {
            contentType: "text/event-stream",
            headers: { "cache-control": "no-cache" }
          })
        case "POST /api/kill":
        case "POST /api/suspend":
        case "POST /api/resume":
        case "POST /api/trace": {
          if (!write) return error(403, "read-only: the endpoint was started without write access")
          const command = url.pathname.slice(5) as service.Command
          const target = url.searchParams.get("pid") ?? ""
          const outcome = yield* observer.command(command, target, url.searchParams.get("on") !== "false")
          return outcome._tag === "Done"
            ? HttpServerResponse.jsonUnsafe(command === "kill" ? { killed: target } : { ok: true })
            : error(statusOf[outcome._tag], outcome.error)
        }
        default:
          return error(404, `no route ${route}`)
      }
    }).pipe(Effect.interruptible)
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
