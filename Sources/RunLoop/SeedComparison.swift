import Foundation
import Objectives
import RunStore

/// How many candidates of each generation beat the best seed (generation 0 of a seeded search): the measure of
/// whether a search's first steps from its seed are useful. Candidates are compared by the perplexity in their
/// metrics when they have one (the quality of the table evaluated, without the repair penalty), else by fitness.
public struct SeedComparison: Sendable, Equatable {
    public struct Generation: Sendable, Equatable {
        public let index: Int
        public let better: Int
        public let evaluated: Int
    }

    /// The best seed's value (perplexity, or fitness).
    public let seed: Double
    /// Whether the values are perplexities (else fitness).
    public let byPerplexity: Bool
    /// Generations 1, 2, ...
    public let generations: [Generation]

    /// nil for a run without generation 0 or without later candidates.
    public static func measure(run id: Int64, in store: RunStore) throws -> SeedComparison? {
        let candidates = try store.candidates(run: id).fullEvaluations.filter { $0.status == .ok }
        let decoder = JSONDecoder()
        let perplexities = candidates.map { c in
            (try? decoder.decode(Metrics.self, from: Data(c.metrics.utf8)))?.perplexity
        }
        let byPerplexity = !perplexities.isEmpty && perplexities.allSatisfy { $0 != nil }
        let values = zip(candidates, perplexities).map { c, p in (c.generation, byPerplexity ? p! : c.fitness) }
        guard let seed = values.filter({ $0.0 == 0 }).compactMap(\.1).filter(\.isFinite).min() else { return nil }
        let later = Dictionary(grouping: values.filter { $0.0 > 0 }, by: \.0)
        guard !later.isEmpty else { return nil }
        return SeedComparison(
            seed: seed, byPerplexity: byPerplexity,
            generations: later.keys.sorted().map { index in
                let all = later[index]!
                return Generation(
                    index: index, better: all.filter { ($0.1 ?? .infinity) < seed }.count, evaluated: all.count)
            })
    }

    /// "gen 1: 3/8, gen 2: 5/8".
    public var line: String {
        generations.map { "gen \($0.index): \($0.better)/\($0.evaluated)" }.joined(separator: ", ")
    }
}
