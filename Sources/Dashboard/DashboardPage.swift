/// The dashboard's one page (runs list and run page), its script and style; the same renderer makes `ctxevo report`'s snapshot.
public enum DashboardPage {
    public static let html: String = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>ctxevo</title>
        <style>
        :root {
          --fg: #1d2430; --muted: #6b7483; --line: #dde1e7; --bg: #f5f6f8; --card: #fff; --accent: #2f6fdf; --bad: #c53030;
        }
        * { box-sizing: border-box; }
        body {
          margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
          background: var(--bg);
        }
        a { color: var(--accent); text-decoration: none; }
        a:hover { text-decoration: underline; }
        #bar { display: flex; align-items: center; gap: 1rem; padding: .45rem 1.25rem; background: #1d2430; color: #fff; }
        #bar a, #brand { color: #fff; font-weight: 600; }
        main { padding: .8rem 1.25rem 3rem; max-width: 1600px; margin: 0 auto; }
        h1 { font-size: 1.35rem; margin: .2rem 0 .3rem; overflow-wrap: anywhere; }
        h2 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
        .muted { color: var(--muted); }
        .error { color: var(--bad); }
        .error:empty { display: none; }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; }
        .meta { display: flex; flex-wrap: wrap; gap: .25rem 1.2rem; margin: .25rem 0; }
        .meta .muted { margin-right: .3rem; }
        .grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: .8rem; margin-top: .8rem; }
        @media (max-width: 900px) { .grid { grid-template-columns: minmax(0, 1fr); } }
        .wide { grid-column: 1 / -1; }
        .grid > .grid { margin-top: 0; }
        .chart { height: 340px; }
        .chart.tall { height: 440px; }
        .nochart { display: flex; align-items: center; justify-content: center; color: var(--muted); }
        .chart-note { margin: 0 .6rem .4rem; font-size: 12px; color: var(--bad); }
        .chart-note:empty { display: none; }
        .table-box { overflow: auto; max-height: 72vh; }
        table { border-collapse: collapse; width: 100%; font-size: 13px; }
        th, td { padding: .28rem .55rem; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
        th { background: #eef1f5; position: sticky; top: 0; z-index: 1; font-weight: 600; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        #candidates-table th { cursor: pointer; user-select: none; }
        #candidates-table tbody tr { cursor: pointer; }
        tbody tr:hover { background: #f1f5fc; }
        tr.selected, tr.selected:hover { background: #fff1bd; }
        tr.failed td { color: var(--bad); }
        tr.proxy td { color: var(--muted); }
        .badge { display: inline-block; padding: 0 .45rem; border-radius: 9px; font-size: 12px; background: #e5e8ed; }
        .badge.running { background: #dcebff; color: #1857b8; }
        .badge.finished, .badge.ok { background: #d9f2e2; color: #176b3c; }
        .badge.interrupted, .badge.failed, .badge.stale, .badge.error { background: #fddede; color: #a32020; }
        .badge.warning { background: #fff0c8; color: #7a5600; }
        .progress {
          display: inline-block; width: 64px; height: 6px; margin-right: .45rem; vertical-align: middle;
          background: #e5e8ed; border-radius: 3px; overflow: hidden;
        }
        .progress > span { display: block; height: 100%; background: var(--accent); }
        .live { display: inline-flex; align-items: center; gap: .35rem; font-size: 12px; margin-left: auto; }
        .live::before { content: ""; width: 9px; height: 9px; border-radius: 50%; background: #9aa1ab; }
        .live.on::before { background: #2ecc71; box-shadow: 0 0 5px #2ecc71; }
        .controls { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .4rem 0; }
        input, button { font: inherit; padding: .22rem .55rem; border: 1px solid #c9ced6; border-radius: 4px; }
        button { background: #fff; }
        input[type=search], input[type=text] { min-width: 15rem; }
        button { cursor: pointer; }
        button:disabled { opacity: .45; cursor: default; }
        #events { list-style: none; margin: 0; padding: 0; font-size: 13px; max-height: 26rem; overflow: auto; }
        #events li { padding: .25rem .6rem; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
        #events time { color: var(--muted); margin-right: .6rem; font-variant-numeric: tabular-nums; }
        pre { margin: 0; padding: .6rem; overflow: auto; max-height: 420px; font-size: 12px; }
        summary { cursor: pointer; margin: 1.4rem 0 .4rem; font-weight: 600; }
        [hidden] { display: none !important; }
        </style>
        <!--CTXEVO_CHARTS-->
        </head>
        <body>
        <div id="bar"><span id="brand">ctxevo</span><span id="live-status" class="live" hidden>disconnected</span></div>
        <main id="app"><p class="muted">loading…</p></main>
        <!--CTXEVO_DATA-->
        <script>
        "use strict";
        // The dashboard's page: the runs list at "/", a run's page at "/runs/{id}", and the same run page drawn from the
        // data `ctxevo report` inlines (window.CTXEVO_SNAPSHOT), without a server. Every string from the data goes in as
        // text (textContent, text nodes, attribute values, Plotly's escaped text), never as markup.
        (function () {

        // ---- where we are --------------------------------------------------------------------------------------------

        const PAGE = readLocation();
        const PAGE_SIZE = 500;     // candidate rows in the DOM at once: 5,000 stay fast
        const MAX_GENES = 40;      // parallel-coordinate axes beyond this are unreadable
        const MAX_LINES = 1000;    // parallel-coordinate lines and fitness-chart points drawn at most
        const RENDER_EVERY = 500;  // ms: streamed rows are drawn at most this often

        /** The view to show: a snapshot's run, or what the address names (path, ?token=, ?compare=). */
        function readLocation() {
          const snapshot = window.CTXEVO_SNAPSHOT;
          if (snapshot && snapshot.run_data) {
            const run = snapshot.run_data.run || {};
            return { snapshot: true, token: null, view: "run", runId: String(run.id ?? ""), compare: [] };
          }
          const params = new URLSearchParams(location.search);
          const match = location.pathname.match(/^\/runs\/(\d+)\/?$/);
          const runId = match ? match[1] : null;
          const compare = (params.get("compare") || "").split(",").map(s => s.trim())
            .filter(s => /^\d+$/.test(s) && s !== runId);
          return {
            snapshot: false, token: params.get("token"), view: runId ? "run" : "runs", runId,
            compare: [...new Set(compare)],
          };
        }

        /** `url` with the page's token appended: the server asks every request for it when it listens off loopback. */
        function withToken(url) {
          if (!PAGE.token) return url;
          return url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(PAGE.token);
        }

        /** The JSON at an API path; a failure names the path and what the server said. */
        async function getJSON(path) {
          const response = await fetch(withToken(path), { cache: "no-store" });
          if (!response.ok) {
            const said = (await response.text().catch(() => "")).trim().slice(0, 200);
            throw new Error(`${path}: ${response.status} ${said || response.statusText}`);
          }
          return response.json();
        }

        // ---- small helpers -------------------------------------------------------------------------------------------

        /** An element with properties (class, text, on…, other attributes) and children (nodes, or strings as text). */
        function el(tag, props, ...children) {
          const node = document.createElement(tag);
          for (const [key, value] of Object.entries(props || {})) {
            if (value === null || value === undefined || value === false) continue;
            if (key === "class") node.className = value;
            else if (key === "text") node.textContent = String(value);
            else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
            else node.setAttribute(key, value === true ? "" : String(value));
          }
          for (const child of children.flat()) {
            if (child === null || child === undefined || child === false) continue;
            node.append(child instanceof Node ? child : String(child));
          }
          return node;
        }

        function setText(id, text) {
          const node = document.getElementById(id);
          if (node) node.textContent = text;
        }

        function isNum(x) { return typeof x === "number" && Number.isFinite(x); }

        /** A number for a chart title, where Plotly reads a little markup: anything else than a number shows as "–". */
        function numberText(x, digits) { return fmtNumber(isNum(x) ? x : null, digits); }

        /** A number to `digits` significant digits without trailing zeros (integers whole), "–" for none. */
        function fmtNumber(x, digits = 6) {
          if (x === null || x === undefined) return "–";
          if (typeof x !== "number" || !Number.isFinite(x)) return String(x);
          if (Number.isInteger(x) && Math.abs(x) < 1e9) return String(x);
          const size = Math.abs(x);
          if (size !== 0 && (size < 1e-4 || size >= 1e9)) return x.toExponential(Math.max(2, digits - 2));
          return String(Number(x.toPrecision(digits)));
        }

        /** Seconds in the unit a person reads: "45 s", "7 min", "2 h 05 min", "3 d 4 h". */
        function fmtDuration(seconds) {
          if (!isNum(seconds)) return "–";
          const s = Math.max(0, seconds);
          if (s < 9.95) return s.toFixed(1).replace(/\.0$/, "") + " s";
          if (s < 59.5) return Math.round(s) + " s";
          const minutes = Math.round(s / 60);
          if (minutes < 60) return minutes + " min";
          const hours = Math.floor(minutes / 60);
          if (hours < 48) return hours + " h " + String(minutes % 60).padStart(2, "0") + " min";
          return Math.floor(hours / 24) + " d " + (hours % 24) + " h";
        }

        /** An ISO time as local "YYYY-MM-DD HH:MM" (with seconds when asked); text that is no time stays as it is. */
        function fmtDate(iso, withSeconds = false) {
          if (!iso) return "–";
          const d = new Date(iso);
          if (Number.isNaN(d.getTime())) return String(iso);
          const p = n => String(n).padStart(2, "0");
          const time = `${p(d.getHours())}:${p(d.getMinutes())}` + (withSeconds ? `:${p(d.getSeconds())}` : "");
          return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${time}`;
        }

        /** A status as a coloured badge; only known words become class names. */
        function badge(word) {
          const known = ["running", "finished", "interrupted", "created", "ok", "failed", "stale", "error", "warning"];
          return el("span", { class: "badge " + (known.includes(word) ? word : ""), text: word ?? "–" });
        }

        /** "32 / 48" with a small bar; without a budget, "32 / –". */
        function progressCell(done, budget) {
          if (!isNum(budget) || budget <= 0) return el("span", {}, `${fmtNumber(done)} / –`);
          const fraction = Math.min(1, Math.max(0, (isNum(done) ? done : 0) / budget));
          const fill = el("span");
          fill.style.width = (fraction * 100).toFixed(1) + "%";
          return el("span", {}, el("span", { class: "progress", title: Math.round(fraction * 100) + " %" }, fill),
            `${fmtNumber(done)} / ${fmtNumber(budget)}`);
        }

        /** The value at quantile q of sorted numbers (nearest rank: an outlier alone is never "the 98th percentile"). */
        function quantile(sorted, q) { return sorted[Math.round(q * (sorted.length - 1))]; }

        /**
         * A y range that one awful candidate (126 against 26 at generation 0) does not flatten: the 2nd to 98th
         * percentile plus a margin. Values only a little outside still widen it, so "clipped" means real outliers were
         * left off; `keep` (the best found) is always inside. Null when there is nothing to show.
         */
        function robustRange(values, keep = []) {
          const sorted = values.filter(isNum).sort((a, b) => a - b);
          if (sorted.length === 0) return null;
          let low = quantile(sorted, 0.02), high = quantile(sorted, 0.98);
          for (const k of keep.filter(isNum)) { low = Math.min(low, k); high = Math.max(high, k); }
          const span = high - low || Math.abs(high) * 0.1 || 1;
          const margin = 0.08 * span;
          const min = sorted[0], max = sorted[sorted.length - 1];
          if (min >= low - 3 * margin) low = min;
          if (max <= high + 3 * margin) high = max;
          return { range: [low - margin, high + margin], clipped: min < low || max > high };
        }

        // ---- charts --------------------------------------------------------------------------------------------------

        const drawnCharts = new Set();

        function baseLayout() {
          return {
            margin: { l: 62, r: 24, t: 46, b: 48 }, hovermode: "closest", uirevision: "keep",
            font: { family: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size: 12, color: "#1d2430" },
            paper_bgcolor: "#fff", plot_bgcolor: "#fff", legend: { orientation: "h", x: 0, y: -0.16, traceorder: "normal" },
          };
        }

        function chartTitle(text) { return { text, x: 0.01, xanchor: "left", font: { size: 14 } }; }

        /** A title's second line, smaller ("" stays ""). */
        function small(text) { return text ? `<br><span style="font-size:11px">${text}</span>` : ""; }

        /** An axis with whole-number ticks only (generations, layers, rotary pairs). */
        function integerAxis(title, count) {
          const step = Math.max(1, Math.ceil(count / 16));
          return { title: { text: title }, tick0: 0, dtick: step, tickformat: "d", zeroline: false };
        }

        /** A centred note on an empty chart. */
        function emptyNote(text) {
          const font = { size: 13, color: "#6b7483" };
          return [{ text, showarrow: false, xref: "paper", yref: "paper", x: 0.5, y: 0.5, font }];
        }

        /**
         * Draws a chart the first time, redraws it in place afterwards (zoom kept by uirevision). Without the charts
         * library the chart's place says so; a chart that fails says why under itself and leaves the others drawn.
         * Resolves to whether Plotly drew it.
         */
        function drawChart(id, traces, layout) {
          const node = document.getElementById(id);
          if (!node) return Promise.resolve(false);
          if (!window.Plotly) {
            node.classList.add("nochart");
            node.textContent = "charts library not loaded";
            return Promise.resolve(false);
          }
          const full = Object.assign(baseLayout(), layout);
          const config = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
          const first = !drawnCharts.has(id);
          drawnCharts.add(id);
          let done;
          try {
            done = first ? Plotly.newPlot(node, traces, full, config) : Plotly.react(node, traces, full, config);
          } catch (error) {
            done = Promise.reject(error);
          }
          return Promise.resolve(done).then(
            () => { setText(id + "-note", ""); return true; },
            error => {
              setText(id + "-note", "this chart could not be drawn: " + ((error && error.message) || error));
              return false;
            });
        }

        /** Clicking a point that carries a candidate's key selects that candidate (listener added once per chart). */
        function selectOnClick(id) {
          const node = document.getElementById(id);
          if (!node || typeof node.on !== "function" || node.dataset.clicks) return;
          node.dataset.clicks = "on";
          node.on("plotly_click", event => {
            const point = event && event.points && event.points[0];
            if (point && typeof point.customdata === "string") selectCandidate(point.customdata, true);
          });
        }

        /** A chart's place on the page: the chart and a line for its error. */
        function chartBox(id, wide, tall) {
          return el("div", { id: id + "-box", class: "card" + (wide ? " wide" : "") },
            el("div", { id, class: "chart" + (tall ? " tall" : "") }), el("p", { id: id + "-note", class: "chart-note" }));
        }

        // ---- the runs list -------------------------------------------------------------------------------------------

        const RUN_COLUMNS = ["", "id", "name", "objective", "strategy", "status", "progress", "best fitness",
          "lowest perplexity", "evaluations / h", "time left", "workers alive", "created"];
        const NUMERIC_RUN_COLUMNS =
          ["id", "best fitness", "lowest perplexity", "evaluations / h", "time left", "workers alive"];
        const compareChecked = [];  // run ids ticked for the overlay, in the order they were ticked
        let runsLoading = false;

        function showRunsList() {
          document.title = "runs · ctxevo";
          document.getElementById("app").replaceChildren(
            el("h1", { text: "runs" }),
            el("div", { class: "controls" },
              el("button", {
                id: "overlay", type: "button", disabled: true, onclick: openOverlay,
                title: "the first run ticked is the page; the others' best so far are drawn over its fitness chart",
              }, "overlay"),
              el("span", { class: "muted" }, "tick two runs or more to compare their best so far"),
              el("span", { id: "runs-updated", class: "muted" })),
            el("p", { id: "runs-error", class: "error" }),
            el("div", { class: "card table-box" },
              el("table", { id: "runs-table" },
                el("thead", {}, el("tr", {}, RUN_COLUMNS.map(name =>
                  el("th", { class: NUMERIC_RUN_COLUMNS.includes(name) ? "num" : null, text: name })))),
                el("tbody"))),
            el("p", { id: "runs-empty", class: "muted", hidden: true }, "no runs in this database yet"));
          refreshRuns();
          setInterval(refreshRuns, 5000);
        }

        /** Fetches the runs list and redraws the table in place (one request at a time). */
        async function refreshRuns() {
          if (runsLoading) return;
          runsLoading = true;
          try {
            const data = await getJSON("/api/runs");
            renderRunsTable(Array.isArray(data.runs) ? data.runs : []);
            setText("runs-error", "");
            setText("runs-updated", "updated " + fmtDate(new Date().toISOString(), true).slice(11));
          } catch (error) {
            setText("runs-error", "could not load the runs: " + error.message);
          } finally {
            runsLoading = false;
          }
        }

        function renderRunsTable(runs) {
          const listed = new Set(runs.map(r => String(r.id)));
          for (let i = compareChecked.length - 1; i >= 0; i--) {
            if (!listed.has(compareChecked[i])) compareChecked.splice(i, 1);
          }
          document.querySelector("#runs-table tbody").replaceChildren(...runs.map(runRow));
          document.getElementById("runs-empty").hidden = runs.length > 0;
          updateOverlayButton();
        }

        function runRow(run) {
          const id = String(run.id);
          const box = el("input", { type: "checkbox", "aria-label": "compare run " + id,
            onchange: event => toggleCompare(id, event.target.checked) });
          box.checked = compareChecked.includes(id);
          return el("tr", {},
            el("td", {}, box),
            el("td", { class: "num" }, el("a", { href: withToken("/runs/" + encodeURIComponent(id)) }, id)),
            el("td", { text: run.name }),
            el("td", { text: run.objective }),
            el("td", { text: run.strategy }),
            el("td", {}, badge(run.status)),
            el("td", {}, progressCell(run.evaluations, run.budget)),
            el("td", { class: "num", text: fmtNumber(run.best_fitness) }),
            el("td", { class: "num", text: fmtNumber(run.lowest_perplexity) }),
            el("td", { class: "num", text: fmtNumber(run.evaluations_per_hour, 3) }),
            el("td", { class: "num", text: fmtDuration(run.seconds_left) }),
            el("td", { class: "num", text: fmtNumber(run.workers_alive) }),
            el("td", { text: fmtDate(run.created), title: run.created }));
        }

        function toggleCompare(id, on) {
          const at = compareChecked.indexOf(id);
          if (on && at < 0) compareChecked.push(id);
          if (!on && at >= 0) compareChecked.splice(at, 1);
          updateOverlayButton();
        }

        function updateOverlayButton() {
          document.getElementById("overlay").disabled = compareChecked.length < 2;
        }

        function openOverlay() {
          if (compareChecked.length < 2) return;
          const [first, ...others] = compareChecked;
          const compare = others.map(encodeURIComponent).join(",");
          location.href = withToken(`/runs/${encodeURIComponent(first)}?compare=${compare}`);
        }

        // ---- the run page: what it holds -----------------------------------------------------------------------------

        const RUN = {
          info: {},                 // the run: name, objective, status, evaluations, experiment…
          generations: new Map(),   // index -> generation
          candidates: new Map(),    // candidateKey -> candidate
          workers: [],
          events: [],
          reference: {},            // LongRoPE: lambda of PI, NTK, YaRN at the target
          compared: [],             // ?compare= runs: {id, name, generations}
          compareErrors: [],
          selected: null,           // key of the candidate clicked, or null: the best is shown
          sort: { column: "generation", descending: true },
          page: 0,
          text: "",                 // the text filter, lower case
          expression: [],           // the expression filter's clauses
          expressionError: "",      // why the expression could not be read
        };

        /** A candidate's identity: (generation, index), and the proxy level, which a proxy shares the index with. */
        function candidateKey(c) { return `${c.generation}/${c.index}/${c.proxy_level ?? "full"}`; }

        function isFull(c) { return c.proxy_level === null || c.proxy_level === undefined; }

        function indexLabel(index) { return index === -1 ? "mean" : String(index); }

        function describeCandidate(c) {
          const who = c.index === -1 ? "the mean" : "candidate " + c.index;
          return `generation ${c.generation}, ${who}` + (isFull(c) ? "" : ` (proxy level ${c.proxy_level})`);
        }

        function putGeneration(g) { if (g && isNum(g.index)) RUN.generations.set(g.index, g); }

        function putCandidate(c) { if (c && isNum(c.generation) && isNum(c.index)) RUN.candidates.set(candidateKey(c), c); }

        function absorbRun(data) {
          RUN.info = data.run || {};
          for (const g of data.generations || []) putGeneration(g);
          for (const c of data.candidates || []) putCandidate(c);
          RUN.workers = Array.isArray(data.workers) ? data.workers : [];
          RUN.events = Array.isArray(data.events) ? data.events : [];
          RUN.reference = data.reference && typeof data.reference === "object" ? data.reference : {};
          RUN.sections = typeof data.sections_html === "string" ? data.sections_html : "";
        }

        function sortedGenerations() { return [...RUN.generations.values()].sort((a, b) => a.index - b.index); }

        /** Full evaluations: proxies of a multi-fidelity run stay out of the charts and of every "best". */
        function fullCandidates() { return [...RUN.candidates.values()].filter(isFull); }

        function metric(c, name) { return c && c.metrics && typeof c.metrics === "object" ? c.metrics[name] : undefined; }

        /**
         * The candidate a per-objective chart shows: the one selected when it has what the chart needs, else the full,
         * successful candidate lowest by `rank`.
         */
        function shownCandidate(rank, usable) {
          const selected = RUN.selected ? RUN.candidates.get(RUN.selected) : null;
          if (selected && usable(selected)) return { candidate: selected, selected: true };
          let best = null;
          for (const c of RUN.candidates.values()) {
            if (!isFull(c) || c.status === "failed" || !usable(c) || !isNum(rank(c))) continue;
            if (!best || rank(c) < rank(best)) best = c;
          }
          return best ? { candidate: best, selected: false } : null;
        }

        // ---- the run page: loading and the live stream ---------------------------------------------------------------

        async function showRunPage() {
          buildRunPage();
          let data;
          try {
            if (PAGE.snapshot) {
              data = window.CTXEVO_SNAPSHOT.run_data;
            } else {
              [data] = await Promise.all([getJSON(`/api/runs/${PAGE.runId}`), loadCompared()]);
            }
          } catch (error) {
            document.getElementById("app").replaceChildren(
              el("p", {}, el("a", { href: withToken("/") }, "← all runs")),
              el("p", { class: "error" }, `could not load run ${PAGE.runId}: ${error.message}`));
            return;
          }
          absorbRun(data);
          renderRun(new Set(["all"]));
          if (!PAGE.snapshot) openStream();
        }

        /** The ?compare= runs' generations (for their best so far); a run that cannot be read is named, not fatal. */
        async function loadCompared() {
          const results = await Promise.allSettled(PAGE.compare.map(id => getJSON(`/api/runs/${id}`)));
          results.forEach((result, i) => {
            const id = PAGE.compare[i];
            if (result.status === "fulfilled") {
              const generations = (result.value.generations || []).filter(g => isNum(g.index))
                .sort((a, b) => a.index - b.index);
              RUN.compared.push({ id, name: (result.value.run || {}).name, generations });
            } else {
              RUN.compareErrors.push(`run ${id}: ${result.reason.message}`);
            }
          });
        }

        /**
         * Listens to the run's new rows from the last generation we have on (the server resends rows we may hold; they
         * replace ours by key). The browser reconnects by itself; a stream the server closed is reopened after 5 s.
         */
        function openStream() {
          if (document.getElementById("live-status").hidden) setLive(false);
          const since = RUN.generations.size ? Math.max(...RUN.generations.keys()) : 0;
          const stream = new EventSource(withToken(`/api/runs/${PAGE.runId}/stream?since=${since}`));
          stream.onopen = () => setLive(true);
          stream.onerror = () => {
            setLive(false);
            if (stream.readyState === EventSource.CLOSED) setTimeout(openStream, 5000);
          };
          const on = (name, handle) => stream.addEventListener(name, event => {
            let data;
            try { data = JSON.parse(event.data); } catch (_) { return; }
            setLive(true);
            handle(data);
          });
          on("candidate", c => { putCandidate(c); scheduleRender("candidates"); });
          on("generation", g => { putGeneration(g); scheduleRender("generations"); });
          on("workers", workers => { if (Array.isArray(workers)) { RUN.workers = workers; scheduleRender("workers"); } });
          on("run", run => {
            if (!run || typeof run !== "object") return;
            if (typeof run.status === "string") RUN.info.status = run.status;
            if (isNum(run.evaluations)) RUN.info.evaluations = run.evaluations;
            scheduleRender("run");
          });
        }

        function setLive(on) {
          const node = document.getElementById("live-status");
          node.hidden = false;
          node.className = "live" + (on ? " on" : "");
          node.textContent = on ? "live" : "disconnected";
        }

        const pending = new Set();
        let renderTimer = null;
        let lastRender = 0;

        /** Marks a part of the data changed and draws at most once per RENDER_EVERY ms, however fast rows arrive. */
        function scheduleRender(part) {
          pending.add(part);
          if (renderTimer !== null) return;
          renderTimer = setTimeout(() => {
            renderTimer = null;
            lastRender = Date.now();
            const changed = new Set(pending);
            pending.clear();
            renderRun(changed);
          }, Math.max(0, RENDER_EVERY - (Date.now() - lastRender)));
        }

        // ---- the run page: drawing -----------------------------------------------------------------------------------

        /** Builds the page's fixed frame once; the parts are filled by renderRun. */
        function buildRunPage() {
          const body = el("tbody");
          body.addEventListener("click", event => {
            const row = event.target.closest("tr[data-key]");
            if (row) selectCandidate(row.dataset.key, false);
          });
          const expression = el("input", { id: "expression-filter", type: "text", spellcheck: "false",
            placeholder: "fitness < 26 and generation >= 3", "aria-label": "expression filter" });
          expression.addEventListener("input", () => applyExpression(expression.value));
          const text = el("input", { id: "text-filter", type: "search", placeholder: "filter: text in any cell",
            "aria-label": "text filter" });
          text.addEventListener("input", () => {
            RUN.text = text.value.trim().toLowerCase();
            RUN.page = 0;
            renderCandidateTable();
          });
          document.getElementById("app").replaceChildren(
            el("div", { id: "run-header" }),
            el("div", { class: "grid" },
              chartBox("fitness-chart", true, true),
              chartBox("sigma-chart"),
              chartBox("time-chart"),
              el("div", { id: "objective-charts", class: "grid wide", hidden: true },
                chartBox("objective-chart"), chartBox("objective-chart-2")),
              chartBox("parcoords-chart", true, true)),
            el("h2", { text: "candidates" }),
            el("div", { class: "controls" }, text, expression, el("span", { id: "expression-error", class: "error" }),
              el("span", { id: "selection", class: "muted" })),
            el("div", { class: "controls" },
              el("button", { id: "page-prev", type: "button", onclick: () => turnPage(-1) }, "← previous"),
              el("button", { id: "page-next", type: "button", onclick: () => turnPage(1) }, "next →"),
              el("span", { id: "page-info", class: "muted" })),
            el("div", { class: "card table-box" }, el("table", { id: "candidates-table" }, el("thead"), body)),
            el("section", { id: "sections", hidden: true }),
            el("h2", { text: "workers" }),
            el("div", { class: "card table-box" }, el("table", { id: "workers-table" },
              el("thead", {}, el("tr", {}, WORKER_COLUMNS.map(name =>
                el("th", { class: NUMERIC_WORKER_COLUMNS.includes(name) ? "num" : null, text: name })))),
              el("tbody"))),
            el("p", { id: "workers-empty", class: "muted", hidden: true }, "no workers recorded"),
            el("h2", { text: "events (newest first)" }),
            el("ul", { id: "events", class: "card" }),
            el("details", {}, el("summary", {}, "experiment (as stored)"), el("pre", { id: "experiment", class: "card" })));
        }

        /** Redraws what the changed parts ("all", "run", "generations", "candidates", "selection", "workers") touch. */
        function renderRun(changed) {
          const any = (...parts) => changed.has("all") || parts.some(p => changed.has(p));
          const steps = [
            [any("run", "generations"), renderHeader],
            [any("generations", "candidates", "selection"), renderFitnessChart],
            [any("generations"), renderSigmaChart],
            [any("generations"), renderTimeChart],
            [any("candidates", "selection"), renderCandidateTable],
            [any("candidates", "selection"), renderObjectiveCharts],
            [any("candidates"), renderParcoords],
            [any("workers"), renderWorkers],
            [changed.has("all"), renderSections],
            [changed.has("all"), renderEvents],
            [changed.has("all"), renderExperiment],
          ];
          for (const [needed, step] of steps) {
            if (!needed) continue;
            try { step(); } catch (error) { console.error(step.name, error); }
          }
          document.body.dataset.generations = String(RUN.generations.size);
          document.body.dataset.candidates = String(RUN.candidates.size);
        }

        function renderHeader() {
          const run = RUN.info;
          const shown = value => (value instanceof Node ? value : el("b", { text: value ?? "–" }));
          const item = (label, value) => el("span", {}, el("span", { class: "muted", text: label }), shown(value));
          const parts = [];
          if (!PAGE.snapshot) parts.push(el("a", { href: withToken("/") }, "← all runs"));
          parts.push(el("h1", { id: "run-title", text: run.name ?? `run ${PAGE.runId}` }));
          parts.push(el("div", { class: "meta" },
            item("run", run.id), item("objective", run.objective), item("strategy", run.strategy),
            item("status", badge(run.status)), item("seed", run.seed), item("code version", run.code_version),
            item("evaluations", progressCell(run.evaluations, run.budget)), item("generations", RUN.generations.size),
            item("created", fmtDate(run.created))));
          if (RUN.compared.length || RUN.compareErrors.length) {
            const links = RUN.compared.map(r =>
              el("a", { href: withToken("/runs/" + encodeURIComponent(r.id)), title: r.name }, "run " + r.id));
            parts.push(el("div", { class: "meta" }, el("span", { class: "muted", text: "compared with" }),
              links.flatMap((link, i) => i ? [", ", link] : [link]),
              RUN.compareErrors.map(message => el("span", { class: "error", text: "could not load " + message }))));
          }
          document.getElementById("run-header").replaceChildren(...parts);
          document.title = `${run.name ?? "run " + PAGE.runId} · ctxevo`;
        }

        /** A small fixed offset per candidate index, so one generation's points spread out and stay put on redraws. */
        function jitter(index) { return (((index + 1) * 0.6180339887) % 1 - 0.5) * 0.3; }

        function renderFitnessChart() {
          const generations = sortedGenerations();
          const x = generations.map(g => g.index);
          const series = key => generations.map(g => (isNum(g[key]) ? g[key] : null));
          const scored = fullCandidates().filter(c => isNum(c.fitness));
          const shown = thinned(scored, MAX_LINES);
          const longrope = RUN.info.objective === "longrope" && scored.some(c => isNum(metric(c, "perplexity")));
          const lines = [
            { name: "worst", x, y: series("worst"), mode: "lines", line: { width: 0.6, color: "rgba(47,111,223,0.45)" } },
            { name: "best", x, y: series("best"), mode: "lines+markers", line: { color: "#2f6fdf", width: 2 },
              marker: { size: 5 }, fill: "tonexty", fillcolor: "rgba(47,111,223,0.12)" },
            { name: "median", x, y: series("median"), mode: "lines", line: { color: "#8a63d2", width: 1.5, dash: "dot" } },
            { name: longrope ? "best so far (penalised fitness)" : "best so far", x, y: series("best_so_far"),
              mode: "lines", line: { color: "#1f9d55", width: 2.5, shape: "hv" } },
          ];
          if (longrope) {
            lines.push({ name: "lowest perplexity so far", x, y: series("lowest_perplexity_so_far"), mode: "lines",
              line: { color: "#d97706", width: 2, dash: "dash", shape: "hv" } });
          }
          for (const run of RUN.compared) {
            lines.push({ name: `run ${run.id} best so far`, x: run.generations.map(g => g.index),
              y: run.generations.map(g => (isNum(g.best_so_far) ? g.best_so_far : null)),
              mode: "lines", line: { width: 1.5, dash: "longdash", shape: "hv" } });
          }
          // The candidates go first, under the lines; "best" fills down to the trace just before it, "worst".
          const points = {
            name: "candidates", x: shown.map(c => c.generation + jitter(c.index)), y: shown.map(c => c.fitness),
            mode: "markers", marker: { size: 5, color: "rgba(90,100,115,0.35)" }, customdata: shown.map(candidateKey),
            text: shown.map(describeCandidate), hovertemplate: "%{text}<br>fitness %{y:.6g}<extra></extra>",
          };
          const traces = [points, ...lines];
          const selected = RUN.selected ? RUN.candidates.get(RUN.selected) : null;
          if (selected && isFull(selected) && isNum(selected.fitness)) {
            traces.push({ name: "selected", x: [selected.generation + jitter(selected.index)], y: [selected.fitness],
              mode: "markers", marker: { size: 12, color: "rgba(0,0,0,0)", line: { color: "#e02424", width: 2 } },
              customdata: [RUN.selected], text: [describeCandidate(selected)], hovertemplate: points.hovertemplate });
          }
          // The robust range reads the candidates rather than "worst", which repeats the worst of them.
          const plotted = scored.map(c => c.fitness);
          for (const key of ["best", "median", "best_so_far", "lowest_perplexity_so_far"]) plotted.push(...series(key));
          if (scored.length === 0) plotted.push(...series("worst"));
          for (const run of RUN.compared) plotted.push(...run.generations.map(g => g.best_so_far));
          const overall = [...series("best_so_far"), ...series("lowest_perplexity_so_far")].filter(isNum);
          const range = robustRange(plotted, overall.length ? [Math.min(...overall)] : []);
          const last = x.length ? x[x.length - 1] + 1 : 1;
          const layout = {
            title: chartTitle("fitness per generation (lower is better)" + (range?.clipped ? " (range clipped)" : "")),
            xaxis: integerAxis("generation", last),
            yaxis: Object.assign({ title: { text: longrope ? "fitness / perplexity" : "fitness" } },
              range ? { range: range.range, autorange: false } : {}),
            margin: { l: 62, r: 24, t: 46, b: 80 }, legend: { orientation: "h", x: 0, y: -0.2, traceorder: "normal" },
            annotations: generations.length || scored.length ? [] : emptyNote("no generation recorded yet"),
          };
          drawChart("fitness-chart", traces, layout).then(drawn => {
            if (!drawn) return;
            document.body.dataset.chartsRendered = "yes";
            selectOnClick("fitness-chart");
          });
        }

        function renderSigmaChart() {
          const generations = sortedGenerations().filter(g => isNum(g.sigma));
          const sigma = generations.map(g => g.sigma);
          const positive = sigma.filter(s => s > 0);
          const log = positive.length === sigma.length && positive.length > 1
            && Math.max(...positive) / Math.min(...positive) > 10;
          const last = generations.length ? generations[generations.length - 1].index + 1 : 1;
          drawChart("sigma-chart", [{ name: "σ", x: generations.map(g => g.index), y: sigma, mode: "lines+markers",
            line: { color: "#8a63d2" }, hovertemplate: "generation %{x}<br>σ %{y:.4g}<extra></extra>" }], {
            title: chartTitle("step size σ per generation" + (log ? " (log scale)" : "")), showlegend: false,
            xaxis: integerAxis("generation", last),
            yaxis: { title: { text: "σ" }, type: log ? "log" : "linear", exponentformat: "power" },
            annotations: generations.length ? [] : emptyNote("no generation recorded yet"),
          });
        }

        function renderTimeChart() {
          const generations = sortedGenerations().filter(g => isNum(g.seconds));
          const largest = Math.max(0, ...generations.map(g => g.seconds));
          const [unit, size] = largest >= 7200 ? ["hours", 3600] : largest >= 120 ? ["minutes", 60] : ["seconds", 1];
          const total = generations.reduce((sum, g) => sum + g.seconds, 0);
          const last = generations.length ? generations[generations.length - 1].index + 1 : 1;
          drawChart("time-chart", [{ name: "time", type: "bar", x: generations.map(g => g.index),
            y: generations.map(g => g.seconds / size), text: generations.map(g => fmtDuration(g.seconds)),
            textposition: "none", marker: { color: "#5b8def" },
            hovertemplate: "generation %{x}<br>%{text}<extra></extra>" }], {
            title: chartTitle("time per generation" + (generations.length ? ` (${fmtDuration(total)} in all)` : "")),
            showlegend: false, xaxis: integerAxis("generation", last),
            yaxis: { title: { text: unit }, rangemode: "tozero" },
            annotations: generations.length ? [] : emptyNote("no generation recorded yet"),
          });
        }

        // ---- the candidate table -------------------------------------------------------------------------------------

        const BASE_COLUMNS = [
          { name: "generation", value: c => c.generation },
          { name: "index", value: c => c.index, text: c => indexLabel(c.index) },
          { name: "level", value: c => c.proxy_level ?? null },
          { name: "fitness", value: c => c.fitness },
          { name: "status", value: c => c.status },
          { name: "seconds", value: c => c.seconds, text: c => fmtDuration(c.seconds) },
          { name: "worker", value: c => c.worker },
        ];
        const collator = new Intl.Collator(undefined, { numeric: true });
        const rowCache = new WeakMap();  // candidate -> its cells, for one set of columns (a new metric key redoes them)

        /** The table's columns: the fixed ones, one per metric key found (perplexity and penalty first), the genes. */
        function candidateColumns() {
          const keys = new Set();
          for (const c of RUN.candidates.values()) {
            if (!c.metrics || typeof c.metrics !== "object" || Array.isArray(c.metrics)) continue;
            for (const k of Object.keys(c.metrics)) keys.add(k);
          }
          const first = ["perplexity", "penalty"].filter(k => keys.has(k));
          const ordered = [...first, ...[...keys].filter(k => !first.includes(k)).sort()];
          const taken = new Set(BASE_COLUMNS.map(c => c.name).concat("genes"));
          const metrics = ordered.map(key =>
            ({ name: taken.has(key) ? "metrics." + key : key, value: c => metric(c, key) }));
          return [...BASE_COLUMNS, ...metrics, { name: "genes", value: c => c.parameters }];
        }

        /** How a value shows in a cell: its text, its sort key, and for arrays and objects the whole value as a tooltip. */
        function cellOf(value) {
          if (value === null || value === undefined) return { text: "–", sort: null };
          if (Array.isArray(value)) {
            return { text: `[${value.length} values]`, sort: value.length, title: JSON.stringify(value) };
          }
          if (typeof value === "object") {
            const size = Object.keys(value).length;
            return { text: `{${size} keys}`, sort: size, title: JSON.stringify(value) };
          }
          if (typeof value === "number") return { text: fmtNumber(value), sort: value, numeric: true };
          if (typeof value === "boolean") return { text: String(value), sort: value ? 1 : 0 };
          return { text: String(value), sort: String(value) };
        }

        function rowOf(c, columns, signature) {
          let row = rowCache.get(c);
          if (!row || row.signature !== signature) {
            const cells = columns.map(column => {
              const cell = cellOf(column.value(c));
              if (column.text) cell.text = String(column.text(c));
              return cell;
            });
            const lower = cells.map(cell => cell.text.toLowerCase());
            row = { candidate: c, key: candidateKey(c), signature, cells, lower };
            rowCache.set(c, row);
          }
          return row;
        }

        const CLAUSE = /^\s*([A-Za-z_][\w.]*)\s*(<=|>=|!=|==|=|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)\s*$/i;

        /** `fitness < 26 and generation >= 3` as clauses; throws a message a person can act on. */
        function parseExpression(source) {
          if (!source.trim()) return [];
          return source.trim().split(/\s+and\s+/i).map(part => {
            const m = part.match(CLAUSE);
            if (!m) throw new Error(`cannot read "${part.trim()}": write column, operator (< <= > >= = !=), number`);
            return { column: m[1].toLowerCase(), op: m[2] === "==" ? "=" : m[2], number: Number(m[3]) };
          });
        }

        function applyExpression(source) {
          try {
            RUN.expression = parseExpression(source);
            RUN.expressionError = "";
          } catch (error) {
            RUN.expression = [];
            RUN.expressionError = error.message;
          }
          RUN.page = 0;
          renderCandidateTable();
        }

        function compares(value, op, number) {
          if (typeof value !== "number") return false;
          switch (op) {
            case "<": return value < number;
            case "<=": return value <= number;
            case ">": return value > number;
            case ">=": return value >= number;
            case "=": return value === number;
            case "!=": return value !== number;
          }
          return false;
        }

        /** The rows the filters let through, in the chosen order (nulls last either way; ties by generation, index). */
        function visibleRows(columns) {
          const signature = columns.map(c => c.name).join("\n");
          const names = columns.map(c => c.name.toLowerCase());
          // A column named before it exists (a metric no candidate has yet) leaves the filter off and says so.
          let clauses = RUN.expression.map(clause => ({ ...clause, at: names.indexOf(clause.column) }));
          const unknown = clauses.find(clause => clause.at < 0);
          if (unknown) clauses = [];
          setText("expression-error", RUN.expressionError || (unknown ? `there is no column "${unknown.column}"` : ""));
          const rows = [];
          for (const c of RUN.candidates.values()) {
            const row = rowOf(c, columns, signature);
            if (RUN.text && !row.lower.some(text => text.includes(RUN.text))) continue;
            if (!clauses.every(clause => compares(row.cells[clause.at].sort, clause.op, clause.number))) continue;
            rows.push(row);
          }
          const at = Math.max(0, names.indexOf(RUN.sort.column.toLowerCase()));
          const direction = RUN.sort.descending ? -1 : 1;
          const tie = (a, b) => a.candidate.generation - b.candidate.generation || a.candidate.index - b.candidate.index
            || (a.candidate.proxy_level ?? -1) - (b.candidate.proxy_level ?? -1);
          rows.sort((a, b) => {
            const x = a.cells[at].sort, y = b.cells[at].sort;
            if (x === null || y === null) return x === y ? tie(a, b) : x === null ? 1 : -1;
            const order = typeof x === "number" && typeof y === "number" ? x - y : collator.compare(String(x), String(y));
            return order ? order * direction : tie(a, b);
          });
          return rows;
        }

        function renderCandidateTable() {
          const table = document.getElementById("candidates-table");
          if (!table) return;
          const columns = candidateColumns();
          const rows = visibleRows(columns);
          table.tHead.replaceChildren(el("tr", {}, columns.map(column => {
            const sorted = column.name === RUN.sort.column;
            return el("th", { title: "sort by " + column.name, onclick: () => sortBy(column.name),
              "aria-sort": sorted ? (RUN.sort.descending ? "descending" : "ascending") : null },
              column.name, sorted ? (RUN.sort.descending ? " ▼" : " ▲") : "");
          })));
          const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
          RUN.page = Math.min(Math.max(0, RUN.page), pages - 1);
          const start = RUN.page * PAGE_SIZE;
          const shown = rows.slice(start, start + PAGE_SIZE);
          const fragment = document.createDocumentFragment();
          for (const row of shown) fragment.append(candidateRow(row));
          table.tBodies[0].replaceChildren(fragment);
          document.getElementById("page-prev").disabled = RUN.page === 0;
          document.getElementById("page-next").disabled = RUN.page >= pages - 1;
          const filtered = rows.length === RUN.candidates.size ? "" : ` (${RUN.candidates.size} in all)`;
          const range = `rows ${start + 1}–${start + shown.length} of ${rows.length}`;
          setText("page-info", (rows.length ? range : "no rows") + filtered);
          const selected = RUN.selected ? RUN.candidates.get(RUN.selected) : null;
          setText("selection", selected ? `selected: ${describeCandidate(selected)} (click it again to clear)`
            : "click a row to show it in the charts");
        }

        function candidateRow(row) {
          const c = row.candidate;
          const classes = [row.key === RUN.selected && "selected", c.status === "failed" && "failed",
            !isFull(c) && "proxy"].filter(Boolean);
          return el("tr", { "data-key": row.key, class: classes.join(" ") },
            row.cells.map(cell => el("td", { class: cell.numeric ? "num" : null, title: cell.title, text: cell.text })));
        }

        function sortBy(name) {
          RUN.sort = { column: name, descending: RUN.sort.column === name ? !RUN.sort.descending : false };
          RUN.page = 0;
          renderCandidateTable();
        }

        function turnPage(step) {
          RUN.page += step;
          renderCandidateTable();
        }

        /** Selects a candidate (a second click on the same row clears it) and redraws what shows it. */
        function selectCandidate(key, fromChart) {
          RUN.selected = RUN.selected === key && !fromChart ? null : key;
          renderRun(new Set(["selection"]));
        }

        // ---- per objective -------------------------------------------------------------------------------------------

        function renderObjectiveCharts() {
          const objective = RUN.info.objective;
          const box = document.getElementById("objective-charts");
          const known = objective === "longrope" || objective === "namm";
          box.hidden = !known;
          if (!known) return;
          // LongRoPE has one chart here, NAMM two side by side.
          document.getElementById("objective-chart-2-box").hidden = objective !== "namm";
          document.getElementById("objective-chart-box").classList.toggle("wide", objective !== "namm");
          if (objective === "longrope") renderLambdaChart();
          else renderMemoryCharts();
        }

        /** LongRoPE: λ per rotary pair of the lowest-perplexity candidate (or the selected one) against PI, NTK, YaRN. */
        function renderLambdaChart() {
          const shown = shownCandidate(c => metric(c, "perplexity"), c => Array.isArray(metric(c, "lambda")));
          const reference = RUN.reference.lambda;
          const curves = reference && typeof reference === "object" && !Array.isArray(reference) ? reference : {};
          const dashes = { PI: "dash", NTK: "dot", YaRN: "dashdot" };
          const traces = Object.entries(curves).filter(([, y]) => Array.isArray(y)).map(([name, y]) => ({
            name, x: y.map((_, i) => i), y, mode: "lines", line: { width: 1.5, dash: dashes[name] || "dash" } }));
          let pairs = Math.max(1, ...traces.map(t => t.y.length));
          let subtitle = traces.length ? "" : "no PI / NTK / YaRN curves: the model file is not on the dashboard's machine";
          if (shown) {
            const c = shown.candidate, lambda = metric(c, "lambda");
            pairs = Math.max(pairs, lambda.length);
            traces.push({ name: (shown.selected ? "selected: " : "lowest perplexity: ") + describeCandidate(c),
              x: lambda.map((_, i) => i), y: lambda, mode: "lines+markers", line: { color: "#111", width: 2 },
              marker: { size: 4 } });
            subtitle = `${shown.selected ? "selected" : "lowest perplexity"}: ${describeCandidate(c)}`
              + ` · n̂ = ${numberText(metric(c, "n_hat"))} · temperature (mscale) = ${numberText(metric(c, "mscale"))}`
              + ` · perplexity ${numberText(metric(c, "perplexity"))}` + (subtitle ? "<br>" + subtitle : "");
          }
          const target = isNum(RUN.reference.target_length) ? ` at ${RUN.reference.target_length} tokens` : "";
          drawChart("objective-chart", traces, {
            title: chartTitle(`λ per rotary pair${target}` + small(subtitle)),
            margin: { l: 62, r: 24, t: 64, b: 80 }, legend: { orientation: "h", x: 0, y: -0.2, traceorder: "normal" },
            xaxis: integerAxis("rotary pair", pairs), yaxis: { title: { text: "λ (rescale factor)" } },
            annotations: traces.length ? [] : emptyNote("no candidate with λ yet"),
          });
          selectOnClick("objective-chart");
        }

        /** Cache kept as a percentage (the metrics hold fractions). */
        function percent(fraction) { return isNum(fraction) ? fraction * 100 : null; }

        /** NAMM: cache kept per layer of the best (or selected) candidate; perplexity against cache kept for all. */
        function renderMemoryCharts() {
          const shown = shownCandidate(c => c.fitness, c => Array.isArray(metric(c, "cache_kept_per_layer")));
          const layers = shown ? metric(shown.candidate, "cache_kept_per_layer") : [];
          const kept = shown ? numberText(percent(metric(shown.candidate, "cache_kept")), 3) : "";
          const title = "cache kept per layer" + (shown ? small(`${shown.selected ? "selected" : "best fitness"}: `
            + `${describeCandidate(shown.candidate)} · ${kept} % kept overall`) : "");
          drawChart("objective-chart", [{ name: "cache kept", type: "bar", x: layers.map((_, i) => i),
            y: layers.map(percent), marker: { color: "#5b8def" },
            hovertemplate: "layer %{x}<br>%{y:.3g} % kept<extra></extra>" }], {
            title: chartTitle(title), margin: { l: 62, r: 24, t: 64, b: 48 }, showlegend: false,
            xaxis: integerAxis("layer", layers.length), yaxis: { title: { text: "cache kept (%)" }, rangemode: "tozero" },
            annotations: layers.length ? [] : emptyNote("no candidate with cache kept per layer yet"),
          });
          const points = fullCandidates().filter(c => isNum(metric(c, "perplexity")) && isNum(metric(c, "cache_kept")));
          const traces = [{ name: "candidates", x: points.map(c => percent(metric(c, "cache_kept"))),
            y: points.map(c => metric(c, "perplexity")), mode: "markers", customdata: points.map(candidateKey),
            text: points.map(describeCandidate),
            marker: { size: 7, color: points.map(c => c.generation), colorscale: "Viridis", showscale: points.length > 0,
              colorbar: { title: { text: "generation" }, thickness: 10 } },
            hovertemplate: "%{text}<br>cache kept %{x:.3g} %<br>perplexity %{y:.5g}<extra></extra>" }];
          if (shown && isNum(metric(shown.candidate, "perplexity")) && isNum(metric(shown.candidate, "cache_kept"))) {
            traces.push({ name: shown.selected ? "selected" : "best", x: [percent(metric(shown.candidate, "cache_kept"))],
              y: [metric(shown.candidate, "perplexity")], mode: "markers", hoverinfo: "skip",
              marker: { size: 14, color: "rgba(0,0,0,0)", line: { color: "#e02424", width: 2 } } });
          }
          drawChart("objective-chart-2", traces, {
            title: chartTitle("perplexity against cache kept"), showlegend: false,
            xaxis: { title: { text: "cache kept (%)" } }, yaxis: { title: { text: "perplexity" } },
            annotations: points.length ? [] : emptyNote("no candidate with perplexity and cache kept yet"),
          });
          selectOnClick("objective-chart-2");
        }

        // ---- genes ---------------------------------------------------------------------------------------------------

        /** Parallel coordinates of the genes (the first 40) and the fitness, coloured by fitness, best brightest. */
        function renderParcoords() {
          const scored = fullCandidates()
            .filter(c => isNum(c.fitness) && Array.isArray(c.parameters) && c.parameters.length);
          const genes = Math.max(0, ...scored.map(c => c.parameters.length));
          const axes = Math.min(genes, MAX_GENES);
          const usable = scored.filter(c => c.parameters.length >= axes && c.parameters.slice(0, axes).every(isNum));
          const rows = thinned(usable, MAX_LINES);
          if (!rows.length) {
            drawChart("parcoords-chart", [], { title: chartTitle("genes and fitness"), xaxis: { visible: false },
              yaxis: { visible: false }, annotations: emptyNote("no full candidate with a fitness yet") });
            return;
          }
          const fitness = rows.map(c => c.fitness);
          const colours = robustRange(fitness) || { range: [Math.min(...fitness), Math.max(...fitness)] };
          const dimensions = [];
          for (let j = 0; j < axes; j++) dimensions.push({ label: "x" + j, values: rows.map(c => c.parameters[j]) });
          dimensions.push({ label: "fitness", values: fitness });
          const more = (genes > MAX_GENES ? ` · the first ${MAX_GENES} of ${genes} genes` : "")
            + (rows.length < usable.length ? ` · the best ${MAX_LINES / 2} and an even sample of the rest, of ${usable.length}` : "");
          const drawn = drawChart("parcoords-chart", [{
            type: "parcoords", dimensions, labelangle: axes > 16 ? -40 : 0, labelfont: { size: axes > 16 ? 10 : 12 },
            rangefont: { size: axes > 16 ? 8 : 11 }, tickfont: { size: axes > 16 ? 9 : 11 },
            line: { color: fitness, colorscale: "Viridis", reversescale: true, cmin: colours.range[0],
              cmax: colours.range[1], showscale: true, colorbar: { title: { text: "fitness" }, thickness: 12 } },
          }], {
            title: chartTitle(`genes and fitness of ${rows.length} candidates (lower fitness is brighter)${more}`),
            margin: { l: 48, r: 90, t: axes > 16 ? 100 : 80, b: 30 },
          });
          // Plotly draws parallel coordinates with WebGL through regl, which compiles its shaders' glue with `Function`:
          // a Content-Security-Policy without 'unsafe-eval' stops it, and Plotly then blames WebGL. Say what it is.
          if (!codeGenerationAllowed()) {
            drawn.then(() => setText("parcoords-chart-note",
              "parallel coordinates need run-time code generation (WebGL through regl), which this page's "
              + "Content-Security-Policy forbids: its script-src lacks 'unsafe-eval'"));
          }
        }

        /**
         * At most `limit` candidates for a chart that draws one mark each (a run of thousands would take seconds in a
         * browser without a GPU): the best half of the limit by fitness, and an even sample of the others.
         */
        function thinned(candidates, limit) {
          if (candidates.length <= limit) return candidates;
          const sorted = [...candidates].sort((a, b) => a.fitness - b.fitness);
          const best = sorted.slice(0, limit / 2);
          const rest = sorted.slice(limit / 2);
          const step = rest.length / (limit / 2);
          const sample = [];
          for (let k = 0; k < limit / 2; k++) sample.push(rest[Math.floor(k * step)]);
          return best.concat(sample);
        }

        function codeGenerationAllowed() {
          if (codeGenerationAllowed.known === undefined) {
            try {
              codeGenerationAllowed.known = new Function("return true")() === true;
            } catch (_) {
              codeGenerationAllowed.known = false;
            }
          }
          return codeGenerationAllowed.known;
        }

        // ---- workers, events, experiment -----------------------------------------------------------------------------

        const WORKER_COLUMNS = ["id", "host", "pid", "role", "candidates", "claims", "heartbeat", ""];
        const NUMERIC_WORKER_COLUMNS = ["id", "pid", "candidates", "claims", "heartbeat"];

        function renderWorkers() {
          const workers = RUN.workers;
          document.querySelector("#workers-table tbody").replaceChildren(...workers.map(w => el("tr", {},
            el("td", { class: "num", text: fmtNumber(w.id) }),
            el("td", { text: w.host }),
            el("td", { class: "num", text: fmtNumber(w.pid) }),
            el("td", { text: w.role }),
            el("td", { class: "num", text: fmtNumber(w.candidates) }),
            el("td", { class: "num", text: fmtNumber(w.claims) }),
            el("td", { class: "num", text: fmtDuration(w.heartbeat_age_seconds) + " ago" }),
            el("td", {}, w.stale ? badge("stale") : null))));
          document.getElementById("workers-empty").hidden = workers.length > 0;
        }

        /**
         * A report's held-out evaluation: HTML that ctxevo itself wrote (`ctxevo report --evaluation`, the method's
         * tables and plots, every string from the data escaped there), never text from the database.
         */
        function renderSections() {
          const box = document.getElementById("sections");
          box.hidden = !RUN.sections;
          if (RUN.sections) box.innerHTML = RUN.sections;
        }

        function renderEvents() {
          const recent = RUN.events.slice(-50).reverse();
          const items = recent.map(e => el("li", {}, el("time", { text: fmtDate(e.time, true), title: e.time }),
            e.level && e.level !== "info" ? [badge(e.level), " "] : null, String(e.message ?? "")));
          if (!items.length) items.push(el("li", { class: "muted" }, "no events"));
          document.getElementById("events").replaceChildren(...items);
        }

        function renderExperiment() {
          setText("experiment", JSON.stringify(RUN.info.experiment ?? {}, null, 2));
        }

        // ---- start ---------------------------------------------------------------------------------------------------

        function main() {
          if (!PAGE.snapshot) {
            document.getElementById("brand").replaceWith(el("a", { id: "brand", href: withToken("/") }, "ctxevo"));
          } else {
            setText("brand", "ctxevo report");
          }
          if (PAGE.view === "runs") showRunsList();
          else showRunPage();
        }

        main();
        })();
        </script>
        </body>
        </html>
        """#
}
