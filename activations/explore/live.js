// The server's live views (activations serve), registered on window.ExplorerApp (explorer.js):
// #view=live&layer=L&img=ID: a layer's channels on any image (an upload, or one of the set),
// its Grad-CAM and occlusion; #view=probe&a=ID&b=ID&layer=L&box=X0,Y0,X1,Y1&k=K: the eye probe.
// Images are "s<i>" (image i of the set) or an upload's id. Every name is set as text.
(function () {
  "use strict";
  var X = window.ExplorerApp, L = window.EXPLORER_LIVE, D = X.data, el = X.el;
  var uploads = {};  // id -> {name, height, width}
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
      var r = X.route();
      if (r.view === "probe") {  // the dropped image becomes image b
        var p = probeParams(r);
        p.b = up.id;
        location.hash = probeHash(p);
      } else {
        location.hash = liveHash(currentLayer(), up.id);
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
