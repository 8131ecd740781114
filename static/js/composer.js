// The reply composer: reply or note, channel choice with its constraints (X counted as X counts,
// by the server), canned replies, attachments on email, typing signal, and the collision check.
import { api, ApiError } from "./api.js";
import { t } from "./i18n.js";

export function setupComposer({ form, onTyping, onSent }) {
  const text = form.querySelector("textarea");
  const channel = form.querySelector("#reply-channel");
  const counter = form.querySelector("#counter");
  const conflict = form.querySelector("#conflict");
  const conflictMessages = form.querySelector("#conflict-messages");
  const error = form.querySelector("#composer-error");
  const files = form.querySelector('input[type="file"]');
  let typingTimer = null;
  let countTimer = null;
  let typing = false;

  const kind = () => form.querySelector('input[name="kind"]:checked').value;

  function refreshMode() {
    const note = kind() === "note";
    form.classList.toggle("is-note", note);
    form.querySelectorAll(".reply-only").forEach((el) => { el.hidden = note; });
    form.querySelectorAll(".note-only").forEach((el) => { el.hidden = !note; });
    form.querySelectorAll(".email-only").forEach((el) => { el.hidden = note || channel?.value !== "email"; });
    text.placeholder = note ? text.dataset.notePlaceholder : text.dataset.replyPlaceholder;
    count();
  }

  // The server counts, so the composer and the X channel can never disagree.
  function count() {
    clearTimeout(countTimer);
    if (kind() === "note" || !channel || channel.value !== "x") { counter.textContent = ""; counter.dataset.over = ""; return; }
    countTimer = setTimeout(async () => {
      const answer = await api(form.dataset.countApi, { method: "POST", json: { channel: "x", text: text.value } });
      counter.textContent = `${answer.count} / ${answer.limit} ${t("characters")}` + (answer.parts > 1 ? ` · ${answer.parts} ${t("posts")}` : "");
      counter.dataset.over = answer.count > answer.limit ? "1" : "";
    }, 250);
  }

  function signalTyping() {
    if (!typing) { typing = true; onTyping(true); }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => { typing = false; onTyping(false); }, 3000);
  }

  async function send(force = false) {
    if (!text.value.trim()) return;
    error.hidden = true;
    const body = {
      kind: kind(), text: text.value, last_seen_message_id: Number(form.dataset.lastSeen) || null, force,
    };
    if (kind() === "reply" && channel) body.channel = channel.value;
    const button = form.querySelector("#send");
    button.disabled = true;
    try {
      let message;
      if (kind() === "reply" && files && files.files.length && body.channel === "email") {
        const data = new FormData();
        Object.entries(body).forEach(([k, v]) => { if (v !== null) data.append(k, v); });
        [...files.files].forEach((f) => data.append("files", f));
        message = await api(form.dataset.api, { method: "POST", form: data });
      } else {
        message = await api(form.dataset.api, { method: "POST", json: body });
      }
      text.value = "";
      if (files) files.value = "";
      conflict.hidden = true;
      typing = false;
      onTyping(false);
      onSent(message);
      count();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        conflictMessages.replaceChildren(...err.body.messages.map((m) => {
          const p = document.createElement("blockquote");
          p.textContent = `${m.author || m.channel}: ${m.text}`;
          return p;
        }));
        err.body.messages.forEach((m) => onSent(m, { quiet: true }));
        conflict.hidden = false;
        conflict.querySelector("button").focus();
      } else {
        error.textContent = t("error") + err.message;
        error.hidden = false;
      }
    } finally {
      button.disabled = false;
    }
  }

  form.addEventListener("submit", (e) => { e.preventDefault(); send(false); });
  form.querySelector("#send-anyway").addEventListener("click", () => send(true));
  form.querySelectorAll('input[name="kind"]').forEach((r) => r.addEventListener("change", refreshMode));
  channel?.addEventListener("change", refreshMode);
  text.addEventListener("input", () => { signalTyping(); count(); });
  text.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); send(false); }
  });
  form.querySelector("#canned")?.addEventListener("change", async (e) => {
    if (!e.target.value) return;
    const url = form.dataset.cannedApi.replace(/\/0$/, `/${e.target.value}`);
    const answer = await api(url, { method: "POST" });
    text.value = text.value ? `${text.value}\n${answer.text}` : answer.text;
    e.target.value = "";
    text.focus();
    count();
  });
  refreshMode();

  return {
    focus(mode) {
      form.querySelector(`input[name="kind"][value="${mode}"]`).checked = true;
      refreshMode();
      text.focus();
    },
    seen(id) { form.dataset.lastSeen = Math.max(Number(form.dataset.lastSeen) || 0, id); },
  };
}
