/**
 * Observer: what runs on a node, as data (the data behind Erlang's `observer` and `observer_cli`).
 *
 * {@link snapshot} reads the node's process table and answers every process (pid, name, behaviour,
 * status, mailbox length, message counts, links, monitors, parent, an estimate of its memory), every supervisor (strategy,
 * children with their ids, pids, status and restart counts, the restart intensity used), every
 * keyed `Registry`, and the node's counters. {@link changes} streams what happens next: spawns,
 * exits and supervisor restarts. A terminal view or a web page is built on these two.
 *
 * ## Example
 *
 * ```ts
 * import { Effect, Fiber, Stream } from "effect"
 * import { GenServer, Node, Observer, Process, Supervisor } from "effect-otp"
 * import { Counter } from "./counter.ts"
 *
 * const program = Effect.gen(function*() {
 *   const worker = GenServer.childSpec("counter", Counter, 0)
 *   yield* Supervisor.start({ strategy: "oneForOne", children: [worker] })
 *   const now = yield* Observer.snapshot
 *   console.log(now.processes.length, now.supervisors[0].children)
 *   // the next two life-cycle events: a process spawned, then exited
 *   const events = yield* Effect.forkChild(Stream.runCollect(Stream.take(Observer.changes(), 2)), {
 *     startImmediately: true
 *   })
 *   yield* Process.spawn(Effect.void)
 *   return yield* Fiber.join(events) // [{ _tag: "Spawned", ... }, { _tag: "Exited", reason: Normal, ... }]
 * })
 *
 * Effect.runPromise(program.pipe(Effect.provide(Node.layer()), Effect.scoped))
 * ```
 *
 * ## Memory
 *
 * JavaScript has no heap per fiber, so a process's `memory` is an estimate, in bytes, built the way
 * BEAM's `process_info(P, memory)` adds a process's heap and its mailbox:
 *
 * - a fixed cost: what an idle process takes (984 bytes: its fiber, record, pid and context,
 *   `bench/` scenario `memory-100k`), or an idle server (3,800 bytes, measured the same way:
 *   the process and its engine);
 * - plus a size walk of what the snapshot can read without asking the process: every message in
 *   its mailbox (the queue, the messages a receive skipped, the system lane) and a server's state
 *   (what `Sys.getState` answers, read in place, not by a request). The walk models V8's 64-bit
 *   layout: 8 bytes a slot, a string 16 + 2 a character (UTF-16: an upper bound for Latin-1 text,
 *   which V8 keeps in one byte a character), an object 24 + its own enumerable properties, an array
 *   32 + its elements, a `Map`/`Set` 48 + 8 an entry + its keys and values, a buffer 64 + its bytes,
 *   a function 64;
 * - it visits at most 1,000 values a process, and at most 2,000,000 in a whole snapshot, shared
 *   evenly (with more than 2,000 processes each gets 2,000,000 / N, 16 at least); past its budget
 *   it stops, counts the remaining elements of the collection it was in as slots, and sets
 *   `memoryTruncated`: the figure is then a lower bound. So does a value the walk cannot read (a
 *   getter that throws, a revoked `Proxy`): the walk never throws.
 *
 * What it does not count: what a plain process keeps in its body's local variables and closures
 * (a closure's captures are out of reach: only a server's state is), Effect's fiber internals
 * beyond the measured idle cost (a deep stack, a running handler's values), and what pids, fibers
 * and Effects in the state point to (their slot only). A structure reached twice inside one process
 * is counted once; one shared by several processes is counted by each holder, so the figures of a
 * node do not add up to its heap.
 *
 * ## Cost
 *
 * - A snapshot reads the table in one synchronous pass and sends no message: no process is
 *   interrupted, and a busy or suspended one is shown as it is. It takes about 1 µs per process
 *   (see `bench/`: 100,000 processes in a few tens of milliseconds). A process with no message and
 *   no state (a plain process, idle) costs no memory walk; a server or a message costs its walk, a
 *   fraction of a microsecond a value (100,000 servers with a small state: about 0.2 s), and the
 *   walks of one snapshot visit at most 2,000,000 values.
 * - {@link changes} hooks only the life cycle (spawn, exit, restart), never the message path: with no
 *   stream running, a spawn and an exit pay one field check each, and a send, a call or a cast pays
 *   nothing. A server's `Sys` events reach the stream only while its trace is on (`Sys.trace`),
 *   whose cost is already paid per message then.
 *
 * ## What each failure returns
 *
 * Nothing here fails. A snapshot is taken in one synchronous step, so it is a consistent cut of the
 * node: a process that exits before it is not in it, one that exits after it is in it whole; a
 * process on its way out shows the status `"exiting"`. There is no error for the whole snapshot and
 * no half-read process. An event stream whose reader falls more than `bufferSize` events behind
 * loses the oldest ones (take a new snapshot to catch up).
 *
 * ## Differences from OTP
 *
 * - `messagesOut` is counted only for a server whose statistics are switched on
 *   (`Sys.statistics(target, true)`, as OTP's `sys:statistics`): counting each send of every process
 *   would cost the message path. Every process shows the messages that came in (`messagesIn`) and
 *   those it took from its mailbox (`messagesHandled`).
 * - `memory` is an estimate (see "Memory"), not a count of the process's heap: the JavaScript heap
 *   is not accounted per fiber. There are no reductions.
 * - `parent` is known for servers (GenServer, GenStatem and the processes built on them: the process
 *   that started them linked); a plain `Process.spawn` process shows `None`.
 * - A supervisor's `intensity` lists each `Supervisor.intensity(maxRestarts, within)` its schedule is
 *   made of, with the restarts inside its window now; a hand-made schedule shows none.
 *
 * @since 0.2.0
 */
import type { Effect, Option, Scope, Stream } from "effect"
import type * as ExitReason from "./ExitReason.ts"
import * as internal from "./internal/observer.ts"
import type * as ChildSpec from "./ChildSpec.ts"
import type { Node, Stats } from "./Node.ts"
import type * as Pid from "./Pid.ts"
import type * as Sys from "./Sys.ts"

/**
 * What a snapshot tells of one process.
 *
 * @since 0.2.0
 * @category models
 */
export interface ProcessInfo {
  readonly pid: Pid.Pid<never, unknown>
  readonly registeredName: Option.Option<string>
  /**
   * What it runs: `"GenServer"`, `"GenStatem"`, `"Supervisor"`, `"DynamicSupervisor"`, `"Registry"`
   * (a keyed registry's owner), or `"process"` (a plain process: `Process.spawn`, a `Task`, ...).
   */
  readonly behaviour: "process" | "GenServer" | "GenStatem" | "Supervisor" | "DynamicSupervisor" | "Registry"
  /**
   * `Process.info`'s status (`"runnable"`, `"running"`, `"waiting"`, `"exiting"`), or `"suspended"`
   * for a server suspended by `Sys.suspend`.
   */
  readonly status: "runnable" | "running" | "waiting" | "exiting" | "suspended"
  /** Messages waiting: in the queue and in the save list. */
  readonly mailboxLength: number
  /** Messages put in its mailbox since it started. */
  readonly messagesIn: number
  /** Messages it has taken from its mailbox (`Sys.statistics`'s `messagesHandled`). */
  readonly messagesHandled: number
  /** Messages its bounded mailbox dropped. */
  readonly messagesDropped: number
  /**
   * The replies it sent since `Sys.statistics(target, true)` switched its counting on (OTP's
   * `messages_out`); `None` while the counting is off, and for a process that is not a server.
   */
  readonly messagesOut: Option.Option<number>
  readonly links: ReadonlyArray<Pid.Pid<never, unknown>>
  /** The processes it monitors. */
  readonly monitors: ReadonlyArray<Pid.Pid<never, unknown>>
  /** The processes monitoring it. */
  readonly monitoredBy: ReadonlyArray<Pid.Pid<never, unknown>>
  readonly trapExit: boolean
  /** The process that started it linked (servers only; see "Differences from OTP"). */
  readonly parent: Option.Option<Pid.Pid<never, unknown>>
  /**
   * An estimate of the heap it holds, in bytes (BEAM's `process_info(P, memory)`: its own heap and
   * its mailbox): the measured cost of an idle process (or server), plus a size walk of the
   * messages in its mailbox and, for a server, of its state. See "Memory" in the module's docs for
   * what it counts and what it cannot see.
   */
  readonly memory: number
  /**
   * `true` when the walk stopped at its budget (1,000 values, fewer in a snapshot of more than 2,000
   * processes): `memory` is then a lower bound.
   */
  readonly memoryTruncated: boolean
}

/**
 * One child of a supervisor: `Supervisor.whichChildren`'s `ChildInfo` and how many times the
 * supervisor started it again. A `DynamicSupervisor`'s child has its spec's id.
 *
 * @since 0.2.0
 * @category models
 */
export interface ChildInfo {
  readonly id: string
  readonly pid: Option.Option<Pid.Pid<never, unknown>>
  readonly status: "running" | "restarting" | "stopped"
  readonly type: ChildSpec.ChildType
  readonly restart: ChildSpec.Restart
  /** How many times the supervisor has started it again after it exited. */
  readonly restarts: number
}

/**
 * One restart intensity of a supervisor: at most `maxRestarts` restarts within `withinMs`
 * milliseconds, of which `used` are inside the window at the snapshot's time.
 *
 * @since 0.2.0
 * @category models
 */
export interface IntensityInfo {
  readonly maxRestarts: number
  readonly withinMs: number
  readonly used: number
}

/**
 * What a snapshot tells of one supervisor (a `Supervisor` or a `DynamicSupervisor`).
 *
 * @since 0.2.0
 * @category models
 */
export interface SupervisorInfo {
  readonly pid: Pid.Pid<never, unknown>
  readonly registeredName: Option.Option<string>
  readonly kind: "Supervisor" | "DynamicSupervisor"
  /** A `DynamicSupervisor`'s is `"oneForOne"`. */
  readonly strategy: "oneForOne" | "oneForAll" | "restForOne"
  /** In start order (a `DynamicSupervisor`'s: in the order they started). */
  readonly children: ReadonlyArray<ChildInfo>
  /** The children it has started again since it started. */
  readonly restarts: number
  readonly intensity: ReadonlyArray<IntensityInfo>
}

/**
 * What a snapshot tells of one keyed `Registry`.
 *
 * @since 0.2.0
 * @category models
 */
export interface RegistryInfo {
  /** Its owner process. */
  readonly pid: Pid.Pid<never, unknown>
  readonly name: string
  readonly keys: "unique" | "duplicate"
  readonly partitions: number
  /** The entries registered now. */
  readonly entries: number
  /** The processes holding them. */
  readonly owners: number
}

/**
 * A node, as {@link snapshot} reads it.
 *
 * @since 0.2.0
 * @category models
 */
export interface Snapshot {
  readonly node: { readonly name: string; readonly creation: number }
  /** When it was taken, in the node clock's milliseconds. */
  readonly time: number
  /** The node's counters (`Node.stats`). */
  readonly metrics: Stats
  /** Every live process, oldest first. */
  readonly processes: ReadonlyArray<ProcessInfo>
  /** Every supervisor, oldest first. */
  readonly supervisors: ReadonlyArray<SupervisorInfo>
  readonly registries: ReadonlyArray<RegistryInfo>
}

/**
 * A change of the node: a process `Spawned`, a process `Exited` (with its reason and the name it
 * had), a supervisor `Restarted` a child (its id and new pid); and, while a server's trace is on
 * (`Sys.trace(target, true)`), each of its `Sys` events as `Traced` (the event, and the line of
 * text its trace logs). `time` is the node clock's milliseconds.
 *
 * @since 0.2.0
 * @category models
 */
export type Event =
  | { readonly _tag: "Spawned"; readonly pid: Pid.Pid<never, unknown>; readonly time: number }
  | {
      readonly _tag: "Exited"
      readonly pid: Pid.Pid<never, unknown>
      readonly registeredName: Option.Option<string>
      readonly reason: ExitReason.ExitReason
      readonly time: number
    }
  | {
      readonly _tag: "Restarted"
      readonly supervisor: Pid.Pid<never, unknown>
      readonly id: string
      readonly pid: Pid.Pid<never, unknown>
      readonly time: number
    }
  | {
      readonly _tag: "Traced"
      readonly pid: Pid.Pid<never, unknown>
      readonly event: Sys.Event
      /** The line its trace logs, as `Sys.formatEvent` gives it. */
      readonly text: string
      readonly time: number
    }

/**
 * Options of {@link changes}: `bufferSize`, the events kept for a reader that is behind (default
 * 16,384; past it the oldest are dropped).
 *
 * @since 0.2.0
 * @category models
 */
export interface ChangesOptions {
  readonly bufferSize?: number | undefined
}

/**
 * The node now: its processes, supervisors, registries and counters, read in one synchronous pass
 * without sending any message.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Observer } from "effect-otp"
 *
 * const biggestMailboxes = Effect.map(Observer.snapshot, (now) =>
 *   [...now.processes].sort((a, b) => b.mailboxLength - a.mailboxLength).slice(0, 10)
 * )
 * ```
 *
 * @since 0.2.0
 * @category debugging
 */
export const snapshot: Effect.Effect<Snapshot, never, Node> = internal.snapshot

/**
 * The node's life-cycle events from now on, for as long as the stream runs: spawns, exits and
 * supervisor restarts, and the `Sys` events of the servers whose trace is on, in the order they
 * happen. Attached when the stream starts, detached when it
 * ends; while no stream runs, the node pays nothing for it.
 *
 * **Gotchas**: start the stream before taking the snapshot it completes, or a change in between is
 * seen by neither ({@link subscribe} attaches at a known point, before the snapshot). A reader
 * more than `bufferSize` events behind loses the oldest ones.
 *
 * @since 0.2.0
 * @category debugging
 */
export const changes: (options?: ChangesOptions) => Stream.Stream<Event, never, Node> = internal.changes

/**
 * Attaches to the node's life-cycle events now, for as long as the scope is open, and returns
 * them as a stream (the events of {@link changes}, buffered from this moment). With it, "the
 * events after this snapshot" has no gap: subscribe, take the {@link snapshot}, then read the
 * stream. Detached when the scope closes; the stream then ends.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Node, Observer, Process } from "effect-otp"
 *
 * const program = Effect.gen(function*() {
 *   const events = yield* Observer.subscribe()
 *   const before = yield* Observer.snapshot
 *   yield* Process.spawn(Effect.void)
 *   // the spawn and the exit, neither in `before`
 *   return [before.processes.length, yield* Stream.runCollect(Stream.take(events, 2))] as const
 * })
 *
 * Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(Node.layer())))
 * ```
 *
 * @since 0.2.0
 * @category debugging
 */
export const subscribe: (options?: ChangesOptions) => Effect.Effect<Stream.Stream<Event>, never, Node | Scope.Scope> =
  internal.subscribe
