/**
 * The nodes of this OS process: a stable small index per (name, creation) for printing pids, and the
 * live nodes by key so that a pid decoded from its parts still reaches its process.
 *
 * @internal
 */
/**
 * @internal A node as pids name it: its name, creation and index, one object per (name, creation)
 * in this OS process, which every pid of that node shares (a pid holds one field for its node).
 */
export interface NodeRef {
  readonly name: string
  readonly creation: number
  readonly index: number
}

const refs = new Map<string, NodeRef>()
const live = new Map<string, unknown>()
let creations = 0
let last: NodeRef | undefined

const keyOf = (node: string, creation: number) => `${node}#${creation}`

/** @internal the next creation number: unique per node instance in this OS process */
export const nextCreation = (): number => ++creations

/** @internal The shared {@link NodeRef} of (node, creation). */
export const nodeRefOf = (node: string, creation: number): NodeRef => {
  // pids decoded one after another are mostly of one node
  if (last !== undefined && last.name === node && last.creation === creation) return last
  const key = keyOf(node, creation)
  let ref = refs.get(key)
  if (ref === undefined) {
    ref = { name: node, creation, index: refs.size }
    refs.set(key, ref)
  }
  return (last = ref)
}

/** @internal */
export const nodeIndexOf = (node: string, creation: number): number => nodeRefOf(node, creation).index

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
