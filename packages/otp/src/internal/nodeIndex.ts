/**
 * The nodes of this OS process: one shared reference per (name, creation), with a stable small
 * index for printing pids, and the live nodes by reference so that a pid decoded from its parts
 * still reaches its process.
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
/** the nodes running in this OS process, by their reference */
const live = new Map<NodeRef, unknown>()
let creations = 0
let last: NodeRef | undefined

/** @internal the next creation number: unique per node instance in this OS process */
export const nextCreation = (): number => ++creations

/** @internal The shared {@link NodeRef} of (node, creation). */
export const nodeRefOf = (node: string, creation: number): NodeRef => {
  // pids decoded one after another are mostly of one node
  if (last !== undefined && last.name === node && last.creation === creation) return last
  const key = `${node}#${creation}`
  let ref = refs.get(key)
  if (ref === undefined) {
    ref = { name: node, creation, index: refs.size }
    refs.set(key, ref)
  }
  return (last = ref)
}

/** @internal */
export const registerLive = (ref: NodeRef, state: unknown): void => {
  live.set(ref, state)
}

/** @internal */
export const unregisterLive = (ref: NodeRef): void => {
  live.delete(ref)
}

/** @internal The node of this OS process that `ref` names, while it runs. */
export const findLive = (ref: NodeRef): unknown => live.get(ref)
