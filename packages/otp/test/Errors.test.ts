import { assert, describe, expectTypeOf, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Option, Schema } from "effect"
import { TestClock } from "effect/testing"
import * as otp from "effect-otp"
import {
  ChildSpec,
  DynamicSupervisor,
  Errors,
  ExitReason,
  GenServer,
  GenStatem,
  Mailbox,
  Node,
  Pid,
  Process,
  Request,
  Supervisor,
  Task
} from "effect-otp"
import { inProcess, withNode } from "./utils.ts"

class Get extends Request.Class<Get>()("Get", { success: Schema.Number }) {}

const Counter = GenServer.behaviour({
  protocol: [Get],
  init: (start: number) => Effect.succeed(GenServer.ok(start)),
  handleCall: { Get: (_, n) => Effect.succeed(GenServer.reply(n, n)) }
})

const Light = GenStatem.behaviour<{ state: "on"; data: null }>()({
  callbackMode: "handleEvent",
  init: () => Effect.succeed(GenStatem.ok("on", null)),
  handleEvent: () => Effect.succeed(GenStatem.keepStateAndData())
})

/** The node's live processes and spawn count now. */
const census = Effect.map(Effect.service(Node.Node), (node) => ({
  processes: node.processes().map(String),
  spawned: node.stats().spawned
}))

/**
 * Runs `effect`, which must fail with `expected`, and checks that it spawned nothing and left the
 * node's processes as they were.
 */
const rejects = <A, E, R>(effect: Effect.Effect<A, E, R>, expected: Errors.BadArgument) =>
  Effect.gen(function* () {
    const before = yield* census
    const error: unknown = yield* Effect.flip(effect)
    assert.deepStrictEqual(error, expected)
    assert.deepStrictEqual(yield* census, before)
  })

const bad = (fn: string, field: string, value: unknown, reason: string) =>
  new Errors.BadArgument({ function: fn, field, value, reason })

const timeoutReason = 'must be a non-negative duration or "infinity"'
const badTimeouts: ReadonlyArray<unknown> = [-1, Number.NaN, "soon", "-5 seconds", { seconds: -1 }, null, true]

describe("errors print as Tag: message", () => {
  const samples = [
    [new Errors.NoProc({ registeredName: "counter" }), 'NoProc: no process named "counter"'],
    [
      new Errors.AlreadyRegistered({ registeredName: "counter", pid: Pid.make("a@host", 1, 7) }),
      'AlreadyRegistered: the name "counter" is already registered to <0.7.0>'
    ],
    [new Errors.NotRegistered({ registeredName: "counter" }), 'NotRegistered: no process is registered as "counter"'],
    [
      new Supervisor.MaxRestartIntensity({ id: "w", reason: "boom" }),
      'MaxRestartIntensity: reached max restart intensity restarting "w" after: boom'
    ],
    [
      new ChildSpec.InvalidChildSpec({ id: "w", field: "restart", reason: "bad" }),
      'InvalidChildSpec: invalid child spec "w": restart: bad'
    ],
    [
      bad("GenServer.call", "timeout", -1, timeoutReason),
      'BadArgument: GenServer.call: timeout must be a non-negative duration or "infinity", got -1'
    ]
  ] as const

  it("String(error) and the first line of Cause.pretty are `Tag: message`", () => {
    for (const [error, printed] of samples) {
      assert.strictEqual(String(error), printed)
      assert.strictEqual(Cause.pretty(Cause.fail(error)).split("\n")[0], printed)
      assert.strictEqual(error.name, error._tag)
    }
  })

  it("no exported error class has a field called `name` (it would print in place of the tag)", () => {
    const classes: Array<string> = []
    for (const [moduleName, module] of Object.entries(otp)) {
      for (const [exportName, value] of Object.entries(module as Record<string, unknown>)) {
        if (typeof value !== "function" || !(value.prototype instanceof Error)) continue
        const fields = (value as { readonly fields?: Record<string, unknown> }).fields
        if (fields === undefined) continue
        classes.push(`${moduleName}.${exportName}`)
        assert.notProperty(fields, "name", `${moduleName}.${exportName} has a field called name`)
      }
    }
    // the walk found the error classes (it is not vacuous)
    assert.includeMembers(classes, [
      "Errors.NoProc",
      "Errors.BadArgument",
      "GenServer.CallTimeout",
      "Registry.UnknownRegistry"
    ])
  })
})

describe("BadArgument: invalid values are rejected where they enter, leaving nothing running", () => {
  it.effect("call, stop and getState reject an invalid timeout; the server is unaffected", () =>
    withNode(
      Effect.gen(function* () {
        const server = yield* GenServer.start(Counter, 3)
        const pid = Option.getOrThrow(server.whereis())
        const received = Option.getOrThrow(yield* Process.info(pid)).messagesReceived
        for (const timeout of badTimeouts) {
          const options = { timeout } as GenServer.CallOptions
          yield* rejects(GenServer.call(server, new Get(), options), bad("call", "timeout", timeout, timeoutReason))
          yield* rejects(
            GenServer.stop(server, ExitReason.normal, options),
            bad("stop", "timeout", timeout, timeoutReason)
          )
          yield* rejects(GenServer.getState(server, options), bad("getState", "timeout", timeout, timeoutReason))
        }
        // nothing was sent: the server's mailbox is empty and it still serves
        assert.strictEqual(Option.getOrThrow(yield* Process.info(pid)).messagesReceived, received)
        assert.strictEqual(yield* GenServer.call(server, new Get(), { timeout: "infinity" }), 3)
        // 0 is valid, as OTP: on the test clock its deadline has passed before the server runs
        assert.deepStrictEqual(
          yield* Effect.flip(GenServer.call(server, new Get(), { timeout: 0 })),
          new GenServer.CallTimeout({ pid, timeout: 0 })
        )
        assert.strictEqual(yield* GenServer.getState(server, { timeout: "1 second" }), 3)
      })
    )
  )

  it.effect("Process.receive and Process.sendAfter reject an invalid timeout: nothing taken, no timer", () =>
    withNode(
      inProcess(
        Effect.gen(function* () {
          const self = yield* Process.self<string>()
          yield* Process.send(self, "kept")
          for (const timeout of badTimeouts) {
            const error: unknown = yield* Effect.flip(Process.receive<string>({ timeout } as never))
            assert.deepStrictEqual(error, bad("Process.receive", "timeout", timeout, timeoutReason))
            const delayError: unknown = yield* Effect.flip(Process.sendAfter(self, "late", timeout as never))
            assert.deepStrictEqual(delayError, bad("Process.sendAfter", "delay", timeout, timeoutReason))
          }
          yield* TestClock.adjust("1 hour")
          // the message is still there, and no timer sent anything
          assert.deepStrictEqual(yield* Process.receive<string>({ timeout: 0 }), Option.some("kept"))
          assert.deepStrictEqual(yield* Process.receive<string>({ timeout: 0 }), Option.none())
        })
      )
    )
  )

  it.effect("Process.spawn, spawnLink and spawnMonitor reject invalid mailbox options, spawning nothing", () =>
    withNode(
      inProcess(
        Effect.gen(function* () {
          const body = Process.receive<string>()
          const capacityReason = "must be a positive integer or Infinity"
          for (const capacity of [0, -1, 1.5, Number.NaN]) {
            const options = { mailbox: { capacity } }
            const expected = (fn: string) => bad(fn, "mailbox.capacity", capacity, capacityReason)
            yield* rejects(Process.spawn(body, options), expected("Process.spawn"))
            yield* rejects(Process.spawnLink(body, options), expected("Process.spawnLink"))
            yield* rejects(Process.spawnMonitor(body, options), expected("Process.spawnMonitor"))
          }
          yield* rejects(
            Process.spawn(body, { mailbox: { overflow: "bounce" } } as never),
            bad(
              "Process.spawn",
              "mailbox.overflow",
              "bounce",
              'must be one of "suspend", "dropNewest", "dropOldest", "fail"'
            )
          )
          // valid options spawn, and the error type says when a spawn can fail
          const pid = yield* Process.spawn(body, { mailbox: Mailbox.bounded(1, "fail") })
          yield* Process.send(pid, "done")
          expectTypeOf<Effect.Error<ReturnType<typeof Process.spawn<void, never, never, {}>>>>().toEqualTypeOf<never>()
          const trapping = () => Process.spawn(body, { trapExit: true })
          const bounded = () => Process.spawn(body, { mailbox: Mailbox.bounded(2) })
          expectTypeOf<Effect.Error<ReturnType<typeof trapping>>>().toEqualTypeOf<never>()
          expectTypeOf<Effect.Error<ReturnType<typeof bounded>>>().toEqualTypeOf<Errors.BadArgument>()
        })
      )
    )
  )

  it.effect("GenServer and GenStatem starts reject invalid options before spawning", () =>
    withNode(
      Effect.gen(function* () {
        const cases: ReadonlyArray<readonly [GenServer.StartOptions, string, unknown, string]> = [
          [{ timeout: -5 }, "timeout", -5, timeoutReason],
          [{ timeout: "eventually" } as never, "timeout", "eventually", timeoutReason],
          [{ name: "" }, "name", "", "must be a non-empty string or a via name (Registry.via)"],
          [{ name: 42 } as never, "name", 42, "must be a non-empty string or a via name (Registry.via)"],
          [{ mailbox: { capacity: 0 } }, "mailbox.capacity", 0, "must be a positive integer or Infinity"],
          [{ mailbox: { capacity: 2.5 } }, "mailbox.capacity", 2.5, "must be a positive integer or Infinity"],
          [
            { mailbox: { capacity: 2, overflow: "explode" } } as never,
            "mailbox.overflow",
            "explode",
            'must be one of "suspend", "dropNewest", "dropOldest", "fail"'
          ],
          [{ trapExit: "yes" } as never, "trapExit", "yes", "must be a boolean"]
        ]
        for (const [options, field, value, reason] of cases) {
          yield* rejects(GenServer.start(Counter, 0, options), bad("GenServer.start", field, value, reason))
          yield* rejects(GenStatem.start(Light, undefined, options), bad("GenStatem.start", field, value, reason))
          // from inside a process (startLink, startMonitor): the census is taken in that process
          yield* inProcess(
            Effect.andThen(
              rejects(GenServer.startLink(Counter, 0, options), bad("GenServer.startLink", field, value, reason)),
              rejects(
                GenStatem.startMonitor(Light, undefined, options),
                bad("GenStatem.startMonitor", field, value, reason)
              )
            )
          )
        }
        // valid edge values are accepted
        const edge = yield* GenServer.start(Counter, 1, { timeout: "infinity", mailbox: { capacity: Infinity } })
        assert.strictEqual(yield* GenServer.call(edge, new Get()), 1)
      })
    )
  )

  it.effect("Supervisor.start rejects invalid flags before spawning", () =>
    withNode(
      Effect.gen(function* () {
        const cases: ReadonlyArray<readonly [Supervisor.Options, string, unknown, string]> = [
          [
            { children: [], strategy: "oneForSome" } as never,
            "strategy",
            "oneForSome",
            'must be one of "oneForOne", "oneForAll", "restForOne"'
          ],
          [
            { children: [], autoShutdown: "sometimes" } as never,
            "autoShutdown",
            "sometimes",
            'must be one of "never", "anySignificant", "allSignificant"'
          ],
          [{ children: [], intensity: 3 } as never, "intensity", 3, "must be a Schedule (see Supervisor.intensity)"],
          [{ children: "none" } as never, "children", "none", "must be an array of child specs"],
          [{ children: [], name: "" }, "name", "", "must be a non-empty string or a via name (Registry.via)"]
        ]
        for (const [options, field, value, reason] of cases) {
          yield* rejects(Supervisor.start(options), bad("Supervisor.start", field, value, reason))
        }
        yield* rejects(
          Supervisor.start(null as never),
          bad("Supervisor.start", "options", null, "must be an options object")
        )
      })
    )
  )

  it.effect("DynamicSupervisor.start rejects invalid options before spawning; maxChildren 0 is valid", () =>
    withNode(
      Effect.gen(function* () {
        const countReason = "must be a non-negative integer or Infinity"
        for (const maxChildren of [-1, 1.5, Number.NaN, "10"]) {
          yield* rejects(
            DynamicSupervisor.start({ maxChildren } as never),
            bad("DynamicSupervisor.start", "maxChildren", maxChildren, countReason)
          )
        }
        yield* rejects(
          DynamicSupervisor.start({ intensity: "3/5" } as never),
          bad("DynamicSupervisor.start", "intensity", "3/5", "must be a Schedule (see Supervisor.intensity)")
        )
        const none = yield* DynamicSupervisor.start({ maxChildren: 0 })
        const error = yield* Effect.flip(
          DynamicSupervisor.startChild(none, { id: "w", start: Process.spawnLink(Process.receive()) })
        )
        assert.deepStrictEqual(error, new DynamicSupervisor.MaxChildren({ maxChildren: 0 }))
      })
    )
  )
})

describe("BadArgument: Task", () => {
  it.effect("await, yield, awaitMany, yieldMany and shutdown reject invalid options; the task is untouched", () =>
    withNode(
      inProcess(
        Effect.gen(function* () {
          const gate = yield* Deferred.make<void>()
          const task = yield* Task.async(Effect.as(Deferred.await(gate), 42))
          for (const timeout of badTimeouts) {
            const t = timeout as never
            const expect = (fn: string, field = "timeout") => bad(fn, field, timeout, timeoutReason)
            assert.deepStrictEqual(yield* Effect.flip(Task.await(task, t)), expect("Task.await"))
            assert.deepStrictEqual(yield* Effect.flip(Task.yield(task, t)), expect("Task.yield"))
            assert.deepStrictEqual(yield* Effect.flip(Task.awaitMany([task], t)), expect("Task.awaitMany"))
            assert.deepStrictEqual(yield* Effect.flip(Task.yieldMany([task], t)), expect("Task.yieldMany"))
            assert.deepStrictEqual(yield* Effect.flip(Task.shutdown(task, t)), expect("Task.shutdown", "shutdown"))
          }
          assert.deepStrictEqual(
            yield* Effect.flip(Task.yieldMany([task], { limit: -1 })),
            bad("Task.yieldMany", "limit", -1, "must be a non-negative integer or Infinity")
          )
          assert.deepStrictEqual(
            yield* Effect.flip(Task.yieldMany([task], { onTimeout: "explode" } as never)),
            bad("Task.yieldMany", "onTimeout", "explode", 'must be one of "nothing", "ignore", "killTask"')
          )
          // the task still runs and can be awaited
          yield* Deferred.succeed(gate, undefined)
          assert.strictEqual(yield* Task.await(task, "infinity"), 42)
        })
      )
    )
  )
})
