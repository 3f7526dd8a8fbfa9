/**
 * DynamicSupervisor's engine: its state, how it keeps its children, and the GenServer behaviour that runs it.
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
import type { Overridable } from "./supervisor.ts"
import * as supervision from "./supervision.ts"
import { CountChildren } from "./supervision.ts"

export { CountChildren }
import { ChildStartFailed, defaultIntensity, makeIntensityStep } from "./supervision.ts"
import { MaxChildren, NotAChild } from "../Errors.ts"
export { MaxChildren, NotAChild } from "../Errors.ts"

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

export type Requests = StartChild | TerminateChild | WhichChildren | CountChildren

interface Child extends Overridable {
  /** its pid; while it is being restarted, the pid it had */
  pid: Pid.Pid<never, unknown>
  /** its key in the supervisor's children: the record of its pid, or that pid */
  key: Key
  /** being restarted: waiting for a delayed restart or for a new attempt after a failed one */
  restarting: boolean
}

type Key = Pid.Pid<never, unknown>

interface State {
  readonly self: kernel.ProcessRecord
  readonly step: supervision.Step
  readonly maxChildren: number
  readonly extra: unknown
  /** the children by their pid's key (`pidKey`: a child being restarted keeps the key of its last pid) */
  readonly children: Map<Key, Child>
  /** the children started again since the supervisor started */
  restarts: number
}

const keyOf = (pid: Pid.Pid<never, unknown>): Key => kernel.pidKey(pid)

const normalizeDynamic = (spec: DynamicChildSpec<never, unknown, unknown>, extra: unknown) =>
  ChildSpec.normalize({
    ...spec,
    start:
      typeof spec.start === "function" ? Effect.suspend(() => (spec.start as (x: unknown) => any)(extra)) : spec.start
  })

/**
 * How a DynamicSupervisor keeps its children: by pid, each restarted alone (`oneForOne`), forgotten
 * when it is not restarted or its restart is ignored.
 */
const children: supervision.Children<State, Child> = {
  started: (state, child, pid) => {
    state.children.delete(child.key)
    child.pid = pid
    child.key = keyOf(pid)
    child.restarting = false
    state.children.set(child.key, child)
  },
  ignored: (state, child) => {
    state.children.delete(child.key)
  },
  pidOf: (child) => (child.restarting ? undefined : child.pid),
  restarting: (_, child) => {
    child.restarting = true
    return undefined
  },
  due: (_, child) => [child],
  failed: () => {},
  isRestarting: (state, child) => child.restarting && state.children.get(child.key) === child,
  notRestarted: (state, child) => {
    state.children.delete(child.key)
    return GenServer.noreply(state)
  },
  gaveUp: (state, child) => {
    state.children.delete(child.key)
  }
}

const infoOf = (child: Child): ChildInfo => ({
  pid: child.pid,
  status: child.restarting ? "restarting" : "running",
  type: child.spec.type,
  restart: child.spec.restart
})

const definition = GenServer.behaviour({
  // a declared name: an upgrade finds it (Release.upgradeTree walks into it)
  name: "effect-otp/DynamicSupervisor",
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
          state.children.set(keyOf(pid), { spec, pid, key: keyOf(pid), restarting: false, restarts: 0 })
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
      const child = state.children.get(keyOf(message.from))
      if (child === undefined || child.restarting) return Effect.succeed(GenServer.noreply(state))
      return supervision.childExited(children, state, child, message.from, message.reason)
    }
    return supervision.restartMessage(children, state, message) ?? supervision.unexpectedMessage(state, message)
  },
  terminate: (_reason, state) =>
    shutdownChildren(
      state.self,
      Array.from(state.children.values()).filter((c) => !c.restarting)
    )
})

export const behaviour = withBehaviourName(definition, "DynamicSupervisor")

/** What a dynamic supervisor's state shows an upgrade: its children (one being restarted under the pid it had). */
export interface UpgradeView {
  readonly children: ReadonlyMap<unknown, Overridable & { readonly pid: Pid.Pid<never, unknown> }>
}
