/**
 * The engine of `Port`: a process of the node that owns an operating-system process started by
 * Effect's `ChildProcess` (its Node spawner, `detached`, so the program leads a process group of
 * its own). The process's Scope holds the child: however the port process ends, closing it
 * terminates the whole group (SIGTERM, then SIGKILL after `killTimeout`) before the port's exit
 * is signalled to its links and monitors.
 *
 * @internal
 */
import { NodeChildProcessSpawner, NodeFileSystem, NodePath } from "@effect/platform-node"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Equal from "effect/Equal"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Hash from "effect/Hash"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Pipeable from "effect/Pipeable"
import * as PlatformError from "effect/PlatformError"
import { ChildProcess, ChildProcessSpawner } from "effect/process"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { ChildSpec, Node } from "effect-otp"
import * as Errors from "effect-otp/Errors"
import * as ExitReason from "effect-otp/ExitReason"
import * as GenServer from "effect-otp/GenServer"
import * as Pid from "effect-otp/Pid"
import * as Process from "effect-otp/Process"
import type { CallError, CallOptions, Options } from "../Port.ts"
import { describeIssue } from "./errors.ts"
import * as framing from "./portFraming.ts"
import type { Port } from "../Port.ts"
export type { Port }

// ---------------------------------------------------------------------------------------------
// Modes
// ---------------------------------------------------------------------------------------------

export interface LinesMode {
  readonly _tag: "lines"
  readonly maxLength: number
}
export interface PacketMode {
  readonly _tag: "packet"
  readonly size: 1 | 2 | 4
  readonly maxLength: number
}
export interface RawMode {
  readonly _tag: "raw"
}
export interface NdjsonMode<A> {
  readonly _tag: "ndjson"
  readonly maxLength: number
  readonly schema: Schema.Decoder<A> | undefined
}
export type Mode = LinesMode | PacketMode | RawMode | NdjsonMode<any>

export type DataOf<M> =
  M extends NdjsonMode<infer A> ? A : M extends LinesMode ? string : M extends PacketMode | RawMode ? Uint8Array : never
export type InputOf<M> =
  M extends NdjsonMode<any>
    ? unknown
    : M extends LinesMode
      ? string
      : M extends PacketMode | RawMode
        ? Uint8Array | string
        : never

export const defaultMaxLength = 65536

export const lines = (options?: { readonly maxLength?: number | undefined }): LinesMode => ({
  _tag: "lines",
  maxLength: options?.maxLength ?? defaultMaxLength
})
export const packet = (size: 1 | 2 | 4, options?: { readonly maxLength?: number | undefined }): PacketMode => ({
  _tag: "packet",
  size,
  maxLength: options?.maxLength ?? Math.min(framing.packetLimit(size), 64 * 1024 * 1024)
})
export const raw: RawMode = { _tag: "raw" }
export const ndjson = <A = unknown>(options?: {
  readonly schema?: Schema.Decoder<A> | undefined
  readonly maxLength?: number | undefined
}): NdjsonMode<A> => ({
  _tag: "ndjson",
  maxLength: options?.maxLength ?? defaultMaxLength,
  schema: options?.schema
})

// ---------------------------------------------------------------------------------------------
// Errors and messages
// ---------------------------------------------------------------------------------------------

const portSchema = Schema.declare((u): u is Port<any, any> => u instanceof PortImpl, { expected: "Port" })

export class CannotStart extends Schema.TaggedError<CannotStart>()("CannotStart", {
  command: Schema.String,
  args: Schema.Array(Schema.String),
  /** The platform's reason: `NotFound`, `PermissionDenied`, `BadResource`, ... */
  reason: Schema.String,
  /** The system's words for it, such as `spawn nope ENOENT`. */
  detail: Schema.String
}) {
  override get message(): string {
    return `cannot start "${this.command}": ${this.reason} (${this.detail})`
  }
}

export class ExitStatus extends Schema.TaggedError<ExitStatus>()("ExitStatus", {
  port: portSchema,
  /** The exit code, or `null` when a signal ended the program. */
  code: Schema.NullOr(Schema.Number),
  /** The signal that ended the program (`"SIGKILL"`, ...), or `null` when it exited by itself. */
  signal: Schema.NullOr(Schema.String)
}) {
  override get message(): string {
    const how = this.signal !== null ? `was killed by ${this.signal}` : `exited with status ${this.code}`
    return `program "${this.port.command}" (port ${String(this.port.pid)}) ${how}`
  }
}

export class InvalidData extends Schema.TaggedError<InvalidData>()("InvalidData", {
  port: portSchema,
  /** The line as received (its first 200 characters). */
  line: Schema.String,
  /** The path of the offending field, empty for the line itself. */
  field: Schema.String,
  issue: Schema.String
}) {
  override get message(): string {
    const at = this.field === "" ? "" : ` at field "${this.field}"`
    return `invalid line from "${this.port.command}"${at}: ${this.issue}`
  }
}

export class PacketTooLong extends Schema.TaggedError<PacketTooLong>()("PacketTooLong", {
  port: portSchema,
  length: Schema.Number,
  maxLength: Schema.Number
}) {
  override get message(): string {
    return `"${this.port.command}" announced a packet of ${this.length} bytes, above maxLength ${this.maxLength}`
  }
}

export class StdinClosed extends Schema.TaggedError<StdinClosed>()("StdinClosed", {
  port: portSchema
}) {
  override get message(): string {
    return `the stdin of "${this.port.command}" (port ${String(this.port.pid)}) is closed`
  }
}

export class Data_<A> extends Data.TaggedClass("Data")<{
  readonly port: Port<A, any>
  readonly data: A
  readonly eol: boolean
}> {}

export type Message<A> = Data_<A> | ExitStatus | InvalidData

// ---------------------------------------------------------------------------------------------
// The Port value
// ---------------------------------------------------------------------------------------------

export const TypeId = "~effect-otp/platform-node/Port"

interface Pending {
  readonly reply: Deferred.Deferred<unknown, InvalidData>
  /** the reply was a piece of an over-long line: the rest of that line belongs to this call too */
  skipping: boolean
}

class PortImpl implements Port<any, any> {
  readonly [TypeId] = undefined as never
  /** calls waiting for their reply, oldest first */
  readonly pending: Array<Pending> = []
  invalidData = 0
  readonly pid: Pid.Pid<never, unknown>
  readonly osPid: number
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly mode: Mode
  readonly stdin: Queue.Queue<Uint8Array, Cause.Done>
  constructor(
    pid: Pid.Pid<never, unknown>,
    osPid: number,
    spec: Normalized,
    stdin: Queue.Queue<Uint8Array, Cause.Done>
  ) {
    this.pid = pid
    this.osPid = osPid
    this.command = spec.command
    this.args = spec.args
    this.mode = spec.mode
    this.stdin = stdin
  }
  pipe() {
    // biome-ignore lint/complexity/noArguments: Effect's pipe
    return Pipeable.pipeArguments(this, arguments)
  }
  [Equal.symbol](that: unknown): boolean {
    return that instanceof PortImpl && Pid.equals(this.pid, that.pid)
  }
  [Hash.symbol](): number {
    return Hash.hash(this.pid)
  }
  toString(): string {
    return `#Port<${this.command} ${String(this.pid)}>`
  }
  toJSON(): unknown {
    return { _id: "Port", pid: String(this.pid), osPid: this.osPid, command: this.command }
  }
}

export const isPort = (u: unknown): u is Port<unknown, never> => u instanceof PortImpl

/** The live ports, by the pid objects the runtime hands out. */
const ports = new WeakMap<Pid.Pid<never, unknown>, PortImpl>()

const impl = (port: Port<any, any>): PortImpl => port as PortImpl

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

/** Declared with its documentation in the public module. */
export type { Options }

interface Normalized {
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly mode: Mode
  readonly cwd: string | undefined
  readonly env: Readonly<Record<string, string | undefined>> | undefined
  readonly stderr: "inherit" | "ignore" | "stdout"
  readonly exitStatus: boolean
  readonly killTimeout: number
  readonly name: string | undefined
}

const defaultKillTimeout = 5000

const bad = (fn: string, field: string, value: unknown, reason: string) =>
  new Errors.BadArgument({ function: fn, field, value, reason })

const isLength = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n) && n > 0

/** Checks `open`'s arguments once, before anything starts. */
export const normalize = (
  fn: string,
  command: unknown,
  args: unknown,
  options: Options<Mode> | undefined
): Normalized | Errors.BadArgument => {
  if (typeof command !== "string" || command.length === 0) {
    return bad(fn, "command", command, "must be a non-empty string")
  }
  const argv = args ?? []
  if (!Array.isArray(argv) || argv.some((a) => typeof a !== "string")) {
    return bad(fn, "args", args, "must be an array of strings")
  }
  const mode = options?.mode ?? raw
  switch (mode?._tag) {
    case "raw":
      break
    case "lines":
    case "ndjson":
      if (!isLength(mode.maxLength)) return bad(fn, "mode.maxLength", mode.maxLength, "must be a positive integer")
      break
    case "packet":
      if (mode.size !== 1 && mode.size !== 2 && mode.size !== 4) {
        return bad(fn, "mode.size", mode.size, "must be 1, 2 or 4")
      }
      if (!isLength(mode.maxLength)) return bad(fn, "mode.maxLength", mode.maxLength, "must be a positive integer")
      break
    default:
      return bad(fn, "mode", mode, "must be Port.lines(), Port.packet(1 | 2 | 4), Port.raw or Port.ndjson()")
  }
  const stderr = options?.stderr ?? "inherit"
  if (stderr !== "inherit" && stderr !== "ignore" && stderr !== "stdout") {
    return bad(fn, "stderr", stderr, 'must be "inherit", "ignore" or "stdout"')
  }
  const killTimeout =
    options?.killTimeout === undefined ? defaultKillTimeout : Errors.timeoutMillis(options.killTimeout)
  if (killTimeout === undefined || !Number.isFinite(killTimeout)) {
    return bad(fn, "killTimeout", options?.killTimeout, "must be a finite non-negative duration")
  }
  const env = options?.env
  if (env !== undefined && (typeof env !== "object" || env === null)) {
    return bad(fn, "env", env, "must be a record of strings")
  }
  const name = options?.name
  if (name !== undefined && (typeof name !== "string" || name.length === 0)) {
    return bad(fn, "name", name, "must be a non-empty string")
  }
  return {
    command,
    args: argv as ReadonlyArray<string>,
    mode,
    cwd: options?.cwd,
    env,
    stderr,
    exitStatus: options?.exitStatus ?? true,
    killTimeout,
    name
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding commands
// ---------------------------------------------------------------------------------------------

const encoder = new TextEncoder()
const decoder = new TextDecoder("utf-8", { ignoreBOM: true })

const bytesOf = (data: unknown): Uint8Array | undefined =>
  typeof data === "string" ? encoder.encode(data) : data instanceof Uint8Array ? data : undefined

/** The bytes a command writes to the program's stdin, or why it cannot be written. */
const encodeCommand = (fn: string, mode: Mode, data: unknown): Uint8Array | Errors.BadArgument => {
  switch (mode._tag) {
    case "raw": {
      const bytes = bytesOf(data)
      return bytes ?? bad(fn, "data", data, "must be a Uint8Array or a string")
    }
    case "packet": {
      const bytes = bytesOf(data)
      if (bytes === undefined) return bad(fn, "data", data, "must be a Uint8Array or a string")
      return (
        framing.encodePacket(mode.size, bytes) ??
        bad(fn, "data", `${bytes.length} bytes`, `must fit a ${mode.size}-byte length header`)
      )
    }
    case "lines": {
      if (typeof data !== "string") return bad(fn, "data", data, "must be a string")
      if (data.includes("\n")) return bad(fn, "data", data, "must be one line (no newline)")
      return encoder.encode(`${data}\n`)
    }
    case "ndjson": {
      let json: string | undefined
      try {
        json = JSON.stringify(data)
      } catch (error) {
        return bad(fn, "data", data, `must be JSON-serializable (${String(error)})`)
      }
      if (json === undefined) return bad(fn, "data", data, "must be JSON-serializable")
      return encoder.encode(`${json}\n`)
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding the program's output
// ---------------------------------------------------------------------------------------------

const decoderOf = (mode: Mode): framing.Decoder => {
  switch (mode._tag) {
    case "raw":
      return framing.raw()
    case "packet":
      return framing.packets(mode.size, mode.maxLength)
    case "lines":
    case "ndjson":
      return framing.lines(mode.maxLength)
  }
}

type Decoded =
  | { readonly _tag: "Value"; readonly value: unknown; readonly eol: boolean }
  | { readonly _tag: "Invalid"; readonly error: InvalidData; readonly eol: boolean }
  | { readonly _tag: "Fatal"; readonly error: PacketTooLong }

const shown = (bytes: Uint8Array): string => decoder.decode(bytes.subarray(0, 200))

const decodeFrame = (port: PortImpl, frame: framing.Frame, skipping: { on: boolean }): Decoded | undefined => {
  const mode = port.mode
  switch (frame._tag) {
    case "Oversized":
      return {
        _tag: "Fatal",
        error: new PacketTooLong({ port, length: frame.length, maxLength: (mode as PacketMode).maxLength })
      }
    case "Bytes":
      return { _tag: "Value", value: frame.bytes, eol: true }
    case "Line": {
      if (mode._tag === "lines") return { _tag: "Value", value: decoder.decode(frame.bytes), eol: frame.eol }
      // ndjson: an over-long line is one invalid line, whatever the number of its pieces
      if (skipping.on) {
        if (frame.eol) skipping.on = false
        return undefined
      }
      if (!frame.eol) {
        skipping.on = true
        const issue = `longer than maxLength (${(mode as NdjsonMode<unknown>).maxLength} bytes)`
        return {
          _tag: "Invalid",
          error: new InvalidData({ port, line: shown(frame.bytes), field: "", issue }),
          eol: true
        }
      }
      const text = decoder.decode(frame.bytes)
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch (error) {
        const issue = error instanceof Error ? error.message : String(error)
        return {
          _tag: "Invalid",
          error: new InvalidData({ port, line: text.slice(0, 200), field: "", issue }),
          eol: true
        }
      }
      const schema = (mode as NdjsonMode<unknown>).schema
      if (schema === undefined) return { _tag: "Value", value: json, eol: true }
      const decoded = Schema.decodeUnknownExit(schema)(json)
      if (Exit.isSuccess(decoded)) return { _tag: "Value", value: decoded.value, eol: true }
      const error = Cause.findErrorOption(decoded.cause)
      const { field, issue } = Option.isSome(error)
        ? describeIssue(error.value.issue)
        : { field: "", issue: "invalid value" }
      return { _tag: "Invalid", error: new InvalidData({ port, line: text.slice(0, 200), field, issue }), eol: true }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The port process
// ---------------------------------------------------------------------------------------------

/** Sent to the port process by its watcher once the program has exited and its output is read. */
class ProgramExited {
  readonly code: number | null
  readonly signal: string | null
  constructor(code: number | null, signal: string | null) {
    this.code = code
    this.signal = signal
  }
}

/** `Port.close`'s request. */
class CloseRequest {
  readonly reply: Deferred.Deferred<ExitStatus>
  constructor(reply: Deferred.Deferred<ExitStatus>) {
    this.reply = reply
  }
}

/** `PacketTooLong` (or another failure of the output stream) from the reader. */
class OutputFailed {
  readonly error: unknown
  constructor(error: unknown) {
    this.error = error
  }
}

type Internal = ProgramExited | CloseRequest | OutputFailed | Process.Exit

const isProgramExited = (u: unknown): u is ProgramExited => u instanceof ProgramExited

/** Where the owner's messages go: a pid, a registered name, or nowhere. */
type Owner = Pid.Pid<never, unknown> | string | undefined

/** Node's spawner, built once: it holds no resource, only functions. */
let spawner: ChildProcessSpawner.ChildProcessSpawner["Service"] | undefined
const withSpawner = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E, Exclude<R, ChildProcessSpawner.ChildProcessSpawner>> =>
  Effect.suspend(() => {
    if (spawner !== undefined) return Effect.provideService(effect, ChildProcessSpawner.ChildProcessSpawner, spawner)
    return Effect.flatMap(
      Effect.scoped(
        Layer.build(
          NodeChildProcessSpawner.layer.pipe(Layer.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)))
        )
      ),
      (context) => {
        spawner = Context.get(context, ChildProcessSpawner.ChildProcessSpawner)
        return Effect.provideService(effect, ChildProcessSpawner.ChildProcessSpawner, spawner)
      }
    )
  })

const cannotStart = (spec: Normalized, error: PlatformError.PlatformError): CannotStart => {
  const reason = error.reason
  const cause = (reason as { readonly cause?: unknown }).cause
  const detail =
    cause instanceof Error
      ? ((cause as NodeJS.ErrnoException).code ?? cause.message)
      : ((reason as { readonly description?: string }).description ?? reason._tag)
  return new CannotStart({ command: spec.command, args: [...spec.args], reason: reason._tag, detail: String(detail) })
}

/**
 * The exit code and signal of the program. Effect's handle reports a death by signal only as a
 * `PlatformError` whose cause says "...receipt of signal: 'SIGKILL'": the signal's name is read
 * from it here, the one place that depends on the wording.
 */
const exitOf = (
  handle: ChildProcessSpawner.ChildProcessHandle
): Effect.Effect<{ readonly code: number | null; readonly signal: string | null }> =>
  Effect.matchCause(handle.exitCode, {
    onSuccess: (code) => ({ code: code as number, signal: null }),
    onFailure: (cause) => {
      const error = Cause.squash(cause)
      const text = String((error as { readonly cause?: unknown })?.cause ?? error)
      const match = /signal: '([A-Z0-9]+)'/.exec(text)
      return { code: null, signal: match?.[1] ?? "unknown" }
    }
  })

interface Started {
  readonly port: PortImpl
}

const portBody = (
  spec: Normalized,
  owner: Owner,
  connected: Pid.Pid<never, unknown>,
  started: Deferred.Deferred<Started, CannotStart | Errors.AlreadyRegistered | Errors.NoProc>
) =>
  Effect.gen(function* () {
    const self = yield* Process.self()
    if (spec.name !== undefined) {
      const registered = yield* Effect.exit(Process.register(spec.name, self))
      if (Exit.isFailure(registered)) {
        yield* Deferred.failCause(started, registered.cause)
        return
      }
    }
    const spawned = yield* Effect.exit(
      ChildProcess.make(spec.command, spec.args, {
        cwd: spec.cwd,
        env: spec.env,
        extendEnv: true,
        detached: true,
        killSignal: "SIGTERM",
        forceKillAfter: Duration.millis(spec.killTimeout),
        stdin: { stream: "pipe", endOnDone: true },
        stdout: "pipe",
        stderr: spec.stderr === "stdout" ? "pipe" : spec.stderr
      }).pipe(withSpawner)
    )
    if (Exit.isFailure(spawned)) {
      const error = Cause.squash(spawned.cause)
      if (!PlatformError.isPlatformError(error)) return yield* Effect.failCause(spawned.cause)
      yield* Deferred.fail(started, cannotStart(spec, error))
      return
    }
    const handle = spawned.value
    const stdin = yield* Queue.bounded<Uint8Array, Cause.Done>(8)
    const port = new PortImpl(self, handle.pid as number, spec, stdin)
    ports.set(self, port)
    // whatever ends the process: commands waiting for room fail, calls waiting for replies fail
    yield* Effect.addFinalizer(() => Queue.shutdown(stdin))

    // stdin: the commands, in order, with the back-pressure of Node's writable
    yield* Effect.forkScoped(
      Stream.run(Stream.fromQueue(stdin), handle.stdin).pipe(Effect.ensuring(Queue.shutdown(stdin))),
      { startImmediately: true }
    )

    // stdout: frames to the pending calls, in order, then to the owner
    const send = sender(owner)
    const output = spec.stderr === "stdout" ? handle.all : handle.stdout
    const frames = decoderOf(spec.mode)
    const skipping = { on: false }
    const deliverAll = (list: ReadonlyArray<framing.Frame>): Effect.Effect<void, unknown, Node.Node> => {
      if (list.length === 0) return Effect.void
      return Effect.forEach(list, (frame) => deliver(port, decodeFrame(port, frame, skipping), send), {
        discard: true
      })
    }
    const reader = Stream.runForEach(output, (chunk) => deliverAll(frames.push(chunk))).pipe(
      Effect.andThen(Effect.suspend(() => deliverAll(frames.end()))),
      // a stream that cannot be read on (a packet too long) ends the port at once
      Effect.tapCause((cause) =>
        Effect.sync(() => {
          if (!Cause.hasInterruptsOnly(cause)) {
            Process.sendUnsafe(self as Pid.Pid<Internal>, new OutputFailed(Cause.squash(cause)))
          }
        })
      )
    )
    const watcher = Effect.gen(function* () {
      const read = yield* Effect.forkChild(reader, { startImmediately: true })
      const status = yield* exitOf(handle)
      // no orphans: what the program left running in its group goes with it, and its output ends
      yield* Effect.ignore(handle.kill({ killSignal: "SIGTERM", forceKillAfter: Duration.millis(spec.killTimeout) }))
      if (Exit.isFailure(yield* Fiber.await(read))) return
      Process.sendUnsafe(self as Pid.Pid<Internal>, new ProgramExited(status.code, status.signal))
    })
    yield* Effect.forkScoped(watcher, { startImmediately: true })

    yield* Deferred.succeed(started, { port })

    // the process's own loop: exit signals, close, the program's exit
    while (true) {
      const message = yield* Process.receive<Internal>()
      if (Process.isExit(message)) {
        // the connected process's exit closes the port, whatever its reason (Erlang's port
        // owner); from any other link, the usual rules
        if (Pid.equals(message.from, connected) || !ExitReason.isNormal(message.reason)) {
          return yield* Process.exit(message.reason)
        }
        continue
      }
      if (message instanceof OutputFailed) {
        return yield* Effect.fail(message.error)
      }
      if (message instanceof ProgramExited) {
        const status = new ExitStatus({ port, code: message.code, signal: message.signal })
        if (spec.exitStatus) yield* send(status)
        if (message.code === 0) return
        return yield* Effect.fail(status)
      }
      // Close: EOF on stdin, the program's exit within killTimeout, else the group is killed
      yield* Queue.end(stdin)
      const exited = yield* Effect.orDie(
        Process.receive(isProgramExited, { timeout: Duration.millis(spec.killTimeout) })
      )
      let done: ProgramExited
      if (Option.isSome(exited)) {
        done = exited.value
      } else {
        yield* Effect.ignore(handle.kill({ killSignal: "SIGTERM", forceKillAfter: Duration.millis(spec.killTimeout) }))
        done = yield* Process.receive(isProgramExited)
      }
      const status = new ExitStatus({ port, code: done.code, signal: done.signal })
      yield* Deferred.succeed(message.reply, status)
      return
    }
  })

const sender = (owner: Owner) => {
  if (owner === undefined) return (_: unknown): Effect.Effect<void> => Effect.void
  if (typeof owner === "string") {
    return (message: unknown): Effect.Effect<void, never, Node.Node> => Effect.ignore(Process.send(owner, message))
  }
  return (message: unknown): Effect.Effect<void> =>
    Effect.sync(() => {
      Process.sendUnsafe(owner as Pid.Pid<unknown, unknown>, message)
    })
}

const deliver = (
  port: PortImpl,
  decoded: Decoded | undefined,
  send: (message: unknown) => Effect.Effect<void, never, any>
): Effect.Effect<void, unknown, any> => {
  if (decoded === undefined) return Effect.void
  if (decoded._tag === "Fatal") return Effect.fail(decoded.error)
  const call = port.pending[0]
  if (decoded._tag === "Invalid") {
    port.invalidData++
    const logged = Effect.logWarning(decoded.error.message).pipe(
      Effect.annotateLogs({ event: "PORT_INVALID_DATA", port: String(port.pid) })
    )
    if (call !== undefined) {
      port.pending.shift()
      Deferred.doneUnsafe(call.reply, Exit.fail(decoded.error))
      return logged
    }
    return Effect.andThen(logged, send(decoded.error))
  }
  if (call !== undefined) {
    if (call.skipping) {
      if (decoded.eol) port.pending.shift()
      return Effect.void
    }
    if (!decoded.eol) {
      // a piece of an over-long line: the call fails, and the rest of the line is its own
      call.skipping = true
      port.invalidData++
      const issue = `longer than maxLength (${(port.mode as LinesMode).maxLength} bytes)`
      Deferred.doneUnsafe(
        call.reply,
        Exit.fail(new InvalidData({ port, line: String(decoded.value).slice(0, 200), field: "", issue }))
      )
      return Effect.void
    }
    port.pending.shift()
    Deferred.doneUnsafe(call.reply, Exit.succeed(decoded.value))
    return Effect.void
  }
  return send(new Data_({ port, data: decoded.value, eol: decoded.eol }))
}

// ---------------------------------------------------------------------------------------------
// The API
// ---------------------------------------------------------------------------------------------

const startPort = (
  fn: string,
  command: unknown,
  args: unknown,
  options: Options<Mode> | undefined,
  owner: (self: Pid.Pid<never, unknown>) => Owner
): Effect.Effect<
  Port<any, any>,
  CannotStart | Errors.BadArgument | Errors.AlreadyRegistered | Errors.NoProc,
  Node.Node | Process.Self<unknown>
> =>
  Effect.gen(function* () {
    const spec = normalize(fn, command, args, options)
    if (spec instanceof Errors.BadArgument) return yield* Effect.fail(spec)
    const self = yield* Process.self()
    const started = yield* Deferred.make<Started, CannotStart | Errors.AlreadyRegistered | Errors.NoProc>()
    const pid = yield* Process.spawnLink(portBody(spec, owner(self), self, started), { trapExit: true })
    // the port process acknowledges its start; if it is gone before it could (killed, a defect),
    // its exit reason says why
    const gone = yield* Effect.raceFirst(Effect.as(Deferred.await(started), undefined), Process.awaitExit(pid)).pipe(
      Effect.exit
    )
    const result = yield* Deferred.poll(started)
    if (Option.isSome(result)) {
      const exit = yield* Effect.exit(result.value)
      if (Exit.isSuccess(exit)) return exit.value.port
      // a failed start returns once the port process is gone and its name is free
      yield* Process.unlink(pid)
      yield* Process.awaitExit(pid)
      return yield* Effect.failCause(exit.cause)
    }
    const reason = Exit.isSuccess(gone) && gone.value !== undefined ? String(gone.value) : "exited"
    return yield* Effect.fail(
      new CannotStart({ command: spec.command, args: [...spec.args], reason: "PortExited", detail: reason })
    )
  }).pipe(Effect.uninterruptible)

export const open = (
  command: string,
  args?: ReadonlyArray<string>,
  options?: Options<Mode>
): Effect.Effect<
  Port<any, any>,
  CannotStart | Errors.BadArgument | Errors.AlreadyRegistered | Errors.NoProc,
  Node.Node | Process.Self<unknown>
> => startPort("Port.open", command, args, options, (self) => self)

export interface ChildSpecOptions<M extends Mode> extends Options<M> {
  readonly owner?: Pid.Pid<never, unknown> | string | undefined
  readonly restart?: ChildSpec.Restart | undefined
  readonly shutdown?: ChildSpec.Shutdown | undefined
}

export const childSpec = (
  id: string,
  command: string,
  args?: ReadonlyArray<string>,
  options?: ChildSpecOptions<Mode>
): ChildSpec.ChildSpec<
  CannotStart | Errors.BadArgument | Errors.AlreadyRegistered | Errors.NoProc,
  Node.Node | Process.Self<unknown>
> => {
  const killTimeout = Errors.timeoutMillis(options?.killTimeout ?? defaultKillTimeout)
  return {
    id,
    start: Effect.map(
      startPort("Port.childSpec", command, args, options, () => options?.owner),
      (port) => port.pid
    ),
    restart: options?.restart,
    // the group's SIGTERM wait, its SIGKILL, and a margin
    shutdown:
      options?.shutdown ??
      (killTimeout === undefined || !Number.isFinite(killTimeout) ? undefined : killTimeout * 2 + 1000)
  }
}

type PortRef = Port<any, any> | string

const resolve = (ref: PortRef): Effect.Effect<PortImpl, Errors.NoProc, Node.Node> => {
  if (typeof ref !== "string") {
    const port = impl(ref)
    return Effect.flatMap(Process.isAlive(port.pid), (alive) =>
      alive ? Effect.succeed(port) : Effect.fail(new Errors.NoProc({ pid: port.pid }))
    )
  }
  return Effect.flatMap(Process.whereis(ref), (pid) => {
    const port = Option.isSome(pid) ? ports.get(pid.value) : undefined
    return port === undefined ? Effect.fail(new Errors.NoProc({ registeredName: ref })) : Effect.succeed(port)
  })
}

const offer = (port: PortImpl, bytes: Uint8Array): Effect.Effect<void, StdinClosed | Errors.NoProc> =>
  Effect.flatMap(Queue.offer(port.stdin, bytes), (accepted) => {
    if (accepted) return Effect.void
    return Effect.flatMap(Process.isAlive(port.pid), (alive) =>
      Effect.fail(alive ? new StdinClosed({ port }) : new Errors.NoProc({ pid: port.pid }))
    )
  })

export const command = (
  ref: PortRef,
  data: unknown
): Effect.Effect<void, StdinClosed | Errors.NoProc | Errors.BadArgument, Node.Node> =>
  Effect.flatMap(resolve(ref), (port): Effect.Effect<void, StdinClosed | Errors.NoProc | Errors.BadArgument> => {
    const bytes = encodeCommand("Port.command", port.mode, data)
    if (bytes instanceof Errors.BadArgument) return Effect.fail(bytes)
    return offer(port, bytes)
  })

const defaultCallTimeout = 5000

export const call = (
  ref: PortRef,
  request: unknown,
  options?: CallOptions
): Effect.Effect<unknown, CallError, Node.Node> =>
  Effect.flatMap(resolve(ref), (port): Effect.Effect<unknown, CallError> => {
    if (port.mode._tag === "raw") {
      return Effect.fail(bad("Port.call", "port", port, "must frame its output (lines, packet or ndjson), not raw"))
    }
    const badTimeout = Errors.checkTimeout("Port.call", "timeout", options?.timeout)
    if (badTimeout !== undefined) return Effect.fail(badTimeout)
    const bytes = encodeCommand("Port.call", port.mode, request)
    if (bytes instanceof Errors.BadArgument) return Effect.fail(bytes)
    const timeout = Errors.timeoutMillis(options?.timeout ?? defaultCallTimeout)!
    const reply = Deferred.makeUnsafe<unknown, InvalidData>()
    const pending: Pending = { reply, skipping: false }
    // the reply slot is taken before the request is written: replies come in request order
    port.pending.push(pending)
    const exited = Effect.flatMap(Process.awaitExit(port.pid), (reason) =>
      Effect.fail(new GenServer.ServerExited({ pid: port.pid, reason }))
    )
    const waiting = Effect.raceFirst(Deferred.await(reply), exited)
    const timed = Number.isFinite(timeout)
      ? Effect.timeoutOrElse(waiting, {
          duration: Duration.millis(timeout),
          orElse: () => Effect.fail(new GenServer.CallTimeout({ pid: port.pid, timeout }))
        })
      : waiting
    return Effect.andThen(
      Effect.onError(offer(port, bytes), () =>
        Effect.sync(() => {
          const at = port.pending.indexOf(pending)
          if (at !== -1) port.pending.splice(at, 1)
        })
      ),
      // a reply that comes after the timeout still takes its slot, and is dropped
      timed
    )
  })

export const close = (ref: PortRef): Effect.Effect<ExitStatus, Errors.NoProc, Node.Node> =>
  Effect.flatMap(resolve(ref), (port) =>
    Effect.gen(function* () {
      const reply = yield* Deferred.make<ExitStatus>()
      if (!Process.sendUnsafe(port.pid as Pid.Pid<CloseRequest>, new CloseRequest(reply))) {
        return yield* Effect.fail(new Errors.NoProc({ pid: port.pid }))
      }
      // it returns once the port has exited: its name is free, and a later command gets NoProc
      yield* Process.awaitExit(port.pid)
      const done = yield* Deferred.poll(reply)
      return Option.isSome(done) ? yield* done.value : yield* Effect.fail(new Errors.NoProc({ pid: port.pid }))
    })
  )

export interface Info {
  readonly osPid: number
  readonly pendingCalls: number
  readonly invalidData: number
}

export const info = (port: Port<any, any>): Effect.Effect<Option.Option<Info>> =>
  Effect.map(Process.isAlive(port.pid), (alive) => {
    const p = impl(port)
    return alive
      ? Option.some({ osPid: p.osPid, pendingCalls: p.pending.length, invalidData: p.invalidData })
      : Option.none()
  })

export const whereis = (name: string): Effect.Effect<Option.Option<Port<any, any>>, never, Node.Node> =>
  Effect.map(Process.whereis(name), (pid) => Option.flatMap(pid, (p) => Option.fromUndefinedOr(ports.get(p))))
