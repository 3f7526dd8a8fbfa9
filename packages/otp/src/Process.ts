/**
 * Processes: isolated fibers with a mailbox, linked and monitored as in Erlang.
 *
 * A process is an Effect fiber plus a mailbox plus a record in its node's process table. Spawn one
 * with {@link spawn}; inside, {@link receive} takes messages and {@link self} gives its own pid.
 * Both need the `Process.Self` service, which only a process body has: calling them outside a
 * process is a compile error, not a run-time surprise.
 *
 * ## Example
 *
 * ```ts
 * import { Effect } from "effect"
 * import { Node, Process } from "effect-otp"
 *
 * type Ping = { readonly _tag: "Ping"; readonly from: Process.Pid<Pong> }
 * type Pong = { readonly _tag: "Pong" }
 *
 * const ponger = Effect.gen(function*() {
 *   const ping = yield* Process.receive<Ping>()
 *   yield* Process.send(ping.from, { _tag: "Pong" })
 * })
 *
 * const program = Effect.gen(function*() {
 *   const pid = yield* Process.spawn(ponger) // Pid<Ping>, inferred from the body's receive
 *   const answer = yield* Process.spawn(Effect.gen(function*() {
 *     yield* Process.send(pid, { _tag: "Ping", from: yield* Process.self<Pong>() })
 *     return yield* Process.receive<Pong>()
 *   }))
 *   return yield* Process.awaitExit(answer) // Normal
 * })
 *
 * Effect.runPromise(program.pipe(Effect.provide(Node.layer())))
 * ```
 *
 * ## Guarantees
 *
 * - Messages from one process to another arrive in the order they were sent.
 * - A selective receive takes the first message that matches and leaves the others in order.
 * - A receive timeout is a timer message in the process's own mailbox: it never interrupts a take,
 *   so no message is lost to it, and a message that arrives after the timeout is received later.
 * - Sending to an exited or unknown pid does nothing (as in Erlang), and is counted as dropped.
 * - When a process exits, in one synchronous step: it leaves the process table, its name is freed,
 *   its timers stop, each linked process gets its exit signal and each monitor its `Down`.
 *
 * ## Exit signals
 *
 * A process that exits with reason R sends an exit signal to every linked process L:
 *
 * | L | R | what happens |
 * |---|---|---|
 * | traps exits | any | L receives `Exit { from, reason: R }` |
 * | does not trap | `Normal` | nothing |
 * | does not trap | anything else (`Shutdown` included) | L exits with R |
 *
 * {@link exit}`(pid, reason)` sends the same signal, except that `Normal` to another process is
 * ignored unless it traps exits, and `exit(self, Normal)` ends the caller. {@link kill} cannot be
 * trapped: the target exits with `Killed`, which reaches *its* links as an ordinary `Killed`.
 * Linking to a process that does not exist gives `NoProc` at once (a message when trapping, else the
 * caller exits with it); monitoring one gives `Down` with `NoProc` at once.
 *
 * ## Scheduling
 *
 * A node's processes share one run queue (the default; `Node.layer({ scheduler: "effect" })` keeps
 * Effect's scheduler), drained by microtasks as a BEAM scheduler drains its run queue: a woken process
 * runs in the same drain as its sender, and after 0.5 ms of process work the event loop gets a turn
 * for its timers and I/O. A fiber yields after a budget of operations (`MaxOpsBeforeYield`, default
 * 2048), the analogue of BEAM's reductions: a process in a busy Effect loop does not starve the
 * others. The `reductions` option of {@link spawn} sets that budget for one
 * process: a busy process spawned with `{ reductions: 128 }` yields 16 times as often, so the
 * processes beside it wait less for their turn (bench/README.md, the fairness scenario, measures it),
 * while it gets less done per turn. It only spreads work that is made of Effect operations. (A
 * difference from OTP, where every process gets the same slice of reductions: the option is
 * effect-otp's, as `set-reduction-limit!` is Rakka's.)
 * Two things are not pre-empted: a synchronous JS loop (put CPU-bound work on a worker pool), and a
 * loop of `yield*` over already-completed effects (`Effect.void`, `Effect.succeed(x)`), which Effect
 * 4 runs inline without counting operations; add `Effect.yieldNow` to such loops. A receive loop
 * should use `Effect.forever(step, { disableYield: true })`: a receive of a waiting message does not
 * hop through the scheduler, and the operation budget still yields when it must.
 *
 * ## Lifecycle events
 *
 * Processes and supervisors report what happens to them through Effect's `Logger`, each event as one
 * log line whose annotations have one shape, besides those every line logged from inside a process
 * carries (its `pid`, and a server's `name` and `behaviour`: here those of the process that logs).
 * `reason` is the exit reason's `_tag`; the message has the whole reason (a crash report's cause is
 * its second part).
 *
 * | event | level | logged by | annotations |
 * |---|---|---|---|
 * | `SPAWN` | Debug | the new process, first thing | `event`, `parent` (the spawner's pid, or the node's `<N.0.0>` outside any process) |
 * | `EXIT` | Debug | the process, as it exits without crashing | `event`, `reason`, `name` (when registered) |
 * | `CRASH` | Error | the process, as it exits with an abnormal reason of its own (not an exit signal from another process) | `event`, `reason`, `name` (when registered) |
 * | `RESTART` | Warning | the supervisor, once per child it restarted | `event`, `supervisor`, `child` (the child's id), `oldPid`, `newPid`, `reason` (why the old process ended) |
 * | `GIVE_UP` | Error | the supervisor, when a restart would exceed its intensity (it then exits with `Shutdown(MaxRestartIntensity)`) | `event`, `supervisor`, `child`, `reason` |
 *
 * `SPAWN` and `EXIT` are Debug so that they cost nothing by default: the level is checked when the
 * process is spawned, and nothing is built when Debug is filtered out (Effect's default minimum
 * level is Info). Set `References.MinimumLogLevel` to `"Debug"` to see them. A report that no
 * logger would print is not built either. The supervisors also report `CHILD_TERMINATED`,
 * `START_ERROR` and `SHUTDOWN_ERROR` (see the `Supervisor` module).
 *
 * ## Data-first and data-last
 *
 * The operations on a pid take it first (`Process.send(pid, message)`) or, given everything else,
 * return a function of it (`pid.pipe(Process.send(message))`, `Effect.flatMap(spawned,
 * Process.send(message))`), as Effect's `dual` APIs do: {@link send}, {@link sendAfter},
 * {@link sendSystem}, and {@link register} (`Process.register(name)` is a function of the pid). The
 * one-argument operations (`link`, `monitor`, `kill`, `info`, `awaitExit`, ...) are functions of the
 * pid already. {@link exit} keeps Erlang's two arities and has no data-last form: `exit(reason)`
 * ends the calling process, as `exit/1`, so a data-last `exit(reason)` returning a function of a
 * pid would mean two things.
 *
 * ## When not to use a process
 *
 * For code organisation. If you don't need concurrency, isolation of failure, or state shared by
 * several callers, you don't need a process: plain functions and services are simpler and faster.
 *
 * @since 0.1.0
 */
import { type Context, Duration, Effect, type Fiber, type LogLevel, Option, type Scope } from "effect"
import { dual } from "effect/Function"
import * as Errors from "./Errors.ts"
import * as ExitReason from "./ExitReason.ts"
import * as kernel from "./internal/kernel.ts"
import * as validate from "./internal/validate.ts"
import type * as Mailbox from "./Mailbox.ts"
import { currentNode, nodeOf, route, senderNodeOf } from "./internal/node.ts"
import type { Node } from "./Node.ts"
import * as PidModule from "./Pid.ts"
import {
  ExitMessage as Exit,
  DownMessage as Down,
  type MonitorRef,
  type TimerRef,
  type RemoteName
} from "./internal/kernel.ts"

/**
 * A process identifier, typed by the messages it accepts. See the `Pid` module.
 *
 * @since 0.1.0
 * @category models
 */
export type Pid<M = unknown, SendError = never> = PidModule.Pid<M, SendError>

// ---------------------------------------------------------------------------------------------
// Self
// ---------------------------------------------------------------------------------------------

declare const SelfTypeId: unique symbol

/**
 * The service a process body has: "this code runs inside a process that receives `M`".
 *
 * A body's requirement `Self<A> | Self<B>` tells {@link spawn} that the process receives `A | B`,
 * so the pid it returns is a `Pid<A | B>`. A body that never receives gives a `Pid<unknown>`.
 * Functions that need a process but say nothing about its messages (`self`, `link`, `monitor`,
 * `trapExit`, ...) require `Self<unknown>`, which any `Self<M>` covers, so they never widen the
 * inferred message type.
 *
 * @since 0.1.0
 * @category services
 */
export interface Self<in M = unknown> {
  readonly [SelfTypeId]: { readonly _M: (m: M) => void }
}

/**
 * What a process knows about itself.
 *
 * @since 0.1.0
 * @category models
 */
export interface SelfApi {
  readonly pid: PidModule.Pid<unknown, unknown>
}

/**
 * The `Self` service key.
 *
 * @since 0.1.0
 * @category services
 */
export const Self: Context.Key<Self<any>, SelfApi> = kernel.Self

const selfRecord: Effect.Effect<kernel.ProcessRecord, never, Self<unknown>> = kernel.currentSelf

/**
 * The messages a process body receives, read off its `Self` requirements.
 *
 * @since 0.1.0
 * @category type-level
 */
export type MessagesOf<R> = [MessageOfSelf<Extract<R, Self<never>>>] extends [never]
  ? unknown
  : MessageOfSelf<Extract<R, Self<never>>>

/** @internal */
export type MessageOfSelf<S> = S extends Self<infer M> ? (unknown extends M ? never : M) : never

/**
 * What a process body gets from its process, and so what `spawn` removes from its requirements:
 * `Self` (of any message type) and the process's own `Scope`, closed when the process exits.
 *
 * @since 0.1.0
 * @category services
 */
export type Provided = Self<never> | Scope.Scope

/**
 * The error a send to a process with these options can fail with.
 *
 * @since 0.1.0
 * @category type-level
 */
export type SendErrorOf<O> = O extends { readonly mailbox: { readonly overflow: "fail" } } ? Errors.MailboxFull : never

/**
 * The error a spawn with these options can fail with: `BadArgument` when they give mailbox options
 * (a capacity that is not a positive integer, an unknown overflow), a `logLevel` (one that is not
 * a `LogLevel`, from untyped code) or `reductions` (not a positive integer), checked before anything
 * is spawned; none otherwise.
 *
 * @since 0.2.0
 * @category type-level
 */
export type SpawnErrorOf<O> = O extends unknown
  ? [O[("mailbox" | "logLevel" | "reductions") & keyof O]] extends [undefined]
    ? never
    : Errors.BadArgument
  : never

const badSpawnOptions = (fn: string, options: SpawnOptions | undefined): Errors.BadArgument | undefined =>
  options === undefined
    ? undefined
    : (validate.checkMailbox(fn, "mailbox", options.mailbox) ??
      validate.checkLogLevel(fn, "logLevel", options.logLevel) ??
      validate.checkReductions(fn, "reductions", options.reductions))

// ---------------------------------------------------------------------------------------------
// Messages made by the runtime
// ---------------------------------------------------------------------------------------------

export {
  /**
   * An exit signal turned into a message, for a process that traps exits (Erlang's
   * `{'EXIT', From, Reason}`). Its `_tag` is `"EXIT"`.
   *
   * @since 0.1.0
   * @category messages
   */
  Exit
}

export {
  /**
   * A monitor fired (Erlang's `{'DOWN', Ref, process, Object, Reason}`). Its `_tag` is `"DOWN"`;
   * `pid` is the process that exited, `name` the `{ name, node }` of a monitor by name (see
   * {@link monitor}), undefined for a monitor by pid.
   *
   * @since 0.1.0
   * @category messages
   */
  Down
}

export type {
  /**
   * A reference naming a monitor.
   *
   * @since 0.1.0
   * @category models
   */
  MonitorRef
}

export type {
  /**
   * A reference naming a timer started by {@link sendAfter}.
   *
   * @since 0.1.0
   * @category models
   */
  TimerRef
}

/**
 * @since 0.1.0
 * @category guards
 */
export const isExit = (u: unknown): u is Exit => u instanceof kernel.ExitMessage

/**
 * @since 0.1.0
 * @category guards
 */
export const isDown = (u: unknown): u is Down => u instanceof kernel.DownMessage

// ---------------------------------------------------------------------------------------------
// Spawning
// ---------------------------------------------------------------------------------------------

/**
 * @since 0.1.0
 * @category models
 */
export interface SpawnOptions {
  /** Mailbox capacity and overflow policy. Default: unbounded. */
  readonly mailbox?: Mailbox.Options | undefined
  /** Start already trapping exits (no window in which a signal could arrive untrapped). */
  readonly trapExit?: boolean | undefined
  /**
   * The process's minimum log level (Effect's `References.MinimumLogLevel` in its context): a
   * line it logs below it is dropped, whatever the level of the other processes. Default: the
   * spawner's. A server's can be changed while it runs with `Sys.setLogLevel`.
   */
  readonly logLevel?: LogLevel.LogLevel | undefined
  /**
   * The process's reduction budget: how many Effect operations its fiber runs before it yields to
   * the others (Effect's `MaxOpsBeforeYield` for that fiber; a positive integer). Default: the
   * spawner's, which is Effect's 2,048 unless set. A lower budget for a busy process keeps its
   * neighbours' latency lower, at some cost to its own throughput; see "Scheduling" in the module
   * docs. The processes it spawns inherit it with the rest of its context, unless they set their own.
   */
  readonly reductions?: number | undefined
}

const nodeState = currentNode

/** The calling process, read from a fiber's context (the types guarantee it is there). */
const selfOf = (fiber: Fiber.Fiber<unknown, unknown>): kernel.ProcessRecord => kernel.callerOf(fiber)!

/**
 * Starts a process running `body` and returns its pid.
 *
 * **Details**
 *
 * - The process is independent of the caller: it outlives the fiber that spawned it, and only its
 *   node's shutdown, an exit signal, or the end of its body stops it.
 * - It inherits the caller's context (services, log level, clock), plus its own `Self`.
 * - A body that succeeds exits `Normal`; one that fails or dies exits `Failure` with its cause,
 *   and a crash report is logged at error level.
 * - Invalid `mailbox` options (a capacity that is not a positive integer or `Infinity`, an unknown
 *   overflow) fail with `Errors.BadArgument` and spawn nothing, as OTP's `spawn_opt` answers
 *   `badarg`; so does a `logLevel` that is not a `LogLevel`, or `reductions` that is not a positive
 *   integer; the error type has it only when mailbox options, a log level or a budget are given
 *   ({@link SpawnErrorOf}).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Process } from "effect-otp"
 *
 * const echo = Effect.gen(function*() {
 *   const [from, text] = yield* Process.receive<readonly [Process.Pid<string>, string]>()
 *   yield* Process.send(from, text)
 * })
 * const spawnEcho = Process.spawn(echo) // Effect<Pid<readonly [Pid<string>, string]>, never, Node>
 * ```
 *
 * @since 0.1.0
 * @category start
 */
export const spawn = <A, E, R, const O extends SpawnOptions = {}>(
  body: Effect.Effect<A, E, R>,
  options?: O
): Effect.Effect<Pid<MessagesOf<R>, SendErrorOf<O>>, SpawnErrorOf<O>, Exclude<R, Provided> | Node> =>
  Effect.withFiber((fiber) => {
    const bad = badSpawnOptions("Process.spawn", options)
    if (bad !== undefined) return Effect.fail(bad) as never
    return Effect.succeed(kernel.spawnUnsafe(fiber, nodeOf(fiber), body, options, undefined).pid as never)
  })

/**
 * Spawns a process linked to the caller, atomically: the link is in place before the body runs.
 *
 * @since 0.1.0
 * @category start
 */
export const spawnLink = <A, E, R, const O extends SpawnOptions = {}>(
  body: Effect.Effect<A, E, R>,
  options?: O
): Effect.Effect<Pid<MessagesOf<R>, SendErrorOf<O>>, SpawnErrorOf<O>, Exclude<R, Provided> | Node | Self<unknown>> =>
  Effect.withFiber((fiber) => {
    const bad = badSpawnOptions("Process.spawnLink", options)
    if (bad !== undefined) return Effect.fail(bad) as never
    const parent = selfOf(fiber)
    return Effect.succeed(
      kernel.spawnUnsafe(fiber, nodeOf(fiber), body, options, (child) => kernel.linkRecords(parent, child)).pid as never
    )
  })

/**
 * Spawns a process monitored by the caller, atomically: the monitor is in place before the body runs.
 *
 * @since 0.1.0
 * @category start
 */
export const spawnMonitor = <A, E, R, const O extends SpawnOptions = {}>(
  body: Effect.Effect<A, E, R>,
  options?: O
): Effect.Effect<
  { readonly pid: Pid<MessagesOf<R>, SendErrorOf<O>>; readonly ref: MonitorRef },
  SpawnErrorOf<O>,
  Exclude<R, Provided> | Node | Self<unknown>
> =>
  Effect.withFiber((fiber) => {
    const bad = badSpawnOptions("Process.spawnMonitor", options)
    if (bad !== undefined) return Effect.fail(bad) as never
    const parent = selfOf(fiber)
    let ref: MonitorRef | undefined
    const record = kernel.spawnUnsafe(fiber, nodeOf(fiber), body, options, (child) => {
      ref = kernel.monitorRecord(parent, child, child.pid)
    })
    return Effect.succeed({ pid: record.pid as never, ref: ref! })
  })

/**
 * The options of {@link spawnOn}.
 *
 * @since 0.2.0
 * @category models
 */
export interface SpawnOnOptions {
  /** Link the caller to the new process (set up by the other node before the process runs). */
  readonly link?: boolean | undefined
  /** Monitor the new process: `spawnOn` then returns `{ pid, ref }`. */
  readonly monitor?: boolean | undefined
  /** How long to wait for the other node's answer. Default 5 seconds, as a call's. */
  readonly timeout?: Duration.Input | "infinity" | undefined
}

/**
 * What {@link spawnOn} returns: the pid, or `{ pid, ref }` with the monitor's reference when
 * `monitor: true` was asked.
 *
 * @since 0.2.0
 * @category type-level
 */
export type SpawnedOn<O> = O extends { readonly monitor: true }
  ? { readonly pid: Pid<unknown>; readonly ref: MonitorRef }
  : Pid<unknown>

/**
 * What {@link spawnOn} fails with.
 *
 * @since 0.2.0
 * @category type-level
 */
export type SpawnOnError = Errors.NoConnection | Errors.SpawnFailed | Errors.SpawnTimeout | Errors.BadArgument

/**
 * Spawns a process on the node `node` (Erlang's `spawn_request`): the node runs its spawn handler
 * `handler` with `args` as a new process and answers with its pid. On an effect-otp node a spawn
 * handler is registered with `Node.registerSpawnHandler` of `@effect-otp/platform-node`; on an
 * Erlang or Elixir node `handler` is `"module:function"` (`"lists:seq"`, `"Elixir.MyApp:start"`).
 *
 * **Details**
 *
 * - `args` are Erlang terms (see `Term`), or values of the handler's Schema encoded with
 *   `Term.codec`; the other node decodes them with the handler's Schema.
 * - `link: true` links the caller to the new process and `monitor: true` monitors it; both are
 *   set up on the other node before the process runs, so a process that ends at once still sends
 *   its exit and its `Down`. With `monitor: true` it returns `{ pid, ref }`.
 * - On the wire: SPAWN_REQUEST `{29, ReqId, From, GroupLeader, {Module, Function, Arity}, Options}`
 *   with the arguments, answered by SPAWN_REPLY `{31, ReqId, From, Flags, PidOrAtom}`; a `handler`
 *   without a `:` is `{effect_otp, handler}`.
 * - `node` may be the caller's own node, as Erlang's `spawn_request(node(), ...)`: its own spawn
 *   handler runs as a local process, with the arguments decoded as they would be from another node
 *   (they go to their terms and back) and the same failures (`undef`, `badarg`); nothing crosses a
 *   wire, so there is no timeout.
 *
 * **Failures**
 *
 * | what happened | error |
 * |---|---|
 * | the node has no such handler | `SpawnFailed` with reason `"undef"` |
 * | the arguments do not decode with its Schema, or have no term | `SpawnFailed` with reason `"badarg"` |
 * | another refusal of the node (`"badopt"`, `"system_limit"`, ...) | `SpawnFailed` with that reason |
 * | this node is not distributed (it has no spawn handlers) | `SpawnFailed` with reason `"notalive"` |
 * | the node cannot be reached, or the connection is lost before it answers | `NoConnection` |
 * | no answer within `timeout` | `SpawnTimeout`; the request is abandoned |
 * | an invalid `timeout` | `BadArgument` |
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Process } from "effect-otp"
 *
 * const program = Effect.gen(function* () {
 *   const { pid, ref } = yield* Process.spawnOn("b@127.0.0.1", "greeter", ["bob"], { monitor: true })
 *   yield* Process.send(pid, "hello")
 *   return yield* Process.receive(Process.isDown) // Down { ref, pid, reason }
 * })
 * ```
 *
 * @since 0.2.0
 * @category start
 */
export const spawnOn = <const O extends SpawnOnOptions = {}>(
  node: string,
  handler: string,
  args: ReadonlyArray<unknown>,
  options?: O
): Effect.Effect<SpawnedOn<O>, SpawnOnError, Self<unknown>> =>
  Effect.flatMap(selfRecord, (self): Effect.Effect<SpawnedOn<O>, SpawnOnError> => {
    const badTimeout = Errors.checkTimeout("Process.spawnOn", "timeout", options?.timeout)
    if (badTimeout !== undefined) return Effect.fail(badTimeout)
    if (node === self.node.name) return spawnHere(self, handler, args, options)
    const timeout = options?.timeout === undefined ? 5_000 : Errors.timeoutMillis(options.timeout)!
    const monitor = options?.monitor === true
    return Effect.map(
      kernel.spawnRemote(self, node, handler, args, options?.link === true, monitor, timeout),
      (spawned) => (monitor ? spawned : spawned.pid) as SpawnedOn<O>
    )
  })

/**
 * {@link spawnOn} to the caller's own node, as Erlang's `spawn_request(node(), ...)`: the node's own
 * spawn handler runs as a new local process, linked and monitored as asked before its body runs.
 */
const spawnHere = <O extends SpawnOnOptions>(
  self: kernel.ProcessRecord,
  handler: string,
  args: ReadonlyArray<unknown>,
  options: O | undefined
): Effect.Effect<SpawnedOn<O>, SpawnOnError> =>
  Effect.withFiber((fiber) => {
    const node = self.node.name
    const transport = self.node.distribution
    const body = transport === undefined ? "notalive" : transport.spawnHere(handler, args)
    if (typeof body === "string") return Effect.fail(new Errors.SpawnFailed({ node, handler, reason: body }))
    let ref: MonitorRef | undefined
    const child = kernel.spawnUnsafe(fiber, self.node, body, undefined, (child) => {
      if (options?.link === true) kernel.linkRecords(self, child)
      if (options?.monitor === true) ref = kernel.monitorRecord(self, child, child.pid)
    })
    return Effect.succeed((ref === undefined ? child.pid : { pid: child.pid, ref }) as unknown as SpawnedOn<O>)
  })

// ---------------------------------------------------------------------------------------------
// Self, sending, receiving
// ---------------------------------------------------------------------------------------------

/**
 * The pid of the calling process. Give it the type of the messages the process receives, for the
 * processes you hand it to: `yield* Process.self<Reply>()`.
 *
 * @since 0.1.0
 * @category processes
 */
export const self = <M = never>(): Effect.Effect<Pid<M>, never, Self<unknown>> =>
  Effect.map(selfRecord, (record) => record.pid as never)

export type {
  /**
   * A process of another node named by its registered name there: Erlang's `{Name, Node}`.
   *
   * @since 0.2.0
   * @category models
   */
  RemoteName
}

/**
 * Sends a message. To a pid: never fails unless the target's mailbox is bounded with the `"fail"`
 * policy (then `MailboxFull`); a dead pid drops the message. To a registered name: fails with
 * `NotRegistered` when no process has that name, as Erlang's `Name ! Msg` does. To `{ name, node }`
 * (Erlang's `{Name, Node} ! Msg`): a name on another node, reached through the distribution (see
 * `@effect-otp/platform-node`'s `Node`); nothing tells whether anyone is there. With this node's own
 * name it is the same as sending to `name`.
 *
 * **Details**
 *
 * - On a full bounded mailbox with the `"suspend"` policy, the send waits until the receiver takes a
 *   message (or exits).
 * - A pid or name of another node goes through this node's connection to that node, made on the
 *   first send; messages from one process to another arrive in the order they were sent, across the
 *   wire too. A message that has no Erlang term (see `Term`) cannot cross: it is dropped, counted in
 *   the node's `messagesDropped` and logged by the transport. Without a distribution, a pid of
 *   another node that is not in this OS process drops the message.
 * - Data-last: `Process.send(message)` is a function of a pid (`pid.pipe(Process.send(message))`);
 *   a name is given data-first.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Process } from "effect-otp"
 *
 * const body = Effect.forever(Process.receive<"ping">())
 * const program = Effect.gen(function*() {
 *   const pid = yield* Process.spawn(body)
 *   yield* Process.send(pid, "ping")
 *   yield* pid.pipe(Process.send("ping"))
 * })
 * ```
 *
 * @since 0.1.0
 * @category messages
 */
export const send: {
  <const M>(message: M): <SE>(dest: Pid<M, SE>) => Effect.Effect<void, SE>
  <M, SE>(dest: Pid<M, SE>, message: NoInfer<M>): Effect.Effect<void, SE>
  (dest: string, message: unknown): Effect.Effect<void, Errors.NotRegistered | Errors.MailboxFull, Node>
  (dest: RemoteName, message: unknown): Effect.Effect<void, Errors.NotRegistered | Errors.MailboxFull, Node>
} = function (dest: Pid<unknown, unknown> | string | RemoteName, message?: unknown): any {
  // data-last: the one check on the data-first path, which stays a direct call (no rest array)
  // biome-ignore lint/complexity/noArguments: an arity check without allocating
  if (arguments.length === 1) return (pid: Pid<unknown, unknown>) => send(pid, dest)
  if (typeof dest === "string") return sendToName(dest, message)
  if (!PidModule.isPid(dest)) {
    return Effect.withFiber((fiber) => {
      const node = nodeOf(fiber)
      if (dest.node === node.name) return sendToName(dest.name, message)
      if (node.distribution !== undefined) {
        kernel.sendRemote(node, kernel.callerOf(fiber)?.pid ?? node.systemPid, dest, message)
      }
      return Effect.void
    })
  }
  return Effect.withFiber((fiber) => {
    const record = kernel.recordOf(dest)
    if (record !== undefined && record.node.distribution === undefined) return sendToRecord(record, message)
    const local = route(fiber, dest, record, message)
    if (local !== undefined) return sendToRecord(local, message)
    if (record === undefined) kernel.droppedAtExited(dest)
    return Effect.void
  })
} as never

const sendToName = (
  name: string,
  message: unknown
): Effect.Effect<void, Errors.NotRegistered | Errors.MailboxFull, Node> =>
  Effect.flatMap(nodeState, (node): Effect.Effect<void, Errors.NotRegistered | Errors.MailboxFull> => {
    const record = node.names.get(name)
    if (record === undefined) return Effect.fail(new Errors.NotRegistered({ registeredName: name }))
    return sendToRecord(record, message)
  })

const sendToRecord = (record: kernel.ProcessRecord, message: unknown): Effect.Effect<void, Errors.MailboxFull> => {
  const result = kernel.offer(record, message)
  if (result !== "full") return Effect.void
  if (record.overflow === "fail") {
    return Effect.fail(new Errors.MailboxFull({ pid: record.pid, capacity: record.capacity }))
  }
  return kernel.offerSuspending(record, message)
}

/**
 * Sends a message synchronously, from anywhere (a callback, an event listener). Returns whether the
 * message was enqueued: `false` when the process has exited or its bounded mailbox is full (a full
 * `"suspend"` mailbox cannot make a synchronous caller wait, so the message is dropped and counted).
 *
 * @since 0.1.0
 * @category messages
 */
export const sendUnsafe = <M, SE>(dest: Pid<M, SE>, message: NoInfer<M>): boolean => {
  const record = kernel.recordOf(dest)
  if (record !== undefined) return kernel.offerUnsafe(record, message)
  kernel.droppedAtExited(dest)
  return false
}

/**
 * Where a process is in its life: `"runnable"` (ready, not yet running), `"running"`,
 * `"waiting"` (in `receive`), `"exiting"` (its exit signals are going out) or `"exited"`.
 *
 * @since 0.2.0
 * @category models
 */
export type Status = "runnable" | "running" | "waiting" | "exiting" | "exited"

/**
 * @since 0.1.0
 * @category messages
 */
export interface ReceiveOptions {
  /**
   * How long to wait for a matching message. With a timeout, `receive` returns an `Option`:
   * `None` when the time ran out. `0` only looks at what is already in the mailbox.
   */
  readonly timeout: Duration.Input
}

/**
 * Takes a message from the process's mailbox, waiting for one if need be.
 *
 * **Details**
 *
 * - With a predicate (or a refinement such as {@link matchTag}), it takes the first message that
 *   matches; the messages it skips stay in the mailbox in their order, for later receives.
 * - With `{ timeout }`, it returns `Option.some(message)`, or `Option.none()` when the time ran out.
 *   The timeout is a message from a timer to the process itself; a message that arrives later is
 *   still there for the next receive. A timeout that is negative, NaN or not a duration fails with
 *   `Errors.BadArgument` (OTP's `timeout_value` error) without receiving anything.
 *
 * @example
 * ```ts
 * import { Effect, Option } from "effect"
 * import { Process } from "effect-otp"
 *
 * type Msg = { readonly _tag: "Job"; readonly n: number } | { readonly _tag: "Stop" }
 *
 * const worker = Effect.gen(function*() {
 *   // only Stop, leaving Jobs in the mailbox
 *   const stop = yield* Process.receive(Process.matchTag<Msg>()("Stop"))
 *   // any message, or None after 1 second
 *   const next = yield* Process.receive<Msg>({ timeout: "1 second" })
 *   if (Option.isSome(next)) yield* Effect.log(next.value._tag)
 * })
 * ```
 *
 * @since 0.1.0
 * @category messages
 */
export const receive: {
  <M = unknown>(): Effect.Effect<M, never, Self<M>>
  <M = unknown>(options: ReceiveOptions): Effect.Effect<Option.Option<M>, Errors.BadArgument, Self<M>>
  <M, S extends M>(match: (message: M) => message is S): Effect.Effect<S, never, Self<M>>
  <M>(match: (message: M) => boolean): Effect.Effect<M, never, Self<M>>
  <M, S extends M>(
    match: (message: M) => message is S,
    options: ReceiveOptions
  ): Effect.Effect<Option.Option<S>, Errors.BadArgument, Self<M>>
  <M>(
    match: (message: M) => boolean,
    options: ReceiveOptions
  ): Effect.Effect<Option.Option<M>, Errors.BadArgument, Self<M>>
} = ((matchOrOptions?: ((message: unknown) => boolean) | ReceiveOptions, maybeOptions?: ReceiveOptions) => {
  const match = typeof matchOrOptions === "function" ? matchOrOptions : undefined
  const options = typeof matchOrOptions === "function" ? maybeOptions : matchOrOptions
  if (options === undefined) {
    if (match === undefined) return kernel.receiveAny
    return Effect.flatMap(selfRecord, (record) => kernel.receive(record, match, undefined, false))
  }
  const millis = validate.timeoutMillis(options.timeout)
  if (millis === undefined) return Effect.fail(validate.badTimeout("Process.receive", "timeout", options.timeout))
  const timeout = Duration.millis(millis)
  return Effect.flatMap(selfRecord, (record) =>
    Effect.map(kernel.receiveWithin(record, match, timeout), (message) =>
      message === kernel.TimedOut ? Option.none() : Option.some(message)
    )
  )
}) as never

/**
 * A refinement that matches messages by `_tag`, for selective receive.
 *
 * @example
 * ```ts
 * import { Process } from "effect-otp"
 *
 * type Msg = { readonly _tag: "A" } | { readonly _tag: "B" } | { readonly _tag: "C" }
 * const aOrB = Process.receive(Process.matchTag<Msg>()("A", "B")) // Effect<{_tag:"A"} | {_tag:"B"}, never, Self<Msg>>
 * ```
 *
 * @since 0.1.0
 * @category messages
 */
export const matchTag =
  <M extends { readonly _tag: string }>() =>
  <const T extends ReadonlyArray<M["_tag"]>>(...tags: T) =>
  (message: M): message is Extract<M, { readonly _tag: T[number] }> =>
    tags.includes(message._tag)

// ---------------------------------------------------------------------------------------------
// Exit signals, links, monitors
// ---------------------------------------------------------------------------------------------

/**
 * Sends an exit signal to `pid`, or (with only a reason) ends the calling process with that reason,
 * like Erlang's `exit/2` and `exit/1`.
 *
 * **Details**
 *
 * - A target that traps exits receives `Exit { from, reason }`, whatever the reason.
 * - Otherwise `Normal` is ignored (unless the target is the caller: then it exits `Normal`), and
 *   any other reason ends the target with that reason.
 * - Outside a process, the signal comes from the node's system pid (`<n.0.0>`).
 *
 * **No data-last form.** Unlike {@link send}, `exit` is not `dual`: its one-argument form is
 * Erlang's `exit/1` (the caller exits), so `Process.exit(reason)` cannot also be a function of a
 * pid. To signal a pid in a pipeline, write `(pid) => Process.exit(pid, reason)`.
 *
 * @since 0.1.0
 * @category signals
 */
export const exit: {
  (pid: Pid<never, unknown>, reason: ExitReason.ExitReason): Effect.Effect<void>
  (reason: ExitReason.ExitReason): Effect.Effect<never, never, Self<unknown>>
} = ((pidOrReason: Pid<never, unknown> | ExitReason.ExitReason, maybeReason?: ExitReason.ExitReason) => {
  if (PidModule.isPid(pidOrReason)) {
    const target = pidOrReason
    return Effect.withFiber((fiber) => {
      const caller = kernel.callerOf(fiber)
      const node = senderNodeOf(fiber)
      if (node !== undefined && kernel.isRemote(node, target)) {
        node.distribution!.exit(caller?.pid ?? node.systemPid, target, maybeReason!, "exit")
        return Effect.void
      }
      const record = kernel.liveRecordOf(target)
      if (record === undefined) return Effect.void
      kernel.exitSignal(record, (caller?.pid ?? record.node.systemPid) as never, maybeReason!, "exit")
      return Effect.void
    })
  }
  const reason = pidOrReason
  return Effect.flatMap(selfRecord, (record) => {
    kernel.terminate(record, reason, false)
    return Effect.interrupt
  })
}) as never

/**
 * Kills a process: an untrappable exit signal. The target exits with `Killed`.
 *
 * @since 0.1.0
 * @category signals
 */
export const kill = (pid: Pid<never, unknown>): Effect.Effect<void> =>
  Effect.withFiber((fiber) => {
    const node = senderNodeOf(fiber)
    if (node !== undefined && kernel.isRemote(node, pid)) {
      node.distribution!.exit(kernel.callerOf(fiber)?.pid ?? node.systemPid, pid, ExitReason.killed, "kill")
      return Effect.void
    }
    const record = kernel.liveRecordOf(pid)
    if (record !== undefined) kernel.exitSignal(record, record.node.systemPid, ExitReason.killed, "kill")
    return Effect.void
  })

/**
 * Sets whether the calling process traps exits; returns the previous setting. A process that traps
 * exits receives exit signals as `Exit` messages instead of exiting (except `kill`).
 *
 * @since 0.1.0
 * @category signals
 */
export const trapExit = (trap: boolean): Effect.Effect<boolean, never, Self<unknown>> =>
  Effect.map(selfRecord, (record) => kernel.setTrapExit(record, trap))

/**
 * Links the calling process to `pid`, both ways. Linking to a process that does not exist gives
 * `NoProc` at once: an `Exit` message if the caller traps exits, else the caller exits with `NoProc`.
 * Linking twice, or to oneself, does nothing.
 *
 * @since 0.1.0
 * @category signals
 */
export const link = (pid: Pid<never, unknown>): Effect.Effect<void, never, Self<unknown>> =>
  Effect.flatMap(selfRecord, (self) => {
    if (kernel.isRemote(self.node, pid)) {
      kernel.linkRemote(self, pid)
      return Effect.void
    }
    return kernel.linkOrNoProc(self, pid, kernel.liveRecordOf(pid)) ? Effect.void : Effect.interrupt
  })

/**
 * Removes the link between the caller and `pid`, both ways. No exit signal from that link arrives
 * afterwards.
 *
 * @since 0.1.0
 * @category signals
 */
export const unlink = (pid: Pid<never, unknown>): Effect.Effect<void, never, Self<unknown>> =>
  Effect.map(selfRecord, (self) => {
    if (kernel.isRemote(self.node, pid)) return kernel.unlinkRemote(self, pid)
    const target = kernel.recordOf(pid)
    if (target !== undefined) kernel.unlinkRecords(self, target)
  })

/**
 * Monitors `pid`: when it exits, the caller receives `Down { ref, pid, reason }`, once. Monitoring
 * a process that does not exist gives `Down` with `NoProc` at once.
 *
 * **Details**: `{ name, node }` monitors the process registered as `name` on `node` (Erlang's
 * `monitor(process, {Name, Node})`, MONITOR_P with the name): the `Down` comes with its exit
 * reason, `NoProc` at once when nobody holds the name, `NoConnection` when the connection to
 * `node` is lost. The name is resolved once, when the monitor is set (by the other node when it
 * arrives there). The `Down` of a monitor by name carries `name: { name, node }` (Erlang's
 * `{Name, Node}` object); its `pid` is the holder's when the name is on the caller's node, and
 * `<node.0.0>` (`Pid.make(node, 0, 0)`) otherwise, or when nobody held the name: MONITOR_P_EXIT
 * gives the name, not the pid. A `Down` of a monitor by pid has `name: undefined`.
 *
 * @since 0.1.0
 * @category signals
 */
export const monitor = (pid: Pid<never, unknown> | RemoteName): Effect.Effect<MonitorRef, never, Self<unknown>> =>
  Effect.map(selfRecord, (self) => {
    if (!("id" in pid)) {
      if (self.node.distribution !== undefined && pid.node !== self.node.name) return kernel.monitorRemote(self, pid)
      const holder = pid.node === self.node.name ? self.node.names.get(pid.name) : undefined
      const live = holder !== undefined && holder.status !== "exited" ? holder : undefined
      return kernel.monitorRecord(self, live, live?.pid ?? kernel.namePid(pid), { name: pid.name, node: pid.node })
    }
    return kernel.isRemote(self.node, pid)
      ? kernel.monitorRemote(self, pid)
      : kernel.monitorRecord(self, kernel.liveRecordOf(pid), pid)
  })

/**
 * Removes a monitor; returns whether it was active. With `{ flush: true }` it also removes a `Down`
 * for it that had already arrived, so none is received afterwards (Erlang's `[flush]`).
 *
 * @since 0.1.0
 * @category signals
 */
export const demonitor = (
  ref: MonitorRef,
  options?: { readonly flush?: boolean | undefined }
): Effect.Effect<boolean, never, Self<unknown>> =>
  Effect.map(selfRecord, (self) => {
    const active = kernel.demonitorRecord(self, ref) || kernel.demonitorRemote(self, ref)
    if (options?.flush === true) kernel.flushMessages(self, (m) => m instanceof kernel.DownMessage && m.ref === ref)
    return active
  })

// ---------------------------------------------------------------------------------------------
// Inspection
// ---------------------------------------------------------------------------------------------

/**
 * Tells whether the process is alive.
 *
 * @since 0.1.0
 * @category debugging
 */
export const isAlive = (pid: Pid<never, unknown>): Effect.Effect<boolean> =>
  Effect.sync(() => kernel.liveRecordOf(pid) !== undefined)

/**
 * What `info` tells about a live process.
 *
 * @since 0.1.0
 * @category debugging
 */
export interface Info {
  readonly pid: Pid<never, unknown>
  /** `runnable` (spawned, not yet run), `running`, `waiting` (in a receive), `exiting`. */
  readonly status: Status
  /** Messages waiting: in the queue and in the save list. */
  readonly mailboxLength: number
  readonly links: ReadonlyArray<Pid<never, unknown>>
  /** The monitors this process holds. */
  readonly monitors: ReadonlyArray<{ readonly ref: MonitorRef; readonly pid: Pid<never, unknown> }>
  /** The processes monitoring this one. */
  readonly monitoredBy: ReadonlyArray<Pid<never, unknown>>
  readonly trapExit: boolean
  readonly registeredName: Option.Option<string>
  /** Messages enqueued in its mailbox so far. */
  readonly messagesReceived: number
  /** Messages its bounded mailbox dropped. */
  readonly messagesDropped: number
}

/**
 * Information about a live process, or `None` if it has exited (Erlang's `process_info/1`).
 *
 * @since 0.1.0
 * @category debugging
 */
export const info = (pid: Pid<never, unknown>): Effect.Effect<Option.Option<Info>> =>
  Effect.sync(() => {
    const record = kernel.liveRecordOf(pid)
    if (record === undefined) return Option.none()
    return Option.some({
      pid: record.pid,
      status: record.status,
      mailboxLength: record.mailboxLength,
      links: [...Array.from(record.links ?? [], (linked) => linked.pid), ...kernel.remoteLinksOf(record)],
      monitors: Array.from(record.monitors?.values() ?? [], (m) => ({ ref: m.ref, pid: m.target.pid })),
      monitoredBy: Array.from(record.monitoredBy?.values() ?? [], (m) => m.watcher.pid),
      trapExit: record.trapExit,
      registeredName: Option.fromUndefinedOr(record.name),
      messagesReceived: record.received,
      messagesDropped: record.dropped
    })
  })

/**
 * A process and its mailbox length, as {@link largestMailboxes} reports it.
 *
 * @since 0.2.0
 * @category debugging
 */
export interface MailboxLength {
  readonly pid: Pid<never, unknown>
  readonly registeredName: Option.Option<string>
  /** Messages waiting: in the queue and in the save list (as `Info.mailboxLength`). */
  readonly mailboxLength: number
}

/**
 * The `n` live processes of the current node with the most messages waiting, longest first (ties
 * in spawn order); processes with an empty mailbox are left out. Fails with `BadArgument` when `n`
 * is not a non-negative integer.
 *
 * **Details**
 *
 * Computed when asked, from the process table (one pass over it, keeping the `n` largest): nothing
 * is counted per message, so it costs nothing until it is called, and then time proportional to
 * the number of processes. The answer is a snapshot: mailboxes move on as soon as it is taken. It
 * is the query an operator reaches for when a node slows down (recon's `proc_count(message_queue_len, N)`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Node, Process } from "effect-otp"
 *
 * const program = Effect.gen(function*() {
 *   const busy = yield* Process.spawn(Process.receive<string>({ timeout: "1 hour" }))
 *   yield* Process.send(busy, "a")
 *   return yield* Process.largestMailboxes(5) // [{ pid: busy, registeredName: None, mailboxLength: 1 }]
 * })
 *
 * Effect.runPromise(program.pipe(Effect.provide(Node.layer()), Effect.scoped))
 * ```
 *
 * @since 0.2.0
 * @category debugging
 */
export const largestMailboxes = (n: number): Effect.Effect<ReadonlyArray<MailboxLength>, Errors.BadArgument, Node> =>
  Effect.suspend(() => {
    if (!(typeof n === "number" && Number.isInteger(n) && n >= 0)) {
      return Effect.fail(
        new Errors.BadArgument({
          function: "Process.largestMailboxes",
          field: "n",
          value: n,
          reason: "must be a non-negative integer"
        })
      )
    }
    return Effect.map(nodeState, (node) => {
      // the n largest so far, longest first; a new one goes after those at least as long (spawn order)
      const top: Array<kernel.ProcessRecord> = []
      if (n === 0) return []
      for (const record of node.table.values()) {
        const length = record.mailboxLength
        if (length === 0 || record.status === "exited") continue
        if (top.length === n && top[n - 1]!.mailboxLength >= length) continue
        let i = top.length
        while (i > 0 && top[i - 1]!.mailboxLength < length) i--
        top.splice(i, 0, record)
        if (top.length > n) top.pop()
      }
      return top.map((record) => ({
        pid: record.pid,
        registeredName: Option.fromUndefinedOr(record.name),
        mailboxLength: record.mailboxLength
      }))
    })
  })

/**
 * Waits until the process exits and returns its exit reason; `NoProc` if the pid is unknown here.
 * Not in Erlang (there you would monitor): handy from plain Effect code that is not a process,
 * such as a test.
 *
 * **Details**
 *
 * The waiter goes on once the exit has been fully handled: links signalled, monitors' `Down`s
 * delivered, names and `Registry` entries freed. It is resumed from a microtask, never inside the
 * exiting process's exit.
 *
 * A pid of an ended process keeps its exit reason (and nothing else of the process: no record,
 * mailbox or links), so `awaitExit` on it answers at once with that reason. A pid of a local
 * process made elsewhere (decoded from a message of another node or thread) has no such memory:
 * once the process has exited, it gives `NoProc`.
 *
 * @since 0.1.0
 * @category debugging
 */
export const awaitExit = (pid: Pid<never, unknown>): Effect.Effect<ExitReason.ExitReason> => kernel.awaitExit(pid)

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

/**
 * Registers a local name for a live process of this node (Erlang's `register/2`). The name is freed
 * when the process exits.
 *
 * **Errors**: `AlreadyRegistered` when the name is taken or the process already has a name;
 * `NoProc` when the process is not alive on this node.
 *
 * Erlang's argument order, the name first; `Process.register(name)` is a function of the pid
 * (`pid.pipe(Process.register("logger"))`).
 *
 * @since 0.1.0
 * @category names
 */
export const register: {
  (name: string): (pid: Pid<never, unknown>) => Effect.Effect<void, Errors.AlreadyRegistered | Errors.NoProc, Node>
  (name: string, pid: Pid<never, unknown>): Effect.Effect<void, Errors.AlreadyRegistered | Errors.NoProc, Node>
} = function (name: string, pid?: Pid<never, unknown>): any {
  // biome-ignore lint/complexity/noArguments: the data-last form is told apart by its arity
  if (arguments.length === 1) return (pid: Pid<never, unknown>) => registerPid(name, pid)
  return registerPid(name, pid!)
}

const registerPid = (
  name: string,
  pid: Pid<never, unknown>
): Effect.Effect<void, Errors.AlreadyRegistered | Errors.NoProc, Node> =>
  Effect.flatMap(nodeState, (node): Effect.Effect<void, Errors.AlreadyRegistered | Errors.NoProc> => {
    const record = kernel.liveRecordOf(pid)
    if (record === undefined || record.node !== node) return Effect.fail(kernel.noProcFor(pid))
    const holder = node.names.get(name)
    if (holder !== undefined)
      return Effect.fail(new Errors.AlreadyRegistered({ registeredName: name, pid: holder.pid }))
    if (record.name !== undefined)
      return Effect.fail(new Errors.AlreadyRegistered({ registeredName: record.name, pid: record.pid }))
    kernel.registerName(record, name)
    return Effect.void
  })

/**
 * Removes a registered name (Erlang's `unregister/1`). Fails with `NotRegistered` if no process has it.
 *
 * @since 0.1.0
 * @category names
 */
export const unregister = (name: string): Effect.Effect<void, Errors.NotRegistered, Node> =>
  Effect.flatMap(nodeState, (node) => {
    if (kernel.unregisterName(node, name) === undefined) {
      return Effect.fail(new Errors.NotRegistered({ registeredName: name }))
    }
    return Effect.void
  })

/**
 * The pid registered under `name`, if any (Erlang's `whereis/1`).
 *
 * @since 0.1.0
 * @category names
 */
export const whereis = <M = unknown>(
  name: string
): Effect.Effect<Option.Option<Pid<M, Errors.MailboxFull>>, never, Node> =>
  Effect.map(nodeState, (node) =>
    Option.fromUndefinedOr(node.names.get(name)?.pid as Pid<M, Errors.MailboxFull> | undefined)
  )

/**
 * The registered names of this node (Erlang's `registered/0`).
 *
 * @since 0.1.0
 * @category names
 */
export const registered: Effect.Effect<ReadonlyArray<string>, never, Node> = Effect.map(nodeState, (node) =>
  Array.from(node.names.keys())
)

// ---------------------------------------------------------------------------------------------
// Timers
// ---------------------------------------------------------------------------------------------

/**
 * Sends `message` to `dest` after `delay` (Erlang's `erlang:send_after/3`) and returns a reference
 * for {@link cancelTimer}. The timer belongs to the calling process and dies with it. It runs on
 * Effect's `Clock`, so tests drive it with `TestClock`. A `delay` that is negative, NaN or not a
 * duration fails with `Errors.BadArgument` (OTP's `badarg`) and starts no timer. Data-last:
 * `pid.pipe(Process.sendAfter(message, delay))`.
 *
 * @since 0.1.0
 * @category timers
 */
export const sendAfter: {
  <const M>(
    message: M,
    delay: Duration.Input
  ): <SE>(dest: Pid<M, SE>) => Effect.Effect<TimerRef, Errors.BadArgument, Self<unknown>>
  <M, SE>(
    dest: Pid<M, SE>,
    message: NoInfer<M>,
    delay: Duration.Input
  ): Effect.Effect<TimerRef, Errors.BadArgument, Self<unknown>>
} = dual(
  3,
  <M, SE>(
    dest: Pid<M, SE>,
    message: M,
    delay: Duration.Input
  ): Effect.Effect<TimerRef, Errors.BadArgument, Self<unknown>> => {
    const millis = validate.timeoutMillis(delay)
    if (millis === undefined) return Effect.fail(validate.badTimeout("Process.sendAfter", "delay", delay))
    return Effect.flatMap(selfRecord, (owner) => {
      const ref = new kernel.TimerRef(owner)
      return Effect.as(
        kernel.startTimer(
          owner,
          Duration.millis(millis),
          // a pid of another node: through the owner's node's transport when the timer fires
          kernel.isRemote(owner.node, dest)
            ? () => kernel.sendRemote(owner.node, owner.pid, dest, message)
            : () => void sendUnsafe(dest, message),
          ref.id
        ),
        ref
      )
    })
  }
)

/**
 * Cancels a timer; returns the time it had left, or `None` if it had already fired or been cancelled.
 *
 * @since 0.1.0
 * @category timers
 */
export const cancelTimer = (ref: TimerRef): Effect.Effect<Option.Option<Duration.Duration>> =>
  Effect.map(
    Effect.clockWith((clock) => Effect.succeed(clock.currentTimeMillisUnsafe())),
    (now) => {
      const left = kernel.cancelTimerUnsafe(ref.owner, ref.id, now)
      return left === undefined ? Option.none() : Option.some(Duration.millis(left))
    }
  )

// ---------------------------------------------------------------------------------------------
// System lane (for behaviours)
// ---------------------------------------------------------------------------------------------

/**
 * Installs the handler of the calling process's system lane: system messages (sent with
 * {@link sendSystem}) are handled by it, inside the process, before any user message. Behaviours
 * use it for `Sys` requests. Without a handler, system messages are discarded.
 *
 * @since 0.1.0
 * @category system
 */
export const setSystemHandler = (
  handler: (message: unknown) => Effect.Effect<void>
): Effect.Effect<void, never, Self<unknown>> =>
  Effect.map(selfRecord, (record) => kernel.setSystemHandler(record, handler))

/**
 * Puts a message in a process's system lane: it is handled at the process's next receive, before
 * any user message already waiting. Returns `false` if the process has exited. Data-last:
 * `pid.pipe(Process.sendSystem(message))`.
 *
 * @since 0.1.0
 * @category system
 */
export const sendSystem: {
  (message: unknown): (pid: Pid<never, unknown>) => Effect.Effect<boolean>
  (pid: Pid<never, unknown>, message: unknown): Effect.Effect<boolean>
} = dual(
  2,
  (pid: Pid<never, unknown>, message: unknown): Effect.Effect<boolean> =>
    Effect.sync(() => {
      const record = kernel.liveRecordOf(pid)
      return record !== undefined && kernel.pushSystem(record, message)
    })
)
