// The document text as segments, offsets in Unicode code points (as stored), and the
// coding stripes beside it.

import { h, clear } from "./dom.js";

// Offsets of a text in code points <-> UTF-16 units (JavaScript strings).
export class Offsets {
  constructor(text) {
    this.text = text;
    this.simple = !/[\uD800-\uDFFF]/.test(text);
    if (!this.simple) {
      this.cpToU16 = [0];
      this.u16ToCp = new Array(text.length + 1);
      let u = 0;
      let cp = 0;
      for (const ch of text) {
        this.u16ToCp[u] = cp;
        if (ch.length === 2) this.u16ToCp[u + 1] = cp;
        u += ch.length;
        cp += 1;
        this.cpToU16.push(u);
      }
      this.u16ToCp[u] = cp;
      this.length = cp;
    } else {
      this.length = text.length;
    }
  }
  u16(cp) {
    return this.simple ? cp : this.cpToU16[cp];
  }
  cp(u16) {
    return this.simple ? u16 : this.u16ToCp[u16];
  }
  slice(start, end) {
    return this.text.slice(this.u16(start), this.u16(end));
  }
}

const WORD = /[\p{L}\p{N}'’_-]/u;

// Widen a selection [start, end) (code points) to whole words and trim white space.
export function snapToWords(offsets, start, end) {
  const chars = Array.from(offsets.text);
  if (start < end && WORD.test(chars[start] || "")) {
    while (start > 0 && WORD.test(chars[start - 1])) start -= 1;
  }
  if (end > start && WORD.test(chars[end - 1] || "")) {
    while (end < chars.length && WORD.test(chars[end])) end += 1;
  }
  while (start < end && /\s/.test(chars[start])) start += 1;
  while (end > start && /\s/.test(chars[end - 1])) end -= 1;
  return [start, end];
}

// Speaker labels ("Interviewer: ") and interviewer turns as ranges of code points.
function turnRanges(offsets, turns) {
  const labels = [];
  const asked = [];
  for (const t of turns || []) {
    const u = offsets.u16(t.start);
    const lineStart = offsets.text.lastIndexOf("\n", u - 1) + 1;
    if (lineStart < u) labels.push([offsets.cp(lineStart), t.start, t.speaker]);
    if (t.interviewer) asked.push([t.start, t.end]);
  }
  return { labels, asked };
}

function inside(ranges, pos) {
  return ranges.some(([s, e]) => s <= pos && pos < e);
}

function rgba(hex, alpha) {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex || "");
  const n = m ? parseInt(m[1], 16) : 0x6e7781;
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

// Render the text into `el` as spans split at every boundary; returns the span elements.
export function renderText(el, offsets, turns, codings, { colorOf, pending, focus }) {
  clear(el);
  const { labels, asked } = turnRanges(offsets, turns);
  const cuts = new Set([0, offsets.length]);
  for (const [s, e] of labels) cuts.add(s).add(e);
  for (const [s, e] of asked) cuts.add(s).add(e);
  for (const c of codings) cuts.add(c.start).add(c.end);
  if (pending) cuts.add(pending.start).add(pending.end);
  const points = [...cuts].filter((p) => p >= 0 && p <= offsets.length).sort((a, b) => a - b);
  const spans = [];
  const frag = document.createDocumentFragment();
  for (let i = 0; i < points.length - 1; i++) {
    const s = points[i];
    const e = points[i + 1];
    const cover = codings.filter((c) => c.start <= s && e <= c.end);
    const classes = ["seg"];
    if (labels.some(([a, b]) => a <= s && e <= b)) classes.push("speaker");
    else if (inside(asked, s)) classes.push("asked");
    if (cover.length) classes.push("coded");
    if (cover.length > 1) classes.push("multi");
    if (focus && cover.some((c) => c.id === focus)) classes.push("focus");
    if (pending && pending.start <= s && e <= pending.end) classes.push("pending");
    const span = h("span", { class: classes.join(" "), dataset: { s: String(s), e: String(e) } });
    span.textContent = offsets.slice(s, e);
    if (cover.length) {
      const top = cover[cover.length - 1];
      span.style.backgroundColor = rgba(colorOf(top.code), cover.length > 1 ? 0.3 : 0.18);
      span.style.borderBottomColor = rgba(colorOf(top.code), 0.75);
    }
    spans.push(span);
    frag.append(span);
  }
  el.append(frag);
  return spans;
}

// The code-point offset of a DOM point (node, offset) inside the rendered text.
export function pointToOffset(root, offsets, node, offset) {
  if (node.nodeType === Node.TEXT_NODE) {
    const span = node.parentElement.closest("[data-s]");
    if (!span || !root.contains(span)) return null;
    const base = Number(span.dataset.s);
    const before = node.data.slice(0, offset);
    return base + Array.from(before).length;
  }
  if (node === root || root.contains(node)) {
    const child = node.childNodes[offset];
    if (child && child.dataset && child.dataset.s !== undefined) return Number(child.dataset.s);
    const prev = node.childNodes[offset - 1];
    if (prev && prev.dataset && prev.dataset.e !== undefined) return Number(prev.dataset.e);
    const span = node.closest && node.closest("[data-s]");
    if (span) return offset === 0 ? Number(span.dataset.s) : Number(span.dataset.e);
  }
  return null;
}

// Vertical position of a coding's span (relative to `host`), from its first and last span.
function extent(host, spans, coding) {
  let first = null;
  let last = null;
  for (const sp of spans) {
    const s = Number(sp.dataset.s);
    const e = Number(sp.dataset.e);
    if (s >= coding.start && e <= coding.end) {
      if (!first) first = sp;
      last = sp;
    }
  }
  if (!first) return null;
  const range = document.createRange();
  range.setStartBefore(first);
  range.setEndAfter(last);
  const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
  if (!rects.length) return null;
  const base = host.getBoundingClientRect().top;
  return {
    top: Math.min(...rects.map((r) => r.top)) - base,
    bottom: Math.max(...rects.map((r) => r.bottom)) - base,
  };
}

// Draw one bar per coding in lanes, with its code's name beside it (labels never overlap).
export function renderStripes(gutter, host, spans, codings, { colorOf, nameOf, focus, showCoder, onPick, onHover }) {
  clear(gutter);
  const placed = [];
  for (const c of codings) {
    const box = extent(host, spans, c);
    if (box) placed.push({ c, ...box });
  }
  placed.sort((a, b) => a.top - b.top || b.bottom - a.bottom);
  const lanes = [];
  for (const p of placed) {
    let lane = lanes.findIndex((bottom) => bottom < p.top - 1);
    if (lane === -1) {
      lane = lanes.length;
      lanes.push(0);
    }
    lanes[lane] = p.bottom;
    p.lane = lane;
  }
  const laneWidth = 7;
  const labelLeft = Math.max(1, lanes.length) * laneWidth + 8;
  let labelBottom = -Infinity;
  for (const p of placed) {
    const color = colorOf(p.c.code);
    const selected = focus === p.c.id;
    const title = `${nameOf(p.c.code)} · ${p.c.coder}${p.c.memo ? " · " + p.c.memo : ""}`;
    const bar = h("div", {
      class: "bar" + (selected ? " selected" : ""),
      title,
      dataset: { id: p.c.id },
      onclick: () => onPick(p.c),
      onmouseenter: () => onHover(p.c),
      onmouseleave: () => onHover(null),
    });
    Object.assign(bar.style, {
      top: `${p.top}px`,
      height: `${Math.max(6, p.bottom - p.top)}px`,
      left: `${p.lane * laneWidth}px`,
      backgroundColor: color,
    });
    const top = Math.max(p.top, labelBottom + 2);
    const label = h(
      "button",
      {
        class: "label" + (selected ? " selected" : ""),
        type: "button",
        title,
        dataset: { id: p.c.id },
        onclick: () => onPick(p.c),
        onmouseenter: () => onHover(p.c),
        onmouseleave: () => onHover(null),
      },
      h("span", { class: "dot", style: { backgroundColor: color } }),
      h("span", { class: "name", text: nameOf(p.c.code) }),
      showCoder ? h("span", { class: "who", text: p.c.coder }) : null,
    );
    Object.assign(label.style, { top: `${top}px`, left: `${labelLeft}px` });
    labelBottom = top + 18;
    gutter.append(bar, label);
  }
  gutter.style.minHeight = `${Math.max(0, labelBottom)}px`;
}

export { rgba };
