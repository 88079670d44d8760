"""Headless chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe, as the dashboard's browser
test does), for the dashboard scripts: screenshots (dashboard-shot.py) and page-load timing (dashboard-load.py)."""
import json, os, shutil, subprocess, tempfile


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

    def open_page(self, width, height):
        """A new tab of width x height pixels; returns its session."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session)
        self.send("Page.enable", session=session)
        return session

    def close(self):
        self.process.kill()
        self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)
