/**
 * A distributed node's connections: it listens for other nodes, registers its name with EPMD (an
 * embedded one when none listens), connects on demand with one connection per peer (concurrent
 * `connect`s share one attempt, and a simultaneous connect from both sides ends with one
 * connection, as OTP's `ok_simultaneous` / `nok` rule decides), ticks idle connections and drops
 * silent ones (`net_ticktime`), and tells its listeners about `nodeup` / `nodedown`.
 *
 * Everything a node sends to a peer goes through that peer's outbox, a FIFO of framed packets
 * written on the connection's socket in one write per run of fibers: the signals of every local
 * process reach the peer in the order they were sent. What arrives is handed to the node from the
 * socket's own read callback, packet by packet, in the order it arrived: neither way has a fiber
 * between the socket and the processes. Sending to a node that is not connected connects first (the outbox
 * fills meanwhile); when the connection cannot be made, the outbox is dropped and the peer is
 * `Unreachable`.
 *
 * A packet whose terms do not decode is logged, counted and skipped: the connection goes on. A
 * frame that is not a distribution message, or longer than `maxPacket`, drops the connection with
 * a logged reason. The public API is `Node.ts`; the signals are in `internal/signals.ts`.
 *
 * @internal
 */
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import { Cause, Clock, Deferred, Duration, Effect, Exit, type Fiber, Option, Scope } from "effect"
import type * as Socket from "effect/socket/Socket"
import * as Epmd from "../Epmd.ts"
import * as Handshake from "./handshake.ts"
import { ConnectFailed } from "./handshake.ts"

/** Connecting to a node failed: it cannot be reached (see `Handshake` for the three errors). */
export { ConnectFailed }
export type ConnectError = Handshake.ConnectError

export interface Options {
  /** `name@host`; the host part is where peers reach this node. */
  readonly name: string
  readonly cookie: string
  /** Default true: not part of the peers' `nodes()`. */
  readonly hidden?: boolean | undefined
  /** The address to listen on. Default `127.0.0.1`, port 0 (any free port). */
  readonly host?: string | undefined
  readonly port?: number | undefined
  /** EPMD's port. Default 4369 (or `ERL_EPMD_PORT`). */
  readonly epmdPort?: number | undefined
  /** OTP's `net_ticktime`: a peer silent for this long is down. Default 60 seconds. */
  readonly tickTime?: Duration.Input | undefined
  /** The largest packet accepted; a longer one drops the connection. Default 64 MiB. */
  readonly maxPacket?: number | undefined
}

export type Event =
  | { readonly _tag: "NodeUp"; readonly node: string }
  | { readonly _tag: "NodeDown"; readonly node: string; readonly reason: string }
  | { readonly _tag: "Unreachable"; readonly node: string; readonly reason: string }

export interface DistNode {
  readonly name: string
  readonly creation: number
  readonly port: number
  /** The connected nodes now. */
  readonly nodes: () => ReadonlyArray<string>
  /** The connection to `node`, made if there is none (one attempt at a time per node). */
  readonly connect: (node: string) => Effect.Effect<Handshake.Connection, ConnectError>
  /** Closes the connection to `node`, if any; its `NodeDown` reason is `"disconnect"`. */
  readonly disconnect: (node: string) => Effect.Effect<void>
  /** Calls `f` for every `NodeUp` / `NodeDown` until the returned function is called. */
  readonly subscribe: (f: (event: Event) => void) => () => void
  /** Calls `f` with every packet that arrives, with the node it came from. */
  readonly onPacket: (f: (node: string, packet: Handshake.Packet) => void) => void
  /**
   * Puts a framed packet (see `Handshake.encodePacket`) in the outbox of `node`, connecting first if
   * there is no connection: packets to one node leave in the order they were put.
   */
  readonly send: (node: string, bytes: Uint8Array) => void
  /** The packets whose terms did not decode so far (each was logged and skipped). */
  readonly undecodable: () => number
}

/** The packets waiting for a peer, and how they leave. */
interface Outbox {
  items: Array<Uint8Array>
  /** writes what waits on the connection, once it is up; undefined before */
  flush: (() => void) | undefined
  /** a flush is queued (see `send`) */
  scheduled: boolean
  /** the socket's buffer is full: the next flush waits for it to drain */
  blocked: boolean
  /** ends the connection's service (the outbox was dropped) */
  end: (() => void) | undefined
}

interface Link {
  readonly connection: Handshake.Connection
  readonly scope: Scope.Closeable
  /** when a packet or a tick last arrived */
  lastHeard: number
  /** `disconnect` closed it */
  closing: boolean
  /** a new connection to the same node replaced it ("alive"): its `NodeDown` is already out */
  replaced: boolean
}

/** A `connect` under way: what its callers wait for, and the fiber of the outgoing attempt. */
interface Attempt {
  readonly deferred: Deferred.Deferred<Handshake.Connection, ConnectError>
  fiber: Fiber.Fiber<unknown, unknown> | undefined
}

const hostOf = (name: string): string => name.slice(name.indexOf("@") + 1)
const aliveOf = (name: string): string => name.slice(0, name.indexOf("@"))

/**
 * Starts a node in the current scope: listening, registered with EPMD, ticking. Closing the scope
 * closes every connection (each gives a `NodeDown`) and unregisters the name.
 */
export const start = (options: Options): Effect.Effect<DistNode, Epmd.EpmdError | ConnectFailed, Scope.Scope> =>
  Effect.gen(function* () {
    if (!options.name.includes("@")) {
      return yield* Effect.fail(
        new Epmd.InvalidNodeName({ nodeName: options.name, reason: "a node's name is name@host" })
      )
    }
    const host = options.host ?? "127.0.0.1"
    const tickMs = Duration.toMillis(Duration.fromInputUnsafe(options.tickTime ?? "60 seconds"))
    const maxPacket = options.maxPacket ?? 64 * 1024 * 1024
    const epmd = { port: options.epmdPort }
    const server = yield* NodeSocketServer.make({ host, port: options.port ?? 0 }).pipe(
      Effect.mapError((error) => new ConnectFailed({ node: options.name, reason: error.message }))
    )
    const port = server.address._tag === "UnixPathAddress" ? 0 : server.address.port
    // an EPMD of our own when none answers
    const registration = yield* Epmd.register(
      { name: aliveOf(options.name), port, hidden: options.hidden !== false },
      epmd
    ).pipe(
      Effect.catchTag("EpmdUnavailable", () =>
        Effect.andThen(
          Epmd.serve({ port: options.epmdPort ?? 4369 }),
          Epmd.register({ name: aliveOf(options.name), port, hidden: options.hidden !== false }, epmd)
        )
      )
    )
    const local: Handshake.Local = {
      name: options.name,
      creation: registration.creation,
      cookie: options.cookie,
      hidden: options.hidden !== false
    }
    const nodeScope = yield* Effect.scope
    const runFork = Effect.runForkWith(yield* Effect.context<never>())
    const links = new Map<string, Link>()
    const pending = new Map<string, Attempt>()
    const listeners = new Set<(event: Event) => void>()
    const outboxes = new Map<string, Outbox>()
    let undecodable = 0
    let packetHandler: (node: string, packet: Handshake.Packet) => void = () => {}
    const emit = (event: Event) => {
      for (const f of [...listeners]) f(event)
    }
    const outboxOf = (node: string): Outbox => {
      let outbox = outboxes.get(node)
      if (outbox === undefined) {
        outbox = { items: [], flush: undefined, scheduled: false, blocked: false, end: undefined }
        outboxes.set(node, outbox)
      }
      return outbox
    }
    /** Drops what waits for `node`, and ends the service of its connection, if any. */
    const dropOutbox = (node: string) => {
      const outbox = outboxes.get(node)
      if (outbox === undefined) return
      outboxes.delete(node)
      outbox.items = []
      outbox.flush = undefined
      outbox.end?.()
    }

    /**
     * Makes `outbox` leave on `connection`: what waits goes at once, in one write; what is put later
     * leaves when the current run of fibers is over, not at once (a resumed fiber runs
     * synchronously, so writing each packet as it is put would write each on its own): the packets
     * a process sends in one go leave in one write. A full socket buffer holds the next write until
     * it drains.
     */
    const writeOn = (outbox: Outbox, connection: Handshake.Connection) => {
      const flush = () => {
        outbox.scheduled = false
        if (outbox.blocked || outbox.flush !== flush || outbox.items.length === 0) return
        const items = outbox.items
        outbox.items = []
        // joined in a slice of Node's buffer pool, as the packets themselves (see `encodePacket`)
        if (!connection.writeNow(items.length === 1 ? items[0]! : Buffer.concat(items))) {
          outbox.blocked = true
          connection.whenDrained(() => {
            outbox.blocked = false
            flush()
          })
        }
      }
      outbox.flush = flush
      flush()
    }

    /**
     * Brings an established connection up (it is in `nodes()` and its `NodeUp` is out when this
     * ends) and gives the effect that serves it: it reads packets until the connection ends, then
     * `NodeDown`.
     */
    const up = (connection: Handshake.Connection, scope: Scope.Closeable): Effect.Effect<Effect.Effect<void>> =>
      Effect.gen(function* () {
        const node = connection.peer.name
        const previous = links.get(node)
        if (previous !== undefined) {
          // the peer lost the connection we still hold and made a new one (the handshake's
          // "alive"): the old one goes down, with its links, monitors and outbox, before the new
          // one is up, and says nothing when its fiber ends
          previous.replaced = true
          links.delete(node)
          dropOutbox(node)
          emit({ _tag: "NodeDown", node, reason: "replaced by a new connection" })
          yield* Scope.close(previous.scope, Exit.void)
        }
        const link: Link = {
          connection,
          scope,
          lastHeard: yield* Clock.currentTimeMillis,
          closing: false,
          replaced: false
        }
        links.set(node, link)
        // what was sent while connecting leaves before anyone hears of NodeUp (a write that fails
        // ends the connection: its listener hears the socket fail)
        writeOn(outboxOf(node), connection)
        emit({ _tag: "NodeUp", node })
        return serve(node, link)
      })

    const serve = (node: string, link: Link): Effect.Effect<void> =>
      Effect.gen(function* () {
        const { connection, scope } = link
        const clock = yield* Clock.Clock
        let reason = "connection closed"
        const outbox = outboxOf(node)
        // what arrives is handed on from the socket's read, with no fiber and no Effect per packet;
        // this waits for the end of the connection (or of its outbox)
        const reader = Effect.callback<void>((resume) => {
          let stop: (() => void) | undefined
          const done = () => {
            stop?.()
            outbox.end = undefined
            resume(Effect.void)
          }
          outbox.end = done
          stop = connection.listen(maxPacket, {
            heard: () => {
              link.lastHeard = clock.currentTimeMillisUnsafe()
            },
            packet: (packet) => {
              if (packet === "tick") return
              if ("_tag" in packet) {
                undecodable++
                runFork(
                  Effect.logWarning(`a packet from ${node} did not decode and was skipped: ${packet.error.message}`)
                )
              } else packetHandler(node, packet)
            },
            end: (error) => {
              if (error !== undefined) {
                reason = error.message
                if (error instanceof Handshake.ProtocolError) {
                  runFork(Effect.logWarning(`the connection to ${node} is dropped: ${error.message}`))
                }
              }
              done()
            }
          })
          if (outbox.end !== done) stop()
          return Effect.sync(() => {
            stop?.()
            if (outbox.end === done) outbox.end = undefined
          })
        })
        // ticks: one every tickTime/4; a peer silent for tickTime is down
        const ticker = Effect.gen(function* () {
          while (true) {
            yield* Effect.sleep(Duration.millis(tickMs / 4))
            if ((yield* Clock.currentTimeMillis) - link.lastHeard > tickMs) {
              reason = "net_tick_timeout"
              return
            }
            yield* connection.tick
          }
        })
        yield* Effect.raceFirst(reader, ticker)
        if (links.get(node) === link) {
          links.delete(node)
          dropOutbox(node)
        }
        yield* Scope.close(scope, Exit.void)
        if (!link.replaced) emit({ _tag: "NodeDown", node, reason: link.closing ? "disconnect" : reason })
      })

    /** Runs a connection in its own scope, forked into the node's scope. */
    const adopt = (open: (scope: Scope.Closeable) => Effect.Effect<Handshake.Connection, ConnectError>) =>
      Effect.gen(function* () {
        const scope = yield* Scope.fork(nodeScope, "sequential")
        const connection = yield* Effect.onError(open(scope), () => Scope.close(scope, Exit.void))
        // up before the callers of `connect` go on: `nodes()` has it when `connect` returns
        yield* Effect.uninterruptible(
          Effect.flatMap(up(connection, scope), (loop) => Effect.forkIn(Effect.interruptible(loop), nodeScope))
        )
        return connection
      })

    /**
     * The connection to `node` is up: it settles the pending `connect` to that node, whichever side
     * it was opened from (after a simultaneous connect, the incoming one may be the one that lives).
     */
    const settled = (node: string, connection: Handshake.Connection, incoming: boolean) => {
      const attempt = pending.get(node)
      if (attempt === undefined) return
      pending.delete(node)
      // the outgoing attempt lost to the incoming connection: it ends
      if (incoming) attempt.fiber?.interruptUnsafe()
      Deferred.doneUnsafe(attempt.deferred, Exit.succeed(connection))
    }

    const connect = (node: string): Effect.Effect<Handshake.Connection, ConnectError> =>
      Effect.suspend(() => {
        const link = links.get(node)
        if (link !== undefined) return Effect.succeed(link.connection)
        const waiting = pending.get(node)
        if (waiting !== undefined) return Deferred.await(waiting.deferred)
        if (node === options.name) return Effect.fail(new ConnectFailed({ node, reason: "it is this node" }))
        const attempt: Attempt = { deferred: Deferred.makeUnsafe(), fiber: undefined }
        pending.set(node, attempt)
        const run = adopt((scope) =>
          Effect.gen(function* () {
            const info = yield* Epmd.lookup(aliveOf(node), { host: hostOf(node), port: options.epmdPort }).pipe(
              Effect.mapError((error) => new ConnectFailed({ node, reason: error.message }))
            )
            if (Option.isNone(info)) {
              return yield* Effect.fail(new ConnectFailed({ node, reason: "no such node is registered with EPMD" }))
            }
            return yield* Scope.provide(
              Handshake.connect(local, node, { host: hostOf(node), port: info.value.port }),
              scope
            )
          })
        )
        return Effect.andThen(
          Effect.forkIn(
            Effect.onExit(run, (exit) =>
              Effect.sync(() => {
                if (Exit.isSuccess(exit)) return settled(node, exit.value, false)
                // refused for the peer's own attempt, or given up for ours: the incoming
                // connection settles it
                const nok = exit.cause.reasons.some(
                  (r) => r._tag === "Fail" && r.error._tag === "HandshakeFailed" && r.error.reason === Handshake.nok
                )
                if (nok || pending.get(node) !== attempt) return
                pending.delete(node)
                // what was sent to the node is lost, and its links and monitors fire, before the
                // callers of `connect` go on
                if (!links.has(node)) {
                  dropOutbox(node)
                  const failure = Cause.findErrorOption(exit.cause)
                  emit({
                    _tag: "Unreachable",
                    node,
                    reason: Option.isSome(failure)
                      ? failure.value._tag === "NotAllowed"
                        ? "the peer answered not_allowed"
                        : failure.value.reason
                      : "the attempt was interrupted"
                  })
                }
                Deferred.doneUnsafe(attempt.deferred, exit as Exit.Exit<never, ConnectError>)
              })
            ),
            nodeScope
          ),
          (fiber) => {
            if (pending.get(node) === attempt) attempt.fiber = fiber
            return Deferred.await(attempt.deferred)
          }
        )
      })

    /** OTP's answer to a node that asks to connect (see `Handshake.Status`). */
    const statusFor = (peer: string): Handshake.Status => {
      if (links.has(peer)) return "alive"
      if (!pending.has(peer)) return "ok"
      // both sides connect at once: the greater name's attempt goes on
      return options.name > peer ? "nok" : "ok_simultaneous"
    }

    // accepting: the handshake, then the same service as an outgoing connection; no Nagle delay
    // (OTP's dist_nodelay), as on the connections this node opens
    const acceptOne = (socket: Socket.Socket) =>
      Effect.andThen(
        Effect.map(
          Effect.serviceOption(NodeSocket.NetSocket),
          Option.map((net) => net.setNoDelay(true))
        ),
        Effect.ignore(
          Effect.tap(
            adopt((scope) => Scope.provide(Handshake.accept(local, socket, statusFor), scope)),
            (connection) => Effect.sync(() => settled(connection.peer.name, connection, true))
          )
        )
      )
    yield* Effect.forkScoped(server.run(acceptOne))
    yield* Effect.addFinalizer(() =>
      Effect.forEach([...links.values()], (link) => Scope.close(link.scope, Exit.void), { discard: true })
    )

    return {
      name: options.name,
      creation: registration.creation,
      port,
      nodes: () => [...links.keys()],
      connect,
      disconnect: (node) =>
        Effect.suspend(() => {
          const link = links.get(node)
          if (link === undefined) return Effect.void
          link.closing = true
          return Scope.close(link.scope, Exit.void)
        }),
      subscribe: (f) => {
        listeners.add(f)
        return () => listeners.delete(f)
      },
      onPacket: (f) => {
        packetHandler = f
      },
      send: (node, bytes) => {
        const outbox = outboxOf(node)
        outbox.items.push(bytes)
        if (outbox.flush !== undefined) {
          if (!outbox.scheduled && !outbox.blocked) {
            outbox.scheduled = true
            queueMicrotask(outbox.flush)
          }
        } else if (!links.has(node) && !pending.has(node)) runFork(Effect.ignore(connect(node)))
      },
      undecodable: () => undecodable
    } satisfies DistNode
  })
