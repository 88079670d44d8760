import Evolution
import Transformer

/// A memory policy at work on one session: after every chunk of the prefill (the policy's n_up tokens) it asks its
/// rule which tokens each (layer, KV head) keeps within the budget, evicts the others with `KVCache.retain` (kept
/// keys keep their rotary positions), and follows the eviction in the attention statistics. It measures the cache
/// kept: per layer, the mean over firings of cache length / tokens seen.
public final class MemoryManager {
    public let rule: any EvictionRule
    public let budget: CacheBudget
    public let seed: UInt64
    /// The recorder the session must carry (nil when the rule reads no attention: the fused kernel stays).
    public let attention: AttentionSummary?
    let weights: [Double]
    private var random: RandomGenerator
    private var keptSums: [Double]
    private var firings = 0

    public init(
        rule: any EvictionRule, budget: CacheBudget, configuration: LlamaConfiguration, capacity: Int, chunkSize: Int,
        seed: UInt64 = 1
    ) {
        self.rule = rule
        self.budget = budget
        self.seed = seed
        attention =
            rule.readsAttention
            ? AttentionSummary(configuration: configuration, capacity: capacity, chunkSize: chunkSize) : nil
        weights = budget.weights(layers: configuration.layers)
        random = RandomGenerator(seed: seed)
        keptSums = Array(repeating: 0, count: configuration.layers)
    }

    /// Attaches to a session for a new sequence (statistics of the previous one forgotten, the random stream
    /// restarted so that every document sees the same draws).
    public func begin(_ session: LlamaSession) {
        attention?.reset()
        session.attentionRecorder = attention
        random = RandomGenerator(seed: seed)
    }

    /// Fires after a chunk: evicts down to the budget, then records what each layer kept.
    public func afterChunk(_ session: LlamaSession) throws {
        let cache = session.cache
        let seen = session.nextPosition
        for layer in 0..<cache.layers {
            let length = cache.length[layer]
            let allowed = budget.tokens(layer: layer, weights: weights, seen: seen)
            if !(rule is FullCache) && allowed < length {
                let kept = (0..<cache.kvHeads).map { head in
                    rule.keep(
                        CachedTokens(
                            layer: layer, kvHead: head, positions: Array(cache.positions(layer: layer, head: head)),
                            attention: attention, keyNorms: { cache.keyNorms(layer: layer, head: head) }),
                        budget: allowed, random: &random)
                }
                try cache.retain(layer: layer, indicesPerHead: kept)
                attention?.retain(layer: layer, indicesPerHead: kept)
            }
            keptSums[layer] += Double(cache.length[layer]) / Double(max(1, seen))
        }
        firings += 1
    }

    /// The cache kept per layer so far: mean over firings of cache length / tokens seen.
    public var keptPerLayer: [Double] { keptSums.map { $0 / Double(max(1, firings)) } }
    public var kept: Double { keptPerLayer.reduce(0, +) / Double(max(1, keptPerLayer.count)) }

    public func resetMeasurements() {
        keptSums = keptSums.map { _ in 0 }
        firings = 0
    }
}
