/**
 * `otp demo ports`: an external program supervised as a process of the node.
 *
 * The demo writes a small Node.js program, a line service that answers each request with its
 * text upper-cased and exits with status 3 when asked to `crash`, and puts it under a Supervisor
 * with `Port.childSpec` (registered as `"shouter"`, `transient`, at most 3 restarts in 10 s). It
 * then keeps calling it with `Port.call("shouter", ...)`: every few jobs it asks the program to
 * crash, the supervisor starts a new program (a new OS pid and a new port pid under the same name),
 * and the calls go on. A call made while the restart is under way fails with `NoProc` and is
 * retried. At the end it asks for one crash too many, the supervisor gives up (`Shutdown` with
 * `MaxRestartIntensity`), and the demo checks that no program is left running.
 *
 * Output goes through Effect's `Console`; OS pids differ at each run.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as PortsDemo from "@effect-otp/cli/demo/PortsDemo"
 *
 * Effect.runPromise(PortsDemo.run())
 * ```
 *
 * @since 0.2.0
 */
import { Port } from "@effect-otp/platform-node"
import { Console, Effect, Logger, Option, Schedule, Scope } from "effect"
import { type Errors, type ExitReason, Node, Process, Supervisor } from "effect-otp"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const service = `import * as readline from "node:readline"
for await (const line of readline.createInterface({ input: process.stdin })) {
  if (line === "crash") process.exit(3)
  process.stdout.write(line.toUpperCase() + "\\n")
}
`

/**
 * What the demo did, for tests.
 *
 * @since 0.2.0
 * @category models
 */
export interface Summary {
  /** The replies, in order. */
  readonly replies: ReadonlyArray<string>
  /** The distinct OS pids that served the calls. */
  readonly osPids: ReadonlyArray<number>
  /** The supervisor's exit reason. */
  readonly supervisorExit: ExitReason.ExitReason
  /** Whether any of the programs was still running at the end. */
  readonly leftRunning: boolean
}

const isRunning = (osPid: number): boolean => {
  try {
    process.kill(osPid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * Runs the demo on a fresh node.
 *
 * @since 0.2.0
 * @category demos
 */
export const run = (options?: { readonly jobs?: number; readonly crashEvery?: number }): Effect.Effect<Summary> => {
  const jobs = options?.jobs ?? 9
  const crashEvery = options?.crashEvery ?? 3
  const say = (line = "") => Console.log(line)
  // the reports of the port processes and the supervisor, first lines only, printed where they belong
  const logs: Array<string> = []
  const logger = Logger.make(({ logLevel, message }) => {
    const text = (Array.isArray(message) ? message : [message]).map(String).join(" ")
    logs.push(`log ${logLevel.toLowerCase()}: ${text.split("\n")[0]}`)
  })
  const flushLogs = Effect.suspend(() => Effect.forEach(logs.splice(0), (line) => say(`             │ ${line}`)))
  return Effect.scoped(
    Effect.gen(function* () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "otp-demo-ports-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
      const file = path.join(dir, "shouter.mjs")
      fs.writeFileSync(file, service)
      const node = yield* Node.make()
      const scope = yield* Effect.scope

      return yield* Effect.gen(function* () {
        yield* say("Ports on effect-otp: an OS program supervised as a process")
        yield* say(`The program: node ${path.basename(file)}, a line service (upper-cases; "crash" exits 3)`)
        const sup = yield* Supervisor.start({
          strategy: "oneForOne",
          intensity: Supervisor.intensity(3, "10 seconds"),
          children: [
            Port.childSpec("shouter", process.execPath, [file], {
              mode: Port.lines(),
              name: "shouter",
              restart: "transient",
              killTimeout: "2 seconds"
            })
          ]
        }).pipe(Effect.orDie)
        const supPid = Option.getOrThrow(sup.whereis())
        yield* Scope.addFinalizer(scope, Effect.ignore(Supervisor.stop(sup)))
        yield* say(`Supervisor ${String(supPid)}: oneForOne, at most 3 restarts in 10 s`)
        yield* say()

        const current = Effect.map(Port.whereis("shouter"), Option.getOrUndefined)
        // a call made while the supervisor restarts the program finds no "shouter": try again
        const callShouter = (text: string) =>
          Port.call("shouter", text, { timeout: "5 seconds" }).pipe(
            Effect.retry({
              while: (e) => e._tag === "NoProc",
              schedule: Schedule.spaced("20 millis"),
              times: 100
            })
          )

        const replies: Array<string> = []
        const osPids = new Set<number>()
        for (let job = 1; job <= jobs; job++) {
          const reply = yield* Effect.orDie(callShouter(`job ${job}`))
          const port = yield* current
          replies.push(String(reply))
          yield* flushLogs
          if (port !== undefined) osPids.add(port.osPid)
          yield* say(`call "job ${job}" → "${reply}"   (port ${String(port?.pid)}, os pid ${port?.osPid})`)
          if (job % crashEvery === 0 && job < jobs) {
            const crash = yield* Effect.exit(Port.call("shouter", "crash"))
            const error = crash._tag === "Failure" ? crash.cause.reasons[0] : undefined
            const why = error !== undefined && "error" in error ? (error.error as Errors.NoProc).message : "?"
            yield* say(`call "crash"  → ${why.split("\n")[0]}`)
          }
        }
        yield* say()
        yield* say(`${replies.length} calls answered by ${osPids.size} programs in turn.`)

        // one crash too many: 3 restarts were used, the 4th exceeds the intensity
        yield* say('Now "crash" until the supervisor gives up:')
        let crashes = 0
        while (yield* Process.isAlive(supPid)) {
          const port = yield* current
          if (port !== undefined) {
            osPids.add(port.osPid)
            yield* Effect.exit(Port.call(port, "crash"))
            crashes++
            yield* Process.awaitExit(port.pid)
          }
          yield* Effect.yieldNow
          if (port === undefined) yield* Effect.sleep("20 millis")
        }
        const supervisorExit = yield* Process.awaitExit(supPid)
        yield* flushLogs
        yield* say(`after ${crashes} more crash(es) the supervisor exited: ${String(supervisorExit).split("\n")[0]}`)
        const leftRunning = [...osPids].some(isRunning)
        yield* say(`programs still running: ${leftRunning ? "some (a bug)" : "none"}`)
        return { replies, osPids: [...osPids], supervisorExit, leftRunning }
      }).pipe(Effect.provideService(Node.Node, node))
    })
  ).pipe(Effect.provide(Logger.layer([logger])))
}
