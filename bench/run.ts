/**
 * `npm run bench [-- --quick] [-- --json <file>] [-- --only <id,id>] [-- --no-cpu] [-- --no-cluster] [-- --no-beam]`
 *
 * Runs every scenario with its three implementations (plain JS, raw Effect, effect-otp) in this
 * process, and its Erlang/OTP equivalent in `erl` right after when Erlang is installed (bench/beam/),
 * prints a table, and with `--json` writes the results. Then runs the self-contained benchmarks
 * `bench/cpu-parallel.ts` and `bench/cluster.ts`, each as a child process (same Node), and merges
 * their JSON under `cpuParallel` and `cluster`. See bench/README.md for what each scenario
 * measures and how to read the ratios.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { availableParallelism, cpus, tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { makeBeam } from "./lib/beam.ts"
import {
  endRun,
  formatExtras,
  formatTable,
  hasGc,
  implNames,
  runScenario,
  type ScenarioResult,
  type Stats
} from "./lib/harness.ts"
import { setNodeScheduler } from "./lib/util.ts"
import { scenarios } from "./scenarios/index.ts"

interface Args {
  readonly quick: boolean
  readonly json: string | undefined
  readonly only: ReadonlyArray<string> | undefined
  readonly cpu: boolean
  readonly cluster: boolean
  readonly scheduler: "effect" | "runQueue" | undefined
  readonly beam: boolean
}

const parseArgs = (argv: ReadonlyArray<string>): Args => {
  let quick = false
  let json: string | undefined
  let only: Array<string> | undefined
  let cpu = true
  let cluster = true
  let scheduler: "effect" | "runQueue" | undefined
  let beam = true
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === "--quick") quick = true
    else if (arg === "--json") json = argv[++i]
    else if (arg.startsWith("--json=")) json = arg.slice("--json=".length)
    else if (arg === "--only") only = argv[++i]?.split(",")
    else if (arg.startsWith("--only=")) only = arg.slice("--only=".length).split(",")
    else if (arg === "--no-cpu") cpu = false
    else if (arg === "--no-cluster") cluster = false
    else if (arg === "--run-queue") scheduler = "runQueue"
    else if (arg === "--effect-scheduler") scheduler = "effect"
    else if (arg === "--no-beam") beam = false
    else if (arg === "--help" || arg === "-h") {
      console.log(
        "usage: npm run bench -- [--quick] [--json <file>] [--only <id,...>] [--no-cpu] [--no-cluster] [--no-beam] [--effect-scheduler | --run-queue]"
      )
      console.log(`scenario ids: ${scenarios.map((s) => s.id).join(", ")}`)
      process.exit(0)
    } else throw new Error(`unknown argument ${arg} (try --help)`)
  }
  if (json === "") throw new Error("--json needs a file name")
  return { quick, json, only, cpu, cluster, scheduler, beam }
}

const here = dirname(fileURLToPath(import.meta.url))

/**
 * Runs a self-contained benchmark of bench/ (`cpu-parallel.ts`, `cluster.ts`) as a child process,
 * with `--quick` when this run is quick and `--json <file>`, and returns its JSON (or the error).
 */
const runScript = (name: string, args: Args): unknown => {
  const script = join(here, name)
  if (!existsSync(script)) return undefined
  console.log(`\n## bench/${name}\n`)
  const dir = mkdtempSync(join(tmpdir(), "bench-script-"))
  const out = join(dir, "result.json")
  try {
    const childArgs = ["--expose-gc", script, ...(args.quick ? ["--quick"] : []), "--json", out]
    const child = spawnSync(process.execPath, childArgs, { stdio: "inherit" })
    if (child.status !== 0) {
      const reason = `exited with ${child.status ?? child.signal}`
      console.log(`bench/${name} ${reason}`)
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

const statsJson = (s: Stats | { readonly unavailable: string }) => {
  if (!("median" in s)) return { unavailable: s.unavailable }
  const extra =
    s.extra === undefined
      ? {}
      : {
          extra: Object.fromEntries(
            Object.entries(s.extra).map(([k, e]) => [k, { median: e.median, min: e.min, max: e.max }])
          )
        }
  return { median: s.median, min: s.min, max: s.max, samples: s.samples, ...extra }
}

const toJson = (results: ReadonlyArray<ScenarioResult>) =>
  Object.fromEntries(
    results.map((r) => [
      r.id,
      {
        title: r.title,
        unit: r.unit,
        ...Object.fromEntries(implNames.map((name) => [name, statsJson(r.results[name])])),
        ...(r.beam === undefined ? {} : { beam: statsJson(r.beam) }),
        ratios: {
          otpToBaseline: r.ratios.toBaseline,
          otpToEffect: r.ratios.toEffect,
          ...(r.beam === undefined ? {} : { otpToBeam: r.ratios.toBeam })
        },
        target: r.target,
        targetMet: r.targetMet,
        maxRatioToEffect: r.maxRatioToEffect,
        ratioToEffectMet: r.ratioToEffectMet
      }
    ])
  )

const main = async (): Promise<void> => {
  const args = parseArgs(process.argv.slice(2))
  setNodeScheduler(args.scheduler)
  if (!hasGc()) console.log("warning: run with node --expose-gc (npm run bench does): no GC between repetitions")
  const selected = args.only === undefined ? scenarios : scenarios.filter((s) => args.only!.includes(s.id))
  if (selected.length === 0) throw new Error(`no scenario matches --only ${args.only?.join(",")}`)
  const beam = args.beam ? makeBeam() : { unavailable: "skipped (--no-beam)" }
  const beamRelease = "unavailable" in beam ? undefined : beam.release
  if ("unavailable" in beam) console.log(`BEAM: not run, ${beam.unavailable}; its column is n/a`)
  const started = performance.now()
  console.log(
    `effect-otp bench: node ${process.version}, effect ${effectVersion()}, ${availableParallelism()} cores (${
      cpus()[0]?.model ?? "?"
    })${beamRelease === undefined ? "" : `, BEAM: Erlang/OTP ${beamRelease} (+S 1)`}${args.quick ? ", quick" : ""}${
      args.scheduler === undefined ? "" : `, effect-otp on the ${args.scheduler} scheduler`
    }`
  )
  const results: Array<ScenarioResult> = []
  for (const scenario of selected) {
    const t = performance.now()
    const result = await runScenario(scenario, { quick: args.quick, log: console.log, beam })
    results.push(result)
    const otp = result.results.otp
    const onBeam = result.beam !== undefined && "median" in result.beam ? `, BEAM ${result.beam.median.toFixed(3)}` : ""
    console.log(
      `  ${scenario.id}: ${"median" in otp ? `${otp.median.toFixed(3)} ${scenario.unit}` : "n/a"}${onBeam} (${(
        (performance.now() - t) / 1000
      ).toFixed(1)} s)`
    )
  }
  await endRun()
  if (!("unavailable" in beam)) beam.close()
  const elapsed = (performance.now() - started) / 1000
  console.log(`\n${formatTable(results)}\n`)
  const extras = formatExtras(results)
  if (extras !== "") console.log(`${extras}\n`)
  console.log(
    `c/a, c/b, c/BEAM: effect-otp's median over the plain-JS baseline's, raw Effect's and BEAM's (lower is better). ${elapsed.toFixed(
      1
    )} s.`
  )
  const cpuParallel = args.cpu && args.only === undefined ? runScript("cpu-parallel.ts", args) : undefined
  const cluster = args.cluster && args.only === undefined ? runScript("cluster.ts", args) : undefined
  if (args.json !== undefined) {
    const json = {
      meta: {
        date: new Date().toISOString(),
        node: process.version,
        effect: effectVersion(),
        cores: availableParallelism(),
        cpu: cpus()[0]?.model,
        quick: args.quick,
        beam: beamRelease === undefined ? null : `Erlang/OTP ${beamRelease}, one scheduler (+S 1)`,
        seconds: elapsed
      },
      scenarios: toJson(results),
      ...(cpuParallel === undefined ? {} : { cpuParallel }),
      ...(cluster === undefined ? {} : { cluster })
    }
    writeFileSync(args.json, `${JSON.stringify(json, null, 2)}\n`)
    console.log(`wrote ${args.json}`)
  }
}

await main()
