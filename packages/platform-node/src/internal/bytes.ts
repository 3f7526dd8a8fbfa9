/**
 * Reading a byte stream from an Effect socket in exact counts, for the protocols that frame their
 * messages by length (EPMD, the distribution handshake and its packets).
 *
 * @internal
 */
import type * as Socket from "effect/socket/Socket"
import * as Effect from "effect/Effect"

export const concat = (a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

/** Reads exact byte counts from a socket reader, keeping what came beyond them. */
export class Bytes {
  private buffer: Uint8Array = new Uint8Array(0)
  private ended = false
  private readonly pull: Socket.Reader<Uint8Array>["pull"]
  constructor(pull: Socket.Reader<Uint8Array>["pull"]) {
    this.pull = pull
  }
  private more(): Effect.Effect<boolean, Socket.SocketError> {
    if (this.ended) return Effect.succeed(false)
    return Effect.matchEffect(this.pull, {
      onSuccess: (chunks) => {
        for (const chunk of chunks) this.buffer = concat(this.buffer, chunk)
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
  /** Exactly `n` bytes, or `undefined` when the connection ended first. */
  read(n: number): Effect.Effect<Uint8Array | undefined, Socket.SocketError> {
    return Effect.suspend((): Effect.Effect<Uint8Array | undefined, Socket.SocketError> => {
      if (this.buffer.length >= n) {
        const out = this.buffer.slice(0, n)
        this.buffer = this.buffer.slice(n)
        return Effect.succeed(out)
      }
      return Effect.flatMap(this.more(), (got) => (got ? this.read(n) : Effect.succeed(undefined)))
    })
  }
  /** Every byte until the peer closes. */
  rest(): Effect.Effect<Uint8Array, Socket.SocketError> {
    return Effect.flatMap(this.more(), (got) => (got ? this.rest() : Effect.succeed(this.buffer)))
  }
}

export const u16 = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!
export const u32 = (b: Uint8Array, at: number): number =>
  ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0
