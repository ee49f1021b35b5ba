// Charts of the fact store: every <canvas data-chart="ID"> draws the JSON of the element ID
// ({label, labels, values}) as bars (data-kind="bar") or a line. The table under each chart
// holds the same numbers for those who cannot see it.
document.addEventListener("DOMContentLoaded", () => {
  if (typeof Chart === "undefined") return;
  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    const data = JSON.parse(source.textContent);
    const line = canvas.dataset.kind === "line";
    new Chart(canvas, {
      type: line ? "line" : "bar",
      data: {
        labels: data.labels,
        datasets: [
          {
            label: data.label,
            data: data.values,
            backgroundColor: "#3182bd",
            borderColor: "#08519c",
            spanGaps: true,
            pointRadius: data.values.length > 60 ? 0 : 2,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: !line && data.labels.length > 12 ? "y" : "x",
        plugins: { legend: { display: false } },
        scales: { x: { ticks: { autoSkip: true } }, y: { beginAtZero: true, ticks: { autoSkip: true } } },
      },
    });
  });
});
