// The ticket page: live timeline, properties, who else is here, merges and keyboard shortcuts.
import { api } from "./api.js";
import { setupComposer } from "./composer.js";
import { t } from "./i18n.js";
import { on, onConnect, socket } from "./live.js";
import { tick } from "./time.js";

const root = document.getElementById("ticket");
const ticketId = Number(root.dataset.ticketId);
const timeline = document.getElementById("timeline");
const viewersLine = document.getElementById("viewers");
const properties = document.getElementById("properties");
const viewers = new Map(); // key → {name, state}

// Timeline: a message that arrives live is fetched rendered by the server, like the rest.
async function appendMessage(id) {
  if (document.getElementById(`m${id}`)) return;
  const response = await fetch(root.dataset.entryUrl.replace("{id}", id), { credentials: "same-origin" });
  if (!response.ok || document.getElementById(`m${id}`)) return;
  timeline.insertAdjacentHTML("beforeend", await response.text());
  tick();
}

const composer = setupComposer({
  form: document.getElementById("composer"),
  onTyping: (typing) => socket.emit("ticket.typing", { ticket_id: ticketId, typing }),
  onSent: (message) => { composer.seen(message.id); appendMessage(message.id); },
});

on("message.created", (message) => { if (message.ticket_id === ticketId) appendMessage(message.id); });
// Delivery news (sent, failed) redraws the message it concerns.
on("message.updated", async (message) => {
  const old = document.getElementById(`m${message.id}`);
  if (message.ticket_id !== ticketId || !old) return;
  const response = await fetch(root.dataset.entryUrl.replace("{id}", message.id), { credentials: "same-origin" });
  if (response.ok) { old.outerHTML = await response.text(); tick(); }
});

function showTicket(ticket) {
  if (ticket.id !== ticketId) return;
  for (const name of ["status", "priority", "team_id", "assignee_id"]) {
    const field = properties.elements[name];
    if (document.activeElement !== field) field.value = ticket[name] === null ? "" : String(ticket[name]);
  }
  if (document.activeElement !== properties.elements.tags) properties.elements.tags.value = (ticket.tags || []).join(", ");
  const paused = ticket.sla.paused;
  const targets = {
    "sla-first": [ticket.sla.first_response_due_at, ticket.first_response_at],
    "sla-next": [ticket.sla.next_response_due_at, null],
    "sla-resolution": [ticket.sla.resolution_due_at, ticket.solved_at],
  };
  for (const [id, [due, stoppedAt]] of Object.entries(targets)) {
    const el = document.getElementById(id);
    el.dataset.due = due || "";
    if (stoppedAt) el.dataset.stopped = "1"; else delete el.dataset.stopped;
    if (paused) el.dataset.paused = "1"; else delete el.dataset.paused;
  }
  tick();
}

on("ticket.updated", showTicket);
on("sla.warning", (data) => data.ticket && showTicket(data.ticket));
on("sla.breached", (data) => data.ticket && showTicket(data.ticket));
on("ticket.removed", (data) => {
  if (data.id !== ticketId) return;
  const myTeams = (document.body.dataset.teamIds || "").split(",").filter(Boolean).map(Number);
  if (document.body.dataset.admin !== "1" && data.team_id !== null && !myTeams.includes(data.team_id)) {
    document.getElementById("moved-away").hidden = false;
    document.getElementById("composer").hidden = true;
  }
});

// Properties are saved as soon as they change.
properties.addEventListener("change", async (e) => {
  const field = e.target;
  if (field.name === "tags") {
    await api(root.dataset.tagsApi, { method: "PUT", json: { tags: field.value.split(",").map((s) => s.trim()).filter(Boolean) } });
    return;
  }
  const value = field.value === "" ? null : (field.name.endsWith("_id") ? Number(field.value) : field.value);
  showTicket(await api(root.dataset.api, { method: "PATCH", json: { [field.name]: value } }));
});

async function solve() {
  showTicket(await api(root.dataset.api, { method: "PATCH", json: { status: "solved" } }));
}
document.getElementById("solve").addEventListener("click", solve);

document.querySelectorAll("form.merge").forEach((form) => form.addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!window.confirm(form.dataset.confirm)) return;
  try {
    await api(form.dataset.api, { method: "POST", json: { into: Number(form.elements.into.value) } });
    window.location.reload();
  } catch (err) {
    window.alert(t("error") + err.message);
  }
}));

// Who else is here: join the ticket's room, answer newcomers, show viewers and typists.
function renderViewers() {
  const people = [...viewers.values()];
  viewersLine.hidden = people.length === 0;
  viewersLine.textContent = people.length
    ? `${t("also_here")} ` + people.map((p) => `${p.name} (${p.state === "typing" ? t("typing") : t("viewing")})`).join(", ")
    : "";
}

on("viewer.update", (data) => {
  if (data.ticket_id !== ticketId) return;
  if (data.state === "left") viewers.delete(data.key);
  else viewers.set(data.key, { name: data.name, state: data.state });
  if (data.hello) socket.emit("ticket.here", { ticket_id: ticketId, typing: composerTyping() });
  renderViewers();
});

function composerTyping() {
  return document.activeElement === document.getElementById("composer-text") && document.getElementById("composer-text").value !== "";
}

onConnect(() => {
  viewers.clear();
  renderViewers();
  socket.emit("ticket.watch", { ticket_id: ticketId });
});
window.addEventListener("pagehide", () => socket.emit("ticket.unwatch", { ticket_id: ticketId }));

// Shortcuts: r reply, i note, s solve, j next ticket; never while typing in a field.
document.addEventListener("keydown", (e) => {
  if (e.target.closest("input, textarea, select") || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === "r") { e.preventDefault(); composer.focus("reply"); }
  else if (e.key === "i") { e.preventDefault(); composer.focus("note"); }
  else if (e.key === "s") { e.preventDefault(); solve(); }
  else if (e.key === "j") { e.preventDefault(); window.location.href = root.dataset.nextUrl; }
});
