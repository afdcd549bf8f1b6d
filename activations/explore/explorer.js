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
  function hashOf(layer, ch) {
    var h = "#layer=" + encodeURIComponent(layer);
    return ch === undefined ? h : h + "&ch=" + ch;
  }
  function fmt(v) { return Number(v).toPrecision(4).replace(/\.?0+(e|$)/, "$1"); }
  function route() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ""));
    return { layer: params.get("layer"), ch: params.get("ch") };
  }

  function networkView() {
    app.appendChild(el("h1", {}, "Model " + D.model));
    app.appendChild(el("p", { "class": "note" }, D.images + ": " + D.n_images +
      " image(s). Follow a layer's name to see its channels."));
    var table = el("table", { id: "network" });
    var head = el("tr");
    D.network.columns.forEach(function (c) { head.appendChild(el("th", {}, c)); });
    head.appendChild(el("th", {}, "Strongest channels on " + D.shown_name));
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
      if (li !== undefined) { strongest(D.layers[li], THUMBS).forEach(function (c) {
        var a = thumbs.appendChild(el("a", { href: hashOf(D.layers[li].name, c),
          title: "channel " + c + ": " + fmt(D.layers[li].image_max[c]), "data-ch": String(c) }));
        if (D.layers[li].tiled) {
          a.appendChild(el("img", { src: D.layers[li].tile_dir + "/c" + c + ".png", alt: "channel " + c }));
        } else {
          a.textContent = String(c);
        }
      }); }
    });
    app.appendChild(table);
  }

  var THUMBS = 4;
  // The channels of a layer by their max on the image shown, strongest first (ties: by index).
  function strongest(layer, n) {
    var idx = layer.image_max.map(function (_, c) { return c; });
    idx.sort(function (a, b) { return layer.image_max[b] - layer.image_max[a] || a - b; });
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

  function layerView(li, order) {
    var layer = D.layers[li];
    crumbs(layer);
    app.appendChild(el("h1", {}, layer.name + " (" + layer.type + ", " + layer.shape + ")"));
    app.appendChild(el("p", { "class": "note" }, "Channels on " + D.shown_name +
      (layer.tiled ? ", imtile(mat2gray(act)): one gray scale for the whole layer. " : ". ") +
      "Strength: the channel's max on this image. Dead: constant over all " + D.n_images +
      " image(s)."));
    var input = app.appendChild(el("figure", { "class": "shown" }));
    input.appendChild(el("img", { src: "images/0.png", alt: "the image shown" }));
    input.appendChild(el("figcaption", {}, D.shown_name));
    var sort = app.appendChild(el("p"));
    sort.appendChild(el("span", {}, "Sort channels by: "));
    [["index", "index"], ["strength", "strength"]].forEach(function (pair) {
      var b = sort.appendChild(el("button", { id: "sort-" + pair[0] }, pair[1]));
      b.addEventListener("click", function () { draw(pair[0]); });
    });
    if (layer.tiled) {
      sort.appendChild(el("a", { href: layer.tiled, "class": "tiled" }, " the whole montage"));
    }
    var grid = app.appendChild(el("div", { id: "channels", "class": "grid" }));
    function draw(by) {
      var idx = by === "strength" ? strongest(layer) :
        layer.image_max.map(function (_, c) { return c; });
      grid.textContent = "";
      grid.setAttribute("data-order", by);
      idx.forEach(function (c) {
        var a = grid.appendChild(el("a", { href: hashOf(layer.name, c), "class": "channel" +
          (layer.dead[c] ? " dead" : ""), "data-ch": String(c) }));
        if (layer.tiled) { a.appendChild(el("img", { src: layer.tile_dir + "/c" + c + ".png", alt: "channel " + c })); }
        a.appendChild(el("span", {}, c + ": " + fmt(layer.image_max[c]) + (layer.dead[c] ? " dead" : "")));
      });
    }
    draw(order || "index");
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
    var n = layer.image_max.length;
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
    var li = r.layer === null ? undefined : layerIndex[r.layer];
    if (li === undefined) {
      if (r.layer !== null) { app.appendChild(el("p", { "class": "error" }, "No layer named " + r.layer)); }
      networkView();
      document.body.setAttribute("data-view", "network");
      return;
    }
    var ch = r.ch === null ? NaN : parseInt(r.ch, 10);
    if (isNaN(ch) || ch < 0 || ch >= D.layers[li].image_max.length) {
      layerView(li);
      document.body.setAttribute("data-view", "layer");
    } else {
      channelView(li, ch);
      document.body.setAttribute("data-view", "channel");
    }
  }

  document.addEventListener("keydown", function (event) {
    if (document.body.getAttribute("data-view") !== "channel") { return; }
    var id = { ArrowLeft: "prev", ArrowRight: "next" }[event.key];
    if (id) { location.hash = document.getElementById(id).getAttribute("href"); }
  });
  window.addEventListener("hashchange", render);
  render();
}());
