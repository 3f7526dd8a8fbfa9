/**
 * The tables of a keyed registry: plain maps read and written synchronously by the calling fiber.
 *
 * - Key tables, one per partition: key → the entries under it, in registration order. A unique
 *   registry puts a key in the partition of the key's hash; a duplicate registry puts an entry in
 *   the partition of its owner's pid, as Elixir does (so a lookup on a duplicate registry reads
 *   every partition).
 * - The owner table: process → its entries. The registry adds one exit listener per owner (not per
 *   entry); when the owner exits, the listener removes all its entries in one synchronous step, and
 *   when an owner's last entry is unregistered, the listener is removed (Elixir unlinks then).
 *
 * Every entry carries a registry-wide sequence number, so answers that gather entries from several
 * partitions come back in registration order: a partitioned registry answers exactly as one
 * partition does.
 *
 * Reads skip entries whose owner has exited: the kernel marks a process exited before it runs the
 * exit listeners, so no read ever returns a dead owner, even in the middle of an exit.
 *
 * @internal
 */
import { Equal, Hash, MutableHashMap, Option } from "effect"
import type * as ExitReason from "../ExitReason.ts"
import * as kernel from "./kernel.ts"

/** @internal */
export type Keys = "unique" | "duplicate"

/** @internal */
export interface Entry {
  readonly owner: kernel.ProcessRecord
  readonly key: unknown
  readonly value: unknown
  readonly seq: number
  readonly partition: number
}

interface Owner {
  readonly entries: Set<Entry>
  readonly listener: (reason: ExitReason.ExitReason) => void
}

/** @internal */
export class RegistryState {
  readonly keys: Keys
  readonly name: string
  readonly tables: ReadonlyArray<MutableHashMap.MutableHashMap<unknown, Set<Entry>>>
  readonly owners = new Map<kernel.ProcessRecord, Owner>()
  readonly meta: MutableHashMap.MutableHashMap<unknown, unknown>
  /** the registry's own process, once started */
  record: kernel.ProcessRecord | undefined = undefined
  closed = false
  private seq = 0

  constructor(keys: Keys, name: string, partitions: number, meta: Iterable<readonly [unknown, unknown]>) {
    this.keys = keys
    this.name = name
    this.tables = Array.from({ length: partitions }, () => MutableHashMap.empty<unknown, Set<Entry>>())
    this.meta = MutableHashMap.fromIterable(meta)
  }

  get partitions(): number {
    return this.tables.length
  }

  /** Unique keys are spread by the key's hash, duplicate entries by their owner's pid (as Elixir). */
  private partitionOf(key: unknown, owner: kernel.ProcessRecord): number {
    return this.keys === "unique" ? this.keyPartition(key) : owner.pid.id % this.tables.length
  }

  private keyPartition(key: unknown): number {
    const n = this.tables.length
    return n === 1 ? 0 : (Hash.hash(key) >>> 0) % n
  }

  /**
   * Registers `owner` under `key` with `value`. On a unique registry whose key a live process
   * holds (the owner itself included), changes nothing and returns that process.
   */
  register(owner: kernel.ProcessRecord, key: unknown, value: unknown): kernel.ProcessRecord | undefined {
    const partition = this.partitionOf(key, owner)
    const table = this.tables[partition]!
    let bucket = Option.getOrUndefined(MutableHashMap.get(table, key))
    if (this.keys === "unique" && bucket !== undefined) {
      for (const held of bucket) {
        if (held.owner.status !== "exited") return held.owner
        // the holder is exiting and its listener has not run yet: the key is free (Elixir checks
        // `Process.alive?` the same way)
        this.remove(held)
      }
    }
    if (bucket === undefined || bucket.size === 0) {
      // an eviction may have emptied the bucket and taken it out of the table
      bucket = new Set()
      MutableHashMap.set(table, key, bucket)
    }
    const entry: Entry = { owner, key, value, seq: this.seq++, partition }
    bucket.add(entry)
    let tracked = this.owners.get(owner)
    if (tracked === undefined) {
      const listener = () => this.removeOwner(owner)
      tracked = { entries: new Set(), listener }
      this.owners.set(owner, tracked)
      kernel.addExitListener(owner, listener)
    }
    tracked.entries.add(entry)
    return undefined
  }

  /** Removes `owner`'s entries under `key` whose value `predicate` accepts (all when none is given). */
  unregister(owner: kernel.ProcessRecord, key: unknown, predicate?: (value: unknown) => boolean): void {
    const tracked = this.owners.get(owner)
    if (tracked === undefined) return
    for (const entry of tracked.entries) {
      if (Equal.equals(entry.key, key) && (predicate === undefined || predicate(entry.value))) this.remove(entry)
    }
  }

  /** The live entries under `key`, in registration order. */
  lookup(key: unknown): Array<Entry> {
    if (this.keys === "unique" || this.tables.length === 1) {
      const table = this.tables[this.keyPartition(key)]!
      const bucket = Option.getOrUndefined(MutableHashMap.get(table, key))
      return bucket === undefined ? [] : live(bucket)
    }
    const out: Array<Entry> = []
    for (const table of this.tables) {
      const bucket = Option.getOrUndefined(MutableHashMap.get(table, key))
      if (bucket !== undefined) for (const entry of bucket) if (entry.owner.status !== "exited") out.push(entry)
    }
    return out.sort(bySeq)
  }

  /** The entries of a live owner, in registration order. */
  entriesOf(owner: kernel.ProcessRecord | undefined): Array<Entry> {
    if (owner === undefined || owner.status === "exited") return []
    const tracked = this.owners.get(owner)
    return tracked === undefined ? [] : Array.from(tracked.entries)
  }

  /** How many live entries. */
  count(): number {
    let n = 0
    for (const [owner, tracked] of this.owners) if (owner.status !== "exited") n += tracked.entries.size
    return n
  }

  /** Drops everything and detaches from every owner (the registry has stopped). */
  close(): void {
    this.closed = true
    for (const [owner, tracked] of this.owners) kernel.removeExitListener(owner, tracked.listener)
    this.owners.clear()
    for (const table of this.tables) MutableHashMap.clear(table)
  }

  private remove(entry: Entry): void {
    const table = this.tables[entry.partition]!
    const bucket = Option.getOrUndefined(MutableHashMap.get(table, entry.key))
    if (bucket?.delete(entry) && bucket.size === 0) MutableHashMap.remove(table, entry.key)
    const tracked = this.owners.get(entry.owner)
    if (tracked?.entries.delete(entry) && tracked.entries.size === 0) {
      this.owners.delete(entry.owner)
      kernel.removeExitListener(entry.owner, tracked.listener)
    }
  }

  private removeOwner(owner: kernel.ProcessRecord): void {
    const tracked = this.owners.get(owner)
    if (tracked === undefined) return
    this.owners.delete(owner)
    for (const entry of tracked.entries) {
      const table = this.tables[entry.partition]!
      const bucket = Option.getOrUndefined(MutableHashMap.get(table, entry.key))
      if (bucket?.delete(entry) && bucket.size === 0) MutableHashMap.remove(table, entry.key)
    }
  }
}

const bySeq = (a: Entry, b: Entry): number => a.seq - b.seq

const live = (bucket: Set<Entry>): Array<Entry> => {
  const out: Array<Entry> = []
  for (const entry of bucket) if (entry.owner.status !== "exited") out.push(entry)
  return out
}

/** The registry of each registry process. */
const states = new WeakMap<kernel.ProcessRecord, RegistryState>()

/** Binds a registry's tables to its process. */
export const bind = (record: kernel.ProcessRecord, state: RegistryState): void => {
  state.record = record
  states.set(record, state)
}

/** The open registry run by this process, if it is one. */
export const stateOf = (record: kernel.ProcessRecord | undefined): RegistryState | undefined => {
  if (record === undefined || record.status === "exited") return undefined
  const state = states.get(record)
  return state === undefined || state.closed ? undefined : state
}

/** The open registry registered as `name` on `node`, if any. */
export const byName = (node: kernel.NodeState, name: string): RegistryState | undefined => stateOf(node.names.get(name))
