/**
 * `npm run bench [-- --quick] [-- --json <file>] [-- --only <id,id>] [-- --no-cpu]`
 *
 * Runs every scenario with its three implementations (plain JS, raw Effect, effect-otp) in this
 * process, prints a table, and with `--json` writes the results. Then, if `bench/cpu-parallel.ts`
 * exists, runs it as a child process (same Node, same flags) and merges its JSON under
 * `cpuParallel`. See bench/README.md for what each scenario measures and how to read the ratios.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { availableParallelism, cpus, tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { formatExtras, formatTable, hasGc, implNames, runScenario, type ScenarioResult } from "./lib/harness.ts"
import { setNodeScheduler } from "./lib/util.ts"
import { scenarios } from "./scenarios/index.ts"

interface Args {
  readonly quick: boolean
  readonly json: string | undefined
  readonly only: ReadonlyArray<string> | undefined
  readonly cpu: boolean
  readonly runQueue: boolean
}

const parseArgs = (argv: ReadonlyArray<string>): Args => {
  let quick = false
  let json: string | undefined
  let only: Array<string> | undefined
  let cpu = true
  let runQueue = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === "--quick") quick = true
    else if (arg === "--json") json = argv[++i]
    else if (arg.startsWith("--json=")) json = arg.slice("--json=".length)
    else if (arg === "--only") only = argv[++i]?.split(",")
    else if (arg.startsWith("--only=")) only = arg.slice("--only=".length).split(",")
    else if (arg === "--no-cpu") cpu = false
    else if (arg === "--run-queue") runQueue = true
    else if (arg === "--help" || arg === "-h") {
      console.log("usage: npm run bench -- [--quick] [--json <file>] [--only <id,...>] [--no-cpu] [--run-queue]")
      console.log(`scenario ids: ${scenarios.map((s) => s.id).join(", ")}`)
      process.exit(0)
    } else throw new Error(`unknown argument ${arg} (try --help)`)
  }
  if (json === "") throw new Error("--json needs a file name")
  return { quick, json, only, cpu, runQueue }
}

const here = dirname(fileURLToPath(import.meta.url))

/** Runs bench/cpu-parallel.ts (a colleague's self-contained benchmark) if it exists. */
const runCpuParallel = (args: Args): unknown => {
  const script = join(here, "cpu-parallel.ts")
  if (!existsSync(script)) return undefined
  console.log("\n## bench/cpu-parallel.ts\n")
  const dir = mkdtempSync(join(tmpdir(), "bench-cpu-"))
  const out = join(dir, "cpu-parallel.json")
  try {
    const childArgs = ["--expose-gc", script, ...(args.quick ? ["--quick"] : []), "--json", out]
    const child = spawnSync(process.execPath, childArgs, { stdio: "inherit" })
    if (child.status !== 0) {
      const reason = `exited with ${child.status ?? child.signal}`
      console.log(`bench/cpu-parallel.ts ${reason}`)
      return { error: reason }
    }
    return existsSync(out) ? JSON.parse(readFileSync(out, "utf8")) : { error: "no JSON written" }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const effectVersion = (): string => {
  try {
    const pkg = JSON.parse(readFileSync(join(here, "../node_modules/effect/package.json"), "utf8")) as {
      version: string
    }
    return pkg.version
  } catch {
    return "unknown"
  }
}

const toJson = (results: ReadonlyArray<ScenarioResult>) =>
  Object.fromEntries(
    results.map((r) => [
      r.id,
      {
        title: r.title,
        unit: r.unit,
        ...Object.fromEntries(
          implNames.map((name) => {
            const s = r.results[name]
            if (!("median" in s)) return [name, { unavailable: s.unavailable }]
            const extra =
              s.extra === undefined
                ? {}
                : {
                    extra: Object.fromEntries(
                      Object.entries(s.extra).map(([k, e]) => [k, { median: e.median, min: e.min, max: e.max }])
                    )
                  }
            return [name, { median: s.median, min: s.min, max: s.max, samples: s.samples, ...extra }]
          })
        ),
        ratios: { otpToBaseline: r.ratios.toBaseline, otpToEffect: r.ratios.toEffect },
        target: r.target,
        targetMet: r.targetMet,
        maxRatioToEffect: r.maxRatioToEffect,
        ratioToEffectMet: r.ratioToEffectMet
      }
    ])
  )

const main = async (): Promise<void> => {
  const args = parseArgs(process.argv.slice(2))
  if (args.runQueue) setNodeScheduler("runQueue")
  if (!hasGc()) console.log("warning: run with node --expose-gc (npm run bench does): no GC between repetitions")
  const selected = args.only === undefined ? scenarios : scenarios.filter((s) => args.only!.includes(s.id))
  if (selected.length === 0) throw new Error(`no scenario matches --only ${args.only?.join(",")}`)
  const started = performance.now()
  console.log(
    `effect-otp bench: node ${process.version}, effect ${effectVersion()}, ${availableParallelism()} cores (${
      cpus()[0]?.model ?? "?"
    })${args.quick ? ", quick" : ""}${args.runQueue ? ", effect-otp on the run-queue scheduler" : ""}`
  )
  const results: Array<ScenarioResult> = []
  for (const scenario of selected) {
    const t = performance.now()
    const result = await runScenario(scenario, { quick: args.quick, log: console.log })
    results.push(result)
    const otp = result.results.otp
    console.log(
      `  ${scenario.id}: ${"median" in otp ? `${otp.median.toFixed(3)} ${scenario.unit}` : "n/a"} (${(
        (performance.now() - t) / 1000
      ).toFixed(1)} s)`
    )
  }
  const elapsed = (performance.now() - started) / 1000
  console.log(`\n${formatTable(results)}\n`)
  const extras = formatExtras(results)
  if (extras !== "") console.log(`${extras}\n`)
  console.log(
    `c/a, c/b: effect-otp's median over the plain-JS baseline's and raw Effect's (lower is better). ${elapsed.toFixed(
      1
    )} s.`
  )
  const cpuParallel = args.cpu && args.only === undefined ? runCpuParallel(args) : undefined
  if (args.json !== undefined) {
    const json = {
      meta: {
        date: new Date().toISOString(),
        node: process.version,
        effect: effectVersion(),
        cores: availableParallelism(),
        cpu: cpus()[0]?.model,
        quick: args.quick,
        seconds: elapsed
      },
      scenarios: toJson(results),
      ...(cpuParallel === undefined ? {} : { cpuParallel })
    }
    writeFileSync(args.json, `${JSON.stringify(json, null, 2)}\n`)
    console.log(`wrote ${args.json}`)
  }
}

await main()
