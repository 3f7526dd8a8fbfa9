/**
 * `@effect-otp/cluster`: effect-otp's GenServers as sharded entities on `effect/cluster`, with
 * PostgreSQL as the shared store.
 *
 * @since 0.2.0
 */

/** @since 0.2.0 */
export * as ClusterServer from "./ClusterServer.ts"

/** @since 0.2.0 */
export * as Testing from "./Testing.ts"
