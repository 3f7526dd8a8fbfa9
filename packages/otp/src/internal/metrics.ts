/**
 * The metrics of a node, in one place: their names, kinds and descriptions (documented in the
 * `Node` module's table), the labels they carry, and the counters the supervisors and servers
 * update. Every series carries the attribute `node`.
 *
 * @internal
 */
import { type Context, Metric } from "effect"
import type { NodeState, ProcessRecord } from "./records.ts"

export const spawned = Metric.counter("effect_otp_processes_spawned_total", { description: "processes spawned" })
export const active = Metric.gauge("effect_otp_processes_active", { description: "processes alive now" })
export const sent = Metric.counter("effect_otp_messages_sent_total", { description: "messages enqueued" })
export const dropped = Metric.counter("effect_otp_messages_dropped_total", {
  description: "messages dropped: sent to an exited process, or by a dropping mailbox"
})
export const restarts = Metric.counter("effect_otp_supervisor_restarts_total", {
  description: "children restarted by a supervisor, by supervisor and child id"
})
export const giveUps = Metric.counter("effect_otp_supervisor_give_ups_total", {
  description: "supervisors that reached their restart intensity and gave up"
})

/** Milliseconds, from 0.05 ms to 10 s: in-process calls take microseconds, a slow one seconds. */
export const callDurationBoundaries: ReadonlyArray<number> = [
  0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000
]
export const callDuration = Metric.histogram("effect_otp_call_duration_ms", {
  description: "time from a call to its answer, in milliseconds, for servers started with callLatency",
  boundaries: callDurationBoundaries
})

/** The `node` attribute of a node's series. */
export const nodeLabel = (node: NodeState): string => `${node.name}#${node.creation}`

/** How a server or a supervisor is labelled: by its registered name (stable across restarts), else its pid. */
export const processLabel = (record: ProcessRecord): string => record.name ?? String(record.pid)

/** The restart counters of each supervisor, by child id: made once per child, not per restart. */
const restartSeries = new WeakMap<ProcessRecord, Map<string, Metric.Counter<number>>>()

/** Counts a restart of child `id` by `supervisor`, in the registry of `context` (the supervisor's). */
export const countRestart = (supervisor: ProcessRecord, id: string, context: Context.Context<never>): void => {
  let byChild = restartSeries.get(supervisor)
  if (byChild === undefined) {
    byChild = new Map()
    restartSeries.set(supervisor, byChild)
  }
  let series = byChild.get(id)
  if (series === undefined) {
    series = Metric.withAttributes(restarts, {
      node: nodeLabel(supervisor.node),
      supervisor: processLabel(supervisor),
      child: id
    })
    byChild.set(id, series)
  }
  series.updateUnsafe(1, context)
}

/** Counts a supervisor's giving up (its restart intensity was reached). */
export const countGiveUp = (supervisor: ProcessRecord, context: Context.Context<never>): void =>
  Metric.withAttributes(giveUps, {
    node: nodeLabel(supervisor.node),
    supervisor: processLabel(supervisor)
  }).updateUnsafe(1, context)

/**
 * The call latency histogram of one server (the `callLatency` start option): its series, and the
 * context (the starter's) whose metric registry holds it.
 */
export class CallLatency {
  readonly series: Metric.Histogram<number>
  readonly context: Context.Context<never>
  constructor(node: NodeState, server: string, context: Context.Context<never>) {
    this.series = Metric.withAttributes(callDuration, { node: nodeLabel(node), server })
    this.context = context
  }
  record(millis: number): void {
    this.series.updateUnsafe(millis, this.context)
  }
}

/**
 * Records the latency of each call to the server run by `record` (the `callLatency` start option),
 * in the histogram labelled `label`, in the registry of `context` (the starter's).
 */
export const measureCalls = (record: ProcessRecord, label: string, context: Context.Context<never>): void => {
  record.callLatency = new CallLatency(record.node, label, context)
}
