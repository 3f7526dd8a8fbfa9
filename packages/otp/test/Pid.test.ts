import { inspect } from "node:util"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Equal, Hash, HashMap, HashSet, Option, Schema } from "effect"
import { type Errors, ExitReason, Pid, Process } from "effect-otp"
import { assertReason, spawnIdle, spawnResult, withQuietNode } from "./utils.ts"

describe("Pid", () => {
  describe("equality and hashing", () => {
    it("pids with the same node, creation and number are equal and hash alike", () => {
      const a = Pid.make("a@host", 1, 42)
      const same = Pid.make("a@host", 1, 42)
      assert.notStrictEqual(a, same)
      assert.isTrue(Equal.equals(a, same))
      assert.isTrue(Pid.equals(a, same))
      assert.strictEqual(Hash.hash(a), Hash.hash(same))
      for (const other of [Pid.make("a@host", 1, 43), Pid.make("b@host", 1, 42), Pid.make("a@host", 2, 42)]) {
        assert.isFalse(Equal.equals(a, other), `${JSON.stringify(other)}`)
        assert.isFalse(Pid.equals(a, other))
      }
      assert.isFalse(Equal.equals(a, { node: "a@host", creation: 1, id: 42 }))
    })

    it("a pid is a HashMap key and a HashSet member by value", () => {
      const map = HashMap.make([Pid.make("a@host", 1, 1), "one"], [Pid.make("a@host", 1, 2), "two"])
      assert.deepStrictEqual(HashMap.get(map, Pid.make("a@host", 1, 2)), Option.some("two"))
      assert.deepStrictEqual(HashMap.get(map, Pid.make("a@host", 2, 2)), Option.none())
      const set = HashSet.make(Pid.make("a@host", 1, 1), Pid.make("a@host", 1, 1), Pid.make("a@host", 1, 2))
      assert.strictEqual(HashSet.size(set), 2)
    })

    it.effect("a spawned pid equals the same pid rebuilt from its parts", () =>
      withQuietNode(
        Effect.gen(function* () {
          const pid = yield* spawnIdle
          const rebuilt = Pid.make(pid.node, pid.creation, pid.id)
          assert.isTrue(Equal.equals(pid, rebuilt))
          assert.strictEqual(Hash.hash(pid), Hash.hash(rebuilt))
          assert.isTrue(Pid.isPid(pid))
          assert.isFalse(Pid.isPid({ node: pid.node, creation: pid.creation, id: pid.id }))
        })
      )
    )
  })

  describe("printing", () => {
    it.effect("a pid prints as <n.id.0>, n being its node's index in this OS process", () =>
      withQuietNode(
        Effect.gen(function* () {
          const a = yield* spawnIdle
          const b = yield* spawnIdle
          const match = /^<(\d+)\.(\d+)\.0>$/.exec(String(a))
          assert.isNotNull(match)
          const [, index, id] = match!
          assert.strictEqual(Number(id), a.id)
          assert.strictEqual(String(b), `<${index}.${b.id}.0>`)
          assert.strictEqual(b.id, a.id + 1)
          // the same in util.inspect (console.log) and a template string
          assert.strictEqual(inspect(a), String(a))
          assert.strictEqual(`${a}`, String(a))
          // another node of this OS process has another index
          const other = yield* withQuietNode(spawnIdle)
          assert.notStrictEqual(/^<(\d+)\./.exec(String(other))![1], index)
        })
      )
    )

    it("toJSON gives the parts", () => {
      assert.strictEqual(
        JSON.stringify(Pid.make("a@host", 3, 7)),
        JSON.stringify({ _id: "Pid", node: "a@host", creation: 3, id: 7 })
      )
    })
  })

  describe("schema", () => {
    it("encodes to { node, creation, id } and decodes to an equal pid", () => {
      const pid = Pid.make("a@host", 1, 42)
      const encoded = Schema.encodeSync(Pid.schema)(pid)
      assert.deepStrictEqual(encoded, { node: "a@host", creation: 1, id: 42 })
      const decoded = Schema.decodeSync(Pid.schema)(JSON.parse(JSON.stringify(encoded)))
      assert.isTrue(Pid.isPid(decoded))
      assert.isTrue(Equal.equals(decoded, pid))
    })

    it("rejects what is not a pid", () => {
      for (const bad of [{ node: "a@host", creation: 1, id: 1.5 }, { node: "a@host", id: 1 }, "<0.1.0>", null]) {
        assert.throws(() => Schema.decodeUnknownSync(Pid.schema)(bad), undefined, undefined, JSON.stringify(bad))
      }
    })

    it.effect("a decoded pid still reaches its local process: send, link, monitor, info, exit", () =>
      withQuietNode(
        Effect.gen(function* () {
          const { pid, result } = yield* spawnResult(
            Effect.gen(function* () {
              const first = yield* Process.receive<string>()
              return [first, yield* Process.receive<string>()] as const
            })
          )
          // the schema is typed for Pid<unknown>: a pid typed by its messages needs a cast to be encoded
          const wire = JSON.stringify(Schema.encodeSync(Pid.schema)(pid as Pid.Pid<unknown>))
          const decoded = Schema.decodeSync(Pid.schema)(JSON.parse(wire)) as Process.Pid<string>

          assert.isTrue(yield* Process.isAlive(decoded))
          assert.isTrue(Option.isSome(yield* Process.info(decoded)))
          const ready = yield* Deferred.make<Process.MonitorRef>()
          const { result: down } = yield* spawnResult(
            Effect.gen(function* () {
              yield* Deferred.succeed(ready, yield* Process.monitor(decoded))
              return yield* Process.receive<Process.Down>()
            })
          )
          const ref = yield* Deferred.await(ready)
          yield* Process.send(decoded, "hello")
          assert.isTrue(Process.sendUnsafe(decoded, "world"))
          assert.deepStrictEqual(yield* result, ["hello", "world"])
          const message = yield* down
          assert.strictEqual(message.ref, ref)
          assert.isTrue(Pid.equals(message.pid, pid))
          assertReason(message.reason, ExitReason.normal)
          // once the process has exited, the decoded pid is just dead
          assert.isFalse(yield* Process.isAlive(decoded))
          assert.isFalse(Process.sendUnsafe(decoded, "too late"))
        })
      )
    )

    it.effect("exit signals and names work through a decoded pid", () =>
      withQuietNode(
        Effect.gen(function* () {
          const pid = yield* spawnIdle
          const decoded = Schema.decodeSync(Pid.schema)(Schema.encodeSync(Pid.schema)(pid))
          yield* Process.register("pid/decoded", decoded)
          assert.isTrue(Pid.equals(Option.getOrThrow(yield* Process.whereis("pid/decoded")), pid))
          yield* Process.exit(decoded, ExitReason.shutdownWith("via a decoded pid"))
          assertReason(yield* Process.awaitExit(pid), ExitReason.shutdownWith("via a decoded pid"))
        })
      )
    )

    it.effect("a pid of no live node reaches nothing", () =>
      withQuietNode(
        Effect.gen(function* () {
          const stranger = Pid.make<string>("elsewhere@host", 1, 1)
          assert.isFalse(yield* Process.isAlive(stranger))
          yield* Process.send(stranger, "nobody")
          assert.isFalse(Process.sendUnsafe(stranger, "nobody"))
          assertReason(yield* Process.awaitExit(stranger), ExitReason.noProc)
        })
      )
    )
  })

  it("types: a Pid<M> is accepted where a Pid<M, MailboxFull> is expected, and Pid<unknown> takes any message", () => {
    const plain = Pid.make<number>("a@host", 1, 1) as Pid.Pid<number>
    const mayFail: Pid.Pid<number, Errors.MailboxFull> = plain
    const any: Pid.Any = plain
    // @ts-expect-error a pid of numbers does not take strings
    const strings: Pid.Pid<string> = plain
    const anything = Pid.make("a@host", 1, 1) as Pid.Pid<unknown>
    const numbers: Pid.Pid<number> = anything
    assert.isTrue([mayFail, any, strings, numbers].every(Pid.isPid))
  })
})
