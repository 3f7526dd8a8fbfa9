/**
 * TaskSupervisor's engine: a task started as a child of a DynamicSupervisor, then linked (if
 * asked) and monitored by its owner, which hands it the monitor reference to reply with.
 *
 * @internal
 */
import { type Context, Effect, Stream } from "effect"
import type * as ChildSpec from "../ChildSpec.ts"
import * as DynamicSupervisor from "../DynamicSupervisor.ts"
import * as Process from "../Process.ts"
import type * as Task from "../Task.ts"
import type { AsyncOptions, StartTaskError, StreamOptions, TaskSupervisor } from "../TaskSupervisor.ts"
import * as kernel from "./kernel.ts"
import * as task from "./task.ts"

/**
 * Starts a task under the supervisor (temporary, in the supervisor's process tree), then links (if
 * asked) and monitors it from the owner and sends it the monitor reference to reply with, as
 * Elixir's `Task.Supervisor` does. The task waits for that reference before it runs its effect, so
 * its result and its `Down` always reach the owner's monitor.
 */
const spawnSupervised = <A, E, R>(
  supervisor: TaskSupervisor,
  owner: kernel.ProcessRecord,
  context: Context.Context<R>,
  effect: Effect.Effect<A, E, R>,
  link: boolean,
  shutdown: ChildSpec.Shutdown | undefined
): Effect.Effect<task.TaskImpl<A, E>, StartTaskError> =>
  Effect.suspend(() => {
    const outcome = task.newOutcome()
    const handshake = {}
    return Effect.flatMap(
      DynamicSupervisor.startChild(supervisor, {
        id: "Task",
        start: Process.spawnLink(task.supervisedBody(effect, context, owner, handshake, outcome)),
        restart: "temporary",
        shutdown
      }).pipe(
        // `spawnLink` neither dies nor returns something else than a pid
        Effect.catchTag("ChildStartFailed", Effect.die)
      ),
      (pid) => {
        const target = kernel.liveRecordOf(pid)
        // Process.link's rules, in the same synchronous step as the monitor
        if (link && !kernel.linkOrNoProc(owner, pid, target)) return Effect.interrupt
        const ref = kernel.monitorRecord(owner, target, pid)
        if (target !== undefined) kernel.deliverSystemMade(target, new task.Go(handshake, ref))
        return Effect.succeed(new task.TaskImpl<A, E>(pid, ref, owner.pid, outcome))
      }
    )
  })

/** `TaskSupervisor.async` (`link`) and `asyncNolink`. */
export const asyncWith =
  (link: boolean) =>
  <A, E, R>(
    supervisor: TaskSupervisor,
    effect: Effect.Effect<A, E, R>,
    options?: AsyncOptions
  ): Effect.Effect<Task.Task<A, E>, StartTaskError, Exclude<R, Process.Provided> | Process.Self<unknown>> =>
    Effect.flatMap(task.selfRecord, (owner) =>
      Effect.flatMap(Effect.context<Exclude<R, Process.Provided>>(), (context) =>
        spawnSupervised(
          supervisor,
          owner,
          task.callerContext(context) as Context.Context<R>,
          effect,
          link,
          options?.shutdown
        )
      )
    )

/** `TaskSupervisor.asyncStream` (`link`) and `asyncStreamNolink`. */
export const streamWith =
  (link: boolean) =>
  (
    supervisor: TaskSupervisor,
    input: Iterable<unknown> | Stream.Stream<unknown, unknown, unknown>,
    f: (input: unknown) => Effect.Effect<unknown, unknown, unknown>,
    options?: StreamOptions
  ): Stream.Stream<unknown, unknown, unknown> =>
    // the caller's context, read when the stream runs, is the context of every task it starts
    Stream.unwrap(
      Effect.map(Effect.context<never>(), (context) =>
        task.makeStream(
          link ? "TaskSupervisor.asyncStream" : "TaskSupervisor.asyncStreamNolink",
          input,
          (owner, x) =>
            spawnSupervised(
              supervisor,
              owner,
              task.callerContext(context) as Context.Context<unknown>,
              f(x),
              link,
              options?.shutdown
            ),
          options ?? {}
        )
      )
    )
