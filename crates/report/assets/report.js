/* srtlog report of `srtlog viz`: draws the embedded series with uPlot, adds
 * pan/zoom and legend helpers, and writes the self-check through page.js
 * (srtlogPage) once every chart has been drawn. Tests read it with
 * `chromium --headless --dump-dom`.
 *
 * Never writes to the console: the browser tests treat any console message
 * as a failure. Errors are shown in the page and in the self-check. */
(function () {
  "use strict";
  var errors = srtlogPage.errors;

  var data = srtlogPage.data();
  var root = document.getElementById("charts");
  var linkBox = document.getElementById("link-zoom");

  // Tableau 20-like palette; past 20 lines, dash patterns tell lines apart.
  var PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79",
    "#e6550d", "#31a354", "#843c39", "#7b4173", "#3182bd", "#a55194",
    "#637939", "#8c6d31", "#636363"];
  var DASHES = [undefined, [6, 3], [2, 3], [8, 3, 2, 3]];
  // Tick spacings of the elapsed-time axis, in seconds.
  var INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600,
    7200, 10800, 21600, 43200, 86400, 172800, 604800];
  var HEIGHT = 300;

  function pad2(n) { return (n < 10 ? "0" : "") + n; }

  // Seconds as h:mm:ss (or m:ss under an hour).
  function fmtElapsed(s) {
    if (s == null || !isFinite(s)) return "";
    var neg = s < 0;
    s = Math.abs(Math.round(s));
    var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, sec = s % 60;
    return (neg ? "-" : "") + (h > 0 ? h + ":" + pad2(m) : String(m)) + ":" + pad2(sec);
  }

  // The wall clock as printed in the logs. Log timestamps carry no zone, so
  // the arithmetic is done in UTC to print them back unchanged.
  function fmtClock(s) {
    if (data.run_start_us == null || s == null) return "";
    return new Date(data.run_start_us / 1000 + s * 1000).toISOString().slice(11, 19);
  }

  function trim(str) {
    return str.indexOf(".") < 0 ? str : str.replace(/\.?0+$/, "");
  }

  function fmtNum(v) {
    if (v == null || !isFinite(v)) return "—";
    var a = Math.abs(v);
    if (a >= 1e9) return trim((v / 1e9).toFixed(2)) + "G";
    if (a >= 1e6) return trim((v / 1e6).toFixed(2)) + "M";
    if (a >= 1e4) return trim((v / 1e3).toFixed(1)) + "k";
    if (a >= 100) return v.toFixed(0);
    if (a >= 1) return trim(v.toFixed(2));
    if (a === 0) return "0";
    return trim(v.toPrecision(3));
  }

  var charts = [];
  var ready = false;
  var syncing = false;

  function setX(src, min, max) {
    if (!(max > min)) return;
    syncing = true;
    try {
      charts.forEach(function (c) {
        if (c.u && (c.u === src || (linkBox && linkBox.checked))) {
          c.u.setScale("x", { min: min, max: max });
        }
      });
    } finally {
      syncing = false;
    }
  }

  function resetX(src) {
    var max = Math.max(1, data.duration_s || 0);
    setX(src, 0, max);
  }

  // Shift+drag or middle-button drag pans; Ctrl/Alt/⌘+wheel zooms around
  // the cursor. Registered on the chart's root in the capture phase so
  // uPlot's own drag-to-zoom does not also start.
  function panZoom(u) {
    var over = u.over;
    u.root.addEventListener("mousedown", function (e) {
      if (!over.contains(e.target) || !(e.shiftKey || e.button === 1)) return;
      e.preventDefault();
      e.stopPropagation();
      var x0 = e.clientX, min0 = u.scales.x.min, max0 = u.scales.x.max;
      var perPx = (max0 - min0) / Math.max(1, over.getBoundingClientRect().width);
      function move(ev) {
        var d = (ev.clientX - x0) * perPx;
        setX(u, min0 - d, max0 - d);
      }
      function up() {
        document.removeEventListener("mousemove", move);
        document.removeEventListener("mouseup", up);
      }
      document.addEventListener("mousemove", move);
      document.addEventListener("mouseup", up);
    }, true);
    over.addEventListener("wheel", function (e) {
      if (!(e.ctrlKey || e.metaKey || e.altKey)) return;
      e.preventDefault();
      var rect = over.getBoundingClientRect();
      var xv = u.posToVal(e.clientX - rect.left, "x");
      var f = e.deltaY < 0 ? 0.75 : 1 / 0.75;
      var min = u.scales.x.min, max = u.scales.x.max;
      setX(u, xv - (xv - min) * f, xv + (max - xv) * f);
    }, { passive: false });
  }

  function note(text, cls) {
    var p = document.createElement("p");
    p.className = cls || "note";
    p.textContent = text;
    return p;
  }

  function describe(c) {
    var how = c.combine === "sum"
      ? "Summed over the schedulers (DP ranks, workers) a line groups"
      : "Averaged over the schedulers (DP ranks, workers, GPUs) a line groups";
    if (c.reduce === "rate") how += "; per-second rate of a per-batch amount";
    if (c.reduce === "event") how += "; points are start-up snapshots";
    var parts = [c.doc ? c.doc.charAt(0).toUpperCase() + c.doc.slice(1) : "", "unit: " + (c.unit || "—"), how];
    var ds = c.series.filter(function (s) { return s.downsampled; }).length;
    if (ds > 0) {
      parts.push(ds + " of " + c.series.length + " lines downsampled to at most " +
        data.max_points + " points (M4: first, last, min and max per time column)");
    }
    return parts.filter(Boolean).join(" · ") + ".";
  }

  function makeChart(c, host) {
    var entry = { id: c.id, title: c.title, drawn: false, u: null };
    charts.push(entry);
    var tables = c.series.map(function (s) { return [s.x, s.y]; });
    // join() aligns the lines on one x array; alignment holes become
    // undefined and are spanned. Mode 2 (NULL_EXPAND) widens each explicit
    // null (a gap in a line) over the holes next to it, or the gap would
    // shrink to one x step of the other lines and be drawn across.
    var aligned = tables.length === 1 ? tables[0]
      : uPlot.join(tables, tables.map(function () { return [null, 2]; }));
    var series = [{
      label: "elapsed",
      value: function (u, v) {
        if (v == null) return "—";
        var clock = fmtClock(v);
        return fmtElapsed(v) + (clock ? " (" + clock + ")" : "");
      }
    }];
    c.series.forEach(function (s, i) {
      series.push({
        label: s.label,
        stroke: PALETTE[i % PALETTE.length],
        dash: DASHES[Math.floor(i / PALETTE.length) % DASHES.length],
        width: 1.5,
        spanGaps: false,
        points: c.reduce === "event" ? { show: true, size: 6 } : {},
        value: function (u, v) { return fmtNum(v); }
      });
    });
    var opts = {
      width: Math.max(320, host.clientWidth),
      height: HEIGHT,
      series: series,
      scales: { x: { time: false } },
      axes: [
        {
          label: "elapsed since run start (h:mm:ss)",
          incrs: INCRS,
          space: 70,
          values: function (u, splits) { return splits.map(fmtElapsed); }
        },
        {
          label: c.unit,
          size: 64,
          values: function (u, splits) { return splits.map(fmtNum); }
        }
      ],
      cursor: {
        sync: { key: "srtlog" },
        drag: { x: true, y: false },
        bind: {
          dblclick: function (u) { return function () { resetX(u); return null; }; }
        }
      },
      legend: { live: true },
      hooks: {
        draw: [function () {
          if (!entry.drawn) {
            entry.drawn = true;
            maybeWrite();
          }
        }],
        setScale: [function (u, key) {
          if (key !== "x" || syncing || !ready || !(linkBox && linkBox.checked)) return;
          setX(u, u.scales.x.min, u.scales.x.max);
        }],
        ready: [panZoom]
      }
    };
    entry.u = new uPlot(opts, aligned, host);
    return entry;
  }

  function showAll(entry, show) {
    var u = entry.u;
    if (!u) return;
    u.batch(function () {
      for (var i = 1; i < u.series.length; i++) u.setSeries(i, { show: show });
    });
  }

  function build() {
    var bySection = {};
    var order = [];
    data.charts.forEach(function (c) {
      if (!bySection[c.section]) { bySection[c.section] = []; order.push(c.section); }
      bySection[c.section].push(c);
    });
    var toc = document.getElementById("toc");
    order.forEach(function (sec) {
      var h = document.createElement("h2");
      h.textContent = sec;
      root.appendChild(h);
      bySection[sec].forEach(function (c) {
        var box = document.createElement("section");
        box.className = "chart";
        box.id = c.id;
        var head = document.createElement("div");
        head.className = "head";
        var h3 = document.createElement("h3");
        h3.textContent = c.title + (c.unit ? " (" + c.unit + ")" : "");
        head.appendChild(h3);
        var bAll = document.createElement("button");
        bAll.type = "button";
        bAll.textContent = "show all";
        var bNone = document.createElement("button");
        bNone.type = "button";
        bNone.textContent = "hide all";
        head.appendChild(bAll);
        head.appendChild(bNone);
        box.appendChild(head);
        box.appendChild(note(describe(c)));
        var host = document.createElement("div");
        host.className = "plot";
        box.appendChild(host);
        if (c.missing && c.missing.length) {
          box.appendChild(note("No values for: " + c.missing.join(", "), "missing"));
        }
        root.appendChild(box);
        if (toc) {
          var a = document.createElement("a");
          a.href = "#" + c.id;
          a.textContent = c.title;
          toc.appendChild(a);
        }
        try {
          var entry = makeChart(c, host);
          bAll.addEventListener("click", function () { showAll(entry, true); });
          bNone.addEventListener("click", function () { showAll(entry, false); });
        } catch (err) {
          errors.push(c.id + ": " + String(err && err.message || err));
          box.appendChild(note("This chart could not be drawn: " + err, "error"));
        }
      });
    });
    ready = true;
    // Links to a chart (report.html#chart-gen_throughput) work although the
    // charts are created after the browser looked for the fragment.
    if (location.hash.length > 1) {
      var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
      if (target) target.scrollIntoView();
    }
    // One x range for every chart, so times line up down the page.
    resetX(null);
    if (linkBox && !linkBox.checked) {
      charts.forEach(function (c) { if (c.u) c.u.setScale("x", { min: 0, max: Math.max(1, data.duration_s) }); });
    }
  }

  function writeCheck() {
    srtlogPage.writeCheck(charts.map(function (c) {
      return srtlogPage.record(c.id, c.title, c.drawn, c.u);
    }), data.charts.length);
  }

  function maybeWrite() {
    if (ready && charts.every(function (c) { return c.drawn || !c.u; })) writeCheck();
  }

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      charts.forEach(function (c) {
        if (c.u) c.u.setSize({ width: Math.max(320, c.u.root.parentNode.clientWidth), height: HEIGHT });
      });
    }, 150);
  });

  try {
    build();
  } catch (err) {
    errors.push(String(err && err.message || err));
  }
  maybeWrite();
  // Whatever happened, leave a self-check once the page has loaded.
  window.addEventListener("load", function () { setTimeout(writeCheck, 0); });
})();
