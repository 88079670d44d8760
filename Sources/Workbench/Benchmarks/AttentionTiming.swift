import Arithmetic
import Foundation
import Transformer

/// Causal attention alone, timed: the last `queries` tokens of a `keys`-token context attending over the cache of
/// one layer, every head, through the same kernel and work sharing as a forward pass (random queries, keys and
/// values; the work does not depend on them).
public enum AttentionTiming {
    public struct Figures: Sendable {
        public let keys: Int
        public let queries: Int
        public let seconds: Double
        public let flops: Double
        public let numerics: EngineNumerics
        public var gflops: Double { flops / seconds / 1e9 }
    }

    /// Best of `repeats` runs after one warm-up.
    public static func measure(
        configuration c: LlamaConfiguration, keys: Int, queries: Int, numerics: EngineNumerics = .float32,
        repeats: Int = 3
    ) -> Figures {
        let queries = min(queries, keys)
        let cache = KVCache(configuration: c, capacity: keys, layers: 1, storage: numerics.cacheStorage)
        let kv = FloatBuffer(count: keys * c.kvWidth, zeroed: false)
        let values = FloatBuffer(count: keys * c.kvWidth, zeroed: false)
        var random = RandomGenerator(seed: 1)
        for i in 0..<kv.count {
            kv[i] = Float.random(in: -1..<1, using: &random)
            values[i] = Float.random(in: -1..<1, using: &random)
        }
        let positions = [Int32](repeating: 0, count: keys)
        cache.append(layer: 0, rows: keys, keys: kv.pointer, values: values.pointer, positions: positions)
        let q = FloatBuffer(count: queries * c.modelWidth, zeroed: false)
        for i in 0..<q.count { q[i] = Float.random(in: -1..<1, using: &random) }
        let out = FloatBuffer(count: queries * c.modelWidth, zeroed: false)
        let scratch = (0..<Parallel.workerCount).map { _ in
            CausalAttention.Scratch(capacity: keys, headsPerKVHead: c.queryHeadsPerKVHead, headWidth: c.headWidth)
        }
        let cachedBefore = keys - queries
        var best = Double.infinity
        for run in 0...repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            CausalAttention.run(
                numerics.attention, q: q.pointer, rows: queries, layer: 0, cache: cache, cachedBefore: cachedBefore,
                heads: c.attentionHeads, headsPerKVHead: c.queryHeadsPerKVHead, headWidth: c.headWidth,
                scratch: scratch, out: out.pointer)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if run > 0 { best = min(best, seconds) }
        }
        // QK^T and PV: 2 multiply-adds per (query, visible key, dimension), over the causal rows.
        let pairs = Double(queries) * Double(cachedBefore) + Double(queries) * Double(queries + 1) / 2
        let flops = Double(c.attentionHeads) * pairs * Double(c.headWidth) * 4
        return Figures(keys: keys, queries: queries, seconds: best, flops: flops, numerics: numerics)
    }
}
