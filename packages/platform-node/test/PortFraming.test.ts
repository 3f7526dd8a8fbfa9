import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as framing from "../src/internal/portFraming.ts"

/** `bytes` cut at `cuts` (positions, in any order), as a program's writes may arrive. */
const chunked = (bytes: Uint8Array, cuts: ReadonlyArray<number>): Array<Uint8Array> => {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const out: Array<Uint8Array> = []
  let start = 0
  for (const cut of [...at, bytes.length]) {
    out.push(bytes.subarray(start, cut))
    start = cut
  }
  return out
}

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

const decodeAll = (decoder: framing.Decoder, chunks: ReadonlyArray<Uint8Array>) => [
  ...chunks.flatMap((chunk) => decoder.push(chunk)),
  ...decoder.end()
]

describe("Port framing", () => {
  it("packets: any chunking of encoded packets gives the packets back", () =>
    fc.assert(
      fc.property(
        fc.constantFrom(1 as const, 2 as const, 4 as const),
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (size, payloads, cuts) => {
          const fitting = payloads.map((p) => p.subarray(0, framing.packetLimit(size)))
          const stream = concat(fitting.map((p) => framing.encodePacket(size, p)!))
          const frames = decodeAll(framing.packets(size, framing.packetLimit(size)), chunked(stream, cuts))
          assert.deepStrictEqual(
            frames,
            fitting.map((bytes) => ({ _tag: "Bytes", bytes }))
          )
        }
      )
    ))

  it("lines: any chunking gives the lines back, over-long ones in maxLength pieces", () =>
    fc.assert(
      fc.property(
        fc.array(
          fc.uint8Array({ maxLength: 40 }).map((b) => b.map((x) => (x === 10 ? 11 : x))),
          { maxLength: 8 }
        ),
        fc.integer({ min: 1, max: 16 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (lines, maxLength, cuts) => {
          const stream = concat(lines.flatMap((line) => [line, new Uint8Array([10])]))
          const frames = decodeAll(framing.lines(maxLength), chunked(stream, cuts))
          const expected = lines.flatMap((line) => {
            const pieces: Array<{ _tag: "Line"; bytes: Uint8Array; eol: boolean }> = []
            let start = 0
            while (line.length - start > maxLength) {
              pieces.push({ _tag: "Line", bytes: line.subarray(start, start + maxLength), eol: false })
              start += maxLength
            }
            pieces.push({ _tag: "Line", bytes: line.subarray(start), eol: true })
            return pieces
          })
          assert.deepStrictEqual(
            frames.map((f) => ({ ...f, bytes: Array.from((f as { bytes: Uint8Array }).bytes) })),
            expected.map((f) => ({ ...f, bytes: Array.from(f.bytes) }))
          )
        }
      )
    ))

  it("packets: a header above maxLength is one Oversized frame, and nothing after it", () => {
    const decoder = framing.packets(2, 100)
    assert.deepStrictEqual(decoder.push(new Uint8Array([0, 5, 1, 2, 3, 4, 5, 1, 0, 9, 9])), [
      { _tag: "Bytes", bytes: new Uint8Array([1, 2, 3, 4, 5]) },
      { _tag: "Oversized", length: 256 }
    ])
    assert.deepStrictEqual(decoder.push(new Uint8Array([0, 1, 7])), [])
  })

  it("encodePacket refuses what the header cannot announce", () => {
    assert.isUndefined(framing.encodePacket(1, new Uint8Array(256)))
    assert.deepStrictEqual(framing.encodePacket(2, new Uint8Array([7])), new Uint8Array([0, 1, 7]))
    assert.deepStrictEqual(framing.encodePacket(4, new Uint8Array([])), new Uint8Array([0, 0, 0, 0]))
  })
})
