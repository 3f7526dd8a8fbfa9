import { inspect } from "node:util"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Option, Schema } from "effect"
import { Errors, GenServer, GenStatem, Process, Request, Term, testing } from "effect-otp"
import { Epmd, Node } from "../src/index.ts"
import { cookie, on, startPair } from "./fixtures/dist.ts"
import { skipWithoutErl, startErl } from "./fixtures/os.ts"

// GenServer calls with `Request.Class` requests across nodes: the request crosses as the term of its
// Schema, the reply as {ok, Success} / {error, Failure}, decoded with the request's Schemas.

const atom = Term.atom

class Insufficient extends Schema.TaggedError<Insufficient>()("Insufficient", { balance: Schema.Int }) {}

class Deposit extends Request.Class<Deposit>()("Deposit", {
  fields: { amount: Schema.Int },
  success: Schema.Int
}) {}

class Withdraw extends Request.Class<Withdraw>()("Withdraw", {
  fields: { amount: Schema.Int },
  success: Schema.Int,
  failure: Insufficient
}) {}

class Balance extends Request.Class<Balance>()("Balance", { success: Schema.Int }) {}

/** The same tag with another reply Schema: what a client with an older protocol would send. */
class BalanceAsText extends Request.Class<BalanceAsText>()("Balance", { success: Schema.String }) {}

const Account = GenServer.behaviour({
  protocol: [Deposit, Withdraw, Balance],
  init: (start: number) => Effect.succeed(GenServer.ok(start)),
  handleCall: {
    Deposit: (request, balance) => Effect.succeed(GenServer.reply(balance + request.amount, balance + request.amount)),
    Withdraw: (request, balance) =>
      request.amount > balance
        ? Effect.fail(new Insufficient({ balance }))
        : Effect.succeed(GenServer.reply(balance - request.amount, balance - request.amount)),
    Balance: (_, balance) => Effect.succeed(GenServer.reply(balance, balance))
  }
})

/** A switch as a GenStatem: `Flip` answers the state it moved to, `Flip` with `force: false` in "on" is refused. */
class Flip extends Request.Class<Flip>()("Flip", {
  fields: { force: Schema.Boolean },
  success: Schema.Literals(["on", "off"]),
  failure: Schema.Literal("stuck")
}) {}

const Switch = GenStatem.behaviour<{ readonly state: "on" | "off"; readonly data: null }>()({
  callbackMode: "handleEvent",
  protocol: [Flip],
  init: () => Effect.succeed(GenStatem.ok("off", null)),
  handleEvent: (event, state, data) =>
    Effect.succeed(
      GenStatem.isCall(event, Flip)
        ? state === "on" && !event.request.force
          ? GenStatem.keepStateAndData([GenStatem.replyErrorAction(event.from, "stuck")])
          : GenStatem.nextState(state === "on" ? "off" : "on", data, [
              GenStatem.replyAction(event.from, state === "on" ? "off" : "on")
            ])
        : GenStatem.keepStateAndData()
    )
})

describe("typed GenServer calls between two effect-otp nodes", () => {
  it.live("a GenStatem on another node: its protocol's requests, replies and declared errors", () =>
    Effect.gen(function* () {
      const { a, b } = yield* startPair()
      yield* on(b)(GenStatem.start(Switch, undefined, { name: "switch" }))
      const machine = GenServer.remote<Flip>("switch", "b@127.0.0.1")
      const result = yield* on(a)(
        testing.runInProcess(
          Effect.gen(function* () {
            const turnedOn = yield* GenServer.call(machine, new Flip({ force: false }))
            const stuck = yield* Effect.flip(GenServer.call(machine, new Flip({ force: false })))
            const off = yield* GenServer.call(machine, new Flip({ force: true }))
            return { turnedOn, stuck, off }
          })
        )
      )
      assert.deepStrictEqual(result, { turnedOn: "on", stuck: "stuck", off: "off" })
    }).pipe(Effect.scoped)
  )

  it.live("requests and replies cross with their Schemas; a declared error arrives typed", () =>
    Effect.gen(function* () {
      const { a, b } = yield* startPair()
      yield* on(b)(GenServer.start(Account, 10, { name: "account" }))
      const account = GenServer.remote<Deposit | Withdraw | Balance>("account", "b@127.0.0.1")
      const result = yield* on(a)(
        testing.runInProcess(
          Effect.gen(function* () {
            const deposited = yield* GenServer.call(account, new Deposit({ amount: 5 }))
            const refused = yield* Effect.flip(GenServer.call(account, new Withdraw({ amount: 100 })))
            const withdrawn = yield* GenServer.call(account, new Withdraw({ amount: 3 }))
            return { deposited, refused, withdrawn }
          })
        )
      )
      assert.deepStrictEqual(result, { deposited: 15, refused: new Insufficient({ balance: 15 }), withdrawn: 12 })
      assert.instanceOf(result.refused, Insufficient)
      assert.strictEqual(a.undecodable() + b.undecodable(), 0)
    }).pipe(Effect.scoped)
  )

  it.live("a request or a reply that does not decode is counted, answered Undecodable, reaches no handler", () =>
    Effect.gen(function* () {
      const { a, b } = yield* startPair()
      const server = yield* on(b)(GenServer.start(Account, 10, { name: "account" }))
      // an untyped reference: the request is sent as the term it is
      const raw = GenServer.remote<Request.Any>("account", "b@127.0.0.1")
      const older = GenServer.remote<BalanceAsText>("account", "b@127.0.0.1")
      const typed = GenServer.remote<Deposit | Balance>("account", "b@127.0.0.1")
      const result = yield* on(a)(
        testing.runInProcess(
          Effect.gen(function* () {
            // a Deposit whose amount is not an integer, as an untyped client could send it
            const badRequest = yield* GenServer.call(
              raw,
              new Map<Term.Term, Term.Term>([
                [atom("_tag"), "Deposit"],
                [atom("amount"), "lots"]
              ]) as never
            )
            const badReply = yield* Effect.flip(GenServer.call(older, new BalanceAsText()))
            // the server did not see the bad request, and the connection is still there
            const balance = yield* GenServer.call(typed, new Balance())
            return { badRequest, badReply, balance }
          })
        )
      )
      assert.isTrue(
        Term.equals(
          result.badRequest as Term.Term,
          Term.tuple(atom("undecodable"), atom("request"), 'Expected number\n  at ["amount"]')
        ),
        inspect(result.badRequest, { depth: 5 })
      )
      assert.deepStrictEqual(
        result.badReply,
        new Errors.Undecodable({
          node: "b@127.0.0.1",
          what: "reply",
          reason: "Expected string"
        })
      )
      assert.strictEqual(result.balance, 10)
      // the server's mailbox got the two calls that decoded, nothing for the one that did not
      const info = yield* Process.info(Option.getOrThrow(server.whereis()))
      assert.strictEqual(Option.getOrThrow(info).messagesReceived, 2)
      assert.strictEqual(b.undecodable(), 1)
      assert.strictEqual(a.undecodable(), 1)
      assert.deepStrictEqual(a.list(), ["b@127.0.0.1"])
    }).pipe(Effect.scoped)
  )
})

describe.skipIf(skipWithoutErl)("typed GenServer calls from Erlang", () => {
  it.live(
    "gen_server:call with a map of the request's fields gets {ok, _} / {error, _} / {undecodable, ...}",
    () =>
      Effect.gen(function* () {
        const epmd = yield* Epmd.serve({ port: 0 })
        const secret = cookie()
        const ts = yield* Node.start("ts@127.0.0.1", { cookie: secret, epmdPort: epmd.port })
        yield* on(ts)(GenServer.start(Account, 10, { name: "account" }))
        const got = yield* Deferred.make<unknown>()
        const inbox = yield* on(ts)(Process.spawn(Effect.flatMap(Process.receive(), (m) => Deferred.succeed(got, m))))
        yield* on(ts)(Process.register("inbox", inbox))
        yield* startErl(
          "e1@127.0.0.1",
          secret,
          epmd.port,
          [
            "S = {account, 'ts@127.0.0.1'},",
            "A = gen_server:call(S, #{'_tag' => <<\"Deposit\">>, amount => 5}),",
            "B = gen_server:call(S, #{'_tag' => 'Withdraw', amount => 100}),",
            "{undecodable, request, _} = gen_server:call(S, #{'_tag' => <<\"Deposit\">>}),",
            "{inbox, 'ts@127.0.0.1'} ! {A, B},",
            'io:format("up~n"), receive stop -> ok end.'
          ].join(" "),
          "up"
        )
        const result = (yield* Deferred.await(got)) as Term.Term
        const expected = Term.tuple(
          Term.tuple(atom("ok"), 15),
          Term.tuple(
            atom("error"),
            new Map<Term.Term, Term.Term>([
              [atom("_tag"), "Insufficient"],
              [atom("balance"), 15]
            ])
          )
        )
        assert.isTrue(Term.equals(result, expected), inspect(result, { depth: 5 }))
        assert.strictEqual(ts.undecodable(), 1)
      }).pipe(Effect.scoped),
    30_000
  )
})
