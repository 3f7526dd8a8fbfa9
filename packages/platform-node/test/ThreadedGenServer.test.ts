import { assert, describe, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Option } from "effect"
import { Errors, type ExitReason, GenServer, Node, Process, Supervisor, testing } from "effect-otp"
import { threadId as mainThreadId, Worker } from "node:worker_threads"
import type * as internal from "../src/internal/threadedServer.ts"
import * as ThreadedGenServer from "../src/ThreadedGenServer.ts"
import * as WorkerPool from "../src/WorkerPool.ts"
import { Total } from "./fixtures/protocol.ts"
import {
  Add,
  Boom,
  Counter,
  Crash,
  Decrement,
  ExitSoon,
  Get,
  Increment,
  LooseIncrement,
  Reset,
  WhoAmI
} from "./fixtures/counter.ts"
import { failureOf, failureOfReason } from "./fixtures/exits.ts"

// Real threads and real time: every test is bounded by this budget (the machine is shared and
// noisy, and a cold thread loads its modules in a few hundred milliseconds). Waits for messages
// have their own explicit timeouts, far above what they need.
const budget = 60_000
const within = { timeout: 20_000 }
const worker = new URL("./fixtures/counter-worker.ts", import.meta.url)

/** The thread crash behind a `ServerExited` or an exit reason, or a test failure. */
const crashOf = (u: GenServer.ServerExited | ExitReason.ExitReason): WorkerPool.WorkerCrashed => {
  const crash = ThreadedGenServer.crashOf(u)
  assert.isTrue(Option.isSome(crash), `expected a WorkerCrashed behind ${String(u)}`)
  return Option.getOrThrow(crash)
}

const pidOf = <Req extends import("effect-otp").Request.Any, Cast>(server: GenServer.Server<Req, Cast>) =>
  Option.getOrThrow(server.whereis())

const stateOf = (server: GenServer.Server<any, any>) =>
  Effect.map(GenServer.getState(server), (state) => state as internal.State)

// the protocol is checked at compile time, on both sides
export const _typeChecks = (server: GenServer.Server<ThreadedGenServer.RequestsOf<typeof Counter>, Reset>) => [
  // @ts-expect-error: the counter does not serve this request
  GenServer.call(server, new Total()),
  // @ts-expect-error: a cast is not a call
  GenServer.call(server, new Reset()),
  // @ts-expect-error: the start argument is an integer
  ThreadedGenServer.start(Counter, "ten", { worker }),
  // @ts-expect-error: the counter has casts, so handleCast is required
  ThreadedGenServer.serve(Counter, {
    init: (start: number) => Effect.succeed(start),
    handleCall: {
      Increment: ({ by }, count) => Effect.succeed(ThreadedGenServer.reply(count + by, count + by)),
      Get: (_, count) => Effect.succeed(ThreadedGenServer.reply(count, count)),
      Decrement: (_, count) => Effect.succeed(ThreadedGenServer.reply(count, count)),
      WhoAmI: (_, count) => Effect.succeed(ThreadedGenServer.reply(0, count)),
      Crash: (_, count) => Effect.succeed(ThreadedGenServer.reply(undefined, count)),
      Boom: (_, count) => Effect.succeed(ThreadedGenServer.reply(undefined, count))
    }
  }),
  ThreadedGenServer.serve(Counter, {
    init: (start: number) => Effect.succeed(start),
    handleCall: {
      // @ts-expect-error: Increment answers an integer
      Increment: (_, count) => Effect.succeed(ThreadedGenServer.reply("many", count)),
      Get: (_, count) => Effect.succeed(ThreadedGenServer.reply(count, count)),
      Decrement: (_, count) => Effect.succeed(ThreadedGenServer.reply(count, count)),
      WhoAmI: (_, count) => Effect.succeed(ThreadedGenServer.reply(0, count)),
      Crash: (_, count) => Effect.succeed(ThreadedGenServer.reply(undefined, count)),
      Boom: (_, count) => Effect.succeed(ThreadedGenServer.reply(undefined, count))
    },
    handleCast: {
      Reset: () => Effect.succeed(ThreadedGenServer.noreply(0)),
      Add: ({ n }, count) => Effect.succeed(ThreadedGenServer.noreply(count + n)),
      ExitSoon: (_, count) => Effect.succeed(ThreadedGenServer.noreply(count))
    }
  })
]

describe("ThreadedGenServer", () => {
  it.live(
    "typed calls, casts and declared errors reach the state in the thread; a handler's bug crashes the server",
    () =>
      Effect.gen(function* () {
        const counter = yield* ThreadedGenServer.start(Counter, 10, { worker, name: "threaded-counter-calls" })

        // the handlers run in another thread: the server's own
        const thread = yield* GenServer.call(counter, new WhoAmI())
        assert.notStrictEqual(thread, mainThreadId)
        assert.strictEqual((yield* stateOf(counter)).threadId, thread)

        const twelve: number = yield* GenServer.call(counter, new Increment({ by: 2 }))
        assert.strictEqual(twelve, 12)
        yield* GenServer.cast(counter, new Add({ n: 5 }))
        assert.strictEqual(yield* GenServer.call(counter, new Get()), 17)

        // the declared error, typed; the state is kept
        yield* GenServer.cast(counter, new Reset())
        const tooLow = yield* GenServer.call(counter, new Decrement()).pipe(
          Effect.catchTag("TooLow", (error) => Effect.succeed(`too low at ${error.count}`))
        )
        assert.strictEqual(tooLow, "too low at 0")

        // by name, as any GenServer
        const byName = yield* ThreadedGenServer.named(Counter, "threaded-counter-calls")
        assert.strictEqual(yield* GenServer.call(byName, new Increment({ by: 1 })), 1)

        // a request that does not cross the thread boundary: the caller's defect, the server carries on
        const loose = yield* Effect.exit(GenServer.call(counter, new LooseIncrement({ by: 1.5 }) as never))
        assert.isTrue(Exit.isFailure(loose) && Cause.hasDies(loose.cause), `expected a defect, got ${String(loose)}`)
        const invalid = Cause.squash((loose as Exit.Failure<unknown, unknown>).cause) as WorkerPool.InvalidRequest
        assert.instanceOf(invalid, WorkerPool.InvalidRequest)
        assert.strictEqual(invalid.field, "by")
        assert.strictEqual(yield* GenServer.call(counter, new Get()), 1)

        // starts that fail: a start argument that does not fit its Schema, a thread that cannot start
        const badArgs = failureOf(yield* Effect.exit(ThreadedGenServer.start(Counter, 1.5, { worker })))
        assert.deepStrictEqual(
          badArgs,
          new WorkerPool.InvalidRequest({
            request: "start argument",
            field: "",
            issue: "Expected an integer",
            side: "main"
          })
        )
        const broken = new URL("./fixtures/broken-worker.ts", import.meta.url)
        const spawnFailed = failureOf(yield* Effect.exit(ThreadedGenServer.start(Counter, 0, { worker: broken })))
        assert.strictEqual(spawnFailed._tag, "WorkerSpawnFailed")
        assert.include((spawnFailed as WorkerPool.WorkerSpawnFailed).detail, "cannot open the model file")

        // a handler that throws is a bug of the server: it exits with it, as a green GenServer
        const pid = pidOf(counter)
        const boom = failureOf(yield* Effect.exit(GenServer.call(counter, new Boom())))
        const reason = yield* Process.awaitExit(pid)
        assert.deepStrictEqual(boom, new GenServer.ServerExited({ pid, reason }))
        const defect = failureOfReason(reason) as WorkerPool.HandlerDefect
        assert.instanceOf(defect, WorkerPool.HandlerDefect)
        assert.strictEqual(defect.defect, "a bug in a handler")
        assert.isTrue(Option.isNone(ThreadedGenServer.crashOf(reason)))
        assert.deepStrictEqual(
          failureOf(yield* Effect.exit(GenServer.call(counter, new Get()))),
          new Errors.NoProc({ pid })
        )
      }).pipe(Effect.provide(Node.layer())),
    budget
  )

  it.live(
    "under oneForOne: its thread crashes, the server exits with the crash, calls fail, the supervisor restarts it",
    () =>
      testing
        .runInProcess(
          Effect.gen(function* () {
            const supervisor = yield* Supervisor.start({
              strategy: "oneForOne",
              children: [ThreadedGenServer.childSpec("counter", Counter, 7, { worker, name: "threaded-counter-sup" })]
            })
            const counter = yield* ThreadedGenServer.named(Counter, "threaded-counter-sup")
            assert.strictEqual(yield* GenServer.call(counter, new Increment({ by: 1 })), 8)
            const pid = pidOf(counter)
            const { threadId, session } = yield* stateOf(counter)
            const ref = yield* Process.monitor(pid)

            // the crash call is running when the thread dies; the second call waits behind it
            const crashing = yield* Effect.forkChild(Effect.exit(GenServer.call(counter, new Crash({ how: "exit" }))), {
              startImmediately: true
            })
            const waiting = yield* Effect.forkChild(Effect.exit(GenServer.call(counter, new Get())), {
              startImmediately: true
            })
            const down = yield* testing.assertReceive(
              (m: unknown): m is Process.Down => Process.isDown(m) && m.ref === ref,
              within
            )

            // the server exited with the crash as its reason
            const crash = crashOf(down.reason)
            assert.strictEqual(crash.reason, "exit")
            assert.strictEqual(crash.exitCode, 1)
            assert.strictEqual(crash.threadId, threadId)
            assert.strictEqual(crash.request, "Crash")
            // and its thread is gone with it
            assert.deepStrictEqual(yield* WorkerPool.threadIds(session), [])

            // both calls failed with the server's exit, which names the crash
            const calls: Array<Exit.Exit<unknown, GenServer.CallError>> = [
              yield* Fiber.join(crashing),
              yield* Fiber.join(waiting)
            ]
            for (const exit of calls) {
              const error = failureOf(exit)
              assert.instanceOf(error, GenServer.ServerExited)
              assert.strictEqual((error as GenServer.ServerExited).pid, pid)
              assert.strictEqual(crashOf(error as GenServer.ServerExited).reason, "exit")
            }

            // the supervisor has handled the exit (and restarted the child) when it answers
            const [child] = yield* Supervisor.whichChildren(supervisor)
            assert.isTrue(Option.isSome(child!.pid))
            assert.notStrictEqual(Option.getOrThrow(child!.pid), pid)

            // a fresh thread, a fresh state from the start argument
            assert.strictEqual(yield* GenServer.call(counter, new Get()), 7)
            assert.notStrictEqual(yield* GenServer.call(counter, new WhoAmI()), threadId)
            yield* Supervisor.stop(supervisor)
          })
        )
        .pipe(Effect.provide(Node.layer())),
    budget
  )

  it.live(
    "links and monitors see the crash: Exit to a linked process that traps exits, Down when the thread dies idle",
    () =>
      testing
        .runInProcess(
          Effect.gen(function* () {
            // an uncaught exception thrown in the thread, outside the handler, during a call
            const linked = yield* ThreadedGenServer.startLink(Counter, 0, { worker })
            const linkedPid = pidOf(linked)
            const call = failureOf(yield* Effect.exit(GenServer.call(linked, new Crash({ how: "throw" }))))
            assert.instanceOf(call, GenServer.ServerExited)
            assert.strictEqual((call as GenServer.ServerExited).pid, linkedPid)
            const exit = yield* testing.assertReceive(
              (m: unknown): m is Process.Exit => Process.isExit(m) && m.from === linkedPid,
              within
            )
            const thrown = crashOf(exit.reason)
            assert.strictEqual(thrown.reason, "uncaughtException")
            assert.include(thrown.detail, "boom in the thread")

            // the thread exits while the server waits for messages: the server stops at once
            const idle = yield* ThreadedGenServer.start(Counter, 0, { worker })
            const ref = yield* Process.monitor(pidOf(idle))
            yield* GenServer.cast(idle, new ExitSoon())
            const down = yield* testing.assertReceive(
              (m: unknown): m is Process.Down => Process.isDown(m) && m.ref === ref,
              within
            )
            const exited = crashOf(down.reason)
            assert.strictEqual(exited.reason, "exit")
            assert.strictEqual(exited.exitCode, 3)
          }),
          { trapExit: true }
        )
        .pipe(Effect.provide(Node.layer())),
    budget
  )

  it.live(
    "closing the node stops every threaded server and leaves no worker thread",
    () =>
      Effect.gen(function* () {
        const exited: Array<Deferred.Deferred<number>> = []
        const spawn = (workerData: unknown) => {
          const thread = new Worker(worker, { workerData })
          const done = Deferred.makeUnsafe<number>()
          thread.once("exit", (code) => Deferred.doneUnsafe(done, Exit.succeed(code)))
          exited.push(done)
          return thread
        }
        const sessions = yield* Effect.gen(function* () {
          const alone = yield* ThreadedGenServer.start(Counter, 1, { worker: spawn })
          const supervisor = yield* Supervisor.start({
            children: [ThreadedGenServer.childSpec("counter", Counter, 2, { worker: spawn, name: "threaded-close" })]
          })
          const supervised = yield* ThreadedGenServer.named(Counter, "threaded-close")
          assert.strictEqual(yield* GenServer.call(alone, new Get()), 1)
          assert.strictEqual(yield* GenServer.call(supervised, new Get()), 2)
          assert.lengthOf(yield* Supervisor.whichChildren(supervisor), 1)
          return [(yield* stateOf(alone)).session, (yield* stateOf(supervised)).session]
        }).pipe(Effect.provide(Node.layer()))

        // the node's scope has closed: every process has exited, and every thread with it
        assert.lengthOf(exited, 2)
        for (const done of exited) assert.isTrue(Deferred.isDoneUnsafe(done), "a thread has not exited")
        for (const session of sessions) assert.deepStrictEqual(yield* WorkerPool.threadIds(session), [])
      }),
    budget
  )
})

describe("ThreadedGenServer: a failed start", () => {
  it.effect("init fails (a start argument that does not encode): the process gone, its name free, no EXIT", () =>
    Effect.gen(function* () {
      const outcome = yield* testing.runInProcess(
        Effect.gen(function* () {
          yield* Process.trapExit(true)
          const node = yield* Node.Node
          const before = new Set(node.processes())
          const error = yield* Effect.flip(
            ThreadedGenServer.startLink(Counter, 1.5, { worker, name: "threaded-fail-args" })
          )
          const left = node.processes().filter((pid) => !before.has(pid))
          // the name is free at once: a (green) server takes it
          const retried = yield* Effect.as(
            GenServer.startLink(
              GenServer.behaviour({ init: (_: void) => Effect.succeed(GenServer.ok(0)) }),
              undefined,
              { name: "threaded-fail-args" }
            ),
            "started again"
          )
          const mailbox = yield* Process.receive({ timeout: 0 })
          return { error, left, retried, mailbox }
        })
      )
      assert.instanceOf(outcome.error, WorkerPool.InvalidRequest)
      assert.strictEqual((outcome.error as WorkerPool.InvalidRequest).request, "start argument")
      assert.deepStrictEqual(
        { ...outcome, error: undefined },
        { error: undefined, left: [], retried: "started again", mailbox: Option.none() }
      )
    }).pipe(Effect.provide(Node.layer()))
  )
})
