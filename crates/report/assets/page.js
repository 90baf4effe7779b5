/* srtlog page: the part of every report's script that is the same for all
 * (loaded before the report's own script). It collects script errors,
 * reads the data embedded in the page (the JSON element "srtlog-data"),
 * and writes the self-check the browser tests read: a JSON script element
 * with the id "srtlog-rendered" holding the charts (id, title, drawn flag,
 * series labels and drawn point counts), the number of charts expected,
 * every resource the page fetched (must be none) and the script errors.
 *
 * Never writes to the console: the browser tests treat any console message
 * as a failure. */
var srtlogPage = (function () {
  "use strict";
  var errors = [];
  window.addEventListener("error", function (e) {
    errors.push(String((e && e.message) || e));
  });
  var written = false;

  // Values drawn: neither missing nor NaN.
  function count(a) {
    var n = 0;
    for (var i = 0; i < a.length; i++) if (a[i] != null && !isNaN(a[i])) n++;
    return n;
  }

  // The self-check record of a uPlot chart `u` (null when it failed).
  function record(id, title, drawn, u) {
    return {
      id: id, title: title, drawn: drawn,
      series: u ? u.series.slice(1).map(function (s, i) {
        return { label: s.label, points: count(u.data[i + 1] || []) };
      }) : []
    };
  }

  function writeCheck(charts, expected) {
    if (written) return;
    written = true;
    var el = document.createElement("script");
    el.type = "application/json";
    el.id = "srtlog-rendered";
    el.textContent = JSON.stringify({
      charts: charts,
      expected_charts: expected,
      resources: performance.getEntriesByType("resource").map(function (e) { return e.name; }),
      errors: errors
    });
    document.body.appendChild(el);
  }

  return {
    errors: errors,
    data: function () { return JSON.parse(document.getElementById("srtlog-data").textContent); },
    count: count,
    record: record,
    writeCheck: writeCheck
  };
})();
