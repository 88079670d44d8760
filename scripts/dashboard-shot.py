#!/usr/bin/env python3
"""Screenshots of dashboard pages, for results/dashboard/, in headless chromium (devtools.py). Usage:
    scripts/dashboard-shot.py URL OUTPUT.png [HEIGHT]
It waits until the page says its charts are drawn (body[data-charts-rendered="yes"]; the runs list: a table row),
then captures the page at 1400 x HEIGHT (default 3200) pixels."""
import base64, sys, time

from devtools import Browser


def main():
    url, output = sys.argv[1], sys.argv[2]
    height = int(sys.argv[3]) if len(sys.argv) > 3 else 3200
    browser = Browser()
    try:
        session = browser.open_page(1400, height)
        browser.send("Page.navigate", {"url": url}, session)
        ready = ("document.body && (document.body.dataset.chartsRendered === 'yes'"
                 " || document.querySelectorAll('#runs-table tbody tr').length > 0)")
        deadline = time.time() + 60
        while time.time() < deadline and browser.evaluate(ready, session) is not True:
            time.sleep(0.3)
        time.sleep(2)  # the charts' last redraws
        shot = browser.send("Page.captureScreenshot", {"format": "png"}, session)
        with open(output, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        print(f"wrote {output}")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
