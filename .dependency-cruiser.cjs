// The import rules of ARCHITECTURE.md, checked by `npm run check:imports` (dependency-cruiser).
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycle",
      comment: "No import cycle at run time (type-only imports, erased at run time, may point back).",
      severity: "error",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } }
    },
    {
      name: "no-other-package-internals",
      comment: "A package uses another package through its public modules, never its internal/.",
      severity: "error",
      from: { path: "^packages/([^/]+)/" },
      to: { path: "^packages/[^/]+/src/internal/", pathNot: "^packages/$1/" }
    },
    {
      name: "core-is-platform-independent",
      comment: "effect-otp (packages/otp/src) imports no node: module.",
      severity: "error",
      from: { path: "^packages/otp/src/" },
      to: { dependencyTypes: ["core"] }
    },
    {
      name: "no-upward-layers",
      comment: "The core imports neither platform-node nor the cli; platform-node and cluster do not import the cli.",
      severity: "error",
      from: { path: "^packages/(otp|platform-node|cluster)/src/" },
      to: { path: "^packages/cli/" }
    },
    {
      name: "cluster-is-a-leaf-library",
      comment: "Nothing below the cli imports @effect-otp/cluster: the core and platform-node do not depend on it.",
      severity: "error",
      from: { path: "^packages/(otp|platform-node)/src/" },
      to: { path: "^packages/cluster/" }
    },
    {
      name: "core-not-platform",
      severity: "error",
      from: { path: "^packages/otp/src/" },
      to: { path: "^packages/platform-node/" }
    },
    {
      name: "sources-not-tests-or-bench",
      comment: "Library sources never import tests, the bench or the scratchpad.",
      severity: "error",
      from: { path: "^packages/[^/]+/src/" },
      to: { path: "(^packages/[^/]+/test/|^bench/|^scratchpad/)" }
    }
  ],
  options: {
    tsPreCompilationDeps: true,
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(dist|build)/" },
    enhancedResolveOptions: {
      // resolve the workspace packages to their sources, as the monorepo's tools do
      conditionNames: ["@effect-otp/source", "import", "types", "default"],
      exportsFields: ["exports"]
    }
  }
}
