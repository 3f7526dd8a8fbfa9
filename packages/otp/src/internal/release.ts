/**
 * `Release`'s engine: upgrades of many servers at once, all or nothing (OTP's `release_handler`
 * running an appup's `update` instructions).
 *
 * An upgrade is a plan, then its steps. The plan suspends every process it will touch (the
 * supervisors first, top-down, reading their children while they cannot change), so that nothing
 * runs half-upgraded and every message that comes in meanwhile waits. The steps then run children
 * before their supervisor: each server's code change (`codeChange.request`), then its supervisor's
 * child specs (`supervisor.overrideStarts`). A failed step undoes the steps done, in reverse
 * order; then every suspended process is resumed. A `validate` effect runs after the resume: its
 * failure suspends the processes again and undoes everything.
 *
 * @internal
 */
import { Effect, Exit, Option } from "effect"
import * as Errors from "../Errors.ts"
import type * as GenServer from "../GenServer.ts"
import type * as Release from "../Release.ts"
import type { Node } from "../Node.ts"
import * as Pid from "../Pid.ts"
import * as codeChange from "./codeChange.ts"
import * as dynamicSupervisor from "./dynamicSupervisor.ts"
import * as kernel from "./kernel.ts"
import { currentNode } from "./node.ts"
import * as server from "./server.ts"
import * as supervisor from "./supervisor.ts"
import * as sys from "./sys.ts"
import * as validate from "./validate.ts"
import { UpgradeFailed, ValidationFailed, ValidationTimeout, NotASupervisor } from "../Errors.ts"
export { UpgradeFailed, ValidationFailed, ValidationTimeout, NotASupervisor } from "../Errors.ts"

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// Options and report
// ---------------------------------------------------------------------------------------------

export interface UpgradeOptions extends Omit<Release.UpgradeOptions, "behaviours"> {
  /** The new versions, each with its declared `name`: a server running that name in another version is upgraded. */
  readonly behaviours: ReadonlyArray<codeChange.Versioned>
}

export interface TreeOptions extends UpgradeOptions {
  /**
   * Children (at any depth, by id; a DynamicSupervisor's by their pid, `String(pid)`) to leave alone:
   * neither their process nor their spec is upgraded, nor what is under them.
   */
  readonly skipIds?: ReadonlyArray<string> | undefined
}

/** One server an upgrade changed. */
export interface Upgraded extends codeChange.Changed {
  /** Its child id, or its registered name or pid when it was found on the node. */
  readonly id: string
  readonly supervisor: Option.Option<Pid.Pid<never, unknown>>
}

/** What an upgrade did. */
export interface Report {
  readonly release: string
  /** The servers it upgraded, in the order it did (children before their supervisor). */
  readonly upgraded: ReadonlyArray<Upgraded>
  /** The supervisors whose child specs now start the new versions, with those children's ids. */
  readonly specs: ReadonlyArray<{ readonly supervisor: Pid.Pid<never, unknown>; readonly ids: ReadonlyArray<string> }>
}

// ---------------------------------------------------------------------------------------------
// Plan
// ---------------------------------------------------------------------------------------------

type Step =
  | {
      readonly _tag: "Process"
      readonly record: kernel.ProcessRecord
      readonly id: string
      readonly supervisor: kernel.ProcessRecord | undefined
      readonly behaviour: codeChange.Versioned
    }
  | {
      readonly _tag: "Specs"
      readonly supervisor: kernel.ProcessRecord
      readonly ids: ReadonlyArray<string>
      readonly children: ReadonlyArray<supervisor.Overridable>
    }

/** A failed step, before it becomes an `UpgradeFailed`. */
class StepFailed {
  readonly id: string
  readonly record: kernel.ProcessRecord | undefined
  readonly supervisor: kernel.ProcessRecord | undefined
  readonly reason: unknown
  constructor(
    id: string,
    record: kernel.ProcessRecord | undefined,
    supervisor: kernel.ProcessRecord | undefined,
    reason: unknown
  ) {
    this.id = id
    this.record = record
    this.supervisor = supervisor
    this.reason = reason
  }
}

class Upgrade {
  readonly release: string
  readonly timeout: number
  readonly deadline: number
  readonly extra: unknown
  readonly overrides: ReadonlyMap<string, codeChange.Versioned>
  /** the processes suspended, to resume at the end whatever happens */
  readonly suspended: Array<kernel.ProcessRecord> = []
  /** a process whose suspend did not finish in time: resumed without waiting for it */
  readonly stuck: Array<kernel.ProcessRecord> = []
  readonly steps: Array<Step> = []
  readonly undo: Array<Effect.Effect<void>> = []
  readonly upgraded: Array<Upgraded> = []
  readonly specs: Array<{ readonly supervisor: Pid.Pid<never, unknown>; readonly ids: ReadonlyArray<string> }> = []
  constructor(options: UpgradeOptions, now: number) {
    this.release = options.version
    this.timeout = codeChange.timeoutMillis(options.timeout)
    this.deadline = now + this.timeout
    this.extra = options.extra
    this.overrides = new Map(options.behaviours.map((b) => [b.name!, b]))
  }

  /** The new version a server running `code` is upgraded to, if any. */
  target(code: kernel.Code | undefined): codeChange.Versioned | undefined {
    const name = code?.behaviour.name
    if (name === undefined) return undefined
    const next = this.overrides.get(name)
    if (next === undefined || next === code!.behaviour) return undefined
    return codeChange.versionOf(next) === codeChange.versionOf(code!.behaviour) ? undefined : next
  }

  /** The time left, for a system request (at least 0). */
  remaining(now: number): number {
    return Math.max(0, this.deadline - now)
  }

  /** Suspends a process within the deadline; a timeout becomes `UpgradeTimeout`. */
  suspend(
    record: kernel.ProcessRecord,
    id: string,
    supervisorRecord: kernel.ProcessRecord | undefined
  ): Effect.Effect<void, StepFailed> {
    return Effect.clockWith((clock) => {
      const remaining = this.remaining(clock.currentTimeMillisUnsafe())
      return Effect.mapError(
        Effect.tap(
          sys.suspend(record.pid, {
            timeout: remaining === Number.POSITIVE_INFINITY ? "infinity" : remaining
          }),
          () => Effect.sync(() => this.suspended.push(record))
        ),
        (error) => {
          if (error instanceof server.CallTimeout) {
            this.stuck.push(record)
            return new StepFailed(
              id,
              record,
              supervisorRecord,
              new codeChange.UpgradeTimeout({ pid: record.pid, timeout: this.timeout })
            )
          }
          return new StepFailed(id, record, supervisorRecord, error)
        }
      )
    })
  }

  /** Resumes every process suspended; one that did not suspend in time is sent its resume and not waited for. */
  resumeAll(): Effect.Effect<void> {
    return Effect.suspend(() => {
      const suspended = this.suspended.splice(0)
      const stuck = this.stuck.splice(0)
      // a process still busy gets its resume after its suspend, whenever it gets to them
      const later = Effect.forEach(
        stuck,
        (record) => Effect.forkDetach(Effect.ignore(sys.resume(record.pid, { timeout: "infinity" }))),
        {
          discard: true
        }
      )
      return Effect.andThen(
        later,
        Effect.forEach(suspended, (record) => Effect.ignore(sys.resume(record.pid, { timeout: "infinity" })), {
          discard: true
        })
      )
    })
  }

  /** Runs the steps in order; the first failure undoes the steps done. */
  run(): Effect.Effect<void, StepFailed> {
    return Effect.forEach(this.steps, (step) => this.runStep(step), { discard: true })
  }

  runStep(step: Step): Effect.Effect<void, StepFailed> {
    if (step._tag === "Specs") {
      let undo: (() => void) | undefined
      const pid = step.supervisor.pid
      return Effect.mapError(
        Effect.flatMap(
          sys.replaceState(
            pid,
            (view) => {
              undo = supervisor.overrideStarts(step.children, this.overrides)
              return view
            },
            { timeout: "infinity" }
          ),
          () =>
            Effect.sync(() => {
              const put = undo!
              this.undo.push(
                Effect.ignore(
                  sys.replaceState(
                    pid,
                    (view) => {
                      put()
                      return view
                    },
                    { timeout: "infinity" }
                  )
                )
              )
              this.specs.push({ supervisor: pid, ids: step.ids })
            })
        ),
        (error) => new StepFailed(String(pid), step.supervisor, undefined, error)
      )
    }
    return Effect.matchEffect(
      codeChange.request(step.record, step.behaviour, undefined, this.extra, this.deadline, this.timeout),
      {
        onFailure: (error) => Effect.fail(new StepFailed(step.id, step.record, step.supervisor, error)),
        onSuccess: (result) =>
          Effect.sync(() => {
            this.undo.push(codeChange.restore(step.record, result.snapshot))
            this.upgraded.push({
              ...result.changed,
              id: step.id,
              supervisor: Option.fromUndefinedOr(step.supervisor?.pid)
            })
          })
      }
    )
  }

  /** Undoes every step done, latest first. */
  rollback(): Effect.Effect<void> {
    return Effect.suspend(() => Effect.all(this.undo.splice(0).reverse(), { discard: true }))
  }

  report(): Report {
    return { release: this.release, upgraded: this.upgraded, specs: this.specs }
  }

  failed(failure: StepFailed): UpgradeFailed {
    const fields = {
      release: this.release,
      id: failure.id,
      reason: failure.reason,
      ...(failure.supervisor === undefined ? {} : { supervisor: failure.supervisor.pid }),
      ...(failure.record === undefined ? {} : { pid: failure.record.pid })
    }
    return new UpgradeFailed(fields as never)
  }
}

// ---------------------------------------------------------------------------------------------
// Running an upgrade
// ---------------------------------------------------------------------------------------------

/** Checks the behaviours: each has a declared name, no name twice. */
const checkBehaviours = (fn: string, options: UpgradeOptions): Errors.BadArgument | undefined => {
  const behaviours = options?.behaviours
  if (!Array.isArray(behaviours) || behaviours.length === 0) {
    return new Errors.BadArgument({
      function: fn,
      field: "behaviours",
      value: behaviours,
      reason: "must be a non-empty array"
    })
  }
  const names = new Set<string>()
  for (const behaviour of behaviours) {
    const name = (behaviour as codeChange.Versioned)?.name
    if (typeof name !== "string" || name === "") {
      return new Errors.BadArgument({
        function: fn,
        field: "behaviours",
        value: behaviour,
        reason: "must each declare a name"
      })
    }
    if (names.has(name)) {
      return new Errors.BadArgument({
        function: fn,
        field: "behaviours",
        value: name,
        reason: "must not name a behaviour twice"
      })
    }
    names.add(name)
  }
  if (typeof options.version !== "string") {
    return new Errors.BadArgument({
      function: fn,
      field: "version",
      value: options.version,
      reason: "must be a string"
    })
  }
  return validate.checkCallOptions(fn, options)
}

const logRelease = (upgrade: Upgrade, level: "Info" | "Error", message: string) =>
  (level === "Info" ? Effect.logInfo(message) : Effect.logError(message)).pipe(
    Effect.annotateLogs({ event: "RELEASE", release: upgrade.release })
  )

/**
 * Plans with `plan`, runs the steps, resumes, validates: all or nothing. Fails with `UpgradeFailed`
 * (a step), `ValidationFailed` or `ValidationTimeout`. The rollback after a failed validation waits
 * for every process to take its suspend (no budget is left to bound it).
 */
const execute = (
  options: UpgradeOptions,
  plan: (upgrade: Upgrade) => Effect.Effect<void, StepFailed | NotASupervisor | Errors.NoProc>
): Effect.Effect<Report, UpgradeFailed | ValidationFailed | ValidationTimeout | NotASupervisor | Errors.NoProc> =>
  Effect.clockWith((clock) => {
    const upgrade = new Upgrade(options, clock.currentTimeMillisUnsafe())
    const steps = Effect.andThen(plan(upgrade), upgrade.run())
    const done = Effect.onError(steps, () => upgrade.rollback())
    const applied = Effect.ensuring(done, upgrade.resumeAll())
    const failedStep = Effect.catchIf(
      applied,
      (error): error is StepFailed => error instanceof StepFailed,
      (failure) => {
        const error = upgrade.failed(failure)
        return Effect.andThen(logRelease(upgrade, "Error", error.message), Effect.fail(error))
      }
    )
    const summary = Effect.andThen(
      failedStep,
      Effect.suspend(() =>
        logRelease(
          upgrade,
          "Info",
          `release ${upgrade.release}: upgraded ${upgrade.upgraded.map((u) => `${u.id} (${u.fromVersion} -> ${u.toVersion})`).join(", ") || "nothing"}`
        )
      )
    )
    const check = options.validate
    if (check === undefined) return Effect.as(summary, upgrade.report())
    return Effect.flatMap(summary, () =>
      Effect.flatMap(
        Effect.clockWith((clock) => {
          const remaining = upgrade.remaining(clock.currentTimeMillisUnsafe())
          const run = Effect.exit(check)
          return remaining === Number.POSITIVE_INFINITY
            ? Effect.map(run, Option.some)
            : Effect.timeoutOption(run, remaining)
        }),
        (outcome) => {
          if (Option.isSome(outcome) && Exit.isSuccess(outcome.value)) return Effect.succeed(upgrade.report())
          const error = Option.isSome(outcome)
            ? new ValidationFailed({
                release: upgrade.release,
                cause: (outcome.value as Exit.Failure<unknown, unknown>).cause
              })
            : new ValidationTimeout({ release: upgrade.release, timeout: upgrade.timeout })
          return Effect.andThen(
            rollbackAll(upgrade),
            Effect.andThen(logRelease(upgrade, "Error", error.message), Effect.fail(error))
          )
        }
      )
    )
  })

/** Suspends every process the upgrade changed, undoes the changes, resumes them. */
const rollbackAll = (upgrade: Upgrade): Effect.Effect<void> =>
  Effect.suspend(() => {
    const touched = new Set<kernel.ProcessRecord>()
    for (const step of upgrade.steps) touched.add(step._tag === "Process" ? step.record : step.supervisor)
    return Effect.ensuring(
      Effect.andThen(
        Effect.forEach(
          touched,
          (record) =>
            Effect.ignore(
              Effect.tap(sys.suspend(record.pid, { timeout: "infinity" }), () =>
                Effect.sync(() => upgrade.suspended.push(record))
              )
            ),
          { discard: true }
        ),
        upgrade.rollback()
      ),
      upgrade.resumeAll()
    )
  })

/** Whether the process runs a `Supervisor` or a `DynamicSupervisor` (not a GenServer). */
const supervisorCode = (record: kernel.ProcessRecord | undefined): boolean => {
  const behaviour = record?.code?.behaviour as unknown
  return behaviour === supervisor.supervisorBehaviour || behaviour === dynamicSupervisor.behaviour
}

/** A supervisor's children as an upgrade sees them: a Supervisor's by their ids, a DynamicSupervisor's by their pids (they have no ids). */
interface Member {
  readonly id: string
  readonly pid: Pid.Pid<never, unknown> | undefined
  readonly child: supervisor.Overridable
}

/** Reads a suspended supervisor's children (its state, through `Sys.getState`). */
const membersOf = (
  record: kernel.ProcessRecord,
  id: string,
  parent: kernel.ProcessRecord | undefined
): Effect.Effect<ReadonlyArray<Member>, StepFailed> =>
  Effect.mapBoth(sys.getState(record.pid, { timeout: "infinity" }), {
    onFailure: (error) => new StepFailed(id, record, parent, error),
    onSuccess: (state): ReadonlyArray<Member> =>
      record.code?.behaviour === (dynamicSupervisor.behaviour as unknown)
        ? Array.from((state as dynamicSupervisor.UpgradeView).children.values(), (child) => ({
            id: String(child.pid),
            pid: child.pid,
            child
          }))
        : (state as supervisor.UpgradeView).children.map((child) => ({ id: child.spec.id, pid: child.pid, child }))
  })

/** Plans the upgrade of a supervisor's tree: suspends it, reads its children, goes down into its supervisors. */
const planTree = (upgrade: Upgrade, skip: ReadonlySet<string>) => {
  const visit = (
    record: kernel.ProcessRecord,
    id: string,
    parent: kernel.ProcessRecord | undefined
  ): Effect.Effect<void, StepFailed> =>
    Effect.andThen(
      upgrade.suspend(record, id, parent),
      Effect.flatMap(membersOf(record, id, parent), (members) => {
        const ids: Array<string> = []
        const children: Array<supervisor.Overridable> = []
        return Effect.andThen(
          Effect.forEach(
            members,
            ({ child, id: childId, pid }) => {
              if (skip.has(childId)) return Effect.void
              ids.push(childId)
              children.push(child)
              const childRecord = pid === undefined ? undefined : kernel.liveRecordOf(pid)
              if (childRecord === undefined) return Effect.void
              if (child.spec.type === "supervisor") {
                return supervisorCode(childRecord) ? visit(childRecord, childId, record) : Effect.void
              }
              const next = upgrade.target(childRecord.code)
              if (next === undefined) return Effect.void
              return Effect.andThen(
                upgrade.suspend(childRecord, childId, record),
                Effect.sync(() =>
                  upgrade.steps.push({
                    _tag: "Process",
                    record: childRecord,
                    id: childId,
                    supervisor: record,
                    behaviour: next
                  })
                )
              )
            },
            { discard: true }
          ),
          Effect.sync(() => {
            if (ids.length > 0) upgrade.steps.push({ _tag: "Specs", supervisor: record, ids, children })
          })
        )
      })
    )
  return visit
}

/** `Release.upgradeTree`. */
export const upgradeTree = (
  target: GenServer.Server<never, never> | Pid.Pid<never, unknown>,
  options: TreeOptions
): Effect.Effect<
  Report,
  UpgradeFailed | ValidationFailed | ValidationTimeout | NotASupervisor | Errors.NoProc | Errors.BadArgument
> =>
  validate.guard(checkBehaviours("Release.upgradeTree", options), () =>
    Effect.suspend(() => {
      const ref = Pid.isPid(target) ? server.fromPid(target) : target
      const record = ref.resolve()
      if (record === undefined) return Effect.fail(server.noProcOf(ref))
      if (!supervisorCode(record)) return Effect.fail(new NotASupervisor({ pid: record.pid }))
      const skip = new Set(options.skipIds ?? [])
      return execute(options, (upgrade) => planTree(upgrade, skip)(record, String(record.pid), undefined))
    })
  )

/** How a server found on the node is named in a report: its registered name, else its pid. */
const idOf = (record: kernel.ProcessRecord): string => record.name ?? String(record.pid)

/** `Release.upgradeNode`: every server of the node running an older version, and every supervisor's specs. */
export const upgradeNode = (
  options: UpgradeOptions
): Effect.Effect<Report, UpgradeFailed | ValidationFailed | ValidationTimeout | Errors.BadArgument, Node> =>
  validate.guard(checkBehaviours("Release.upgradeNode", options), () =>
    Effect.flatMap(currentNode, (node) => execute(options, (upgrade) => planNode(upgrade, node)))
  ) as never

/** Plans a node's upgrade: the servers running an older version, then every supervisor's child specs. */
const planNode = (upgrade: Upgrade, node: kernel.NodeState): Effect.Effect<void, StepFailed> =>
  Effect.suspend(() => {
    const supervisors: Array<kernel.ProcessRecord> = []
    for (const record of node.table.values()) {
      if (record.status === "exited") continue
      if (supervisorCode(record)) {
        supervisors.push(record)
        continue
      }
      const next = upgrade.target(record.code)
      if (next !== undefined) {
        upgrade.steps.push({ _tag: "Process", record, id: idOf(record), supervisor: undefined, behaviour: next })
      }
    }
    const touched = [
      ...supervisors,
      ...upgrade.steps.map((step) => (step as { readonly record: kernel.ProcessRecord }).record)
    ]
    return Effect.andThen(
      Effect.forEach(touched, (record) => upgrade.suspend(record, idOf(record), undefined), { discard: true }),
      Effect.forEach(
        supervisors,
        (record) =>
          Effect.map(membersOf(record, idOf(record), undefined), (members) => {
            if (members.length > 0) {
              upgrade.steps.push({
                _tag: "Specs",
                supervisor: record,
                ids: members.map((m) => m.id),
                children: members.map((m) => m.child)
              })
            }
          }),
        { discard: true }
      )
    )
  })
