/**
 * The README's first example: spawn a process, send it a message, receive the answer.
 * Run it with `npx node examples/hello.ts` (the project's Node 24, whatever Node the machine has).
 */
import { Effect } from "effect"
import { Node, Process } from "effect-otp"

type Greet = { readonly _tag: "Greet"; readonly name: string; readonly replyTo: Process.Pid<string> }

// A process body: receive one Greet, answer it. `Process.receive` needs `Process.Self`, so this
// can only run as a process; `spawn` reads the message type off it and returns a `Pid<Greet>`.
const greeter = Effect.gen(function* () {
  const greet = yield* Process.receive<Greet>()
  yield* Process.send(greet.replyTo, `Hello, ${greet.name}!`)
})

export const program = Effect.gen(function* () {
  const pid = yield* Process.spawn(greeter)
  const caller = yield* Process.spawn(
    Effect.gen(function* () {
      yield* Process.send(pid, { _tag: "Greet", name: "Joe", replyTo: yield* Process.self<string>() })
      const answer = yield* Process.receive<string>()
      yield* Effect.log(answer) // Hello, Joe!
      return answer
    })
  )
  return yield* Process.awaitExit(caller) // Normal
}).pipe(Effect.provide(Node.layer()))

if (import.meta.main) Effect.runPromise(program).then((reason) => console.log(`caller exited: ${reason}`))
