import Arithmetic
import Foundation
import Transformer

/// `ctxevo pause evaluate`: held-out problems (never any a search reads, `PauseSplit`) answered after M fillers of
/// each kind, per family and M: the answer perplexity with a bootstrap 95 % interval over problems, greedy
/// accuracy (whole answers), and the evolved pause's change against the best baseline at the same M, with the
/// paired bootstrap interval of that change.
public enum PauseEvaluation {
    public struct Plan: Sendable {
        public var problems: [PauseProblem]
        public var pauses: [Int]
        public var seed: UInt64
        public var resamples: Int

        public init(problems: [PauseProblem], pauses: [Int], seed: UInt64 = 1, resamples: Int = 2000) {
            self.problems = problems
            self.pauses = pauses
            self.seed = seed
            self.resamples = resamples
        }
    }

    /// One filler's result on one family at one M.
    public struct Condition: Codable, Sendable, Equatable {
        public var filler: String
        public var perplexity: Double
        public var low: Double
        public var high: Double
        public var exact: Double
    }

    public struct Row: Codable, Sendable, Equatable {
        public var family: String
        public var pauses: Int
        public var problems: Int
        public var conditions: [Condition]
        /// The evolved pause against the best baseline (lowest answer perplexity) at this M: the relative change
        /// of answer perplexity and its paired bootstrap 95 % interval; nil without an evolved pause.
        public var bestBaseline: String?
        public var change: Double?
        public var changeLow: Double?
        public var changeHigh: Double?

        enum CodingKeys: String, CodingKey {
            case family, pauses, problems, conditions
            case bestBaseline = "best_baseline"
            case change
            case changeLow = "change_low"
            case changeHigh = "change_high"
        }
    }

    public static let evolvedName = "evolved"

    /// Scores every filler (the baselines, and `evolved` when given) at every M of the plan; `progress(done,
    /// total)` counts the (filler, M) conditions scored, fractions included.
    public static func run(
        _ plan: Plan, model: LlamaModel, evolved: [Float]?, numerics: EngineNumerics,
        progress: (_ done: Double, _ total: Int) -> Void = { _, _ in }
    ) throws -> [Row] {
        let tokenized = plan.problems.map { TokenizedProblem($0, tokenizer: model.tokenizer) }
        let scorer = try PauseScorer(
            model: model, problems: tokenized, mostPauses: plan.pauses.max() ?? 1, numerics: numerics)
        var fillers = try PauseBaselines.fillers(model: model, seed: plan.seed)
        if let evolved { fillers.append((evolvedName, .vector(evolved))) }
        let steps = plan.pauses.count * fillers.count
        var step = 0.0
        // "none" has no M: scored once.
        var scores: [Int: [String: PauseScores]] = [:]
        var unpaused: PauseScores?
        for m in plan.pauses {
            for (name, filler) in fillers {
                defer { step += 1 }
                if filler == .none, let unpaused {
                    scores[m, default: [:]][name] = unpaused
                    continue
                }
                let result = try scorer.score(tokenized, filler: filler, pauses: m) { progress(step + $0, steps) }
                if filler == .none { unpaused = result }
                scores[m, default: [:]][name] = result
            }
        }
        let families = orderedFamilies(plan.problems)
        var rows: [Row] = []
        for family in families + (families.count > 1 ? ["all"] : []) {
            let indices = plan.problems.indices.filter { family == "all" || plan.problems[$0].family == family }
            for m in plan.pauses {
                rows.append(
                    row(
                        family: family, pauses: m, indices: indices, names: fillers.map(\.name),
                        scores: scores[m]!, plan: plan))
            }
        }
        return rows
    }

    static func orderedFamilies(_ problems: [PauseProblem]) -> [String] {
        var seen: [String] = []
        for p in problems where !seen.contains(p.family) { seen.append(p.family) }
        return seen
    }

    /// The bootstrap over `indices` (the problems of one family), the same resamples for every filler (paired).
    static func row(
        family: String, pauses: Int, indices: [Int], names: [String], scores: [String: PauseScores], plan: Plan
    ) -> Row {
        // The same resamples for every M of a family, so a filler that does not depend on M ("none") reads the same.
        var random = RandomGenerator(
            seed: plan.seed ^ UInt64(truncatingIfNeeded: family.utf8.reduce(5381) { $0 &* 33 &+ Int($1) }))
        let n = indices.count
        func perplexity(_ name: String, _ picks: [Int]) -> Double {
            let nll = scores[name]!.meanNLL
            return exp(picks.reduce(0) { $0 + nll[$1] } / Double(picks.count))
        }
        var resampled: [String: [Double]] = [:]
        var draws: [[Int]] = []
        for _ in 0..<plan.resamples {
            let picks = (0..<n).map { _ in indices[random.integer(below: n)] }
            draws.append(picks)
            for name in names { resampled[name, default: []].append(perplexity(name, picks)) }
        }
        let conditions = names.map { name in
            let sorted = resampled[name]!.sorted()
            let exact = indices.filter { scores[name]!.exact[$0] }.count
            return Condition(
                filler: name, perplexity: perplexity(name, indices), low: quantile(sorted, 0.025),
                high: quantile(sorted, 0.975), exact: Double(exact) / Double(max(1, n)))
        }
        var row = Row(family: family, pauses: pauses, problems: n, conditions: conditions)
        if names.contains(evolvedName) {
            let baselines = conditions.filter { $0.filler != evolvedName }
            let best = baselines.min { $0.perplexity < $1.perplexity }!
            let evolved = conditions.first { $0.filler == evolvedName }!
            let changes = zip(resampled[evolvedName]!, resampled[best.filler]!).map { $0 / $1 - 1 }.sorted()
            row.bestBaseline = best.filler
            row.change = evolved.perplexity / best.perplexity - 1
            row.changeLow = quantile(changes, 0.025)
            row.changeHigh = quantile(changes, 0.975)
        }
        return row
    }

    /// The q-quantile of sorted values (linear interpolation).
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (position - Double(lower)) * (sorted[upper] - sorted[lower])
    }

    /// The table: a row per family and M, a column per filler (answer perplexity [95 % interval], whole answers
    /// right), then the evolved pause's change against the best baseline.
    public static func markdown(_ rows: [Row]) -> String {
        guard let first = rows.first else { return "" }
        let names = first.conditions.map(\.filler)
        let hasEvolved = first.change != nil
        var lines = [
            "| family | M | problems | " + names.joined(separator: " | ")
                + (hasEvolved ? " | best baseline | evolved vs best [95 % CI] | gain? |" : " |"),
            "|---|---|---|" + String(repeating: "---|", count: names.count) + (hasEvolved ? "---|---|---|" : ""),
        ]
        for row in rows {
            var cells = [row.family, "\(row.pauses)", "\(row.problems)"]
            cells += row.conditions.map {
                String(format: "%.3f [%.3f, %.3f] · %.0f %%", $0.perplexity, $0.low, $0.high, 100 * $0.exact)
            }
            if let change = row.change, let low = row.changeLow, let high = row.changeHigh {
                cells.append(row.bestBaseline ?? "")
                cells.append(String(format: "%+.1f %% [%+.1f, %+.1f]", 100 * change, 100 * low, 100 * high))
                cells.append(high < 0 ? (change <= -0.05 ? "yes, ≥ 5 %" : "yes, < 5 %") : low > 0 ? "worse" : "no")
            }
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
