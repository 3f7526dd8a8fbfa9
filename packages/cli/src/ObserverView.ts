/**
 * `otp observer`: a node's `Observer`, read from its admin endpoint (`ObserverHttp` of
 * `@effect-otp/platform-node`, {@link live} and {@link attach}) or from the node itself over the
 * distribution ({@link overNode}: a hidden node of our own asks the node's observer process). The
 * views read both through one interface (a snapshot, one process's detail, the commands), so they
 * show the same over either.
 *
 * ## The live view
 *
 * {@link live} (what `otp observer` runs in a terminal) takes the whole screen and redraws it every
 * `interval` (default 1 s) and after each command:
 *
 * - the node's counters, its supervision trees (nested supervisors inside their parent, each
 *   child's pid, status and restart count, the restart intensity used);
 * - the process table (pid, name, behaviour, status, mailbox, messages in, handled, memory), sorted
 *   by mailbox, messages in, messages handled, memory or pid (`s` cycles); the selected process in
 *   inverse video. The memory is `Observer`'s estimate (an idle process's measured cost plus a size
 *   walk of its mailbox and a server's state; see `Observer`'s "Memory"), shown in B, KiB or MiB,
 *   with `≥` when the walk stopped at its budget and the figure is a lower bound;
 * - with `enter`, the selected process's detail: `Process.info` (status, mailbox, links, monitors),
 *   `Sys.getStatus` for a server (behaviour, version, suspended or running, parent, log level, its
 *   state shown as text), and its last events (spawn, restarts, and its `Sys` events while traced);
 * - a message line (the last command's outcome, or why it was refused) and a help line.
 *
 * | key | what it does |
 * |---|---|
 * | `↑` `↓` / `j` `k`, `PgUp` `PgDn`, `Home` `End` | select a process |
 * | `/` text `enter` | select the first process whose pid or name contains the text |
 * | `enter`, `esc` (or `←`) | show the selected process's detail, go back to the table |
 * | `x` | kill it (`Process.kill`) |
 * | `p`, `r` | suspend it, resume it (`Sys.suspend`, `Sys.resume`) |
 * | `t` | switch its trace on or off (`Sys.trace`: its `Sys` events show in its detail) |
 * | `s` | the next sort order |
 * | `q`, Ctrl-C | quit, the terminal restored |
 *
 * The commands need an endpoint started with `write: true`: a read-only one answers `403`, shown on
 * the message line (the view goes on). So is a `409` (suspending a process that is not a server) and
 * a `404` (it exited meanwhile).
 *
 * The renderer is our own, on ANSI escapes (the alternate screen, the cursor hidden, each frame
 * drawn as whole lines, inverse video for the selection), with the keys read in raw mode: the
 * registry's terminal-UI libraries did not fit (Ink brings React and its reconciler as a second state
 * model beside Effect's fibers; blessed's last release is from 2015, without types; OpenTUI needs a
 * native library per platform and is not yet stable), and a table, a tree and a text pane need none
 * of their layout engines.
 *
 * ## Plain text
 *
 * {@link attach} (`otp observer --once`, and what runs when the output is not a terminal) prints the
 * same counters, trees and busiest processes as plain lines through Effect's `Console`, so they can
 * be piped and tested; with `--follow`, then each spawn, exit, restart and traced event as it
 * happens.
 *
 * ## What each failure returns
 *
 * {@link attach} and {@link live} fail with {@link EndpointUnreachable} when the endpoint does not
 * answer (with the url and the reason) and {@link EndpointRefused} when it answers with an error
 * status (`401` without the right token), before the screen changes. Once the live view runs, an
 * error is shown on its message line and it keeps the last snapshot on screen.
 *
 * @since 0.2.0
 */
import type { Node, ObserverRemote } from "@effect-otp/platform-node"
import { Console, type Duration, Effect, Schema } from "effect"
import * as source from "./internal/observerSource.ts"
import * as tui from "./internal/tui.ts"

/**
 * The endpoint did not answer.
 *
 * @since 0.2.0
 * @category errors
 */
export const EndpointUnreachable: typeof source.EndpointUnreachable = source.EndpointUnreachable

/**
 * @since 0.2.0
 * @category errors
 */
export type EndpointUnreachable = source.EndpointUnreachable

/**
 * The endpoint answered with an error status (`error` is the endpoint's own message).
 *
 * @since 0.2.0
 * @category errors
 */
export const EndpointRefused: typeof source.EndpointRefused = source.EndpointRefused

/**
 * @since 0.2.0
 * @category errors
 */
export type EndpointRefused = source.EndpointRefused

type SnapshotJson = source.SnapshotJson

/**
 * The refresh interval of the live view is not a positive number of milliseconds.
 *
 * @since 0.2.0
 * @category errors
 */
export class InvalidInterval extends Schema.TaggedError<InvalidInterval>()("InvalidInterval", {
  interval: Schema.Number
}) {
  override get message(): string {
    return `--interval must be a positive number of milliseconds, got ${this.interval}`
  }
}

/**
 * The orders of the process table: by mailbox length, messages in, messages handled, memory (each
 * largest first), or by pid.
 *
 * @since 0.2.0
 * @category models
 */
export type Sort = tui.Sort

/**
 * The lines `otp observer` prints for a snapshot: the counters, each supervision tree (nested
 * supervisors drawn inside their parent), then the `top` processes sorted by `sort`.
 *
 * @since 0.2.0
 * @category rendering
 */
export const render = (
  snapshot: SnapshotJson,
  options: { readonly top: number; readonly sort: Sort }
): ReadonlyArray<string> => {
  const m = snapshot.metrics
  const lines = [
    `node ${snapshot.node.name}: ${m.active} processes, ${m.spawned} spawned, ${m.messagesSent} messages sent, ${m.messagesDropped} dropped`,
    "",
    ...tui.treeLines(snapshot)
  ]
  const top = tui.ordered(snapshot, options.sort).slice(0, options.top)
  lines.push("", `processes by ${options.sort} (top ${top.length} of ${snapshot.processes.length}):`)
  lines.push(...tui.table([[...tui.processHeader], ...top.map(tui.processCells)]))
  return lines
}

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
  readonly sort: Sort
}): Effect.Effect<void, EndpointUnreachable | EndpointRefused> =>
  Effect.gen(function* () {
    const base = options.url.endsWith("/") ? options.url : `${options.url}/`
    // subscribe first, so that no change between the snapshot and the stream is missed
    const events = options.follow ? yield* source.request(`${base}api/events`, options.token) : undefined
    const snapshot = yield* source.http(base, options.token).snapshot
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
            if (block.startsWith("data: ")) yield* Console.log(tui.eventLine(JSON.parse(block.slice(6))))
            end = buffer.indexOf("\n\n")
          }
        }
      }),
      Effect.promise(() => reader.cancel().catch(() => undefined))
    )
  })

/**
 * The live full-screen view of the node behind the endpoint at `url` (see the module's docs for the
 * keys), until `q`. Fails with {@link EndpointUnreachable} or {@link EndpointRefused} when the first
 * snapshot cannot be read (before the screen changes); later errors are shown on its message line.
 *
 * @since 0.2.0
 * @category running
 */
export const live = (options: {
  readonly url: string
  readonly token: string | undefined
  readonly sort: Sort
  readonly interval: Duration.Input
}): Effect.Effect<void, EndpointUnreachable | EndpointRefused> =>
  tui.run(source.http(options.url, options.token), options)

/**
 * `--node` was given without `--cookie`, and `~/.erlang.cookie` cannot be read.
 *
 * @since 0.2.0
 * @category errors
 */
export const CookieRequired: typeof source.CookieRequired = source.CookieRequired

/**
 * @since 0.2.0
 * @category errors
 */
export type CookieRequired = source.CookieRequired

/**
 * The node `node` (`name@host`) over the distribution: a hidden node of our own is started, connects
 * to it, and reads its observer process (`ObserverRemote` of `@effect-otp/platform-node`); the same
 * live view as {@link live}, or with `once` the same lines as {@link attach}. The cookie is `cookie`,
 * else Erlang's `~/.erlang.cookie`.
 *
 * Fails with {@link CookieRequired} without a cookie, with `Node.StartError` when our node cannot
 * start, `Node.ConnectError` when it cannot connect (`ConnectFailed`: the node is not registered
 * with EPMD or does not listen; `HandshakeFailed`: another cookie; `NotAllowed`), and with a `GenServer.CallError` when the first snapshot cannot be read (`NoProc`: the
 * node runs no observer). Later errors are shown on the view's message line.
 *
 * @since 0.2.0
 * @category running
 */
export const overNode = (options: {
  readonly node: string
  readonly cookie: string | undefined
  readonly epmdPort?: number | undefined
  readonly once: boolean
  readonly sort: Sort
  readonly top: number
  readonly interval: Duration.Input
}): Effect.Effect<void, CookieRequired | Node.StartError | Node.ConnectError | ObserverRemote.RemoteError> =>
  Effect.gen(function* () {
    const cookie = yield* source.cookieFor(options.node, options.cookie)
    const remote = yield* source.distribution(options.node, { cookie, epmdPort: options.epmdPort })
    if (!options.once) return yield* tui.run(remote, options)
    for (const line of render(yield* remote.snapshot, options)) yield* Console.log(line)
  }).pipe(Effect.scoped)

/**
 * What `otp observer` can fail with: the endpoint's errors, or the distribution's.
 *
 * @since 0.2.0
 * @category errors
 */
export type ObserverError =
  | InvalidInterval
  | EndpointUnreachable
  | EndpointRefused
  | CookieRequired
  | Node.StartError
  | Node.ConnectError
  | ObserverRemote.RemoteError
