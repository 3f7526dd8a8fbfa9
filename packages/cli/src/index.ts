/**
 * @effect-otp/cli: the `otp` command.
 *
 * @example
 * ```ts
 * import { Cli } from "@effect-otp/cli"
 *
 * Cli.otp // the command tree, run by bin.ts
 * ```
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Cli from "./Cli.ts"
/** @since 0.2.0 */
export * as ClusterDemo from "./demo/ClusterDemo.ts"
/** @since 0.1.0 */
export * as MasteryDemo from "./demo/MasteryDemo.ts"
/** @since 0.2.0 */
export * as ObserverView from "./ObserverView.ts"
