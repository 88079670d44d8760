import Arithmetic
import Foundation
import MemoryPolicy
import Objectives
import Testing
import Transformer

/// The eviction path on the tiny model: with nothing to evict it is the plain forward pass, and every rule holds
/// each layer to exactly its budget.
@Suite struct EvictingPrefillTests {
    func documents(_ model: LlamaModel) -> [[Int32]] {
        let text = String(
            repeating: "Of Man's first disobedience, and the fruit of that forbidden tree, whose mortal taste. ",
            count: 30)
        let ids = model.tokenizer.encode(text, addSpecial: false)
        return [Array(ids[0..<200]), Array(ids[40..<240])]
    }

    func perplexity(_ model: LlamaModel, memory: (any EvictionRule, CacheBudget)?) throws -> (Double, MemoryManager?) {
        let evaluator = try PerplexityEvaluator(model: model, context: 128, chunkSize: 32, numerics: .float32)
        if let (rule, budget) = memory {
            evaluator.memory = MemoryManager(
                rule: rule, budget: budget, configuration: model.configuration, capacity: 128, chunkSize: 32)
        }
        return (try evaluator.document(documents: documents(model), rotary: nil).perplexity, evaluator.memory)
    }

    @Test func nothingToEvictIsThePlainForwardPass() throws {
        let model = try #require(Tiny.model)
        let (plain, _) = try perplexity(model, memory: nil)
        // A rule that reads no attention keeps the fused kernel: the same numbers, bit for bit.
        let (full, manager) = try perplexity(model, memory: (FullCache(), CacheBudget(size: .fraction(1))))
        #expect(full == plain)
        #expect(manager?.kept == 1)
        // A rule that reads attention at a budget of 100 % evicts nothing; the two-pass attention it records
        // agrees with the fused kernel to float rounding.
        let (recorded, h2o) = try perplexity(model, memory: (HeavyHitters(), CacheBudget(size: .fraction(1))))
        #expect(abs(recorded - plain) / plain < 1e-5)
        #expect(h2o?.kept == 1)
    }

    /// bf16 numerics under a rule that records attention (the two-pass path with bf16 projections): the same
    /// perplexity as float32 to bf16's rounding, on the tiny model's random weights within 1 %.
    @Test func bfloat16ProjectionsUnderARecordingRule() throws {
        let model = try #require(Tiny.model)
        func perplexity(_ numerics: EngineNumerics) throws -> Double {
            let evaluator = try PerplexityEvaluator(model: model, context: 128, chunkSize: 32, numerics: numerics)
            evaluator.memory = MemoryManager(
                rule: HeavyHitters(), budget: CacheBudget(size: .fraction(1)), configuration: model.configuration,
                capacity: 128, chunkSize: 32)
            return try evaluator.document(documents: documents(model), rotary: nil).perplexity
        }
        let float32 = try perplexity(.float32)
        let bfloat16 = try perplexity(.bfloat16)
        #expect(bfloat16 != float32 && abs(bfloat16 / float32 - 1) < 0.01, "\(bfloat16) against \(float32)")
    }

    @Test(arguments: EvictionRules.all.filter { !($0 is FullCache) }.map(\.name))
    func everyRuleHoldsEachLayerToItsBudget(name: String) throws {
        let model = try #require(Tiny.model)
        let rule = try #require(EvictionRules.named(name))
        let evaluator = try PerplexityEvaluator(model: model, context: 128, chunkSize: 32, numerics: .float32)
        let manager = MemoryManager(
            rule: rule, budget: CacheBudget(size: .fraction(0.25), allocation: .pyramid),
            configuration: model.configuration, capacity: 128, chunkSize: 32)
        evaluator.memory = manager
        let result = try evaluator.document(documents: documents(model), rotary: nil)
        #expect(result.perplexity.isFinite)
        // Mean over firings of kept / seen: every firing holds the layer at its weight times 25 % (or fewer tokens
        // when the layer has not seen that many yet: 1.5 x 25 % of 32 tokens is 12 of 32).
        let layers = model.configuration.layers
        let kept = manager.keptPerLayer
        #expect(kept.count == layers)
        for (l, fraction) in kept.enumerated() {
            #expect(abs(fraction - 0.25 * (1.5 - Double(l) / Double(layers - 1))) < 0.02, "layer \(l)")
        }
        // And the cache itself after 128 tokens: PyramidKV's weights (1.5 at the first layer to 0.5 at the last)
        // times 25 % of 128 tokens, per layer, read from the session's KV cache.
        let session = try LlamaSession(model: model, capacity: 128, chunkSize: 32, numerics: .float32)
        let direct = MemoryManager(
            rule: rule, budget: CacheBudget(size: .fraction(0.25), allocation: .pyramid),
            configuration: model.configuration, capacity: 128, chunkSize: 32)
        direct.begin(session)
        try session.prefill(documents(model)[0][0..<128]) { _, _ in try direct.afterChunk(session) }
        let expected = (0..<layers).map { l in Int((32 * (1.5 - Double(l) / Double(layers - 1))).rounded()) }
        #expect(session.cache.length == expected)
    }

    /// A NAMM whose network is all zeros scores every token 0: the threshold rule evicts nothing, and the
    /// perplexity is the full cache's on the same (recording) attention path, bit for bit. The first pass that
    /// collects the normalisation statistics is that full-cache run.
    @Test(arguments: ["bam", "linear"]) func aZeroNetworkKeepsEverything(scorer: String) throws {
        let model = try #require(Tiny.model)
        let evaluator = try PerplexityEvaluator(model: model, context: 128, chunkSize: 32, numerics: .float32)
        let collecting = MemoryManager(
            rule: FullCache(), budget: CacheBudget(size: .fraction(1)), configuration: model.configuration,
            capacity: 128, chunkSize: 32, collectNormalization: true)
        evaluator.memory = collecting
        let full = try evaluator.document(documents: documents(model), rotary: nil).perplexity
        let normalization = collecting.normalizationStatistics.normalization
        #expect(collecting.normalizationStatistics.samples > 0)
        #expect(normalization.standardDeviation.allSatisfy { $0 > 0 })
        let count = try #require(TokenScorers.parameterCount(scorer))
        let rule = NAMMRule(
            scorer: try TokenScorers.make(scorer, parameters: Array(repeating: 0, count: count)),
            normalization: normalization)
        let manager = MemoryManager(
            rule: rule, budget: CacheBudget(size: .threshold), configuration: model.configuration, capacity: 128,
            chunkSize: 32)
        evaluator.memory = manager
        #expect(try evaluator.document(documents: documents(model), rotary: nil).perplexity == full)
        #expect(manager.kept == 1)
    }

    /// A NAMM that scores old tokens below zero evicts them: the cache shrinks and every KV head of a layer keeps
    /// the same count.
    @Test func aNegativeBiasEvictsUnderTheThresholdRule() throws {
        let model = try #require(Tiny.model)
        let evaluator = try PerplexityEvaluator(model: model, context: 128, chunkSize: 32, numerics: .float32)
        var parameters = [Double](repeating: 0, count: LinearScorer.parameterCount)
        parameters[25] = -1  // the bias: every token scores -1, only the newest is kept by the rule
        let rule = NAMMRule(scorer: try LinearScorer(parameters: parameters), normalization: .identity)
        let manager = MemoryManager(
            rule: rule, budget: CacheBudget(size: .threshold), configuration: model.configuration, capacity: 128,
            chunkSize: 32)
        evaluator.memory = manager
        let result = try evaluator.document(documents: documents(model), rotary: nil)
        #expect(result.perplexity.isFinite)
        #expect(manager.kept < 0.05)
    }
}
