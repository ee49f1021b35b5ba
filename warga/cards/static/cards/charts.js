// Draws the KTP-el statistics charts from the JSON the page embeds (no data in URLs).
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("cards-chart-data");
  if (!el || typeof Chart === "undefined") { return; }
  var d = JSON.parse(el.textContent);
  var opts = { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { display: true } } };
  function bar(id, labels, datasets, extra) {
    var c = document.getElementById(id);
    if (!c) { return; }
    c.parentElement.style.height = "240px";
    new Chart(c, { type: "bar", data: { labels: labels, datasets: datasets }, options: Object.assign({}, opts, extra || {}) });
  }
  bar("chart-coverage", d.coverage.labels, [{ label: d.coverage.label, data: d.coverage.values, backgroundColor: "#198754" }],
      { indexAxis: "y", scales: { x: { min: 0, max: 100 } } });
  bar("chart-backlog", d.backlog.labels, [{ label: d.backlog.label, data: d.backlog.values, backgroundColor: "#0d6efd" }], { indexAxis: "y" });
  bar("chart-per-day", d.per_day.labels, [
    { label: d.per_day.printed_label, data: d.per_day.printed, backgroundColor: "#198754" },
    { label: d.per_day.spoiled_label, data: d.per_day.spoiled, backgroundColor: "#dc3545" }
  ], { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } });
  bar("chart-stock", d.stock.labels, [{ label: d.stock.label, data: d.stock.values, backgroundColor: "#6f42c1" }], { indexAxis: "y" });
  bar("chart-requests", d.requests.labels, [
    { label: d.requests.asked_label, data: d.requests.asked, backgroundColor: "#adb5bd" },
    { label: d.requests.received_label, data: d.requests.received, backgroundColor: "#198754" }
  ]);
});
