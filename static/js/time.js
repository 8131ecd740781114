// Dates and durations in the agent's language and time zone, and the one-second clock that
// keeps every countdown on the page current.
import { t } from "./i18n.js";

const body = document.body.dataset;
const locale = body.locale || "en";
const timeZone = body.timezone || "UTC";
const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone });
const timeOnly = new Intl.DateTimeFormat(locale, { timeStyle: "short", timeZone });
const dayKey = new Intl.DateTimeFormat("en-CA", { timeZone });

export function formatDate(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  // Today's times need no date.
  return dayKey.format(date) === dayKey.format(new Date()) ? timeOnly.format(date) : dateTime.format(date);
}

const units = [["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]];
const unitFormats = new Map(units.map(([unit]) => [unit, new Intl.NumberFormat(locale, { style: "unit", unit, unitDisplay: "short" })]));

// "1 hr 5 min" in the agent's language, as Intl.NumberFormat spells units: the two largest
// units, with seconds only in the last ten minutes, when they matter.
export function formatDuration(seconds) {
  let rest = Math.max(0, Math.floor(Math.abs(seconds)));
  const parts = [];
  for (let i = 0; i < units.length; i++) {
    const [unit, size] = units[i];
    if (unit === "second" && Math.abs(seconds) >= 600) break;
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || (unit === "second" && parts.length === 0)) parts.push(unitFormats.get(unit).format(n));
    // The unit right after the largest one, and no further.
    if (parts.length === 1 && n > 0 && i + 1 < units.length) {
      const [nextUnit, nextSize] = units[i + 1];
      const m = Math.floor(rest / nextSize);
      if (m > 0 && !(nextUnit === "second" && Math.abs(seconds) >= 600)) parts.push(unitFormats.get(nextUnit).format(m));
      break;
    }
  }
  return parts.join(" ");
}

// Sets text and state on one countdown element from its data-due / data-stopped attributes.
export function renderCountdown(el, now = Date.now()) {
  const { due, stopped, paused } = el.dataset;
  if (stopped) { el.textContent = t("met"); el.dataset.state = "met"; return; }
  if (paused) { el.textContent = t("paused"); el.dataset.state = "paused"; return; }
  if (!due) { el.textContent = t("no_target"); el.dataset.state = "none"; return; }
  const left = (new Date(due).getTime() - now) / 1000;
  const warnAt = Number(el.dataset.warnSeconds || 900);
  el.dataset.state = left < 0 ? "breached" : left < warnAt ? "warning" : "ok";
  el.textContent = left < 0 ? `${t("overdue_by")} ${formatDuration(left)}` : formatDuration(left);
  el.title = formatDate(due);
}

export function tick() {
  const now = Date.now();
  document.querySelectorAll("[data-countdown]").forEach((el) => renderCountdown(el, now));
  document.querySelectorAll("time[data-local]").forEach((el) => {
    if (!el.dataset.done) { el.textContent = formatDate(el.dateTime); el.dataset.done = "1"; }
  });
}

setInterval(tick, 1000);
tick();
