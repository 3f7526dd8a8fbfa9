/**
 * ObserverRemote: another node's `Observer`, asked over the distribution. Every node started with
 * `Node.start` / `Node.layer` runs an observer process, registered as {@link registeredName}; the
 * functions here call it from a node of your own (`otp observer --node` starts a hidden one). They
 * answer the values `ObserverHttp` serves as JSON (pids as `"<0.42.0>"`, options as the value or
 * `null`), so a view reads a node the same way over HTTP and over the distribution.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Node, ObserverRemote } from "@effect-otp/platform-node"
 *
 * const program = Effect.gen(function* () {
 *   yield* Node.connect("app@127.0.0.1")
 *   const snapshot = yield* ObserverRemote.snapshot("app@127.0.0.1") // { node, metrics, processes, ... }
 *   // kill one of its processes: { ok: true }, or { ok: false, reason: "no_process", error: "no process <0.9.0>" }
 *   return yield* ObserverRemote.command("app@127.0.0.1", "kill", "<0.9.0>")
 * }).pipe(Effect.provide(Node.layer("observer@127.0.0.1", { cookie: "secret" })))
 * ```
 *
 * ## What each failure returns
 *
 * A call fails as a `GenServer.call` to another node does: `NoProc` when the node runs no observer
 * (started with `observer: false`, or not an effect-otp node), `ServerExited` with `NoConnection`
 * when the connection is lost, `CallTimeout` after `timeout` (default 5 s). A command the observer
 * cannot carry out is not a failure: it answers `{ ok: false, reason, error }` (`"no_process"`,
 * `"not_server"` for a suspend, resume or trace of a process that is not a server, `"timeout"` when
 * the server did not answer the observer within 2 s). {@link detail} answers `None` for a pid that
 * names no live process.
 *
 * @since 0.2.0
 */
import { Effect, Option } from "effect"
import { GenServer, type Node as CoreNode, Term } from "effect-otp"
import * as observerNode from "./internal/observerNode.ts"

/**
 * The name of the observer process on every node `Node.start` starts.
 *
 * @since 0.2.0
 * @category names
 */
export const registeredName: string = observerNode.registeredName

/**
 * A command of the observer.
 *
 * @since 0.2.0
 * @category models
 */
export type Command = "kill" | "suspend" | "resume" | "trace"

/**
 * What a command answered: done, or why not.
 *
 * @since 0.2.0
 * @category models
 */
export type Answer =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: "no_process" | "not_server" | "timeout"; readonly error: string }

/**
 * The error of a call to the observer of another node (see the module's "What each failure returns").
 *
 * @since 0.2.0
 * @category errors
 */
export type RemoteError = GenServer.CallError

/**
 * Options of the calls: `timeout` (default 5 s, `GenServer.call`'s).
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  readonly timeout?: number | undefined
}

const ask = (node: string, request: Term.Tuple, options: Options | undefined) =>
  GenServer.call(
    GenServer.remote<Term.Tuple>(observerNode.registeredName, node),
    request,
    options?.timeout === undefined ? undefined : { timeout: options.timeout }
  ) as Effect.Effect<Term.Term, RemoteError, CoreNode.Node>

/** `{ok, Value}` as the value; `{error, Reason, Message}` as `undefined` and the reason and message. */
const unwrap = (reply: Term.Term): { readonly value?: unknown; readonly reason?: string; readonly error?: string } => {
  if (Term.isTuple(reply) && reply.elements[0] === Term.atom("ok"))
    return { value: observerNode.fromTerm(reply.elements[1]!) }
  if (Term.isTuple(reply) && reply.elements[0] === Term.atom("error")) {
    return {
      reason: String(observerNode.fromTerm(reply.elements[1]!)),
      error: String(observerNode.fromTerm(reply.elements[2]!))
    }
  }
  return {}
}

/**
 * The snapshot of `node` (`Observer.snapshot` there), as `ObserverHttp`'s `/api/snapshot` gives it.
 *
 * @since 0.2.0
 * @category debugging
 */
export const snapshot = (node: string, options?: Options): Effect.Effect<unknown, RemoteError, CoreNode.Node> =>
  Effect.map(ask(node, Term.tuple(Term.atom("snapshot")), options), (reply) => unwrap(reply).value)

/**
 * One process of `node`, as `ObserverHttp`'s `/api/process` gives it (`{ pid, info, status, events }`),
 * or `None` when no live process there has the pid `pid` (`"<0.42.0>"`).
 *
 * @since 0.2.0
 * @category debugging
 */
export const detail = (
  node: string,
  pid: string,
  options?: Options
): Effect.Effect<Option.Option<unknown>, RemoteError, CoreNode.Node> =>
  Effect.map(ask(node, Term.tuple(Term.atom("process"), pid), options), (reply) => {
    const answer = unwrap(reply)
    return "value" in answer ? Option.some(answer.value) : Option.none()
  })

/**
 * Kills, suspends, resumes the process `pid` (`"<0.42.0>"`) of `node`, or switches its trace on or
 * off (`on`, default `true`): `{ ok: true }` when done, else why not (see the module's docs).
 *
 * @since 0.2.0
 * @category debugging
 */
export const command = (
  node: string,
  command: Command,
  pid: string,
  on = true,
  options?: Options
): Effect.Effect<Answer, RemoteError, CoreNode.Node> =>
  Effect.map(
    ask(
      node,
      command === "trace" ? Term.tuple(Term.atom(command), pid, on) : Term.tuple(Term.atom(command), pid),
      options
    ),
    (reply): Answer => {
      if (reply === Term.atom("ok")) return { ok: true }
      const answer = unwrap(reply)
      return { ok: false, reason: answer.reason as "no_process", error: answer.error ?? String(reply) }
    }
  )
