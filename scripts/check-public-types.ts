/**
 * Checks that every type a user can reach through the packages' public declarations can be named:
 * the declarations (`.d.ts`) of each public entry point (`src/<Name>.ts` and `src/index.ts`, what
 * `exports` maps `"./*"` and `"."` to) may reference only names that some public entry point
 * exports. A class declared in `internal/` and used in a public signature (say an error in an
 * `Effect`'s error channel) fails the check: a user could not write its name, and TypeScript could
 * not name it in the user's own declarations (TS2742, "cannot be named without a reference to
 * internal/...").
 *
 * How: the packages' sources are compiled to declarations in memory (as `npm run build` would emit
 * them, with every inferred type written out), then every type reference, `typeof` query, heritage
 * clause and `import("...")` type in them is resolved, starting from the public exports and following
 * each declaration reached. A name declared in the packages must be the target of a public export
 * (`export class`, `export interface`, `export type`, `export { X } from`). Members marked
 * `@internal` are not followed: they are the packages' own business.
 *
 * usage: npm run check:public-types   (npx node scripts/check-public-types.ts)
 */
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs"
import { dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const out = join(root, "build", "public-types")
/** The library packages: directory and package name. */
const packages = [
  { dir: "otp", name: "effect-otp" },
  { dir: "platform-node", name: "@effect-otp/platform-node" },
  { dir: "cluster", name: "@effect-otp/cluster" }
] as const

const sourceFiles = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return name.endsWith(".ts") ? [path] : []
  })

const fail = (diagnostics: ReadonlyArray<ts.Diagnostic>): never => {
  console.error(
    ts.formatDiagnosticsWithColorAndContext(diagnostics, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => root,
      getNewLine: () => "\n"
    })
  )
  process.exit(1)
}

// 1. The declarations, as the build emits them (into build/public-types/<dir>/src/...).
const base = ts.getParsedCommandLineOfConfigFile(
  join(root, "tsconfig.base.json"),
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => fail([d])
  }
)
if (base === undefined) throw new Error("tsconfig.base.json")
const emitOptions: ts.CompilerOptions = {
  ...base.options,
  composite: false,
  incremental: false,
  declaration: true,
  emitDeclarationOnly: true,
  declarationMap: false,
  noEmit: false,
  rootDir: join(root, "packages"),
  outDir: out
}
const sources = packages.flatMap((p) => sourceFiles(join(root, "packages", p.dir, "src")))
if (!process.argv.includes("--no-emit")) {
  rmSync(out, { recursive: true, force: true })
  const emitting = ts.createProgram({ rootNames: sources, options: emitOptions })
  const emitted = emitting.emit(undefined, (file, text) => {
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, text)
  })
  if (emitted.emitSkipped) fail(emitted.diagnostics)
}

// 2. A program over the declarations alone, each package's specifiers mapped to its emitted files.
const paths: Record<string, Array<string>> = {}
for (const p of packages) {
  paths[p.name] = [`./${p.dir}/src/index.d.ts`]
  paths[`${p.name}/*`] = [`./${p.dir}/src/*.d.ts`]
}
const entryPoints = packages.flatMap((p) =>
  readdirSync(join(out, p.dir, "src"))
    .filter((f) => f.endsWith(".d.ts"))
    .map((f) => join(out, p.dir, "src", f))
)
const program = ts.createProgram({
  rootNames: entryPoints,
  options: {
    ...base.options,
    composite: false,
    incremental: false,
    noEmit: true,
    customConditions: [],
    module: ts.ModuleKind.Preserve,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    baseUrl: out,
    paths
  }
})
const checker = program.getTypeChecker()
const ours = (file: ts.SourceFile) => file.fileName.startsWith(out)
const where = (node: ts.Node) => {
  const file = node.getSourceFile()
  const { line } = file.getLineAndCharacterOfPosition(node.getStart())
  return `${relative(out, file.fileName).replace(/\.d\.ts$/, ".ts")}:${line + 1}`
}
const resolve = (symbol: ts.Symbol): ts.Symbol =>
  symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol

// The public names: every export of every entry point, resolved through re-exports.
const isPublic = new Set<ts.Symbol>()
const pending: Array<ts.Node> = []
for (const file of entryPoints) {
  const source = program.getSourceFile(file)
  const module = source && checker.getSymbolAtLocation(source)
  if (module === undefined) continue
  for (const exported of checker.getExportsOfModule(module)) {
    const target = resolve(exported)
    isPublic.add(target)
    for (const d of target.declarations ?? []) {
      if (ours(d.getSourceFile())) pending.push(d)
    }
  }
}

const isInternal = (node: ts.Node) =>
  ts.getJSDocTags(node).some((tag) => tag.tagName.text === "internal") ||
  // a JSDoc tag on a member of a d.ts is not attached as JSDoc when the member has modifiers only
  /@internal\b/.test(node.getSourceFile().text.slice(node.getFullStart(), node.getStart()))

/** The names that cannot be named, with one public path that reaches each. */
const unnamed = new Map<ts.Symbol, { readonly declared: string; readonly via: string }>()
const visited = new Set<ts.Node>()
const reference = (name: ts.Node) => {
  const from = where(name)
  const found = checker.getSymbolAtLocation(name)
  if (found === undefined) return
  const symbol = resolve(found)
  if (symbol.flags & ts.SymbolFlags.TypeParameter) return
  const declarations = (symbol.declarations ?? []).filter((d) => ours(d.getSourceFile()))
  if (declarations.length === 0) return
  if (!isPublic.has(symbol) && !isModule(declarations) && !isClassBase(symbol, declarations)) {
    if (!unnamed.has(symbol)) unnamed.set(symbol, { declared: where(declarations[0]!), via: from })
  }
  for (const d of declarations) if (!ts.isSourceFile(d)) pending.push(d)
}
const isModule = (declarations: ReadonlyArray<ts.Declaration>) => declarations.every(ts.isSourceFile)
/** `declare const X_base: ...`, which the emitter writes for `class X extends f(...)`: named by X. */
const isClassBase = (symbol: ts.Symbol, declarations: ReadonlyArray<ts.Declaration>) =>
  symbol.name.endsWith("_base") &&
  declarations.every((d) => ts.isVariableDeclaration(d) && !(ts.getCombinedModifierFlags(d) & ts.ModifierFlags.Export))
const rightmost = (name: ts.EntityName): ts.Node => (ts.isQualifiedName(name) ? name.right : name)
const walk = (node: ts.Node): void => {
  if (node !== undefined && isInternal(node) && !ts.isSourceFile(node)) return
  if (ts.isTypeReferenceNode(node)) reference(rightmost(node.typeName))
  else if (ts.isTypeQueryNode(node)) reference(rightmost(node.exprName))
  else if (ts.isExpressionWithTypeArguments(node)) {
    const e = node.expression
    reference(ts.isPropertyAccessExpression(e) ? e.name : e)
  } else if (ts.isImportTypeNode(node) && node.qualifier !== undefined) reference(rightmost(node.qualifier))
  ts.forEachChild(node, walk)
}
while (pending.length > 0) {
  const node = pending.pop()!
  if (visited.has(node)) continue
  visited.add(node)
  walk(node)
}

if (unnamed.size > 0) {
  const rows = [...unnamed].map(
    ([symbol, { declared, via }]) => `  ${symbol.name}  (${declared}), referenced at ${via}`
  )
  rows.sort()
  console.error(
    `${unnamed.size} names reached from the public declarations are not exported by any public module:\n${rows.join("\n")}`
  )
  process.exit(1)
}
console.log(
  `check:public-types: ${isPublic.size} public names; every name the public declarations reach is one of them`
)
