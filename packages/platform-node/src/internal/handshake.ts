/**
 * The Erlang distribution handshake, version 6 (`erts/doc/guides/erl_dist_protocol.md`,
 * "Distribution Handshake"), both sides, and the connection it opens: 4-byte length-prefixed
 * packets, a zero-length packet being a tick, each packet `112 | 131+Control [131+Message]` (the
 * pass-through framing of a node without the atom cache).
 *
 * The first piece of the distribution (#15); the connection manager, signals and the public `Node`
 * API build on it.
 *
 * @internal
 */
import { createHash, randomInt } from "node:crypto"
import * as Net from "node:net"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import { Effect, Option, Schema, type Scope } from "effect"
import * as Socket from "effect/socket/Socket"
import { Term } from "effect-otp"
import { Bytes, concat, u16, u32 } from "./bytes.ts"

// ---------------------------------------------------------------------------------------------
// Flags
// ---------------------------------------------------------------------------------------------

/** Distribution capability flags (`DFLAG_*`), as bigints: some are past bit 31. */
export const Flags = {
  PUBLISHED: 0x1n,
  EXTENDED_REFERENCES: 0x4n,
  DIST_MONITOR: 0x8n,
  FUN_TAGS: 0x10n,
  DIST_MONITOR_NAME: 0x20n,
  NEW_FUN_TAGS: 0x80n,
  EXTENDED_PIDS_PORTS: 0x100n,
  EXPORT_PTR_TAG: 0x200n,
  BIT_BINARIES: 0x400n,
  NEW_FLOATS: 0x800n,
  UTF8_ATOMS: 0x10000n,
  MAP_TAG: 0x20000n,
  BIG_CREATION: 0x40000n,
  HANDSHAKE_23: 0x1000000n,
  UNLINK_ID: 0x2000000n,
  SPAWN: 1n << 32n,
  V4_NC: 1n << 34n
} as const

/** What OTP 25 and 26 require of a peer, which this codec supports. */
export const mandatoryFlags =
  Flags.EXTENDED_REFERENCES |
  Flags.FUN_TAGS |
  Flags.NEW_FUN_TAGS |
  Flags.EXTENDED_PIDS_PORTS |
  Flags.EXPORT_PTR_TAG |
  Flags.BIT_BINARIES |
  Flags.NEW_FLOATS |
  Flags.UTF8_ATOMS |
  Flags.MAP_TAG |
  Flags.BIG_CREATION |
  Flags.HANDSHAKE_23 |
  Flags.UNLINK_ID |
  Flags.V4_NC

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * A node could not be reached: it is not registered with EPMD, or nothing listens on its port.
 * Nothing was connected.
 */
export class ConnectFailed extends Schema.TaggedError<ConnectFailed>()("ConnectFailed", {
  node: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `cannot connect to ${this.node}: ${this.reason}`
  }
}

/**
 * The handshake with a node that was reached did not complete: the cookies differ (a digest did
 * not match, or the peer closed the connection after ours), or the peer broke the protocol (an
 * unexpected or malformed message, missing mandatory flags, a status this node does not know).
 * Nothing was connected.
 */
export class HandshakeFailed extends Schema.TaggedError<HandshakeFailed>()("HandshakeFailed", {
  node: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `the distribution handshake with ${this.node} failed: ${this.reason}`
  }
}

/**
 * The node answered the handshake with `not_allowed`: it refuses connections from this node (its
 * `net_kernel:allow/1` list leaves this node out, or this node lacks a capability it requires).
 * Nothing was connected.
 */
export class NotAllowed extends Schema.TaggedError<NotAllowed>()("NotAllowed", {
  node: Schema.String
}) {
  override get message(): string {
    return `${this.node} does not allow this node to connect`
  }
}

// ---------------------------------------------------------------------------------------------
// Handshake
// ---------------------------------------------------------------------------------------------

/** This node, as the handshake presents it. */
export interface Local {
  /** `name@host` */
  readonly name: string
  readonly creation: number
  readonly cookie: string
  /** A hidden node is not part of the peers' `nodes()` and does not join `global`. Default true. */
  readonly hidden?: boolean | undefined
}

/** The peer, as its handshake presented it. */
export interface Peer {
  readonly name: string
  readonly flags: bigint
  readonly creation: number
}

const utf8 = new TextEncoder()
const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true })

/** `MD5(cookie ++ decimal(challenge))`, the handshake's digest. */
export const digest = (cookie: string, challenge: number): Uint8Array =>
  createHash("md5")
    .update(cookie)
    .update(String(challenge >>> 0))
    .digest()

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i])

/** What this node offers: the mandatory flags, monitors (by pid and by name) and remote spawn. */
const flagsOf = (local: Local): bigint =>
  mandatoryFlags |
  Flags.DIST_MONITOR |
  Flags.DIST_MONITOR_NAME |
  Flags.SPAWN |
  (local.hidden === false ? Flags.PUBLISHED : 0n)

/** A handshake message: 2-byte length, tag, body. */
const message = (tag: string, body: Uint8Array): Uint8Array => {
  const out = new Uint8Array(3 + body.length)
  new DataView(out.buffer).setUint16(0, body.length + 1)
  out[2] = tag.charCodeAt(0)
  out.set(body, 3)
  return out
}

/** `Flags(8) [Challenge(4)] Creation(4) Nlen(2) Name`: the body of `send_name` and `recv_challenge`. */
const nameBody = (local: Local, challenge: number | undefined): Uint8Array => {
  const name = utf8.encode(local.name)
  const fixed = challenge === undefined ? 14 : 18
  const out = new Uint8Array(fixed + name.length)
  const view = new DataView(out.buffer)
  view.setBigUint64(0, flagsOf(local))
  let at = 8
  if (challenge !== undefined) {
    view.setUint32(at, challenge)
    at += 4
  }
  view.setUint32(at, local.creation)
  view.setUint16(at + 4, name.length)
  out.set(name, at + 6)
  return out
}

const parseName = (body: Uint8Array, withChallenge: boolean): (Peer & { readonly challenge: number }) | undefined => {
  const fixed = withChallenge ? 18 : 14
  if (body.length < fixed) return undefined
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength)
  const flags = view.getBigUint64(0)
  let at = 8
  const challenge = withChallenge ? u32(body, at) : 0
  if (withChallenge) at += 4
  const creation = u32(body, at)
  const nlen = u16(body, at + 4)
  if (body.length < at + 6 + nlen) return undefined
  return { flags, challenge, creation, name: utf8Decoder.decode(body.subarray(at + 6, at + 6 + nlen)) }
}

/** Reads one handshake message: `[tag, body]`, or fails. */
const readMessage = (bytes: Bytes, fail: (reason: string) => HandshakeFailed) =>
  Effect.gen(function* () {
    const length = yield* bytes.read(2)
    if (length === undefined) return yield* Effect.fail(fail("the peer closed the connection"))
    const n = u16(length, 0)
    if (n === 0) return yield* Effect.fail(fail("an empty handshake message"))
    const body = yield* bytes.read(n)
    if (body === undefined) return yield* Effect.fail(fail("the peer closed the connection"))
    return [String.fromCharCode(body[0]!), body.subarray(1)] as const
  })

const missing = (flags: bigint): bigint => mandatoryFlags & ~flags & ~Flags.V4_NC & ~Flags.UNLINK_ID

/** The initiator's side, on an open socket: `send_name` … `recv_challenge_ack`. */
const initiate = (local: Local, peerName: string, reader: Bytes, writer: Socket.Writer) =>
  Effect.gen(function* () {
    const fail = (reason: string) => new HandshakeFailed({ node: peerName, reason })
    yield* writer.write(message("N", nameBody(local, undefined)))
    const [statusTag, status] = yield* readMessage(reader, fail)
    if (statusTag !== "s") return yield* Effect.fail(fail(`expected a status, got "${statusTag}"`))
    const text = utf8Decoder.decode(status)
    if (text === "alive") {
      // the peer holds a connection to us that we no longer have: tell it to replace it
      yield* writer.write(message("s", utf8.encode("true")))
    } else if (text === "not_allowed") {
      return yield* Effect.fail(new NotAllowed({ node: peerName }))
    } else if (text !== "ok" && text !== "ok_simultaneous") {
      return yield* Effect.fail(fail(text === "nok" ? nok : `the peer answered "${text}"`))
    }
    const [challengeTag, body] = yield* readMessage(reader, fail)
    if (challengeTag !== "N") return yield* Effect.fail(fail(`expected a challenge, got "${challengeTag}"`))
    const peer = parseName(body, true)
    if (peer === undefined) return yield* Effect.fail(fail("a malformed challenge"))
    if (missing(peer.flags) !== 0n)
      return yield* Effect.fail(fail(`the peer lacks flags 0x${missing(peer.flags).toString(16)}`))
    const mine = randomInt(0, 0xffffffff)
    const reply = new Uint8Array(20)
    new DataView(reply.buffer).setUint32(0, mine)
    reply.set(digest(local.cookie, peer.challenge), 4)
    yield* writer.write(message("r", reply))
    const [ackTag, ack] = yield* readMessage(reader, () => fail("the peer closed the connection: the cookies differ"))
    if (ackTag !== "a" || !sameBytes(ack, digest(local.cookie, mine))) {
      return yield* Effect.fail(fail("the peer's answer to our challenge is wrong: the cookies differ"))
    }
    return { name: peer.name, flags: peer.flags, creation: peer.creation } satisfies Peer
  })

/** The acceptor's side, on an accepted socket: `recv_name` … `send_challenge_ack`. */
/** The reason of a handshake the peer refused because its own simultaneous attempt wins. */
export const nok = "simultaneous connect: the peer's own attempt goes on"

/**
 * What the acceptor answers a node that asks to connect (`recv_status`): `"ok"`; `"nok"` or
 * `"ok_simultaneous"` when this node is connecting to it at the same time (the greater name's
 * attempt goes on, compared literally, as OTP does); `"alive"` when this node already has a
 * connection to it (the initiator then says whether to replace it).
 */
export type Status = "ok" | "ok_simultaneous" | "nok" | "alive"

const acceptOn = (local: Local, reader: Bytes, writer: Socket.Writer, statusFor: (peer: string) => Status) =>
  Effect.gen(function* () {
    const fail = (reason: string) => new HandshakeFailed({ node: "an incoming node", reason })
    const [nameTag, body] = yield* readMessage(reader, fail)
    if (nameTag !== "N")
      return yield* Effect.fail(fail(`expected send_name, got "${nameTag}" (handshake version 5 is not supported)`))
    const peer = parseName(body, false)
    if (peer === undefined) return yield* Effect.fail(fail("a malformed send_name"))
    const failFor = (reason: string) => new HandshakeFailed({ node: peer.name, reason })
    if (missing(peer.flags) !== 0n) {
      yield* writer.write(message("s", utf8.encode("not_allowed")))
      return yield* Effect.fail(failFor(`the peer lacks flags 0x${missing(peer.flags).toString(16)}`))
    }
    const status = statusFor(peer.name)
    yield* writer.write(message("s", utf8.encode(status)))
    if (status === "nok") return yield* Effect.fail(failFor("simultaneous connect: our own attempt goes on"))
    if (status === "alive") {
      const [answerTag, answer] = yield* readMessage(reader, failFor)
      if (answerTag !== "s" || utf8Decoder.decode(answer) !== "true") {
        return yield* Effect.fail(failFor("the peer keeps the connection it has"))
      }
    }
    const mine = randomInt(0, 0xffffffff)
    yield* writer.write(message("N", nameBody(local, mine)))
    const [replyTag, reply] = yield* readMessage(reader, failFor)
    if (replyTag !== "r" || reply.length !== 20) return yield* Effect.fail(failFor("a malformed challenge reply"))
    if (!sameBytes(reply.subarray(4), digest(local.cookie, mine))) {
      return yield* Effect.fail(failFor("the peer's answer to our challenge is wrong: the cookies differ"))
    }
    yield* writer.write(message("a", digest(local.cookie, u32(reply, 0))))
    return { name: peer.name, flags: peer.flags, creation: peer.creation } satisfies Peer
  })

// ---------------------------------------------------------------------------------------------
// The connection
// ---------------------------------------------------------------------------------------------

/** A distribution message: a control term and, for the signals that carry one, a message. */
export interface Packet {
  readonly control: Term.Term
  readonly message?: Term.Term | undefined
}

/** A packet whose frame was sound but whose terms did not decode: it is skipped, the connection goes on. */
export interface Undecodable {
  readonly _tag: "Undecodable"
  readonly error: Term.DecodeError
}

/**
 * The connection cannot go on: a frame that is not a distribution message (another type than 112,
 * which a node without the atom cache never sends) or longer than the largest packet allowed.
 */
export class ProtocolError extends Schema.TaggedError<ProtocolError>()("ProtocolError", {
  peer: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `a malformed packet from ${this.peer}: ${this.reason}`
  }
}

/** What {@link Connection.listen} hands what arrives to, synchronously from the socket's reads. */
export interface Listener {
  /** Bytes arrived (once per read, before the packets they complete). */
  readonly heard: () => void
  /** A packet, a packet whose terms did not decode, or a tick. */
  readonly packet: (packet: Packet | Undecodable | "tick") => void
  /**
   * The connection ended: the peer closed it (`error` undefined), the socket failed, or a frame broke
   * the protocol. Nothing is handed on afterwards.
   */
  readonly end: (error: ProtocolError | Error | undefined) => void
}

/** A connection after the handshake. Its socket lives as long as the scope it was opened in. */
export interface Connection {
  readonly peer: Peer
  /** Sends one packet. */
  readonly send: (packet: Packet) => Effect.Effect<void, Socket.SocketError | Term.EncodeError>
  /** Writes packets already framed by {@link encodePacket}. */
  readonly write: (bytes: Uint8Array) => Effect.Effect<void, Socket.SocketError>
  /**
   * Writes packets already framed by {@link encodePacket} on the socket at once; false when the
   * socket's buffer is full (then {@link whenDrained} says when to go on). A failed write ends the
   * connection (its listener's `end`).
   */
  readonly writeNow: (bytes: Uint8Array) => boolean
  /** Calls `f` once the socket's buffer has drained. */
  readonly whenDrained: (f: () => void) => void
  /** Sends a tick (an empty packet), which tells the peer this node is alive. */
  readonly tick: Effect.Effect<void>
  /**
   * The next packet, `"tick"` for a tick (an empty packet), `undefined` when the peer closed. A
   * packet longer than `maxPacket` bytes, or of another type than 112, fails with `ProtocolError`.
   */
  readonly receive: (
    maxPacket?: number
  ) => Effect.Effect<Packet | Undecodable | "tick" | undefined, Socket.SocketError | ProtocolError>
  /**
   * From now on, hands what arrives to `listener` from the socket's own read callback, with no
   * fiber and no Effect in between (what was read already goes first); `receive` is not used
   * afterwards. A frame longer than `maxPacket`, or of another type than 112, ends the connection
   * with a `ProtocolError`. Returns the function that stops listening.
   */
  readonly listen: (maxPacket: number, listener: Listener) => () => void
}

const PASS_THROUGH = 112
const tick = new Uint8Array(4)

/**
 * A packet framed for the wire: 4-byte length, 112, the control term, the message. Throws
 * `EncodeError`. The frame is a slice of Node's buffer pool (`Buffer.allocUnsafe`, every byte
 * written): a typed array of its own over 64 bytes would get a backing store of its own, which costs
 * more than encoding both terms.
 */
export const encodePacket = (packet: Packet): Uint8Array => {
  const control = Term.encodeUnsafe(packet.control)
  const msg = packet.message === undefined ? undefined : Term.encodeUnsafe(packet.message)
  const length = 1 + control.length + (msg === undefined ? 0 : msg.length)
  const out = Buffer.allocUnsafe(4 + length)
  out.writeUInt32BE(length, 0)
  out[4] = PASS_THROUGH
  out.set(control, 5)
  if (msg !== undefined) out.set(msg, 5 + control.length)
  return out
}

/** The packet of a frame's body (its type checked), or `Undecodable`. */
const packetOf = (body: Uint8Array): Packet | Undecodable => {
  try {
    return decodePacket(body)
  } catch (error) {
    if (error instanceof Term.DecodeError) return { _tag: "Undecodable", error }
    throw error
  }
}

const decodePacket = (body: Uint8Array): Packet => {
  if (body[1] !== 131) throw new Term.DecodeError({ offset: 1, reason: "the control term has no version byte" })
  const control = Term.decodeAtUnsafe(body, 2)
  if (control.end === body.length) return { control: control.term }
  if (body[control.end] !== 131) {
    throw new Term.DecodeError({ offset: control.end, reason: "the message has no version byte" })
  }
  const message = Term.decodeAtUnsafe(body, control.end + 1)
  if (message.end !== body.length) {
    throw new Term.DecodeError({ offset: message.end, reason: `${body.length - message.end} bytes after the message` })
  }
  return { control: control.term, message: message.term }
}

/**
 * Splits the bytes that arrive into frames and hands their packets to a listener (exported for its
 * test): a read that holds whole frames is decoded where it lies (no copy); a frame cut across reads
 * is joined once, when its last byte has arrived.
 */
export class Frames {
  /** the reads that hold the start of a frame, not whole yet, and their total length */
  private partial: Array<Uint8Array> = []
  private partialLength = 0
  stopped = false
  readonly peer: string
  readonly maxPacket: number
  readonly listener: Listener
  constructor(peer: string, maxPacket: number, listener: Listener) {
    this.peer = peer
    this.maxPacket = maxPacket
    this.listener = listener
  }
  stop(error: ProtocolError | Error | undefined): undefined {
    if (this.stopped) return
    this.stopped = true
    this.partial = []
    this.listener.end(error)
  }
  /** The length of the frame at the front of the partial reads, once its 4 bytes have arrived. */
  private partialFrameLength(): number | undefined {
    if (this.partialLength < 4) return undefined
    let n = 0
    let got = 0
    for (const piece of this.partial) {
      for (let i = 0; i < piece.length && got < 4; i++, got++) n = n * 256 + piece[i]!
      if (got === 4) break
    }
    return 4 + n
  }
  push(chunk: Uint8Array): undefined {
    if (this.stopped || chunk.length === 0) return
    let bytes = chunk
    if (this.partialLength > 0) {
      this.partial.push(chunk)
      this.partialLength += chunk.length
      const need = this.partialFrameLength()
      if (need === undefined || (need - 4 <= this.maxPacket && this.partialLength < need)) return
      bytes = concat(this.partial, this.partialLength)
      this.partial = []
      this.partialLength = 0
    }
    let at = 0
    while (!this.stopped && bytes.length - at >= 4) {
      const n = u32(bytes, at)
      if (n > this.maxPacket) {
        return this.stop(
          new ProtocolError({ peer: this.peer, reason: `a packet of ${n} bytes (at most ${this.maxPacket} allowed)` })
        )
      }
      if (bytes.length - at - 4 < n) break
      if (n === 0) this.listener.packet("tick")
      else if (bytes[at + 4] !== PASS_THROUGH) {
        return this.stop(
          new ProtocolError({
            peer: this.peer,
            reason: `a packet of type ${bytes[at + 4]} (112 expected: no atom cache)`
          })
        )
      } else this.listener.packet(packetOf(bytes.subarray(at + 4, at + 4 + n)))
      at += 4 + n
    }
    if (!this.stopped && at < bytes.length) {
      this.partial.push(bytes.subarray(at))
      this.partialLength = bytes.length - at
    }
  }
}

const connectionOf = (peer: Peer, reader: Bytes, writer: Socket.Writer, raw: Net.Socket): Connection => ({
  peer,
  tick: Effect.sync(() => void raw.write(tick)),
  write: (bytes) => writer.write(bytes),
  writeNow: (bytes) => raw.write(bytes),
  whenDrained: (f) => void raw.once("drain", f),
  send: (packet) =>
    Effect.suspend((): Effect.Effect<void, Socket.SocketError | Term.EncodeError> => {
      try {
        return writer.write(encodePacket(packet))
      } catch (error) {
        if (error instanceof Term.EncodeError) return Effect.fail(error)
        throw error
      }
    }),
  receive: (maxPacket = Number.MAX_SAFE_INTEGER) =>
    Effect.gen(function* () {
      const length = yield* reader.read(4)
      if (length === undefined) return undefined
      const n = u32(length, 0)
      if (n === 0) return "tick" as const
      if (n > maxPacket) {
        return yield* Effect.fail(
          new ProtocolError({ peer: peer.name, reason: `a packet of ${n} bytes (at most ${maxPacket} allowed)` })
        )
      }
      const body = yield* reader.read(n)
      if (body === undefined) return undefined
      if (body[0] !== PASS_THROUGH) {
        return yield* Effect.fail(
          new ProtocolError({ peer: peer.name, reason: `a packet of type ${body[0]} (112 expected: no atom cache)` })
        )
      }
      return packetOf(body)
    }),
  listen: (maxPacket, listener) => {
    const frames = new Frames(peer.name, maxPacket, listener)
    // the socket is read here from now on: the Effect reader the handshake used is not pulled any
    // more (its own `readable` handler reads only for a pull)
    const onReadable = () => {
      let chunk: Uint8Array | null
      let heard = false
      while (!frames.stopped && (chunk = raw.read() as Uint8Array | null) !== null) {
        if (!heard) {
          heard = true
          listener.heard()
        }
        frames.push(chunk)
      }
    }
    const onEnd = () => frames.stop(undefined)
    const onError = (error: Error) => frames.stop(error)
    const stop = () => {
      frames.stopped = true
      raw.off("readable", onReadable)
      raw.off("end", onEnd)
      raw.off("close", onEnd)
      raw.off("error", onError)
    }
    raw.on("readable", onReadable)
    raw.on("end", onEnd)
    raw.on("close", onEnd)
    raw.on("error", onError)
    const early = reader.takeBuffered()
    if (early.length > 0) listener.heard()
    for (const chunk of early) frames.push(chunk)
    if (raw.destroyed || raw.readableEnded) frames.stop(undefined)
    else onReadable()
    return stop
  }
})

/** What opening a connection to a node can fail with. */
export type ConnectError = ConnectFailed | HandshakeFailed | NotAllowed

/**
 * Opens `socket`'s reader and writer in the current scope, runs one side of the handshake on them
 * and makes the connection (which reads and writes `raw`, the socket under `socket`, once the
 * handshake is over). A socket that cannot be opened is `ConnectFailed`; any other socket failure
 * is `HandshakeFailed`, both with `node`.
 */
const handshakeOn = <E>(
  socket: Socket.Socket,
  raw: () => Net.Socket,
  node: string,
  side: (reader: Bytes, writer: Socket.Writer) => Effect.Effect<Peer, E | Socket.SocketError>
): Effect.Effect<Connection, E | ConnectFailed | HandshakeFailed, Scope.Scope> =>
  Effect.gen(function* () {
    const socketReader = yield* socket.reader
    const writer = yield* socket.writer
    const reader = new Bytes(socketReader.pull as Socket.Reader<Uint8Array>["pull"])
    return connectionOf(yield* side(reader, writer), reader, writer, raw())
  }).pipe(
    Effect.catchIf(Socket.isSocketError, (error) =>
      Effect.fail(
        error.reason._tag === "SocketOpenError"
          ? new ConnectFailed({
              node,
              reason: error.reason.cause instanceof Error ? error.reason.cause.message : error.message
            })
          : new HandshakeFailed({ node, reason: error.message })
      )
    )
  )

/**
 * Connects to the node `peerName` listening on `host:port` and runs the handshake as initiator.
 * The connection lives as long as the current scope. Its small packets leave at once (no Nagle
 * delay: OTP's `dist_nodelay`).
 */
export const connect = (
  local: Local,
  peerName: string,
  address: { readonly host: string; readonly port: number }
): Effect.Effect<Connection, ConnectError, Scope.Scope> =>
  Effect.suspend(() => {
    // `NodeSocket.makeNet`, keeping the Node socket for the connection
    let conn: Net.Socket | undefined
    let isOpen = false
    const open = Effect.andThen(
      Effect.addFinalizer(() =>
        Effect.sync(() => {
          if (conn === undefined || conn.closed) return
          if (isOpen) conn.destroySoon()
          else conn.destroy()
        })
      ),
      Effect.callback<Net.Socket, Socket.SocketError>((resume) => {
        conn = Net.createConnection({ host: address.host, port: address.port, noDelay: true })
        conn.once("connect", () => {
          isOpen = true
          resume(Effect.succeed(conn!))
        })
        // the reader adds its own listeners; this one also keeps a late error from going unhandled
        conn.on("error", (cause: Error) =>
          resume(
            Effect.fail(new Socket.SocketError({ reason: new Socket.SocketOpenError({ kind: "Unknown", cause }) }))
          )
        )
      })
    )
    return Effect.flatMap(NodeSocket.fromDuplex(open), (socket) =>
      handshakeOn(
        socket,
        () => conn!,
        peerName,
        (reader, writer) => initiate(local, peerName, reader, writer)
      )
    )
  })

/**
 * Runs the handshake as acceptor on a socket a TCP listener accepted (`NodeSocketServer`, which
 * provides the Node socket under it as `NodeSocket.NetSocket`); `statusFor` decides the answer to
 * the node that asks (default `"ok"`).
 */
export const accept = (
  local: Local,
  socket: Socket.Socket,
  statusFor: (peer: string) => Status = () => "ok"
): Effect.Effect<Connection, ConnectError, Scope.Scope> =>
  Effect.flatMap(Effect.serviceOption(NodeSocket.NetSocket), (raw) =>
    Option.isNone(raw)
      ? Effect.fail(new HandshakeFailed({ node: "an incoming node", reason: "not a TCP socket" }))
      : handshakeOn(
          socket,
          () => raw.value,
          "an incoming node",
          (reader, writer) => acceptOn(local, reader, writer, statusFor)
        )
  )
