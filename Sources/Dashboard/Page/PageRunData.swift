extension DashboardPage {
    /// The page's script: what the run page holds, how it loads, and the live stream that keeps it current.
    static let runData = #"""
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
          performance.mark("ctxevo:data");
          absorbRun(data);
          renderRun(new Set(["all"]));
          performance.mark("ctxevo:first-draw");
          Promise.all(firstDraws).then(() => {
            performance.mark("ctxevo:page-ready");
            document.body.dataset.pageReady = "yes";
          });
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
        """#
}
