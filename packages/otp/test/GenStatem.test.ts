import { assert, describe, expect, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Layer, Option, Schema, Scope } from "effect"
import { TestClock } from "effect/testing"
import { Errors, ExitReason, GenServer, GenStatem, Node, Pid, Process, Request, Supervisor, testing } from "effect-otp"
import { assertReason, failedStart, inProcess, withNode } from "./utils.ts"

// ---------------------------------------------------------------------------------------------
// The traffic light: red → green → yellow → red, counting cycles ("stateFunctions" + state enter)
// ---------------------------------------------------------------------------------------------

type Color = "red" | "green" | "yellow"

class GetLight extends Request.Class<GetLight>()("GetLight", {
  success: Schema.Struct({ color: Schema.Literals(["red", "green", "yellow"]), cycles: Schema.Number })
}) {}

interface LightTypes {
  readonly state: Color
  readonly data: { readonly cycles: number }
  readonly timeout: "change"
}

const after: Record<Color, Color> = { red: "green", green: "yellow", yellow: "red" }

// every color does the same: serve GetLight, and move on when its state timeout fires
const light = (color: Color) => (event: GenStatem.Event<GetLight, LightTypes>, data: LightTypes["data"]) =>
  Effect.succeed(
    event._tag === "StateTimeout"
      ? GenStatem.nextState(after[color], data)
      : GenStatem.isCall(event, GetLight)
        ? GenStatem.keepStateAndData([GenStatem.replyAction(event.from, { color, cycles: data.cycles })])
        : GenStatem.keepStateAndData()
  )

const TrafficLight = GenStatem.behaviour<LightTypes>()({
  callbackMode: "stateFunctions",
  protocol: [GetLight],
  init: () => Effect.succeed(GenStatem.ok("red", { cycles: 0 })),
  stateEnter: true,
  enter: {
    // entering red from yellow completes a cycle (the first enter call, after init, comes from "red")
    red: (oldState, data) =>
      Effect.succeed(
        GenStatem.keepState({ cycles: oldState === "yellow" ? data.cycles + 1 : data.cycles }, [
          GenStatem.stateTimeout("30 seconds", "change")
        ])
      ),
    green: () => Effect.succeed(GenStatem.keepStateAndData([GenStatem.stateTimeout("25 seconds", "change")])),
    yellow: () => Effect.succeed(GenStatem.keepStateAndData([GenStatem.stateTimeout("5 seconds", "change")]))
  },
  states: { red: light("red"), green: light("green"), yellow: light("yellow") }
})

// ---------------------------------------------------------------------------------------------
// The door lock: code entry, unlock, auto-lock after a state timeout ("handleEvent" + state enter)
// ---------------------------------------------------------------------------------------------

class Press extends Request.Class<Press>()("Press", {
  fields: { digit: Schema.String },
  success: Schema.Literals(["locked", "open"])
}) {}

type Door = "locked" | "open"

interface DoorTypes {
  readonly state: Door
  readonly data: { readonly code: string; readonly entered: string }
  readonly cast: "lock"
  readonly timeout: "lock"
}

const DoorLock = (log: Array<string>) =>
  GenStatem.behaviour<DoorTypes>()({
    callbackMode: "handleEvent",
    protocol: [Press],
    init: (code: string) => Effect.succeed(GenStatem.ok("locked", { code, entered: "" })),
    stateEnter: true,
    enter: (oldState, state, data) =>
      Effect.sync(() => {
        log.push(`enter ${state} from ${oldState}`)
        return state === "open"
          ? GenStatem.keepStateAndData([GenStatem.stateTimeout("10 seconds", "lock")])
          : GenStatem.keepState({ ...data, entered: "" })
      }),
    handleEvent: (event, state, data) =>
      Effect.sync(() => {
        if (GenStatem.isCall(event, Press)) {
          if (state === "open") return GenStatem.keepStateAndData([GenStatem.replyAction(event.from, "open")])
          const entered = data.entered + event.request.digit
          if (entered === data.code) {
            return GenStatem.nextState("open", { ...data, entered: "" }, [GenStatem.replyAction(event.from, "open")])
          }
          const keep = data.code.startsWith(entered) ? entered : ""
          return GenStatem.keepState({ ...data, entered: keep }, [GenStatem.replyAction(event.from, "locked")])
        }
        if (event._tag === "StateTimeout" || event._tag === "Cast") {
          log.push(`${event._tag} ${event.content} in ${state}`)
          return GenStatem.nextState("locked", data)
        }
        return GenStatem.keepStateAndData()
      })
  })

// ---------------------------------------------------------------------------------------------
// A recorder: logs every event and does what the event asks for
// ---------------------------------------------------------------------------------------------

/** A call answered in every state: once it returns, every earlier cast has been handled. */
class Ping extends Request.Class<Ping>()("Ping", {}) {}

const pong = (event: { readonly _tag: string }) =>
  GenStatem.isCall(event as GenStatem.Call<Ping>, Ping)
    ? GenStatem.keepStateAndData([GenStatem.replyAction((event as GenStatem.Call<Ping>).from, undefined)])
    : undefined

class GetLog extends Request.Class<GetLog>()("GetLog", { success: Schema.Array(Schema.String) }) {}
class Wait extends Request.Class<Wait>()("Wait", { success: Schema.String }) {}
class Shout extends Request.Class<Shout>()("Shout", {
  fields: { text: Schema.String },
  success: Schema.String,
  failure: Schema.Literal("too quiet")
}) {}

/** What a cast asks the recorder to do. */
type Command =
  | { readonly _tag: "Go"; readonly to: string; readonly actions?: ReadonlyArray<GenStatem.ActionOf<RecTypes>> }
  | { readonly _tag: "Keep"; readonly actions?: ReadonlyArray<GenStatem.ActionOf<RecTypes>> }
  | { readonly _tag: "Repeat"; readonly actions?: ReadonlyArray<GenStatem.ActionOf<RecTypes>> }
  | { readonly _tag: "Postpone"; readonly label: string }
  | { readonly _tag: "Note"; readonly label: string }
  | { readonly _tag: "Slow"; readonly millis: number; readonly next: Command }
  | { readonly _tag: "Stop"; readonly reason: ExitReason.ExitReason }
  | { readonly _tag: "Crash" }

interface RecTypes {
  readonly state: string
  readonly data: { readonly waiting: ReadonlyArray<GenStatem.From<string, never>> }
  readonly cast: Command
  readonly info: string
  readonly internal: string
  readonly timeout: string
}

type RecAction = GenStatem.ActionOf<RecTypes>
type RecResult = GenStatem.Result<string, RecTypes["data"], RecAction>

const Recorder = (log: Array<string>, options?: { readonly stateEnter?: boolean }) => {
  const run = (command: Command, state: string, data: RecTypes["data"]): Effect.Effect<RecResult> => {
    switch (command._tag) {
      case "Go":
        return Effect.succeed(GenStatem.nextState(command.to, data, command.actions ?? []))
      case "Keep":
        return Effect.succeed(GenStatem.keepStateAndData(command.actions ?? []))
      case "Repeat":
        return Effect.succeed(GenStatem.repeatState(data, command.actions ?? []))
      case "Postpone":
        return Effect.succeed(GenStatem.keepStateAndData([GenStatem.postpone]))
      case "Note":
        return Effect.succeed(GenStatem.keepStateAndData())
      case "Slow":
        return Effect.andThen(Effect.sleep(command.millis), run(command.next, state, data))
      case "Stop":
        return Effect.succeed(
          GenStatem.stopWith(command.reason, {
            replies: data.waiting.map((from) => GenStatem.replyAction(from, `stopped in ${state}`))
          })
        )
      case "Crash":
        return Effect.die(new Error("boom"))
    }
  }
  const handleEvent: GenStatem.HandleEvent<GetLog | Wait | Shout, RecTypes, never> = (event, state, data) =>
    Effect.suspend(() => {
      switch (event._tag) {
        case "Call": {
          if (GenStatem.isCall(event, GetLog)) {
            return Effect.succeed(GenStatem.keepStateAndData([GenStatem.replyAction(event.from, [...log])]))
          }
          if (GenStatem.isCall(event, Wait)) {
            log.push(`${state}: call Wait`)
            // reply later, from another state
            return Effect.succeed(GenStatem.keepState({ waiting: [...data.waiting, event.from] }))
          }
          if (GenStatem.isCall(event, Shout)) {
            return Effect.succeed(
              GenStatem.keepStateAndData([
                event.request.text.length < 3
                  ? GenStatem.replyErrorAction(event.from, "too quiet")
                  : GenStatem.replyAction(event.from, event.request.text.toUpperCase())
              ])
            )
          }
          return Effect.die(new Error("unknown call"))
        }
        case "Cast": {
          const command = event.content
          log.push(
            `${state}: cast ${command._tag === "Postpone" || command._tag === "Note" ? command.label : command._tag}`
          )
          return run(command, state, data)
        }
        case "Info":
          log.push(`${state}: info ${event.content}`)
          return Effect.succeed(GenStatem.keepStateAndData())
        case "Internal":
          log.push(`${state}: internal ${event.content}`)
          return Effect.succeed(GenStatem.keepStateAndData())
        case "Timeout":
        case "StateTimeout":
          log.push(`${state}: ${event._tag} ${event.content}`)
          return Effect.succeed(GenStatem.keepStateAndData())
        case "GenericTimeout":
          log.push(`${state}: GenericTimeout ${event.name} ${event.content}`)
          return Effect.succeed(GenStatem.keepStateAndData())
      }
    })
  const common = {
    protocol: [GetLog, Wait, Shout],
    init: (actions: ReadonlyArray<Exclude<RecAction, GenStatem.Postpone>>) =>
      Effect.succeed(GenStatem.ok("idle", { waiting: [] }, actions)),
    terminate: (reason: ExitReason.ExitReason, state: string) =>
      Effect.sync(() => {
        log.push(`terminate ${reason._tag} in ${state}`)
      })
  } as const
  return options?.stateEnter === true
    ? GenStatem.behaviour<RecTypes>()({
        ...common,
        callbackMode: "handleEvent",
        handleEvent,
        stateEnter: true,
        enter: (oldState, state, data) =>
          Effect.sync(() => {
            log.push(`enter ${state} from ${oldState}`)
            // reply to the callers that wait for a state change
            if (oldState !== state && data.waiting.length > 0) {
              return GenStatem.keepState(
                { waiting: [] },
                data.waiting.map((from) => GenStatem.replyAction(from, `now ${state}`))
              )
            }
            return GenStatem.keepStateAndData()
          })
      })
    : GenStatem.behaviour<RecTypes>()({ ...common, callbackMode: "handleEvent", handleEvent })
}

/** Casts commands to the recorder, then reads its log (a call: every earlier cast has been handled). */
const send = (server: GenStatem.Server<GetLog | Wait | Shout, Command>, ...commands: ReadonlyArray<Command>) =>
  Effect.gen(function* () {
    for (const command of commands) yield* GenStatem.cast(server, command)
    return yield* GenStatem.call(server, new GetLog())
  })

const logOf = (server: GenStatem.Server<GetLog | Wait | Shout, Command>) => GenStatem.call(server, new GetLog())

const go = (to: string, actions?: ReadonlyArray<RecAction>): Command =>
  actions === undefined ? { _tag: "Go", to } : { _tag: "Go", to, actions }
const keep = (actions: ReadonlyArray<RecAction>): Command => ({ _tag: "Keep", actions })
const note = (label: string): Command => ({ _tag: "Note", label })

// ---------------------------------------------------------------------------------------------

describe("GenStatem", () => {
  describe("examples", () => {
    it.effect(
      "the module's example: the traffic light goes red → green → yellow → red at the exact times and counts cycles",
      () =>
        withNode(
          Effect.gen(function* () {
            const lightServer = yield* GenStatem.start(TrafficLight, undefined)
            const look = GenStatem.call(lightServer, new GetLight())
            assert.deepStrictEqual(yield* look, { color: "red", cycles: 0 })
            yield* TestClock.adjust("29999 millis")
            assert.deepStrictEqual(yield* look, { color: "red", cycles: 0 })
            yield* TestClock.adjust("1 millis")
            assert.deepStrictEqual(yield* look, { color: "green", cycles: 0 })
            yield* TestClock.adjust("25 seconds")
            assert.deepStrictEqual(yield* look, { color: "yellow", cycles: 0 })
            yield* TestClock.adjust("4999 millis")
            assert.deepStrictEqual(yield* look, { color: "yellow", cycles: 0 })
            yield* TestClock.adjust("1 millis")
            assert.deepStrictEqual(yield* look, { color: "red", cycles: 1 })
            // two more full cycles of 60 seconds
            for (let i = 0; i < 2; i++) {
              yield* TestClock.adjust("30 seconds")
              yield* TestClock.adjust("25 seconds")
              yield* TestClock.adjust("5 seconds")
            }
            assert.deepStrictEqual(yield* look, { color: "red", cycles: 3 })
          })
        )
    )

    it.effect("the door lock opens on the code and locks itself after its state timeout", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const door = yield* GenStatem.start(DoorLock(log), "1234")
          const press = (digit: string) => GenStatem.call(door, new Press({ digit }))
          // a wrong digit resets the entry
          assert.deepStrictEqual(yield* Effect.forEach(["1", "2", "9"], press), ["locked", "locked", "locked"])
          assert.deepStrictEqual(yield* Effect.forEach(["1", "2", "3"], press), ["locked", "locked", "locked"])
          assert.strictEqual(yield* press("4"), "open")
          // open: the state timeout locks it after exactly 10 seconds
          yield* TestClock.adjust("9999 millis")
          assert.strictEqual(yield* press("0"), "open")
          yield* TestClock.adjust("1 millis")
          assert.strictEqual(yield* press("0"), "locked")
          assert.deepStrictEqual(log, [
            "enter locked from locked",
            "enter open from locked",
            "StateTimeout lock in open",
            "enter locked from open"
          ])

          // locked by hand: the state change cancels the state timeout, which never fires later
          log.length = 0
          yield* Effect.forEach(["1", "2", "3", "4"], press)
          yield* TestClock.adjust("3 seconds")
          yield* GenStatem.cast(door, "lock")
          assert.strictEqual(yield* press("9"), "locked")
          yield* TestClock.adjust("1 minute")
          assert.strictEqual(yield* press("9"), "locked")
          assert.deepStrictEqual(log, ["enter open from locked", "Cast lock in open", "enter locked from open"])
        })
      )
    )
  })

  describe("transitions", () => {
    it.effect("nextState, keepState, keepStateAndData and repeatState; enter calls on change and repeat only", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const machine = yield* GenStatem.start(Recorder(log, { stateEnter: true }), [])
          yield* send(machine, go("a"), keep([]), go("a"), { _tag: "Repeat" }, go("b"))
          assert.deepStrictEqual(log, [
            "enter idle from idle",
            "idle: cast Go",
            "enter a from idle",
            "a: cast Keep",
            "a: cast Go", // nextState to the same state is keepState: no enter call
            "a: cast Repeat",
            "enter a from a",
            "a: cast Go",
            "enter b from a"
          ])
          const { state } = yield* GenStatem.getState(machine)
          assert.strictEqual(state, "b")
        })
      )
    )

    it.effect("repeatState makes the enter call again but keeps the postponed events and the state timeout", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const machine = yield* GenStatem.start(Recorder(log, { stateEnter: true }), [])
          yield* send(machine, go("a", [GenStatem.stateTimeout("10 seconds", "st")]), { _tag: "Postpone", label: "p" })
          yield* TestClock.adjust("4 seconds")
          yield* send(machine, { _tag: "Repeat" })
          yield* TestClock.adjust("5999 millis")
          assert.deepStrictEqual((yield* logOf(machine)).slice(1), [
            "idle: cast Go",
            "enter a from idle",
            "a: cast p",
            "a: cast Repeat",
            "enter a from a"
          ])
          yield* TestClock.adjust("1 millis")
          yield* send(machine, go("b"))
          assert.deepStrictEqual((yield* logOf(machine)).slice(6), [
            "a: StateTimeout st",
            "a: cast Go",
            "enter b from a",
            "b: cast p"
          ])
        })
      )
    )

    it.effect("a state is compared by value: an equal object is the same state", () =>
      withNode(
        Effect.gen(function* () {
          const entered: Array<unknown> = []
          const Machine = GenStatem.behaviour<{ state: { readonly room: string }; data: number; cast: string }>()({
            callbackMode: "handleEvent",
            protocol: [Ping],
            init: () => Effect.succeed(GenStatem.ok({ room: "hall" }, 0)),
            stateEnter: true,
            enter: (_old, state) =>
              Effect.sync(() => {
                entered.push(state.room)
                return GenStatem.keepStateAndData()
              }),
            handleEvent: (event, _state, n) =>
              Effect.succeed(
                pong(event) ??
                  (event._tag === "Cast"
                    ? GenStatem.nextState({ room: event.content }, n + 1)
                    : GenStatem.keepStateAndData())
              )
          })
          const machine = yield* GenStatem.start(Machine, undefined)
          yield* GenStatem.cast(machine, "hall")
          yield* GenStatem.cast(machine, "kitchen")
          yield* GenStatem.cast(machine, "kitchen")
          yield* GenStatem.call(machine, new Ping())
          assert.deepStrictEqual(yield* GenStatem.getState(machine), { state: { room: "kitchen" }, data: 3 })
          assert.deepStrictEqual(entered, ["hall", "kitchen"])
        })
      )
    )

    it.effect("stop sends its replies, runs terminate with the reason, and exits with it", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const machine = yield* GenStatem.start(Recorder(log), [])
          const pid = Option.getOrThrow(machine.whereis())
          const waiter = yield* Effect.forkChild(GenStatem.call(machine, new Wait()))
          yield* send(machine, go("busy"))
          yield* GenStatem.cast(machine, { _tag: "Stop", reason: ExitReason.shutdownWith("done") })
          assert.strictEqual(yield* Fiber.join(waiter), "stopped in busy")
          assert.deepStrictEqual(yield* Process.awaitExit(pid), ExitReason.shutdownWith("done"))
          assert.deepStrictEqual(log.slice(-2), ["busy: cast Stop", "terminate Shutdown in busy"])
          assert.deepStrictEqual(yield* Effect.flip(logOf(machine)), new Errors.NoProc({ pid }))
        })
      )
    )

    it.effect("a crash runs terminate with the crash; a caller waiting gets ServerExited", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const machine = yield* GenStatem.start(Recorder(log), [])
          const pid = Option.getOrThrow(machine.whereis())
          // started at once: the Wait request is in the mailbox before the Crash cast
          // (a call that succeeds makes the flipped fiber fail, and the test with it)
          const waiter = yield* Effect.forkChild(Effect.flip(GenStatem.call(machine, new Wait())), {
            startImmediately: true
          })
          yield* GenStatem.cast(machine, { _tag: "Crash" })
          const reason = yield* Process.awaitExit(pid)
          assertReason(reason, ExitReason.failureCause(Cause.die(new Error("boom"))))
          const exited = yield* Fiber.join(waiter)
          assert.instanceOf(exited, GenServer.ServerExited)
          assert.strictEqual((exited as GenServer.ServerExited).pid, pid)
          assertReason((exited as GenServer.ServerExited).reason, reason)
          assert.deepStrictEqual(log, ["idle: call Wait", "idle: cast Crash", "terminate Failure in idle"])
        })
      )
    )

    it.effect("stop runs terminate; a trapping machine stops with its parent's exit signal", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const machine = yield* GenStatem.start(Recorder(log), [])
          yield* GenStatem.stop(machine, ExitReason.shutdown)
          assert.deepStrictEqual(log, ["terminate Shutdown in idle"])

          const linkedLog: Array<string> = []
          const ready = yield* Deferred.make<Process.Pid<never, unknown>>()
          const parent = yield* Process.spawn(
            Effect.gen(function* () {
              const child = yield* GenStatem.startLink(Recorder(linkedLog), [], { trapExit: true })
              yield* Deferred.succeed(ready, Option.getOrThrow(child.whereis()))
              return yield* Process.receive<never>()
            })
          )
          const child = yield* Deferred.await(ready)
          yield* Process.exit(parent, ExitReason.shutdown)
          assert.deepStrictEqual(yield* Process.awaitExit(child), ExitReason.shutdown)
          assert.deepStrictEqual(linkedLog, ["terminate Shutdown in idle"])
        })
      )
    )
  })

  describe("actions", () => {
    it.effect("postponed events are retried after the next state change, in their order, before newer ones", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const machine = yield* GenStatem.start(Recorder(log), [])
          // in "idle", Postpone events are postponed; they are retried in "ready" where they are noted
          const result = yield* send(
            machine,
            { _tag: "Postpone", label: "p1" },
            note("n1"),
            { _tag: "Postpone", label: "p2" },
            keep([]), // no state change: nothing retried
            go("ready"),
            note("n2")
          )
          assert.deepStrictEqual(result, [
            "idle: cast p1",
            "idle: cast n1",
            "idle: cast p2",
            "idle: cast Keep",
            "idle: cast Go",
            "ready: cast p1",
            "ready: cast p2",
            "ready: cast n2"
          ])
        })
      )
    )

    it.effect("a postponed event is postponed again until a state where it is handled", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const Machine = GenStatem.behaviour<{ state: "closed" | "ajar" | "open"; data: null; cast: string }>()({
            callbackMode: "stateFunctions",
            protocol: [Ping],
            init: () => Effect.succeed(GenStatem.ok("closed", null)),
            states: {
              closed: (event, data) =>
                Effect.succeed(
                  pong(event) ??
                    (event._tag === "Cast" && event.content === "push"
                      ? GenStatem.nextState("ajar", data)
                      : GenStatem.keepStateAndData([GenStatem.postpone]))
                ),
              ajar: (event, data) =>
                Effect.succeed(
                  pong(event) ??
                    (event._tag === "Cast" && event.content === "push"
                      ? GenStatem.nextState("open", data)
                      : GenStatem.keepStateAndData([GenStatem.postpone]))
                ),
              open: (event) =>
                Effect.sync(() => {
                  if (event._tag === "Cast") log.push(event.content)
                  return pong(event) ?? GenStatem.keepStateAndData()
                })
            }
          })
          const machine = yield* GenStatem.start(Machine, undefined)
          for (const content of ["walk-1", "walk-2", "push", "walk-3", "push", "walk-4"]) {
            yield* GenStatem.cast(machine, content)
          }
          yield* GenStatem.call(machine, new Ping())
          assert.deepStrictEqual((yield* GenStatem.getState(machine)).state, "open")
          assert.deepStrictEqual(log, ["walk-1", "walk-2", "walk-3", "walk-4"])
        })
      )
    )

    it.effect("a postponed call is answered from a later state", () =>
      withNode(
        Effect.gen(function* () {
          class Enter extends Request.Class<Enter>()("Enter", { success: Schema.String }) {}
          const Room = GenStatem.behaviour<{ state: "closed" | "open"; data: number; cast: "open" }>()({
            callbackMode: "stateFunctions",
            protocol: [Enter],
            init: () => Effect.succeed(GenStatem.ok("closed", 0)),
            states: {
              closed: (event, n) =>
                Effect.succeed(
                  event._tag === "Cast"
                    ? GenStatem.nextState("open", n)
                    : GenStatem.keepStateAndData([GenStatem.postpone])
                ),
              open: (event, n) =>
                Effect.succeed(
                  GenStatem.isCall(event, Enter)
                    ? GenStatem.keepState(n + 1, [GenStatem.replyAction(event.from, `guest ${n + 1}`)])
                    : GenStatem.keepStateAndData()
                )
            }
          })
          const room = yield* GenStatem.start(Room, undefined)
          // started at once: each call has sent its request when the fork returns
          const first = yield* Effect.forkChild(GenStatem.call(room, new Enter()), { startImmediately: true })
          const second = yield* Effect.forkChild(GenStatem.call(room, new Enter()), { startImmediately: true })
          // the room is closed: both calls wait (postponed) until it opens
          assert.deepStrictEqual(yield* GenStatem.getState(room), { state: "closed", data: 0 })
          assert.isUndefined(first.pollUnsafe())
          assert.isUndefined(second.pollUnsafe())
          yield* GenStatem.cast(room, "open")
          assert.strictEqual(yield* Fiber.join(first), "guest 1")
          assert.strictEqual(yield* Fiber.join(second), "guest 2")
        })
      )
    )

    it.effect("a call stored in the data is answered after a transition (reply from a later state)", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const machine = yield* GenStatem.start(Recorder(log, { stateEnter: true }), [])
          // started at once: each call has sent its request when the fork returns
          const a = yield* Effect.forkChild(GenStatem.call(machine, new Wait()), { startImmediately: true })
          const b = yield* Effect.forkChild(GenStatem.call(machine, new Wait()), { startImmediately: true })
          yield* send(machine, keep([]))
          assert.isUndefined(a.pollUnsafe())
          yield* send(machine, go("done"))
          assert.strictEqual(yield* Fiber.join(a), "now done")
          assert.strictEqual(yield* Fiber.join(b), "now done")
        })
      )
    )

    it.effect("inserted events are handled before queued messages, in the order of the actions", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const machine = yield* GenStatem.start(Recorder(log), [GenStatem.nextEvent("from init")])
          // both casts are in the mailbox before the machine handles the first one
          yield* GenStatem.cast(machine, keep([GenStatem.nextEvent("i1"), GenStatem.nextEvent("i2")]))
          yield* GenStatem.cast(machine, note("queued"))
          assert.deepStrictEqual(yield* logOf(machine), [
            "idle: internal from init",
            "idle: cast Keep",
            "idle: internal i1",
            "idle: internal i2",
            "idle: cast queued"
          ])
        })
      )
    )

    it.effect("inserted events come before retried postponed events", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const machine = yield* GenStatem.start(Recorder(log), [])
          const result = yield* send(
            machine,
            { _tag: "Postpone", label: "p" },
            go("next", [GenStatem.nextEvent("inserted")]),
            note("later")
          )
          assert.deepStrictEqual(result, [
            "idle: cast p",
            "idle: cast Go",
            "next: internal inserted",
            "next: cast p",
            "next: cast later"
          ])
        })
      )
    )

    it.effect("a declared error is answered with replyError; a non-process caller works too", () =>
      withNode(
        Effect.gen(function* () {
          const machine = yield* GenStatem.start(Recorder([]), [])
          assert.strictEqual(yield* GenStatem.call(machine, new Shout({ text: "hello" })), "HELLO")
          const exit = yield* Effect.exit(GenStatem.call(machine, new Shout({ text: "hi" })))
          assert.deepStrictEqual(exit, Exit.fail("too quiet" as const))
        })
      )
    )
  })

  describe("timeouts", () => {
    it.effect("the event timeout fires at the exact time when no event comes", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const machine = yield* GenStatem.start(Recorder(log), [])
          yield* send(machine, keep([GenStatem.eventTimeout("5 seconds", "quiet")]))
          yield* TestClock.adjust("4999 millis")
          assert.notInclude(yield* logOf(machine), "idle: Timeout quiet")
          // the call above was an event: it cancelled the timeout
          yield* TestClock.adjust("1 hour")
          assert.notInclude(yield* logOf(machine), "idle: Timeout quiet")
        })
      )
    )

    it.effect("the event timeout fires after exactly its time; any event cancels it", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const machine = yield* GenStatem.start(Recorder(log), [GenStatem.eventTimeout("5 seconds", "t1")])
          const pid = Option.getOrThrow(machine.whereis())
          yield* TestClock.adjust("4999 millis")
          assert.deepStrictEqual(log, [])
          yield* TestClock.adjust("1 millis")
          assert.deepStrictEqual(yield* logOf(machine), ["idle: Timeout t1"])

          // an info 3 seconds in cancels the next one
          log.length = 0
          yield* send(machine, keep([GenStatem.eventTimeout("5 seconds", "t2")]))
          yield* TestClock.adjust("3 seconds")
          yield* Process.send(pid, "hello")
          yield* TestClock.adjust("1 minute")
          assert.deepStrictEqual(yield* logOf(machine), ["idle: cast Keep", "idle: info hello"])
        })
      )
    )

    it.effect("a zero event timeout is delivered only when no event is queued", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const machine = yield* GenStatem.start(Recorder(log), [])
          // alone: delivered at once, before the next message
          yield* GenStatem.cast(machine, keep([GenStatem.eventTimeout(0, "zero")]))
          yield* GenStatem.cast(machine, note("after"))
          assert.deepStrictEqual(yield* logOf(machine), ["idle: cast Keep", "idle: Timeout zero", "idle: cast after"])
          // with an inserted event queued: that event cancels it
          log.length = 0
          yield* GenStatem.cast(machine, keep([GenStatem.eventTimeout(0, "zero"), GenStatem.nextEvent("first")]))
          assert.deepStrictEqual(yield* logOf(machine), ["idle: cast Keep", "idle: internal first"])
        })
      )
    )

    it.effect("the state timeout fires at its time unless the state changes; events do not cancel it", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const machine = yield* GenStatem.start(Recorder(log), [])
          yield* send(machine, go("a", [GenStatem.stateTimeout("10 seconds", "in a")]))
          yield* TestClock.adjust("4 seconds")
          yield* send(machine, note("event"), keep([]), go("a"))
          yield* TestClock.adjust("5999 millis")
          assert.notInclude(yield* logOf(machine), "a: StateTimeout in a")
          yield* TestClock.adjust("1 millis")
          assert.deepStrictEqual(yield* logOf(machine), [
            "idle: cast Go",
            "a: cast event",
            "a: cast Keep",
            "a: cast Go",
            "a: StateTimeout in a"
          ])

          // a state change cancels it
          log.length = 0
          yield* send(machine, keep([GenStatem.stateTimeout("10 seconds", "stale")]), go("b"))
          yield* TestClock.adjust("1 hour")
          assert.deepStrictEqual(yield* logOf(machine), ["a: cast Keep", "a: cast Go"])
        })
      )
    )

    it.effect("a state timeout set while changing state belongs to the new state; a new one replaces the old", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const machine = yield* GenStatem.start(Recorder(log), [GenStatem.stateTimeout("1 second", "idle")])
          yield* send(machine, go("b", [GenStatem.stateTimeout("5 seconds", "first")]))
          yield* TestClock.adjust("2 seconds")
          yield* send(machine, keep([GenStatem.stateTimeout("5 seconds", "second")]))
          yield* TestClock.adjust("4999 millis")
          assert.deepStrictEqual(yield* logOf(machine), ["idle: cast Go", "b: cast Keep"])
          yield* TestClock.adjust("1 millis")
          assert.deepStrictEqual(yield* logOf(machine), ["idle: cast Go", "b: cast Keep", "b: StateTimeout second"])
        })
      )
    )

    it.effect("generic timeouts are independent: each fires at its time, survives events and state changes", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const machine = yield* GenStatem.start(Recorder(log), [])
          yield* send(
            machine,
            keep([
              GenStatem.genericTimeout("a", "3 seconds", "A"),
              GenStatem.genericTimeout("b", "7 seconds", "B"),
              GenStatem.genericTimeout("c", "9 seconds", "C")
            ])
          )
          log.length = 0
          yield* TestClock.adjust("1 second")
          yield* send(machine, go("other"), note("event"))
          yield* TestClock.adjust("1999 millis")
          assert.deepStrictEqual(yield* logOf(machine), ["idle: cast Go", "other: cast event"])
          yield* TestClock.adjust("1 millis")
          assert.deepStrictEqual(yield* logOf(machine), [
            "idle: cast Go",
            "other: cast event",
            "other: GenericTimeout a A"
          ])
          // restarting "b" replaces it; cancelling "c" stops it for good
          yield* send(
            machine,
            keep([GenStatem.genericTimeout("b", "10 seconds", "B2"), GenStatem.cancelTimeout({ timeout: "c" })])
          )
          yield* TestClock.adjust("9999 millis")
          const before = yield* logOf(machine)
          assert.notInclude(before.join(), "GenericTimeout b")
          assert.notInclude(before.join(), "GenericTimeout c")
          yield* TestClock.adjust("1 millis")
          assert.deepStrictEqual(yield* logOf(machine), [
            "idle: cast Go",
            "other: cast event",
            "other: GenericTimeout a A",
            "other: cast Keep",
            "other: GenericTimeout b B2"
          ])
          yield* TestClock.adjust("1 hour")
          const after = yield* logOf(machine)
          assert.notInclude(after.join(), "GenericTimeout c")
          assert.strictEqual(after.filter((line) => line.includes("GenericTimeout b")).length, 1)
        })
      )
    )

    it.effect("the last action of a type wins; update changes a running timeout's content, not its time", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const machine = yield* GenStatem.start(Recorder(log), [])
          yield* send(
            machine,
            keep([
              GenStatem.genericTimeout("g", "1 second", "first"),
              GenStatem.genericTimeout("g", "4 seconds", "second")
            ])
          )
          yield* TestClock.adjust("2 seconds")
          yield* send(machine, keep([GenStatem.updateTimeout({ timeout: "g" }, "updated")]))
          yield* TestClock.adjust("1999 millis")
          assert.notInclude((yield* logOf(machine)).join(), "GenericTimeout")
          yield* TestClock.adjust("1 millis")
          const lines = (yield* logOf(machine)).filter((line) => line.includes("GenericTimeout"))
          assert.deepStrictEqual(lines, ["idle: GenericTimeout g updated"])
          // update of a timeout that is not running: delivered at once
          log.length = 0
          yield* GenStatem.cast(machine, keep([GenStatem.updateTimeout("stateTimeout", "now")]))
          assert.deepStrictEqual(yield* logOf(machine), ["idle: cast Keep", "idle: StateTimeout now"])
        })
      )
    )

    it.effect("a timeout cancelled after its timer fired, before its message was handled, never fires", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const machine = yield* GenStatem.start(Recorder(log), [])
          yield* send(
            machine,
            go("a", [
              GenStatem.stateTimeout("5 seconds", "state"),
              GenStatem.genericTimeout("g", "5 seconds", "generic")
            ])
          )
          // a slow handler: both timers fire at 5 s while it runs; it then changes state and cancels "g"
          yield* GenStatem.cast(machine, {
            _tag: "Slow",
            millis: 10_000,
            next: go("b", [GenStatem.cancelTimeout({ timeout: "g" })])
          })
          yield* TestClock.adjust("10 seconds")
          yield* TestClock.adjust("1 hour")
          assert.deepStrictEqual(yield* logOf(machine), ["idle: cast Go", "a: cast Slow"])
          assert.strictEqual((yield* GenStatem.getState(machine)).state, "b")
        })
      )
    )

    it.effect("timeouts set in state enter calls; enter actions add to the event's actions", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const machine = yield* GenStatem.start(TrafficLightLike(log), undefined)
          yield* TestClock.adjust("2 seconds")
          assert.deepStrictEqual(yield* GenStatem.getState(machine), { state: "b", data: 1 })
          assert.deepStrictEqual(log, ["enter a from a", "timeout in a", "enter b from a"])
        })
      )
    )
  })

  describe("client API", () => {
    it.effect("send delivers an info event, data-first or piped; getState pipes too", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const machine = yield* GenStatem.start(Recorder(log), [])
          assert.isTrue(GenStatem.isServer(machine))
          yield* GenStatem.send(machine, "hello")
          yield* machine.pipe(GenStatem.send("again"))
          assert.deepStrictEqual(yield* logOf(machine), ["idle: info hello", "idle: info again"])
          assert.deepStrictEqual((yield* machine.pipe(GenStatem.getState({ timeout: "1 second" }))).state, "idle")
        })
      )
    )

    it.effect("make stops the machine with Shutdown when its scope closes; layer does the same for a Layer", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const scope = yield* Scope.make()
          const machine = yield* GenStatem.make(Recorder(log), []).pipe(Scope.provide(scope))
          const pid = Option.getOrThrow(machine.whereis())
          yield* GenStatem.send(machine, "hello")
          assert.deepStrictEqual(yield* logOf(machine), ["idle: info hello"])
          yield* Scope.close(scope, Exit.void)
          assert.isFalse(yield* Process.isAlive(pid))
          assert.deepStrictEqual(log, ["idle: info hello", "terminate Shutdown in idle"])

          const layered: Array<string> = []
          const layerScope = yield* Scope.make()
          const node = yield* Node.Node
          yield* Layer.buildWithScope(GenStatem.layer(Recorder(layered), [], { name: "layered" }), layerScope)
          const named = yield* GenStatem.named(Recorder([]), "layered")
          yield* named.pipe(GenStatem.send("hi"))
          assert.deepStrictEqual(yield* logOf(named), ["idle: info hi"])
          yield* Scope.close(layerScope, Exit.void)
          assert.deepStrictEqual(yield* GenStatem.whereis(named), Option.none())
          assert.deepStrictEqual(node.processes(), [])
          assert.deepStrictEqual(layered, ["idle: info hi", "terminate Shutdown in idle"])
        })
      )
    )
  })

  describe("protocol", () => {
    it.effect("GenServer's client reaches a GenStatem: one call machinery", () =>
      withNode(
        Effect.gen(function* () {
          const door = yield* GenStatem.start(DoorLock([]), "7", { name: "statem-door" })
          const byName = yield* GenStatem.named(DoorLock([]), "statem-door")
          assert.strictEqual(yield* GenServer.call(byName, new Press({ digit: "7" })), "open")
          assert.deepStrictEqual(byName.whereis(), door.whereis())
          const clash = yield* Effect.flip(GenStatem.start(DoorLock([]), "7", { name: "statem-door" }))
          assert.deepStrictEqual(
            clash,
            new Errors.AlreadyRegistered({ registeredName: "statem-door", pid: Option.getOrThrow(door.whereis()) })
          )
        })
      )
    )

    it.effect("a request outside the protocol crashes the machine; the caller gets ServerExited at once", () =>
      withNode(
        Effect.gen(function* () {
          const log: Array<string> = []
          const door = yield* GenStatem.start(DoorLock(log), "7")
          const pid = Option.getOrThrow(door.whereis())
          // a reference typed with a request the door does not declare (as a decoded or untyped one may be)
          const undeclared = GenStatem.fromPid<Wait>(pid)
          // no clock moves: a call left unanswered would never return
          const error = yield* Effect.flip(GenStatem.call(undeclared, new Wait(), { timeout: "1 second" }))
          const crash = ExitReason.fromCause(
            Cause.die(new Error('GenStatem: the request "Wait" is not in the protocol'))
          )
          assert.instanceOf(error, GenServer.ServerExited)
          const exited = error as GenServer.ServerExited
          assert.isTrue(Pid.equals(exited.pid, pid))
          assertReason(exited.reason as ExitReason.ExitReason, crash)
          assertReason(yield* Process.awaitExit(pid), crash)
          // a crash, not an unexpected event: the state function never saw it
          assert.deepStrictEqual(log, ["enter locked from locked"])
        })
      )
    )

    it.effect("a machine that calls itself fails at once with CallingSelf", () =>
      withNode(
        Effect.gen(function* () {
          class CallSelf extends Request.Class<CallSelf>()("CallSelf", { success: Schema.Any }) {}
          const Selfish = GenStatem.behaviour<{ state: "s"; data: undefined }>()({
            callbackMode: "handleEvent",
            protocol: [CallSelf, Ping],
            init: () => Effect.succeed(GenStatem.ok("s", undefined)),
            handleEvent: (event) =>
              GenStatem.isCall(event, CallSelf)
                ? Effect.gen(function* () {
                    const self = GenStatem.fromPid<Ping>(yield* Process.self())
                    const exits = [
                      yield* Effect.exit(GenStatem.call(self, new Ping())),
                      yield* Effect.exit(GenStatem.stop(self)),
                      yield* Effect.exit(GenStatem.getState(self))
                    ]
                    return GenStatem.keepStateAndData([GenStatem.replyAction(event.from, exits)])
                  })
                : Effect.succeed(pong(event) ?? GenStatem.keepStateAndData())
          })
          const machine = yield* GenStatem.start(Selfish, undefined)
          const pid = Option.getOrThrow(machine.whereis())
          assert.deepStrictEqual(yield* GenStatem.call(machine, new CallSelf()), [
            Exit.fail(new GenServer.CallingSelf({ pid, operation: "call" })),
            Exit.fail(new GenServer.CallingSelf({ pid, operation: "stop" })),
            Exit.fail(new GenServer.CallingSelf({ pid, operation: "getState" }))
          ])
          assert.deepStrictEqual(yield* GenStatem.call(machine, new Ping()), undefined)
        })
      )
    )

    it("the protocol is checked at compile time", () => {
      const door = null as unknown as GenStatem.Server<GenStatem.RequestsOf<ReturnType<typeof DoorLock>>, "lock">
      // @ts-expect-error GetLight is not in the door's protocol
      const wrong = () => GenStatem.call(door, new GetLight())
      const right = () => GenStatem.call(door, new Press({ digit: "1" }))
      // @ts-expect-error the door's casts are "lock"
      const badCast = () => GenStatem.cast(door, "open")
      expect(typeof wrong).toBe("function")
      expect(typeof badCast).toBe("function")
      const check: Effect.Success<ReturnType<typeof right>> = "open"
      expect(check).toBe("open")
      // @ts-expect-error a state enter call may not change the state
      const badEnter: GenStatem.EnterResult<number, never> = GenStatem.nextState("b", 1)
      expect(badEnter._tag).toBe("NextState")
    })
  })

  describe("code change and supervision", () => {
    it.effect("changeCode in pipe form: the machine first or last", () =>
      withNode(
        Effect.gen(function* () {
          const V1 = GenStatem.behaviour<{ state: "s"; data: number }>()({
            callbackMode: "handleEvent",
            name: "Scaled",
            version: "1",
            init: () => Effect.succeed(GenStatem.ok("s", 1)),
            handleEvent: () => Effect.succeed(GenStatem.keepStateAndData())
          })
          const V2 = GenStatem.behaviour<{ state: "s"; data: number }>()({
            callbackMode: "handleEvent",
            name: "Scaled",
            version: "2",
            init: () => Effect.succeed(GenStatem.ok("s", 10)),
            codeChange: (_oldVersion, state, data) =>
              Effect.succeed({ state: state as "s", data: (data as number) * 10 }),
            handleEvent: () => Effect.succeed(GenStatem.keepStateAndData())
          })
          const machine = yield* GenStatem.start(V1, undefined)
          const pid = Option.getOrThrow(machine.whereis())
          assert.deepStrictEqual(yield* machine.pipe(GenStatem.changeCode(V2)), {
            pid,
            behaviour: Option.some("Scaled"),
            fromVersion: "1",
            toVersion: "2"
          })
          assert.deepStrictEqual(yield* GenStatem.getState(machine), { state: "s", data: 10 })
          assert.deepStrictEqual((yield* GenStatem.changeCode(machine, V2, { timeout: "1 second" })).fromVersion, "2")
          assert.deepStrictEqual(yield* GenStatem.getState(machine), { state: "s", data: 100 })
        })
      )
    )

    it.effect("changeCode migrates state and data; a failed codeChange keeps the old version", () =>
      withNode(
        Effect.gen(function* () {
          const V1 = GenStatem.behaviour<{ state: "s"; data: number; cast: number }>()({
            callbackMode: "handleEvent",
            protocol: [Ping],
            version: "1",
            init: () => Effect.succeed(GenStatem.ok("s", 1)),
            handleEvent: (event, _state, n) =>
              Effect.succeed(
                pong(event) ??
                  (event._tag === "Cast" ? GenStatem.keepState(n + event.content) : GenStatem.keepStateAndData())
              )
          })
          const V2 = GenStatem.behaviour<{ state: "s"; data: number; cast: number }>()({
            callbackMode: "handleEvent",
            protocol: [Ping],
            version: "2",
            init: () => Effect.succeed(GenStatem.ok("s", 1)),
            codeChange: (oldVersion, state, data) =>
              oldVersion === "1"
                ? Effect.succeed({ state: state as "s", data: (data as number) * 100 })
                : Effect.fail("unknown version"),
            handleEvent: (event, _state, n) =>
              Effect.succeed(
                pong(event) ??
                  (event._tag === "Cast" ? GenStatem.keepState(n - event.content) : GenStatem.keepStateAndData())
              )
          })
          const machine = yield* GenStatem.start(V1, undefined)
          yield* GenStatem.cast(machine, 1)
          yield* GenStatem.call(machine, new Ping())
          yield* GenStatem.changeCode(machine, V2)
          assert.strictEqual((yield* GenStatem.getState(machine)).data, 200)
          yield* GenStatem.cast(machine, 1)
          yield* GenStatem.call(machine, new Ping())
          assert.strictEqual((yield* GenStatem.getState(machine)).data, 199)
          // V2 → V2: codeChange fails on version "2"; the machine keeps running V2 with its data
          const error = yield* Effect.flip(GenStatem.changeCode(machine, V2))
          assert.instanceOf(error, GenStatem.CodeChangeFailed)
          assert.deepStrictEqual([error.oldVersion, error.newVersion], ["2", "2"])
          assert.deepStrictEqual(error.cause, Cause.fail("unknown version"))
          yield* GenStatem.cast(machine, 9)
          yield* GenStatem.call(machine, new Ping())
          assert.strictEqual((yield* GenStatem.getState(machine)).data, 190)
        })
      )
    )

    it.effect("a GenStatem child is restarted by its supervisor in its initial state", () =>
      withNode(
        Effect.gen(function* () {
          const sup = yield* Supervisor.start({
            strategy: "oneForOne",
            children: [GenStatem.childSpec("light", TrafficLight, undefined, { name: "statem-light" })]
          })
          const lightServer = yield* GenStatem.named(TrafficLight, "statem-light")
          yield* TestClock.adjust("30 seconds")
          assert.deepStrictEqual(yield* GenStatem.call(lightServer, new GetLight()), { color: "green", cycles: 0 })
          const before = Option.getOrThrow(lightServer.whereis())
          yield* Process.exit(before, ExitReason.failure("boom"))
          yield* Process.awaitExit(before)
          const children = yield* Supervisor.whichChildren(sup)
          assert.notStrictEqual(Option.getOrUndefined(children[0]!.pid), before)
          assert.deepStrictEqual(yield* GenStatem.call(lightServer, new GetLight()), { color: "red", cycles: 0 })
        })
      )
    )
  })

  describe("bad actions", () => {
    class Act extends Request.Class<Act>()("Act", { fields: { bad: Schema.Any }, success: Schema.String }) {}

    // replies, then carries out the bad action it was given (OTP checks the actions in order)
    const Actor = GenStatem.behaviour<{ state: "on"; data: null; timeout: unknown }>()({
      callbackMode: "handleEvent",
      protocol: [Act],
      init: () => Effect.succeed(GenStatem.ok("on", null)),
      handleEvent: (event) =>
        Effect.succeed(
          GenStatem.isCall(event, Act)
            ? GenStatem.keepStateAndData([GenStatem.replyAction(event.from, "before"), event.request.bad])
            : GenStatem.keepStateAndData()
        )
    })

    const timeReason = 'the time must be a non-negative duration or "infinity"'
    const cases: ReadonlyArray<readonly [unknown, string]> = [
      [GenStatem.eventTimeout(-1), timeReason],
      [GenStatem.stateTimeout(Number.NaN), timeReason],
      [GenStatem.genericTimeout("beat", "soon" as never), timeReason],
      [GenStatem.eventTimeout("-5 seconds" as never), timeReason],
      [
        { _tag: "SetTimeout", type: "bogus", time: 10, content: undefined },
        'the timeout type must be "timeout", "stateTimeout" or { timeout: name }'
      ],
      [{ _tag: "Hibernate" }, "not an action"],
      ["postpone", "not an action"]
    ]

    it.effect("an invalid action from a state callback crashes the machine with BadAction", () =>
      withNode(
        Effect.gen(function* () {
          for (const [action, reason] of cases) {
            const machine = yield* GenStatem.start(Actor, undefined)
            const pid = Option.getOrThrow(machine.whereis())
            assert.strictEqual(yield* GenStatem.call(machine, new Act({ bad: action })), "before")
            assertReason(
              yield* Process.awaitExit(pid),
              ExitReason.failureCause(Cause.die(new GenStatem.BadAction({ action, stateEnter: false, reason })))
            )
          }
        })
      )
    )

    it.effect("zero and infinite times are valid", () =>
      withNode(
        Effect.gen(function* () {
          const machine = yield* GenStatem.start(Actor, undefined)
          for (const action of [GenStatem.eventTimeout(0), GenStatem.stateTimeout("infinity" as never)]) {
            assert.strictEqual(yield* GenStatem.call(machine, new Act({ bad: action })), "before")
          }
          assert.isTrue(Option.isSome(machine.whereis()))
        })
      )
    )

    it.effect("a postpone or an inserted event from a state enter call crashes the machine with BadAction", () =>
      withNode(
        Effect.gen(function* () {
          for (const [action, reason] of [
            [GenStatem.postpone, "a state enter call may not postpone"],
            [GenStatem.nextEvent("x"), "a state enter call may not insert events"],
            [GenStatem.eventTimeout(-1), timeReason]
          ] as const) {
            const Entering = GenStatem.behaviour<{ state: "on"; data: null; internal: string }>()({
              callbackMode: "handleEvent",
              init: () => Effect.succeed(GenStatem.ok("on", null)),
              stateEnter: true,
              enter: () => Effect.succeed(GenStatem.keepStateAndData([action as never])),
              handleEvent: () => Effect.succeed(GenStatem.keepStateAndData())
            })
            // it crashes right after its start: a monitor set up by the start sees it
            const down = yield* inProcess(
              Effect.andThen(GenStatem.startMonitor(Entering, undefined), testing.assertReceive(Process.isDown))
            )
            assertReason(
              down.reason,
              ExitReason.failureCause(Cause.die(new GenStatem.BadAction({ action, stateEnter: true, reason })))
            )
          }
        })
      )
    )
  })
})

/** Two states: "a" enters with a 1 s state timeout whose event moves to "b". */
const TrafficLightLike = (log: Array<string>) =>
  GenStatem.behaviour<{ state: "a" | "b"; data: number; timeout: "go" }>()({
    callbackMode: "stateFunctions",
    init: () => Effect.succeed(GenStatem.ok("a", 0)),
    stateEnter: true,
    enter: {
      a: (oldState) =>
        Effect.sync(() => {
          log.push(`enter a from ${oldState}`)
          return GenStatem.keepStateAndData([GenStatem.stateTimeout("1 second", "go")])
        }),
      b: (oldState, n) =>
        Effect.sync(() => {
          log.push(`enter b from ${oldState}`)
          return GenStatem.keepState(n + 1)
        })
    },
    states: {
      a: (event, n) =>
        Effect.sync(() => {
          if (event._tag !== "StateTimeout") return GenStatem.keepStateAndData()
          log.push("timeout in a")
          return GenStatem.nextState("b", n)
        }),
      b: () => Effect.succeed(GenStatem.keepStateAndData())
    }
  })

// ---------------------------------------------------------------------------------------------
// Failed starts and a terminate that crashes
// ---------------------------------------------------------------------------------------------

const machineWith = <E>(init: Effect.Effect<void, E, Process.Self<unknown>>, terminate?: Effect.Effect<void>) =>
  GenStatem.behaviour<{ state: "on"; data: null }>()({
    callbackMode: "stateFunctions",
    init: (_: void) => Effect.as(init, GenStatem.ok("on", null)),
    states: { on: () => Effect.succeed(GenStatem.keepStateAndData()) },
    ...(terminate === undefined ? {} : { terminate: () => terminate })
  })

describe("GenStatem: a failed start returns once the process is gone", () => {
  const boom = new Error("boom")

  it.effect("init fails: the error; the process gone, its name free at once, no EXIT for a trapping caller", () =>
    withNode(
      Effect.gen(function* () {
        const outcome = yield* failedStart(
          GenStatem.startLink(machineWith(Effect.fail("no config" as const)), undefined, { name: "gsm-fail-typed" }),
          Effect.as(
            GenStatem.startLink(machineWith(Effect.void), undefined, { name: "gsm-fail-typed" }),
            "started again"
          )
        )
        assert.deepStrictEqual(outcome, { error: "no config", left: [], retried: "started again", mailbox: [] })
      })
    )
  )

  it.effect("init dies: InitFailed with the exit reason", () =>
    withNode(
      Effect.gen(function* () {
        const outcome = yield* failedStart(
          GenStatem.startLink(machineWith(Effect.die(boom)), undefined, { name: "gsm-fail-die" }),
          Effect.as(GenStatem.startLink(machineWith(Effect.void), undefined, { name: "gsm-fail-die" }), "started again")
        )
        assert.instanceOf(outcome.error, GenServer.InitFailed)
        assertReason((outcome.error as GenServer.InitFailed).reason, ExitReason.failureCause(Cause.die(boom)))
        assert.deepStrictEqual(
          { ...outcome, error: undefined },
          { error: undefined, left: [], retried: "started again", mailbox: [] }
        )
      })
    )
  )

  it.effect("init answers ignore: Ignored; the process gone, its name free", () =>
    withNode(
      Effect.gen(function* () {
        const outcome = yield* failedStart(
          GenStatem.startLink(machineWith(GenStatem.ignore), undefined, { name: "gsm-ignore" }),
          Effect.as(GenStatem.startLink(machineWith(Effect.void), undefined, { name: "gsm-ignore" }), "started again")
        )
        assert.deepStrictEqual(outcome, {
          error: new Errors.Ignored(),
          left: [],
          retried: "started again",
          mailbox: []
        })
      })
    )
  )

  it.effect("terminate that crashes: the machine exits with the crash, and stop fails with it", () =>
    withNode(
      Effect.gen(function* () {
        const machine = yield* GenStatem.start(machineWith(Effect.void, Effect.die(boom)), undefined)
        const pid = Option.getOrThrow(machine.whereis())
        const { stopped, down } = yield* inProcess(
          Effect.gen(function* () {
            const ref = yield* Process.monitor(pid)
            const stopped = yield* Effect.flip(GenStatem.stop(machine, ExitReason.shutdown))
            const down = yield* testing.assertReceive(
              (m: unknown): m is Process.Down => Process.isDown(m) && m.ref === ref
            )
            return { stopped, down }
          })
        )
        assert.instanceOf(stopped, GenServer.ServerExited)
        assert.strictEqual((stopped as GenServer.ServerExited).pid, pid)
        assertReason((stopped as GenServer.ServerExited).reason, ExitReason.failureCause(Cause.die(boom)))
        assertReason(down.reason, ExitReason.failureCause(Cause.die(boom)))
      })
    )
  )
})
