// The live queue: one fetch of the work order, then Socket.IO pushes keep rows current.
const table = document.getElementById("queue");
const body = table.querySelector("tbody");
const state = document.getElementById("live-state");
const rows = new Map();

function fmt(iso) {
  return iso ? new Date(iso).toLocaleString([], { dateStyle: "short", timeStyle: "short" }) : "";
}

function cell(text, cls) {
  const td = document.createElement("td");
  td.textContent = text ?? "";
  if (cls) td.className = cls;
  return td;
}

function render(ticket) {
  const tr = document.createElement("tr");
  tr.dataset.ticketId = ticket.id;
  tr.dataset.due = ticket.sla.due_at || "";
  tr.append(
    cell(ticket.id), cell(ticket.channel, "channel " + ticket.channel), cell(ticket.customer && ticket.customer.name),
    cell(ticket.subject || ticket.preview), cell(ticket.priority), cell(ticket.status), cell(ticket.assignee_name),
    cell(fmt(ticket.sla.due_at)), cell(fmt(ticket.promise.due_at)),
  );
  return tr;
}

function order() {
  // Soonest SLA due first; tickets without a running target after those with one.
  const sorted = [...rows.values()].sort((a, b) => {
    const da = a.dataset.due || "9999", dbb = b.dataset.due || "9999";
    return da < dbb ? -1 : da > dbb ? 1 : Number(a.dataset.ticketId) - Number(b.dataset.ticketId);
  });
  body.replaceChildren(...sorted);
}

function upsert(ticket) {
  const open = ["new", "open", "pending", "on-hold"].includes(ticket.status);
  rows.delete(String(ticket.id));
  if (open) rows.set(String(ticket.id), render(ticket));
  order();
}

async function load() {
  const response = await fetch(table.dataset.api + "?per_page=200", { credentials: "same-origin" });
  const data = await response.json();
  rows.clear();
  data.tickets.forEach((t) => rows.set(String(t.id), render(t)));
  order();
}

const socket = io("/agents", { transports: ["websocket", "polling"] });
socket.on("connect", () => { state.textContent = "live"; load(); });
socket.on("disconnect", () => { state.textContent = "reconnecting…"; });
socket.on("ticket.created", upsert);
socket.on("ticket.updated", upsert);
