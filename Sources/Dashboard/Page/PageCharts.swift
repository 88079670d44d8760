extension DashboardPage {
    /// The page's script: drawing with the charts library (loaded without blocking), shared by every chart.
    static let charts = #"""
        // ---- charts --------------------------------------------------------------------------------------------------

        const drawnCharts = new Set();
        const firstDraws = [];  // the first drawing of each chart: the page is ready when all are done

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
         * Resolves when the charts library has run or failed to load. The server's page loads it without blocking
         * (async), so the data is asked for and the table drawn while the browser compiles it; a snapshot inlines it.
         */
        const chartsLibrary = new Promise(resolve => {
          const script = document.getElementById("charts-library");
          if (window.Plotly || !script || script.dataset.failed) { resolve(); return; }
          script.addEventListener("load", resolve);
          script.addEventListener("error", resolve);
        });
        let chartsSettled = false;
        chartsLibrary.then(() => { chartsSettled = true; performance.mark("ctxevo:charts-library"); });

        /**
         * Draws a chart the first time, redraws it in place afterwards (zoom kept by uirevision); waits for the charts
         * library when it is still loading. Without the library the chart's place says so; a chart that fails says why
         * under itself and leaves the others drawn. Resolves to whether Plotly drew it.
         */
        function drawChart(id, traces, layout) {
          const node = document.getElementById(id);
          if (!node) return Promise.resolve(false);
          if (!chartsSettled) {
            const later = chartsLibrary.then(() => drawChart(id, traces, layout));
            if (!drawnCharts.has(id)) firstDraws.push(later);
            return later;
          }
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
          const result = Promise.resolve(done).then(
            () => { setText(id + "-note", ""); return true; },
            error => {
              setText(id + "-note", "this chart could not be drawn: " + ((error && error.message) || error));
              return false;
            });
          if (first) firstDraws.push(result);
          return result;
        }

        /**
         * Whether a chart may be drawn now: it has been drawn before, or its place is on the screen. Else `draw` runs
         * once the place scrolls into view. For charts drawn with WebGL, which take seconds to start in a
         * browser without a GPU (plotly's parallel coordinates: about 2 s in headless chromium, whatever the lines).
         */
        function whenNearScreen(id, draw) {
          const node = document.getElementById(id);
          if (!node || drawnCharts.has(id) || !("IntersectionObserver" in window)) return true;
          const box = node.getBoundingClientRect();
          if (box.top < window.innerHeight && box.bottom > 0) return true;
          if (node.dataset.waiting) return false;
          node.dataset.waiting = "yes";
          const observer = new IntersectionObserver(entries => {
            if (!entries.some(entry => entry.isIntersecting)) return;
            observer.disconnect();
            delete node.dataset.waiting;
            draw();
          });
          observer.observe(node);
          return false;
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
        """#
}
