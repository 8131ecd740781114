// UI strings translated on the server (base.html renders them through Flask-Babel).
const strings = JSON.parse(document.getElementById("i18n")?.textContent || "{}");

export function t(key, values = {}) {
  const text = strings[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => values[name] ?? "");
}
