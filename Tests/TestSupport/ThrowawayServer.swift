import Foundation

/// A PostgreSQL server of the test's own (scripts/postgres-throwaway.sh), for tests that restart or stop it, which
/// the suite's shared server must never be.
public final class ThrowawayServer: @unchecked Sendable {
    public let directory: String
    public let adminURL: String
    private static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/postgres-throwaway.sh").path

    /// Whether Debian's PostgreSQL server binaries are installed (scripts/setup.sh installs them).
    public static var available: Bool {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).contains {
            FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\($0)/bin/pg_ctl")
        }
    }

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ctxevo-server-\(UUID())").path
        adminURL = try Self.control("start", directory).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs the script, its output in files: the server it starts inherits them, so pipes would stay open (and
    /// Foundation's `Process` would wait) as long as the server runs.
    @discardableResult
    private static func control(_ command: String, _ directory: String) throws -> String {
        let (output, errors) = (directory + ".stdout", directory + ".stderr")
        let line = "exec bash '\(script)' \(command) '\(directory)' > '\(output)' 2> '\(errors)' < /dev/null"
        var pid: pid_t = 0
        let words: [String] = ["/bin/bash", "-c", line]
        let arguments: [UnsafeMutablePointer<CChar>?] = words.map { word in strdup(word) } + [nil]
        defer { arguments.forEach { free($0) } }
        guard posix_spawn(&pid, "/bin/bash", nil, nil, arguments, environ) == 0 else {
            throw TestSetupError("cannot start postgres-throwaway.sh")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        let message = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        for file in [output, errors] { try? FileManager.default.removeItem(atPath: file) }
        guard status == 0 else { throw TestSetupError("postgres-throwaway.sh \(command) failed: \(message)") }
        return text
    }

    /// A crash and recovery: every connection cut; returns once the server accepts connections again.
    public func restart() throws { try Self.control("restart", directory) }
    /// Stops the server at once (immediate mode).
    public func down() throws { try Self.control("down", directory) }
    /// Starts it again on its port; returns once it accepts connections.
    public func up() throws { try Self.control("up", directory) }
    /// Stops it and deletes its files.
    public func stop() { _ = try? Self.control("stop", directory) }

    /// Cuts every connection of ctxevo processes (`pg_terminate_backend`); returns how many were cut.
    @discardableResult
    public func cutConnections() throws -> Int {
        let cut = try TemporaryStore.psql(
            adminURL,
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name LIKE 'ctxevo%'")
        return Int(cut.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// One number from a query, through psql.
    public func count(_ sql: String) throws -> Int {
        Int(try TemporaryStore.psql(adminURL, sql).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }
}
