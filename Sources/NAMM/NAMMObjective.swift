import Arithmetic
import Assets
import Evolution
import Foundation
import Logging
import MemoryPolicy
import Objectives
import Reporting
import RunLoop
import RunStore
import Transformer

/// A memory policy's fitness (docs/namm.md): the perplexity of the model on long search documents
/// while the policy manages its KV cache under the experiment's budget. What the genome is depends on the search:
///
/// - `network`: the scorer's flat parameter vector (4,172 for BAM, 26 for the linear scorer), as NAMM, or as a
///   correction of H2O (`NAMMRule`'s prior);
/// - `allocation`: one number per layer, the logarithm of that layer's share of the budget (EvolKV), for a fixed
///   rule (any baseline, or a trained network).
///
/// With the threshold budget (no fixed size) the fitness is perplexity × (1 + penalty × cache kept), so keeping
/// everything is not free; with a fixed budget it is the perplexity. With the passkey fitness, it is the
/// perplexity of the passkey answers instead. Every candidate's metrics hold its perplexity, the cache kept (mean
/// and per layer) and the passkey result.
public final class NAMMObjective: Objective {
    public enum Fitness: String, Codable, Sendable, CaseIterable {
        case perplexity, passkey
    }

    /// What a genome decides.
    public enum Search: Sendable {
        /// The parameters of a scorer ("bam" or "linear"), alone or correcting a prior rule.
        case network(scorer: String, prior: NAMMPrior? = nil)
        /// The per-layer shares of the budget (log weights) for a fixed rule.
        case allocation(rule: any EvictionRule)
    }

    public let model: LlamaModel
    public let search: Search
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
        model: LlamaModel, search: Search, budget: CacheBudget, penaltyWeight: Double, fitness: Fitness,
        sequences: [ScoredSequence], passkeys: [ScoredSequence], normalization: SpectrogramNormalization, length: Int,
        updateInterval: Int, fingerprints: Fingerprints, numerics: EngineNumerics = .float32
    ) throws {
        switch search {
        case .network(let scorer, _):
            guard let count = TokenScorers.parameterCount(scorer) else { throw NAMMError.unknownScorer(scorer) }
            dimension = count
        case .allocation:
            dimension = model.configuration.layers
        }
        self.model = model
        self.search = search
        self.budget = budget
        self.penaltyWeight = penaltyWeight
        self.fitness = fitness
        self.sequences = sequences
        self.passkeys = passkeys
        self.normalization = normalization
        self.length = length
        self.updateInterval = updateInterval
        self.fingerprints = fingerprints
        evaluator = try PerplexityEvaluator(
            model: model, context: length, chunkSize: updateInterval, numerics: numerics)
    }

    /// The frozen normalisation of the spectrogram whose moving average decays by `gamma` per query: one pass over
    /// `sequences` with the full cache (spec §2).
    public static func normalization(
        model: LlamaModel, sequences: [ScoredSequence], length: Int, updateInterval: Int,
        gamma: Double = AttentionSpectrogram.gamma, numerics: EngineNumerics = .float32
    ) throws -> SpectrogramNormalization {
        let evaluator = try PerplexityEvaluator(
            model: model, context: length, chunkSize: updateInterval, numerics: numerics)
        let manager = MemoryManager(
            rule: FullCache(), budget: CacheBudget(size: .fraction(1)), configuration: model.configuration,
            capacity: length, chunkSize: updateInterval, collectNormalization: true, normalizationGamma: gamma)
        evaluator.memory = manager
        _ = try evaluator.score(sequences, rotary: nil)
        return manager.normalizationStatistics.normalization
    }

    /// The rule and budget a genome stands for.
    public func policy(_ genome: [Double]) throws -> (any EvictionRule, CacheBudget) {
        switch search {
        case .network(let scorer, let prior):
            let rule = NAMMRule(
                scorer: try TokenScorers.make(scorer, parameters: genome), normalization: normalization, prior: prior)
            return (rule, budget)
        case .allocation(let rule):
            var budget = budget
            budget.allocation = .perLayer(genome.map { Foundation.exp(min(max($0, -20), 20)) })
            return (rule, budget)
        }
    }

    public func evaluate(_ genome: [Double], progress: (Double) -> Void) throws -> Evaluation {
        let (rule, budget) = try policy(genome)
        let manager = MemoryManager(
            rule: rule, budget: budget, configuration: model.configuration, capacity: length,
            chunkSize: updateInterval)
        evaluator.memory = manager
        defer { evaluator.memory = nil }
        let work = PassWork(
            configuration: model.configuration, lengths: (sequences + passkeys).map(\.tokens.count))
        let result = try evaluator.score(sequences, rotary: nil) { done, _ in progress(work.fraction(tokens: done)) }
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
            let base = sequences.reduce(0) { $0 + $1.tokens.count }
            let probe = try evaluator.score(passkeys, rotary: nil) { done, _ in
                progress(work.fraction(tokens: base + done))
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
