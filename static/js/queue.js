// The live queue: keyset pages from /api/queue, then Socket.IO events keep the rows current.
// Rows stay in work order (soonest SLA due first, breached first, no target last) as they change.
import { api } from "./api.js";
import { t } from "./i18n.js";
import { on, onConnect } from "./live.js";
import { formatDate, renderCountdown } from "./time.js";
import { toast } from "./topbar.js";

const table = document.getElementById("queue");
const tbody = table.querySelector("tbody");
const empty = document.getElementById("queue-empty");
const more = document.getElementById("load-more");
const params = JSON.parse(table.dataset.params || "{}");
const me = Number(document.body.dataset.agentId);
const isAdmin = document.body.dataset.admin === "1";
const myTeams = new Set((document.body.dataset.teamIds || "").split(",").filter(Boolean).map(Number));
const OPEN = ["new", "open", "pending", "on-hold"];
// The same inline icons as templates/workspace/_labels.html (no icon font to load).
const ICONS = {
  "email": "<svg viewBox=\"0 0 24 24\" width=\"18\" height=\"18\" aria-hidden=\"true\"><path fill=\"none\" stroke=\"currentColor\" stroke-width=\"2\" d=\"M3 6h18v12H3z M3 7l9 6 9-6\"/></svg>",
  "x": "<svg viewBox=\"0 0 24 24\" width=\"16\" height=\"16\" aria-hidden=\"true\"><path fill=\"currentColor\" d=\"M17.8 3h3.1l-6.8 7.7L22 21h-6.2l-4.9-6.3L5.3 21H2.2l7.2-8.3L1.9 3h6.4l4.4 5.8L17.8 3zm-1.1 16.2h1.7L7.4 4.7H5.6l11.1 14.5z\"/></svg>",
  "chat": "<svg viewBox=\"0 0 24 24\" width=\"18\" height=\"18\" aria-hidden=\"true\"><path fill=\"none\" stroke=\"currentColor\" stroke-width=\"2\" stroke-linejoin=\"round\" d=\"M4 5h16v11H9l-5 4z\"/></svg>"
};

const tickets = new Map(); // id → latest summary
let cursor = null;

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

// Whether a pushed ticket belongs in this view; the server decided for loaded pages.
function matches(ticket) {
  if (ticket.team_id !== null && !isAdmin && !myTeams.has(ticket.team_id)) return false;
  const statuses = params.status ? params.status.split(",") : OPEN;
  if (!statuses.includes(ticket.status)) return false;
  if (params.channel && ticket.channel !== params.channel) return false;
  if (params.priority && ticket.priority !== params.priority) return false;
  if (params.team_id && String(ticket.team_id) !== params.team_id) return false;
  if (params.tag && !(ticket.tags || []).includes(params.tag)) return false;
  if (params.view === "mine" && ticket.assignee_id !== me) return false;
  if ((params.view === "unassigned" || params.unassigned) && ticket.assignee_id !== null) return false;
  if (params.assignee_id && String(ticket.assignee_id) !== params.assignee_id) return false;
  if (params.view === "breaching" || params.breaching) {
    const horizon = Date.now() + Number(table.dataset.breachingMinutes) * 60000;
    if (!ticket.sla.due_at || new Date(ticket.sla.due_at).getTime() >= horizon) return false;
  }
  if (params.q) {
    const q = params.q.toLowerCase();
    if (!`${ticket.subject || ""} ${ticket.preview || ""}`.toLowerCase().includes(q)) return false;
  }
  return true;
}

function sortKey(ticket) {
  return [ticket.sla.due_at ? new Date(ticket.sla.due_at).getTime() : Infinity, ticket.id];
}

function before(a, b) {
  const [da, ia] = sortKey(a), [db, ib] = sortKey(b);
  return da < db || (da === db && ia < ib);
}

// The promise: kept once answered in time; late once its instant passed unanswered; at risk
// once past the median estimate (more likely than not to be late from here on).
function promiseState(ticket, now = Date.now()) {
  const p = ticket.promise;
  if (!p || !p.due_at) return null;
  const due = new Date(p.due_at).getTime();
  const replied = ticket.last_agent_reply_at && (!p.promised_at || ticket.last_agent_reply_at >= p.promised_at);
  if (replied) return new Date(ticket.last_agent_reply_at).getTime() <= due ? "kept" : "late";
  if (now > due) return "late";
  const median = p.median_at ? new Date(p.median_at).getTime() : due - (due - new Date(p.promised_at || due).getTime()) * 0.2;
  return now >= median ? "at_risk" : "ok";
}

function render(ticket) {
  const tr = el("tr");
  tr.dataset.ticketId = ticket.id;
  tr.dataset.priority = ticket.priority;
  const channel = el("td", "col-channel");
  const icon = el("span", `channel-icon channel-${ticket.channel}`);
  icon.innerHTML = ICONS[ticket.channel] || ""; // constant markup above, never ticket data
  icon.setAttribute("role", "img");
  icon.setAttribute("aria-label", t(ticket.channel));
  channel.append(icon);

  const main = el("td", "col-main");
  const link = el("a", "ticket-link");
  link.href = `/tickets/${ticket.id}`;
  link.append(el("span", "customer", ticket.customer ? ticket.customer.name : ""), el("span", "subject", ticket.subject || ticket.preview || ""));
  main.append(link);
  if (ticket.subject && ticket.preview && ticket.preview !== ticket.subject) main.append(el("span", "preview", ticket.preview));

  const priority = el("td");
  priority.append(el("span", `badge priority-${ticket.priority}`, t(ticket.priority)));
  const status = el("td", "col-status");
  status.append(el("span", `badge status-${ticket.status}`, t(ticket.status)));
  const assignee = el("td", "col-assignee", ticket.assignee_name || t("unassigned"));
  if (!ticket.assignee_name) assignee.classList.add("muted");

  const sla = el("td", "col-sla");
  const countdown = el("span", "countdown");
  countdown.dataset.countdown = "";
  countdown.dataset.due = ticket.sla.due_at || "";
  if (ticket.sla.paused) countdown.dataset.paused = "1";
  renderCountdown(countdown);
  sla.append(countdown);

  const promise = el("td", "col-promise");
  if (ticket.promise && ticket.promise.due_at) {
    const when = el("time", null, formatDate(ticket.promise.due_at));
    when.dateTime = ticket.promise.due_at;
    promise.append(when);
    const state = promiseState(ticket);
    if (state && state !== "ok") promise.append(" ", el("span", `badge promise-${state}`, t(state)));
  }
  tr.append(channel, main, priority, status, assignee, sla, promise);
  tr.addEventListener("click", (e) => { if (e.target.tagName !== "A") link.click(); });
  return tr;
}

function place(ticket) {
  const existing = tbody.querySelector(`tr[data-ticket-id="${ticket.id}"]`);
  if (existing) existing.remove();
  tickets.delete(ticket.id);
  if (!matches(ticket)) return update();
  // A ticket sorting after the last loaded row belongs to a page not loaded yet.
  const rows = [...tickets.values()];
  const last = rows[rows.length - 1];
  if (cursor && last && before(last, ticket)) return update();
  const row = render(ticket);
  const next = rows.find((other) => before(ticket, other));
  tickets.set(ticket.id, ticket);
  if (next) tbody.querySelector(`tr[data-ticket-id="${next.id}"]`).before(row);
  else tbody.append(row);
  resort();
  if (!existing) { row.classList.add("arrived"); setTimeout(() => row.classList.remove("arrived"), 2000); }
  update();
}

function resort() {
  const sorted = [...tickets.values()].sort((a, b) => (before(a, b) ? -1 : 1));
  tickets.clear();
  sorted.forEach((ticket) => tickets.set(ticket.id, ticket));
}

function remove(id) {
  tbody.querySelector(`tr[data-ticket-id="${id}"]`)?.remove();
  tickets.delete(id);
  update();
}

function update() {
  empty.hidden = tickets.size > 0;
  more.hidden = !cursor;
}

async function load(reset) {
  const query = new URLSearchParams(params);
  if (!reset && cursor) query.set("cursor", cursor);
  const page = await api(`${table.dataset.api}?${query}`);
  if (reset) { tickets.clear(); tbody.replaceChildren(); }
  for (const ticket of page.tickets) {
    tickets.set(ticket.id, ticket);
    tbody.append(render(ticket));
  }
  cursor = page.next_cursor;
  update();
}

more.addEventListener("click", () => load(false));
// Load the next page as the button scrolls into view: endless scrolling that stays keyset-paged.
new IntersectionObserver((entries) => {
  if (entries.some((e) => e.isIntersecting) && cursor) load(false);
}).observe(more);

onConnect(() => load(true)); // after a reconnection, events may have been missed: reload
on("ticket.created", place);
on("ticket.updated", place);
on("ticket.removed", (data) => remove(data.id));
for (const name of ["sla.warning", "sla.breached"]) {
  on(name, (data) => {
    if (data.ticket) place(data.ticket);
    const row = tbody.querySelector(`tr[data-ticket-id="${data.ticket_id}"]`);
    if (row) { row.classList.add(name === "sla.breached" ? "breached-now" : "warned-now"); }
    toast(t(name === "sla.breached" ? "sla_breached" : "sla_warning", { id: data.ticket_id }), `/tickets/${data.ticket_id}`);
  });
}

// The promise's "at risk" state depends on the clock, not only on events.
setInterval(() => {
  for (const ticket of tickets.values()) {
    const cell = tbody.querySelector(`tr[data-ticket-id="${ticket.id}"] .col-promise`);
    const state = promiseState(ticket);
    if (cell && state && cell.dataset.state !== state) {
      cell.dataset.state = state;
      cell.querySelector(".badge")?.remove();
      if (state !== "ok") cell.append(el("span", `badge promise-${state}`, t(state)));
    }
  }
}, 5000);

// Saved views.
document.getElementById("save-view")?.addEventListener("click", async (e) => {
  const name = window.prompt(t("view_name"));
  if (!name) return;
  await api(e.target.dataset.api, { method: "POST", json: { name, filters: params } });
  window.location.reload();
});
document.querySelectorAll(".delete-view").forEach((button) => button.addEventListener("click", async () => {
  await api(button.dataset.api, { method: "DELETE" });
  button.closest("li").remove();
}));

// Keys: j / k move between tickets, Enter opens (native on the link), / focuses search.
document.addEventListener("keydown", (e) => {
  if (e.target.closest("input, textarea, select") || e.ctrlKey || e.metaKey || e.altKey) return;
  const links = [...tbody.querySelectorAll("a.ticket-link")];
  const index = links.indexOf(document.activeElement);
  if (e.key === "j" || e.key === "k") {
    e.preventDefault();
    const next = links[Math.min(links.length - 1, Math.max(0, index + (e.key === "j" ? 1 : -1)))];
    next?.focus();
  } else if (e.key === "/") {
    e.preventDefault();
    document.querySelector('.filters input[name="q"]').focus();
  }
});
