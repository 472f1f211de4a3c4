// nnzero's page: the live view of a training run (`train --web`) or the drawing page of a
// saved model (`serve`). Plain JavaScript, no build step, no libraries: it is served from the
// program itself and must work on a Pi with no internet.
"use strict";

const $ = (id) => document.getElementById(id);
let mode = null;
let updates = 0;
let finished = null; // a training run's last snapshot, once it has come

// ---- shared drawing helpers ------------------------------------------------------------

/** Draws 28×28 grey values (0 black … 255 white) into a 28×28 canvas. */
function drawPixels(canvas, pixels) {
  const side = Math.round(Math.sqrt(pixels.length));
  canvas.width = side;
  canvas.height = side;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(side, side);
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i];
    img.data[4 * i] = v;
    img.data[4 * i + 1] = v;
    img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/** Draws values through `colour(v) → [r, g, b]`. */
function drawTile(canvas, values, colour) {
  const side = Math.round(Math.sqrt(values.length));
  canvas.width = side;
  canvas.height = side;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(side, side);
  values.forEach((v, i) => {
    const [r, g, b] = colour(v);
    img.data.set([r, g, b, 255], 4 * i);
  });
  ctx.putImageData(img, 0, 0);
}

/** Fills the ten bars of `el` with `outputs`, the largest highlighted. */
function drawBars(el, outputs) {
  if (el.children.length !== outputs.length) {
    el.replaceChildren();
    outputs.forEach((_, d) => {
      const row = document.createElement("div");
      row.className = "bar";
      row.innerHTML = `<span>${d}</span><div class="track"><div class="fill"></div></div><span class="v"></span>`;
      el.appendChild(row);
    });
  }
  const top = outputs.indexOf(Math.max(...outputs));
  outputs.forEach((v, d) => {
    const row = el.children[d];
    row.classList.toggle("top", d === top);
    row.querySelector(".fill").style.width = `${Math.max(0, Math.min(1, v)) * 100}%`;
    row.querySelector(".v").textContent = v.toFixed(2);
  });
}

const pct = (v) => (v == null ? "–" : `${(100 * v).toFixed(2)}%`);

function setLink(on, text) {
  $("link").textContent = on ? "● live" : `○ ${text}`;
  $("link").classList.toggle("on", on);
}

// ---- the live view --------------------------------------------------------------------

function phaseText(s) {
  switch (s.phase) {
    case "training": return `epoch ${s.epoch}/${s.epochs}: training`;
    case "testing": return `epoch ${s.epoch}/${s.epochs}: testing`;
    case "trained": return `finished: ${s.epochs} epoch${s.epochs === 1 ? "" : "s"}` +
      (s.test == null ? "" : `, test accuracy ${pct(s.test)}`);
    default: return s.phase;
  }
}

function showLive(s) {
  $("title").textContent = phaseText(s);
  $("live-phase").textContent = phaseText(s);
  if (s.answer != null) {
    drawPixels($("live-digit"), s.pixels);
    drawBars($("live-bars"), s.outputs);
    $("live-answer").textContent = s.answer;
    $("live-label").textContent = s.label ?? "–";
    const right = s.label != null && s.label === s.answer;
    $("live-verdict").textContent = s.label == null ? "" : right ? "right" : "wrong";
    $("live-verdict").className = right ? "right" : "wrong";
  } else if (!$("live-bars").children.length) {
    drawBars($("live-bars"), new Array(10).fill(0));
  }
  const frac = s.total ? s.done / s.total : 0;
  $("live-progress").style.width = `${(100 * frac).toFixed(1)}%`;
  $("live-done").textContent = s.done.toLocaleString("en");
  $("live-total").textContent = s.total.toLocaleString("en");
  $("live-running").textContent = pct(s.running);
  $("live-test").textContent = pct(s.test);
  $("live-rate").textContent = s.rate == null ? "–" : Math.round(s.rate).toLocaleString("en");
  drawCurve($("live-curve"), s);
}

/** The running accuracy (a line, x in epochs) and the test accuracy after each epoch (dots). */
function drawCurve(canvas, s) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  if (!w || !h) return;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const run = s.curve.running, test = s.curve.test;
  const ys = run.map((p) => p[1]).concat(test.map((p) => p[1]));
  let lo = ys.length ? Math.min(...ys) : 0.8;
  lo = Math.max(0, Math.min(0.9, Math.floor(lo * 10) / 10));
  const epochs = s.epochs || 1;
  const L = 48, R = 12, T = 10, B = 26;
  const X = (x) => L + (x / epochs) * (w - L - R);
  const Y = (y) => T + (1 - (y - lo) / (1 - lo)) * (h - T - B);
  ctx.font = "12px system-ui, sans-serif";
  ctx.fillStyle = "#8ea1b2";
  ctx.strokeStyle = "#2c3e50";
  ctx.lineWidth = 1;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  // Gridlines every 10 %, or 5 % / 2 % when the curve sits high.
  const span = 1 - lo;
  const step = span > 0.3 ? 0.1 : span > 0.1 ? 0.05 : 0.02;
  for (let y = 1; y >= lo - 1e-9; y -= step) {
    ctx.beginPath(); ctx.moveTo(L, Y(y)); ctx.lineTo(w - R, Y(y)); ctx.stroke();
    ctx.fillText(`${Math.round(100 * y)}%`, L - 6, Y(y));
  }
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  const every = Math.max(1, Math.ceil(epochs / 10));
  for (let e = 0; e <= epochs; e += every) ctx.fillText(`${e}`, X(e), h - B + 6);
  if (run.length) {
    ctx.strokeStyle = "#7fd1ff"; ctx.lineWidth = 2; ctx.beginPath();
    run.forEach((p, i) => (i ? ctx.lineTo(X(p[0]), Y(p[1])) : ctx.moveTo(X(p[0]), Y(p[1]))));
    ctx.stroke();
  }
  ctx.fillStyle = "#ffb454"; ctx.strokeStyle = "#ffb454"; ctx.lineWidth = 1.5;
  if (test.length > 1) {
    ctx.beginPath();
    test.forEach((p, i) => (i ? ctx.lineTo(X(p[0]), Y(p[1])) : ctx.moveTo(X(p[0]), Y(p[1]))));
    ctx.stroke();
  }
  test.forEach((p) => { ctx.beginPath(); ctx.arc(X(p[0]), Y(p[1]), 4, 0, 2 * Math.PI); ctx.fill(); });
}

// ---- the drawing page -----------------------------------------------------------------

let lastPicture = null; // the Blob last read, for teaching

function message(id, text, error) {
  $(id).textContent = text;
  $(id).classList.toggle("error", !!error);
}

function showAnswer(a) {
  $("draw-answer").textContent = a.number ?? a.digit;
  const digits = a.digits || [a];
  $("draw-confidence").textContent = digits.length > 1
    ? `confidence ${digits.map((d) => d.confidence.toFixed(2)).join(" ")}`
    : `confidence ${a.confidence.toFixed(2)}`;
  drawBars($("draw-bars"), a.outputs);
  drawPixels($("draw-prepared"), a.prepared);
  // Every digit's 28×28 picture when there are several.
  const seen = $("draw-digits");
  seen.replaceChildren();
  if (digits.length > 1) {
    for (const d of digits) {
      const c = document.createElement("canvas");
      c.className = "pixels tiny";
      c.title = `${d.digit} (${d.confidence.toFixed(2)})`;
      drawPixels(c, d.prepared);
      seen.appendChild(c);
    }
  }
}

/** Draws the picture read, a box around each digit found and the digit read above it. */
async function showBoxes(blob, a) {
  const canvas = $("draw-boxes");
  const digits = a.digits || [];
  if (!blob || !digits.length || !a.size) { canvas.hidden = true; return; }
  let bitmap;
  try { bitmap = await createImageBitmap(blob); } catch (e) { canvas.hidden = true; return; }
  canvas.hidden = false;
  const [w, h] = a.size;
  const scale = Math.min(1, 1600 / Math.max(w, h));
  canvas.width = Math.round(w * scale);
  canvas.height = Math.round(h * scale);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const line = Math.max(2, canvas.width / 300);
  for (const d of digits) {
    const [x0, y0, x1, y1] = d.box.map((v) => v * scale);
    ctx.strokeStyle = d.unsure ? "#f0a020" : "#18c060";
    ctx.lineWidth = line;
    ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
    const size = Math.max(14, Math.min((y1 - y0) * 0.6, canvas.height * 0.2));
    ctx.font = `bold ${size}px system-ui, sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    const ty = y0 - line > size ? y0 - line : y1 + size + line;
    ctx.lineWidth = size / 6;
    ctx.strokeStyle = "#fff";
    ctx.strokeText(String(d.digit), (x0 + x1) / 2, ty);
    ctx.fillStyle = "#c0202a";
    ctx.fillText(String(d.digit), (x0 + x1) / 2, ty);
  }
}

async function post(url, body) {
  const r = await fetch(url, { method: "POST", body, headers: body ? { "Content-Type": body.type || "application/octet-stream" } : {} });
  const json = await r.json().catch(() => ({ error: `HTTP ${r.status}` }));
  if (!r.ok) throw new Error(json.error || `HTTP ${r.status}`);
  return json;
}

async function read(blob) {
  lastPicture = blob;
  try {
    const a = await post("/api/predict", blob);
    showAnswer(a);
    showBoxes(blob, a);
    const many = a.digits && a.digits.length > 1;
    message("draw-message", many ? `It reads ${a.number} (${a.digits.length} digits).` : `It reads a ${a.digit}.`);
    $("teach-result").textContent = "";
  } catch (e) {
    message("draw-message", e.message, true);
  }
}

function setUpPad() {
  const pad = $("pad");
  const ctx = pad.getContext("2d");
  const clear = () => { ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, pad.width, pad.height); };
  clear();
  let last = null;
  const at = (e) => {
    const r = pad.getBoundingClientRect();
    return [(e.clientX - r.left) * (pad.width / r.width), (e.clientY - r.top) * (pad.height / r.height)];
  };
  pad.addEventListener("pointerdown", (e) => {
    pad.setPointerCapture(e.pointerId);
    last = at(e);
    ctx.fillStyle = "#000";
    ctx.beginPath(); ctx.arc(last[0], last[1], 9, 0, 2 * Math.PI); ctx.fill();
    e.preventDefault();
  });
  pad.addEventListener("pointermove", (e) => {
    if (!last) return;
    const p = at(e);
    ctx.strokeStyle = "#000"; ctx.lineWidth = 18; ctx.lineCap = "round"; ctx.lineJoin = "round";
    ctx.beginPath(); ctx.moveTo(last[0], last[1]); ctx.lineTo(p[0], p[1]); ctx.stroke();
    last = p;
  });
  const up = () => {
    if (!last) return;
    last = null;
    pad.toBlob((blob) => blob && read(blob), "image/png");
  };
  pad.addEventListener("pointerup", up);
  pad.addEventListener("pointercancel", up);
  $("clear").addEventListener("click", () => { clear(); message("draw-message", "Draw a digit or a number."); });
  $("photo").addEventListener("change", (e) => {
    const file = e.target.files[0];
    if (file) read(file);
    e.target.value = "";
  });
}

function setUpTeach(s) {
  $("teach").hidden = !s.teach;
  $("save").hidden = !s.save;
  const box = $("teach-buttons");
  if (!s.teach || box.children.length) return;
  for (let d = 0; d < 10; d++) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = d;
    b.addEventListener("click", async () => {
      if (!lastPicture) { message("teach-result", "Draw a digit first.", true); return; }
      try {
        const t = await post(`/api/teach?label=${d}&repeat=${$("repeat").value}`, lastPicture);
        showAnswer(t.after);
        message("teach-result",
          `Taught: it was a ${d} (${t.repeat} step${t.repeat === 1 ? "" : "s"}). ` +
          `Before: answer ${t.before.digit}, ${t.before.outputs[d].toFixed(3)} for ${d}; ` +
          `after: answer ${t.after.digit}, ${t.after.outputs[d].toFixed(3)} for ${d}.`);
        loadInside();
      } catch (e) {
        message("teach-result", e.message, true);
      }
    });
    box.appendChild(b);
  }
  $("save").addEventListener("click", async () => {
    // One save at a time: the button is off until the server has answered.
    const button = $("save");
    button.disabled = true;
    message("save-result", "Saving…");
    try {
      const r = await post("/api/save");
      message("save-result", `Saved to ${r.saved}.`);
    } catch (e) {
      message("save-result", e.message, true);
    } finally {
      button.disabled = false;
    }
  });
}

const ink = (v) => { const g = Math.round(255 * (1 - v)); return [g, g, g]; };
const redBlue = (v) => (v >= 0
  ? [255, Math.round(255 * (1 - v)), Math.round(255 * (1 - v))]
  : [Math.round(255 * (1 + v)), Math.round(255 * (1 + v)), 255]);

function tiles(el, list, colour, caption) {
  el.replaceChildren();
  list.forEach((values, i) => {
    const t = document.createElement("div");
    t.className = "tile";
    const c = document.createElement("canvas");
    drawTile(c, values, colour);
    t.appendChild(c);
    if (caption) t.appendChild(document.createTextNode(caption(i)));
    el.appendChild(t);
  });
}

async function loadInside() {
  try {
    const [bq, w] = await Promise.all([
      fetch("/api/backquery").then((r) => r.json()),
      fetch("/api/weights?count=48").then((r) => r.json()),
    ]);
    tiles($("backquery"), bq.digits, ink, (i) => `${i}`);
    tiles($("weights"), w.tiles, redBlue, null);
  } catch (e) {
    message("draw-message", `could not load the model's pictures: ${e.message}`, true);
  }
}

// ---- start ----------------------------------------------------------------------------

function show(s) {
  if (mode !== s.mode) {
    mode = s.mode;
    $("live").hidden = mode !== "train";
    $("draw").hidden = mode !== "serve";
    if (mode === "serve") {
      $("title").textContent = `reading digits with a ${s.model} network`;
      $("model-shape").textContent = `(${s.model})`;
      setUpPad();
      setUpTeach(s);
      drawBars($("draw-bars"), new Array(10).fill(0));
      loadInside();
    }
  }
  if (mode === "train") showLive(s);
  updates += 1;
  document.body.dataset.updates = updates;
  document.body.dataset.seq = s.seq;
}

function follow() {
  const events = new EventSource("/api/events");
  events.onopen = () => setLink(true);
  events.onmessage = (e) => {
    const s = JSON.parse(e.data);
    show(s);
    // A run's last snapshot: the program saves the model and exits, which is not an outage.
    if (s.mode === "train" && s.phase === "trained") {
      finished = s;
      events.close();
      $("link").textContent = "✓ finished";
      $("link").className = "link done";
    }
  };
  // EventSource reconnects by itself: offline only while the server cannot be reached.
  events.onerror = () => { if (!finished) setLink(false, "offline (reconnecting)"); };
}

window.addEventListener("resize", () => {
  if (finished) showLive(finished);
  else if (mode === "train") fetch("/api/state").then((r) => r.json()).then(showLive).catch(() => {});
});
follow();
