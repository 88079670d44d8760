import Foundation
import MemoryPolicy
import Transformer

/// A memory network's fitness (../shared/specs/namm.md §6): the perplexity of the model on long search documents
/// while the network manages its KV cache under the experiment's budget. The genome is the scorer's flat parameter
/// vector (4,172 for BAM, 26 for the linear scorer). With the threshold budget (no fixed size) the fitness is
/// perplexity × (1 + penalty × cache kept), so keeping everything is not free; with a fixed budget it is the
/// perplexity. With the passkey fitness, it is the perplexity of the passkey answers instead. Every candidate's
/// metrics hold its perplexity, the cache kept (mean and per layer) and the passkey result.
public final class NAMMObjective: Objective {
    public enum Fitness: String, Codable, Sendable, CaseIterable {
        case perplexity, passkey
    }

    public let model: LlamaModel
    public let scorer: String
    public let budget: CacheBudget
    public let penaltyWeight: Double
    public let fitness: Fitness
    public let sequences: [ScoredSequence]
    public let passkeys: [ScoredSequence]
    public let normalization: SpectrogramNormalization
    public let length: Int
    public let updateInterval: Int
    public let fingerprints: Fingerprints
    public let dimension: Int
    let evaluator: PerplexityEvaluator

    public init(
        model: LlamaModel, scorer: String, budget: CacheBudget, penaltyWeight: Double, fitness: Fitness,
        sequences: [ScoredSequence], passkeys: [ScoredSequence], normalization: SpectrogramNormalization, length: Int,
        updateInterval: Int, fingerprints: Fingerprints
    ) throws {
        guard let dimension = TokenScorers.parameterCount(scorer) else { throw NAMMError.unknownScorer(scorer) }
        self.model = model
        self.scorer = scorer
        self.budget = budget
        self.penaltyWeight = penaltyWeight
        self.fitness = fitness
        self.sequences = sequences
        self.passkeys = passkeys
        self.normalization = normalization
        self.length = length
        self.updateInterval = updateInterval
        self.fingerprints = fingerprints
        self.dimension = dimension
        evaluator = try PerplexityEvaluator(
            model: model, context: length, chunkSize: updateInterval, numerics: .float32)
    }

    /// The frozen normalisation of the spectrogram: one pass over `sequences` with the full cache (spec §2).
    public static func normalization(
        model: LlamaModel, sequences: [ScoredSequence], length: Int, updateInterval: Int
    ) throws -> SpectrogramNormalization {
        let evaluator = try PerplexityEvaluator(
            model: model, context: length, chunkSize: updateInterval, numerics: .float32)
        let manager = MemoryManager(
            rule: FullCache(), budget: CacheBudget(size: .fraction(1)), configuration: model.configuration,
            capacity: length, chunkSize: updateInterval, collectNormalization: true)
        evaluator.memory = manager
        _ = try evaluator.score(sequences, rotary: nil)
        return manager.normalizationStatistics.normalization
    }

    public func evaluate(_ genome: [Double], progress: (Double) -> Void) throws -> Evaluation {
        let rule = NAMMRule(scorer: try TokenScorers.make(scorer, parameters: genome), normalization: normalization)
        let manager = MemoryManager(
            rule: rule, budget: budget, configuration: model.configuration, capacity: length,
            chunkSize: updateInterval)
        evaluator.memory = manager
        defer { evaluator.memory = nil }
        let total = Double((sequences.count + passkeys.count) * length)
        let result = try evaluator.score(sequences, rotary: nil) { done, _ in progress(Double(done) / total) }
        let kept = manager.kept
        let keptPerLayer = manager.keptPerLayer
        var metrics = Metrics()
        metrics.perplexity = result.perplexity
        metrics.perDocument = result.perSequence
        metrics.scoredTokens = result.scoredTokens
        metrics.seconds = result.seconds
        metrics.cacheKept = kept
        metrics.cacheKeptPerLayer = keptPerLayer
        if !passkeys.isEmpty {
            let base = Double(sequences.count * length)
            let probe = try evaluator.score(passkeys, rotary: nil) { done, _ in
                progress((base + Double(done)) / total)
            }
            metrics.passkeyPerplexity = probe.perplexity
            metrics.passkeyRetrieved = probe.perSequenceTopChoiceAccuracy.filter { $0 == 1 }.count
        }
        let value: Double
        switch fitness {
        case .perplexity: value = result.perplexity
        case .passkey: value = metrics.passkeyPerplexity ?? .nan
        }
        if case .threshold = budget.size {
            metrics.penalty = value * penaltyWeight * kept
            return Evaluation(fitness: value * (1 + penaltyWeight * kept), metrics: metrics)
        }
        return Evaluation(fitness: value, metrics: metrics)
    }
}
