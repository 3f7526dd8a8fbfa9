/**
 * Exit signals, links, monitors and a process's exit. Exit handling is a fiber observer
 * (`addObserver`), called synchronously when a process fiber ends: it removes the process from the
 * table, frees its name, stops its timers, and sends its exit signal to every link and monitor.
 * Nothing polls.
 *
 * @internal
 */
import { Effect } from "effect"
import * as ExitReason from "../ExitReason.ts"
import type * as Pid from "../Pid.ts"
import { Deadline } from "./callDeadlines.ts"
import { closeMailbox, deliverSystemMade } from "./mailbox.ts"
import {
  DownMessage,
  ExitMessage,
  type Monitor,
  MonitorRef,
  type NodeState,
  notifyObservers,
  type ProcessRecord,
  RecordExt,
  recordOf,
  releaseRecord,
  exitedReasonOf
} from "./records.ts"
import type { RemoteName, RemoteState } from "./remote.ts"
import { stopTimers } from "./timers.ts"
import type { SignalKind } from "../Distribution.ts"

// ---------------------------------------------------------------------------------------------
// Signals
// ---------------------------------------------------------------------------------------------

/** Ends a process with `reason`: the reason wins over whatever its fiber then exits with. */
export const terminate = (record: ProcessRecord, reason: ExitReason.ExitReason, signalled: boolean): void => {
  if (record.status === "exited" || record.pendingExit !== undefined) return
  record.pendingExit = reason
  record.signalled = signalled
  record.status = "exiting"
  record.fiber?.interruptUnsafe(undefined)
}

export type { SignalKind }

/** Delivers an exit signal with OTP's rules. */
export const exitSignal = (
  target: ProcessRecord,
  from: Pid.Pid<never, unknown>,
  reason: ExitReason.ExitReason,
  kind: SignalKind
): void => {
  if (target.status === "exited") return
  if (kind === "kill") {
    // kill wins even over a stop already under way (a shutdown whose budget ran out)
    target.pendingExit = undefined
    terminate(target, ExitReason.killed, true)
    return
  }
  if (target.trapExit) {
    // also while its exit is pending: a process that traps exits is alive until its way out (a
    // server's `terminate`, its finalizers) has run, as in OTP, and a supervisor stopping its children
    // there takes the EXIT of one already gone as that child's reason (OTP's `unlink_flush`)
    deliverSystemMade(target, new ExitMessage(from, reason))
    return
  }
  if (target.pendingExit !== undefined) return
  if (reason._tag === "Normal") {
    // exit(self(), normal) ends the caller; a normal signal from anyone else is ignored
    if (kind === "exit" && recordOf(from) === target) terminate(target, reason, false)
    return
  }
  terminate(target, reason, true)
}

/**
 * Whether `record`, on a closing node, is left to an older live process of its node that it is
 * linked to and that traps exits: its supervisor (or any process that may stop it on its way out).
 * The node stops a supervision tree from the top, as OTP's application stop does before the node
 * goes: each supervisor stops its children itself, in reverse start order, within their budgets and
 * the way each asked (`brutalKill` gives `Killed`), instead of racing the node for them. The oldest
 * process of a linked group is never left to another, so every process is stopped in the end.
 */
const leftToLinked = (record: ProcessRecord): boolean => {
  const links = record.links
  if (links === undefined) return false
  for (const linked of links) {
    if (linked.trapExit && linked.node === record.node && linked.pid.id < record.pid.id && linked.status !== "exited") {
      return true
    }
  }
  return false
}

/**
 * Stops a process of a closing node with `Shutdown`, unless it is stopping already or an older
 * linked process that traps exits will stop it (see {@link leftToLinked}: then it is stopped when
 * that one has exited, if it is still there).
 */
export const stopOnClosingNode = (record: ProcessRecord): void => {
  if (record.status === "exited" || record.pendingExit !== undefined || leftToLinked(record)) return
  terminate(record, ExitReason.shutdown, true)
}

/** {@link stopOnClosingNode} for the processes of `node` among `links` (those of other nodes go on). */
const stopLinksOnClosingNode = (node: NodeState, links: Iterable<ProcessRecord>): void => {
  for (const record of links) if (record.node === node) stopOnClosingNode(record)
}

/** Links two live processes (both directions). */
export const linkRecords = (a: ProcessRecord, b: ProcessRecord): void => {
  if (a === b) return
  ;(a.links ??= new Set()).add(b)
  ;(b.links ??= new Set()).add(a)
}

/**
 * Links `self` to the local process of `pid` with `link/1`'s rules: a live target is linked; a dead
 * one sends `self` an exit `NoProc`, a message when it traps exits, else it terminates `self`.
 * Returns false in that last case: the caller ends its fiber (`Effect.interrupt`).
 */
export const linkOrNoProc = (
  self: ProcessRecord,
  pid: Pid.Pid<never, unknown>,
  target: ProcessRecord | undefined
): boolean => {
  if (target !== undefined) {
    linkRecords(self, target)
    return true
  }
  if (self.trapExit) {
    deliverSystemMade(self, new ExitMessage(pid, ExitReason.noProc))
    return true
  }
  terminate(self, ExitReason.noProc, false)
  return false
}

/** Removes a link in both directions. */
export const unlinkRecords = (a: ProcessRecord, b: ProcessRecord): void => {
  a.links?.delete(b)
  b.links?.delete(a)
}

/** Starts a monitor; if the target is dead, the Down comes at once with `NoProc`. */
export const monitorRecord = (
  watcher: ProcessRecord,
  target: ProcessRecord | undefined,
  targetPid: Pid.Pid<never, unknown>,
  name?: RemoteName
): MonitorRef => {
  const ref = new MonitorRef()
  if (target === undefined || target.status === "exited") {
    deliverSystemMade(watcher, new DownMessage(ref, targetPid, ExitReason.noProc, name))
    return ref
  }
  const monitor: Monitor = { ref, watcher, target, name }
  ;(watcher.monitors ??= new Map()).set(ref.id, monitor)
  ;(target.monitoredBy ??= new Map()).set(ref.id, monitor)
  return ref
}

/** Removes a monitor; true when it was active. */
export const demonitorRecord = (watcher: ProcessRecord, ref: MonitorRef): boolean => {
  const monitor = watcher.monitors?.get(ref.id)
  if (monitor === undefined) return false
  watcher.monitors!.delete(ref.id)
  monitor.target.monitoredBy?.delete(ref.id)
  return true
}
/** Sets whether the process traps exits; returns the previous setting. */
export const setTrapExit = (record: ProcessRecord, trap: boolean): boolean => {
  const previous = record.trapExit
  record.trapExit = trap
  return previous
}

/**
 * Calls `listener` with the reason when the process exits, after its links and monitors have been
 * signalled. A listener added after the exit is never called.
 */
export const addExitListener = (record: ProcessRecord, listener: (reason: ExitReason.ExitReason) => void): void => {
  ;(record.exitListeners ??= new Set()).add(listener)
}

/** Takes back a listener of {@link addExitListener} (nothing if it ran or was never added). */
export const removeExitListener = (record: ProcessRecord, listener: (reason: ExitReason.ExitReason) => void): void => {
  record.exitListeners?.delete(listener)
}

// ---------------------------------------------------------------------------------------------
// Exit
// ---------------------------------------------------------------------------------------------

/** The fiber observer: the process has exited; tell everyone who asked. */
export const onProcessExit = (record: ProcessRecord, reason: ExitReason.ExitReason): void => {
  record.status = "exited"
  const node = record.node
  node.table.delete(record.pid.id)
  if (record.name !== undefined && node.names.get(record.name) === record) node.names.delete(record.name)
  stopTimers(record)
  closeMailbox(record)
  if (node.observers !== undefined) notifyObservers(node, { _tag: "Exited", record, reason })
  // until the exit has been handled, the pid still leads to the record (see `runExitListeners`):
  // what only a live process needs goes now
  record.fiber = undefined
  exitDepth++
  try {
    const defer = exitDepth > maxExitDepth
    if (record.links !== undefined) {
      const links = record.links
      record.links = undefined
      for (const linked of links) {
        linked.links?.delete(record)
        if (defer) afterExit.push(() => exitSignal(linked, record.pid, reason, "link"))
        else exitSignal(linked, record.pid, reason, "link")
      }
      // on a closing node, the processes this one was left to stop are stopped now, after its signal
      if (node.closing) {
        if (defer) afterExit.push(() => stopLinksOnClosingNode(node, links))
        else stopLinksOnClosingNode(node, links)
      }
    }
    if (record.monitoredBy !== undefined) {
      const monitors = record.monitoredBy
      record.monitoredBy = undefined
      for (const monitor of monitors.values()) {
        monitor.watcher.monitors?.delete(monitor.ref.id)
        deliverSystemMade(monitor.watcher, new DownMessage(monitor.ref, record.pid, reason, monitor.name))
      }
    }
    if (record.monitors !== undefined) {
      for (const monitor of record.monitors.values()) monitor.target.monitoredBy?.delete(monitor.ref.id)
      record.monitors = undefined
    }
    if (record.ext !== undefined && record.ext.remote !== undefined) remoteExit(record, record.ext.remote, reason)
    if (defer) {
      // until the task runs, an awaitExit waits for it: the links will have been signalled
      record.exitQueued = true
      afterExit.push(() => runExitListeners(record, reason))
    } else {
      runExitListeners(record, reason)
    }
    if (exitDepth === 1) {
      let task = afterExit.shift()
      while (task !== undefined) {
        task()
        task = afterExit.shift()
      }
    }
  } finally {
    exitDepth--
  }
  if (node.table.size === 0 && node.onEmpty !== undefined) node.onEmpty()
}

const runExitListeners = (record: ProcessRecord, reason: ExitReason.ExitReason): void => {
  record.exitQueued = false
  // the pid lets go of the record: a held pid keeps only its exit reason, for `awaitExit`
  releaseRecord(record, reason)
  if (record.ext !== undefined && record.ext.pending !== undefined) {
    let entry: Pending | undefined = record.ext.pending
    record.ext.pending = record.ext.pendingTail = undefined
    while (entry !== undefined) {
      const next: Pending | undefined = entry.nextPending
      entry.prevPending = entry.nextPending = undefined
      entry.listed = false
      entry.serverExited(reason)
      entry = next
    }
  }
  const listeners = record.exitListeners
  record.exitListeners = undefined
  if (listeners !== undefined) for (const listener of listeners) listener(reason)
  // the exit is handled: what is left of the record's rarely-set fields (handlers, counters) goes too
  record.ext = undefined
}

/**
 * Interrupting a suspended fiber runs it to its end synchronously, so an exit signal to a linked
 * process makes it exit inside the exit of the process that sent it, and so on down a chain of
 * links: a chain of a few hundred linked processes overflowed the stack. Beyond `maxExitDepth`
 * nested exits, the signals to links and the exit listeners are queued instead, in that order,
 * and the outermost exit runs the queue before it returns. Shallower exits are not changed.
 */
const maxExitDepth = 64
let exitDepth = 0
const afterExit: Array<() => void> = []
/**
 * An entry of a process's list of pending calls and `awaitExit`s: told when the process exits
 * (before its exit listeners). A doubly-linked list through the entries themselves, so adding and
 * removing one allocates nothing.
 */
export abstract class Pending extends Deadline {
  prevPending: Pending | undefined = undefined
  nextPending: Pending | undefined = undefined
  listed = false
  abstract serverExited(reason: ExitReason.ExitReason): void
}

/** Puts `entry` at the end of the pending list of `record`, a process whose exit has not been handled yet. */
export const addPending = (record: ProcessRecord, entry: Pending): void => {
  const ext = (record.ext ??= new RecordExt())
  const tail = ext.pendingTail
  entry.prevPending = tail
  if (tail !== undefined) tail.nextPending = entry
  else ext.pending = entry
  ext.pendingTail = entry
  entry.listed = true
}

/** Takes `entry` off the pending list of `record` (nothing if it is not on it). */
export const removePending = (record: ProcessRecord, entry: Pending): void => {
  if (!entry.listed) return
  entry.listed = false
  const prev = entry.prevPending
  const next = entry.nextPending
  const ext = record.ext!
  if (next !== undefined) next.prevPending = prev
  else ext.pendingTail = prev
  if (prev !== undefined) prev.nextPending = next
  else ext.pending = next
  entry.prevPending = entry.nextPending = undefined
}

/**
 * Waits until the process has exited and gives its reason: the reason its pid keeps once the exit
 * has been handled, `NoProc` if the pid is unknown here. A pid leads to its record only until the
 * exit has been handled (see `releaseRecord`), so a record found here is one to wait for.
 */
export const awaitExit = (pid: Pid.Pid<never, unknown>): Effect.Effect<ExitReason.ExitReason> =>
  Effect.suspend(() => {
    // already over: no callback to register (the common case once a batch of processes has run)
    const record = recordOf(pid)
    return record === undefined ? Effect.succeed(exitedReasonOf(pid) ?? ExitReason.noProc) : waitExit(record)
  })

/**
 * An `awaitExit` waiting: an entry of the record's pending list (one object per wait, no `Set`
 * entry and no listener closure). It resumes its fiber from a microtask, so after the exit has been
 * handled (links, monitors, exit listeners: what they clean up, such as a `Registry`'s entries, is
 * done when the waiter goes on), never inside it: a fiber waiting for many processes in turn (spawn,
 * send, then `awaitExit` each) goes on once the batch that ends them has run, and finds the rest
 * already gone, instead of being resumed and suspended again inside each exit.
 */
class ExitWaiter extends Pending {
  readonly resume: (effect: Effect.Effect<ExitReason.ExitReason>) => void
  constructor(resume: (effect: Effect.Effect<ExitReason.ExitReason>) => void) {
    super()
    this.resume = resume
  }
  /** never armed: a wait has no deadline */
  fire(): void {}
  serverExited(reason: ExitReason.ExitReason): void {
    const resume = this.resume
    queueMicrotask(() => resume(Effect.succeed(reason)))
  }
}

const waitExit = (record: ProcessRecord): Effect.Effect<ExitReason.ExitReason> =>
  Effect.callback<ExitReason.ExitReason>((resume) => {
    // the exit may have been handled since `awaitExit` looked (the fiber may have yielded to others)
    const reason = exitedReasonOf(record.pid)
    if (reason !== undefined) return resume(Effect.succeed(reason))
    const waiter = new ExitWaiter(resume)
    addPending(record, waiter)
    return Effect.sync(() => removePending(record, waiter))
  })

/**
 * A local process exited: its links and watchers on other nodes get its exit, the monitors it held
 * there are taken back. Called by the kernel's exit handling.
 */
const remoteExit = (record: ProcessRecord, remote: RemoteState, reason: ExitReason.ExitReason): void => {
  const node = record.node
  const transport = node.distribution
  const peers = node.peers
  const forget = (peer: string) => peers?.get(peer)?.delete(record)
  if (remote.links !== undefined) {
    for (const pid of remote.links.values()) {
      forget(pid.node)
      transport?.exit(record.pid, pid, reason, "link")
    }
  }
  if (remote.watchers !== undefined) {
    for (const watcher of remote.watchers.values()) {
      forget(watcher.watcher.node)
      transport?.monitorExit(watcher.target, watcher.watcher, watcher.ref, reason)
    }
  }
  if (remote.monitors !== undefined) {
    for (const monitor of remote.monitors.values()) {
      forget(monitor.target.node)
      transport?.demonitor(record.pid, monitor.target, monitor.ref)
    }
  }
  remote.links = remote.monitors = remote.watchers = undefined
}
