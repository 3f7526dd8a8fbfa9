/**
 * The consumer check: uses the packages the way a user does, from a project outside the monorepo.
 * Run it with `npm run consumer-check` (CI runs it from `.ci/run`; it builds first).
 *
 * 1. Builds the packages (`npm run build`), packs `effect-otp`, `@effect-otp/platform-node`,
 *    `@effect-otp/cluster` and `@effect-otp/cli` with `npm pack`, prints each tarball's size, and
 *    lints each tarball with `publint` and `@arethetypeswrong/cli` (any error fails the check).
 * 2. Makes a fresh project in a temporary directory and installs the tarballs plus `effect` and
 *    `@effect/platform-node` from the registry, then `node@24`, `typescript` and `@types/node` as
 *    dev dependencies, and approves `node`'s install script: the README's "Use it in your project"
 *    steps. It checks that the project has
 *    exactly one copy of `effect`.
 * 3. Runs the README's examples (hello, supervision), a WorkerPool call and a ClusterServer entity
 *    on a single in-memory runner (`cluster.ts`) with the project's Node (`npx node file.ts`, the
 *    user's own TypeScript run by Node 24, the packages' built JavaScript under `node_modules`); type-checks them and `scripts/consumer/types.ts` with `tsc`
 *    (strict) under `moduleResolution` `NodeNext` and `Bundler`; runs `npx otp --help`,
 *    `npx otp demo mastery --scripted`, `npx otp demo cluster-entities` and `npx otp demo cluster`.
 *
 * The project's commands run as a user's would: with the machine's PATH (without the monorepo's
 * `node_modules/.bin`), without the monorepo's `NODE_OPTIONS` (the `@effect-otp/source`
 * condition) and npm settings. `KEEP_CONSUMER=1` keeps the temporary directory.
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const fixtures = path.join(root, "scripts", "consumer")
const packages = ["packages/otp", "packages/platform-node", "packages/cluster", "packages/cli"]
const rootManifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"))
const pinned = (name: string): string => `${name}@${rootManifest.devDependencies[name]}`
const effectRange = JSON.parse(fs.readFileSync(path.join(root, "packages/otp/package.json"), "utf8")).peerDependencies
  .effect as string

const started = performance.now()
const seconds = (since: number): string => `${((performance.now() - since) / 1000).toFixed(1)} s`

/** Runs a command; prints it, its time and (on failure) its output; returns its stdout. */
const run = (command: string, args: ReadonlyArray<string>, options: { cwd: string; env?: NodeJS.ProcessEnv }) => {
  const since = performance.now()
  process.stdout.write(`$ ${[command, ...args].join(" ")}\n`)
  try {
    const stdout = execFileSync(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024
    })
    process.stdout.write(`  (${seconds(since)})\n`)
    return stdout
  } catch (error) {
    const failed = error as { status?: number; stdout?: string; stderr?: string }
    process.stdout.write(`${failed.stdout ?? ""}${failed.stderr ?? ""}`)
    throw new Error(`failed (exit code ${failed.status}): ${[command, ...args].join(" ")}`)
  }
}

const expect = (what: string, ok: boolean, output: string) => {
  if (!ok) {
    process.stdout.write(output)
    throw new Error(`unexpected output: ${what}`)
  }
  process.stdout.write(`  ok: ${what}\n`)
}

// The environment of a user's shell: no monorepo bin directory on PATH, no NODE_OPTIONS, no npm
// settings inherited from the npm that runs this script.
const userEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([name]) => name !== "NODE_OPTIONS" && !name.toLowerCase().startsWith("npm_") && name !== "INIT_CWD"
  )
)
userEnv.PATH = (process.env.PATH ?? "")
  .split(path.delimiter)
  .filter((entry) => entry !== "" && !path.resolve(entry).startsWith(root))
  .join(path.delimiter)

const temp = fs.mkdtempSync(path.join(os.tmpdir(), "effect-otp-consumer-"))
const tarballs = path.join(temp, "tarballs")
const project = path.join(temp, "project")
fs.mkdirSync(tarballs)
fs.mkdirSync(project)

try {
  // 1. build, pack, lint the tarballs
  run("npm", ["run", "build"], { cwd: root })
  const packed: Array<{ filename: string; size: number; unpackedSize: number; entryCount: number }> = JSON.parse(
    run("npm", ["pack", "--json", "--pack-destination", tarballs, ...packages.flatMap((p) => ["--workspace", p])], {
      cwd: root
    })
  )
  const files = packed.map((p) => path.join(tarballs, p.filename))
  for (const p of packed) {
    process.stdout.write(
      `  ${p.filename}: ${(p.size / 1024).toFixed(1)} kB packed, ${(p.unpackedSize / 1024).toFixed(1)} kB unpacked, ${p.entryCount} files\n`
    )
  }
  const bin = (name: string) => path.join(root, "node_modules", ".bin", name)
  for (const file of files) {
    run(bin("publint"), ["run", file, "--level", "warning", "--strict"], { cwd: root })
    run(bin("attw"), [file, "--profile", "esm-only", "--format", "table-flipped"], { cwd: root })
  }

  // 2. a fresh project: the README's install steps
  fs.writeFileSync(
    path.join(project, "package.json"),
    `${JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2)}\n`
  )
  const npmInstall = ["install", "--no-audit", "--no-fund", "--prefer-offline"]
  run("npm", [...npmInstall, ...files, `effect@${effectRange}`, `@effect/platform-node@${effectRange}`], {
    cwd: project,
    env: userEnv
  })
  run("npm", [...npmInstall, "--save-dev", pinned("node"), pinned("typescript"), pinned("@types/node")], {
    cwd: project,
    env: userEnv
  })
  run("npm", ["install-scripts", "approve", "node"], { cwd: project, env: userEnv })
  const effects = run("npm", ["ls", "effect", "--all", "--parseable"], { cwd: project, env: userEnv })
    .split("\n")
    .filter((line) => line.trim() !== "")
  expect("one copy of effect", new Set(effects).size === 1, effects.join("\n"))

  // 3. run, type-check, and the otp command
  for (const file of fs.readdirSync(fixtures)) fs.copyFileSync(path.join(fixtures, file), path.join(project, file))
  for (const example of ["hello.ts", "supervision.ts"]) {
    fs.copyFileSync(path.join(root, "examples", example), path.join(project, example))
  }
  const npx = (...args: Array<string>) => run("npx", ["--no-install", ...args], { cwd: project, env: userEnv })
  const version = npx("node", "--version").trim()
  expect(`npx node is Node >= 22.19 (${version})`, /^v(2[3-9]|22\.(19|[2-9]\d))/.test(version), version)
  // `otp`'s `#!/usr/bin/env node` finds the same Node as `npx node`: npx puts the project's
  // node_modules/.bin first on PATH
  const shebangNode = run("npm", ["exec", "--call", "command -v node"], { cwd: project, env: userEnv }).trim()
  expect(
    "npx runs bins with the project's node",
    shebangNode === path.join(project, "node_modules", ".bin", "node"),
    shebangNode
  )
  const hello = npx("node", "hello.ts")
  expect("hello: the caller exits normally", hello.includes("caller exited: normal"), hello)
  const supervision = npx("node", "supervision.ts")
  expect("supervision: the client survives the restart", supervision.includes("{ before: 2, after: 1 }"), supervision)
  const pool = npx("node", "pool.ts")
  expect(
    "WorkerPool: run, map and a declared error",
    pool.trim() === JSON.stringify({ one: 6765, all: [55, 89, 144], safe: "TooBig 50" }),
    pool
  )
  const cluster = npx("node", "cluster.ts")
  expect(
    "ClusterServer: calls on a single runner and a declared error",
    cluster.trim() === JSON.stringify({ alice: 10, bob: 3, overdrawn: "Overdrawn 3" }),
    cluster
  )
  npx("tsc", "-p", "tsconfig.nodenext.json")
  npx("tsc", "-p", "tsconfig.bundler.json")
  const help = npx("otp", "--help")
  expect("npx otp --help", help.includes("demo"), help)
  const demo = npx("otp", "demo", "mastery", "--scripted")
  expect(
    "npx otp demo mastery --scripted",
    demo.includes('Mastered "Basics"') && demo.includes("0 processes left on the node."),
    demo
  )
  const entities = npx("otp", "demo", "cluster-entities")
  expect(
    "npx otp demo cluster-entities",
    entities.includes("Every call answered (48); each visitor's count went on where it was."),
    entities
  )
  const distribution = npx("otp", "demo", "cluster")
  expect(
    "npx otp demo cluster",
    distribution.includes("nodedown beta@127.0.0.1 (connection closed)") && distribution.includes(". Done."),
    distribution
  )
  process.stdout.write(`consumer check passed in ${seconds(started)}\n`)
} finally {
  if (process.env.KEEP_CONSUMER === "1") process.stdout.write(`kept ${temp}\n`)
  else fs.rmSync(temp, { recursive: true, force: true })
}
