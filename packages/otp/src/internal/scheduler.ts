/**
 * The run-queue scheduler for processes (the default; `Node.layer({ scheduler: "effect" })` keeps
 * Effect's), resumed by microtasks, with a time budget that hands the thread back to the event loop
 * (timers, I/O) at least every {@link budgetMs} of process work.
 *
 * - One run queue for the thread, shared by every node's processes (`makeDispatcher` returns the
 *   same instance), like a BEAM scheduler's, instead of one `setImmediate` per waking fiber.
 * - `scheduleTask` appends to the run queue and, if no drain is pending, queues one microtask.
 * - The drain runs tasks in FIFO order (priorities kept: lower first) until the queue is empty,
 *   including the tasks that the running tasks schedule: a ping-pong pair runs without any
 *   event-loop turn.
 * - A slice is the process work between two turns of the event loop. The first drain of a slice
 *   arms one `setImmediate` that ends it; once a slice has run for the budget, the rest of the queue
 *   waits for that `setImmediate` (after the loop's timers and I/O), which starts the next slice.
 * - Reading the clock costs a few hundred nanoseconds on some VMs, as much as a message round trip:
 *   the drain reads it every `checkEvery` tasks, a stride sized from the tasks' measured cost so that
 *   a stride takes about a quarter of the budget (1 for long tasks, at most {@link maxStride}).
 * - `shouldYield` is Effect's: a fiber yields after `MaxOpsBeforeYield` operations.
 *
 * @internal
 */
import type { Fiber } from "effect"
import type { Scheduler } from "effect"

/** How long process work may hold the thread before the event loop gets a turn, in ms. */
const budgetMs = 0.5

/** The most tasks run between two clock readings. */
const maxStride = 32

const now = (): number => performance.now()

class RunQueue implements Scheduler.SchedulerDispatcher {
  // priority 0 is by far the most common: a fast lane for it, a sorted list for the others
  private tasks: Array<() => void> = []
  private head = 0
  private other: Array<[number, Array<() => void>]> = []
  /** a drain is queued: a microtask, or the end of the slice when the budget is spent */
  private pending = false
  /** the budget is spent: the queue waits for the end of the slice */
  private waitTurn = false
  /** when the current slice began; -1: no slice, the event loop has turned since the last drain */
  private sliceStart = -1
  /** tasks between two clock readings, and the countdown to the next reading */
  private checkEvery = 1
  private countdown = 1
  private lastCheck = 0

  scheduleTask(task: () => void, priority: number): void {
    if (priority === 0) this.tasks.push(task)
    else {
      const other = this.other
      let i = 0
      while (i < other.length && other[i]![0] < priority) i++
      if (i < other.length && other[i]![0] === priority) other[i]![1].push(task)
      else other.splice(i, 0, [priority, [task]])
    }
    if (!this.pending) {
      this.pending = true
      queueMicrotask(this.drainMicro)
    }
  }

  private readonly drainMicro = (): void => {
    if (this.waitTurn) return
    if (this.sliceStart < 0) this.startSlice()
    this.drain()
  }

  /** The `setImmediate` that ends a slice: the event loop has turned. */
  private readonly endSlice = (): void => {
    this.sliceStart = -1
    if (!this.waitTurn) return
    this.waitTurn = false
    this.startSlice()
    this.drain()
  }

  private startSlice(): void {
    this.sliceStart = this.lastCheck = now()
    this.countdown = this.checkEvery
    setImmediate(this.endSlice)
  }

  /** Runs tasks until the queue is empty or the slice is spent; what they schedule meanwhile joins the loop. */
  private drain(): void {
    this.pending = true
    try {
      while (true) {
        let task: (() => void) | undefined
        if (this.other.length > 0 && this.other[0]![0] < 0) {
          task = this.takeOther()
        } else if (this.head < this.tasks.length) {
          task = this.tasks[this.head]
          this.tasks[this.head++] = undefined as never
        } else if (this.other.length > 0) {
          task = this.takeOther()
        } else break
        task!()
        if (--this.countdown === 0 && this.overBudget()) {
          // the rest waits for the end of the slice, after the loop's timers and I/O
          this.waitTurn = true
          break
        }
      }
    } finally {
      this.compact()
      if (!this.waitTurn) {
        this.pending = false
        // only when a task threw: the tasks behind it still get their drain
        if (this.hasTasks()) {
          this.pending = true
          queueMicrotask(this.drainMicro)
        }
      }
    }
  }

  /** Reads the clock, sizes the next stride from the last one, and says whether the slice is spent. */
  private overBudget(): boolean {
    const t = now()
    const perTask = (t - this.lastCheck) / this.checkEvery
    this.lastCheck = t
    const stride = perTask > 0 ? Math.floor(budgetMs / 4 / perTask) : maxStride
    this.checkEvery = stride < 1 ? 1 : stride > maxStride ? maxStride : stride
    this.countdown = this.checkEvery
    return t - this.sliceStart >= budgetMs
  }

  private takeOther(): () => void {
    const bucket = this.other[0]!
    const task = bucket[1].shift()!
    if (bucket[1].length === 0) this.other.shift()
    return task
  }

  private hasTasks(): boolean {
    return this.head < this.tasks.length || this.other.length > 0
  }

  private compact(): void {
    if (this.head === this.tasks.length) {
      this.tasks.length = 0
      this.head = 0
    } else if (this.head > 1024 && this.head * 2 > this.tasks.length) {
      this.tasks = this.tasks.slice(this.head)
      this.head = 0
    }
  }

  flush(): void {
    while (this.hasTasks()) {
      this.countdown = Number.POSITIVE_INFINITY
      this.drain()
    }
    this.countdown = this.checkEvery
  }
}

/** The thread's one run queue: every node's processes share it, as they share the thread. */
export const runQueue: Scheduler.SchedulerDispatcher = new RunQueue()

export class RunQueueScheduler implements Scheduler.Scheduler {
  readonly executionMode = "async" as const
  private readonly dispatcher = runQueue
  shouldYield(fiber: Fiber.Fiber<unknown, unknown>): boolean {
    return fiber.currentOpCount >= fiber.cache.maxOpsBeforeYield
  }
  makeDispatcher(): Scheduler.SchedulerDispatcher {
    return this.dispatcher
  }
}

/** The scheduler of every node that does not ask for Effect's (`scheduler: "effect"`). */
export const runQueueScheduler: Scheduler.Scheduler = new RunQueueScheduler()
