extension DashboardPage {
    /// The page's script: the run's workers, events, experiment and method sections.
    static let runDetails = #"""
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
        """#
}
