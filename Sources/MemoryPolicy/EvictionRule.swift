import Arithmetic
import Transformer

/// What an eviction rule sees of one (layer, KV head) when the policy fires: the cached tokens in cache order
/// (which is the order they arrived in: eviction compacts without reordering), their rotary positions, the
/// attention statistics when the rule reads them, and the keys' norms on demand.
public struct CachedTokens {
    public let layer: Int
    public let kvHead: Int
    public let positions: [Int32]
    public let attention: AttentionSummary?
    let norms: () -> [Float]

    public init(
        layer: Int, kvHead: Int, positions: [Int32], attention: AttentionSummary?,
        keyNorms: @escaping () -> [Float]
    ) {
        self.layer = layer
        self.kvHead = kvHead
        self.positions = positions
        self.attention = attention
        self.norms = keyNorms
    }

    public var count: Int { positions.count }
    public var keyNorms: [Float] { norms() }
}

/// A rule that names the cached tokens to keep when the cache must shrink. The training-free rules users compare
/// against (those of NVIDIA's kvpress that fit a streaming prefill) and the learned scorers are all rules.
public protocol EvictionRule: Sendable {
    /// The name experiments and tables use.
    var name: String { get }
    /// Whether it reads the attention statistics (accumulated, newest query, window).
    var readsAttention: Bool { get }
    /// Whether it reads NAMM's attention spectrogram (more memory and time). Only a rule that reads one or the
    /// other makes the prefill record attention (and leave the fused attention kernel).
    var readsSpectrogram: Bool { get }
    /// The decay per query of the spectrogram's moving average it reads (the spec's 0.99 by default).
    var spectrogramGamma: Double { get }
    /// A score per cached token (higher is kept; below zero is evicted by the threshold budget), for the rules
    /// that score; nil for the others.
    func scores(_ tokens: CachedTokens) -> [Float]?
    /// The cache indices to keep: ascending, exactly `budget` of them (0 < budget < tokens.count).
    func keep(_ tokens: CachedTokens, budget: Int, random: inout RandomGenerator) -> [Int]
    /// For the rules that score: the indices to keep given the tokens' scores (computed ahead, on all cores).
    func keep(scores: [Float], budget: Int) -> [Int]
}

extension EvictionRule {
    public var readsSpectrogram: Bool { false }
    public var spectrogramGamma: Double { AttentionSpectrogram.gamma }
    public func scores(_ tokens: CachedTokens) -> [Float]? { nil }
    /// The highest scores, the newest token always among them.
    public func keep(scores: [Float], budget: Int) -> [Int] {
        EvictionRules.highest(scores, budget: budget, forced: [scores.count - 1])
    }
}

extension EvictionRules {
    /// The `budget` highest scores, ascending indices; `forced` indices first (the newest of them when there are
    /// more than the budget); ties go to the newer token, as the hard-budget rule says.
    public static func highest(_ scores: [Float], budget: Int, forced: [Int] = []) -> [Int] {
        var chosen = Set(forced.suffix(budget))
        if chosen.count < budget {
            let order = scores.indices.filter { !chosen.contains($0) }.sorted {
                scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 > $1
            }
            chosen.formUnion(order.prefix(budget - chosen.count))
        }
        return chosen.sorted()
    }
}
