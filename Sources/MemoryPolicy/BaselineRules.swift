import Arithmetic
import Transformer

/// Keeps everything: the reference every budget is compared with (the policy never fires).
public struct FullCache: EvictionRule {
    public init() {}
    public var name: String { "full" }
    public var readsAttention: Bool { false }
    public func keep(_ tokens: CachedTokens, budget: Int, random: inout RandomGenerator) -> [Int] {
        Array(0..<tokens.count)
    }
}

/// Keeps the `budget` newest tokens.
public struct Recency: EvictionRule {
    public init() {}
    public var name: String { "recency" }
    public var readsAttention: Bool { false }
    public func keep(_ tokens: CachedTokens, budget: Int, random: inout RandomGenerator) -> [Int] {
        Array((tokens.count - budget)..<tokens.count)
    }
}

/// StreamingLLM (Xiao et al., 2023): the first `sinks` tokens of the sequence (attention sinks) and the newest.
public struct StreamingLLM: EvictionRule {
    public var sinks: Int
    public init(sinks: Int = 4) { self.sinks = sinks }
    public var name: String { "streaming-llm" }
    public var readsAttention: Bool { false }
    public func keep(_ tokens: CachedTokens, budget: Int, random: inout RandomGenerator) -> [Int] {
        let sinkIndices = tokens.positions.indices.filter { tokens.positions[$0] < sinks }.prefix(budget)
        let recent = (tokens.count - (budget - sinkIndices.count))..<tokens.count
        return Array(Set(sinkIndices).union(recent)).sorted()
    }
}

/// H2O (Zhang et al., 2023): half the budget for the newest tokens, half for the heavy hitters, the tokens with the
/// most attention accumulated over every query so far.
public struct HeavyHitters: EvictionRule {
    public init() {}
    public var name: String { "h2o" }
    public var readsAttention: Bool { true }
    public func keep(_ tokens: CachedTokens, budget: Int, random: inout RandomGenerator) -> [Int] {
        let scores = tokens.attention!.accumulated(layer: tokens.layer, kvHead: tokens.kvHead, count: tokens.count)
        return EvictionRules.highest(
            Array(scores), budget: budget, forced: HeavyHitters.recent(count: tokens.count, budget: budget))
    }

    /// The newest half of the budget, kept whatever its attention.
    public static func recent(count: Int, budget: Int) -> [Int] { Array((count - budget / 2)..<count) }
}

/// TOVA (Oren et al., 2024): the tokens the newest query attends to most (averaged over the query heads of the KV
/// head).
public struct TOVA: EvictionRule {
    public init() {}
    public var name: String { "tova" }
    public var readsAttention: Bool { true }
    public func keep(_ tokens: CachedTokens, budget: Int, random: inout RandomGenerator) -> [Int] {
        let scores = tokens.attention!.lastQuery(layer: tokens.layer, kvHead: tokens.kvHead, count: tokens.count)
        return EvictionRules.highest(Array(scores), budget: budget, forced: [tokens.count - 1])
    }
}

/// SnapKV (Li et al., 2024): the observation window (the newest queries) is kept, and the other tokens are ranked by
/// the attention the window pays them, average-pooled over `kernel` neighbours so that kept tokens come with their
/// context (kvpress's defaults: window 64, kernel 5).
public struct SnapKV: EvictionRule {
    public var kernel: Int
    public init(kernel: Int = 5) { self.kernel = kernel }
    public var name: String { "snapkv" }
    public var readsAttention: Bool { true }
    public func keep(_ tokens: CachedTokens, budget: Int, random: inout RandomGenerator) -> [Int] {
        let summary = tokens.attention!
        let raw = Array(summary.window(layer: tokens.layer, kvHead: tokens.kvHead, count: tokens.count))
        let half = kernel / 2
        let pooled = raw.indices.map { i -> Float in
            let range = max(0, i - half)...min(raw.count - 1, i + half)
            return raw[range].reduce(0, +) / Float(kernel)
        }
        let window = Array(max(0, tokens.count - summary.observationWindow)..<tokens.count)
        return EvictionRules.highest(pooled, budget: budget, forced: window)
    }
}

/// KNorm (Devoto et al., 2024): the keys with the lowest L2 norm draw the most attention, so they are kept.
public struct KeyNorm: EvictionRule {
    public init() {}
    public var name: String { "knorm" }
    public var readsAttention: Bool { false }
    public func keep(_ tokens: CachedTokens, budget: Int, random: inout RandomGenerator) -> [Int] {
        EvictionRules.highest(tokens.keyNorms.map { -$0 }, budget: budget, forced: [tokens.count - 1])
    }
}

/// Uniformly random tokens (the newest always kept), from the policy's seeded generator.
public struct RandomEviction: EvictionRule {
    public init() {}
    public var name: String { "random" }
    public var readsAttention: Bool { false }
    public func keep(_ tokens: CachedTokens, budget: Int, random: inout RandomGenerator) -> [Int] {
        EvictionRules.highest(
            (0..<tokens.count).map { _ in Float(random.uniform()) }, budget: budget, forced: [tokens.count - 1])
    }
}

/// Every rule by name, for experiment files and `namm evaluate`.
public enum EvictionRules {
    public static let all: [any EvictionRule] = [
        FullCache(), Recency(), StreamingLLM(), HeavyHitters(), TOVA(), SnapKV(), KeyNorm(), RandomEviction(),
    ]
    public static var names: [String] { all.map(\.name) }
    public static func named(_ name: String) -> (any EvictionRule)? { all.first { $0.name == name } }
}
