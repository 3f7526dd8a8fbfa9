/**
 * The node behind the `Node` service: the service's value is always a `NodeImpl`, whose state is
 * the kernel's `NodeState`. The one place that turns the public face into the kernel's record.
 *
 * @internal
 */
import { Context, Effect, type Fiber } from "effect"
import { Node } from "../Node.ts"
import type { NodeState } from "./kernel.ts"

/** The current node's state. */
export const currentNode: Effect.Effect<NodeState, never, Node> = Effect.service(Node) as Effect.Effect<
  any,
  never,
  Node
>

/** The state of the node in `fiber`'s context (the types guarantee it is there). */
export const nodeOf = (fiber: Fiber.Fiber<unknown, unknown>): NodeState =>
  Context.getUnsafe(fiber.context, Node) as NodeState & Node["Service"]
