/**
 * Names a process can be started under: a local name (a string, in the node's name table) or a
 * `via` name (a name kept by some other registry, such as a `Registry` key). This is the one place
 * behaviours register and resolve names, so GenServer, Supervisor, DynamicSupervisor and GenStatem
 * all accept the same `name` option.
 *
 * A `via` name is an object that knows how to register a process and how to find it, like
 * Erlang's `{via, Module, Name}` with its `register_name/2` and `whereis_name/1`: any module can
 * make one, the behaviours do not need to know which registry it is.
 *
 * Usage from a behaviour (inside the process being started):
 *
 * ```
 * const taken = Name.register(name, record)   // undefined, or AlreadyRegistered with the holder
 * const record = Name.resolve(node, name)     // the live process under that name now, if any
 * ```
 *
 * A name is freed when its process exits: the kernel frees local names, and a `via` registry is
 * expected to observe the exit itself (the `Registry` does, through the process's exit listeners).
 *
 * @internal
 */
import * as Errors from "../Errors.ts"
import * as kernel from "./kernel.ts"

/** @internal */
export const ViaTypeId: unique symbol = Symbol.for("effect-otp/Name/Via")

/**
 * A name kept by a registry other than the node's name table.
 *
 * @internal
 */
export interface Via {
  readonly [ViaTypeId]: typeof ViaTypeId
  /**
   * Registers `record` (a live process, the caller itself in a behaviour's start) under this name.
   * Returns the live process that already holds it, or `undefined` when the name is now `record`'s.
   */
  readonly registerName: (record: kernel.ProcessRecord) => kernel.ProcessRecord | undefined
  /** The live process registered under this name on `node` now, if any. */
  readonly whereisName: (node: kernel.NodeState) => kernel.ProcessRecord | undefined
  /** How the name reads in errors and logs. */
  readonly label: string
}

/**
 * A process name: a local name, or a `via` name.
 *
 * @internal
 */
export type Name = string | Via

/** @internal */
export const isVia = (u: unknown): u is Via => typeof u === "object" && u !== null && ViaTypeId in u

/**
 * How a name reads in errors and logs.
 *
 * @internal
 */
export const format = (name: Name): string => (typeof name === "string" ? name : name.label)

/**
 * Registers `record` under `name`. Returns `AlreadyRegistered` (with the holder's pid) when the
 * name is taken by a live process, else `undefined`.
 *
 * @internal
 */
export const register = (name: Name, record: kernel.ProcessRecord): Errors.AlreadyRegistered | undefined => {
  if (typeof name !== "string") {
    const holder = name.registerName(record)
    return holder === undefined
      ? undefined
      : new Errors.AlreadyRegistered({ registeredName: name.label, pid: holder.pid })
  }
  const node = record.node
  const holder = node.names.get(name)
  if (holder !== undefined && holder.status !== "exited") {
    return new Errors.AlreadyRegistered({ registeredName: name, pid: holder.pid })
  }
  kernel.registerName(record, name)
  return undefined
}

/**
 * The live process registered under `name` on `node` now, if any.
 *
 * @internal
 */
export const resolve = (node: kernel.NodeState, name: Name): kernel.ProcessRecord | undefined => {
  const record = typeof name === "string" ? node.names.get(name) : name.whereisName(node)
  return record !== undefined && record.status !== "exited" ? record : undefined
}
