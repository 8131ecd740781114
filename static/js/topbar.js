// On every page: presence picker, language picker, and toasts for mentions and SLA alerts.
import { api } from "./api.js";
import { t } from "./i18n.js";
import { on } from "./live.js";

const presence = document.getElementById("presence");
const dot = document.querySelector(".presence-dot");

function showPresence(state) {
  if (presence) presence.value = state;
  if (dot) dot.dataset.presence = state;
}

presence?.addEventListener("change", async () => {
  const answer = await api(presence.dataset.api, { method: "PUT", json: { presence: presence.value } });
  showPresence(answer.presence);
});
document.addEventListener("kept:presence", (e) => showPresence(e.detail.presence));
on("agent.presence", (data) => {
  if (String(data.agent_id) === document.body.dataset.agentId) showPresence(data.presence);
});

document.querySelectorAll("[data-autosubmit]").forEach((el) => el.addEventListener("change", () => el.form.submit()));

export function toast(text, href) {
  const box = document.getElementById("toasts");
  const item = document.createElement(href ? "a" : "p");
  item.className = "toast";
  item.textContent = text;
  if (href) item.href = href;
  box.append(item);
  setTimeout(() => item.remove(), 8000);
}

on("mention.created", (data) => toast(t("mentioned", { name: data.by || "", id: data.ticket_id }), `/tickets/${data.ticket_id}`));
