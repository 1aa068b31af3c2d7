// The explorer of the kzcn exposure report: class sizes over the ticked
// quasi-identifiers, computed from integer codes embedded in the page (see
// kzcn/exposure/explorer.py). Same formulas as the report's engine.
(function () {
  "use strict";
  var root = document.getElementById("explorer");
  var cfg = JSON.parse(document.getElementById("explorer-data").textContent);
  var n = cfg.n;
  var DENSE = 1 << 22;

  function decode(col) {
    var bin = atob(col.data);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var codes = col.width === 1 ? bytes
      : col.width === 2 ? new Uint16Array(bytes.buffer) : new Uint32Array(bytes.buffer);
    return { card: col.card, codes: codes };
  }
  var columns = {};
  Object.keys(cfg.columns).forEach(function (name) { columns[name] = decode(cfg.columns[name]); });
  var sensitive = decode(cfg.sensitive);

  // Keys renumbered 0..distinct-1, so that the next column fits the dense range.
  function densify(values, space) {
    var out = new Int32Array(n), next = 0, i, v;
    if (space <= DENSE) {
      var map = new Int32Array(space).fill(-1);
      for (i = 0; i < n; i++) {
        v = values[i];
        if (map[v] < 0) map[v] = next++;
        out[i] = map[v];
      }
    } else {
      var seen = new Map();
      for (i = 0; i < n; i++) {
        v = values[i];
        var got = seen.get(v);
        if (got === undefined) { got = next++; seen.set(v, got); }
        out[i] = got;
      }
    }
    return { key: out, space: Math.max(next, 1) };
  }

  // Mixed radix over the chosen columns, renumbering whenever it would overflow.
  function classKeys(names) {
    var key = new Int32Array(n), space = 1, i;
    names.forEach(function (name) {
      var col = columns[name], card = col.card, codes = col.codes;
      if (space * card > DENSE && space > 1) {
        var d = densify(key, space);
        key = d.key; space = d.space;
      }
      if (space * card <= DENSE) {
        for (i = 0; i < n; i++) key[i] = key[i] * card + codes[i];
        space *= card;
      } else {
        var wide = new Float64Array(n);
        for (i = 0; i < n; i++) wide[i] = key[i] * card + codes[i];
        var w = densify(wide, Infinity);
        key = w.key; space = w.space;
      }
    });
    return { key: key, space: space };
  }

  function measure(names) {
    var ck = classKeys(names), key = ck.key, space = ck.space, i;
    var sizes = new Int32Array(space);
    for (i = 0; i < n; i++) sizes[key[i]]++;
    var classes = 0, unique = 0, k = 0, edges = cfg.edges;
    var bins = new Array(edges.length).fill(0);
    for (var c = 0; c < space; c++) {
      var f = sizes[c];
      if (f === 0) continue;
      classes++;
      if (f === 1) unique++;
      if (k === 0 || f < k) k = f;
      var b = edges.length - 1;
      while (b > 0 && f < edges[b]) b--;
      bins[b] += f;
    }
    // Distinct l: sensitive values per class, each (class, value) pair counted once.
    var distinct = new Int32Array(space), scard = sensitive.card, s = sensitive.codes;
    if (space * scard <= DENSE) {
      var seen = new Uint8Array(space * scard);
      for (i = 0; i < n; i++) {
        var p = key[i] * scard + s[i];
        if (!seen[p]) { seen[p] = 1; distinct[key[i]]++; }
      }
    } else {
      var pairs = new Set();
      for (i = 0; i < n; i++) {
        var q = key[i] * scard + s[i];
        if (!pairs.has(q)) { pairs.add(q); distinct[key[i]]++; }
      }
    }
    var l = 0;
    for (c = 0; c < space; c++) {
      if (sizes[c] > 0 && (l === 0 || distinct[c] < l)) l = distinct[c];
    }
    return { classes: classes, unique: unique, k: k, l: l, bins: bins };
  }

  function grouped(digits) {
    return digits.replace(/\B(?=(\d{3})+(?!\d))/g, cfg.number.group);
  }
  function decimal(value, places) {
    var parts = value.toFixed(places).split(".");
    return grouped(parts[0]) + (parts.length > 1 ? cfg.number.decimal + parts[1] : "");
  }
  function percent(share) {
    return cfg.number.percent.replace("{value}", decimal(share * 100, 2));
  }

  function chosen() {
    var names = [];
    root.querySelectorAll('input[type=checkbox][data-qi]').forEach(function (box) {
      if (!box.checked) return;
      var qi = box.getAttribute("data-qi");
      var level = root.querySelector('input[type=radio][data-qi="' + qi + '"]:checked');
      names.push(qi + ":" + (level ? level.getAttribute("data-level") : "value"));
    });
    return names;
  }

  function show(metric, text, value) {
    var out = root.querySelector('[data-metric="' + metric + '"]');
    out.textContent = text;
    out.setAttribute("data-value", String(value));
  }

  function update() {
    var started = performance.now();
    var names = chosen();
    var m = n ? measure(names) : { classes: 0, unique: 0, k: 0, l: 0, bins: [] };
    var share = n ? m.unique / n : 0;
    show("unique_share", percent(share), share);
    show("k", n ? decimal(m.k, 0) : "-", m.k);
    show("classes", decimal(m.classes, 0), m.classes);
    show("l_distinct", n ? decimal(m.l, 0) : "-", m.l);
    var top = Math.max.apply(null, m.bins.concat([1])) / (n || 1);
    root.querySelectorAll("#explorer-histogram .col").forEach(function (col, b) {
      var part = n ? (m.bins[b] || 0) / n : 0;
      col.querySelector(".val").textContent = percent(part);
      col.querySelector(".bar").style.height = (80 * part / top).toFixed(2) + "%";
    });
    root.setAttribute("data-qi-chosen", names.join(","));
    root.setAttribute("data-ms", (performance.now() - started).toFixed(2));
  }

  root.querySelectorAll("input[data-qi]").forEach(function (input) {
    input.addEventListener("change", function () {
      if (input.type === "radio") {
        root.querySelector('input[type=checkbox][data-qi="' + input.getAttribute("data-qi") + '"]')
          .checked = true;
      }
      update();
    });
  });
  root.querySelector("form").addEventListener("submit", function (event) { event.preventDefault(); });
  window.kzcnExplorer = { update: update };
  update();
})();
