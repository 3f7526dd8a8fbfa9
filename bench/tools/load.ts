/** For the probes: one implementation of one bench scenario, by id and name. */
import type { ImplName, Run } from "../lib/harness.ts"
import { scenarios } from "../scenarios/index.ts"

export const loadRun = async (id: string | undefined, impl: string | undefined): Promise<Run> => {
  const scenario = scenarios.find((s) => s.id === id)
  if (scenario === undefined) throw new Error(`no scenario ${id}`)
  const run = (await scenario.impls())[impl as ImplName]
  if (typeof run !== "function") throw new Error(`no implementation ${impl} of ${id}`)
  return run
}
