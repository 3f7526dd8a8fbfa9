/**
 * A throwaway PostgreSQL for tests and demos of sharded servers: `initdb` into a temporary
 * directory, `pg_ctl` on a free port of 127.0.0.1, stopped and deleted with the scope. The
 * package's own tests and `otp demo cluster-entities` run their runner processes on it.
 *
 * - {@link hasPostgres}: whether PostgreSQL's server programs (`initdb`, `pg_ctl`) are installed,
 *   on the `PATH` or in Debian's `/usr/lib/postgresql/<version>/bin` (`apt-get install
 *   postgresql`).
 * - {@link postgres}: starts one; `postgres.options` is what `ClusterServer.runnerLayer` takes as
 *   its `postgres` option.
 * - {@link freePort}: a port of 127.0.0.1 that was free a moment ago, for a runner's address.
 * - {@link runnerOptions}: `ClusterServer.runnerLayer`'s options for a runner on it, with 16 shards
 *   and fast failover (shard locks refreshed every second, expiring after 3).
 * - {@link startNode}: a runner (or any Node program) in an OS process of its own, its output
 *   lines in a queue ({@link waitFor} takes them until one matches), killed with SIGKILL
 *   ({@link kill9}) or with the scope: tests and demos synchronise on what runners print, never on
 *   sleeps.
 * - {@link announcements}: what a runner process prints for them: `assigned <n>` each time its
 *   shard assignment changes.
 *
 * The cluster trusts local connections (no password) and runs with `fsync` off: it is for tests
 * that kill runners, not the database. Run as root, its programs run as the user `postgres`
 * (PostgreSQL refuses root); they run through `node:child_process`, because Effect's
 * `ChildProcess` has no option to change the user.
 *
 * **Errors**: {@link PostgresFailed} when the programs are missing or `initdb`/`pg_ctl` fail (the
 * step and the program's own message); the temporary directory is removed either way.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ClusterServer, Testing } from "@effect-otp/cluster"
 *
 * const program = Effect.gen(function* () {
 *   const pg = yield* Testing.postgres
 *   const runner = ClusterServer.runnerLayer({ postgres: pg.options, shards: 16, clientOnly: true })
 *   return runner
 * }).pipe(Effect.scoped)
 * ```
 *
 * @since 0.2.0
 */
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process"
import * as fs from "node:fs"
import { createServer } from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { Effect, Layer, Logger, MutableHashSet, Queue, References, Schema, type Scope } from "effect"
import type { RunnerOptions } from "./ClusterServer.ts"

/** A program on the `PATH`, or in Debian's `/usr/lib/postgresql/<version>/bin` (newest first). */
const findBin = (name: string): string | undefined => {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, name)
    if (dir !== "" && fs.existsSync(candidate)) return candidate
  }
  const debian = "/usr/lib/postgresql"
  if (!fs.existsSync(debian)) return undefined
  const versions = fs
    .readdirSync(debian)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
  for (const version of versions) {
    const candidate = path.join(debian, version, "bin", name)
    if (fs.existsSync(candidate)) return candidate
  }
  return undefined
}

const initdb = findBin("initdb")
const pgCtl = findBin("pg_ctl")

/**
 * Whether PostgreSQL's server programs (`initdb` and `pg_ctl`) are installed.
 *
 * @since 0.2.0
 * @category probes
 */
export const hasPostgres: boolean = initdb !== undefined && pgCtl !== undefined

/**
 * Starting or stopping the throwaway PostgreSQL failed: `step` says where (`find` when the
 * programs are missing, `initdb`, `start`), `detail` what the program said.
 *
 * @since 0.2.0
 * @category errors
 */
export class PostgresFailed extends Schema.TaggedError<PostgresFailed>()("PostgresFailed", {
  step: Schema.Literals(["find", "initdb", "start"]),
  detail: Schema.String
}) {
  override get message(): string {
    return `PostgreSQL ${this.step} failed: ${this.detail}`
  }
}

/**
 * A port of 127.0.0.1 that was free a moment ago (bound to port 0 and released): for a runner's
 * `address`, which the other runners must know before it listens.
 *
 * @since 0.2.0
 * @category probes
 */
export const freePort: Effect.Effect<number> = Effect.callback<number>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    server.close(() => resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0)))
  })
})

/**
 * A running throwaway PostgreSQL: its `port`, and the `options` for `ClusterServer.runnerLayer`'s
 * `postgres` (database and user `postgres` on 127.0.0.1, no password).
 *
 * @since 0.2.0
 * @category models
 */
export interface Postgres {
  readonly port: number
  readonly options: {
    readonly host: string
    readonly port: number
    readonly database: string
    readonly username: string
  }
}

/**
 * The options of `ClusterServer.runnerLayer` for a runner on the throwaway PostgreSQL listening on
 * `postgresPort` (database and user `postgres`, no password): 16 shards, and fast failover (shard
 * locks refreshed every second and expiring after 3, assignments refreshed every 500 ms), so that
 * a killed runner's shards move in seconds. Without `address`, a client-only runner.
 *
 * @since 0.2.0
 * @category constructors
 */
export const runnerOptions = (
  postgresPort: number,
  address?: { readonly host: string; readonly port: number }
): RunnerOptions => ({
  postgres: { host: "127.0.0.1", port: postgresPort, database: "postgres", username: "postgres" },
  shards: 16,
  ...(address === undefined ? { clientOnly: true } : { address }),
  shardingConfig: {
    shardLockRefreshInterval: "1 second",
    shardLockExpiration: "3 seconds",
    runnerHealthCheckInterval: "1 second",
    refreshAssignmentsInterval: "500 millis",
    entityMessagePollInterval: "500 millis",
    entityReplyPollInterval: "200 millis",
    sendRetryInterval: "100 millis",
    runnerJoinDebounce: "200 millis"
  }
})

/** PostgreSQL refuses to run as root: as root, its programs run as the user `postgres`. */
const runAs = (): { uid: number; gid: number } | undefined => {
  if (process.getuid?.() !== 0) return undefined
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim())
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim())
  return { uid, gid }
}

const run = (
  step: PostgresFailed["step"],
  file: string,
  args: ReadonlyArray<string>,
  user: { uid: number; gid: number } | undefined
) =>
  Effect.callback<void, PostgresFailed>((resume) => {
    execFile(file, args, { timeout: 60_000, ...user }, (error, _stdout, stderr) =>
      resume(
        error === null
          ? Effect.void
          : Effect.fail(new PostgresFailed({ step, detail: `${error.message.trim()} ${stderr}`.trim() }))
      )
    )
  })

/**
 * Starts a PostgreSQL cluster in a temporary directory, listening on a free port of 127.0.0.1;
 * the scope stops it (immediate mode) and deletes the directory. Fails with
 * {@link PostgresFailed} when PostgreSQL is not installed or does not start.
 *
 * @since 0.2.0
 * @category constructors
 */
export const postgres: Effect.Effect<Postgres, PostgresFailed, Scope.Scope> = Effect.acquireRelease(
  Effect.gen(function* () {
    if (initdb === undefined || pgCtl === undefined) {
      return yield* new PostgresFailed({ step: "find", detail: "initdb and pg_ctl are not installed" })
    }
    const port = yield* freePort
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-otp-pg-"))
    const data = path.join(dir, "data")
    const user = runAs()
    if (user !== undefined) fs.chownSync(dir, user.uid, user.gid)
    const stop = () => {
      try {
        if (fs.existsSync(path.join(data, "postmaster.pid"))) {
          execFileSync(pgCtl, ["-D", data, "-m", "immediate", "-w", "stop"], { stdio: "ignore", ...user })
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true })
      }
    }
    const started = Effect.gen(function* () {
      yield* run("initdb", initdb, ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"], user)
      const settings = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off`
      yield* run("start", pgCtl, ["-D", data, "-l", path.join(dir, "log"), "-w", "-o", settings, "start"], user)
    })
    yield* Effect.onError(started, () => Effect.sync(stop))
    const options = { host: "127.0.0.1", port, database: "postgres", username: "postgres" }
    return { postgres: { port, options }, stop }
  }),
  ({ stop }) => Effect.sync(stop)
).pipe(Effect.map(({ postgres }) => postgres))

/**
 * A line a child process printed on its stdout, with the child's name.
 *
 * @since 0.2.0
 * @category models
 */
export interface Line {
  readonly from: string
  readonly text: string
}

/**
 * A child OS process started by {@link startNode}.
 *
 * @since 0.2.0
 * @category models
 */
export interface Child {
  readonly name: string
  readonly process: ChildProcess
  /** The last 4,000 characters the child wrote on its stderr (what it said before it died). */
  readonly stderr: () => string
}

/** The children whose output has ended: their `exit` line is in their queue. */
const closed = new WeakSet<ChildProcess>()

/**
 * Starts `node file ...args` in an OS process of its own (this process's Node; a `.ts` file runs
 * with the packages' sources, `--conditions=@effect-otp/source`), its stdout lines offered to
 * `lines` as they come, then a last line `exit <code or signal>` when it exits; its stderr is
 * passed through, and its end kept (`child.stderr()`) for the error that reports its death. The
 * scope kills it with SIGKILL.
 *
 * @since 0.2.0
 * @category constructors
 */
export const startNode = (
  name: string,
  lines: Queue.Queue<Line>,
  file: string,
  args: ReadonlyArray<string>,
  env?: NodeJS.ProcessEnv
): Effect.Effect<Child, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync((): Child => {
      const source = file.endsWith(".ts") ? ["--conditions=@effect-otp/source"] : []
      const child = spawn(process.execPath, [...source, file, ...args], {
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, ...env }
      })
      let stderr = ""
      child.stderr!.on("data", (chunk: Buffer) => {
        process.stderr.write(chunk)
        stderr = (stderr + chunk.toString()).slice(-4_000)
      })
      let buffered = ""
      child.stdout!.on("data", (chunk: Buffer) => {
        buffered += chunk.toString()
        const parts = buffered.split("\n")
        buffered = parts.pop()!
        for (const text of parts) Queue.offerUnsafe(lines, { from: name, text })
      })
      // "close": after the last of its output, stderr included
      child.on("close", (code, signal) => {
        closed.add(child)
        Queue.offerUnsafe(lines, { from: name, text: `exit ${signal ?? code}` })
      })
      return { name, process: child, stderr: () => stderr }
    }),
    (child) => kill9(child)
  )

/**
 * Takes lines until `match` accepts one (returns something other than `undefined`), and returns
 * what it returned; the lines before it are consumed.
 *
 * @since 0.2.0
 * @category probes
 */
export const waitFor = <A>(lines: Queue.Queue<Line>, match: (line: Line) => A | undefined): Effect.Effect<A> =>
  Effect.flatMap(Queue.take(lines), (line) => {
    const found = match(line)
    return found === undefined ? waitFor(lines, match) : Effect.succeed(found)
  })

/**
 * Kills a child with SIGKILL and waits until it has exited and its output has ended (its `exit`
 * line is in its queue); at once if it already has.
 *
 * @since 0.2.0
 * @category probes
 */
export const kill9 = (child: Child): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    if (closed.has(child.process)) return resume(Effect.void)
    child.process.once("close", () => resume(Effect.void))
    if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill("SIGKILL")
  })

/**
 * For a runner process: prints `assigned <n>` on stdout each time the runner's shard assignment
 * changes (`effect/cluster` logs it at debug level). It replaces the runner's loggers: nothing
 * else is logged.
 *
 * @since 0.2.0
 * @category layers
 */
export const announcements: Layer.Layer<never> = Layer.mergeAll(
  Logger.layer([
    Logger.make(({ message }) => {
      const parts = Array.isArray(message) ? message : [message]
      if (parts[0] === "New shard assignments") {
        console.log(`assigned ${MutableHashSet.size(parts[1] as MutableHashSet.MutableHashSet<unknown>)}`)
      }
    })
  ]),
  Layer.succeed(References.MinimumLogLevel, "Debug")
)
