/**
 * A node: the home of processes.
 *
 * The `Node` service owns the process table, the pid counter and the table of registered names.
 * `Node.layer` starts one; closing the layer's scope stops every process on the node with
 * `Shutdown`, runs their finalizers, and returns only when none is left running. Several nodes may
 * live in one OS process (tests, simulations): their pids never collide, because a pid carries its
 * node's name and creation number.
 *
 * ## Closing a node
 *
 * Supervision trees go down from the top, as OTP's application stop takes a tree down before the
 * node goes. A process linked to an older process of the node that traps exits (a supervisor's
 * child) is left to that process: the supervisor stops its children itself, in reverse start order,
 * within their shutdown budgets and the way each child spec asks (`brutalKill` gives `Killed`), and
 * reports no `SHUTDOWN_ERROR` for a clean stop. The node stops such a process only once the process
 * it was left to has exited, if it is still running. Every other process is stopped at once. So a
 * tree still running when its node closes stops as it would on its own: a child that traps exits
 * and does not stop at its signal holds the closing up to its budget, then is killed.
 *
 * ## Metrics
 *
 * The node and its processes publish Effect `Metric`s, each series with the attribute `node`
 * (`name#creation`), so they reach whatever exporter the application installs (OpenTelemetry's
 * through `@effect/opentelemetry`, Prometheus, `Metric.snapshot`):
 *
 * | metric | type | attributes | what it measures |
 * |---|---|---|---|
 * | `effect_otp_processes_spawned_total` | counter | `node` | processes spawned |
 * | `effect_otp_processes_active` | gauge | `node` | processes alive now |
 * | `effect_otp_messages_sent_total` | counter | `node` | messages enqueued in a mailbox on this node |
 * | `effect_otp_messages_dropped_total` | counter | `node` | messages dropped: sent to an exited process, or by a `dropNewest` / `dropOldest` mailbox |
 * | `effect_otp_supervisor_restarts_total` | counter | `node`, `supervisor`, `child` | children a supervisor restarted, per child id (each child of a `oneForAll` group counts) |
 * | `effect_otp_supervisor_give_ups_total` | counter | `node`, `supervisor` | supervisors that reached their restart intensity and exited |
 * | `effect_otp_call_duration_ms` | histogram | `node`, `server` | time from a call to its answer, in milliseconds, on the caller's clock; only for servers started with `callLatency: true` |
 *
 * `supervisor` and `server` are the registered name, else the pid: name the processes whose series
 * should survive their restarts. The first four cost nothing on the hot path: the node keeps plain
 * counters, and the metrics read them when the registry is read. The supervisor counters are
 * updated on the restart path, in the metric registry of the supervisor's context (the one it was
 * started from). The call histogram is opt-in per server (a `GenServer` or `GenStatem` start
 * option); a call to a server without it does no work for it. A mailbox's length is not a metric,
 * which would cost something per message: it is read on demand, with `Process.info` for one
 * process and `Process.largestMailboxes(n)` for the node.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Node, Process } from "effect-otp"
 *
 * const program = Effect.gen(function*() {
 *   const pid = yield* Process.spawn(Process.receive<string>())
 *   yield* Process.send(pid, "hello")
 * })
 *
 * Effect.runPromise(program.pipe(Effect.provide(Node.layer()), Effect.scoped))
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Metric, type Scope } from "effect"
import { NodeState, shutdownNode } from "./internal/kernel.ts"
import * as metrics from "./internal/metrics.ts"
import { runQueueScheduler } from "./internal/scheduler.ts"
import { nextCreation, registerLive, unregisterLive } from "./internal/nodeIndex.ts"
import type * as Pid from "./Pid.ts"

/**
 * @since 0.1.0
 * @category models
 */
export interface Stats {
  readonly spawned: number
  readonly active: number
  readonly messagesSent: number
  readonly messagesDropped: number
}

/**
 * The node's public face.
 *
 * @since 0.1.0
 * @category models
 */
export interface NodeApi {
  /** The node's name, `"nonode@nohost"` unless given. */
  readonly name: string
  /** Tells apart nodes of the same name in one OS process. */
  readonly creation: number
  /** The pids of the live processes, oldest first. */
  readonly processes: () => ReadonlyArray<Pid.Pid<never, unknown>>
  /** The node's counters now. */
  readonly stats: () => Stats
}

/**
 * The node service.
 *
 * @since 0.1.0
 * @category services
 */
export class Node extends Context.Service<Node, NodeApi>()("effect-otp/Node") {}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Default `"nonode@nohost"`, Erlang's name for a node that is not distributed. */
  readonly name?: string | undefined
  /**
   * What runs the node's processes.
   *
   * - `"runQueue"` (default): one run queue for the thread, shared by every node's processes and
   *   drained by microtasks, as a BEAM scheduler drains its run queue. A woken process runs in the
   *   same drain as its sender (a message round trip takes no event-loop turn), and the queue hands
   *   the thread back to the event loop after 0.5 ms of process work, so timers and I/O wait at most
   *   about that long beside busy processes.
   * - `"effect"`: Effect's default scheduler, which resumes each woken fiber from a `setImmediate`
   *   of its own: the event loop turns at every wake-up, which costs most of a round trip (several
   *   times the run queue's; see bench/README.md). The scheduler effect-otp used before 0.2.0.
   *
   * Either way a fiber yields after its operation budget (`MaxOpsBeforeYield`, the `reductions`
   * option of `Process.spawn`). Fibers that are not processes stay on their own scheduler. Under
   * `TestClock` (tests) the test scheduler stays in place.
   *
   * @since 0.1.0
   */
  readonly scheduler?: "effect" | "runQueue" | undefined
  /**
   * The node's creation number. Default: a number unique in this OS process. A distributed node
   * (`@effect-otp/platform-node`'s `Node.start`) uses the one EPMD gave it, which its peers see in
   * its pids.
   *
   * @since 0.2.0
   */
  readonly creation?: number | undefined
}

/** @internal */
export class NodeImpl extends NodeState implements NodeApi {
  processes(): ReadonlyArray<Pid.Pid<never, unknown>> {
    return Array.from(this.table.values(), (record) => record.pid)
  }
  stats(): Stats {
    return { spawned: this.spawned, active: this.table.size, messagesSent: this.sent, messagesDropped: this.dropped }
  }
}

/**
 * Starts a node in the current scope; closing the scope stops all its processes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options?: Options): Effect.Effect<NodeApi, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.contextWith((context: Context.Context<never>) => {
      const node = new NodeImpl(
        options?.name ?? "nonode@nohost",
        options?.creation ?? nextCreation(),
        options?.scheduler === "effect" ? undefined : runQueueScheduler
      )
      registerLive(node.ref, node)
      const attributes = { node: metrics.nodeLabel(node) }
      const registrations = [
        Metric.registerUnsafe(Metric.withAttributes(metrics.spawned, attributes), context, {
          get: () => ({ count: node.spawned, incremental: false }),
          update: () => {},
          modify: () => {}
        }),
        Metric.registerUnsafe(Metric.withAttributes(metrics.active, attributes), context, {
          get: () => ({ value: node.table.size }),
          update: () => {},
          modify: () => {}
        }),
        Metric.registerUnsafe(Metric.withAttributes(metrics.sent, attributes), context, {
          get: () => ({ count: node.sent, incremental: false }),
          update: () => {},
          modify: () => {}
        }),
        Metric.registerUnsafe(Metric.withAttributes(metrics.dropped, attributes), context, {
          get: () => ({ count: node.dropped, incremental: false }),
          update: () => {},
          modify: () => {}
        })
      ]
      return Effect.succeed({ node, registrations })
    }),
    ({ node, registrations }) =>
      Effect.andThen(
        shutdownNode(node),
        Effect.sync(() => {
          unregisterLive(node.ref)
          for (const registration of registrations) registration.remove()
        })
      )
  ).pipe(Effect.map(({ node }) => node))

/**
 * A layer that starts a node and stops all its processes when released.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options?: Options): Layer.Layer<Node> => Layer.effect(Node, make(options))
