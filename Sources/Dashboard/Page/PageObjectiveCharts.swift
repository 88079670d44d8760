extension DashboardPage {
    /// The page's script: per-objective charts (LongRoPE's λ, NAMM's cache) and the genes' parallel coordinates.
    static let objectiveCharts = #"""
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
          }).then(() => selectOnClick("objective-chart"));
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
          }).then(() => selectOnClick("objective-chart-2"));
        }

        // ---- genes ---------------------------------------------------------------------------------------------------

        /** Parallel coordinates of the genes (the first 40) and the fitness, coloured by fitness, best brightest. */
        function renderParcoords() {
          if (!whenNearScreen("parcoords-chart", renderParcoords)) return;
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
        """#
}
