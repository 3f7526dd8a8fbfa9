/**
 * A node's process table: its live processes by pid number, in spawn order.
 *
 * Pid numbers are handed out in increasing order, so the table is cut into chunks of consecutive
 * numbers, each an array of slots: a process costs one slot (8 bytes) instead of a `Map` entry (three
 * words plus the hash table's spare capacity, 30 to 37 bytes). A chunk goes when its last process
 * exits; a chunk that keeps a few long-lived processes among many ended ones keeps its whole array
 * (the price of the layout: at most one chunk's slots per such process).
 *
 * @internal
 */

const chunkBits = 5
const chunkSize = 1 << chunkBits
const slotMask = chunkSize - 1

class Chunk<A> {
  readonly slots: Array<A | undefined> = new Array(chunkSize).fill(undefined)
  live = 0
}

/** The `Map` operations the kernel uses (`get`, `set`, `has`, `delete`, `values`, `size`), by pid number. */
export class ProcessTable<A> {
  readonly #chunks = new Map<number, Chunk<A>>()
  #size = 0

  get size(): number {
    return this.#size
  }

  get(id: number): A | undefined {
    const chunk = this.#chunks.get(id >>> chunkBits)
    return chunk === undefined ? undefined : chunk.slots[id & slotMask]
  }

  has(id: number): boolean {
    return this.get(id) !== undefined
  }

  /** Puts `value` at `id` (a number not in the table: the kernel sets each pid number once). */
  set(id: number, value: A): void {
    const key = id >>> chunkBits
    let chunk = this.#chunks.get(key)
    if (chunk === undefined) {
      chunk = new Chunk()
      this.#chunks.set(key, chunk)
    }
    const slot = id & slotMask
    if (chunk.slots[slot] === undefined) {
      chunk.live++
      this.#size++
    }
    chunk.slots[slot] = value
  }

  delete(id: number): boolean {
    const key = id >>> chunkBits
    const chunk = this.#chunks.get(key)
    const slot = id & slotMask
    if (chunk === undefined || chunk.slots[slot] === undefined) return false
    chunk.slots[slot] = undefined
    this.#size--
    if (--chunk.live === 0) this.#chunks.delete(key)
    return true
  }

  /**
   * The values in pid order (spawn order: a chunk is only ever made again for numbers above every
   * other chunk's). Like a `Map`'s iterator, it sees the changes made while it runs.
   */
  *values(): IterableIterator<A> {
    for (const chunk of this.#chunks.values()) {
      const slots = chunk.slots
      for (let i = 0; i < chunkSize; i++) {
        const value = slots[i]
        if (value !== undefined) yield value
      }
    }
  }
}
