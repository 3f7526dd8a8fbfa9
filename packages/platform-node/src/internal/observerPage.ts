/**
 * The one HTML page of the observer endpoint: no framework, no build step. It reads
 * `/api/snapshot`, draws the supervision trees as nested lists and the process table, and listens to
 * `/api/events` (server-sent events): each event is listed and the snapshot read again. The token
 * in the page's own query string is passed on to its requests.
 *
 * @internal
 */
export const page = (write: boolean): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>effect-otp observer</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 1rem 2rem; color: #222 }
h1 { font-size: 1.2rem } h2 { font-size: 1rem; margin-top: 1.5rem }
ul.tree, ul.tree ul { list-style: none; padding-left: 1.2rem; border-left: 1px solid #ccc }
.pid { font-family: ui-monospace, monospace } .restarting, .stopped { color: #b00 }
table { border-collapse: collapse } td, th { padding: 2px 10px; text-align: left; border-bottom: 1px solid #eee }
th { cursor: pointer } #events { font-family: ui-monospace, monospace; font-size: 12px; max-height: 12rem; overflow: auto }
</style>
</head>
<body>
<h1>effect-otp observer <small id="node"></small></h1>
<div id="metrics"></div>
<h2>Supervision trees</h2>
<div id="trees"></div>
<h2>Processes</h2>
<table id="processes"><thead><tr>
<th data-key="pid">pid</th><th data-key="registeredName">name</th><th data-key="behaviour">behaviour</th>
<th data-key="status">status</th><th data-key="mailboxLength">mailbox</th><th data-key="messagesIn">in</th>
<th data-key="messagesHandled">handled</th><th>links</th><th></th></tr></thead><tbody></tbody></table>
<h2>Events</h2>
<div id="events"></div>
<script>
const write = ${write ? "true" : "false"}
const token = new URLSearchParams(location.search).get("token")
const q = (path) => token === null ? path : path + (path.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token)
let sortKey = "mailboxLength"
let last = undefined
const el = (tag, attrs, ...children) => {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs ?? {})) node.setAttribute(k, v)
  for (const child of children) node.append(child)
  return node
}
const treeOf = (snapshot, sup) => {
  const byPid = new Map(snapshot.supervisors.map((s) => [s.pid, s]))
  const draw = (s) => el("li", { "data-supervisor": s.pid },
    el("span", { class: "pid" }, s.pid), " " + (s.registeredName ?? "") + " " + s.kind + " " + s.strategy +
      " restarts " + s.restarts + s.intensity.map((i) => " intensity " + i.used + "/" + i.maxRestarts + " in " + i.withinMs + " ms").join(""),
    el("ul", {}, ...s.children.map((c) => {
      const inner = c.pid !== null && byPid.has(c.pid) ? draw(byPid.get(c.pid)) : undefined
      return inner ?? el("li", { "data-child": c.id, class: c.status },
        c.id + " ", el("span", { class: "pid" }, c.pid ?? "-"), " " + c.status + " restarts " + c.restarts)
    })))
  return draw(sup)
}
const render = (snapshot) => {
  last = snapshot
  document.getElementById("node").textContent = snapshot.node.name
  const m = snapshot.metrics
  document.getElementById("metrics").textContent =
    "processes " + m.active + " · spawned " + m.spawned + " · messages sent " + m.messagesSent + " · dropped " + m.messagesDropped
  const children = new Set(snapshot.supervisors.flatMap((s) => s.children.map((c) => c.pid)))
  const roots = snapshot.supervisors.filter((s) => !children.has(s.pid))
  document.getElementById("trees").replaceChildren(el("ul", { class: "tree" }, ...roots.map((s) => treeOf(snapshot, s))))
  const rows = [...snapshot.processes].sort((a, b) =>
    typeof a[sortKey] === "number" ? b[sortKey] - a[sortKey] : String(a[sortKey]).localeCompare(String(b[sortKey])))
  document.querySelector("#processes tbody").replaceChildren(...rows.map((p) => {
    const kill = el("button", write ? { "data-kill": p.pid } : { disabled: "", title: "read-only endpoint" }, "kill")
    kill.onclick = () => fetch(q("/api/kill?pid=" + encodeURIComponent(p.pid)), { method: "POST" })
    return el("tr", { "data-pid": p.pid }, el("td", { class: "pid" }, p.pid), el("td", {}, p.registeredName ?? ""),
      el("td", {}, p.behaviour), el("td", {}, p.status), el("td", {}, String(p.mailboxLength)),
      el("td", {}, String(p.messagesIn)), el("td", {}, String(p.messagesHandled)),
      el("td", { class: "pid" }, p.links.join(" ")), el("td", {}, kill))
  }))
}
for (const th of document.querySelectorAll("th[data-key]")) th.onclick = () => { sortKey = th.dataset.key; if (last) render(last) }
let pending = false
const refresh = () => {
  if (pending) return
  pending = true
  fetch(q("/api/snapshot")).then((r) => r.json()).then((s) => { pending = false; render(s) }, () => { pending = false })
}
refresh()
const source = new EventSource(q("/api/events"))
source.onmessage = (message) => {
  const event = JSON.parse(message.data)
  const line = el("div", {}, event.time + " " + event._tag + " " + (event._tag === "Restarted"
    ? event.id + " as " + event.pid + " by " + event.supervisor
    : event.pid + (event._tag === "Exited" ? " " + event.reason : "")))
  const log = document.getElementById("events")
  log.prepend(line)
  while (log.childNodes.length > 200) log.lastChild.remove()
  refresh()
}
</script>
</body>
</html>
`
