/**
 * Release: upgrading a running system, many servers at once, all or nothing (OTP's
 * `release_handler` carrying out an appup's `update` instructions).
 *
 * `Sys.changeCode` installs a new version of one server's behaviour. This module upgrades a whole
 * supervision tree ({@link upgradeTree}) or every server of the node ({@link upgradeNode}, which
 * `Reload.module` of `@effect-otp/platform-node` uses) to new versions of their behaviours, found by
 * the behaviours' declared `name`, and rolls everything back when one step fails.
 *
 * ## Upgrading a running system
 *
 * 1. Give every version of a behaviour the same `name` and its own `version`; give the new version
 *    a `codeChange(oldVersion, state, extra)` that migrates the state of the versions it knows (and
 *    fails for the others), and, to have the migrated state checked, its state's Schema (`state`
 *    for a GenServer, `data` for a GenStatem).
 * 2. Upgrade: `Release.upgradeTree(supervisor, { behaviours: [CounterV2], version: "2" })`.
 * 3. Read the report: which servers went from which version to which, and which supervisors'
 *    child specs now start the new versions. `Sys.getStatus` shows a server's `version`; the
 *    upgrade is logged as `RELEASE` events.
 *
 * ```ts
 * // versions.ts: two versions of a counter
 * import { Effect, Schema } from "effect"
 * import { GenServer, Request } from "effect-otp"
 *
 * export class Get extends Request.Class<Get>()("Get", { success: Schema.Number }) {}
 *
 * export const CounterV1 = GenServer.behaviour({
 *   name: "Counter",
 *   version: "1",
 *   protocol: [Get],
 *   init: (n: number) => Effect.succeed(GenServer.ok(n)),
 *   handleCall: { Get: (_, n) => Effect.succeed(GenServer.reply(n, n)) }
 * })
 *
 * const State = Schema.Struct({ count: Schema.Number, history: Schema.Array(Schema.Number) })
 *
 * export const CounterV2 = GenServer.behaviour({
 *   name: "Counter",
 *   version: "2",
 *   protocol: [Get],
 *   state: State,
 *   init: (n: number) => Effect.succeed(GenServer.ok<typeof State.Type>({ count: n, history: [] })),
 *   handleCall: { Get: (_, s) => Effect.succeed(GenServer.reply(s.count, s)) },
 *   codeChange: (oldVersion, n) =>
 *     oldVersion === "1" ? Effect.succeed({ count: n as number, history: [] }) : Effect.fail("unknown version")
 * })
 * ```
 *
 * ```ts
 * import { Effect } from "effect"
 * import { GenServer, Release, Supervisor } from "effect-otp"
 * import { CounterV1, CounterV2 } from "./versions.ts"
 *
 * const program = Effect.gen(function*() {
 *   const sup = yield* Supervisor.start({ children: [GenServer.childSpec("counter", CounterV1, 0)] })
 *   const report = yield* Release.upgradeTree(sup, { behaviours: [CounterV2], version: "2" })
 *   return report.upgraded // [{ id: "counter", fromVersion: "1", toVersion: "2", ... }]
 * })
 * ```
 *
 * ## What an upgrade guarantees
 *
 * - **Nothing runs half-upgraded.** Every process the upgrade touches is suspended first (the
 *   supervisors top-down, then the servers to change), and resumed at the end. The calls, casts
 *   and messages sent to them meanwhile wait in their mailboxes and are handled afterwards, in
 *   order, by the version that won: none is lost.
 * - **Children before their supervisor**, as OTP's release handler: each server's code change
 *   runs before its supervisor's child specs are updated, and a nested supervisor's children before
 *   the nested supervisor's.
 * - **A restart starts the new version**: the supervisors' child specs are updated, so a child
 *   restarted after the upgrade (or a nested supervisor restarted with its children) runs the new
 *   version's `init`. A child spec's start is unchanged otherwise (its arguments, its options).
 * - **All or nothing**: when a step fails (a `codeChange` fails, a migrated state is invalid, a
 *   process does not suspend or change in time, a server exits), every server already changed gets
 *   its old behaviour and state back, every child spec updated is put back, and the upgrade fails
 *   with {@link UpgradeFailed}, naming the child, its supervisor and the step's error. With
 *   `validate`, a health check that runs once the new versions run, its failure rolls everything back
 *   too ({@link ValidationFailed}, {@link ValidationTimeout}).
 * - **`skipIds`**: the children with these ids (at any depth) are left alone: their process, their
 *   spec and, for a supervisor, its whole subtree. A `DynamicSupervisor`'s children have no ids
 *   (as in OTP): they are named by their pid, `String(pid)`, in `skipIds`, the report and the errors.
 * - **`timeout`** (default 5 s) is the budget of the whole upgrade, validation included.
 *
 * ## What each failure returns
 *
 * {@link UpgradeFailed} (a step failed, everything rolled back: `reason` is a `Sys.ChangeCodeError`,
 * `ServerExited`, `NoProc`, or `UpgradeTimeout` for a process that did not suspend in time),
 * {@link ValidationFailed} / {@link ValidationTimeout} (`validate`, everything rolled back),
 * {@link NotASupervisor} (the target of `upgradeTree` is neither a `Supervisor` nor a
 * `DynamicSupervisor`), `NoProc` (the target is
 * not alive), `BadArgument` (a behaviour without a `name`, a name twice, an invalid `timeout`).
 *
 * ## What JavaScript cannot do that BEAM can
 *
 * - **Old code stays in memory.** BEAM keeps at most two versions of a module and purges the old
 *   one, killing the processes still running it. Here a behaviour is an object: an old version
 *   stays in memory as long as anything refers to it, and a process that was not upgraded (a
 *   skipped child, a server of another node) keeps running it, indefinitely.
 * - **Module-level state is not migrated.** A module reloaded from its file (`Reload.module`) is a
 *   new module instance: its top-level variables start afresh, and the old instance's keep their
 *   values for whoever still refers to them. Only a server's state goes through `codeChange`; keep
 *   state in servers, not in modules.
 * - **Two versions coexist only during the switch**, per server: a server changes between two
 *   messages, and the closures it handed out before (a callback given to another process, a fiber
 *   it forked) keep running the old version's code.
 * - **No downgrade callback.** OTP calls `code_change({down, Vsn}, ...)` to go back; a rollback
 *   here puts back the state the server had before the upgrade, so after a failed `validate` the
 *   messages the new version handled meanwhile leave no trace in the restored state.
 * - **The new version cannot require new services**: a server keeps the context it started with.
 *
 * ## Differences from OTP
 *
 * - The upgrade is given behaviours, not an appup script: a server is upgraded when it runs a
 *   behaviour of the same declared name in another version; supervisors are not upgraded
 *   themselves (their child specs are, a `DynamicSupervisor`'s too: the specs its children were
 *   started with).
 *
 * @since 0.2.0
 */
import type { Effect } from "effect"
import type * as GenServer from "./GenServer.ts"
import type * as Errors from "./Errors.ts"
import * as internal from "./internal/release.ts"
import type { Node } from "./Node.ts"
import type * as Sys from "./Sys.ts"
import { UpgradeFailed, ValidationFailed, ValidationTimeout, NotASupervisor } from "./Errors.ts"
import type { Report, Upgraded } from "./internal/release.ts"

/**
 * Options of both upgrades: `behaviours` (the new versions, each with its `name`), `version` (the
 * release's, for the events, the report and the errors), `extra` (the last argument of every
 * `codeChange`), `timeout` (the whole upgrade's budget, default 5 s; `"infinity"` for none),
 * `validate` (a health check run once the new versions run; its failure rolls everything back).
 *
 * @since 0.2.0
 * @category models
 */
export interface UpgradeOptions {
  /** The new versions, each with its declared `name`: a server running that name in another version is upgraded. */
  readonly behaviours: ReadonlyArray<Sys.AnyBehaviour>
  /** The release's version: named in the `RELEASE` events, the report and the errors. */
  readonly version: string
  /** Passed to every `codeChange` as its last argument. */
  readonly extra?: unknown
  /** The budget of the whole upgrade (suspends, code changes, validation). Default 5 seconds. */
  readonly timeout?: GenServer.CallOptions["timeout"]
  /** A health check run once the new versions run; its failure rolls everything back. */
  readonly validate?: Effect.Effect<unknown, unknown> | undefined
}

/**
 * Options of {@link upgradeTree}: those of every upgrade, and `skipIds`, the children to leave
 * alone (at any depth; a skipped supervisor's subtree too; a `DynamicSupervisor`'s children by
 * their pid, `String(pid)`).
 *
 * @since 0.2.0
 * @category models
 */
export interface TreeOptions extends UpgradeOptions {
  readonly skipIds?: ReadonlyArray<string> | undefined
}

export type {
  /**
   * What an upgrade did: the release, the servers upgraded (in the order they were: children before
   * their supervisor) with their versions before and after, and the supervisors whose child specs now
   * start the new versions.
   *
   * @since 0.2.0
   * @category models
   */
  Report
}

export type {
  /**
   * One server an upgrade changed: its pid, child id (a `DynamicSupervisor`'s child: its pid; a
   * server found on the node: its registered name, or pid), supervisor, the behaviour's name and the
   * versions before and after.
   *
   * @since 0.2.0
   * @category models
   */
  Upgraded
}

export {
  /**
   * A step of an upgrade failed, and every change made was rolled back: `id` names the child (or the
   * server found on the node), `supervisor` its supervisor, `pid` its process, `reason` the step's
   * error.
   *
   * @since 0.2.0
   * @category errors
   */
  UpgradeFailed
}

export {
  /**
   * The upgrade's `validate` failed (`cause` is its `Cause`); every change was rolled back.
   *
   * @since 0.2.0
   * @category errors
   */
  ValidationFailed
}

export {
  /**
   * The upgrade's `validate` did not finish within the upgrade's timeout (it was interrupted); every
   * change was rolled back.
   *
   * @since 0.2.0
   * @category errors
   */
  ValidationTimeout
}

export {
  /**
   * The target of {@link upgradeTree} is neither a `Supervisor` nor a `DynamicSupervisor`.
   *
   * @since 0.2.0
   * @category errors
   */
  NotASupervisor
}

/**
 * What an upgrade can fail with; whichever it is, every change was rolled back.
 *
 * @since 0.2.0
 * @category errors
 */
export type UpgradeError = UpgradeFailed | ValidationFailed | ValidationTimeout | Errors.BadArgument

/**
 * Upgrades a supervision tree to new versions of its servers' behaviours, all or nothing (see the
 * module's guarantees): every worker running a behaviour of the same declared name in another
 * version is changed (`Sys.changeCode`), children before their supervisor, and every supervisor's
 * child specs are updated so that a restart starts the new version. The tree's root and its
 * supervisors may be `Supervisor`s or `DynamicSupervisor`s (whose children are named by their
 * pids). Children in `skipIds` are left alone.
 *
 * **Errors**: {@link UpgradeFailed} (with the child, its supervisor and why), {@link ValidationFailed},
 * {@link ValidationTimeout}, {@link NotASupervisor}, `NoProc`, `BadArgument`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { type GenServer, Release } from "effect-otp"
 * import { CounterV2 } from "./versions.ts"
 *
 * const upgrade = (app: GenServer.Server<never>) => Effect.gen(function*() {
 *   const report = yield* Release.upgradeTree(app, {
 *     behaviours: [CounterV2],
 *     version: "2.0.0",
 *     skipIds: ["legacy-counter"],
 *     timeout: "10 seconds"
 *   })
 *   return report.upgraded.map((u) => `${u.id}: ${u.fromVersion} -> ${u.toVersion}`)
 * })
 * ```
 *
 * @since 0.2.0
 * @category system
 */
export const upgradeTree: (
  supervisor: Sys.Target,
  options: TreeOptions
) => Effect.Effect<Report, UpgradeError | NotASupervisor | Errors.NoProc> = internal.upgradeTree as never

/**
 * Upgrades every server of the current node that runs a behaviour of the same declared name in
 * another version, and updates every `Supervisor`'s and `DynamicSupervisor`'s child specs so
 * that restarts start the new versions; all or nothing, as {@link upgradeTree}. The servers are
 * changed before the supervisors' specs. `Reload.module` of `@effect-otp/platform-node` is this for
 * the behaviours a module file exports.
 *
 * **Errors**: {@link UpgradeFailed} (with the server's registered name or pid and why),
 * {@link ValidationFailed}, {@link ValidationTimeout}, `BadArgument`.
 *
 * @since 0.2.0
 * @category system
 */
export const upgradeNode: (options: UpgradeOptions) => Effect.Effect<Report, UpgradeError, Node> =
  internal.upgradeNode as never
