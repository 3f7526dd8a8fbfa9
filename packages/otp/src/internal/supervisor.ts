/**
 * Supervisor's engine: its state, starting and stopping children in order, the restart path with
 * its strategies, and the GenServer behaviour that runs it. `Supervisor.ts` holds the types, the
 * docs and the signatures.
 *
 * @internal
 */
import { Effect, Fiber, Option, Schema } from "effect"
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

/** No child has this id (`Supervisor.ChildNotFound`). */
export class ChildNotFound extends Schema.TaggedError<ChildNotFound>()("ChildNotFound", {
  id: Schema.String
}) {
  override get message(): string {
    return `no child "${this.id}"`
  }
}

/** The child is running (`Supervisor.ChildRunning`). */
export class ChildRunning extends Schema.TaggedError<ChildRunning>()("ChildRunning", {
  id: Schema.String
}) {
  override get message(): string {
    return `child "${this.id}" is running`
  }
}

/** A child with this id exists already (`Supervisor.AlreadyPresent`). */
export class AlreadyPresent extends Schema.TaggedError<AlreadyPresent>()("AlreadyPresent", {
  id: Schema.String
}) {
  override get message(): string {
    return `a child "${this.id}" exists already`
  }
}

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
export class CountChildren extends Request.Class<CountChildren>()("CountChildren", {
  success: supervision.countsSchema
}) {}

// A request without fields is the same value at every call: made once, as constructing a Schema
// class (which validates) costs about as much as the rest of the request's way to the server.
export const whichChildrenRequest = new WhichChildren()
export const countChildrenRequest = new CountChildren()

type CallOut = Effect.Effect<GenServer.CallResult<any, any, State>>

export type Requests = StartChild | TerminateChild | RestartChild | DeleteChild | WhichChildren | CountChildren

interface Child {
  /** replaced by a code upgrade (see `overrideStarts`) */
  spec: ChildSpec.Normalized
  pid: Pid.Pid<never, unknown> | undefined
  /** the start of the spec given, and the versions an upgrade put in place for it */
  code?: {
    readonly start: ChildSpec.Normalized["start"]
    readonly overrides: ReadonlyMap<string, codeChange.Versioned>
  }
  /** the pid it last ran as, and why that process ended: what a `RESTART` report names */
  lastPid?: Pid.Pid<never, unknown> | undefined
  lastReason?: ExitReason.ExitReason | undefined
  /** the times it was started again after it exited */
  restarts: number
}

/** A delayed restart is due (the intensity was stepped when it was scheduled). */
class RestartTimer {
  readonly id: string
  constructor(id: string) {
    this.id = id
  }
}

/**
 * A restart failed to start the child: try again, stepping the intensity first (OTP's
 * `try_again_restart`, a message to itself so that requests are served between attempts).
 */
class TryAgain {
  readonly id: string
  readonly reason: ExitReason.ExitReason
  constructor(id: string, reason: ExitReason.ExitReason) {
    this.id = id
    this.reason = reason
  }
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

/** A child that failed to start, with the error its start failed with. */
interface StartFailure {
  readonly failed: Child
  readonly error: unknown
}

/** Starts children in order; stops at the first failure and returns it. */
const startChildren = (state: State, children: ReadonlyArray<Child>): Effect.Effect<StartFailure | undefined> =>
  Effect.suspend(() => startChildrenThen(state, children, Effect.succeed))

/**
 * A child whose start was ignored (`Errors.Ignored`): not running, not being restarted; a temporary
 * one is forgotten, as OTP.
 */
const ignored = (state: State, child: Child): void => {
  child.pid = undefined
  state.pending.delete(child.spec.id)
  if (child.spec.restart === "temporary") state.children = state.children.filter((c) => c !== child)
}

/**
 * Starts children in order, built now for an effect that runs next, and goes on with `then` (the
 * first failure, or undefined when all started or were ignored). One `matchCauseEffect` per child
 * around the child's own start, linking in its success handler, and `then` called from the last
 * handler: on a restart, the supervisor runs no effect of its own besides the child's start. A start
 * that fails, dies or returns no process is a failure (see `supervision.startErrorOf`).
 */
const startChildrenThen = <A>(
  state: State,
  children: ReadonlyArray<Child>,
  then: (failure: StartFailure | undefined) => Effect.Effect<A>
): Effect.Effect<A> => {
  let i = 0
  const next = (): Effect.Effect<A> => {
    if (i >= children.length) return then(undefined)
    const child = children[i++]!
    return Effect.matchCauseEffect(child.spec.start as Effect.Effect<ChildSpec.Started, unknown>, {
      onFailure: (cause) => {
        const error = supervision.startErrorOf(cause)
        if (!Errors.isIgnored(error)) return then({ failed: child, error })
        ignored(state, child)
        return next()
      },
      onSuccess: (started) => {
        const pid = supervision.linkStarted(state.self, started)
        if (!Pid.isPid(pid)) return then({ failed: child, error: pid })
        child.pid = pid
        return next()
      }
    })
  }
  return next()
}

/**
 * A child has to be restarted: step the intensity, then restart (now or after the schedule's delay)
 * the children the strategy names. Returns a GenServer result.
 */
const restartFor = (
  state: State,
  child: Child,
  reason: ExitReason.ExitReason
): Effect.Effect<GenServer.NoReplyResult<State>> => {
  // handlers run on the supervisor's fiber, and the effect built here runs next: the intensity is
  // stepped now when its step is a plain function (as `intensity`'s), without an Effect per step
  const decision = supervision.stepIntensityNow(state.step, { id: child.spec.id, reason }, Fiber.getCurrent()!)
  return Effect.isEffect(decision)
    ? Effect.flatMap(decision, (decided) => restartDecided(state, child, reason, decided))
    : restartDecided(state, child, reason, decision)
}

const restartDecided = (
  state: State,
  child: Child,
  reason: ExitReason.ExitReason,
  decision: supervision.Decision
): Effect.Effect<GenServer.NoReplyResult<State>> => {
  if (decision._tag === "GiveUp") {
    const { exit, report } = supervision.gaveUp(state.self, child.spec.id, reason)
    return Effect.as(report, GenServer.stopWith(exit, state))
  }
  const group = restartGroup(state, child)
  for (const member of group) state.pending.add(member.spec.id)
  const others = group.filter((member) => member !== child && member.pid !== undefined)
  if (decision._tag === "Now") {
    return others.length === 0
      ? restartPending(state)
      : Effect.andThen(
          stopChildren(state, others),
          Effect.suspend(() => restartPending(state))
        )
  }
  const remind = Effect.as(
    supervision.remindAfter(state.self, decision.delay, new RestartTimer(child.spec.id)),
    GenServer.noreply(state)
  )
  return others.length === 0 ? remind : Effect.andThen(stopChildren(state, others), remind)
}

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

/**
 * Starts every pending child, in start order. A failure leaves the child (and those after it in the
 * group) restarting, and the supervisor sends itself a {@link TryAgain}. Built now, from the
 * children as they are now: for an effect that runs next (wrap it in `Effect.suspend` after an
 * effect that changes them).
 */
const restartPending = (state: State): Effect.Effect<GenServer.NoReplyResult<State>> => {
  // One pass: the pending children that are not running form the group to start, in start order;
  // temporary ones among them are not restarted by a group restart but dropped, as OTP; running
  // children are no longer pending.
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
  return startChildrenThen(state, group, (failure) => {
    for (const c of group) if (c.pid !== undefined) state.pending.delete(c.spec.id)
    if (failure === undefined) {
      let reports: Effect.Effect<void> = Effect.void
      for (const c of group) {
        // a child whose start answered `ignore` was not restarted
        if (c.pid === undefined) continue
        c.restarts++
        state.restarts++
        const report = supervision.restarted(
          state.self,
          c.spec.id,
          c.lastPid ?? c.pid,
          c.pid,
          c.lastReason ?? ExitReason.normal
        )
        if (report !== Effect.void) reports = reports === Effect.void ? report : Effect.andThen(reports, report)
      }
      return reports === Effect.void
        ? Effect.succeed(GenServer.noreply(state))
        : Effect.as(reports, GenServer.noreply(state))
    }
    // as OTP, only the child that failed is restarting; the others not started are stopped until
    // its next attempt restarts the group again
    for (const c of group) if (c !== failure.failed && c.pid === undefined) state.pending.delete(c.spec.id)
    const id = failure.failed.spec.id
    kernel.deliverSystemMade(state.self, new TryAgain(id, supervision.reasonOfStartError(failure.error)))
    return Effect.as(
      Effect.logError(`supervisor ${state.self.pid}: child "${id}" failed to restart`, failure.error).pipe(
        Effect.annotateLogs({ event: "START_ERROR", child: id })
      ),
      GenServer.noreply(state)
    )
  })
}

/** OTP's `try_again_restart`: a child still being restarted is restarted again, as a new restart. */
const tryAgain = (state: State, message: TryAgain): Effect.Effect<GenServer.NoReplyResult<State>> => {
  const child = state.children.find((c) => c.spec.id === message.id)
  if (child === undefined || child.pid !== undefined || !state.pending.has(message.id)) {
    return Effect.succeed(GenServer.noreply(state))
  }
  return restartFor(state, child, message.reason)
}

const childExited = (
  state: State,
  from: Pid.Pid<never, unknown>,
  reason: ExitReason.ExitReason
): Effect.Effect<GenServer.NoReplyResult<State>> => {
  const child = state.children.find((c) => c.pid !== undefined && Pid.equals(c.pid, from))
  if (child === undefined) return Effect.succeed(GenServer.noreply(state))
  child.pid = undefined
  child.lastPid = from
  child.lastReason = reason
  // handlers run on the supervisor's fiber: a report no logger would print is not built
  const report =
    ExitReason.isNormalLike(reason) || !kernel.logReaches(Fiber.getCurrent(), "Error")
      ? Effect.void
      : Effect.logError(
          `supervisor ${state.self.pid}: child "${child.spec.id}" terminated`,
          reason._tag === "Failure" ? reason.cause : String(reason)
        ).pipe(Effect.annotateLogs({ event: "CHILD_TERMINATED", child: child.spec.id, reason: reason._tag }))
  if (!ChildSpec.shouldRestart(child.spec.restart, ExitReason.isNormalLike(reason))) {
    if (child.spec.restart === "temporary") state.children = state.children.filter((c) => c !== child)
    if (child.spec.significant && autoShutdownNow(state, child)) {
      return Effect.as(report, GenServer.stopWith(ExitReason.shutdown, state))
    }
    return Effect.as(report, GenServer.noreply(state))
  }
  return report === Effect.void
    ? restartFor(state, child, reason)
    : Effect.andThen(
        report,
        Effect.suspend(() => restartFor(state, child, reason))
      )
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
  readonly children: ReadonlyArray<{
    readonly spec: ChildSpec.Normalized
    readonly pid: Pid.Pid<never, unknown> | undefined
  }>
}

/**
 * Makes the starts of the children `ids` run the `overrides` (by declared name) in place of the
 * behaviours they name, so that a restart starts the new versions, as OTP's supervisor
 * `code_change` updates its child specs; returns what puts the specs back. Runs in the supervisor
 * (through `Sys.replaceState`), which an upgrade has suspended.
 */
export const overrideStarts = (
  view: UpgradeView,
  ids: ReadonlySet<string>,
  overrides: ReadonlyMap<string, codeChange.Versioned>
): (() => void) => {
  const state = view as State
  const before: Array<readonly [Child, ChildSpec.Normalized, Child["code"]]> = []
  for (const child of state.children) {
    if (!ids.has(child.spec.id)) continue
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
        return startChildrenThen(state, [child], (failure): CallOut => {
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
        return startChildrenThen(
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
    if (message instanceof TryAgain) return tryAgain(state, message)
    if (message instanceof RestartTimer) {
      return state.pending.has(message.id)
        ? Effect.suspend(() => restartPending(state))
        : Effect.succeed(GenServer.noreply(state))
    }
    return Effect.as(
      Effect.logWarning(`supervisor ${state.self.pid} received an unexpected message`, message),
      GenServer.noreply(state)
    )
  },
  terminate: (_reason, state) =>
    stopChildren(
      state,
      state.children.filter((c) => c.pid !== undefined)
    )
})

export const supervisorBehaviour = withBehaviourName(definition, "Supervisor")
