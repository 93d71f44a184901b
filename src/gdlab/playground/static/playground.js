// gdlab playground: the page. Plain JavaScript and canvas; every number it shows comes from the server,
// where gdlab trains the network. Settings live in the URL hash, so a link reproduces the setup.
"use strict";

const BATCH_SIZES = [1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 16, 20, 25, 30, 32, 40, 50, 64, 100, 128, "full"];
const CLIENT_FLAGS = ["showTestData", "discretize"];
const ORANGE = [245, 147, 34], BLUE = [8, 119, 189], WHITE = [232, 234, 235];
const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- language
// The page speaks <html lang> (the server sets it from ?lang=, else its own language); its messages come from
// /api/messages. t() fills {name} placeholders as gdlab.i18n.catalog.render does; a parameter that is a DOM node
// is put in place, and t() then returns a fragment (static text: data-i18n, data-i18n-title, data-slot).
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const i18n = { lang: document.documentElement.lang || "en", messages: {} };
function t(key, params = {}) {
  const text = i18n.messages[key];
  if (text === undefined) throw new Error(`no message ${key}`);
  const names = new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1])), given = Object.keys(params);
  if (given.length !== names.size || !given.every((n) => names.has(n)))
    throw new Error(`message ${key} (${i18n.lang}): parameters ${[...names].join(", ")}, given ${given.join(", ")}`);
  if (!given.some((n) => params[n] instanceof Node)) return text.replace(PLACEHOLDER, (m, name) => String(params[name]));
  const out = document.createDocumentFragment();
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    out.append(text.slice(last, m.index), params[m[1]] instanceof Node ? params[m[1]] : String(params[m[1]]));
    last = m.index + m[0].length;
  }
  out.append(text.slice(last));
  return out;
}
function canvasFont(px) { return `${px}px sans-serif, "gdlab CJK"`; } // the embedded font for Chinese on canvases
function translatePage() {
  document.querySelectorAll("[data-i18n]").forEach((el) => {
    const slots = {};
    el.querySelectorAll("[data-slot]").forEach((s) => { if (s.parentElement.closest("[data-i18n]") === el) slots[s.dataset.slot] = s; });
    el.replaceChildren(t(el.dataset.i18n, slots));
  });
  document.querySelectorAll("[data-i18n-title]").forEach((el) => { el.title = t(el.dataset.i18nTitle); });
  document.querySelectorAll(".languages a").forEach((a) => {
    a.classList.toggle("current", a.dataset.lang === i18n.lang);
    a.onclick = (e) => { e.preventDefault(); location.assign(`?lang=${a.dataset.lang}${location.hash}`); }; // the settings stay
  });
}
async function loadLanguage() {
  const json = await (await transport.fetch(`/api/messages?lang=${encodeURIComponent(i18n.lang)}`)).json();
  i18n.lang = json.lang;
  i18n.messages = json.messages;
  document.documentElement.lang = i18n.lang;
  translatePage();
  if (i18n.lang !== "en") await document.fonts.load(canvasFont(12), "中文"); // canvases draw with it at once
}
function scheduleLabel(name) {
  return { none: t("playground.schedule_none"), exponential: t("playground.schedule_exponential"),
    inverse_time: t("playground.schedule_inverse_time"), step: t("playground.schedule_step"),
    cosine: t("playground.schedule_cosine") }[name] || name;
}
function datasetLabel(name) {
  return { circle: t("playground.dataset_circle"), xor: t("playground.dataset_xor"), gauss: t("playground.dataset_gauss"),
    spiral: t("playground.dataset_spiral"), plane: t("playground.dataset_plane"),
    multigauss: t("playground.dataset_multigauss") }[name] || name;
}

window.gdlabState = { epoch: 0, iteration: 0, trainLoss: null, testLoss: null };

const page = {
  options: null, session: null, source: null, settings: {}, b: null, flags: { showTestData: false, discretize: false },
  data: null, runs: [], curves: [[], []], pictures: [], playing: false, generation: null, problem: "classification",
};

// ---------------------------------------------------------------- colours
function mix(a, b, t) { return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t)); }
function colour(v) { // v in [−1, 1]: orange … white … blue
  return v < 0 ? mix(WHITE, ORANGE, Math.min(1, -v)) : mix(WHITE, BLUE, Math.min(1, v));
}
function decode(b64) {
  const bin = atob(b64), out = new Float32Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i) / 127.5 - 1;
  return out;
}
function paintMap(ctx, values, side, x, y, w, h, discretize, strength = 1) {
  const img = ctx.createImageData(side, side);
  for (let i = 0; i < values.length; i++) {
    let v = values[i];
    if (discretize) v = v >= 0 ? 1 : -1;
    const [r, g, b] = colour(v * strength);
    img.data.set([r, g, b, 255], 4 * i);
  }
  const tmp = document.createElement("canvas");
  tmp.width = tmp.height = side;
  tmp.getContext("2d").putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tmp, x, y, w, h);
}
function fmt(v) {
  if (v === null || v === undefined) return "—";
  return Math.abs(v) >= 1000 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(3);
}

// ---------------------------------------------------------------- the URL hash
function toHash() {
  const parts = [];
  const put = (k, v) => parts.push(`${k}=${encodeURIComponent(Array.isArray(v) ? v.join(",") : v)}`);
  for (const [k, v] of Object.entries(page.settings)) {
    if (k === "hyper") for (const [h, hv] of Object.entries(v)) put(`hyper.${h}`, hv);
    else put(k, v);
  }
  for (const f of CLIENT_FLAGS) if (page.flags[f]) put(f, "true");
  if (page.b) for (const [k, v] of Object.entries(page.b)) {
    if (k === "hyper") for (const [h, hv] of Object.entries(v)) put(`b.hyper.${h}`, hv);
    else put(`b.${k}`, v);
  }
  history.replaceState(null, "", "#" + parts.join("&"));
}
function parseValue(field, text) {
  const spec = page.options.fields[field];
  if (!spec) return text;
  if (spec.kind === "int" || spec.kind === "float") return Number(text);
  if (spec.kind === "batch") return text === "full" ? "full" : Number(text);
  if (spec.kind === "bool") return text === "true";
  if (spec.kind === "shape") return text === "" ? [] : text.split(",").map(Number);
  if (spec.kind === "features") return text === "" ? [] : text.split(",");
  return text;
}
function parseHyper(text) { return text === "true" ? true : text === "false" ? false : Number(text); }
function fromHash() {
  const settings = {}, b = {}, flags = {};
  const hash = location.hash.replace(/^#/, "");
  if (!hash) return { settings, b: null, flags };
  for (const part of hash.split("&")) {
    const i = part.indexOf("=");
    if (i < 0) continue;
    const key = part.slice(0, i), text = decodeURIComponent(part.slice(i + 1));
    if (CLIENT_FLAGS.includes(key)) flags[key] = text === "true";
    else if (key.startsWith("b.hyper.")) (b.hyper = b.hyper || {})[key.slice(8)] = parseHyper(text);
    else if (key.startsWith("b.")) b[key.slice(2)] = parseValue(key.slice(2), text);
    else if (key.startsWith("hyper.")) (settings.hyper = settings.hyper || {})[key.slice(6)] = parseHyper(text);
    else settings[key] = parseValue(key, text);
  }
  return { settings, b: Object.keys(b).length ? b : null, flags };
}

// ---------------------------------------------------------------- talking to the server
// One interface, two transports: HTTP (fetch, EventSource, links) when `gdlab playground` serves the page, or
// messages when the page runs in a notebook widget's iframe (gdlab.playground.widget; the protocol is in
// gdlab/playground/notebook.py): requests and frames travel by postMessage to the widget's script and on to Python.
const transport = window.gdlabWidget ? widgetTransport() : httpTransport();
function httpTransport() {
  return {
    fetch: (path, init) => fetch(path, init),
    listen(session, handlers) {
      const source = new EventSource(`/api/sessions/${session}/events?lang=${i18n.lang}`);
      for (const [event, handle] of Object.entries(handlers)) source.addEventListener(event, (e) => handle(JSON.parse(e.data)));
      return source;
    },
    link(a, session, run, file) { a.href = `/api/sessions/${session}/export/${run}/${file}`; },
    close(session) { fetch(`/api/sessions/${session}`, { method: "DELETE", keepalive: true }); },
  };
}
function widgetTransport() {
  const pending = new Map(), handlers = {}, tag = Math.random().toString(36).slice(2); // tag: this view's requests
  let next = 0;
  const post = (message) => window.parent.postMessage({ gdlab: message }, "*");
  window.addEventListener("message", (e) => {
    const m = e.source === window.parent && e.data && e.data.gdlab;
    if (m && m.event && handlers[m.event]) handlers[m.event](m.frame);
    else if (m && pending.has(m.response)) { pending.get(m.response)(m); pending.delete(m.response); }
  });
  new ResizeObserver(() => post({ height: document.documentElement.scrollHeight })).observe(document.body);
  const request = (method, path, body) => new Promise((resolve) => {
    const id = `${tag}-${next++}`;
    pending.set(id, resolve);
    post({ request: id, method, path, body });
  });
  const self = {
    async fetch(path, init = {}) {
      const m = await request(init.method || "GET", path, init.body);
      return { ok: m.status < 400, status: m.status, json: async () => m.json, file: m.file };
    },
    listen(session, on) { Object.assign(handlers, on); post({ listen: session }); return { close() {} }; },
    link(a, session, run, file) { // asked for when clicked (the run as it is then), saved as a Blob
      a.href = "#";
      a.onclick = async (e) => {
        e.preventDefault();
        const res = await self.fetch(`/api/sessions/${session}/export/${run}/${file}`);
        if (!res.ok) { const json = await res.json(); showError(t("playground.field_error", { field: json.field, detail: json.detail }), "export"); return; }
        const bytes = Uint8Array.from(atob(res.file.base64), (c) => c.charCodeAt(0));
        const save = document.createElement("a");
        save.href = URL.createObjectURL(new Blob([bytes], { type: res.file.media }));
        save.download = res.file.name;
        save.click();
        setTimeout(() => URL.revokeObjectURL(save.href), 10_000);
      };
    },
    close() {}, // the session is the Python widget's: it ends with the widget, not with this view of it
  };
  return self;
}
async function api(method, path, body) {
  const res = await transport.fetch(path, { method, headers: { "Content-Type": "application/json", "Accept-Language": i18n.lang },
    body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await res.json();
  if (!res.ok) throw new Error(t("playground.field_error", { field: json.field, detail: json.detail }));
  return json;
}
function showError(text, kind) {
  const box = $("error-box");
  box.hidden = !text;
  box.textContent = text || "";
  box.dataset.kind = text ? kind : "";
}
function applySession(json) {
  page.settings = json.settings;
  page.b = json.b ? Object.fromEntries(page.options.optimizerFields.map((k) => [k, json.b[k]])) : null;
  toHash();
  renderControls();
}
async function startSession(settings, b) {
  let json;
  try {
    json = await api("POST", "/api/sessions", { settings, b });
  } catch (err) {
    showError(t("playground.link_refused", { error: err.message }), "settings");
    json = await api("POST", "/api/sessions", { settings: {}, b: null });
  }
  page.session = json.id;
  applySession(json);
  listen();
}
async function configure(changes, bChanges) {
  const settings = Object.assign({}, page.settings, changes || {});
  let b = page.b;
  if (bChanges !== undefined) b = bChanges === null ? null : Object.assign({}, page.b || {}, bChanges);
  try {
    applySession(await api("PUT", `/api/sessions/${page.session}/settings`, { settings, b }));
    showError("");
  } catch (err) {
    showError(err.message, "settings");
    renderControls();
  }
}
function control(action) { return api("POST", `/api/sessions/${page.session}/${action}`); }

function listen() {
  if (page.source) page.source.close();
  page.source = transport.listen(page.session, { data: onData, metrics: onMetrics, picture: onPicture });
}

function onData(frame) {
  page.generation = frame.generation;
  page.data = frame;
  page.problem = frame.problem;
  page.curves = [[], []];
  page.pictures = [];
  drawHeatmaps();
  drawChart();
}
function onMetrics(frame) {
  if (frame.generation !== page.generation) return;
  page.runs = frame.runs;
  page.playing = frame.playing;
  frame.runs.forEach((run, i) => {
    const curve = page.curves[i];
    curve.length = run.curveFrom;
    for (const p of run.curve) curve.push(p);
  });
  const a = frame.runs[0];
  window.gdlabState = { epoch: a.epoch, iteration: a.iteration, trainLoss: a.trainLoss, testLoss: a.testLoss };
  $("epoch-number").textContent = String(a.epoch).padStart(6, "0").replace(/(\d{3})$/, ",$1");
  $("iteration-number").textContent = a.iteration;
  $("epoch-of-iteration").textContent = a.epoch;
  $("iterations-per-epoch").textContent = a.iterationsPerEpoch;
  $("loss-train").textContent = fmt(a.trainLoss);
  $("loss-test").textContent = fmt(a.testLoss);
  $("lr-now").textContent = frame.runs.map((r) => `${r.label}: ${fmt(r.learningRate)}`).join("  ");
  const b = frame.runs[1];
  $("loss-train-b").textContent = b ? `(B ${fmt(b.trainLoss)})` : "";
  $("loss-test-b").textContent = b ? `(B ${fmt(b.testLoss)})` : "";
  const errors = frame.runs.filter((r) => r.error).map((r) => (r.error.includes("clipnorm=")
    ? t("playground.run_error_clip", { label: r.label, error: r.error }) : t("playground.run_error", { label: r.label, error: r.error })));
  if (errors.length) showError(errors.join("\n\n"), "divergence");
  else if ($("error-box").dataset.kind === "divergence") showError("");
  showClip();
  const btn = $("play-pause-button");
  btn.textContent = page.playing ? "❚❚" : "▶";
  btn.classList.toggle("playing", page.playing);
  drawChart();
}
function onPicture(frame) {
  if (frame.generation !== page.generation) return;
  page.pictures = frame.runs;
  drawHeatmaps();
  drawNetwork();
}

// ---------------------------------------------------------------- drawing: heatmaps and data
function drawHeatmaps() {
  ["a", "b"].forEach((which, i) => {
    const canvas = $(`heatmap-${which}`), ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const pic = page.pictures[i];
    if (pic) paintMap(ctx, decode(pic.output), 40, 0, 0, canvas.width, canvas.height, page.flags.discretize, 0.6);
    drawPoints(ctx, canvas.width);
    const opt = i === 0 ? page.settings : page.b;
    const words = opt && { run: which.toUpperCase(), optimizer: opt.optimizer, convention: opt.convention, eta: opt.learningRate };
    if (opt) $(`caption-${which}`).textContent =
      pic ? t("playground.caption_at_epoch", { ...words, epoch: pic.epoch }) : t("playground.caption", words);
  });
}
function drawPoints(ctx, size) {
  if (!page.data) return;
  const r = page.options.radius, scale = (v) => ((v + r) / (2 * r)) * size;
  const sets = [[page.data.train, "#fff"]];
  if (page.flags.showTestData) sets.push([page.data.test, "#000"]);
  for (const [points, edge] of sets) {
    for (const [x1, x2, label] of points) {
      const v = page.problem === "classification" ? 2 * label - 1 : label;
      ctx.beginPath();
      ctx.arc(scale(x1), size - scale(x2), 3, 0, 2 * Math.PI);
      ctx.fillStyle = `rgb(${colour(v === 0 ? 0 : Math.sign(v) * Math.max(0.6, Math.abs(v))).join(",")})`;
      ctx.fill();
      ctx.strokeStyle = edge;
      ctx.lineWidth = 1;
      ctx.stroke();
    }
  }
}
function drawChart() {
  const canvas = $("loss-chart"), ctx = canvas.getContext("2d");
  canvas.width = page.b ? 470 : 280; // the width of the heatmaps under it
  const w = canvas.width, h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, w, h);
  const curves = page.curves.filter((c) => c.length);
  canvas.dataset.curves = curves.length;
  if (!curves.length) return;
  const lastEpoch = Math.max(...curves.map((c) => c[c.length - 1][0])), maxEpoch = Math.max(1, lastEpoch);
  let maxLoss = 0;
  for (const c of curves) for (const [, a, b] of c) maxLoss = Math.max(maxLoss, a || 0, b || 0);
  // a diverging loss would flatten the rest: the scale stops a little above the divergence line
  const starts = curves.map((c) => c[0][1] || 0), line = page.options.divergenceFactor * Math.max(...starts);
  maxLoss = Math.min(maxLoss, 1.25 * line) || 1;
  const styles = [[["#333", []], ["#aaa", []]], [["#c0392b", [5, 3]], ["#e8a49c", [5, 3]]]];
  curves.forEach((c, i) => [1, 2].forEach((k) => {
    const [stroke, dash] = styles[i][k - 1];
    ctx.strokeStyle = stroke;
    ctx.setLineDash(dash);
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    const step = Math.max(1, Math.floor(c.length / w));
    for (let j = 0; j < c.length; j = j + step < c.length || j === c.length - 1 ? j + step : c.length - 1) {
      const x = (c[j][0] / maxEpoch) * (w - 4) + 2, v = c[j][k];
      const y = v === null ? 0 : h - 2 - (Math.min(v, maxLoss) / maxLoss) * (h - 14); // non-finite: off the top
      j === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y);
      if (v === null) break;
    }
    ctx.stroke();
  }));
  ctx.setLineDash([]);
  if (line <= maxLoss) { // the divergence line: training loss above it stops the run
    const y = h - 2 - (line / maxLoss) * (h - 14);
    ctx.strokeStyle = "#e08080"; ctx.setLineDash([2, 3]); ctx.beginPath(); ctx.moveTo(0, y); ctx.lineTo(w, y); ctx.stroke(); ctx.setLineDash([]);
  }
  ctx.font = canvasFont(10);
  curves.forEach((c, i) => { // where a run diverged: a red bar and its label
    const run = page.runs[i];
    if (!run || !run.error) return;
    const x = (c[c.length - 1][0] / maxEpoch) * (w - 4) + 2;
    ctx.fillStyle = "#c0392b"; ctx.fillRect(x - 1, 12, 2, h - 14);
    ctx.textAlign = x > w / 2 ? "right" : "left";
    ctx.fillText(t("playground.chart_diverged", { run: run.label, epoch: c[c.length - 1][0] }), x + (x > w / 2 ? -4 : 4), 24 + 11 * i);
    ctx.textAlign = "left";
  });
  ctx.fillStyle = "#777";
  ctx.font = canvasFont(10);
  const caption = curves.length > 1 ? t("playground.chart_caption_ab", { max: fmt(maxLoss), epoch: lastEpoch })
    : t("playground.chart_caption", { max: fmt(maxLoss), epoch: lastEpoch });
  canvas.dataset.caption = caption;
  ctx.fillText(caption, 4, 10);
}

// ---------------------------------------------------------------- drawing: the network
const NET = { thumb: 34, top: 24, featureX: 52, firstLayerX: 150, outputX: 450 };
function networkLayout() {
  const feats = Object.keys(page.options.features), shape = page.settings.networkShape || [];
  const layers = [];
  const colGap = shape.length ? (NET.outputX - 40 - NET.firstLayerX) / Math.max(1, shape.length) : 0;
  const nodes = (n, x) => Array.from({ length: n }, (_, i) => ({ x, y: NET.top + i * (NET.thumb + 16) }));
  layers.push(nodes(feats.length, NET.featureX));
  shape.forEach((units, i) => layers.push(nodes(units, NET.firstLayerX + i * colGap)));
  layers.push([{ x: NET.outputX - NET.thumb / 2, y: NET.top + 2 * (NET.thumb + 16) }]);
  return { feats, layers };
}
function featureMap(name) {
  const side = 20, r = page.options.radius, out = new Float32Array(side * side);
  const f = { x1: (a) => a, x2: (a, b) => b, x1sq: (a) => a * a, x2sq: (a, b) => b * b, x1x2: (a, b) => a * b,
              sinx1: (a) => Math.sin(a), sinx2: (a, b) => Math.sin(b) }[name];
  const scale = { x1sq: r * r, x2sq: r * r, x1x2: r * r, x1: r, x2: r }[name] || 1;
  for (let i = 0; i < side; i++) for (let j = 0; j < side; j++) {
    const a = -r + (2 * r * j) / (side - 1), b = r - (2 * r * i) / (side - 1);
    out[i * side + j] = f(a, b) / scale;
  }
  return out;
}
function drawNetwork() {
  const canvas = $("network-canvas"), ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (!page.options) return;
  const { feats, layers } = networkLayout();
  const active = feats.filter((f) => page.settings.features.includes(f));
  const pic = page.pictures[0];
  page.links = [];
  // links: weights[k] connects the active nodes of layer k to layer k + 1
  if (pic) pic.weights.forEach((wts, k) => {
    const from = k === 0 ? active.map((f) => layers[0][feats.indexOf(f)]) : layers[k];
    const to = layers[k + 1];
    const maxAbs = Math.max(1e-9, ...wts.kernel.flat().map(Math.abs));
    wts.kernel.forEach((row, i) => row.forEach((w, j) => {
      const a = from[i], b = to[j];
      if (!a || !b) return;
      const x1 = a.x + NET.thumb, y1 = a.y + NET.thumb / 2, x2 = b.x, y2 = b.y + NET.thumb / 2;
      ctx.strokeStyle = `rgb(${colour(w >= 0 ? 1 : -1).join(",")})`;
      ctx.globalAlpha = 0.35 + 0.65 * Math.min(1, Math.abs(w) / maxAbs);
      ctx.lineWidth = 0.5 + 4 * Math.min(1, Math.abs(w) / maxAbs);
      ctx.beginPath();
      ctx.moveTo(x1, y1);
      ctx.bezierCurveTo((x1 + x2) / 2, y1, (x1 + x2) / 2, y2, x2, y2);
      ctx.stroke();
      page.links.push({ x1, y1, x2, y2, w, text: t("playground.link_card", { source: k === 0 ? page.options.features[active[i]] : `L${k}·${i + 1}`,
        target: k + 1 < layers.length - 1 ? `L${k + 1}·${j + 1}` : t("playground.output_node"), value: w.toPrecision(4) }) });
    }));
  });
  ctx.globalAlpha = 1;
  feats.forEach((f, i) => {
    const n = layers[0][i], on = page.settings.features.includes(f);
    ctx.globalAlpha = on ? 1 : 0.3;
    paintMap(ctx, featureMap(f), 20, n.x, n.y, NET.thumb, NET.thumb, false);
    ctx.globalAlpha = 1;
    ctx.strokeStyle = on ? "#183d4e" : "#ccc";
    ctx.lineWidth = on ? 2 : 1;
    ctx.strokeRect(n.x, n.y, NET.thumb, NET.thumb);
    ctx.fillStyle = "#333";
    ctx.font = canvasFont(12);
    ctx.textAlign = "right";
    ctx.fillText(page.options.features[f], n.x - 6, n.y + NET.thumb / 2 + 4);
    ctx.textAlign = "left";
  });
  layers.slice(1).forEach((layer, k) => layer.forEach((n, j) => {
    const isOutput = k === layers.length - 2;
    if (pic) {
      const map = isOutput ? pic.output : pic.neurons[k] && pic.neurons[k][j];
      if (map) paintMap(ctx, decode(map), isOutput ? 40 : 20, n.x, n.y, NET.thumb, NET.thumb, isOutput && page.flags.discretize);
    }
    ctx.strokeStyle = "#555";
    ctx.lineWidth = 1;
    ctx.strokeRect(n.x, n.y, NET.thumb, NET.thumb);
  }));
  renderNeuronButtons(layers);
}
function canvasScale(canvas) { // CSS pixels per canvas pixel (the canvas shrinks on a narrow screen)
  return canvas.clientWidth ? canvas.clientWidth / canvas.width : 1;
}
function renderNeuronButtons(layers) {
  const box = $("neuron-buttons"), scale = canvasScale($("network-canvas"));
  box.innerHTML = "";
  (page.settings.networkShape || []).forEach((units, i) => {
    const g = document.createElement("div");
    g.className = "group";
    g.style.left = `${(layers[i + 1][0].x - 4) * scale}px`;
    for (const [sign, label] of [[1, "+"], [-1, "−"]]) {
      const b = document.createElement("button");
      b.className = "mini";
      b.textContent = label;
      b.title = sign > 0 ? t("playground.tip_add_neuron", { layer: i + 1 }) : t("playground.tip_remove_neuron", { layer: i + 1 });
      b.onclick = () => {
        const shape = page.settings.networkShape.slice();
        shape[i] = Math.min(page.options.maxUnits, Math.max(1, shape[i] + sign));
        configure({ networkShape: shape });
      };
      g.appendChild(b);
    }
    box.appendChild(g);
  });
}
function canvasPoint(e) { // the mouse in canvas pixels
  const rect = e.target.getBoundingClientRect(), k = e.target.width / rect.width;
  return [(e.clientX - rect.left) * k, (e.clientY - rect.top) * k];
}
function networkClick(e) {
  const { feats, layers } = networkLayout();
  const [x, y] = canvasPoint(e);
  feats.forEach((f, i) => {
    const n = layers[0][i];
    if (x >= n.x && x <= n.x + NET.thumb && y >= n.y && y <= n.y + NET.thumb) {
      const now = page.settings.features.includes(f);
      const next = now ? page.settings.features.filter((g) => g !== f) : page.settings.features.concat([f]);
      if (next.length) configure({ features: next });
    }
  });
}
function networkHover(e) {
  const [x, y] = canvasPoint(e), scale = canvasScale(e.target);
  const card = $("hover-card");
  let best = null, bestD = 6;
  for (const l of page.links || []) {
    for (let t = 0; t <= 1; t += 0.05) { // distance to the drawn curve, sampled
      const u = 1 - t, mx = (l.x1 + l.x2) / 2;
      const px = u * u * u * l.x1 + 3 * u * u * t * mx + 3 * u * t * t * mx + t * t * t * l.x2;
      const py = u * u * u * l.y1 + 3 * u * u * t * l.y1 + 3 * u * t * t * l.y2 + t * t * t * l.y2;
      const d = Math.hypot(px - x, py - y);
      if (d < bestD) { bestD = d; best = l; }
    }
  }
  card.hidden = !best;
  if (best) {
    card.textContent = best.text;
    card.style.left = `${Math.min(x * scale + 12, e.target.clientWidth - 160)}px`;
    card.style.top = `${y * scale + 12}px`;
  }
}

// ---------------------------------------------------------------- controls
function fillSelect(id, values, labels) {
  const el = $(id);
  el.innerHTML = "";
  values.forEach((v, i) => {
    const o = document.createElement("option");
    o.value = v;
    o.textContent = labels ? labels[i] : v;
    el.appendChild(o);
  });
}
function hyperControls(boxId, opt, onChange) {
  const box = $(boxId);
  box.innerHTML = "";
  if (!opt) return;
  const spec = page.options.optimizers[opt.optimizer].hyper;
  for (const [name, h] of Object.entries(spec)) {
    const label = document.createElement("label");
    const value = name in opt.hyper ? opt.hyper[name] : h.default[opt.convention];
    label.textContent = name.replace("beta_", "β").replace("epsilon", "ε").replace("rho", "ρ");
    const input = document.createElement("input");
    input.id = `${boxId}-${name}`;
    if (h.kind === "bool") { input.type = "checkbox"; input.checked = value; }
    else { input.type = "number"; input.step = "any"; input.min = h.low; input.max = h.high; input.value = value; }
    input.onchange = () => onChange({ hyper: Object.assign({}, opt.hyper,
      { [name]: h.kind === "bool" ? input.checked : Number(input.value) }) });
    label.appendChild(input);
    box.appendChild(label);
  }
}
function setOptimizerControls(prefix, opt) {
  $(`${prefix}optimizer`).value = opt.optimizer;
  $(`${prefix}convention`).value = opt.convention;
  $(`${prefix}learningRate`).value = opt.learningRate;
  $(`${prefix}schedule`).value = opt.schedule;
  $(`${prefix}decaySteps`).value = opt.decaySteps;
  $(`${prefix}decayRate`).value = opt.decayRate;
  $(`${prefix}regularizationRate`).value = opt.regularizationRate;
  $(`${prefix}clipnorm`).value = opt.clipnorm;
  showClip();
  document.querySelectorAll(prefix ? ".b-sched" : ".sched").forEach((el) => { el.hidden = opt.schedule === "none"; });
}
function showClip() { // the clipnorm control: once a divergence message suggests clipnorm=, or while it is set
  const asked = page.runs.some((r) => r.error && r.error.includes("clipnorm="));
  const set = page.settings.clipnorm > 0 || (page.b && page.b.clipnorm > 0);
  document.querySelectorAll("label.clip").forEach((el) => { el.hidden = !(asked || set); });
}
function renderControls() {
  const s = page.settings;
  setOptimizerControls("", s);
  hyperControls("hyper", s, (c) => configure(c));
  document.body.classList.toggle("ab", !!page.b);
  $("ab-toggle").checked = !!page.b;
  if (page.b) {
    setOptimizerControls("b-", page.b);
    hyperControls("b-hyper", page.b, (c) => configure({}, c));
  }
  const problem = page.options.classification.includes(s.dataset) ? "classification" : "regression";
  $("problem").value = problem;
  fillSelect("dataset", page.options[problem], page.options[problem].map(datasetLabel));
  $("dataset").value = s.dataset;
  $("activation").value = s.activation;
  $("dtype").value = s.dtype;
  for (const k of ["trainRatio", "noise"]) { $(k).value = s[k]; $(`${k}-value`).textContent = s[k]; }
  if (!BATCH_SIZES.includes(s.batchSize)) BATCH_SIZES.splice(BATCH_SIZES.length - 1, 0, s.batchSize);
  $("batchSize").max = BATCH_SIZES.length - 1;
  $("batchSize").value = BATCH_SIZES.indexOf(s.batchSize);
  $("batchSize-value").textContent = s.batchSize;
  const regime = s.batchSize === "full" ? t("playground.regime_batch") : s.batchSize === 1 ? t("playground.regime_sgd") : t("playground.regime_minibatch");
  $("regime").textContent = regime;
  $("sampling").value = s.sampling;
  $("seed").value = s.seed;
  $("layer-count").textContent = s.networkShape.length;
  $("showTestData").checked = page.flags.showTestData;
  $("discretize").checked = page.flags.discretize;
  drawDatasetThumbs(problem);
  renderExports();
  drawNetwork();
}
function drawDatasetThumbs(problem) {
  const box = $("dataset-thumbs");
  box.innerHTML = "";
  for (const name of page.options[problem]) {
    const c = document.createElement("canvas");
    c.width = c.height = 52;
    c.title = datasetLabel(name);
    c.className = name === page.settings.dataset ? "selected" : "";
    const ctx = c.getContext("2d"), r = page.options.radius, sc = (v) => ((v + r) / (2 * r)) * 52;
    ctx.fillStyle = "#f4f4f4";
    ctx.fillRect(0, 0, 52, 52);
    for (const [x1, x2, v] of page.options.previews[name]) {
      ctx.fillStyle = `rgb(${colour(v === 0 ? 0 : Math.sign(v) * Math.max(0.6, Math.abs(v))).join(",")})`;
      ctx.fillRect(sc(x1) - 1, 52 - sc(x2) - 1, 2.5, 2.5);
    }
    c.onclick = () => configure({ dataset: name });
    box.appendChild(c);
  }
}
function renderExports() {
  const box = $("export-links");
  box.innerHTML = "";
  const runs = page.b ? ["a", "b"] : ["a"];
  for (const r of runs) for (const [file, text] of [["playground.zip", t("playground.export_zip")], ["playground.toml", t("playground.export_toml")],
    ["playground.csv", t("playground.export_csv")], ["train.py", t("playground.export_python")]]) {
    const a = document.createElement("a");
    transport.link(a, page.session, r, file);
    a.id = `export-${r}-${file.replace(".", "-")}`;
    a.textContent = t("playground.export_link", { run: r.toUpperCase(), file: text });
    a.download = file.replace(/\.(\w+)$/, `-${r}.$1`); // playground-a.toml, train-b.py: A and B apart
    box.appendChild(a);
  }
}
function wireOptimizerControls(prefix, send) {
  $(`${prefix}optimizer`).onchange = (e) => send({ optimizer: e.target.value, hyper: {},
    learningRate: page.options.optimizers[e.target.value].learningRate[$(`${prefix}convention`).value] });
  $(`${prefix}convention`).onchange = (e) => send({ convention: e.target.value });
  for (const k of ["learningRate", "decaySteps", "decayRate", "regularizationRate", "clipnorm"])
    $(`${prefix}${k}`).onchange = (e) => send({ [k]: Number(e.target.value) });
  $(`${prefix}schedule`).onchange = (e) => send({ schedule: e.target.value });
}
function wireControls() {
  const o = page.options;
  for (const p of ["", "b-"]) {
    fillSelect(`${p}optimizer`, o.fields.optimizer.choices);
    fillSelect(`${p}convention`, o.fields.convention.choices);
    fillSelect(`${p}schedule`, o.fields.schedule.choices, o.fields.schedule.choices.map(scheduleLabel));
  }
  fillSelect("activation", o.fields.activation.choices);
  fillSelect("dtype", o.fields.dtype.choices);
  wireOptimizerControls("", (c) => configure(c));
  wireOptimizerControls("b-", (c) => configure({}, c));
  $("activation").onchange = (e) => configure({ activation: e.target.value });
  $("dtype").onchange = (e) => configure({ dtype: e.target.value });
  $("problem").onchange = (e) => configure({ dataset: o[e.target.value][0] });
  $("dataset").onchange = (e) => configure({ dataset: e.target.value });
  $("trainRatio").onchange = (e) => configure({ trainRatio: Number(e.target.value) });
  $("noise").onchange = (e) => configure({ noise: Number(e.target.value) });
  $("trainRatio").oninput = (e) => { $("trainRatio-value").textContent = e.target.value; };
  $("noise").oninput = (e) => { $("noise-value").textContent = e.target.value; };
  $("batchSize").oninput = (e) => { $("batchSize-value").textContent = BATCH_SIZES[e.target.value]; };
  $("batchSize").onchange = (e) => configure({ batchSize: BATCH_SIZES[e.target.value] });
  $("sampling").onchange = (e) => configure({ sampling: e.target.value });
  $("seed").onchange = (e) => configure({ seed: Number(e.target.value) });
  $("regenerate-button").onclick = () => configure({ dataSeed: Math.floor(Math.random() * 2147483647) });
  $("add-layer").onclick = () => {
    const shape = page.settings.networkShape;
    if (shape.length < o.maxLayers) configure({ networkShape: shape.concat([2]) });
  };
  $("remove-layer").onclick = () => configure({ networkShape: page.settings.networkShape.slice(0, -1) });
  $("ab-toggle").onchange = (e) => configure({}, e.target.checked
    ? Object.assign(Object.fromEntries(o.optimizerFields.map((k) => [k, page.settings[k]])),
        { optimizer: "adam", learningRate: o.optimizers.adam.learningRate[page.settings.convention] * 10, hyper: {} })
    : null);
  for (const f of CLIENT_FLAGS) $(f).onchange = (e) => { page.flags[f] = e.target.checked; toHash(); drawHeatmaps(); drawNetwork(); };
  $("play-pause-button").onclick = () => control(page.playing ? "pause" : "play");
  $("step-button").onclick = () => control("step");
  $("reset-button").onclick = () => control("reset");
  $("network-canvas").onclick = networkClick;
  $("network-canvas").onmousemove = networkHover;
  $("network-canvas").onmouseleave = () => { $("hover-card").hidden = true; };
  document.querySelectorAll(".tab").forEach((t) => t.onclick = () => {
    document.querySelectorAll(".tab").forEach((u) => u.classList.toggle("active", u === t));
    document.querySelectorAll(".tab-page").forEach((p) => { p.hidden = p.id !== t.dataset.tab; });
    if (t.dataset.tab === "lesson-tab") lesson.load();
  });
  window.addEventListener("resize", () => { if (page.options && page.settings.networkShape) drawNetwork(); });
  window.addEventListener("pagehide", () => {
    if (page.session) transport.close(page.session);
  });
}

// ---------------------------------------------------------------- the parabola lesson
// Axes that stay put: the parabola over w* ± 1.5·|w0 − w*| (a converging walk never leaves it, a diverging one
// does, visibly), and |w − w*| on a log scale over a fixed 20 decades around |w0 − w*|, so creeping,
// oscillating-and-settling and diverging are different straight lines.
function niceTicks(lo, hi, n = 6) {
  const raw = (hi - lo) / n, mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) out.push(Math.abs(v) < 1e-12 * step ? 0 : v);
  return out;
}
function tickLabel(v) { return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-2) ? v.toExponential(0) : String(+v.toPrecision(4)); }
function axes(ctx, box, xTicks, yTicks, X, Y, xName, yName, yText = tickLabel) {
  ctx.strokeStyle = "#999"; ctx.lineWidth = 1; ctx.fillStyle = "#555"; ctx.font = canvasFont(11);
  ctx.beginPath(); ctx.moveTo(box.l, box.t); ctx.lineTo(box.l, box.b); ctx.lineTo(box.r, box.b); ctx.stroke();
  ctx.textAlign = "center";
  for (const v of xTicks) { ctx.beginPath(); ctx.moveTo(X(v), box.b); ctx.lineTo(X(v), box.b + 4); ctx.stroke(); ctx.fillText(tickLabel(v), X(v), box.b + 15); }
  ctx.textAlign = "right";
  for (const v of yTicks) { ctx.beginPath(); ctx.moveTo(box.l - 4, Y(v)); ctx.lineTo(box.l, Y(v)); ctx.stroke(); ctx.fillText(yText(v), box.l - 6, Y(v) + 4); }
  ctx.textAlign = "left"; ctx.fillStyle = "#333"; ctx.font = canvasFont(12);
  ctx.fillText(yName, 6, 13);
  ctx.textAlign = "right"; ctx.fillText(xName, box.r, box.b + 30); ctx.textAlign = "left";
}
const lesson = {
  result: null, shown: 0, timer: null, asked: 0,
  async load() {
    const eta = $("lesson-eta").value, steps = $("lesson-steps").value, ticket = ++this.asked;
    const res = await transport.fetch(`/api/lesson?eta=${eta}&steps=${steps}&lang=${i18n.lang}`);
    const json = await res.json();
    if (ticket !== this.asked) return; // a later slider position has been asked for
    if (!res.ok) { $("lesson-message").hidden = false; $("lesson-message").textContent = t("playground.field_error", { field: json.field, detail: json.detail }); return; }
    this.result = json;
    $("lesson-eta-value").textContent = `${Number(eta).toFixed(3)} = ${json.etaLambda.toFixed(2)}/λ`;
    const bold = (text) => Object.assign(document.createElement("b"), { textContent: text });
    $("lesson-verdict").replaceChildren(t("playground.lesson_verdict", { curvature: json.lambda.toFixed(3), one_step: json.oneStepEta.toFixed(4),
      divergence: json.divergenceEta.toFixed(4), w_star: json.wStar.toFixed(4), predicted: bold(json.predictedText), observed: bold(json.observedText) }));
    $("lesson-message").hidden = !json.error;
    $("lesson-message").textContent = json.error ? t("playground.lesson_error", { error: json.error }) : "";
    this.markSlider();
    this.walk();
  },
  markSlider() { // 1/λ and 2/λ on the η slider itself: tick marks (datalist) and labels under the thumb positions
    const r = this.result, slider = $("lesson-eta"), min = Number(slider.min), max = Number(slider.max);
    $("lesson-eta-marks").innerHTML = `<option value="${r.oneStepEta}"></option><option value="${r.divergenceEta}"></option>`;
    for (const [id, eta] of [["mark-one-step", r.oneStepEta], ["mark-divergence", r.divergenceEta]]) {
      const f = Math.min(1, Math.max(0, (eta - min) / (max - min)));
      $(id).style.left = `calc(${f} * (100% - 16px) + 8px)`;
      $(id).title = `η = ${eta.toFixed(4)}`;
    }
  },
  walk() {
    clearInterval(this.timer);
    this.shown = 0;
    this.timer = setInterval(() => {
      this.shown += 1;
      this.draw();
      if (this.shown >= this.result.w.length) clearInterval(this.timer);
    }, Math.max(15, Math.min(120, 3000 / this.result.w.length)));
  },
  draw() {
    const path = this.result.w.slice(0, this.shown);
    this.drawParabola(path);
    this.drawError(path);
    this.drawData(path[path.length - 1]);
  },
  drawParabola(path) {
    const r = this.result, canvas = $("lesson-parabola"), ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
    ctx.clearRect(0, 0, W, H);
    const [a, b, c] = r.coefficients, L = (w) => a * w * w - 2 * b * w + c;
    const span = 1.5 * Math.max(0.5, Math.abs(r.w[0] - r.wStar)), w0 = r.wStar - span, w1 = r.wStar + span;
    const top = Math.max(L(w0), L(w1)), box = { l: 56, r: W - 14, t: 22, b: H - 40 };
    canvas.dataset.axes = [w0, w1, top].map((v) => v.toPrecision(6)).join(",");
    const X = (w) => box.l + ((w - w0) / (w1 - w0)) * (box.r - box.l), Y = (l) => box.b - (l / top) * (box.b - box.t);
    axes(ctx, box, niceTicks(w0, w1), niceTicks(0, top, 5), X, Y, "w", "L(w)");
    ctx.strokeStyle = "#183d4e"; ctx.lineWidth = 2; ctx.beginPath();
    for (let i = 0; i <= 200; i++) { const w = w0 + ((w1 - w0) * i) / 200; i ? ctx.lineTo(X(w), Y(L(w))) : ctx.moveTo(X(w), Y(L(w))); }
    ctx.stroke();
    ctx.strokeStyle = "#27ae60"; ctx.setLineDash([3, 3]); ctx.beginPath(); ctx.moveTo(X(r.wStar), box.t); ctx.lineTo(X(r.wStar), box.b); ctx.stroke(); ctx.setLineDash([]);
    ctx.fillStyle = "#27ae60"; ctx.fillText(`w* = ${r.wStar.toFixed(3)}`, X(r.wStar) + 4, box.b - 6);
    const inside = (w) => w !== null && w >= w0 && w <= w1;
    ctx.save(); ctx.beginPath(); ctx.rect(box.l, 0, box.r - box.l, box.b); ctx.clip();
    ctx.strokeStyle = "#f59322"; ctx.lineWidth = 1.5; ctx.beginPath();
    path.forEach((w, i) => { if (w === null) return; const y = Y(Math.min(L(w), 4 * top)); i ? ctx.lineTo(X(w), y) : ctx.moveTo(X(w), y); });
    ctx.stroke();
    path.forEach((w, i) => {
      if (!inside(w)) return;
      ctx.fillStyle = i === path.length - 1 ? "#c0392b" : "#f59322";
      ctx.beginPath(); ctx.arc(X(w), Y(L(w)), i === path.length - 1 ? 6 : 3, 0, 2 * Math.PI); ctx.fill();
    });
    ctx.restore();
    const off = path.filter((w) => !inside(w)).length, last = path[path.length - 1];
    ctx.fillStyle = "#333"; ctx.font = canvasFont(12); ctx.textAlign = "right";
    ctx.fillText(t("playground.lesson_step", { step: path.length - 1, w: last === null ? t("playground.lesson_not_finite") : last.toPrecision(5) }), box.r, 13);
    if (off) {
      ctx.fillStyle = "#c0392b";
      ctx.fillText(t("playground.lesson_off_frame", { off, total: path.length, span: span.toPrecision(3) }), box.r, box.t + 14);
      if (!inside(last) && last !== null) { // an arrow at the edge the last iterate left by
        const x = last < w0 ? box.l + 8 : box.r - 8, d = last < w0 ? -1 : 1;
        ctx.beginPath(); ctx.moveTo(x + 8 * d, box.t + 30); ctx.lineTo(x, box.t + 24); ctx.lineTo(x, box.t + 36); ctx.fill();
      }
    }
    ctx.textAlign = "left";
  },
  drawError(path) { // |w_k − w*| on a log scale, measured (dots) and theory |1 − ηλ|^k·|w0 − w*| (dashed)
    const r = this.result, canvas = $("lesson-error"), ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
    ctx.clearRect(0, 0, W, H);
    const e0 = Math.abs(r.w[0] - r.wStar), d0 = Math.floor(Math.log10(e0)), lo = d0 - 12, hi = d0 + 8;
    const steps = r.w.length - 1, box = { l: 56, r: W - 14, t: 22, b: H - 40 };
    canvas.dataset.axes = [steps, lo, hi].join(",");
    const X = (k) => box.l + (k / Math.max(1, steps)) * (box.r - box.l);
    const Y = (lg) => box.b - ((Math.min(hi, Math.max(lo, lg)) - lo) / (hi - lo)) * (box.b - box.t);
    const decades = []; for (let d = lo; d <= hi; d += 4) decades.push(d);
    axes(ctx, box, niceTicks(0, steps, 5).filter((k) => Number.isInteger(k)), decades, X, Y, t("playground.lesson_axis_iteration"), t("playground.lesson_axis_error"),
      (d) => `1e${d}`);
    const q = Math.abs(1 - r.etaLambda);
    ctx.strokeStyle = "#999"; ctx.setLineDash([5, 4]); ctx.lineWidth = 1.2; ctx.beginPath();
    for (let k = 0; k <= steps; k++) { const lg = Math.log10(e0) + k * Math.log10(Math.max(q, 1e-300)); k ? ctx.lineTo(X(k), Y(lg)) : ctx.moveTo(X(k), Y(lg)); if (lg < lo || lg > hi) break; }
    ctx.stroke(); ctx.setLineDash([]);
    ctx.fillStyle = "#f59322";
    path.forEach((w, k) => {
      if (w === null) return;
      const e = Math.abs(w - r.wStar), lg = e > 0 ? Math.log10(e) : lo, clipped = lg > hi || lg < lo;
      ctx.fillStyle = k === path.length - 1 ? "#c0392b" : "#f59322";
      ctx.beginPath(); ctx.arc(X(k), Y(lg), clipped ? 2 : 3, 0, 2 * Math.PI); ctx.fill();
    });
    ctx.fillStyle = "#555"; ctx.font = canvasFont(11); ctx.textAlign = "right";
    ctx.fillText(t("playground.lesson_theory_line", { q: q.toFixed(3) }), box.r, box.t + 12);
    ctx.textAlign = "left";
  },
  drawData(w) {
    const r = this.result, canvas = $("lesson-data"), ctx = canvas.getContext("2d"), S = canvas.width;
    ctx.clearRect(0, 0, S, canvas.height);
    const maxY = Math.max(...r.y) * 1.1, H = canvas.height, X = (x) => 30 + (x / 2.7) * (S - 40), Y = (y) => H - 25 - (y / maxY) * (H - 40);
    ctx.fillStyle = "#0877bd";
    r.x.forEach((x, i) => { ctx.beginPath(); ctx.arc(X(x), Y(r.y[i]), 3, 0, 2 * Math.PI); ctx.fill(); });
    if (w !== null && w !== undefined) {
      ctx.save(); ctx.beginPath(); ctx.rect(0, 0, S, H); ctx.clip();
      ctx.strokeStyle = "#c0392b"; ctx.lineWidth = 2; ctx.beginPath();
      ctx.moveTo(X(0), Y(0)); ctx.lineTo(X(2.7), Y(Math.max(-maxY, Math.min(2 * maxY, w * 2.7)))); ctx.stroke();
      ctx.restore();
    }
    ctx.fillStyle = "#333"; ctx.font = canvasFont(12);
    ctx.fillText(t("playground.lesson_price"), 6, 14);
    ctx.textAlign = "right"; ctx.fillText(t("playground.lesson_area"), S - 6, H - 6); ctx.textAlign = "left";
  },
};
function wireLesson() {
  $("lesson-eta").value = 0.1;
  $("lesson-eta").oninput = () => lesson.load();
  $("lesson-steps").onchange = () => lesson.load();
  $("lesson-play").onclick = () => lesson.walk();
}

// ---------------------------------------------------------------- start
async function main() {
  await loadLanguage();
  page.options = await (await transport.fetch("/api/options")).json();
  wireControls();
  wireLesson();
  const { settings, b, flags } = fromHash();
  Object.assign(page.flags, flags);
  await startSession(settings, b);
}
main();
