/**
 * Measurement hack (never for production): hide AsyncResource from Effect, which creates one per
 * fiber suspension to carry AsyncLocalStorage across; loaded with --import before effect.
 */
const original = process.getBuiltinModule.bind(process)
;(process as { getBuiltinModule: (id: string) => unknown }).getBuiltinModule = (id: string) =>
  id === "node:async_hooks" || id === "async_hooks" ? {} : original(id as never)
