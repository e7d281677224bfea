/*
 * Riskline fingerprint collector: gathers raw browser components (the kind FingerprintJS
 * reads) and POSTs them as JSON. No dependencies, no storage, no network access except the
 * one POST to the URL you give (your backend, which forwards them to Riskline with its key).
 *
 *   <script src="/stepup/collector.js"></script>
 *   RisklineCollector.collect().then(function (c) { ... });               // just the components
 *   RisklineCollector.send("/my-backend/stepup/ch_123/device");           // collect and POST
 *
 * The POST body is {"components": {...}} matching Riskline's ComponentsIn schema.
 */
(function (root) {
  "use strict";

  function hash(text) {
    // 53-bit FNV-1a style string hash (cyrb53), hex: enough to compare rendering outputs.
    var h1 = 0xdeadbeef, h2 = 0x41c6ce57;
    for (var i = 0; i < text.length; i++) {
      var ch = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16);
  }

  function safe(fn, fallback) {
    try { var v = fn(); return v === undefined ? fallback : v; } catch (e) { return fallback; }
  }

  function canvasHash() {
    var c = document.createElement("canvas");
    c.width = 240; c.height = 60;
    var ctx = c.getContext("2d");
    if (!ctx) return null;
    ctx.textBaseline = "top";
    ctx.font = "14px 'Arial'";
    ctx.fillStyle = "#f60"; ctx.fillRect(100, 1, 62, 20);
    ctx.fillStyle = "#069"; ctx.fillText("Riskline \u{1F600} 风控 <canvas> 1.0", 2, 15);
    ctx.fillStyle = "rgba(102, 204, 0, 0.7)"; ctx.fillText("Riskline \u{1F600} 风控", 4, 35);
    ctx.globalCompositeOperation = "multiply";
    ctx.beginPath(); ctx.arc(50, 30, 20, 0, Math.PI * 2); ctx.fillStyle = "rgb(255,0,255)"; ctx.fill();
    return hash(c.toDataURL());
  }

  function webgl() {
    var c = document.createElement("canvas");
    var gl = c.getContext("webgl") || c.getContext("experimental-webgl");
    if (!gl) return { vendor: null, renderer: null };
    var ext = gl.getExtension("WEBGL_debug_renderer_info");
    return {
      vendor: ext ? gl.getParameter(ext.UNMASKED_VENDOR_WEBGL) : gl.getParameter(gl.VENDOR),
      renderer: ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER)
    };
  }

  function audioHash() {
    var Ctx = root.OfflineAudioContext || root.webkitOfflineAudioContext;
    if (!Ctx) return Promise.resolve(null);
    return new Promise(function (resolve) {
      var ctx = new Ctx(1, 5000, 44100);
      var osc = ctx.createOscillator(); osc.type = "triangle"; osc.frequency.value = 10000;
      var comp = ctx.createDynamicsCompressor();
      comp.threshold.value = -50; comp.knee.value = 40; comp.ratio.value = 12;
      comp.attack.value = 0; comp.release.value = 0.25;
      osc.connect(comp); comp.connect(ctx.destination); osc.start(0);
      var timer = setTimeout(function () { resolve(null); }, 1000);
      ctx.oncomplete = function (e) {
        clearTimeout(timer);
        var data = e.renderedBuffer.getChannelData(0), sum = 0;
        for (var i = 4500; i < 5000; i++) sum += Math.abs(data[i]);
        resolve(hash(sum.toString()));
      };
      ctx.startRendering();
    });
  }

  var FONTS = [
    "Arial", "Arial Black", "Calibri", "Cambria", "Consolas", "Courier New", "Georgia",
    "Helvetica Neue", "Menlo", "Monaco", "Segoe UI", "Tahoma", "Times New Roman", "Verdana",
    "Microsoft YaHei", "SimSun", "SimHei", "PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC",
    "Roboto", "Ubuntu", "DejaVu Sans", "Liberation Sans", "Droid Sans Mono", "Avenir",
    "Futura", "Gill Sans", "Lucida Grande", "MS Gothic", "Meiryo", "Malgun Gothic",
    "Source Han Sans", "WenQuanYi Micro Hei", "Fira Sans", "Open Sans", "Optima", "Palatino"
  ];

  function fonts() {
    // A font is present when text in it measures differently from every generic fallback.
    var c = document.createElement("canvas").getContext("2d");
    if (!c) return [];
    var probe = "mmmmmmmmmmlli风控WwQq@", bases = ["monospace", "sans-serif", "serif"], base = {};
    bases.forEach(function (b) { c.font = "72px " + b; base[b] = c.measureText(probe).width; });
    return FONTS.filter(function (f) {
      return bases.some(function (b) {
        c.font = "72px '" + f + "', " + b;
        return c.measureText(probe).width !== base[b];
      });
    });
  }

  function collect() {
    var nav = root.navigator || {}, scr = root.screen || {}, gl = safe(webgl, {});
    var components = {
      canvas: safe(canvasHash, null),
      webglVendor: gl.vendor || null,
      webglRenderer: gl.renderer || null,
      fonts: safe(fonts, []),
      screen: scr.width ? { width: scr.width, height: scr.height } : null,
      colorDepth: scr.colorDepth || null,
      pixelRatio: root.devicePixelRatio || null,
      timezone: safe(function () { return Intl.DateTimeFormat().resolvedOptions().timeZone; }, null),
      languages: (nav.languages && nav.languages.length ? nav.languages : [nav.language]).filter(Boolean).slice(0, 20),
      platform: nav.platform || null,
      hardwareConcurrency: nav.hardwareConcurrency || null,
      deviceMemory: nav.deviceMemory || null,
      maxTouchPoints: typeof nav.maxTouchPoints === "number" ? nav.maxTouchPoints : null,
      userAgent: nav.userAgent || null,
      webdriver: nav.webdriver === true
    };
    return safe(audioHash, Promise.resolve(null)).then(function (audio) {
      components.audio = audio;
      return components;
    });
  }

  function send(url, headers) {
    return collect().then(function (components) {
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: Object.assign({ "Content-Type": "application/json" }, headers || {}),
        body: JSON.stringify({ components: components })
      });
    });
  }

  root.RisklineCollector = { collect: collect, send: send, hash: hash };
})(typeof window !== "undefined" ? window : this);
