/**
 * Helpers shared by the scenarios.
 */
import { Effect, type Layer, Logger, type Scheduler } from "effect"
import { Node } from "effect-otp"

export const now = (): number => performance.now()

/** Effect that reads the clock, for timing inside a program. */
export const nowEffect: Effect.Effect<number> = Effect.sync(now)

let scheduler: Scheduler.Scheduler | undefined

/**
 * For experiments (scratchpad/bench-*.ts): run the Effect implementations, (b) and (c), on another
 * scheduler. The bench itself always uses Effect's default scheduler.
 */
export const setScheduler = (s: Scheduler.Scheduler | undefined): void => {
  scheduler = s
}

let wrapper: (<A>(effect: Effect.Effect<A>) => Effect.Effect<A>) | undefined

/** For probes (scratchpad/bench-ops.ts): wrap every program the scenarios run, e.g. with a tracer. */
export const setWrapper = (w: (<A>(effect: Effect.Effect<A>) => Effect.Effect<A>) | undefined): void => {
  wrapper = w
}

/** Runs an Effect program on the default runtime. */
export const run = <A>(effect: Effect.Effect<A>): Promise<A> =>
  Effect.runPromise(
    wrapper === undefined ? effect : wrapper(effect),
    scheduler === undefined ? undefined : { scheduler }
  )

let nodeScheduler: "effect" | "runQueue" | undefined

/**
 * `--effect-scheduler` / `--run-queue`: effect-otp's nodes run their processes on that scheduler
 * (`Node.layer({ scheduler })`); undefined: the node's default.
 */
export const setNodeScheduler = (s: "effect" | "runQueue" | undefined): void => {
  nodeScheduler = s
}

/** Runs an effect-otp program on a fresh node; the node is shut down after the program (untimed). */
export const runOnNode = <A>(effect: Effect.Effect<A, never, Node.Node>): Promise<A> =>
  runOnNodeWith(nodeScheduler, effect)

/** {@link runOnNode} on a given scheduler, whatever the command line says. */
export const runOnNodeWith = <A>(
  scheduler: "effect" | "runQueue" | undefined,
  effect: Effect.Effect<A, never, Node.Node>
): Promise<A> => run(Effect.provide(effect, Node.layer(scheduler === undefined ? undefined : { scheduler })))

/** A logger layer that drops everything: crash reports must not flood the table. */
export const silentLogger: Layer.Layer<never> = Logger.layer([])

/** A pre-made crash: throwing it costs no stack capture, the same in every implementation. */
export class Crash extends Error {
  constructor() {
    super("crash (benchmark)")
    this.name = "Crash"
  }
}
export const crash = new Crash()

/** Microseconds per item from a total in milliseconds. */
export const usPer = (ms: number, n: number): number => (ms * 1000) / n

/** Nanoseconds per item from a total in milliseconds. */
export const nsPer = (ms: number, n: number): number => (ms * 1e6) / n

/** A promise with its resolver, for plain-JS completions. */
export const deferred = <A>(): { readonly promise: Promise<A>; readonly resolve: (a: A) => void } => {
  let resolve!: (a: A) => void
  const promise = new Promise<A>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

/**
 * Imports a module that may not load yet because an effect-otp module it uses does not exist
 * (GenServer and Supervisor were written after this harness): `{ missing }` says which, and the
 * harness reports that implementation as n/a. Any other error is thrown.
 */
export const importOptional = async <M>(
  specifier: string,
  parent: string
): Promise<M | { readonly missing: string }> => {
  try {
    // a relative specifier keeps the parent's query (scratchpad/bench-redirect.ts selects variants by it)
    const url = specifier.startsWith(".") ? `${new URL(specifier, parent).href}${new URL(parent).search}` : specifier
    return (await import(url)) as M
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === "ERR_MODULE_NOT_FOUND" || code === "ERR_PACKAGE_PATH_NOT_EXPORTED") {
      const what = /['"]([^'"]*effect-otp[^'"]*)['"]/.exec(String((error as Error).message))?.[1] ?? specifier
      return { missing: `not available yet: ${what}` }
    }
    throw error
  }
}
