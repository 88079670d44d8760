extension DashboardPage {
    /// The page's script: the runs list at "/" and the overlay of several runs.
    static let runsList = #"""
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
        """#
}
