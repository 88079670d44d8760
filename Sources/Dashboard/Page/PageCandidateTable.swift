extension DashboardPage {
    /// The page's script: the candidate table (sorting, text and expression filters, pages).
    static let candidateTable = #"""
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
        """#
}
