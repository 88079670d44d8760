import Arithmetic
import Foundation
import Objectives
import Transformer

/// One perplexity evaluation (document protocol, one document of `context` tokens, every token scored) timed
/// and converted to GFLOP/s with an explicit count of the floating-point work it must do, with the wall time of
/// each stage of the pass.
public struct PerplexityBenchmark: Sendable {
    public let context: Int
    public let numerics: EngineNumerics
    public let seconds: Double
    public let tokensPerSecond: Double
    public let effectiveGFLOPS: Double
    public let peakRSSBytes: Int
    public let perplexity: Double
    public let stageSeconds: [StageClock.Stage: Double]

    /// Fraction of the work of windows of `context` tokens done after `done` of `total` tokens (for time left).
    public static func workFraction(configuration c: LlamaConfiguration, context: Int) -> (Int, Int) -> Double {
        { done, total in
            PassWork(configuration: c, lengths: Array(repeating: context, count: max(1, total / context)))
                .fraction(tokens: done)
        }
    }

    public static func measure(
        model: LlamaModel, tokens: [Int32], context: Int, numerics: EngineNumerics
    ) throws -> PerplexityBenchmark {
        let evaluator = try PerplexityEvaluator(model: model, context: context, numerics: numerics)
        let clock = StageClock()
        evaluator.clock = clock
        guard !tokens.isEmpty else {
            throw PerplexityError.textTooShort(tokens: 0, needed: 1, context: context, what: "the text")
        }
        // The benchmark needs one document of `context` tokens; a shorter text is repeated.
        var document = tokens
        while document.count < context { document += tokens }
        ProcessMemory.resetPeak()
        let result = try evaluator.document(documents: [Array(document.prefix(context))], rotary: nil)
        let flops = model.configuration.forwardFLOPs(tokens: context)
        return PerplexityBenchmark(
            context: context, numerics: numerics, seconds: result.seconds,
            tokensPerSecond: Double(context) / result.seconds, effectiveGFLOPS: flops / result.seconds / 1e9,
            peakRSSBytes: ProcessMemory.peakResidentBytes() ?? 0, perplexity: result.perplexity,
            stageSeconds: clock.seconds)
    }

    /// Stages in order of decreasing time, each with its share of the evaluation, and what no stage covers.
    public var stageShares: [(name: String, seconds: Double, share: Double)] {
        var rows = stageSeconds.sorted { $0.value > $1.value }.map { ($0.key.rawValue, $0.value, $0.value / seconds) }
        let other = seconds - stageSeconds.values.reduce(0, +)
        rows.append(("everything else", other, other / seconds))
        return rows
    }

    public func dictionary(_ yardsticks: Yardsticks) -> [String: Any] {
        [
            "context": context, "numerics": numerics.rawValue, "seconds": seconds, "tokens_per_second": tokensPerSecond,
            "effective_gflops": effectiveGFLOPS, "sgemm_gflops_median": yardsticks.sgemm.median,
            "fraction_of_sgemm": effectiveGFLOPS / yardsticks.sgemm.median,
            "fraction_of_peak": effectiveGFLOPS / yardsticks.peak(for: numerics).rate,
            "peak": yardsticks.peak(for: numerics).arithmetic.key, "peak_rss_bytes": peakRSSBytes,
            "perplexity": perplexity,
            "stage_seconds": Dictionary(uniqueKeysWithValues: stageShares.map { ($0.name, $0.seconds) }),
        ]
    }

    public func summary(_ yardsticks: Yardsticks) -> String {
        let peak = yardsticks.peak(for: numerics)
        var lines = [
            String(
                format:
                    "context %6d (%@): %7.1f tokens/s, %6.1f s, %6.1f GFLOP/s effective = %5.1f%% of the %@ peak, %5.1f%% of sgemm, peak RSS %.2f GiB, ppl %.3f",
                context, numerics.rawValue, tokensPerSecond, seconds, effectiveGFLOPS,
                effectiveGFLOPS / peak.rate * 100, peak.arithmetic.key, effectiveGFLOPS / yardsticks.sgemm.median * 100,
                Double(peakRSSBytes) / 1_073_741_824, perplexity)
        ]
        for row in stageShares {
            lines.append(
                "  " + row.name.padding(toLength: 36, withPad: " ", startingAt: 0)
                    + String(format: "%7.2f s %5.1f%%", row.seconds, row.share * 100))
        }
        return lines.joined(separator: "\n")
    }
}

extension AttentionTiming.Figures {
    /// Against the peak of the arithmetic of its numerics: bf16 products for bf16, fp32 for the others (whose f16 K
    /// and V are widened).
    public func summary(_ yardsticks: Yardsticks) -> String {
        let peak = yardsticks.peak(for: numerics)
        return String(
            format:
                "attention kernel at %6d keys (last %d queries, one layer, %@): %6.1f GFLOP/s = %5.1f%% of the %@ peak, %5.1f%% of sgemm",
            keys, queries, numerics.rawValue, gflops, gflops / peak.rate * 100, peak.arithmetic.key,
            gflops / yardsticks.sgemm.median * 100
        )
    }

    public func dictionary(_ yardsticks: Yardsticks) -> [String: Any] {
        [
            "keys": keys, "queries": queries, "seconds": seconds, "gflops": gflops,
            "fraction_of_sgemm": gflops / yardsticks.sgemm.median,
            "fraction_of_peak": gflops / yardsticks.peak(for: numerics).rate, "numerics": numerics.rawValue,
        ]
    }
}

/// What every throughput is measured against: the cores' own peaks, and OpenBLAS's sgemm as a second line.
public struct Yardsticks: Sendable {
    public var sgemm = SgemmSamples()
    public var peaks = PeakSamples()

    public init() {}

    /// Measures both once more (between timed measurements).
    public mutating func measure() {
        sgemm.measure()
        peaks.measure()
    }

    /// The peak of the arithmetic a numerics computes in: fp32 for float32 and the llama.cpp emulation (whose
    /// integer products cover the Q4_1 projections only; attention and the output layer stay fp32); bf16 for bf16,
    /// whose products, attention's two included, are bf16.
    public func peak(for numerics: EngineNumerics) -> (arithmetic: PeakRate.Arithmetic, rate: Double) {
        if numerics == .bfloat16, let rate = peaks.median(.bf16) { return (.bf16, rate) }
        return peaks.float32
    }
}
