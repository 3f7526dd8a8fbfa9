/**
 * Mailbox options: how many messages a process may have waiting, and what a send does when that
 * many are waiting.
 *
 * A mailbox is a queue of messages plus a save list for selective receive, owned by one process.
 * The queue is the kernel's own (an array and the resume of the one receive that may wait on it),
 * not an Effect `Queue`: a process has exactly one reader, so a `Queue`'s sets of takers and
 * offerers, and its dispatcher hop on every wake-up, are cost without use (`bench/README.md` has
 * the figures).
 * It is unbounded by default, as in Erlang. A bounded mailbox declares its overflow policy:
 *
 * | `overflow` | a send to a full mailbox | counted |
 * |---|---|---|
 * | `"suspend"` (default) | suspends the sender until the process takes a message (backpressure) | no |
 * | `"dropNewest"` | drops the new message; the send succeeds | `messagesDropped` in `Process.info`, the node's `dropped` metric |
 * | `"dropOldest"` | drops the oldest waiting message and enqueues the new one | likewise |
 * | `"fail"` | fails the send with `MailboxFull`; nothing is enqueued | no |
 *
 * **Details**
 *
 * - Ordering: messages from one sender to one receiver arrive in the order they were sent.
 * - Capacity counts the messages waiting in the queue. Messages that a selective receive examined
 *   and skipped move to the process's save list (like Akka's stash) and no longer count.
 * - `Process.sendUnsafe` (synchronous) cannot suspend: on a full `"suspend"` mailbox it drops the
 *   message (counted) and returns `false`.
 * - Signals (exit signals, `kill`) never queue behind messages: they act at once.
 * - The messages the runtime makes (`Down`, `EXIT` of a process that traps exits) count towards
 *   the capacity but are never dropped: `"dropOldest"` drops the oldest *user* message, or the new
 *   one when only such messages are waiting.
 * - A GenServer or GenStatem call waits for its reply, so a dropped request does not pass
 *   silently: `"dropNewest"` fails the call at once with `CallDropped`, and so does `"dropOldest"`
 *   when it drops a waiting call's request. On a `"suspend"` mailbox the call's timeout runs from
 *   the call, wait included; a call that ends while its request still waits to get in (timed out,
 *   interrupted) takes the request back, so the server never handles a call nobody waits for.
 *
 * @since 0.1.0
 */

/**
 * What a send to a full bounded mailbox does.
 *
 * @since 0.1.0
 * @category models
 */
export type Overflow = "suspend" | "dropNewest" | "dropOldest" | "fail"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The most messages that may wait in the queue. Default: unbounded. */
  readonly capacity?: number | undefined
  /** What a send to a full mailbox does. Default: `"suspend"`. */
  readonly overflow?: Overflow | undefined
}

/**
 * The default: unbounded, as in Erlang.
 *
 * @since 0.1.0
 * @category constructors
 */
export const unbounded: Options = {}

/**
 * A bounded mailbox.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Mailbox, Process } from "effect-otp"
 *
 * const spawnBounded = Process.spawn(Process.receive<string>(), { mailbox: Mailbox.bounded(100, "fail") })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const bounded = <O extends Overflow = "suspend">(
  capacity: number,
  overflow?: O
): Options & { readonly overflow: O } => ({ capacity, overflow: overflow ?? ("suspend" as O) })
