// Type-level checks of the published declarations, from a user's project: every entry point the
// README names resolves with its types, and internals stay out of reach.
import type { Cli, MasteryDemo } from "@effect-otp/cli"
import type { ClusterServer } from "@effect-otp/cluster"
import * as ClusterServerModule from "@effect-otp/cluster/ClusterServer"
import * as CliModule from "@effect-otp/cli/Cli"
import { Application as NodeApplication, ThreadedGenServer, WorkerPool } from "@effect-otp/platform-node"
import { Effect, Exit } from "effect"
import { type ExitReason, type GenServer, Node, Process, type Supervisor } from "effect-otp"
import * as GenServerModule from "effect-otp/GenServer"
// @ts-expect-error internals are not exported
import type * as Kernel from "effect-otp/internal/kernel"
// @ts-expect-error internals are not exported
import type * as PoolInternals from "@effect-otp/platform-node/internal/workerPool"

// @ts-expect-error internals are not exported
import type * as ClusterInternals from "@effect-otp/cluster/internal/entity"

export type Unused = [typeof Kernel, typeof PoolInternals, typeof ClusterInternals, typeof Cli, MasteryDemo.Student]

// A typed pid: the body's receive gives the message type.
export const echo = Effect.gen(function* () {
  const pid: Process.Pid<string> = yield* Process.spawn(Process.receive<string>())
  yield* Process.send(pid, "hi")
  // @ts-expect-error a Pid<string> does not take numbers
  yield* Process.send(pid, 42)
  const reason: ExitReason.ExitReason = yield* Process.awaitExit(pid)
  return reason
}).pipe(Effect.provide(Node.layer()))

export const sameModule: typeof GenServer.call = GenServerModule.call
export const version: string = CliModule.version
export const run: typeof NodeApplication.run = NodeApplication.run
export const strategies: ReadonlyArray<Supervisor.Strategy> = ["oneForOne", "oneForAll", "restForOne"]
export const threaded: typeof ThreadedGenServer.start = ThreadedGenServer.start
export const pool: typeof WorkerPool.make = WorkerPool.make
export const ok: Exit.Exit<number> = Exit.succeed(1)
export const entityClient: typeof ClusterServer.client = ClusterServerModule.client
