/**
 * The run-queue scheduler for processes (opt-in with `Node.layer({ scheduler: "runQueue" })`),
 * resumed by microtasks, with a time budget that hands the thread back to the event loop (timers,
 * I/O) at least every 2 ms (`budgetMs`).
 *
 * - One dispatcher shared by every fiber (`makeDispatcher` returns the same instance): a single run
 *   queue, like a BEAM scheduler's, instead of one `setImmediate` per waking fiber.
 * - `scheduleTask` appends to the run queue and, if no drain is pending, queues one microtask.
 * - The drain runs tasks in FIFO order (priorities kept: lower first) until the queue is empty,
 *   including the tasks that the running tasks schedule: a ping-pong pair runs without any
 *   event-loop turn.
 * - After each task (a task can be a whole op budget, ~0.1 ms), and at the start of each drain, it
 *   looks at the clock: once the thread has been busy with microtask drains for `budgetMs` since
 *   the last macrotask, the rest of the queue is drained from a `setImmediate` instead, so timers
 *   and I/O run in between.
 * - `shouldYield` is Effect's: a fiber yields after `MaxOpsBeforeYield` operations.
 *
 * @internal
 */
import type { Fiber } from "effect"
import type { Scheduler } from "effect"

/** How long microtask drains may run before the event loop gets a turn. */
const budgetMs = 2

class RunQueue implements Scheduler.SchedulerDispatcher {
  // priority 0 is by far the most common: a fast lane for it, a sorted list for the others
  private tasks: Array<() => void> = []
  private head = 0
  private other: Array<[number, Array<() => void>]> = []
  private pending = false
  private viaMacrotask = false
  /** when the current stretch of microtask drains began (reset by each macrotask drain) */
  private sliceStart = 0

  scheduleTask(task: () => void, priority: number): void {
    if (priority === 0) this.tasks.push(task)
    else {
      const other = this.other
      let i = 0
      while (i < other.length && other[i]![0] < priority) i++
      if (i < other.length && other[i]![0] === priority) other[i]![1].push(task)
      else other.splice(i, 0, [priority, [task]])
    }
    if (!this.pending) this.schedule()
  }

  private schedule(): void {
    this.pending = true
    if (this.viaMacrotask) {
      setImmediate(this.drainMacro)
    } else {
      queueMicrotask(this.drainMicro)
    }
  }

  private readonly drainMicro = (): void => {
    this.pending = false
    if (performance.now() - this.sliceStart >= budgetMs) {
      // over budget: let the event loop turn before draining
      this.viaMacrotask = true
      this.schedule()
      return
    }
    this.drain()
  }

  private readonly drainMacro = (): void => {
    this.pending = false
    this.viaMacrotask = false
    this.sliceStart = performance.now()
    this.drain()
  }

  private drain(): void {
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
      if (performance.now() - this.sliceStart >= budgetMs) {
        if (this.hasTasks() && !this.pending) {
          this.viaMacrotask = true
          this.schedule()
        }
        this.compact()
        return
      }
    }
    this.compact()
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
    while (this.hasTasks()) this.drain()
  }
}

export class RunQueueScheduler implements Scheduler.Scheduler {
  readonly executionMode = "async" as const
  private readonly dispatcher = new RunQueue()
  shouldYield(fiber: Fiber.Fiber<unknown, unknown>): boolean {
    return fiber.currentOpCount >= fiber.cache.maxOpsBeforeYield
  }
  makeDispatcher(): Scheduler.SchedulerDispatcher {
    return this.dispatcher
  }
}
