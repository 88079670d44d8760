import Foundation
import Numerics
import Objectives
import Transformer

/// One perplexity evaluation (document protocol, one document of `context` tokens, every token scored) timed
/// and converted to GFLOP/s with an explicit count of the floating-point work it must do.
public struct PerplexityBenchmark: Sendable {
    public let context: Int
    public let seconds: Double
    public let tokensPerSecond: Double
    public let effectiveGFLOPS: Double
    public let sgemmGFLOPS: Double
    public let peakRSSBytes: Int
    public let perplexity: Double

    public var fractionOfSgemm: Double { effectiveGFLOPS / sgemmGFLOPS }

    /// Floating-point operations of a causal forward pass over n tokens, scoring every one: 2 per multiply-add of
    /// the projections and the output layer, plus QK^T and PV over the causal triangle (n (n+1) / 2 pairs per head).
    public static func flops(configuration c: LlamaConfiguration, tokens n: Int) -> Double {
        let weights = Double(c.blockMultiplyAddsPerToken + c.vocabularySize * c.modelWidth) * 2 * Double(n)
        let pairs = Double(n) * Double(n + 1) / 2
        let attention = Double(c.layers * c.attentionHeads) * pairs * Double(c.headWidth) * 2 * 2
        return weights + attention
    }

    /// Fraction of the work of windows of `context` tokens done after `done` of `total` tokens (for time left).
    public static func workFraction(configuration c: LlamaConfiguration, context: Int) -> (Int, Int) -> Double {
        let window = flops(configuration: c, tokens: context)
        return { done, total in
            let work = Double(done / context) * window + flops(configuration: c, tokens: done % context)
            return work / max(1, Double(total / context) * window)
        }
    }

    public static func measure(
        model: LlamaModel, tokens: [Int32], context: Int, sgemmGFLOPS: Double
    ) throws -> PerplexityBenchmark {
        let evaluator = try PerplexityEvaluator(model: model, context: context)
        guard !tokens.isEmpty else {
            throw PerplexityError.textTooShort(tokens: 0, needed: 1, context: context, what: "the text")
        }
        // The benchmark needs one document of `context` tokens; a shorter text is repeated.
        var document = tokens
        while document.count < context { document += tokens }
        ProcessMemory.resetPeak()
        let result = try evaluator.document(documents: [Array(document.prefix(context))], rotary: nil)
        let flops = flops(configuration: model.configuration, tokens: context)
        return PerplexityBenchmark(
            context: context, seconds: result.seconds, tokensPerSecond: Double(context) / result.seconds,
            effectiveGFLOPS: flops / result.seconds / 1e9, sgemmGFLOPS: sgemmGFLOPS,
            peakRSSBytes: ProcessMemory.peakResidentBytes() ?? 0, perplexity: result.perplexity)
    }

    public var dictionary: [String: Any] {
        [
            "context": context, "seconds": seconds, "tokens_per_second": tokensPerSecond,
            "effective_gflops": effectiveGFLOPS, "sgemm_gflops": sgemmGFLOPS, "fraction_of_sgemm": fractionOfSgemm,
            "peak_rss_bytes": peakRSSBytes, "perplexity": perplexity,
        ]
    }

    public var summary: String {
        String(
            format:
                "context %6d: %7.1f tokens/s, %6.1f s, %6.1f GFLOP/s effective = %4.1f%% of sgemm (%.1f GFLOP/s), peak RSS %.2f GiB, ppl %.3f",
            context, tokensPerSecond, seconds, effectiveGFLOPS, fractionOfSgemm * 100, sgemmGFLOPS,
            Double(peakRSSBytes) / 1_073_741_824, perplexity)
    }
}
