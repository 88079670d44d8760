import Foundation
import RunLoop
import RunStore
import TestSupport
import Testing
import Workbench

/// A run whose database cannot grow (the disk is full: here a file-size limit, `ulimit -f`, which fails the write
/// that crosses it) stops with a named error and an intact file, and `ctxevo resume` finishes it once the cause is
/// gone, with the uninterrupted result.
@Suite struct FullDiskTests {
    @Test func aFailedWriteStopsTheRunIntactAndResumeFinishesIt() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("full-disk-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let experimentPath = directory.appendingPathComponent("experiment.yaml").path
        try writeRosenbrockExperiment(to: experimentPath, name: "full-disk", seed: 47, maxEvaluations: 1500, delay: 0)
        let database = directory.appendingPathComponent("runs.sqlite").path
        let binary = try ctxevoBinary()

        // 800 blocks of 512 bytes: room for the first generations of the run, not for all of them.
        let limited = Process()
        limited.executableURL = URL(fileURLWithPath: "/bin/bash")
        limited.arguments = ["-c", "ulimit -f 800; exec '\(binary)' run '\(experimentPath)' --database '\(database)'"]
        let output = Pipe()
        limited.standardOutput = output
        limited.standardError = output
        try limited.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        limited.waitUntilExit()
        #expect(limited.terminationStatus != 0, "the run did not stop: \(text)")
        #expect(text.contains("a write to the run database"), "no named error: \(text)")
        let check = try TemporaryStore.run(["sqlite3", database, "PRAGMA integrity_check"])
        #expect(check.trimmingCharacters(in: .whitespacesAndNewlines) == "ok")
        let store = try SQLiteRunStore(path: database, readOnly: true)
        let before = try store.candidates(run: 1).count
        #expect(before > 0 && before < 1500, "\(before) candidates recorded before the failure")

        let resumed = Process()
        resumed.executableURL = URL(fileURLWithPath: binary)
        resumed.arguments = ["resume", "1", "--database", database]
        resumed.standardOutput = FileHandle.nullDevice
        resumed.standardError = FileHandle.nullDevice
        try resumed.run()
        resumed.waitUntilExit()
        #expect(resumed.terminationStatus == 0)

        let reference = try TemporaryStore(.sqlite)
        defer { reference.remove() }
        let referenceStore = try reference.open()
        let id = try ExperimentRunner.create(try Experiment.load(path: experimentPath), in: referenceStore)
        _ = try ExperimentRunner.run(id: id, in: referenceStore, objectives: .standard)
        func table(_ store: RunStore, _ id: Int64) throws -> [[Double?]] {
            try store.generations(run: id).map { [$0.bestFitness, $0.medianFitness, $0.worstFitness, $0.stepSize] }
        }
        let finished = try SQLiteRunStore(path: database, readOnly: true)
        #expect(try table(finished, 1) == table(referenceStore, id))
        #expect(try finished.candidates(run: 1).count == referenceStore.candidates(run: id).count)
        print(
            "full disk: the run stopped after \(before) candidates with: \(text.split(separator: "\n").filter { $0.hasPrefix("Error") }.joined())"
        )
    }
}
