import Foundation
import RunLoop
import RunStore
import TestSupport
import Testing
import Workbench

/// A run whose database cannot grow stops with a named error and an intact file, and `ctxevo resume` finishes it
/// once the cause is gone, with the uninterrupted result. Two ways to fill the disk: a file-size limit (`ulimit -f`,
/// which fails the write that crosses it), and, where this process may mount file systems (root in a container),
/// a real full disk: a 1 MiB tmpfs.
@Suite struct FullDiskTests {
    enum Cause: String, CaseIterable, CustomStringConvertible {
        case fileSizeLimit, fullFileSystem
        var description: String { rawValue }
    }

    /// Whether a tmpfs can be mounted here.
    static let canMount: Bool = {
        let point = FileManager.default.temporaryDirectory.appendingPathComponent("mount-probe-\(UUID())").path
        try? FileManager.default.createDirectory(atPath: point, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: point) }
        guard (try? TemporaryStore.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", point])) != nil else {
            return false
        }
        _ = try? TemporaryStore.run(["umount", point])
        return true
    }()

    @Test(arguments: Cause.allCases) func aFailedWriteStopsTheRunIntactAndResumeFinishesIt(_ cause: Cause) throws {
        if cause == .fullFileSystem && !Self.canMount {
            print("full disk: cannot mount a tmpfs here; only the file-size limit is tried")
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("full-disk-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let disk = directory.appendingPathComponent("disk").path
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        if cause == .fullFileSystem {
            try TemporaryStore.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", disk])
        }
        let mounted = cause == .fullFileSystem
        defer { if mounted { _ = try? TemporaryStore.run(["umount", disk]) } }
        let experimentPath = directory.appendingPathComponent("experiment.yaml").path
        try writeRosenbrockExperiment(to: experimentPath, name: "full-disk", seed: 47, maxEvaluations: 1500, delay: 0)
        let database = disk + "/runs.sqlite"
        let binary = try ctxevoBinary()

        // 800 blocks of 512 bytes: room for the first generations of the run, not for all of them.
        let limited = Process()
        limited.executableURL = URL(fileURLWithPath: "/bin/bash")
        let limit = cause == .fileSizeLimit ? "ulimit -f 800; " : ""
        limited.arguments = ["-c", "\(limit)exec '\(binary)' run '\(experimentPath)' --database '\(database)'"]
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
        if mounted {
            // Room again: the database moves to a disk that is not full.
            try TemporaryStore.run(["mount", "-o", "remount,size=64m", disk])
        }

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
            "full disk (\(cause)): the run stopped after \(before) candidates with: \(text.split(separator: "\n").filter { $0.hasPrefix("Error") }.joined())"
        )
    }
}
