// The explorer's views, drawn from window.EXPLORER (data.js): network, layer, channel.
// Every name is set as text (textContent), never parsed as markup.
(function () {
  "use strict";
  var D = window.EXPLORER;
  var app = document.getElementById("app");
  var layerIndex = {};
  D.layers.forEach(function (layer, i) { layerIndex[layer.name] = i; });

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function hashOf(layer, ch, img) {
    var h = "#layer=" + encodeURIComponent(layer);
    if (img !== undefined) { h += "&img=" + img; }
    return ch === undefined ? h : h + "&ch=" + ch;
  }
  // Channel c of a layer on shown image s: its tile cut out of the montage (a row-major grid).
  function tile(layer, s, c) {
    var rows = layer.grid[0], cols = layer.grid[1];
    var x = cols > 1 ? 100 * (c % cols) / (cols - 1) : 0;
    var y = rows > 1 ? 100 * Math.floor(c / cols) / (rows - 1) : 0;
    return el("div", { "class": "tile", role: "img", "aria-label": "channel " + c,
      style: "background-image:url(" + layer.montages[s] + ");background-size:" + (100 * cols) +
        "% " + (100 * rows) + "%;background-position:" + x + "% " + y + "%" });
  }
  function fmt(v) { return Number(v).toPrecision(4).replace(/\.?0+(e|$)/, "$1"); }
  function route() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ""));
    return { layer: params.get("layer"), ch: params.get("ch"), img: params.get("img"),
      view: params.get("view"), params: params };
  }

  function networkView() {
    app.appendChild(el("h1", {}, "Model " + D.model));
    app.appendChild(el("p", { "class": "note" }, D.images + ": " + D.n_images +
      " image(s). Follow a layer's name to see its channels."));
    var table = el("table", { id: "network" });
    var head = el("tr");
    D.network.columns.forEach(function (c) { head.appendChild(el("th", {}, c)); });
    head.appendChild(el("th", {}, "Strongest channels on " + D.names[0]));
    table.appendChild(el("thead")).appendChild(head);
    var body = table.appendChild(el("tbody"));
    D.network.rows.forEach(function (row) {
      var tr = body.appendChild(el("tr"));
      row.forEach(function (cell, j) {
        var td = tr.appendChild(el("td", j === 0 || j === row.length - 1 ? { "class": "num" } : {}));
        if (D.network.columns[j] === "Name" && cell in layerIndex) {
          td.appendChild(el("a", { href: hashOf(cell), "class": "layer-link" }, cell));
        } else {
          td.textContent = cell;
        }
      });
      var thumbs = tr.appendChild(el("td", { "class": "thumbs" }));
      var li = layerIndex[row[D.network.columns.indexOf("Name")]];
      if (li !== undefined) { strongest(D.layers[li], 0, THUMBS).forEach(function (c) {
        var a = thumbs.appendChild(el("a", { href: hashOf(D.layers[li].name, c),
          title: "channel " + c + ": " + fmt(D.layers[li].image_max[0][c]), "data-ch": String(c) }));
        if (D.layers[li].montages) {
          a.appendChild(tile(D.layers[li], 0, c));
        } else {
          a.textContent = String(c);
        }
      }); }
    });
    app.appendChild(table);
  }

  var THUMBS = 4;
  // The channels of a layer by their max on shown image s, strongest first (ties: by index).
  function strongest(layer, s, n) {
    var m = layer.image_max[s];
    var idx = m.map(function (_, c) { return c; });
    idx.sort(function (a, b) { return m[b] - m[a] || a - b; });
    return n === undefined ? idx : idx.slice(0, n);
  }

  function crumbs(layer, ch) {
    var nav = app.appendChild(el("nav"));
    nav.appendChild(el("a", { href: "#" }, "network"));
    nav.appendChild(document.createTextNode(" / "));
    nav.appendChild(ch === undefined ? el("span", {}, layer.name) :
      el("a", { href: hashOf(layer.name) }, layer.name));
    if (ch !== undefined) { nav.appendChild(document.createTextNode(" / channel " + ch)); }
  }

  function layerView(li, s) {
    var layer = D.layers[li];
    crumbs(layer);
    app.appendChild(el("h1", {}, layer.name + " (" + layer.type + ", " + layer.shape + ")"));
    app.appendChild(el("p", { "class": "note" }, "Channels on " + D.names[s] +
      (layer.montages ? ", imtile(mat2gray(act)): one gray scale for the whole layer. " : ". ") +
      "Strength: the channel's max on this image. Dead: constant over all " + D.n_images +
      " image(s). Pick another image:"));
    var pick = app.appendChild(el("div", { id: "shown", "class": "grid" }));
    for (var j = 0; j < D.shown; j++) {
      var a = pick.appendChild(el("a", { href: hashOf(layer.name, undefined, j), "data-img": String(j),
        "class": j === s ? "shown current" : "shown" }));
      a.appendChild(el("img", { src: "images/" + j + ".png", alt: "image " + j }));
      a.appendChild(el("span", {}, D.names[j]));
    }
    var sort = app.appendChild(el("p"));
    sort.appendChild(el("span", {}, "Sort channels by: "));
    [["index", "index"], ["strength", "strength"]].forEach(function (pair) {
      var b = sort.appendChild(el("button", { id: "sort-" + pair[0] }, pair[1]));
      b.addEventListener("click", function () { draw(pair[0]); });
    });
    if (layer.montages) {
      sort.appendChild(el("a", { href: layer.montages[s], "class": "tiled" }, " the whole montage"));
    }
    var grid = app.appendChild(el("div", { id: "channels", "class": "grid" }));
    function draw(by) {
      var idx = by === "strength" ? strongest(layer, s) :
        layer.image_max[s].map(function (_, c) { return c; });
      grid.textContent = "";
      grid.setAttribute("data-order", by);
      idx.forEach(function (c) {
        var a = grid.appendChild(el("a", { href: hashOf(layer.name, c), "class": "channel" +
          (layer.dead[c] ? " dead" : ""), "data-ch": String(c) }));
        if (layer.montages) { a.appendChild(tile(layer, s, c)); }
        a.appendChild(el("span", {}, c + ": " + fmt(layer.image_max[s][c]) + (layer.dead[c] ? " dead" : "")));
      });
    }
    draw("index");
  }

  function topItem(parent, t) {
    var fig = parent.appendChild(el("figure", { "class": "top" }));
    var box = fig.appendChild(el("div", { "class": "frame" }));
    box.appendChild(el("img", { src: "images/" + t.i + ".png", alt: "image " + t.i }));
    var pct = function (v, n) { return (100 * v / n) + "%"; };
    if (t.box) {
      box.appendChild(el("div", { "class": "field", style: "left:" + pct(t.box[0], D.width) +
        ";top:" + pct(t.box[1], D.height) + ";width:" + pct(t.box[2] - t.box[0], D.width) +
        ";height:" + pct(t.box[3] - t.box[1], D.height) }));
      box.appendChild(el("div", { "class": "peak", style: "left:" + pct(t.peak[0] + 0.5, D.width) +
        ";top:" + pct(t.peak[1] + 0.5, D.height) }));
    }
    fig.appendChild(el("figcaption", {}, D.names[t.i] + ": " + fmt(t.v)));
  }

  function histogram(h) {
    var wrap = el("div", { id: "histogram" });
    var bars = wrap.appendChild(el("div", { "class": "bars" }));
    var most = Math.max.apply(null, h.counts.concat([1]));
    h.counts.forEach(function (n, j) {
      bars.appendChild(el("div", { "class": "bar", style: "height:" + (100 * n / most) + "%",
        title: n + " image(s) in " + fmt(h.edges[j]) + ".." + fmt(h.edges[j + 1]) }));
    });
    wrap.appendChild(el("p", { "class": "note" }, "per-image max from " + fmt(h.edges[0]) +
      " to " + fmt(h.edges[h.edges.length - 1]) + ", " + h.counts.length + " bins"));
    return wrap;
  }

  function channelView(li, ch) {
    var layer = D.layers[li];
    crumbs(layer, ch);
    var n = layer.dead.length;
    app.appendChild(el("h1", {}, layer.name + ", channel " + ch + (layer.dead[ch] ? " (dead)" : "")));
    var nav = app.appendChild(el("p"));
    nav.appendChild(el("a", { href: hashOf(layer.name, (ch + n - 1) % n), id: "prev" }, "< previous"));
    nav.appendChild(document.createTextNode(" | "));
    nav.appendChild(el("a", { href: hashOf(layer.name, (ch + 1) % n), id: "next" }, "next >"));
    nav.appendChild(el("span", { "class": "note" }, "  (left/right arrow keys)"));
    app.appendChild(el("h2", {}, "Top " + layer.top[ch].length + " of " + D.n_images +
      " images, by max" + (layer.top[ch].length && layer.top[ch][0].box ? "; receptive field outlined, peak marked" : "")));
    var tops = app.appendChild(el("div", { id: "top", "class": "grid" }));
    layer.top[ch].forEach(function (t) { topItem(tops, t); });
    app.appendChild(el("h2", {}, "Each image's max of the channel"));
    app.appendChild(histogram(layer.hist[ch]));
  }

  function render() {
    var r = route();
    app.textContent = "";
    window.scrollTo(0, 0);
    if (r.view !== null && Object.prototype.hasOwnProperty.call(VIEWS, r.view)) {
      VIEWS[r.view](r);  // a view registered by name (#view=NAME&...): classes, embedding, live
      document.body.setAttribute("data-view", r.view);
      return;
    }
    var li = r.layer === null ? undefined : layerIndex[r.layer];
    if (li === undefined) {
      if (r.layer !== null) { app.appendChild(el("p", { "class": "error" }, "No layer named " + r.layer)); }
      networkView();
      document.body.setAttribute("data-view", "network");
      return;
    }
    var ch = r.ch === null ? NaN : parseInt(r.ch, 10);
    var img = r.img === null ? 0 : parseInt(r.img, 10);
    if (isNaN(ch) || ch < 0 || ch >= D.layers[li].dead.length) {
      layerView(li, isNaN(img) || img < 0 || img >= D.shown ? 0 : img);
      document.body.setAttribute("data-view", "layer");
    } else {
      channelView(li, ch);
      document.body.setAttribute("data-view", "channel");
    }
  }

  // Left/right: the previous/next channel of the channel the URL names (wrapping round),
  // read from the URL, not the page, so keys pressed faster than it redraws all count.
  document.addEventListener("keydown", function (event) {
    var step = { ArrowLeft: -1, ArrowRight: 1 }[event.key];
    var r = route(), li = r.layer === null ? undefined : layerIndex[r.layer];
    var ch = r.ch === null ? NaN : parseInt(r.ch, 10);
    if (!step || li === undefined || isNaN(ch)) { return; }
    var n = D.layers[li].dead.length;
    if (ch < 0 || ch >= n) { return; }
    location.hash = hashOf(D.layers[li].name, (ch + step + n) % n);
  });
  // Views other scripts register (loaded after this one, e.g. the server's live.js):
  // ExplorerApp.views[NAME] = function (route) {...} draws #view=NAME into ExplorerApp.app.
  var VIEWS = {};
  window.ExplorerApp = { data: D, app: app, views: VIEWS, el: el, hashOf: hashOf, route: route,
    render: render, fmt: fmt, tile: tile, strongest: strongest, layerIndex: layerIndex };
  window.addEventListener("hashchange", render);
  // Drawn once every script has run, so views registered by later scripts open by deep link.
  window.addEventListener("DOMContentLoaded", render);
}());
