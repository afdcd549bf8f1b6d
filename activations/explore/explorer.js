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
  // Tile i of a montage: a row-major grid of rows x cols tiles without borders, cut out by CSS.
  function cut(src, grid, i, cls, label) {
    var rows = grid[0], cols = grid[1];
    var x = cols > 1 ? 100 * (i % cols) / (cols - 1) : 0;
    var y = rows > 1 ? 100 * Math.floor(i / cols) / (rows - 1) : 0;
    return el("div", { "class": cls || "tile", role: "img", "aria-label": label || "tile " + i,
      style: "background-image:url(" + src + ");background-size:" + (100 * cols) +
        "% " + (100 * rows) + "%;background-position:" + x + "% " + y + "%" });
  }
  // Channel c of a layer on shown image s (montages: the layer's, or its pre-activation ones).
  function tile(layer, s, c, montages) {
    return cut((montages || layer.montages)[s], layer.grid, c, "tile", "channel " + c);
  }
  // Four significant digits, trailing zeros of the fraction dropped: 1230, 0.5, 6.018e-10.
  function fmt(v) {
    var text = Number(v).toPrecision(4), e = text.indexOf("e");
    var digits = e < 0 ? text : text.slice(0, e), exponent = e < 0 ? "" : text.slice(e);
    if (digits.indexOf(".") >= 0) { digits = digits.replace(/0+$/, "").replace(/\.$/, ""); }
    return digits + exponent;
  }
  function route() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ""));
    return { layer: params.get("layer"), ch: params.get("ch"), img: params.get("img"),
      view: params.get("view"), params: params };
  }

  function networkView() {
    app.appendChild(el("h1", {}, "Model " + D.model));
    app.appendChild(el("p", { "class": "note" }, D.images + ": " + D.n_images +
      " image(s). Follow a layer's name to see its channels."));
    var more = app.appendChild(el("p", { id: "views" }));
    if (D.classes) { more.appendChild(el("a", { href: "#view=classes", id: "to-classes" }, "classes")); }
    if (D.classes && D.embedding) { more.appendChild(document.createTextNode(" | ")); }
    if (D.embedding) { more.appendChild(el("a", { href: "#view=embedding", id: "to-embedding" }, "embedding")); }
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
    if (layer.montages) { overlays(layer, ch); }
    if (layer.dream) {
      app.appendChild(el("h2", {}, "Its dream (deep_dream)"));
      var dream = app.appendChild(el("div", { id: "dream" }));
      if (ch < layer.dream.n) {
        dream.appendChild(cut(layer.dream.src, layer.dream.grid, ch, "tile big", "dream of channel " + ch));
      } else {
        dream.appendChild(el("p", { "class": "note" }, "Only the first " + layer.dream.n +
          " channels were dreamed (explore --dreams)."));
      }
    }
    if (!layer.dream) {
      app.appendChild(el("p", { "class": "note", id: "no-dream" }, "No dreams: explore --dreams N " +
        "dreams the first N channels of each layer (by default only for images of at most 64x64 pixels)."));
    }
    if (layer.kernel) { kernel(layer, ch); }
  }

  // The channel's map (the layer's gray scale on that image) laid over each image shown.
  function overlays(layer, ch) {
    app.appendChild(el("h2", {}, "On the images shown: the map resized onto each image" +
      (layer.pre ? ", after and before its " + layer.activation : "")));
    app.appendChild(el("p", { "class": "note" }, "The map glows orange over the image where the " +
      "channel fires. Maps in gray below, each image's with its own scale for the whole layer" +
      (layer.pre ? " (before the activation too)." : ".")));
    var on = app.appendChild(el("div", { id: "overlays", "class": "grid" }));
    for (var s = 0; s < D.shown; s++) {
      var fig = on.appendChild(el("figure", { "class": "top" }));
      var frame = fig.appendChild(el("div", { "class": "frame" }));
      frame.appendChild(el("img", { src: "images/" + s + ".png", alt: "image " + s }));
      var t = frame.appendChild(tile(layer, s, ch));
      t.setAttribute("class", "tile overlay");
      var maps = fig.appendChild(el("div", { "class": "pair" }));
      maps.appendChild(tile(layer, s, ch)).setAttribute("title", "after");
      if (layer.pre) { maps.appendChild(tile(layer, s, ch, layer.pre)).setAttribute("title", "before"); }
      fig.appendChild(el("figcaption", {}, D.names[s] + ": max " + fmt(layer.image_max[s][ch]) +
        (layer.pre ? " (after, before)" : "")));
    }
  }

  // Its kernel: one picture per input channel (or one gray/colour picture for 1 or 3 inputs).
  function kernel(layer, ch) {
    var k = layer.kernel;
    app.appendChild(el("h2", {}, "Its kernel (" + k.inputs + " input channel" +
      (k.inputs === 1 ? "" : "s") + ", its own gray scale)"));
    var zoom = Math.max(1, Math.min(24, Math.floor(240 / Math.max(k.w, k.h))));
    var box = app.appendChild(el("div", { id: "kernel", role: "img", "aria-label": "kernel of channel " + ch,
      style: "width:" + (k.w * zoom) + "px;height:" + (k.h * zoom) + "px;background-image:url(" +
        k.src + ");background-size:100% " + (100 * k.rows) + "%;background-position:0 " +
        (k.rows > 1 ? 100 * ch / (k.rows - 1) : 0) + "%" }));
    return box;
  }

  function figureOf(parent, i, caption) {
    var fig = parent.appendChild(el("figure", { "class": "top" }));
    fig.appendChild(el("div", { "class": "frame" })).appendChild(
      el("img", { src: "images/" + i + ".png", alt: "image " + i }));
    fig.appendChild(el("figcaption", {}, caption));
    return fig;
  }

  function classesView(r) {
    var C = D.classes, n = C.names.length;
    var c = parseInt(r.params.get("c"), 10);
    if (isNaN(c) || c < 0 || c >= n) { c = 0; }
    var nav = app.appendChild(el("nav"));
    nav.appendChild(el("a", { href: "#" }, "network"));
    nav.appendChild(document.createTextNode(" / classes"));
    app.appendChild(el("h1", {}, "Classes of " + D.model + " (" + C.layer + ")"));
    app.appendChild(el("p", { "class": "note" }, (C.labelled ? "Over the " + D.n_images +
      " labelled images; accuracy " + fmt(100 * C.accuracy) + "%. " : "No labels: the images " +
      "predicted as a class stand for it. ") + "Pick a class:"));
    var pick = app.appendChild(el("p", { id: "class-list" }));
    C.names.forEach(function (name, j) {
      pick.appendChild(el("a", { href: "#view=classes&c=" + j, "data-c": String(j),
        "class": j === c ? "class current" : "class" }, name));
      pick.appendChild(document.createTextNode(" "));
    });
    var score = function (i, j) { return fmt(C.scores[String(i)][j]); };
    var lists = [["most", "Most confident: highest score of " + C.names[c]],
                 ["least", "Least confident: lowest score of " + C.names[c]]];
    if (C.labelled) { lists.push(["wrong", "Misclassified: " + C.names[c] + " predicted as another class"]); }
    lists.forEach(function (pair) {
      app.appendChild(el("h2", {}, pair[1]));
      var grid = app.appendChild(el("div", { id: "class-" + pair[0], "class": "grid" }));
      var items = C.ranked[c][pair[0]];
      if (!items.length) { grid.appendChild(el("p", { "class": "note" }, "none")); }
      items.forEach(function (i) {
        var row = C.scores[String(i)], best = row.indexOf(Math.max.apply(null, row));
        figureOf(grid, i, D.names[i] + ": " + score(i, c) +
          (pair[0] === "wrong" ? " (as " + C.names[best] + " " + score(i, best) + ")" : ""));
      });
    });
    if (C.confusion) { confusion(C, c); }
  }

  function confusion(C, c) {
    app.appendChild(el("h2", {}, "Confusion matrix (rows: true class, columns: predicted)"));
    var table = app.appendChild(el("table", { id: "confusion" }));
    var head = el("tr");
    head.appendChild(el("th", {}, ""));
    C.names.forEach(function (name) { head.appendChild(el("th", {}, name)); });
    table.appendChild(el("thead")).appendChild(head);
    var body = table.appendChild(el("tbody"));
    C.confusion.forEach(function (row, i) {
      var total = row.reduce(function (a, b) { return a + b; }, 0) || 1;
      var tr = body.appendChild(el("tr", i === c ? { "class": "current" } : {}));
      tr.appendChild(el("th", {})).appendChild(el("a", { href: "#view=classes&c=" + i }, C.names[i]));
      row.forEach(function (count, j) {
        var share = count / total;
        tr.appendChild(el("td", { "class": "num", title: C.names[i] + " as " + C.names[j] + ": " + count,
          style: "background:rgba(" + (i === j ? "59,117,175," : "204,51,51,") + Math.min(1, share).toFixed(3) +
            ");color:" + (share > 0.5 ? "#fff" : "#222") }, String(count)));
      });
    });
  }

  var PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22", "#17becf"];

  function embeddingView() {
    var E = D.embedding, C = D.classes;
    var nav = app.appendChild(el("nav"));
    nav.appendChild(el("a", { href: "#" }, "network"));
    nav.appendChild(document.createTextNode(" / embedding"));
    app.appendChild(el("h1", {}, (E.method === "tsne" ? "t-SNE" : "PCA") + " of layer " + E.layer));
    app.appendChild(el("p", { "class": "note" }, "The first " + E.points.length + " of " +
      D.n_images + " images" + (E.colour_by ? ", coloured by " + E.colour_by : "") +
      ". Point at a dot to see its image."));
    var wrap = app.appendChild(el("div", { id: "embedding", "class": "grid" }));
    var NS = "http://www.w3.org/2000/svg", size = 520;
    var svg = document.createElementNS(NS, "svg");
    svg.setAttribute("width", size); svg.setAttribute("height", size);
    svg.setAttribute("viewBox", "-10 -10 " + (size + 20) + " " + (size + 20));
    E.points.forEach(function (p, i) {
      var dot = document.createElementNS(NS, "circle");
      dot.setAttribute("cx", (p[0] * size).toFixed(1));
      dot.setAttribute("cy", ((1 - p[1]) * size).toFixed(1));
      dot.setAttribute("r", "3");
      dot.setAttribute("data-i", String(i));
      dot.setAttribute("fill", E.colour ? PALETTE[E.colour[i] % PALETTE.length] : "#3b75af");
      svg.appendChild(dot);
    });
    wrap.appendChild(svg);
    var side = wrap.appendChild(el("div", { id: "hovered" }));
    side.appendChild(el("p", { "class": "note" }, "(no image under the pointer)"));
    svg.addEventListener("mouseover", function (event) {
      var i = event.target.getAttribute && event.target.getAttribute("data-i");
      if (i === null || i === undefined) { return; }
      i = parseInt(i, 10);
      side.textContent = "";
      var s = E.sprite;
      var pic = side.appendChild(cut(s.src, [s.rows, s.cols], i, "thumb", "image " + i));
      pic.setAttribute("style", pic.getAttribute("style") + ";width:" + (4 * s.w) + "px;height:" + (4 * s.h) + "px");
      side.appendChild(el("p", { id: "hovered-name" }, D.names[i] +
        (E.colour && C ? " (" + C.names[E.colour[i]] + ")" : "")));
    });
    if (E.colour && C) {
      var legend = app.appendChild(el("p", { id: "legend" }));
      C.names.forEach(function (name, j) {
        var key = legend.appendChild(el("span", { "class": "key" }));
        key.appendChild(el("span", { "class": "swatch", style: "background:" + PALETTE[j % PALETTE.length] }));
        key.appendChild(document.createTextNode(name + " "));
      });
    }
  }

  function render() {
    var r = route();
    app.textContent = "";
    window.scrollTo(0, 0);
    var view = draw(r);
    document.body.setAttribute("data-view", view);
    AFTER.forEach(function (hook) { hook(view, r); });
  }
  // Draws the view the route names; returns its name.
  function draw(r) {
    if (r.view !== null && Object.prototype.hasOwnProperty.call(VIEWS, r.view)) {
      VIEWS[r.view](r);  // a view registered by name (#view=NAME&...): classes, embedding, live
      return r.view;
    }
    var li = r.layer === null ? undefined : layerIndex[r.layer];
    if (li === undefined) {
      if (r.layer !== null) { app.appendChild(el("p", { "class": "error" }, "No layer named " + r.layer)); }
      networkView();
      return "network";
    }
    var ch = r.ch === null ? NaN : parseInt(r.ch, 10);
    var img = r.img === null ? 0 : parseInt(r.img, 10);
    if (isNaN(ch) || ch < 0 || ch >= D.layers[li].dead.length) {
      layerView(li, isNaN(img) || img < 0 || img >= D.shown ? 0 : img);
      return "layer";
    }
    channelView(li, ch);
    return "channel";
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
  // ExplorerApp.views[NAME] = function (route) {...} draws #view=NAME into ExplorerApp.app;
  // ExplorerApp.after holds functions (viewName, route) called after any view is drawn.
  var VIEWS = {}, AFTER = [];
  if (D.classes) { VIEWS.classes = classesView; }
  if (D.embedding) { VIEWS.embedding = embeddingView; }
  window.ExplorerApp = { data: D, app: app, views: VIEWS, el: el, hashOf: hashOf, route: route,
    render: render, after: AFTER, fmt: fmt, tile: tile, cut: cut, strongest: strongest, layerIndex: layerIndex };
  window.addEventListener("hashchange", render);
  // Drawn once every script has run, so views registered by later scripts open by deep link.
  window.addEventListener("DOMContentLoaded", function () {
    render();
    performance.mark("explorer-drawn");  // when the first view was drawn (the benchmark reads it)
  });
}());
