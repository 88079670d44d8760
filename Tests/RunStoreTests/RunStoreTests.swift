import Foundation
import RunStore
import TestSupport
import Testing

@Suite struct RunStoreTests {
    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("runs-\(UUID().uuidString).sqlite").path
    }

    func sampleRun() -> RunRecord {
        RunRecord(
            name: "rosenbrock", strategy: "cma-es", configuration: "{}", modelSHA256: "-", dataSHA256: "-",
            codeVersion: "test", seed: 1)
    }

    @Test(arguments: Backend.allCases) func writesAndReadsBack(backend: Backend) throws {
        // Given a new store
        let temporary = try TemporaryStore(backend)
        defer { temporary.remove() }
        let store = try temporary.open()
        // When a run, a candidate and a generation are recorded
        let run = try store.createRun(sampleRun())
        let id = try #require(run.id)
        try store.recordCandidate(
            CandidateRecord(
                runID: id, generation: 0, index: 0, parameters: "[1,2]", fitness: 3, metrics: "{}", status: .ok,
                seconds: 0.1))
        try store.recordGeneration(
            GenerationRecord(
                runID: id, index: 0, state: Data("{}".utf8), bestFitness: 3, medianFitness: nil, worstFitness: 3,
                bestSoFar: 3, stepSize: 0.5, seconds: 0.2, finishedAt: Date(timeIntervalSince1970: 1_700_000_000.25)))
        try store.recordEvent(run: id, level: "info", "started")
        try store.setStatus(run: id, .finished)
        // Then they read back, from a second, read-only connection too
        let reader = try temporary.open(readOnly: true)
        #expect(try reader.runs().map(\.name) == ["rosenbrock"])
        #expect(try reader.run(id).status == .finished)
        #expect(try reader.run(id).seed == 1)
        #expect(try reader.candidates(run: id).map(\.fitness) == [3])
        #expect(try reader.candidates(run: id, generation: 1).isEmpty)
        let generation = try #require(try reader.lastGeneration(run: id))
        #expect(generation.stepSize == 0.5 && generation.medianFitness == nil && generation.state == Data("{}".utf8))
        #expect(generation.finishedAt.timeIntervalSince1970 == 1_700_000_000.25)
        #expect(try reader.generations(run: id).count == 1)
        #expect(try reader.events(run: id).map(\.message) == ["started"])
        #expect(throws: RunStoreError.unknownRun(99)) { try reader.run(99) }
        // Nothing is written through the read-only one (SQLite's read-only mode; PostgreSQL's read-only
        // transactions), and the database is as it was.
        let before = try temporary.dump()
        #expect(throws: (any Error).self) { try reader.setStatus(run: id, .running) }
        #expect(throws: (any Error).self) { try reader.recordEvent(run: id, level: "info", "written") }
        #expect(try temporary.dump() == before)
    }

    @Test(arguments: Backend.allCases) func refusesADatabaseFromANewerVersionAndChangesNothing(backend: Backend) throws
    {
        let temporary = try TemporaryStore(backend)
        defer { temporary.remove() }
        let location: String
        do {
            let store = try temporary.open()
            _ = try store.createRun(sampleRun())
            location = store.location
        }
        // A later ctxevo added a migration this one does not know.
        switch backend {
        case .sqlite: try temporary.sql("INSERT INTO grdb_migrations VALUES ('v9: from the future')")
        case .postgres:
            try temporary.sql("INSERT INTO ctxevo_migrations VALUES ('v9: from the future', now())")
        }
        let before = try temporary.dump()
        #expect(throws: RunStoreError.newerVersion(location)) { try temporary.open() }
        #expect(throws: RunStoreError.newerVersion(location)) { try temporary.open(readOnly: true) }
        #expect(try temporary.dump() == before)  // the content, not the bytes: SQLite may checkpoint its WAL
    }

    @Test(arguments: Backend.allCases) func refusesTablesThatAreNotCtxevosAndChangesNothing(backend: Backend) throws {
        // Given a database that another program uses, with a table named like one of ctxevo's
        let temporary = try TemporaryStore(backend)
        defer { temporary.remove() }
        try temporary.sql("CREATE TABLE run (title TEXT)")
        let before = try temporary.dump()
        // Then it is refused with a named error, and nothing is written
        #expect(throws: RunStoreError.self) { try temporary.open() }
        #expect(try temporary.dump() == before)
    }

    @Test func refusesAFileThatIsNotADatabase() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        #expect(throws: RunStoreError.self) { try SQLiteRunStore(path: path) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(repeating: 0x41, count: 4096))
    }

    @Test func refusesToWriteAReadOnlyFile() throws {
        // Given a store whose file was made read-only (chmod a-w; as root, which CI is, too: root could write it,
        // but its owner said not to),
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try SQLiteRunStore(path: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        // when it is opened for writing, it is refused with the named error and the file is unchanged,
        #expect(throws: RunStoreError.readOnly(path)) { try SQLiteRunStore(path: path) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        // while opening it to read still works.
        _ = try SQLiteRunStore(path: path, readOnly: true)
    }
}

/// SQLite shared between processes: a write waits for a lock another process holds (SQLite's busy handler backs off
/// between tries) up to the outage policy's limit, then fails with a named error; the file stays intact.
@Suite struct SQLiteLockTests {
    /// Holds SQLite's write lock on `path` for `seconds` in another process (python3's sqlite3 module); returns once
    /// the lock is taken.
    func holdWriteLock(_ path: String, seconds: Double) throws -> Process {
        let flag = path + ".locked"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            """
            import sqlite3, time, pathlib
            c = sqlite3.connect('\(path)', isolation_level=None)
            c.execute('BEGIN IMMEDIATE')
            pathlib.Path('\(flag)').touch()
            time.sleep(\(seconds))
            c.execute('COMMIT')
            """,
        ]
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: flag) {
            guard Date() < deadline, process.isRunning else { throw TestSetupError("python3 did not lock \(path)") }
            Thread.sleep(forTimeInterval: 0.02)
        }
        try? FileManager.default.removeItem(atPath: flag)
        return process
    }

    func integrity(_ path: String) throws -> String {
        try TemporaryStore.run(["sqlite3", path, "PRAGMA integrity_check"]).trimmingCharacters(
            in: .whitespacesAndNewlines)
    }

    @Test func aWriteWaitsForALockedDatabaseThenGoesThrough() throws {
        let temporary = try TemporaryStore(.sqlite)
        defer { temporary.remove() }
        let store = try SQLiteRunStore(path: temporary.location, readOnly: false)
        let run = try store.createRun(
            RunRecord(
                name: "locked", strategy: "cma-es", configuration: "{}", modelSHA256: "-", dataSHA256: "-",
                codeVersion: "test", seed: 1))
        let holder = try holdWriteLock(temporary.location, seconds: 1.5)
        let start = Date()
        try store.recordEvent(run: run.id!, level: "info", "written after the lock was let go")
        holder.waitUntilExit()
        #expect(-start.timeIntervalSinceNow > 1, "the write did not wait for the lock")
        #expect(try store.events(run: run.id!).map(\.message) == ["written after the lock was let go"])
        #expect(try integrity(temporary.location) == "ok")
    }

    @Test func aLockHeldLongerThanTheOutageLimitIsANamedError() throws {
        let temporary = try TemporaryStore(.sqlite)
        defer { temporary.remove() }
        let store = try SQLiteRunStore(path: temporary.location, readOnly: false, policy: OutagePolicy(maxOutage: 1))
        let run = try store.createRun(
            RunRecord(
                name: "locked", strategy: "cma-es", configuration: "{}", modelSHA256: "-", dataSHA256: "-",
                codeVersion: "test", seed: 1))
        let holder = try holdWriteLock(temporary.location, seconds: 4)
        #expect(throws: RunStoreError.busy(temporary.location, seconds: 1)) {
            try store.recordEvent(run: run.id!, level: "info", "never written")
        }
        holder.waitUntilExit()
        #expect(try store.events(run: run.id!).isEmpty)
        #expect(try integrity(temporary.location) == "ok")
    }
}
