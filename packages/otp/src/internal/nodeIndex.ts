/**
 * The nodes of this OS process: a stable small index per (name, creation) for printing pids, and the
 * live nodes by key so that a pid decoded from its parts still reaches its process.
 *
 * @internal
 */
const indexes = new Map<string, number>()
const live = new Map<string, unknown>()
let creations = 0

const keyOf = (node: string, creation: number) => `${node}#${creation}`

/** @internal the next creation number: unique per node instance in this OS process */
export const nextCreation = (): number => ++creations

/** @internal */
export const nodeIndexOf = (node: string, creation: number): number => {
  const key = keyOf(node, creation)
  let index = indexes.get(key)
  if (index === undefined) {
    index = indexes.size
    indexes.set(key, index)
  }
  return index
}

/** @internal */
export const registerLive = (node: string, creation: number, state: unknown): void => {
  live.set(keyOf(node, creation), state)
  nodeIndexOf(node, creation)
}

/** @internal */
export const unregisterLive = (node: string, creation: number): void => {
  live.delete(keyOf(node, creation))
}

/** @internal */
export const findLive = (node: string, creation: number): unknown => live.get(keyOf(node, creation))
