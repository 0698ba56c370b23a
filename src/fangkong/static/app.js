/* Fangkong pages: CSRF header for HTMX, the dashboard's epi curve (ECharts) and case map (Leaflet),
   the screening round's coverage map (Leaflet). */
(function () {
  "use strict";

  var COLORS = { confirmed: "#c0392b", asymptomatic: "#e67e22", suspected: "#e2b007", repositive: "#8e44ad" };
  var SHADES = ["#eef1f4", "#fdd9c9", "#fca98a", "#f26b4d", "#d3302a", "#9e0f13"];

  // Every HTMX request carries the session's CSRF token, like the hidden field in plain forms.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { event.detail.headers["X-CSRF-Token"] = meta.content; }
  });

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function fontFamily() {
    return getComputedStyle(document.body).fontFamily;
  }

  function drawCurve(el, curve, words) {
    if (!curve.dates.length) {
      el.innerHTML = '<div class="chart-empty">' + escapeHtml(words.noData) + "</div>";
      el.dataset.ready = "1";
      return;
    }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.on("finished", function () { el.dataset.ready = "1"; });
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: fontFamily() },
      color: curve.series.map(function (s) { return COLORS[s.key] || "#1f5fa8"; }),
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, right: 0, itemWidth: 12, itemHeight: 10 },
      grid: { left: 8, right: 12, top: 40, bottom: 28, containLabel: true },
      xAxis: { type: "category", data: curve.dates, name: words.onset, nameLocation: "middle", nameGap: 26,
               axisLabel: { formatter: function (v) { return v.slice(5); } }, axisTick: { alignWithLabel: true } },
      yAxis: { type: "value", minInterval: 1, name: words.cases, nameTextStyle: { align: "left" },
               splitLine: { lineStyle: { color: "#e6ebf0" } } },
      dataZoom: curve.dates.length > 90 ? [{ type: "inside" }, { type: "slider", height: 16, bottom: 0 }] : [],
      series: curve.series.map(function (s) {
        return { name: s.name, type: "bar", stack: "cases", data: s.data, barCategoryGap: "18%" };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function breaksFor(max) {
    var step = Math.max(1, Math.ceil(max / 5));
    return [1, 1 + step, 1 + 2 * step, 1 + 3 * step, 1 + 4 * step];
  }

  function shade(n, breaks) {
    if (!n) { return SHADES[0]; }
    var i = breaks.length - 1;
    while (i > 0 && n < breaks[i]) { i -= 1; }
    return SHADES[i + 1];
  }

  function addLegend(map, breaks, words) {
    var legend = window.L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var div = window.L.DomUtil.create("div", "map-legend");
      var rows = ['<strong>' + escapeHtml(words.legend) + "</strong>", '<i style="background:' + SHADES[0] + '"></i>0'];
      breaks.forEach(function (lo, i) {
        var hi = i + 1 < breaks.length ? breaks[i + 1] - 1 : null;
        var text = hi === null ? lo + "+" : (lo === hi ? String(lo) : lo + "–" + hi);
        rows.push('<i style="background:' + SHADES[i + 1] + '"></i>' + text);
      });
      div.innerHTML = rows.join("<br>");
      return div;
    };
    legend.addTo(map);
  }

  function tooltip(p, words) {
    return "<strong>" + escapeHtml(p.name) + "</strong><br>" + escapeHtml(words.cases) + ": " + p.cases +
      "<br>" + escapeHtml(words.confirmed) + ": " + p.confirmed + " · " + escapeHtml(words.asymptomatic) + ": " + p.asymptomatic;
  }

  function drawMap(el, fc, words, linkCases) {
    var L = window.L;
    var map = L.map(el, { scrollWheelZoom: false, attributionControl: Boolean(fc.tileUrl), zoomSnap: 0.25 });
    if (fc.tileUrl) { L.tileLayer(fc.tileUrl, { maxZoom: 18 }).addTo(map); }
    var max = fc.features.reduce(function (m, f) { return Math.max(m, f.properties.cases); }, 0);
    var breaks = breaksFor(max);
    var layer = L.geoJSON(fc, {
      style: function (f) {
        return { fillColor: shade(f.properties.cases, breaks), fillOpacity: fc.tileUrl ? 0.6 : 0.9,
                 color: "#ffffff", weight: 1.5 };
      },
      onEachFeature: function (f, item) {
        item.bindTooltip(tooltip(f.properties, words), { sticky: true });
        item.on("mouseover", function () { item.setStyle({ weight: 3, color: "#0d2a4a" }); item.bringToFront(); });
        item.on("mouseout", function () { layer.resetStyle(item); });
        if (linkCases) {
          item.on("click", function () { window.location.href = "/cases?jurisdiction_code=" + encodeURIComponent(f.properties.code); });
        }
      }
    }).addTo(map);
    // Room on the right for the legend, so it does not cover an area.
    if (fc.features.length) { map.fitBounds(layer.getBounds(), { paddingTopLeft: [8, 8], paddingBottomRight: [118, 8] }); }
    layer.eachLayer(function (item) {
      var p = item.feature.properties;
      L.marker(item.getBounds().getCenter(), { interactive: false, keyboard: false,
        icon: L.divIcon({ className: "area-label", html: escapeHtml(p.name) + "<b>" + p.cases + "</b>", iconSize: null })
      }).addTo(map);
    });
    addLegend(map, breaks, words);
    el.dataset.ready = "1";
  }

  function initDashboard() {
    var source = document.getElementById("dashboard-data");
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var curve = document.getElementById("epi-curve");
    var map = document.getElementById("case-map");
    if (curve && window.echarts) { drawCurve(curve, data.curve, data.words); }
    if (map && window.L) { drawMap(map, data.map, data.words, data.linkCases); }
  }


  // The screening round's map: areas coloured by coverage (share of the roster sampled), re-coloured
  // each time the HTMX progress fragment is swapped in with the latest shares.
  var COVERAGE = [[0.95, "#1a7f37"], [0.8, "#7cc47f"], [0.5, "#f2c94c"], [0.2, "#f2994a"], [0, "#d3302a"]];

  function coverageColor(share) {
    if (share === null || share === undefined) { return SHADES[0]; }
    for (var i = 0; i < COVERAGE.length; i += 1) { if (share >= COVERAGE[i][0]) { return COVERAGE[i][1]; } }
    return COVERAGE[COVERAGE.length - 1][1];
  }

  function percentText(share) {
    return share === null || share === undefined ? "—" : Math.round(share * 1000) / 10 + "%";
  }

  function drawCoverageMap(el, fc, words) {
    var L = window.L;
    var map = L.map(el, { scrollWheelZoom: false, attributionControl: Boolean(fc.tileUrl), zoomSnap: 0.25 });
    if (fc.tileUrl) { L.tileLayer(fc.tileUrl, { maxZoom: 18 }).addTo(map); }
    var layer = L.geoJSON(fc, {
      style: function (f) {
        return { fillColor: coverageColor(f.properties.coverage), fillOpacity: fc.tileUrl ? 0.6 : 0.9,
                 color: "#ffffff", weight: 1.5 };
      },
      onEachFeature: function (f, item) {
        item.bindTooltip(function () {
          var p = item.feature.properties;
          return "<strong>" + escapeHtml(p.name) + "</strong><br>" + escapeHtml(words.coverage) + ": " +
            (p.coverage === null ? escapeHtml(words.none) : percentText(p.coverage));
        }, { sticky: true });
      }
    }).addTo(map);
    if (fc.features.length) { map.fitBounds(layer.getBounds(), { paddingTopLeft: [8, 8], paddingBottomRight: [118, 8] }); }
    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var div = L.DomUtil.create("div", "map-legend");
      div.innerHTML = ["<strong>" + escapeHtml(words.legend) + "</strong>"].concat(COVERAGE.map(function (c) {
        return '<i style="background:' + c[1] + '"></i>≥ ' + Math.round(c[0] * 100) + "%";
      })).join("<br>");
      return div;
    };
    legend.addTo(map);
    el.dataset.ready = "1";
    return layer;
  }

  function initScreening() {
    var source = document.getElementById("screening-data");
    var el = document.getElementById("screening-map");
    if (!source || !el || !window.L) { return; }
    var data = JSON.parse(source.textContent);
    var layer = drawCoverageMap(el, data.map, data.words);
    document.body.addEventListener("htmx:afterSwap", function (event) {
      var shares = document.getElementById("screening-shares");
      if (!shares || event.target.id !== "screening-progress") { return; }
      var byCode = JSON.parse(shares.textContent);
      layer.eachLayer(function (item) {
        var p = item.feature.properties;
        if (Object.prototype.hasOwnProperty.call(byCode, p.code)) {
          p.coverage = byCode[p.code];
          item.setStyle({ fillColor: coverageColor(p.coverage) });
        }
      });
      el.dataset.refreshed = String(Number(el.dataset.refreshed || 0) + 1);
    });
  }

  // Table rows that lead to a detail page: a click anywhere on the row follows its first link.
  document.addEventListener("click", function (event) {
    var row = event.target.closest("tr[data-href]");
    if (!row || event.target.closest("a, button, input, select, label")) { return; }
    window.location.href = row.dataset.href;
  });

  document.addEventListener("DOMContentLoaded", initDashboard);
  document.addEventListener("DOMContentLoaded", initScreening);
})();
