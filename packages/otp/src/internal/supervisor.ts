/**
 * Supervisor's engine: its state, starting and stopping children in order, the restart path with
 * its strategies, and the GenServer behaviour that runs it. `Supervisor.ts` holds the types, the
 * docs and the signatures.
 *
 * @internal
 */
import { Effect, Option, Schema } from "effect"
import * as ChildSpec from "../ChildSpec.ts"
import * as Errors from "../Errors.ts"
import * as ExitReason from "../ExitReason.ts"
import * as GenServer from "../GenServer.ts"
import * as Pid from "../Pid.ts"
import * as Request from "../Request.ts"
import type { AutoShutdown, ChildInfo, Counts, Options, Strategy } from "../Supervisor.ts"
import { withBehaviourName } from "./genServer.ts"
import * as codeChange from "./codeChange.ts"
import * as kernel from "./kernel.ts"
import { shutdownChild } from "./shutdown.ts"
import * as supervision from "./supervision.ts"
import { CountChildren } from "./supervision.ts"

export { CountChildren }
import { ChildNotFound, ChildRunning, AlreadyPresent } from "../Errors.ts"
export { ChildNotFound, ChildRunning, AlreadyPresent } from "../Errors.ts"

export class StartChild extends Request.Class<StartChild>()("StartChild", {
  fields: { spec: supervision.specField<ChildSpec.Any>() },
  success: Schema.Union([supervision.childPidSchema, Errors.Ignored]),
  failure: Schema.Union([AlreadyPresent, ChildSpec.InvalidChildSpec, supervision.ChildStartFailed])
}) {}
export class TerminateChild extends Request.Class<TerminateChild>()("TerminateChild", {
  fields: { id: Schema.String },
  failure: ChildNotFound
}) {}
export class RestartChild extends Request.Class<RestartChild>()("RestartChild", {
  fields: { id: Schema.String },
  success: supervision.childPidSchema,
  failure: Schema.Union([ChildNotFound, ChildRunning, supervision.ChildStartFailed])
}) {}
export class DeleteChild extends Request.Class<DeleteChild>()("DeleteChild", {
  fields: { id: Schema.String },
  failure: Schema.Union([ChildNotFound, ChildRunning])
}) {}
const childInfoSchema = Schema.Struct({
  id: Schema.String,
  pid: Schema.Option(supervision.childPidSchema),
  status: Schema.Literals(["running", "restarting", "stopped"]),
  type: supervision.childTypeSchema,
  restart: supervision.restartSchema
})
export class WhichChildren extends Request.Class<WhichChildren>()("WhichChildren", {
  success: Schema.Array(childInfoSchema)
}) {}

// A request without fields is the same value at every call: made once, as constructing a Schema
// class (which validates) costs about as much as the rest of the request's way to the server.
export const whichChildrenRequest = new WhichChildren()
export const countChildrenRequest = new CountChildren()

type CallOut = Effect.Effect<GenServer.CallResult<any, any, State>>

export type Requests = StartChild | TerminateChild | RestartChild | DeleteChild | WhichChildren | CountChildren

/** A child a code upgrade can make start new versions (see `overrideStarts`): a Supervisor's or a DynamicSupervisor's. */
export interface Overridable extends supervision.Supervised {
  /** replaced by a code upgrade */
  spec: ChildSpec.Normalized
  /** the start of the spec given, and the versions an upgrade put in place for it */
  code?: {
    readonly start: ChildSpec.Normalized["start"]
    readonly overrides: ReadonlyMap<string, codeChange.Versioned>
  }
}

interface Child extends Overridable {
  pid: Pid.Pid<never, unknown> | undefined
}

interface State {
  readonly self: kernel.ProcessRecord
  readonly strategy: Strategy
  readonly autoShutdown: AutoShutdown
  readonly step: supervision.Step
  children: Array<Child>
  /** children being restarted (waiting for a delayed restart or a new attempt), by id */
  pending: Set<string>
  /** the children started again since the supervisor started */
  restarts: number
}

const stopChild = (state: State, child: Child): Effect.Effect<void> => {
  const pid = child.pid
  if (pid === undefined) return Effect.void
  child.pid = undefined
  child.lastPid = pid
  return Effect.map(shutdownChild(state.self, { pid, spec: child.spec }), (reason) => {
    child.lastReason = reason
  })
}

/** Stops children in reverse order. */
const stopChildren = (state: State, children: ReadonlyArray<Child>): Effect.Effect<void> =>
  Effect.forEach([...children].reverse(), (child) => stopChild(state, child), { discard: true })

/** The children a restart of `child` involves, in start order. */
const restartGroup = (state: State, child: Child): ReadonlyArray<Child> => {
  switch (state.strategy) {
    case "oneForOne":
      return [child]
    case "oneForAll":
      return state.children
    case "restForOne":
      return state.children.slice(state.children.indexOf(child))
  }
}

/** How a Supervisor keeps its children: in start order, by id, restarted by its strategy. */
const children: supervision.Children<State, Child> = {
  started: (state, child, pid) => {
    child.pid = pid
    state.pending.delete(child.spec.id)
  },
  // not running, not being restarted; a temporary one is forgotten, as OTP
  ignored: (state, child) => {
    child.pid = undefined
    state.pending.delete(child.spec.id)
    if (child.spec.restart === "temporary") state.children = state.children.filter((c) => c !== child)
  },
  pidOf: (child) => child.pid,
  restarting: (state, child) => {
    const group = restartGroup(state, child)
    for (const member of group) state.pending.add(member.spec.id)
    const others = group.filter((member) => member !== child && member.pid !== undefined)
    return others.length === 0 ? undefined : stopChildren(state, others)
  },
  // One pass: the pending children that are not running form the group to start, in start order;
  // temporary ones among them are not restarted by a group restart but dropped, as OTP; running
  // children are no longer pending.
  due: (state) => {
    const pending = state.pending
    const group: Array<Child> = []
    let dropped = false
    for (const c of state.children) {
      if (c.pid !== undefined) pending.delete(c.spec.id)
      else if (pending.has(c.spec.id)) {
        if (c.spec.restart === "temporary") dropped = true
        else group.push(c)
      }
    }
    if (dropped) {
      state.children = state.children.filter(
        (c) => !(c.pid === undefined && c.spec.restart === "temporary" && pending.has(c.spec.id))
      )
    }
    return group
  },
  // as OTP, only the child that failed is restarting; the others not started are stopped until its
  // next attempt restarts the group again
  failed: (state, failed, due) => {
    for (const c of due) if (c !== failed && c.pid === undefined) state.pending.delete(c.spec.id)
  },
  isRestarting: (state, child) =>
    child.pid === undefined &&
    state.pending.has(child.spec.id) &&
    state.children.find((c) => c.spec.id === child.spec.id) === child,
  notRestarted: (state, child) => {
    if (child.spec.restart === "temporary") state.children = state.children.filter((c) => c !== child)
    return child.spec.significant && autoShutdownNow(state, child)
      ? GenServer.stopWith(ExitReason.shutdown, state)
      : GenServer.noreply(state)
  },
  gaveUp: () => {}
}

/** Starts children in order; stops at the first failure and returns it. */
const startChildren = (
  state: State,
  toStart: ReadonlyArray<Child>
): Effect.Effect<supervision.StartFailure<Child> | undefined> =>
  Effect.suspend(() => supervision.startInOrder(children, state, toStart, Effect.succeed))

const childExited = (
  state: State,
  from: Pid.Pid<never, unknown>,
  reason: ExitReason.ExitReason
): Effect.Effect<GenServer.NoReplyResult<State>> => {
  const child = state.children.find((c) => c.pid !== undefined && Pid.equals(c.pid, from))
  if (child === undefined) return Effect.succeed(GenServer.noreply(state))
  child.pid = undefined
  return supervision.childExited(children, state, child, from, reason)
}

const autoShutdownNow = (state: State, exited: Child): boolean => {
  switch (state.autoShutdown) {
    case "never":
      return false
    case "anySignificant":
      return true
    case "allSignificant":
      return state.children.every((c) => !c.spec.significant || c === exited || c.pid === undefined)
  }
}

const infoOf = (state: State, child: Child): ChildInfo => ({
  id: child.spec.id,
  pid: Option.fromUndefinedOr(child.pid),
  status: child.pid !== undefined ? "running" : state.pending.has(child.spec.id) ? "restarting" : "stopped",
  type: child.spec.type,
  restart: child.spec.restart
})

const infosOf = (state: State): Array<ChildInfo> => {
  const children = state.children
  const out = new Array<ChildInfo>(children.length)
  for (let i = 0; i < children.length; i++) out[i] = infoOf(state, children[i]!)
  return out
}

/** What a supervisor's state shows an upgrade: its children, in start order. */
export interface UpgradeView {
  readonly children: ReadonlyArray<Overridable & { readonly pid: Pid.Pid<never, unknown> | undefined }>
}

/**
 * Makes the starts of `children` run the `overrides` (by declared name) in place of the behaviours
 * they name, so that a restart starts the new versions, as OTP's supervisor `code_change` updates
 * its child specs; returns what puts the specs back. Runs in their supervisor (through
 * `Sys.replaceState`), which an upgrade has suspended.
 */
export const overrideStarts = (
  children: Iterable<Overridable>,
  overrides: ReadonlyMap<string, codeChange.Versioned>
): (() => void) => {
  const before: Array<readonly [Overridable, ChildSpec.Normalized, Overridable["code"]]> = []
  for (const child of children) {
    before.push([child, child.spec, child.code])
    const start = child.code?.start ?? child.spec.start
    const merged = new Map(child.code?.overrides)
    for (const [name, behaviour] of overrides) merged.set(name, behaviour)
    child.code = { start, overrides: merged }
    child.spec = { ...child.spec, start: Effect.provideService(start, codeChange.CodeOverrides, merged) }
  }
  return () => {
    for (const [child, spec, code] of before) {
      child.spec = spec
      if (code === undefined) delete child.code
      else child.code = code
    }
  }
}

const definition = GenServer.behaviour({
  name: "effect-otp/Supervisor",
  protocol: [StartChild, TerminateChild, RestartChild, DeleteChild, WhichChildren, CountChildren],
  init: (options: Options) =>
    Effect.gen(function* () {
      const self = yield* kernel.currentSelf
      kernel.setTrapExit(self, true)
      const autoShutdown = options.autoShutdown ?? "never"
      const specs = ChildSpec.normalizeAll(options.children, autoShutdown)
      if (specs instanceof ChildSpec.InvalidChildSpec) return yield* Effect.fail(specs)
      const { step, windows } = yield* supervision.makeIntensityStep(options.intensity ?? supervision.defaultIntensity)
      const state: State = {
        self,
        strategy: options.strategy ?? "oneForOne",
        autoShutdown,
        step,
        children: specs.map((spec) => ({ spec, pid: undefined, restarts: 0 })),
        pending: new Set(),
        restarts: 0
      }
      supervision.describeTree(self, () => ({
        kind: "Supervisor",
        strategy: state.strategy,
        children: state.children.map((child) => ({ ...infoOf(state, child), restarts: child.restarts })),
        restarts: state.restarts,
        intensity: windows
      }))
      const failure = yield* startChildren(state, state.children)
      if (failure !== undefined) {
        yield* stopChildren(
          state,
          state.children.filter((c) => c.pid !== undefined)
        )
        return yield* Effect.fail(
          new supervision.ChildStartFailed({ id: failure.failed.spec.id, error: failure.error })
        )
      }
      return GenServer.ok(state)
    }),
  handleCall: {
    StartChild: (request, state) =>
      Effect.suspend((): CallOut => {
        const spec = ChildSpec.normalize(request.spec)
        if (spec instanceof ChildSpec.InvalidChildSpec) return Effect.succeed(GenServer.replyError(spec, state))
        if (state.children.some((c) => c.spec.id === spec.id)) {
          return Effect.succeed(GenServer.replyError(new AlreadyPresent({ id: spec.id }), state))
        }
        const insignificant = ChildSpec.checkSignificant(spec, state.autoShutdown)
        if (insignificant !== undefined) return Effect.succeed(GenServer.replyError(insignificant, state))
        const child: Child = { spec, pid: undefined, restarts: 0 }
        return supervision.startInOrder(children, state, [child], (failure): CallOut => {
          if (failure !== undefined) {
            return Effect.succeed(
              GenServer.replyError(new supervision.ChildStartFailed({ id: spec.id, error: failure.error }), state)
            )
          }
          // an ignored start is kept as a stopped child (a temporary one is forgotten), as OTP
          if (child.pid !== undefined || spec.restart !== "temporary") state.children.push(child)
          return Effect.succeed(GenServer.reply(child.pid ?? new Errors.Ignored(), state))
        })
      }),
    TerminateChild: (request, state) =>
      Effect.suspend((): CallOut => {
        const child = state.children.find((c) => c.spec.id === request.id)
        if (child === undefined)
          return Effect.succeed(GenServer.replyError(new ChildNotFound({ id: request.id }), state))
        state.pending.delete(child.spec.id)
        return Effect.as(stopChild(state, child), GenServer.reply(undefined, state))
      }),
    RestartChild: (request, state) =>
      Effect.suspend((): CallOut => {
        const child = state.children.find((c) => c.spec.id === request.id)
        if (child === undefined)
          return Effect.succeed(GenServer.replyError(new ChildNotFound({ id: request.id }), state))
        if (child.pid !== undefined)
          return Effect.succeed(GenServer.replyError(new ChildRunning({ id: request.id }), state))
        return supervision.startInOrder(
          children,
          state,
          [child],
          (failure): CallOut =>
            Effect.succeed(
              failure !== undefined
                ? GenServer.replyError(
                    new supervision.ChildStartFailed({ id: child.spec.id, error: failure.error }),
                    state
                  )
                : child.pid !== undefined
                  ? GenServer.reply(child.pid, state)
                  : GenServer.replyError(
                      new supervision.ChildStartFailed({ id: child.spec.id, error: new Errors.Ignored() }),
                      state
                    )
            )
        )
      }),
    DeleteChild: (request, state) =>
      Effect.sync(() => {
        const child = state.children.find((c) => c.spec.id === request.id)
        if (child === undefined) return GenServer.replyError(new ChildNotFound({ id: request.id }), state)
        if (child.pid !== undefined) return GenServer.replyError(new ChildRunning({ id: request.id }), state)
        state.children = state.children.filter((c) => c !== child)
        state.pending.delete(child.spec.id)
        return GenServer.reply(undefined, state)
      }),
    // handlers are called when their request is handled: an answer computed now is an `Exit`, which
    // the server loop applies without running an effect
    WhichChildren: (_, state) => Effect.succeed(GenServer.reply(infosOf(state), state)),
    CountChildren: (_, state) =>
      Effect.succeed(
        GenServer.reply(
          {
            specs: state.children.length,
            active: state.children.filter((c) => c.pid !== undefined).length,
            supervisors: state.children.filter((c) => c.spec.type === "supervisor").length,
            workers: state.children.filter((c) => c.spec.type === "worker").length
          } satisfies Counts,
          state
        )
      )
  },
  handleInfo: (message: unknown, state) => {
    if (message instanceof kernel.ExitMessage) return childExited(state, message.from, message.reason)
    return supervision.restartMessage(children, state, message) ?? supervision.unexpectedMessage(state, message)
  },
  terminate: (_reason, state) =>
    stopChildren(
      state,
      state.children.filter((c) => c.pid !== undefined)
    )
})

export const supervisorBehaviour = withBehaviourName(definition, "Supervisor")
