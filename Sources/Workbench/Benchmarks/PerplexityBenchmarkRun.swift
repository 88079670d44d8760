import Arithmetic
import Foundation
import Logging
import Objectives
import Transformer

/// `ctxevo bench perplexity` as a plan and its results: the attention kernel alone at each key count, one document
/// of each context with the share of time per stage, and optionally llama.cpp's `llama-perplexity` against ctxevo on
/// the same windows; the sgemm rate measured before and after each, so every fraction is against its median.
public struct PerplexityBenchmarkRun {
    /// A window of the comparison with llama.cpp: `CONTEXTxWINDOWS[@NUMERICS]`.
    public struct Window: Sendable, Equatable {
        public let context: Int
        public let windows: Int
        public let numerics: EngineNumerics

        /// Parses `2048x5@llamacpp`; without `@`, ctxevo's side uses `numerics`.
        public init(parsing spec: String, numerics fallback: EngineNumerics) throws {
            let parts = spec.split(separator: "@", omittingEmptySubsequences: false)
            let size = parts[0].split(separator: "x")
            guard parts.count <= 2, size.count == 2, let context = Int(size[0]), let windows = Int(size[1]),
                context >= 4, windows >= 1
            else { throw BenchmarkError.badWindow(spec) }
            guard let numerics = parts.count == 2 ? EngineNumerics(rawValue: String(parts[1])) : fallback else {
                throw BenchmarkError.unknownNumerics(String(parts[1]))
            }
            self.context = context
            self.windows = windows
            self.numerics = numerics
        }
    }

    public var contexts: [Int]
    public var attentionLengths: [Int]
    public var numerics: EngineNumerics
    /// llama.cpp's tool and the windows to run it on (no comparison without it).
    public var llamaPerplexity: String?
    public var windows: [Window]

    public init(
        contexts: [Int], attentionLengths: [Int], numerics: EngineNumerics, llamaPerplexity: String?,
        windows: [Window]
    ) {
        self.contexts = contexts
        self.attentionLengths = attentionLengths
        self.numerics = numerics
        self.llamaPerplexity = llamaPerplexity
        self.windows = windows
    }

    public struct Results {
        public var yardsticks = Yardsticks()
        public var attention: [AttentionTiming.Figures] = []
        public var evaluations: [PerplexityBenchmark] = []
        public var comparisons: [LlamaCppComparison] = []
        /// A comparison that failed: the measurements before it are kept, and the command fails after printing them.
        public var comparisonFailure: Error?

        /// A rate above its arithmetic's peak or a spread of the sgemm yardstick above 15 %: the machine's speed
        /// changed during the run.
        public var machineWasDisturbed: Bool {
            let fractions =
                attention.map { $0.gflops / yardsticks.peak(for: $0.numerics).rate }
                + evaluations.map { $0.effectiveGFLOPS / yardsticks.peak(for: $0.numerics).rate }
            return fractions.contains(where: { $0 > 1 }) || yardsticks.sgemm.spread > 0.15
        }
    }

    public func measure(model: LlamaModel, modelPath: String, text: String, logger: Logger) throws -> Results {
        let tokens = model.tokenizer.encode(text, addSpecial: false)
        var results = Results()
        results.yardsticks.measure()
        for keys in attentionLengths {
            logger.info("attention kernel at \(keys) keys")
            results.attention.append(
                AttentionTiming.measure(
                    configuration: model.configuration, keys: keys, queries: 2048, numerics: numerics))
            results.yardsticks.measure()
        }
        for context in contexts {
            logger.info("one document of \(context) tokens")
            results.evaluations.append(
                try PerplexityBenchmark.measure(model: model, tokens: tokens, context: context, numerics: numerics))
            results.yardsticks.measure()
        }
        guard let llamaPerplexity else { return results }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ctxevo-bench-\(getpid()).txt")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        do {
            for window in windows {
                logger.info("ctxevo (\(window.numerics.rawValue)) and llama.cpp, \(window.context) x \(window.windows)")
                results.comparisons.append(
                    try LlamaCppComparison.measure(
                        model: model, modelPath: modelPath, textPath: file.path, tokens: tokens,
                        context: window.context, windows: window.windows, numerics: window.numerics,
                        llamaPerplexity: llamaPerplexity, threads: Parallel.workerCount))
                results.yardsticks.measure()
            }
        } catch {
            results.comparisonFailure = error
        }
        return results
    }
}

public enum BenchmarkError: Error, CustomStringConvertible, Equatable {
    case badWindow(String)
    case unknownNumerics(String)

    public var description: String {
        switch self {
        case .badWindow(let spec): "--llama-windows: '\(spec)' is not CONTEXTxWINDOWS[@NUMERICS]"
        case .unknownNumerics(let name):
            "--llama-windows: '\(name)' is not one of \(EngineNumerics.allCases.map(\.rawValue).joined(separator: ", "))"
        }
    }
}
