/* srtlog charts: draws a list of line, bar or stacked charts (the
 * `charts` of the embedded data, each {id, title, time, bars, stacked,
 * x_label, y_label, x, series: [{label, y}]}, as srtlog-report's
 * `chart::Chart` serialises them) with uPlot, then writes the self-check
 * through page.js (srtlogPage) once every chart has been drawn. Used by the
 * request report, the snapshots interval report and the comparison report,
 * whose charts may also carry `points` (series drawn as markers without
 * lines, for runs that are not a sweep of one variable) and per-series
 * `lines` flags (dashed lines with markers).
 * Never writes to the console: the browser tests treat any console message
 * as a failure. */
(function () {
  "use strict";
  var errors = srtlogPage.errors;
  var data = srtlogPage.data();
  var root = document.getElementById("charts");
  var COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];
  var done = [];

  var count = srtlogPage.count;

  function chart(c) {
    var host = document.createElement("section");
    host.className = "chart";
    var h = document.createElement("h3");
    h.textContent = c.title;
    host.appendChild(h);
    root.appendChild(host);
    var series = [{ label: c.x_label, value: c.time ? undefined : function (u, v) { return v; } }];
    c.series.forEach(function (s, i) {
      var o = { label: s.label, stroke: COLORS[i % COLORS.length], width: 1.5 };
      if (c.points && !(c.lines && c.lines[i])) {
        o.paths = function () { return null; };
        o.points = { show: true, size: 8, fill: COLORS[i % COLORS.length] };
      } else if (c.lines && c.lines[i]) {
        o.dash = [6, 4];
        o.points = { show: true, size: 6 };
      }
      if (c.bars) {
        o.paths = uPlot.paths.bars({ size: [0.9, 100] });
        o.fill = COLORS[i % COLORS.length] + "99";
      } else if (c.stacked) {
        o.fill = COLORS[i % COLORS.length] + "66";
      }
      series.push(o);
    });
    var opts = {
      width: Math.max(320, root.clientWidth || 900),
      height: 280,
      series: series,
      scales: { x: { time: !!c.time } },
      axes: [{ label: c.x_label }, { label: c.y_label }],
      hooks: { draw: [function () { rec.drawn = true; maybeWrite(); }] }
    };
    var rec = {
      id: "chart-" + c.id, title: c.title, drawn: false,
      series: c.series.map(function (s) { return { label: s.label, points: count(s.y) }; })
    };
    done.push(rec);
    new uPlot(opts, [c.x].concat(c.series.map(function (s) { return s.y; })), host);
  }

  var built = false;
  function maybeWrite() {
    // uPlot draws after construction (on the next frame): write the
    // self-check once every chart reported its first draw.
    if (built && done.every(function (r) { return r.drawn; })) writeCheck();
  }
  function writeCheck() {
    srtlogPage.writeCheck(done, data.charts.length);
  }
  try {
    data.charts.forEach(chart);
  } catch (err) {
    errors.push(String((err && err.message) || err));
  }
  built = true;
  maybeWrite();
  // Whatever happened, leave a self-check once the page has loaded.
  window.addEventListener("load", function () { setTimeout(writeCheck, 1000); });
})();
