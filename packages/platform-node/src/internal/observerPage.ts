/**
 * The one HTML page of the observer endpoint: no framework, no build step.
 *
 * - It reads `/api/snapshot` and draws the supervision trees as trees (boxes joined by lines), the
 *   node's counters and the process table (sortable by a click on a column: mailbox, messages in,
 *   handled, memory (the `Observer`'s estimate, in B, KiB or MiB, `≥` for a lower bound), ...).
 * - It listens to `/api/events` (server-sent events): each event is listed, and a life-cycle event
 *   (spawn, exit, restart) reads the snapshot again. A child restarted since the last drawing
 *   flashes.
 * - A click on a process (in a tree or the table) opens its detail from `/api/process?pid=`:
 *   `Process.info`, `Sys.getStatus` and its last events.
 * - With write access (and only then) it shows the buttons: kill on each row, and kill, suspend,
 *   resume, trace on/off in the detail. Read-only, it shows none.
 * - The token in the page's own query string is passed on to its requests.
 *
 * Hooks for tests and scripts: `body[data-live]` is `"open"` once the event stream is attached and
 * the snapshot read after it is drawn; each process in a tree is `[data-pid]` with `data-id`,
 * `data-restarts`, `data-status` and `data-first-drawn` (when the page first drew that pid, in
 * `Date.now()` milliseconds); each row is `tr[data-pid]`, its memory cell `td[data-memory]` (the
 * bytes); a column header is `th[data-key]`, `th.sorted` the one the table is sorted by; the detail is
 * `#detail[data-pid]`; a button is `button[data-action]`; the outcome of the last action is
 * `#outcome[data-outcome="ok"|"error"]`.
 *
 * @internal
 */
export const page = (write: boolean): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>effect-otp observer</title>
<style>
:root { --line: #b8c0cc; --sup: #e8f0fe; --sup-b: #6b8fd6; --worker: #fff; --worker-b: #aab; --bad: #c62828 }
* { box-sizing: border-box }
body { font: 13px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9 }
header { display: flex; gap: 1rem; align-items: baseline; padding: .6rem 1.2rem; background: #1d2330; color: #fff }
header h1 { font-size: 1rem; margin: 0 } header small { color: #aab4c4 }
#live { margin-left: auto; font-size: 12px } body[data-live="open"] #live { color: #7ddc8a } body:not([data-live="open"]) #live { color: #f0a0a0 }
main { display: grid; grid-template-columns: minmax(360px, 3fr) minmax(320px, 2fr); gap: 1rem; padding: 1rem 1.2rem }
section { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: .6rem .8rem; overflow: auto }
h2 { font-size: .85rem; text-transform: uppercase; letter-spacing: .04em; color: #5a6475; margin: 0 0 .5rem }
.pid { font-family: ui-monospace, monospace; font-size: 12px }
.tree, .tree ul { list-style: none; margin: 0; padding: 0 }
.tree ul { margin-left: 1.1rem }
.tree li { position: relative; padding: 3px 0 3px 1.1rem }
.tree ul > li::before { content: ""; position: absolute; left: 0; top: 0; bottom: 0; border-left: 1px solid var(--line) }
.tree ul > li:last-child::before { bottom: auto; height: 1.05rem }
.tree ul > li::after { content: ""; position: absolute; left: 0; top: 1.05rem; width: .9rem; border-top: 1px solid var(--line) }
.tree > li { padding-left: 0 }
.box { display: inline-flex; flex-wrap: wrap; max-width: 100%; gap: 0 .45rem; align-items: baseline; padding: 2px 8px; border: 1px solid var(--worker-b); border-radius: 4px; background: var(--worker); cursor: pointer }
.box.supervisor { background: var(--sup); border-color: var(--sup-b) }
.box .meta { color: #5a6475; font-size: 11px; white-space: nowrap }
.box.selected { outline: 2px solid #f5a623 }
li.restarting > .box, li.undefined > .box, .bad { color: var(--bad); border-color: var(--bad) }
li.restarted > .box { animation: flash 2s ease-out }
@keyframes flash { from { background: #ffd54f } }
table { border-collapse: collapse; width: 100% }
td, th { padding: 2px 8px; text-align: left; border-bottom: 1px solid #eef0f3; white-space: nowrap }
th[data-key] { cursor: pointer } th.sorted::after { content: " ▾" }
tbody tr { cursor: pointer } tbody tr:hover { background: #f2f5fb } tbody tr.selected { background: #fff4dc }
td.num { text-align: right }
button { font: inherit; font-size: 12px; padding: 1px 8px; border: 1px solid #aab; border-radius: 4px; background: #fff; cursor: pointer }
button[data-action="kill"] { color: var(--bad); border-color: #e0a0a0 }
#detail dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: .4rem 0 }
#detail dt { color: #5a6475 } #detail dd { margin: 0; font-family: ui-monospace, monospace; font-size: 12px; overflow-wrap: anywhere }
#detail pre { background: #f6f7f9; padding: .4rem; margin: .3rem 0; max-height: 12rem; overflow: auto; font-size: 11px }
#detail .log { max-height: 8rem }
#detail .actions { display: flex; gap: .4rem; margin: .4rem 0 }
#outcome[data-outcome="error"] { color: var(--bad) } #outcome[data-outcome="ok"] { color: #2e7d32 }
.log { font-family: ui-monospace, monospace; font-size: 11px; max-height: 12rem; overflow: auto }
.log div[data-tag="Exited"] { color: var(--bad) } .log div[data-tag="Restarted"] { color: #1565c0 } .log div[data-tag="Traced"] { color: #6a1b9a }
.wide { grid-column: 1 / -1 }
.muted { color: #8a93a3 }
</style>
</head>
<body data-live="connecting" data-write="${write ? "true" : "false"}">
<header><h1>effect-otp observer</h1><small id="node"></small><small id="metrics"></small><span id="live">connecting</span></header>
<main>
<section id="trees-section"><h2>Supervision trees</h2><ul class="tree" id="trees"></ul></section>
<section id="detail-section"><h2>Process</h2><div id="detail"><p class="muted">Click a process in a tree or in the table.</p></div></section>
<section id="processes-section" class="wide"><h2>Processes</h2>
<table id="processes"><thead><tr>
<th data-key="pid">pid</th><th data-key="registeredName">name</th><th data-key="behaviour">behaviour</th>
<th data-key="status">status</th><th data-key="mailboxLength">mailbox</th><th data-key="messagesIn">in</th>
<th data-key="messagesHandled">handled</th><th data-key="memory" title="an estimate: an idle process's cost, its mailbox and a server's state (≥: a lower bound)">memory</th><th>links</th>${write ? "<th></th>" : ""}</tr></thead><tbody></tbody></table></section>
<section class="wide"><h2>Events</h2><div class="log" id="events"></div></section>
</main>
<script>
"use strict"
const write = ${write ? "true" : "false"}
const token = new URLSearchParams(location.search).get("token")
const q = (path) => token === null ? path : path + (path.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token)
const lifecycle = new Set(["Spawned", "Exited", "Restarted"])
let sortKey = "mailboxLength"
let last = undefined
let drawnPids = undefined
let firstDrawn = new Map()
let now = 0
let selected = null
const el = (tag, attrs, ...children) => {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs ?? {})) if (v !== undefined && v !== null) node.setAttribute(k, v)
  for (const child of children) if (child !== undefined && child !== null) node.append(child)
  return node
}
const bytes = (n, truncated) => (truncated ? "≥" : "") +
  (n < 1024 ? n + " B" : n < 1048576 ? (n / 1024).toFixed(1) + " KiB" : (n / 1048576).toFixed(1) + " MiB")
const text = (value) => value === null || value === undefined ? "" : typeof value === "object" ? JSON.stringify(value) : String(value)
const select = (pid) => { selected = pid; if (last) render(last); detail() }
const box = (pid, cls, label, meta) => {
  const node = el("span", { class: "box " + cls + (pid === selected ? " selected" : "") },
    el("strong", {}, label), el("span", { class: "pid" }, pid ?? "-"), el("span", { class: "meta" }, meta))
  if (pid) node.onclick = (e) => { e.stopPropagation(); select(pid) }
  return node
}
const treeOf = (byPid, names, sup) => {
  const intensity = sup.intensity.map((i) => "intensity " + i.used + "/" + i.maxRestarts + " in " + i.withinMs + " ms").join(", ")
  return el("li", { "data-pid": sup.pid, "data-supervisor": sup.pid, "data-restarts": String(sup.restarts) },
    box(sup.pid, "supervisor", sup.registeredName ?? sup.kind, sup.kind + " " + sup.strategy + " · restarts " + sup.restarts + (intensity ? " · " + intensity : "")),
    el("ul", {}, ...sup.children.map((c) => {
      // restarted since the last drawing: a new pid that has restarts (a dynamic child keeps no id of its own)
      const flashed = drawnPids !== undefined && c.restarts > 0 && c.pid !== null && !drawnPids.has(c.pid)
      const inner = c.pid !== null && byPid.has(c.pid) ? treeOf(byPid, names, byPid.get(c.pid)) : undefined
      const name = names.get(c.pid)
      const item = inner ?? el("li", {}, box(c.pid, "worker", c.id, (name && name !== c.id ? name + " · " : "") + c.status + " · restarts " + c.restarts))
      item.dataset.id = c.id
      item.dataset.status = c.status
      item.dataset.restarts = String(c.restarts)
      if (c.pid !== null) item.dataset.pid = c.pid
      if (c.pid !== null) item.dataset.firstDrawn = String(firstDrawn.get(c.pid) ?? now)
      item.classList.add(c.status)
      if (flashed) item.classList.add("restarted")
      return item
    })))
}
const render = (snapshot) => {
  last = snapshot
  document.getElementById("node").textContent = snapshot.node.name
  const m = snapshot.metrics
  document.getElementById("metrics").textContent =
    m.active + " processes · " + m.spawned + " spawned · " + m.messagesSent + " messages sent · " + m.messagesDropped + " dropped"
  const names = new Map(snapshot.processes.map((p) => [p.pid, p.registeredName]))
  const byPid = new Map(snapshot.supervisors.map((s) => [s.pid, s]))
  const children = new Set(snapshot.supervisors.flatMap((s) => s.children.map((c) => c.pid)))
  const roots = snapshot.supervisors.filter((s) => !children.has(s.pid))
  now = Date.now()
  document.getElementById("trees").replaceChildren(...roots.map((s) => treeOf(byPid, names, s)))
  // a restart flashes once: the pids drawn now are the ones the next drawing compares with; each
  // keeps the time it was first drawn (data-first-drawn, for tests)
  drawnPids = children
  firstDrawn = new Map([...children].filter((pid) => pid !== null).map((pid) => [pid, firstDrawn.get(pid) ?? now]))
  for (const th of document.querySelectorAll("th[data-key]")) th.classList.toggle("sorted", th.dataset.key === sortKey)
  const rows = [...snapshot.processes].sort((a, b) =>
    typeof a[sortKey] === "number" ? b[sortKey] - a[sortKey] : text(a[sortKey]).localeCompare(text(b[sortKey])))
  document.querySelector("#processes tbody").replaceChildren(...rows.map((p) => {
    const row = el("tr", { "data-pid": p.pid, class: p.pid === selected ? "selected" : undefined },
      el("td", { class: "pid" }, p.pid), el("td", {}, p.registeredName ?? ""),
      el("td", {}, p.behaviour), el("td", { class: p.status === "suspended" ? "bad" : undefined }, p.status),
      el("td", { class: "num" }, String(p.mailboxLength)), el("td", { class: "num" }, String(p.messagesIn)),
      el("td", { class: "num" }, String(p.messagesHandled)),
      el("td", { class: "num", "data-memory": String(p.memory), title: p.memory + " bytes" }, bytes(p.memory, p.memoryTruncated)),
      el("td", { class: "pid" }, p.links.join(" ")),
      write ? el("td", {}, actionButton("kill", p.pid)) : undefined)
    row.onclick = () => select(p.pid)
    return row
  }))
}
const outcome = (state, message) => {
  const node = document.getElementById("outcome")
  if (node) { node.dataset.outcome = state; node.textContent = message }
}
const actions = {
  kill: (pid) => "/api/kill?pid=" + encodeURIComponent(pid),
  suspend: (pid) => "/api/suspend?pid=" + encodeURIComponent(pid),
  resume: (pid) => "/api/resume?pid=" + encodeURIComponent(pid),
  "trace-on": (pid) => "/api/trace?on=true&pid=" + encodeURIComponent(pid),
  "trace-off": (pid) => "/api/trace?on=false&pid=" + encodeURIComponent(pid)
}
const act = (action, pid) =>
  fetch(q(actions[action](pid)), { method: "POST" })
    .then((r) => r.json().then((body) => r.ok ? outcome("ok", action + " " + pid + ": done") : outcome("error", action + " " + pid + ": " + (body.error ?? r.status))))
    .catch((e) => outcome("error", action + " " + pid + ": " + e))
    .then(() => { refresh(); if (pid === selected) detail() })
const actionButton = (action, pid) => {
  const button = el("button", { "data-action": action, "data-pid": pid }, action.replace("-", " "))
  button.onclick = (e) => { e.stopPropagation(); act(action, pid) }
  return button
}
const fields = (object) => el("dl", {}, ...Object.entries(object ?? {}).flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, text(v))]))
const eventLine = (event) => {
  const rest = event._tag === "Traced" ? event.pid + " " + event.text
    : Object.entries(event).filter(([k]) => k !== "_tag" && k !== "time").map(([k, v]) => k + "=" + text(v)).join(" ")
  const time = typeof event.time === "number" ? new Date(event.time).toISOString().slice(11, 23) : ""
  return el("div", { "data-tag": event._tag ?? "" }, time + " " + (event._tag ?? "") + " " + rest)
}
let detailPending = false
let detailAgain = false
const detail = () => {
  const pid = selected
  if (pid === null) return
  if (detailPending) { detailAgain = true; return }
  detailPending = true
  const done = () => { detailPending = false; if (detailAgain) { detailAgain = false; detail() } }
  fetch(q("/api/process?pid=" + encodeURIComponent(pid))).then((r) => r.json().then((body) => {
    if (pid !== selected) return
    const target = document.getElementById("detail")
    const previous = document.getElementById("outcome")
    const kept = previous && previous.dataset.outcome ? [previous.dataset.outcome, previous.textContent] : undefined
    target.dataset.pid = pid
    if (!r.ok) {
      target.dataset.state = "gone"
      target.replaceChildren(el("h3", { class: "pid" }, pid), el("p", { class: "bad" }, body.error ?? String(r.status)), el("p", { id: "outcome" }))
    } else {
      target.dataset.state = "live"
      const buttons = !write ? [] : body.status === null ? ["kill"] : ["kill", "suspend", "resume", "trace-on", "trace-off"]
      target.replaceChildren(
        el("h3", { class: "pid" }, pid + " " + text(body.info && body.info.registeredName)),
        buttons.length === 0 ? el("p", { class: "muted" }, write ? "" : "read-only endpoint") : el("div", { class: "actions" }, ...buttons.map((a) => actionButton(a, pid))),
        el("p", { id: "outcome" }),
        el("h2", {}, "Process.info"), fields(body.info),
        el("h2", {}, "Sys.getStatus"), body.status === null ? el("p", { class: "muted" }, "not a server (no system messages)") : el("pre", {}, JSON.stringify(body.status, null, 2)),
        el("h2", {}, "Last events"), el("div", { class: "log" }, ...(body.events ?? []).map(eventLine)))
    }
    if (kept) outcome(kept[0], kept[1])
  })).then(done, done)
}
for (const th of document.querySelectorAll("th[data-key]")) th.onclick = () => { sortKey = th.dataset.key; if (last) render(last) }
// one snapshot read at a time; a refresh asked during a read gets one more read after it, and its
// promise settles when a read that started after it has been drawn
let pending = false
let waiters = []
const read = () => {
  pending = true
  const mine = waiters
  waiters = []
  fetch(q("/api/snapshot")).then((r) => r.json()).then((s) => render(s)).catch(() => {}).then(() => {
    pending = false
    for (const resolve of mine) resolve()
    if (waiters.length > 0) read()
  })
}
const refresh = () => new Promise((resolve) => { waiters.push(resolve); if (!pending) read() })
const live = (state) => { document.body.dataset.live = state; document.getElementById("live").textContent = state === "open" ? "● live" : "○ " + state }
const source = new EventSource(q("/api/events"))
// attached: the snapshot read now is current, and every later change arrives as an event
source.onopen = () => refresh().then(() => live("open"))
source.onerror = () => live(source.readyState === EventSource.CLOSED ? "closed" : "reconnecting")
refresh()
source.onmessage = (message) => {
  const event = JSON.parse(message.data)
  const log = document.getElementById("events")
  log.prepend(eventLine(event))
  while (log.childNodes.length > 200) log.lastChild.remove()
  if (lifecycle.has(event._tag)) refresh()
  if (selected !== null && (event.pid === selected || event.supervisor === selected)) detail()
}
</script>
</body>
</html>
`
