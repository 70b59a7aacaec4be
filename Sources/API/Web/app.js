// Vigil's page: camera grid (latest pictures every second, states), live event list (server-sent events) with
// filters, and an event view (snapshot with box, zone and line overlay; clip player). Plain JavaScript, no build.
"use strict";
const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
let cameras = [];
let nextBefore = null;
let source = null;

async function api(path, options) {
  const r = await fetch(path, Object.assign({ credentials: "same-origin" }, options));
  if (r.status === 401) { showTokenForm(); throw new Error("token required"); }
  if (!r.ok) throw new Error(path + ": " + r.status);
  return r.json();
}

function showTokenForm() { $("token-form").hidden = false; }
$("token").addEventListener("submit", (e) => {
  e.preventDefault();
  document.cookie = "vigil_token=" + encodeURIComponent($("token-input").value) + "; path=/; SameSite=Strict";
  $("token-form").hidden = true;
  start();
});

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

// Zones (polygons), lines and an optional box drawn over a picture of the given source size.
function drawOverlay(svg, cam, box) {
  svg.replaceChildren();
  const w = (cam && cam.width) || (box && box.w) || 0, h = (cam && cam.height) || (box && box.h) || 0;
  if (!w || !h) return;
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
  const add = (tag, attrs, text) => {
    const n = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
    if (text) n.textContent = text;
    svg.append(n);
  };
  for (const z of (cam && cam.zones) || []) {
    add("polygon", { points: z.polygon.map((p) => p.join(",")).join(" "), "data-zone": z.name });
    add("text", { x: z.polygon[0][0] + 4, y: z.polygon[0][1] + 16 }, z.name);
  }
  for (const l of (cam && cam.lines) || []) {
    add("polyline", { points: l.points.map((p) => p.join(",")).join(" "), "data-line": l.name });
  }
  if (box && box.box) {
    const [x1, y1, x2, y2] = box.box;
    add("rect", { x: x1, y: y1, width: x2 - x1, height: y2 - y1 });
    if (box.label) add("text", { x: x1 + 2, y: Math.max(14, y1 - 4) }, box.label);
  }
}

function cameraCard(c) {
  const img = el("img", { alt: c.name, loading: "lazy" });
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "overlay");
  const card = el("div", { class: "cam", "data-camera": c.name },
    el("div", { class: "frame" }, img, svg),
    el("div", { class: "info" }, el("span", { class: "name", text: c.name }),
      el("span", { class: "badge state" }), el("span", { class: "fps" }), el("span", { class: "last" }),
      el("span", { class: "err" })));
  return card;
}

function updateCard(card, c) {
  const state = card.querySelector(".state");
  state.textContent = c.state;
  state.className = "badge state state-" + c.state;
  card.dataset.state = c.state;
  card.querySelector(".fps").textContent = c.fps.toFixed(1) + " fps" + (c.drops ? `, ${c.drops} dropped` : "");
  card.querySelector(".last").textContent = c.last_frame_time ? new Date(c.last_frame_time).toLocaleTimeString() : "";
  card.querySelector(".err").textContent = c.state === "up" ? "" : (c.error || "");
  drawOverlay(card.querySelector("svg"), c, null);
  if (c.state === "up") {
    const img = card.querySelector("img");
    if (!img.dataset.loading) {
      img.dataset.loading = "1";
      const next = new Image();
      next.onload = next.onerror = () => { if (next.complete && next.naturalWidth) img.src = next.src; delete img.dataset.loading; };
      next.src = `/api/cameras/${encodeURIComponent(c.name)}/latest.jpg?t=${Date.now()}`;
    }
  }
}

async function refreshCameras() {
  const data = await api("/api/cameras");
  cameras = data.cameras;
  const grid = $("cameras");
  const select = $("f-camera");
  for (const c of cameras) {
    let card = grid.querySelector(`[data-camera="${CSS.escape(c.name)}"]`);
    if (!card) {
      card = cameraCard(c);
      grid.append(card);
      select.append(el("option", { value: c.name, text: c.name }));
    }
    updateCard(card, c);
  }
}

function filters() {
  const p = new URLSearchParams();
  const add = (k, id) => { const v = $(id).value.trim(); if (v) p.set(k, v); };
  add("camera", "f-camera"); add("event", "f-event"); add("label", "f-label"); add("min_severity", "f-severity");
  add("since", "f-since");
  return p;
}

function eventRow(e, isNew) {
  const what = [e.event, e.label, e.zone || e.line].filter(Boolean).join(" · ");
  const li = el("li", { class: "sev-" + e.severity + (isNew ? " new" : ""), "data-id": e.id },
    el("time", { datetime: e.ts, text: new Date(e.ts).toLocaleString() }),
    el("span", { class: "camera", text: e.camera }),
    el("a", { href: "#event/" + e.id, text: what }),
    el("span", { class: "files", text: (e.snapshot ? "📷" : "") + (e.clip ? "🎬" : "") }));
  return li;
}

async function loadEvents(more) {
  const p = filters();
  p.set("limit", "50");
  if (more && nextBefore) p.set("before", nextBefore);
  const data = await api("/api/events?" + p);
  if (!more) $("events").replaceChildren();
  for (const e of data.events) $("events").append(eventRow(e, false));
  nextBefore = data.next_before;
  $("more").hidden = !nextBefore;
}

function openStream() {
  if (source) source.close();
  const p = filters();
  p.delete("since");
  source = new EventSource("/api/events/stream?" + p);
  source.onopen = () => { $("conn").textContent = "live"; $("conn").className = "badge state-up"; };
  source.onerror = () => { $("conn").textContent = "reconnecting"; $("conn").className = "badge state-reconnecting"; };
  source.addEventListener("alert", (m) => {
    const e = JSON.parse(m.data);
    const list = $("events");
    if (list.querySelector(`[data-id="${e.id}"]`)) return;
    list.prepend(eventRow(e, true));
  });
}

async function showEvent(id) {
  $("live").hidden = true;
  $("event").hidden = false;
  const e = await api("/api/events/" + encodeURIComponent(id));
  $("ev-title").textContent = `${e.event} · ${e.camera} · ${new Date(e.ts).toLocaleString()}`;
  $("ev-json").textContent = JSON.stringify(e, null, 2);
  const cam = cameras.find((c) => c.name === e.camera);
  $("ev-snapshot-fig").hidden = !e.snapshot;
  if (e.snapshot) {
    const img = $("ev-snapshot");
    img.onload = () => drawOverlay($("ev-overlay"), cam && cam.width ? cam : { width: img.naturalWidth, height: img.naturalHeight,
      zones: cam && cam.zones, lines: cam && cam.lines }, { box: e.box, label: e.label });
    img.src = `/api/events/${e.id}/snapshot.jpg`;
  }
  $("ev-clip-fig").hidden = !e.clip;
  const video = $("ev-clip");
  if (e.clip) {
    video.src = `/api/events/${e.id}/clip.mp4`;
    video.addEventListener("loadedmetadata", () => drawOverlay($("ev-clip-overlay"),
      Object.assign({}, cam, { width: (cam && cam.width) || video.videoWidth, height: (cam && cam.height) || video.videoHeight }),
      null), { once: true });
    video.addEventListener("loadedmetadata", () => { if (e.clip_offset_s) video.currentTime = e.clip_offset_s; }, { once: true });
  } else {
    video.removeAttribute("src");
  }
  $("ev-nofiles").hidden = !!(e.snapshot || e.clip);
}

function route() {
  const m = location.hash.match(/^#event\/(\d+)$/);
  if (m) { showEvent(m[1]).catch(console.error); return; }
  $("event").hidden = true;
  $("live").hidden = false;
  $("ev-clip").pause();
}

async function start() {
  try {
    await refreshCameras();
    await loadEvents(false);
    openStream();
    route();
  } catch (err) { console.error(err); }
}

$("filters").addEventListener("change", () => { loadEvents(false).catch(console.error); openStream(); });
$("more").addEventListener("click", () => loadEvents(true).catch(console.error));
window.addEventListener("hashchange", route);
setInterval(() => { if (!$("live").hidden) refreshCameras().catch(() => {}); }, 1000);
start();
