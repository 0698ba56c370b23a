/* Tracing pages: the investigation's clocks counting down, the itinerary map (Leaflet, numbered
   markers in time order joined by a line), the chain graph and the timeline (ECharts), the contact
   list's select-all. Data comes in <script type="application/json"> blocks written by the server. */
(function () {
  "use strict";

  var CLASS_COLORS = { confirmed: "#c0392b", asymptomatic: "#e67e22", suspected: "#d4a20b", repositive: "#8e44ad",
                       excluded: "#95a5a6" };
  var GEN_COLORS = ["#0d2a4a", "#1f5fa8", "#3c8dbc", "#2a9d8f", "#7cb518", "#e9c46a", "#f4a261", "#e76f51", "#b5179e"];
  var CERTAINTY = { confirmed: { type: "solid", width: 1.6, color: "#33475b" },
                    probable: { type: "dashed", width: 1.2, color: "#6b7a89" },
                    possible: { type: "dotted", width: 1, color: "#9fb3c8" } };
  // Force layout is pleasant for one chain and hopeless for thousands of nodes: above this the
  // positions are computed here (chains side by side, one column per generation).
  var FORCE_LIMIT = 300;

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function fontFamily() { return getComputedStyle(document.body).fontFamily; }

  // "Case %(id)s" with {id: 5} → "Case 5": the server's translated messages, filled in here.
  function fmt(template, values) {
    return String(template).replace(/%\((\w+)\)s/g, function (m, key) {
      return values[key] === undefined || values[key] === null ? "" : String(values[key]);
    });
  }

  function span2(a, b) { return a === b || b === null || b === undefined ? String(a) : a + "–" + b; }

  function nodeLabel(n, words) {
    if (n.kind === "case") { return fmt(words.case, { id: n.case_id }); }
    if (n.kind === "generation") {
      return fmt(words.generationLabel, { chain: n.chain, gen: span2(n.generation, n.generation_max) });
    }
    if (n.kind === "chain") { return fmt(words.chainLabel, { chain: n.chain, n: n.cases }); }
    return fmt(words.groupLabel, { chains: n.chains, size: span2(n.size_min, n.size_max) });
  }

  /* Clocks ------------------------------------------------------------------------------------- */

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  // h:mm:ss; beyond two days "N days h:mm:ss" (the server's translated "%(n)s days").
  function span(ms, days) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var h = Math.floor(s / 3600);
    var clock = ":" + pad(Math.floor((s % 3600) / 60)) + ":" + pad(s % 60);
    if (h < 48 || !days) { return h + clock; }
    return fmt(days, { n: Math.floor(h / 24) }) + " " + (h % 24) + clock;
  }

  function tickClocks() {
    var now = Date.now();
    document.querySelectorAll("time.countdown[datetime]").forEach(function (el) {
      var left = new Date(el.getAttribute("datetime")).getTime() - now;
      var text = span(left, el.dataset.days);
      el.textContent = left >= 0 ? text + " " + el.dataset.left : el.dataset.overdue + " " + text;
      var clock = el.closest(".clock");
      if (clock) { clock.classList.toggle("clock-ticking-overdue", left < 0); }
    });
  }

  /* Itinerary map ------------------------------------------------------------------------------ */

  var itinerary = null;

  function numbered(n) {
    return window.L.divIcon({ className: "stop-marker", html: "<span>" + n + "</span>", iconSize: [24, 24],
                              iconAnchor: [12, 12] });
  }

  function drawItinerary() {
    var el = document.getElementById("itinerary-map");
    var data = readJson("itinerary-data");
    if (!el || !data || !window.L) { return; }
    var L = window.L;
    if (!itinerary) {
      var map = L.map(el, { scrollWheelZoom: false, attributionControl: Boolean(data.tileUrl), zoomSnap: 0.25 });
      if (data.tileUrl) { L.tileLayer(data.tileUrl, { maxZoom: 18 }).addTo(map); }
      itinerary = { map: map, layer: L.layerGroup().addTo(map) };
    }
    itinerary.layer.clearLayers();
    var points = data.points.filter(function (p) { return p.lat !== null && p.lon !== null; });
    var line = [];
    points.forEach(function (p) {
      var at = [p.lat, p.lon];
      line.push(at);
      L.marker(at, { icon: numbered(p.seq), title: p.name, riseOnHover: true })
        .bindTooltip("<strong>" + p.seq + ". " + escapeHtml(p.name) + "</strong><br>" + escapeHtml(p.when))
        .addTo(itinerary.layer);
    });
    if (line.length > 1) {
      L.polyline(line, { color: "#c8102e", weight: 3, opacity: 0.8, dashArray: "6 4" }).addTo(itinerary.layer);
    }
    if (line.length > 1) {
      itinerary.map.fitBounds(L.latLngBounds(line), { padding: [30, 30], maxZoom: 16 });
    } else if (line.length === 1) {
      itinerary.map.setView(line[0], 15);
    } else {
      itinerary.map.setView(data.center || [32.06, 118.79], 11);
    }
    el.classList.toggle("map-empty", line.length === 0);
    el.dataset.markers = String(points.length);
    el.dataset.ready = "1";
  }

  /* Chain graph -------------------------------------------------------------------------------- */

  // Chains side by side: each chain a block with one column per generation, blocks wrapped in rows.
  // Group nodes (a chain, a band of chain sizes) stand alone as blocks of one.
  function layoutChains(nodes) {
    var chains = {};
    var order = [];
    nodes.forEach(function (n) {
      var key = n.chain === null || n.chain === undefined ? "n" + n.id : "c" + n.chain;
      if (!chains[key]) { chains[key] = { gens: {}, width: 0, height: 0 }; order.push(key); }
      var c = chains[key];
      var g = Math.max(n.generation || 0, 0);
      c.gens[g] = (c.gens[g] || 0) + 1;
      n._key = key;
      n._row = c.gens[g] - 1;
      c.width = Math.max(c.width, g + 1);
      c.height = Math.max(c.height, c.gens[g]);
    });
    var dx = 40, dy = 22, gap = 30;
    var total = order.reduce(function (s, k) { return s + chains[k].width * chains[k].height; }, 0);
    var rowWidth = Math.max(800, Math.sqrt(total) * dx * 1.6);
    var x = 0, y = 0, rowHeight = 0;
    order.forEach(function (k) {
      var c = chains[k];
      var w = c.width * dx, h = c.height * dy;
      if (x > 0 && x + w > rowWidth) { x = 0; y += rowHeight + gap; rowHeight = 0; }
      c.x = x; c.y = y;
      x += w + gap;
      rowHeight = Math.max(rowHeight, h);
    });
    nodes.forEach(function (n) {
      var c = chains[n._key];
      n.x = c.x + Math.max(n.generation || 0, 0) * dx;
      n.y = c.y + n._row * dy;
      delete n._row; delete n._key;
    });
  }

  function nodeColor(n, by) {
    if (n.kind === "chain" || n.kind === "size_group") { return "#5b7a99"; }
    if (by === "generation" || n.kind === "generation") {
      return n.generation < 0 ? "#95a5a6" : GEN_COLORS[Math.min(n.generation || 0, GEN_COLORS.length - 1)];
    }
    return CLASS_COLORS[n.classification] || "#1f5fa8";
  }

  function nodeSize(n) {
    if (n.kind === "case") { return n.generation === 0 ? 13 : 9; }
    return Math.min(64, 10 + 3 * Math.sqrt(n.cases || 1));
  }

  function nodeText(n, words) {
    var lines = ["<strong>" + escapeHtml(n.label) + "</strong>"];
    if (n.kind === "case") {
      lines.push(escapeHtml(words.generation) + ": " + (n.generation < 0 ? "?" : n.generation));
      if (n.onset) { lines.push(escapeHtml(words.onset) + ": " + escapeHtml(n.onset)); }
    } else {
      lines.push(escapeHtml(words.cases) + ": " + n.cases);
      if (n.kind === "size_group") { lines.push(escapeHtml(words.chains) + ": " + n.chains); }
      lines.push(escapeHtml(words.open));
    }
    return lines.join("<br>");
  }

  function graphOption(data, by, computed) {
    var nodes = data.nodes.map(function (n) {
      return { id: String(n.id), name: n.label, x: n.x, y: n.y, symbolSize: nodeSize(n),
               symbol: n.kind === "case" ? "circle" : "roundRect", itemStyle: { color: nodeColor(n, by) }, raw: n };
    });
    var links = data.links.map(function (l) {
      var style = CERTAINTY[l.certainty] || { type: "solid", color: "#6b7a89", width: Math.min(6, 1 + Math.log2(l.links || 1)) };
      return { source: String(l.source), target: String(l.target), lineStyle: style, raw: l };
    });
    return {
      animation: false,
      textStyle: { fontFamily: fontFamily() },
      tooltip: { formatter: function (p) {
        if (p.dataType === "edge") {
          var l = p.data.raw;
          return l.certainty ? escapeHtml(data.words[l.certainty] || l.certainty) : escapeHtml(data.words.links) + ": " + l.links;
        }
        return nodeText(p.data.raw, data.words);
      } },
      series: [{
        type: "graph", layout: computed ? "none" : "force", roam: true, draggable: !computed,
        force: { repulsion: 320, edgeLength: [60, 110], gravity: 0.05 },
        edgeSymbol: ["none", "arrow"], edgeSymbolSize: 6,
        label: { show: nodes.length <= 60, position: "right", fontSize: 11 },
        emphasis: computed ? { disabled: true } : { focus: "adjacency" },
        data: nodes, links: links
      }]
    };
  }

  // Beyond LARGE_LIMIT nodes a graph series is too slow to draw and to zoom (10 s and 2 s a frame at
  // 20,000 nodes here): the nodes become large-mode scatter points, one series per colour, the links
  // large-mode lines, one series per certainty; zoom and pan through inside data zooms.
  var LARGE_LIMIT = 3000;

  function colourKey(n, by) {
    if (n.kind === "chain" || n.kind === "size_group") { return "group"; }
    if (by === "generation" || n.kind === "generation") { return "g" + Math.min(Math.max(n.generation, -1), GEN_COLORS.length - 1); }
    return n.classification || "other";
  }

  function largeOption(data, by) {
    var byKey = {};
    var keys = [];
    var index = {};
    data.nodes.forEach(function (n, i) {
      index[n.id] = n;
      var key = colourKey(n, by);
      if (!byKey[key]) { byKey[key] = { color: nodeColor(n, by), points: [] }; keys.push(key); }
      byKey[key].points.push([n.x, n.y, i]);
    });
    var edges = {};
    data.links.forEach(function (l) {
      var a = index[l.source], b = index[l.target];
      if (!a || !b) { return; }
      var key = l.certainty || "aggregate";
      (edges[key] = edges[key] || []).push({ coords: [[a.x, a.y], [b.x, b.y]] });
    });
    var series = Object.keys(edges).map(function (key) {
      var style = CERTAINTY[key] || { type: "solid", color: "#6b7a89", width: 1.5 };
      return { type: "lines", coordinateSystem: "cartesian2d", large: true, largeThreshold: 500, silent: true,
               data: edges[key], lineStyle: { color: style.color, width: 1, opacity: 0.8, type: style.type } };
    });
    keys.forEach(function (key) {
      series.push({ type: "scatter", large: true, largeThreshold: 500, symbolSize: 7, data: byKey[key].points,
                    itemStyle: { color: byKey[key].color }, emphasis: { disabled: true } });
    });
    return {
      animation: false,
      textStyle: { fontFamily: fontFamily() },
      grid: { left: 8, right: 8, top: 8, bottom: 8 },
      xAxis: { type: "value", show: false, scale: true },
      yAxis: { type: "value", show: false, scale: true, inverse: true },
      dataZoom: [{ type: "inside", xAxisIndex: 0, filterMode: "none" }, { type: "inside", yAxisIndex: 0, filterMode: "none" }],
      tooltip: { formatter: function (p) { return nodeText(data.nodes[p.value[2]], data.words); } },
      series: series
    };
  }

  function nodeUrl(n) {
    if (n.kind === "case") { return "/tracing/cases/" + encodeURIComponent(n.case_id) + "/investigation"; }
    if (n.chain !== null && n.chain !== undefined) { return "/tracing/chains?chain=" + encodeURIComponent(n.chain); }
    if (n.kind === "size_group") {
      return "/tracing/chains?size_min=" + encodeURIComponent(n.size_min) + "&size_max=" + encodeURIComponent(n.size_max);
    }
    return null;
  }

  function drawGraph() {
    var el = document.getElementById("chain-graph");
    var data = readJson("chain-data");
    if (!el || !data || !window.echarts) { return; }
    el.dataset.nodes = String(data.nodes.length);
    el.dataset.mode = data.mode;
    if (!data.nodes.length) {
      el.innerHTML = '<div class="chart-empty">' + escapeHtml(data.words.empty) + "</div>";
      el.dataset.ready = "1";
      return;
    }
    data.nodes.forEach(function (n) { n.label = nodeLabel(n, data.words); });
    var computed = data.mode !== "full" || data.nodes.length > FORCE_LIMIT;
    var large = data.nodes.length > LARGE_LIMIT;
    if (computed) { layoutChains(data.nodes); }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    var picker = document.getElementById("color-by");
    var by = picker ? picker.value : "classification";
    var option = function () { return large ? largeOption(data, by) : graphOption(data, by, computed); };
    chart.on("finished", function () { el.dataset.ready = "1"; });
    chart.setOption(option());
    el.dataset.renderer = large ? "large" : "graph";
    chart.on("click", function (p) {
      var node = large ? data.nodes[p.value && p.value[2]] : (p.dataType === "node" ? p.data.raw : null);
      var url = node ? nodeUrl(node) : null;
      if (url) { window.location.href = url; }
    });
    if (picker) {
      picker.addEventListener("change", function () {
        by = picker.value;
        chart.setOption(option(), { replaceMerge: ["series"] });
        el.dataset.colorBy = by;
      });
    }
    window.addEventListener("resize", function () { chart.resize(); });
  }

  /* Timeline ----------------------------------------------------------------------------------- */

  function drawTimeline() {
    var el = document.getElementById("chain-timeline");
    var data = readJson("timeline-data");
    if (!el || !data || !window.echarts) { return; }
    if (!data.cases.length) {
      el.innerHTML = '<div class="chart-empty">' + escapeHtml(data.words.empty) + "</div>";
      el.dataset.ready = "1";
      return;
    }
    data.cases.forEach(function (c) {
      c.label = fmt(data.words.caseLabel, { chain: c.chain, gen: c.generation < 0 ? "?" : c.generation, id: c.id });
    });
    var labels = data.cases.map(function (c) { return c.label; });
    el.style.height = Math.max(320, Math.min(30, data.cases.length) * 22 + 100) + "px";
    var onset = [], diagnosed = [], spans = [];
    data.cases.forEach(function (c) {
      if (c.onset) { onset.push([c.onset, c.label, c.generation, c.id]); }
      if (c.diagnosed) { diagnosed.push([c.diagnosed, c.label, c.generation, c.id]); }
      if (c.onset && c.diagnosed) { spans.push({ coords: [[c.onset, c.label], [c.diagnosed, c.label]] }); }
    });
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.on("finished", function () { el.dataset.ready = "1"; });
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: fontFamily() },
      legend: { top: 0, right: 0 },
      tooltip: { trigger: "item", formatter: function (p) {
        return "<strong>" + escapeHtml(p.value[1]) + "</strong><br>" + escapeHtml(p.seriesName) + ": " + p.value[0];
      } },
      grid: { left: 8, right: 40, top: 30, bottom: 40, containLabel: true },
      xAxis: { type: "time", splitLine: { lineStyle: { color: "#e6ebf0" } } },
      yAxis: { type: "category", data: labels, inverse: true, axisLabel: { fontSize: 11 } },
      dataZoom: labels.length > 30 ? [{ type: "slider", yAxisIndex: 0, right: 0, width: 14, startValue: 0, endValue: 29 },
                                      { type: "inside", yAxisIndex: 0 }] : [],
      series: [
        { type: "lines", coordinateSystem: "cartesian2d", data: spans, silent: true,
          lineStyle: { color: "#9fb3c8", width: 2 } },
        { name: data.words.onset, type: "scatter", data: onset, symbolSize: 9, itemStyle: { color: "#c0392b" } },
        { name: data.words.diagnosed, type: "scatter", data: diagnosed, symbol: "diamond", symbolSize: 10,
          itemStyle: { color: "#1f5fa8" } }
      ]
    });
    el.dataset.cases = String(data.cases.length);
    chart.on("click", function (p) {
      if (p.value && p.value[3]) { window.location.href = "/tracing/cases/" + p.value[3] + "/investigation"; }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  /* Contacts: select all, and the number selected ---------------------------------------------- */

  function countPicked() {
    var out = document.getElementById("picked-count");
    if (out) { out.textContent = String(document.querySelectorAll("input.contact-pick:checked").length); }
  }

  document.addEventListener("change", function (event) {
    if (event.target.id === "pick-all") {
      document.querySelectorAll("input.contact-pick").forEach(function (box) { box.checked = event.target.checked; });
    }
    if (event.target.id === "pick-all" || event.target.classList.contains("contact-pick")) { countPicked(); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    tickClocks();
    window.setInterval(tickClocks, 1000);
    drawItinerary();
    drawGraph();
    drawTimeline();
  });

  // HTMX swapped in a new itinerary table (with its data block) or new clocks: redraw and re-tick.
  document.addEventListener("htmx:afterSettle", function () {
    tickClocks();
    drawItinerary();
    countPicked();
  });
})();
