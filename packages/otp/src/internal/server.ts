/**
 * What GenServer and GenStatem share: the typed call machinery (envelopes, `From` and the call in
 * flight, `call` with `NoProc` / `ServerExited` / `CallTimeout` / `MailboxFull`), casts, the
 * init-acknowledged start with name registration, server references, `stop`, `getState` and
 * child specs. Both behaviours speak the same protocol, so a `GenServer.call` reaches a GenStatem
 * and the other way round, as OTP's `gen:call`.
 *
 * The public modules re-export these with their docs.
 *
 * @internal
 */
import {
  Cause,
  Clock,
  Context,
  Deferred,
  Duration,
  Effect,
  Equal,
  Exit,
  Fiber,
  Hash,
  Option,
  Pipeable,
  References,
  type Schema,
  type Tracer
} from "effect"
import { identity } from "effect/Function"
import type * as ChildSpecModule from "../ChildSpec.ts"
import * as Errors from "../Errors.ts"
import * as ExitReason from "../ExitReason.ts"
import type { Node } from "../Node.ts"
import * as Pid from "../Pid.ts"
import type * as Process from "../Process.ts"
import type * as Request from "../Request.ts"
import type {
  CallError,
  CallOptions,
  CallOptionsError,
  From,
  Server,
  ServerPid,
  StartOptions,
  SystemCallError
} from "../GenServer.ts"
import type * as sys from "./sys.ts"
import { addDeadline, clearDeadline } from "./callDeadlines.ts"
import * as kernel from "./kernel.ts"
import type { CallLatency } from "./metrics.ts"
import * as Name from "./name.ts"
import * as validate from "./validate.ts"
import { currentNode, senderNodeOf } from "./node.ts"
import * as Term from "../Term.ts"
import { CallTimeout, ServerExited, StartTimeout, InitFailed, CallingSelf, CallDropped } from "../Errors.ts"
export { CallTimeout, ServerExited, StartTimeout, InitFailed, CallingSelf, CallDropped } from "../Errors.ts"
import * as typedWire from "./typedWire.ts"

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// From and replies
// ---------------------------------------------------------------------------------------------

/** Answers a call with a value; false when the caller had given up or was answered. */
export const replyUnsafe = <A, E>(from: From<A, E>, value: A): boolean => from.complete(Exit.succeed(value))

/** Answers a call with one of its declared errors. */
export const replyErrorUnsafe = <A, E>(from: From<A, E>, error: E): boolean => from.complete(Exit.fail(error))

export const replyTo = <A, E>(from: From<A, E>, value: A): Effect.Effect<boolean> =>
  Effect.sync(() => replyUnsafe(from, value))

export const replyErrorTo = <A, E>(from: From<A, E>, error: E): Effect.Effect<boolean> =>
  Effect.sync(() => replyErrorUnsafe(from, error))

// ---------------------------------------------------------------------------------------------
// Server references
// ---------------------------------------------------------------------------------------------

/** What marks a server reference: a property of its prototype. */
export const ServerTypeId: unique symbol = Symbol.for("effect-otp/Server")

/** The prototype of every server reference: its mark and `pipe`, shared, not copied per reference. */
const ServerProto = {
  __proto__: Pipeable.Prototype,
  [ServerTypeId]: { _Req: identity, _Cast: identity },
  // a reference is a value: by pid, equal to any reference to that pid; by name, to that name
  [Equal.symbol](this: Server<any, any>, that: unknown): boolean {
    return (
      isServer(that) &&
      (this.target === undefined
        ? that.target === undefined && Equal.equals(this.name, that.name)
        : that.target !== undefined && Equal.equals(this.target, that.target))
    )
  },
  [Hash.symbol](this: Server<any, any>): number {
    return this.target === undefined ? Hash.hash(this.name) : Hash.hash(this.target)
  }
}

/** Whether `u` is a server reference (of a GenServer, a GenStatem or a supervisor). */
export const isServer = (u: unknown): u is Server<any, any> => typeof u === "object" && u !== null && ServerTypeId in u

export const byRecord = <Req extends Request.Any, Cast>(record: kernel.ProcessRecord): Server<Req, Cast> =>
  ({
    __proto__: ServerProto,
    name: Option.none(),
    target: record.pid,
    resolve: () => (record.status === "exited" ? undefined : record),
    whereis: () => (record.status === "exited" ? Option.none() : Option.some(record.pid as ServerPid))
  }) as never

export const fromPid = <Req extends Request.Any, Cast = never>(
  pid: Pid.Pid<never, unknown>,
  options?: { readonly casts?: Schema.Codec<Cast, unknown, never, never> | undefined }
): Server<Req, Cast> =>
  ({
    __proto__: ServerProto,
    name: Option.none(),
    target: pid,
    casts: options?.casts,
    resolve: () => kernel.liveRecordOf(pid),
    whereis: () => Option.fromUndefinedOr(kernel.liveRecordOf(pid)?.pid as ServerPid | undefined)
  }) as never

/**
 * A reference to the process registered as `name` on the node `node` (Erlang's `{Name, Node}`); its
 * casts cross as terms of `options.casts` when it is given.
 */
export const remote = <Req extends Request.Any, Cast = never>(
  name: string,
  node: string,
  options?: { readonly casts?: Schema.Codec<Cast, unknown, never, never> | undefined }
): Server<Req, Cast> =>
  ({
    __proto__: ServerProto,
    name: Option.some(`${name}@${node}`),
    target: undefined,
    remote: { name, node },
    casts: options?.casts,
    resolve: () => undefined,
    whereis: () => Option.none()
  }) as never

/** A reference that looks `name` (local or `via`) up on the current node at every use. */
export const named = <Req extends Request.Any, Cast>(name: Name.Name): Effect.Effect<Server<Req, Cast>, never, Node> =>
  Effect.map(currentNode, (node) => {
    const resolve = () => Name.resolve(node, name)
    return {
      __proto__: ServerProto,
      name: Option.some(Name.format(name)),
      target: undefined,
      resolve,
      whereis: () => Option.fromUndefinedOr(resolve()?.pid as ServerPid | undefined)
    } as never
  })

export const whereis = <Req extends Request.Any, Cast>(
  server: Server<Req, Cast>
): Effect.Effect<Option.Option<ServerPid>> => Effect.sync(() => server.whereis())

// ---------------------------------------------------------------------------------------------
// Envelopes
// ---------------------------------------------------------------------------------------------

/** A call: the request, who waits for the reply, and the caller's span, if it had one. */
export class CallEnvelope extends kernel.AwaitedMessage {
  readonly request: Request.Any
  readonly from: From<unknown, unknown>
  readonly span: Tracer.AnySpan | undefined
  constructor(request: Request.Any, from: From<unknown, unknown>, span: Tracer.AnySpan | undefined) {
    super()
    this.request = request
    this.from = from
    this.span = span
  }
  /** A `"dropOldest"` overflow dropped the request: the caller fails at once. */
  dropped(record: kernel.ProcessRecord): void {
    this.from.complete(Exit.fail(callDropped(record)))
  }
}

/**
 * Runs a call's handler in a child span of the caller's span, named after the request's tag, with
 * the server's pid (and registered name) as attributes: only for a call whose caller had a span,
 * so an untraced call makes no span. `behaviour` is `"GenServer"` or `"GenStatem"`.
 */
export const traced = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  envelope: CallEnvelope,
  record: kernel.ProcessRecord,
  behaviour: string
): Effect.Effect<A, E, R> =>
  Effect.withSpan(effect, envelope.request._tag, {
    parent: envelope.span!,
    kind: "server",
    captureStackTrace: false,
    attributes: spanAttributes(record, behaviour)
  })

/** The attributes of a span that runs in a process: its pid, its registered name, what runs there. */
export const spanAttributes = (record: kernel.ProcessRecord, behaviour: string): Record<string, unknown> =>
  record.name === undefined
    ? { pid: String(record.pid), behaviour }
    : { pid: String(record.pid), name: record.name, behaviour }

/** A cast. */
export class CastEnvelope {
  readonly message: unknown
  constructor(message: unknown) {
    this.message = message
  }
}

/** A system request for the server's state (`sys:get_state`). */
export class GetState {
  readonly deferred: Deferred.Deferred<unknown>
  constructor(deferred: Deferred.Deferred<unknown>) {
    this.deferred = deferred
  }
}

/**
 * A system message from another node (OTP's `{system, {Pid, Tag}, Request}`, what `sys` sends):
 * served in the system lane by `Sys`'s engine, which answers `{Tag, Reply}` to `caller`.
 */
export class SystemFromWire {
  readonly caller: Pid.Pid<never, unknown>
  readonly tag: Term.Term
  readonly request: Term.Term
  constructor(caller: Pid.Pid<never, unknown>, tag: Term.Term, request: Term.Term) {
    this.caller = caller
    this.tag = tag
    this.request = request
  }
}

/** A system request to stop (`gen:stop`). */
export class StopRequest {
  readonly reason: ExitReason.ExitReason
  constructor(reason: ExitReason.ExitReason) {
    this.reason = reason
  }
}

// ---------------------------------------------------------------------------------------------
// Client API
// ---------------------------------------------------------------------------------------------

const defaultCallTimeout = Duration.seconds(5)

/** `NoProc` naming what the reference points to: its name, else its pid. */
export const noProcOf = <Req extends Request.Any, Cast>(server: Server<Req, Cast>): Errors.NoProc =>
  Option.isSome(server.name)
    ? new Errors.NoProc({ registeredName: server.name.value })
    : new Errors.NoProc({ pid: server.target as Pid.Pid<unknown, unknown> | undefined })

/** The error of a process that called itself through `server`. */
export const callingSelf = <Req extends Request.Any, Cast>(
  server: Server<Req, Cast>,
  record: kernel.ProcessRecord,
  operation: CallingSelf["operation"]
): CallingSelf =>
  Option.isSome(server.name)
    ? new CallingSelf({ pid: record.pid, registeredName: server.name.value, operation })
    : new CallingSelf({ pid: record.pid, operation })

/**
 * Checks a client operation's target: fails with `NoProc` when the server is not alive and with
 * `CallingSelf` when the caller is the server; else gives the server's record to `f`.
 */
export const withTarget = <Req extends Request.Any, Cast, A, E>(
  server: Server<Req, Cast>,
  operation: CallingSelf["operation"],
  f: (record: kernel.ProcessRecord) => Effect.Effect<A, E>
): Effect.Effect<A, E | Errors.NoProc | CallingSelf> =>
  Effect.withFiber((fiber): Effect.Effect<A, E | Errors.NoProc | CallingSelf> => {
    const record = server.resolve()
    if (record === undefined) return Effect.fail(noProcOf(server))
    if (record === kernel.callerOf(fiber)) return Effect.fail(callingSelf(server, record, operation))
    return f(record)
  })

/**
 * A call in flight: the `From` the server gets, the call's outcome and its waiting caller, the
 * call's deadline, and its entry on the server's list of pending calls (completed with
 * `ServerExited` when the server exits). One object per call instead of a `From`, a Deferred, a
 * deadline, a listener closure and a set entry.
 */
class PendingCall extends kernel.Pending implements From<unknown, unknown> {
  readonly caller: Option.Option<Pid.Pid<never, unknown>>
  readonly record: kernel.ProcessRecord
  /** how the call ended, once it has */
  exit: Exit.Exit<unknown, unknown> | undefined = undefined
  /** the caller, while it waits for `exit` */
  resume: ((effect: Effect.Effect<unknown, unknown>) => void) | undefined = undefined
  timeout = 0
  /** while the request waits behind a full `"suspend"` mailbox: takes it out of the queue of senders */
  withdraw: (() => void) | undefined = undefined
  constructor(record: kernel.ProcessRecord, caller: kernel.ProcessRecord | undefined) {
    super()
    // no deadline armed (yet): settling must not count one off
    this.done = true
    this.record = record
    this.caller = caller === undefined ? Option.none() : Option.some(caller.pid)
  }
  complete(exit: Exit.Exit<unknown, unknown>): boolean {
    if (this.exit !== undefined) return false
    this.exit = exit
    const resume = this.resume
    if (resume !== undefined) {
      this.resume = undefined
      this.settle()
      resume(exit)
    }
    return true
  }
  /** The deadline passed. */
  fire(): void {
    this.complete(Exit.fail(new CallTimeout({ pid: this.record.pid, timeout: this.timeout })))
  }
  serverExited(reason: ExitReason.ExitReason): void {
    this.complete(Exit.fail(new ServerExited({ pid: this.record.pid, reason })))
  }
  /**
   * The call is over (answered, failed, timed out or interrupted): off the list, its deadline
   * cleared, and its request withdrawn if it still waits to enter the mailbox, so that the server
   * never handles a call whose caller has gone.
   */
  settle(): void {
    kernel.removePending(this.record, this)
    clearDeadline(this.record.node, this)
    if (this.withdraw !== undefined) {
      this.withdraw()
      this.withdraw = undefined
    }
  }
}

/**
 * A call to a server started with `callLatency`: records the time from the call to its end (the
 * reply, a declared error, a timeout, the server's exit) in the server's histogram, on the caller's
 * clock. Only such servers' calls pay for it.
 */
class TimedCall extends PendingCall {
  readonly latency: CallLatency
  readonly clock: Clock.Clock
  readonly start: bigint
  constructor(
    record: kernel.ProcessRecord,
    caller: kernel.ProcessRecord | undefined,
    latency: CallLatency,
    fiber: Fiber.Fiber<unknown, unknown>
  ) {
    super(record, caller)
    this.latency = latency
    this.clock = fiber.getRef(Clock.Clock)
    this.start = this.clock.monotonicTimeNanosUnsafe()
  }
  override complete(exit: Exit.Exit<unknown, unknown>): boolean {
    if (this.exit === undefined) {
      this.latency.record(Number(this.clock.monotonicTimeNanosUnsafe() - this.start) / 1e6)
    }
    return super.complete(exit)
  }
}

const defaultCallTimeoutMs = 5000

/** Arms the call's deadline on the caller's clock (none for `"infinity"`). */
const armDeadline = (pending: PendingCall, fiber: Fiber.Fiber<unknown, unknown>, options: CallOptions | undefined) => {
  const timeout = options?.timeout
  if (timeout === undefined) {
    pending.timeout = defaultCallTimeoutMs
    addDeadline(pending.record.node, fiber, defaultCallTimeoutMs, pending)
  } else if (timeout !== "infinity") {
    const ms = Duration.toMillis(Duration.fromInputUnsafe(timeout))
    pending.timeout = ms
    addDeadline(pending.record.node, fiber, ms, pending)
  }
}

/**
 * Waits for the reply: `complete` settles the call first (so the list and the deadline are cleaned
 * up as the reply, the timeout or the exit ends it), then resumes the caller; an interrupted caller
 * settles it and stops waiting.
 */
const awaitCall = (pending: PendingCall, resume: (effect: Effect.Effect<unknown, unknown>) => void) => {
  // a deadline of 0 can fire while it is armed (a clock whose zero sleep ends at once)
  if (pending.exit !== undefined) {
    pending.settle()
    return resume(pending.exit)
  }
  pending.resume = resume
  return Effect.sync(() => {
    pending.resume = undefined
    pending.settle()
  })
}

/**
 * The mailbox is full and its policy is `"suspend"`: the request waits in the queue of senders, and
 * the call's deadline runs from now, so the timeout covers the wait. A call that ends before its
 * request got in (timed out, interrupted, or the server exited) takes the request back out.
 */
const callSuspended = (
  pending: PendingCall,
  envelope: CallEnvelope,
  fiber: Fiber.Fiber<unknown, unknown>,
  options: CallOptions | undefined,
  resume: (effect: Effect.Effect<unknown, unknown>) => void
) => {
  kernel.addPending(pending.record, pending)
  armDeadline(pending, fiber, options)
  pending.withdraw = kernel.enqueueBlocked(pending.record, envelope, () => {
    pending.withdraw = undefined
  })
  return awaitCall(pending, resume)
}

export const call = <Req extends Request.Any, Cast, const Q extends Req>(
  server: Server<Req, Cast>,
  request: Q,
  options?: CallOptions
): Effect.Effect<Request.Success<Q>, Request.Failure<Q> | CallError | Errors.BadArgument> =>
  Effect.callback<unknown, unknown>((resume) => {
    const bad = options === undefined ? undefined : validate.checkCallOptions("call", options)
    if (bad !== undefined) return resume(Effect.fail(bad))
    const record = server.resolve()
    const fiber = Fiber.getCurrent()!
    if (record === undefined || record.node.distribution !== undefined) {
      const target = remoteTarget(fiber, server)
      if (target !== undefined) return callRemote(fiber, target.node, target.target, request, options, resume)
      if (record === undefined) return resume(Effect.fail(noProcOf(server)))
    }
    const self = kernel.callerOf(fiber)
    if (record === self) return resume(Effect.fail(callingSelf(server, record, "call")))
    const latency = record.callLatency
    const pending = latency === undefined ? new PendingCall(record, self) : new TimedCall(record, self, latency, fiber)
    // the caller's span, read from its fiber (no lookup): the handler runs in a child span of it
    const envelope = new CallEnvelope(request, pending, fiber.cache.span)
    const delivery = kernel.offer(record, envelope)
    if (delivery !== "delivered") {
      if (delivery === "dropped") return resume(Effect.fail(callDropped(record)))
      if (record.overflow === "fail") {
        return resume(Effect.fail(new Errors.MailboxFull({ pid: record.pid, capacity: record.capacity })))
      }
      return callSuspended(pending, envelope, fiber, options, resume)
    }
    kernel.addPending(record, pending)
    armDeadline(pending, fiber, options)
    return awaitCall(pending, resume)
  }) as never

const callDropped = (record: kernel.ProcessRecord) =>
  new CallDropped({
    pid: record.pid,
    capacity: record.capacity,
    overflow: record.overflow === "dropNewest" ? "dropNewest" : "dropOldest"
  })

const timeoutError = (record: kernel.ProcessRecord, timeout: Duration.Input) =>
  new CallTimeout({ pid: record.pid, timeout: Duration.toMillis(Duration.fromInputUnsafe(timeout)) })

/** Waits for the answer to a system request with the call's timeout (default 5 s). */
const awaitReply = (
  deferred: Deferred.Deferred<unknown, unknown>,
  record: kernel.ProcessRecord,
  options: CallOptions | undefined
): Effect.Effect<unknown, unknown> => {
  const timeout = options?.timeout === undefined ? defaultCallTimeout : options.timeout
  if (timeout === "infinity") return Deferred.await(deferred)
  return Effect.timeoutOrElse(Deferred.await(deferred), {
    duration: timeout,
    orElse: () => Effect.fail(timeoutError(record, timeout))
  })
}

export const cast = <Req extends Request.Any, Cast>(
  server: Server<Req, Cast>,
  message: NoInfer<Cast>
): Effect.Effect<void, Errors.MailboxFull> =>
  Effect.withFiber((fiber) => {
    const record = server.resolve()
    if (record === undefined || record.node.distribution !== undefined) {
      const target = remoteTarget(fiber, server)
      if (target !== undefined) return castRemote(fiber, target.node, target.target, server, message)
      if (record === undefined) return Effect.void
    }
    const envelope = new CastEnvelope(message)
    const delivery = kernel.offer(record, envelope)
    if (delivery !== "full") return Effect.void
    if (record.overflow === "fail") {
      return Effect.fail(new Errors.MailboxFull({ pid: record.pid, capacity: record.capacity }))
    }
    return kernel.offerSuspending(record, envelope)
  })

// ---------------------------------------------------------------------------------------------
// Calls and casts across nodes: OTP's gen protocol
// ---------------------------------------------------------------------------------------------

const genCall = Term.atom("$gen_call")
const genCast = Term.atom("$gen_cast")
const systemAtom = Term.atom("system")
const errorAtom = Term.atom("error")

/**
 * A cast to a process of another node, as OTP's `gen:cast`: `{'$gen_cast', Message}`. A message of
 * a Schema (the reference's `casts`, else the Schema class it is an instance of) crosses as the term
 * of its Schema (`Term.codec`); one that does not encode is dropped, counted and logged, as a message
 * that has no term.
 */
const castRemote = (
  fiber: Fiber.Fiber<unknown, unknown>,
  node: kernel.NodeState,
  target: kernel.Target,
  server: Server<any, any>,
  message: unknown
): Effect.Effect<void> => {
  const codec = server.casts === undefined ? typedWire.codecOfInstance(message) : typedWire.messageCodec(server.casts)
  let onWire = message
  if (codec !== undefined) {
    const encoded = codec.encode(message)
    if (Exit.isFailure(encoded)) {
      kernel.countDropped(node)
      return Effect.logWarning(
        `a cast to ${formatTarget(target)} did not encode and was dropped: ${typedWire.why(encoded)}`
      )
    }
    onWire = encoded.value
  }
  kernel.sendRemote(node, callerPid(fiber, node), target, Term.tuple(genCast, onWire as Term.Term))
  return Effect.void
}

const formatTarget = (target: kernel.Target): string =>
  "id" in target ? String(target) : `${target.name}@${target.node}`

/** The caller's pid: its process's, else its node's system pid. */
const callerPid = (fiber: Fiber.Fiber<unknown, unknown>, node: kernel.NodeState): Pid.Pid<never, unknown> =>
  kernel.callerOf(fiber)?.pid ?? node.systemPid

/**
 * Where a call or cast through `server` goes when it is made on a distributed node and names a
 * process of another node: that process (or name) and the caller's node; undefined otherwise.
 */
const remoteTarget = <Req extends Request.Any, Cast>(
  fiber: Fiber.Fiber<unknown, unknown>,
  server: Server<Req, Cast>
): { readonly node: kernel.NodeState; readonly target: kernel.Target } | undefined => {
  const node = senderNodeOf(fiber)
  if (node === undefined || node.distribution === undefined) return undefined
  const target = server.remote ?? server.target
  if (target === undefined || !kernel.isRemote(node, target)) return undefined
  return { node, target }
}

/**
 * A call to a process of another node, as OTP's `gen:call`: the caller monitors the target, sends
 * `{'$gen_call', {Caller, Ref}, Request}` and waits for `{Ref, Reply}`, the `Down` (`NoProc`, or
 * `ServerExited` with its reason: `NoConnection` when the connection is lost) or the timeout
 * (`CallTimeout`). The reply is the term as it came. A process waits in its record, not in its
 * mailbox (as OTP's alias: a late reply is dropped); any other caller has a helper process make
 * the call.
 */
const callRemote = (
  fiber: Fiber.Fiber<unknown, unknown>,
  node: kernel.NodeState,
  target: kernel.Target,
  request: unknown,
  options: CallOptions | undefined,
  resume: (effect: Effect.Effect<unknown, unknown>) => void
) => {
  const timeoutMs =
    options?.timeout === undefined
      ? defaultCallTimeoutMs
      : options.timeout === "infinity"
        ? Number.POSITIVE_INFINITY
        : Duration.toMillis(Duration.fromInputUnsafe(options.timeout))
  // a `Request.Class` request crosses as the term of its Schema (see `typedWire.ts`)
  const codecs = typedWire.codecsOf(request)
  let onWire = request
  if (codecs !== undefined) {
    const encoded = codecs.encodeRequest(request)
    if (Exit.isFailure(encoded)) {
      return resume(
        Effect.fail(new Errors.Undecodable({ node: node.name, what: "request", reason: typedWire.why(encoded) }))
      )
    }
    onWire = encoded.value
  }
  const outcome = (kind: "reply" | "down" | "timeout", value: unknown): Exit.Exit<unknown, unknown> => {
    const targetPid = "id" in target ? target : kernel.namePid(target)
    if (kind === "down") {
      const reason = value as ExitReason.ExitReason
      return Exit.fail(
        reason._tag === "NoProc"
          ? "id" in target
            ? new Errors.NoProc({ pid: target as Pid.Pid<unknown, unknown> })
            : new Errors.NoProc({ registeredName: formatTarget(target) })
          : new ServerExited({ pid: targetPid, reason })
      )
    }
    if (kind === "timeout") return Exit.fail(new CallTimeout({ pid: targetPid, timeout: timeoutMs }))
    return codecs === undefined ? Exit.succeed(value) : typedReply(node, target.node, codecs, value)
  }
  const message = (caller: Pid.Pid<never, unknown>, tag: Term.Term) =>
    Term.tuple(genCall, Term.tuple(caller, tag), onWire as Term.Term)
  const caller = kernel.callerOf(fiber)
  if (caller !== undefined && caller.node === node && caller.status !== "exited") {
    const call = kernel.callRemote(
      caller,
      fiber,
      target,
      (tag) => message(caller.pid, tag),
      timeoutMs,
      (kind, value) => resume(outcome(kind, value))
    )
    return Effect.sync(() => kernel.cancelRemoteCall(call))
  }
  const body = Effect.flatMap(kernel.currentSelf, (self) => {
    const ref = kernel.monitorRemote(self, target)
    const tag = kernel.monitorRefTerm(node, ref)
    kernel.sendRemote(node, self.pid, target, message(self.pid, tag))
    const match = (m: unknown) =>
      (m instanceof kernel.DownMessage && m.ref === ref) ||
      (Term.isTuple(m) && m.elements.length === 2 && Term.equals(m.elements[0]!, tag))
    return Effect.map(kernel.receiveWithin(self, match, Duration.millis(timeoutMs)), (m) => {
      if (m instanceof kernel.DownMessage) return outcome("down", m.reason)
      kernel.demonitorRemote(self, ref)
      return m === kernel.TimedOut ? outcome("timeout", undefined) : outcome("reply", (m as Term.Tuple).elements[1])
    })
  })
  const helper = kernel.spawnUnsafe(
    fiber,
    node,
    Effect.flatMap(body, (exit) => Effect.sync(() => resume(exit))),
    undefined,
    undefined
  )
  return Effect.sync(() => kernel.terminate(helper, ExitReason.killed, true))
}

/**
 * The reply to a typed request from `peer`: `{ok, Success}` and `{error, Failure}` decoded with the
 * request's Schemas; anything else, or a term its Schema rejects, is logged and counted by the
 * transport and fails the call with `Undecodable`.
 */
const typedReply = (
  node: kernel.NodeState,
  peer: string,
  codecs: typedWire.Codecs,
  reply: unknown
): Exit.Exit<unknown, unknown> => {
  if (Term.isTuple(reply)) {
    const [kind, value, reason] = reply.elements
    if (reply.elements.length === 2 && (kind === typedWire.ok || kind === typedWire.error)) {
      const decoded = kind === typedWire.ok ? codecs.decodeSuccess(value) : codecs.decodeFailure(value)
      if (Exit.isSuccess(decoded)) return kind === typedWire.ok ? decoded : Exit.fail(decoded.value)
      return undecodableReply(node, peer, codecs, typedWire.why(decoded))
    }
    // the other node could not decode the request, or encode its reply
    if (reply.elements.length === 3 && kind === typedWire.undecodable && Term.isAtom(value)) {
      const what = value.name === "request" ? "request" : "reply"
      return Exit.fail(new Errors.Undecodable({ node: peer, what, reason: Term.text(reason!) ?? "" }))
    }
  }
  return undecodableReply(node, peer, codecs, "a reply to a typed request is {ok, _} or {error, _}")
}

const undecodableReply = (
  node: kernel.NodeState,
  peer: string,
  codecs: typedWire.Codecs,
  reason: string
): Exit.Exit<never, Errors.Undecodable> => {
  node.distribution?.undecodable(peer, `the reply to a ${codecs.tag} request did not decode: ${reason}`)
  return Exit.fail(new Errors.Undecodable({ node: peer, what: "reply", reason }))
}

/**
 * A caller on another node: the reply goes back as `{Tag, Reply}` (OTP's `gen:reply`); to a typed
 * request (`codecs`), as `{Tag, {ok, Success}}` or `{Tag, {error, Failure}}` encoded with its Schemas.
 */
class RemoteFrom implements From<unknown, unknown> {
  readonly caller: Option.Option<Pid.Pid<never, unknown>>
  readonly server: kernel.ProcessRecord
  readonly pid: Pid.Pid<never, unknown>
  readonly tag: Term.Term
  readonly codecs: typedWire.Codecs | undefined
  done = false
  constructor(
    server: kernel.ProcessRecord,
    pid: Pid.Pid<never, unknown>,
    tag: Term.Term,
    codecs: typedWire.Codecs | undefined
  ) {
    this.server = server
    this.pid = pid
    this.tag = tag
    this.codecs = codecs
    this.caller = Option.some(pid)
  }
  complete(exit: Exit.Exit<unknown, unknown>): boolean {
    if (this.done) return false
    this.done = true
    const transport = this.server.node.distribution
    if (transport === undefined) return true
    const codecs = this.codecs
    if (codecs !== undefined) {
      const error = Exit.isSuccess(exit) ? undefined : Cause.findErrorOption(exit.cause)
      // a call error has no reply (the caller's monitor tells it), nor has a defect
      if (error !== undefined && (Option.isNone(error) || isCallError(error.value))) return true
      const encoded =
        error === undefined
          ? codecs.encodeSuccess((exit as Exit.Success<unknown>).value)
          : codecs.encodeFailure(error.value)
      if (Exit.isSuccess(encoded)) {
        transport.reply(
          this.server.pid,
          this.pid,
          this.tag,
          Term.tuple(error === undefined ? typedWire.ok : typedWire.error, encoded.value as Term.Term)
        )
      } else {
        const reason = typedWire.why(encoded)
        transport.undecodable(this.pid.node, `the reply to a ${codecs.tag} request did not encode: ${reason}`)
        transport.reply(this.server.pid, this.pid, this.tag, typedWire.undecodableReply("reply", reason))
      }
      return true
    }
    if (Exit.isSuccess(exit)) {
      transport.reply(this.server.pid, this.pid, this.tag, exit.value)
    } else {
      // a declared error that is a term goes back as {error, Error}; a call error has no reply (the
      // caller's monitor tells it)
      const error = Cause.findErrorOption(exit.cause)
      if (Option.isSome(error) && Term.isTerm(error.value) && !isCallError(error.value)) {
        transport.reply(this.server.pid, this.pid, this.tag, Term.tuple(errorAtom, error.value))
      }
    }
    return true
  }
}

/**
 * A message from another node (`peer`) for a local process: a server (a process with a system
 * handler, as every GenServer, GenStatem and supervisor has) gets `{'$gen_call', {From, Tag}, Request}`
 * as a call whose reply goes back to `From`, `{'$gen_cast', Message}` as a cast, and OTP's system
 * message `{system, {From, Tag}, Request}` (`sys`) in its system lane (see `Sys`); any other
 * process, and any other message, gets the term as it came. A server whose behaviour declares the
 * Schema of its casts (`casts`) or of its other messages (`infos`) gets them decoded with it
 * (`Term.codec`); one that does not decode reaches no handler: it is logged and counted by the
 * transport, and dropped.
 */
export const fromWire = (record: kernel.ProcessRecord, message: unknown, peer: string): unknown => {
  if (record.systemHandler === undefined) return message
  if (!Term.isTuple(message)) return typedMessage(record, message, peer, "infos")
  const e = message.elements
  if (e[0] === genCast && e.length === 2) {
    const cast = typedMessage(record, e[1], peer, "casts")
    return cast === Undelivered ? cast : new CastEnvelope(cast)
  }
  if (
    (e[0] !== genCall && e[0] !== systemAtom) ||
    e.length !== 3 ||
    !Term.isTuple(e[1]) ||
    e[1].elements.length !== 2
  ) {
    return typedMessage(record, message, peer, "infos")
  }
  const [caller, tag] = e[1].elements
  if (!Pid.isPid(caller)) return typedMessage(record, message, peer, "infos")
  if (e[0] === systemAtom) {
    kernel.pushSystem(record, new SystemFromWire(caller, tag!, e[2]!))
    return Undelivered
  }
  // a request of the server's protocol: decoded with its Schema, or answered without a handler
  const codecs = typedWire.codecsForTerm(wireSchemas(record)?.protocol, e[2])
  let request = e[2] as unknown
  if (codecs !== undefined) {
    const decoded = codecs.decodeRequest(request)
    if (Exit.isFailure(decoded)) {
      const reason = typedWire.why(decoded)
      const transport = record.node.distribution
      transport?.undecodable(caller.node, `a ${codecs.tag} request for ${record.pid} did not decode: ${reason}`)
      transport?.reply(record.pid, caller, tag!, typedWire.undecodableReply("request", reason))
      return Undelivered
    }
    request = decoded.value
  }
  // the Erlang distribution carries no span context: a call from another node starts no span
  return new CallEnvelope(request as Request.Any, new RemoteFrom(record, caller, tag!, codecs), undefined)
}

/**
 * What {@link fromWire} returns for a message that goes to no mailbox (it was answered already, did
 * not decode, or went to the system lane).
 */
export const Undelivered: unique symbol = Symbol.for("effect-otp/Undelivered")

/** What a server's behaviour declares of the messages it takes from the wire. */
interface WireSchemas {
  readonly protocol?: ReadonlyArray<unknown> | undefined
  readonly casts?: Schema.Top | undefined
  readonly infos?: Schema.Top | undefined
}

const wireSchemas = (record: kernel.ProcessRecord): WireSchemas | undefined =>
  record.engine?.behaviour as WireSchemas | undefined

/**
 * A cast's message or another message from `peer` for a server: decoded with the Schema its
 * behaviour declares for it (`casts`, `infos`), or as it came when it declares none; `Undelivered`
 * (logged and counted by the transport) when it does not decode.
 */
const typedMessage = (
  record: kernel.ProcessRecord,
  message: unknown,
  peer: string,
  kind: "casts" | "infos"
): unknown => {
  const schema = wireSchemas(record)?.[kind]
  if (schema === undefined) return message
  const decoded = typedWire.messageCodec(schema).decode(message)
  if (Exit.isSuccess(decoded)) return decoded.value
  record.node.distribution?.undecodable(
    peer,
    `${kind === "casts" ? "a cast" : "a message"} for ${record.pid} did not decode: ${typedWire.why(decoded)}`
  )
  return Undelivered
}

export const stop = <Req extends Request.Any, Cast>(
  server: Server<Req, Cast>,
  reason: ExitReason.ExitReason = ExitReason.normal,
  options?: CallOptions
): Effect.Effect<void, Errors.NoProc | CallTimeout | CallingSelf | ServerExited | Errors.BadArgument> =>
  validate.guard(validate.checkCallOptions("stop", options), () => stopChecked(server, reason, options))

const stopChecked = <Req extends Request.Any, Cast>(
  server: Server<Req, Cast>,
  reason: ExitReason.ExitReason,
  options: CallOptions | undefined
): Effect.Effect<void, Errors.NoProc | CallTimeout | CallingSelf | ServerExited> =>
  withTarget(server, "stop", (record): Effect.Effect<void, CallTimeout | ServerExited> => {
    kernel.pushSystem(record, new StopRequest(reason))
    // OTP's proc_lib:stop: another exit reason than the one asked (terminate crashed, or the server
    // died first) is the caller's failure
    const wait = Effect.flatMap(kernel.awaitExit(record.pid), (exited) =>
      exited === reason || Equal.equals(exited, reason)
        ? Effect.void
        : Effect.fail(new ServerExited({ pid: record.pid, reason: exited }))
    )
    const timeout = options?.timeout
    if (timeout === undefined || timeout === "infinity") return wait
    return Effect.timeoutOrElse(wait, {
      duration: timeout,
      orElse: () => Effect.fail(timeoutError(record, timeout))
    })
  })

export const getState = <Req extends Request.Any, Cast, const O extends CallOptions = {}>(
  server: Server<Req, Cast>,
  options?: O
): Effect.Effect<unknown, SystemCallError | CallOptionsError<O>> =>
  systemRequest<Req, Cast, unknown, never, O>(server, "getState", (deferred) => new GetState(deferred), options)

/**
 * A system request to `server`, OTP's `sys` client: checks the options (`BadArgument`) and the
 * target (`NoProc`, `CallingSelf`, `NoSystemHandler` for a process without a system handler),
 * then {@link systemCall}.
 */
export const systemRequest = <Req extends Request.Any, Cast, A, E, O extends CallOptions = CallOptions>(
  server: Server<Req, Cast>,
  operation: CallingSelf["operation"],
  request: (deferred: Deferred.Deferred<A, E>) => unknown,
  options: O | undefined
): Effect.Effect<A, E | SystemCallError | CallOptionsError<O>> =>
  // `BadArgument` comes only from a timeout other than "infinity": what `CallOptionsError<O>` says
  validate.guard(validate.checkCallOptions(operation, options), () =>
    withTarget(
      server,
      operation,
      (record): Effect.Effect<A, E | SystemCallError> =>
        record.systemHandler === undefined
          ? Effect.fail(new Errors.NoSystemHandler({ pid: record.pid }))
          : systemCall(record, request, options)
    )
  ) as Effect.Effect<A, E | SystemCallError | CallOptionsError<O>>

/**
 * Puts a request in the server's system lane and waits for the server to answer it through the
 * Deferred it carries: fails with `ServerExited` when the server exits first, and with
 * `CallTimeout` after the call's timeout.
 */
export const systemCall = <A, E>(
  record: kernel.ProcessRecord,
  request: (deferred: Deferred.Deferred<A, E>) => unknown,
  options: CallOptions | undefined
): Effect.Effect<A, E | CallTimeout | ServerExited> => {
  const deferred = Deferred.makeUnsafe<A, E | ServerExited>()
  const onExit = (reason: ExitReason.ExitReason) =>
    Deferred.doneUnsafe(deferred, Exit.fail(new ServerExited({ pid: record.pid, reason })))
  kernel.addExitListener(record, onExit)
  kernel.pushSystem(record, request(deferred as Deferred.Deferred<A, E>))
  return Effect.ensuring(
    awaitReply(deferred as Deferred.Deferred<unknown, unknown>, record, options),
    Effect.sync(() => kernel.removeExitListener(record, onExit))
  ) as Effect.Effect<A, E | CallTimeout | ServerExited>
}

// ---------------------------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------------------------

/**
 * What a failed start waits for before it returns: the exit reason of the half-started process
 * (its `init` died, exited or was stopped), which `InitFailed` then carries.
 */
const InitExited: unique symbol = Symbol.for("effect-otp/server/InitExited")

/**
 * The start of a server failed inside the server, before its acknowledgement: the link to the
 * starter is removed first, so the process's exit neither kills a starter that does not trap exits
 * nor leaves an `EXIT` in the mailbox of one that does (OTP's `flush_EXIT`); then the start is
 * failed with `error`, or with {@link InitExited} when `init` died, exited or was stopped. A
 * `normal` start failure (the name is taken, `init` returned `ignore`) ends the process `Normal`,
 * as OTP's `init_fail(..., {exit, normal})`.
 */
const failStart = (
  record: kernel.ProcessRecord,
  parent: kernel.ProcessRecord | undefined,
  ack: Deferred.Deferred<void, unknown>,
  error: unknown,
  normal: boolean
): void => {
  if (parent !== undefined) kernel.unlinkRecords(record, parent)
  if (normal) kernel.terminate(record, ExitReason.normal, false)
  Deferred.doneUnsafe(ack, Exit.fail(error))
}

/** How a failure of `init` fails the start: with its typed error, or `InitExited` for a defect or an exit. */
const initFailure = (
  record: kernel.ProcessRecord,
  parent: kernel.ProcessRecord | undefined,
  ack: Deferred.Deferred<void, unknown>,
  cause: Cause.Cause<unknown>
): Effect.Effect<void> =>
  Effect.sync(() => {
    const failed = Cause.hasDies(cause) ? undefined : cause.reasons.find(Cause.isFailReason)
    if (failed === undefined) return failStart(record, parent, ack, InitExited, false)
    failStart(record, parent, ack, failed.error, Errors.isIgnored(failed.error))
  })

/**
 * `init` answers OTP's `ignore`: the start fails with `Ignored` (so the error is in a start's type
 * exactly when its `init` can ignore), the process exits `Normal`, and a supervisor records the
 * child as not running.
 */
export const ignore: Effect.Effect<never, Errors.Ignored> = Effect.failSync(() => new Errors.Ignored())

/** The engine of a behaviour (GenServer's loop, GenStatem's), as the common server body sees it. */
export interface ServerEngine extends sys.Inspectable {
  /** Set once the engine runs `terminate` on its way out: a crash after that does not run it again. */
  readonly stopping: boolean
  /** When `init` started, in the node clock's milliseconds (`Sys.statistics`): set by the server body. */
  startedAt: number
  /** Handles the system lane (`GetState`, `StopRequest`, ...). */
  system(message: unknown): Effect.Effect<unknown, unknown, unknown>
  /** Runs the behaviour's `terminate` with `reason`. */
  runTerminate(reason: ExitReason.ExitReason): Effect.Effect<void>
}

/** What a behaviour gives the common server body: its engine, and `init`, which succeeds with the loop. */
export interface ServerProcess {
  readonly engine: ServerEngine
  /** Runs `init`; succeeds with the loop that runs once the start is acknowledged. */
  readonly init: Effect.Effect<Effect.Effect<unknown, unknown, any>, unknown, any>
}

/**
 * The body of a server process: register the name, run `init`, acknowledge the start, then run the
 * loop. When the name is taken or `init` fails, dies, exits, is stopped or answers `ignore`, the
 * start fails (see `failStart`) and the process ends without signalling `parent`, its starter.
 */
export const serverBody = (
  name: Name.Name | undefined,
  ack: Deferred.Deferred<void, unknown>,
  parent: kernel.ProcessRecord | undefined,
  make: (record: kernel.ProcessRecord) => ServerProcess
): Effect.Effect<void, unknown, any> =>
  Effect.flatMap(kernel.currentSelf, (record) => {
    let server: ServerProcess | undefined
    const init = Effect.suspend(() => {
      // a `via` name of a registry that does not run throws: a defect of the start, as one of init
      const taken = name === undefined ? undefined : Name.register(name, record)
      if (taken !== undefined) {
        failStart(record, parent, ack, taken, true)
        return Effect.interrupt
      }
      server = make(record)
      const engine = server.engine
      const fiber = Fiber.getCurrent()!
      engine.startedAt = fiber.getRef(Clock.Clock).currentTimeMillisUnsafe()
      kernel.setSystemHandler(record, (message) => engine.system(message) as Effect.Effect<void>)
      // every line the server logs from now on, its crash report included, says which server it is
      // (the pid is there already): in its fiber's context for the rest of its life, as `spawn` puts the pid
      const annotations = fiber.getRef(References.CurrentLogAnnotations)
      fiber.setContext(
        Context.add(
          fiber.context,
          References.CurrentLogAnnotations,
          name === undefined
            ? { ...annotations, behaviour: engine.behaviourKind }
            : { ...annotations, name: Name.format(name), behaviour: engine.behaviourKind }
        )
      )
      kernel.setEngine(record, engine)
      return server.init
    })
    return Effect.flatMap(
      Effect.onError(init, (cause) =>
        Deferred.isDoneUnsafe(ack) ? Effect.void : initFailure(record, parent, ack, cause)
      ),
      (loop) => {
        Deferred.doneUnsafe(ack, Exit.void)
        // a crash in a callback runs terminate with the crash as reason, then the process exits
        // with it; a killed server runs no `terminate` (OTP: `kill` is untrappable; the process just dies)
        return Effect.onError(loop, (cause) =>
          record.pendingExit?._tag === "Killed" || server!.engine.stopping
            ? Effect.void
            : server!.engine.runTerminate(ExitReason.fromCause(cause))
        )
      }
    )
  })

/**
 * Spawns a server process running `makeBody(ack)` and waits until it acknowledges its start, OTP's
 * `proc_lib:start_link`. A start that fails returns only once the process has exited (its name is
 * free, a `via` registry has dropped it), with: the error `init` failed with (or `AlreadyRegistered`,
 * `Ignored`); `InitFailed` with the exit reason when `init` died, exited or was stopped; or
 * `StartTimeout` when `init` outlasted `timeout` (the process is unlinked, then killed). The link to
 * `parent` is removed before the process exits, so a failed start never signals the starter (a
 * process stopped before its body ran could not do it: its `EXIT` is flushed from the starter's
 * mailbox, as OTP's `flush_EXIT`). On a node that is closing, fails at once with `NodeClosed`.
 */
export const startWith = (
  makeBody: (ack: Deferred.Deferred<void, unknown>) => Effect.Effect<void, unknown, any>,
  options: StartOptions | undefined,
  parent: kernel.ProcessRecord | undefined,
  linkParent: boolean
): Effect.Effect<Server<any, any>, unknown, Node> =>
  Effect.flatMap(currentNode, (node) => {
    if (node.closing) return Effect.fail(new Errors.NodeClosed({ node: node.name }))
    const fiber = Fiber.getCurrent()!
    const ack = Deferred.makeUnsafe<void, unknown>()
    const linked = linkParent ? parent : undefined
    return Effect.flatMap(
      kernel.spawn(
        node,
        makeBody(ack),
        { mailbox: options?.mailbox, trapExit: options?.trapExit, logLevel: options?.logLevel },
        linked !== undefined ? (child) => kernel.linkRecords(linked, child) : undefined
      ),
      (record) => {
        if (options?.callLatency === true) {
          const label = options.name === undefined ? String(record.pid) : Name.format(options.name)
          kernel.measureCalls(record, label, fiber.context)
        }
        // the process ended before its body could run (killed at once): nothing else fails the start
        const onExit = () => Deferred.doneUnsafe(ack, Exit.fail(InitExited))
        kernel.addExitListener(record, onExit)
        const acked = Effect.ensuring(
          Deferred.await(ack),
          Effect.sync(() => kernel.removeExitListener(record, onExit))
        )
        const timeout = options?.timeout
        const waited =
          timeout === undefined || timeout === "infinity"
            ? acked
            : Effect.timeoutOrElse(acked, {
                duration: timeout,
                orElse: () =>
                  Effect.suspend(() => {
                    // OTP's kill_flush_EXIT: unlinked first, so the kill does not come back to the starter
                    if (linked !== undefined) kernel.unlinkRecords(linked, record)
                    kernel.exitSignal(record, node.systemPid, ExitReason.killed, "kill")
                    return Effect.fail(
                      new StartTimeout({ timeout: Duration.toMillis(Duration.fromInputUnsafe(timeout)) })
                    )
                  })
              })
        return Effect.matchEffect(waited, {
          onSuccess: () => Effect.succeed(byRecord(record)),
          onFailure: (error) =>
            Effect.flatMap(kernel.awaitExit(record.pid), (reason) => {
              // a process stopped before its body ran could not unlink itself, and its EXIT came
              // (it kills a starter that does not trap exits, as in OTP): OTP's flush_EXIT
              if (linked !== undefined) {
                kernel.flushMessages(linked, (m) => m instanceof kernel.ExitMessage && m.from === record.pid)
              }
              return Effect.fail(error === InitExited ? new InitFailed({ reason }) : error)
            })
        })
      }
    ) as never
  })

/** `startWith` for `start` (no link), `startLink` (linked to the caller) and `startMonitor`. */
export const start = (
  makeBody: (
    ack: Deferred.Deferred<void, unknown>,
    parent: kernel.ProcessRecord | undefined
  ) => Effect.Effect<void, unknown, any>,
  options: StartOptions | undefined
): Effect.Effect<Server<any, any>, unknown, Node> =>
  startWith((ack) => makeBody(ack, undefined), options, undefined, false)

export const startLink = (
  makeBody: (
    ack: Deferred.Deferred<void, unknown>,
    parent: kernel.ProcessRecord | undefined
  ) => Effect.Effect<void, unknown, any>,
  options: StartOptions | undefined
): Effect.Effect<Server<any, any>, unknown, Node | Process.Self<unknown>> =>
  Effect.flatMap(kernel.currentSelf, (parent) => startWith((ack) => makeBody(ack, parent), options, parent, true))

export const startMonitor = (
  makeBody: (
    ack: Deferred.Deferred<void, unknown>,
    parent: kernel.ProcessRecord | undefined
  ) => Effect.Effect<void, unknown, any>,
  options: StartOptions | undefined
): Effect.Effect<
  { readonly server: Server<any, any>; readonly ref: Process.MonitorRef },
  unknown,
  Node | Process.Self<unknown>
> =>
  Effect.flatMap(kernel.currentSelf, (self) =>
    Effect.map(
      startWith((ack) => makeBody(ack, undefined), options, undefined, false),
      (server) => {
        const record = server.resolve()
        const ref = kernel.monitorRecord(self, record, record?.pid ?? self.pid)
        return { server, ref }
      }
    )
  )

// ---------------------------------------------------------------------------------------------
// Supervision
// ---------------------------------------------------------------------------------------------

/** Options of a behaviour's `childSpec`: start options beside `restart`, `shutdown`, `significant`. */
export type ChildSpecOptions = StartOptions & Omit<ChildSpecModule.ChildSpec, "id" | "start" | "type">

/** A worker child spec whose start is `startLink(startOptions)`. */
export const childSpec = <E, R>(
  id: string,
  startLink: (options: StartOptions) => Effect.Effect<ChildSpecModule.Started, E, R>,
  options: ChildSpecOptions | undefined
): ChildSpecModule.ChildSpec<E, R> => {
  const { restart, shutdown, significant, ...start } = options ?? {}
  return { id, start: startLink(start), restart, shutdown, significant }
}

/**
 * Whether `message` is the trapped exit signal of the server's `parent` (its starter), which stops
 * a GenServer or a GenStatem with that reason after `terminate`, as OTP's behaviours do.
 */
export const isParentExit = (
  message: unknown,
  parent: kernel.ProcessRecord | undefined
): message is kernel.ExitMessage =>
  message instanceof kernel.ExitMessage && parent !== undefined && kernel.pidKey(message.from) === parent.pid

/**
 * Runs a behaviour's `terminate` callback. When it crashes, the process exits with that crash
 * instead of the reason it was stopping with, as OTP's `gen_server:terminate` (`exit(R)` after a
 * terminate that raised): the crash report shows it, and `stop` fails with it.
 */
export const runTerminate = (
  record: kernel.ProcessRecord,
  terminate: Effect.Effect<void, unknown, unknown> | undefined
): Effect.Effect<void> =>
  terminate === undefined
    ? Effect.void
    : (Effect.catchCause(terminate, (cause) =>
        Effect.sync(() => kernel.terminate(record, ExitReason.fromCause(cause), false))
      ) as Effect.Effect<void>)

/** Runs `terminate`, then ends the process with `reason` (or with terminate's crash). */
export const stopAfter = (
  record: kernel.ProcessRecord,
  terminate: Effect.Effect<void>,
  reason: ExitReason.ExitReason
): Effect.Effect<never> =>
  Effect.flatMap(terminate, () => {
    kernel.terminate(record, reason, false)
    return Effect.interrupt
  })

/**
 * Whether an error is one of the errors of the call machinery (`CallError`): the server is not
 * alive, exited during the call, did not answer in time, its mailbox refused or dropped the call,
 * or the caller called itself; not an error the request declares.
 */
export const isCallError = (u: unknown): u is CallError =>
  u instanceof Errors.NoProc ||
  u instanceof ServerExited ||
  u instanceof CallTimeout ||
  u instanceof Errors.MailboxFull ||
  u instanceof CallDropped ||
  u instanceof CallingSelf ||
  u instanceof Errors.Undecodable
