import Evolution

/// A learned memory: a scorer over NAMM's features. With a hard budget it keeps the highest scores; with the
/// threshold budget the manager evicts, per layer, as many tokens as the KV head with the fewest negative scores
/// has (spec §4), each head its own lowest.
public struct NAMMRule: EvictionRule {
    public let scorer: any TokenScorer
    public let normalization: SpectrogramNormalization

    public init(scorer: any TokenScorer, normalization: SpectrogramNormalization) {
        self.scorer = scorer
        self.normalization = normalization
    }

    public var name: String { "namm-\(scorer.name)" }
    public var readsAttention: Bool { false }
    public var readsSpectrogram: Bool { true }
    public var spectrogramGamma: Double { normalization.gamma }

    public func scores(_ tokens: CachedTokens) -> [Float]? {
        guard
            let spectrogram = tokens.attention?.spectrogram(
                layer: tokens.layer, kvHead: tokens.kvHead, count: tokens.count)
        else { return nil }
        let x = NAMMFeatures.features(
            positions: tokens.positions, spectrogram: spectrogram, normalization: normalization)
        return scorer.scores(x, count: tokens.count)
    }

    public func keep(_ tokens: CachedTokens, budget: Int, random: inout RandomGenerator) -> [Int] {
        EvictionRules.highest(scores(tokens) ?? [], budget: budget, forced: [tokens.count - 1])
    }
}
