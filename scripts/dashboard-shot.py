#!/usr/bin/env python3
"""Screenshots of dashboard pages, for results/dashboard/: headless chromium driven over the DevTools protocol on
a pipe (--remote-debugging-pipe, as the browser test does). Usage:
    scripts/dashboard-shot.py URL OUTPUT.png [HEIGHT]
It waits until the page says its charts are drawn (body[data-charts-rendered="yes"]; the runs list: a table row),
then captures the page at 1400 x HEIGHT (default 3200) pixels."""
import base64, json, os, subprocess, sys, tempfile, time


class Browser:
    def __init__(self):
        to_child, from_parent = os.pipe()
        to_parent, from_child = os.pipe()
        self.profile = tempfile.mkdtemp(prefix="chromium-")

        def wire():
            os.dup2(to_child, 3)
            os.dup2(from_child, 4)

        self.process = subprocess.Popen(
            ["chromium", "--headless=new", "--remote-debugging-pipe", "--no-sandbox", "--disable-dev-shm-usage",
             "--no-first-run", "--no-default-browser-check", "--no-proxy-server", "--use-angle=swiftshader",
             "--enable-unsafe-swiftshader", "--user-data-dir=" + self.profile, "--window-size=1400,2400",
             "about:blank"],
            preexec_fn=wire, pass_fds=(3, 4), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child)
        os.close(from_child)
        self.commands = os.fdopen(from_parent, "wb")
        self.replies = to_parent
        self.next_id = 0
        self.pending = b""

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.commands.write(json.dumps(message).encode() + b"\0")
        self.commands.flush()
        while True:
            while b"\0" not in self.pending:
                chunk = os.read(self.replies, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed its pipe")
                self.pending += chunk
            raw, self.pending = self.pending.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def evaluate(self, expression, session):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session)
        return result.get("result", {}).get("value")


def main():
    url, output = sys.argv[1], sys.argv[2]
    height = int(sys.argv[3]) if len(sys.argv) > 3 else 3200
    browser = Browser()
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": 1400, "height": height, "deviceScaleFactor": 1, "mobile": False}, session)
        browser.send("Page.enable", session=session)
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
        browser.process.kill()


if __name__ == "__main__":
    main()
