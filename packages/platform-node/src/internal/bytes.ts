/**
 * Reading a byte stream from an Effect socket in exact counts, for the protocols that frame their
 * messages by length (EPMD, the distribution handshake and its packets).
 *
 * @internal
 */
import type * as Socket from "effect/socket/Socket"
import * as Effect from "effect/Effect"

/** The pieces one after the other, copied once into one array (`length`: their total, when known). */
export const concat = (
  pieces: ReadonlyArray<Uint8Array>,
  length: number = pieces.reduce((n, piece) => n + piece.length, 0)
): Uint8Array => {
  if (pieces.length === 1) return pieces[0]!
  const out = new Uint8Array(length)
  let at = 0
  for (const piece of pieces) {
    out.set(piece, at)
    at += piece.length
  }
  return out
}

/**
 * Reads exact byte counts from a socket reader, keeping what came beyond them. The chunks that
 * arrive are kept as they are and copied once, into the slice that is read: a packet of `n` bytes
 * that arrives in `k` chunks costs `O(n + k)`, not `O(n * k)`.
 */
export class Bytes {
  /** the chunks not read yet; the first one from `head` on */
  private chunks: Array<Uint8Array> = []
  private head = 0
  private available = 0
  private ended = false
  private readonly pull: Socket.Reader<Uint8Array>["pull"]
  constructor(pull: Socket.Reader<Uint8Array>["pull"]) {
    this.pull = pull
  }
  /** The bytes that have arrived and were not read yet. */
  get buffered(): number {
    return this.available
  }
  private more(): Effect.Effect<boolean, Socket.SocketError> {
    if (this.ended) return Effect.succeed(false)
    return Effect.matchEffect(this.pull, {
      onSuccess: (chunks) => {
        for (const chunk of chunks) {
          if (chunk.length === 0) continue
          this.chunks.push(chunk)
          this.available += chunk.length
        }
        return Effect.succeed(true)
      },
      onFailure: (error) => {
        if (error.reason._tag === "SocketCloseError") {
          this.ended = true
          return Effect.succeed(false)
        }
        return Effect.fail(error)
      }
    })
  }
  /** Takes `n` buffered bytes (the caller has checked that there are). */
  private take(n: number): Uint8Array {
    const out = new Uint8Array(n)
    let at = 0
    while (at < n) {
      const chunk = this.chunks[0]!
      const count = Math.min(chunk.length - this.head, n - at)
      out.set(chunk.subarray(this.head, this.head + count), at)
      at += count
      this.head += count
      if (this.head === chunk.length) {
        this.chunks.shift()
        this.head = 0
      }
    }
    this.available -= n
    return out
  }
  /** The byte at `offset` from the front, if it has arrived; nothing is taken. */
  peek(offset: number): number | undefined {
    if (this.available <= offset) return undefined
    let at = this.head + offset
    let chunk = 0
    while (at >= this.chunks[chunk]!.length) at -= this.chunks[chunk++]!.length
    return this.chunks[chunk]![at]
  }
  /** The 4-byte big-endian length at the front, if it has arrived; nothing is taken. */
  peekU32(): number | undefined {
    if (this.available < 4) return undefined
    return ((this.peek(0)! << 24) | (this.peek(1)! << 16) | (this.peek(2)! << 8) | this.peek(3)!) >>> 0
  }
  /** Exactly `n` bytes if they have all arrived, else `undefined` (nothing taken): no Effect. */
  readNow(n: number): Uint8Array | undefined {
    return this.available >= n ? this.take(n) : undefined
  }
  /** Exactly `n` bytes, or `undefined` when the connection ended first. */
  read(n: number): Effect.Effect<Uint8Array | undefined, Socket.SocketError> {
    return Effect.suspend((): Effect.Effect<Uint8Array | undefined, Socket.SocketError> => {
      if (this.available >= n) return Effect.succeed(this.take(n))
      return Effect.flatMap(this.more(), (got) => (got ? this.read(n) : Effect.succeed(undefined)))
    })
  }
  /** Takes every buffered byte, as the chunks they arrived in (the reader reads on elsewhere). */
  takeBuffered(): Array<Uint8Array> {
    const chunks = this.chunks
    if (chunks.length > 0 && this.head > 0) chunks[0] = chunks[0]!.subarray(this.head)
    this.chunks = []
    this.head = 0
    this.available = 0
    return chunks
  }
  /** Every byte until the peer closes. */
  rest(): Effect.Effect<Uint8Array, Socket.SocketError> {
    return Effect.flatMap(this.more(), (got) => (got ? this.rest() : Effect.succeed(this.take(this.available))))
  }
}

export const u16 = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!
export const u32 = (b: Uint8Array, at: number): number =>
  ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0
