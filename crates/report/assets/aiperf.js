/* srtlog AIPerf report: draws the per-request timeline, the distributions
 * (as cumulative distribution curves of the per-request values) and, for a
 * sweep, throughput and latency against load, with uPlot. Writes the same
 * self-check as report.js (a JSON script element with the id
 * "srtlog-rendered": charts, drawn flags, series points, resources fetched,
 * script errors), through page.js (srtlogPage). Never writes to the console. */
(function () {
  "use strict";
  var errors = srtlogPage.errors;
  var data = srtlogPage.data();
  var root = document.getElementById("charts");
  var charts = [];
  var PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];
  var count = srtlogPage.count;
  function chart(id, title, xlabel, ylabel, x, ys, labels, scatter) {
    var box = document.createElement("section");
    box.className = "chart";
    var h = document.createElement("h3");
    h.textContent = title;
    box.appendChild(h);
    var div = document.createElement("div");
    div.id = id;
    box.appendChild(div);
    root.appendChild(box);
    var c = { id: id, title: title, drawn: false, u: null };
    charts.push(c);
    try {
      var series = [{ label: xlabel }];
      ys.forEach(function (_, i) {
        var s = { label: labels[i], stroke: PALETTE[i % PALETTE.length], width: 1.5, spanGaps: false };
        if (scatter) { s.paths = function () { return null; }; s.points = { show: true, size: 4, fill: PALETTE[i % PALETTE.length] }; }
        series.push(s);
      });
      c.u = new uPlot({
        width: Math.max(320, root.clientWidth || 900), height: 280,
        scales: { x: { time: false } },
        axes: [{ label: xlabel }, { label: ylabel }],
        series: series
      }, [x].concat(ys), div);
      c.drawn = true;
    } catch (err) {
      errors.push(id + ": " + String(err && err.message || err));
    }
  }
  function cdf(values) {
    var v = values.filter(function (x) { return x != null && !isNaN(x); }).sort(function (a, b) { return a - b; });
    var step = Math.max(1, Math.floor(v.length / 2000));
    var xs = [], ys = [];
    for (var i = 0; i < v.length; i += step) { xs.push(v[i]); ys.push((i + 1) / v.length * 100); }
    if (v.length && xs[xs.length - 1] !== v[v.length - 1]) { xs.push(v[v.length - 1]); ys.push(100); }
    return [xs, ys];
  }
  function build() {
    data.runs.forEach(function (run, ri) {
      var r = run.rows;
      if (!r || !r.t.length) return;
      var t0 = r.t.reduce(function (a, b) { return Math.min(a, b); }, Infinity);
      var order = r.t.map(function (_, i) { return i; }).sort(function (a, b) { return r.t[a] - r.t[b]; });
      var x = order.map(function (i) { return r.t[i] - t0; });
      var pick = function (col) { return order.map(function (i) { var v = r[col][i]; return v == null ? null : v; }); };
      var cols = [["ttft_ms", "TTFT"], ["latency_ms", "request latency"], ["ttfb_ms", "TTFB"]].filter(function (p) { return count(r[p[0]]) > 0; });
      chart("timeline-" + ri, run.name + ": per-request timeline", "seconds since the first request", "ms",
        x, cols.map(function (p) { return pick(p[0]); }), cols.map(function (p) { return p[1]; }), true);
      [["ttft_ms", "Time to first token"], ["latency_ms", "Request latency"], ["ttfb_ms", "TTFB"], ["ttlb_ms", "TTLB"]].forEach(function (p) {
        if (count(r[p[0]]) === 0) return;
        var d = cdf(r[p[0]]);
        chart("cdf-" + ri + "-" + p[0], run.name + ": " + p[1] + " distribution", "ms", "% of requests", d[0], [d[1]], [p[1]], false);
      });
    });
    if (data.sweep && data.sweep.length > 1) {
      var s = data.sweep;
      var x = s.map(function (row, i) { return row.concurrency != null ? row.concurrency : (row.request_rate != null ? row.request_rate : i + 1); });
      chart("sweep-throughput", "Sweep: output token throughput", "concurrency / request rate", "tokens/s", x, [s.map(function (r) { return r.output_token_throughput; })], ["output tokens/s"], false);
      chart("sweep-ttft", "Sweep: TTFT", "concurrency / request rate", "ms", x, [s.map(function (r) { return r.ttft_p50_ms; }), s.map(function (r) { return r.ttft_p99_ms; })], ["TTFT p50", "TTFT p99"], false);
      chart("sweep-itl", "Sweep: ITL", "concurrency / request rate", "ms", x, [s.map(function (r) { return r.itl_p50_ms; }), s.map(function (r) { return r.itl_p99_ms; })], ["ITL p50", "ITL p99"], false);
    }
  }
  function writeCheck() {
    srtlogPage.writeCheck(charts.map(function (c) {
      return srtlogPage.record(c.id, c.title, c.drawn, c.u);
    }), data.expected_charts);
  }
  try { build(); } catch (err) { errors.push(String(err && err.message || err)); }
  writeCheck();
})();
