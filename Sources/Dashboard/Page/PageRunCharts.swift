extension DashboardPage {
    /// The page's script: the run page's frame, its header and its charts per generation (fitness, σ, time).
    static let runCharts = #"""
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
            if (changed.has("all")) performance.mark("ctxevo:" + step.name);  // the first drawing's profile
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
        """#
}
