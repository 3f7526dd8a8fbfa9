/**
 * The node behind the `Node` service: the service's value is always a `NodeImpl`, whose state is
 * the kernel's `NodeState`. The one place that turns the public face into the kernel's record.
 *
 * @internal
 */
import { Context, Effect, type Fiber } from "effect"
import { Node } from "../Node.ts"
import type * as Pid from "../Pid.ts"
import { callerOf, isRemote, type NodeState, type ProcessRecord, sendRemote } from "./kernel.ts"

/** The current node's state. */
export const currentNode: Effect.Effect<NodeState, never, Node> = Effect.service(Node) as Effect.Effect<
  any,
  never,
  Node
>

/** The kernel's state behind a `Node` service value. */
export const stateOf = (node: Node["Service"]): NodeState => node as NodeState & Node["Service"]

/** The state of the node in `fiber`'s context (the types guarantee it is there). */
export const nodeOf = (fiber: Fiber.Fiber<unknown, unknown>): NodeState =>
  Context.getUnsafe(fiber.context, Node) as NodeState & Node["Service"]

/** The node of the process or plain fiber sending: the process's own, else the `Node` service's. */
export const senderNodeOf = (fiber: Fiber.Fiber<unknown, unknown>): NodeState | undefined => {
  const caller = callerOf(fiber)
  if (caller !== undefined) return caller.node
  return Context.getOrUndefined(fiber.context, Node) as NodeState | undefined
}

/**
 * Where a message to `dest` goes when its record is unknown here or lives on a distributed node:
 * another node's pid goes through the sender's transport (and `undefined` is returned); a local one
 * gives its record.
 */
export const route = (
  fiber: Fiber.Fiber<unknown, unknown>,
  dest: Pid.Pid<never, unknown>,
  record: ProcessRecord | undefined,
  message: unknown
): ProcessRecord | undefined => {
  const node = senderNodeOf(fiber)
  if (node !== undefined && isRemote(node, dest)) {
    const caller = callerOf(fiber)
    sendRemote(node, caller === undefined ? node.systemPid : caller.pid, dest, message)
    return undefined
  }
  return record
}
