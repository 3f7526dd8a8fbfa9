/**
 * Scenario 5, implementation (c): a `oneForOne` effect-otp `Supervisor` with one permanent worker
 * (a plain process started with `Process.spawnLink`), intensity `Supervisor.intensity(1_000_000,
 * "1 second")`, driven from plain Effect code: `Supervisor.whichChildren` gives the child's pid,
 * `Process.send` makes it crash, `Process.awaitExit` waits for its exit, and the next
 * `whichChildren` (handled after the supervisor has processed the child's exit signal) gives the
 * restarted child.
 *
 * The program runs with no logger (`Logger.layer([])`): crash reports that no logger would print are
 * not built (P9 in bench/README.md), as (a) and (b) build none. `restart.ts`
 * imports this file dynamically, so (a) and (b) run even when `effect-otp/Supervisor` is missing; (c)
 * is then reported as n/a.
 */
import { Effect, Option } from "effect"
import { Process } from "effect-otp"
import * as Supervisor from "effect-otp/Supervisor"
import { crash, nowEffect, runOnNode, silentLogger } from "../lib/util.ts"
import type { OtpRestart } from "./restart.ts"

const worker = Effect.flatMap(Process.receive<"crash">(), () => Effect.die(crash))

const childPid = (sup: Supervisor.Supervisor) =>
  Effect.flatMap(Supervisor.whichChildren(sup), (children) => {
    const pid = children[0]?.pid
    return pid !== undefined && Option.isSome(pid)
      ? Effect.succeed(pid.value as Process.Pid<"crash">)
      : Effect.die("the supervisor has no running child")
  })

const cycles = (n: number): Promise<number> =>
  runOnNode(
    Effect.gen(function* () {
      const sup = yield* Supervisor.start({
        strategy: "oneForOne",
        intensity: Supervisor.intensity(1_000_000, "1 second"),
        children: [{ id: "worker", start: Process.spawnLink(worker), restart: "permanent" }]
      })
      const t0 = yield* nowEffect
      let current = yield* childPid(sup)
      for (let i = 0; i < n; i++) {
        yield* Process.send(current, "crash")
        yield* Process.awaitExit(current)
        const next = yield* childPid(sup)
        if (next === current || !(yield* Process.isAlive(next))) {
          return yield* Effect.die("the child was not restarted")
        }
        current = next
      }
      const elapsed = (yield* nowEffect) - t0
      yield* Supervisor.stop(sup)
      return elapsed
    }).pipe(Effect.orDie, Effect.provide(silentLogger))
  )

export const load = async (): Promise<OtpRestart> => ({ cycles })
