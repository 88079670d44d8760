import Arithmetic
import Foundation
import RunLoop
import RunStore
import TestSupport
import Testing
import Workbench

/// A shared run (a coordinator and three workers on PostgreSQL) whose server restarts and whose connections are cut
/// while it runs ends where one process ends; a server down for longer than `--max-outage` makes every process exit
/// with the named error, and the run finishes once they are started again.
@Suite(.serialized, .enabled(if: ThrowawayServer.available, "no PostgreSQL server binaries"))
struct OutageTests {
    /// The processes of a test, each with its log.
    final class Processes {
        let directory: URL
        var running: [String: Process] = [:]
        var logs: [String: [String]] = [:]

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("outage-\(UUID())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }

        func launch(_ name: String, _ arguments: [String]) throws {
            let log = directory.appendingPathComponent("\(name)-\(logs[name, default: []].count).log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try ctxevoBinary())
            process.arguments = arguments
            process.standardOutput = try FileHandle(forWritingTo: log)
            process.standardError = try FileHandle(forWritingTo: log)
            try process.run()
            running[name] = process
            logs[name, default: []].append(log.path)
        }

        /// Waits until every process has ended; false if one is still running at the deadline.
        func waitForAll(seconds: Double) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while running.values.contains(where: \.isRunning) {
                if Date() > deadline { return false }
                Thread.sleep(forTimeInterval: 0.1)
            }
            return true
        }

        func text(of name: String) -> String {
            logs[name, default: []].compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }.joined()
        }

        /// "evaluating" lines of every worker log: evaluations started.
        var evaluationsStarted: Int {
            logs.keys.filter { $0.hasPrefix("worker") }.map { text(of: $0) }.reduce(0) {
                $0 + $1.components(separatedBy: ": evaluating (attempt").count - 1
            }
        }

        func stopAll() {
            for process in running.values where process.isRunning { process.terminate() }
            _ = waitForAll(seconds: 10)
            try? FileManager.default.removeItem(at: directory)
        }
    }

    static func perGenerationTable(_ store: RunStore, _ id: Int64) throws -> [[Double?]] {
        try store.generations(run: id).map { [$0.bestFitness, $0.medianFitness, $0.worstFitness, $0.stepSize] }
    }

    /// The same experiment in one process on SQLite, without the evaluation delay.
    static func referenceTable(experimentPath: String) throws -> (table: [[Double?]], candidates: Int) {
        let reference = try TemporaryStore(.sqlite)
        defer { reference.remove() }
        let store = try reference.open()
        var experiment = try Experiment.load(path: experimentPath)
        experiment.sections["evaluation_delay"] = nil
        let id = try ExperimentRunner.create(experiment, in: store)
        _ = try ExperimentRunner.run(id: id, in: store, objectives: .standard)
        return (try perGenerationTable(store, id), try store.candidates(run: id).count)
    }

    /// Waits until `condition` holds; false at the deadline.
    static func waitFor(seconds: Double, _ condition: () throws -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while (try? condition()) != true {
            if Date() > deadline { return false }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return true
    }

    /// A coordinator (`--no-evaluate`) of a Rosenbrock experiment and, once it has queued generation 0, three
    /// workers, all on `server` with `options`; returns the experiment's path.
    static func startSharedRun(
        _ processes: Processes, server: ThrowawayServer, seed: Int, evaluations: Int, delay: Double,
        options database: [String]
    ) throws -> String {
        let experimentPath = processes.directory.appendingPathComponent("experiment.yaml").path
        try writeRosenbrockExperiment(
            to: experimentPath, name: "outage", seed: seed, maxEvaluations: evaluations, delay: delay)
        try processes.launch("coordinator", ["run", experimentPath, "--no-evaluate"] + database)
        try #require(
            waitFor(seconds: 60) { try server.count("SELECT count(*) FROM pending") > 0 },
            "the coordinator never queued generation 0")
        for i in 1...3 { try processes.launch("worker\(i)", ["worker", "--run", "1"] + database) }
        return experimentPath
    }

    @Test func aSharedRunOutlivesServerRestartsAndCutConnections() throws {
        let server = try ThrowawayServer()
        defer { server.stop() }
        let processes = try Processes()
        defer { processes.stopAll() }
        let database = ["--database", server.adminURL, "--lease", "3", "--max-outage", "120"]
        let experimentPath = try Self.startSharedRun(
            processes, server: server, seed: 41, evaluations: 900, delay: 0.1, options: database)
        let candidates = "SELECT count(*) FROM candidate"

        // 5 restarts and 10 cuts in a shuffled order, one every 1.2 s while the run goes on.
        var random = RandomGenerator(seed: 5)
        var actions = Array(repeating: true, count: 5) + Array(repeating: false, count: 10)
        for i in stride(from: actions.count - 1, to: 0, by: -1) {
            actions.swapAt(i, Int(random.uniform() * Double(i + 1)) % (i + 1))
        }
        var (restarts, cuts, connectionsCut) = (0, 0, 0)
        var slowestResumption = 0.0
        for restart in actions {
            Thread.sleep(forTimeInterval: 1.2)
            try #require(processes.running["coordinator"]!.isRunning, "the run ended before the outages")
            if restart {
                try server.restart()
                restarts += 1
                // Progress: a candidate recorded after the server accepts connections again.
                let accepting = Date()
                let before = try server.count(candidates)
                #expect(Self.waitFor(seconds: 30) { try server.count(candidates) > before })
                slowestResumption = max(slowestResumption, -accepting.timeIntervalSinceNow)
            } else {
                connectionsCut += try server.cutConnections()
                cuts += 1
            }
        }
        try #require(processes.waitForAll(seconds: 300), "the run did not finish in 5 minutes after the outages")
        for (name, process) in processes.running {
            #expect(process.terminationStatus == 0, "\(name) ended with \(process.terminationStatus)")
        }

        let store = try RunStores.open(server.adminURL, readOnly: true)
        let reference = try Self.referenceTable(experimentPath: experimentPath)
        #expect(try store.run(1).status == .finished)
        #expect(try Self.perGenerationTable(store, 1) == reference.table)
        // Every candidate recorded once (the key is unique) and none lost.
        let recorded = try store.candidates(run: 1).count
        #expect(recorded == reference.candidates)
        #expect(slowestResumption <= 10, "progress resumed \(slowestResumption) s after a restart")
        let started = processes.evaluationsStarted
        print(
            "outage run: \(restarts) restarts, \(cuts) cuts (\(connectionsCut) connections), \(recorded) candidates, "
                + "\(started - recorded) re-evaluations, progress resumed at most "
                + String(format: "%.1f", slowestResumption) + " s after a restart")
    }

    @Test func processesGiveUpAfterTheLongestOutageAndTheRunFinishesWhenRestarted() throws {
        let server = try ThrowawayServer()
        defer { server.stop() }
        let processes = try Processes()
        defer { processes.stopAll() }
        let database = ["--database", server.adminURL, "--lease", "2", "--max-outage", "3"]
        let experimentPath = try Self.startSharedRun(
            processes, server: server, seed: 43, evaluations: 240, delay: 0.05, options: database)
        try #require(Self.waitFor(seconds: 60) { try server.count("SELECT count(*) FROM candidate") >= 30 })

        try server.down()
        #expect(processes.waitForAll(seconds: 60), "a process outlived --max-outage")
        for (name, process) in processes.running {
            #expect(process.terminationStatus != 0, "\(name) exited 0 without its database")
            #expect(processes.text(of: name).contains("could not connect again"), "\(name) gave no named error")
        }

        try server.up()
        try processes.launch("coordinator", ["resume", "1", "--no-evaluate"] + database)
        for i in 1...3 { try processes.launch("worker\(i)", ["worker", "--run", "1"] + database) }
        try #require(processes.waitForAll(seconds: 180), "the resumed run did not finish")
        #expect(processes.running["coordinator"]!.terminationStatus == 0)
        let store = try RunStores.open(server.adminURL, readOnly: true)
        let reference = try Self.referenceTable(experimentPath: experimentPath)
        #expect(try Self.perGenerationTable(store, 1) == reference.table)
        #expect(try store.candidates(run: 1).count == reference.candidates)
    }
}
