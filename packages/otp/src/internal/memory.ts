/**
 * The `Observer`'s memory estimate of a process: a fixed cost per process (the heap an idle one
 * takes, measured) plus a structural size walk of what it holds that the kernel can reach without
 * asking it: the messages in its mailbox (queue, save list, system lane) and a server's state.
 * JavaScript has no heap per fiber; this is BEAM's `process_info(P, memory)` (the process's own
 * heap and mailbox) approximated from the values, with V8's 64-bit layout as the model:
 *
 * - every value takes its 8-byte slot in whatever holds it; a number, a boolean, `null`,
 *   `undefined` and a symbol take nothing more;
 * - a string adds 16 bytes and 2 a character (UTF-16: V8 keeps Latin-1 text in 1 byte a
 *   character, so this is an upper bound for it); a bigint 16 and 8 each 64 bits;
 * - an object adds 24 bytes and its own enumerable string-keyed properties (keys are shared by
 *   the objects of a shape and not counted); an array 32 and its elements; a `Map` 48 and 8 an
 *   entry besides its key and value; a `Set` 48 and 8 an entry besides its value; an `ArrayBuffer`
 *   or a view on one 64 and its bytes;
 * - a function adds 64 bytes (its closure's captures are not reachable, so not counted);
 * - a pid, a fiber, an Effect (not an `Exit`) and the kernel's own records are references to
 *   something the runtime holds anyway: their slot only;
 * - an object reached twice (a cycle, or a structure shared inside the process) is counted once;
 *   one shared with another process is counted by each holder.
 *
 * The walk visits at most `budget` values; past it, it stops, counts the remaining elements of
 * the collection it was in as slots, and the figure is a lower bound. It never throws: a getter
 * that throws or a revoked `Proxy` ends the walk there, with a lower bound too.
 *
 * @internal
 */
import { Effect, Exit, Fiber } from "effect"
import * as Pid from "../Pid.ts"
import { NodeState, ProcessRecord } from "./records.ts"

/**
 * The heap of an idle process: the fiber, its record, its pid, its context (`bench/` scenario
 * `memory-100k`: 992 bytes a process blocked in `receive`, 8 of them the bench's own pid array).
 */
export const processBytes = 984

/**
 * The heap of an idle server (a GenServer with the state `0`, measured as `memory-100k` measures a
 * process: 3,800 bytes): its process, its engine and the engine's bound handlers.
 */
export const serverBytes = 3_800

/** The values a walk visits at most for one process. */
export const defaultBudget = 1_000

/**
 * The values the walks of one snapshot visit at most, shared evenly among its processes (each
 * gets {@link defaultBudget}, or this divided by the number of processes when that is less, and
 * never fewer than {@link minimumBudget}): a snapshot's walks are bounded whatever the processes
 * hold.
 */
export const snapshotBudget = 2_000_000

/** The values a process's walk visits at least, however many processes there are. */
export const minimumBudget = 16

/** The budget of each process's walk in a snapshot of `processes` processes. */
export const budgetFor = (processes: number): number =>
  Math.max(minimumBudget, Math.min(defaultBudget, Math.floor(snapshotBudget / Math.max(1, processes))))

const slot = 8
const stringHeader = 16
const bigintHeader = 16
const objectHeader = 24
const arrayHeader = 32
const collectionHeader = 48
const entry = 8
const bufferHeader = 64
const functionBytes = 64

/** What a walk found: the bytes, and whether it saw everything (`false`: it stopped at its budget). */
export interface Estimate {
  readonly bytes: number
  readonly complete: boolean
}

/** A value that stands for something held elsewhere: its slot only. */
const isReference = (value: object): boolean =>
  Pid.isPid(value) ||
  value instanceof ProcessRecord ||
  value instanceof NodeState ||
  Fiber.isFiber(value) ||
  (Effect.isEffect(value) && !Exit.isExit(value))

/**
 * A size walk that visits at most `budget` values (objects and primitives alike; an element past
 * the budget is counted as its slot only). Add the roots with {@link Walk.add} and
 * {@link Walk.addAll}, then {@link Walk.run}; one walk serves many estimates, one after the other.
 */
export class Walk {
  budget: number
  private readonly stack: Array<unknown> = []
  private readonly visited = new Set<object>()
  private bytes = 0
  private seen = 0
  private whole = true
  /** Whether the last {@link run} saw everything (`false`: it stopped at its budget). */
  complete = true

  constructor(budget: number = defaultBudget) {
    this.budget = budget
  }

  /** The room left on the stack within the budget. */
  private room(): number {
    return this.budget - this.seen - this.stack.length
  }

  /** Adds the elements of `values` from index `from` on (the slots past the budget are counted, not walked). */
  addAll(values: ReadonlyArray<unknown>, from = 0): this {
    const n = Math.max(0, Math.min(values.length - from, this.room()))
    for (let i = from; i < from + n; i++) this.stack.push(values[i])
    this.truncated(values.length - from - n)
    return this
  }

  add(value: unknown): this {
    if (this.room() > 0) this.stack.push(value)
    else this.truncated(1)
    return this
  }

  private truncated(slots: number): void {
    if (slots <= 0) return
    this.bytes += slot * slots
    this.whole = false
  }

  /**
   * The estimated bytes of what was added since the last run ({@link complete} says whether it
   * was all seen); the walk is then empty again.
   */
  run(): number {
    try {
      this.walk()
    } catch {
      // a getter that throws, a revoked Proxy: what was counted stands, as a lower bound
      this.whole = false
      this.stack.length = 0
    }
    const bytes = this.bytes
    this.complete = this.whole
    this.visited.clear()
    this.bytes = 0
    this.seen = 0
    this.whole = true
    return bytes
  }

  private walk(): void {
    const stack = this.stack
    const visited = this.visited
    while (stack.length > 0) {
      const value = stack.pop()
      this.seen++
      this.bytes += slot
      switch (typeof value) {
        case "string":
          this.bytes += stringHeader + 2 * value.length
          continue
        case "bigint": {
          const bits = (value < 0n ? -value : value).toString(2).length
          this.bytes += bigintHeader + 8 * Math.ceil(bits / 64)
          continue
        }
        case "function":
          if (!visited.has(value)) {
            visited.add(value)
            this.bytes += functionBytes
          }
          continue
        case "object":
          break
        default:
          continue
      }
      if (value === null || visited.has(value)) continue
      visited.add(value)
      if (isReference(value)) continue
      if (Array.isArray(value)) {
        this.bytes += arrayHeader
        this.addAll(value)
      } else if (value instanceof Map || value instanceof Set) {
        this.bytes += collectionHeader + entry * value.size
        const isMap = value instanceof Map
        let left = value.size
        for (const item of value.entries()) {
          if (this.room() < (isMap ? 2 : 1)) break
          if (isMap) stack.push(item[0], item[1])
          else stack.push(item[0])
          left--
        }
        this.truncated((isMap ? 2 : 1) * left)
      } else if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
        this.bytes += bufferHeader + value.byteLength
      } else {
        this.bytes += objectHeader
        const keys = Object.keys(value)
        const n = Math.min(keys.length, this.room())
        for (let i = 0; i < n; i++) stack.push((value as Record<string, unknown>)[keys[i]!])
        this.truncated(keys.length - n)
      }
    }
  }
}

/** The estimate of `values` (a new walk of `budget` values). */
export const estimate = (values: ReadonlyArray<unknown>, budget: number = defaultBudget): Estimate => {
  const walk = new Walk(budget)
  const bytes = walk.addAll(values).run()
  return { bytes, complete: walk.complete }
}
