// Bar chart of received / completed / overdue files per kecamatan office (data from json_script).
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("chart-data");
  var canvas = document.getElementById("office-chart");
  if (!el || !canvas || typeof Chart === "undefined") return;
  var data = JSON.parse(el.textContent);
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: data.names.received, data: data.received, backgroundColor: "#198754" },
        { label: data.names.completed, data: data.completed, backgroundColor: "#0d6efd" },
        { label: data.names.overdue, data: data.overdue, backgroundColor: "#dc3545" }
      ]
    },
    options: { responsive: true, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });
});
