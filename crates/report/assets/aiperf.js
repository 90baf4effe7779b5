/* srtlog AIPerf report: draws the per-request timeline, the distributions
 * (as cumulative distribution curves of the per-request values) and, for a
 * sweep, throughput and latency against each run's load, throughput against
 * latency and per GPU against per user, as points per run with lines only
 * within a sweep group and the Pareto frontier dashed, with uPlot. Writes the same
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
        var col = PALETTE[i % PALETTE.length];
        var style = Array.isArray(scatter) ? scatter[i] : (scatter ? "points" : "line");
        var s = { label: labels[i], stroke: col, width: 1.5, spanGaps: false };
        if (style === "points") { s.paths = function () { return null; }; s.points = { show: true, size: 6, fill: col }; }
        if (style === "line") { if (Array.isArray(scatter)) { s.spanGaps = true; s.points = { show: true, size: 6, fill: col }; } }
        if (style === "frontier") { s.spanGaps = true; s.dash = [6, 4]; s.stroke = "#000"; s.points = { show: true, size: 9, fill: "transparent", stroke: "#000" }; }
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
    // A sweep's charts first: they are what a sweep report is for.
    if (data.sweep && data.sweep.length > 1) sweepCharts(data.sweep, data.sweep_charts || []);
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
  }
  /* One chart of sweep runs as points: x and y per run (runs without either
   * are left out), one line per sweep group (runs whose configuration
   * differs in load alone, joined in x order), lone points for the other
   * runs, and the Pareto frontier (flag `front` per run) as a dashed line.
   * Rows without a group are never joined to anything. */
  function groupChart(id, title, xlabel, ylabel, rows, xf, yf, front) {
    var pts = rows.map(function (r, i) { return { r: r, i: i, x: xf(r), y: yf(r) }; })
      .filter(function (p) { return p.x != null && p.y != null && isFinite(p.x) && isFinite(p.y); });
    var xs = pts.map(function (p) { return p.x; }).sort(function (a, b) { return a - b; })
      .filter(function (v, k, a) { return k === 0 || v !== a[k - 1]; });
    function column(sel) {
      return xs.map(function (x) {
        var hit = pts.filter(function (p) { return p.x === x && sel(p); });
        return hit.length ? hit[0].y : null;
      });
    }
    var groups = [];
    pts.forEach(function (p) { if (p.r.group != null && groups.indexOf(p.r.group) < 0) groups.push(p.r.group); });
    var ys = [], labels = [], styles = [];
    groups.forEach(function (g) {
      ys.push(column(function (p) { return p.r.group === g; }));
      labels.push("sweep " + (g + 1));
      styles.push("line");
    });
    if (pts.some(function (p) { return p.r.group == null; })) {
      ys.push(column(function (p) { return p.r.group == null; }));
      labels.push("other runs");
      styles.push("points");
    }
    if (front) {
      ys.push(column(function (p) { return !!p.r[front]; }));
      labels.push("Pareto frontier");
      styles.push("frontier");
    }
    chart(id, title, xlabel, ylabel, xs, ys, labels, styles);
  }
  function sweepCharts(s, ids) {
    var load = function (r) { return r.concurrency != null ? r.concurrency : r.request_rate; };
    var loadLabel = s.every(function (r) { return r.concurrency != null; }) ? "concurrency" :
      (s.every(function (r) { return r.request_rate != null; }) ? "request rate (req/s)" : "concurrency / request rate");
    ids.forEach(function (id) {
      if (id === "sweep-throughput") groupChart(id, "Sweep: output token throughput against load", loadLabel, "tokens/s", s, load, function (r) { return r.output_token_throughput; }, null);
      if (id === "sweep-ttft") groupChart(id, "Sweep: TTFT p99 against load", loadLabel, "ms", s, load, function (r) { return r.ttft_p99_ms; }, null);
      if (id === "sweep-pareto") groupChart(id, "Sweep: throughput against latency (request latency p50)", "latency p50 (ms)", "output tokens/s", s, function (r) { return r.latency_p50_ms; }, function (r) { return r.output_token_throughput; }, "pareto_latency");
      if (id === "sweep-per-gpu") groupChart(id, "Sweep: throughput per GPU against throughput per user", "output tokens/s per user", "output tokens/s per GPU", s, function (r) { return r.tokens_per_s_per_user; }, function (r) { return r.output_tokens_per_gpu; }, "pareto_per_gpu");
    });
  }
  function writeCheck() {
    srtlogPage.writeCheck(charts.map(function (c) {
      return srtlogPage.record(c.id, c.title, c.drawn, c.u);
    }), data.expected_charts);
  }
  try { build(); } catch (err) { errors.push(String(err && err.message || err)); }
  writeCheck();
})();
