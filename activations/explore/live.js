// The server's live views (activations serve), registered on window.ExplorerApp (explorer.js):
// #view=live&layer=L&img=ID: a layer's channels on any image (an upload, or one of the set),
// its Grad-CAM and occlusion; #view=probe&a=ID&b=ID&layer=L&box=X0,Y0,X1,Y1&k=K: the eye probe.
// The image dropped last ("yours") shows in every view: the network's strongest channels on
// it, the layer's channels, the channel on it and its place among the set's maxima, its
// classes, its place in the embedding.
// Images are "s<i>" (image i of the set) or an upload's id. Every name is set as text.
(function () {
  "use strict";
  var X = window.ExplorerApp, L = window.EXPLORER_LIVE, D = X.data, el = X.el;
  var uploads = {};  // id -> {name, height, width}
  var current = null;  // the upload every view shows ("yours"): {id, name, height, width}
  var KEY = "activations-live-image";
  try { current = JSON.parse(sessionStorage.getItem(KEY)); } catch (e) { current = null; }
  if (current && (typeof current.id !== "string" || typeof current.name !== "string")) { current = null; }
  if (current) { uploads[current.id] = current; }
  function setCurrent(up) {
    current = up;
    try {
      if (up) { sessionStorage.setItem(KEY, JSON.stringify(up)); } else { sessionStorage.removeItem(KEY); }
    } catch (e) { /* storage refused: the choice lasts until the page is reloaded */ }
  }
  var spatial = L.layers.filter(function (l) { return l.spatial; });
  var byName = {};
  L.layers.forEach(function (l) { byName[l.name] = l; });

  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = "live.css";
  document.head.appendChild(css);

  function api(path, params) {
    return fetch("api/" + path + "?" + new URLSearchParams(params)).then(answer);
  }
  function answer(response) {
    return response.json().then(function (body) {
      if (!response.ok) { throw new Error(body.error || "HTTP " + response.status); }
      return body;
    }, function () { throw new Error("HTTP " + response.status + " from the server"); });
  }
  function imageName(id) {
    if (/^s\d+$/.test(id) && +id.slice(1) < D.n_images) { return D.names[+id.slice(1)]; }
    return uploads[id] ? uploads[id].name : "image " + id;
  }
  function liveHash(layer, img) {
    return "#view=live&layer=" + encodeURIComponent(layer) + "&img=" + encodeURIComponent(img);
  }
  function probeHash(p) {
    var h = "#view=probe&a=" + encodeURIComponent(p.a) + "&b=" + encodeURIComponent(p.b) +
      "&layer=" + encodeURIComponent(p.layer) + "&k=" + p.k;
    return p.box ? h + "&box=" + p.box.join(",") : h;
  }
  function status(text, error) {
    var s = document.getElementById("live-status");
    s.textContent = text;
    s.className = error ? "error" : "note";
  }

  // The bar above every view: upload (or drop anywhere), and the eye probe.
  var bar = el("header", { id: "live-bar" });
  bar.appendChild(el("strong", {}, "Live: "));
  var input = bar.appendChild(el("input", { type: "file", id: "live-file", accept: "image/*" }));
  bar.appendChild(el("span", { "class": "note" }, " or drop an image anywhere | "));
  bar.appendChild(el("a", { href: "#view=probe", id: "probe-link" }, "eye probe"));
  bar.appendChild(el("span", { id: "live-status", "class": "note" }));
  document.body.insertBefore(bar, X.app);

  function currentLayer() {
    var r = X.route();
    if (r.layer !== null && byName[r.layer]) { return r.layer; }
    var explored = D.layers.filter(function (l) { return byName[l.name]; });
    return explored.length ? explored[0].name : L.layers[0].name;
  }
  function send(file) {
    status("uploading " + file.name + " ...");
    return fetch("api/upload", { method: "POST", body: file, headers: {
      "X-Activations": "1", "X-File-Name": encodeURIComponent(file.name),
      "Content-Type": "application/octet-stream" } }).then(answer).then(function (up) {
      uploads[up.id] = up;
      status("uploaded " + up.name + " (" + up.height + "x" + up.width + " as the model sees it)");
      var r = X.route(), view = document.body.getAttribute("data-view");
      if (r.view === "probe") {  // the dropped image becomes image b
        var p = probeParams(r);
        p.b = up.id;
        location.hash = probeHash(p);
        return up;
      }
      setCurrent(up);
      if (view === "live" || view === "layer") {  // the layer's channels on it
        location.hash = liveHash(currentLayer(), up.id);
      } else {
        X.render();  // the same view, now with the image in it
      }
      return up;
    }).catch(function (error) { status("Upload refused: " + error.message, true); });
  }
  input.addEventListener("change", function () { if (input.files.length) { send(input.files[0]); } });
  document.addEventListener("dragover", function (event) { event.preventDefault(); });
  document.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) { send(event.dataTransfer.files[0]); }
  });

  function crumbs(what) {
    var nav = X.app.appendChild(el("nav"));
    nav.appendChild(el("a", { href: "#" }, "network"));
    nav.appendChild(document.createTextNode(" / " + what));
  }
  function select(id, options, chosen) {
    var s = el("select", { id: id });
    options.forEach(function (o) {
      var opt = s.appendChild(el("option", { value: o[0] }, o[1]));
      if (o[0] === chosen) { opt.selected = true; }
    });
    return s;
  }
  function imageOptions() {
    var all = Object.keys(uploads).map(function (id) { return [id, uploads[id].name + " (uploaded)"]; });
    return all.concat(D.names.map(function (n, i) { return ["s" + i, n]; }));
  }

  X.views.live = function (r) {
    var layer = r.layer !== null && byName[r.layer] ? r.layer : currentLayer();
    var img = r.img || "s0";
    if (uploads[img] && (!current || current.id !== img)) { setCurrent(uploads[img]); }
    crumbs("live");
    X.app.appendChild(el("h1", {}, layer + " on " + imageName(img)));
    var form = X.app.appendChild(el("p", { "class": "controls" }));
    form.appendChild(el("span", {}, "Layer "));
    var pickLayer = form.appendChild(select("live-layer", L.layers.map(function (l) {
      return [l.name, l.name + " (" + l.type + ", " + l.shape + ")"]; }), layer));
    form.appendChild(el("span", {}, " image "));
    var pickImage = form.appendChild(select("live-image", imageOptions(), img));
    function go() { location.hash = liveHash(pickLayer.value, pickImage.value); }
    pickLayer.addEventListener("change", go);
    pickImage.addEventListener("change", go);
    if (X.layerIndex[layer] !== undefined) {
      form.appendChild(el("a", { href: X.hashOf(layer) }, " this layer over the set"));
    }
    var row = X.app.appendChild(el("div", { "class": "grid" }));
    row.appendChild(el("img", { src: "api/image?img=" + encodeURIComponent(img), id: "live-image",
      alt: "the image as the model sees it" }));
    var known = X.layerIndex[layer] === undefined ? null : D.layers[X.layerIndex[layer]];
    var note = X.app.appendChild(el("p", { "class": "note" }, "Computed by the server for this image."));
    var sort = X.app.appendChild(el("p"));
    var grid = el("div", { id: "channels", "class": "grid", "data-img": img });
    [["index", "index"], ["strength", "strength"]].forEach(function (pair) {
      sort.appendChild(el("button", { id: "sort-" + pair[0] }, pair[1])).addEventListener(
        "click", function () { if (grid.result) { draw(grid.result, pair[0]); } });
    });
    X.app.appendChild(grid).appendChild(el("p", { "class": "note" }, "computing ..."));
    function draw(result, by) {
      var fake = { grid: result.grid, montages: [result.montage], image_max: [result.max] };
      var idx = by === "strength" ? X.strongest(fake, 0) : result.max.map(function (_, c) { return c; });
      grid.textContent = "";
      grid.setAttribute("data-order", by);
      idx.forEach(function (c) {
        var dead = known !== null && known.dead[c];
        var a = grid.appendChild(el("a", { "class": "channel" + (dead ? " dead" : ""),
          "data-ch": String(c), href: known !== null ? X.hashOf(layer, c) : "#view=live" }));
        if (result.montage) { a.appendChild(X.tile(fake, 0, c)); }
        a.appendChild(el("span", {}, c + ": " + X.fmt(result.max[c]) + (dead ? " dead" : "")));
      });
    }
    api("layer", { img: img, layer: layer }).then(function (result) {
      grid.result = result;
      note.textContent = "Computed by the server for this image: " + (result.montage ?
        "imtile(mat2gray(act)), one gray scale for the whole layer. Strength: the channel's max." :
        "each unit's value.") + (known !== null ? " Dead: constant over all " + D.n_images +
        " image(s) of the set." : "");
      draw(result, "index");
      grid.setAttribute("data-ready", img);
    }).catch(function (error) {
      grid.textContent = "";
      grid.appendChild(el("p", { "class": "error" }, error.message));
    });
    explainSection(img);
  };

  function explainSection(img) {
    X.app.appendChild(el("h2", {}, "Why the model decides"));
    var buttons = X.app.appendChild(el("p"));
    var out = el("div", { id: "explain", "class": "grid" });
    [["gradcam", "Grad-CAM"], ["occlusion", "occlusion sensitivity"]].forEach(function (m) {
      buttons.appendChild(el("button", { id: "explain-" + m[0] }, m[1])).addEventListener("click",
        function () {
          var fig = out.appendChild(el("figure", { "class": "explain", id: "explain-" + m[0] + "-out" }));
          fig.appendChild(el("figcaption", {}, m[1] + ": computing ..."));
          api("explain", { img: img, method: m[0] }).then(function (e) {
            fig.textContent = "";
            fig.appendChild(el("img", { src: e.overlay, alt: m[1] }));
            fig.appendChild(el("figcaption", {}, m[1] + " of class " + e.label + " '" + e["class"] +
              "' (score " + X.fmt(e.score) + " of " + e.layer + "): max " + X.fmt(e.max) +
              " at row " + e.peak[0] + ", column " + e.peak[1] + ". Red: what the class rests on."));
          }).catch(function (error) {
            fig.textContent = "";
            fig.appendChild(el("p", { "class": "error" }, error.message));
          });
        });
    });
    X.app.appendChild(out);
  }

  // Your image in the explorer's own views: a panel under the heading, filled by the server.
  function panel(text) {
    var id = current.id;
    var sec = el("section", { id: "live-panel", "data-img": id });
    var head = sec.appendChild(el("p", { "class": "live-head" }));
    head.appendChild(el("img", { src: "api/image?img=" + encodeURIComponent(id), "class": "live-thumb",
      alt: "your image" }));
    head.appendChild(el("strong", {}, "Your image: " + current.name));
    head.appendChild(el("a", { href: liveHash(currentLayer(), id), id: "live-open" }, " its channels"));
    head.appendChild(el("button", { id: "live-forget" }, "forget it")).addEventListener("click",
      function () { setCurrent(null); X.render(); });
    var body = sec.appendChild(el("div", { "class": "live-body" }));
    body.appendChild(el("p", { "class": "note" }, text || "computing ..."));
    var h1 = X.app.querySelector("h1");
    X.app.insertBefore(sec, h1 ? h1.nextSibling : X.app.firstChild);
    return {
      body: body, id: id,
      live: function () { return sec.isConnected && current !== null && current.id === id; },
      done: function (note) {
        if (note !== undefined) { body.firstChild.textContent = note; }
        sec.setAttribute("data-ready", id);
      },
      fail: function (error) {
        if (!sec.isConnected) { return; }
        body.textContent = "";
        body.appendChild(el("p", { "class": "error" }, error.message));
        sec.setAttribute("data-ready", "error");
      }
    };
  }

  // Network: a last column, each explored layer's strongest channels on your image.
  function onNetwork(p) {
    var table = document.getElementById("network"), nameAt = D.network.columns.indexOf("Name");
    if (!table) { return; }
    var n = 4, cells = {};
    table.querySelector("thead tr").appendChild(el("th", { "class": "live" }, "Strongest on " + current.name));
    Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (tr, i) {
      cells[D.network.rows[i][nameAt]] = tr.appendChild(el("td", { "class": "thumbs live" }));
    });
    api("strongest", { img: p.id, n: n }).then(function (res) {
      if (!p.live()) { return; }
      res.layers.forEach(function (entry) {
        var td = cells[entry.layer];
        if (!td) { return; }
        td.setAttribute("data-channels", entry.channels.join(","));
        entry.channels.forEach(function (c, j) {
          var a = td.appendChild(el("a", { href: X.hashOf(entry.layer, c), "data-ch": String(c),
            title: "channel " + c + ": " + X.fmt(entry.max[j]) }));
          if (entry.tiles) { a.appendChild(X.cut(entry.tiles, entry.grid, j, "tile", "channel " + c)); }
          else { a.textContent = String(c); }
        });
      });
      p.done("The table's last column: each explored layer's " + n + " strongest channels on " +
        "your image, by their max (one gray scale per layer).");
    }).catch(p.fail);
  }

  // Layer: your image first among the images to pick; it opens the layer's channels on it.
  function onLayer(p, r) {
    var pick = document.getElementById("shown");
    if (pick) {
      var a = el("a", { href: liveHash(r.layer, p.id), "class": "shown upload", "data-img": p.id });
      a.appendChild(el("img", { src: "api/image?img=" + encodeURIComponent(p.id), alt: "your image" }));
      a.appendChild(el("span", {}, current.name + " (yours)"));
      pick.insertBefore(a, pick.firstChild);
    }
    p.done("Pick your image (first below) for this layer's channels on it.");
  }

  // Channel: the channel on your image, before and after, and its place among the set's maxima.
  function onChannel(p, r) {
    var li = X.layerIndex[r.layer], layer = D.layers[li], ch = parseInt(r.ch, 10);
    api("layer", { img: p.id, layer: layer.name, pre: layer.pre ? 1 : 0 }).then(function (res) {
      if (!p.live()) { return; }
      var v = res.max[ch];
      var row = p.body.appendChild(el("div", { "class": "grid" }));
      var fig = row.appendChild(el("figure", { "class": "top", id: "live-channel" }));
      if (res.montage) {
        var frame = fig.appendChild(el("div", { "class": "frame" }));
        frame.appendChild(el("img", { src: "api/image?img=" + encodeURIComponent(p.id), alt: "your image" }));
        frame.appendChild(X.cut(res.montage, res.grid, ch, "tile overlay", "channel " + ch + " on your image"));
        var maps = fig.appendChild(el("div", { "class": "pair" }));
        maps.appendChild(X.cut(res.montage, res.grid, ch, "tile", "after")).setAttribute("title", "after");
        if (res.pre_montage) {
          maps.appendChild(X.cut(res.pre_montage, res.grid, ch, "tile", "before")).setAttribute("title", "before");
        }
      }
      fig.appendChild(el("figcaption", {}, current.name + ": max " + (v === null ? "n/a" : X.fmt(v))));
      var h = layer.hist[ch], top = layer.top[ch], below = 0, above = 0;
      if (v === null) { p.done("Channel " + ch + " of " + layer.name + " is not finite on your image."); return; }
      h.counts.forEach(function (count, j) { if (h.edges[j + 1] <= v) { below += count; } });
      top.forEach(function (t) { if (t.v > v) { above += 1; } });
      row.appendChild(el("p", { id: "live-place" }, "Its max on your image, " + X.fmt(v) + ", is at or " +
        "above the max of at least " + below + " of the set's " + D.n_images + " images (the " +
        "histogram's bins wholly below it; the red line below). " + (above < top.length ?
        "It would rank #" + (above + 1) + " of the top " + top.length + "." :
        "It is below the top " + top.length + " (their lowest: " + X.fmt(top[top.length - 1].v) + ").")));
      var bars = document.querySelector("#histogram .bars"), lo = h.edges[0], hi = h.edges[h.edges.length - 1];
      if (bars) {
        var at = hi > lo ? Math.min(1, Math.max(0, (v - lo) / (hi - lo))) : 0.5;
        bars.appendChild(el("div", { id: "live-marker", style: "left:" + (100 * at) + "%",
          title: "your image: " + X.fmt(v) }));
      }
      p.done("Channel " + ch + " of " + layer.name + " on your image (the server computed it" +
        (res.pre_montage ? "; after and before its " + layer.activation : "") + "):");
    }).catch(p.fail);
  }

  // Classes: your image's prediction, and where its score of the class shown would rank.
  function onClasses(p, r) {
    var C = D.classes, n = C.names.length, c = parseInt(r.params.get("c"), 10);
    if (isNaN(c) || c < 0 || c >= n) { c = 0; }
    api("layer", { img: p.id, layer: C.layer }).then(function (res) {
      if (!p.live()) { return; }
      var s = res.max, order = s.map(function (_, j) { return j; });
      order.sort(function (a, b) { return s[b] - s[a] || a - b; });
      var table = p.body.appendChild(el("table", { id: "live-scores" }));
      var head = table.appendChild(el("thead")).appendChild(el("tr"));
      ["class", "score"].forEach(function (t) { head.appendChild(el("th", {}, t)); });
      var body = table.appendChild(el("tbody"));
      order.slice(0, Math.min(3, n)).forEach(function (j) {
        var tr = body.appendChild(el("tr", { "data-c": String(j) }));
        tr.appendChild(el("td", {})).appendChild(el("a", { href: "#view=classes&c=" + j }, C.names[j]));
        tr.appendChild(el("td", { "class": "num" }, X.fmt(s[j])));
      });
      var most = C.ranked[c].most, higher = 0;
      most.forEach(function (i) { if (C.scores[String(i)][c] > s[c]) { higher += 1; } });
      p.body.appendChild(el("p", { id: "live-rank" }, "Its score of " + C.names[c] + ", " + X.fmt(s[c]) +
        (!most.length ? "; no image of the set stands for this class." : higher < most.length ?
        ", would rank #" + (higher + 1) + " among the " + most.length + " most confident shown below." :
        ", is lower than the " + most.length + " most confident shown below.")));
      p.done("Predicted: " + C.names[order[0]] + " (" + C.layer + ", computed by the server). " +
        "Its highest scores:");
    }).catch(p.fail);
  }

  // Embedding: your image among its nearest images of the set (t-SNE maps no new point).
  function onEmbedding(p) {
    var E = D.embedding, k = Math.min(5, E.points.length);
    api("neighbours", { img: p.id, layer: E.layer, pool: E.points.length, k: k }).then(function (res) {
      if (!p.live()) { return; }
      var svg = document.querySelector("#embedding svg"), size = +svg.getAttribute("width");
      var x = 0, y = 0;
      res.neighbours.forEach(function (i) { x += E.points[i][0] / k; y += E.points[i][1] / k; });
      var NS = "http://www.w3.org/2000/svg", ring = document.createElementNS(NS, "circle");
      ring.setAttribute("id", "live-dot");
      ring.setAttribute("cx", (x * size).toFixed(1));
      ring.setAttribute("cy", ((1 - y) * size).toFixed(1));
      ring.setAttribute("r", "8");
      svg.appendChild(ring);
      var row = p.body.appendChild(el("div", { id: "live-neighbours", "class": "grid" }));
      res.neighbours.forEach(function (i, j) {
        var fig = row.appendChild(el("figure", { "class": "top", "data-i": String(i) }));
        var s = E.sprite, pic = fig.appendChild(X.cut(s.src, [s.rows, s.cols], i, "thumb", "image " + i));
        pic.setAttribute("style", pic.getAttribute("style") + ";width:" + (2 * s.w) + "px;height:" + (2 * s.h) + "px");
        fig.appendChild(el("figcaption", {}, D.names[i] + ": " + X.fmt(res.distance[j])));
      });
      p.done("The black ring: your image, at the mean of its " + k + " nearest images of the set " +
        "in " + E.layer + "'s activations (Euclidean distance, below); " +
        (E.method === "tsne" ? "a t-SNE map has no place of its own for a new image." : "placed as in t-SNE."));
    }).catch(p.fail);
  }

  X.after.push(function (view, r) {
    if (!current) { return; }
    if (view === "network") { onNetwork(panel()); }
    else if (view === "layer") { onLayer(panel(), r); }
    else if (view === "channel") { onChannel(panel(), r); }
    else if (view === "classes") { onClasses(panel(), r); }
    else if (view === "embedding") { onEmbedding(panel()); }
  });

  function probeParams(r) {
    var p = r.params, box = (p.get("box") || "").split(",").map(Number);
    var layer = p.get("layer");
    return { a: p.get("a") || "s0", b: p.get("b") || (D.n_images > 1 ? "s1" : "s0"),
      layer: layer !== null && byName[layer] && byName[layer].spatial ? layer :
        (spatial.length ? spatial[spatial.length - 1].name : ""),
      k: Math.max(1, parseInt(p.get("k"), 10) || 3),
      box: box.length === 4 && box.every(function (v) { return v >= 0 && Math.floor(v) === v; }) ? box : null };
  }

  X.views.probe = function (r) {
    var p = probeParams(r);
    crumbs("eye probe");
    X.app.appendChild(el("h1", {}, "Eye probe: the channels of " + p.layer + " that drop from a to b"));
    X.app.appendChild(el("p", { "class": "note" }, "Drag a box on image a. compare_channels " +
      "ranks the channels whose mean response inside the box drops most from a to b (each cell " +
      "weighted by the fraction of it inside); without a box, over the whole map."));
    var form = X.app.appendChild(el("p", { "class": "controls" }));
    var pickA = select("probe-a", imageOptions(), p.a), pickB = select("probe-b", imageOptions(), p.b);
    var pickLayer = select("probe-layer", spatial.map(function (l) {
      return [l.name, l.name + " (" + l.shape + ")"]; }), p.layer);
    var pickK = el("input", { id: "probe-k", type: "number", min: "1", max: "64", value: String(p.k) });
    [["a ", pickA], [" b ", pickB], [" layer ", pickLayer], [" k ", pickK]].forEach(function (pair) {
      form.appendChild(el("span", {}, pair[0]));
      form.appendChild(pair[1]).addEventListener("change", function () {
        location.hash = probeHash({ a: pickA.value, b: pickB.value, layer: pickLayer.value,
          k: Math.max(1, parseInt(pickK.value, 10) || 3), box: pickA.value === p.a ? p.box : null });
      });
    });
    var pair = X.app.appendChild(el("div", { "class": "grid" }));
    var frame = pair.appendChild(el("figure", { "class": "probe" }))
      .appendChild(el("div", { "class": "probe-frame", id: "probe-frame" }));
    var imgA = frame.appendChild(el("img", { src: "api/image?img=" + encodeURIComponent(p.a),
      alt: "image a", draggable: "false" }));
    var boxDiv = frame.appendChild(el("div", { id: "probe-box" }));
    frame.parentNode.appendChild(el("figcaption", {}, "a: " + imageName(p.a)));
    var figB = pair.appendChild(el("figure", { "class": "probe" }));
    var imgB = figB.appendChild(el("img", { src: "api/image?img=" + encodeURIComponent(p.b), alt: "image b" }));
    figB.appendChild(el("figcaption", {}, "b: " + imageName(p.b)));
    imgA.addEventListener("load", function () {
      var n = Math.max(imgA.naturalWidth, imgA.naturalHeight);
      var zoom = Math.max(1, Math.floor(320 / n));
      imgA.style.width = imgB.style.width = (imgA.naturalWidth * zoom) + "px";
      frame.setAttribute("data-zoom", String(zoom));
      showBox(p.box);
    });
    function showBox(b) {
      boxDiv.style.display = b ? "block" : "none";
      if (!b) { return; }
      var w = imgA.naturalWidth, h = imgA.naturalHeight;
      boxDiv.style.left = (100 * b[0] / w) + "%";
      boxDiv.style.top = (100 * b[1] / h) + "%";
      boxDiv.style.width = (100 * (b[2] - b[0]) / w) + "%";
      boxDiv.style.height = (100 * (b[3] - b[1]) / h) + "%";
    }
    // A pointer position as the nearest pixel edge of image a (ends of a box are excluded).
    function edge(event) {
      var rect = imgA.getBoundingClientRect();
      var x = Math.round((event.clientX - rect.left) / rect.width * imgA.naturalWidth);
      var y = Math.round((event.clientY - rect.top) / rect.height * imgA.naturalHeight);
      return [Math.min(Math.max(x, 0), imgA.naturalWidth), Math.min(Math.max(y, 0), imgA.naturalHeight)];
    }
    var start = null;
    function dragged(event) {
      var end = edge(event);
      return [Math.min(start[0], end[0]), Math.min(start[1], end[1]),
        Math.max(start[0], end[0]), Math.max(start[1], end[1])];
    }
    frame.addEventListener("mousedown", function (event) { event.preventDefault(); start = edge(event); });
    frame.addEventListener("mousemove", function (event) { if (start) { showBox(dragged(event)); } });
    window.addEventListener("mouseup", function once(event) {
      if (!start || !frame.isConnected) { window.removeEventListener("mouseup", once); return; }
      var b = dragged(event);
      start = null;
      p.box = b[2] > b[0] && b[3] > b[1] ? b : null;
      location.hash = probeHash(p);
    });
    var where = X.app.appendChild(el("p", { id: "probe-where", "class": "note" }, "computing ..."));
    var table = X.app.appendChild(el("table", { id: "probe-table" }));
    var figure = X.app.appendChild(el("div", { id: "probe-figure" }));
    if (!p.layer) { where.textContent = "The model has no layer of (H, W, C) maps to compare."; return; }
    api("probe", { a: p.a, b: p.b, layer: p.layer, k: p.k, box: p.box ? p.box.join(",") : "" })
      .then(function (res) { probeResult(res, where, table, figure); })
      .catch(function (error) { where.textContent = error.message; where.className = "error"; });
  };

  function probeResult(res, where, table, figure) {
    where.textContent = res.layer + ": inside " + res.where + " of a (" + X.fmt(res.area_inside) +
      " of the " + res.map_shape.join("x") + " cells); " + res.n_dropping + " of " + res.n_channels +
      " channels drop, the " + res.channels.length + " that drop most:";
    var head = table.appendChild(el("thead")).appendChild(el("tr"));
    ["rank", "channel", "mean inside a", "mean inside b", "drop", "drop %"].forEach(function (h) {
      head.appendChild(el("th", {}, h)); });
    var body = table.appendChild(el("tbody"));
    res.channels.forEach(function (c, i) {
      var tr = body.appendChild(el("tr", { "data-ch": String(c) }));
      [i + 1, c, X.fmt(res.inside_a[i]), X.fmt(res.inside_b[i]), X.fmt(res.drop[i]),
        res.drop_pct[i] === null ? "n/a" : X.fmt(res.drop_pct[i])].forEach(function (v) {
        tr.appendChild(el("td", { "class": "num" }, String(v))); });
    });
    table.setAttribute("data-channels", res.channels.join(","));
    if (res.figure) {
      figure.appendChild(el("img", { src: res.figure, alt: "plot_compare of the ranked channels" }));
    }
  }
}());
