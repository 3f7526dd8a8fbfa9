/**
 * DynamicSupervisor's engine: its state, its restart path and the GenServer behaviour that runs it.
 * `DynamicSupervisor.ts` holds the types, the docs and the signatures.
 *
 * @internal
 */
import { Effect, Option, Schema } from "effect"
import * as ChildSpec from "../ChildSpec.ts"
import type { ChildInfo, DynamicChildSpec, Options } from "../DynamicSupervisor.ts"
import * as Errors from "../Errors.ts"
import * as ExitReason from "../ExitReason.ts"
import * as GenServer from "../GenServer.ts"
import * as Pid from "../Pid.ts"
import * as Request from "../Request.ts"
import { withBehaviourName } from "./genServer.ts"
import * as kernel from "./kernel.ts"
import { shutdownChild, shutdownChildren } from "./shutdown.ts"
import * as supervision from "./supervision.ts"
import { ChildStartFailed, defaultIntensity, makeIntensityStep } from "./supervision.ts"

/** `maxChildren` children are running (`DynamicSupervisor.MaxChildren`). */
export class MaxChildren extends Schema.TaggedError<MaxChildren>()("MaxChildren", {
  maxChildren: Schema.Number
}) {
  override get message(): string {
    return `the supervisor already runs its maximum of ${this.maxChildren} children`
  }
}

/** No running child has this pid (`DynamicSupervisor.NotAChild`). */
export class NotAChild extends Schema.TaggedError<NotAChild>()("NotAChild", {
  pid: Pid.schema
}) {
  override get message(): string {
    return `${String(this.pid)} is not a child of this supervisor`
  }
}

export class StartChild extends Request.Class<StartChild>()("StartChild", {
  fields: { spec: supervision.specField<DynamicChildSpec<never, unknown, unknown>>() },
  success: Schema.Union([supervision.childPidSchema, Errors.Ignored]),
  // a start's own typed error reaches the caller as it is (any value), besides these
  failure: Schema.Union([MaxChildren, ChildSpec.InvalidChildSpec, ChildStartFailed, Schema.Unknown])
}) {}
export class TerminateChild extends Request.Class<TerminateChild>()("TerminateChild", {
  fields: { pid: supervision.childPidSchema },
  failure: NotAChild
}) {}
const childInfoSchema = Schema.Struct({
  pid: supervision.childPidSchema,
  status: Schema.Literals(["running", "restarting"]),
  type: supervision.childTypeSchema,
  restart: supervision.restartSchema
})
export class WhichChildren extends Request.Class<WhichChildren>()("WhichChildren", {
  success: Schema.Array(childInfoSchema)
}) {}
export class CountChildren extends Request.Class<CountChildren>()("CountChildren", {
  success: supervision.countsSchema
}) {}

export type Requests = StartChild | TerminateChild | WhichChildren | CountChildren

interface Child {
  readonly spec: ChildSpec.Normalized
  /** its pid; while it is being restarted, the pid it had */
  pid: Pid.Pid<never, unknown>
  /** being restarted: waiting for a delayed restart or for a new attempt after a failed one */
  restarting: boolean
  /** the times it was started again after it exited */
  restarts: number
}

type Key = kernel.ProcessRecord | Pid.Pid<never, unknown>

interface State {
  readonly self: kernel.ProcessRecord
  readonly step: supervision.Step
  readonly maxChildren: number
  readonly extra: unknown
  /** the children by their pid's record (a child being restarted keeps the key of its last pid) */
  readonly children: Map<Key, Child>
  /** the children started again since the supervisor started */
  restarts: number
}

const keyOf = (pid: Pid.Pid<never, unknown>): Key => kernel.recordOf(pid) ?? pid

const normalizeDynamic = (spec: DynamicChildSpec<never, unknown, unknown>, extra: unknown) =>
  ChildSpec.normalize({
    ...spec,
    start:
      typeof spec.start === "function" ? Effect.suspend(() => (spec.start as (x: unknown) => any)(extra)) : spec.start
  })

/** A delayed restart is due (the intensity was stepped when it was scheduled). */
class RestartTimer {
  readonly key: Key
  readonly reason: ExitReason.ExitReason
  constructor(key: Key, reason: ExitReason.ExitReason) {
    this.key = key
    this.reason = reason
  }
}

/** A restart failed to start the child: try again, stepping the intensity first (OTP's `try_again_restart`). */
class TryAgain {
  readonly key: Key
  readonly reason: ExitReason.ExitReason
  constructor(key: Key, reason: ExitReason.ExitReason) {
    this.key = key
    this.reason = reason
  }
}

/** Steps the intensity for a restart of the child under `key`, then restarts it (now or later) or gives up. */
const restart = (
  state: State,
  key: Key,
  child: Child,
  reason: ExitReason.ExitReason
): Effect.Effect<GenServer.NoReplyResult<State>> =>
  Effect.flatMap(supervision.stepIntensity(state.step, { reason }), (decision) => {
    if (decision._tag === "GiveUp") {
      state.children.delete(key)
      const { exit, report } = supervision.gaveUp(state.self, child.spec.id, reason)
      return Effect.as(report, GenServer.stopWith(exit, state))
    }
    child.restarting = true
    if (decision._tag === "After") {
      return Effect.as(
        supervision.remindAfter(state.self, decision.delay, new RestartTimer(key, reason)),
        GenServer.noreply(state)
      )
    }
    return attempt(state, key, child, reason)
  })

/**
 * One attempt at restarting the child under `key`: started, it is kept under its new pid; ignored,
 * it is forgotten; failed, it stays restarting and the supervisor sends itself a {@link TryAgain}.
 */
const attempt = (
  state: State,
  key: Key,
  child: Child,
  reason: ExitReason.ExitReason
): Effect.Effect<GenServer.NoReplyResult<State>> =>
  Effect.matchCauseEffect(child.spec.start as Effect.Effect<ChildSpec.Started, unknown>, {
    onFailure: (cause) => {
      const error = supervision.startErrorOf(cause)
      if (Errors.isIgnored(error)) {
        state.children.delete(key)
        return Effect.succeed(GenServer.noreply(state))
      }
      return failedRestart(state, key, child, error)
    },
    onSuccess: (started) => {
      const pid = supervision.linkStarted(state.self, started)
      if (!Pid.isPid(pid)) return failedRestart(state, key, child, pid)
      state.children.delete(key)
      const oldPid = child.pid
      child.pid = pid
      child.restarting = false
      child.restarts++
      state.restarts++
      state.children.set(keyOf(pid), child)
      return Effect.as(supervision.restarted(state.self, child.spec.id, oldPid, pid, reason), GenServer.noreply(state))
    }
  })

const failedRestart = (
  state: State,
  key: Key,
  child: Child,
  error: unknown
): Effect.Effect<GenServer.NoReplyResult<State>> => {
  kernel.deliverSystemMade(state.self, new TryAgain(key, supervision.reasonOfStartError(error)))
  return Effect.as(
    Effect.logError(`dynamic supervisor ${state.self.pid}: child ${child.spec.id} failed to restart`, error).pipe(
      Effect.annotateLogs({ event: "START_ERROR", child: child.spec.id })
    ),
    GenServer.noreply(state)
  )
}

const infoOf = (child: Child): ChildInfo => ({
  pid: child.pid,
  status: child.restarting ? "restarting" : "running",
  type: child.spec.type,
  restart: child.spec.restart
})

const definition = GenServer.behaviour({
  protocol: [StartChild, TerminateChild, WhichChildren, CountChildren],
  init: (options: Options<unknown>) =>
    Effect.gen(function* () {
      const self = yield* kernel.currentSelf
      kernel.setTrapExit(self, true)
      const { step, windows } = yield* makeIntensityStep(options.intensity ?? defaultIntensity)
      const state: State = {
        self,
        step,
        maxChildren: options.maxChildren ?? Number.POSITIVE_INFINITY,
        extra: options.extraArguments,
        children: new Map(),
        restarts: 0
      }
      supervision.describeTree(self, () => ({
        kind: "DynamicSupervisor",
        strategy: "oneForOne",
        children: Array.from(state.children.values(), (child) => ({
          id: child.spec.id,
          pid: child.restarting ? Option.none() : Option.some(child.pid),
          status: child.restarting ? "restarting" : "running",
          type: child.spec.type,
          restart: child.spec.restart,
          restarts: child.restarts
        })),
        restarts: state.restarts,
        intensity: windows
      }))
      return GenServer.ok(state)
    }),
  handleCall: {
    StartChild: (request, state): Effect.Effect<GenServer.CallResult<any, any, State>> => {
      if (state.children.size >= state.maxChildren) {
        return Effect.succeed(GenServer.replyError(new MaxChildren({ maxChildren: state.maxChildren }), state))
      }
      const spec = normalizeDynamic(request.spec, state.extra)
      if (spec instanceof ChildSpec.InvalidChildSpec) return Effect.succeed(GenServer.replyError(spec, state))
      return Effect.matchCause(spec.start as Effect.Effect<ChildSpec.Started, unknown>, {
        onFailure: (cause) => {
          const error = supervision.startErrorOf(cause)
          if (Errors.isIgnored(error)) return GenServer.reply(error, state)
          // the start's own typed error as it is; a start that died, as any other failed start
          return GenServer.replyError(
            error instanceof ExitReason.Failure ? new ChildStartFailed({ id: spec.id, error }) : error,
            state
          )
        },
        onSuccess: (started) => {
          const pid = supervision.linkStarted(state.self, started)
          if (!Pid.isPid(pid)) return GenServer.replyError(new ChildStartFailed({ id: spec.id, error: pid }), state)
          state.children.set(keyOf(pid), { spec, pid, restarting: false, restarts: 0 })
          return GenServer.reply(pid, state)
        }
      })
    },
    TerminateChild: (request, state): Effect.Effect<GenServer.CallResult<any, any, State>> => {
      const pid = request.pid
      const child = state.children.get(keyOf(pid))
      if (child === undefined) return Effect.succeed(GenServer.replyError(new NotAChild({ pid: pid as never }), state))
      state.children.delete(keyOf(pid))
      // a child being restarted has no process to stop: forgetting it ends its restart
      if (child.restarting) return Effect.succeed(GenServer.reply(undefined, state))
      return Effect.as(shutdownChild(state.self, child), GenServer.reply(undefined, state))
    },
    WhichChildren: (_, state) => Effect.sync(() => GenServer.reply(Array.from(state.children.values(), infoOf), state)),
    CountChildren: (_, state) =>
      Effect.sync(() => {
        const children = Array.from(state.children.values())
        return GenServer.reply(
          {
            specs: children.length,
            active: children.filter((c) => !c.restarting).length,
            supervisors: children.filter((c) => c.spec.type === "supervisor").length,
            workers: children.filter((c) => c.spec.type === "worker").length
          },
          state
        )
      })
  },
  handleInfo: (message: unknown, state) => {
    if (message instanceof kernel.ExitMessage) {
      const key = keyOf(message.from)
      const child = state.children.get(key)
      if (child === undefined || child.restarting) return Effect.succeed(GenServer.noreply(state))
      const normalLike = ExitReason.isNormalLike(message.reason)
      const report = normalLike
        ? Effect.void
        : Effect.logError(
            `dynamic supervisor ${state.self.pid}: child ${message.from} terminated`,
            String(message.reason)
          )
      if (!ChildSpec.shouldRestart(child.spec.restart, normalLike)) {
        state.children.delete(key)
        return Effect.as(report, GenServer.noreply(state))
      }
      return Effect.andThen(report, restart(state, key, child, message.reason))
    }
    if (message instanceof TryAgain || message instanceof RestartTimer) {
      const child = state.children.get(message.key)
      if (child === undefined || !child.restarting) return Effect.succeed(GenServer.noreply(state))
      return message instanceof TryAgain
        ? restart(state, message.key, child, message.reason)
        : attempt(state, message.key, child, message.reason)
    }
    return Effect.succeed(GenServer.noreply(state))
  },
  terminate: (_reason, state) =>
    shutdownChildren(
      state.self,
      Array.from(state.children.values()).filter((c) => !c.restarting)
    )
})

export const behaviour = withBehaviourName(definition, "DynamicSupervisor")
