// Live preview on the SLA admin pages: the page's unsaved fields plus a sample ticket are sent
// to the server, which answers with the due times the same arithmetic as the clocks gives.
(() => {
  const main = document.getElementById("sla-main");
  const sample = document.getElementById("sla-sample");
  const text = document.getElementById("sla-preview-text");
  const lines = document.getElementById("sla-preview-lines");
  if (!main || !sample) return;
  const arrival = document.getElementById("sample_arrival");
  if (!arrival.value) {
    const now = new Date();
    now.setMinutes(now.getMinutes() - now.getTimezoneOffset());
    arrival.value = now.toISOString().slice(0, 16);
  }
  let timer = null;
  let seq = 0;

  async function refresh() {
    const body = new FormData(main);
    for (const [key, value] of new FormData(sample)) body.append(key, value);
    if (main.dataset.mode !== "match") body.set("mode", main.dataset.mode);
    const mine = ++seq;
    const response = await fetch(sample.dataset.url, { method: "POST", body, credentials: "same-origin" });
    if (mine !== seq) return; // a newer edit already asked again
    const data = await response.json().catch(() => ({ error: response.statusText }));
    text.classList.toggle("error", Boolean(data.error));
    text.textContent = data.error || data.text;
    lines.replaceChildren(...(data.lines || []).map((line) => {
      const item = document.createElement("li");
      item.textContent = line;
      return item;
    }));
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  }
  for (const form of [main, sample]) {
    form.addEventListener("input", soon);
    form.addEventListener("change", soon);
  }
  refresh();
})();
