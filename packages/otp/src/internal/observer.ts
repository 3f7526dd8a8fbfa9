/**
 * The `Observer`'s engine: a snapshot of a node read from its process table in one synchronous
 * pass (so it is a consistent cut: no process exits half-way through it), and the stream of its
 * life-cycle changes, fed by the node's observer listeners. `Observer.ts` holds the types, the docs
 * and the signatures.
 *
 * @internal
 */
import { type Cause, Effect, Option, Queue, type Scope, Stream } from "effect"
import type * as ExitReason from "../ExitReason.ts"
import type { Node } from "../Node.ts"
import type * as Observer from "../Observer.ts"
import type * as Pid from "../Pid.ts"
import type * as kernel from "./kernel.ts"
import { currentNode } from "./node.ts"
import * as memory from "./memory.ts"
import * as registry from "./registry.ts"
import * as supervision from "./supervision.ts"
import { describe, messagesTakenOf } from "./sys.ts"

const noPids: ReadonlyArray<Pid.Pid<never, unknown>> = []

const pidsOf = (records: Iterable<kernel.ProcessRecord> | undefined): ReadonlyArray<Pid.Pid<never, unknown>> => {
  if (records === undefined) return noPids
  const out: Array<Pid.Pid<never, unknown>> = []
  for (const record of records) out.push(record.pid)
  return out.length === 0 ? noPids : out
}

const monitoredPids = (
  monitors:
    | ReadonlyMap<number, { readonly target: kernel.ProcessRecord; readonly watcher: kernel.ProcessRecord }>
    | undefined,
  side: "target" | "watcher"
): ReadonlyArray<Pid.Pid<never, unknown>> => {
  if (monitors === undefined || monitors.size === 0) return noPids
  const out: Array<Pid.Pid<never, unknown>> = []
  for (const monitor of monitors.values()) out.push(monitor[side].pid)
  return out
}

/**
 * The estimate of what `record` holds: a process's fixed cost (a server's, with its engine) and a
 * walk of its messages (queue, save list, system lane) and a server's state; `walk.complete` then
 * says whether the walk saw it all. A process with no message and no state costs no walk.
 */
const memoryOf = (record: kernel.ProcessRecord, walk: memory.Walk): number => {
  const engine = record.engine
  const base = engine === undefined ? memory.processBytes : memory.serverBytes
  const { mq, saved, system } = record
  const empty =
    (mq === undefined || mq.length === record.mqHead) &&
    (saved === undefined || saved.length === 0) &&
    (system === undefined || system.length === 0)
  if (empty && engine === undefined) {
    walk.complete = true
    return base
  }
  if (mq !== undefined) walk.addAll(mq, record.mqHead)
  if (saved !== undefined) walk.addAll(saved)
  if (system !== undefined) walk.addAll(system)
  if (engine !== undefined) walk.add(engine.systemState())
  return base + walk.run()
}

const processOf = (
  record: kernel.ProcessRecord,
  tree: supervision.TreeView | undefined,
  isRegistry: boolean,
  walk: memory.Walk
): Observer.ProcessInfo => {
  const engine = record.engine
  const bytes = memoryOf(record, walk)
  return {
    pid: record.pid,
    registeredName: Option.fromUndefinedOr(record.name),
    behaviour:
      tree !== undefined
        ? tree.kind
        : isRegistry
          ? "Registry"
          : engine !== undefined
            ? engine.behaviourKind
            : "process",
    status: record.suspended !== undefined ? "suspended" : (record.status as Observer.ProcessInfo["status"]),
    mailboxLength: record.mailboxLength,
    messagesIn: record.received,
    messagesHandled: messagesTakenOf(record),
    messagesDropped: record.dropped,
    messagesOut: engine?.debug?.counters === undefined ? Option.none() : Option.some(engine.debug.counters.messagesOut),
    links: pidsOf(record.links),
    monitors: monitoredPids(record.monitors, "target"),
    monitoredBy: monitoredPids(record.monitoredBy, "watcher"),
    trapExit: record.trapExit,
    parent: engine?.parent === undefined ? Option.none() : Option.some(engine.parent.pid),
    memory: bytes,
    memoryTruncated: !walk.complete
  }
}

const supervisorOf = (
  record: kernel.ProcessRecord,
  tree: supervision.TreeView,
  now: number
): Observer.SupervisorInfo => ({
  pid: record.pid,
  registeredName: Option.fromUndefinedOr(record.name),
  kind: tree.kind,
  strategy: tree.strategy,
  children: tree.children,
  restarts: tree.restarts,
  intensity: tree.intensity.map((window) => ({
    maxRestarts: window.maxRestarts,
    withinMs: window.windowMs,
    used: supervision.intensityUsed(window, now)
  }))
})

const registryOf = (record: kernel.ProcessRecord, state: registry.RegistryState): Observer.RegistryInfo => {
  let entries = 0
  for (const owner of state.owners.values()) entries += owner.entries.size
  return {
    pid: record.pid,
    name: state.name,
    keys: state.keys,
    partitions: state.partitions,
    entries,
    owners: state.owners.size
  }
}

/** The snapshot of `node` at `now`. */
export const snapshotOf = (node: kernel.NodeState, now: number): Observer.Snapshot => {
  const processes = new Array<Observer.ProcessInfo>(node.table.size)
  const supervisors: Array<Observer.SupervisorInfo> = []
  const registries: Array<Observer.RegistryInfo> = []
  const walk = new memory.Walk(memory.budgetFor(node.table.size))
  let i = 0
  for (const record of node.table.values()) {
    // only servers (which have an engine) run a supervisor or a registry: a plain process costs no lookup
    let tree: supervision.TreeView | undefined
    let state: registry.RegistryState | undefined
    if (record.engine !== undefined) {
      tree = supervision.treeOf(record)
      if (tree !== undefined) supervisors.push(supervisorOf(record, tree, now))
      else {
        state = registry.stateOf(record)
        if (state !== undefined) registries.push(registryOf(record, state))
      }
    }
    processes[i++] = processOf(record, tree, state !== undefined, walk)
  }
  return {
    node: { name: node.name, creation: node.creation },
    time: now,
    metrics: {
      spawned: node.spawned,
      active: node.table.size,
      messagesSent: node.sent,
      messagesDropped: node.dropped
    },
    processes,
    supervisors,
    registries
  }
}

export const snapshot: Effect.Effect<Observer.Snapshot, never, Node> = Effect.flatMap(currentNode, (node) =>
  Effect.clockWith((clock) => Effect.sync(() => snapshotOf(node, clock.currentTimeMillisUnsafe())))
)

const eventOf = (event: kernel.LifecycleEvent, time: number): Observer.Event => {
  switch (event._tag) {
    case "Spawned":
      return { _tag: "Spawned", pid: event.record.pid, time }
    case "Exited":
      return {
        _tag: "Exited",
        pid: event.record.pid,
        registeredName: Option.fromUndefinedOr(event.record.name),
        reason: event.reason as ExitReason.ExitReason,
        time
      }
    case "Restarted":
      return { _tag: "Restarted", supervisor: event.supervisor.pid, id: event.id, pid: event.pid, time }
    case "Traced":
      return {
        _tag: "Traced",
        pid: event.record.pid,
        event: event.event,
        text: describe(event.record.pid, event.event),
        time
      }
  }
}

/** Adds `listener` to the node's observers; the returned function removes it. */
export const attach = (node: kernel.NodeState, listener: (event: kernel.LifecycleEvent) => void): (() => void) => {
  const observers = (node.observers ??= new Set())
  observers.add(listener)
  return () => {
    observers.delete(listener)
    // the last one gone: the life cycle is back to one field check
    if (observers.size === 0 && node.observers === observers) node.observers = undefined
  }
}

export const subscribe = (
  options?: Observer.ChangesOptions
): Effect.Effect<Stream.Stream<Observer.Event>, never, Node | Scope.Scope> =>
  Effect.gen(function* () {
    const node = yield* currentNode
    const clock = yield* Effect.clockWith(Effect.succeed)
    const queue = yield* Queue.sliding<Observer.Event, Cause.Done>(options?.bufferSize ?? 16_384)
    yield* Effect.acquireRelease(
      Effect.sync(() =>
        attach(node, (event) => {
          Queue.offerUnsafe(queue, eventOf(event, clock.currentTimeMillisUnsafe()))
        })
      ),
      // detached: the stream ends after the events already buffered
      (detach) =>
        Effect.sync(() => {
          detach()
          Queue.endUnsafe(queue)
        })
    )
    return Stream.fromQueue(queue)
  })

export const changes = (options?: Observer.ChangesOptions): Stream.Stream<Observer.Event, never, Node> =>
  Stream.unwrap(subscribe(options))
