/**
 * What an observer front end asks of a node, answered as plain JSON values: the snapshot, one
 * process's detail (its `Process.info`, its `Sys.getStatus`, its last events), the stream of
 * events, and the commands (kill, suspend, resume, trace). `ObserverHttp` serves it over HTTP and
 * `Node`'s observer process over the distribution, so both answer the same values.
 *
 * @internal
 */
import { Duration, Effect, Exit, Formatter, Option, Stream } from "effect"
import { Node, Observer, Process, Sys } from "effect-otp"

/** The events kept per process for its detail. */
export const eventsPerProcess = 50
/** The processes whose events are kept; past it, the oldest one's are forgotten. */
const processesKept = 10_000
/** How long a detail waits for a server's status, or a command for its answer. */
const sysTimeout = Duration.seconds(2)

/** JSON of a value of the Observer: pids as strings, options as their value or null, exit reasons as text. */
export const toJson = (value: unknown): unknown => {
  if (value === null || typeof value !== "object") return value
  if (Option.isOption(value)) return Option.isSome(value) ? toJson(value.value) : null
  if (Array.isArray(value)) return value.map(toJson)
  if (value.constructor !== Object) return String(value)
  const out: Record<string, unknown> = {}
  for (const [key, field] of Object.entries(value)) out[key] = toJson(field)
  return out
}

/** JSON of an Observer event; a traced `Sys` event is its kind and its line of text. */
export const eventJson = (event: Observer.Event): unknown =>
  event._tag === "Traced"
    ? { _tag: "Traced", pid: String(event.pid), kind: event.event._tag, text: event.text, time: event.time }
    : toJson(event)

/** JSON of a server's `Sys.getStatus`: values (the state, timeout contents) shown with Effect's `Formatter`. */
const statusJson = (status: Sys.Status) => ({
  pid: String(status.pid),
  registeredName: Option.getOrNull(status.registeredName),
  behaviour: status.behaviour,
  behaviourName: Option.getOrNull(status.behaviourName),
  version: status.version,
  status: status.status,
  state: Formatter.format(status.state),
  mailboxLength: status.mailboxLength,
  parent: Option.match(status.parent, { onNone: () => null, onSome: String }),
  logLevel: status.logLevel,
  timeouts: status.timeouts.map((t) => ({
    type: typeof t.type === "string" ? t.type : `timeout ${t.type.timeout}`,
    remainingMs: Duration.toMillis(t.remaining),
    content: Formatter.format(t.content)
  })),
  log: status.log.map((event) => ({ kind: event._tag, text: Sys.formatEvent(status.pid, event) }))
})

/** What a command answers: done, or why not. */
export type Outcome =
  | { readonly _tag: "Done" }
  | { readonly _tag: "NoProcess"; readonly error: string }
  | { readonly _tag: "NotSys"; readonly error: string }
  | { readonly _tag: "Timeout"; readonly error: string }

/** A command of a front end. */
export type Command = "kill" | "suspend" | "resume" | "trace"

/** One process's detail: `Process.info`, `Sys.getStatus` (null for a plain process) and its last events. */
export interface Detail {
  readonly pid: string
  readonly info: unknown
  readonly status: unknown
  readonly events: ReadonlyArray<unknown>
}

/** The observer of one node, as a front end uses it. */
export interface Service {
  readonly snapshot: Effect.Effect<unknown>
  /** `None`: no live process has this pid. */
  readonly detail: (pid: string) => Effect.Effect<Option.Option<Detail>>
  readonly command: (command: Command, pid: string, on: boolean) => Effect.Effect<Outcome>
  /** The events from now on, as JSON. */
  /** The events, `attached` first, sent once the node's events are subscribed to. */
  readonly events: (attached: Uint8Array, encode: (event: unknown) => Uint8Array) => Stream.Stream<Uint8Array>
}

const done: Outcome = { _tag: "Done" }

/**
 * The observer of the current node, and `record`: while it runs, the last {@link eventsPerProcess}
 * events of each process (life cycle and traced `Sys` events) are kept for {@link Service.detail}.
 * The caller runs it (in a scope, or as a process of the node).
 */
export const make: Effect.Effect<
  { readonly service: Service; readonly record: Effect.Effect<void> },
  never,
  Node.Node
> = Effect.gen(function* () {
  const node = yield* Node.Node
  const recent = new Map<string, Array<unknown>>()
  const keep = (pid: string, json: unknown) => {
    let events = recent.get(pid)
    if (events === undefined) {
      if (recent.size >= processesKept) recent.delete(recent.keys().next().value!)
      recent.set(pid, (events = []))
    }
    events.push(json)
    if (events.length > eventsPerProcess) events.shift()
  }
  const record = Observer.changes().pipe(
    Stream.runForEach((event) =>
      Effect.sync(() => {
        const json = eventJson(event)
        switch (event._tag) {
          case "Exited":
            // gone: its detail answers 404 from now on
            recent.delete(String(event.pid))
            break
          case "Restarted":
            keep(String(event.supervisor), json)
            keep(String(event.pid), json)
            break
          default:
            keep(String(event.pid), json)
        }
      })
    ),
    Effect.provideService(Node.Node, node)
  )
  const find = (target: string) => node.processes().find((p) => String(p) === target)
  const provide = <A, E>(effect: Effect.Effect<A, E, Node.Node>) => Effect.provideService(effect, Node.Node, node)
  const noProcess = (pid: string): Outcome => ({ _tag: "NoProcess", error: `no process ${pid}` })
  const service: Service = {
    snapshot: Effect.map(provide(Observer.snapshot), toJson),
    detail: (target) =>
      Effect.gen(function* () {
        const pid = find(target)
        if (pid === undefined) return Option.none()
        const info = yield* Process.info(pid)
        if (Option.isNone(info)) return Option.none()
        const status = yield* Effect.exit(Sys.getStatus(pid, { timeout: sysTimeout }))
        return Option.some({
          pid: target,
          info: toJson(info.value),
          status: Exit.isSuccess(status) ? statusJson(status.value) : null,
          events: recent.get(target)?.slice() ?? []
        })
      }).pipe(provide),
    command: (command, target, on) => {
      const pid = find(target)
      if (pid === undefined) return Effect.succeed(noProcess(target))
      if (command === "kill") return Effect.as(provide(Process.kill(pid)), done)
      const request =
        command === "suspend"
          ? Sys.suspend(pid, { timeout: sysTimeout })
          : command === "resume"
            ? Sys.resume(pid, { timeout: sysTimeout })
            : Sys.trace(pid, on, { timeout: sysTimeout })
      return request.pipe(
        Effect.as(done),
        Effect.catch((error): Effect.Effect<Outcome> => {
          switch (error._tag) {
            case "NoSystemHandler":
            case "CallingSelf":
              return Effect.succeed({ _tag: "NotSys", error: `${target} is not a server: it serves no ${command}` })
            case "CallTimeout":
              return Effect.succeed({ _tag: "Timeout", error: `${target} did not answer ${command} in time` })
            default:
              return Effect.succeed(noProcess(target))
          }
        }),
        provide
      )
    },
    events: (attached: Uint8Array, encode: (event: unknown) => Uint8Array) =>
      Stream.unwrap(
        Effect.map(Effect.provideService(Observer.subscribe(), Node.Node, node), (events) =>
          Stream.concat(
            Stream.succeed(attached),
            Stream.map(events, (event) => encode(eventJson(event)))
          )
        )
      )
  }
  return { service, record }
})
