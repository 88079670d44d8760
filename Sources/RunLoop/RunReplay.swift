import Foundation
import Logging
import Objectives
import RunStore

/// Re-evaluates recorded candidates with the objective of their experiment and compares with the stored fitness.
public enum RunReplay {
    public struct Result: Sendable {
        public let generation: Int
        public let index: Int
        public let recorded: Double?
        public let replayed: Double

        public init(generation: Int, index: Int, recorded: Double?, replayed: Double) {
            self.generation = generation
            self.index = index
            self.recorded = recorded
            self.replayed = replayed
        }

        public var reproduces: Bool {
            guard let recorded else { return !replayed.isFinite }
            return recorded == replayed || abs(recorded - replayed) <= 1e-12 * max(1, abs(recorded))
        }
    }

    public static func replay(
        run id: Int64, generation: Int?, in store: RunStore, objectives: ObjectiveRegistry, numerics: String? = nil,
        logger: Logger = Logger(label: "ctxevo"), progress: (_ done: Int, _ of: Int) -> Void = { _, _ in }
    ) throws -> [Result] {
        var experiment = try objectives.experimentAsRecorded(run: id, in: store)
        if let numerics {
            let method = try objectives.method(for: experiment, path: "stored in run \(id)")
            guard let changed = try method.experiment(experiment, numerics: numerics) else {
                throw RunError.noNumerics(run: id, objective: experiment.objective)
            }
            experiment = changed
        }
        _ = try ExperimentRunner.strategy(run: id, in: store)  // a damaged state is refused here too
        let candidates = try store.candidates(run: id, generation: generation)
        let search = try objectives.prepare(experiment, logger: logger)
        let objective = search.objective
        progress(0, candidates.count)
        return try candidates.enumerated().map { done, c in
            defer { progress(done + 1, candidates.count) }
            let x = try ExperimentRunner.decodeParameters(c.parameters, run: id, dimension: objective.dimension)
            // A proxy of a multi-fidelity run is replayed at its own level.
            let pending = PendingCandidate(
                runID: id, generation: c.generation, index: c.index, parameters: c.parameters)
            let replayed =
                try ExperimentRunner.evaluate(
                    x, pending, objective: objective, fidelity: search.fidelity, worker: 0, progress: { _ in }
                ).fitness ?? .nan
            return Result(generation: c.generation, index: c.index, recorded: c.fitness, replayed: replayed)
        }
    }
}

/// How a replay in other numerics ranks the recorded candidates: Spearman's rank correlation between the recorded
/// and the replayed fitness, and whether the candidate the run found best is still the best.
public struct RankAgreement: Sendable, Equatable {
    public let candidates: Int
    /// Spearman's rho (ties get their average rank), over the candidates with a finite fitness both times.
    public let spearman: Double
    /// The recorded best's rank under the replay (1: still the best).
    public let rankOfRecordedBest: Int
    public var bestStaysBest: Bool { rankOfRecordedBest == 1 }

    public init?(_ results: [RunReplay.Result]) {
        let pairs = results.compactMap { r -> (Double, Double)? in
            guard let recorded = r.recorded, recorded.isFinite, r.replayed.isFinite else { return nil }
            return (recorded, r.replayed)
        }
        guard pairs.count >= 2 else { return nil }
        let recorded = RankAgreement.ranks(pairs.map(\.0))
        let replayed = RankAgreement.ranks(pairs.map(\.1))
        candidates = pairs.count
        spearman = RankAgreement.pearson(recorded, replayed)
        let best = pairs.indices.min { pairs[$0].0 < pairs[$1].0 }!
        rankOfRecordedBest = 1 + pairs.filter { $0.1 < pairs[best].1 }.count
    }

    /// Spearman's rho of two equally long samples (ties get their average rank).
    public static func spearman(_ a: [Double], _ b: [Double]) -> Double { pearson(ranks(a), ranks(b)) }

    /// Ranks from 1, ties sharing the mean of the ranks they span.
    static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
            for k in start...end { ranks[order[k]] = Double(start + end) / 2 + 1 }
            start = end + 1
        }
        return ranks
    }

    static func pearson(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(a.count)
        let ma = a.reduce(0, +) / n
        let mb = b.reduce(0, +) / n
        var sab = 0.0
        var saa = 0.0
        var sbb = 0.0
        for (x, y) in zip(a, b) {
            sab += (x - ma) * (y - mb)
            saa += (x - ma) * (x - ma)
            sbb += (y - mb) * (y - mb)
        }
        return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : .nan
    }
}
