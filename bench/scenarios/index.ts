/**
 * Every scenario, in the order of the issue, then the scale scenarios.
 */
import type { Scenario } from "../lib/harness.ts"
import { call, cast, wakeup } from "./call.ts"
import { distCall, distOneWay, distPingPong } from "./distribution.ts"
import { fairness } from "./fairness.ts"
import { memory } from "./memory.ts"
import { observerSnapshot } from "./observer.ts"
import { pingPong } from "./pingpong.ts"
import { restart } from "./restart.ts"
import { broadcast10k, callers10k, dynsupStop100k, dynsupStop10k, idle1m, tree10k } from "./scale.ts"
import { spawn100k, spawn1k } from "./spawn.ts"
import { oneWay1M, oneWay50k } from "./throughput.ts"

export const scenarios: ReadonlyArray<Scenario> = [
  spawn1k,
  spawn100k,
  oneWay50k,
  oneWay1M,
  pingPong,
  call,
  cast,
  wakeup,
  restart,
  memory,
  fairness,
  idle1m,
  dynsupStop10k,
  dynsupStop100k,
  callers10k,
  broadcast10k,
  tree10k,
  observerSnapshot,
  distPingPong,
  distCall,
  distOneWay
]
