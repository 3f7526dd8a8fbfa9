/**
 * EPMD, the Erlang Port Mapper Daemon (`erts/doc/guides/erl_dist_protocol.md`, "EPMD Protocol"):
 * the name service of an Erlang cluster. A node registers its name and distribution port with the
 * EPMD of its host and stays registered while the registration's connection is open; other nodes
 * ask that EPMD for the port of a name before they connect.
 *
 * - {@link register} (`ALIVE2_REQ`): registers a node for as long as the current `Scope` lives,
 *   and answers the node's creation number;
 * - {@link lookup} (`PORT_PLEASE2_REQ`): the port and versions of a registered node;
 * - {@link names} (`NAMES_REQ`): every registered name and its port;
 * - {@link serve}: an embedded EPMD for a machine that runs none, compatible with Erlang's own
 *   (an `erl -name` node can register with it and look names up).
 *
 * Everything talks over TCP with Effect's sockets (`@effect/platform-node`'s `NodeSocket`). The
 * default EPMD address is `127.0.0.1:4369`; tests use a private port.
 *
 * ## Failures
 *
 * | error | when |
 * |---|---|
 * | `EpmdUnavailable { host, port, reason }` | no EPMD answers at that address, the connection broke, or it did not answer within `timeout` (default 5 seconds) |
 * | `EpmdRefused { nodeName, result }` | `register`: EPMD refused the name (result 1: the name is registered already) |
 * | `EpmdProtocolError { reason }` | an answer that is not EPMD's protocol |
 * | `InvalidNodeName { nodeName, reason }` | a name that is empty, longer than 255 bytes, or contains `@` (EPMD registers the part before `@`) |
 *
 * @since 0.2.0
 */
import type { Duration, Effect, Option, Scope } from "effect"
import * as internal from "./internal/epmd.ts"
import { EpmdProtocolError, EpmdRefused, EpmdUnavailable, InvalidNodeName } from "./internal/epmd.ts"

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

export {
  /**
   * No EPMD answered at `host:port`, the connection broke, or the answer took longer than the timeout.
   *
   * @since 0.2.0
   * @category errors
   */
  EpmdUnavailable
}

export {
  /**
   * EPMD refused to register the name (result 1: another node holds it).
   *
   * @since 0.2.0
   * @category errors
   */
  EpmdRefused
}

export {
  /**
   * An answer that does not follow EPMD's protocol.
   *
   * @since 0.2.0
   * @category errors
   */
  EpmdProtocolError
}

export {
  /**
   * A node name EPMD cannot hold.
   *
   * @since 0.2.0
   * @category errors
   */
  InvalidNodeName
}

/**
 * @since 0.2.0
 * @category errors
 */
export type EpmdError = EpmdUnavailable | EpmdRefused | EpmdProtocolError | InvalidNodeName

// ---------------------------------------------------------------------------------------------
// Options and models
// ---------------------------------------------------------------------------------------------

/**
 * Where EPMD is and how long to wait for it.
 *
 * @since 0.2.0
 * @category models
 */
export interface Address {
  /** Default `127.0.0.1`. */
  readonly host?: string | undefined
  /** Default 4369 (EPMD's port), or `ERL_EPMD_PORT` as Erlang reads it. */
  readonly port?: number | undefined
  /** How long an answer may take. Default 5 seconds. */
  readonly timeout?: Duration.Input | undefined
}

/**
 * What a node registers, and what {@link lookup} answers.
 *
 * @since 0.2.0
 * @category models
 */
export interface NodeInfo {
  /** The node's name without `@host`. */
  readonly name: string
  /** Its distribution port. */
  readonly port: number
  /** A hidden node (72) or a normal one (77). */
  readonly hidden: boolean
  /** The distribution protocol versions it speaks (6 for OTP 23+). */
  readonly highestVersion: number
  readonly lowestVersion: number
  readonly extra: Uint8Array
}

/**
 * A registration: the node's creation number (tells apart incarnations of a node of the same name).
 *
 * @since 0.2.0
 * @category models
 */
export interface Registration {
  readonly name: string
  readonly creation: number
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

/**
 * Registers a node (`ALIVE2_REQ`) for as long as the current scope lives: closing the scope closes
 * the connection, and EPMD forgets the name. Fails with `EpmdRefused` when the name is taken.
 *
 * @since 0.2.0
 * @category client
 */
export const register: (
  node: { readonly name: string; readonly port: number; readonly hidden?: boolean | undefined },
  address?: Address
) => Effect.Effect<Registration, EpmdError, Scope.Scope> = internal.register

/**
 * The port and versions of the node registered as `name` (`PORT_PLEASE2_REQ`); `None` when no node
 * has that name.
 *
 * @since 0.2.0
 * @category client
 */
export const lookup: (name: string, address?: Address) => Effect.Effect<Option.Option<NodeInfo>, EpmdError> =
  internal.lookup

/**
 * Every name registered with EPMD and its port (`NAMES_REQ`).
 *
 * @since 0.2.0
 * @category client
 */
export const names: (
  address?: Address
) => Effect.Effect<ReadonlyArray<{ readonly name: string; readonly port: number }>, EpmdError> = internal.names

// ---------------------------------------------------------------------------------------------
// Embedded server
// ---------------------------------------------------------------------------------------------

/**
 * A running embedded EPMD.
 *
 * @since 0.2.0
 * @category server
 */
export interface Server {
  readonly host: string
  readonly port: number
  /** The nodes registered now. */
  readonly registered: () => ReadonlyArray<NodeInfo>
  /** Completes once no node is registered as `name` (at once if none is). */
  readonly awaitUnregistered: (name: string) => Effect.Effect<void>
}

/**
 * Runs an EPMD in the current scope, on `host:port` (default `127.0.0.1:4369`; port 0 picks a
 * free one): `ALIVE2_REQ` (a name is registered while its connection stays open; a taken name is
 * refused with result 1), `PORT_PLEASE2_REQ` and `NAMES_REQ`, as Erlang's `epmd` answers them. A
 * malformed request closes its connection and nothing else. Fails with `EpmdUnavailable` when the
 * address is in use.
 *
 * @since 0.2.0
 * @category server
 */
export const serve: (options?: {
  readonly host?: string
  readonly port?: number
}) => Effect.Effect<Server, EpmdUnavailable, Scope.Scope> = internal.serve
