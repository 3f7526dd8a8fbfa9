import { EventEmitter } from "node:events"
import { assert, describe, expectTypeOf, it } from "@effect/vitest"
import { Cause, Deferred, Duration, Effect, Fiber, Metric, Option } from "effect"
import { TestClock } from "effect/testing"
import { Errors, ExitReason, Node, Pid, Process, testing } from "effect-otp"
import * as fc from "fast-check"
import {
  assertReason,
  deadPid,
  drain,
  inProcess,
  awaitWaiting,
  type LogEntry,
  spawnIdle,
  spawnResult,
  withLogs,
  withNode,
  withQuietNode
} from "./utils.ts"
// the kernel's record of a pid, to check what a dead pid keeps alive
import { DownMessage, ExitMessage, type MonitorRef, recordOf } from "../src/internal/records.ts"
import type { PidImpl } from "../src/Pid.ts"

// ---------------------------------------------------------------------------------------------
// The exit-signal table: {trapping, not trapping} × {reason} × {link, monitor, exit/2}
// ---------------------------------------------------------------------------------------------

type Mechanism = "link" | "monitor" | "exit/2"
type ReasonCase = "Normal" | "Shutdown" | "Killed" | "Failure" | "NoProc"

const reasons: Record<ReasonCase, ExitReason.ExitReason> = {
  Normal: ExitReason.normal,
  Shutdown: ExitReason.shutdown,
  Killed: ExitReason.killed,
  Failure: ExitReason.failure("boom"),
  NoProc: ExitReason.noProc
}

/** What the observing process O ends up with. */
type Expected =
  | { readonly _tag: "EXIT" } // O receives Exit { from, reason } and lives on
  | { readonly _tag: "DOWN" } // O receives Down { ref, pid, reason } and lives on
  | { readonly _tag: "ignored" } // nothing happens to O
  | { readonly _tag: "exits" } // O exits with the reason

/** OTP's rules, written out cell by cell. */
const expected = (trapping: boolean, reason: ReasonCase, mechanism: Mechanism): Expected => {
  if (mechanism === "monitor") return { _tag: "DOWN" }
  if (mechanism === "exit/2" && reason === "Killed") return { _tag: "exits" } // kill is untrappable
  if (trapping) return { _tag: "EXIT" }
  if (reason === "Normal") return { _tag: "ignored" }
  return { _tag: "exits" }
}

const describeCell = (reason: ReasonCase, mechanism: Mechanism): string => {
  switch (mechanism) {
    case "link":
      return reason === "Killed"
        ? "a linked process is killed (kill)"
        : reason === "NoProc"
          ? "linking to a dead pid (NoProc)"
          : `a linked process exits ${reason}`
    case "monitor":
      return reason === "Killed"
        ? "a monitored process is killed (kill)"
        : reason === "NoProc"
          ? "monitoring a dead pid (NoProc)"
          : `a monitored process exits ${reason}`
    case "exit/2":
      return reason === "Killed" ? "kill(O)" : `exit(O, ${reason}) from another process`
  }
}

/** A process that waits for a command, then exits the way it says. */
const spawnTarget = Process.spawn(
  Effect.gen(function* () {
    const command = yield* Process.receive<"Normal" | "Shutdown" | "Failure">()
    if (command === "Shutdown") return yield* Process.exit(ExitReason.shutdown)
    if (command === "Failure") return yield* Effect.fail("boom")
  })
)

const runCell = (trapping: boolean, reason: ReasonCase, mechanism: Mechanism) =>
  Effect.gen(function* () {
    const target = mechanism === "exit/2" ? undefined : reason === "NoProc" ? yield* deadPid : yield* spawnTarget
    const ready = yield* Deferred.make<Option.Option<Process.MonitorRef>>()
    const got = yield* Deferred.make<unknown>()
    const observer = yield* Process.spawn(
      Effect.gen(function* () {
        let ref = Option.none<Process.MonitorRef>()
        if (mechanism === "link") yield* Process.link(target!)
        if (mechanism === "monitor") ref = Option.some(yield* Process.monitor(target!))
        yield* Deferred.succeed(ready, ref)
        yield* Deferred.succeed(got, yield* Process.receive<unknown>())
      }),
      { trapExit: trapping }
    )
    // O is set up (or has already exited, linking to a dead pid without trapping)
    const ref = yield* Effect.raceFirst(
      Deferred.await(ready),
      Effect.as(Process.awaitExit(observer), Option.none<Process.MonitorRef>())
    )

    let from: Pid.Pid<never, unknown> | undefined = target
    if (mechanism === "exit/2") {
      if (reason === "Killed") {
        yield* Process.kill(observer)
      } else {
        from = yield* inProcess(
          Effect.gen(function* () {
            yield* Process.exit(observer, reasons[reason])
            return yield* Process.self()
          })
        )
      }
    } else if (reason === "Killed") {
      yield* Process.kill(target!)
      assertReason(yield* Process.awaitExit(target!), ExitReason.killed)
    } else if (reason !== "NoProc") {
      yield* Process.send(target as Process.Pid<string>, reason)
      assertReason(yield* Process.awaitExit(target!), reasons[reason])
    }

    // Whatever the signal did has happened: a later message tells "ignored" from "queued".
    yield* Process.send(observer, "ping")
    const observerReason = yield* Process.awaitExit(observer)
    const message = yield* Deferred.poll(got)
    const expect = expected(trapping, reason, mechanism)
    switch (expect._tag) {
      case "exits": {
        assert.isTrue(Option.isNone(message), "O received a message instead of exiting")
        assertReason(observerReason, reasons[reason])
        break
      }
      case "ignored": {
        assertReason(observerReason, ExitReason.normal)
        assert.strictEqual(yield* Option.getOrThrow(message), "ping")
        break
      }
      case "EXIT": {
        assertReason(observerReason, ExitReason.normal)
        const m = yield* Option.getOrThrow(message)
        assert.instanceOf(m, Process.Exit)
        const exit = m as Process.Exit
        assert.strictEqual(exit._tag, "EXIT")
        assert.isTrue(Pid.equals(exit.from, from!), `from ${exit.from}, expected ${from}`)
        assertReason(exit.reason, reasons[reason])
        break
      }
      case "DOWN": {
        assertReason(observerReason, ExitReason.normal)
        const m = yield* Option.getOrThrow(message)
        assert.instanceOf(m, Process.Down)
        const down = m as Process.Down
        assert.strictEqual(down._tag, "DOWN")
        assert.strictEqual(down.ref, Option.getOrThrow(ref))
        assert.isTrue(Pid.equals(down.pid, target!))
        assertReason(down.reason, reasons[reason])
        break
      }
    }
  })

describe("exit signals", () => {
  for (const trapping of [true, false]) {
    describe(trapping ? "trapping exits" : "not trapping exits", () => {
      for (const mechanism of ["link", "monitor", "exit/2"] as const) {
        for (const reason of ["Normal", "Shutdown", "Killed", "Failure", "NoProc"] as const) {
          const expect = expected(trapping, reason, mechanism)
          const outcome = expect._tag === "exits" ? `O exits ${reason === "Killed" ? "Killed" : reason}` : expect._tag
          it.effect(`${mechanism} · ${describeCell(reason, mechanism)} → ${outcome}`, () =>
            withQuietNode(runCell(trapping, reason, mechanism))
          )
        }
      }
    })
  }
})

// ---------------------------------------------------------------------------------------------
// More exit-signal rules
// ---------------------------------------------------------------------------------------------

describe("exit signals: the special cases", () => {
  it.effect("exit(self, Normal) ends a process that does not trap exits, with Normal", () =>
    withQuietNode(
      Effect.gen(function* () {
        let after = false
        const pid = yield* Process.spawn(
          Effect.gen(function* () {
            yield* Process.exit(yield* Process.self(), ExitReason.normal)
            after = true
          })
        )
        assertReason(yield* Process.awaitExit(pid), ExitReason.normal)
        assert.isFalse(after)
      })
    )
  )

  it.effect("exit(self, Normal) while trapping exits gives an EXIT message from itself", () =>
    withQuietNode(
      Effect.gen(function* () {
        const [self, message] = yield* inProcess(
          Effect.gen(function* () {
            yield* Process.trapExit(true)
            const self = yield* Process.self()
            yield* Process.exit(self, ExitReason.normal)
            return [self, yield* Process.receive<Process.Exit>()] as const
          })
        )
        assert.instanceOf(message, Process.Exit)
        assert.isTrue(Pid.equals(message.from, self))
        assertReason(message.reason, ExitReason.normal)
      })
    )
  )

  it.effect("exit/1 ends the caller with its reason even when it traps exits", () =>
    withQuietNode(
      Effect.gen(function* () {
        const pid = yield* Process.spawn(Process.exit(ExitReason.shutdownWith("bye")), { trapExit: true })
        assertReason(yield* Process.awaitExit(pid), ExitReason.shutdownWith("bye"))
      })
    )
  )

  it.effect("an exit signal sent from outside any process comes from the node's system pid <n.0.0>", () =>
    withQuietNode(
      Effect.gen(function* () {
        const node = yield* Node.Node
        const got = yield* Deferred.make<Process.Exit>()
        const pid = yield* Process.spawn(
          Effect.flatMap(Process.receive<Process.Exit>(), (m) => Deferred.succeed(got, m)),
          { trapExit: true }
        )
        yield* Process.exit(pid, ExitReason.shutdown)
        const message = yield* Deferred.await(got)
        assert.isTrue(Pid.equals(message.from, Pid.make(node.name, node.creation, 0)))
        assert.match(String(message.from), /^<\d+\.0\.0>$/)
      })
    )
  )

  it.effect("kill does not cascade as kill: the victim's links get an ordinary, trappable Killed", () =>
    withQuietNode(
      Effect.gen(function* () {
        // a <-> b <-> c, only c traps exits
        const got = yield* Deferred.make<Process.Exit>()
        const a = yield* spawnIdle
        const b = yield* Process.spawn(
          Effect.gen(function* () {
            yield* Process.link(a)
            yield* Process.receive()
          })
        )
        const bLinked = yield* Deferred.make<void>()
        const c = yield* Process.spawn(
          Effect.gen(function* () {
            yield* Process.link(b)
            yield* Deferred.succeed(bLinked, undefined)
            yield* Deferred.succeed(got, yield* Process.receive<Process.Exit>())
            yield* Process.receive()
          }),
          { trapExit: true }
        )
        yield* Deferred.await(bLinked)
        yield* Process.kill(a)
        assertReason(yield* Process.awaitExit(a), ExitReason.killed)
        assertReason(yield* Process.awaitExit(b), ExitReason.killed)
        const message = yield* Deferred.await(got)
        assert.isTrue(Pid.equals(message.from, b))
        assertReason(message.reason, ExitReason.killed)
        assert.isTrue(yield* Process.isAlive(c))
      })
    )
  )

  it.effect("kill during a stop under way makes the reason Killed (the running finalizer still completes)", () =>
    withQuietNode(
      Effect.gen(function* () {
        const ready = yield* Deferred.make<void>()
        let finalized = false
        const pid = yield* Process.spawn(
          Effect.gen(function* () {
            yield* Deferred.succeed(ready, undefined)
            yield* Process.receive()
          }).pipe(
            Effect.ensuring(
              Effect.andThen(
                Effect.sleep("10 seconds"),
                Effect.sync(() => {
                  finalized = true
                })
              )
            )
          )
        )
        yield* Deferred.await(ready)
        yield* Process.exit(pid, ExitReason.shutdown)
        yield* Process.kill(pid)
        // Effect cannot cut a running finalizer short: the process is still exiting
        assert.strictEqual(Option.getOrThrow(yield* Process.info(pid)).status, "exiting")
        yield* TestClock.adjust("10 seconds")
        assertReason(yield* Process.awaitExit(pid), ExitReason.killed)
        assert.isTrue(finalized)
      })
    )
  )

  it.effect("an exit travels down a chain of 2,000 linked processes without overflowing the stack", () =>
    withQuietNode(
      Effect.gen(function* () {
        const length = 2_000
        const chain: Array<Pid.Pid<never, unknown>> = [] // head first
        const tail = yield* Deferred.make<void>()
        const link = (n: number): Effect.Effect<void, never, Process.Self<unknown> | Node.Node> =>
          Effect.gen(function* () {
            chain.push(yield* Process.self())
            if (n === 1) yield* Deferred.succeed(tail, undefined)
            else yield* Process.spawnLink(link(n - 1))
            yield* Process.receive()
          })
        yield* Process.spawn(link(length))
        yield* Deferred.await(tail)
        assert.strictEqual((yield* Node.Node).stats().active, length)
        /** Whether the pid has been reached by the exit signal: exiting or gone. */
        const signalled = (pid: Pid.Pid<never, unknown>) =>
          Effect.map(Process.info(pid), (info) => Option.isNone(info) || info.value.status === "exiting")
        // whoever waits for a process in the chain resumes only once that process's links were
        // signalled, whether its exit ran nested in the previous one or was queued behind it
        const watched = [0, 1, 2, 64, 65, 1_000]
        const watcher = yield* Effect.forkChild(
          Effect.forEach(watched, (i) =>
            Effect.gen(function* () {
              const reason = yield* Process.awaitExit(chain[i]!)
              return [String(reason), yield* signalled(chain[i + 1]!)] as const
            })
          ),
          { startImmediately: true }
        )
        yield* Process.kill(chain[0]!)
        assertReason(yield* Process.awaitExit(chain[length - 1]!), ExitReason.killed)
        assert.strictEqual((yield* Node.Node).stats().active, 0)
        assert.deepStrictEqual(
          yield* Fiber.join(watcher),
          watched.map(() => ["killed", true] as const)
        )
      })
    )
  )

  it.effect("a link works both ways: the process that linked crashes and takes the other down", () =>
    withQuietNode(
      Effect.gen(function* () {
        const other = yield* spawnIdle
        const crasher = yield* Process.spawn(
          Effect.gen(function* () {
            yield* Process.link(other)
            return yield* Effect.die("defect")
          })
        )
        assertReason(yield* Process.awaitExit(crasher), ExitReason.failureCause(Cause.die("defect")))
        assertReason(yield* Process.awaitExit(other), ExitReason.failureCause(Cause.die("defect")))
      })
    )
  )

  it.effect("linking to or monitoring an unknown pid gives NoProc at once", () =>
    withQuietNode(
      Effect.gen(function* () {
        const node = yield* Node.Node
        const unknown = Pid.make(node.name, node.creation, 1_000_000)
        const [exit, down, ref] = yield* inProcess(
          Effect.gen(function* () {
            yield* Process.trapExit(true)
            yield* Process.link(unknown)
            const ref = yield* Process.monitor(unknown)
            const exit = yield* Process.receive<Process.Exit | Process.Down>()
            const down = yield* Process.receive<Process.Exit | Process.Down>()
            return [exit, down, ref] as const
          })
        )
        assert.instanceOf(exit, Process.Exit)
        assert.isTrue(Pid.equals(exit.from, unknown))
        assertReason(exit.reason, ExitReason.noProc)
        assert.instanceOf(down, Process.Down)
        assert.strictEqual((down as Process.Down).ref, ref)
        assertReason(down.reason, ExitReason.noProc)
        // without trapping, the caller exits NoProc
        const pid = yield* Process.spawn(Process.link(unknown))
        assertReason(yield* Process.awaitExit(pid), ExitReason.noProc)
      })
    )
  )

  it.effect("unlink removes the link both ways: no signal comes through it afterwards", () =>
    withQuietNode(
      Effect.gen(function* () {
        const target = yield* spawnTarget
        const [linked, unlinked] = yield* inProcess(
          Effect.gen(function* () {
            yield* Process.link(target)
            const linked = Option.getOrThrow(yield* Process.info(target)).links.length
            yield* Process.unlink(target)
            return [linked, Option.getOrThrow(yield* Process.info(target)).links.length] as const
          })
        )
        assert.deepStrictEqual([linked, unlinked], [1, 0])
        // and the other way: a process that unlinked survives the other's crash
        const survivor = yield* Process.spawn(
          Effect.gen(function* () {
            yield* Process.link(target)
            yield* Process.unlink(target)
            return yield* Process.receive<string>()
          })
        )
        yield* Process.send(target as Process.Pid<string>, "Failure")
        assertReason(yield* Process.awaitExit(target), ExitReason.failure("boom"))
        assert.isTrue(yield* Process.isAlive(survivor))
        assert.deepStrictEqual(Option.getOrThrow(yield* Process.info(survivor)).links, [])
        yield* Process.send(survivor as Process.Pid<string>, "done")
        assertReason(yield* Process.awaitExit(survivor), ExitReason.normal)
      })
    )
  )

  it.effect("spawnLink links before the child runs; spawnMonitor monitors before it runs", () =>
    withQuietNode(
      Effect.gen(function* () {
        // the child crashes at once: the link and the monitor must already be there
        const [down, monitoredPid, ref] = yield* inProcess(
          Effect.gen(function* () {
            const { pid, ref } = yield* Process.spawnMonitor(Effect.fail("early"))
            return [yield* Process.receive<Process.Down>(), pid, ref] as const
          })
        )
        assert.strictEqual(down.ref, ref)
        assert.isTrue(Pid.equals(down.pid, monitoredPid))
        assertReason(down.reason, ExitReason.failure("early"))

        const parent = yield* Process.spawn(
          Effect.gen(function* () {
            yield* Process.spawnLink(Effect.fail("early"))
            yield* Process.receive()
          })
        )
        assertReason(yield* Process.awaitExit(parent), ExitReason.failure("early"))
      })
    )
  )
})

// ---------------------------------------------------------------------------------------------
// Receive
// ---------------------------------------------------------------------------------------------

type Tagged = { readonly _tag: "A" | "B" | "C"; readonly n: number }
const tagged = (_tag: Tagged["_tag"], n: number): Tagged => ({ _tag, n })

describe("receive", () => {
  it.effect("a selective receive takes the first match and keeps the skipped messages in order", () =>
    withQuietNode(
      Effect.gen(function* () {
        const gate = yield* Deferred.make<void>()
        const { pid, result } = yield* spawnResult(
          Effect.gen(function* () {
            yield* Deferred.await(gate)
            const match = Process.matchTag<Tagged>()
            const c = yield* Process.receive(match("C"))
            const b = yield* Process.receive(match("B"))
            const even = yield* Process.receive((m: Tagged) => m.n % 2 === 0)
            const aOrC = yield* Process.receive(match("C", "A"))
            const rest = yield* drain<Tagged>()
            return { c, b, even, aOrC, rest }
          })
        )
        for (const m of [
          tagged("A", 1),
          tagged("B", 2),
          tagged("A", 3),
          tagged("C", 4),
          tagged("B", 5),
          tagged("A", 6)
        ]) {
          yield* Process.send(pid, m)
        }
        yield* Deferred.succeed(gate, undefined)
        const { c, b, even, aOrC, rest } = yield* result
        assert.deepStrictEqual(c, tagged("C", 4))
        assert.deepStrictEqual(b, tagged("B", 2))
        assert.deepStrictEqual(even, tagged("A", 6))
        assert.deepStrictEqual(aOrC, tagged("A", 1))
        assert.deepStrictEqual(rest, [tagged("A", 3), tagged("B", 5)])
      })
    )
  )

  it.effect("a selective receive waits for a match that arrives later; the skipped ones stay first", () =>
    withQuietNode(
      Effect.gen(function* () {
        const waiting = yield* Deferred.make<void>()
        const { pid, result } = yield* spawnResult(
          Effect.gen(function* () {
            yield* Deferred.succeed(waiting, undefined)
            const c = yield* Process.receive(Process.matchTag<Tagged>()("C"))
            return [c, ...(yield* drain<Tagged>())]
          })
        )
        yield* Deferred.await(waiting)
        yield* Process.send(pid, tagged("A", 1))
        yield* Process.send(pid, tagged("B", 2))
        assert.strictEqual(Option.getOrThrow(yield* Process.info(pid)).mailboxLength, 2)
        yield* Process.send(pid, tagged("C", 3))
        yield* Process.send(pid, tagged("A", 4))
        assert.deepStrictEqual(yield* result, [tagged("C", 3), tagged("A", 1), tagged("B", 2), tagged("A", 4)])
      })
    )
  )

  it.effect("a receive timeout fires at the exact virtual time; a later message is still received", () =>
    withQuietNode(
      Effect.gen(function* () {
        const waiting = yield* Deferred.make<void>()
        const timedOut = yield* Deferred.make<Option.Option<string>>()
        const { pid, result } = yield* spawnResult(
          Effect.gen(function* () {
            yield* Deferred.succeed(waiting, undefined)
            yield* Deferred.succeed(timedOut, yield* Process.receive<string>({ timeout: "5 seconds" }))
            const late = yield* Process.receive<string>()
            const info = Option.getOrThrow(yield* Process.info(yield* Process.self()))
            return { late, received: info.messagesReceived, left: info.mailboxLength }
          })
        )
        yield* Deferred.await(waiting)
        yield* TestClock.adjust("4999 millis")
        assert.isFalse(yield* Deferred.isDone(timedOut))
        yield* TestClock.adjust("1 millis")
        assert.isTrue(Option.isNone(yield* Deferred.await(timedOut)))
        yield* awaitWaiting(pid)
        // the timeout is not a message: nothing received, nothing waiting; the late message is the
        // only one the process ever received
        const info = Option.getOrThrow(yield* Process.info(pid))
        assert.deepStrictEqual([info.messagesReceived, info.mailboxLength], [0, 0])
        yield* Process.send(pid, "late")
        assert.deepStrictEqual(yield* result, { late: "late", received: 1, left: 0 })
      })
    )
  )

  it.effect("a selective receive with a timeout times out past non-matching messages and keeps them", () =>
    withQuietNode(
      Effect.gen(function* () {
        const waiting = yield* Deferred.make<void>()
        const { pid, result } = yield* spawnResult(
          Effect.gen(function* () {
            yield* Deferred.succeed(waiting, undefined)
            const c = yield* Process.receive(Process.matchTag<Tagged>()("C"), { timeout: "1 second" })
            return [c, yield* drain<Tagged>()] as const
          })
        )
        yield* Deferred.await(waiting)
        yield* Process.send(pid, tagged("A", 1))
        yield* TestClock.adjust("500 millis")
        yield* Process.send(pid, tagged("B", 2))
        yield* TestClock.adjust("500 millis")
        const [c, rest] = yield* result
        assert.isTrue(Option.isNone(c))
        assert.deepStrictEqual(rest, [tagged("A", 1), tagged("B", 2)])
      })
    )
  )

  it.effect("a message before the timeout wins; the old timer does not cut a later receive short", () =>
    withQuietNode(
      Effect.gen(function* () {
        const waiting = yield* Deferred.make<void>()
        const first = yield* Deferred.make<Option.Option<string>>()
        const second = yield* Deferred.make<Option.Option<string>>()
        const pid = yield* Process.spawn(
          Effect.gen(function* () {
            yield* Deferred.succeed(waiting, undefined)
            yield* Deferred.succeed(first, yield* Process.receive<string>({ timeout: "1 second" }))
            yield* Deferred.succeed(second, yield* Process.receive<string>({ timeout: "10 seconds" }))
          })
        )
        yield* Deferred.await(waiting)
        yield* TestClock.adjust("500 millis")
        yield* Process.send(pid, "early")
        assert.deepStrictEqual(yield* Deferred.await(first), Option.some("early"))
        yield* TestClock.adjust("2 seconds") // past the first receive's deadline
        assert.isFalse(yield* Deferred.isDone(second))
        // one message so far: the cancelled timeout was not counted as one
        assert.strictEqual(Option.getOrThrow(yield* Process.info(pid)).messagesReceived, 1)
        yield* TestClock.adjust("7999 millis")
        assert.isFalse(yield* Deferred.isDone(second))
        yield* TestClock.adjust("1 millis")
        assert.isTrue(Option.isNone(yield* Deferred.await(second)))
      })
    )
  )

  it.effect("timeout: 0 only looks at what is already in the mailbox", () =>
    withQuietNode(
      Effect.gen(function* () {
        const ready = yield* Deferred.make<void>()
        const gate = yield* Deferred.make<void>()
        const { pid, result } = yield* spawnResult(
          Effect.gen(function* () {
            const empty = yield* Process.receive<string>({ timeout: 0 })
            yield* Deferred.succeed(ready, undefined)
            yield* Deferred.await(gate)
            const noMatch = yield* Process.receive((m: string) => m === "y", { timeout: 0 })
            const present = yield* Process.receive<string>({ timeout: 0 })
            const gone = yield* Process.receive<string>({ timeout: 0 })
            return [empty, noMatch, present, gone]
          })
        )
        yield* Deferred.await(ready)
        yield* Process.send(pid, "x")
        yield* Deferred.succeed(gate, undefined)
        assert.deepStrictEqual(yield* result, [Option.none(), Option.none(), Option.some("x"), Option.none()])
      })
    )
  )
})

// ---------------------------------------------------------------------------------------------
// Sending
// ---------------------------------------------------------------------------------------------

describe("send", () => {
  it.effect("messages from one sender arrive in the order sent, whatever other senders do", () =>
    withQuietNode(
      Effect.gen(function* () {
        const gate = yield* Deferred.make<void>()
        const { pid, result } = yield* spawnResult(
          Effect.gen(function* () {
            yield* Deferred.await(gate)
            return yield* drain<readonly [string, number]>()
          })
        )
        const sender = (name: string) =>
          Process.spawn(
            Effect.gen(function* () {
              for (let i = 0; i < 50; i++) {
                yield* Process.send(pid, [name, i] as const)
                // a scheduler hop on purpose, not a synchronisation: the senders interleave
                if (i % 7 === 0) yield* Effect.yieldNow
              }
            })
          )
        const senders = [yield* sender("a"), yield* sender("b"), yield* sender("c")]
        for (const s of senders) assertReason(yield* Process.awaitExit(s), ExitReason.normal)
        yield* Deferred.succeed(gate, undefined)
        const messages = yield* result
        assert.strictEqual(messages.length, 150)
        for (const name of ["a", "b", "c"]) {
          assert.deepStrictEqual(
            messages.filter(([from]) => from === name).map(([, i]) => i),
            Array.from({ length: 50 }, (_, i) => i)
          )
        }
        // the senders did interleave, so the per-sender order is not a trivial consequence
        assert.notDeepEqual(
          messages.map(([from]) => from),
          [...Array(50).fill("a"), ...Array(50).fill("b"), ...Array(50).fill("c")]
        )
      })
    )
  )

  it.effect("sendUnsafe delivers from a plain callback and from an event listener", () =>
    withQuietNode(
      Effect.gen(function* () {
        const { pid, result } = yield* spawnResult(
          Effect.gen(function* () {
            const messages: Array<string> = []
            for (let i = 0; i < 3; i++) messages.push(yield* Process.receive<string>())
            return messages
          })
        )
        const callback = (text: string): boolean => Process.sendUnsafe(pid, text)
        const events = new EventEmitter<{ data: [string] }>()
        const delivered: Array<boolean> = []
        events.on("data", (text) => {
          delivered.push(Process.sendUnsafe(pid, text))
        })
        delivered.push(callback("from a callback"))
        events.emit("data", "from an event")
        delivered.push(callback("again"))
        assert.deepStrictEqual(yield* result, ["from a callback", "from an event", "again"])
        assert.deepStrictEqual(delivered, [true, true, true])
        // to an exited process: false
        yield* Process.awaitExit(pid)
        assert.isFalse(Process.sendUnsafe(pid, "too late"))
      })
    )
  )

  it.effect("the data-last forms: send, sendAfter, sendSystem and register take the pid last", () =>
    withQuietNode(
      Effect.gen(function* () {
        const { pid, result } = yield* spawnResult(
          Effect.gen(function* () {
            const messages: Array<string> = []
            for (let i = 0; i < 3; i++) messages.push(yield* Process.receive<string>())
            return messages
          })
        )
        yield* pid.pipe(Process.register("dual/receiver"))
        yield* pid.pipe(Process.send("piped"))
        yield* Effect.flatMap(Effect.succeed(pid), Process.send("flatMapped"))
        yield* Process.send("dual/receiver", "by name")
        assert.deepStrictEqual(yield* result, ["piped", "flatMapped", "by name"])
        const system = yield* Deferred.make<unknown>()
        const target = yield* Process.spawn(
          Effect.gen(function* () {
            yield* Process.setSystemHandler((message) => Deferred.succeed(system, message))
            yield* Process.receive<string>()
          })
        )
        assert.isTrue(yield* target.pipe(Process.sendSystem("sys")))
        assert.strictEqual(yield* Deferred.await(system), "sys")
        const ticked = yield* spawnResult(Process.receive<string>())
        yield* Process.spawn(
          Effect.gen(function* () {
            yield* ticked.pid.pipe(Process.sendAfter("tick", "1 second"))
            yield* Process.receive()
          })
        )
        yield* TestClock.adjust("1 second")
        assert.strictEqual(yield* ticked.result, "tick")
      })
    )
  )

  it.effect("sending to a dead pid is a no-op, counted in the node's stats and its dropped metric", () =>
    withQuietNode(
      Effect.gen(function* () {
        const node = yield* Node.Node
        const dead = (yield* deadPid) as Process.Pid<string>
        const before = node.stats()
        yield* Process.send(dead, "lost")
        assert.isFalse(Process.sendUnsafe(dead, "lost too"))
        const after = node.stats()
        assert.strictEqual(after.messagesDropped - before.messagesDropped, 2)
        assert.strictEqual(after.messagesSent, before.messagesSent)
        assert.strictEqual(yield* droppedMetric(node), after.messagesDropped)
      })
    )
  )
})

/** The node's `effect_otp_messages_dropped_total`, read from Effect's metric registry. */
const droppedMetric = (node: Node.NodeApi) =>
  Effect.map(Metric.snapshot, (snapshots) => {
    const found = snapshots.filter(
      (s) => s.id === "effect_otp_messages_dropped_total" && s.attributes?.node === `${node.name}#${node.creation}`
    )
    assert.strictEqual(found.length, 1)
    return (found[0]!.state as { readonly count: number }).count
  })

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

describe("names", () => {
  it.effect("register, whereis, registered, send by name, unregister", () =>
    withQuietNode(
      Effect.gen(function* () {
        const { pid, result } = yield* spawnResult(Process.receive<string>())
        yield* Process.register("names/echo", pid)
        assert.isTrue(Pid.equals(Option.getOrThrow(yield* Process.whereis("names/echo")), pid))
        assert.deepStrictEqual(yield* Process.registered, ["names/echo"])
        assert.deepStrictEqual(Option.getOrThrow(yield* Process.info(pid)).registeredName, Option.some("names/echo"))
        yield* Process.unregister("names/echo")
        assert.isTrue(Option.isNone(yield* Process.whereis("names/echo")))
        assert.deepStrictEqual(yield* Process.registered, [])
        assert.isTrue(Option.isNone(Option.getOrThrow(yield* Process.info(pid)).registeredName))
        // a process may take a (new) name again once it has none
        yield* Process.register("names/echo2", pid)
        yield* Process.send("names/echo2", "by name")
        assert.strictEqual(yield* result, "by name")
      })
    )
  )

  it.effect("AlreadyRegistered when the name is taken, and when the process already has a name", () =>
    withQuietNode(
      Effect.gen(function* () {
        const a = yield* spawnIdle
        const b = yield* spawnIdle
        yield* Process.register("names/a", a)
        const taken = yield* Effect.flip(Process.register("names/a", b))
        assert.instanceOf(taken, Errors.AlreadyRegistered)
        assert.strictEqual(taken.registeredName, "names/a")
        assert.isTrue(Pid.equals((taken as Errors.AlreadyRegistered).pid, a))
        const named = yield* Effect.flip(Process.register("names/other", a))
        assert.instanceOf(named, Errors.AlreadyRegistered)
        assert.strictEqual(named.registeredName, "names/a")
        assert.isTrue(Pid.equals((named as Errors.AlreadyRegistered).pid, a))
        assert.deepStrictEqual(yield* Process.registered, ["names/a"])
        // registering a dead process: NoProc
        const dead = yield* deadPid
        const noProc = yield* Effect.flip(Process.register("names/dead", dead))
        assert.deepStrictEqual(noProc, new Errors.NoProc({ pid: dead }))
      })
    )
  )

  it.effect("register of a dead pid fails with NoProc naming that pid", () =>
    withQuietNode(
      Effect.gen(function* () {
        const dead = yield* deadPid
        const error = yield* Effect.flip(Process.register("names/dead-pid", dead))
        assert.deepStrictEqual(error, new Errors.NoProc({ pid: dead }))
        assert.strictEqual(error.message, `no process ${String(dead)}`)
        assert.deepStrictEqual(yield* Process.registered, [])
      })
    )
  )

  it.effect("NotRegistered for unregister and send with an unknown name", () =>
    withQuietNode(
      Effect.gen(function* () {
        const unregister = yield* Effect.flip(Process.unregister("names/nobody"))
        assert.deepStrictEqual(unregister, new Errors.NotRegistered({ registeredName: "names/nobody" }))
        const send = yield* Effect.flip(Process.send("names/nobody", "hello"))
        assert.deepStrictEqual(send, new Errors.NotRegistered({ registeredName: "names/nobody" }))
      })
    )
  )

  it.effect("a name is freed when its process exits", () =>
    withQuietNode(
      Effect.gen(function* () {
        const a = yield* spawnIdle
        yield* Process.register("names/freed", a)
        yield* Process.kill(a)
        yield* Process.awaitExit(a)
        assert.isTrue(Option.isNone(yield* Process.whereis("names/freed")))
        assert.deepStrictEqual(yield* Process.registered, [])
        const b = yield* spawnIdle
        yield* Process.register("names/freed", b)
        assert.isTrue(Pid.equals(Option.getOrThrow(yield* Process.whereis("names/freed")), b))
        const error = yield* Effect.flip(Process.send("names/gone", "x"))
        assert.deepStrictEqual(error, new Errors.NotRegistered({ registeredName: "names/gone" }))
      })
    )
  )
  it.effect("a monitor by name: its Down carries the name and node, for an exit and for NoProc", () =>
    withQuietNode(
      Effect.gen(function* () {
        const node = (yield* Node.Node).name
        const holder = yield* spawnIdle
        yield* Process.register("names/watched", holder)
        const result = yield* inProcess(
          Effect.gen(function* () {
            const ref = yield* Process.monitor({ name: "names/watched", node })
            const refFree = yield* Process.monitor({ name: "names/nobody", node })
            const free = yield* Process.receive(Process.isDown)
            yield* Process.send(holder, "go")
            const down = yield* Process.receive(Process.isDown)
            return { ref, refFree, free, down }
          })
        )
        assert.deepStrictEqual(
          result.free,
          new Process.Down(result.refFree, Pid.make(node, 0, 0), ExitReason.noProc, { name: "names/nobody", node })
        )
        assert.deepStrictEqual(
          result.down,
          new Process.Down(result.ref, holder, ExitReason.normal, { name: "names/watched", node })
        )
      })
    )
  )
})

// ---------------------------------------------------------------------------------------------
// info
// ---------------------------------------------------------------------------------------------

describe("info", () => {
  it.effect("status, mailbox length, links, monitors, monitoredBy, trapExit, name, messages received", () =>
    withQuietNode(
      Effect.gen(function* () {
        const peer = yield* spawnIdle
        const ready = yield* Deferred.make<{ readonly ref: Process.MonitorRef; readonly own: Process.Info }>()
        const { pid, result } = yield* spawnResult(
          Effect.gen(function* () {
            const self = yield* Process.self()
            yield* Process.trapExit(true)
            yield* Process.link(peer)
            const ref = yield* Process.monitor(peer)
            yield* Deferred.succeed(ready, { ref, own: Option.getOrThrow(yield* Process.info(self)) })
            return yield* Process.receive((m: string) => m === "go")
          })
        )
        // before it has run
        const fresh = Option.getOrThrow(yield* Process.info(pid))
        assert.strictEqual(fresh.status, "runnable")
        assert.isFalse(fresh.trapExit)

        const { ref, own } = yield* Deferred.await(ready)
        assert.strictEqual(own.status, "running")
        yield* Process.register("info/p", pid)
        const watching = yield* Deferred.make<void>()
        const watcher = yield* Process.spawn(
          Effect.gen(function* () {
            yield* Process.monitor(pid)
            yield* Deferred.succeed(watching, undefined)
            yield* Process.receive()
          })
        )
        yield* Deferred.await(watching)
        yield* Process.send(pid, "a")
        yield* Process.send(pid, "b")

        const info = Option.getOrThrow(yield* Process.info(pid))
        assert.deepStrictEqual(
          { ...info, links: info.links.map(String), monitoredBy: info.monitoredBy.map(String) },
          {
            pid,
            status: "waiting",
            mailboxLength: 2,
            links: [String(peer)],
            monitors: [{ ref, pid: peer }],
            monitoredBy: [String(watcher)],
            trapExit: true,
            registeredName: Option.some("info/p"),
            messagesReceived: 2,
            messagesDropped: 0
          }
        )
        const peerInfo = Option.getOrThrow(yield* Process.info(peer))
        assert.deepStrictEqual(peerInfo.links.map(String), [String(pid)])
        assert.deepStrictEqual(peerInfo.monitoredBy.map(String), [String(pid)])

        yield* Process.send(pid, "go")
        assert.strictEqual(yield* result, "go")
        assertReason(yield* Process.awaitExit(pid), ExitReason.normal)
        assert.isTrue(Option.isNone(yield* Process.info(pid)))
        assert.isFalse(yield* Process.isAlive(pid))
        // the exit cleaned up the other side of every link and monitor
        const after = Option.getOrThrow(yield* Process.info(peer))
        assert.deepStrictEqual([after.links, after.monitoredBy], [[], []])
        assert.deepStrictEqual(Option.getOrThrow(yield* Process.info(watcher)).monitors, [])
      })
    )
  )

  it.effect("status is exiting while the finalizers of a stopped process run", () =>
    withQuietNode(
      Effect.gen(function* () {
        const release = yield* Deferred.make<void>()
        const waiting = yield* Deferred.make<void>()
        const pid = yield* Process.spawn(
          Effect.gen(function* () {
            yield* Deferred.succeed(waiting, undefined)
            yield* Process.receive()
          }).pipe(Effect.ensuring(Deferred.await(release)))
        )
        yield* Deferred.await(waiting)
        yield* Process.exit(pid, ExitReason.shutdown)
        assert.strictEqual(Option.getOrThrow(yield* Process.info(pid)).status, "exiting")
        yield* Deferred.succeed(release, undefined)
        assertReason(yield* Process.awaitExit(pid), ExitReason.shutdown)
      })
    )
  )
})

// ---------------------------------------------------------------------------------------------
// demonitor
// ---------------------------------------------------------------------------------------------

describe("demonitor", () => {
  it.effect("before the target exits: true, and no Down ever comes", () =>
    withQuietNode(
      Effect.gen(function* () {
        const target = yield* spawnIdle
        const [active, again, monitoredBy, leftover] = yield* inProcess(
          Effect.gen(function* () {
            const ref = yield* Process.monitor(target)
            const active = yield* Process.demonitor(ref)
            const again = yield* Process.demonitor(ref)
            const monitoredBy = Option.getOrThrow(yield* Process.info(target)).monitoredBy
            yield* Process.kill(target)
            yield* Process.awaitExit(target)
            return [active, again, monitoredBy, yield* drain()] as const
          })
        )
        assert.deepStrictEqual([active, again, monitoredBy, leftover], [true, false, [], []])
      })
    )
  )

  it.effect("after the Down arrived, without flush: false, and the Down is still received", () =>
    withQuietNode(
      Effect.gen(function* () {
        const target = yield* spawnIdle
        const [active, ref, leftover] = yield* inProcess(
          Effect.gen(function* () {
            const ref = yield* Process.monitor(target)
            yield* Process.kill(target)
            yield* Process.awaitExit(target)
            const active = yield* Process.demonitor(ref)
            return [active, ref, yield* drain<Process.Down>()] as const
          })
        )
        assert.isFalse(active)
        assert.strictEqual(leftover.length, 1)
        assert.strictEqual(leftover[0]!.ref, ref)
        assertReason(leftover[0]!.reason, ExitReason.killed)
      })
    )
  )

  it.effect("with flush: removes that monitor's Down and nothing else, in queue and save list alike", () =>
    withQuietNode(
      Effect.gen(function* () {
        const t1 = yield* spawnIdle
        const t2 = yield* spawnIdle
        const t3 = yield* spawnIdle
        const [flushed, notYet, ref2, leftover] = yield* inProcess(
          Effect.gen(function* () {
            const self = yield* Process.self<unknown>()
            const ref1 = yield* Process.monitor(t1)
            const ref2 = yield* Process.monitor(t2)
            const ref3 = yield* Process.monitor(t3)
            yield* Process.send(self, "m1")
            yield* Process.kill(t1)
            yield* Process.awaitExit(t1)
            // move everything so far into the save list
            yield* Process.receive((m) => m === "nothing", { timeout: 0 })
            yield* Process.send(self, "m2")
            yield* Process.kill(t2)
            yield* Process.awaitExit(t2)
            const flushed = yield* Process.demonitor(ref1, { flush: true })
            // a monitor still active is removed, and no Down comes later
            const notYet = yield* Process.demonitor(ref3, { flush: true })
            yield* Process.kill(t3)
            yield* Process.awaitExit(t3)
            return [flushed, notYet, ref2, yield* drain()] as const
          })
        )
        assert.isFalse(flushed)
        assert.isTrue(notYet)
        assert.strictEqual(leftover.length, 3)
        assert.deepStrictEqual(leftover.slice(0, 2), ["m1", "m2"])
        assert.strictEqual((leftover[2] as Process.Down).ref, ref2)
      })
    )
  )
})

// ---------------------------------------------------------------------------------------------
// The system lane
// ---------------------------------------------------------------------------------------------

describe("system lane", () => {
  it.effect("a system message sent after user messages is handled before them", () =>
    withQuietNode(
      Effect.gen(function* () {
        const order: Array<string> = []
        const ready = yield* Deferred.make<void>()
        const gate = yield* Deferred.make<void>()
        const { pid, result } = yield* spawnResult(
          Effect.gen(function* () {
            yield* Process.setSystemHandler((m) => Effect.sync(() => order.push(`system:${String(m)}`)))
            yield* Deferred.succeed(ready, undefined)
            yield* Deferred.await(gate)
            order.push(`user:${yield* Process.receive<string>()}`)
            order.push(`user:${yield* Process.receive<string>()}`)
          })
        )
        yield* Deferred.await(ready)
        yield* Process.send(pid, "u1")
        yield* Process.send(pid, "u2")
        assert.isTrue(yield* Process.sendSystem(pid, "s1"))
        assert.isTrue(yield* Process.sendSystem(pid, "s2"))
        yield* Deferred.succeed(gate, undefined)
        yield* result
        assert.deepStrictEqual(order, ["system:s1", "system:s2", "user:u1", "user:u2"])
      })
    )
  )

  it.effect("a system message wakes a process blocked in receive, which then keeps waiting", () =>
    withQuietNode(
      Effect.gen(function* () {
        const ready = yield* Deferred.make<void>()
        const handled = yield* Deferred.make<unknown>()
        const { pid, result } = yield* spawnResult(
          Effect.gen(function* () {
            yield* Process.setSystemHandler((m) => Deferred.succeed(handled, m))
            yield* Deferred.succeed(ready, undefined)
            return yield* Process.receive<string>()
          })
        )
        yield* Deferred.await(ready)
        yield* awaitWaiting(pid)
        yield* Process.sendSystem(pid, "sys")
        assert.strictEqual(yield* Deferred.await(handled), "sys")
        // handled inside the process, which goes back to waiting for a user message
        yield* awaitWaiting(pid)
        assert.strictEqual(Option.getOrThrow(yield* Process.info(pid)).messagesReceived, 0)
        yield* Process.send(pid, "user")
        assert.strictEqual(yield* result, "user")
      })
    )
  )

  it.effect("a system message during a receive with a timeout does not move the deadline", () =>
    withQuietNode(
      Effect.gen(function* () {
        const ready = yield* Deferred.make<void>()
        const handled = yield* Deferred.make<unknown>()
        const { pid, result } = yield* spawnResult(
          Effect.gen(function* () {
            yield* Process.setSystemHandler((m) => Deferred.succeed(handled, m))
            yield* Deferred.succeed(ready, undefined)
            return yield* Process.receive<string>({ timeout: "1 second" })
          })
        )
        yield* Deferred.await(ready)
        yield* TestClock.adjust("500 millis")
        yield* Process.sendSystem(pid, "sys")
        assert.strictEqual(yield* Deferred.await(handled), "sys")
        yield* TestClock.adjust("499 millis")
        assert.isTrue(yield* Process.isAlive(pid))
        yield* TestClock.adjust("1 millis")
        assert.deepStrictEqual(yield* result, Option.none())
      })
    )
  )

  it.effect("without a handler system messages are discarded; sendSystem to a dead pid is false", () =>
    withQuietNode(
      Effect.gen(function* () {
        const gate = yield* Deferred.make<void>()
        const { pid, result } = yield* spawnResult(
          Effect.gen(function* () {
            yield* Deferred.await(gate)
            return yield* drain()
          })
        )
        assert.isTrue(yield* Process.sendSystem(pid, "ignored"))
        yield* Process.send(pid, "user")
        yield* Deferred.succeed(gate, undefined)
        assert.deepStrictEqual(yield* result, ["user"])
        assert.isFalse(yield* Process.sendSystem(yield* deadPid, "x"))
      })
    )
  )

  it.effect("a pending system message never surfaces as a user message (demonitor flush)", () =>
    withQuietNode(
      Effect.gen(function* () {
        const handled: Array<unknown> = []
        const ready = yield* Deferred.make<void>()
        const gate = yield* Deferred.make<void>()
        const target = yield* spawnIdle
        const { pid, result } = yield* spawnResult(
          Effect.gen(function* () {
            yield* Process.setSystemHandler((m) => Effect.sync(() => handled.push(m)))
            const ref = yield* Process.monitor(target)
            yield* Deferred.succeed(ready, undefined)
            yield* Deferred.await(gate)
            yield* Process.demonitor(ref, { flush: true })
            return yield* drain()
          })
        )
        yield* Deferred.await(ready)
        yield* Process.send(pid, "user")
        yield* Process.sendSystem(pid, "sys")
        yield* Deferred.succeed(gate, undefined)
        assert.deepStrictEqual(yield* result, ["user"])
        assert.deepStrictEqual(handled, ["sys"])
      })
    )
  )
})

// ---------------------------------------------------------------------------------------------
// Timers
// ---------------------------------------------------------------------------------------------

describe("timers", () => {
  it.effect("sendAfter delivers at the exact virtual time", () =>
    withQuietNode(
      Effect.gen(function* () {
        const got = yield* Deferred.make<string>()
        const receiver = yield* Process.spawn(
          Effect.flatMap(Process.receive<string>(), (m) => Deferred.succeed(got, m))
        )
        const started = yield* Deferred.make<void>()
        yield* Process.spawn(
          Effect.gen(function* () {
            yield* Process.sendAfter(receiver, "tick", "1 second")
            yield* Deferred.succeed(started, undefined)
            yield* Process.receive()
          })
        )
        yield* Deferred.await(started)
        yield* TestClock.adjust("999 millis")
        assert.isFalse(yield* Deferred.isDone(got))
        yield* TestClock.adjust("1 millis")
        assert.strictEqual(yield* Deferred.await(got), "tick")
      })
    )
  )

  it.effect("cancelTimer returns the time left, and None once the timer fired or was cancelled", () =>
    withQuietNode(
      Effect.gen(function* () {
        const refs = yield* Deferred.make<readonly [Process.TimerRef, Process.TimerRef]>()
        const { result } = yield* spawnResult(
          Effect.gen(function* () {
            const self = yield* Process.self<string>()
            const a = yield* Process.sendAfter(self, "a", "1 second")
            const b = yield* Process.sendAfter(self, "b", "1 second")
            yield* Deferred.succeed(refs, [a, b])
            const first = yield* Process.receive<string>()
            return [first, ...(yield* drain<string>())]
          })
        )
        const [a, b] = yield* Deferred.await(refs)
        yield* TestClock.adjust("300 millis")
        assert.deepStrictEqual(yield* Process.cancelTimer(a), Option.some(Duration.millis(700)))
        assert.deepStrictEqual(yield* Process.cancelTimer(a), Option.none())
        assert.deepStrictEqual(yield* testing.advancing(result, "700 millis"), ["b"])
        assert.deepStrictEqual(yield* Process.cancelTimer(b), Option.none())
      })
    )
  )

  it.effect("timers die with their owner, whether it returns or is killed", () =>
    withQuietNode(
      Effect.gen(function* () {
        const waiting = yield* Deferred.make<void>()
        const { pid: receiver, result } = yield* spawnResult(
          Effect.gen(function* () {
            yield* Deferred.succeed(waiting, undefined)
            return yield* Process.receive<string>({ timeout: "10 seconds" })
          })
        )
        yield* Deferred.await(waiting)
        const returns = yield* Process.spawn(
          Effect.asVoid(Process.sendAfter(receiver, "from a returned owner", "1 second"))
        )
        const started = yield* Deferred.make<void>()
        const killed = yield* Process.spawn(
          Effect.gen(function* () {
            yield* Process.sendAfter(receiver, "from a killed owner", "1 second")
            yield* Deferred.succeed(started, undefined)
            yield* Process.receive()
          })
        )
        yield* Deferred.await(started)
        yield* Process.kill(killed)
        assertReason(yield* Process.awaitExit(returns), ExitReason.normal)
        assertReason(yield* Process.awaitExit(killed), ExitReason.killed)
        assert.deepStrictEqual(yield* testing.advancing(result, "10 seconds"), Option.none())
      })
    )
  )
})

// ---------------------------------------------------------------------------------------------
// Crash reports
// ---------------------------------------------------------------------------------------------

const crashes = (entries: ReadonlyArray<LogEntry>) => entries.filter((e) => e.annotations.event === "CRASH")

describe("crash reports", () => {
  it.effect("a failing process logs one error annotated with its pid, name and event CRASH", () =>
    withLogs((entries) =>
      Effect.gen(function* () {
        const pid = yield* Process.spawn(Effect.fail("boom"))
        yield* Process.register("crash/worker", pid)
        assertReason(yield* Process.awaitExit(pid), ExitReason.failure("boom"))
        const reports = crashes(entries)
        assert.strictEqual(reports.length, 1)
        assert.strictEqual(reports[0]!.level, "Error")
        assert.deepStrictEqual(reports[0]!.annotations, {
          pid: String(pid),
          event: "CRASH",
          reason: "Failure",
          name: "crash/worker"
        })
        assert.strictEqual(String(reports[0]!.message), `process ${pid} crashed`)
      })
    )
  )

  it.effect("logs from a process carry its pid", () =>
    withLogs((entries) =>
      Effect.gen(function* () {
        const pid = yield* Process.spawn(Effect.logInfo("hello"))
        yield* Process.awaitExit(pid)
        assert.deepStrictEqual(
          entries.map((e) => [e.level, e.annotations.pid]),
          [["Info", String(pid)]]
        )
      })
    )
  )

  it.effect("a process stopped by another's signal logs no crash; the one that crashed does", () =>
    withLogs((entries) =>
      Effect.gen(function* () {
        const victim = yield* spawnIdle
        const crasher = yield* Process.spawn(
          Effect.gen(function* () {
            yield* Process.link(victim)
            return yield* Effect.die("defect")
          })
        )
        const signalled = yield* spawnIdle
        const killed = yield* spawnIdle
        yield* Process.exit(signalled, ExitReason.failure("from outside"))
        yield* Process.kill(killed)
        assertReason(yield* Process.awaitExit(victim), ExitReason.failureCause(Cause.die("defect")))
        assertReason(yield* Process.awaitExit(signalled), ExitReason.failure("from outside"))
        assertReason(yield* Process.awaitExit(killed), ExitReason.killed)
        assert.deepStrictEqual(
          crashes(entries).map((e) => e.annotations.pid),
          [String(crasher)]
        )
      })
    )
  )

  it.effect("Normal and Shutdown exits log no crash; exit/1 with a failure does", () =>
    withLogs((entries) =>
      Effect.gen(function* () {
        const normal = yield* Process.spawn(Effect.void)
        const shutdown = yield* Process.spawn(Process.exit(ExitReason.shutdownWith("done")))
        const failed = yield* Process.spawn(Process.exit(ExitReason.failure("on purpose")))
        for (const pid of [normal, shutdown, failed]) yield* Process.awaitExit(pid)
        assert.deepStrictEqual(
          crashes(entries).map((e) => e.annotations.pid),
          [String(failed)]
        )
      })
    )
  )
})

// ---------------------------------------------------------------------------------------------
// Scheduling
// ---------------------------------------------------------------------------------------------

// it.effect runs on TestClock.layer(), whose scheduler wraps Effect's default MixedScheduler and
// delegates `shouldYield` to it (effect/testing/TestClock.ts), so the operation budget
// (MaxOpsBeforeYield, 2048) applies here exactly as in production: no need for it.live.
describe("scheduling", () => {
  it.effect("a busy process does not starve a ping-pong pair", () =>
    withQuietNode(
      Effect.gen(function* () {
        let spins = 0
        const busy = yield* Process.spawn(
          Effect.forever(
            Effect.sync(() => {
              spins++
            }),
            { disableYield: true }
          )
        )
        const ponger = yield* Process.spawn(
          Effect.forever(
            Effect.gen(function* () {
              const from = yield* Process.receive<Process.Pid<"pong">>()
              yield* Process.send(from, "pong")
            }),
            { disableYield: true }
          )
        )
        const rounds = 200
        const { spinsDuring, pongs } = yield* inProcess(
          Effect.gen(function* () {
            const self = yield* Process.self<"pong">()
            const spinsBefore = spins
            let pongs = 0
            for (let i = 0; i < rounds; i++) {
              yield* Process.send(ponger, self)
              if ((yield* Process.receive<"pong">()) === "pong") pongs++
            }
            return { spinsDuring: spins - spinsBefore, pongs }
          })
        )
        assert.strictEqual(pongs, rounds)
        // the busy process kept running while the pair made its round trips
        assert.isAbove(spinsDuring, 0)
        assert.isTrue(yield* Process.isAlive(busy))
        yield* Process.kill(busy)
        assertReason(yield* Process.awaitExit(busy), ExitReason.killed)
      })
    )
  )

  it.effect("Effect 4 trap: a loop of yield* Effect.void counts no ops, so nobody else runs during it", () =>
    withQuietNode(
      Effect.gen(function* () {
        let partner = 0
        const other = yield* Process.spawn(
          Effect.forever(
            Effect.sync(() => {
              partner++
            }),
            { disableYield: true }
          )
        )
        const progressDuring = (step: Effect.Effect<void>) =>
          inProcess(
            Effect.gen(function* () {
              const before = partner
              for (let i = 0; i < 50_000; i++) yield* step
              return partner - before
            })
          )
        // 50,000 already-completed effects: run inline by the generator, no op counted, no yield
        assert.strictEqual(yield* progressDuring(Effect.void), 0)
        // 50,000 real operations: the fiber yields every 2048 and the partner runs in between
        assert.isAbove(yield* progressDuring(Effect.sync(() => {})), 0)
        yield* Process.kill(other)
      })
    )
  )

  /** The operation budget the scheduler reads for the calling fiber. */
  const budget = Effect.withFiber((fiber) => Effect.succeed(fiber.cache.maxOpsBeforeYield))

  it.effect("the reductions option is the fiber's operation budget; its children inherit it", () =>
    withNode(
      Effect.gen(function* () {
        const seen = yield* Deferred.make<ReadonlyArray<number>>()
        yield* Process.spawn(
          Effect.gen(function* () {
            const own = yield* budget
            const inherited = yield* Deferred.make<number>()
            const overridden = yield* Deferred.make<number>()
            yield* Process.spawn(Effect.flatMap(budget, (n) => Deferred.succeed(inherited, n)))
            yield* Process.spawn(
              Effect.flatMap(budget, (n) => Deferred.succeed(overridden, n)),
              { reductions: 1000 }
            )
            yield* Deferred.succeed(seen, [own, yield* Deferred.await(inherited), yield* Deferred.await(overridden)])
          }),
          { reductions: 64 }
        )
        const byDefault = yield* Deferred.make<number>()
        yield* Process.spawn(Effect.flatMap(budget, (n) => Deferred.succeed(byDefault, n)))
        assert.deepStrictEqual(yield* Deferred.await(seen), [64, 64, 1000])
        assert.strictEqual(yield* Deferred.await(byDefault), 2048)
      })
    )
  )

  it.effect("a busy process with a small budget lets its neighbour in after fewer steps", () =>
    withNode(
      Effect.gen(function* () {
        /** The busy process's steps between the neighbour's turns (the neighbour yields 20 times). */
        const stepsPerTurn = (options: Process.SpawnOptions) =>
          Effect.gen(function* () {
            let steps = 0
            const busy = yield* Process.spawn(
              Effect.forever(
                Effect.sync(() => {
                  steps++
                }),
                { disableYield: true }
              ),
              options
            )
            const samples = yield* inProcess(
              Effect.gen(function* () {
                const samples: Array<number> = []
                for (let i = 0; i < 20; i++) {
                  const before = steps
                  yield* Effect.yieldNow
                  samples.push(steps - before)
                }
                return samples
              })
            )
            yield* Process.kill(busy)
            return Math.max(...samples)
          })
        const small = yield* stepsPerTurn({ reductions: 64 })
        const byDefault = yield* stepsPerTurn({})
        // each step is at least one operation: never more steps than the budget between two turns
        assert.isAtMost(small, 64)
        assert.isAbove(small, 0)
        assert.isAbove(byDefault, 64)
      })
    )
  )

  it.effect("a reductions option that is not a positive integer is BadArgument; nothing is spawned", () =>
    withNode(
      Effect.gen(function* () {
        const node = yield* Node.Node
        const before = node.stats().spawned
        for (const reductions of [0, -1, 1.5, Number.NaN, Infinity]) {
          const error = yield* Effect.flip(Process.spawn(Process.receive(), { reductions }))
          assert.deepStrictEqual(
            error,
            new Errors.BadArgument({
              function: "Process.spawn",
              field: "reductions",
              value: reductions,
              reason: "must be a positive integer"
            })
          )
        }
        assert.strictEqual(node.stats().spawned, before)
      })
    )
  )
})

// ---------------------------------------------------------------------------------------------
// Property: links and monitors stay consistent under random programs
// ---------------------------------------------------------------------------------------------

/** A command an actor runs inside itself, answering on `done`. */
class Command {
  readonly run: Effect.Effect<unknown, string, Process.Self<unknown>>
  readonly done: Deferred.Deferred<unknown>
  constructor(run: Effect.Effect<unknown, string, Process.Self<unknown>>, done: Deferred.Deferred<unknown>) {
    this.run = run
    this.done = done
  }
}

type SignalReason = "Normal" | "Shutdown" | "Failure" | "Killed"
type Op =
  | { readonly op: "spawn"; readonly trap: boolean }
  | { readonly op: "link" | "unlink" | "monitor"; readonly a: number; readonly b: number }
  | { readonly op: "demonitor"; readonly a: number; readonly which: number }
  | { readonly op: "exit"; readonly a: number; readonly b: number; readonly reason: SignalReason }
  | { readonly op: "kill" | "crash" | "stop"; readonly a: number }

const index = fc.nat({ max: 7 })
const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("spawn" as const), trap: fc.boolean() }),
  fc.record({ op: fc.constantFrom("link" as const, "unlink" as const, "monitor" as const), a: index, b: index }),
  fc.record({ op: fc.constant("monitor" as const), a: index, b: index }),
  fc.record({ op: fc.constant("demonitor" as const), a: index, which: index }),
  fc.record({
    op: fc.constant("exit" as const),
    a: index,
    b: index,
    reason: fc.constantFrom<SignalReason>("Normal", "Shutdown", "Failure", "Killed")
  }),
  fc.record({ op: fc.constantFrom("kill" as const, "crash" as const, "stop" as const), a: index })
)

interface MonitorEntry {
  readonly watcher: Pid.Pid<never, unknown>
  readonly target: Pid.Pid<never, unknown>
  readonly ref: Process.MonitorRef
  removedWhileActive: boolean
}

const runProgram = (traps: readonly [boolean, boolean], ops: ReadonlyArray<Op>) =>
  Effect.gen(function* () {
    const downs = new Map<Process.MonitorRef, number>()
    const actors: Array<Pid.Pid<unknown>> = []
    const monitors: Array<MonitorEntry> = []

    const actor = Effect.forever(
      Effect.gen(function* () {
        const message = yield* Process.receive<unknown>()
        if (message instanceof Command) {
          yield* Deferred.succeed(message.done, yield* message.run)
        } else if (Process.isDown(message)) {
          const count = (downs.get(message.ref) ?? 0) + 1
          downs.set(message.ref, count)
          if (count > 1) yield* Effect.die(new Error(`a second Down for ${message.ref}`))
        }
      }),
      { disableYield: true }
    )
    const spawnActor = (trap: boolean) =>
      Effect.map(Process.spawn(actor, { trapExit: trap }), (pid) => {
        actors.push(pid as Pid.Pid<unknown>)
      })

    /** Runs `run` inside actor `pid`; None when the actor is (or becomes) dead instead. */
    const inActor = <A>(pid: Pid.Pid<unknown>, run: Effect.Effect<A, string, Process.Self<unknown>>) =>
      Effect.gen(function* () {
        if (!(yield* Process.isAlive(pid))) return Option.none<A>()
        const done = yield* Deferred.make<unknown>()
        yield* Process.send(pid, new Command(run, done))
        return yield* Effect.raceFirst(
          Effect.map(Deferred.await(done), (a) => Option.some(a as A)),
          Effect.as(Process.awaitExit(pid), Option.none<A>())
        )
      })

    /** Lets every process that is on its way out finish exiting. */
    const settle = Effect.forEach(actors, (pid) =>
      Effect.flatMap(Process.info(pid), (info) =>
        Option.isSome(info) && info.value.status === "exiting" ? Process.awaitExit(pid) : Effect.void
      )
    )

    const checkTables = Effect.gen(function* () {
      for (const pid of actors) {
        const info = yield* Process.info(pid)
        if (Option.isNone(info)) continue
        for (const linked of info.value.links) {
          const other = yield* Process.info(linked)
          assert.isTrue(Option.isSome(other), `${pid} is linked to the dead ${linked}`)
          assert.isTrue(
            Option.getOrThrow(other).links.some((l) => Pid.equals(l, pid)),
            `${linked} does not link back to ${pid}`
          )
        }
        for (const { pid: target } of info.value.monitors) {
          const other = yield* Process.info(target)
          assert.isTrue(Option.isSome(other), `${pid} monitors the dead ${target}`)
          assert.isTrue(Option.getOrThrow(other).monitoredBy.some((w) => Pid.equals(w, pid)))
        }
        for (const watcher of info.value.monitoredBy) {
          assert.isTrue(yield* Process.isAlive(watcher), `${pid} is monitored by the dead ${watcher}`)
        }
      }
    })

    const reasonOf = (reason: SignalReason): ExitReason.ExitReason =>
      reason === "Normal"
        ? ExitReason.normal
        : reason === "Shutdown"
          ? ExitReason.shutdown
          : reason === "Failure"
            ? ExitReason.failure("signal")
            : ExitReason.killed

    yield* spawnActor(traps[0])
    yield* spawnActor(traps[1])
    for (const op of ops) {
      const pick = (i: number) => actors[i % actors.length]!
      switch (op.op) {
        case "spawn":
          if (actors.length < 6) yield* spawnActor(op.trap)
          break
        case "link":
          yield* inActor(pick(op.a), Process.link(pick(op.b)))
          break
        case "unlink":
          yield* inActor(pick(op.a), Process.unlink(pick(op.b)))
          break
        case "monitor": {
          const watcher = pick(op.a)
          const target = pick(op.b)
          const ref = yield* inActor(watcher, Process.monitor(target))
          if (Option.isSome(ref)) monitors.push({ watcher, target, ref: ref.value, removedWhileActive: false })
          break
        }
        case "demonitor": {
          const watcher = pick(op.a)
          const own = monitors.filter((m) => Pid.equals(m.watcher, watcher))
          if (own.length === 0) break
          const entry = own[op.which % own.length]!
          const active = yield* inActor(watcher, Process.demonitor(entry.ref))
          if (Option.isSome(active) && active.value) entry.removedWhileActive = true
          break
        }
        case "exit":
          yield* inActor(pick(op.a), Process.exit(pick(op.b), reasonOf(op.reason)))
          break
        case "kill":
          yield* Process.kill(pick(op.a))
          break
        case "crash":
          yield* inActor(pick(op.a), Effect.fail("crash"))
          break
        case "stop":
          yield* inActor(pick(op.a), Process.exit(ExitReason.normal))
          break
      }
      yield* settle
      yield* checkTables
    }

    // every Down that was sent has been handled once the actor answers a later command
    for (const pid of actors) yield* inActor(pid, Effect.void)
    for (const { watcher, target, ref, removedWhileActive } of monitors) {
      const count = downs.get(ref) ?? 0
      if (!(yield* Process.isAlive(watcher))) {
        assert.isAtMost(count, 1)
      } else if (removedWhileActive) {
        assert.strictEqual(count, 0, `a Down for ${ref} after demonitor`)
      } else {
        const targetDead = !(yield* Process.isAlive(target))
        assert.strictEqual(count, targetDead ? 1 : 0, `Downs for ${ref} (${watcher} watching ${target})`)
      }
    }
  })

describe("property", () => {
  it.effect("random spawn/link/monitor/kill/exit programs leave no stale entry and one Down per monitor", () =>
    Effect.gen(function* () {
      const context = yield* Effect.context<never>()
      const run = Effect.runPromiseWith(context)
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(
            fc.tuple(fc.boolean(), fc.boolean()),
            fc.array(opArbitrary, { minLength: 1, maxLength: 30 }),
            (traps, ops) => run(withQuietNode(runProgram(traps, ops)))
          ),
          { numRuns: 100 }
        )
      )
    })
  )
})

describe("a process's own scope", () => {
  it.effect("Effect.addFinalizer in a body runs when the process exits, not when its spawner's scope closes", () =>
    withQuietNode(
      Effect.gen(function* () {
        const log: Array<string> = []
        const pid = yield* Process.spawn(
          Effect.gen(function* () {
            yield* Effect.addFinalizer((exit) => Effect.sync(() => log.push(`finalizer ${exit._tag}`)))
            yield* Process.receive<"stop">()
          })
        )
        yield* Process.send(pid, "stop")
        assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.normal)
        assert.deepStrictEqual(log, ["finalizer Success"])
      })
    )
  )
})

describe("a process's own scope: finalizers come before the exit", () => {
  it.effect("the process is alive, and its monitors wait, until its finalizers are done", () =>
    withQuietNode(
      Effect.gen(function* () {
        const gate = yield* Deferred.make<void>()
        const log: Array<string> = []
        const pid = yield* Process.spawn(
          Effect.gen(function* () {
            yield* Effect.addFinalizer(() =>
              Effect.andThen(
                Deferred.await(gate),
                Effect.sync(() => log.push("finalizer done"))
              )
            )
            yield* Process.receive<never>()
          })
        )
        yield* awaitWaiting(pid)
        const down = yield* Deferred.make<unknown>()
        const monitoring = yield* Deferred.make<void>()
        yield* Process.spawn(
          Effect.gen(function* () {
            yield* Process.monitor(pid)
            yield* Deferred.succeed(monitoring, undefined)
            yield* Deferred.succeed(down, yield* Process.receive<unknown>())
          })
        )
        yield* Deferred.await(monitoring)
        // the signal ends the body at once: the finalizer then waits for the gate
        yield* Process.exit(pid, ExitReason.shutdown)
        assert.deepStrictEqual(
          [
            yield* Process.isAlive(pid),
            Option.map(yield* Process.info(pid), (i) => i.status),
            yield* Deferred.isDone(down),
            log
          ],
          [true, Option.some("exiting"), false, []]
        )
        yield* Deferred.succeed(gate, undefined)
        const message = yield* Deferred.await(down)
        assert.deepStrictEqual(
          [message instanceof DownMessage ? message.reason : message, log, yield* Process.isAlive(pid)],
          [ExitReason.shutdown, ["finalizer done"], false]
        )
      })
    )
  )

  it.effect("a finalizer that fails makes the exit a failure with its cause", () =>
    withQuietNode(
      Effect.gen(function* () {
        const pid = yield* Process.spawn(
          Effect.gen(function* () {
            yield* Effect.addFinalizer(() => Effect.die("finalizer failed"))
            yield* Process.receive<"stop">()
          })
        )
        yield* Process.send(pid, "stop")
        const reason = yield* Process.awaitExit(pid)
        assert.deepStrictEqual(
          {
            tag: reason._tag,
            defects: reason._tag === "Failure" ? reason.cause.reasons.map((r) => (r._tag === "Die" ? r.defect : r)) : []
          },
          { tag: "Failure", defects: ["finalizer failed"] }
        )
      })
    )
  )
})

describe("awaitExit", () => {
  it.effect("goes on after the exit has been handled: name freed, monitor's Down and link's EXIT delivered", () =>
    withQuietNode(
      Effect.gen(function* () {
        const target = yield* Process.spawn(Process.receive<"stop">())
        yield* Process.register("target", target)
        const ready = yield* Deferred.make<void>()
        const watcher = yield* Process.spawn(
          Effect.gen(function* () {
            yield* Process.trapExit(true)
            yield* Process.link(target)
            yield* Process.monitor(target)
            yield* Deferred.succeed(ready, undefined)
            yield* Process.receive<"never">()
          })
        )
        yield* Deferred.await(ready)
        yield* Process.send(target, "stop")
        assert.deepStrictEqual(yield* Process.awaitExit(target), ExitReason.normal)
        assert.isTrue(Option.isNone(yield* Process.whereis("target")))
        // the Down and the EXIT are in the watcher's mailbox, not yet received
        const info = yield* Process.info(watcher)
        assert.strictEqual(Option.getOrThrow(info).mailboxLength, 2)
      })
    )
  )

  it.effect("is not resumed inside an exit: processes ended by the same batch are all gone when it goes on", () =>
    withQuietNode(
      Effect.gen(function* () {
        const pids = [] as Array<Process.Pid<"stop">>
        for (let i = 0; i < 3; i++) pids.push(yield* Process.spawn(Process.receive<"stop">()))
        for (const pid of pids) yield* awaitWaiting(pid)
        for (const pid of pids) yield* Process.send(pid, "stop")
        yield* Process.awaitExit(pids[0]!)
        // resumed from a microtask after the batch that ran all three, not inside the first exit
        assert.isFalse(yield* Process.isAlive(pids[1]!))
        assert.isFalse(yield* Process.isAlive(pids[2]!))
      })
    )
  )

  it.effect("a dead pid keeps no record: only its exit reason, for awaitExit; the record drops what it held", () =>
    withNode(
      Effect.gen(function* () {
        const ready = yield* Deferred.make<void>()
        const other = yield* Process.spawn(Process.receive<never>())
        const pid = yield* Process.spawn(
          Effect.gen(function* () {
            yield* Process.trapExit(true)
            yield* Process.register("soon-dead", yield* Process.self())
            yield* Process.link(other)
            yield* Process.monitor(other)
            yield* Process.sendAfter(yield* Process.self<string>(), "later", "1 hour")
            yield* Process.send(yield* Process.self<string>(), "unread")
            yield* Deferred.succeed(ready, undefined)
            yield* Process.receive((m: string): m is "stop" => m === "stop")
            return yield* Effect.fail("boom")
          })
        )
        yield* Deferred.await(ready)
        const record = recordOf(pid)!
        yield* Process.send(pid, "stop")
        assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.failure("boom"))
        // the pid no longer leads to the record (nor does the table): it holds the reason alone
        assert.deepStrictEqual(
          {
            record: recordOf(pid),
            held: (pid as Pid.Pid<never, unknown> as PidImpl).process,
            inTable: record.node.table.has(pid.id)
          },
          { record: undefined, held: ExitReason.failure("boom"), inTable: false }
        )
        // and the record, still reachable from whoever holds it, has let go of everything a live process needs
        assert.deepStrictEqual(
          {
            status: record.status,
            fiber: record.fiber,
            ext: record.ext,
            mq: record.mq,
            saved: record.saved,
            system: record.system,
            waiter: record.waiter,
            waitNext: record.waitNext
          },
          {
            status: "exited",
            fiber: undefined,
            ext: undefined,
            mq: undefined,
            saved: undefined,
            system: undefined,
            waiter: undefined,
            waitNext: Effect.void
          }
        )
        const dropped = record.node.dropped
        assert.deepStrictEqual(
          [
            yield* Process.awaitExit(pid),
            yield* Process.isAlive(pid),
            yield* Process.info(pid),
            Process.sendUnsafe(pid, "late"),
            yield* Process.send(pid, "later still"),
            record.node.dropped - dropped
          ],
          [ExitReason.failure("boom"), false, Option.none(), false, undefined, 2]
        )
      })
    )
  )

  it.effect("a dead pid answers links and monitors with NoProc at once", () =>
    withNode(
      Effect.gen(function* () {
        const pid = yield* Process.spawn(Process.receive<"stop">())
        yield* Process.send(pid, "stop")
        assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.normal)
        assert.isUndefined(recordOf(pid))
        const seen = yield* Deferred.make<ReadonlyArray<unknown>>()
        yield* Process.spawn(
          Effect.gen(function* () {
            yield* Process.trapExit(true)
            const ref = yield* Process.monitor(pid)
            yield* Process.link(pid)
            const first = yield* Process.receive<unknown>()
            const second = yield* Process.receive<unknown>()
            yield* Deferred.succeed(seen, [ref, first, second])
          })
        )
        const [ref, first, second] = yield* Deferred.await(seen)
        assert.deepStrictEqual(
          [first, second],
          [new DownMessage(ref as MonitorRef, pid, ExitReason.noProc), new ExitMessage(pid, ExitReason.noProc)]
        )
      })
    )
  )
})

describe("message types", () => {
  it("spawn infers the pid's message type from receive, whatever else the body needs", () => {
    type Msg = { readonly _tag: "Ping" } | { readonly _tag: "Stop" }
    const body = Effect.gen(function* () {
      const me = yield* Process.self()
      yield* Process.monitor(me)
      yield* Process.trapExit(true)
      return yield* Process.receive<Msg>()
    })
    const spawned = () => Process.spawn(body)
    expectTypeOf<Effect.Success<ReturnType<typeof spawned>>>().toEqualTypeOf<Process.Pid<Msg>>()
    const untyped = () => Process.spawn(Effect.andThen(Process.self(), Process.receive()))
    expectTypeOf<Effect.Success<ReturnType<typeof untyped>>>().toEqualTypeOf<Process.Pid<unknown>>()
  })
})
