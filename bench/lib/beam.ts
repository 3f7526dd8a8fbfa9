/**
 * The BEAM side of the bench: bench/beam/*.erl, the scenarios in plain Erlang/OTP, compiled once
 * per run with `erlc` and run per scenario in a fresh `erl` (one scheduler, `+S 1`: Node runs the
 * processes on one thread), right after the scenario's JS implementations. Where `erl` is not on the
 * PATH, every scenario's BEAM figure is unavailable and the run says so once.
 */
import { spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import type { Sample } from "./harness.ts"

const sources = join(dirname(fileURLToPath(import.meta.url)), "../beam")

/** What a scenario tells the BEAM side: its size, and the smaller one of its warm-ups. */
export interface BeamRun {
  readonly id: string
  readonly repetitions: number
  readonly warmups: number
  readonly size: number
  readonly warmupSize: number
  /** a distribution scenario: erl runs as a named node, with an epmd of its own on a free port */
  readonly distributed?: boolean | undefined
}

export interface Beam {
  /** the OTP release, e.g. "25" */
  readonly release: string
  /** The repetitions' figures, or why there are none. */
  readonly run: (run: BeamRun) => ReadonlyArray<Sample> | { readonly unavailable: string }
  readonly close: () => void
}

/** Compiles bench/beam/ with `erlc`; `{ unavailable }` when Erlang is not installed or does not compile it. */
export const makeBeam = (): Beam | { readonly unavailable: string } => {
  const probe = spawnSync("erl", ["-noshell", "-eval", "io:put_chars(erlang:system_info(otp_release)), halt()."], {
    encoding: "utf8"
  })
  if (probe.error !== undefined || probe.status !== 0) {
    return { unavailable: "erl is not on the PATH (Debian: apt-get install erlang-base)" }
  }
  const dir = mkdtempSync(join(tmpdir(), "bench-beam-"))
  const files = readdirSync(sources)
    .filter((f) => f.endsWith(".erl"))
    .map((f) => join(sources, f))
  const compiled = spawnSync("erlc", ["-o", dir, ...files], { encoding: "utf8" })
  if (compiled.status !== 0) {
    rmSync(dir, { recursive: true, force: true })
    return { unavailable: `erlc failed: ${compiled.stderr || compiled.stdout || compiled.error}` }
  }
  const release = probe.stdout.trim()
  return {
    release,
    run: ({ id, repetitions, warmups, size, warmupSize, distributed }) => {
      // a distributed erl starts epmd on ERL_EPMD_PORT (a random port, to keep off others' epmd);
      // it is killed after the run
      const epmdPort = 20_000 + Math.floor(Math.random() * 30_000)
      const node = distributed ? ["-name", "bench_a@127.0.0.1", "-setcookie", randomBytes(8).toString("hex")] : []
      const args = [...node, "-noshell", "+S", "1", "+P", "2000000", "-pa", dir, "-run", "beam_bench", "main", id]
      const child = spawnSync("erl", [...args, ...[repetitions, warmups, size, warmupSize].map(String)], {
        encoding: "utf8",
        cwd: dir,
        maxBuffer: 1 << 20,
        env: distributed ? { ...process.env, ERL_EPMD_PORT: String(epmdPort) } : process.env
      })
      if (distributed) spawnSync("epmd", ["-port", String(epmdPort), "-kill"], { stdio: "ignore" })
      if (child.status !== 0) {
        return { unavailable: `erl (OTP ${release}) failed: ${(child.stderr || child.stdout).slice(0, 300)}` }
      }
      return child.stdout
        .split("\n")
        .filter((line) => line.startsWith("sample "))
        .map((line) => {
          const [value, ...extras] = line.slice("sample ".length).trim().split(" ")
          const extra = Object.fromEntries(
            extras.map((pair) => {
              const [key, v] = pair.split("=")
              return [key!, Number(v)]
            })
          )
          return extras.length === 0 ? { value: Number(value) } : { value: Number(value), extra }
        })
    },
    close: () => rmSync(dir, { recursive: true, force: true })
  }
}
