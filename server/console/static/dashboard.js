// The dashboard's charts (ECharts, vendored), drawn from the JSON the page embeds: the same
// figures as its tables. Canvas renderer and canvas ("richText") tooltips: the SVG renderer and
// HTML tooltips write style attributes, which the console's Content-Security-Policy refuses.
(function () {
  "use strict";

  var COLORS = ["#b71c1c", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037", "#546e7a", "#c2185b"];

  function chart(id, option) {
    var element = document.getElementById(id);
    if (!element || !window.echarts) {
      return null;
    }
    var instance = window.echarts.init(element, null, { renderer: "canvas" });
    option.color = COLORS;
    option.tooltip = Object.assign({ renderMode: "richText", confine: true }, option.tooltip || {});
    option.animation = false;
    instance.setOption(option);
    window.addEventListener("resize", function () { instance.resize(); });
    return instance;
  }

  function trend(id, title, periods) {
    return chart(id, {
      title: { text: title, textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      legend: { top: 24, data: ["发布", "已完成", "响应率"] },
      grid: { top: 64, left: 40, right: 48, bottom: 28 },
      xAxis: { type: "category", data: periods.labels },
      yAxis: [
        { type: "value", name: "件", minInterval: 1 },
        { type: "value", name: "%", min: 0, max: 100 }
      ],
      series: [
        { name: "发布", type: "bar", data: periods.posted },
        { name: "已完成", type: "bar", data: periods.confirmed },
        { name: "响应率", type: "line", yAxisIndex: 1, connectNulls: true, data: periods.response }
      ]
    });
  }

  function children(data) {
    var series = data.rates.map(function (rate) {
      return { name: rate.name, type: "bar", data: rate.values, cursor: "pointer", barMaxWidth: 40 };
    });
    var instance = chart("chart-children", {
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: data.rates.map(function (rate) { return rate.name; }) },
      grid: { top: 40, left: 40, right: 16, bottom: 48, containLabel: true },
      xAxis: { type: "category", data: data.names, axisLabel: { interval: 0, rotate: data.names.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", name: "%", min: 0, max: 100 },
      series: series
    });
    if (instance) {
      // Drilling down: a child's bar opens that node's dashboard, as its link in the table does.
      instance.on("click", function (event) {
        var url = data.urls[event.dataIndex];
        if (url) {
          window.location.assign(url);
        }
      });
    }
  }

  function draw() {
    var source = document.getElementById("dashboard-data");
    if (!source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    chart("chart-status", {
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: ["35%", "65%"], data: data.statuses }]
    });
    if (data.children.names.length) {
      children(data.children);
    }
    trend("chart-weeks", "近12周", data.weeks);
    trend("chart-months", "近12个月", data.months);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
