#!/usr/bin/env python3
"""How long a dashboard page takes to load in headless chromium (devtools.py): the benchmark behind
results/dashboard/. Usage:
    scripts/dashboard-load.py URL [LOADS] [--json]
Loads URL LOADS times (default 5), each in a new tab of one browser, so the first load is cold (empty cache) and the
others warm (the charts library from the HTTP cache and V8's code cache, as for a person who keeps the dashboard
open). The window is 1400 x 900 pixels. For each load it prints, in milliseconds from navigation: the page's response,
the charts library's and the data's arrival, the first drawing (header and candidate table), every chart on screen
drawn (body[data-page-ready]), read from the page's own performance marks (ctxevo:*); then the time from scrolling
to the parallel coordinates (drawn on demand: WebGL) to their drawing."""
import json, sys, time

from devtools import Browser

READ = """(() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const marks = {};
  for (const m of performance.getEntriesByType("mark")) {
    if (m.name.startsWith("ctxevo:") && !(m.name.slice(7) in marks)) marks[m.name.slice(7)] = Math.round(m.startTime);
  }
  const resource = part => {
    const r = performance.getEntriesByType("resource").find(e => e.name.includes(part));
    return r ? Math.round(r.responseEnd) : null;
  };
  return { response: Math.round(nav.responseEnd), charts_library: resource("/assets/plotly"),
           data: resource("/api/runs/"), marks, candidates: Number(document.body.dataset.candidates || 0) };
})()"""


def parcoords_on_scroll(browser, session):
    """Milliseconds from scrolling the parallel coordinates (drawn with WebGL, on demand) into view to their drawing."""
    if browser.evaluate("!!document.getElementById('parcoords-chart')", session) is not True:
        return None
    start = time.time()
    browser.evaluate("document.getElementById('parcoords-chart').scrollIntoView()", session)
    while browser.evaluate("!!document.querySelector('#parcoords-chart .main-svg')", session) is not True:
        if time.time() - start > 60:
            return None
        time.sleep(0.02)
    return round((time.time() - start) * 1000)


def main():
    args = [a for a in sys.argv[1:] if a != "--json"]
    url = args[0]
    loads = int(args[1]) if len(args) > 1 else 5
    browser = Browser()
    results = []
    try:
        for n in range(loads):
            session = browser.open_page(1400, 900)
            browser.send("Page.navigate", {"url": url}, session)
            deadline = time.time() + 120
            while browser.evaluate("document.body && document.body.dataset.pageReady === 'yes'", session) is not True:
                if time.time() > deadline:
                    raise SystemExit(f"load {n + 1}: the page was not ready after 120 s")
                time.sleep(0.05)
            result = browser.evaluate(READ, session)
            result["load"] = "cold" if n == 0 else "warm"
            result["parcoords_on_scroll"] = parcoords_on_scroll(browser, session)
            results.append(result)
            browser.send("Target.closeTarget", {"targetId": browser.send("Target.getTargetInfo", {}, session)
                                                ["targetInfo"]["targetId"]})
    finally:
        browser.close()
    if "--json" in sys.argv:
        print(json.dumps(results, indent=2))
        return
    print(f"{url}: {results[0]['candidates']} candidates")
    print("milliseconds from navigation: the page's response, the charts library's, the data's; the first drawing")
    print("(header and table); every chart on screen drawn; then the parallel coordinates, from scrolling to them")
    print(f"{'load':>5} {'page':>6} {'charts lib':>10} {'data':>6} {'first draw':>10} {'ready':>6} {'parcoords':>9}")
    for r in results:
        m = r["marks"]
        cell = lambda v: "–" if v is None else str(v)
        print(f"{r['load']:>5} {cell(r['response']):>6} {cell(r['charts_library']):>10} {cell(r['data']):>6} "
              f"{cell(m.get('first-draw')):>10} {cell(m.get('page-ready')):>6} {cell(r['parcoords_on_scroll']):>9}")


if __name__ == "__main__":
    main()
