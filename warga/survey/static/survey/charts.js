// Draws the per-element chart of the satisfaction index from the JSON the page embeds.
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("survey-chart-data");
  var canvas = document.getElementById("chart-elements");
  if (!el || !canvas || typeof Chart === "undefined") { return; }
  var d = JSON.parse(el.textContent);
  canvas.parentElement.style.height = "280px";
  new Chart(canvas, {
    type: "bar",
    data: { labels: d.labels, datasets: [{ label: d.label, data: d.values, backgroundColor: "#198754" }] },
    options: { indexAxis: "y", responsive: true, maintainAspectRatio: false, animation: false,
               scales: { x: { min: 1, max: 4 } } }
  });
});
