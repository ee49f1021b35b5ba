// Population pyramid on the statistics page: men to the left, women to the right.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("pyramid-data");
  const canvas = document.getElementById("pyramid");
  if (!source || !canvas || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const names = document.getElementById("pyramid-labels").dataset;
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: names.male, data: data.male.map((n) => -n), backgroundColor: "#0d6efd" },
        { label: names.female, data: data.female, backgroundColor: "#d63384" },
      ],
    },
    options: {
      indexAxis: "y",
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: { stacked: true, ticks: { callback: (v) => Math.abs(v) } },
        y: { stacked: true, reverse: true },
      },
      plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${Math.abs(c.raw)}` } } },
    },
  });
});
