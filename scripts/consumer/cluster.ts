// A GenServer behaviour served as a sharded entity on a single in-memory runner: calls, a
// declared error caught by its tag, and the state kept per entity id.
import { Effect, Layer, Schema } from "effect"
import { GenServer, Node, Request } from "effect-otp"
import { ClusterServer } from "@effect-otp/cluster"

class Deposit extends Request.Class<Deposit>()("Deposit", { fields: { amount: Schema.Int }, success: Schema.Int }) {}
class Overdrawn extends Schema.TaggedError<Overdrawn>()("Overdrawn", { balance: Schema.Int }) {}
class Withdraw extends Request.Class<Withdraw>()("Withdraw", {
  fields: { amount: Schema.Int },
  success: Schema.Int,
  failure: Overdrawn
}) {}

const Account = GenServer.behaviour({
  protocol: [Deposit, Withdraw],
  init: (_id: string) => Effect.succeed(GenServer.ok(0)),
  handleCall: {
    Deposit: ({ amount }, balance) => Effect.succeed(GenServer.reply(balance + amount, balance + amount)),
    Withdraw: ({ amount }, balance) =>
      amount > balance
        ? Effect.fail(new Overdrawn({ balance }))
        : Effect.succeed(GenServer.reply(balance - amount, balance - amount))
  }
})

const Accounts = ClusterServer.entity("Account", Account, { snapshot: { state: Schema.Int } })

const program = Effect.gen(function* () {
  const accounts = yield* ClusterServer.client(Accounts)
  const alice = yield* accounts("alice").call(new Deposit({ amount: 10 }))
  const bob = yield* accounts("bob").call(new Deposit({ amount: 3 }))
  const overdrawn = yield* accounts("bob")
    .call(new Withdraw({ amount: 5 }))
    .pipe(Effect.catchTag("Overdrawn", (error) => Effect.succeed(`Overdrawn ${error.balance}`)))
  return { alice, bob, overdrawn }
})

const Runner = Accounts.layer.pipe(Layer.provideMerge(ClusterServer.singleRunnerLayer()), Layer.provide(Node.layer()))

Effect.runPromise(program.pipe(Effect.provide(Runner))).then((result) => console.log(JSON.stringify(result)))
