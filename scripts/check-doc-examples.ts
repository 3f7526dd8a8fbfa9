/**
 * Type-checks every TypeScript example in the packages' JSDoc: each ```ts block of a doc comment in
 * `packages/<pkg>/src` becomes a module under `build/doc-examples/<source file>/`, and `tsc` checks
 * them all with the project's strict settings. Errors are reported at the example's line in the
 * source file.
 *
 * What an example may import besides the packages:
 * - a block of the same source file whose first line names it (`// fib.ts: the protocol`) is that
 *   module for the other examples of the file (`import { Fib } from "./fib.ts"`);
 * - otherwise the shared fixtures in `scripts/doc-fixtures/` (`./counter.ts`: a GenServer counter).
 *
 * It also checks that every `@category` in `packages/otp/src`, `packages/platform-node/src` and
 * `packages/cluster/src` is one of {@link categories}, so the generated docs group exports under
 * one short list.
 *
 * usage: npm run check:docs   (npx node scripts/check-doc-examples.ts)
 */
import { execFileSync } from "node:child_process"
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { basename, dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const out = join(root, "build", "doc-examples")
const fixtures = join(root, "scripts", "doc-fixtures")

interface Example {
  readonly file: string
  /** 1-based line of the example's first code line in the source file */
  readonly line: number
  readonly code: string
}

const sourceFiles = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return name.endsWith(".ts") ? [path] : []
  })

/** The ```ts blocks of the doc comments of one file, with the line each starts at. */
const examplesOf = (file: string): Array<Example> => {
  const lines = readFileSync(file, "utf8").split("\n")
  const examples: Array<Example> = []
  let inComment = false
  let block: { line: number; code: Array<string> } | undefined
  lines.forEach((raw, i) => {
    if (!inComment) {
      if (/^\s*\/\*\*/.test(raw)) inComment = true
      else return
    }
    const text = raw.replace(/^\s*\/?\*\*?\/?\s?/, "")
    if (block === undefined) {
      if (/^```(ts|typescript)\s*$/.test(text)) block = { line: i + 2, code: [] }
    } else if (/^```\s*$/.test(text)) {
      examples.push({ file, line: block.line, code: block.code.join("\n") })
      block = undefined
    } else {
      block.code.push(raw.replace(/^\s*\* ?/, ""))
    }
    if (/\*\/\s*$/.test(raw)) {
      inComment = false
      block = undefined
    }
  })
  return examples
}

const packages = ["otp", "platform-node", "cluster", "cli"]
const examples = packages.flatMap((pkg) => sourceFiles(join(root, "packages", pkg, "src")).flatMap(examplesOf))

/** The JSDoc categories of the library packages (the CLI's demos keep their own). */
const categories = new Set([
  // values and types
  "models",
  "constructors",
  "guards",
  "getters",
  "symbols",
  "equivalence",
  "type-level",
  "errors",
  "validation",
  "encoding",
  // processes
  "processes",
  "start",
  "messages",
  "signals",
  "names",
  "reading",
  "awaiting",
  "timers",
  "system",
  "services",
  "layers",
  "running",
  "shutdown",
  // behaviours
  "client",
  "server",
  "references",
  "results",
  "actions",
  "events",
  "timeouts",
  "supervision",
  "children",
  "tasks",
  "streams",
  "worker",
  // tools
  "debugging",
  "probes"
])
const badCategories = ["otp", "platform-node", "cluster"].flatMap((pkg) =>
  sourceFiles(join(root, "packages", pkg, "src")).flatMap((file) =>
    readFileSync(file, "utf8")
      .split("\n")
      .flatMap((line, i) => {
        const category = /@category (.+?)\s*$/.exec(line)?.[1]
        return category === undefined || categories.has(category)
          ? []
          : [
              `${relative(root, file)}:${i + 1}: @category ${category} is not one of the list in scripts/check-doc-examples.ts`
            ]
      })
  )
)

rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })
/** generated path (relative to `out`) -> the example it holds */
const generated = new Map<string, Example>()
for (const file of new Set(examples.map((e) => e.file))) {
  const dir = relative(join(root, "packages"), file).replace(/[/.]/g, "_")
  cpSync(fixtures, join(out, dir), { recursive: true })
  for (const example of examples.filter((e) => e.file === file)) {
    const named = /^\/\/ ([\w-]+\.ts)\b/.exec(example.code)?.[1]
    const name = `${dir}/${named === undefined || named === "main.ts" ? `example_${example.line}.ts` : named}`
    generated.set(name, example)
    // `export {}` keeps an example without imports or exports a module
    writeFileSync(join(out, name), `${example.code}\nexport {}\n`)
  }
}
writeFileSync(
  join(out, "tsconfig.json"),
  JSON.stringify(
    {
      extends: "../../tsconfig.base.json",
      compilerOptions: {
        noEmit: true,
        composite: false,
        incremental: false,
        declaration: false,
        emitDeclarationOnly: false,
        // an example may show a binding it does not use further
        noUnusedLocals: false,
        noUnusedParameters: false
      },
      include: ["**/*.ts"]
    },
    null,
    2
  )
)

let output = ""
try {
  execFileSync(join(root, "node_modules", ".bin", "tsc"), ["-p", join(out, "tsconfig.json"), "--pretty", "false"], {
    cwd: root,
    encoding: "utf8"
  })
} catch (error) {
  output = String((error as { stdout?: string }).stdout ?? error)
}

// build/doc-examples/<name>.ts(line,col): error TSxxxx: message  ->  packages/<file>:<line>: message
const failing = new Set<string>()
const reported = output
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => {
    const m = /^(?:.*[/\\])?build[/\\]doc-examples[/\\]([^(]+)\((\d+),(\d+)\): (.*)$/.exec(l.replace(/\\/g, "/"))
    if (m === null) return `  ${l}`
    const example = generated.get(m[1]!)
    if (example === undefined) return `scripts/doc-fixtures/${basename(m[1]!)}:${m[2]}: ${m[4]}`
    failing.add(m[1]!)
    return `${relative(root, example.file)}:${example.line + Number(m[2]) - 1}:${m[3]}: ${m[4]}`
  })

reported.push(...badCategories)
if (reported.length > 0) console.log(reported.join("\n"))
console.log(
  `doc examples: ${examples.length - failing.size} passed, ${failing.size} failed (${examples.length} examples in ${
    new Set(examples.map((e) => e.file)).size
  } files; fixtures: ${readdirSync(fixtures)
    .map((f) => basename(f))
    .join(", ")})`
)
if (reported.length > 0) process.exit(1)
