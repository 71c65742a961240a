/* The dashboard's charts (Chart.js, vendored) and printing. Every number is also in a
   table under its chart, so the page says everything without this script. Loaded with
   "defer" (no inline script: CSP). */
(function () {
  "use strict";

  // Printing shows the tables of numbers, and the print buttons appear only with script.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.chart-numbers").forEach(function (details) {
      details.open = true;
    });
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });

  // On a phone the figures come first: the filters fold away (the line under the title
  // says what they are), unless they need correcting.
  var filters = document.querySelector("details[data-filters]");
  if (filters && !filters.hasAttribute("data-errors") &&
      window.matchMedia("(max-width: 767.98px)").matches) {
    filters.open = false;
  }

  var source = document.getElementById("dashboard-chart-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var Chart = window.Chart;
  var blue = "rgba(13, 110, 253, 0.75)";
  var green = "rgb(25, 135, 84)";
  var orange = "rgb(253, 126, 20)";
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;

  function draw(name, config) {
    var canvas = document.querySelector('canvas[data-chart="' + name + '"]');
    if (canvas) {
      new Chart(canvas, config);
    }
  }

  draw("months", {
    data: {
      labels: data.months,
      datasets: [
        {type: "bar", label: data.labels.issues, data: data.issues, backgroundColor: blue,
         yAxisID: "y"},
        // null for a month without ratings: a gap in the line, not a fall to zero (and
        // a point on each month, so a rated month between two gaps still shows).
        {type: "line", label: data.labels.satisfaction, data: data.satisfaction,
         borderColor: green, backgroundColor: green, pointRadius: 3, spanGaps: false,
         yAxisID: "rate"}
      ]
    },
    options: {
      scales: {
        y: {beginAtZero: true, position: "left"},
        rate: {position: "right", suggestedMin: 90, max: 100, grid: {drawOnChartArea: false}}
      }
    }
  });

  if (data.show_sessions) {
    draw("sessions", {
      data: {
        labels: data.months,
        datasets: [
          {type: "bar", label: data.labels.sessions, data: data.sessions,
           backgroundColor: orange, yAxisID: "y"},
          {type: "line", label: data.labels.attendances, data: data.attendances,
           borderColor: blue, backgroundColor: blue, pointRadius: 0, yAxisID: "people"}
        ]
      },
      options: {
        scales: {
          y: {beginAtZero: true, position: "left"},
          people: {beginAtZero: true, position: "right", grid: {drawOnChartArea: false}}
        }
      }
    });
  }

  draw("categories", {
    type: "bar",
    data: {labels: data.categories,
           datasets: [{label: data.labels.issues, data: data.category_issues,
                       backgroundColor: blue}]},
    options: {indexAxis: "y", plugins: {legend: {display: false}},
              scales: {x: {beginAtZero: true}}}
  });

  draw("regions", {
    type: "bar",
    data: {labels: data.regions,
           datasets: [{label: data.labels.issues, data: data.region_issues,
                       backgroundColor: green}]},
    options: {plugins: {legend: {display: false}}, scales: {y: {beginAtZero: true}}}
  });
})();
