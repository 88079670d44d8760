extension DashboardPage {
    /// The page's style sheet.
    static let style = #"""
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
        """#
}
