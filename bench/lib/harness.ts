/**
 * The benchmark harness: scenario shapes, repetition and statistics.
 *
 * A scenario has three implementations, run in the same process and in the same run:
 * `baseline` (plain JS), `effect` (raw Effect 4) and `otp` (effect-otp's public API). Each
 * implementation measures one repetition itself and returns its figure in the scenario's unit
 * (so set-up such as starting a node stays outside the timed region). The harness warms every
 * implementation up, then runs the repetitions round-robin (a, b, c, then b, c, a, ...) so slow
 * drifts of a noisy machine spread over all three, collects a young-generation GC before each
 * repetition, and reports the median, min and max. A scenario with a `beam` size also runs its
 * Erlang/OTP equivalent (bench/beam/, through `lib/beam.ts`) right after, when `erl` is installed.
 */
import type { Beam } from "./beam.ts"

/** Which implementation. */
export type ImplName = "baseline" | "effect" | "otp"

export const implNames: ReadonlyArray<ImplName> = ["baseline", "effect", "otp"]

export const implLabels: Record<ImplName, string> = {
  baseline: "(a) plain JS",
  effect: "(b) raw Effect",
  otp: "(c) effect-otp"
}

/** What one repetition gives back: its figure, plus optional secondary figures (same unit or not). */
export interface Sample {
  readonly value: number
  readonly extra?: Readonly<Record<string, number>> | undefined
}

/**
 * One repetition. `warmup` is true for the warm-up runs, which may use a smaller size; `quick` for
 * `--quick`, where the scale scenarios run a reduced size.
 */
export type Run = (options: {
  readonly warmup: boolean
  readonly quick?: boolean | undefined
}) => Promise<number | Sample>

/** An implementation that cannot run here (for example because its module does not exist yet). */
export interface Unavailable {
  readonly unavailable: string
}

export type Impl = Run | Unavailable

export const isUnavailable = (impl: Impl): impl is Unavailable => typeof impl !== "function"

export interface Scenario {
  /** short id, used in the JSON and by `--only` */
  readonly id: string
  /** the row label in the table */
  readonly title: string
  /** e.g. "ms", "µs/process" */
  readonly unit: string
  /** the target (the aim for effect-otp) in the unit, and what the reference figures were */
  readonly target?: { readonly value: number; readonly note?: string | undefined } | undefined
  /** the BEAM and raw-Effect reference figures of the issue, in the unit, for the README table */
  readonly reference?: { readonly beam?: string | undefined; readonly effect?: string | undefined } | undefined
  /** the most effect-otp/raw-Effect may be (1.0 or 1.25) */
  readonly maxRatioToEffect?: number | undefined
  /** repetitions after warm-up; overridden by --quick */
  readonly repetitions?: { readonly full: number; readonly quick: number } | undefined
  /** warm-up runs (with `warmup: true`) */
  readonly warmups?: { readonly full: number; readonly quick: number } | undefined
  /**
   * The Erlang/OTP equivalent (bench/beam/beam_bench.erl, same id and unit): the size it runs at,
   * that of its warm-ups (default a tenth), and the names of its secondary figures in this table
   */
  readonly beam?:
    | {
        readonly size: (quick: boolean) => number
        readonly warmupSize?: ((quick: boolean) => number) | undefined
        readonly extras?: Readonly<Record<string, string>> | undefined
        /** two nodes: erl runs as a named node with an epmd of its own (see `lib/beam.ts`) */
        readonly distributed?: boolean | undefined
      }
    | undefined
  readonly impls: () => Promise<Record<ImplName, Impl>>
}

export interface Stats {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly samples: ReadonlyArray<number>
  readonly extra?: Readonly<Record<string, Stats>> | undefined
}

export interface ScenarioResult {
  readonly id: string
  readonly title: string
  readonly unit: string
  readonly results: Record<ImplName, Stats | { readonly unavailable: string }>
  /** BEAM's figures, from the same run; undefined for a scenario without a BEAM equivalent */
  readonly beam: Stats | { readonly unavailable: string } | undefined
  /** effect-otp's median over the baseline's, raw Effect's and BEAM's (> 1: effect-otp is slower or bigger) */
  readonly ratios: {
    readonly toBaseline: number | null
    readonly toEffect: number | null
    readonly toBeam: number | null
  }
  readonly target: number | null
  readonly targetMet: boolean | null
  readonly maxRatioToEffect: number | null
  readonly ratioToEffectMet: boolean | null
}

export const median = (xs: ReadonlyArray<number>): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  const n = sorted.length
  if (n === 0) return Number.NaN
  return n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2
}

/** The q-quantile (0..1) of the samples, nearest-rank. */
export const quantile = (xs: ArrayLike<number>, q: number): number => {
  const sorted = Float64Array.from(xs).sort()
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank]!
}

export const stats = (xs: ReadonlyArray<number>): Stats => ({
  median: median(xs),
  min: Math.min(...xs),
  max: Math.max(...xs),
  samples: xs
})

const gcFn: ((options?: { readonly type: "minor" | "major" }) => void) | undefined = (
  globalThis as { gc?: (options?: { readonly type: "minor" | "major" }) => void }
).gc

/** A full (mark-compact) collection: the memory scenario's, before it measures the heap. */
export const fullGc = (): void => {
  gcFn?.()
}

/**
 * A young-generation collection before each repetition, so that most of one run's garbage is not
 * collected during the next. Not a full one: a forced mark-compact frees the previous run's node,
 * supervisor and closures, and V8 then throws away the optimised code that had them embedded
 * ("embedded weak objects cleared" deopts, 132 in 6 restart runs against none without it), so every
 * repetition re-ran on half-warm code (restart: raw Effect 9.8 → 13 µs, effect-otp 15 → 28 µs). A
 * long-running node does not drop its supervisor between requests; see bench/README.md.
 */
export const youngGc = (): void => {
  gcFn?.({ type: "minor" })
}

export const hasGc = (): boolean => gcFn !== undefined

/** Lets pending macrotasks (timers, setImmediate) run before the next measurement. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

export interface RunOptions {
  readonly quick: boolean
  readonly log: (line: string) => void
  /** the BEAM runner, or why there is none */
  readonly beam?: Beam | { readonly unavailable: string } | undefined
}

const toSample = (r: number | Sample): Sample => (typeof r === "number" ? { value: r } : r)

/** The statistics of some repetitions, their secondary figures included. */
const statsOf = (xs: ReadonlyArray<Sample>): Stats => {
  const extraKeys = new Set(xs.flatMap((s) => Object.keys(s.extra ?? {})))
  const extra: Record<string, Stats> = {}
  for (const key of extraKeys) extra[key] = stats(xs.map((s) => s.extra?.[key] ?? Number.NaN))
  return { ...stats(xs.map((s) => s.value)), ...(extraKeys.size > 0 ? { extra } : {}) }
}

/** The scenario's BEAM equivalent, as many repetitions as the others; undefined if it has none. */
const runBeam = (
  scenario: Scenario,
  options: RunOptions,
  repetitions: number,
  warmups: number
): Stats | { readonly unavailable: string } | undefined => {
  const spec = scenario.beam
  if (spec === undefined) return undefined
  const beam = options.beam
  if (beam === undefined) return { unavailable: "not run" }
  if ("unavailable" in beam) return { unavailable: beam.unavailable }
  const size = spec.size(options.quick)
  // BEAM needs no JIT warm-up and its figures spread little: --quick caps its repetitions at 3
  const out = beam.run({
    id: scenario.id,
    repetitions: options.quick ? Math.min(repetitions, 3) : repetitions,
    warmups: Math.min(warmups, 1),
    size,
    warmupSize: spec.warmupSize?.(options.quick) ?? Math.max(1, Math.round(size / 10)),
    distributed: spec.distributed
  })
  if ("unavailable" in out) return out
  if (out.length === 0) return { unavailable: "erl printed no sample" }
  const names = spec.extras ?? {}
  return statsOf(
    out.map((s) =>
      s.extra === undefined
        ? s
        : { value: s.value, extra: Object.fromEntries(Object.entries(s.extra).map(([k, v]) => [names[k] ?? k, v])) }
    )
  )
}

const endOfRun: Array<() => Promise<void>> = []

/**
 * Registers what releases a resource that several scenarios share (the distribution scenarios' peer
 * process): `bench/run.ts` calls it after the last scenario.
 */
export const atEndOfRun = (release: () => Promise<void>): void => {
  endOfRun.push(release)
}

/** Releases what {@link atEndOfRun} registered, last first. */
export const endRun = async (): Promise<void> => {
  while (endOfRun.length > 0) await endOfRun.pop()!()
}

/** Runs one scenario: warm-ups, then repetitions round-robin, then statistics. */
export const runScenario = async (scenario: Scenario, options: RunOptions): Promise<ScenarioResult> => {
  const impls = await scenario.impls()
  const reps = options.quick ? (scenario.repetitions?.quick ?? 3) : (scenario.repetitions?.full ?? 7)
  const warmups = options.quick ? (scenario.warmups?.quick ?? 1) : (scenario.warmups?.full ?? 2)
  const runnable = implNames.filter((name) => !isUnavailable(impls[name]))
  for (let w = 0; w < warmups; w++) {
    for (const name of runnable) {
      youngGc()
      await settle()
      await (impls[name] as Run)({ warmup: true, quick: options.quick })
    }
  }
  const samples: Record<ImplName, Array<Sample>> = { baseline: [], effect: [], otp: [] }
  for (let r = 0; r < reps; r++) {
    for (let k = 0; k < runnable.length; k++) {
      const name = runnable[(r + k) % runnable.length]!
      youngGc()
      await settle()
      samples[name].push(toSample(await (impls[name] as Run)({ warmup: false, quick: options.quick })))
    }
  }
  const results = {} as Record<ImplName, Stats | { readonly unavailable: string }>
  for (const name of implNames) {
    const impl = impls[name]
    if (isUnavailable(impl)) {
      results[name] = { unavailable: impl.unavailable }
      continue
    }
    results[name] = statsOf(samples[name])
  }
  const beam = runBeam(scenario, options, reps, warmups)
  const medianOf = (name: ImplName): number | null => {
    const r = results[name]
    return "median" in r ? r.median : null
  }
  const otp = medianOf("otp")
  const base = medianOf("baseline")
  const eff = medianOf("effect")
  const toBaseline = otp !== null && base !== null && base > 0 ? otp / base : null
  const toEffect = otp !== null && eff !== null && eff > 0 ? otp / eff : null
  const beamMedian = beam !== undefined && "median" in beam ? beam.median : null
  const toBeam = otp !== null && beamMedian !== null && beamMedian > 0 ? otp / beamMedian : null
  const target = scenario.target?.value ?? null
  const maxRatio = scenario.maxRatioToEffect ?? null
  return {
    id: scenario.id,
    title: scenario.title,
    unit: scenario.unit,
    results,
    beam,
    ratios: { toBaseline, toEffect, toBeam },
    target,
    targetMet: target !== null && otp !== null ? otp <= target : null,
    maxRatioToEffect: maxRatio,
    ratioToEffectMet: maxRatio !== null && toEffect !== null ? toEffect <= maxRatio : null
  }
}

/** Formats a figure with three significant digits, without exponent notation. */
export const fmt = (x: number | null | undefined): string => {
  if (x === null || x === undefined || Number.isNaN(x)) return "n/a"
  const abs = Math.abs(x)
  if (abs >= 1000) return Math.round(x).toLocaleString("en-US")
  if (abs >= 100) return x.toFixed(0)
  if (abs >= 10) return x.toFixed(1)
  if (abs >= 1) return x.toFixed(2)
  return x.toFixed(3)
}

const figure = (r: Stats | { readonly unavailable: string }): string =>
  "median" in r ? `${fmt(r.median)} [${fmt(r.min)}–${fmt(r.max)}]` : "n/a"

const ratio = (x: number | null): string => (x === null ? "n/a" : `${x.toFixed(2)}x`)

const pad = (s: string, n: number, right = false): string => (right ? s.padStart(n) : s.padEnd(n))

/** The results as a text table: one row per scenario. */
export const formatTable = (results: ReadonlyArray<ScenarioResult>): string => {
  const header = [
    "scenario",
    "unit",
    `${implLabels.baseline} median [min–max]`,
    `${implLabels.effect} median [min–max]`,
    `${implLabels.otp} median [min–max]`,
    "BEAM median [min–max]",
    "c/a",
    "c/b",
    "c/BEAM",
    "target",
    "met"
  ]
  const rows = results.map((r) => [
    r.title,
    r.unit,
    figure(r.results.baseline),
    figure(r.results.effect),
    figure(r.results.otp),
    r.beam === undefined ? "" : figure(r.beam),
    ratio(r.ratios.toBaseline),
    ratio(r.ratios.toEffect),
    r.beam === undefined ? "" : ratio(r.ratios.toBeam),
    r.target === null ? "" : `≤ ${fmt(r.target)}`,
    [
      r.targetMet === null ? "" : r.targetMet ? "target ✓" : "target ✗",
      r.ratioToEffectMet === null
        ? ""
        : r.ratioToEffectMet
          ? `c/b≤${r.maxRatioToEffect} ✓`
          : `c/b≤${r.maxRatioToEffect} ✗`
    ]
      .filter((s) => s !== "")
      .join(", ")
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((c, i) => pad(c, widths[i]!, i >= 2 && i <= 9))
      .join("  ")
      .trimEnd()
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n")
}

/** Secondary figures (such as the fairness scenario's timer lag), one line each. */
export const formatExtras = (results: ReadonlyArray<ScenarioResult>): string => {
  const lines: Array<string> = []
  for (const r of results) {
    for (const name of implNames) {
      const s = r.results[name]
      if (!("median" in s) || s.extra === undefined) continue
      for (const [key, e] of Object.entries(s.extra)) {
        lines.push(`${r.id} ${implLabels[name]}: ${key} ${fmt(e.median)} [${fmt(e.min)}–${fmt(e.max)}]`)
      }
    }
    if (r.beam !== undefined && "median" in r.beam && r.beam.extra !== undefined) {
      for (const [key, e] of Object.entries(r.beam.extra)) {
        lines.push(`${r.id} BEAM: ${key} ${fmt(e.median)} [${fmt(e.min)}–${fmt(e.max)}]`)
      }
    }
  }
  return lines.join("\n")
}
