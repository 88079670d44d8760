import Arithmetic
import Foundation
import MemoryPolicy
import Objectives
import TestSupport
import Testing
import Transformer

enum Tiny {
    static let model: LlamaModel? = TinyModel.path.flatMap { try? LlamaModel(path: $0) }
}

/// Each baseline keeps exactly its budget and the tokens its rule names, on a hand-made attention pattern whose
/// statistics the test computes itself (in double, from the pattern, not from the recorder).
@Suite struct EvictionRuleTests {
    static let count = 12

    /// Attention weights before normalisation of query `q` of query head `head` to key `k <= q`: key 2 draws the
    /// even heads, key 7 the odd ones, and the last query looks at keys 5 and 9.
    static func weight(head: Int, query q: Int, key k: Int) -> Double {
        if q == count - 1 { return k == 5 ? 20 : k == 9 ? (head % 2 == 0 ? 10 : 2) : 1 }
        if head % 2 == 0 { return k == 2 ? 10 : 1 }
        return k == 7 ? 6 : k == 3 ? 3 : 1
    }

    static func probabilities(head: Int, query q: Int) -> [Double] {
        let w = (0...q).map { weight(head: head, query: q, key: $0) }
        let total = w.reduce(0, +)
        return w.map { $0 / total } + Array(repeating: 0, count: count - 1 - q)
    }

    /// A summary fed the pattern through the recorder interface, as the engine feeds it.
    func summary(observationWindow: Int = 4, spectrogram: Bool = false) throws -> (AttentionSummary, LlamaConfiguration)
    {
        let c = try #require(Tiny.model).configuration
        let summary = AttentionSummary(
            configuration: c, capacity: 16, chunkSize: Self.count, observationWindow: observationWindow,
            spectrogram: spectrogram)
        for layer in 0..<c.layers {
            summary.beginLayer(layer, rows: Self.count, cachedBefore: 0)
            for head in 0..<c.attentionHeads {
                var rows: [Float] = []
                for q in 0..<Self.count { rows += Self.probabilities(head: head, query: q).map(Float.init) }
                rows.withUnsafeBufferPointer { p in
                    summary.record(
                        AttentionBlock(
                            layer: layer, head: head, kvHead: head / c.queryHeadsPerKVHead, queries: 0..<Self.count,
                            keyCount: Self.count, probabilities: p.baseAddress!, stride: Self.count))
                }
            }
            summary.finishLayer(layer, rows: Self.count, cachedBefore: 0)
        }
        return (summary, c)
    }

    func tokens(_ summary: AttentionSummary?, norms: [Float] = []) -> CachedTokens {
        CachedTokens(
            layer: 1, kvHead: 1,
            positions: (0..<Int32(Self.count)).map { $0 + 100 }.enumerated().map {
                $0.offset < 2 ? Int32($0.offset) : $0.element
            }, attention: summary, keyNorms: { norms })
    }

    /// The reference statistics of KV head 1 (query heads 2 and 3).
    func reference(_ statistic: ([Double]) -> Double) -> [Double] {
        (0..<Self.count).map { k in
            (2...3).map { head in
                statistic((0..<Self.count).map { q in Self.probabilities(head: head, query: q)[k] })
            }.reduce(0, +) / 2
        }
    }

    func top(_ scores: [Double], _ k: Int, forced: [Int]) -> [Int] {
        var chosen = Set(forced)
        let rest = scores.indices.filter { !chosen.contains($0) }.sorted {
            scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 > $1
        }
        chosen.formUnion(rest.prefix(k - chosen.count))
        return chosen.sorted()
    }

    @Test func eachBaselineKeepsItsBudgetAndTheTokensItsRuleNames() throws {
        let (summary, _) = try summary()
        var random = RandomGenerator(seed: 1)
        let view = tokens(summary, norms: (0..<Self.count).map { Float(($0 * 7) % 12) })
        let budget = 6
        // Recency and StreamingLLM read positions only (tokens 0 and 1 have positions 0 and 1: the sinks).
        #expect(Recency().keep(view, budget: budget, random: &random) == [6, 7, 8, 9, 10, 11])
        #expect(StreamingLLM(sinks: 2).keep(view, budget: budget, random: &random) == [0, 1, 8, 9, 10, 11])
        // H2O: the 3 newest, and the 3 others with the most accumulated attention.
        let accumulated = reference { $0.reduce(0, +) }
        let h2o = HeavyHitters().keep(view, budget: budget, random: &random)
        #expect(h2o == top(accumulated, budget, forced: [9, 10, 11]))
        #expect(h2o.contains(2))  // the heavy hitter of the even head
        // TOVA: the newest query's attention.
        let last = reference { $0.last! }
        let tova = TOVA().keep(view, budget: budget, random: &random)
        #expect(tova == top(last, budget, forced: [11]))
        #expect(tova.contains(5) && tova.contains(9))
        // SnapKV: the 4 newest (its window), and the rest by the window's attention pooled over 5 neighbours.
        let window = reference { $0.suffix(4).reduce(0, +) }
        let pooled = window.indices.map { i in window[max(0, i - 2)...min(Self.count - 1, i + 2)].reduce(0, +) / 5 }
        #expect(SnapKV().keep(view, budget: budget, random: &random) == top(pooled, budget, forced: [8, 9, 10, 11]))
        // KNorm: the lowest norms (norm of token i is 7i mod 12), the newest kept.
        let knorm = KeyNorm().keep(view, budget: budget, random: &random)
        #expect(knorm == top(view.keyNorms.map { -Double($0) }, budget, forced: [11]))
        // Random: the budget, ascending, the newest kept, the same draws from the same seed.
        var again = RandomGenerator(seed: 9)
        var once = RandomGenerator(seed: 9)
        let drawn = RandomEviction().keep(view, budget: budget, random: &once)
        #expect(drawn.count == budget && drawn.last == 11 && drawn == drawn.sorted())
        #expect(RandomEviction().keep(view, budget: budget, random: &again) == drawn)
    }

    @Test func recordedStatisticsMatchTheReference() throws {
        let (summary, _) = try summary()
        let pairs: [(ArraySlice<Float>, [Double])] = [
            (summary.accumulated(layer: 1, kvHead: 1, count: Self.count), reference { $0.reduce(0, +) }),
            (summary.lastQuery(layer: 1, kvHead: 1, count: Self.count), reference { $0.last! }),
            (summary.window(layer: 1, kvHead: 1, count: Self.count), reference { $0.suffix(4).reduce(0, +) }),
        ]
        for (recorded, expected) in pairs {
            #expect(zip(recorded, expected).allSatisfy { abs(Double($0) - $1) < 1e-5 })
        }
    }

    /// A network over the H2O prior: the zero network keeps exactly H2O's tokens; another keeps H2O's newest half
    /// whatever it scores, and ranks the rest by log accumulated attention + its score (here a bias on the second
    /// age feature, sin(age / 50000^(1/4)), that prefers some ages over the heavy hitters).
    @Test func aNetworkOverTheH2OPriorCorrectsH2O() throws {
        let (summary, _) = try summary(spectrogram: true)
        var random = RandomGenerator(seed: 1)
        let view = tokens(summary)
        let budget = 6
        let zero = NAMMRule(
            scorer: try LinearScorer(parameters: Array(repeating: 0, count: 26)), normalization: .identity,
            prior: .h2o)
        #expect(zero.name == "namm-linear+h2o" && zero.readsAttention)
        #expect(
            zero.keep(view, budget: budget, random: &random)
                == HeavyHitters().keep(view, budget: budget, random: &random))
        var weights = [Double](repeating: 0, count: 26)
        weights[1] = 40
        let tilted = NAMMRule(scorer: try LinearScorer(parameters: weights), normalization: .identity, prior: .h2o)
        let newest = Double(view.positions.last!)
        let expected = reference { $0.reduce(0, +) }.enumerated().map { i, accumulated in
            Foundation.log(accumulated) + 40 * sin((newest - Double(view.positions[i])) * pow(50_000, -0.25))
        }
        let kept = tilted.keep(view, budget: budget, random: &random)
        #expect(kept == top(expected, budget, forced: [9, 10, 11]))
        #expect(kept != HeavyHitters().keep(view, budget: budget, random: &random))
        // The manager's path (scores taken ahead) keeps the same.
        #expect(tilted.keep(scores: try #require(tilted.scores(view)), budget: budget) == kept)
    }

    @Test func tiesGoToTheNewerToken() {
        #expect(EvictionRules.highest([1, 1, 1, 1], budget: 2) == [2, 3])
    }
}
