/**
 * @effect-otp/platform-node: effect-otp on Node.js.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as WorkerPool from "./WorkerPool.ts"
/** @since 0.1.0 */
export * as Application from "./Application.ts"
/** @since 0.1.0 */
export * as ThreadedGenServer from "./ThreadedGenServer.ts"
/** @since 0.2.0 */
export * as Epmd from "./Epmd.ts"
/** @since 0.2.0 */
export * as Port from "./Port.ts"
/** @since 0.2.0 */
export * as Node from "./Node.ts"
/** @since 0.2.0 */
export * as Rpc from "./Rpc.ts"
/** @since 0.2.0 */
export * as Reload from "./Reload.ts"
/** @since 0.2.0 */
export * as ObserverHttp from "./ObserverHttp.ts"
/** @since 0.2.0 */
export * as Global from "./Global.ts"
/** @since 0.2.0 */
export * as ObserverRemote from "./ObserverRemote.ts"
