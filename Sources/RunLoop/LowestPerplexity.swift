import Foundation
import Objectives
import RunStore

/// The evaluated candidate of a run with the lowest perplexity in its metrics. For objectives that repair and
/// penalise (LongRoPE) this, not the lowest fitness, is the run's result: the fitness adds the repair penalty,
/// which steers the optimiser but says nothing about the table that was evaluated.
public struct LowestPerplexity: Sendable {
    public let candidate: CandidateRecord
    public let perplexity: Double

    /// nil when no successful candidate recorded a finite perplexity.
    public static func find(run id: Int64, in store: RunStore) throws -> LowestPerplexity? {
        let decoder = JSONDecoder()
        var best: LowestPerplexity?
        for c in try store.candidates(run: id).fullEvaluations where c.status == .ok {
            guard let metrics = try? decoder.decode(Metrics.self, from: Data(c.metrics.utf8)),
                let perplexity = metrics.perplexity, perplexity.isFinite
            else { continue }
            if perplexity < best?.perplexity ?? .infinity {
                best = LowestPerplexity(candidate: c, perplexity: perplexity)
            }
        }
        return best
    }
}
