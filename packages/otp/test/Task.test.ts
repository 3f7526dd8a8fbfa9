import { assert, describe, it } from "@effect/vitest"
import { Cause, Context, Deferred, type Duration, Effect, Exit, Option, Schema, Stream } from "effect"
import { TestClock } from "effect/testing"
import {
  DynamicSupervisor,
  Errors,
  ExitReason,
  GenServer,
  type Pid,
  Process,
  Request,
  Supervisor,
  Task,
  TaskSupervisor,
  testing
} from "effect-otp"
import * as fc from "fast-check"
import { assertReason, drain, failedStart, inProcess, spawnResult, withQuietNode } from "./utils.ts"

/** Completes `deferred` and then sleeps: a task whose start the test can see. */
const sleepThen = <A>(duration: Duration.Input, value: A) => Effect.as(Effect.sleep(duration), value)

const isDone = <A, E>(deferred: Deferred.Deferred<A, E>) => Deferred.isDone(deferred)

/**
 * Like `spawnResult`, but the process starts its body on the first clock tick (1 ms). All the
 * body's work then runs inside `TestClock.adjust`'s tracked wake-ups, so an adjust sees every sleep
 * the body registers, however many scheduler hops it takes to get there (a supervisor call, a
 * stream pull, a task's reply).
 */
const spawnOnTick = <A, E, R>(body: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const ready = yield* Deferred.make<void>()
    const spawned = yield* spawnResult(
      Effect.andThen(Deferred.succeed(ready, undefined), Effect.andThen(Effect.sleep("1 millis"), body))
    )
    yield* Deferred.await(ready)
    return spawned
  })

// ---------------------------------------------------------------------------------------------
// async / await
// ---------------------------------------------------------------------------------------------

describe("async and await", () => {
  it.effect("await returns the result, and leaves nothing in the mailbox", () =>
    withQuietNode(
      Effect.gen(function* () {
        const { value, left, taskReason } = yield* inProcess(
          Effect.gen(function* () {
            const task = yield* Task.async(Effect.succeed(42))
            const value = yield* Task.await(task)
            const taskReason = yield* Process.awaitExit(task.pid)
            return { value, left: yield* drain(), taskReason }
          })
        )
        assert.strictEqual(value, 42)
        assert.deepStrictEqual(left, [])
        assertReason(taskReason, ExitReason.normal)
      })
    )
  )

  it.effect("the task is linked to and monitored by its owner, and runs with the owner's services", () =>
    withQuietNode(
      Effect.gen(function* () {
        const Greeting = Context.Reference<string>("test/Greeting", { defaultValue: () => "default" })
        const seen = yield* inProcess(
          Effect.gen(function* () {
            const me = yield* Process.self()
            const task = yield* Task.async(
              Effect.gen(function* () {
                const self = yield* Process.self()
                const info = Option.getOrThrow(yield* Process.info(self))
                return {
                  greeting: yield* Greeting,
                  linked: info.links.some((pid) => pid.id === me.id),
                  monitored: info.monitoredBy.some((pid) => pid.id === me.id),
                  own: self.id !== me.id
                }
              })
            )
            assert.strictEqual(task.owner.id, me.id)
            return yield* Task.await(task)
          }).pipe(Effect.provideService(Greeting, "hello"))
        )
        assert.deepStrictEqual(seen, { greeting: "hello", linked: true, monitored: true, own: true })
      })
    )
  )

  it.effect("a crashing task crashes its owner through the link", () =>
    withQuietNode(
      Effect.gen(function* () {
        const owner = yield* Process.spawn(
          Effect.gen(function* () {
            const task = yield* Task.async(Effect.fail("boom" as const))
            yield* Task.await(task)
          })
        )
        assertReason(yield* Process.awaitExit(owner), ExitReason.failure("boom"))
      })
    )
  )

  it.effect("an owner that traps exits gets the task's typed failure from await, and its EXIT stays", () =>
    withQuietNode(
      Effect.gen(function* () {
        const { error, exit } = yield* inProcess(
          Effect.gen(function* () {
            yield* Process.trapExit(true)
            const task = yield* Task.async(Effect.fail("boom" as const))
            const error = yield* Effect.flip(Task.await(task))
            // as in Elixir, the EXIT of the linked task is the trapping owner's to take
            const exit = yield* Process.receive(Process.isExit)
            return { error, exit }
          })
        )
        assert.strictEqual(error, "boom")
        assertReason(exit.reason, ExitReason.failure("boom"))
      })
    )
  )

  it.effect("a defect, or an exit signal with a failure, is TaskExited (never passed off as the typed error)", () =>
    withQuietNode(
      Effect.gen(function* () {
        const { died, signalled } = yield* inProcess(
          Effect.gen(function* () {
            yield* Process.trapExit(true)
            const dies = yield* Task.async(Effect.die("bug"))
            const died = yield* Effect.flip(Task.await(dies))
            const waits = yield* Task.async(Effect.andThen(Process.receive<never>(), Effect.fail("typed" as const)))
            yield* Process.exit(waits.pid, ExitReason.failure("typed"))
            const signalled = yield* Effect.flip(Task.await(waits))
            return { died, signalled }
          })
        )
        // the exit signal carries the same value as the task's typed error, but it is not the task's
        // own failure: it must not reach the owner typed as E
        assert.notStrictEqual(signalled, "typed")
        const exited = [died, signalled] as ReadonlyArray<Task.TaskExited>
        assert.deepStrictEqual(
          exited.map((e) => e._tag),
          ["TaskExited", "TaskExited"]
        )
        assertReason(exited[0]!.reason, ExitReason.failureCause(Cause.die("bug")))
        assertReason(exited[1]!.reason, ExitReason.failure("typed"))
      })
    )
  )

  it.effect("await, yield and shutdown in pipe form; isTask knows a task", () =>
    withQuietNode(
      Effect.gen(function* () {
        const result = yield* inProcess(
          Effect.gen(function* () {
            const a = yield* Task.async(Effect.succeed(42))
            const b = yield* Task.async(Effect.succeed("y"))
            const c = yield* Task.async(Effect.never)
            return {
              guards: [a, a.pid, { pid: a.pid, ref: a.ref, owner: a.owner }, null].map(Task.isTask),
              awaited: yield* a.pipe(Task.await("1 second")),
              yielded: yield* b.pipe(Task.yield()),
              shut: yield* c.pipe(Task.shutdown("brutalKill")),
              reason: yield* Process.awaitExit(c.pid),
              left: yield* drain()
            }
          })
        )
        assert.deepStrictEqual(result, {
          guards: [true, false, false, false],
          awaited: 42,
          yielded: Option.some(Exit.succeed("y")),
          shut: Option.none(),
          reason: ExitReason.killed,
          left: []
        })
      })
    )
  )

  it.effect("await times out at the exact time, fails with TaskTimeout and kills the linked task", () =>
    withQuietNode(
      Effect.gen(function* () {
        const started = yield* Deferred.make<Task.Task<string>>()
        const failed = yield* Deferred.make<Task.TaskTimeout>()
        const owner = yield* Process.spawn(
          Effect.gen(function* () {
            const task = yield* Task.async(sleepThen("10 seconds", "late"))
            yield* Deferred.succeed(started, task)
            const error = yield* Effect.flip(Task.await(task, "1 second"))
            if (error._tag === "TaskTimeout") yield* Deferred.succeed(failed, error)
            return yield* Process.receive<never>()
          })
        )
        const task = yield* Deferred.await(started)
        yield* TestClock.adjust("999 millis")
        assert.isFalse(yield* isDone(failed))
        assert.isTrue(yield* Process.isAlive(task.pid))
        yield* TestClock.adjust("1 millis")
        const error = yield* Deferred.await(failed)
        assert.strictEqual(error.timeout, 1000)
        assert.strictEqual(error.pid.id, task.pid.id)
        assertReason(yield* Process.awaitExit(task.pid), ExitReason.killed)
        // the kill did not come back to the owner: it was unlinked first
        assert.isTrue(yield* Process.isAlive(owner))
        const info = Option.getOrThrow(yield* Process.info(owner))
        assert.strictEqual(info.mailboxLength, 0)
        assert.deepStrictEqual(info.monitors, [])
      })
    )
  )

  it.effect("only the owner may await, yield, ignore or shut down a task", () =>
    withQuietNode(
      Effect.gen(function* () {
        const { errors, expected } = yield* inProcess(
          Effect.gen(function* () {
            const owner = yield* Process.self()
            const task = yield* Task.async(Process.receive<never>())
            const [errors, caller] = yield* inProcess(
              Effect.all([
                Effect.all([
                  Effect.flip(Task.await(task)),
                  Effect.flip(Task.yield(task, 0)),
                  Effect.flip(Task.ignore(task)),
                  Effect.flip(Task.shutdown(task)),
                  Effect.flip(Task.awaitMany([task])),
                  Effect.flip(Task.yieldMany([task]))
                ]),
                Process.self()
              ])
            )
            yield* Task.shutdown(task, "brutalKill")
            return { errors, expected: new Task.NotOwner({ pid: task.pid, owner, caller }) }
          })
        )
        assert.deepStrictEqual<ReadonlyArray<unknown>>(
          errors,
          Array.from({ length: 6 }, () => expected)
        )
      })
    )
  )
})

describe("a task whose result was taken", () => {
  it.effect("awaiting a task twice fails at once with AlreadyAwaited, after a reply or a failure", () =>
    withQuietNode(
      Effect.gen(function* () {
        const { replied, failed } = yield* inProcess(
          Effect.gen(function* () {
            yield* Process.trapExit(true)
            const ok = yield* Task.async(Effect.succeed(42))
            const first = yield* Task.await(ok)
            // no clock moves: an await that waited for its timeout would never return
            const second = yield* Effect.exit(Task.await(ok))
            const bad = yield* Task.async(Effect.fail("boom" as const))
            const firstFailure = yield* Effect.exit(Task.await(bad))
            const secondFailure = yield* Effect.exit(Task.await(bad))
            const many = yield* Effect.exit(Task.awaitMany([ok]))
            return {
              replied: { pid: ok.pid, first, second, many },
              failed: { pid: bad.pid, first: firstFailure, second: secondFailure }
            }
          })
        )
        assert.strictEqual(replied.first, 42)
        assert.deepStrictEqual(replied.second, Exit.fail(new Task.AlreadyAwaited({ pid: replied.pid })))
        assert.deepStrictEqual(replied.many, Exit.fail(new Task.AlreadyAwaited({ pid: replied.pid })))
        assert.deepStrictEqual(failed.first, Exit.fail("boom"))
        assert.deepStrictEqual(failed.second, Exit.fail(new Task.AlreadyAwaited({ pid: failed.pid })))
        assert.strictEqual(
          new Task.AlreadyAwaited({ pid: replied.pid }).message,
          `task ${String(replied.pid)} was already awaited: an earlier await, yield, ignore or shutdown took its result`
        )
      })
    )
  )

  it.effect("await after a yield that returned the result, after ignore and after shutdown fails at once", () =>
    withQuietNode(
      Effect.gen(function* () {
        const results = yield* inProcess(
          Effect.gen(function* () {
            const yielded = yield* Task.async(Effect.succeed("y"))
            assert.deepStrictEqual(yield* Task.yield(yielded, "infinity"), Option.some(Exit.succeed("y")))
            const ignored = yield* Task.async(Process.receive<never>())
            assert.deepStrictEqual(yield* Task.ignore(ignored), Option.none())
            const stopped = yield* Task.async(Process.receive<never>())
            assert.deepStrictEqual(yield* Task.shutdown(stopped, "brutalKill"), Option.none())
            const results: Array<{
              readonly pid: Pid.Pid<never, unknown>
              readonly exit: Exit.Exit<unknown, unknown>
            }> = []
            for (const task of [yielded, ignored, stopped]) {
              results.push({ pid: task.pid, exit: yield* Effect.exit(Task.await(task)) })
            }
            yield* Process.kill(ignored.pid) // unlinked by ignore: it does not reach the owner
            return results
          })
        )
        assert.deepStrictEqual(
          results.map(({ exit }) => exit),
          results.map(({ pid }) => Exit.fail(new Task.AlreadyAwaited({ pid })))
        )
      })
    )
  )

  it.effect("a task that awaits itself is not its owner: NotOwner at once", () =>
    withQuietNode(
      Effect.gen(function* () {
        const { owner, pid, exit } = yield* inProcess(
          Effect.gen(function* () {
            const handle = yield* Deferred.make<Task.Task<unknown, unknown>>()
            const task = yield* Task.async(
              Effect.flatMap(Deferred.await(handle), (self) => Effect.exit(Task.await(self)))
            )
            yield* Deferred.succeed(handle, task)
            return { owner: yield* Process.self(), pid: task.pid, exit: yield* Task.await(task) }
          })
        )
        assert.deepStrictEqual(exit, Exit.fail(new Task.NotOwner({ pid, owner, caller: pid })))
      })
    )
  )
})

// ---------------------------------------------------------------------------------------------
// yield, ignore, shutdown
// ---------------------------------------------------------------------------------------------

describe("statically supervised tasks", () => {
  it.effect("Task.childSpec runs the effect under a Supervisor, temporary by default", () =>
    withQuietNode(
      Effect.gen(function* () {
        const ran = yield* Deferred.make<string>()
        const spec = Task.childSpec(Deferred.succeed(ran, "warmed"), { id: "warm" })
        assert.deepStrictEqual([spec.id, spec.restart], ["warm", "temporary"])
        yield* Supervisor.start({ strategy: "oneForOne", children: [spec] })
        assert.strictEqual(yield* Deferred.await(ran), "warmed")
      })
    )
  )
})

describe("yield, ignore and shutdown", () => {
  it.effect("yield returns None when the time is up and keeps the task alive; it can be awaited later", () =>
    withQuietNode(
      Effect.gen(function* () {
        const { result } = yield* spawnResult(
          Effect.gen(function* () {
            const task = yield* Task.async(sleepThen("2 seconds", 7))
            const first = yield* Task.yield(task, "1 second")
            const alive = yield* Process.isAlive(task.pid)
            const second = yield* Task.yield(task, "2 seconds")
            return { first, alive, second, left: yield* drain() }
          })
        )
        const { first, alive, second, left } = yield* testing.advancing(result, "2 seconds")
        assert.isTrue(Option.isNone(first))
        assert.isTrue(alive)
        assert.deepStrictEqual(second, Option.some(Exit.succeed(7)))
        assert.deepStrictEqual(left, [])
      })
    )
  )

  it.effect("yield reports a task that exited as Some(Exit.fail)", () =>
    withQuietNode(
      Effect.gen(function* () {
        const result = yield* inProcess(
          Effect.gen(function* () {
            yield* Process.trapExit(true)
            const task = yield* Task.async(Effect.fail("boom" as const))
            return yield* Task.yield(task, "1 second")
          })
        )
        assert.deepStrictEqual(result, Option.some(Exit.fail("boom" as const)))
      })
    )
  )

  it.effect("ignore unlinks the task: it runs on, and its crash no longer reaches the owner", () =>
    withQuietNode(
      Effect.gen(function* () {
        const { pid: owner, result } = yield* spawnResult(
          Effect.gen(function* () {
            const task = yield* Task.async(Effect.andThen(Effect.sleep("1 second"), Effect.fail("later")))
            const ignored = yield* Task.ignore(task)
            const reason = yield* Process.awaitExit(task.pid)
            return { ignored, reason, left: yield* drain() }
          })
        )
        const { ignored, reason, left } = yield* testing.advancing(result, "1 second")
        assert.isTrue(Option.isNone(ignored))
        assertReason(reason, ExitReason.failure("later"))
        assert.deepStrictEqual(left, [])
        assertReason(yield* Process.awaitExit(owner), ExitReason.normal)
      })
    )
  )

  it.effect("shutdown: None for a task that stops on Shutdown or brutalKill", () =>
    withQuietNode(
      Effect.gen(function* () {
        const { graceful, brutal, reasons, left } = yield* inProcess(
          Effect.gen(function* () {
            const a = yield* Task.async(Effect.sleep("1 hour"))
            const b = yield* Task.async(Effect.sleep("1 hour"))
            const graceful = yield* Task.shutdown(a)
            const brutal = yield* Task.shutdown(b, "brutalKill")
            const reasons = [yield* Process.awaitExit(a.pid), yield* Process.awaitExit(b.pid)]
            return { graceful, brutal, reasons, left: yield* drain() }
          })
        )
        assert.isTrue(Option.isNone(graceful))
        assert.isTrue(Option.isNone(brutal))
        assertReason(reasons[0]!, ExitReason.shutdown)
        assertReason(reasons[1]!, ExitReason.killed)
        assert.deepStrictEqual(left, [])
      })
    )
  )

  it.effect("shutdown kills a task that does not stop within the budget, at the exact time", () =>
    withQuietNode(
      Effect.gen(function* () {
        const done = yield* Deferred.make<Option.Option<Exit.Exit<never, Task.TaskExited>>>()
        const ready = yield* Deferred.make<void>()
        yield* Process.spawn(
          Effect.gen(function* () {
            const owner = yield* Process.self<"trapping">()
            const task = yield* Task.async(
              Effect.gen(function* () {
                yield* Process.trapExit(true)
                yield* Process.send(owner, "trapping")
                return yield* Effect.forever(Process.receive(), { disableYield: true })
              })
            )
            yield* Process.receive((m: "trapping") => m === "trapping")
            yield* Deferred.succeed(ready, undefined)
            yield* Deferred.succeed(done, yield* Task.shutdown(task, "2 seconds"))
          })
        )
        yield* Deferred.await(ready)
        yield* TestClock.adjust("1999 millis")
        assert.isFalse(yield* isDone(done))
        yield* TestClock.adjust("1 millis")
        const result = yield* Deferred.await(done)
        assert.isTrue(Option.isSome(result) && Exit.isFailure(result.value))
        const error = Option.getOrThrow(result).pipe((exit) => (Exit.isFailure(exit) ? Cause.squash(exit.cause) : exit))
        assert.instanceOf(error, Task.TaskExited)
        assertReason((error as Task.TaskExited).reason, ExitReason.killed)
      })
    )
  )

  it.effect("shutdown returns a result that had already arrived", () =>
    withQuietNode(
      Effect.gen(function* () {
        const result = yield* inProcess(
          Effect.gen(function* () {
            const task = yield* Task.async(Effect.succeed("done"))
            yield* Process.awaitExit(task.pid)
            const result = yield* Task.shutdown(task)
            assert.deepStrictEqual(yield* drain(), [])
            return result
          })
        )
        assert.deepStrictEqual(result, Option.some(Exit.succeed("done")))
      })
    )
  )
})

// ---------------------------------------------------------------------------------------------
// Many tasks
// ---------------------------------------------------------------------------------------------

describe("awaitMany and yieldMany", () => {
  it.effect("awaitMany returns the results in the order of the tasks, typed per task", () =>
    withQuietNode(
      Effect.gen(function* () {
        const { result } = yield* spawnResult(
          Effect.gen(function* () {
            const tasks = [
              yield* Task.async(sleepThen("2 seconds", "a")),
              yield* Task.async(sleepThen("1 second", 1))
            ] as const
            const [a, one]: readonly [string, number] = yield* Task.awaitMany(tasks)
            return [a, one]
          })
        )
        assert.deepStrictEqual(yield* testing.advancing(result, "2 seconds"), ["a", 1])
      })
    )
  )

  it.effect("awaitMany fails with the first failure and kills the linked tasks still running", () =>
    withQuietNode(
      Effect.gen(function* () {
        const { result } = yield* spawnResult(
          Effect.gen(function* () {
            yield* Process.trapExit(true)
            const slow = yield* Task.async(sleepThen("1 hour", "slow"))
            const failing = yield* Task.async(Effect.andThen(Effect.sleep("1 second"), Effect.fail("boom" as const)))
            const error = yield* Effect.flip(Task.awaitMany([slow, failing]))
            return { error, slowReason: yield* Process.awaitExit(slow.pid) }
          })
        )
        const { error, slowReason } = yield* testing.advancing(result, "1 second")
        assert.strictEqual(error, "boom")
        assertReason(slowReason, ExitReason.killed)
      })
    )
  )

  it.effect("awaitMany times out with one budget for all", () =>
    withQuietNode(
      Effect.gen(function* () {
        const failed = yield* Deferred.make<{ readonly error: unknown; readonly slow: Pid.Pid<never, unknown> }>()
        yield* Process.spawn(
          Effect.gen(function* () {
            const tasks = [yield* Task.async(sleepThen("1 second", 1)), yield* Task.async(sleepThen("1 hour", 2))]
            const error = yield* Effect.flip(Task.awaitMany(tasks, "3 seconds"))
            yield* Deferred.succeed(failed, { error, slow: tasks[1]!.pid })
          })
        )
        yield* TestClock.adjust("2999 millis")
        assert.isFalse(yield* isDone(failed))
        yield* TestClock.adjust("1 millis")
        const { error, slow } = yield* Deferred.await(failed)
        // the task still running when the budget ran out
        assert.deepStrictEqual(error, new Task.TaskTimeout({ pid: slow, timeout: 3000 }))
      })
    )
  )

  it.effect("yieldMany: the results that came in time; onTimeout killTask kills the others", () =>
    withQuietNode(
      Effect.gen(function* () {
        const { result } = yield* spawnResult(
          Effect.gen(function* () {
            yield* Process.trapExit(true)
            const tasks = [
              yield* Task.async(sleepThen("1 second", "fast")),
              yield* Task.async(sleepThen("1 hour", "slow")),
              yield* Task.async(Effect.andThen(Effect.sleep("1 second"), Effect.fail("boom" as const)))
            ] as const
            const results = yield* Task.yieldMany(tasks, { timeout: "2 seconds", onTimeout: "killTask" })
            return { results, slowReason: yield* Process.awaitExit(tasks[1].pid) }
          })
        )
        const { results, slowReason } = yield* testing.advancing(result, "2 seconds")
        assert.deepStrictEqual(results[0], Option.some(Exit.succeed("fast")))
        assert.isTrue(Option.isNone(results[1]))
        assert.deepStrictEqual(results[2], Option.some(Exit.fail("boom" as const)))
        assertReason(slowReason, ExitReason.killed)
      })
    )
  )

  it.effect("yieldMany with a limit returns as soon as that many answered, leaving the others running", () =>
    withQuietNode(
      Effect.gen(function* () {
        const { result } = yield* spawnResult(
          Effect.gen(function* () {
            const tasks = [yield* Task.async(sleepThen("3 seconds", 3)), yield* Task.async(sleepThen("1 second", 1))]
            const results = yield* Task.yieldMany(tasks, { limit: 1, timeout: "infinity" })
            const alive = yield* Process.isAlive(tasks[0]!.pid)
            return { results, alive, later: yield* Task.await(tasks[0]!) }
          })
        )
        const { results, alive, later } = yield* testing.advancing(result, "3 seconds")
        assert.deepStrictEqual(results, [Option.none(), Option.some(Exit.succeed(1))])
        assert.isTrue(alive)
        assert.strictEqual(later, 3)
      })
    )
  )
})

// ---------------------------------------------------------------------------------------------
// asyncStream
// ---------------------------------------------------------------------------------------------

const valuesOf = <A, E>(exits: ReadonlyArray<Exit.Exit<A, E>>): Array<A> =>
  exits.map((exit) => (Exit.isSuccess(exit) ? exit.value : assert.fail(`a failed element: ${String(exit)}`)))

describe("asyncStream", () => {
  const durations = [3000, 1000, 2000]
  const run = (ordered: boolean) =>
    withQuietNode(
      Effect.gen(function* () {
        const { result } = yield* spawnResult(
          Stream.runCollect(
            Task.asyncStream(durations, (ms) => sleepThen(`${ms} millis`, ms), { ordered, maxConcurrency: 3 })
          )
        )
        return valuesOf(yield* testing.advancing(result, "3 seconds"))
      })
    )

  it.effect("ordered (the default) emits in the order of the input", () =>
    Effect.map(run(true), (values) => assert.deepStrictEqual(values, [3000, 1000, 2000]))
  )

  it.effect("unordered emits in the order the tasks finish", () =>
    Effect.map(run(false), (values) => assert.deepStrictEqual(values, [1000, 2000, 3000]))
  )

  it.effect("takes a Stream as input, and works data-last", () =>
    withQuietNode(
      Effect.gen(function* () {
        const values = yield* inProcess(
          Stream.range(1, 5).pipe(
            Task.asyncStream((n: number) => Effect.succeed(n * 10), { maxConcurrency: 2 }),
            Stream.mapEffect((exit) => exit),
            Stream.runCollect
          )
        )
        assert.deepStrictEqual(values, [10, 20, 30, 40, 50])
      })
    )
  )

  it.effect("maxConcurrency defaults to Task.DefaultMaxConcurrency", () =>
    withQuietNode(
      Effect.gen(function* () {
        let alive = 0
        let peak = 0
        const { result } = yield* spawnResult(
          Stream.runDrain(
            Task.asyncStream([1, 2, 3, 4, 5], () =>
              Effect.sync(() => (peak = Math.max(peak, ++alive))).pipe(
                Effect.andThen(Effect.sleep("1 second")),
                Effect.ensuring(Effect.sync(() => alive--))
              )
            )
          ).pipe(Effect.provideService(Task.DefaultMaxConcurrency, 2))
        )
        yield* testing.advancing(result, "3 seconds")
        assert.strictEqual(peak, 2)
      })
    )
  )

  it.effect("onTimeout exit: the stream fails with TaskTimeout at the exact time and the task is killed", () =>
    withQuietNode(
      Effect.gen(function* () {
        const failed = yield* Deferred.make<Exit.Exit<unknown, unknown>>()
        const owner = yield* Process.spawn(
          Effect.gen(function* () {
            const exit = yield* Effect.exit(
              Stream.runCollect(
                Task.asyncStream([500, 60_000], (ms) => sleepThen(`${ms} millis`, ms), { timeout: "2 seconds" }).pipe(
                  Stream.mapEffect((exit) => exit)
                )
              )
            )
            yield* Deferred.succeed(failed, exit)
            return yield* Process.receive<never>()
          }).pipe(Effect.provideService(Task.DefaultMaxConcurrency, 2))
        )
        yield* TestClock.adjust("1999 millis")
        assert.isFalse(yield* isDone(failed))
        yield* TestClock.adjust("1 millis")
        const exit = yield* Deferred.await(failed)
        assert.isTrue(Exit.isFailure(exit))
        const error = Cause.squash((exit as Exit.Failure<unknown, unknown>).cause) as Task.TaskTimeout
        // the whole error: the timed-out task's pid (made inside the stream) and the timeout
        assert.deepStrictEqual(error, new Task.TaskTimeout({ pid: error.pid, timeout: 2000 }))
        assert.isFalse(yield* Process.isAlive(error.pid))
        assert.isTrue(yield* Process.isAlive(owner))
        assert.strictEqual(Option.getOrThrow(yield* Process.info(owner)).mailboxLength, 0)
      })
    )
  )

  it.effect("onTimeout killTask: a timed-out element is emitted as TaskTimeout, with its input when zipped", () =>
    withQuietNode(
      Effect.gen(function* () {
        const { result } = yield* spawnResult(
          Stream.runCollect(
            Task.asyncStream([500, 60_000, 1000], (ms) => sleepThen(`${ms} millis`, ms), {
              timeout: "2 seconds",
              onTimeout: "killTask",
              zipInputOnExit: true,
              maxConcurrency: 3
            })
          )
        )
        const exits = yield* testing.advancing(result, "2 seconds")
        assert.deepStrictEqual(exits[0], Exit.succeed(500))
        assert.deepStrictEqual(exits[2], Exit.succeed(1000))
        const timedOut = exits[1]!
        assert.isTrue(Exit.isFailure(timedOut))
        if (Exit.isFailure(timedOut)) {
          const error = Cause.squash(timedOut.cause) as Task.InputExited<number, Task.TaskTimeout>
          assert.strictEqual(error._tag, "InputExited")
          assert.strictEqual(error.input, 60_000)
          assert.strictEqual(error.error._tag, "TaskTimeout")
          assert.strictEqual(error.error.timeout, 2000)
        }
      })
    )
  )

  it.effect("a trapping caller gets a crashed element as Exit.fail, and no EXIT in its mailbox", () =>
    withQuietNode(
      Effect.gen(function* () {
        const { exits, left } = yield* inProcess(
          Effect.gen(function* () {
            yield* Process.trapExit(true)
            const exits = yield* Stream.runCollect(
              Task.asyncStream([1, 2, 3], (n) => (n === 2 ? Effect.fail(`bad ${n}`) : Effect.succeed(n)), {
                maxConcurrency: 1
              })
            )
            return { exits, left: yield* drain() }
          })
        )
        assert.deepStrictEqual(exits, [Exit.succeed(1), Exit.fail("bad 2"), Exit.succeed(3)])
        assert.deepStrictEqual(left, [])
      })
    )
  )

  it.effect("a consumer that stops early kills the running tasks and leaves no message behind", () =>
    withQuietNode(
      Effect.gen(function* () {
        const pids: Array<Pid.Pid<never, unknown>> = []
        const { result } = yield* spawnResult(
          Effect.gen(function* () {
            const first = yield* Stream.runCollect(
              Task.asyncStream(
                [1, 10, 10, 10],
                (s) =>
                  Effect.andThen(
                    Effect.flatMap(Process.self(), (self) => Effect.sync(() => pids.push(self))),
                    sleepThen(`${s} seconds`, s)
                  ),
                { maxConcurrency: 3, ordered: false, timeout: "infinity" }
              ).pipe(Stream.take(1))
            )
            const reasons = yield* Effect.forEach(pids, Process.awaitExit)
            return { first, reasons, left: yield* drain() }
          })
        )
        const { first, reasons, left } = yield* testing.advancing(result, "1 second")
        assert.deepStrictEqual(valuesOf(first), [1])
        // the fourth input was never started: the stream stopped before a slot freed for it
        assert.strictEqual(reasons.length, 3)
        assertReason(reasons[0]!, ExitReason.normal)
        assertReason(reasons[1]!, ExitReason.killed)
        assertReason(reasons[2]!, ExitReason.killed)
        assert.deepStrictEqual(left, [])
      })
    )
  )

  it.effect("an Iterable is read lazily: one element per free slot", () =>
    withQuietNode(
      Effect.gen(function* () {
        const read: Array<number> = []
        function* naturals() {
          for (let n = 0; ; n++) {
            read.push(n)
            yield n
          }
        }
        const values = yield* inProcess(
          Task.asyncStream(naturals(), (n) => Effect.succeed(n), { maxConcurrency: 2 }).pipe(
            Stream.mapEffect((exit) => exit),
            Stream.take(3),
            Stream.runCollect
          )
        )
        assert.deepStrictEqual(values, [0, 1, 2])
        assert.isAtMost(read.length, 3 + 2)
      })
    )
  )

  it.effect("invalid options fail the stream with BadArgument before any task starts", () =>
    withQuietNode(
      Effect.gen(function* () {
        const started: Array<number> = []
        const work = (n: number) => Effect.sync(() => started.push(n))
        const cases = [
          [{ maxConcurrency: 0 }, "maxConcurrency", 0, "must be an integer greater than zero"],
          [{ maxConcurrency: 1.5 }, "maxConcurrency", 1.5, "must be an integer greater than zero"],
          [{ timeout: -1 }, "timeout", -1, 'must be a non-negative duration or "infinity"'],
          [{ onTimeout: "retry" } as never, "onTimeout", "retry", 'must be one of "exit", "killTask"']
        ] as const
        for (const [options, field, value, reason] of cases) {
          const exit = yield* Effect.exit(inProcess(Stream.runCollect(Task.asyncStream([1, 2], work, options))))
          assert.deepStrictEqual(
            exit,
            Exit.fail(new Errors.BadArgument({ function: "Task.asyncStream", field, value, reason }))
          )
        }
        assert.deepStrictEqual(started, [])
      })
    )
  )

  // The property: however long the tasks take and however slow the consumer, no more than
  // maxConcurrency tasks are ever alive, every input gives one result, in order when ordered; and
  // (unordered) a task starts only on demand: started ≤ consumed + maxConcurrency.
  it.effect("property: maxConcurrency is never exceeded, even with a slow consumer", () =>
    Effect.gen(function* () {
      const context = yield* Effect.context<never>()
      const runPromise = Effect.runPromiseWith(context)
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(
            fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 0, maxLength: 25 }),
            fc.integer({ min: 1, max: 5 }),
            fc.boolean(),
            fc.array(fc.integer({ min: 0, max: 80 }), { minLength: 1, maxLength: 10 }),
            (inputs, max, ordered, consumerDelays) =>
              runPromise(
                withQuietNode(
                  Effect.gen(function* () {
                    let alive = 0
                    let peak = 0
                    let started = 0
                    let consumed = 0
                    let aheadOfDemand = false
                    const seen: Array<number> = []
                    const task = (i: number) =>
                      Effect.sync(() => {
                        started++
                        if (started > consumed + max) aheadOfDemand = true
                        peak = Math.max(peak, ++alive)
                      }).pipe(
                        Effect.andThen(Effect.sleep(`${inputs[i]!} millis`)),
                        Effect.as(i),
                        Effect.ensuring(Effect.sync(() => alive--))
                      )
                    const { result } = yield* spawnOnTick(
                      Task.asyncStream(
                        inputs.map((_, i) => i),
                        task,
                        { maxConcurrency: max, ordered, timeout: "infinity" }
                      ).pipe(
                        Stream.runForEach((exit) =>
                          Effect.gen(function* () {
                            seen.push(yield* exit)
                            yield* Effect.sleep(`${consumerDelays[seen.length % consumerDelays.length]!} millis`)
                            consumed++
                          })
                        )
                      )
                    )
                    const total =
                      1 + inputs.reduce((a, b) => a + b, 0) + inputs.length * Math.max(...consumerDelays) + 1
                    yield* testing.advancing(result, `${total} millis`)
                    assert.isAtMost(peak, max)
                    if (ordered) {
                      assert.deepStrictEqual(
                        seen,
                        inputs.map((_, i) => i)
                      )
                    } else {
                      assert.deepStrictEqual(
                        [...seen].sort((a, b) => a - b),
                        inputs.map((_, i) => i)
                      )
                      assert.isFalse(aheadOfDemand, "a task started before the consumer asked for more")
                    }
                  })
                )
              )
          ),
          { numRuns: 100 }
        )
      )
    })
  )
})

// ---------------------------------------------------------------------------------------------
// TaskSupervisor
// ---------------------------------------------------------------------------------------------

describe("TaskSupervisor", () => {
  it.effect("async: a supervised task linked to the caller; children lists it while it runs", () =>
    withQuietNode(
      Effect.gen(function* () {
        const sup = yield* TaskSupervisor.start()
        const started = yield* Deferred.make<void>()
        const { result } = yield* spawnResult(
          Effect.gen(function* () {
            const task = yield* TaskSupervisor.async(
              sup,
              Effect.andThen(Deferred.succeed(started, undefined), sleepThen("1 second", "ok"))
            )
            const during = yield* TaskSupervisor.children(sup)
            const value = yield* Task.await(task)
            yield* Process.awaitExit(task.pid)
            return { task, during, value, after: yield* TaskSupervisor.children(sup), left: yield* drain() }
          })
        )
        yield* Deferred.await(started)
        const { task, during, value, after, left } = yield* testing.advancing(result, "1 second")
        assert.deepStrictEqual(
          during.map((pid) => pid.id),
          [task.pid.id]
        )
        assert.strictEqual(value, "ok")
        assert.deepStrictEqual(after, [])
        assert.deepStrictEqual(left, [])
      })
    )
  )

  it.effect("async, asyncNolink, startChild, terminateChild and stop in pipe form", () =>
    withQuietNode(
      Effect.gen(function* () {
        const sup = yield* TaskSupervisor.start()
        const result = yield* inProcess(
          Effect.gen(function* () {
            const linked = yield* sup.pipe(TaskSupervisor.async(Effect.succeed("linked")))
            const nolink = yield* sup.pipe(TaskSupervisor.asyncNolink(Effect.succeed("nolink"), {}))
            const values = [yield* Task.await(linked), yield* Task.await(nolink)]
            const child = yield* sup.pipe(TaskSupervisor.startChild(Process.receive<never>()))
            const during = (yield* TaskSupervisor.children(sup)).map((pid) => pid.id)
            yield* sup.pipe(TaskSupervisor.terminateChild(child))
            return { values, during: during.includes(child.id), after: yield* TaskSupervisor.children(sup) }
          })
        )
        assert.deepStrictEqual(result, { values: ["linked", "nolink"], during: true, after: [] })
        const pid = Option.getOrThrow(sup.whereis())
        yield* sup.pipe(TaskSupervisor.stop())
        assertReason(yield* Process.awaitExit(pid), ExitReason.shutdown)
      })
    )
  )

  it.effect("async: a crash of the supervised task crashes the linked caller", () =>
    withQuietNode(
      Effect.gen(function* () {
        const sup = yield* TaskSupervisor.start()
        const owner = yield* Process.spawn(
          Effect.gen(function* () {
            const task = yield* TaskSupervisor.async(sup, Effect.fail("boom"))
            return yield* Task.await(task)
          })
        )
        assertReason(yield* Process.awaitExit(owner), ExitReason.failure("boom"))
      })
    )
  )

  it.effect("asyncNolink: the caller survives the crash and gets the Down, or the typed error from await", () =>
    withQuietNode(
      Effect.gen(function* () {
        const sup = yield* TaskSupervisor.start()
        const { down, error, replyThenDown } = yield* inProcess(
          Effect.gen(function* () {
            const crashing = yield* TaskSupervisor.asyncNolink(sup, Effect.fail("boom" as const))
            const down = yield* Process.receive(Process.isDown)
            assert.strictEqual(down.ref, crashing.ref)
            const failing = yield* TaskSupervisor.asyncNolink(sup, Effect.fail("again" as const))
            const error = yield* Effect.flip(Task.await(failing))
            // what a GenServer's handleInfo sees: the reply, then the Down (reason Normal)
            const ok = yield* TaskSupervisor.asyncNolink(sup, Effect.succeed(1))
            const reply = yield* Process.receive(Task.isReply)
            const normal = yield* Process.receive(Process.isDown)
            return {
              down,
              error,
              replyThenDown: [reply.ref === ok.ref, reply.value, normal.ref === ok.ref, normal.reason]
            }
          })
        )
        assertReason(down.reason, ExitReason.failure("boom"))
        assert.strictEqual(error, "again")
        assert.deepStrictEqual(replyThenDown, [true, 1, true, ExitReason.normal])
      })
    )
  )

  it.effect("a nolink task outlives an await timeout, and its late reply never reaches the mailbox", () =>
    withQuietNode(
      Effect.gen(function* () {
        const sup = yield* TaskSupervisor.start()
        const timedOut = yield* Deferred.make<Task.Task<string>>()
        const started = yield* Deferred.make<void>()
        const { pid: owner, result } = yield* spawnResult(
          Effect.gen(function* () {
            const task = yield* TaskSupervisor.asyncNolink(
              sup,
              Effect.andThen(Deferred.succeed(started, undefined), sleepThen("2 seconds", "late"))
            )
            const error = yield* Effect.flip(Task.await(task, "1 second"))
            assert.deepStrictEqual(error, new Task.TaskTimeout({ pid: task.pid, timeout: 1000 }))
            yield* Deferred.succeed(timedOut, task)
            yield* Process.receive((m: unknown) => m === "check")
            return yield* drain()
          })
        )
        yield* Deferred.await(started)
        yield* TestClock.adjust("1 second")
        const task = yield* Deferred.await(timedOut)
        assert.isTrue(yield* Process.isAlive(task.pid))
        yield* TestClock.adjust("1 second")
        assertReason(yield* Process.awaitExit(task.pid), ExitReason.normal)
        yield* Process.send(owner as Process.Pid<unknown>, "check")
        assert.deepStrictEqual(yield* result, [])
      })
    )
  )

  it.effect("maxChildren: starting one task too many fails with MaxChildren", () =>
    withQuietNode(
      Effect.gen(function* () {
        const sup = yield* TaskSupervisor.start({ maxChildren: 2 })
        const { error, count } = yield* inProcess(
          Effect.gen(function* () {
            const a = yield* TaskSupervisor.asyncNolink(sup, Process.receive<never>())
            yield* TaskSupervisor.startChild(sup, Process.receive<never>())
            const error = yield* Effect.flip(TaskSupervisor.asyncNolink(sup, Effect.void))
            const count = (yield* TaskSupervisor.children(sup)).length
            yield* Task.shutdown(a, "brutalKill")
            yield* TaskSupervisor.asyncNolink(sup, Effect.void)
            return { error, count }
          })
        )
        assert.deepStrictEqual(error, new DynamicSupervisor.MaxChildren({ maxChildren: 2 }))
        assert.strictEqual(count, 2)
      })
    )
  )

  it.effect("startChild: fire and forget; a transient task is restarted after a crash", () =>
    withQuietNode(
      Effect.gen(function* () {
        const sup = yield* TaskSupervisor.start()
        let runs = 0
        const finished = yield* Deferred.make<number>()
        yield* TaskSupervisor.startChild(
          sup,
          Effect.suspend(() => (++runs < 3 ? Effect.fail("not yet") : Effect.asVoid(Deferred.succeed(finished, runs)))),
          { restart: "transient" }
        )
        assert.strictEqual(yield* Deferred.await(finished), 3)
      })
    )
  )

  it.effect("supervised tasks run with the caller's services, not the supervisor's", () =>
    withQuietNode(
      Effect.gen(function* () {
        const Tenant = Context.Reference<string>("test/Tenant", { defaultValue: () => "none" })
        const sup = yield* TaskSupervisor.start()
        const seen = yield* inProcess(
          Effect.gen(function* () {
            const me = yield* Process.self()
            const task = yield* TaskSupervisor.asyncNolink(
              sup,
              Effect.gen(function* () {
                return { tenant: yield* Tenant, self: (yield* Process.self()).id !== me.id }
              })
            )
            return yield* Task.await(task)
          }).pipe(Effect.provideService(Tenant, "acme"))
        )
        assert.deepStrictEqual(seen, { tenant: "acme", self: true })
      })
    )
  )

  it.effect("asyncStreamNolink: failures are elements, the caller lives; MaxChildren fails the stream", () =>
    withQuietNode(
      Effect.gen(function* () {
        const sup = yield* TaskSupervisor.start({ maxChildren: 2 })
        const { exits, tooMany } = yield* inProcess(
          Effect.gen(function* () {
            const exits = yield* Stream.runCollect(
              TaskSupervisor.asyncStreamNolink(
                sup,
                [1, 2, 3],
                (n) => (n === 2 ? Effect.die("bug") : Effect.succeed(n)),
                {
                  maxConcurrency: 2
                }
              )
            )
            const tooMany = yield* Effect.flip(
              Stream.runCollect(TaskSupervisor.asyncStreamNolink(sup, [1, 2, 3], Effect.succeed, { maxConcurrency: 3 }))
            )
            return { exits, tooMany }
          })
        )
        assert.deepStrictEqual(exits[0], Exit.succeed(1))
        assert.deepStrictEqual(exits[2], Exit.succeed(3))
        const failed = exits[1]!
        assert.isTrue(Exit.isFailure(failed))
        const exited = Cause.squash((failed as Exit.Failure<unknown, unknown>).cause)
        assert.instanceOf(exited, Task.TaskExited)
        assertReason((exited as Task.TaskExited).reason, ExitReason.failureCause(Cause.die("bug")))
        assert.deepStrictEqual(tooMany, new DynamicSupervisor.MaxChildren({ maxChildren: 2 }))
      })
    )
  )

  it.effect("asyncStream: supervised tasks linked to the caller, gone when the stream is done", () =>
    withQuietNode(
      Effect.gen(function* () {
        const sup = yield* TaskSupervisor.start()
        const { values, children } = yield* inProcess(
          Effect.gen(function* () {
            const values = yield* Stream.runCollect(
              TaskSupervisor.asyncStream(sup, [3, 1, 2], (n) => Effect.succeed(n * 10), { maxConcurrency: 2 }).pipe(
                Stream.mapEffect((exit) => exit)
              )
            )
            return { values, children: yield* TaskSupervisor.children(sup) }
          })
        )
        assert.deepStrictEqual(values, [30, 10, 20])
        assert.deepStrictEqual(children, [])
      })
    )
  )

  it.effect("stopping the supervisor stops its tasks; it works as a child of a supervisor", () =>
    withQuietNode(
      Effect.gen(function* () {
        const sup = yield* TaskSupervisor.start({ name: "task-sup-stop" })
        const supPid = Option.getOrThrow(sup.whereis())
        assert.deepStrictEqual(TaskSupervisor.childSpec({ name: "x" }).id, "x")
        const named = yield* TaskSupervisor.named("task-sup-stop")
        const pid = yield* TaskSupervisor.startChild(named, Process.receive<never>())
        yield* TaskSupervisor.stop(sup)
        assertReason(yield* Process.awaitExit(pid), ExitReason.shutdown)
        assert.deepStrictEqual(
          yield* Effect.flip(DynamicSupervisor.countChildren(sup)),
          new Errors.NoProc({ pid: supPid })
        )
      })
    )
  )
})

// ---------------------------------------------------------------------------------------------
// Tasks from a GenServer
// ---------------------------------------------------------------------------------------------

class Compute extends Request.Class<Compute>()("Compute", { fields: { n: Schema.Number } }) {}

interface FetcherState {
  readonly pending: Map<Process.MonitorRef, number>
  readonly log: Array<string>
}

/** Elixir's GenServer-with-tasks pattern: start with asyncNolink, handle Reply and Down in handleInfo. */
const fetcher = (tasks: TaskSupervisor.TaskSupervisor, finished: Deferred.Deferred<ReadonlyArray<string>>) =>
  GenServer.behaviour({
    protocol: [Compute],
    init: () => Effect.map(Process.self(), () => GenServer.ok<FetcherState>({ pending: new Map(), log: [] })),
    handleCall: {
      Compute: (request, state) =>
        Effect.map(
          Effect.orDie(
            TaskSupervisor.asyncNolink(
              tasks,
              request.n < 0 ? Effect.fail(`negative ${request.n}`) : Effect.succeed(request.n * 2)
            )
          ),
          (task) => {
            state.pending.set(task.ref, request.n)
            return GenServer.reply(undefined, state)
          }
        )
    },
    handleInfo: (message: unknown, state) =>
      Effect.gen(function* () {
        if (Task.isReply(message) && state.pending.has(message.ref)) {
          // the task succeeded: drop the Down that follows
          yield* Process.demonitor(message.ref, { flush: true })
          state.log.push(`${state.pending.get(message.ref)} -> ${String(message.value)}`)
          state.pending.delete(message.ref)
        } else if (Process.isDown(message) && state.pending.has(message.ref)) {
          state.log.push(`${state.pending.get(message.ref)} failed: ${message.reason._tag}`)
          state.pending.delete(message.ref)
        }
        if (state.log.length === 3) yield* Deferred.succeed(finished, [...state.log].sort())
        return GenServer.noreply(state)
      })
  })

describe("TaskSupervisor: a failed start", () => {
  it.effect("the name is taken: AlreadyRegistered with the holder; nothing left, no EXIT, the name the holder's", () =>
    withQuietNode(
      Effect.gen(function* () {
        const holder = yield* TaskSupervisor.start({ name: "tasks-fail-taken" })
        const holderPid = Option.getOrThrow(holder.whereis())
        const outcome = yield* failedStart(
          TaskSupervisor.startLink({ name: "tasks-fail-taken" }),
          Effect.andThen(
            TaskSupervisor.stop(holder),
            Effect.as(TaskSupervisor.startLink({ name: "tasks-fail-taken" }), "started again")
          )
        )
        assert.deepStrictEqual(outcome, {
          error: new Errors.AlreadyRegistered({ registeredName: "tasks-fail-taken", pid: holderPid }),
          left: [],
          retried: "started again",
          mailbox: []
        })
      })
    )
  )
})

describe("tasks from a GenServer", () => {
  it.effect("asyncNolink results and failures arrive in handleInfo, and nothing else is left", () =>
    withQuietNode(
      Effect.gen(function* () {
        const tasks = yield* TaskSupervisor.start()
        const finished = yield* Deferred.make<ReadonlyArray<string>>()
        const server = yield* GenServer.start(fetcher(tasks, finished), undefined)
        for (const n of [1, -1, 2]) yield* GenServer.call(server, new Compute({ n }))
        assert.deepStrictEqual(yield* Deferred.await(finished), ["-1 failed: Failure", "1 -> 2", "2 -> 4"])
        // a system request is served between callbacks: once it answers, the step that completed
        // `finished` is over
        const state = (yield* GenServer.getState(server)) as FetcherState
        assert.strictEqual(state.pending.size, 0)
        const pid = Option.getOrThrow(yield* GenServer.whereis(server))
        const info = Option.getOrThrow(yield* Process.info(pid))
        assert.strictEqual(info.mailboxLength, 0)
        assert.deepStrictEqual(info.monitors, [])
      })
    )
  )
})

describe("Task.asyncStreamWith", () => {
  /** A runner that ends the item started last first, so results come back out of input order. */
  const lifoRunner = (counts: { running: number; most: number; made: number }) => () =>
    Effect.sync((): Task.StreamRunner<number, never, never> => {
      counts.made++
      const started: Array<{ readonly item: number; readonly position: number }> = []
      return {
        start: (item, position) =>
          Effect.sync(() => {
            started.push({ item, position })
            counts.running++
            counts.most = Math.max(counts.most, counts.running)
          }),
        next: Effect.sync(() => {
          const { item, position } = started.pop()!
          counts.running--
          return { position, input: item, exit: item === 3 ? Exit.fail("three") : Exit.succeed(item * 10) }
        })
      }
    })

  it.effect("runs a runner's items, at most maxConcurrency at once, results in input order", () =>
    Effect.gen(function* () {
      const counts = { running: 0, most: 0, made: 0 }
      const results = yield* Stream.runCollect(
        Task.asyncStreamWith(
          "Test.stream",
          [1, 2, 3, 4, 5],
          { maxConcurrency: 2, zipInputOnExit: true },
          Effect.succeed(1),
          lifoRunner(counts)
        )
      )
      assert.deepStrictEqual(Array.from(results), [
        Exit.succeed(10),
        Exit.succeed(20),
        Exit.fail(new Task.InputExited({ input: 3, error: "three" })),
        Exit.succeed(40),
        Exit.succeed(50)
      ])
      assert.deepStrictEqual(counts, { running: 0, most: 2, made: 1 })
    })
  )

  it.effect("invalid options fail the stream with BadArgument naming the function, before the runner is made", () =>
    Effect.gen(function* () {
      const counts = { running: 0, most: 0, made: 0 }
      const exit = yield* Effect.exit(
        Stream.runCollect(
          Task.asyncStreamWith("Test.stream", [1], { maxConcurrency: 0 }, Effect.succeed(1), lifoRunner(counts))
        )
      )
      assert.deepStrictEqual(
        exit,
        Exit.fail(
          new Errors.BadArgument({
            function: "Test.stream",
            field: "maxConcurrency",
            value: 0,
            reason: "must be an integer greater than zero"
          })
        )
      )
      assert.strictEqual(counts.made, 0)
    })
  )
})
