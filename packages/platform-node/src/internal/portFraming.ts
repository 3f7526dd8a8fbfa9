/**
 * The framings of a port's byte streams, as pure state machines: a decoder takes the chunks the
 * program writes to its stdout, in any sizes, and returns the frames they complete; an encoder
 * turns one command into the bytes written to the program's stdin. No I/O here.
 *
 * @internal
 */
import { concat } from "./bytes.ts"

/** A frame cut from the program's output. */
export type Frame =
  | { readonly _tag: "Bytes"; readonly bytes: Uint8Array }
  /** A line (without its newline), or a piece of an over-long one (`eol: false`, Erlang's `noeol`). */
  | { readonly _tag: "Line"; readonly bytes: Uint8Array; readonly eol: boolean }
  /** A packet whose header announces more than the mode allows: the stream cannot be read on. */
  | { readonly _tag: "Oversized"; readonly length: number }

export interface Decoder {
  /** The frames completed by `chunk`, in order. */
  readonly push: (chunk: Uint8Array) => ReadonlyArray<Frame>
  /** At end of stream: what is left, as a last frame (an unterminated line), if anything. */
  readonly end: () => ReadonlyArray<Frame>
}

const empty: ReadonlyArray<Frame> = []

/** Bytes kept between chunks, without copying a chunk that is consumed whole. */
class Pending {
  private parts: Array<Uint8Array> = []
  length = 0
  add(bytes: Uint8Array): void {
    if (bytes.length === 0) return
    this.parts.push(bytes)
    this.length += bytes.length
  }
  /** Everything kept, plus `tail`, as one array; empties the buffer. */
  take(tail?: Uint8Array): Uint8Array {
    if (tail !== undefined) this.add(tail)
    const parts = this.parts
    const length = this.length
    this.parts = []
    this.length = 0
    return concat(parts, length)
  }
}

const newline = 10

/**
 * Lines separated by `\n` (the newline is not part of the line). A line longer than `maxLength`
 * bytes comes in pieces of `maxLength` bytes flagged `eol: false`, then its end flagged
 * `eol: true`, as Erlang's `{line, L}`; a last line without a newline comes with `eol: false`.
 */
export const lines = (maxLength: number): Decoder => {
  const pending = new Pending()
  return {
    push: (chunk) => {
      const frames: Array<Frame> = []
      let start = 0
      while (start < chunk.length) {
        if (pending.length === maxLength) {
          // a full piece: a line of exactly maxLength bytes if a newline follows, else a piece
          const eol = chunk[start] === newline
          frames.push({ _tag: "Line", bytes: pending.take(), eol })
          if (eol) start++
          continue
        }
        const room = maxLength - pending.length
        const at = chunk.indexOf(newline, start)
        if (at !== -1 && at - start <= room) {
          frames.push({ _tag: "Line", bytes: pending.take(chunk.subarray(start, at)), eol: true })
          start = at + 1
        } else {
          const take = Math.min(room, chunk.length - start)
          pending.add(chunk.subarray(start, start + take))
          start += take
        }
      }
      return frames
    },
    end: () => (pending.length === 0 ? empty : [{ _tag: "Line", bytes: pending.take(), eol: false }])
  }
}

/** Raw chunks, as they come. */
export const raw = (): Decoder => ({
  push: (chunk) => (chunk.length === 0 ? empty : [{ _tag: "Bytes", bytes: chunk }]),
  end: () => empty
})

const readLength = (header: Uint8Array, size: 1 | 2 | 4): number => {
  let length = 0
  for (let i = 0; i < size; i++) length = length * 256 + header[i]!
  return length
}

/**
 * Packets with a `size`-byte big-endian length header, as Erlang's `{packet, N}`. A header above
 * `maxLength` gives one `Oversized` frame and nothing after it.
 */
export const packets = (size: 1 | 2 | 4, maxLength: number): Decoder => {
  const pending = new Pending()
  let need = -1 // the payload length once the header is read
  let broken = false
  return {
    push: (chunk) => {
      if (broken) return empty
      const frames: Array<Frame> = []
      let start = 0
      while (start < chunk.length) {
        if (need === -1) {
          const take = Math.min(size - pending.length, chunk.length - start)
          pending.add(chunk.subarray(start, start + take))
          start += take
          if (pending.length < size) break
          need = readLength(pending.take(), size)
          if (need > maxLength) {
            broken = true
            frames.push({ _tag: "Oversized", length: need })
            return frames
          }
          if (need > 0) continue
        }
        const take = Math.min(need - pending.length, chunk.length - start)
        pending.add(chunk.subarray(start, start + take))
        start += take
        if (pending.length < need) break
        frames.push({ _tag: "Bytes", bytes: need === 0 ? new Uint8Array(0) : pending.take() })
        need = -1
      }
      return frames
    },
    end: () => empty
  }
}

/** The largest payload a `size`-byte header can announce. */
export const packetLimit = (size: 1 | 2 | 4): number => (size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff)

/** A payload with its `size`-byte big-endian length header, or `undefined` when it is too long for it. */
export const encodePacket = (size: 1 | 2 | 4, payload: Uint8Array): Uint8Array | undefined => {
  if (payload.length > packetLimit(size)) return undefined
  const out = new Uint8Array(size + payload.length)
  let length = payload.length
  for (let i = size - 1; i >= 0; i--) {
    out[i] = length & 0xff
    length = Math.floor(length / 256)
  }
  out.set(payload, size)
  return out
}
