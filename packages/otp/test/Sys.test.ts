import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Option, Schema } from "effect"
import { TestClock } from "effect/testing"
import { Errors, ExitReason, GenServer, GenStatem, Mailbox, Node, Process, Request, Supervisor, Sys } from "effect-otp"
import { deadPid, inProcess, spawnIdle } from "./utils.ts"

const withNode = <A, E, R>(effect: Effect.Effect<A, E, R>) => effect.pipe(Effect.provide(Node.layer()))

/** A call that logs its label and replies with the log. */
class Note extends Request.Class<Note>()("Note", {
  fields: { label: Schema.String },
  success: Schema.Array(Schema.String)
}) {}
/** Replies with the log. */
class Log extends Request.Class<Log>()("Log", { success: Schema.Array(Schema.String) }) {}
/** Runs a `Sys` function on the server itself and replies with its Exit. */
class OnSelf extends Request.Class<OnSelf>()("OnSelf", { success: Schema.Any }) {}

interface Labelled {
  readonly label: string
}

/** Its state is the log of what it handled: calls, casts and infos, by label. */
const Recorder = GenServer.behaviour({
  protocol: [Note, Log, OnSelf],
  init: (_: void) => Effect.succeed(GenServer.ok<ReadonlyArray<string>>([])),
  handleCall: {
    Note: ({ label }, log) => Effect.succeed(GenServer.reply([...log, label], [...log, label])),
    Log: (_, log) => Effect.succeed(GenServer.reply(log, log)),
    OnSelf: (_, log) =>
      Effect.flatMap(Process.self(), (pid) =>
        Effect.map(Effect.exit(Sys.suspend(pid)), (exit) => GenServer.reply(exit, log))
      )
  },
  handleCast: (message: Labelled, log) => Effect.succeed(GenServer.noreply([...log, message.label])),
  handleInfo: (message, log) => Effect.succeed(GenServer.noreply([...log, (message as Labelled).label]))
})

interface SwitchTypes {
  readonly state: "off" | "on"
  readonly data: { readonly flips: number }
}

const Switch = GenStatem.behaviour<SwitchTypes>()({
  callbackMode: "handleEvent",
  init: () => Effect.succeed(GenStatem.ok("off", { flips: 0 })),
  handleEvent: () => Effect.succeed(GenStatem.keepStateAndData())
})

class Which extends Request.Class<Which>()("Which", { success: Schema.String }) {}

interface TimerTypes {
  readonly state: "off" | "on"
  readonly data: null
  readonly timeout: "flip"
}

/** Off, then on when its state timeout of 1 second fires; `Which` answers the state. */
const Timer = GenStatem.behaviour<TimerTypes>()({
  callbackMode: "handleEvent",
  protocol: [Which],
  init: () => Effect.succeed(GenStatem.ok("off", null, [GenStatem.stateTimeout("1 second", "flip")])),
  handleEvent: (event, state) =>
    Effect.succeed(
      event._tag === "StateTimeout"
        ? GenStatem.nextState("on", null)
        : GenStatem.isCall(event, Which)
          ? GenStatem.keepStateAndData([GenStatem.replyAction(event.from, state)])
          : GenStatem.keepStateAndData()
    )
})

describe("Sys", () => {
  it.effect("getState and replaceState: the next call sees the new state", () =>
    withNode(
      Effect.gen(function* () {
        const server = yield* GenServer.start(Recorder, undefined)
        yield* GenServer.call(server, new Note({ label: "a" }))
        assert.deepStrictEqual(yield* Sys.getState(server), ["a"])
        const replaced = yield* Sys.replaceState(server, (log: ReadonlyArray<string>) => [...log, "replaced"])
        assert.deepStrictEqual(replaced, ["a", "replaced"])
        assert.deepStrictEqual(yield* GenServer.call(server, new Note({ label: "b" })), ["a", "replaced", "b"])
        // GenServer.getState is Sys.getState
        assert.deepStrictEqual(yield* GenServer.getState(server), ["a", "replaced", "b"])
      })
    )
  )

  it.effect("replaceState with a function that throws: ReplaceStateFailed, the state unchanged, the server alive", () =>
    withNode(
      Effect.gen(function* () {
        const server = yield* GenServer.start(Recorder, undefined)
        const pid = Option.getOrThrow(server.whereis())
        yield* GenServer.call(server, new Note({ label: "a" }))
        const boom = new Error("boom")
        const error = yield* Effect.flip(
          Sys.replaceState(server, (_: ReadonlyArray<string>): ReadonlyArray<string> => {
            throw boom
          })
        )
        assert.deepStrictEqual(error, new Sys.ReplaceStateFailed({ pid, error: boom }))
        assert.deepStrictEqual(yield* GenServer.call(server, new Log()), ["a"])
      })
    )
  )

  it.effect("a suspended server keeps its calls, casts and infos, and handles them in order once resumed", () =>
    withNode(
      Effect.gen(function* () {
        const server = yield* GenServer.start(Recorder, undefined)
        const pid = Option.getOrThrow(server.whereis())
        yield* Sys.suspend(server)
        yield* GenServer.cast(server, { label: "cast 1" })
        const call = yield* Effect.forkChild(GenServer.call(server, new Note({ label: "call" })), {
          startImmediately: true
        })
        yield* GenServer.send(server, { label: "info" })
        yield* GenServer.cast(server, { label: "cast 2" })
        // nothing is handled while suspended, however long it lasts (within the call's 5 s)
        yield* TestClock.adjust("4 seconds")
        assert.isUndefined(call.pollUnsafe())
        // system requests are still served
        assert.deepStrictEqual(yield* Sys.getStatus(server), {
          pid,
          registeredName: Option.none(),
          behaviour: "GenServer",
          status: "suspended",
          state: [],
          mailboxLength: 4,
          parent: Option.none()
        })
        yield* Sys.resume(server)
        assert.deepStrictEqual(yield* Fiber.join(call), ["cast 1", "call"])
        assert.deepStrictEqual(yield* GenServer.call(server, new Log()), ["cast 1", "call", "info", "cast 2"])
        assert.strictEqual((yield* Sys.getStatus(server)).status, "running")
      })
    )
  )

  it.effect("a call to a suspended server times out at exactly its timeout; its request is handled on resume", () =>
    withNode(
      Effect.gen(function* () {
        const server = yield* GenServer.start(Recorder, undefined)
        const pid = Option.getOrThrow(server.whereis())
        yield* Sys.suspend(server)
        const call = yield* Effect.forkChild(
          Effect.exit(GenServer.call(server, new Note({ label: "late" }), { timeout: "1 second" })),
          { startImmediately: true }
        )
        yield* TestClock.adjust("999 millis")
        assert.isUndefined(call.pollUnsafe())
        yield* TestClock.adjust("1 milli")
        assert.deepStrictEqual(yield* Fiber.join(call), Exit.fail(new GenServer.CallTimeout({ pid, timeout: 1000 })))
        yield* Sys.resume(server)
        assert.deepStrictEqual(yield* GenServer.call(server, new Log()), ["late"])
      })
    )
  )

  it.effect("getStatus of a GenServer started linked and named: its name and its parent", () =>
    withNode(
      inProcess(
        Effect.gen(function* () {
          const parent = yield* Process.self()
          const server = yield* GenServer.startLink(Recorder, undefined, { name: "sys/recorder" })
          const pid = Option.getOrThrow(server.whereis())
          yield* GenServer.cast(server, { label: "c" })
          assert.deepStrictEqual(yield* Sys.getStatus(server), {
            pid,
            registeredName: Option.some("sys/recorder"),
            behaviour: "GenServer",
            status: "running",
            state: [],
            mailboxLength: 1,
            parent: Option.some(parent)
          })
        })
      )
    )
  )

  it.effect("getStatus, getState and replaceState of a GenStatem: its state and data", () =>
    withNode(
      Effect.gen(function* () {
        const machine = yield* GenStatem.start(Switch, undefined)
        const pid = Option.getOrThrow(machine.whereis())
        const replaced = yield* Sys.replaceState(
          machine,
          ({ data }: { readonly state: string; readonly data: { readonly flips: number } }) => ({
            state: "on",
            data: { flips: data.flips + 1 }
          })
        )
        assert.deepStrictEqual(replaced, { state: "on", data: { flips: 1 } })
        assert.deepStrictEqual(yield* Sys.getStatus(pid), {
          pid,
          registeredName: Option.none(),
          behaviour: "GenStatem",
          status: "running",
          state: { state: "on", data: { flips: 1 } },
          mailboxLength: 0,
          parent: Option.none()
        })
        assert.deepStrictEqual(yield* GenStatem.getState(machine), { state: "on", data: { flips: 1 } })
      })
    )
  )

  it.effect("a process without a system handler: NoSystemHandler at once", () =>
    withNode(
      Effect.gen(function* () {
        const pid = yield* spawnIdle
        const expected = new Errors.NoSystemHandler({ pid })
        assert.deepStrictEqual(yield* Effect.flip(Sys.getState(pid)), expected)
        assert.deepStrictEqual(yield* Effect.flip(Sys.suspend(pid)), expected)
        assert.deepStrictEqual(yield* Effect.flip(Sys.getStatus(pid)), expected)
        assert.deepStrictEqual(yield* Effect.flip(GenServer.getState(GenServer.fromPid(pid))), expected)
      })
    )
  )

  it.effect("a dead process: NoProc", () =>
    withNode(
      Effect.gen(function* () {
        const pid = yield* deadPid
        assert.deepStrictEqual(yield* Effect.flip(Sys.getStatus(pid)), new Errors.NoProc({ pid }))
        assert.deepStrictEqual(yield* Effect.flip(Sys.resume(pid)), new Errors.NoProc({ pid }))
      })
    )
  )

  it.effect("from within the server itself: CallingSelf at once, and the server carries on", () =>
    withNode(
      Effect.gen(function* () {
        const server = yield* GenServer.start(Recorder, undefined)
        const pid = Option.getOrThrow(server.whereis())
        assert.deepStrictEqual(
          yield* GenServer.call(server, new OnSelf()),
          Exit.fail(new GenServer.CallingSelf({ pid, operation: "suspend" }))
        )
        assert.deepStrictEqual((yield* Sys.getStatus(server)).status, "running")
      })
    )
  )

  it.effect("a GenStatem's timeout that fires while it is suspended is handled once it resumes", () =>
    withNode(
      Effect.gen(function* () {
        const machine = yield* GenStatem.start(Timer, undefined)
        yield* Sys.suspend(machine)
        yield* TestClock.adjust("2 seconds")
        assert.deepStrictEqual(yield* GenStatem.getState(machine), { state: "off", data: null })
        assert.strictEqual((yield* Sys.getStatus(machine)).mailboxLength, 1)
        yield* Sys.resume(machine)
        assert.strictEqual(yield* GenStatem.call(machine, new Which()), "on")
      })
    )
  )

  it.effect("a suspended server stops on stop (a system request)", () =>
    withNode(
      Effect.gen(function* () {
        const server = yield* GenServer.start(Recorder, undefined)
        const pid = Option.getOrThrow(server.whereis())
        yield* Sys.suspend(server)
        yield* GenServer.cast(server, { label: "never handled" })
        yield* GenServer.stop(server)
        assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.normal)
      })
    )
  )

  it.effect("a supervisor runs on GenServer's engine: suspended, it answers system requests only", () =>
    withNode(
      Effect.gen(function* () {
        const sup = yield* Supervisor.start({ children: [] })
        const pid = Option.getOrThrow(sup.whereis())
        yield* Sys.suspend(sup)
        const children = yield* Effect.forkChild(Effect.exit(Supervisor.whichChildren(sup)), {
          startImmediately: true
        })
        const { behaviour, mailboxLength, parent, status } = yield* Sys.getStatus(sup)
        assert.deepStrictEqual(
          { behaviour, mailboxLength, parent, status },
          { behaviour: "GenServer", mailboxLength: 1, parent: Option.none(), status: "suspended" }
        )
        yield* TestClock.adjust("5 seconds")
        assert.deepStrictEqual(
          yield* Fiber.join(children),
          Exit.fail(new GenServer.CallTimeout({ pid, timeout: 5000 }))
        )
        yield* Sys.resume(sup)
        assert.deepStrictEqual(yield* Supervisor.whichChildren(sup), [])
      })
    )
  )

  it.effect("statistics: the start time, the time now, the messages in, handled and dropped", () =>
    withNode(
      Effect.gen(function* () {
        yield* TestClock.adjust("1 second")
        const server = yield* GenServer.start(Recorder, undefined)
        yield* TestClock.adjust("2 seconds")
        yield* GenServer.cast(server, { label: "cast" })
        yield* GenServer.send(server, { label: "info" })
        yield* GenServer.call(server, new Log())
        yield* Sys.suspend(server)
        yield* GenServer.cast(server, { label: "waiting" })
        assert.deepStrictEqual(yield* Sys.statistics(server), {
          startTime: 1000,
          currentTime: 3000,
          messagesIn: 4,
          messagesHandled: 3,
          messagesDropped: 0
        })
      })
    )
  )

  it.effect('statistics of a "dropOldest" mailbox: a dropped message is not counted as handled', () =>
    withNode(
      Effect.gen(function* () {
        const server = yield* GenServer.start(Recorder, undefined, { mailbox: Mailbox.bounded(2, "dropOldest") })
        yield* Sys.suspend(server)
        for (const label of ["a", "b", "c", "d"]) yield* GenServer.cast(server, { label })
        assert.deepStrictEqual(yield* Sys.statistics(server), {
          startTime: 0,
          currentTime: 0,
          messagesIn: 4,
          messagesHandled: 0,
          messagesDropped: 2
        })
      })
    )
  )

  it.effect("a suspended server that traps exits stops on an EXIT from its parent, after terminate", () =>
    withNode(
      inProcess(
        Effect.gen(function* () {
          // the parent traps exits, as a supervisor does: the server's exit comes to it as a message
          yield* Process.trapExit(true)
          const log: Array<string> = []
          const Trapping = GenServer.behaviour({
            init: (_: void) => Effect.succeed(GenServer.ok<ReadonlyArray<string>>([])),
            handleCast: (message: Labelled, handled) => Effect.succeed(GenServer.noreply([...handled, message.label])),
            terminate: (reason, handled) => Effect.sync(() => log.push(`terminate ${reason._tag} [${handled}]`))
          })
          const server = yield* GenServer.startLink(Trapping, undefined, { trapExit: true })
          const pid = Option.getOrThrow(server.whereis())
          yield* Sys.suspend(server)
          yield* GenServer.cast(server, { label: "queued" })
          yield* Process.exit(pid, ExitReason.shutdown)
          assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.shutdown)
          assert.deepStrictEqual(log, ["terminate Shutdown []"])
        })
      )
    )
  )

  it.effect("an EXIT from the parent already in the mailbox when the server is suspended stops it too", () =>
    withNode(
      inProcess(
        Effect.gen(function* () {
          yield* Process.trapExit(true)
          const server = yield* GenServer.startLink(Recorder, undefined, { trapExit: true })
          const pid = Option.getOrThrow(server.whereis())
          yield* GenServer.cast(server, { label: "queued" })
          // both come before the server runs: the suspension (system lane) is served first
          yield* Process.exit(pid, ExitReason.shutdown)
          yield* Sys.suspend(server)
          assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.shutdown)
        })
      )
    )
  )
})
