import Arithmetic
import Foundation

/// A learned memory: a scorer over NAMM's features. With a hard budget it keeps the highest scores; with the
/// threshold budget the manager evicts, per layer, as many tokens as the KV head with the fewest negative scores
/// has (spec §4), each head its own lowest.
///
/// With the H2O prior the network learns a correction of H2O rather than a rule of its own: H2O's newest half of
/// the budget is kept, and the other tokens are ranked by log(accumulated attention) + the scorer's output, so the
/// all-zero network is H2O itself (the search's mean starts there) and the features only move tokens across
/// H2O's line. A hard budget only: the sum has no threshold meaning.
public struct NAMMRule: EvictionRule {
    public let scorer: any TokenScorer
    public let normalization: SpectrogramNormalization
    public let prior: NAMMPrior?

    public init(scorer: any TokenScorer, normalization: SpectrogramNormalization, prior: NAMMPrior? = nil) {
        self.scorer = scorer
        self.normalization = normalization
        self.prior = prior
    }

    public var name: String { "namm-\(scorer.name)" + (prior.map { "+\($0.rawValue)" } ?? "") }
    public var readsAttention: Bool { prior != nil }
    public var readsSpectrogram: Bool { true }
    public var spectrogramGamma: Double { normalization.gamma }

    public func scores(_ tokens: CachedTokens) -> [Float]? {
        guard
            let attention = tokens.attention,
            let spectrogram = attention.spectrogram(layer: tokens.layer, kvHead: tokens.kvHead, count: tokens.count)
        else { return nil }
        let x = NAMMFeatures.features(
            positions: tokens.positions, spectrogram: spectrogram, normalization: normalization)
        let learned = scorer.scores(x, count: tokens.count)
        guard prior == .h2o else { return learned }
        let accumulated = attention.accumulated(layer: tokens.layer, kvHead: tokens.kvHead, count: tokens.count)
        // log is strictly increasing on the normal floats, so the zero network ranks exactly as H2O.
        return zip(accumulated, learned).map { Foundation.log(max($0, Float.leastNormalMagnitude)) + $1 }
    }

    public func keep(_ tokens: CachedTokens, budget: Int, random: inout RandomGenerator) -> [Int] {
        keep(scores: scores(tokens) ?? [], budget: budget)
    }

    public func keep(scores: [Float], budget: Int) -> [Int] {
        let count = scores.count
        let forced = prior == .h2o ? HeavyHitters.recent(count: count, budget: budget) : [count - 1]
        return EvictionRules.highest(scores, budget: budget, forced: forced)
    }
}

/// A training-free rule a NAMM network corrects instead of replacing (see `NAMMRule`).
public enum NAMMPrior: String, Codable, Sendable, CaseIterable {
    case h2o
}
