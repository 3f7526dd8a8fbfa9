/**
 * The engine of `ClusterServer`: a GenServer behaviour turned into an `effect/cluster` entity, and
 * the typed client of such an entity. This file and `runner.ts` are the only ones that import
 * `effect/cluster` and `effect/rpc` (both tagged unstable), so an Effect minor release that changes
 * them touches these two files.
 *
 * How an entity instance runs: the cluster creates it on the runner that owns its shard when the
 * first message for it arrives, and gives it a queue of requests (`toLayerQueue`). The instance
 * starts the behaviour as a GenServer process of the runner's node, under a local name, and
 * forwards each request to it, one at a time: a call with `GenServer.call` (the reply, or a declared
 * error, goes back through the cluster), a cast with `GenServer.cast`. When the process has exited
 * (a crash, a `stopWith` result), the next request starts it again.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import { MalformedMessage } from "effect/cluster/ClusterError"
import * as ClusterSchema from "effect/cluster/ClusterSchema"
import * as Entity from "effect/cluster/Entity"
import type * as Envelope from "effect/cluster/Envelope"
import type { Sharding } from "effect/cluster/Sharding"
import * as Rpc from "effect/rpc/Rpc"
import type { Node, Request } from "effect-otp"
import * as Errors from "effect-otp/Errors"
import * as ExitReason from "effect-otp/ExitReason"
import * as GenServer from "effect-otp/GenServer"
import { CallTimeout, describeIssue, EntityCrashed, InvalidEntity, InvalidRequest, Undecodable } from "./errors.ts"
import { Snapshots, type SnapshotsApi } from "./snapshots.ts"

/** A request class (`Request.Class`). */
export type RequestClass = (abstract new (
  ...args: any
) => Request.Any) & {
  readonly success: Schema.Top
  readonly failure: Schema.Top
}

/** What the handler of a request delivered by the cluster can learn about its delivery. */
export interface Delivery {
  readonly entityType: string
  readonly entityId: string
  readonly idempotencyKey: string
  readonly persisted: boolean
}

/**
 * The delivery of each request object the entity forwards to its process. A request is a fresh
 * object per delivery (decoded from the wire or from storage), so its identity names the delivery.
 */
const deliveries = new WeakMap<object, Delivery>()

export const deliveryOf = (request: Request.Any): Option.Option<Delivery> =>
  Option.fromUndefinedOr(deliveries.get(request))

export interface SnapshotOptions<S> {
  readonly state: Schema.Codec<S, any>
  readonly every?: number | undefined
}

/** The `snapshot` option as given: its `state` defaults to the behaviour's `state` Schema. */
export interface SnapshotOption<S> {
  readonly state?: Schema.Codec<S, any> | undefined
  readonly every?: number | undefined
}

export interface Options<Args, S> {
  readonly args?: ((entityId: string) => Args) | undefined
  readonly casts?: ReadonlyArray<abstract new (...args: any) => any> | undefined
  readonly persisted?: ReadonlyArray<abstract new (...args: any) => any> | undefined
  readonly snapshot?: SnapshotOption<S> | undefined
  readonly maxIdleTime?: Duration.Input | undefined
  readonly mailboxCapacity?: number | "unbounded" | undefined
  readonly start?: Pick<GenServer.StartOptions, "mailbox" | "trapExit" | "timeout"> | undefined
}

interface Route {
  readonly kind: "call" | "cast"
  readonly persisted: boolean
}

type AnyBehaviour = GenServer.Behaviour<any, any, any, any, any, any, any, any>

/** The runtime side of a `ClusterServer.Entity`. */
export interface Definition {
  readonly type: string
  readonly behaviour: AnyBehaviour
  readonly cluster: Entity.Any
  readonly routes: ReadonlyMap<string, Route>
  readonly layer: Layer.Layer<never, never, any>
}

const tagOf = (type: string, field: string, cls: unknown): string => {
  const any = cls as any
  const literal = any?.fields?._tag?.ast?.literal
  if (typeof literal === "string") return literal
  if (typeof any?.identifier === "string") return any.identifier
  throw new InvalidEntity({ entityType: type, field, reason: `${String(any?.name)} is not a Request.Class` })
}

/** The local name of an entity instance's process on its runner's node. */
export const localName = (type: string, entityId: string): string => `cluster:${type}/${entityId}`

const codecOf = <S>(type: string, snapshot: SnapshotOptions<S>) => {
  const codec = Schema.toCodecJson(snapshot.state) as unknown as Schema.Codec<S, unknown>
  const encode = Schema.encodeUnknownEffect(codec)
  const decode = Schema.decodeUnknownEffect(codec)
  return {
    encode: (state: S) =>
      Effect.map(
        Effect.mapError(
          encode(state),
          (error) => new InvalidEntity({ entityType: type, field: "snapshot.state", ...reasonOf(error) })
        ),
        (json) => JSON.stringify(json)
      ),
    decode: (text: string) =>
      Effect.mapError(
        Effect.flatMap(
          Effect.try({ try: () => JSON.parse(text) as unknown, catch: (e) => new Error(String(e)) }),
          (json) => decode(json)
        ),
        (error) =>
          new InvalidEntity({
            entityType: type,
            field: "snapshot.state",
            reason: Schema.isSchemaError(error) ? reasonOf(error).reason : error.message
          })
      )
  }
}

const reasonOf = (error: Schema.SchemaError) => {
  const { field, issue } = describeIssue(error.issue)
  return { reason: field === "" ? issue : `${field}: ${issue}` }
}

/**
 * The behaviour with its state written to `snapshots` after every `every`-th handled message and
 * when it terminates, and read back by `init` when a snapshot exists (`init` then does not run).
 * Made per entity instance: the counter is the instance's.
 */
const withSnapshots = (
  behaviour: AnyBehaviour,
  type: string,
  entityId: string,
  snapshot: SnapshotOptions<any>,
  snapshots: SnapshotsApi
): AnyBehaviour => {
  const codec = codecOf(type, snapshot)
  const every = snapshot.every ?? 1
  let handled = 0
  const save = (state: unknown) =>
    Effect.orDie(Effect.flatMap(codec.encode(state), (text) => snapshots.save(type, entityId, text)))
  const after = <R extends { readonly state: unknown }>(result: R): Effect.Effect<R> => {
    handled += 1
    return handled % every === 0 ? Effect.as(save(result.state), result) : Effect.succeed(result)
  }
  const wrap = <F extends ((...args: Array<any>) => Effect.Effect<any, any, any>) | undefined>(f: F): F =>
    (f === undefined ? undefined : (...args: Array<any>) => Effect.flatMap(f(...args), after)) as F
  const handleCall: Record<string, any> = {}
  for (const [tag, handler] of Object.entries(behaviour.handleCall ?? {})) handleCall[tag] = wrap(handler as any)
  return {
    ...behaviour,
    init: (args: unknown) =>
      Effect.flatMap(Effect.orDie(snapshots.load(type, entityId)), (stored) =>
        Option.isSome(stored)
          ? Effect.map(Effect.orDie(codec.decode(stored.value)), (state) => GenServer.ok(state))
          : behaviour.init(args)
      ),
    handleCall: handleCall as never,
    handleCast: wrap(behaviour.handleCast),
    handleInfo: wrap(behaviour.handleInfo),
    handleContinue: wrap(behaviour.handleContinue),
    terminate: (reason: ExitReason.ExitReason, state: unknown) =>
      Effect.andThen(Effect.ignore(save(state)), behaviour.terminate?.(reason, state) ?? Effect.void)
  }
}

const crashReason = (error: unknown): string =>
  GenServer.isCallError(error) && error._tag === "ServerExited"
    ? String(error.reason)
    : typeof (error as any)?.message === "string"
      ? (error as any).message
      : String(error)

/** The body of one entity instance: starts its process on demand and forwards requests to it. */
const instance = (definition: {
  readonly type: string
  readonly behaviour: AnyBehaviour
  readonly routes: ReadonlyMap<string, Route>
  readonly args: (entityId: string) => unknown
  readonly snapshot: SnapshotOptions<any> | undefined
  readonly start: GenServer.StartOptions
}) =>
  Effect.gen(function* () {
    const address = yield* Entity.CurrentAddress
    const entityId: string = address.entityId
    const type = definition.type
    const behaviour =
      definition.snapshot === undefined
        ? definition.behaviour
        : withSnapshots(definition.behaviour, type, entityId, definition.snapshot, yield* Snapshots)
    const startOptions: GenServer.StartOptions = { ...definition.start, name: localName(type, entityId) }
    let server: GenServer.Server<any, any> | undefined
    const running = Effect.suspend(() =>
      server !== undefined && Option.isSome(server.whereis())
        ? Effect.succeed(server)
        : Effect.tap(GenServer.start(behaviour, definition.args(entityId), startOptions), (started) =>
            Effect.sync(() => {
              server = started
            })
          )
    )
    // passivation, a shard moving away, the runner stopping: the process stops with `Shutdown`
    // (its `terminate` runs, and with snapshots on, the state is written)
    yield* Effect.addFinalizer(() =>
      server === undefined ? Effect.void : Effect.ignore(GenServer.stop(server, ExitReason.shutdown))
    )
    // the process has exited (a call fails with `ServerExited` or `NoProc` only then, and its name is
    // already free): the next request starts a new one
    const crashed = (request: Envelope.Request<any>, replier: Entity.Replier<any>, error: unknown) =>
      Effect.suspend(() => {
        server = undefined
        return replier.fail(
          request,
          new EntityCrashed({ entityType: type, entityId, request: request.tag, reason: crashReason(error) })
        )
      })
    const handle = (request: Envelope.Request<any>, replier: Entity.Replier<any>) => {
      const route = definition.routes.get(request.tag)!
      const payload = request.payload as Request.Any
      deliveries.set(payload, {
        entityType: type,
        entityId,
        idempotencyKey: String(request.requestId),
        persisted: route.persisted
      })
      return Effect.flatMap(Effect.exit(running), (started) => {
        if (Exit.isFailure(started)) {
          const failure = Option.getOrUndefined(Exit.findErrorOption(started))
          return crashed(request, replier, failure ?? "init died")
        }
        const target = started.value
        if (route.kind === "cast") {
          return Effect.andThen(Effect.ignore(GenServer.cast(target, payload)), replier.succeed(request, undefined))
        }
        return Effect.matchEffect(GenServer.call(target, payload, { timeout: "infinity" }), {
          onSuccess: (value) => replier.succeed(request, value),
          onFailure: (error) =>
            GenServer.isCallError(error) ? crashed(request, replier, error) : replier.fail(request, error)
        })
      })
    }
    return (queue: Queue.Dequeue<Envelope.Request<any>>, replier: Entity.Replier<any>) =>
      Effect.forever(Effect.flatMap(Queue.take(queue), (request) => handle(request, replier)))
  })

const positiveInt = (n: unknown) => typeof n === "number" && Number.isInteger(n) && n > 0

export const make = (type: string, behaviour: AnyBehaviour, options: Options<any, any> | undefined): Definition => {
  if (typeof type !== "string" || type === "") {
    throw new InvalidEntity({ entityType: String(type), field: "type", reason: "must be a non-empty string" })
  }
  const calls = behaviour.protocol ?? []
  const casts = options?.casts ?? []
  const persisted = new Set((options?.persisted ?? []).map((cls) => tagOf(type, "persisted", cls)))
  const routes = new Map<string, Route>()
  const rpcs: Array<Rpc.Any> = []
  const add = (field: "protocol" | "casts", cls: unknown) => {
    const tag = tagOf(type, field, cls)
    if (routes.has(tag))
      throw new InvalidEntity({ entityType: type, field, reason: `two requests have the tag "${tag}"` })
    const request = cls as RequestClass
    const payload = cls as Schema.Top
    const rpc =
      field === "protocol"
        ? Rpc.make(tag, { payload, success: request.success, error: Schema.Union([request.failure, EntityCrashed]) })
        : Rpc.make(tag, { payload, error: EntityCrashed })
    routes.set(tag, { kind: field === "protocol" ? "call" : "cast", persisted: persisted.has(tag) })
    rpcs.push(persisted.has(tag) ? rpc.annotate(ClusterSchema.Persisted, true) : rpc)
  }
  for (const cls of calls) add("protocol", cls)
  for (const cls of casts) add("casts", cls)
  for (const tag of persisted) {
    if (!routes.has(tag)) {
      throw new InvalidEntity({
        entityType: type,
        field: "persisted",
        reason: `"${tag}" is neither a request of the protocol nor a cast`
      })
    }
  }
  const every = options?.snapshot?.every
  if (every !== undefined && !positiveInt(every)) {
    throw new InvalidEntity({
      entityType: type,
      field: "snapshot.every",
      reason: `must be a positive integer, got ${String(every)}`
    })
  }
  // the state's Schema: the one given here, else the behaviour's own (`state`, also used by a code change)
  const state = options?.snapshot === undefined ? undefined : (options.snapshot.state ?? behaviour.state)
  if (options?.snapshot !== undefined && state === undefined) {
    throw new InvalidEntity({
      entityType: type,
      field: "snapshot.state",
      reason: "is required when the behaviour declares no state Schema (its `state`)"
    })
  }
  const cluster = Entity.make(type, rpcs)
  const body = instance({
    type,
    behaviour,
    routes,
    args: options?.args ?? ((entityId) => entityId),
    snapshot: state === undefined ? undefined : { state: state as Schema.Codec<unknown, any>, every },
    start: options?.start ?? {}
  })
  const layer = cluster.toLayerQueue(body as never, {
    maxIdleTime: options?.maxIdleTime,
    mailboxCapacity: options?.mailboxCapacity
  })
  return { type, behaviour, cluster, routes, layer }
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

export interface CallOptions {
  readonly timeout?: Duration.Input | "infinity" | undefined
}

const defaultTimeout = Duration.seconds(5)

const invalidRequest = (type: string, tag: string, thrown: unknown): InvalidRequest => {
  const issue = Schema.isSchemaError(thrown) ? thrown.issue : (thrown as any)?.cause
  const described =
    issue !== undefined && typeof issue === "object" && "_tag" in issue
      ? describeIssue(issue)
      : { field: "", issue: String((thrown as any)?.message ?? thrown) }
  return new InvalidRequest({ entityType: type, request: tag, ...described })
}

/** The name of `MalformedMessage`, which is what is left of it once it has crossed as a defect. */
const malformedName = new MalformedMessage({ cause: undefined }).name

/** How Schema's message names the path of an issue (`Expected an integer\n  at ["a"]["b"]`). */
const atPath = "\n  at "

/** Where a reply's value sits in the cluster's encoded reply: its success, or a declared error. */
const replyPath = /^\["exit"\](?:\["value"\]|\["cause"\]\["reasons"\]\[\d+\]\["error"\])/

/**
 * Schema's message for a reply that did not encode, from the defect the cluster answers with then,
 * or `undefined` for any other defect. A runner (`RunnerServer`) or the storage of a durable reply
 * (`MessageStorage`) that cannot encode a reply with its request's Schemas stores or sends instead
 * the defect `MalformedMessage`, which reaches the caller as its name and its cause (an `Error`, or
 * its JSON form), the `SchemaError` whose message places the issue in the encoded reply: under
 * `["exit"]["value"]` for a success, under `["exit"]["cause"]["reasons"][i]["error"]` for a
 * declared error. That prefix is dropped, so the reason reads as Schema's message for the value.
 * (A request that does not encode is the live `MalformedMessage` of the caller's own client.)
 */
const replyNotEncoded = (defect: unknown): string | undefined => {
  if (typeof defect !== "object" || defect === null || MalformedMessage.is(defect)) return undefined
  const { name, cause } = defect as { readonly name?: unknown; readonly cause?: { readonly message?: unknown } }
  const message = cause?.message
  if (name !== malformedName || typeof message !== "string") return undefined
  const at = message.indexOf(atPath)
  if (at < 0) return undefined
  const line = message.slice(at + atPath.length).split("\n", 1)[0]!
  const prefix = replyPath.exec(line)
  if (prefix === null) return undefined
  const rest = line.slice(prefix[0].length)
  return rest === "" ? message.slice(0, at) : `${message.slice(0, at)}${atPath}${rest}`
}

/**
 * Sends through the cluster's client; a request its Schema rejects is a typed `InvalidRequest`,
 * a reply its Schemas reject is a typed `Undecodable` (logged). Both are found on the failure path
 * only: a defect of the cluster's.
 */
const send = (
  definition: Definition,
  entityId: string,
  rpc: Record<string, (payload: unknown, options?: { readonly discard?: boolean }) => Effect.Effect<any, any>>,
  request: Request.Any,
  discard: boolean
): Effect.Effect<any, any> => {
  const tag = request?._tag
  const route = definition.routes.get(tag)
  if (route === undefined || (route.kind === "cast") !== discard) {
    return Effect.fail(
      new InvalidRequest({
        entityType: definition.type,
        request: String(tag),
        field: "",
        issue: discard ? "not a cast of this entity" : "not a request of this entity's protocol"
      })
    )
  }
  let sent: Effect.Effect<any, any>
  try {
    // the cluster's client builds the payload with its Schema here, synchronously
    sent = discard ? rpc[tag]!(request, { discard: true }) : rpc[tag]!(request)
  } catch (thrown) {
    return Effect.fail(invalidRequest(definition.type, tag, thrown))
  }
  // a payload that does not encode is the cluster's defect `MalformedMessage`, raised before
  // anything is sent; it is the caller's bad input, so it becomes a typed error. A reply that does
  // not encode comes back as that defect too, from the runner or the storage: a typed error as well
  return Effect.catchDefect(sent, (defect): Effect.Effect<never, InvalidRequest | Undecodable> => {
    if (MalformedMessage.is(defect) && Schema.isSchemaError(defect.cause)) {
      return Effect.fail(invalidRequest(definition.type, tag, defect.cause))
    }
    const reason = discard ? undefined : replyNotEncoded(defect)
    if (reason === undefined) return Effect.die(defect)
    const error = new Undecodable({ entityType: definition.type, entityId, request: tag, what: "reply", reason })
    return Effect.andThen(Effect.logWarning(error.message), Effect.fail(error))
  })
}

export const client = (definition: Definition) =>
  Effect.map(definition.cluster.client, (make) => (entityId: string) => {
    const rpc = make(entityId) as never
    return {
      entityId,
      call: (request: Request.Any, options?: CallOptions) => {
        // as `GenServer.call`: an invalid timeout is the caller's bad input, refused before sending
        const bad =
          options === undefined ? undefined : Errors.checkTimeout("ClusterServer.call", "timeout", options.timeout)
        if (bad !== undefined) return Effect.fail(bad)
        const sent = send(definition, entityId, rpc, request, false)
        const timeout = options?.timeout ?? defaultTimeout
        if (timeout === "infinity") return sent
        const duration = Duration.fromInputUnsafe(timeout)
        return Effect.timeoutOrElse(sent, {
          duration,
          orElse: () =>
            Effect.fail(
              new CallTimeout({
                entityType: definition.type,
                entityId,
                request: request._tag,
                timeout: Duration.toMillis(duration)
              })
            )
        })
      },
      cast: (message: Request.Any) => send(definition, entityId, rpc, message, true)
    }
  })

export type { Node, Sharding }
