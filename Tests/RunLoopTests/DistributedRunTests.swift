import Arithmetic
import BenchmarkFunctions
import Evolution
import Foundation
import Objectives
import Reporting
import RunLoop
import RunStore
import TestSupport
import Testing
import Workbench

/// One run, one coordinator (`--no-evaluate`) and three worker processes, each killed with SIGKILL at random moments
/// and restarted: the run ends exactly where one process with the same seed ends, no candidate is lost, and none is
/// evaluated again after its result was committed.
@Suite(.serialized) struct DistributedRunTests {
    /// A process of the test and the log of each of its incarnations.
    final class Member {
        let name: String
        let arguments: [String]
        var process: Process?
        var logs: [String] = []
        var kills = 0
        /// Candidates ("g/i") each killed incarnation was evaluating when it died.
        var interrupted: [String] = []

        init(name: String, arguments: [String]) {
            self.name = name
            self.arguments = arguments
        }
    }

    @Test(arguments: Backend.allCases)
    func killedWorkersAndCoordinatorEndWhereOneProcessEnds(backend: Backend) throws {
        let temporary = try TemporaryStore(backend)
        defer { temporary.remove() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("distributed-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let experimentPath = directory.appendingPathComponent("experiment.yaml").path
        try writeRosenbrockExperiment(
            to: experimentPath, name: "distributed", seed: 31, maxEvaluations: 600, delay: 0.04)

        let database = ["--database", temporary.location, "--lease", "1.5"]
        let coordinator = Member(name: "coordinator", arguments: ["run", experimentPath, "--no-evaluate"] + database)
        let workers = (1...3).map { Member(name: "worker\($0)", arguments: ["worker", "--run", "1"] + database) }
        func launch(_ member: Member, resume: Bool = false) throws {
            let log = directory.appendingPathComponent("\(member.name)-\(member.logs.count).log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try ctxevoBinary())
            process.arguments = resume ? ["resume", "1", "--no-evaluate"] + database : member.arguments
            process.standardOutput = try FileHandle(forWritingTo: log)
            process.standardError = try FileHandle(forWritingTo: log)
            try process.run()
            member.process = process
            member.logs.append(log.path)
        }

        try launch(coordinator)
        // Workers need the run to exist: wait for its first generation to be queued.
        let store = try temporary.open()
        let deadline = Date().addingTimeInterval(60)
        func queued() -> Bool { ((try? store.pending(run: 1, generation: 0)) ?? []).isEmpty == false }
        while !queued() {
            try #require(Date() < deadline, "the coordinator never queued generation 0")
            Thread.sleep(forTimeInterval: 0.05)
        }
        for worker in workers { try launch(worker) }

        var random = RandomGenerator(seed: 8)
        let members = [coordinator] + workers
        let stop = Date().addingTimeInterval(600)
        while coordinator.process!.isRunning || coordinator.process!.terminationStatus != 0 {
            try #require(Date() < stop, "the run did not finish in 10 minutes")
            Thread.sleep(forTimeInterval: 0.2 + 0.6 * random.uniform())
            if let process = coordinator.process, !process.isRunning {
                if process.terminationStatus == 0 { break }
                try launch(coordinator, resume: true)  // e.g. refused while the dead one's lock was let go
                continue
            }
            let total = members.map(\.kills).reduce(0, +)
            let victim = total % 3 == 0 ? coordinator : workers[random.integer(below: workers.count)]
            guard let process = victim.process, process.isRunning else { continue }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            victim.kills += 1
            if let open = try openEvaluation(victim.logs.last!) { victim.interrupted.append(open) }
            try launch(victim, resume: victim === coordinator)
        }
        for worker in workers {
            let end = Date().addingTimeInterval(30)
            while worker.process!.isRunning && Date() < end { Thread.sleep(forTimeInterval: 0.05) }
            if worker.process!.isRunning { worker.process!.terminate() }
            worker.process!.waitUntilExit()
            #expect(worker.process!.terminationStatus == 0, "\(worker.name) ended with a failure")
        }
        let kills = members.map(\.kills).reduce(0, +)
        #expect(coordinator.kills >= 2 && kills >= 6, "coordinator killed \(coordinator.kills) times, all \(kills)")

        // The same experiment, one process, no delay.
        let reference = try TemporaryStore(.sqlite)
        defer { reference.remove() }
        let referenceStore = try reference.open()
        var experiment = try Experiment.load(path: experimentPath)
        experiment.sections["evaluation_delay"] = nil
        let referenceID = try ExperimentRunner.create(experiment, in: referenceStore)
        _ = try ExperimentRunner.run(id: referenceID, in: referenceStore, objectives: .standard)
        func table(_ store: RunStore, _ id: Int64) throws -> [[Double?]] {
            try store.generations(run: id).map { [$0.bestFitness, $0.medianFitness, $0.worstFitness, $0.stepSize] }
        }
        #expect(try table(store, 1) == table(referenceStore, referenceID))
        #expect(try store.run(1).status == .finished)
        // None lost: every candidate of every generation recorded once (the key is unique), by a worker.
        let candidates = try store.candidates(run: 1)
        #expect(candidates.count == (try referenceStore.candidates(run: referenceID)).count)
        #expect(candidates.allSatisfy { $0.workerID != nil })
        // None evaluated again after its result was committed: a candidate started more than once only when an
        // incarnation evaluating it was killed (its lease then ran out and another worker took it).
        // (A worker that stalled past its lease while alive may also have evaluated a candidate that another took
        // over; its result, arriving second, was discarded: that is allowed, and counted.)
        var starts: [String: Int] = [:]
        var discarded: [String: Int] = [:]
        for worker in workers {
            for log in worker.logs {
                let text = try String(contentsOfFile: log, encoding: .utf8)
                for key in evaluations(in: text) { starts[key, default: 0] += 1 }
                for line in text.split(separator: "\n") where line.contains("already recorded by another worker") {
                    if let key = candidateKey(line) { discarded[key, default: 0] += 1 }
                }
            }
        }
        let interrupted = Dictionary(grouping: workers.flatMap(\.interrupted), by: { $0 }).mapValues(\.count)
        for (key, count) in starts {
            #expect(
                count <= 1 + interrupted[key, default: 0] + discarded[key, default: 0],
                "candidate \(key) started \(count) times")
        }
        #expect(starts.count == candidates.count)
        print(
            "distributed run on \(backend): \(candidates.count) candidates, \(starts.values.reduce(0, +)) evaluations "
                + "started, \(kills) SIGKILLs (\(coordinator.kills) of the coordinator, "
                + "\(workers.flatMap(\.interrupted).count) mid-evaluation), "
                + "\(discarded.values.reduce(0, +)) late results discarded")
    }

    /// "g/i" of each "run 1 generation g candidate i: evaluating" line of a worker's log, in order.
    func evaluations(in text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            line.hasSuffix(")") && line.contains(": evaluating (attempt") ? candidateKey(line) : nil
        }
    }

    /// "g/i" of a log line about "run 1 generation g candidate i: ...".
    func candidateKey(_ line: Substring) -> String? {
        guard let range = line.range(of: "run 1 generation ") else { return nil }
        let words = line[range.upperBound...].split(separator: " ")
        guard words.count >= 3, words[1] == "candidate" else { return nil }
        return "\(words[0])/\(words[2].dropLast())"
    }

    /// The candidate a killed worker was evaluating: its last start with no later "recorded" line for it.
    func openEvaluation(_ log: String) throws -> String? {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        guard let last = evaluations(in: text).last else { return nil }
        let parts = last.split(separator: "/")
        return text.contains("run 1 generation \(parts[0]) candidate \(parts[1]): recorded") ? nil : last
    }
}

/// A CMA-ES experiment file on the 6-dimensional Rosenbrock function whose evaluations sleep `delay` seconds.
func writeRosenbrockExperiment(to path: String, name: String, seed: Int, maxEvaluations: Int, delay: Double) throws {
    try """
    name: \(name)
    objective: rosenbrock
    dimension: 6
    strategy: cma-es
    sigma: 0.5
    mean: 0
    lower: -3
    upper: 3
    seed: \(seed)
    max_evaluations: \(maxEvaluations)
    evaluation_delay: \(delay)
    """.write(toFile: path, atomically: true, encoding: .utf8)
}

/// A worker checks the run's fingerprints against the files it finds on its own machine before it evaluates.
@Suite struct WorkerRefusalTests {
    @Test(arguments: Backend.allCases) func aWorkerWithOtherFilesRefusesTheRun(backend: Backend) throws {
        // Given a run recorded with a model and texts this machine does not have
        let temporary = try TemporaryStore(backend)
        defer { temporary.remove() }
        let store = try temporary.open()
        let experiment = try Experiment.benchmark(
            name: "elsewhere", function: .sphere, dimension: 3, strategy: "cma-es", sigma: 0.5, mean: 1, lower: -2,
            upper: 2, seed: 3, maxEvaluations: 20, target: nil, evaluationDelay: nil)
        let recorded = Fingerprints(model: "aa11", data: "bb22")
        let id = try ExperimentRunner.create(experiment, fingerprints: recorded, in: store)
        try store.enqueue([PendingCandidate(runID: id, generation: 0, index: 0, parameters: "[1,1,1]")])
        // When a worker serves it, it refuses with the named error, gives the candidate back and says why
        #expect(throws: RunError.fingerprintMismatch(run: id, recorded: recorded, found: .none)) {
            _ = try Worker.serve(store: store, run: id, objectives: .standard)
        }
        #expect(try store.pending(run: id, generation: 0).map(\.state) == [.pending])
        #expect(try store.candidates(run: id).isEmpty)
        #expect(try store.events(run: id).contains { $0.level == "error" && $0.message.contains("refuses the run") })
    }
}
