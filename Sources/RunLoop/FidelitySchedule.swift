import Foundation

/// Multi-fidelity evaluation: successive halving inside each generation (Jamieson and Talwalkar 2016, the inner
/// loop of Hyperband; Optuna's SuccessiveHalvingPruner). Every candidate is first evaluated at the cheapest level
/// (LongRoPE: on fewer search documents), the best `promote` fraction of them at the next level, and so on; only
/// the last level is the full evaluation. Each level's results are recorded (`RunStore.ProxyIndex`), so a run
/// killed between two levels resumes without redoing any.
///
/// The strategy is told every candidate of the generation, ranked: the fully evaluated ones by their fitness,
/// then those stopped at the last proxy level, then those stopped before, each group by the fitness of the last
/// level it reached. A stopped candidate is told a value just worse than every full one (ranks are all CMA-ES
/// uses), so it never becomes the best so far.
public struct FidelitySchedule: Codable, Sendable, Equatable {
    /// The objective's units per level (LongRoPE: search documents read), increasing; the last is its full
    /// evaluation.
    public var levels: [Int]
    /// The fraction of a level's candidates evaluated at the next one (at least one candidate goes on).
    public var promote: Double

    public init(levels: [Int], promote: Double) {
        self.levels = levels
        self.promote = promote
    }

    /// The schedule's own fields (`fidelity.levels`, `fidelity.promote`); the objective checks its levels.
    func validate(path: String) throws {
        func fail(_ field: String, _ problem: String) -> ExperimentError {
            ExperimentError(path: path, field: "fidelity.\(field)", problem: problem)
        }
        guard levels.count >= 2 else { throw fail("levels", "needs at least two levels, a proxy and the full one") }
        guard levels.first! >= 1, zip(levels, levels.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw fail("levels", "must be positive and increasing, the last the full evaluation")
        }
        guard promote > 0, promote < 1 else { throw fail("promote", "must lie between 0 and 1 (exclusive)") }
    }

    /// How many of `count` candidates of one level go on to the next.
    public func promoted(from count: Int) -> Int {
        min(count, max(1, Int((promote * Double(count)).rounded(.up))))
    }

    /// The candidates that go on from one level: the `promoted(from:)` with the lowest values (a failed one, NaN,
    /// last; ties by index).
    public func survivors(_ values: [Int: Double]) -> [Int] {
        Array(FidelitySchedule.ranked(values).prefix(promoted(from: values.count)))
    }

    static func ranked(_ values: [Int: Double]) -> [Int] {
        values.keys.sorted { a, b in
            let (x, y) = (values[a]!, values[b]!)
            if x.isNaN != y.isNaN { return y.isNaN }
            return x == y || (x.isNaN && y.isNaN) ? a < b : x < y
        }
    }

    /// What the strategy is told for candidates 0 ..< `count`, from the values of each level (`stages[l]`: by
    /// candidate, those evaluated at level l; the last stage holds the full evaluations): the full fitness where
    /// there is one, and for a candidate stopped earlier a value worse than every full one, in the order described
    /// above. A candidate whose last evaluation failed is told NaN.
    public static func told(stages: [[Int: Double]], count: Int) -> [Double] {
        guard let full = stages.last else { return Array(repeating: .nan, count: count) }
        var told = (0..<count).map { full[$0] ?? .nan }
        let worst = full.values.filter(\.isFinite).max() ?? 0
        let step = max(1, abs(worst)) * 1e-6
        var rank = 0
        for level in stages.indices.dropLast().reversed() {
            let stopped = stages[level].filter { stages[level + 1][$0.key] == nil }
            for candidate in ranked(stopped) {
                rank += 1
                told[candidate] = stopped[candidate]!.isNaN ? .nan : worst + Double(rank) * step
            }
        }
        return told
    }
}
