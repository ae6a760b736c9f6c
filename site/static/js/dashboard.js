/* 美丽沙州 — 全镇概况: draws each chart with ECharts from the figures the page prints in
 * its tables (the #dashboard-data JSON: for each chart its columns, rows and series).
 *
 * No inline script and no HTML tooltips: the site's Content-Security-Policy refuses
 * style attributes in markup, so tooltips are drawn on the canvas (renderMode
 * "richText"); ECharts sets its own element styles through the CSSOM, which CSP allows.
 */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) {
    return;
  }
  var data = JSON.parse(source.textContent);
  // Every colour is at least 3:1 against white (WCAG 1.4.11, graphical objects).
  var palette = [
    "#b5472e", "#235f53", "#2456a6", "#8c5a1b", "#6b3fa0",
    "#0f6e8c", "#a13a6b", "#4d6b1f", "#5e4d3b", "#7a4a0c"
  ];
  var ink = "#2a1f16";
  var muted = "#5e4d3b";
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var font = window.getComputedStyle(document.body).fontFamily;

  function column(chart, index) {
    return chart.rows.map(function (row) {
      return row[index];
    });
  }

  function percent(chart, index) {
    return chart.percent.indexOf(index) !== -1;
  }

  function base(chart) {
    return {
      color: palette,
      animation: !still,
      textStyle: { fontFamily: font, color: ink },
      tooltip: { trigger: chart.kind === "pie" ? "item" : "axis", renderMode: "richText", confine: true },
      legend: { type: "scroll", bottom: 0, textStyle: { color: ink } }
    };
  }

  function valueAxis(chart, series) {
    var axes = [0, 1].filter(function (axis) {
      return series.some(function (s) { return s.axis === axis; });
    });
    return axes.map(function (axis) {
      var first = series.filter(function (s) { return s.axis === axis; })[0];
      var isPercent = percent(chart, first.column);
      return {
        type: "value",
        name: isPercent ? "%" : (axis === 1 ? chart.columns[first.column] : ""),
        max: isPercent ? 100 : null,
        axisLabel: { color: muted },
        splitLine: { show: axis === 0 }
      };
    });
  }

  function cartesian(chart) {
    var option = base(chart);
    var labels = column(chart, chart.label);
    var horizontal = chart.kind === "horizontal";
    var category = {
      type: "category",
      data: labels,
      inverse: horizontal, // the first place at the top
      axisLabel: { color: muted, interval: horizontal ? 0 : "auto", width: 96, overflow: "truncate" }
    };
    var values = valueAxis(chart, chart.series);
    option.grid = { left: 8, right: 8, top: 36, bottom: 40, containLabel: true };
    option.xAxis = horizontal ? values[0] : category;
    option.yAxis = horizontal ? category : values;
    option.series = chart.series.map(function (s) {
      return {
        name: chart.columns[s.column],
        type: s.type,
        stack: s.stack ? "total" : null,
        yAxisIndex: horizontal ? 0 : (values.length > 1 ? s.axis : 0),
        data: column(chart, s.column),
        symbolSize: 6,
        lineStyle: { width: 3 }
      };
    });
    if (chart.series.length === 1) {
      option.legend.show = false;
    }
    return option;
  }

  function pie(chart) {
    var option = base(chart);
    var value = chart.series[0].column;
    option.series = [{
      name: chart.columns[value],
      type: "pie",
      radius: ["35%", "65%"],
      center: ["50%", "45%"],
      label: { color: ink, formatter: "{b}\n{c}" },
      data: chart.rows.map(function (row) {
        return { name: row[chart.label], value: row[value] };
      })
    }];
    return option;
  }

  var drawn = [];
  data.charts.forEach(function (chart) {
    var element = document.getElementById("chart-" + chart.key);
    if (!element || !chart.rows.length) {
      return;
    }
    if (chart.kind === "horizontal") {
      // A bar per row: tall enough for every name to be read.
      element.style.height = Math.max(240, 48 + 30 * chart.rows.length) + "px";
    }
    var instance = window.echarts.init(element, null, { renderer: "canvas" });
    instance.setOption(chart.kind === "pie" ? pie(chart) : cartesian(chart));
    element.setAttribute("data-drawn", "true");
    drawn.push(instance);
  });

  var pending = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(function () {
      drawn.forEach(function (instance) { instance.resize(); });
    }, 150);
  });
})();
