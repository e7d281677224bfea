/* Riskline console: CSRF header on HTMX requests, linked-entity graphs drawn with cytoscape.js.
   No inline scripts anywhere (the Content-Security-Policy allows only files from /static). */
(function () {
  "use strict";

  function base() { return document.body.dataset.base || ""; }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  // Every HTMX request carries the session's CSRF token (forms also carry it as a field).
  document.addEventListener("htmx:config:request", function (evt) {
    var ctx = evt.detail && evt.detail.ctx;
    if (ctx && ctx.request && ctx.request.headers) {
      ctx.request.headers["X-CSRF-Token"] = csrfToken();
    }
  });

  // Buttons that ask before acting: <button data-confirm="Really?">.
  document.addEventListener("submit", function (evt) {
    var btn = evt.submitter;
    if (btn && btn.dataset.confirm && !window.confirm(btn.dataset.confirm)) {
      evt.preventDefault();
      evt.stopImmediatePropagation();
    }
  }, true);

  var loading = null;
  function loadCytoscape() {
    if (window.cytoscape) { return Promise.resolve(); }
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = base() + "/static/cytoscape.min.js";
        s.onload = resolve;
        s.onerror = function () { reject(new Error("cannot load cytoscape.min.js")); };
        document.head.appendChild(s);
      });
    }
    return loading;
  }

  var KIND_COLOURS = {
    account: "#3b6fb6", person: "#7b4fb0", device: "#5a8f3c", phone: "#8a8a2e", id: "#a06030",
    ip: "#607080", card: "#b03a6e", merchant: "#2e8a88", enterprise: "#444444"
  };

  var STYLE = [
    { selector: "node", style: {
      "label": "data(label)", "font-size": 9, "color": "#222", "text-valign": "bottom",
      "text-margin-y": 3, "width": 18, "height": 18, "border-width": 1, "border-color": "#fff",
      "background-color": function (n) { return KIND_COLOURS[n.data("kind")] || "#888"; }
    } },
    { selector: "node[risk >= 0.5]", style: { "background-color": "#e07b00" } },
    { selector: "node[?flagged]", style: { "border-width": 4, "border-color": "#c62828" } },
    { selector: "node[?center]", style: { "width": 30, "height": 30, "border-width": 4,
      "border-color": "#111", "font-weight": "bold" } },
    { selector: "edge", style: {
      "width": 1.5, "line-color": "#aab", "curve-style": "bezier", "label": "data(label)",
      "font-size": 7, "color": "#667", "text-rotation": "autorotate"
    } }
  ];

  function message(el, text) {
    el.textContent = text;
    el.classList.add("empty");
  }

  function draw(el) {
    if (el.dataset.drawn) { return; }
    el.dataset.drawn = "1";
    var data = fetch(el.dataset.src, {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (r) { return r.json(); });
    Promise.all([loadCytoscape(), data]).then(function (res) {
      var graph = res[1];
      if (!graph.nodes || graph.nodes.length === 0) {
        message(el, "This entity is not in the link graph.");
        return;
      }
      var cy = window.cytoscape({
        container: el,
        elements: graph.nodes.concat(graph.edges),
        style: STYLE,
        layout: { name: "cose", animate: false, randomize: false, nodeRepulsion: 9000 },
        wheelSensitivity: 0.3
      });
      cy.on("tap", "node", function (evt) {
        var url = evt.target.data("url");
        if (url) { window.location.href = url; }
      });
      el.dataset.nodes = String(graph.nodes.length);
      el.dataset.edges = String(graph.edges.length);
      el.classList.add("drawn");
      if (graph.truncated) { el.title = "Only part of the neighbourhood is shown."; }
    }).catch(function (err) {
      message(el, "The graph could not be drawn: " + err.message);
    });
  }

  function scan() {
    document.querySelectorAll(".graph[data-src]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", scan);
  document.addEventListener("htmx:after:swap", scan);
})();
