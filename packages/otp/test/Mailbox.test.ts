import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Option } from "effect"
import { Errors, ExitReason, Mailbox, Node, Pid, Process } from "effect-otp"
import { assertReason, drain, awaitWaiting, spawnIdle, spawnResult, withQuietNode } from "./utils.ts"

/** A process with the given mailbox that takes nothing until `gate` opens, then drains its mailbox. */
const gatedReceiver = <O extends Mailbox.Options>(mailbox: O) =>
  Effect.gen(function* () {
    const gate = yield* Deferred.make<void>()
    const { pid, result } = yield* spawnResult(
      Effect.gen(function* () {
        yield* Deferred.await(gate)
        return yield* drain<number>()
      }),
      { mailbox }
    )
    return { pid: pid as unknown as Process.Pid<number, Process.SendErrorOf<{ mailbox: O }>>, gate, result }
  })

describe("Mailbox", () => {
  it("bounded defaults to the suspend policy; unbounded has no capacity", () => {
    assert.deepStrictEqual(Mailbox.bounded(3), { capacity: 3, overflow: "suspend" })
    assert.deepStrictEqual(Mailbox.bounded(3, "dropOldest"), { capacity: 3, overflow: "dropOldest" })
    assert.deepStrictEqual(Mailbox.unbounded, {})
  })

  it.effect("unbounded by default: many messages wait without loss", () =>
    withQuietNode(
      Effect.gen(function* () {
        const { pid, gate, result } = yield* gatedReceiver(Mailbox.unbounded)
        for (let i = 0; i < 10_000; i++) yield* Process.send(pid, i)
        assert.strictEqual(Option.getOrThrow(yield* Process.info(pid)).mailboxLength, 10_000)
        yield* Deferred.succeed(gate, undefined)
        const messages = yield* result
        assert.strictEqual(messages.length, 10_000)
        assert.strictEqual(messages[9_999], 9_999)
      })
    )
  )

  describe("suspend", () => {
    it.effect("a send to a full mailbox suspends the sender until the receiver takes a message", () =>
      withQuietNode(
        Effect.gen(function* () {
          const gate = yield* Deferred.make<void>()
          const lengths: Array<number> = []
          const { pid: receiver, result } = yield* spawnResult(
            Effect.gen(function* () {
              const self = yield* Process.self()
              yield* Deferred.await(gate)
              const got: Array<number> = []
              for (let i = 0; i < 4; i++) {
                got.push(yield* Process.receive<number>())
                lengths.push(Option.getOrThrow(yield* Process.info(self)).mailboxLength)
              }
              return got
            }),
            { mailbox: Mailbox.bounded(2) }
          )
          const sent: Array<number> = []
          const twoSent = yield* Deferred.make<void>()
          const sender = yield* Process.spawn(
            Effect.gen(function* () {
              for (let i = 1; i <= 4; i++) {
                yield* Process.send(receiver, i)
                sent.push(i)
                if (i === 2) yield* Deferred.succeed(twoSent, undefined)
              }
            })
          )
          yield* Deferred.await(twoSent)
          // a hop on purpose: the sender gets the chance to make its third send, which must suspend
          // (a suspended send is seen only by what does not happen)
          yield* Effect.yieldNow
          assert.deepStrictEqual(sent, [1, 2])
          assert.strictEqual(Option.getOrThrow(yield* Process.info(receiver)).mailboxLength, 2)
          assert.isTrue(yield* Process.isAlive(sender))

          yield* Deferred.succeed(gate, undefined)
          assert.deepStrictEqual(yield* result, [1, 2, 3, 4])
          assertReason(yield* Process.awaitExit(sender), ExitReason.normal)
          assert.deepStrictEqual(sent, [1, 2, 3, 4])
          // each take let one suspended sender in: the mailbox never held more than 2
          assert.isTrue(
            lengths.every((n) => n <= 2),
            `mailbox lengths ${lengths}`
          )
        })
      )
    )

    it.effect("a suspended sender is let go when the receiver exits; its message is dropped and counted", () =>
      withQuietNode(
        Effect.gen(function* () {
          const node = yield* Node.Node
          const { pid: receiver } = yield* gatedReceiver(Mailbox.bounded(1))
          const firstSent = yield* Deferred.make<void>()
          const sender = yield* Process.spawn(
            Effect.gen(function* () {
              yield* Process.send(receiver, 1)
              yield* Deferred.succeed(firstSent, undefined)
              yield* Process.send(receiver, 2)
            })
          )
          yield* Deferred.await(firstSent)
          // a hop on purpose: the sender goes on to its second send, which must suspend (seen only
          // by what does not happen: it is still alive)
          yield* Effect.yieldNow
          assert.isTrue(yield* Process.isAlive(sender))
          const droppedBefore = node.stats().messagesDropped
          yield* Process.kill(receiver)
          assertReason(yield* Process.awaitExit(sender), ExitReason.normal)
          assert.strictEqual(node.stats().messagesDropped - droppedBefore, 1)
        })
      )
    )

    it.effect("sendUnsafe cannot wait: on a full mailbox it returns false and counts a drop", () =>
      withQuietNode(
        Effect.gen(function* () {
          const { pid, gate, result } = yield* gatedReceiver(Mailbox.bounded(1))
          assert.isTrue(Process.sendUnsafe(pid, 1))
          assert.isFalse(Process.sendUnsafe(pid, 2))
          assert.strictEqual(Option.getOrThrow(yield* Process.info(pid)).messagesDropped, 1)
          yield* Deferred.succeed(gate, undefined)
          assert.deepStrictEqual(yield* result, [1])
        })
      )
    )
  })

  describe("dropNewest / dropOldest", () => {
    it.effect("dropNewest keeps the first messages; the drops are counted", () =>
      withQuietNode(
        Effect.gen(function* () {
          const node = yield* Node.Node
          const { pid, gate, result } = yield* gatedReceiver(Mailbox.bounded(2, "dropNewest"))
          for (let i = 1; i <= 5; i++) yield* Process.send(pid, i)
          const info = Option.getOrThrow(yield* Process.info(pid))
          assert.deepStrictEqual([info.mailboxLength, info.messagesDropped, info.messagesReceived], [2, 3, 2])
          assert.strictEqual(node.stats().messagesDropped, 3)
          yield* Deferred.succeed(gate, undefined)
          assert.deepStrictEqual(yield* result, [1, 2])
        })
      )
    )

    it.effect("dropOldest keeps the latest messages; the drops are counted", () =>
      withQuietNode(
        Effect.gen(function* () {
          const node = yield* Node.Node
          const { pid, gate, result } = yield* gatedReceiver(Mailbox.bounded(2, "dropOldest"))
          for (let i = 1; i <= 5; i++) yield* Process.send(pid, i)
          const info = Option.getOrThrow(yield* Process.info(pid))
          assert.deepStrictEqual([info.mailboxLength, info.messagesDropped], [2, 3])
          assert.strictEqual(node.stats().messagesDropped, 3)
          yield* Deferred.succeed(gate, undefined)
          assert.deepStrictEqual(yield* result, [4, 5])
        })
      )
    )

    it.effect("dropOldest drops the oldest user message, never a Down or an EXIT", () =>
      withQuietNode(
        Effect.gen(function* () {
          const monitored = yield* spawnIdle
          const linked = yield* spawnIdle
          const ready = yield* Deferred.make<Process.MonitorRef>()
          const gate = yield* Deferred.make<void>()
          const { pid, result } = yield* spawnResult(
            Effect.gen(function* () {
              yield* Process.link(linked)
              yield* Deferred.succeed(ready, yield* Process.monitor(monitored))
              yield* Deferred.await(gate)
              return yield* drain()
            }),
            { mailbox: Mailbox.bounded(3, "dropOldest"), trapExit: true }
          )
          const ref = yield* Deferred.await(ready)
          yield* Process.kill(monitored) // a Down waits
          yield* Process.send(pid as Process.Pid<string>, "a")
          yield* Process.kill(linked) // an EXIT waits: the mailbox is full
          yield* Process.send(pid as Process.Pid<string>, "b") // drops "a", the oldest user message
          yield* Process.send(pid as Process.Pid<string>, "c") // drops "b"
          assert.strictEqual(Option.getOrThrow(yield* Process.info(pid)).messagesDropped, 2)
          yield* Deferred.succeed(gate, undefined)
          const messages = yield* result
          assert.strictEqual(messages.length, 3)
          assert.instanceOf(messages[0], Process.Down)
          assert.strictEqual((messages[0] as Process.Down).ref, ref)
          assert.instanceOf(messages[1], Process.Exit)
          assert.isTrue(Pid.equals((messages[1] as Process.Exit).from, linked))
          assert.strictEqual(messages[2], "c")
        })
      )
    )
  })

  describe("fail", () => {
    it.effect("a send to a full mailbox fails with MailboxFull and enqueues nothing", () =>
      withQuietNode(
        Effect.gen(function* () {
          const { pid, gate, result } = yield* gatedReceiver(Mailbox.bounded(2, "fail"))
          yield* Process.send(pid, 1)
          yield* Process.send(pid, 2)
          const error = yield* Effect.flip(Process.send(pid, 3))
          assert.deepStrictEqual(error, new Errors.MailboxFull({ pid, capacity: 2 }))
          // by name too
          yield* Process.register("mailbox/full", pid)
          const byName = yield* Effect.flip(Process.send("mailbox/full", 3))
          assert.deepStrictEqual(byName, new Errors.MailboxFull({ pid, capacity: 2 }))
          const info = Option.getOrThrow(yield* Process.info(pid))
          assert.deepStrictEqual([info.mailboxLength, info.messagesDropped], [2, 0])
          yield* Deferred.succeed(gate, undefined)
          assert.deepStrictEqual(yield* result, [1, 2])
        })
      )
    )

    it.effect("the type of send says which pids can fail with MailboxFull", () =>
      withQuietNode(
        Effect.gen(function* () {
          const failing = yield* Process.spawn(Process.receive<number>(), { mailbox: Mailbox.bounded(1, "fail") })
          const suspending = yield* Process.spawn(Process.receive<number>(), { mailbox: Mailbox.bounded(1) })
          const unbounded = yield* Process.spawn(Process.receive<number>())

          const mayFail: Effect.Effect<void, Errors.MailboxFull> = Process.send(failing, 1)
          // @ts-expect-error a send to a "fail" mailbox can fail with MailboxFull
          const cannotFail: Effect.Effect<void, never> = Process.send(failing, 1)
          const waits: Effect.Effect<void, never> = Process.send(suspending, 1)
          const plain: Effect.Effect<void, never> = Process.send(unbounded, 1)
          // @ts-expect-error the process receives numbers
          const wrongMessage = Process.send(unbounded, "one")

          assert.deepStrictEqual(yield* Effect.exit(mayFail), Exit.void)
          // typed as never failing (the line above does not compile), it fails all the same
          assert.deepStrictEqual<Exit.Exit<void, unknown>>(
            yield* Effect.exit(cannotFail),
            Exit.fail(new Errors.MailboxFull({ pid: failing, capacity: 1 }))
          )
          yield* waits
          yield* plain
          void wrongMessage
        })
      )
    )
  })

  it.effect("system messages neither count towards capacity nor show in the mailbox length", () =>
    withQuietNode(
      Effect.gen(function* () {
        const handled: Array<unknown> = []
        const ready = yield* Deferred.make<void>()
        const gate = yield* Deferred.make<void>()
        const { pid, result } = yield* spawnResult(
          Effect.gen(function* () {
            yield* Process.setSystemHandler((m) => Effect.sync(() => handled.push(m)))
            yield* Deferred.succeed(ready, undefined)
            yield* Deferred.await(gate)
            return yield* drain<number>()
          }),
          { mailbox: Mailbox.bounded(1, "fail") }
        )
        yield* Deferred.await(ready)
        assert.isTrue(yield* Process.sendSystem(pid, "sys"))
        assert.strictEqual(Option.getOrThrow(yield* Process.info(pid)).mailboxLength, 0)
        yield* Process.send(pid, 1)
        assert.strictEqual(Option.getOrThrow(yield* Process.info(pid)).mailboxLength, 1)
        yield* Deferred.succeed(gate, undefined)
        assert.deepStrictEqual(yield* result, [1])
        assert.deepStrictEqual(handled, ["sys"])
      })
    )
  )

  it.effect("messages a selective receive skipped leave the queue and no longer count towards capacity", () =>
    withQuietNode(
      Effect.gen(function* () {
        const sawB = yield* Deferred.make<void>()
        const sawD = yield* Deferred.make<void>()
        const { pid, result } = yield* spawnResult(
          Effect.gen(function* () {
            yield* Process.receive((m: string) => {
              if (m === "b") Deferred.doneUnsafe(sawB, Exit.void)
              if (m === "d") Deferred.doneUnsafe(sawD, Exit.void)
              return m === "z"
            })
            return yield* drain<string>()
          }),
          { mailbox: Mailbox.bounded(2, "fail") }
        )
        yield* Process.send(pid, "a")
        yield* Process.send(pid, "b")
        yield* Deferred.await(sawB)
        yield* awaitWaiting(pid) // "a" and "b" are in the save list now
        yield* Process.send(pid, "c")
        yield* Process.send(pid, "d")
        assert.strictEqual(Option.getOrThrow(yield* Process.info(pid)).mailboxLength, 4)
        assert.deepStrictEqual(yield* Effect.flip(Process.send(pid, "e")), new Errors.MailboxFull({ pid, capacity: 2 }))
        yield* Deferred.await(sawD)
        yield* awaitWaiting(pid) // "c" and "d" joined them: the queue is empty again
        yield* Process.send(pid, "e")
        yield* Process.send(pid, "z")
        assert.deepStrictEqual(yield* result, ["a", "b", "c", "d", "e"])
      })
    )
  )
})
