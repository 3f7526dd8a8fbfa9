/**
 * The observer a distributed node runs (`Node.start`): a GenServer registered as
 * `effect_otp_observer` that answers, as `$gen_call`s with terms, what `ObserverHttp` answers over
 * HTTP (the same values, from `observerService`), and the conversion of those JSON values to terms
 * and back.
 *
 * Its requests and replies, as an Erlang node sees them:
 *
 * | request | reply |
 * |---|---|
 * | `{snapshot}` | `{ok, Snapshot}` |
 * | `{process, <<"<0.42.0>">>}` | `{ok, Detail}`, or `{error, no_process, Message}` |
 * | `{kill \| suspend \| resume, <<"<0.42.0>">>}`, `{trace, <<"<0.42.0>">>, true \| false}` | `ok`, or `{error, no_process \| not_server \| timeout, Message}` |
 *
 * A value is a map with atom keys, text a binary, `null` the atom `nil` (as `Term.codec` maps them).
 * It records the processes' events from its first request on (so a node nobody observes pays
 * nothing for it), in a process linked to it.
 *
 * @internal
 */
import { Effect, Option } from "effect"
import { GenServer, type Node, Process, Term } from "effect-otp"
import * as service from "./observerService.ts"

/** The name the observer is registered under on every distributed node. */
export const registeredName = "effect_otp_observer"

const nil = Term.atom("nil")
const ok = Term.atom("ok")
const error = Term.atom("error")

/** A JSON value as a term: objects as maps with atom keys, text as binaries, `null` as `nil`. */
export const toTerm = (value: unknown): Term.Term => {
  if (value === null || value === undefined) return nil
  if (typeof value === "string" || typeof value === "boolean") return value
  if (typeof value === "number") return Number.isFinite(value) ? value : nil
  if (Array.isArray(value)) return value.map(toTerm)
  const map = new Map<Term.Term, Term.Term>()
  for (const [key, field] of Object.entries(value as object)) map.set(Term.atom(key), toTerm(field))
  return map
}

/** A term of the observer as the JSON value it stands for (the inverse of {@link toTerm}). */
export const fromTerm = (term: Term.Term): unknown => {
  if (term === nil) return null
  if (Term.isAtom(term)) return term.name
  if (term instanceof Uint8Array) return Term.text(term) ?? Array.from(term)
  if (Array.isArray(term)) return term.map(fromTerm)
  if (Term.isTuple(term)) return term.elements.map(fromTerm)
  if (term instanceof Map) {
    const out: Record<string, unknown> = {}
    for (const [key, field] of term) out[Term.isAtom(key) ? key.name : String(fromTerm(key))] = fromTerm(field)
    return out
  }
  return term
}

const reasonOf: Record<Exclude<service.Outcome["_tag"], "Done">, Term.Atom> = {
  NoProcess: Term.atom("no_process"),
  NotSys: Term.atom("not_server"),
  Timeout: Term.atom("timeout")
}

const commands: ReadonlySet<string> = new Set(["kill", "suspend", "resume", "trace"])

interface State {
  readonly observer: service.Service | undefined
}

const answer = (observer: service.Service, request: Term.Tuple): Effect.Effect<Term.Term> => {
  const [op, pid, on] = request.elements
  const name = op !== undefined && Term.isAtom(op) ? op.name : ""
  const target = pid === undefined ? "" : (Term.text(pid) ?? "")
  if (name === "snapshot") return Effect.map(observer.snapshot, (snapshot) => Term.tuple(ok, toTerm(snapshot)))
  if (name === "process") {
    return Effect.map(
      observer.detail(target),
      Option.match({
        onNone: () => Term.tuple(error, reasonOf.NoProcess, `no process ${target}`),
        onSome: (detail) => Term.tuple(ok, toTerm(detail))
      })
    )
  }
  if (commands.has(name)) {
    return Effect.map(observer.command(name as service.Command, target, on !== false), (outcome) =>
      outcome._tag === "Done" ? ok : Term.tuple(error, reasonOf[outcome._tag], outcome.error)
    )
  }
  return Effect.succeed(Term.tuple(error, Term.atom("bad_request"), `unknown request ${String(op)}`))
}

const Observer = GenServer.behaviour({
  protocol: [Term.Tuple],
  init: (_: void) => Effect.succeed(GenServer.ok<State>({ observer: undefined })),
  handleCall: {
    Tuple: (request: Term.Tuple, state: State) =>
      Effect.gen(function* () {
        let observer = state.observer
        if (observer === undefined) {
          // the first request: from now on, the node's events are recorded for the details
          const made = yield* service.make
          yield* Process.spawnLink(made.record)
          observer = made.service
        }
        return GenServer.reply(yield* answer(observer, request), { observer })
      })
  }
})

/** Starts the observer on the current node, registered as {@link registeredName}. */
export const start: Effect.Effect<void, never, Node.Node> = Effect.asVoid(
  Effect.orDie(GenServer.start(Observer, undefined, { name: registeredName }))
)
