import Evolution
import Foundation
import Logging
import Objectives
import RunStore

/// The ask -> evaluate -> tell -> record loop that every search uses. Each finished evaluation is written as it
/// completes, and the end of a generation (the optimiser state that continues from it) is one transaction, so a
/// run killed at any moment resumes from its database: the generation in progress is asked again from the
/// recorded state (the same population, bit for bit), and its recorded evaluations are reused, never redone.
public enum ExperimentRunner {
    public static let codeVersion = "ctxevo 0.3.0"

    public enum Outcome: Equatable, Sendable {
        case finished(Termination)
        case interrupted
    }

    /// What one call did: how it ended, how many evaluations it ran, and how many recorded ones it reused.
    public struct Report: Equatable, Sendable {
        public var outcome: Outcome
        public var evaluated = 0
        public var reused = 0

        func with(_ counts: GenerationCollector.Counts) -> Report {
            var report = self
            report.evaluated = counts.evaluated
            report.reused = counts.reused
            return report
        }
    }

    /// Creates the run record of `experiment` with the fingerprints of what its objective reads, and returns its
    /// id. Prepare the search first (`ObjectiveRegistry.prepare`): bad input fails there, before the database is
    /// touched. `codeVersion` is this one's but for tests that write an older version's run.
    public static func create(
        _ experiment: Experiment, fingerprints: Fingerprints = .none, in store: RunStore,
        codeVersion: String = codeVersion
    ) throws -> Int64 {
        var experiment = experiment
        experiment.formatVersion = experiment.formatVersion ?? Experiment.formatVersion
        let configuration = String(decoding: try JSONEncoder().encode(experiment), as: UTF8.self)
        let run = try store.createRun(
            RunRecord(
                name: experiment.name, strategy: experiment.strategy, configuration: configuration,
                modelSHA256: fingerprints.model, dataSHA256: fingerprints.data, codeVersion: codeVersion,
                seed: Int64(bitPattern: experiment.seed)))
        guard let id = run.id else { throw RunStoreError.database(store.location, "the new run got no id") }
        try store.recordEvent(run: id, level: "info", "created from experiment '\(experiment.name)'")
        return id
    }

    /// The experiment recorded with run `id`, validated as input.
    public static func experiment(run id: Int64, in store: RunStore) throws -> Experiment {
        try Experiment.stored(try store.run(id).configuration, run: id)
    }

    /// Runs (or resumes) run `id` as its coordinator until its strategy terminates or `shouldStop` says so between
    /// two evaluations. Each generation's candidates go to the store's work queue; this process evaluates them
    /// too unless `work.evaluate` is false, and `ctxevo worker` processes (on any machine that reaches the store)
    /// may take some. When all are recorded, the strategy is told the fitness in the order it asked, so the run is
    /// the same with any number of workers. `search` is the prepared experiment (prepared from the stored
    /// experiment when nil); its fingerprints must equal the run's. `progress` receives the evaluations recorded
    /// by all workers (fractional within one of this process) and the budget.
    public static func run(
        id: Int64, in store: RunStore, objectives: ObjectiveRegistry, search prepared: PreparedSearch? = nil,
        work: WorkSettings = WorkSettings(),
        logger: Logger = Logger(label: "ctxevo"), shouldStop: @escaping () -> Bool = { false },
        progress: (_ evaluations: Double, _ budget: Int?) -> Void = { _, _ in }
    ) throws -> Report {
        var report = Report(outcome: .interrupted)
        let record = try store.run(id)
        let experiment = try objectives.experimentAsRecorded(run: id, in: store)
        let search = try prepared ?? objectives.prepare(experiment, logger: logger)
        try record.requireFingerprints(search.objective.fingerprints)
        let lock = try store.lockCoordinator(run: id, holder: WorkerIdentity.current.description)
        defer { lock.release() }
        var strategy: any Strategy
        var generation: Int
        if let last = try store.lastGeneration(run: id) {
            strategy = try StrategyRegistry.decode(last.state, run: id)
            guard strategy.dimension == search.objective.dimension else {
                throw RunError.badStoredState(
                    run: id,
                    "the optimiser has \(strategy.dimension) genes, the objective \(search.objective.dimension)")
            }
            generation = last.index + 1
            try store.recordEvent(run: id, level: "info", "resumed after generation \(last.index)")
        } else {
            guard let fresh = StrategyRegistry.make(experiment.strategy, start: search.start) else {
                throw ExperimentError(
                    path: record.name, field: "strategy", problem: "'\(experiment.strategy)' is not registered")
            }
            strategy = fresh
            generation = 0
        }
        var evaluator: LeaseKeeper?
        if work.evaluate {
            let identity = WorkerIdentity.current
            let worker = try store.registerWorker(
                host: identity.host, processID: identity.processID, coordinator: id)
            evaluator = LeaseKeeper(store: store, worker: worker, lease: work.lease)
        }
        defer { evaluator?.stop() }
        try store.setStatus(run: id, .running)
        let collector = GenerationCollector(
            store: store, run: id, objective: search.objective, fidelity: experiment.fidelity, work: work,
            evaluator: evaluator, lock: lock)
        var counts = GenerationCollector.Counts()
        do {
            while strategy.termination == nil {
                let started = Date()
                // A generation resumed in a later sitting counts the evaluation time its recorded candidates took
                // before it, so that a generation's seconds do not shrink with every stop.
                let earlier = try store.candidates(run: id, generation: generation).reduce(0) { $0 + $1.seconds }
                let population = strategy.ask()
                guard
                    let stages = try collectLevels(
                        population, schedule: experiment.fidelity, generation: generation, collector: collector,
                        counted: strategy.evaluations, budget: experiment.maxEvaluations, counts: &counts,
                        shouldStop: shouldStop, progress: progress)
                else {
                    try store.setStatus(run: id, .interrupted)
                    try store.recordEvent(run: id, level: "info", "interrupted in generation \(generation)")
                    return report.with(counts)
                }
                let values = FidelitySchedule.told(stages: stages, count: population.count)
                let told =
                    experiment.abilities.learnsFromRepairedPoints
                    ? population.map(search.objective.evaluatedPoint) : population
                strategy.tell(told, fitness: values)
                // NAMM deploys the distribution's mean: evaluated (as candidate -1 of the generation) every
                // `evaluate_mean_every` generations and at the end, before the generation is recorded, so that a
                // resumed run finds it recorded or asks it again.
                if let every = experiment.evaluateMeanEvery, let centre = (strategy as? DistributionCentre)?.centre,
                    (generation + 1) % every == 0 || strategy.termination != nil
                {
                    guard
                        try collector.collect(
                            generation: generation, asked: [-1: centre], counted: strategy.evaluations,
                            budget: experiment.maxEvaluations, counts: &counts, shouldStop: shouldStop,
                            progress: { _, _ in }) != nil
                    else {
                        try store.setStatus(run: id, .interrupted)
                        try store.recordEvent(
                            run: id, level: "info", "interrupted at the mean of generation \(generation)")
                        return report.with(counts)
                    }
                }
                // The generation's figures are those of its full evaluations.
                let sorted = stages.last!.values.filter(\.isFinite).sorted()
                try store.recordGeneration(
                    GenerationRecord(
                        runID: id, index: generation, state: try StrategyRegistry.encode(strategy),
                        bestFitness: sorted.first,
                        medianFitness: sorted.isEmpty ? nil : sorted[sorted.count / 2], worstFitness: sorted.last,
                        bestSoFar: strategy.best?.fitness, stepSize: strategy.stepSize,
                        seconds: earlier + Date().timeIntervalSince(started)))
                generation += 1
            }
        } catch {
            // The run is not running any more: say so (a candidate whose evaluation threw stays queued as failed).
            try? store.setStatus(run: id, .interrupted)
            try? store.recordEvent(run: id, level: "error", "the coordinator stopped: \(error)")
            throw error
        }
        let termination = strategy.termination!
        try store.setStatus(run: id, .finished)
        try store.recordEvent(run: id, level: "info", "finished: \(termination)")
        report.outcome = .finished(termination)
        return report.with(counts)
    }

    /// The evaluations of one generation: each candidate in full, or with a multi-fidelity `schedule` every
    /// candidate at the first level, the survivors of each level at the next, the last level under the candidates'
    /// own indices. Returns each level's values by candidate (nil when `shouldStop` asked to stop).
    static func collectLevels(
        _ population: [[Double]], schedule: FidelitySchedule?, generation: Int, collector: GenerationCollector,
        counted: Int, budget: Int?, counts: inout GenerationCollector.Counts, shouldStop: () -> Bool,
        progress: (_ evaluations: Double, _ budget: Int?) -> Void
    ) throws -> [[Int: Double]]? {
        var stages: [[Int: Double]] = []
        var alive = Array(population.indices)
        let levels = schedule?.levels.count ?? 1
        for level in 0..<levels {
            let last = level == levels - 1
            func index(_ candidate: Int) -> Int {
                last ? candidate : ProxyIndex.index(candidate: candidate, level: level)
            }
            guard
                let got = try collector.collect(
                    generation: generation,
                    asked: Dictionary(uniqueKeysWithValues: alive.map { (index($0), population[$0]) }),
                    counted: counted, budget: budget, counts: &counts, shouldStop: shouldStop,
                    progress: last ? progress : { _, _ in })
            else { return nil }
            stages.append(Dictionary(uniqueKeysWithValues: alive.map { ($0, got[index($0)] ?? .nan) }))
            if !last, let schedule { alive = schedule.survivors(stages[level]).sorted() }
        }
        return stages
    }

    /// One evaluation of a claimed candidate, as the record that completes it; a proxy (`ProxyIndex`) at its
    /// level of `fidelity`.
    static func evaluate(
        _ x: [Double], _ claimed: PendingCandidate, objective: any Objective, fidelity: FidelitySchedule?,
        worker: Int64, progress: (Double) -> Void
    ) throws -> CandidateRecord {
        let start = Date()
        let evaluation: Evaluation
        if let level = ProxyIndex.split(claimed.index).level {
            guard let fidelity, level < fidelity.levels.count - 1 else {
                throw RunError.badStoredState(
                    run: claimed.runID,
                    "the work queue holds a proxy evaluation (candidate \(claimed.index)) that the run's experiment "
                        + "has no fidelity level for")
            }
            evaluation = try objective.evaluate(x, fidelity: fidelity.levels[level], progress: progress)
        } else {
            evaluation = try objective.evaluate(x, progress: progress)
        }
        let value = evaluation.fitness
        return CandidateRecord(
            runID: claimed.runID, generation: claimed.generation, index: claimed.index,
            parameters: claimed.parameters, fitness: value.isFinite ? value : nil,
            metrics: try evaluation.metrics.json(), status: value.isFinite ? .ok : .failed,
            seconds: Date().timeIntervalSince(start), workerID: worker)
    }

    static func encodeParameters(_ x: [Double]) throws -> String {
        String(decoding: try JSONEncoder().encode(x), as: UTF8.self)
    }

    /// A recorded candidate's genome; with `dimension`, one of any other length (a tampered or foreign database)
    /// is a named error here, before an objective indexes it.
    public static func decodeParameters(_ text: String, run id: Int64, dimension: Int? = nil) throws -> [Double] {
        let x: [Double]
        do { x = try JSONDecoder().decode([Double].self, from: Data(text.utf8)) } catch {
            throw RunError.badStoredState(run: id, "a candidate's parameters are not a list of numbers")
        }
        if let dimension, x.count != dimension {
            throw RunError.badStoredState(run: id, "a candidate has \(x.count) parameters, the objective \(dimension)")
        }
        return x
    }

    /// The strategy state after the last recorded generation of run `id` (nil before the first).
    public static func strategy(run id: Int64, in store: RunStore) throws -> (any Strategy)? {
        try store.lastGeneration(run: id).map { try StrategyRegistry.decode($0.state, run: id) }
    }
}
