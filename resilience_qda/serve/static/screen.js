// The coding screen: documents, text with stripes, codebook, codings, suggestions, review.
// mount(el, request, options) works in the page (HTTP) and in the Jupyter widget (messages).

import { h, add, clear, snippet } from "./dom.js";
import { segment } from "./api.js";
import { Offsets, snapToWords, renderText, pointToOffset, renderStripes } from "./render.js";

const PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#1f78b4"];
const MAX_RECENT = 9;

export function mount(root, request, options = {}) {
  const state = {
    project: null,
    doc: null,
    offsets: null,
    coder: options.coder || null,
    hidden: new Set(), // coders whose codings are hidden
    codeFilter: "",
    pending: null,
    preview: null,
    focus: null,
    tab: "codes",
    recent: [],
    open: new Set(),
    codeQuery: "",
    docQuery: "",
    sources: [],
    source: "",
    suggestions: null,
    compare: { a: "", b: "", result: null },
    busy: false,
  };
  const store = options.storage || safeStorage();
  const ui = build();
  root.classList.add("rq-app");
  clear(root).append(ui.shell);
  root.removeAttribute("aria-busy");

  // ------------------------------------------------------------------ helpers

  const codeBy = () => new Map((state.project ? state.project.codes : []).map((c) => [c.path, c]));
  let codeIndex = new Map();
  function colorOf(path) {
    let p = path;
    while (p) {
      const c = codeIndex.get(p);
      if (c && c.color) return c.color;
      p = p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : "";
    }
    const roots = state.project ? state.project.codes.filter((c) => !c.parent).map((c) => c.path) : [];
    const i = roots.indexOf(path.split("/")[0]);
    return PALETTE[(i >= 0 ? i : path.length) % PALETTE.length];
  }
  function nameOf(path) {
    const c = codeIndex.get(path);
    return c ? c.name : path;
  }
  function say(message, kind = "info") {
    ui.toast.textContent = message;
    ui.toast.className = `rq-toast show ${kind}`;
    clearTimeout(say.timer);
    say.timer = setTimeout(() => (ui.toast.className = "rq-toast"), kind === "error" ? 6000 : 2600);
  }
  async function call(method, path, opts) {
    try {
      return await request(method, path, opts);
    } catch (err) {
      say(err.message || String(err), "error");
      throw err;
    }
  }
  function visibleCodings() {
    if (!state.doc) return [];
    const f = state.codeFilter;
    return state.doc.codings.filter(
      (c) => !state.hidden.has(c.coder) && (!f || c.code === f || c.code.startsWith(f + "/")),
    );
  }
  function rememberRecent(path) {
    state.recent = [path, ...state.recent.filter((p) => p !== path)].slice(0, MAX_RECENT);
    store.set("recent", JSON.stringify(state.recent));
  }

  // ------------------------------------------------------------------ layout

  function build() {
    const coderSelect = h("select", { class: "rq-coder", "aria-label": "Coding as", onchange: onCoder });
    const undo = h("button", { class: "rq-btn", type: "button", title: "Undo (Ctrl+Z)", onclick: () => step("undo") }, "↶ Undo");
    const redo = h("button", { class: "rq-btn", type: "button", title: "Redo (Ctrl+Shift+Z)", onclick: () => step("redo") }, "↷ Redo");
    const status = h("span", { class: "rq-status", "aria-live": "polite" });
    const title = h("span", { class: "rq-project" });
    const top = h(
      "header",
      { class: "rq-top" },
      h("span", { class: "rq-brand" }, "resilience-qda"),
      title,
      h("span", { class: "rq-spacer" }),
      status,
      h("label", { class: "rq-as" }, "Coding as ", coderSelect),
      undo,
      redo,
      h("button", { class: "rq-btn ghost", type: "button", title: "Keyboard shortcuts", onclick: showHelp }, "?"),
    );
    const docSearch = h("input", {
      class: "rq-search",
      type: "search",
      placeholder: "Filter documents",
      "aria-label": "Filter documents",
      oninput: (e) => {
        state.docQuery = e.target.value;
        drawDocs();
      },
    });
    const docList = h("ul", { class: "rq-doclist", role: "listbox", "aria-label": "Documents" });
    const docs = h("aside", { class: "rq-docs" }, h("div", { class: "rq-pane-head" }, "Documents"), docSearch, docList);

    const head = h("div", { class: "rq-dochead" });
    const filters = h("div", { class: "rq-filters" });
    const text = h("div", { class: "rq-text", lang: "en" });
    const gutter = h("div", { class: "rq-gutter", "aria-label": "Coding stripes" });
    const paper = h("div", { class: "rq-paper" }, text, gutter);
    const scroll = h("div", { class: "rq-scroll" }, paper);
    const main = h("main", { class: "rq-main" }, head, filters, scroll);

    const tabs = h("nav", { class: "rq-tabs", role: "tablist" });
    const panel = h("div", { class: "rq-panel" });
    const side = h("aside", { class: "rq-side" }, tabs, panel);

    const popover = h("div", { class: "rq-popover", hidden: true, role: "dialog", "aria-label": "Apply a code" });
    const tooltip = h("div", { class: "rq-tooltip", hidden: true, role: "tooltip" });
    const toast = h("div", { class: "rq-toast", role: "status" });
    const modal = h("div", { class: "rq-modal", hidden: true });
    const shell = h(
      "div",
      { class: "rq-shell", tabindex: "-1" },
      top,
      h("div", { class: "rq-body" }, docs, main, side),
      popover,
      tooltip,
      toast,
      modal,
    );
    text.addEventListener("mouseup", onTextMouseUp);
    scroll.addEventListener("scroll", () => hidePopover(false));
    return { shell, coderSelect, undo, redo, status, title, docList, head, filters, text, gutter, paper, scroll, tabs, panel, popover, tooltip, toast, modal };
  }

  // ------------------------------------------------------------------ loading

  async function loadProject() {
    state.project = await call("GET", "/api/project");
    codeIndex = codeBy();
    if (!state.coder) state.coder = state.project.coder;
    ui.title.textContent = state.project.name;
    drawCoders();
    drawDocs();
  }

  async function openDoc(docId, { keep = false } = {}) {
    const doc = await call("GET", `/api/documents/${segment(docId)}`);
    const same = state.doc && state.doc.doc_id === docId;
    state.doc = doc;
    state.offsets = new Offsets(doc.text);
    if (!same) {
      state.pending = null;
      state.focus = null;
      state.preview = null;
      state.suggestions = null;
      state.compare.result = null;
      if (!keep) ui.scroll.scrollTop = 0;
    }
    store.set("doc", docId);
    drawDocs();
    drawDoc();
    drawPanel();
  }

  async function refresh() {
    const [project, history] = await Promise.all([
      call("GET", "/api/project"),
      call("GET", "/api/history", { query: { coder: state.coder } }),
    ]);
    state.project = project;
    codeIndex = codeBy();
    drawHistory(history);
    drawCoders();
    if (state.doc) await openDoc(state.doc.doc_id, { keep: true });
    else drawDocs();
  }

  // ------------------------------------------------------------------ top bar

  function drawCoders() {
    const s = ui.coderSelect;
    clear(s);
    const names = [...new Set([...state.project.coders, state.coder])].filter(
      (c) => !c.startsWith("rules:") && !c.startsWith("model:"),
    );
    for (const c of names.sort()) s.append(h("option", { value: c, selected: c === state.coder }, c));
    s.append(h("option", { value: "__new__" }, "Another coder…"));
  }

  function onCoder(e) {
    if (e.target.value === "__new__") {
      openForm("New coder", [{ name: "coder", label: "Name", required: true }], async (v) => {
        state.coder = v.coder.trim();
        drawCoders();
        await refresh();
      });
      e.target.value = state.coder;
      return;
    }
    state.coder = e.target.value;
    refresh();
  }

  function drawHistory(history) {
    ui.undo.disabled = !history.can_undo;
    ui.redo.disabled = !history.can_redo;
    ui.undo.title = `Undo (Ctrl+Z): ${history.can_undo} change(s) of ${state.coder}`;
  }

  async function step(which) {
    const r = await call("POST", `/api/${which}`, { body: { coder: state.coder } }).catch(() => null);
    if (!r) return;
    const what = [...r.added.map((c) => `+ ${nameOf(c.code)}`), ...r.removed.map((c) => `− ${nameOf(c.code)}`)];
    say(`${which === "undo" ? "Undone" : "Redone"}: ${what.join(", ")}`);
    drawHistory(r);
    const touched = [...r.added, ...r.removed].map((c) => c.doc_id);
    if (touched.length && (!state.doc || !touched.includes(state.doc.doc_id))) {
      await loadProject();
      await openDoc(touched[0]);
    } else await refresh();
  }

  // ------------------------------------------------------------------ documents

  function drawDocs() {
    const list = ui.docList;
    clear(list);
    const q = state.docQuery.toLowerCase();
    for (const d of state.project.documents) {
      const attrs = d.attributes || {};
      const hay = [d.doc_id, d.kind, ...Object.values(attrs)].join(" ").toLowerCase();
      if (q && !hay.includes(q)) continue;
      const mine = d.codings[state.coder] || 0;
      const all = Object.values(d.codings).reduce((a, b) => a + b, 0);
      const facts = [d.kind, attrs.role, attrs.case ? `case ${attrs.case}` : null, attrs.date].filter(Boolean);
      const active = state.doc && state.doc.doc_id === d.doc_id;
      list.append(
        h(
          "li",
          {
            class: "rq-docitem" + (active ? " active" : ""),
            role: "option",
            "aria-selected": active ? "true" : "false",
            tabindex: "0",
            dataset: { doc: d.doc_id },
            onclick: () => openDoc(d.doc_id),
            onkeydown: (e) => e.key === "Enter" && openDoc(d.doc_id),
          },
          h("div", { class: "rq-docline" }, h("span", { class: "rq-docid", text: d.doc_id }), h("span", { class: "rq-count", title: `${mine} by ${state.coder} · ${all} by everyone`, text: all ? `${mine} / ${all}` : "–" })),
          h("div", { class: "rq-docmeta", text: facts.join(" · ") }),
        ),
      );
    }
  }

  // ------------------------------------------------------------------ the text

  function drawDoc() {
    const d = state.doc;
    clear(ui.head);
    const attrs = Object.entries(d.attributes || {}).filter(([k]) => !["case", "kind"].includes(k)).slice(0, 6);
    const memos = d.memos.filter((m) => m.start === null || m.start === undefined);
    ui.head.append(
      h(
        "div",
        { class: "rq-titleline" },
        h("h1", { class: "rq-doctitle", text: d.doc_id }),
        h("span", { class: "rq-kind", text: d.kind }),
        d.attributes && d.attributes.case ? h("span", { class: "rq-chip", text: `case ${d.attributes.case}` }) : null,
        h("span", { class: "rq-spacer" }),
        h("button", { class: "rq-btn small", type: "button", onclick: () => openMemos({ doc_id: d.doc_id }) }, memos.length ? `Memos (${memos.length})` : "Memo"),
      ),
      h("div", { class: "rq-attrs" }, attrs.map(([k, v]) => h("span", { class: "rq-attr" }, h("b", { text: k.replace(/_/g, " ") }), " ", String(v)))),
    );
    drawFilters();
    drawText();
  }

  function drawFilters() {
    const f = ui.filters;
    clear(f);
    const byCoder = {};
    for (const c of state.doc.codings) byCoder[c.coder] = (byCoder[c.coder] || 0) + 1;
    const coders = Object.keys(byCoder).sort();
    f.append(h("span", { class: "rq-flabel" }, "Show"));
    if (!coders.length) f.append(h("span", { class: "rq-muted", text: "no codings yet: select words in the text to code them" }));
    for (const c of coders) {
      const on = !state.hidden.has(c);
      f.append(
        h(
          "button",
          {
            type: "button",
            class: "rq-toggle" + (on ? " on" : "") + (c === state.coder ? " me" : ""),
            "aria-pressed": on ? "true" : "false",
            title: on ? `Hide ${c}'s codings` : `Show ${c}'s codings`,
            onclick: () => {
              if (on) state.hidden.add(c);
              else state.hidden.delete(c);
              drawFilters();
              drawText();
              drawPanel();
            },
          },
          c,
          h("span", { class: "n", text: String(byCoder[c]) }),
        ),
      );
    }
    const select = h("select", {
      class: "rq-codefilter",
      "aria-label": "Filter by code",
      onchange: (e) => {
        state.codeFilter = e.target.value;
        drawText();
        drawPanel();
      },
    });
    select.append(h("option", { value: "" }, "All codes"));
    const used = new Set(state.doc.codings.map((c) => c.code));
    for (const c of state.project.codes) {
      const relevant = [...used].some((u) => u === c.path || u.startsWith(c.path + "/"));
      if (!relevant) continue;
      select.append(h("option", { value: c.path, selected: state.codeFilter === c.path }, `${"  ".repeat(c.depth)}${c.name}`));
    }
    f.append(h("span", { class: "rq-spacer" }), select);
  }

  let stripeFrame = 0;
  function drawText() {
    const codings = visibleCodings();
    const mark = state.pending || state.preview;
    const spans = renderText(ui.text, state.offsets, state.doc.turns, codings, {
      colorOf,
      pending: mark,
      focus: state.focus,
    });
    ui.text.classList.toggle("previewing", !!state.preview && !state.pending);
    cancelAnimationFrame(stripeFrame);
    stripeFrame = requestAnimationFrame(() => {
      const coders = new Set(codings.map((c) => c.coder));
      renderStripes(ui.gutter, ui.gutter, spans, codings, {
        colorOf,
        nameOf,
        focus: state.focus,
        showCoder: coders.size > 1,
        onPick: (c) => focusCoding(c.id),
        onHover: (c) => hover(c),
      });
    });
  }

  function hover(c) {
    for (const el of ui.text.querySelectorAll(".seg.hover")) el.classList.remove("hover");
    if (!c) return;
    for (const el of ui.text.querySelectorAll(".seg")) {
      if (Number(el.dataset.s) >= c.start && Number(el.dataset.e) <= c.end) el.classList.add("hover");
    }
  }

  function scrollToOffset(start) {
    const el = [...ui.text.querySelectorAll(".seg")].find((s) => Number(s.dataset.e) > start);
    if (el) {
      const top = el.getBoundingClientRect().top - ui.scroll.getBoundingClientRect().top + ui.scroll.scrollTop;
      ui.scroll.scrollTo({ top: Math.max(0, top - 120), behavior: "smooth" });
    }
  }

  function onTextMouseUp(event) {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0) return;
    const range = sel.getRangeAt(0);
    if (sel.isCollapsed) {
      const seg = event.target.closest && event.target.closest(".seg.coded");
      if (seg) {
        const at = Number(seg.dataset.s);
        const hits = visibleCodings().filter((c) => c.start <= at && at < c.end);
        if (hits.length) {
          const i = hits.findIndex((c) => c.id === state.focus);
          focusCoding(hits[(i + 1) % hits.length].id);
        }
      } else if (state.pending) {
        state.pending = null;
        hidePopover();
        drawText();
      }
      return;
    }
    let start = pointToOffset(ui.text, state.offsets, range.startContainer, range.startOffset);
    let end = pointToOffset(ui.text, state.offsets, range.endContainer, range.endOffset);
    if (start === null || end === null) return;
    if (start > end) [start, end] = [end, start];
    [start, end] = snapToWords(state.offsets, start, end);
    if (end <= start) return;
    const rect = range.getBoundingClientRect();
    sel.removeAllRanges();
    state.pending = { start, end };
    state.focus = null;
    drawText();
    showPopover(rect);
  }

  // ------------------------------------------------------------------ apply a code

  function matches(query) {
    const q = query.trim().toLowerCase();
    const codable = state.project.codes.filter((c) => c.codable);
    if (!q) return state.recent.map((p) => codeIndex.get(p)).filter(Boolean);
    const scored = [];
    for (const c of codable) {
      const name = c.name.toLowerCase();
      const path = c.path.toLowerCase();
      let score = -1;
      if (name.startsWith(q)) score = 0;
      else if (name.split(/\s+/).some((w) => w.startsWith(q))) score = 1;
      else if (name.includes(q)) score = 2;
      else if (path.includes(q)) score = 3;
      else if ((c.description || "").toLowerCase().includes(q)) score = 4;
      if (score >= 0) scored.push([score, c.depth, c]);
    }
    scored.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const named = scored.filter((s) => s[0] < 4); // definitions only when no name matches
    return (named.length ? named : scored).slice(0, 9).map((s) => s[2]);
  }

  function showPopover(rect) {
    const p = ui.popover;
    clear(p);
    const quote = state.offsets.slice(state.pending.start, state.pending.end);
    const input = h("input", {
      class: "rq-search",
      type: "search",
      placeholder: "Find a code…  (↵ applies, 1–9 picks)",
      "aria-label": "Find a code",
      autocomplete: "off",
    });
    const list = h("ol", { class: "rq-choices" });
    let active = 0;
    let shown = [];
    const draw = () => {
      clear(list);
      shown = matches(input.value);
      active = Math.min(active, Math.max(0, shown.length - 1));
      if (!input.value.trim() && !shown.length) list.append(h("li", { class: "rq-muted", text: "Type a code's name; codes you use show here." }));
      shown.forEach((c, i) =>
        list.append(
          h(
            "li",
            {
              class: "rq-choice" + (i === active ? " active" : ""),
              dataset: { code: c.path },
              onmousedown: (e) => e.preventDefault(),
              onclick: () => applyCode(c.path),
              onmouseenter: (e) => showTip(c, e.currentTarget),
              onmouseleave: hideTip,
            },
            h("kbd", { text: String(i + 1) }),
            h("span", { class: "dot", style: { backgroundColor: colorOf(c.path) } }),
            h("span", { class: "name", text: c.name }),
            h("span", { class: "path", text: c.parent ? nameOf(c.parent) : "" }),
          ),
        ),
      );
      const q = input.value.trim();
      if (q && !shown.some((c) => c.name.toLowerCase() === q.toLowerCase())) {
        list.append(h("li", { class: "rq-choice create", onmousedown: (e) => e.preventDefault(), onclick: () => newCode(q) }, h("kbd", { text: "+" }), h("span", { class: "name", text: `Create code “${q}”` })));
      }
    };
    input.addEventListener("input", () => {
      active = 0;
      draw();
    });
    input.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown") active = Math.min(active + 1, shown.length - 1);
      else if (e.key === "ArrowUp") active = Math.max(active - 1, 0);
      else if (e.key === "Enter") {
        e.preventDefault();
        if (shown[active]) applyCode(shown[active].path);
        else if (input.value.trim()) newCode(input.value.trim());
        return;
      } else if (e.key === "Escape") {
        cancelPending();
        return;
      } else if (/^[1-9]$/.test(e.key) && !input.value) {
        e.preventDefault();
        const c = shown[Number(e.key) - 1];
        if (c) applyCode(c.path);
        return;
      } else return;
      e.preventDefault();
      draw();
    });
    p.append(
      h("div", { class: "rq-pophead" }, h("span", { class: "rq-quote", text: `“${snippet(quote, 70)}”` }), h("button", { class: "rq-x", type: "button", title: "Cancel (Esc)", onclick: cancelPending }, "×")),
      input,
      h("div", { class: "rq-poplabel", text: "Recent codes" }),
      list,
    );
    input.addEventListener("input", () => {
      p.querySelector(".rq-poplabel").textContent = input.value.trim() ? "Matching codes" : "Recent codes";
    });
    draw();
    const box = root.getBoundingClientRect();
    p.hidden = false;
    const width = p.offsetWidth || 340;
    const left = Math.min(Math.max(8, rect.left - box.left), box.width - width - 12);
    const below = rect.bottom - box.top + 8;
    const top = below + 300 > box.height ? Math.max(48, rect.top - box.top - p.offsetHeight - 8) : below;
    Object.assign(p.style, { left: `${left}px`, top: `${top}px` });
    input.focus({ preventScroll: true });
  }

  function hidePopover(clearPending = true) {
    if (ui.popover.hidden) return;
    ui.popover.hidden = true;
    hideTip();
    if (clearPending && state.pending) {
      state.pending = null;
      drawText();
    }
  }

  function cancelPending() {
    state.pending = null;
    hidePopover();
    drawText();
  }

  async function applyCode(path) {
    if (!state.pending) {
      say("Select words in the text first, then choose a code.");
      return;
    }
    const { start, end } = state.pending;
    const coding = await call("POST", "/api/codings", {
      body: { doc_id: state.doc.doc_id, start, end, code: path, coder: state.coder },
    }).catch(() => null);
    if (!coding) return;
    rememberRecent(path);
    state.pending = null;
    state.focus = coding.id;
    hidePopover();
    say(`Coded “${snippet(coding.text, 40)}” as ${nameOf(path)}`, "ok");
    await refresh();
  }

  // ------------------------------------------------------------------ tooltips

  function showTip(code, anchor) {
    const t = ui.tooltip;
    clear(t);
    t.append(h("div", { class: "tip-name", text: code.name }), h("div", { class: "tip-path", text: code.path }));
    if (code.description) t.append(h("p", { text: code.description }));
    if (code.include) t.append(h("p", {}, h("b", { text: "Include: " }), code.include));
    if (code.exclude) t.append(h("p", {}, h("b", { text: "Exclude: " }), code.exclude));
    if (code.examples && code.examples.length) t.append(h("p", { class: "tip-example", text: `“${code.examples[0]}”` }));
    const box = root.getBoundingClientRect();
    const r = anchor.getBoundingClientRect();
    t.hidden = false;
    const left = r.left - box.left - t.offsetWidth - 10;
    const x = left > 8 ? left : Math.min(r.right - box.left + 10, box.width - t.offsetWidth - 8);
    const y = Math.min(r.top - box.top, box.height - t.offsetHeight - 8);
    Object.assign(t.style, { left: `${x}px`, top: `${Math.max(8, y)}px` });
  }
  function hideTip() {
    ui.tooltip.hidden = true;
  }

  // ------------------------------------------------------------------ side panel

  const TABS = [
    ["codes", "Codes"],
    ["codings", "Codings"],
    ["suggest", "Suggest"],
    ["compare", "Compare"],
  ];

  function drawPanel() {
    clear(ui.tabs);
    for (const [key, label] of TABS) {
      ui.tabs.append(
        h("button", {
          type: "button",
          role: "tab",
          class: "rq-tab" + (state.tab === key ? " active" : ""),
          "aria-selected": state.tab === key ? "true" : "false",
          dataset: { tab: key },
          onclick: () => {
            state.tab = key;
            drawPanel();
          },
        }, label),
      );
    }
    const p = ui.panel;
    clear(p);
    if (!state.doc) return;
    if (state.tab === "codes") drawCodes(p);
    else if (state.tab === "codings") drawCodings(p);
    else if (state.tab === "suggest") drawSuggest(p);
    else drawCompare(p);
  }

  function drawCodes(p) {
    const search = h("input", {
      class: "rq-search",
      type: "search",
      placeholder: "Search codes  ( / )",
      "aria-label": "Search codes",
      value: state.codeQuery,
      oninput: (e) => {
        state.codeQuery = e.target.value;
        drawTree();
      },
    });
    search.dataset.role = "code-search";
    const tree = h("ul", { class: "rq-tree", role: "tree" });
    const recent = h("div", { class: "rq-recent" });
    for (const [i, path] of state.recent.entries()) {
      if (!codeIndex.has(path)) continue;
      recent.append(
        h("button", { type: "button", class: "rq-chip code", title: `${nameOf(path)} (${i + 1})`, onclick: () => applyCode(path) }, h("kbd", { text: String(i + 1) }), h("span", { class: "dot", style: { backgroundColor: colorOf(path) } }), nameOf(path)),
      );
    }
    const counts = {};
    for (const c of visibleCodings()) counts[c.code] = (counts[c.code] || 0) + 1;
    function drawTree() {
      clear(tree);
      const q = state.codeQuery.trim().toLowerCase();
      const codes = state.project.codes;
      const hit = new Set();
      if (q) {
        for (const c of codes) {
          if (c.name.toLowerCase().includes(q) || c.path.includes(q)) {
            hit.add(c.path);
            let parent = c.parent;
            while (parent) {
              hit.add(parent);
              parent = codeIndex.get(parent) ? codeIndex.get(parent).parent : null;
            }
          }
        }
      }
      for (const c of codes) {
        if (q && !hit.has(c.path)) continue;
        if (!q && c.parent) {
          let up = c.parent;
          let shown = true;
          while (up) {
            if (!state.open.has(up)) shown = false;
            up = codeIndex.get(up) ? codeIndex.get(up).parent : null;
          }
          if (!shown) continue;
        }
        const kids = codes.some((k) => k.parent === c.path);
        const open = q || state.open.has(c.path);
        const n = Object.entries(counts).filter(([k]) => k === c.path || k.startsWith(c.path + "/")).reduce((a, [, v]) => a + v, 0);
        const row = h(
          "li",
          { class: "rq-node" + (state.codeFilter === c.path ? " filtered" : ""), role: "treeitem", dataset: { code: c.path, depth: String(c.depth) } },
          h(
            "button",
            {
              type: "button",
              class: "rq-twist",
              "aria-label": open ? "Collapse" : "Expand",
              disabled: !kids,
              onclick: () => {
                if (state.open.has(c.path)) state.open.delete(c.path);
                else state.open.add(c.path);
                drawTree();
              },
            },
            kids ? (open ? "▾" : "▸") : "",
          ),
          h(
            "button",
            {
              type: "button",
              class: "rq-codebtn",
              title: state.pending ? "Apply to the selected words" : "Select words in the text, then click to apply",
              onclick: () => (state.pending ? applyCode(c.path) : toggleFilter(c.path)),
              onmouseenter: (e) => showTip(c, e.currentTarget),
              onmouseleave: hideTip,
            },
            h("span", { class: "dot", style: { backgroundColor: colorOf(c.path) } }),
            h("span", { class: "name", text: c.name }),
          ),
          h("span", { class: "rq-n", text: n ? String(n) : "" }),
          h("button", { type: "button", class: "rq-icon", title: `Memos on ${c.name}`, "aria-label": `Memos on ${c.name}`, onclick: () => openMemos({ code: c.path }) }, "✎"),
        );
        row.style.paddingLeft = `${c.depth * 14}px`;
        tree.append(row);
      }
    }
    drawTree();
    add(
      p,
      h("div", { class: "rq-row" }, search, h("button", { type: "button", class: "rq-btn small", onclick: () => newCode("") }, "+ Code")),
      state.recent.length ? h("div", { class: "rq-sublabel", text: "Recent (press 1–9 after selecting words)" }) : null,
      state.recent.length ? recent : null,
      h("div", { class: "rq-hint", text: state.pending ? "Click a code to apply it to the selected words." : "Select words in the text, then pick a code. Click a code to filter the text by it." }),
      tree,
    );
  }

  function toggleFilter(path) {
    state.codeFilter = state.codeFilter === path ? "" : path;
    drawFilters();
    drawText();
    drawPanel();
  }

  function focusCoding(id) {
    state.focus = id;
    state.tab = "codings";
    drawText();
    drawPanel();
  }

  function drawCodings(p) {
    const list = visibleCodings().slice().sort((a, b) => a.start - b.start || a.end - b.end);
    const focused = state.doc.codings.find((c) => c.id === state.focus);
    if (focused) p.append(codingCard(focused));
    p.append(h("div", { class: "rq-sublabel", text: `${list.length} coding(s) shown${state.codeFilter ? ` · ${nameOf(state.codeFilter)}` : ""}` }));
    const ul = h("ul", { class: "rq-list" });
    for (const c of list) {
      ul.append(
        h(
          "li",
          {
            class: "rq-item" + (c.id === state.focus ? " active" : ""),
            dataset: { id: c.id },
            onclick: () => {
              focusCoding(c.id);
              scrollToOffset(c.start);
            },
            onmouseenter: () => hover(c),
            onmouseleave: () => hover(null),
          },
          h("div", { class: "rq-itemhead" }, h("span", { class: "dot", style: { backgroundColor: colorOf(c.code) } }), h("span", { class: "name", text: nameOf(c.code) }), h("span", { class: "who", text: c.coder })),
          h("div", { class: "rq-itemtext", text: snippet(c.text, 110) }),
        ),
      );
    }
    p.append(ul);
  }

  function codingCard(c) {
    const mine = c.coder === state.coder;
    const memos = state.doc.memos.filter((m) => m.start === c.start && m.end === c.end && (!m.code || m.code === c.code));
    return h(
      "section",
      { class: "rq-card" },
      h("div", { class: "rq-itemhead" }, h("span", { class: "dot", style: { backgroundColor: colorOf(c.code) } }), h("span", { class: "name", text: nameOf(c.code) }), h("span", { class: "who", text: c.coder })),
      h("blockquote", { text: snippet(c.text, 400) }),
      h("div", { class: "rq-meta", text: `characters ${c.start}–${c.end} · ${c.source}${c.created ? " · " + c.created.slice(0, 10) : ""}` }),
      c.evidence ? h("div", { class: "rq-meta", text: c.evidence }) : null,
      c.memo ? h("div", { class: "rq-memo", text: c.memo }) : null,
      memos.map((m) => h("div", { class: "rq-memo", text: m.text })),
      h(
        "div",
        { class: "rq-actions" },
        h("button", { type: "button", class: "rq-btn small", onclick: () => openMemos({ doc_id: c.doc_id, start: c.start, end: c.end, code: c.code, coder: c.coder }) }, "Memo…"),
        mine ? h("button", { type: "button", class: "rq-btn small danger", onclick: () => removeCoding(c) }, "Delete") : h("span", { class: "rq-muted", text: `${c.coder}'s coding` }),
      ),
    );
  }

  async function removeCoding(c) {
    const ok = await call("DELETE", `/api/codings/${segment(c.id)}`).then(() => true, () => false);
    if (!ok) return;
    state.focus = null;
    say(`Deleted ${nameOf(c.code)} (Ctrl+Z undoes)`);
    await refresh();
  }

  // ------------------------------------------------------------------ suggestions

  function drawSuggest(p) {
    const select = h("select", { class: "rq-select", "aria-label": "Suggestions from", onchange: (e) => (state.source = e.target.value) });
    for (const s of state.sources) select.append(h("option", { value: s.source, selected: s.source === state.source }, s.label));
    const go = h("button", { type: "button", class: "rq-btn small primary", onclick: loadSuggestions }, "Show");
    p.append(h("div", { class: "rq-sublabel", text: "Suggestions from" }), h("div", { class: "rq-row" }, select, go));
    if (!state.sources.length) {
      call("GET", "/api/suggestions/sources", { query: { coder: state.coder } }).then((r) => {
        state.sources = r.sources;
        state.source = state.source || (r.sources[0] && r.sources[0].source) || "";
        if (state.tab === "suggest") drawPanel();
      }, () => null);
      return;
    }
    const s = state.suggestions;
    if (!s) {
      p.append(h("p", { class: "rq-hint", text: "Another coder's codings, the codebook's rules, or a model learned from a coder's other documents, for you to accept or reject one by one. Accepted ones become your codings, with where they came from." }));
      return;
    }
    if (s.loading) {
      p.append(h("p", { class: "rq-hint", text: s.source.startsWith("model:") ? "Learning from the other documents… (a few seconds)" : "Loading…" }));
      return;
    }
    p.append(h("div", { class: "rq-sublabel", text: `${s.suggestions.length} pending for ${state.coder}` }));
    const ul = h("ul", { class: "rq-list" });
    for (const g of s.suggestions) {
      ul.append(
        h(
          "li",
          {
            class: "rq-item suggestion",
            dataset: { id: g.id },
            onmouseenter: () => {
              state.preview = { start: g.start, end: g.end };
              drawText();
            },
            onmouseleave: () => {
              state.preview = null;
              drawText();
            },
          },
          h("div", { class: "rq-itemhead" }, h("span", { class: "dot", style: { backgroundColor: colorOf(g.code) } }), h("span", { class: "name", text: nameOf(g.code) }), g.score !== null && g.score !== undefined ? h("span", { class: "who", text: g.score.toFixed(2) }) : h("span", { class: "who", text: g.from })),
          h("div", { class: "rq-itemtext", text: snippet(g.text, 140), onclick: () => scrollToOffset(g.start) }),
          g.evidence ? h("div", { class: "rq-meta", text: snippet(g.evidence, 120) }) : null,
          h(
            "div",
            { class: "rq-actions" },
            h("button", { type: "button", class: "rq-btn small primary", dataset: { act: "accept" }, onclick: () => decide(g, true) }, "Accept"),
            h("button", { type: "button", class: "rq-btn small", dataset: { act: "reject" }, onclick: () => decide(g, false) }, "Reject"),
          ),
        ),
      );
    }
    p.append(ul);
  }

  async function loadSuggestions() {
    if (!state.source) return;
    state.suggestions = { loading: true, source: state.source };
    drawPanel();
    const r = await call("GET", "/api/suggestions", { query: { doc_id: state.doc.doc_id, coder: state.coder, source: state.source } }).catch(() => null);
    state.suggestions = r;
    drawPanel();
  }

  async function decide(g, accepting) {
    const body = { doc_id: state.doc.doc_id, coder: state.coder, source: state.suggestions.source, id: g.id };
    const ok = await call("POST", `/api/suggestions/${accepting ? "accept" : "reject"}`, { body }).then(() => true, () => false);
    if (!ok) return;
    state.preview = null;
    state.suggestions.suggestions = state.suggestions.suggestions.filter((x) => x.id !== g.id);
    if (accepting) {
      rememberRecent(g.code);
      say(`Accepted ${nameOf(g.code)}`, "ok");
      await refresh();
    } else drawPanel();
  }

  // ------------------------------------------------------------------ compare

  function drawCompare(p) {
    const coders = [...new Set(state.doc.codings.map((c) => c.coder))].sort();
    const cmp = state.compare;
    if (!coders.includes(cmp.a)) cmp.a = coders[0] || "";
    if (!coders.includes(cmp.b) || cmp.b === cmp.a) cmp.b = coders.find((c) => c !== cmp.a) || "";
    const pick = (key) => {
      const s = h("select", { class: "rq-select", "aria-label": `Coder ${key.toUpperCase()}`, onchange: (e) => ((cmp[key] = e.target.value), (cmp.result = null), drawPanel()) });
      for (const c of coders) s.append(h("option", { value: c, selected: cmp[key] === c }, c));
      return s;
    };
    p.append(h("div", { class: "rq-sublabel", text: "Two coders on this document" }));
    if (coders.length < 2) {
      p.append(h("p", { class: "rq-hint", text: "Only one coder has coded this document." }));
      return;
    }
    p.append(h("div", { class: "rq-row" }, pick("a"), h("span", { class: "rq-muted", text: "vs" }), pick("b"), h("button", { type: "button", class: "rq-btn small primary", onclick: runCompare }, "Compare")));
    const r = cmp.result;
    if (!r) return;
    const kappa = r.kappa === null ? "–" : r.kappa.toFixed(2);
    p.append(
      h(
        "div",
        { class: "rq-figure" },
        h("div", { class: "big", text: `κ ${kappa}` }),
        h("div", { class: "rq-meta", text: `mean Cohen's kappa over ${r.codes.length} code(s), characters (NVivo's comparison); pooled κ ${r.pooled_kappa === null ? "–" : r.pooled_kappa.toFixed(2)}` }),
        h("div", { class: "rq-meta", text: `both ${r.a} · only ${r.coders[0]} ${r.b} · only ${r.coders[1]} ${r.c} characters` }),
      ),
    );
    const ul = h("ul", { class: "rq-list" });
    for (const d of r.passages) {
      ul.append(
        h(
          "li",
          {
            class: "rq-item",
            onclick: () => scrollToOffset(d.start),
            onmouseenter: () => ((state.preview = { start: d.start, end: d.end }), drawText()),
            onmouseleave: () => ((state.preview = null), drawText()),
          },
          h("div", { class: "rq-itemtext", text: snippet(d.text, 120) }),
          d.only_a ? h("div", { class: "rq-meta" }, h("b", { text: `only ${r.coders[0]}: ` }), d.only_a.split("; ").map(nameOf).join(", ")) : null,
          d.only_b ? h("div", { class: "rq-meta" }, h("b", { text: `only ${r.coders[1]}: ` }), d.only_b.split("; ").map(nameOf).join(", ")) : null,
        ),
      );
    }
    p.append(h("div", { class: "rq-sublabel", text: `${r.passages.length} passage(s) where they differ` }), ul);
  }

  async function runCompare() {
    const cmp = state.compare;
    cmp.result = await call("GET", "/api/disagreement", { query: { doc_id: state.doc.doc_id, coders: `${cmp.a},${cmp.b}` } }).catch(() => null);
    drawPanel();
  }

  // ------------------------------------------------------------------ dialogs

  function openForm(title, fields, submit) {
    const m = ui.modal;
    clear(m);
    const inputs = {};
    const form = h("form", {
      class: "rq-dialog",
      onsubmit: async (e) => {
        e.preventDefault();
        const values = Object.fromEntries(Object.entries(inputs).map(([k, el]) => [k, el.value]));
        try {
          await submit(values);
          m.hidden = true;
        } catch (err) {
          /* the toast has said why */
        }
      },
    });
    form.append(h("h2", { text: title }));
    for (const f of fields) {
      let el;
      if (f.options) {
        el = h("select", { name: f.name });
        for (const [value, label] of f.options) el.append(h("option", { value, selected: value === f.value }, label));
      } else if (f.area) el = h("textarea", { name: f.name, rows: "5", required: f.required });
      else el = h("input", { name: f.name, type: "text", required: f.required, autocomplete: "off" });
      if (f.value && !f.options) el.value = f.value;
      inputs[f.name] = el;
      form.append(h("label", { class: "rq-field" }, h("span", { text: f.label }), el));
    }
    if (fields.extra) form.append(fields.extra);
    form.append(h("div", { class: "rq-actions" }, h("button", { type: "button", class: "rq-btn", onclick: () => (m.hidden = true) }, "Cancel"), h("button", { type: "submit", class: "rq-btn primary" }, "Save")));
    m.append(form);
    m.hidden = false;
    const first = form.querySelector("input, textarea, select");
    if (first) first.focus();
  }

  function newCode(name) {
    const parents = [["", "(top level)"], ...state.project.codes.map((c) => [c.path, `${"  ".repeat(c.depth)}${c.name}`])];
    const pending = state.pending;
    hidePopover(false);
    openForm(
      "New code",
      [
        { name: "name", label: "Name", required: true, value: name },
        { name: "parent", label: "Under", options: parents, value: state.codeFilter || "" },
        { name: "description", label: "Definition", area: true },
      ],
      async (v) => {
        const code = await call("POST", "/api/codes", { body: { name: v.name, parent: v.parent || null, description: v.description } });
        await loadProject();
        say(`Created code ${code.name} (written to codebook.yaml)`, "ok");
        if (pending) {
          state.pending = pending;
          await applyCode(code.path);
        } else drawPanel();
      },
    );
  }

  function openMemos(target) {
    const d = state.doc;
    const pool = target.code && !target.doc_id ? state.project.memos : d.memos;
    const existing = pool.filter((m) => {
      if (target.start !== undefined) return m.start === target.start && m.end === target.end && (!m.code || m.code === target.code);
      if (target.code && !target.doc_id) return m.code === target.code && !m.doc_id;
      return m.doc_id === target.doc_id && (m.start === null || m.start === undefined);
    });
    const what = target.start !== undefined ? `coding: ${nameOf(target.code)}` : target.code ? `code: ${nameOf(target.code)}` : `document: ${target.doc_id}`;
    const list = h("div", { class: "rq-memolist" }, existing.length ? existing.map((m) => h("div", { class: "rq-memo" }, h("div", { class: "rq-meta", text: `${m.author || ""} ${m.created ? m.created.slice(0, 10) : ""}` }), m.text)) : h("p", { class: "rq-muted", text: "No memos yet." }));
    const fields = [{ name: "text", label: "New memo", area: true, required: true }];
    fields.extra = null;
    openForm(`Memos on the ${what}`, fields, async (v) => {
      await call("POST", "/api/memos", { body: { text: v.text, author: state.coder, ...target } });
      say("Memo saved", "ok");
      await refresh();
    });
    const form = ui.modal.querySelector("form");
    form.insertBefore(list, form.children[1]);
  }

  function showHelp() {
    const rows = [
      ["Select words", "mouse drag in the text (snaps to whole words)"],
      ["1–9", "apply a recent code to the selection"],
      ["type + ↵", "find a code by name and apply it"],
      ["Esc", "cancel the selection"],
      ["Ctrl+Z / Ctrl+Shift+Z", "undo / redo your last change"],
      ["/", "search the codebook"],
      ["[ and ]", "previous / next document"],
      ["Delete", "delete the selected coding (yours)"],
    ];
    const m = ui.modal;
    clear(m);
    m.append(h("div", { class: "rq-dialog" }, h("h2", { text: "Keyboard" }), h("table", { class: "rq-keys" }, rows.map(([k, v]) => h("tr", {}, h("th", { text: k }), h("td", { text: v })))), h("div", { class: "rq-actions" }, h("button", { type: "button", class: "rq-btn primary", onclick: () => (m.hidden = true) }, "Close"))));
    m.hidden = false;
  }

  // ------------------------------------------------------------------ keyboard

  function onKey(e) {
    const inField = /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName);
    if (!ui.modal.hidden) {
      if (e.key === "Escape") ui.modal.hidden = true;
      return;
    }
    const mod = e.ctrlKey || e.metaKey;
    if (mod && !inField && e.key.toLowerCase() === "z") {
      e.preventDefault();
      step(e.shiftKey ? "redo" : "undo");
    } else if (mod && !inField && e.key.toLowerCase() === "y") {
      e.preventDefault();
      step("redo");
    } else if (inField) {
      return;
    } else if (e.key === "Escape") {
      cancelPending();
    } else if (e.key === "/") {
      e.preventDefault();
      state.tab = "codes";
      drawPanel();
      const s = ui.panel.querySelector("[data-role=code-search]");
      if (s) s.focus();
    } else if (/^[1-9]$/.test(e.key) && state.pending) {
      const path = state.recent[Number(e.key) - 1];
      if (path) applyCode(path);
    } else if (e.key === "[" || e.key === "]") {
      const ids = state.project.documents.map((d) => d.doc_id);
      const i = ids.indexOf(state.doc && state.doc.doc_id);
      const j = Math.min(ids.length - 1, Math.max(0, i + (e.key === "]" ? 1 : -1)));
      if (ids[j]) openDoc(ids[j]);
    } else if ((e.key === "Delete" || e.key === "Backspace") && state.focus) {
      const c = state.doc.codings.find((x) => x.id === state.focus);
      if (c && c.coder === state.coder) removeCoding(c);
    }
  }
  (options.keyTarget || ui.shell).addEventListener("keydown", onKey);
  const resize = new ResizeObserver(() => state.doc && drawText());
  resize.observe(ui.scroll);

  // ------------------------------------------------------------------ start

  (async () => {
    try {
      state.recent = JSON.parse(store.get("recent") || "[]");
    } catch {
      state.recent = [];
    }
    await loadProject();
    state.open = new Set(state.project.codes.filter((c) => !c.parent).map((c) => c.path));
    const history = await call("GET", "/api/history", { query: { coder: state.coder } });
    drawHistory(history);
    const wanted = options.docId || store.get("doc");
    const first = state.project.documents.find((d) => d.doc_id === wanted) || state.project.documents[0];
    if (first) await openDoc(first.doc_id);
    else drawPanel();
    root.dataset.ready = "true";
  })().catch((err) => {
    root.dataset.ready = "error";
    say(`Could not load the project: ${err.message || err}`, "error");
  });

  return { state, refresh, openDoc };
}

function safeStorage() {
  const memory = new Map();
  try {
    const ls = window.localStorage;
    return {
      get: (k) => ls.getItem(`rq:${k}`),
      set: (k, v) => ls.setItem(`rq:${k}`, v),
    };
  } catch {
    return { get: (k) => memory.get(k) ?? null, set: (k, v) => memory.set(k, v) };
  }
}
