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

/// A run stopped and resumed any number of times ends exactly where an uninterrupted run with the same seed ends,
/// and no evaluation whose record was written is run again.
@Suite(.serialized) struct ResumeTests {
    func experiment(strategy: String, delay: Double? = nil, budget: Int = 2400) throws -> Experiment {
        try Experiment.benchmark(
            name: "resume-\(strategy)", function: .rosenbrock, dimension: 6, strategy: strategy, sigma: 0.5, mean: 0,
            lower: -3, upper: 3, seed: 17, maxEvaluations: budget, target: nil, evaluationDelay: delay)
    }

    func temporaryStore() throws -> (RunStore, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("resume-\(UUID().uuidString).sqlite")
            .path
        return (try SQLiteRunStore(path: path), path)
    }

    func table(_ store: RunStore, _ id: Int64) throws -> [[Double?]] {
        try store.generations(run: id).map { [$0.bestFitness, $0.medianFitness, $0.worstFitness, $0.stepSize] }
    }

    /// Runs `id` to its end in pieces, each stopped after a random number (1 to `atMost`) of evaluations; returns
    /// the evaluations run and the number of stops.
    func runWithRandomStops(id: Int64, in store: RunStore, seed: UInt64, atMost: Int) throws -> (Int, Int) {
        try RandomStops.run(seed: seed, atMost: atMost) { shouldStop in
            let report = try ExperimentRunner.run(id: id, in: store, objectives: .standard, shouldStop: shouldStop)
            if case .finished = report.outcome { return (report.evaluated, true) }
            return (report.evaluated, false)
        }
    }

    @Test(arguments: ["cma-es", "bipop-cma-es", "ga"], Backend.allCases)
    func stoppingAtRandomEvaluationsChangesNothing(strategy: String, backend: Backend) throws {
        let (reference, referencePath) = try temporaryStore()
        defer { try? FileManager.default.removeItem(atPath: referencePath) }
        let referenceID = try ExperimentRunner.create(experiment(strategy: strategy), in: reference)
        let whole = try ExperimentRunner.run(id: referenceID, in: reference, objectives: .standard)

        let temporary = try TemporaryStore(backend)
        defer { temporary.remove() }
        let store = try temporary.open()
        let id = try ExperimentRunner.create(experiment(strategy: strategy), in: store)
        let (evaluated, stops) = try runWithRandomStops(id: id, in: store, seed: 99, atMost: 300)
        #expect(stops >= 5)
        #expect(evaluated == whole.evaluated, "every evaluation ran exactly once across \(stops) stops")
        #expect(try table(store, id) == table(reference, referenceID))
        #expect(
            try ExperimentRunner.strategy(run: id, in: store)?.best
                == ExperimentRunner.strategy(run: referenceID, in: reference)?.best)
    }

    /// The mean of the distribution, evaluated every 3 generations and at the end (candidate -1), survives stops
    /// like any candidate: the same means, evaluated once each.
    @Test func theEvaluatedMeanSurvivesStops() throws {
        var experiment = try experiment(strategy: "cma-es", budget: 400)
        experiment.evaluateMeanEvery = 3
        let (reference, referencePath) = try temporaryStore()
        defer { try? FileManager.default.removeItem(atPath: referencePath) }
        let referenceID = try ExperimentRunner.create(experiment, in: reference)
        let whole = try ExperimentRunner.run(id: referenceID, in: reference, objectives: .standard)
        let (store, path) = try temporaryStore()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let id = try ExperimentRunner.create(experiment, in: store)
        let (evaluated, _) = try runWithRandomStops(id: id, in: store, seed: 4, atMost: 40)
        func means(_ store: RunStore, _ id: Int64) throws -> [[Double?]] {
            try store.candidates(run: id).filter { $0.index == -1 }.map { [Double($0.generation), $0.fitness] }
        }
        let generations = try store.generations(run: id).count
        #expect(evaluated == whole.evaluated)
        #expect(try means(store, id) == means(reference, referenceID))
        #expect(try means(store, id).count == generations / 3 + (generations % 3 == 0 ? 0 : 1))
        #expect(try table(store, id) == table(reference, referenceID))
    }

    /// A generation stopped halfway and finished in a later sitting is timed with both halves: its seconds are at
    /// least its candidates' evaluation seconds (one process evaluates one at a time), as in an uninterrupted run.
    @Test func aResumedGenerationKeepsTheTimeOfItsFirstSitting() throws {
        let (store, path) = try temporaryStore()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let id = try ExperimentRunner.create(experiment(strategy: "cma-es", delay: 0.02, budget: 30), in: store)
        var asked = 0
        let first = try ExperimentRunner.run(
            id: id, in: store, objectives: .standard,
            shouldStop: {
                asked += 1
                return asked > 5
            })
        #expect((1..<9).contains(first.evaluated), "stopped inside generation 0 (9 candidates)")
        let second = try ExperimentRunner.run(id: id, in: store, objectives: .standard)
        guard case .finished = second.outcome else {
            Issue.record("the resumed run did not finish: \(second.outcome)")
            return
        }
        let generations = try store.generations(run: id)
        #expect(generations.count >= 3)
        for generation in generations {
            let evaluation = try store.candidates(run: id, generation: generation.index).reduce(0) { $0 + $1.seconds }
            #expect(evaluation >= 0.02 * 5, "generation \(generation.index): \(evaluation) s of evaluation")
            #expect(
                generation.seconds >= evaluation,
                "generation \(generation.index): \(generation.seconds) s recorded, \(evaluation) s of evaluation")
        }
    }

    /// The command-line run killed with SIGKILL at random moments, then resumed: same final table.
    @Test func sigkillAtRandomMomentsThenResume() throws {
        let binary = try ctxevoBinary()
        let experimentPath = FileManager.default.temporaryDirectory.appendingPathComponent("kill-\(UUID()).yaml").path
        let databasePath = FileManager.default.temporaryDirectory.appendingPathComponent("kill-\(UUID()).sqlite").path
        defer {
            try? FileManager.default.removeItem(atPath: experimentPath)
            try? FileManager.default.removeItem(atPath: databasePath)
        }
        try writeRosenbrockExperiment(
            to: experimentPath, name: "kill-test", seed: 23, maxEvaluations: 2000, delay: 0.002)

        func launch(_ arguments: [String]) throws -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments + ["--database", databasePath]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        var random = RandomGenerator(seed: 5)
        var process = try launch(["run", experimentPath])
        var kills = 0
        while true {
            Thread.sleep(forTimeInterval: 0.15 + 0.5 * random.uniform())
            if !process.isRunning { break }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            kills += 1
            process = try launch(["resume", "1"])
        }
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(kills >= 5)

        // The reference: the same experiment run once, in process.
        let store = try SQLiteRunStore(path: databasePath)
        let reference = try SQLiteRunStore(path: databasePath + ".reference")
        defer { try? FileManager.default.removeItem(atPath: databasePath + ".reference") }
        let loaded = try Experiment.load(path: experimentPath)
        var fast = loaded
        fast.sections["evaluation_delay"] = nil
        let referenceID = try ExperimentRunner.create(fast, in: reference)
        _ = try ExperimentRunner.run(id: referenceID, in: reference, objectives: .standard)
        #expect(try table(store, 1) == table(reference, referenceID), "after \(kills) kills")
        #expect(try store.run(1).status == .finished)
    }
}
