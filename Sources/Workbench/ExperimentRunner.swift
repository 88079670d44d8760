import Evolution
import Foundation
import RunStore

/// The ask -> evaluate -> tell -> record loop that every search uses. Each finished evaluation is written as it
/// completes, and the end of a generation (the optimiser state that continues from it) is one transaction, so a
/// run killed at any moment resumes from its database: the generation in progress is asked again from the
/// recorded state (the same population, bit for bit), and its recorded evaluations are reused, never redone.
public enum ExperimentRunner {
    public static let codeVersion = "ctxevo 0.2.0"

    public enum Outcome: Equatable, Sendable {
        case finished(Termination)
        case interrupted
    }

    /// What one call did: how it ended, how many evaluations it ran, and how many recorded ones it reused.
    public struct Report: Equatable, Sendable {
        public var outcome: Outcome
        public var evaluated = 0
        public var reused = 0
    }

    /// Creates the run record of `experiment` and returns its id.
    public static func create(_ experiment: Experiment, in store: RunStore) throws -> Int64 {
        let configuration = String(decoding: try JSONEncoder().encode(experiment), as: UTF8.self)
        let run = try store.createRun(
            RunRecord(
                name: experiment.name, strategy: experiment.strategy, configuration: configuration, modelSHA256: "-",
                dataSHA256: "-", codeVersion: codeVersion, seed: Int64(bitPattern: experiment.seed)))
        guard let id = run.id else { throw RunStoreError.database(store.path, "the new run got no id") }
        try store.recordEvent(run: id, level: "info", "created from experiment '\(experiment.name)'")
        return id
    }

    /// Runs (or resumes) run `id` until its strategy terminates or `shouldStop` says so between two evaluations.
    public static func run(
        id: Int64, in store: RunStore, shouldStop: @escaping () -> Bool = { false },
        progress: (_ evaluations: Int, _ budget: Int?) -> Void = { _, _ in }
    ) throws -> Report {
        var report = Report(outcome: .interrupted)
        let record = try store.run(id)
        let experiment = try JSONDecoder().decode(Experiment.self, from: Data(record.configuration.utf8))
        var strategy: any Strategy
        var generation: Int
        if let last = try store.lastGeneration(run: id) {
            strategy = try StrategyRegistry.decode(last.state)
            generation = last.index + 1
            try store.recordEvent(run: id, level: "info", "resumed after generation \(last.index)")
        } else {
            guard let fresh = StrategyRegistry.make(experiment.strategy, start: experiment.start) else {
                throw ExperimentError(path: record.name, field: "strategy", problem: "'\(experiment.strategy)' is not registered")
            }
            strategy = fresh
            generation = 0
        }
        try store.setStatus(run: id, "running")
        while strategy.termination == nil {
            let started = Date()
            let population = strategy.ask()
            let recorded = Dictionary(
                uniqueKeysWithValues: try store.candidates(run: id, generation: generation).map { ($0.index, $0) })
            var fitness: [Double] = []
            for (index, x) in population.enumerated() {
                if let done = recorded[index], let parameters = try? decodeParameters(done.parameters), parameters == x {
                    fitness.append(done.fitness ?? .nan)
                    report.reused += 1
                    continue
                }
                if shouldStop() {
                    try store.setStatus(run: id, "interrupted")
                    try store.recordEvent(run: id, level: "info", "interrupted in generation \(generation)")
                    return report
                }
                let evaluationStart = Date()
                if let delay = experiment.evaluationDelay, delay > 0 { Thread.sleep(forTimeInterval: delay) }
                let value = experiment.objective(x)
                try store.recordCandidate(
                    CandidateRecord(
                        runID: id, generation: generation, index: index, parameters: try encodeParameters(x),
                        fitness: value.isFinite ? value : nil, metrics: "{}", status: value.isFinite ? "ok" : "failed",
                        seconds: Date().timeIntervalSince(evaluationStart)))
                fitness.append(value)
                report.evaluated += 1
                progress(strategy.evaluations + fitness.count, experiment.maxEvaluations)
            }
            strategy.tell(population, fitness: fitness)
            let sorted = fitness.filter(\.isFinite).sorted()
            try store.recordGeneration(
                GenerationRecord(
                    runID: id, index: generation, state: try StrategyRegistry.encode(strategy), bestFitness: sorted.first,
                    medianFitness: sorted.isEmpty ? nil : sorted[sorted.count / 2], worstFitness: sorted.last,
                    bestSoFar: strategy.best?.fitness, stepSize: strategy.stepSize,
                    seconds: Date().timeIntervalSince(started)))
            generation += 1
        }
        let termination = strategy.termination!
        try store.setStatus(run: id, "finished")
        try store.recordEvent(run: id, level: "info", "finished: \(termination)")
        report.outcome = .finished(termination)
        return report
    }

    static func encodeParameters(_ x: [Double]) throws -> String {
        String(decoding: try JSONEncoder().encode(x), as: UTF8.self)
    }

    static func decodeParameters(_ text: String) throws -> [Double] {
        try JSONDecoder().decode([Double].self, from: Data(text.utf8))
    }

    /// The strategy state after the last recorded generation of run `id` (nil before the first).
    public static func strategy(run id: Int64, in store: RunStore) throws -> (any Strategy)? {
        try store.lastGeneration(run: id).map { try StrategyRegistry.decode($0.state) }
    }
}
