/**
 * Counts the hops of the event loop a process makes: `setImmediate` and `queueMicrotask` calls, and
 * the `readable` / `data` events of its sockets. Loaded with `--import` (or imported first), it
 * puts the counters on `globalThis.__hops`; `tools/dist.ts` loads it in both processes of the
 * distribution scenarios (the peer answers a frame `c` with its counters).
 * usage: npx node --import ./bench/tools/hops.ts …
 */
import * as net from "node:net"

export interface Hops {
  setImmediate: number
  queueMicrotask: number
  readable: number
  data: number
}

const hops: Hops = { setImmediate: 0, queueMicrotask: 0, readable: 0, data: 0 }
;(globalThis as { __hops?: Hops }).__hops = hops

const setImmediateOriginal = globalThis.setImmediate
;(globalThis as any).setImmediate = (...args: Array<any>) => {
  hops.setImmediate++
  return (setImmediateOriginal as any)(...args)
}
const queueMicrotaskOriginal = globalThis.queueMicrotask
globalThis.queueMicrotask = (f) => {
  hops.queueMicrotask++
  queueMicrotaskOriginal(f)
}
const emit = net.Socket.prototype.emit
net.Socket.prototype.emit = function (this: net.Socket, event: string | symbol, ...args: Array<any>) {
  if (event === "readable") hops.readable++
  else if (event === "data") hops.data++
  return (emit as (...a: Array<unknown>) => boolean).call(this, event, ...args)
} as typeof emit

/** The counters now (a copy). */
export const snapshot = (): Hops => ({ ...hops })
