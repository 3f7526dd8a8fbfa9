/**
 * `otp observer`: a node's `Observer` read from its admin endpoint (`ObserverHttp` of
 * `@effect-otp/platform-node`) and printed as text: the counters, the supervision trees, the
 * processes with the largest mailboxes; with `--follow`, then each spawn, exit and restart as it
 * happens. Plain lines through Effect's `Console` (no terminal-UI library yet), so the output can be
 * piped and tested.
 *
 * ## What each failure returns
 *
 * {@link attach} fails with {@link EndpointUnreachable} when the endpoint does not answer (with the
 * url and the reason) and {@link EndpointRefused} when it answers with an error status (`401`
 * without the right token).
 *
 * @since 0.2.0
 */
import { Console, Effect, Schema } from "effect"

/**
 * The endpoint did not answer.
 *
 * @since 0.2.0
 * @category errors
 */
export class EndpointUnreachable extends Schema.TaggedError<EndpointUnreachable>()("EndpointUnreachable", {
  url: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `no observer endpoint at ${this.url}: ${this.reason}`
  }
}

/**
 * The endpoint answered with an error status.
 *
 * @since 0.2.0
 * @category errors
 */
export class EndpointRefused extends Schema.TaggedError<EndpointRefused>()("EndpointRefused", {
  url: Schema.String,
  status: Schema.Number,
  error: Schema.String
}) {
  override get message(): string {
    return `the observer endpoint at ${this.url} answered ${this.status}: ${this.error}`
  }
}

/** The snapshot's JSON, as `ObserverHttp` serves it (the fields printed here). */
interface SnapshotJson {
  readonly node: { readonly name: string }
  readonly metrics: {
    readonly active: number
    readonly spawned: number
    readonly messagesSent: number
    readonly messagesDropped: number
  }
  readonly processes: ReadonlyArray<{
    readonly pid: string
    readonly registeredName: string | null
    readonly behaviour: string
    readonly status: string
    readonly mailboxLength: number
    readonly messagesIn: number
    readonly messagesHandled: number
  }>
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

/**
 * The lines `otp observer` prints for a snapshot: the counters, each supervision tree (nested
 * supervisors drawn inside their parent), then the `top` processes sorted by `sort`.
 *
 * @since 0.2.0
 * @category rendering
 */
export const render = (
  snapshot: SnapshotJson,
  options: { readonly top: number; readonly sort: "mailbox" | "messages" }
): ReadonlyArray<string> => {
  const m = snapshot.metrics
  const lines = [
    `node ${snapshot.node.name}: ${m.active} processes, ${m.spawned} spawned, ${m.messagesSent} messages sent, ${m.messagesDropped} dropped`,
    ""
  ]
  const byPid = new Map(snapshot.supervisors.map((s) => [s.pid, s]))
  const nested = new Set(snapshot.supervisors.flatMap((s) => s.children.map((c) => c.pid)))
  const tree = (sup: SnapshotJson["supervisors"][number], label: string, indent: string) => {
    const intensity = sup.intensity.map((i) => `, intensity ${i.used}/${i.maxRestarts} in ${i.withinMs} ms`).join("")
    lines.push(`${label}${sup.pid}  ${sup.kind} ${sup.strategy}, restarts ${sup.restarts}${intensity}`)
    sup.children.forEach((child, i) => {
      const last = i === sup.children.length - 1
      const branch = `${indent}${last ? "└─ " : "├─ "}${child.id} `
      const inner = child.pid === null ? undefined : byPid.get(child.pid)
      if (inner !== undefined) tree(inner, branch, `${indent}${last ? "   " : "│  "}`)
      else lines.push(`${branch}${child.pid ?? "-"}  ${child.status}, restarts ${child.restarts}`)
    })
  }
  for (const sup of snapshot.supervisors) {
    if (!nested.has(sup.pid)) tree(sup, `${sup.registeredName ?? "(supervisor)"} `, "")
  }
  const key = options.sort === "mailbox" ? "mailboxLength" : "messagesIn"
  const top = [...snapshot.processes].sort((a, b) => b[key] - a[key]).slice(0, options.top)
  lines.push("", `processes by ${options.sort} (top ${top.length} of ${snapshot.processes.length}):`)
  const rows = [
    ["pid", "name", "behaviour", "status", "mailbox", "in", "handled"],
    ...top.map((p) => [
      p.pid,
      p.registeredName ?? "",
      p.behaviour,
      p.status,
      String(p.mailboxLength),
      String(p.messagesIn),
      String(p.messagesHandled)
    ])
  ]
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)))
  for (const row of rows)
    lines.push(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd()
    )
  return lines
}

/** One event of the stream, as a line. */
const eventLine = (event: any): string =>
  event._tag === "Restarted"
    ? `restarted ${event.id} as ${event.pid} (supervisor ${event.supervisor})`
    : event._tag === "Exited"
      ? `exited ${event.pid}${event.registeredName === null ? "" : ` "${event.registeredName}"`}: ${event.reason}`
      : `spawned ${event.pid}`

const request = (url: string, token: string | undefined) =>
  Effect.tryPromise({
    try: (signal) => fetch(url, { signal, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } }),
    catch: (error) => new EndpointUnreachable({ url, reason: String((error as Error).cause ?? error) })
  }).pipe(
    Effect.flatMap((response) =>
      response.ok
        ? Effect.succeed(response)
        : Effect.flatMap(
            Effect.promise(() => response.text()),
            (text) => Effect.fail(new EndpointRefused({ url, status: response.status, error: text }))
          )
    )
  )

/**
 * Attaches to the endpoint at `url`, prints the snapshot; with `follow`, then prints each event
 * until interrupted (or until the endpoint closes the stream).
 *
 * @since 0.2.0
 * @category running
 */
export const attach = (options: {
  readonly url: string
  readonly token: string | undefined
  readonly follow: boolean
  readonly top: number
  readonly sort: "mailbox" | "messages"
}): Effect.Effect<void, EndpointUnreachable | EndpointRefused> =>
  Effect.gen(function* () {
    const base = options.url.endsWith("/") ? options.url : `${options.url}/`
    // subscribe first, so that no change between the snapshot and the stream is missed
    const events = options.follow ? yield* request(`${base}api/events`, options.token) : undefined
    const response = yield* request(`${base}api/snapshot`, options.token)
    const snapshot = (yield* Effect.promise(() => response.json())) as SnapshotJson
    for (const line of render(snapshot, options)) yield* Console.log(line)
    if (events === undefined) return
    yield* Console.log("", "events:")
    const reader = events.body!.getReader()
    const decoder = new TextDecoder()
    let buffer = ""
    yield* Effect.ensuring(
      Effect.gen(function* () {
        while (true) {
          const { value, done } = yield* Effect.promise(() => reader.read())
          if (done) return
          buffer += decoder.decode(value, { stream: true })
          let end = buffer.indexOf("\n\n")
          while (end >= 0) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            if (block.startsWith("data: ")) yield* Console.log(eventLine(JSON.parse(block.slice(6))))
            end = buffer.indexOf("\n\n")
          }
        }
      }),
      Effect.promise(() => reader.cancel().catch(() => undefined))
    )
  })
