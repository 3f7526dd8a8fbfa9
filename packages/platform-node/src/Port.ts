/**
 * Ports: an operating-system program as a process of the node (Erlang's ports).
 *
 * {@link open} starts a program and returns a {@link Port}: a process with a pid (`port.pid`)
 * that can be linked, monitored, registered (`name`) and supervised ({@link childSpec}). The
 * program's stdout is cut into messages to the port's owner (the process that opened it) by the
 * port's {@link Mode}; {@link command} writes to the program's stdin; {@link call} sends a request
 * and waits for the reply line, for programs that answer one line per request; {@link close} ends
 * the program. It is built on Effect's `ChildProcess` (`effect/process`), with the program in a
 * process group of its own.
 *
 * ## Example
 *
 * ```ts
 * import { Effect } from "effect"
 * import { Node, Process } from "effect-otp"
 * import { Port } from "@effect-otp/platform-node"
 *
 * const program = Effect.gen(function*() {
 *   const port = yield* Port.open("cat", [], { mode: Port.lines() })
 *   yield* Port.command(port, "hello")
 *   const data = yield* Process.receive(Port.isData<string>) // Data { port, data: "hello", eol: true }
 *   yield* Port.close(port)                                   // ExitStatus { code: 0, signal: null }
 *   return data.data
 * })
 *
 * const main = Effect.gen(function*() {
 *   const pid = yield* Process.spawn(program)
 *   return yield* Process.awaitExit(pid)
 * }).pipe(Effect.provide(Node.layer()))
 * ```
 *
 * ## Modes
 *
 * | mode | the owner receives `Data.data` as | a command writes |
 * |---|---|---|
 * | {@link raw} (the default, Erlang's `stream`) | `Uint8Array` chunks, as they are read | the bytes (a string as UTF-8) |
 * | {@link lines}`({ maxLength })` (Erlang's `{line, L}`) | one `string` per line, without its newline; a line longer than `maxLength` bytes comes in pieces with `eol: false`, its end with `eol: true` | the string and a newline |
 * | {@link packet}`(1 \| 2 \| 4)` (Erlang's `{packet, N}`) | one `Uint8Array` per packet, its big-endian length header removed | the bytes with their header |
 * | {@link ndjson}`({ schema })` | one JSON value per line, decoded with `schema` when given | the value as one JSON line |
 *
 * ## Messages to the owner
 *
 * - {@link Data}`(port, data, eol)`: a frame of output, in order.
 * - {@link ExitStatus}`(port, code, signal)`: the program exited by itself; after all its output.
 *   Not sent with `exitStatus: false`, nor after {@link close}.
 * - {@link InvalidData}`(port, line, field, issue)` (`ndjson` only): a line that is not JSON or does
 *   not decode with the schema. It is counted (`info`), logged at warning level, and the port goes
 *   on reading: a bad line never crashes the port or its owner.
 *
 * ## Life and death
 *
 * - The port is linked to the process that opened it. When that process exits, **whatever its
 *   reason** (`Normal` included, as an Erlang port closes with its connected process), the port
 *   exits with the same reason and the program's whole process group is terminated: SIGTERM, then
 *   SIGKILL after `killTimeout`. The port's `Down` and exit signals are sent once the group is
 *   gone, so a monitor's `Down` means no process of the program is left.
 * - When the program exits, the port exits: `Normal` for status 0, `Failure` with the
 *   {@link ExitStatus} for any other status or a signal, so that a `transient` child is restarted
 *   exactly when the program failed. A linked owner that does not trap exits goes down with a
 *   failing program, as with any linked worker. What the program left running in its process group
 *   is terminated as well.
 * - `Process.exit(port.pid, reason)` and `Process.kill(port.pid)` stop the port and the group the
 *   same way.
 *
 * ## What each failure returns
 *
 * | call | fails with | when |
 * |---|---|---|
 * | {@link open}, {@link childSpec}'s start | `CannotStart` (the command, its args, the platform's reason `NotFound` / `PermissionDenied` / ..., the system's code such as `ENOENT`) | the program cannot be started (missing binary, no permission, a bad `cwd`); no process is left |
 * | {@link open} | `Errors.BadArgument` | a bad command, args or option (checked before anything starts) |
 * | {@link open} | `Errors.AlreadyRegistered` | `name` is taken; the program was not started |
 * | {@link command}, {@link call}, {@link close} | `Errors.NoProc` | the port has exited (or no port has that name) |
 * | {@link command}, {@link call} | `StdinClosed` | the port is closing, or the program's stdin is broken |
 * | {@link command}, {@link call} | `Errors.BadArgument` | data the mode cannot write (a newline in a line, a packet too long for its header, a value that is not JSON) |
 * | {@link call} | `GenServer.CallTimeout` | no reply within `timeout` (default 5 s); the late reply is dropped |
 * | {@link call} | `GenServer.ServerExited` | the port exited before the reply; the reason inside |
 * | {@link call} | `InvalidData` | the reply did not decode (`ndjson`) or was longer than `maxLength` (`lines`) |
 * | the port's exit reason | `Failure(ExitStatus)` | the program exited with a status other than 0, or by a signal |
 * | the port's exit reason | `Failure(PacketTooLong)` | a packet header announced more than the mode's `maxLength`: the stream cannot be read on, the program is terminated |
 *
 * ## Differences from OTP
 *
 * - A port is a process (`port.pid`), not a separate kind of identifier; `Port.command` is a
 *   function, not a `{command, Data}` message, and it suspends the caller while the program does
 *   not read (OTP's busy port), so a slow program never makes the node buffer without bound.
 * - The port exits `Failure(ExitStatus)` when the program fails; an Erlang port closes with
 *   `normal` and reports the status only in `{exit_status, N}`. A death by signal has
 *   `code: null, signal: "SIGKILL"` where Erlang reports `128 + N`.
 * - `Port.close` waits for the program to exit after EOF on its stdin, and kills its group after
 *   `killTimeout`; `port_close/1` only closes the port. The port exits `Normal`.
 * - `exitStatus` is on by default (`exit_status` is off by default in OTP).
 * - {@link call} is this library's: Erlang's `port_call/3` talks to drivers, not to programs.
 * - The owner of a supervised port ({@link childSpec}) is given by `owner` (a pid or a registered
 *   name); the port is linked to its supervisor, whose exit closes it.
 *
 * @since 0.2.0
 */
import type * as Duration from "effect/Duration"
import type * as Equal from "effect/Equal"
import type * as Pipeable from "effect/Pipeable"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import type { ChildSpec, Errors, GenServer, Node, Pid, Process } from "effect-otp"
import * as internal from "./internal/port.ts"
import {
  ExitStatus,
  InvalidData,
  CannotStart,
  PacketTooLong,
  StdinClosed,
  type Mode,
  type LinesMode,
  type PacketMode,
  type RawMode,
  type NdjsonMode,
  type DataOf,
  type InputOf
} from "./internal/port.ts"

// ---------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------

/**
 * A running program: a process of the node (`pid`) and its operating-system process (`osPid`, the
 * leader of its own process group). `A` is what the owner receives as data, `I` what
 * {@link command} writes. Ports are compared by pid.
 *
 * @since 0.2.0
 * @category models
 */
export interface Port<out A = unknown, in I = never> extends Pipeable.Pipeable, Equal.Equal {
  readonly [internal.TypeId]: { readonly _A: (_: never) => A; readonly _I: (_: I) => void }
  readonly pid: Pid.Pid<never, unknown>
  readonly osPid: number
  readonly command: string
  readonly args: ReadonlyArray<string>
}

export type {
  /**
   * How a port cuts the program's output into messages and writes commands. See the module docs.
   *
   * @since 0.2.0
   * @category models
   */
  Mode
}

export type {
  /**
   * @since 0.2.0
   * @category models
   */
  LinesMode
}

export type {
  /**
   * @since 0.2.0
   * @category models
   */
  PacketMode
}

export type {
  /**
   * @since 0.2.0
   * @category models
   */
  RawMode
}

export type {
  /**
   * @since 0.2.0
   * @category models
   */
  NdjsonMode
}

export type {
  /**
   * What the owner receives as data in a mode: `string` (lines), `Uint8Array` (packet, raw), the
   * schema's type (ndjson).
   *
   * @since 0.2.0
   * @category type-level
   */
  DataOf
}

export type {
  /**
   * What {@link command} writes in a mode.
   *
   * @since 0.2.0
   * @category type-level
   */
  InputOf
}

/**
 * Lines separated by `\n`, at most `maxLength` bytes each (default 64 KiB): a longer line comes in
 * pieces flagged `eol: false` (Erlang's `noeol`), then its end with `eol: true`. Commands are
 * strings written with a newline. Output is decoded as UTF-8: use {@link packet} or {@link raw}
 * for arbitrary bytes.
 *
 * @since 0.2.0
 * @category constructors
 */
export const lines: (options?: { readonly maxLength?: number | undefined }) => LinesMode = internal.lines

/**
 * Packets with a `size`-byte big-endian length header, both ways (Erlang's `{packet, N}`). A
 * header above `maxLength` (default: what the header can say, at most 64 MiB) ends the port with
 * `Failure(PacketTooLong)`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const packet: (size: 1 | 2 | 4, options?: { readonly maxLength?: number | undefined }) => PacketMode =
  internal.packet

/**
 * The bytes as they come, in chunks of whatever size the system reads (Erlang's `stream`).
 *
 * @since 0.2.0
 * @category constructors
 */
export const raw: RawMode = internal.raw

/**
 * One JSON value per line, decoded with `schema` when one is given. A line that is not JSON, does
 * not decode, or is longer than `maxLength` (default 64 KiB) is an {@link InvalidData} message,
 * counted and logged; the port reads on.
 *
 * @since 0.2.0
 * @category constructors
 */
export const ndjson: <A = unknown>(options?: {
  readonly schema?: Schema.Decoder<A> | undefined
  readonly maxLength?: number | undefined
}) => NdjsonMode<A> = internal.ndjson

/**
 * A frame of the program's output, for the owner. `eol` is `false` only for the pieces of an
 * over-long line in `lines` mode (and a last line without a newline).
 *
 * @since 0.2.0
 * @category messages
 */
export const Data: new <A>(args: { readonly port: Port<A, any>; readonly data: A; readonly eol: boolean }) => Data<A> =
  internal.Data_ as never

/**
 * @since 0.2.0
 * @category messages
 */
export interface Data<A> {
  readonly _tag: "Data"
  readonly port: Port<A, any>
  readonly data: A
  readonly eol: boolean
}

export {
  /**
   * The program exited by itself with `code`, or was ended by `signal` (then `code` is `null`). The
   * owner's message, and the port's `Failure` when the program did not exit with 0.
   *
   * @since 0.2.0
   * @category messages
   */
  ExitStatus
}

export {
  /**
   * A line of an `ndjson` port that is not JSON or does not decode with its schema (or is too long):
   * `field` and `issue` say what is wrong. The owner's message, or a call's error.
   *
   * @since 0.2.0
   * @category messages
   */
  InvalidData
}

/**
 * What the owner of a port with data `A` receives.
 *
 * @since 0.2.0
 * @category messages
 */
export type Message<A> = Data<A> | ExitStatus | InvalidData

/**
 * @since 0.2.0
 * @category guards
 */
export const isData = <A = unknown>(u: unknown): u is Data<A> => u instanceof internal.Data_

/**
 * @since 0.2.0
 * @category guards
 */
export const isExitStatus = (u: unknown): u is ExitStatus => u instanceof internal.ExitStatus

/**
 * @since 0.2.0
 * @category guards
 */
export const isInvalidData = (u: unknown): u is InvalidData => u instanceof internal.InvalidData

/**
 * @since 0.2.0
 * @category guards
 */
export const isPort: (u: unknown) => u is Port<unknown, never> = internal.isPort

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

export {
  /**
   * The program could not be started: `command` and `args` as given, `reason` the platform's
   * (`NotFound`, `PermissionDenied`, ...), `detail` the system's code (`ENOENT`, `EACCES`, ...).
   * `reason` is `PortExited` (the exit reason in `detail`) when the port process was stopped by an
   * exit signal before the program had started.
   *
   * @since 0.2.0
   * @category errors
   */
  CannotStart
}

export {
  /**
   * A packet header announced more than the mode's `maxLength`; the port exits with it.
   *
   * @since 0.2.0
   * @category errors
   */
  PacketTooLong
}

export {
  /**
   * The program's stdin no longer takes commands: the port is closing, or the program closed it.
   *
   * @since 0.2.0
   * @category errors
   */
  StdinClosed
}

/**
 * The errors of {@link open}.
 *
 * @since 0.2.0
 * @category errors
 */
export type OpenError = CannotStart | Errors.BadArgument | Errors.AlreadyRegistered | Errors.NoProc

// ---------------------------------------------------------------------------------------------
// Opening
// ---------------------------------------------------------------------------------------------

/**
 * @since 0.2.0
 * @category models
 */
export interface Options<M extends Mode> {
  /** How output is framed and commands written. Default {@link raw}. */
  readonly mode?: M | undefined
  /** The working directory. Default: the node's. */
  readonly cwd?: string | undefined
  /** Variables added to (or, `undefined`, removed from) the node's environment. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  /** The program's stderr: the node's (`"inherit"`, the default, as Erlang), `"ignore"`, or merged into its output (`"stdout"`, Erlang's `stderr_to_stdout`; framing modes then see both). */
  readonly stderr?: "inherit" | "ignore" | "stdout" | undefined
  /** Send {@link ExitStatus} to the owner when the program exits. Default `true`. */
  readonly exitStatus?: boolean | undefined
  /** How long {@link close} waits for the exit after EOF, and how long SIGTERM has before SIGKILL. Default 5 seconds. */
  readonly killTimeout?: Duration.Input | undefined
  /** Registers the port's pid under this name. */
  readonly name?: string | undefined
}

/**
 * Starts `command` with `args` (no shell) and returns its port, linked to the caller, which is
 * its owner.
 *
 * **Details**
 *
 * - It returns once the program has started; `CannotStart` when it could not (no process is left).
 * - The owner's message type includes {@link Message}: the `Self` requirement says so.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Process } from "effect-otp"
 * import { Port } from "@effect-otp/platform-node"
 *
 * const lineCount = Effect.gen(function*() {
 *   const port = yield* Port.open("sh", ["-c", "printf 'a\\nb\\n'"], { mode: Port.lines() })
 *   const first = yield* Process.receive(Port.isData<string>)
 *   const second = yield* Process.receive(Port.isData<string>)
 *   const status = yield* Process.receive(Port.isExitStatus) // code 0: the port exits Normal
 *   return [first.data, second.data, status.code]
 * })
 * ```
 *
 * @since 0.2.0
 * @category start
 */
export const open: <const M extends Mode = RawMode>(
  command: string,
  args?: ReadonlyArray<string>,
  options?: Options<M>
) => Effect.Effect<Port<DataOf<M>, InputOf<M>>, OpenError, Node.Node | Process.Self<Message<DataOf<M>>>> =
  internal.open as never

/**
 * @since 0.2.0
 * @category models
 */
export interface ChildSpecOptions<M extends Mode> extends Options<M> {
  /** Who receives the port's messages: a pid or a registered name. Default: nobody (use {@link call}). */
  readonly owner?: Pid.Pid<never, unknown> | string | undefined
  /** Default `"permanent"`; `"transient"` restarts the program only when it fails. */
  readonly restart?: ChildSpec.Restart | undefined
  /** Default: twice `killTimeout` plus a second, room for SIGTERM, then SIGKILL. */
  readonly shutdown?: ChildSpec.Shutdown | undefined
}

/**
 * A child spec that starts the program under a supervisor. The port is linked to the supervisor;
 * its messages go to `owner`. A program that exits with a non-zero status is a crash, counted
 * against the supervisor's intensity; a supervisor's shutdown terminates the program's group.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Supervisor } from "effect-otp"
 * import { Port } from "@effect-otp/platform-node"
 *
 * const tree = Supervisor.start({
 *   strategy: "oneForOne",
 *   intensity: Supervisor.intensity(3, "5 seconds"),
 *   children: [Port.childSpec("helper", "node", ["helper.js"], { mode: Port.lines(), name: "helper" })]
 * })
 * const ask = (question: string) => Port.call("helper", question, { timeout: "1 second" })
 * ```
 *
 * @since 0.2.0
 * @category supervision
 */
export const childSpec: <const M extends Mode = RawMode>(
  id: string,
  command: string,
  args?: ReadonlyArray<string>,
  options?: ChildSpecOptions<M>
) => ChildSpec.ChildSpec<OpenError, Node.Node | Process.Self<unknown>> = internal.childSpec as never

// ---------------------------------------------------------------------------------------------
// Talking to the program
// ---------------------------------------------------------------------------------------------

/**
 * Writes `data` to the program's stdin, framed by the port's mode. It returns once the data is
 * accepted: when the program does not read, the writes queue up to a small bound (16 commands plus
 * the pipe's buffers) and then suspend the caller until the program reads. Commands are written in
 * the order they are accepted. A name addresses a registered port.
 *
 * @since 0.2.0
 * @category client
 */
export const command: {
  <I>(port: Port<any, I>, data: I): Effect.Effect<void, StdinClosed | Errors.NoProc | Errors.BadArgument, Node.Node>
  (name: string, data: unknown): Effect.Effect<void, StdinClosed | Errors.NoProc | Errors.BadArgument, Node.Node>
} = internal.command as never

/**
 * @since 0.2.0
 * @category models
 */
export interface CallOptions {
  /** How long to wait for the reply. Default 5 seconds, as `GenServer.call`. */
  readonly timeout?: Duration.Input | undefined
}

/**
 * The errors of {@link call}.
 *
 * @since 0.2.0
 * @category errors
 */
export type CallError =
  | StdinClosed
  | Errors.NoProc
  | Errors.BadArgument
  | InvalidData
  | GenServer.CallTimeout
  | GenServer.ServerExited

/**
 * Writes `request` and waits for the program's reply: the next frame of output (a line in `lines`
 * and `ndjson` modes, a packet in `packet` mode) that no earlier call is waiting for. Replies are
 * matched to calls in the order the calls were made, so a program that answers each request with
 * one frame, in order, is a service (Proctor's use); output that arrives while no call waits goes
 * to the owner as {@link Data}.
 *
 * **Gotchas**: a `command` whose output is a line would take a call's reply slot: don't mix them on
 * a line protocol. A timed-out call keeps its slot: its late reply is dropped.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Port } from "@effect-otp/platform-node"
 *
 * // a program that answers each line with the line upper-cased: "hello" -> "HELLO"
 * const shout = (port: Port.Port<string, string>) => Port.call(port, "hello", { timeout: "1 second" })
 * ```
 *
 * @since 0.2.0
 * @category client
 */
export const call: {
  <A, I>(port: Port<A, I>, request: I, options?: CallOptions): Effect.Effect<A, CallError, Node.Node>
  (name: string, request: unknown, options?: CallOptions): Effect.Effect<unknown, CallError, Node.Node>
} = internal.call as never

/**
 * Closes the port: EOF on the program's stdin (after the commands already accepted), then waits
 * `killTimeout` for the program to exit; if it has not, its process group gets SIGTERM, then
 * SIGKILL after `killTimeout`. Returns how the program ended; the port exits `Normal` and the
 * owner gets no {@link ExitStatus}.
 *
 * @since 0.2.0
 * @category client
 */
export const close: (port: Port<any, any> | string) => Effect.Effect<ExitStatus, Errors.NoProc, Node.Node> =
  internal.close

// ---------------------------------------------------------------------------------------------
// Inspection
// ---------------------------------------------------------------------------------------------

/**
 * What {@link info} tells about a live port.
 *
 * @since 0.2.0
 * @category models
 */
export interface Info {
  /** The program's operating-system pid (its process group id too). */
  readonly osPid: number
  /** Calls waiting for their reply. */
  readonly pendingCalls: number
  /** Lines that did not decode (`ndjson`) or were too long for a call, so far. */
  readonly invalidData: number
}

/**
 * Information about a live port, or `None` if it has exited.
 *
 * @since 0.2.0
 * @category debugging
 */
export const info: (port: Port<any, any>) => Effect.Effect<Option.Option<Info>> = internal.info

/**
 * The port registered under `name`, if any.
 *
 * @since 0.2.0
 * @category names
 */
export const whereis: (name: string) => Effect.Effect<Option.Option<Port<unknown, unknown>>, never, Node.Node> =
  internal.whereis
