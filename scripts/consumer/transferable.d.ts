// effect 4.1.5's `effect/rpc/RpcClient.d.ts` names the DOM's global `Transferable`, which a Node-only project (no
// "DOM" in `lib`) does not have: with `skipLibCheck: false`, a project that reaches effect/rpc's types (through
// @effect-otp/cluster, whose entities are effect/cluster's, built on effect/rpc) declares it, as the cluster
// package's README says.
declare global {
  type Transferable = import("node:worker_threads").Transferable
}
export {}
