import Foundation
import RunStore

/// The two implementations every store test runs against.
public enum Backend: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite, postgres
    public var description: String { rawValue }
}

/// A new, empty store location of one backend, deleted by `remove()`: a file in the temporary directory, or a new
/// database on the throwaway PostgreSQL server that scripts/test.sh starts (its admin URL in CTXEVO_TEST_POSTGRES).
public struct TemporaryStore {
    public let backend: Backend
    public let location: String
    public let database: String

    public static var postgresAdminURL: String? { ProcessInfo.processInfo.environment["CTXEVO_TEST_POSTGRES"] }

    public init(_ backend: Backend) throws {
        self.backend = backend
        let name = "t\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
        database = name
        switch backend {
        case .sqlite:
            location = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).sqlite").path
        case .postgres:
            guard let admin = TemporaryStore.postgresAdminURL else {
                throw TestSetupError(
                    "CTXEVO_TEST_POSTGRES is not set: run the tests with scripts/test.sh, which starts a throwaway "
                        + "PostgreSQL server")
            }
            _ = try TemporaryStore.psql(admin, "CREATE DATABASE \(name)")
            location = TemporaryStore.url(admin, database: name)
        }
    }

    public func open(readOnly: Bool = false) throws -> RunStore { try RunStores.open(location, readOnly: readOnly) }

    public func remove() {
        switch backend {
        case .sqlite:
            for suffix in ["", "-wal", "-shm", "-coordinators"] {
                try? FileManager.default.removeItem(atPath: location + suffix)
            }
        case .postgres:
            if let admin = TemporaryStore.postgresAdminURL {
                _ = try? TemporaryStore.psql(admin, "DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
            }
        }
    }

    /// The admin URL with another database.
    public static func url(_ admin: String, database: String) -> String {
        var components = URLComponents(string: admin)!
        components.path = "/" + database
        return components.string!
    }

    /// Runs SQL with Debian's psql (an independent client), returning its unaligned output.
    @discardableResult
    public static func psql(_ url: String, _ sql: String) throws -> String {
        try run(["psql", url, "-v", "ON_ERROR_STOP=1", "-X", "-q", "-A", "-t", "-c", sql])
    }

    /// Everything in the database, as pg_dump prints it: for "nothing was written" checks.
    public func dump() throws -> String {
        switch backend {
        case .sqlite:
            // The client waits for a lock (a closing connection checkpoints the log) instead of dumping around it.
            let dump = try TemporaryStore.run(["sqlite3", "-cmd", ".timeout 10000", location, ".dump"])
            guard !dump.contains("-- due to errors") else { throw TestSetupError("sqlite3 .dump failed:\n\(dump)") }
            return dump
        case .postgres:
            // pg_dump's \restrict and \unrestrict lines carry a random key of each dump.
            return try TemporaryStore.run(["pg_dump", "--no-owner", location]).split(separator: "\n")
                .filter { !$0.hasPrefix("\\restrict") && !$0.hasPrefix("\\unrestrict") }.joined(separator: "\n")
        }
    }

    /// SQL on the store's own database, with the backend's command-line client.
    @discardableResult
    public func sql(_ statement: String) throws -> String {
        switch backend {
        case .sqlite: try TemporaryStore.run(["sqlite3", location, statement])
        case .postgres: try TemporaryStore.psql(location, statement)
        }
    }

    public static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestSetupError("\(arguments[0]) failed: \(String(decoding: message, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The release build of the command line, for tests that start processes (scripts/test.sh builds it first).
public func ctxevoBinary() throws -> String {
    let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/release/ctxevo").path
    guard FileManager.default.isExecutableFile(atPath: binary) else {
        throw TestSetupError("build the ctxevo product first (scripts/test.sh does): \(binary)")
    }
    return binary
}
