/**
 * Where `otp observer` reads a node from: one interface, {@link Source}, with two implementations:
 * the node's admin endpoint over HTTP ({@link http}, `ObserverHttp`), and the node itself over the
 * distribution (`distribution`, its `effect_otp_observer` process). Both answer the same JSON
 * values, so the views do not know which one they read.
 *
 * @internal
 */
import { readFileSync } from "node:fs"
import { homedir, hostname } from "node:os"
import { join } from "node:path"
import { Node, ObserverRemote } from "@effect-otp/platform-node"
import { Effect, Option, Schema, type Scope } from "effect"
import { Node as CoreNode } from "effect-otp"

/** The endpoint did not answer. */
export class EndpointUnreachable extends Schema.TaggedError<EndpointUnreachable>()("EndpointUnreachable", {
  url: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `no observer endpoint at ${this.url}: ${this.reason}`
  }
}

/** The endpoint answered with an error status. */
export class EndpointRefused extends Schema.TaggedError<EndpointRefused>()("EndpointRefused", {
  url: Schema.String,
  status: Schema.Number,
  error: Schema.String
}) {
  override get message(): string {
    return `the observer endpoint at ${this.url} answered ${this.status}: ${this.error}`
  }
}

/** The snapshot's JSON (the fields the views show). */
export interface SnapshotJson {
  readonly node: { readonly name: string }
  readonly metrics: {
    readonly active: number
    readonly spawned: number
    readonly messagesSent: number
    readonly messagesDropped: number
  }
  readonly processes: ReadonlyArray<ProcessJson>
  readonly supervisors: ReadonlyArray<{
    readonly pid: string
    readonly registeredName: string | null
    readonly kind: string
    readonly strategy: string
    readonly restarts: number
    readonly intensity: ReadonlyArray<{
      readonly used: number
      readonly maxRestarts: number
      readonly withinMs: number
    }>
    readonly children: ReadonlyArray<{
      readonly id: string
      readonly pid: string | null
      readonly status: string
      readonly restarts: number
    }>
  }>
}

/** One process of a snapshot. */
export interface ProcessJson {
  readonly pid: string
  readonly registeredName: string | null
  readonly behaviour: string
  readonly status: string
  readonly mailboxLength: number
  readonly messagesIn: number
  readonly messagesHandled: number
  /** The estimate of its memory, in bytes (`Observer.ProcessInfo`'s `memory`). */
  readonly memory: number
  /** Whether {@link memory} is a lower bound. */
  readonly memoryTruncated: boolean
}

/** One process's detail, as `GET /api/process` answers it. */
export interface DetailJson {
  readonly pid: string
  readonly info: {
    readonly status: string
    readonly mailboxLength: number
    readonly links: ReadonlyArray<string>
    readonly monitors: ReadonlyArray<{ readonly pid: string }>
    readonly monitoredBy: ReadonlyArray<string>
    readonly trapExit: boolean
    readonly registeredName: string | null
    readonly messagesReceived: number
    readonly messagesDropped: number
  }
  readonly status: {
    readonly behaviour: string
    readonly behaviourName: string | null
    readonly version: string
    readonly status: string
    readonly state: string
    readonly parent: string | null
    readonly logLevel: string
    readonly log: ReadonlyArray<{ readonly kind: string; readonly text: string }>
  } | null
  readonly events: ReadonlyArray<any>
}

/** A command of the observer. */
export type Command = "kill" | "suspend" | "resume" | "trace"

/** What a command answered: done, or why not (a read-only endpoint, no such process, not a server...). */
export type Answer = { readonly ok: true } | { readonly ok: false; readonly error: string }

/** A node to observe. */
export interface Source<E> {
  /** Where it is: the endpoint's url, or the node's name. */
  readonly label: string
  readonly snapshot: Effect.Effect<SnapshotJson, E>
  /** `None`: no live process has this pid. */
  readonly detail: (pid: string) => Effect.Effect<Option.Option<DetailJson>, E>
  readonly command: (command: Command, pid: string, on: boolean) => Effect.Effect<Answer, E>
}

/** A request to the endpoint: the response, failing on no answer (any status is an answer). */
export const fetchFrom = (url: string, token: string | undefined, init?: RequestInit) =>
  Effect.tryPromise({
    try: (signal) =>
      fetch(url, {
        ...init,
        signal,
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` }
      }),
    catch: (error) => new EndpointUnreachable({ url, reason: String((error as Error).cause ?? error) })
  })

/** A request to the endpoint that must succeed: else {@link EndpointRefused} with its status and error. */
export const request = (url: string, token: string | undefined, init?: RequestInit) =>
  Effect.flatMap(fetchFrom(url, token, init), (response) =>
    response.ok
      ? Effect.succeed(response)
      : Effect.flatMap(
          Effect.promise(() => response.text()),
          (text) => Effect.fail(new EndpointRefused({ url, status: response.status, error: errorOf(text) }))
        )
  )

const errorOf = (text: string): string => {
  try {
    const parsed = JSON.parse(text)
    return typeof parsed?.error === "string" ? parsed.error : text
  } catch {
    return text
  }
}

const json = (response: Response) => Effect.promise(() => response.json() as Promise<any>)

/**
 * The node behind the admin endpoint at `url` (`ObserverHttp`). A command the endpoint refuses
 * (`403` read-only, `404` no such process, `409` not a server, `504` no answer in time) is an
 * {@link Answer} with its error; a `401` (no or a wrong token) fails with {@link EndpointRefused}.
 */
export const http = (url: string, token: string | undefined): Source<EndpointUnreachable | EndpointRefused> => {
  const base = url.endsWith("/") ? url : `${url}/`
  const query = (pid: string) => `pid=${encodeURIComponent(pid)}`
  return {
    label: base,
    snapshot: Effect.flatMap(request(`${base}api/snapshot`, token), json),
    detail: (pid) => {
      const target = `${base}api/process?${query(pid)}`
      return Effect.flatMap(fetchFrom(target, token), (response) =>
        response.status === 404
          ? Effect.succeed(Option.none())
          : response.ok
            ? Effect.map(json(response), Option.some)
            : Effect.flatMap(
                Effect.promise(() => response.text()),
                (text) =>
                  Effect.fail(new EndpointRefused({ url: target, status: response.status, error: errorOf(text) }))
              )
      )
    },
    command: (command, pid, on) => {
      const target = `${base}api/${command}?${query(pid)}${command === "trace" ? `&on=${on}` : ""}`
      return Effect.flatMap(fetchFrom(target, token, { method: "POST" }), (response) =>
        Effect.flatMap(
          Effect.promise(() => response.text()),
          (text): Effect.Effect<Answer, EndpointRefused> =>
            response.ok
              ? Effect.succeed({ ok: true })
              : response.status === 401
                ? Effect.fail(new EndpointRefused({ url: target, status: 401, error: errorOf(text) }))
                : Effect.succeed({ ok: false, error: `${response.status}: ${errorOf(text)}` })
        )
      )
    }
  }
}

/** `--node` was given without `--cookie`, and there is no `~/.erlang.cookie` to read it from. */
export class CookieRequired extends Schema.TaggedError<CookieRequired>()("CookieRequired", {
  node: Schema.String
}) {
  override get message(): string {
    return `observing ${this.node} needs its cookie: give --cookie, or put it in ~/.erlang.cookie`
  }
}

/** The cookie: the given one, else Erlang's `~/.erlang.cookie`. */
export const cookieFor = (node: string, given: string | undefined): Effect.Effect<string, CookieRequired> =>
  Effect.suspend(() => {
    if (given !== undefined) return Effect.succeed(given)
    try {
      return Effect.succeed(readFileSync(join(homedir(), ".erlang.cookie"), "utf8").trim())
    } catch {
      return Effect.fail(new CookieRequired({ node }))
    }
  })

/**
 * The node `target` (`name@host`) over the distribution: starts a hidden node of our own (named
 * after this OS process, on the target's host name when it is a loopback one), connects to the
 * target (failing with `Node.ConnectError` when it cannot: `ConnectFailed`, not registered or not
 * listening; `HandshakeFailed`, another cookie; `NotAllowed`),
 * and asks its observer process (`ObserverRemote`). Its node lives as long as the scope.
 */
export const distribution = (
  target: string,
  options: { readonly cookie: string; readonly epmdPort?: number | undefined }
): Effect.Effect<Source<ObserverRemote.RemoteError>, Node.StartError | Node.ConnectError, Scope.Scope> =>
  Effect.gen(function* () {
    const host = target.slice(target.indexOf("@") + 1)
    const own = `otp_observer_${process.pid}_${Math.random().toString(36).slice(2, 8)}@${
      host === "127.0.0.1" || host === "localhost" ? host : hostname()
    }`
    const node = yield* Node.start(own, { cookie: options.cookie, hidden: true, epmdPort: options.epmdPort })
    yield* node.connect(target)
    const on = <A, E>(effect: Effect.Effect<A, E, CoreNode.Node>) =>
      Effect.provideService(effect, CoreNode.Node, node.node)
    return {
      label: target,
      snapshot: on(ObserverRemote.snapshot(target)) as Effect.Effect<SnapshotJson, ObserverRemote.RemoteError>,
      detail: (pid) =>
        on(ObserverRemote.detail(target, pid)) as Effect.Effect<Option.Option<DetailJson>, ObserverRemote.RemoteError>,
      command: (command, pid, on_) =>
        Effect.map(
          on(ObserverRemote.command(target, command, pid, on_)),
          (answer): Answer => (answer.ok ? answer : { ok: false, error: `${answer.reason}: ${answer.error}` })
        )
    }
  })
