import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Option, Schema } from "effect"
import { TestClock } from "effect/testing"
import {
  DynamicSupervisor,
  Errors,
  ExitReason,
  GenServer,
  GenStatem,
  Mailbox,
  Node,
  Process,
  Request,
  Supervisor,
  Sys
} from "effect-otp"
import { captureLogs, deadPid, inProcess, spawnIdle, withNode } from "./utils.ts"

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
          behaviourName: Option.none(),
          version: "1",
          status: "suspended",
          state: [],
          mailboxLength: 4,
          parent: Option.none(),
          logLevel: "Info",
          timeouts: [],
          log: []
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
            behaviourName: Option.none(),
            version: "1",
            status: "running",
            state: [],
            mailboxLength: 1,
            parent: Option.some(parent),
            logLevel: "Info",
            timeouts: [],
            log: []
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
          behaviourName: Option.none(),
          version: "1",
          status: "running",
          state: { state: "on", data: { flips: 1 } },
          mailboxLength: 0,
          parent: Option.none(),
          logLevel: "Info",
          timeouts: [],
          log: []
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

  it.effect(
    "a supervisor runs on GenServer's engine: suspended, it answers system requests only, the rest after resume",
    () =>
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
            { behaviour: "Supervisor", mailboxLength: 1, parent: Option.none(), status: "suspended" }
          )
          // a request to a supervisor has no timeout (OTP's infinity): it waits for the resume
          yield* TestClock.adjust("10 seconds")
          yield* Sys.resume(sup)
          assert.deepStrictEqual(yield* Fiber.join(children), Exit.succeed([]))
          assert.strictEqual(Option.getOrThrow(sup.whereis()), pid)
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
          messagesDropped: 0,
          counted: Option.none()
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
          messagesDropped: 2,
          counted: Option.none()
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

/** A call that takes `millis` of the server's clock before it answers. */
class Nap extends Request.Class<Nap>()("Nap", { fields: { millis: Schema.Number }, success: Schema.Number }) {}
/** A call whose handler logs one line at each level, labelled. */
class Chatter extends Request.Class<Chatter>()("Chatter", { fields: { label: Schema.String } }) {}

const Napper = GenServer.behaviour({
  protocol: [Nap, Chatter],
  init: (_: void) => Effect.succeed(GenServer.ok(0)),
  handleCall: {
    Nap: ({ millis }, naps) => Effect.as(Effect.sleep(Duration.millis(millis)), GenServer.reply(naps + 1, naps + 1)),
    Chatter: ({ label }, naps) =>
      Effect.as(
        Effect.all([
          Effect.logDebug(`${label} debug`),
          Effect.logInfo(`${label} info`),
          Effect.logWarning(`${label} warn`)
        ]),
        GenServer.reply(undefined, naps)
      )
  },
  handleCast: (_: "nap", naps) => Effect.succeed(GenServer.noreply(naps + 1))
})

interface AlarmTypes {
  readonly state: "idle" | "ringing"
  readonly data: number
  readonly cast: "ring"
  readonly internal: "ring"
  readonly timeout: string
}

/** Idle with three timeouts running; `Which` answers its state, and a cast inserts an internal event that rings. */
const Alarm = GenStatem.behaviour<AlarmTypes>()({
  callbackMode: "handleEvent",
  protocol: [Which],
  init: () =>
    Effect.succeed(
      GenStatem.ok("idle", 0, [
        GenStatem.stateTimeout("3 seconds", "state"),
        GenStatem.genericTimeout("ping", "2 seconds", "generic"),
        GenStatem.eventTimeout("1 second", "event")
      ])
    ),
  handleEvent: (event, state, data) => {
    if (GenStatem.isCall(event, Which)) {
      return Effect.succeed(GenStatem.keepStateAndData([GenStatem.replyAction(event.from, state)]))
    }
    switch (event._tag) {
      case "Cast":
        return Effect.succeed(GenStatem.keepState(data + 1, [GenStatem.nextEvent("ring")]))
      case "Internal":
        return Effect.succeed(GenStatem.nextState("ringing", data))
      default:
        return Effect.succeed(GenStatem.keepStateAndData())
    }
  }
})

describe("Sys debugging: trace, log, statistics", () => {
  it.effect("trace logs every event of a call, a cast and an info as it happens, with one shape", () => {
    const logs = captureLogs()
    return withNode(
      Effect.gen(function* () {
        const server = yield* GenServer.start(Recorder, undefined, { name: "sys/traced" })
        const pid = Option.getOrThrow(server.whereis())
        yield* Sys.trace(server, true)
        yield* GenServer.call(server, new Note({ label: "a" }))
        yield* GenServer.cast(server, { label: "b" })
        yield* GenServer.send(server, { label: "c" })
        yield* GenServer.call(server, new Log())
        yield* Sys.trace(server, false)
        yield* GenServer.call(server, new Note({ label: "untraced" }))
        const line = (kind: string, text: string, event: Sys.Event) => ({
          level: "Info",
          message: [`${pid} ${text}`, event],
          annotations: { pid: String(pid), name: "sys/traced", behaviour: "GenServer", event: "TRACE", kind }
        })
        assert.deepStrictEqual(logs.entries, [
          line("Call", 'got call Note({"_tag":"Note","label":"a"}) from outside any process', {
            _tag: "Call",
            request: new Note({ label: "a" }),
            from: Option.none()
          }),
          line("Reply", 'sent ["a"] to outside any process', {
            _tag: "Reply",
            to: Option.none(),
            reply: Exit.succeed(["a"])
          }),
          line("StateChange", 'new state ["a"]', { _tag: "StateChange", state: ["a"] }),
          line("Cast", 'got cast {"label":"b"}', { _tag: "Cast", message: { label: "b" } }),
          line("StateChange", 'new state ["a","b"]', { _tag: "StateChange", state: ["a", "b"] }),
          line("Info", 'got {"label":"c"}', { _tag: "Info", message: { label: "c" } }),
          line("StateChange", 'new state ["a","b","c"]', { _tag: "StateChange", state: ["a", "b", "c"] }),
          line("Call", 'got call Log({"_tag":"Log"}) from outside any process', {
            _tag: "Call",
            request: new Log(),
            from: Option.none()
          }),
          line("Reply", 'sent ["a","b","c"] to outside any process', {
            _tag: "Reply",
            to: Option.none(),
            reply: Exit.succeed(["a", "b", "c"])
          }),
          line("StateChange", 'new state ["a","b","c"]', { _tag: "StateChange", state: ["a", "b", "c"] })
        ])
      }).pipe(Effect.provide(logs.layer))
    )
  })

  it.effect("log keeps the last n events, read back by getLog and getStatus; false forgets them", () =>
    withNode(
      inProcess(
        Effect.gen(function* () {
          const self = yield* Process.self()
          const server = yield* GenServer.start(Recorder, undefined)
          yield* GenServer.cast(server, { label: "before" })
          yield* Sys.log(server, 4)
          yield* GenServer.cast(server, { label: "a" })
          yield* GenServer.call(server, new Note({ label: "b" }))
          const last4: ReadonlyArray<Sys.Event> = [
            { _tag: "StateChange", state: ["before", "a"] },
            { _tag: "Call", request: new Note({ label: "b" }), from: Option.some(self) },
            { _tag: "Reply", to: Option.some(self), reply: Exit.succeed(["before", "a", "b"]) },
            { _tag: "StateChange", state: ["before", "a", "b"] }
          ]
          assert.deepStrictEqual(yield* Sys.getLog(server), last4)
          assert.deepStrictEqual((yield* Sys.getStatus(server)).log, last4)
          // a smaller log keeps the newest events
          yield* Sys.log(server, 1)
          assert.deepStrictEqual(yield* Sys.getLog(server), [{ _tag: "StateChange", state: ["before", "a", "b"] }])
          yield* Sys.log(server, false)
          yield* GenServer.call(server, new Note({ label: "c" }))
          assert.deepStrictEqual(yield* Sys.getLog(server), [])
          // true: OTP's default size, 10 (of the 14 events of 6 casts and a call)
          yield* Sys.log(server, true)
          for (const label of ["0", "1", "2", "3", "4", "5"]) yield* GenServer.cast(server, { label })
          yield* GenServer.call(server, new Log())
          const all = ["before", "a", "b", "c", "0", "1", "2", "3", "4", "5"]
          assert.deepStrictEqual(yield* Sys.getLog(server), [
            { _tag: "StateChange", state: all.slice(0, 7) },
            { _tag: "Cast", message: { label: "3" } },
            { _tag: "StateChange", state: all.slice(0, 8) },
            { _tag: "Cast", message: { label: "4" } },
            { _tag: "StateChange", state: all.slice(0, 9) },
            { _tag: "Cast", message: { label: "5" } },
            { _tag: "StateChange", state: all },
            { _tag: "Call", request: new Log(), from: Option.some(self) },
            { _tag: "Reply", to: Option.some(self), reply: Exit.succeed(all) },
            { _tag: "StateChange", state: all }
          ])
        })
      )
    )
  )

  it.effect("a GenStatem's events: the call, the reply and the transition; a timeout; an internal event", () =>
    withNode(
      Effect.gen(function* () {
        const machine = yield* GenStatem.start(Alarm, undefined)
        yield* Sys.log(machine, 20)
        assert.strictEqual(yield* GenStatem.call(machine, new Which()), "idle")
        yield* TestClock.adjust("2 seconds")
        yield* GenStatem.cast(machine, "ring")
        assert.strictEqual(yield* GenStatem.call(machine, new Which()), "ringing")
        const which: Sys.Event = { _tag: "Call", request: new Which(), from: Option.none() }
        assert.deepStrictEqual(yield* Sys.getLog(machine), [
          which,
          { _tag: "Reply", to: Option.none(), reply: Exit.succeed("idle") },
          { _tag: "Transition", state: "idle", nextState: "idle", data: 0 },
          // the call cancelled the event timeout; the generic one fires at 2 s
          { _tag: "Timeout", type: { timeout: "ping" }, content: "generic" },
          { _tag: "Transition", state: "idle", nextState: "idle", data: 0 },
          { _tag: "Cast", message: "ring" },
          { _tag: "Transition", state: "idle", nextState: "idle", data: 1 },
          { _tag: "Internal", content: "ring" },
          { _tag: "Transition", state: "idle", nextState: "ringing", data: 1 },
          which,
          { _tag: "Reply", to: Option.none(), reply: Exit.succeed("ringing") },
          { _tag: "Transition", state: "ringing", nextState: "ringing", data: 1 }
        ])
      })
    )
  )

  it.effect("getStatus of a GenStatem: its running timeouts, their time left and content", () =>
    withNode(
      Effect.gen(function* () {
        const machine = yield* GenStatem.start(Alarm, undefined)
        yield* TestClock.adjust("400 millis")
        assert.deepStrictEqual((yield* Sys.getStatus(machine)).timeouts, [
          { type: "timeout", remaining: Duration.millis(600), content: "event" },
          { type: { timeout: "ping" }, remaining: Duration.millis(1600), content: "generic" },
          { type: "stateTimeout", remaining: Duration.millis(2600), content: "state" }
        ])
        // the state changes: the state timeout is cancelled, and any event cancels the event timeout
        yield* GenStatem.cast(machine, "ring")
        assert.strictEqual(yield* GenStatem.call(machine, new Which()), "ringing")
        assert.deepStrictEqual((yield* Sys.getStatus(machine)).timeouts, [
          { type: { timeout: "ping" }, remaining: Duration.millis(1600), content: "generic" }
        ])
      })
    )
  )

  it.effect("statistics, switched on: replies out, handler invocations and their time on the Clock", () =>
    withNode(
      Effect.gen(function* () {
        const server = yield* GenServer.start(Napper, undefined)
        // before: nothing counted
        const first = yield* Effect.forkChild(GenServer.call(server, new Nap({ millis: 100 })), {
          startImmediately: true
        })
        yield* TestClock.adjust("100 millis")
        yield* Fiber.join(first)
        assert.deepStrictEqual((yield* Sys.statistics(server)).counted, Option.none())
        yield* TestClock.adjust("1 second")
        yield* Sys.statistics(server, true)
        const nap = yield* Effect.forkChild(GenServer.call(server, new Nap({ millis: 250 })), {
          startImmediately: true
        })
        yield* TestClock.adjust("250 millis")
        assert.strictEqual(yield* Fiber.join(nap), 2)
        // a cast: a handler invocation, no reply; the call after it waits until it is handled
        yield* GenServer.cast(server, "nap")
        const third = yield* Effect.forkChild(GenServer.call(server, new Nap({ millis: 0 })), {
          startImmediately: true
        })
        assert.strictEqual(yield* Fiber.join(third), 4)
        assert.deepStrictEqual(yield* Sys.statistics(server), {
          startTime: 0,
          currentTime: 1350,
          messagesIn: 4,
          messagesHandled: 4,
          messagesDropped: 0,
          counted: Option.some({ since: 1100, messagesOut: 2, handlerInvocations: 3, handlerMillis: 250 })
        })
        // switched off: nothing counted any more
        yield* Sys.statistics(server, false)
        assert.deepStrictEqual((yield* Sys.statistics(server)).counted, Option.none())
      })
    )
  )
})

describe("Per-process log level", () => {
  it.effect("a server's logLevel filters its own lines only; every line says which process it is", () => {
    const logs = captureLogs()
    return withNode(
      Effect.gen(function* () {
        const quiet = yield* GenServer.start(Napper, undefined, { name: "sys/quiet", logLevel: "Warn" })
        const chatty = yield* GenStatem.start(Switch, undefined)
        const other = yield* GenServer.start(Napper, undefined)
        const quietPid = String(Option.getOrThrow(quiet.whereis()))
        const otherPid = String(Option.getOrThrow(other.whereis()))
        yield* GenServer.call(quiet, new Chatter({ label: "quiet" }))
        yield* GenServer.call(other, new Chatter({ label: "other" }))
        assert.strictEqual((yield* Sys.getStatus(quiet)).logLevel, "Warn")
        assert.strictEqual((yield* Sys.getStatus(chatty)).logLevel, "Info")
        // at run time: the quiet one lets everything through, the other is unchanged
        yield* Sys.setLogLevel(quiet, "Debug")
        yield* GenServer.call(quiet, new Chatter({ label: "loud" }))
        yield* GenServer.call(other, new Chatter({ label: "other again" }))
        const quietLine = (level: string, text: string) => ({
          level,
          message: [text],
          annotations: { pid: quietPid, name: "sys/quiet", behaviour: "GenServer" }
        })
        const otherLine = (level: string, text: string) => ({
          level,
          message: [text],
          annotations: { pid: otherPid, behaviour: "GenServer" }
        })
        assert.deepStrictEqual(logs.entries, [
          quietLine("Warn", "quiet warn"),
          otherLine("Info", "other info"),
          otherLine("Warn", "other warn"),
          quietLine("Debug", "loud debug"),
          quietLine("Info", "loud info"),
          quietLine("Warn", "loud warn"),
          otherLine("Info", "other again info"),
          otherLine("Warn", "other again warn")
        ])
      }).pipe(Effect.provide(logs.layer))
    )
  })

  it.effect("a server's crash report carries its pid, name and behaviour", () => {
    const logs = captureLogs()
    return withNode(
      Effect.gen(function* () {
        const server = yield* GenServer.start(Napper, undefined, { name: "sys/crasher" })
        const pid = Option.getOrThrow(server.whereis())
        // a call to a request the server has no handler for crashes it
        yield* Effect.exit(GenServer.call(server, new Which() as never))
        yield* Process.awaitExit(pid)
        assert.deepStrictEqual(
          logs.entries.map((entry) => [entry.level, entry.annotations]),
          [
            [
              "Error",
              { pid: String(pid), name: "sys/crasher", behaviour: "GenServer", event: "CRASH", reason: "Failure" }
            ]
          ]
        )
      }).pipe(Effect.provide(logs.layer))
    )
  })

  it.effect("Process.spawn's logLevel: the process's lines below it are dropped", () => {
    const logs = captureLogs()
    return withNode(
      Effect.gen(function* () {
        const chatter = Effect.all([Effect.logInfo("info"), Effect.logError("error")])
        const quiet = yield* Process.spawn(chatter, { logLevel: "Error" })
        yield* Process.awaitExit(quiet)
        const loud = yield* Process.spawn(chatter)
        yield* Process.awaitExit(loud)
        assert.deepStrictEqual(logs.entries, [
          { level: "Error", message: ["error"], annotations: { pid: String(quiet) } },
          { level: "Info", message: ["info"], annotations: { pid: String(loud) } },
          { level: "Error", message: ["error"], annotations: { pid: String(loud) } }
        ])
      }).pipe(Effect.provide(logs.layer))
    )
  })

  it.effect("supervisors name their own behaviour in getStatus", () =>
    withNode(
      Effect.gen(function* () {
        const sup = yield* Supervisor.start({ children: [] })
        const dyn = yield* DynamicSupervisor.start()
        assert.strictEqual((yield* Sys.getStatus(sup)).behaviour, "Supervisor")
        assert.strictEqual((yield* Sys.getStatus(dyn)).behaviour, "DynamicSupervisor")
      })
    )
  )
})

describe("Sys debugging: errors", () => {
  it.effect("a process without a system handler: NoSystemHandler from each debug function", () =>
    withNode(
      Effect.gen(function* () {
        const pid = yield* spawnIdle
        const expected = new Errors.NoSystemHandler({ pid })
        assert.deepStrictEqual(yield* Effect.flip(Sys.trace(pid, true)), expected)
        assert.deepStrictEqual(yield* Effect.flip(Sys.log(pid, 5)), expected)
        assert.deepStrictEqual(yield* Effect.flip(Sys.getLog(pid)), expected)
        assert.deepStrictEqual(yield* Effect.flip(Sys.statistics(pid, true)), expected)
        assert.deepStrictEqual(yield* Effect.flip(Sys.setLogLevel(pid, "Debug")), expected)
      })
    )
  )

  it.effect("an invalid log size or log level: BadArgument, before anything is sent or spawned", () =>
    withNode(
      Effect.gen(function* () {
        const server = yield* GenServer.start(Recorder, undefined)
        assert.deepStrictEqual(
          yield* Effect.flip(Sys.log(server, -1)),
          new Errors.BadArgument({
            function: "Sys.log",
            field: "size",
            value: -1,
            reason: "must be a boolean or a non-negative integer"
          })
        )
        const levels = '"All", "Fatal", "Error", "Warn", "Info", "Debug", "Trace", "None"'
        assert.deepStrictEqual(
          yield* Effect.flip(Sys.setLogLevel(server, "Loud" as never)),
          new Errors.BadArgument({
            function: "Sys.setLogLevel",
            field: "level",
            value: "Loud",
            reason: `must be one of ${levels}`
          })
        )
        const node = yield* Node.Node
        const before = node.processes().length
        assert.deepStrictEqual(
          yield* Effect.flip(Process.spawn(Effect.void, { logLevel: "Loud" as never })),
          new Errors.BadArgument({
            function: "Process.spawn",
            field: "logLevel",
            value: "Loud",
            reason: `must be one of ${levels}`
          })
        )
        assert.deepStrictEqual(
          yield* Effect.flip(GenServer.start(Recorder, undefined, { logLevel: "Loud" as never })),
          new Errors.BadArgument({
            function: "GenServer.start",
            field: "logLevel",
            value: "Loud",
            reason: `must be one of ${levels}`
          })
        )
        assert.strictEqual(node.processes().length, before)
      })
    )
  )
})
