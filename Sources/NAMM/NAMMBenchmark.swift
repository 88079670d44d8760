import Arithmetic
import Assets
import Evolution
import Foundation
import Logging
import MemoryPolicy
import Objectives
import Reporting
import RunLoop
import RunStore
import Transformer

/// What one NAMM candidate costs beside the plain forward pass of the same document: the attention it records
/// (the two-pass attention instead of the fused kernel, the statistics, the spectrogram) and the network's scores
/// at every firing. A random BAM network at the given budget stands in for a candidate; the plain pass is the
/// full cache with the fused attention, as a LongRoPE evaluation runs. Peak memory is measured for each, from a
/// reset high-water mark. `scorer` picks the network (random parameters, sigma 0.065), `prior` the rule it corrects
/// (`h2o`: H2O's accumulated attention recorded beside the spectrogram).
public enum NAMMBenchmark {
    public static let scorers = TokenScorers.names

    public struct Figures: Sendable {
        public let scorer: String
        public let length: Int
        public let updateInterval: Int
        public let plainSeconds: Double
        public let candidateSeconds: Double
        /// Of the candidate's time: the firings (features, scores, eviction), the rest being the forward pass with
        /// the recording attention.
        public let firingSeconds: Double
        public let plainPeakBytes: Int?
        public let candidatePeakBytes: Int?
        public let kept: Double

        public var ratio: Double { candidateSeconds / plainSeconds }

        public var summary: String {
            func gib(_ b: Int?) -> String { b.map { String(format: "%.2f GiB", Double($0) / 1_073_741_824) } ?? "-" }
            return String(
                format:
                    "document of %d tokens, n_up %d: plain forward %.2f s (peak %@), NAMM candidate (%@) %.2f s (peak %@, "
                    + "cache kept %.1f %%; firings %.2f s) = %.2f× the plain pass",
                length, updateInterval, plainSeconds, gib(plainPeakBytes), scorer, candidateSeconds,
                gib(candidatePeakBytes), kept * 100, firingSeconds, ratio)
        }

        public var dictionary: [String: Any] {
            [
                "length": length, "update_interval": updateInterval, "plain_seconds": plainSeconds,
                "candidate_seconds": candidateSeconds, "firing_seconds": firingSeconds, "scorer": scorer,
                "ratio": ratio, "cache_kept": kept,
                "plain_peak_bytes": plainPeakBytes.map { $0 as Any } ?? NSNull(),
                "candidate_peak_bytes": candidatePeakBytes.map { $0 as Any } ?? NSNull(),
            ]
        }
    }

    public static func measure(
        model: LlamaModel, text: String, length: Int, updateInterval: Int, budget: Double, scorer: String = "bam",
        prior: NAMMPrior? = nil, numerics: EngineNumerics = .float32, logger: Logger
    ) throws -> Figures {
        let tokens = model.tokenizer.encode(text, addSpecial: false)
        let documents = Documents.windows(of: tokens, context: length, bos: model.tokenizer.vocabulary.bos, limit: 1)
        guard documents.count == 1 else {
            throw PerplexityError.textTooShort(
                tokens: tokens.count, needed: length, context: length, what: "the benchmark text")
        }
        let evaluator = try PerplexityEvaluator(
            model: model, context: length, chunkSize: updateInterval, numerics: numerics)
        _ = ProcessMemory.resetPeak()
        var start = Date()
        _ = try evaluator.document(documents: documents, rotary: nil)
        let plain = Date().timeIntervalSince(start)
        let plainPeak = ProcessMemory.peakResidentBytes()
        logger.info("plain forward: \(String(format: "%.2f", plain)) s")

        var random = RandomGenerator(seed: 7)
        guard let count = TokenScorers.parameterCount(scorer) else { throw NAMMError.unknownScorer(scorer) }
        let parameters = (0..<count).map { _ in 0.065 * random.normal() }
        let manager = MemoryManager(
            rule: NAMMRule(
                scorer: try TokenScorers.make(scorer, parameters: parameters), normalization: .identity, prior: prior),
            budget: CacheBudget(size: .fraction(budget)), configuration: model.configuration, capacity: length,
            chunkSize: updateInterval)
        evaluator.memory = manager
        _ = ProcessMemory.resetPeak()
        start = Date()
        _ = try evaluator.document(documents: documents, rotary: nil)
        let candidate = Date().timeIntervalSince(start)
        return Figures(
            scorer: prior.map { "\(scorer)+\($0.rawValue)" } ?? scorer, length: length,
            updateInterval: updateInterval, plainSeconds: plain, candidateSeconds: candidate,
            firingSeconds: manager.firingSeconds,
            plainPeakBytes: plainPeak, candidatePeakBytes: ProcessMemory.peakResidentBytes(), kept: manager.kept)
    }
}
