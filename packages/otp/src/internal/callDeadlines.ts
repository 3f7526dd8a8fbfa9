/**
 * Call deadlines: each node keeps the deadlines of the calls to its processes in one FIFO per
 * length, swept by one fiber that sleeps until the earliest. Used by the call machinery
 * (`internal/server.ts`); the pending-call list of a process builds on `Deadline`.
 *
 * @internal
 */
import { Clock, Effect, type Fiber } from "effect"
import type { NodeState } from "./records.ts"

/** A call's deadline: `fire` runs when it passes unless `done` was set first. */
export abstract class Deadline {
  done = false
  due = 0
  abstract fire(): void
}

/**
 * The deadlines of one length, oldest first, from `head` to `tail`. The array is kept when the queue
 * empties (resetting its length would drop its storage, and the next call would allocate it again).
 */
class DeadlineFifo {
  items: Array<Deadline | undefined> = []
  head = 0
  tail = 0
}

/** A node's call deadlines: one FIFO per length, and the sweeper fiber. */
export class Deadlines {
  readonly fifos = new Map<number, DeadlineFifo>()
  /** the FIFO of the length armed last (nearly every call uses the default timeout) */
  lastMs = -1
  lastFifo: DeadlineFifo | undefined = undefined
  live = 0
  sweeper: Fiber.Fiber<void> | undefined = undefined
  sweeperDue = Number.POSITIVE_INFINITY
}

const fifoFor = (state: Deadlines, ms: number): DeadlineFifo => {
  let fifo = state.fifos.get(ms)
  if (fifo === undefined) {
    fifo = new DeadlineFifo()
    state.fifos.set(ms, fifo)
  }
  state.lastMs = ms
  state.lastFifo = fifo
  return fifo
}

/**
 * Arms a deadline `ms` from now on the caller's `Clock`. Deadlines of one length are due in the
 * order they are armed, so each length is a FIFO and arming costs a push; one sweeper fiber per node
 * sleeps until the earliest one. Entries that are done are dropped from the head as new ones come.
 */
export const addDeadline = (
  node: NodeState,
  fiber: Fiber.Fiber<unknown, unknown>,
  ms: number,
  entry: Deadline
): void => {
  const state = (node.deadlines ??= new Deadlines())
  const due = fiber.getRef(Clock.Clock).currentTimeMillisUnsafe() + ms
  entry.due = due
  entry.done = false
  const fifo = state.lastMs === ms ? state.lastFifo! : fifoFor(state, ms)
  const items = fifo.items
  while (fifo.head < fifo.tail && items[fifo.head]!.done) items[fifo.head++] = undefined
  if (fifo.head === fifo.tail) {
    fifo.head = fifo.tail = 0
  } else if (fifo.tail - fifo.head > 2 * state.live + 64) {
    fifo.items = items.slice(fifo.head, fifo.tail).filter((d) => !d!.done)
    fifo.head = 0
    fifo.tail = fifo.items.length
  }
  fifo.items[fifo.tail++] = entry
  state.live++
  if (due < state.sweeperDue) {
    state.sweeper?.interruptUnsafe()
    state.sweeperDue = due
    state.sweeper = Effect.runForkWith(fiber.context)(sweep(state))
  }
}

/** The call is over (replied, failed or interrupted): its deadline will not fire. */
export const clearDeadline = (node: NodeState, entry: Deadline): void => {
  if (entry.done) return
  entry.done = true
  if (node.deadlines !== undefined) node.deadlines.live--
}

const sweep = (state: Deadlines): Effect.Effect<void> =>
  Effect.clockWith((clock) => {
    const wait = Math.max(0, state.sweeperDue - clock.currentTimeMillisUnsafe())
    return Effect.flatMap(Effect.sleep(wait), () => {
      const now = clock.currentTimeMillisUnsafe()
      let next = Number.POSITIVE_INFINITY
      for (const fifo of state.fifos.values()) {
        const items = fifo.items
        while (fifo.head < fifo.tail) {
          const entry = items[fifo.head]!
          if (!entry.done && entry.due > now) break
          items[fifo.head++] = undefined
          if (!entry.done) {
            entry.done = true
            state.live--
            entry.fire()
          }
        }
        if (fifo.head < fifo.tail) next = Math.min(next, items[fifo.head]!.due)
        else fifo.head = fifo.tail = 0
      }
      state.sweeperDue = next
      if (next === Number.POSITIVE_INFINITY) {
        state.sweeper = undefined
        return Effect.void
      }
      return sweep(state)
    })
  })

/** Stops the node's deadline sweeper (at node shutdown: it must not keep the event loop alive). */
export const stopDeadlines = (node: NodeState): void => {
  const state = node.deadlines
  if (state === undefined) return
  state.sweeper?.interruptUnsafe()
  state.sweeper = undefined
  state.sweeperDue = Number.POSITIVE_INFINITY
}
