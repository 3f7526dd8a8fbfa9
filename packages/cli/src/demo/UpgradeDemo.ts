/**
 * `otp demo upgrade`: a counter server upgraded while clients call it, with no call lost; then a
 * broken version rejected and rolled back.
 *
 * The demo starts a supervisor with one counter (version 1: its state is a number) and a few
 * clients that each make a series of `Increment` calls. While they run, `Release.upgradeTree`
 * installs version 2 (its state is `{ count, history }`, declared as a Schema; its `codeChange`
 * migrates the number). Every reply says which version answered: the calls before the switch are
 * answered by version 1, those after by version 2, and none is lost (the final count is the number
 * of calls). Then a broken version 3, whose `codeChange` makes a state its Schema refuses, is
 * rejected: the counter runs version 2 on, with its state, and a restart still starts version 2.
 * The `RELEASE` events of the upgrade are printed as they are logged.
 *
 * Output goes through Effect's `Console`, so tests capture it with `TestConsole`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as UpgradeDemo from "@effect-otp/cli/demo/UpgradeDemo"
 *
 * Effect.runPromise(UpgradeDemo.run({ clients: 3, calls: 20 }))
 * ```
 *
 * @since 0.2.0
 */
import { Console, Deferred, Effect, Exit, Fiber, Logger, Option, References, Schema, Scope } from "effect"
import { ExitReason, GenServer, Node, Process, Release, Request, Supervisor, Sys } from "effect-otp"

// ---------------------------------------------------------------------------------------------
// The counter, in three versions
// ---------------------------------------------------------------------------------------------

/**
 * Adds one; answers the version that handled it and the new count.
 *
 * @since 0.2.0
 * @category protocol
 */
export class Increment extends Request.Class<Increment>()("Increment", {
  success: Schema.Struct({ version: Schema.String, count: Schema.Number })
}) {}

/**
 * The counter's state as `Sys.getState` would show it, and the version.
 *
 * @since 0.2.0
 * @category protocol
 */
export class Get extends Request.Class<Get>()("Get", {
  success: Schema.Struct({ version: Schema.String, count: Schema.Number })
}) {}

/**
 * Version 1: the state is the count.
 *
 * @since 0.2.0
 * @category counter
 */
export const CounterV1 = GenServer.behaviour({
  name: "Counter",
  version: "1",
  protocol: [Increment, Get],
  init: (n: number) => Effect.succeed(GenServer.ok(n)),
  handleCall: {
    Increment: (_, n) => Effect.succeed(GenServer.reply({ version: "1", count: n + 1 }, n + 1)),
    Get: (_, n) => Effect.succeed(GenServer.reply({ version: "1", count: n }, n))
  }
})

/**
 * The state of version 2: the count, and the counts each increment started from (the last 5).
 *
 * @since 0.2.0
 * @category counter
 */
export const StateV2 = Schema.Struct({ count: Schema.Number, history: Schema.Array(Schema.Number) })

/**
 * @since 0.2.0
 * @category counter
 */
export type StateV2 = typeof StateV2.Type

/**
 * Version 2: the state is `{ count, history }`; `codeChange` migrates version 1's number.
 *
 * @since 0.2.0
 * @category counter
 */
export const CounterV2 = GenServer.behaviour({
  name: "Counter",
  version: "2",
  protocol: [Increment, Get],
  state: StateV2,
  init: (n: number) => Effect.succeed(GenServer.ok<StateV2>({ count: n, history: [] })),
  handleCall: {
    Increment: (_, s) =>
      Effect.succeed(
        GenServer.reply(
          { version: "2", count: s.count + 1 },
          { count: s.count + 1, history: [...s.history, s.count].slice(-5) }
        )
      ),
    Get: (_, s) => Effect.succeed(GenServer.reply({ version: "2", count: s.count }, s))
  },
  codeChange: (oldVersion, state) =>
    oldVersion === "1"
      ? Effect.succeed({ count: state as number, history: [] })
      : Effect.fail(`no migration from version ${oldVersion}`)
})

/**
 * Version 3, broken: its `codeChange` turns the count into a string, which its state Schema refuses.
 *
 * @since 0.2.0
 * @category counter
 */
export const CounterV3 = GenServer.behaviour({
  name: "Counter",
  version: "3",
  protocol: [Increment, Get],
  state: StateV2,
  init: (n: number) => Effect.succeed(GenServer.ok<StateV2>({ count: n, history: [] })),
  handleCall: {
    Increment: (_, s) => Effect.succeed(GenServer.reply({ version: "3", count: s.count + 1 }, s)),
    Get: (_, s) => Effect.succeed(GenServer.reply({ version: "3", count: s.count }, s))
  },
  codeChange: (_oldVersion, state) =>
    Effect.succeed({ count: String((state as StateV2).count), history: [] } as unknown as StateV2)
})

// ---------------------------------------------------------------------------------------------
// The demo
// ---------------------------------------------------------------------------------------------

/**
 * Options of {@link run}: how many clients call the counter at once (default 3), and how many
 * increments each makes after the upgrade (default 20; each calls until the upgrade is over first).
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  readonly clients?: number | undefined
  readonly calls?: number | undefined
}

/**
 * What the demo saw: the calls made, how many each version answered, the final count, and the
 * version running after the broken one was rejected.
 *
 * @since 0.2.0
 * @category models
 */
export interface Summary {
  readonly calls: number
  readonly answeredBy: Readonly<Record<string, number>>
  readonly finalCount: number
  readonly versionAfterRejection: string
  readonly versionAfterRestart: string
}

const formatLog = (message: unknown): string =>
  (Array.isArray(message) ? message : [message]).map((part) => String(part)).join(" ")

/**
 * Runs the demo on a fresh node and returns what happened. Prints through `Console`.
 *
 * **Errors**: none expected; a failure is a bug of the demo and is a defect.
 *
 * @since 0.2.0
 * @category running
 */
export const run = (options?: Options): Effect.Effect<Summary> => {
  const clients = options?.clients ?? 3
  const calls = options?.calls ?? 20
  const say = (line = "") => Console.log(line)
  const releases: Array<string> = []
  const logger = Logger.make(({ fiber, message }) => {
    const annotations = fiber.getRef(References.CurrentLogAnnotations)
    if (annotations.event === "RELEASE") releases.push(formatLog(message))
  })
  const flushReleases = Effect.suspend(() =>
    Effect.forEach(releases.splice(0), (line) => say(`     │ RELEASE ${line}`))
  )

  return Effect.scoped(
    Effect.gen(function* () {
      const node = yield* Node.make()
      const scope = yield* Scope.make()
      const program = Effect.gen(function* () {
        const sup = yield* Supervisor.start({
          children: [GenServer.childSpec("counter", CounterV1, 0, { name: "demo/counter" })]
        })
        const counter = yield* GenServer.named(CounterV1, "demo/counter")
        const pid = Option.getOrThrow(counter.whereis())
        yield* say(
          `Upgrading a running counter: ${clients} clients call it until the upgrade is over, then ${calls} times more each.`
        )
        yield* say(`  counter ${pid} runs Counter version ${(yield* Sys.getStatus(counter)).version} (state: a number)`)
        yield* say()

        // the clients call until the upgrade is over, then `calls` more times each; the upgrade
        // starts once the first client has had a few answers
        const started = yield* Deferred.make<void>()
        const upgraded = yield* Deferred.make<void>()
        const client = (i: number) =>
          Effect.gen(function* () {
            const replies: Array<Request.Success<Increment>> = []
            let after = 0
            while (after < calls) {
              replies.push(yield* GenServer.call(counter, new Increment()))
              if (i === 0 && replies.length === 5) yield* Deferred.succeed(started, undefined)
              if (Deferred.isDoneUnsafe(upgraded)) after++
            }
            return replies
          })
        const load = yield* Effect.forkChild(
          Effect.forEach(
            Array.from({ length: clients }, (_, i) => i),
            client,
            { concurrency: "unbounded" }
          )
        )
        yield* Deferred.await(started)
        yield* say(`Release.upgradeTree to version 2 (state: { count, history }) while the clients call:`)
        const report = yield* Effect.ensuring(
          Release.upgradeTree(sup, { behaviours: [CounterV2], version: "2" }),
          Deferred.succeed(upgraded, undefined)
        )
        yield* flushReleases
        for (const u of report.upgraded) {
          yield* say(`  ✓ ${u.id} ${u.pid}: version ${u.fromVersion} → ${u.toVersion}`)
        }
        yield* say(
          `  ✓ child specs of ${report.specs.map((s) => `${s.supervisor} (${s.ids.join(", ")})`).join(", ")} now start version 2`
        )

        const replies = (yield* Fiber.join(load)).flat()
        const made = replies.length
        const answeredBy: Record<string, number> = {}
        for (const reply of replies) answeredBy[reply.version] = (answeredBy[reply.version] ?? 0) + 1
        const final = yield* GenServer.call(counter, new Get())
        yield* say(
          `  ${made} calls made, ${replies.length} answered: ${Object.entries(answeredBy)
            .map(([version, n]) => `${n} by version ${version}`)
            .join(", ")}`
        )
        yield* say(
          `  final count ${final.count} (version ${final.version}): ${final.count === made ? "no call lost" : "CALLS LOST"}`
        )
        yield* say(`  state now: ${JSON.stringify(yield* Sys.getState(counter))}`)
        yield* say()

        yield* say(`Release.upgradeTree to a broken version 3 (its codeChange makes a count its Schema refuses):`)
        const rejected = yield* Effect.flip(Release.upgradeTree(sup, { behaviours: [CounterV3], version: "3" }))
        yield* flushReleases
        const why = rejected._tag === "UpgradeFailed" ? rejected.reason : rejected
        yield* say(
          `  ✗ ${rejected._tag}: child "${rejected._tag === "UpgradeFailed" ? rejected.id : "?"}", ${why._tag}; rolled back`
        )
        const after = yield* Sys.getStatus(counter)
        yield* say(`  counter ${after.pid} runs version ${after.version} on, state ${JSON.stringify(after.state)}`)
        yield* Process.exit(after.pid, ExitReason.failure("demo crash"))
        yield* Process.awaitExit(after.pid)
        yield* Supervisor.whichChildren(sup)
        const restarted = yield* Sys.getStatus(counter)
        yield* say(
          `  ✂  crashed it: the supervisor restarted it as ${restarted.pid}, version ${restarted.version}, state ${JSON.stringify(restarted.state)}`
        )
        return {
          calls: made,
          answeredBy,
          finalCount: final.count,
          versionAfterRejection: after.version,
          versionAfterRestart: restarted.version
        } satisfies Summary
      })
      const summary = yield* program.pipe(Effect.provideService(Node.Node, node), Scope.provide(scope))
      yield* Scope.close(scope, Exit.void)
      return summary
    })
  ).pipe(Effect.provide(Logger.layer([logger])), Effect.orDie)
}
