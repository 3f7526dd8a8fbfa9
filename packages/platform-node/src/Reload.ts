/**
 * Reload: upgrading the servers of a running node from a module file changed on disk (BEAM's
 * `code:load_file` followed by a release upgrade).
 *
 * {@link module} re-imports a module file (a fresh instance, past Node's module cache), takes the
 * behaviours it exports (GenServer and GenStatem behaviours with a declared `name`), and upgrades
 * every server of the node running an older version of one of them with `Release.upgradeNode`:
 * each server's `codeChange` migrates its state (validated against the new state Schema), every
 * Supervisor's child specs start the new versions from then on, and everything is rolled back
 * when a step fails, when `validate` fails, or when `timeout` passes. {@link watch} does it each
 * time a module file of a directory changes: opt-in, for development.
 *
 * ## Example
 *
 * ```ts
 * import { Effect } from "effect"
 * import { Reload } from "@effect-otp/platform-node"
 *
 * // a check that the new version serves: here, nothing to check
 * const healthCheck = Effect.void
 *
 * // after editing counter.ts to export version "2" of the Counter behaviour
 * const program = Reload.module("./src/counter.ts", {
 *   validate: healthCheck,
 *   timeout: "10 seconds"
 * })
 * // Report: [{ id: "counter", fromVersion: "1", toVersion: "2", ... }]
 * ```
 *
 * ## What each failure returns
 *
 * {@link ModuleLoadFailed} (the file could not be imported: missing, a syntax error, its top level
 * threw; nothing changed), {@link NoBehaviours} (it exports no behaviour with a declared `name`;
 * nothing changed), and what `Release.upgradeNode` fails with, after a complete rollback:
 * `UpgradeFailed`, `ValidationFailed`, `ValidationTimeout`.
 *
 * ## What JavaScript cannot do that BEAM can
 *
 * - **Old module code stays in memory.** Node's module cache cannot forget a module: each reload
 *   imports a new instance under a new URL, and the old instances stay loaded for as long as the
 *   program runs (BEAM purges the old version). Reload for development, or for occasional fixes;
 *   a long-lived program that reloads often grows.
 * - **Module-level state is not migrated.** The new instance's top-level variables start afresh
 *   (a cache, a counter, a connection opened at import time); the old instance's keep theirs for
 *   whoever still refers to them. Only the state of servers goes through `codeChange`.
 * - **Two versions coexist only during the switch**, per server, as in `Release`; but the modules
 *   the reloaded file imports are not reloaded: reload each changed file.
 * - **Imports are not refreshed in place**: code that imported the old module keeps the old
 *   exports (a function, a constant). Servers switch because their behaviour is replaced in them.
 *
 * @since 0.2.0
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { Cause, type Duration, Effect, Exit, Queue, Schema, type Scope } from "effect"
import type { Node, Release, Sys } from "effect-otp"
import { Release as ReleaseModule } from "effect-otp"

/**
 * The module file could not be imported: it is missing, has a syntax error, or its top level threw
 * (`cause` says which). Nothing changed.
 *
 * @since 0.2.0
 * @category errors
 */
export class ModuleLoadFailed extends Schema.TaggedError<ModuleLoadFailed>()("ModuleLoadFailed", {
  path: Schema.String,
  cause: Schema.Any
}) {
  override get message(): string {
    return `could not import ${this.path}: ${String((this.cause as { readonly message?: unknown })?.message ?? this.cause)}`
  }
}

/**
 * The module exports no behaviour with a declared `name`: nothing to upgrade, nothing changed.
 *
 * @since 0.2.0
 * @category errors
 */
export class NoBehaviours extends Schema.TaggedError<NoBehaviours>()("NoBehaviours", {
  path: Schema.String
}) {
  override get message(): string {
    return `${this.path} exports no behaviour with a declared name: nothing to upgrade`
  }
}

/**
 * Options of {@link module}: `validate` (a health check run once the new versions run; its failure
 * rolls everything back), `timeout` (the whole upgrade's budget, validation included; default 5 s),
 * `version` (the release's name in the events and the report; default: the behaviours' names and
 * versions, `Counter@2`), `extra` (the last argument of every `codeChange`).
 *
 * @since 0.2.0
 * @category models
 */
export interface ModuleOptions {
  readonly validate?: Effect.Effect<unknown, unknown> | undefined
  readonly timeout?: Duration.Input | "infinity" | undefined
  readonly version?: string | undefined
  readonly extra?: unknown
}

/**
 * What {@link module} can fail with; after any of them the node runs what it ran before.
 *
 * @since 0.2.0
 * @category errors
 */
export type ReloadError = ModuleLoadFailed | NoBehaviours | Release.UpgradeError

/** Whether an export is a behaviour an upgrade can match: an object with `init` and a declared `name`. */
const isNamedBehaviour = (u: unknown): u is Sys.AnyBehaviour & { readonly name: string } =>
  typeof u === "object" &&
  u !== null &&
  typeof (u as { readonly init?: unknown }).init === "function" &&
  typeof (u as { readonly name?: unknown }).name === "string"

let generation = 0

/** Imports a fresh instance of the module at `file` (its URL made unique, past the module cache). */
const importFresh = (file: string): Effect.Effect<Record<string, unknown>, ModuleLoadFailed> =>
  Effect.tryPromise({
    try: () => import(`${pathToFileURL(file).href}?reload=${++generation}`) as Promise<Record<string, unknown>>,
    catch: (cause) => new ModuleLoadFailed({ path: file, cause })
  })

/**
 * Re-imports the module file at `file` and upgrades every server of the node running an older
 * version of a behaviour it exports (matched by declared `name`), all or nothing, with
 * `Release.upgradeNode`; answers its report.
 *
 * **Details**: a behaviour is exported when it is a named export (or the default export) with an
 * `init` and a `name`; a server already running the exported version is left alone, so reloading
 * an unchanged file changes nothing. Every step is logged as a `RELEASE` event.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { GenServer } from "effect-otp"
 * import { Reload } from "@effect-otp/platform-node"
 * import { Get } from "./counter.ts"
 *
 * const reload = (counter: GenServer.Server<Get>) =>
 *   Reload.module("./src/counter.ts", { validate: GenServer.call(counter, new Get()) })
 * ```
 *
 * @since 0.2.0
 * @category system
 */
export const module = (file: string, options?: ModuleOptions): Effect.Effect<Release.Report, ReloadError, Node.Node> =>
  Effect.suspend(() => {
    const absolute = path.resolve(file)
    return Effect.flatMap(importFresh(absolute), (exports): Effect.Effect<Release.Report, ReloadError, Node.Node> => {
      const behaviours = [...new Set(Object.values(exports).filter(isNamedBehaviour))]
      if (behaviours.length === 0) return Effect.fail(new NoBehaviours({ path: absolute }))
      return ReleaseModule.upgradeNode({
        behaviours,
        version: options?.version ?? behaviours.map((b) => `${b.name}@${b.version ?? "1"}`).join(","),
        validate: options?.validate,
        timeout: options?.timeout,
        extra: options?.extra
      })
    })
  })

/**
 * Options of {@link watch}: those of {@link module} for each reload, `extensions` (the files
 * watched, default `.ts`, `.js`, `.mjs`), and `onReload`, called after each reload with the file
 * and its outcome (a failed reload changed nothing; it is logged and the watch goes on).
 *
 * @since 0.2.0
 * @category models
 */
export interface WatchOptions extends ModuleOptions {
  readonly extensions?: ReadonlyArray<string> | undefined
  readonly onReload?: ((file: string, exit: Exit.Exit<Release.Report, ReloadError>) => Effect.Effect<void>) | undefined
}

/**
 * Watches the directory `dir` (not its subdirectories) and reloads a module file with {@link module}
 * each time it changes, one reload at a time, in the order the changes came; for as long as the
 * current scope is open. Opt-in, for development.
 *
 * **Gotchas**: an editor may write a file in several steps, and the file system may report one
 * change several times: each report reloads the file, and a reload of a file whose versions run
 * already changes nothing. A reload of a half-written file fails (`ModuleLoadFailed`,
 * `NoBehaviours`) and changes nothing. Write files atomically (write elsewhere, then rename) to
 * avoid those failed attempts. Fails with `ModuleLoadFailed` when `dir` cannot be watched.
 *
 * @since 0.2.0
 * @category system
 */
export const watch = (
  dir: string,
  options?: WatchOptions
): Effect.Effect<void, ModuleLoadFailed, Node.Node | Scope.Scope> =>
  Effect.gen(function* () {
    const absolute = path.resolve(dir)
    const extensions = options?.extensions ?? [".ts", ".js", ".mjs"]
    const changes = yield* Queue.unbounded<string>()
    yield* Effect.acquireRelease(
      Effect.try({
        try: () =>
          fs.watch(absolute, (_event, name) => {
            if (name !== null && extensions.includes(path.extname(name))) {
              Queue.offerUnsafe(changes, path.join(absolute, name))
            }
          }),
        catch: (cause) => new ModuleLoadFailed({ path: absolute, cause })
      }),
      (w) => Effect.sync(() => w.close())
    )
    const reloadOne = (file: string) =>
      Effect.flatMap(Effect.exit(module(file, options)), (exit) =>
        Effect.andThen(
          Exit.isFailure(exit)
            ? Effect.logWarning(`reload of ${file} changed nothing`, Cause.pretty(exit.cause)).pipe(
                Effect.annotateLogs({ event: "RELEASE", file })
              )
            : Effect.void,
          options?.onReload === undefined ? Effect.void : options.onReload(file, exit)
        )
      )
    yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.take(changes), reloadOne)))
  })
