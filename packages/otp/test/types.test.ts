/**
 * Type-level tests of the typed protocols: what the compiler infers and what it refuses. They run
 * under `tsc -b` (the test files are part of the project); at run time the bodies build effects
 * and never run them. Each `@ts-expect-error` fails the build if the line it marks compiles.
 */
import { describe, expectTypeOf, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import {
  type ChildSpec,
  DynamicSupervisor,
  type Errors,
  ExitReason,
  GenServer,
  GenStatem,
  Mailbox,
  type Node,
  Process,
  Registry,
  Request,
  Supervisor,
  Task
} from "effect-otp"

class Add extends Request.Class<Add>()("Add", { fields: { n: Schema.Number }, success: Schema.Number }) {}
class Withdraw extends Request.Class<Withdraw>()("Withdraw", {
  fields: { amount: Schema.Number },
  success: Schema.Number,
  failure: Schema.Literals(["insufficient", "frozen"])
}) {}
class Reset extends Request.Class<Reset>()("Reset", {}) {}
class Other extends Request.Class<Other>()("Other", { success: Schema.String }) {}

type Msg = { readonly _tag: "Ping" } | { readonly _tag: "Stop" }

/** The success type of a function that returns an effect. */
type SuccessOf<F extends (...args: any) => Effect.Effect<any, any, any>> = Effect.Success<ReturnType<F>>
/** The error type of a function that returns an effect. */
type ErrorOf<F extends (...args: any) => Effect.Effect<any, any, any>> = Effect.Error<ReturnType<F>>

describe("Process: Self<M> and the pid's message type", () => {
  it("spawn, spawnLink and spawnMonitor infer Pid<M> from the body's receive<M>", () => {
    const body = Effect.gen(function* () {
      yield* Process.trapExit(true)
      return yield* Process.receive<Msg>()
    })
    const spawned = () => Process.spawn(body)
    const linked = () => Process.spawnLink(body)
    const monitored = () => Process.spawnMonitor(body)
    expectTypeOf<SuccessOf<typeof spawned>>().toEqualTypeOf<Process.Pid<Msg>>()
    expectTypeOf<SuccessOf<typeof linked>>().toEqualTypeOf<Process.Pid<Msg>>()
    expectTypeOf<SuccessOf<typeof monitored>>().toEqualTypeOf<{
      readonly pid: Process.Pid<Msg>
      readonly ref: Process.MonitorRef
    }>()
    // Self is provided by the spawn: it is not left in the requirements
    expectTypeOf<Effect.Services<ReturnType<typeof spawned>>>().toEqualTypeOf<Node.Node>()
  })

  it("a body that receives two types gets a pid of their union; self() alone does not narrow it", () => {
    type Other = { readonly _tag: "Other" }
    const both = () => Process.spawn(Effect.andThen(Process.receive<Msg>(), Process.receive<Other>()))
    expectTypeOf<SuccessOf<typeof both>>().toEqualTypeOf<Process.Pid<Msg | Other>>()
    expectTypeOf<Process.MessagesOf<Process.Self<Msg> | Process.Self<Other> | Node.Node>>().toEqualTypeOf<Msg | Other>()
    expectTypeOf<Process.MessagesOf<Process.Self<unknown>>>().toEqualTypeOf<unknown>()
    expectTypeOf<Process.MessagesOf<never>>().toEqualTypeOf<unknown>()
  })

  it("a body that never receives gets a pid of unknown messages", () => {
    const spawned = () => Process.spawn(Effect.void)
    expectTypeOf<SuccessOf<typeof spawned>>().toEqualTypeOf<Process.Pid<unknown>>()
  })

  it("the data-last forms of send, sendAfter, sendSystem and register take the pid last", () => {
    const pid = null as unknown as Process.Pid<Msg>
    const piped = () => pid.pipe(Process.send({ _tag: "Ping" }))
    const later = () => pid.pipe(Process.sendAfter({ _tag: "Stop" }, "1 second"))
    const system = () => pid.pipe(Process.sendSystem("anything"))
    const registered = () => pid.pipe(Process.register("name"))
    expectTypeOf<ReturnType<typeof piped>>().toEqualTypeOf<Effect.Effect<void>>()
    expectTypeOf<ReturnType<typeof later>>().toEqualTypeOf<
      Effect.Effect<Process.TimerRef, Errors.BadArgument, Process.Self<unknown>>
    >()
    expectTypeOf<ReturnType<typeof system>>().toEqualTypeOf<Effect.Effect<boolean>>()
    expectTypeOf<ReturnType<typeof registered>>().toEqualTypeOf<
      Effect.Effect<void, Errors.AlreadyRegistered | Errors.NoProc, Node.Node>
    >()
    // a bounded mailbox's pid keeps its send error in the data-last form
    const bounded = null as unknown as Process.Pid<Msg, Errors.MailboxFull>
    const full = () => bounded.pipe(Process.send({ _tag: "Stop" }))
    expectTypeOf<ErrorOf<typeof full>>().toEqualTypeOf<Errors.MailboxFull>()
    // @ts-expect-error the process receives Msg: a data-last send checks the message against the pid
    const wrong = () => pid.pipe(Process.send({ _tag: "Pong" }))
    // @ts-expect-error exit has no data-last form: exit(reason) is exit/1, the caller exits
    const noDual = () => pid.pipe(Process.exit(ExitReason.normal))
    void wrong
    void noDual
  })

  it("a send of a message outside the pid's type does not compile", () => {
    const pid = null as unknown as Process.Pid<Msg>
    const ok = () => Process.send(pid, { _tag: "Ping" })
    // @ts-expect-error the process receives Msg
    const wrong = () => Process.send(pid, { _tag: "Pong" })
    expectTypeOf<ErrorOf<typeof ok>>().toEqualTypeOf<never>()
    void wrong
  })

  it("a receive inside a body ties the body to that Self", () => {
    const receiveMsg = Process.receive<Msg>()
    expectTypeOf<Effect.Services<typeof receiveMsg>>().toEqualTypeOf<Process.Self<Msg>>()
    expectTypeOf<Effect.Success<typeof receiveMsg>>().toEqualTypeOf<Msg>()
  })
})

describe("Process.SendErrorOf: which sends can fail", () => {
  it("only a bounded mailbox with the fail policy has MailboxFull as its send error", () => {
    expectTypeOf<
      Process.SendErrorOf<{ mailbox: ReturnType<typeof Mailbox.bounded<"fail">> }>
    >().toEqualTypeOf<Errors.MailboxFull>()
    expectTypeOf<
      Process.SendErrorOf<{ mailbox: ReturnType<typeof Mailbox.bounded<"suspend">> }>
    >().toEqualTypeOf<never>()
    expectTypeOf<Process.SendErrorOf<{ mailbox: typeof Mailbox.unbounded }>>().toEqualTypeOf<never>()
    expectTypeOf<Process.SendErrorOf<{}>>().toEqualTypeOf<never>()
  })

  it("the pid carries it, and send fails with it", () => {
    const failing = () => Process.spawn(Process.receive<number>(), { mailbox: Mailbox.bounded(1, "fail") })
    const suspending = () => Process.spawn(Process.receive<number>(), { mailbox: Mailbox.bounded(1) })
    const dropping = () => Process.spawn(Process.receive<number>(), { mailbox: Mailbox.bounded(1, "dropOldest") })
    const plain = () => Process.spawn(Process.receive<number>())
    expectTypeOf<SuccessOf<typeof failing>>().toEqualTypeOf<Process.Pid<number, Errors.MailboxFull>>()
    expectTypeOf<SuccessOf<typeof suspending>>().toEqualTypeOf<Process.Pid<number>>()
    expectTypeOf<SuccessOf<typeof dropping>>().toEqualTypeOf<Process.Pid<number>>()
    expectTypeOf<SuccessOf<typeof plain>>().toEqualTypeOf<Process.Pid<number>>()

    const failingPid = null as unknown as Process.Pid<number, Errors.MailboxFull>
    const sendToFailing = () => Process.send(failingPid, 1)
    expectTypeOf<ErrorOf<typeof sendToFailing>>().toEqualTypeOf<Errors.MailboxFull>()
    // @ts-expect-error a send to a "fail" mailbox can fail with MailboxFull
    const cannotFail: Effect.Effect<void, never> = Process.send(failingPid, 1)
    void cannotFail
  })
})

describe("GenServer: a call's type comes from the request class", () => {
  const server = null as unknown as GenServer.Server<Add | Withdraw | Reset, "tick">

  it("the success is the request's declared success; the error its declared failure plus CallError", () => {
    const add = () => GenServer.call(server, new Add({ n: 1 }))
    const withdraw = () => GenServer.call(server, new Withdraw({ amount: 1 }))
    const reset = () => GenServer.call(server, new Reset())
    expectTypeOf<SuccessOf<typeof add>>().toEqualTypeOf<number>()
    expectTypeOf<ErrorOf<typeof add>>().toEqualTypeOf<GenServer.CallError>()
    expectTypeOf<SuccessOf<typeof withdraw>>().toEqualTypeOf<number>()
    expectTypeOf<ErrorOf<typeof withdraw>>().toEqualTypeOf<"insufficient" | "frozen" | GenServer.CallError>()
    // a request without `success` replies void
    expectTypeOf<SuccessOf<typeof reset>>().toEqualTypeOf<void>()
    expectTypeOf<ErrorOf<typeof reset>>().toEqualTypeOf<GenServer.CallError>()
    expectTypeOf<GenServer.CallError>().toEqualTypeOf<
      | Errors.NoProc
      | GenServer.CallTimeout
      | GenServer.ServerExited
      | Errors.MailboxFull
      | GenServer.CallDropped
      | GenServer.CallingSelf
      | Errors.Undecodable
    >()
  })

  it("a request outside the protocol, or a cast of another type, does not compile", () => {
    // @ts-expect-error Other is not in the protocol
    const wrong = () => GenServer.call(server, new Other())
    // @ts-expect-error the server's casts are "tick"
    const badCast = () => GenServer.cast(server, "tock")
    const goodCast = () => GenServer.cast(server, "tick")
    expectTypeOf<ErrorOf<typeof goodCast>>().toEqualTypeOf<Errors.MailboxFull>()
    void wrong
    void badCast
  })

  it("the pipe form infers what the data-first form infers", () => {
    const add = () => server.pipe(GenServer.call(new Add({ n: 1 })))
    const withdraw = () => server.pipe(GenServer.call(new Withdraw({ amount: 1 }), { timeout: "1 second" }))
    const withdrawFirst = () => GenServer.call(server, new Withdraw({ amount: 1 }), { timeout: "1 second" })
    const forever = () => server.pipe(GenServer.call(new Add({ n: 1 }), { timeout: "infinity" }))
    expectTypeOf<SuccessOf<typeof add>>().toEqualTypeOf<number>()
    expectTypeOf<ErrorOf<typeof add>>().toEqualTypeOf<GenServer.CallError>()
    expectTypeOf<SuccessOf<typeof withdraw>>().toEqualTypeOf<SuccessOf<typeof withdrawFirst>>()
    expectTypeOf<ErrorOf<typeof withdraw>>().toEqualTypeOf<ErrorOf<typeof withdrawFirst>>()
    expectTypeOf<ErrorOf<typeof withdraw>>().toEqualTypeOf<
      "insufficient" | "frozen" | GenServer.CallError | Errors.BadArgument
    >()
    expectTypeOf<ErrorOf<typeof forever>>().toEqualTypeOf<GenServer.CallError>()
    const cast = () => server.pipe(GenServer.cast("tick"))
    const send = () => server.pipe(GenServer.send("anything"))
    const stopped = () => server.pipe(GenServer.stop())
    const state = () => server.pipe(GenServer.getState())
    expectTypeOf<ErrorOf<typeof cast>>().toEqualTypeOf<Errors.MailboxFull>()
    expectTypeOf<ErrorOf<typeof send>>().toEqualTypeOf<Errors.MailboxFull>()
    expectTypeOf<ErrorOf<typeof stopped>>().toEqualTypeOf<
      Errors.NoProc | GenServer.CallTimeout | GenServer.CallingSelf | GenServer.ServerExited
    >()
    expectTypeOf<ErrorOf<typeof state>>().toEqualTypeOf<
      Errors.NoProc | Errors.NoSystemHandler | GenServer.CallTimeout | GenServer.ServerExited | GenServer.CallingSelf
    >()
    // @ts-expect-error Other is not in the protocol
    const wrong = () => server.pipe(GenServer.call(new Other()))
    // @ts-expect-error the server's casts are "tick"
    const badCast = () => server.pipe(GenServer.cast("tock"))
    void wrong
    void badCast
  })

  it("a behaviour's server has its protocol; a handler replies the request's types only", () => {
    const Account = GenServer.behaviour({
      protocol: [Add, Withdraw],
      init: (balance: number) => Effect.succeed(GenServer.ok(balance)),
      handleCall: {
        Add: (request, balance) => Effect.succeed(GenServer.reply(balance + request.n, balance + request.n)),
        Withdraw: (request, balance) =>
          Effect.succeed(
            request.amount > balance
              ? GenServer.replyError("insufficient" as const, balance)
              : GenServer.reply(balance - request.amount, balance - request.amount)
          )
      },
      handleCast: (_message: "tick", balance) => Effect.succeed(GenServer.noreply(balance))
    })
    expectTypeOf<GenServer.RequestsOf<typeof Account>>().toEqualTypeOf<Add | Withdraw>()
    expectTypeOf<GenServer.CastsOf<typeof Account>>().toEqualTypeOf<"tick">()
    const started = () => GenServer.start(Account, 0)
    expectTypeOf<SuccessOf<typeof started>>().toEqualTypeOf<GenServer.Server<Add | Withdraw, "tick">>()

    GenServer.behaviour({
      protocol: [Add],
      init: () => Effect.succeed(GenServer.ok(0)),
      handleCall: {
        // @ts-expect-error Add replies a number
        Add: (_request, n) => Effect.succeed(GenServer.reply("one", n))
      }
    })
    GenServer.behaviour({
      protocol: [Withdraw],
      init: () => Effect.succeed(GenServer.ok(0)),
      handleCall: {
        // @ts-expect-error Withdraw's failures are "insufficient" and "frozen"
        Withdraw: (_request, n) => Effect.succeed(GenServer.replyError("closed" as const, n))
      }
    })
  })

  it("casts and infos: the Schemas have the handlers' types", () => {
    const Tick = Schema.Literals(["tick", "tock"])
    const Typed = GenServer.behaviour({
      casts: Tick,
      infos: Schema.Number,
      init: () => Effect.succeed(GenServer.ok(0)),
      handleCast: (message, n) => Effect.succeed(GenServer.noreply(message === "tick" ? n + 1 : n)),
      handleInfo: (message, n) => Effect.succeed(GenServer.noreply(n + message))
    })
    expectTypeOf<GenServer.CastsOf<typeof Typed>>().toEqualTypeOf<"tick" | "tock">()
    // a reference with the behaviour's casts Schema has its cast type
    expectTypeOf(GenServer.remote<never, "tick" | "tock">("typed", "b@127.0.0.1", Typed)).toEqualTypeOf<
      GenServer.Server<never, "tick" | "tock">
    >()
    GenServer.behaviour({
      // @ts-expect-error the casts Schema's type must be what handleCast takes
      casts: Schema.Number,
      init: () => Effect.succeed(GenServer.ok(0)),
      handleCast: (_message: "tick", n: number) => Effect.succeed(GenServer.noreply(n))
    })
  })
})

describe("References in pipe form infer what the data-first form infers", () => {
  it("Task.await, yield and shutdown", () => {
    const task = null as unknown as Task.Task<number, "boom">
    const piped = () => task.pipe(Task.await("1 second"))
    const first = () => Task.await(task, "1 second")
    expectTypeOf<SuccessOf<typeof piped>>().toEqualTypeOf<number>()
    expectTypeOf<ErrorOf<typeof piped>>().toEqualTypeOf<ErrorOf<typeof first>>()
    const yielded = () => task.pipe(Task.yield())
    const yieldedFirst = () => Task.yield(task)
    const shut = () => task.pipe(Task.shutdown("brutalKill"))
    expectTypeOf<SuccessOf<typeof yielded>>().toEqualTypeOf<SuccessOf<typeof yieldedFirst>>()
    expectTypeOf<SuccessOf<typeof shut>>().toEqualTypeOf<SuccessOf<typeof yieldedFirst>>()
  })

  it("the supervisors' startChild, and a registry's lookup", () => {
    const sup = null as unknown as Supervisor.Supervisor
    const spec = null as unknown as ChildSpec.ChildSpec<Errors.Ignored, Node.Node>
    const piped = () => sup.pipe(Supervisor.startChild(spec))
    const first = () => Supervisor.startChild(sup, spec)
    expectTypeOf<SuccessOf<typeof piped>>().toEqualTypeOf<Process.Pid<never, unknown> | Errors.Ignored>()
    expectTypeOf<ErrorOf<typeof piped>>().toEqualTypeOf<ErrorOf<typeof first>>()
    const dyn = null as unknown as DynamicSupervisor.DynamicSupervisor<number>
    const dynSpec = null as unknown as DynamicSupervisor.DynamicChildSpec<number, "bad", Node.Node>
    const dynPiped = () => dyn.pipe(DynamicSupervisor.startChild(dynSpec))
    const dynFirst = () => DynamicSupervisor.startChild(dyn, dynSpec)
    expectTypeOf<SuccessOf<typeof dynPiped>>().toEqualTypeOf<SuccessOf<typeof dynFirst>>()
    expectTypeOf<ErrorOf<typeof dynPiped>>().toEqualTypeOf<ErrorOf<typeof dynFirst>>()
    const registry = null as unknown as Registry.Registry<string, number>
    const entries = () => registry.pipe(Registry.lookup("key"))
    expectTypeOf<SuccessOf<typeof entries>>().toEqualTypeOf<ReadonlyArray<Registry.Entry<number>>>()
  })
})

describe("GenStatem: calls and the enter-call restrictions", () => {
  interface T {
    readonly state: "a" | "b"
    readonly data: number
    readonly cast: "go"
    readonly internal: "inserted"
    readonly timeout: "tick"
  }
  const machine = null as unknown as GenStatem.Server<Add | Withdraw, "go">

  it("a call has the request's success and failure plus CallError; other requests do not compile", () => {
    const withdraw = () => GenStatem.call(machine, new Withdraw({ amount: 1 }))
    expectTypeOf<SuccessOf<typeof withdraw>>().toEqualTypeOf<number>()
    expectTypeOf<ErrorOf<typeof withdraw>>().toEqualTypeOf<"insufficient" | "frozen" | GenStatem.CallError>()
    // @ts-expect-error Other is not in the machine's protocol
    const wrong = () => GenStatem.call(machine, new Other())
    void wrong
  })

  it("a behaviour's machine has its protocol and its casts", () => {
    const Machine = GenStatem.behaviour<T>()({
      callbackMode: "handleEvent",
      protocol: [Add, Withdraw],
      init: (start: number) => Effect.succeed(GenStatem.ok<"a" | "b", number>("a", start)),
      handleEvent: () => Effect.succeed(GenStatem.keepStateAndData())
    })
    expectTypeOf<GenStatem.RequestsOf<typeof Machine>>().toEqualTypeOf<Add | Withdraw>()
    expectTypeOf<GenStatem.CastsOf<typeof Machine>>().toEqualTypeOf<"go">()
    const started = () => GenStatem.start(Machine, 0)
    expectTypeOf<SuccessOf<typeof started>>().toEqualTypeOf<GenStatem.Server<Add | Withdraw, "go">>()
    const made = () => GenStatem.make(Machine, 0)
    expectTypeOf<SuccessOf<typeof made>>().toEqualTypeOf<GenStatem.Server<Add | Withdraw, "go">>()
  })

  it("changeCode in pipe form infers what the data-first form infers", () => {
    const V2 = GenStatem.behaviour<T>()({
      callbackMode: "handleEvent",
      protocol: [Add, Withdraw],
      init: (start: number) => Effect.succeed(GenStatem.ok<"a" | "b", number>("a", start)),
      handleEvent: () => Effect.succeed(GenStatem.keepStateAndData())
    })
    const first = () => GenStatem.changeCode(machine, V2)
    const last = () => machine.pipe(GenStatem.changeCode(V2))
    expectTypeOf<SuccessOf<typeof last>>().toEqualTypeOf<SuccessOf<typeof first>>()
    expectTypeOf<ErrorOf<typeof last>>().toEqualTypeOf<ErrorOf<typeof first>>()
    const timed = () => machine.pipe(GenStatem.changeCode(V2, { timeout: "1 second" }))
    expectTypeOf<ErrorOf<typeof timed>>().toEqualTypeOf<ErrorOf<typeof first> | Errors.BadArgument>()
  })

  it("reply and replyError take the types of the call being answered", () => {
    const from = null as unknown as GenStatem.From<number, "insufficient">
    GenStatem.replyAction(from, 1)
    GenStatem.replyErrorAction(from, "insufficient")
    // @ts-expect-error the call replies a number
    GenStatem.replyAction(from, "one")
    // @ts-expect-error the call's failure is "insufficient"
    GenStatem.replyErrorAction(from, "frozen")
  })

  it("init may not postpone, and states outside the machine's type do not compile", () => {
    const handleEvent: GenStatem.HandleEvent<never, T, never> = () => Effect.succeed(GenStatem.keepStateAndData())
    GenStatem.behaviour<T>()({
      callbackMode: "handleEvent",
      // @ts-expect-error there is no event to postpone before the first one
      init: () => Effect.succeed(GenStatem.ok<"a" | "b", number, GenStatem.Postpone>("a", 0, [GenStatem.postpone])),
      handleEvent
    })
    GenStatem.behaviour<T>()({
      callbackMode: "handleEvent",
      // @ts-expect-error the machine's states are "a" and "b"
      init: () => Effect.succeed(GenStatem.ok("c", 0)),
      handleEvent
    })
    // @ts-expect-error a transition to a state outside the machine's type
    const toC: GenStatem.HandleEvent<never, T, never> = () => Effect.succeed(GenStatem.nextState("c", 0))
    void toC
  })

  it("an enter call may keep or repeat the state, or stop, but not change it", () => {
    type Enter = GenStatem.EnterResult<number, GenStatem.EnterAction<"tick">>
    expectTypeOf(GenStatem.keepState(1)).toExtend<Enter>()
    expectTypeOf(GenStatem.keepStateAndData()).toExtend<Enter>()
    expectTypeOf(GenStatem.repeatState(1)).toExtend<Enter>()
    expectTypeOf(GenStatem.repeatStateAndData()).toExtend<Enter>()
    expectTypeOf(GenStatem.stopWith(ExitReason.shutdown)).toExtend<Enter>()
    expectTypeOf(GenStatem.nextState("b", 1)).not.toExtend<Enter>()
  })

  it("an enter call's actions are replies and timeouts: no postpone, no inserted events", () => {
    type EnterAction = GenStatem.EnterAction<"tick">
    expectTypeOf(GenStatem.stateTimeout("1 second", "tick" as const)).toExtend<EnterAction>()
    expectTypeOf(GenStatem.postpone).not.toExtend<EnterAction>()
    expectTypeOf(GenStatem.nextEvent("inserted" as const)).not.toExtend<EnterAction>()
    // and the same seen from a behaviour: each of these enter calls is refused
    const handleEvent: GenStatem.HandleEvent<never, T, never> = () => Effect.succeed(GenStatem.keepStateAndData())
    const init = () => Effect.succeed(GenStatem.ok<"a" | "b", number>("a", 0))
    GenStatem.behaviour<T>()({
      callbackMode: "handleEvent",
      init,
      handleEvent,
      stateEnter: true,
      // @ts-expect-error an enter call may not change the state
      enter: () => Effect.succeed(GenStatem.nextState("b", 0))
    })
    GenStatem.behaviour<T>()({
      callbackMode: "handleEvent",
      init,
      handleEvent,
      stateEnter: true,
      // @ts-expect-error an enter call may not postpone
      enter: () => Effect.succeed(GenStatem.keepStateAndData([GenStatem.postpone]))
    })
    GenStatem.behaviour<T>()({
      callbackMode: "handleEvent",
      init,
      handleEvent,
      stateEnter: true,
      // @ts-expect-error an enter call may not insert events
      enter: () => Effect.succeed(GenStatem.keepStateAndData([GenStatem.nextEvent("inserted" as const)]))
    })
    GenStatem.behaviour<T>()({
      callbackMode: "stateFunctions",
      init,
      states: { a: handleEvent as never, b: handleEvent as never },
      stateEnter: true,
      enter: {
        // @ts-expect-error a per-state enter call may not change the state either
        a: () => Effect.succeed(GenStatem.nextState("b", 0))
      }
    })
  })
})
