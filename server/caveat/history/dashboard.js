// caveat report: draws the dashboard from the JSON embedded in the page (no network, no libraries).
"use strict";
(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const COLORS = { ai: "#7b4fd6", other: "#8aa1b8", fixed: "#2e9e6a", rate: "#d9412b", aiRate: "#7b4fd6" };
  const data = JSON.parse(document.getElementById("caveat-data").textContent);
  const links = JSON.parse(document.getElementById("caveat-links").textContent);
  const periods = data.periods;

  function el(tag, attrs, text) {
    const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = String(text);
    return node;
  }
  const sum = (key) => periods.reduce((total, p) => total + p[key], 0);
  const perKloc = (found, lines) => (lines ? (1000 * found) / lines : 0);
  const fmt = (value) => (Number.isInteger(value) ? String(value) : value.toFixed(1));
  const share = (part, whole) => (whole ? Math.round((100 * part) / whole) + "%" : "0%");
  // The smallest 1, 2 or 5 x 10^k at or above `value`: axes end on round numbers.
  const niceMax = (value) => {
    if (value <= 0) return 1;
    const power = Math.pow(10, Math.floor(Math.log10(value)));
    return [1, 2, 5, 10].map((m) => m * power).find((m) => m >= value);
  };
  const ticks = (max) => (String(max).replace(/[0.]/g, "")[0] === "2" ? 4 : 5);
  const label = (p) => (data.period === "month" ? p.start.slice(0, 7) : p.start.slice(5));

  // --- summary cards ------------------------------------------------------------------
  function cards() {
    const commits = sum("commits"), ai = sum("ai_commits"), added = sum("lines_added"), aiAdded = sum("ai_lines_added");
    const found = sum("findings_introduced"), aiFound = sum("ai_findings_introduced");
    const items = [
      ["commits", commits, `${ai} AI-assisted (${share(ai, commits)})`],
      ["lines_added", added, `${aiAdded} in AI-assisted commits (${share(aiAdded, added)})`],
      ["findings_introduced", found, `${aiFound} in AI-assisted commits`],
      ["rate_ai", fmt(perKloc(aiFound, aiAdded)), "introduced per 1,000 lines, AI-assisted"],
      ["rate_other", fmt(perKloc(found - aiFound, added - aiAdded)), "introduced per 1,000 lines, other commits"],
      ["findings_fixed", sum("findings_fixed"), "fixed"],
      ["open_findings", data.open_findings.length, "introduced in this range and still open"],
    ];
    const box = document.getElementById("cards");
    for (const [metric, value, caption] of items) {
      const card = el("div", { class: "card", "data-metric": metric });
      card.append(el("div", { class: "value" }, value), el("div", { class: "caption" }, caption));
      box.append(card);
    }
  }

  // --- charts -------------------------------------------------------------------------
  // series: [{name, key, color, values, stack}] drawn as bars (stacked when they share `stack`);
  // lines: [{name, key, color, values}] on a second axis at the right.
  function chart(id, title, series, lines) {
    const W = 900, H = 260, left = 48, right = lines.length ? 48 : 12, top = 16, bottom = 44;
    const svg = el("svg:svg", { class: "chart", id, viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title });
    const stacks = [...new Set(series.map((s) => s.stack))];
    const slot = (W - left - right) / Math.max(periods.length, 1);
    const barW = Math.min(48, Math.max(2, (slot * 0.8) / stacks.length));
    const totals = periods.map((_, i) => stacks.map((st) => series.filter((s) => s.stack === st)
      .reduce((t, s) => t + s.values[i], 0)));
    const maxBar = niceMax(Math.max(...totals.flat(), 0));
    const maxLine = niceMax(Math.max(...lines.flatMap((l) => l.values), 0));
    const y = (v, max) => top + (H - top - bottom) * (1 - v / max);
    for (let t = 0, n = ticks(maxBar); t <= n; t++) {
      const v = (maxBar * t) / n;
      svg.append(el("svg:line", { x1: left, x2: W - right, y1: y(v, maxBar), y2: y(v, maxBar), class: "grid" }));
      svg.append(el("svg:text", { x: left - 6, y: y(v, maxBar) + 4, class: "axis", "text-anchor": "end" }, fmt(v)));
    }
    for (let t = 0, n = ticks(maxLine); lines.length && t <= n; t++) {
      const v = (maxLine * t) / n;
      svg.append(el("svg:text", { x: W - right + 6, y: y(v, maxLine) + 4, class: "axis" }, fmt(v)));
    }
    periods.forEach((p, i) => {
      const x0 = left + slot * (i + 0.5) - (barW * stacks.length) / 2;
      stacks.forEach((st, k) => {
        let base = 0;
        for (const s of series.filter((s) => s.stack === st)) {
          const v = s.values[i];
          const rect = el("svg:rect", {
            class: "bar", x: x0 + k * barW, width: barW - 1, y: y(base + v, maxBar),
            height: Math.max(0, y(base, maxBar) - y(base + v, maxBar)), fill: s.color,
            "data-series": s.key, "data-period": p.start, "data-value": v,
          });
          rect.append(el("svg:title", {}, `${s.name}, ${p.start}: ${fmt(v)}`));
          svg.append(rect);
          base += v;
        }
      });
      if (periods.length <= 40 || i % Math.ceil(periods.length / 40) === 0) {
        svg.append(el("svg:text", { x: left + slot * (i + 0.5), y: H - bottom + 16, class: "axis",
          "text-anchor": "middle" }, label(p)));
      }
    });
    for (const l of lines) {
      const points = l.values.map((v, i) => `${left + slot * (i + 0.5)},${y(v, maxLine)}`);
      svg.append(el("svg:polyline", { class: "line", points: points.join(" "), stroke: l.color, "data-series": l.key }));
      l.values.forEach((v, i) => {
        const dot = el("svg:circle", { class: "dot", cx: left + slot * (i + 0.5), cy: y(v, maxLine), r: 3,
          fill: l.color, "data-series": l.key, "data-period": periods[i].start, "data-value": fmt(v) });
        dot.append(el("svg:title", {}, `${l.name}, ${periods[i].start}: ${fmt(v)}`));
        svg.append(dot);
      });
    }
    const legend = el("div", { class: "legend" });
    for (const s of [...series, ...lines]) {
      const item = el("span", { class: "key" });
      item.append(el("i", { style: `background:${s.color}` }), document.createTextNode(s.name));
      legend.append(item);
    }
    const figure = el("figure", {});
    figure.append(el("figcaption", {}, title), svg, legend);
    document.getElementById("charts").append(figure);
  }

  function categoryChart() {
    const names = Object.keys(periods[0] ? periods[0].by_category : {});
    const rows = names.map((c) => ({ c, introduced: periods.reduce((t, p) => t + p.by_category[c].introduced, 0),
      fixed: periods.reduce((t, p) => t + p.by_category[c].fixed, 0) }))
      .sort((a, b) => b.introduced - a.introduced || a.c.localeCompare(b.c));
    const W = 900, row = 22, left = 210, H = Math.max(40, rows.length * row + 10);
    const max = niceMax(Math.max(0, ...rows.map((r) => Math.max(r.introduced, r.fixed))));
    const svg = el("svg:svg", { class: "chart", id: "chart-categories", viewBox: `0 0 ${W} ${H}`, role: "img",
      "aria-label": "Findings by category" });
    rows.forEach((r, i) => {
      const yy = 5 + i * row;
      svg.append(el("svg:text", { x: left - 8, y: yy + 14, class: "axis", "text-anchor": "end" }, r.c));
      for (const [k, key, color] of [[0, "introduced", COLORS.rate], [1, "fixed", COLORS.fixed]]) {
        const w = ((W - left - 60) * r[key]) / max;
        const rect = el("svg:rect", { class: "bar", x: left, y: yy + k * 9, width: w, height: 8, fill: color,
          "data-series": key, "data-category": r.c, "data-value": r[key] });
        rect.append(el("svg:title", {}, `${r.c}: ${r[key]} ${key}`));
        svg.append(rect);
        svg.append(el("svg:text", { x: left + w + 4, y: yy + k * 9 + 8, class: "axis small" }, r[key]));
      }
    });
    const figure = el("figure", {});
    const legend = el("div", { class: "legend" });
    for (const [name, color] of [["introduced", COLORS.rate], ["fixed", COLORS.fixed]]) {
      const item = el("span", { class: "key" });
      item.append(el("i", { style: `background:${color}` }), document.createTextNode(name));
      legend.append(item);
    }
    figure.append(el("figcaption", {}, "Findings by category, whole range"), svg, legend);
    document.getElementById("charts").append(figure);
  }

  // --- tables ---------------------------------------------------------------------------
  const PERIOD_COLUMNS = ["commits", "ai_commits", "lines_added", "lines_deleted", "ai_lines_added",
    "findings_introduced", "ai_findings_introduced", "findings_fixed"];

  function periodTable() {
    const table = document.getElementById("periods");
    const head = el("tr", {});
    for (const name of ["start", "end", ...PERIOD_COLUMNS, "per 1,000 lines"]) head.append(el("th", {}, name.replaceAll("_", " ")));
    table.append(head);
    for (const p of periods) {
      const tr = el("tr", { "data-period": p.start });
      tr.append(el("td", {}, p.start), el("td", {}, p.end));
      for (const key of PERIOD_COLUMNS) tr.append(el("td", { "data-key": key, class: "num" }, p[key]));
      tr.append(el("td", { "data-key": "rate", class: "num" }, fmt(perKloc(p.findings_introduced, p.lines_added))));
      table.append(tr);
    }
  }

  function link(text, href) {
    if (!href) return el("span", {}, text);
    return el("a", { href }, text);
  }
  const encode = (key, value) => (key === "path" ? encodeURIComponent(value).replace(/%2F/g, "/") : encodeURIComponent(value));
  const fill = (template, values) => template && template.replace(/\{(\w+)\}/g, (_, k) => encode(k, String(values[k])));

  function openTable() {
    const table = document.getElementById("open");
    const head = el("tr", {});
    for (const name of ["path", "line", "code", "category", "introduced by", "date", "AI-assisted"]) head.append(el("th", {}, name));
    table.append(head);
    for (const f of data.open_findings) {
      const by = f.introduced_by;
      const tr = el("tr", { class: by.ai_assisted ? "ai" : "" });
      const where = { sha: links.head, path: f.path, line: f.line };
      const cells = [link(f.path, fill(links.line, where)), el("span", {}, f.line), el("span", {}, f.code),
        el("span", {}, f.category), link(by.commit.slice(0, 10), fill(links.commit, { sha: by.commit })),
        el("span", {}, by.date), el("span", {}, by.ai_assisted ? "yes" : "no")];
      for (const cell of cells) { const td = el("td", {}); td.append(cell); tr.append(td); }
      table.append(tr);
    }
    if (!data.open_findings.length) {
      const tr = el("tr", {}); tr.append(el("td", { colspan: 7 }, "No finding introduced in this range is still open."));
      table.append(tr);
    }
  }

  cards();
  chart("chart-velocity", "Velocity and defect rate: lines added per period (bars), findings introduced per 1,000 lines added (line)", [
    { name: "lines added, AI-assisted", key: "ai_lines_added", color: COLORS.ai, stack: 0, values: periods.map((p) => p.ai_lines_added) },
    { name: "lines added, other", key: "other_lines_added", color: COLORS.other, stack: 0, values: periods.map((p) => p.lines_added - p.ai_lines_added) },
  ], [
    { name: "findings per 1,000 lines added", key: "rate", color: COLORS.rate, values: periods.map((p) => perKloc(p.findings_introduced, p.lines_added)) },
  ]);
  chart("chart-ai", "Findings introduced by AI-assisted and other commits, and findings fixed (bars); per 1,000 lines (lines)", [
    { name: "introduced, AI-assisted", key: "ai_findings_introduced", color: COLORS.ai, stack: 0, values: periods.map((p) => p.ai_findings_introduced) },
    { name: "introduced, other", key: "other_findings_introduced", color: COLORS.other, stack: 0, values: periods.map((p) => p.findings_introduced - p.ai_findings_introduced) },
    { name: "fixed", key: "findings_fixed", color: COLORS.fixed, stack: 1, values: periods.map((p) => p.findings_fixed) },
  ], [
    { name: "per 1,000 lines, AI-assisted", key: "ai_rate", color: COLORS.aiRate, values: periods.map((p) => perKloc(p.ai_findings_introduced, p.ai_lines_added)) },
    { name: "per 1,000 lines, other", key: "other_rate", color: COLORS.other, values: periods.map((p) => perKloc(p.findings_introduced - p.ai_findings_introduced, p.lines_added - p.ai_lines_added)) },
  ]);
  categoryChart();
  periodTable();
  openTable();
  document.body.setAttribute("data-rendered", "true");
})();
