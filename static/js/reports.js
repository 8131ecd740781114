// Draws the report's charts with Chart.js from the JSON the page carries; the same numbers are in
// the tables next to each chart, so nothing depends on this script to be read.
(function () {
  "use strict";
  const source = document.getElementById("report-data");
  if (!source || typeof Chart === "undefined") return;
  const report = JSON.parse(source.textContent);
  const palette = ["#0b57d0", "#b3261e", "#1e8e3e", "#f29900", "#8430ce", "#007b83"];
  const percent = (value) => (value === null || value === undefined ? "—" : (value * 100).toFixed(1) + " %");

  function config(chart) {
    const datasets = chart.datasets.map((set, i) => ({
      ...set,
      backgroundColor: chart.kind === "line" ? palette[i % palette.length] : palette[i % palette.length] + "cc",
      borderColor: palette[i % palette.length],
      spanGaps: true,
      pointRadius: chart.kind === "scatter" ? 2 : 3,
    }));
    const y = { beginAtZero: true, stacked: chart.stacked, title: { display: !!chart.y_title, text: chart.y_title || "" } };
    if (chart.percent) {
      y.max = 1;
      y.ticks = { callback: (v) => Math.round(v * 100) + " %" };
    }
    const x = { stacked: chart.stacked, title: { display: !!chart.x_title, text: chart.x_title || "" } };
    if (chart.kind === "scatter") {
      x.type = "linear";
      x.beginAtZero = true;
    }
    return {
      type: chart.kind,
      data: { labels: chart.kind === "scatter" ? undefined : chart.labels, datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { x, y },
        plugins: {
          legend: { display: datasets.length > 1 },
          tooltip: chart.percent ? { callbacks: { label: (ctx) => ctx.dataset.label + ": " + percent(ctx.parsed.y) } } : {},
        },
      },
    };
  }

  for (const chart of report.charts) {
    if (chart.kind === "heatmap") continue; // drawn as a shaded table by the page itself
    const canvas = document.getElementById("chart-" + chart.id);
    if (!canvas) continue;
    const drawn = new Chart(canvas, config(chart));
    const points = drawn.data.datasets.reduce((n, set) => n + set.data.filter((v) => v !== null).length, 0);
    canvas.dataset.rendered = "true";
    canvas.dataset.points = String(points);
  }
  document.body.dataset.chartsReady = "true";
})();
