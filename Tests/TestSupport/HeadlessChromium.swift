import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Debian's chromium, headless, driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: commands
/// on the child's fd 3, replies and events on its fd 4, each a JSON message ended by a NUL byte), so a test loads
/// a page, runs script in it and reads what it rendered, without a WebSocket client or a driver package.
public final class HeadlessChromium {
    public static let executable: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    public enum Failure: Error, CustomStringConvertible {
        case missing
        case spawn(Int32)
        case closed
        case protocolError(String)
        case timeout(String)

        public var description: String {
            switch self {
            case .missing: "chromium is not installed (scripts/test.sh installs Debian's chromium)"
            case .spawn(let code): "cannot start chromium (error \(code))"
            case .closed: "chromium closed its DevTools pipe"
            case .protocolError(let message): "DevTools: \(message)"
            case .timeout(let what): "timed out waiting for \(what)"
            }
        }
    }

    let pid: pid_t
    let commands: Int32
    let replies: Int32
    let profile: URL
    var nextID = 0
    var pending: [UInt8] = []

    public init() throws {
        guard let executable = HeadlessChromium.executable else { throw Failure.missing }
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)")
        var toChild: [Int32] = [0, 0]
        var fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else { throw Failure.spawn(errno) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 3)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 4)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let arguments = [
            executable, "--headless=new", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--no-proxy-server",
            "--user-data-dir=\(profile.path)", "--window-size=1400,2400", "about:blank",
        ]
        var argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, nil, &argv, environ)
        guard status == 0 else { throw Failure.spawn(status) }
        close(toChild[0])
        close(fromChild[1])
        pid = child
        commands = toChild[1]
        replies = fromChild[0]
    }

    deinit {
        close(commands)
        close(replies)
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        try? FileManager.default.removeItem(at: profile)
    }

    /// Sends one command (to a page's session when given) and returns its result.
    @discardableResult
    public func send(_ method: String, _ params: [String: Any] = [:], session: String? = nil, timeout: Double = 30)
        throws -> [String: Any]
    {
        nextID += 1
        var message: [String: Any] = ["id": nextID, "method": method, "params": params]
        if let session { message["sessionId"] = session }
        let data = try JSONSerialization.data(withJSONObject: message) + [0]
        try data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = write(commands, bytes.baseAddress! + offset, bytes.count - offset)
                guard n > 0 else { throw Failure.closed }
                offset += n
            }
        }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard let reply = try readMessage(until: deadline) else { break }
            guard reply["id"] as? Int == nextID else { continue }  // an event, or another reply
            if let error = reply["error"] as? [String: Any] {
                throw Failure.protocolError("\(method): \(error["message"] ?? error)")
            }
            return reply["result"] as? [String: Any] ?? [:]
        }
        throw Failure.timeout(method)
    }

    func readMessage(until deadline: Date) throws -> [String: Any]? {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            if let end = pending.firstIndex(of: 0) {
                let message = Array(pending[..<end])
                pending.removeFirst(end + 1)
                return try JSONSerialization.jsonObject(with: Data(message)) as? [String: Any] ?? [:]
            }
            var poller = pollfd(fd: replies, events: Int16(POLLIN), revents: 0)
            let left = Int32(max(0, deadline.timeIntervalSinceNow) * 1000)
            guard poll(&poller, 1, left) > 0 else { return nil }
            let n = read(replies, &buffer, buffer.count)
            guard n > 0 else { throw Failure.closed }
            pending += buffer[0..<n]
        }
    }

    /// Opens `url` in a new tab and returns the tab's session.
    public func open(_ url: String) throws -> String {
        let target = try send("Target.createTarget", ["url": url])
        guard let id = target["targetId"] as? String else { throw Failure.protocolError("no target id") }
        let attached = try send("Target.attachToTarget", ["targetId": id, "flatten": true])
        guard let session = attached["sessionId"] as? String else { throw Failure.protocolError("no session") }
        return session
    }

    /// Loads `url` in the tab of `session`, after installing `before` (script run in every new document first).
    public func navigate(_ url: String, session: String, before: String? = nil) throws {
        try send("Page.enable", session: session)
        if let before { try send("Page.addScriptToEvaluateOnNewDocument", ["source": before], session: session) }
        try send("Page.navigate", ["url": url], session: session)
    }

    /// The value of a JavaScript expression in the page (JSON-compatible values).
    public func evaluate(_ expression: String, session: String) throws -> Any? {
        let result = try send(
            "Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true],
            session: session)
        if let exception = result["exceptionDetails"] as? [String: Any] {
            throw Failure.protocolError("script error: \(exception["text"] ?? exception)")
        }
        return (result["result"] as? [String: Any])?["value"]
    }

    /// Evaluates `expression` every 200 ms until it is true, for at most `timeout` seconds.
    public func wait(for expression: String, session: String, timeout: Double = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? evaluate(expression, session: session)) as? Bool == true { return }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw Failure.timeout(expression)
    }

    /// A PNG of the whole page.
    public func screenshot(session: String) throws -> Data {
        let shot = try send(
            "Page.captureScreenshot", ["format": "png", "captureBeyondViewport": true], session: session)
        guard let text = shot["data"] as? String, let data = Data(base64Encoded: text) else {
            throw Failure.protocolError("no screenshot")
        }
        return data
    }
}
