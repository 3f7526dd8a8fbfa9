/**
 * Calls to functions of Erlang nodes: OTP's `rpc:call/4,5`, through the node's `rex` server.
 *
 * `Rpc.call(node, module, fun, args)` runs `module:fun(args...)` on `node` and gives its result as a
 * term. It needs a distributed node (`Node.layer`): the call connects first when need be.
 *
 * ## Failures
 *
 * - `BadRpc { node, reason }`: `rex` answered `{badrpc, Reason}`: the function raised
 *   (`{'EXIT', ...}`), or the module or function does not exist (`undef`).
 * - The errors of a `GenServer.call`: `NoProc` (no `rex` there: not an Erlang node), `ServerExited`
 *   with `NoConnection` (the connection was lost, or could not be made), `CallTimeout`.
 *
 * ## Differences from Erlang
 *
 * - Output the function writes goes to a group leader of this node that drops it.
 * - An effect-otp node has no `rex`: `Rpc.call` to one fails with `NoProc`.
 *
 * @since 0.2.0
 */
import { Effect, Schema } from "effect"
import { type Errors, GenServer, Node as CoreNode, Pid, Term } from "effect-otp"

/**
 * `rex` answered `{badrpc, Reason}`.
 *
 * @since 0.2.0
 * @category errors
 */
export class BadRpc extends Schema.TaggedError<BadRpc>()("BadRpc", {
  node: Schema.String,
  reason: Schema.Any
}) {
  override get message(): string {
    return `rpc to ${this.node} failed: ${String(this.reason)}`
  }
}

const atom = Term.atom
const badrpc = atom("badrpc")
const callAtom = atom("call")

/**
 * Options of {@link call}.
 *
 * @since 0.2.0
 * @category models
 */
export interface CallOptions {
  /** Default 5 seconds; `"infinity"` waits as long as the connection lives. */
  readonly timeout?: import("effect").Duration.Input | "infinity" | undefined
}

/**
 * Runs `module:fun(args...)` on `node` (Erlang's `rpc:call/4`) and gives its result.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Term } from "effect-otp"
 * import { Rpc } from "@effect-otp/platform-node"
 *
 * // erlang:node() on the node itself
 * const name = Rpc.call("app@127.0.0.1", "erlang", "node", [])
 * // lists:reverse([1, 2, 3])
 * const reversed = Rpc.call("app@127.0.0.1", "lists", "reverse", [[1, 2, 3]])
 * ```
 *
 * @since 0.2.0
 * @category client
 */
export const call = (
  node: string,
  module: string,
  fun: string,
  args: ReadonlyArray<Term.Term>,
  options?: CallOptions
): Effect.Effect<Term.Term, BadRpc | GenServer.CallError | Errors.BadArgument, CoreNode.Node> =>
  Effect.flatMap(Effect.service(CoreNode.Node), (local) => {
    // rex runs the function with this group leader: this node's system pid, which drops io requests
    const groupLeader = Pid.make(local.name, local.creation, 0) as Pid.Pid<never, unknown>
    const request = Term.tuple(callAtom, atom(module), atom(fun), args, groupLeader)
    return Effect.flatMap(
      // a term request declares no reply or error type: the reply is a term, the errors a call's
      GenServer.call(GenServer.remote<Term.Tuple>("rex", node), request, options ?? {}) as Effect.Effect<
        unknown,
        GenServer.CallError | Errors.BadArgument
      >,
      (reply): Effect.Effect<Term.Term, BadRpc> => {
        const result = reply as Term.Term
        if (Term.isTuple(result) && result.elements.length === 2 && result.elements[0] === badrpc) {
          return Effect.fail(new BadRpc({ node, reason: result.elements[1] }))
        }
        return Effect.succeed(result)
      }
    )
  })
