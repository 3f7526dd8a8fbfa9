/**
 * Epmd's engine: the client requests (ALIVE2, PORT_PLEASE2, NAMES) and the embedded server, with
 * the errors they fail with (re-exported by `Epmd`).
 *
 * @internal
 */
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import { Deferred, Duration, Effect, Option, Schema, type Scope } from "effect"
import * as Socket from "effect/socket/Socket"
import type { Address, EpmdError, NodeInfo, Registration, Server } from "../Epmd.ts"
import { Bytes, concat, u16, u32 } from "./bytes.ts"

/**
 * No EPMD answered at `host:port`, the connection broke, or the answer took longer than the timeout.
 */
export class EpmdUnavailable extends Schema.TaggedError<EpmdUnavailable>()("EpmdUnavailable", {
  host: Schema.String,
  port: Schema.Number,
  reason: Schema.String
}) {
  override get message(): string {
    return `EPMD at ${this.host}:${this.port} is unavailable: ${this.reason}`
  }
}

/**
 * EPMD refused to register the name (result 1: another node holds it).
 */
export class EpmdRefused extends Schema.TaggedError<EpmdRefused>()("EpmdRefused", {
  nodeName: Schema.String,
  result: Schema.Number
}) {
  override get message(): string {
    return `EPMD refused to register "${this.nodeName}" (result ${this.result}${this.result === 1 ? ": the name is taken" : ""})`
  }
}

/**
 * An answer that does not follow EPMD's protocol.
 */
export class EpmdProtocolError extends Schema.TaggedError<EpmdProtocolError>()("EpmdProtocolError", {
  reason: Schema.String
}) {
  override get message(): string {
    return `EPMD protocol error: ${this.reason}`
  }
}

/**
 * A node name EPMD cannot hold.
 */
export class InvalidNodeName extends Schema.TaggedError<InvalidNodeName>()("InvalidNodeName", {
  nodeName: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `invalid node name "${this.nodeName}": ${this.reason}`
  }
}

const ALIVE2_REQ = 120
const ALIVE2_X_RESP = 118
const ALIVE2_RESP = 121
const PORT_PLEASE2_REQ = 122
const PORT2_RESP = 119
const NAMES_REQ = 110
const NORMAL = 77
const HIDDEN = 72

const defaultPort = (): number => {
  const env = Number(process.env.ERL_EPMD_PORT)
  return Number.isInteger(env) && env > 0 && env < 65536 ? env : 4369
}

const resolve = (address: Address | undefined) => ({
  host: address?.host ?? "127.0.0.1",
  port: address?.port ?? defaultPort(),
  timeout: Duration.fromInputUnsafe(address?.timeout ?? "5 seconds")
})

const utf8 = new TextEncoder()
const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true })

const checkName = (name: string): Effect.Effect<Uint8Array, InvalidNodeName> => {
  const bytes = utf8.encode(name)
  if (bytes.length === 0) return Effect.fail(new InvalidNodeName({ nodeName: name, reason: "it is empty" }))
  if (bytes.length > 255)
    return Effect.fail(new InvalidNodeName({ nodeName: name, reason: "it is longer than 255 bytes" }))
  if (name.includes("@")) {
    return Effect.fail(new InvalidNodeName({ nodeName: name, reason: "EPMD registers the part before @" }))
  }
  return Effect.succeed(bytes)
}

// ---------------------------------------------------------------------------------------------
// Bytes over a socket
// ---------------------------------------------------------------------------------------------

const request = (body: Uint8Array): Uint8Array => {
  const out = new Uint8Array(2 + body.length)
  out[0] = body.length >> 8
  out[1] = body.length & 0xff
  out.set(body, 2)
  return out
}

/**
 * Connects to EPMD, sends `body` as one request and runs `handle` on the answer's bytes, within the
 * timeout; a socket failure is `EpmdUnavailable`.
 */
const exchange = <A, E>(
  address: Address | undefined,
  body: Uint8Array,
  handle: (bytes: Bytes) => Effect.Effect<A, E | Socket.SocketError, Scope.Scope>
): Effect.Effect<A, E | EpmdUnavailable, Scope.Scope> => {
  const { host, port, timeout } = resolve(address)
  const unavailable = (reason: string) => new EpmdUnavailable({ host, port, reason })
  return Effect.gen(function* () {
    const socket = yield* NodeSocket.makeNet({ host, port })
    const reader = yield* socket.reader
    const writer = yield* socket.writer
    yield* writer.write(request(body))
    return yield* handle(new Bytes(reader.pull as Socket.Reader<Uint8Array>["pull"]))
  }).pipe(
    Effect.timeoutOrElse({
      duration: timeout,
      orElse: () => Effect.fail(unavailable(`no answer within ${Duration.toMillis(timeout)} ms`))
    }),
    Effect.catchIf(Socket.isSocketError, (error) => Effect.fail(unavailable(describeSocketError(error))))
  ) as never
}

const describeSocketError = (error: Socket.SocketError): string => {
  const reason = error.reason
  if (reason._tag === "SocketCloseError") return "the connection was closed"
  const cause = (reason as { readonly cause?: unknown }).cause
  return cause instanceof Error ? cause.message : reason._tag
}

const closedEarly = (what: string) => new EpmdProtocolError({ reason: `the connection closed before ${what}` })

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

/**
 * Registers a node (`ALIVE2_REQ`) for as long as the current scope lives: closing the scope closes
 * the connection, and EPMD forgets the name. Fails with `EpmdRefused` when the name is taken.
 */
export const register = (
  node: { readonly name: string; readonly port: number; readonly hidden?: boolean | undefined },
  address?: Address
): Effect.Effect<Registration, EpmdError, Scope.Scope> =>
  Effect.gen(function* () {
    const name = yield* checkName(node.name)
    const body = new Uint8Array(13 + name.length)
    const view = new DataView(body.buffer)
    body[0] = ALIVE2_REQ
    view.setUint16(1, node.port)
    body[3] = node.hidden === true ? HIDDEN : NORMAL
    body[4] = 0 // TCP/IPv4
    view.setUint16(5, 6) // highest version
    view.setUint16(7, 6) // lowest version
    view.setUint16(9, name.length)
    body.set(name, 11)
    view.setUint16(11 + name.length, 0) // no extra
    // the registration lives as long as the connection: the socket's scope is the caller's
    return yield* exchange(address, body, (bytes) =>
      Effect.gen(function* () {
        const head = yield* bytes.read(2)
        if (head === undefined) return yield* Effect.fail(closedEarly("the ALIVE2 answer"))
        if (head[0] !== ALIVE2_X_RESP && head[0] !== ALIVE2_RESP) {
          return yield* Effect.fail(new EpmdProtocolError({ reason: `answer ${head[0]} to ALIVE2_REQ` }))
        }
        if (head[1] !== 0) return yield* Effect.fail(new EpmdRefused({ nodeName: node.name, result: head[1]! }))
        const creation = yield* bytes.read(head[0] === ALIVE2_X_RESP ? 4 : 2)
        if (creation === undefined) return yield* Effect.fail(closedEarly("the creation"))
        return { name: node.name, creation: creation.length === 4 ? u32(creation, 0) : u16(creation, 0) }
      })
    )
  })

/**
 * The port and versions of the node registered as `name` (`PORT_PLEASE2_REQ`); `None` when no node
 * has that name.
 */
export const lookup = (name: string, address?: Address): Effect.Effect<Option.Option<NodeInfo>, EpmdError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const bytes = yield* checkName(name)
      return yield* exchange(address, Uint8Array.of(PORT_PLEASE2_REQ, ...bytes), (reply) =>
        Effect.gen(function* () {
          const head = yield* reply.read(2)
          if (head === undefined) return yield* Effect.fail(closedEarly("the PORT2 answer"))
          if (head[0] !== PORT2_RESP) {
            return yield* Effect.fail(new EpmdProtocolError({ reason: `answer ${head[0]} to PORT_PLEASE2_REQ` }))
          }
          if (head[1] !== 0) return Option.none()
          const fixed = yield* reply.read(10)
          if (fixed === undefined) return yield* Effect.fail(closedEarly("the node's port"))
          const nameBytes = yield* reply.read(u16(fixed, 8))
          const elen = yield* reply.read(2)
          if (nameBytes === undefined || elen === undefined) return yield* Effect.fail(closedEarly("the node's name"))
          const extra = yield* reply.read(u16(elen, 0))
          if (extra === undefined) return yield* Effect.fail(closedEarly("the node's extra"))
          return Option.some<NodeInfo>({
            name: utf8Decoder.decode(nameBytes),
            port: u16(fixed, 0),
            hidden: fixed[2] === HIDDEN,
            highestVersion: u16(fixed, 4),
            lowestVersion: u16(fixed, 6),
            extra
          })
        })
      )
    })
  )

/**
 * Every name registered with EPMD and its port (`NAMES_REQ`).
 */
export const names = (
  address?: Address
): Effect.Effect<ReadonlyArray<{ readonly name: string; readonly port: number }>, EpmdError> =>
  Effect.scoped(
    exchange(address, Uint8Array.of(NAMES_REQ), (reply) =>
      Effect.gen(function* () {
        const epmdPort = yield* reply.read(4)
        if (epmdPort === undefined) return yield* Effect.fail(closedEarly("the NAMES answer"))
        const text = utf8Decoder.decode(yield* reply.rest())
        const out: Array<{ name: string; port: number }> = []
        for (const line of text.split("\n")) {
          if (line === "") continue
          const m = /^name (.+) at port (\d+)$/.exec(line)
          if (m === null) return yield* Effect.fail(new EpmdProtocolError({ reason: `a NAMES line "${line}"` }))
          out.push({ name: m[1]!, port: Number(m[2]) })
        }
        return out
      })
    )
  )

// ---------------------------------------------------------------------------------------------
// Embedded server
// ---------------------------------------------------------------------------------------------

/**
 * Runs an EPMD in the current scope, on `host:port` (default `127.0.0.1:4369`; port 0 picks a
 * free one): `ALIVE2_REQ` (a name is registered while its connection stays open; a taken name is
 * refused with result 1), `PORT_PLEASE2_REQ` and `NAMES_REQ`, as Erlang's `epmd` answers them. A
 * malformed request closes its connection and nothing else. Fails with `EpmdUnavailable` when the
 * address is in use.
 */
export const serve = (options?: {
  readonly host?: string
  readonly port?: number
}): Effect.Effect<Server, EpmdUnavailable, Scope.Scope> =>
  Effect.gen(function* () {
    const host = options?.host ?? "127.0.0.1"
    const requested = options?.port ?? 4369
    const server = yield* NodeSocketServer.make({ host, port: requested }).pipe(
      Effect.mapError((error) => new EpmdUnavailable({ host, port: requested, reason: error.message }))
    )
    const port = server.address._tag === "UnixPathAddress" ? requested : server.address.port
    const nodes = new Map<string, NodeInfo>()
    const gone = new Map<string, Deferred.Deferred<void>>()
    const unregister = (name: string) => {
      nodes.delete(name)
      const waiting = gone.get(name)
      gone.delete(name)
      if (waiting !== undefined) Deferred.doneUnsafe(waiting, Effect.void)
    }
    let creation = Math.floor(Math.random() * 0x7fffffff) + 1
    const handle = (socket: Socket.Socket) =>
      Effect.scoped(
        Effect.gen(function* () {
          const reader = yield* socket.reader
          const writer = yield* socket.writer
          const bytes = new Bytes(reader.pull as Socket.Reader<Uint8Array>["pull"])
          const len = yield* bytes.read(2)
          if (len === undefined || u16(len, 0) === 0) return
          const body = yield* bytes.read(u16(len, 0))
          if (body === undefined) return
          switch (body[0]) {
            case ALIVE2_REQ: {
              const info = parseAlive2(body)
              if (info === undefined || nodes.has(info.name)) {
                return yield* writer.write(Uint8Array.of(ALIVE2_X_RESP, 1, 0, 0, 0, 0))
              }
              nodes.set(info.name, info)
              creation = (creation % 0xfffffffe) + 1
              const answer = new Uint8Array(6)
              answer[0] = ALIVE2_X_RESP
              new DataView(answer.buffer).setUint32(2, creation)
              yield* writer.write(answer)
              // registered until the node closes the connection (or anything else ends it)
              yield* Effect.ensuring(
                Effect.ignore(bytes.rest()),
                Effect.sync(() => unregister(info.name))
              )
              return
            }
            case PORT_PLEASE2_REQ: {
              const info = nodes.get(utf8Decoder.decode(body.subarray(1)))
              if (info === undefined) return yield* writer.write(Uint8Array.of(PORT2_RESP, 1))
              const name = utf8.encode(info.name)
              const answer = new Uint8Array(14 + name.length + info.extra.length)
              const view = new DataView(answer.buffer)
              answer[0] = PORT2_RESP
              answer[1] = 0
              view.setUint16(2, info.port)
              answer[4] = info.hidden ? HIDDEN : NORMAL
              answer[5] = 0
              view.setUint16(6, info.highestVersion)
              view.setUint16(8, info.lowestVersion)
              view.setUint16(10, name.length)
              answer.set(name, 12)
              view.setUint16(12 + name.length, info.extra.length)
              answer.set(info.extra, 14 + name.length)
              return yield* writer.write(answer)
            }
            case NAMES_REQ: {
              const head = new Uint8Array(4)
              new DataView(head.buffer).setUint32(0, port)
              const lines = [...nodes.values()].map((n) => `name ${n.name} at port ${n.port}\n`).join("")
              return yield* writer.write(concat([head, utf8.encode(lines)]))
            }
            default:
              return
          }
        })
      ).pipe(Effect.ignore)
    yield* Effect.forkScoped(server.run(handle))
    return {
      host,
      port,
      registered: () => [...nodes.values()],
      awaitUnregistered: (name) =>
        Effect.suspend(() => {
          if (!nodes.has(name)) return Effect.void
          let waiting = gone.get(name)
          if (waiting === undefined) gone.set(name, (waiting = Deferred.makeUnsafe<void>()))
          return Deferred.await(waiting)
        })
    }
  })

const parseAlive2 = (body: Uint8Array): NodeInfo | undefined => {
  if (body.length < 13) return undefined
  const nlen = u16(body, 9)
  if (nlen === 0 || body.length < 13 + nlen) return undefined
  const elen = u16(body, 11 + nlen)
  if (body.length < 13 + nlen + elen) return undefined
  return {
    name: utf8Decoder.decode(body.subarray(11, 11 + nlen)),
    port: u16(body, 1),
    hidden: body[3] === HIDDEN,
    highestVersion: u16(body, 5),
    lowestVersion: u16(body, 7),
    extra: body.slice(13 + nlen, 13 + nlen + elen)
  }
}
