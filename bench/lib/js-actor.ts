/**
 * The plain-JS baseline: the least an actor can cost on one event loop.
 *
 * A process is an object with an array mailbox and a handler. `send` appends to the array and,
 * if the process is not already scheduled, queues one microtask that drains the mailbox through
 * the handler. There are no fibers, no effects and no promises on the hot path: a wake-up costs
 * one microtask, a message one array slot. A handler that throws ends the process (a crash); a
 * handler that calls `exit` ends it normally. Exit observers (links, monitors) are plain callbacks
 * run synchronously on exit, as in the effect-otp kernel.
 */

export type ExitReason = "normal" | { readonly crash: unknown }

export class JsProcess<M = unknown> {
  private mailbox: Array<M | undefined> = []
  private head = 0
  private scheduled = false
  alive = true
  handler: (message: M, self: JsProcess<M>) => void
  observers: Array<(reason: ExitReason, from: JsProcess<M>) => void> | undefined = undefined

  constructor(handler: (message: M, self: JsProcess<M>) => void) {
    this.handler = handler
  }

  send(message: M): void {
    if (!this.alive) return
    this.mailbox.push(message)
    if (!this.scheduled) {
      this.scheduled = true
      queueMicrotask(() => this.drain())
    }
  }

  /** Ends the process from inside its handler (or from outside: an exit signal). */
  exit(reason: ExitReason = "normal"): void {
    if (!this.alive) return
    this.alive = false
    this.mailbox = []
    this.head = 0
    const observers = this.observers
    this.observers = undefined
    if (observers !== undefined) for (const observer of observers) observer(reason, this)
  }

  addObserver(observer: (reason: ExitReason, from: JsProcess<M>) => void): void {
    if (!this.alive) observer("normal", this)
    else (this.observers ??= []).push(observer)
  }

  private drain(): void {
    this.scheduled = false
    const mailbox = this.mailbox
    while (this.alive && this.head < mailbox.length) {
      const message = mailbox[this.head]!
      mailbox[this.head++] = undefined
      try {
        this.handler(message, this)
      } catch (crash) {
        this.exit({ crash })
        return
      }
    }
    if (this.head === mailbox.length) {
      mailbox.length = 0
      this.head = 0
    }
  }
}

export const spawn = <M>(handler: (message: M, self: JsProcess<M>) => void): JsProcess<M> => new JsProcess(handler)
