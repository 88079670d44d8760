extension DashboardPage {
    /// The page's script, first part: where the page is (runs list, run page or snapshot), the API and small helpers.
    static let basics = #"""
        // ---- where we are --------------------------------------------------------------------------------------------

        const PAGE = readLocation();
        const PAGE_SIZE = 100;     // candidate rows in the DOM at once: a page of 5,000 draws in a moment
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
        """#
}
