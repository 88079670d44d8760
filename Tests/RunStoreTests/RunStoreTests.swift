import Foundation
import RunStore
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

    @Test func writesAndReadsBack() throws {
        // Given a new store
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try RunStore(path: path)
        // When a run, a candidate and a generation are recorded
        let run = try store.createRun(sampleRun())
        let id = try #require(run.id)
        try store.recordCandidate(
            CandidateRecord(
                runID: id, generation: 0, index: 0, parameters: "[1,2]", fitness: 3, metrics: "{}", status: .ok,
                seconds: 0.1))
        try store.recordGeneration(
            GenerationRecord(
                runID: id, index: 0, state: Data("{}".utf8), bestFitness: 3, medianFitness: 3, worstFitness: 3,
                bestSoFar: 3, stepSize: 0.5, seconds: 0.2, finishedAt: Date()))
        try store.recordEvent(run: id, level: "info", "started")
        // Then they read back, from a second, read-only connection too
        let reader = try RunStore(path: path, readOnly: true)
        #expect(try reader.runs().map(\.name) == ["rosenbrock"])
        #expect(try reader.candidates(run: id).count == 1)
        #expect(try reader.lastGeneration(run: id)?.stepSize == 0.5)
        #expect(try reader.events(run: id).map(\.message) == ["started"])
        #expect(throws: RunStoreError.unknownRun(99)) { try reader.run(99) }
    }

    @Test func refusesADatabaseFromANewerVersionAndChangesNothing() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let store = try RunStore(path: path)
            _ = try store.createRun(sampleRun())
        }
        // A later ctxevo added a migration this one does not know.
        guard sqlite(path, "INSERT INTO grdb_migrations VALUES ('v9: from the future')") != nil else { return }
        let before = sqlite(path, ".dump")
        #expect(throws: RunStoreError.newerVersion(path)) { try RunStore(path: path) }
        #expect(sqlite(path, ".dump") == before)  // the content, not the bytes: SQLite may checkpoint its WAL
    }

    /// Output of the sqlite3 command-line shell (Debian's `sqlite3`), nil when it is not installed or fails.
    func sqlite(_ path: String, _ command: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", path, command]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = Pipe()
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }

    @Test func refusesAFileThatIsNotADatabase() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        #expect(throws: RunStoreError.self) { try RunStore(path: path) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(repeating: 0x41, count: 4096))
    }

    @Test func refusesToWriteAReadOnlyFile() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try RunStore(path: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
        if getuid() == 0 { return }  // root writes anyway; the check is for users
        #expect(throws: RunStoreError.readOnly(path)) { try RunStore(path: path) }
    }
}
