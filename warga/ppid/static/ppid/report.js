// Charts of the information service report (data from json_script); each chart's figures are
// also in the table under it.
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("report-data");
  if (!el || typeof Chart === "undefined") return;
  var data = JSON.parse(el.textContent);
  var colors = ["#198754", "#20c997", "#dc3545", "#6c757d", "#adb5bd", "#0dcaf0", "#ffc107"];
  var integer = { y: { beginAtZero: true, ticks: { precision: 0 } } };
  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) new Chart(canvas, config);
  }
  draw("chart-outcomes", {
    type: "bar",
    data: {
      labels: data.units,
      datasets: data.outcomes.map(function (d, i) {
        return { label: d.label, data: d.data, backgroundColor: colors[i % colors.length] };
      })
    },
    options: { responsive: true, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }
  });
  draw("chart-grounds", {
    type: "bar",
    data: { labels: data.grounds.labels, datasets: [{ label: data.grounds.name, data: data.grounds.data, backgroundColor: "#dc3545" }] },
    options: { responsive: true, scales: integer }
  });
  draw("chart-days", {
    type: "bar",
    data: { labels: data.days.labels, datasets: [{ label: data.days.name, data: data.days.data, backgroundColor: "#0d6efd" }] },
    options: { responsive: true, scales: integer }
  });
  draw("chart-objections", {
    type: "bar",
    data: {
      labels: data.objections.labels,
      datasets: data.objections.datasets.map(function (d, i) {
        return { label: d.label, data: d.data, backgroundColor: ["#ffc107", "#198754", "#6c757d"][i % 3] };
      })
    },
    options: { responsive: true, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }
  });
  draw("chart-disputes", {
    type: "bar",
    data: { labels: data.disputes.labels, datasets: [{ label: data.disputes.name, data: data.disputes.data, backgroundColor: "#6f42c1" }] },
    options: { responsive: true, scales: integer }
  });
});
