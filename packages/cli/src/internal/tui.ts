/**
 * `otp observer`'s full-screen terminal view: a small renderer of our own on ANSI escapes (the
 * alternate screen, the whole frame redrawn as lines, inverse video for the selection) and the
 * terminal's keys read in raw mode. The view is a pure function of a {@link State} and the screen's
 * size ({@link frame}), the keys a pure function of the state ({@link press}); {@link run} is the
 * loop: refresh every `interval` and after each command, redraw, read keys, restore the terminal on
 * any exit.
 *
 * @internal
 */
import { Duration, Effect, Option, Queue, Schedule } from "effect"
import type { Answer, Command, DetailJson, ProcessJson, SnapshotJson, Source } from "./observerSource.ts"

/** The orders of the process table. */
export const sorts = ["mailbox", "messages", "handled", "memory", "pid"] as const
export type Sort = (typeof sorts)[number]

export interface State {
  readonly label: string
  readonly snapshot: SnapshotJson
  readonly sort: Sort
  /** The selected process (kept across refreshes by pid). */
  readonly selected: string | undefined
  /** The process whose detail is shown, if any. */
  readonly detailOf: string | undefined
  readonly detail: DetailJson | undefined
  /** The processes whose trace this view switched on. */
  readonly traced: ReadonlySet<string>
  /** The text typed after `/`, while typing. */
  readonly search: string | undefined
  /** The last command's outcome, or an error of the source. */
  readonly message: string
}

export const initial = (label: string, snapshot: SnapshotJson, sort: Sort): State => ({
  label,
  snapshot,
  sort,
  selected: undefined,
  detailOf: undefined,
  detail: undefined,
  traced: new Set(),
  search: undefined,
  message: ""
})

/** The processes in the table's order. */
export const ordered = (snapshot: SnapshotJson, sort: Sort): ReadonlyArray<ProcessJson> => {
  const pidKey = (pid: string) => pid.split(".").map((n) => n.replace(/\D/g, "").padStart(12, "0"))
  const byPid = (a: ProcessJson, b: ProcessJson) => (pidKey(a.pid).join(".") < pidKey(b.pid).join(".") ? -1 : 1)
  const key: Record<Exclude<Sort, "pid">, keyof ProcessJson> = {
    mailbox: "mailboxLength",
    messages: "messagesIn",
    handled: "messagesHandled",
    memory: "memory"
  }
  if (sort === "pid") return [...snapshot.processes].sort(byPid)
  const field = key[sort]
  return [...snapshot.processes].sort((a, b) => (b[field] as number) - (a[field] as number) || byPid(a, b))
}

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

export type Key =
  | "up"
  | "down"
  | "pageUp"
  | "pageDown"
  | "home"
  | "end"
  | "enter"
  | "escape"
  | "backspace"
  | "interrupt"
  | { readonly char: string }

/** The keys in a chunk of terminal input. */
export const keysOf = (input: string): ReadonlyArray<Key> => {
  const keys: Array<Key> = []
  const sequences: ReadonlyArray<readonly [string, Key]> = [
    ["\x1b[A", "up"],
    ["\x1bOA", "up"],
    ["\x1b[B", "down"],
    ["\x1bOB", "down"],
    ["\x1b[5~", "pageUp"],
    ["\x1b[6~", "pageDown"],
    ["\x1b[H", "home"],
    ["\x1b[1~", "home"],
    ["\x1b[F", "end"],
    ["\x1b[4~", "end"],
    ["\x1b[D", "escape"]
  ]
  let i = 0
  outer: while (i < input.length) {
    for (const [sequence, key] of sequences) {
      if (input.startsWith(sequence, i)) {
        keys.push(key)
        i += sequence.length
        continue outer
      }
    }
    const c = input[i]!
    i++
    if (c === "\x1b") {
      // an unknown sequence: skip it whole; a lone escape is the key
      if (input[i] === "[" || input[i] === "O") {
        while (i < input.length && !/[A-Za-z~]/.test(input[i]!)) i++
        i++
      } else keys.push("escape")
    } else if (c === "\r" || c === "\n") keys.push("enter")
    else if (c === "\x7f" || c === "\b") keys.push("backspace")
    else if (c === "\x03") keys.push("interrupt")
    else if (c >= " ") keys.push({ char: c })
  }
  return keys
}

/** What a key asks for besides a new state. */
export type Action =
  | { readonly _tag: "None" }
  | { readonly _tag: "Quit" }
  | { readonly _tag: "Refresh" }
  | { readonly _tag: "Command"; readonly command: Command; readonly pid: string; readonly on: boolean }

const none: Action = { _tag: "None" }

/** The table's rows visible on a page (a page key moves by about this much). */
const page = 10

/** The state after `key`, and what it asks for. */
export const press = (state: State, key: Key): readonly [State, Action] => {
  if (key === "interrupt") return [state, { _tag: "Quit" }]
  if (state.search !== undefined) {
    if (key === "escape") return [{ ...state, search: undefined }, none]
    if (key === "backspace") return [{ ...state, search: state.search.slice(0, -1) }, none]
    if (key === "enter") {
      const text = state.search
      const found = ordered(state.snapshot, state.sort).find(
        (p) => p.pid.includes(text) || (p.registeredName ?? "").includes(text)
      )
      return [
        {
          ...state,
          search: undefined,
          selected: found?.pid ?? state.selected,
          message: found === undefined ? `no process matches "${text}"` : `selected ${found.pid}`
        },
        none
      ]
    }
    if (typeof key === "object") return [{ ...state, search: state.search + key.char }, none]
    return [state, none]
  }
  const rows = ordered(state.snapshot, state.sort)
  const index = Math.max(
    0,
    rows.findIndex((p) => p.pid === state.selected)
  )
  const select = (i: number): State => {
    const row = rows[Math.min(Math.max(i, 0), rows.length - 1)]
    return { ...state, selected: row?.pid }
  }
  const target = state.detailOf ?? rows[index]?.pid
  const command = (command: Command, on = true): readonly [State, Action] =>
    target === undefined ? [state, none] : [state, { _tag: "Command", command, pid: target, on }]
  if (typeof key === "object") {
    switch (key.char) {
      case "q":
        return [state, { _tag: "Quit" }]
      case "j":
        return [select(index + 1), none]
      case "k":
        return [select(index - 1), none]
      case "s": {
        const sort = sorts[(sorts.indexOf(state.sort) + 1) % sorts.length]!
        return [{ ...state, sort, message: `sorted by ${sort}` }, none]
      }
      case "/":
        return [{ ...state, search: "" }, none]
      case "x":
        return command("kill")
      case "p":
        return command("suspend")
      case "r":
        return command("resume")
      case "t":
        return target === undefined ? [state, none] : command("trace", !state.traced.has(target))
      default:
        return [state, none]
    }
  }
  switch (key) {
    case "up":
      return [select(index - 1), none]
    case "down":
      return [select(index + 1), none]
    case "pageUp":
      return [select(index - page), none]
    case "pageDown":
      return [select(index + page), none]
    case "home":
      return [select(0), none]
    case "end":
      return [select(rows.length - 1), none]
    case "enter":
      return target === undefined
        ? [state, none]
        : [{ ...state, detailOf: target, detail: undefined }, { _tag: "Refresh" }]
    case "escape":
    case "backspace":
      return [{ ...state, detailOf: undefined, detail: undefined }, none]
    default:
      return [state, none]
  }
}

/** The state after a command answered. */
export const answered = (state: State, command: Command, pid: string, on: boolean, answer: Answer): State => {
  if (!answer.ok) return { ...state, message: `${command} ${pid} refused: ${answer.error}` }
  const traced = new Set(state.traced)
  if (command === "trace") {
    if (on) traced.add(pid)
    else traced.delete(pid)
  }
  const done = { kill: "killed", suspend: "suspended", resume: "resumed", trace: on ? "trace on:" : "trace off:" }
  return { ...state, traced, message: `${done[command]} ${pid}` }
}

// ---------------------------------------------------------------------------------------------
// The frame
// ---------------------------------------------------------------------------------------------

const help = "↑↓/jk select  / find  enter detail  esc back  x kill  p suspend  r resume  t trace  s sort  q quit"

/** One event of the node, as a line. */
export const eventLine = (event: any): string => {
  switch (event._tag) {
    case "Restarted":
      return `restarted ${event.id} as ${event.pid} (supervisor ${event.supervisor})`
    case "Exited":
      return `exited ${event.pid}${event.registeredName === null ? "" : ` "${event.registeredName}"`}: ${event.reason}`
    case "Traced":
      return `trace: ${event.text}`
    default:
      return `spawned ${event.pid}`
  }
}

/** The supervision trees, as lines (nested supervisors drawn inside their parent). */
export const treeLines = (snapshot: SnapshotJson): Array<string> => {
  const lines: Array<string> = []
  const byPid = new Map(snapshot.supervisors.map((s) => [s.pid, s]))
  const nested = new Set(snapshot.supervisors.flatMap((s) => s.children.map((c) => c.pid)))
  const tree = (sup: SnapshotJson["supervisors"][number], label: string, indent: string) => {
    const intensity = sup.intensity.map((i) => `, intensity ${i.used}/${i.maxRestarts} in ${i.withinMs} ms`).join("")
    lines.push(`${label}${sup.pid}  ${sup.kind} ${sup.strategy}, restarts ${sup.restarts}${intensity}`)
    sup.children.forEach((child, i) => {
      const last = i === sup.children.length - 1
      const branch = `${indent}${last ? "└─ " : "├─ "}${child.id} `
      const inner = child.pid === null ? undefined : byPid.get(child.pid)
      if (inner !== undefined) tree(inner, branch, `${indent}${last ? "   " : "│  "}`)
      else lines.push(`${branch}${child.pid ?? "-"}  ${child.status}, restarts ${child.restarts}`)
    })
  }
  for (const sup of snapshot.supervisors) {
    if (!nested.has(sup.pid)) tree(sup, `${sup.registeredName ?? "(supervisor)"} `, "")
  }
  return lines
}

/** Rows of cells as aligned lines. */
export const table = (rows: ReadonlyArray<ReadonlyArray<string>>): Array<string> => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)))
  return rows.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join("  ")
      .trimEnd()
  )
}

const inverse = (text: string) => `\x1b[7m${text}\x1b[0m`
const bold = (text: string) => `\x1b[1m${text}\x1b[0m`

/** Cuts a line to the screen's width (the lines are plain text: one character, one column). */
const fit = (line: string, columns: number) => (line.length > columns ? line.slice(0, columns) : line)

/**
 * The screen for `state`: exactly `rows` lines, each at most `columns` characters wide (escapes
 * for bold and inverse video aside).
 */
export const frame = (state: State, columns: number, rows: number): ReadonlyArray<string> => {
  const m = state.snapshot.metrics
  const header = bold(
    fit(
      `otp observer  ${state.snapshot.node.name} via ${state.label}  ${m.active} processes, ${m.spawned} spawned, ${m.messagesSent} sent, ${m.messagesDropped} dropped`,
      columns
    )
  )
  const footer = [
    fit(state.search !== undefined ? `find: ${state.search}_` : state.message, columns),
    inverse(fit(help, columns).padEnd(Math.min(columns, help.length)))
  ]
  const body = rows - 2 - footer.length
  const lines = [header, ""]
  if (state.detailOf !== undefined) lines.push(...detailLines(state).map((line) => fit(line, columns)))
  else lines.push(...mainLines(state, columns, body))
  const out = lines.slice(0, rows - footer.length)
  while (out.length < rows - footer.length) out.push("")
  return [...out, ...footer]
}

/** The process table's columns, in the live view and in the one-shot print. */
export const processHeader: ReadonlyArray<string> = [
  "pid",
  "name",
  "behaviour",
  "status",
  "mailbox",
  "in",
  "handled",
  "memory"
]

/**
 * A memory estimate as text: bytes below 1 KiB, then KiB and MiB with one decimal; `≥` in front
 * of a lower bound (the walk stopped at its budget).
 */
export const formatMemory = (bytes: number, truncated: boolean): string => {
  const text =
    bytes < 1024
      ? `${bytes} B`
      : bytes < 1024 * 1024
        ? `${(bytes / 1024).toFixed(1)} KiB`
        : `${(bytes / (1024 * 1024)).toFixed(1)} MiB`
  return truncated ? `≥${text}` : text
}

/** One process's cells under {@link processHeader}. */
export const processCells = (p: ProcessJson): Array<string> => [
  p.pid,
  p.registeredName ?? "",
  p.behaviour,
  p.status,
  String(p.mailboxLength),
  String(p.messagesIn),
  String(p.messagesHandled),
  formatMemory(p.memory, p.memoryTruncated)
]

const mainLines = (state: State, columns: number, body: number): Array<string> => {
  const trees = treeLines(state.snapshot)
  const treeRoom = Math.max(1, Math.min(trees.length, Math.floor((body - 3) / 2)))
  const lines = [bold("supervision trees"), ...trees.slice(0, treeRoom).map((line) => fit(line, columns))]
  if (trees.length > treeRoom) lines[lines.length - 1] = fit(`… ${trees.length - treeRoom + 1} more lines`, columns)
  lines.push("")
  const processes = ordered(state.snapshot, state.sort)
  const header = [...processHeader, ""]
  const cells = processes.map((p) => [...processCells(p), state.traced.has(p.pid) ? "traced" : ""])
  const [head, ...aligned] = table([header, ...cells])
  lines.push(bold(fit(`processes by ${state.sort} (${processes.length})`, columns)), bold(fit(head!, columns)))
  const room = Math.max(1, body - lines.length)
  const index = Math.max(
    0,
    processes.findIndex((p) => p.pid === state.selected)
  )
  const first = Math.min(Math.max(0, index - Math.floor(room / 2)), Math.max(0, aligned.length - room))
  aligned.slice(first, first + room).forEach((line, i) => {
    const shown = fit(line, columns)
    lines.push(first + i === index ? inverse(shown.padEnd(Math.min(columns, head!.length))) : shown)
  })
  return lines
}

const detailLines = (state: State): Array<string> => {
  const pid = state.detailOf!
  const detail = state.detail
  if (detail === undefined) return [`process ${pid}: no such process (it exited), esc to go back`]
  const info = detail.info
  const name = info.registeredName === null ? "" : ` "${info.registeredName}"`
  const lines = [
    bold(`process ${pid}${name}${state.traced.has(pid) ? "  (trace on)" : ""}`),
    `  status ${info.status}, mailbox ${info.mailboxLength}, messages in ${info.messagesReceived}, dropped ${info.messagesDropped}, trapExit ${info.trapExit}`,
    `  links ${info.links.join(" ") || "-"}; monitors ${info.monitors.map((m) => m.pid).join(" ") || "-"}; monitored by ${info.monitoredBy.join(" ") || "-"}`,
    ""
  ]
  const status = detail.status
  if (status === null) lines.push(bold("Sys status: none (a plain process, or a server that did not answer)"))
  else {
    lines.push(
      bold(
        `Sys status: ${status.behaviour}${status.behaviourName === null ? "" : ` ${status.behaviourName}`} v${status.version}, ${status.status}`
      ),
      `  parent ${status.parent ?? "-"}, log level ${status.logLevel}`,
      `  state ${status.state}`
    )
    for (const entry of status.log) lines.push(`  log: ${entry.text}`)
  }
  lines.push("", bold(`last events (${detail.events.length})`))
  for (const event of detail.events.slice(-20)) lines.push(`  ${eventLine(event)}`)
  return lines
}

// ---------------------------------------------------------------------------------------------
// The loop
// ---------------------------------------------------------------------------------------------

/** The terminal the view draws on and reads keys from. */
export interface Terminal {
  readonly columns: () => number
  readonly rows: () => number
  readonly write: (text: string) => void
  /** Calls `f` with each chunk of input and each resize (`undefined`) until the returned function is called. */
  readonly listen: (f: (input: string | undefined) => void) => () => void
  /** Enters raw mode and the alternate screen; the returned function restores both. */
  readonly enter: () => () => void
}

/** The process's own terminal (stdin and stdout). */
export const processTerminal: Terminal = {
  columns: () => process.stdout.columns ?? 80,
  rows: () => process.stdout.rows ?? 24,
  write: (text) => {
    process.stdout.write(text)
  },
  listen: (f) => {
    const onData = (chunk: Buffer | string) => f(String(chunk))
    const onResize = () => f(undefined)
    process.stdin.on("data", onData)
    process.stdout.on("resize", onResize)
    return () => {
      process.stdin.off("data", onData)
      process.stdout.off("resize", onResize)
    }
  },
  enter: () => {
    const wasRaw = process.stdin.isRaw
    process.stdin.setRawMode?.(true)
    process.stdin.resume()
    // the alternate screen, the cursor hidden
    process.stdout.write("\x1b[?1049h\x1b[?25l")
    return () => {
      process.stdout.write("\x1b[?25h\x1b[?1049l")
      process.stdin.setRawMode?.(wasRaw)
      process.stdin.pause()
    }
  }
}

type Input = { readonly _tag: "Input"; readonly text: string } | { readonly _tag: "Resize" } | { readonly _tag: "Tick" }

/**
 * Runs the view of `source` on `terminal` until `q` (or Ctrl-C): refreshes every `interval`, and at
 * once after a command. An error of the source while it runs is shown on the message line (the
 * last snapshot stays on screen); the terminal is restored however the view ends.
 */
export const run = <E>(
  source: Source<E>,
  options: { readonly sort: Sort; readonly interval: Duration.Input; readonly terminal?: Terminal | undefined }
): Effect.Effect<void, E> =>
  Effect.gen(function* () {
    const terminal = options.terminal ?? processTerminal
    // the first snapshot before the screen changes: a wrong url fails here, in plain text
    let state = initial(source.label, yield* source.snapshot, options.sort)
    const inputs = yield* Queue.unbounded<Input>()
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        const restore = terminal.enter()
        const stop = terminal.listen((text) =>
          Queue.offerUnsafe(inputs, text === undefined ? { _tag: "Resize" } : { _tag: "Input", text })
        )
        return () => {
          stop()
          restore()
        }
      }),
      (restore) => Effect.sync(restore)
    )
    yield* Queue.offer(inputs, { _tag: "Tick" }).pipe(
      Effect.repeat(Schedule.spaced(options.interval)),
      Effect.delay(options.interval),
      Effect.forkScoped
    )
    const draw = () => {
      const lines = frame(state, terminal.columns(), terminal.rows())
      terminal.write(`\x1b[H${lines.join("\x1b[K\r\n")}\x1b[K\x1b[J`)
    }
    const refresh = Effect.gen(function* () {
      const snapshot = yield* Effect.result(source.snapshot)
      if (snapshot._tag === "Failure") {
        state = { ...state, message: `${source.label}: ${messageOf(snapshot.failure)}` }
        return
      }
      state = { ...state, snapshot: snapshot.success }
      if (state.detailOf !== undefined) {
        const detail = yield* Effect.result(source.detail(state.detailOf))
        if (detail._tag === "Failure") state = { ...state, message: `${source.label}: ${messageOf(detail.failure)}` }
        else state = { ...state, detail: Option.getOrUndefined(detail.success) }
      }
    })
    draw()
    while (true) {
      const input = yield* Queue.take(inputs)
      if (input._tag === "Tick") {
        yield* refresh
      } else if (input._tag === "Input") {
        for (const key of keysOf(input.text)) {
          const [next, effect] = press(state, key)
          state = next
          if (effect._tag === "Quit") return
          if (effect._tag === "Refresh") yield* refresh
          if (effect._tag === "Command") {
            const answer = yield* Effect.result(source.command(effect.command, effect.pid, effect.on))
            state =
              answer._tag === "Failure"
                ? { ...state, message: `${source.label}: ${messageOf(answer.failure)}` }
                : answered(state, effect.command, effect.pid, effect.on, answer.success)
            yield* refresh
          }
        }
      }
      draw()
    }
  }).pipe(Effect.scoped)

const messageOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error ? String(error.message) : String(error)

/** How long between two refreshes by default. */
export const defaultInterval = Duration.seconds(1)
