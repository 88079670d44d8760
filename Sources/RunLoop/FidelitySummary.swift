import Foundation
import Objectives
import RunStore

/// What the levels of a multi-fidelity run did (`runs show`): per level, its evaluations and their time, and how
/// well the level ranks candidates as the full evaluation does (Spearman's rho over the candidates evaluated at
/// both); and the run's cost in full evaluations, the unit a plain search of the same budget spends.
public struct FidelitySummary: Sendable {
    public struct Level: Sendable {
        public let level: Int
        /// The objective's units at this level (LongRoPE: search documents).
        public let units: Int
        public let evaluations: Int
        public let seconds: Double
        /// Rank agreement with the full evaluation, and over how many candidates (nil: fewer than 3, or the full level).
        public let spearman: Double?
        public let paired: Int
    }

    public let schedule: FidelitySchedule
    public let levels: [Level]
    /// The seconds of every evaluation, proxies included, over the mean seconds of a full evaluation.
    public let fullEvaluationsSpent: Double

    /// nil for a run without a fidelity schedule.
    public init?(run id: Int64, in store: RunStore) throws {
        guard let schedule = try ExperimentRunner.experiment(run: id, in: store).fidelity else { return nil }
        self.schedule = schedule
        let candidates = try store.candidates(run: id).filter { $0.status == .ok && $0.index >= 0 }
        func key(_ c: CandidateRecord) -> [Int] { [c.generation, ProxyIndex.split(c.index).candidate] }
        var full: [[Int]: Double] = [:]
        for c in candidates where !c.isProxy { full[key(c)] = c.fitness }
        var levels: [Level] = []
        for (level, units) in schedule.levels.enumerated() {
            let last = level == schedule.levels.count - 1
            let here = candidates.filter { ProxyIndex.split($0.index).level == (last ? nil : level) }
            let pairs = here.compactMap { c -> (Double, Double)? in
                guard !last, let f = c.fitness, let g = full[key(c)] else { return nil }
                return (f, g)
            }
            levels.append(
                Level(
                    level: level, units: units, evaluations: here.count, seconds: here.reduce(0) { $0 + $1.seconds },
                    spearman: pairs.count >= 3
                        ? RankAgreement.pearson(
                            RankAgreement.ranks(pairs.map(\.0)), RankAgreement.ranks(pairs.map(\.1))) : nil,
                    paired: pairs.count))
        }
        self.levels = levels
        let fullLevel = levels.last!
        let perFull = fullLevel.evaluations > 0 ? fullLevel.seconds / Double(fullLevel.evaluations) : .nan
        fullEvaluationsSpent = levels.reduce(0) { $0 + $1.seconds } / perFull
    }

    public var lines: [String] {
        var out = [
            "fidelity: levels \(schedule.levels.map(String.init).joined(separator: ", ")), "
                + String(format: "%.0f %% of each level promoted", schedule.promote * 100),
            "  level  units  evaluations    seconds  rank agreement with the full evaluation",
        ]
        for l in levels {
            let agreement =
                l.level == schedule.levels.count - 1
                ? "(the full evaluation)"
                : l.spearman.map { String(format: "Spearman %.3f over %d candidates", $0, l.paired) }
                    ?? "(fewer than 3 candidates at both)"
            out.append(
                String(format: "  %5d  %5d  %11d  %9.1f  ", l.level, l.units, l.evaluations, l.seconds) + agreement)
        }
        out.append(String(format: "cost: %.1f full evaluations' time", fullEvaluationsSpent))
        return out
    }
}
