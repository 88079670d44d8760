import Arithmetic
import Foundation
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
    /// Wall time spent in the firings (features, scores, eviction) since the last `resetMeasurements`.
    public private(set) var firingSeconds = 0.0
    let collectNormalization: Bool
    public private(set) var normalizationStatistics: NormalizationAccumulator

    /// With `collectNormalization`, every firing also adds the spectrogram (decaying by `normalizationGamma` per
    /// query) of every cached token to `normalizationStatistics` (the first pass of a NAMM search, with the full
    /// cache); otherwise the spectrogram is the rule's.
    public init(
        rule: any EvictionRule, budget: CacheBudget, configuration: LlamaConfiguration, capacity: Int, chunkSize: Int,
        seed: UInt64 = 1, collectNormalization: Bool = false, normalizationGamma: Double = AttentionSpectrogram.gamma
    ) {
        self.rule = rule
        self.budget = budget
        self.seed = seed
        self.collectNormalization = collectNormalization
        normalizationStatistics = NormalizationAccumulator(gamma: normalizationGamma)
        let spectrogram = rule.readsSpectrogram || collectNormalization
        attention =
            rule.readsAttention || spectrogram
            ? AttentionSummary(
                configuration: configuration, capacity: capacity, chunkSize: chunkSize,
                statistics: rule.readsAttention, spectrogram: spectrogram,
                gamma: collectNormalization ? normalizationGamma : rule.spectrogramGamma) : nil
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
        let start = DispatchTime.now().uptimeNanoseconds
        defer { firingSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        let cache = session.cache
        let seen = session.nextPosition
        let heads = cache.kvHeads
        let threshold = budget.size == .threshold
        let allowed = (0..<cache.layers).map { budget.tokens(layer: $0, weights: weights, seen: seen) }
        let evicting = (0..<cache.layers).map { !(rule is FullCache) && (threshold || allowed[$0] < cache.length[$0]) }
        let views = (0..<(cache.layers * heads)).map { item in
            let (layer, head) = (item / heads, item % heads)
            return CachedTokens(
                layer: layer, kvHead: head, positions: Array(cache.positions(layer: layer, head: head)),
                attention: attention, keyNorms: { cache.keyNorms(layer: layer, head: head) })
        }
        let scores = parallelScores(views, evicting: evicting)
        for layer in 0..<cache.layers {
            let length = cache.length[layer]
            if collectNormalization, let attention {
                for head in 0..<heads {
                    if let s = attention.spectrogram(layer: layer, kvHead: head, count: length) {
                        normalizationStatistics.add(s)
                    }
                }
            }
            var kept: [[Int]]?
            if evicting[layer] && threshold {
                // Spec §4: every KV head of the layer drops the same count, the fewest negative scores of any head
                // (the newest token never counts), each head its own lowest.
                let layerScores = (0..<heads).map { head in
                    let item = layer * heads + head
                    return scores?[item] ?? rule.scores(views[item]) ?? [Float](repeating: 0, count: length)
                }
                let drop = layerScores.map { s in s.dropLast().filter { $0 < 0 }.count }.min() ?? 0
                if drop > 0 {
                    kept = layerScores.map { EvictionRules.highest($0, budget: length - drop, forced: [length - 1]) }
                }
            } else if evicting[layer] {
                kept = (0..<heads).map { head in
                    let item = layer * heads + head
                    if let s = scores?[item] { return rule.keep(scores: s, budget: allowed[layer]) }
                    return rule.keep(views[item], budget: allowed[layer], random: &random)
                }
            }
            if let kept {
                try cache.retain(layer: layer, indicesPerHead: kept)
                attention?.retain(layer: layer, indicesPerHead: kept)
            }
            keptSums[layer] += Double(cache.length[layer]) / Double(max(1, seen))
        }
        firings += 1
    }

    /// The scores of every (layer, KV head) of the evicting layers, computed on all cores at once, for the learned
    /// scorers (NAMM's network is most of a firing's cost); nil for the other rules, which rank inline. Layers
    /// evict independently, so every score can be taken before any eviction.
    private func parallelScores(_ views: [CachedTokens], evicting: [Bool]) -> [[Float]?]? {
        guard rule.readsSpectrogram, evicting.contains(true) else { return nil }
        let heads = views.count / evicting.count
        var results = [[Float]?](repeating: nil, count: views.count)
        results.withUnsafeMutableBufferPointer { buffer in
            let shared = buffer
            Parallel.forEach(items: views.count) { _, item in
                if evicting[item / heads] { shared[item] = rule.scores(views[item]) }
            }
        }
        return results
    }

    /// The cache kept per layer so far: mean over firings of cache length / tokens seen.
    public var keptPerLayer: [Double] { keptSums.map { $0 / Double(max(1, firings)) } }
    public var kept: Double { keptPerLayer.reduce(0, +) / Double(max(1, keptPerLayer.count)) }

    public func resetMeasurements() {
        keptSums = keptSums.map { _ in 0 }
        firings = 0
        firingSeconds = 0
    }
}
