import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Option, Schema } from "effect"
import { TestClock } from "effect/testing"
import { Errors, ExitReason, GenServer, Pid, Process, Supervisor, testing } from "effect-otp"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll } from "vitest"
import * as Port from "../src/Port.ts"
import { failureOf, failureOfReason } from "./fixtures/exits.ts"
import { withNode } from "./fixtures/node.ts"

// Real programs: `sh`, `cat`, and node scripts written here. Every wait is on an event (a message,
// an exit, a `Down`); the budget only bounds a test that would otherwise hang.
const budget = 20_000
const nodeBin = process.execPath
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effect-otp-port-"))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const script = (name: string, source: string): string => {
  const file = path.join(dir, name)
  fs.writeFileSync(file, source)
  return file
}

// answers each line with the line upper-cased; "hold" is answered only once "release" has come
const upper = script(
  "upper.mjs",
  `import * as readline from "node:readline"
let held = false
for await (const line of readline.createInterface({ input: process.stdin })) {
  if (line === "hold") { held = true; continue }
  if (line === "release" && held) { process.stdout.write("HELD\\n"); held = false }
  process.stdout.write(line.toUpperCase() + "\\n")
}`
)

// 10 MiB of output in 1 MiB packets with a 4-byte header; byte i of packet p is (i * 7 + p) % 256
const tenMegabytes = script(
  "ten-mb.mjs",
  `const size = 1024 * 1024
for (let p = 0; p < 10; p++) {
  const out = Buffer.alloc(4 + size)
  out.writeUInt32BE(size, 0)
  for (let i = 0; i < size; i++) out[4 + i] = (i * 7 + p) % 256
  if (!process.stdout.write(out)) await new Promise((resolve) => process.stdout.once("drain", resolve))
}`
)

// ignores SIGTERM and EOF; says so once it is ready
const stubborn = script(
  "stubborn.mjs",
  `process.on("SIGTERM", () => {})
process.stdin.resume()
process.stdin.on("end", () => {})
process.stdout.write("ready\\n")
setInterval(() => {}, 1000)`
)

// reads nothing until SIGUSR1, then everything, and prints how many bytes it got
const slowReader = script(
  "slow-reader.mjs",
  `let total = 0
const alive = setInterval(() => {}, 1 << 30)
process.stdin.pause()
process.on("SIGUSR1", () => {
  process.stdin.on("data", (chunk) => { total += chunk.length })
  process.stdin.on("end", () => { process.stdout.write(total + "\\n"); clearInterval(alive) })
  process.stdin.resume()
})
process.stdout.write("ready\\n")`
)

/** A test body as a process that traps exits, so that a port's failure reaches it as a message. */
const inProcess = <A, E, R>(body: Effect.Effect<A, E, R>) => withNode(testing.runInProcess(body, { trapExit: true }))

const alive = (osPid: number): boolean => {
  try {
    const stat = fs.readFileSync(`/proc/${osPid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z"
  } catch {
    return false
  }
}

/** The zombie children of this process. */
const zombies = (): Array<number> =>
  fs
    .readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8")
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
        return fields[0] === "Z" && Number(fields[1]) === process.pid
      } catch {
        return false
      }
    })
    .map(Number)

const openFds = (): number => fs.readdirSync("/proc/self/fd").length

const receiveData = <A>(port: Port.Port<A, any>) =>
  Process.receive((m: unknown): m is Port.Data<A> => Port.isData(m) && Pid.equals(m.port.pid, port.pid))

const receiveStatus = (port: Port.Port<any, any>) =>
  Process.receive((m: unknown): m is Port.ExitStatus => Port.isExitStatus(m) && Pid.equals(m.port.pid, port.pid))

const bytes = (length: number, seed: number): Uint8Array => {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) % 256
  return out
}

describe("Port", () => {
  describe("modes", () => {
    it.effect(
      "lines: lines both ways, an over-long line in pieces, a last line without newline",
      () =>
        inProcess(
          Effect.gen(function* () {
            const port = yield* Port.open("cat", [], { mode: Port.lines({ maxLength: 8 }) })
            yield* Port.command(port, "héllo wörld") // 13 bytes: a piece of 8, then the end
            yield* Port.command(port, "")
            yield* Port.command(port, "12345678") // exactly maxLength: one whole line
            const got = [
              yield* receiveData(port),
              yield* receiveData(port),
              yield* receiveData(port),
              yield* receiveData(port)
            ].map((d) => [d.data, d.eol])
            assert.deepStrictEqual(got, [
              ["héllo w", false], // pieces are cut at 8 bytes ("é" is 2)
              ["örld", true],
              ["", true],
              ["12345678", true]
            ])
            const tail = yield* Port.open("sh", ["-c", "printf 'a\\nno newline'"], { mode: Port.lines() })
            const a = yield* receiveData(tail)
            const b = yield* receiveData(tail)
            assert.deepStrictEqual([a.data, a.eol, b.data, b.eol], ["a", true, "no newline", false])
            const status = yield* receiveStatus(tail)
            assert.deepStrictEqual([status.code, status.signal], [0, null])
            assert.deepStrictEqual(yield* Process.awaitExit(tail.pid), ExitReason.normal)
            const closed = yield* Port.close(port)
            assert.deepStrictEqual([closed.code, closed.signal], [0, null])
            assert.deepStrictEqual(yield* Process.awaitExit(port.pid), ExitReason.normal)
          })
        ),
      budget
    )

    it.effect(
      "packet 1, 2 and 4: binary packets both ways, byte for byte",
      () =>
        inProcess(
          Effect.gen(function* () {
            for (const [size, lengths] of [
              [1, [0, 1, 255]],
              [2, [256, 65535]],
              [4, [70000, 1 << 20]]
            ] as const) {
              const port = yield* Port.open("cat", [], { mode: Port.packet(size) })
              const sent = lengths.map((n, i) => bytes(n, i + size))
              for (const payload of sent) yield* Port.command(port, payload)
              for (const payload of sent) assert.deepStrictEqual((yield* receiveData(port)).data, payload)
              yield* Port.close(port)
            }
            // a payload the header cannot announce is refused before anything is written
            const small = yield* Port.open("cat", [], { mode: Port.packet(1) })
            const tooLong = failureOf(yield* Effect.exit(Port.command(small, bytes(256, 0))))
            assert.deepStrictEqual(
              tooLong,
              new Errors.BadArgument({
                function: "Port.command",
                field: "data",
                value: "256 bytes",
                reason: "must fit a 1-byte length header"
              })
            )
            yield* Port.close(small)
          })
        ),
      budget
    )

    it.effect(
      "packet 4: a program's 10 MB of output arrives whole and in order",
      () =>
        inProcess(
          Effect.gen(function* () {
            const port = yield* Port.open(nodeBin, [tenMegabytes], { mode: Port.packet(4) })
            for (let p = 0; p < 10; p++) {
              const { data } = yield* receiveData(port)
              assert.strictEqual(data.length, 1024 * 1024)
              let wrong = -1
              for (let i = 0; i < data.length && wrong === -1; i++) if (data[i] !== (i * 7 + p) % 256) wrong = i
              assert.strictEqual(wrong, -1, `packet ${p} differs at byte ${wrong}`)
            }
            const status = yield* receiveStatus(port)
            assert.deepStrictEqual([status.code, status.signal], [0, null])
          })
        ),
      budget
    )

    it.effect(
      "packet: a header above maxLength ends the port with PacketTooLong",
      () =>
        inProcess(
          Effect.gen(function* () {
            const port = yield* Port.open("sh", ["-c", "printf '\\001\\000'; sleep 30"], {
              mode: Port.packet(2, { maxLength: 100 }),
              killTimeout: "1 second"
            })
            const reason = yield* Process.awaitExit(port.pid)
            assert.deepStrictEqual(
              failureOfReason(reason),
              new Port.PacketTooLong({ port, length: 256, maxLength: 100 })
            )
            assert.isFalse(alive(port.osPid))
          })
        ),
      budget
    )

    it.effect(
      "raw: binary chunks both ways",
      () =>
        inProcess(
          Effect.gen(function* () {
            const port = yield* Port.open("cat", [], { mode: Port.raw })
            const sent = bytes(300_000, 7)
            yield* Port.command(port, sent)
            const got = new Uint8Array(sent.length)
            let at = 0
            while (at < sent.length) {
              const { data } = yield* receiveData(port)
              got.set(data, at)
              at += data.length
            }
            assert.deepStrictEqual(got, sent)
            yield* Port.close(port)
          })
        ),
      budget
    )

    it.effect(
      "ndjson: values decoded with the schema; a bad line is a typed, counted message, not a crash",
      () =>
        inProcess(
          Effect.gen(function* () {
            const lines = ['{"n":1}', "not json", '{"n":"two"}', '{"n":3}']
            const port = yield* Port.open("printf", [`${lines.join("\\n")}\\n`], {
              mode: Port.ndjson({ schema: Schema.Struct({ n: Schema.Number }) })
            })
            const received = []
            for (let i = 0; i < 4; i++) {
              received.push(
                yield* Process.receive(
                  (m: unknown): m is Port.Data<{ n: number }> | Port.InvalidData =>
                    Port.isData(m) || Port.isInvalidData(m)
                )
              )
            }
            assert.deepStrictEqual(received[0], new Port.Data({ port, data: { n: 1 }, eol: true }))
            const notJson = received[1] as Port.InvalidData
            assert.deepStrictEqual([notJson._tag, notJson.line, notJson.field], ["InvalidData", "not json", ""])
            assert.deepStrictEqual(
              received[2],
              new Port.InvalidData({
                port,
                line: '{"n":"two"}',
                field: "n",
                issue: "Expected number"
              })
            )
            assert.deepStrictEqual(received[3], new Port.Data({ port, data: { n: 3 }, eol: true }))
            const info = yield* Port.info(port)
            if (Option.isSome(info)) assert.strictEqual(info.value.invalidData, 2)
            assert.deepStrictEqual((yield* receiveStatus(port)).code, 0)
            assert.deepStrictEqual(yield* Process.awaitExit(port.pid), ExitReason.normal)
          })
        ),
      budget
    )
  })

  describe("options", () => {
    it.effect(
      "cwd, env and stderr merged into the output",
      () =>
        inProcess(
          Effect.gen(function* () {
            const port = yield* Port.open("sh", ["-c", 'pwd; echo "$GREETING"; echo oops >&2'], {
              mode: Port.lines(),
              cwd: dir,
              env: { GREETING: "hello" },
              stderr: "stdout"
            })
            const lines = [yield* receiveData(port), yield* receiveData(port), yield* receiveData(port)]
            assert.deepStrictEqual(
              lines.map((l) => l.data),
              [fs.realpathSync(dir), "hello", "oops"]
            )
            assert.deepStrictEqual(yield* receiveStatus(port), new Port.ExitStatus({ port, code: 0, signal: null }))
          })
        ),
      budget
    )
  })

  describe("exit status", () => {
    it.effect(
      "status 0 exits Normal; 3 and a signal exit Failure(ExitStatus); the owner gets the status after the output",
      () =>
        inProcess(
          Effect.gen(function* () {
            const cases = [
              ["echo out; exit 0", 0, null],
              ["echo out; exit 3", 3, null],
              ["echo out; kill -KILL $$", null, "SIGKILL"]
            ] as const
            for (const [source, code, signal] of cases) {
              const port = yield* Port.open("sh", ["-c", source], { mode: Port.lines() })
              const next = yield* Process.receive(
                (m: unknown): m is Port.Data<string> | Port.ExitStatus => Port.isData(m) || Port.isExitStatus(m)
              )
              assert.deepStrictEqual(next, new Port.Data({ port, data: "out", eol: true }))
              const status = yield* receiveStatus(port)
              assert.deepStrictEqual(status, new Port.ExitStatus({ port, code, signal }))
              const reason = yield* Process.awaitExit(port.pid)
              if (code === 0) assert.deepStrictEqual(reason, ExitReason.normal)
              else assert.deepStrictEqual(failureOfReason(reason), status)
              // the owner traps exits: the link's signal is a message
              const exit = yield* Process.receive(
                (m: unknown): m is Process.Exit => Process.isExit(m) && Pid.equals(m.from, port.pid)
              )
              assert.deepStrictEqual(exit.reason, reason)
            }
          })
        ),
      budget
    )

    it.effect(
      "a program that cannot start fails open with CannotStart naming it, and leaves nothing",
      () =>
        inProcess(
          Effect.gen(function* () {
            const missing = failureOf(
              yield* Effect.exit(Port.open("no-such-program-xyz", ["--flag"], { name: "never" }))
            )
            assert.deepStrictEqual(
              missing,
              new Port.CannotStart({
                command: "no-such-program-xyz",
                args: ["--flag"],
                reason: "NotFound",
                detail: "ENOENT"
              })
            )
            const file = script("not-executable.sh", "echo hi\n")
            const denied = failureOf(yield* Effect.exit(Port.open(file)))
            assert.deepStrictEqual(
              denied,
              new Port.CannotStart({ command: file, args: [], reason: "PermissionDenied", detail: "EACCES" })
            )
            assert.strictEqual(denied.message, `cannot start "${file}": PermissionDenied (EACCES)`)
            // the name was freed with the port process, and no port process is linked to the caller
            assert.deepStrictEqual(yield* Process.whereis("never"), Option.none())
            const me = yield* Process.info(yield* Process.self())
            assert.deepStrictEqual(
              Option.map(me, (i) => i.links),
              Option.some([])
            )
          })
        ),
      budget
    )

    it.effect(
      "bad options fail with BadArgument before anything starts",
      () =>
        inProcess(
          Effect.gen(function* () {
            const exit = yield* Effect.exit(Port.open("cat", [], { mode: Port.packet(3 as 1) }))
            assert.deepStrictEqual(
              failureOf(exit),
              new Errors.BadArgument({
                function: "Port.open",
                field: "mode.size",
                value: 3,
                reason: "must be 1, 2 or 4"
              })
            )
            const timeout = yield* Effect.exit(Port.open("cat", [], { killTimeout: "-1 seconds" }))
            assert.strictEqual((failureOf(timeout) as Errors.BadArgument).field, "killTimeout")
          })
        ),
      budget
    )
  })

  describe("no zombies, no orphans", () => {
    it.effect(
      "the owner killed: the port exits and the program and its children are gone",
      () =>
        inProcess(
          Effect.gen(function* () {
            const self = yield* Process.self<{ readonly port: Port.Port<string, string>; readonly child: number }>()
            const owner = yield* Process.spawn(
              Effect.gen(function* () {
                const port = yield* Port.open("sh", ["-c", "sleep 1000 & echo $!; wait"], {
                  mode: Port.lines(),
                  killTimeout: "5 seconds"
                })
                const child = yield* receiveData(port)
                yield* Process.send(self, { port, child: Number(child.data) })
                return yield* Process.receive<never>()
              })
            )
            const { port, child } = yield* Process.receive<{
              readonly port: Port.Port<string, string>
              readonly child: number
            }>()
            assert.isTrue(alive(port.osPid) && alive(child))
            yield* Process.monitor(port.pid)
            yield* Process.kill(owner)
            const down = yield* Process.receive(
              (m: unknown): m is Process.Down => Process.isDown(m) && Pid.equals(m.pid, port.pid)
            )
            assert.deepStrictEqual(down.reason, ExitReason.killed)
            assert.deepStrictEqual([alive(port.osPid), alive(child)], [false, false])
          })
        ),
      budget
    )

    it.effect(
      "an owner that ends normally closes its port too, and the program goes",
      () =>
        inProcess(
          Effect.gen(function* () {
            const self = yield* Process.self<Port.Port<Uint8Array, Uint8Array | string>>()
            const owner = yield* Process.spawn(
              Effect.gen(function* () {
                const port = yield* Port.open("cat")
                yield* Process.send(self, port)
                // ends only once the test monitors the port, so the Down cannot come first
                yield* Process.receive<"go">()
              })
            )
            const port = yield* Process.receive<Port.Port<Uint8Array, Uint8Array | string>>()
            yield* Process.monitor(port.pid)
            yield* Process.send(owner, "go")
            assert.deepStrictEqual(yield* Process.awaitExit(owner), ExitReason.normal)
            const down = yield* Process.receive(
              (m: unknown): m is Process.Down => Process.isDown(m) && Pid.equals(m.pid, port.pid)
            )
            assert.deepStrictEqual(down.reason, ExitReason.normal)
            assert.isFalse(alive(port.osPid))
          })
        ),
      budget
    )

    // live: `close` waits `killTimeout` on the Clock
    it.live(
      "a program that ignores SIGTERM is killed after killTimeout, by the owner's exit and by close",
      () =>
        inProcess(
          Effect.gen(function* () {
            const self = yield* Process.self<Port.Port<string, string>>()
            const owner = yield* Process.spawn(
              Effect.gen(function* () {
                const port = yield* Port.open(nodeBin, [stubborn], { mode: Port.lines(), killTimeout: "200 millis" })
                yield* receiveData(port)
                yield* Process.send(self, port)
                return yield* Process.receive<never>()
              })
            )
            const port = yield* Process.receive<Port.Port<string, string>>()
            yield* Process.monitor(port.pid)
            yield* Process.exit(owner, ExitReason.shutdown)
            const down = yield* Process.receive(
              (m: unknown): m is Process.Down => Process.isDown(m) && Pid.equals(m.pid, port.pid)
            )
            assert.deepStrictEqual(down.reason, ExitReason.shutdown)
            assert.isFalse(alive(port.osPid))

            // close: EOF is ignored, so is SIGTERM: SIGKILL after the second killTimeout
            const mine = yield* Port.open(nodeBin, [stubborn], { mode: Port.lines(), killTimeout: "200 millis" })
            yield* receiveData(mine)
            const status = yield* Port.close(mine)
            assert.deepStrictEqual(status, new Port.ExitStatus({ port: mine, code: null, signal: "SIGKILL" }))
            assert.deepStrictEqual(yield* Process.awaitExit(mine.pid), ExitReason.normal)
            assert.isFalse(alive(mine.osPid))
          })
        ),
      budget
    )

    it.effect(
      "1,000 open/close cycles leave no zombie and no open file descriptor",
      () =>
        inProcess(
          Effect.gen(function* () {
            // warm up: the spawner's first use opens what it keeps for the node's life
            yield* Port.close(yield* Port.open("cat"))
            const fdsBefore = openFds()
            const statuses = yield* Effect.forEach(
              Array.from({ length: 1000 }),
              () => Effect.flatMap(Port.open("cat"), Port.close),
              { concurrency: 50 }
            )
            assert.deepStrictEqual(
              statuses.filter((s) => s.code !== 0 || s.signal !== null),
              []
            )
            assert.deepStrictEqual(zombies(), [])
            assert.strictEqual(openFds(), fdsBefore)
          })
        ),
      // 1,000 real programs: each costs a spawn and an exit, about 2.5 times what a bare
      // node:child_process spawn of cat costs; on a loaded machine that is minutes
      300_000
    )
  })

  describe("commands and calls", () => {
    it.effect(
      "stdin back-pressure: a program that does not read suspends the writer",
      () =>
        inProcess(
          Effect.gen(function* () {
            const port = yield* Port.open(nodeBin, [slowReader], { mode: Port.lines() })
            const chunk = "x".repeat(64 * 1024 - 1) // a line of 64 KiB with its newline
            const total = 256 // 16 MiB, far above what the pipe and the port's queue hold
            let accepted = 0
            const writer = yield* Effect.forkChild(
              Effect.gen(function* () {
                for (let i = 0; i < total; i++) {
                  yield* Port.command(port, chunk)
                  accepted++
                }
              }),
              { startImmediately: true }
            )
            // the program has read nothing yet: the writer is held to the bound
            assert.strictEqual((yield* receiveData(port)).data, "ready")
            assert.isUndefined(writer.pollUnsafe(), String(writer.pollUnsafe()))
            assert.isAtMost(accepted, 16 + 4, `accepted ${accepted} of ${total} commands with no reader`)
            process.kill(port.osPid, "SIGUSR1")
            yield* Fiber.join(writer)
            assert.strictEqual(accepted, total)
            const status = yield* Port.close(port)
            assert.deepStrictEqual([status.code, status.signal], [0, null])
            // every byte arrived, in order of acceptance
            assert.strictEqual((yield* receiveData(port)).data, String(total * 64 * 1024))
          })
        ),
      budget
    )

    it.effect(
      "call: replies matched to concurrent calls in order",
      () =>
        inProcess(
          Effect.gen(function* () {
            const port = yield* Port.open(nodeBin, [upper], { mode: Port.lines() })
            const words = Array.from({ length: 50 }, (_, i) => `word-${i}`)
            const replies = yield* Effect.forEach(words, (w) => Port.call(port, w), { concurrency: "unbounded" })
            assert.deepStrictEqual(
              replies,
              words.map((w) => w.toUpperCase())
            )
            yield* Port.close(port)
          })
        ),
      budget
    )

    it.effect("call: a timed-out call keeps its slot, its late reply is dropped", () =>
      inProcess(
        Effect.gen(function* () {
          const port = yield* Port.open(nodeBin, [upper], { mode: Port.lines(), name: "upper" })
          assert.strictEqual(yield* Port.call("upper", "warm"), "WARM")
          const held = yield* Effect.forkChild(Effect.exit(Port.call(port, "hold", { timeout: "1 second" })), {
            startImmediately: true
          })
          yield* TestClock.adjust("1 second")
          assert.deepStrictEqual(
            failureOf(yield* Fiber.join(held)),
            new GenServer.CallTimeout({ pid: port.pid, timeout: 1000 })
          )
          // "HELD" answers the timed-out call and is dropped; "RELEASE" is this call's
          assert.strictEqual(yield* Port.call(port, "release"), "RELEASE")
          yield* Port.close(port)
          assert.deepStrictEqual(
            failureOf(yield* Effect.exit(Port.call("upper", "gone"))),
            new Errors.NoProc({ registeredName: "upper" })
          )
        })
      )
    )

    it.effect(
      "call: the port exiting during a call fails it with ServerExited",
      () =>
        inProcess(
          Effect.gen(function* () {
            const port = yield* Port.open("sh", ["-c", "read line; exit 3"], { mode: Port.lines() })
            const exit = yield* Effect.exit(Port.call(port, "question"))
            const error = failureOf(exit) as GenServer.ServerExited
            assert.strictEqual(error._tag, "ServerExited")
            assert.deepStrictEqual(failureOfReason(error.reason), new Port.ExitStatus({ port, code: 3, signal: null }))
            assert.deepStrictEqual(
              failureOf(yield* Effect.exit(Port.command(port, "more"))),
              new Errors.NoProc({ pid: port.pid })
            )
          })
        ),
      budget
    )
  })

  describe("supervision", () => {
    it.effect(
      "a supervisor restarts a crashing program, within its intensity",
      () =>
        inProcess(
          Effect.gen(function* () {
            const self = yield* Process.self<Port.Message<string>>()
            const sup = yield* Supervisor.start({
              intensity: Supervisor.intensity(2, "1 minute"),
              children: [
                Port.childSpec("crasher", "sh", ["-c", "echo started; read line; exit 3"], {
                  mode: Port.lines(),
                  owner: self,
                  name: "crasher"
                })
              ]
            })
            const supPid = Option.getOrThrow(sup.whereis())
            yield* Process.unlink(supPid)
            let last: Port.ExitStatus | undefined
            for (let run = 0; run < 3; run++) {
              const started = yield* Process.receive(Port.isData<string>)
              assert.strictEqual(started.data, "started")
              // the running incarnation is the registered one
              assert.isTrue(Pid.equals(Option.getOrThrow(yield* Process.whereis("crasher")), started.port.pid))
              yield* Port.command("crasher", "crash now")
              const status = yield* Process.receive(Port.isExitStatus)
              assert.deepStrictEqual(status, new Port.ExitStatus({ port: started.port, code: 3, signal: null }))
              last = status
            }
            const reason = yield* Process.awaitExit(supPid)
            assert.deepStrictEqual(
              reason,
              ExitReason.shutdownWith(
                new Supervisor.MaxRestartIntensity({ id: "crasher", reason: ExitReason.failure(last) })
              )
            )
          })
        ),
      budget
    )
  })
})

// keep the types honest
export const _typeChecks = Effect.gen(function* () {
  const lines = yield* Port.open("cat", [], { mode: Port.lines() })
  // @ts-expect-error: a lines port takes strings
  yield* Port.command(lines, new Uint8Array(1))
  const packets = yield* Port.open("cat", [], { mode: Port.packet(4) })
  yield* Port.command(packets, new Uint8Array(1))
  const reply: Uint8Array = yield* Port.call(packets, "x")
  const json = yield* Port.open("cat", [], { mode: Port.ndjson({ schema: Schema.Struct({ n: Schema.Number }) }) })
  const n: { readonly n: number } = yield* Port.call(json, { anything: true })
  return [reply, n, Deferred]
})
