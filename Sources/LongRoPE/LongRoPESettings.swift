import Arithmetic
import Assets
import Evolution
import Foundation
import GGUF
import Logging
import Objectives
import Reporting
import RoPEScaling
import RunLoop
import RunStore
import Transformer

/// The `longrope:` section of an experiment file: the model, the search data, the target, the search space and
/// the fitness protocol.
///
/// ```yaml
/// longrope:
///   model: default            # or a GGUF path
///   documents: 2              # the longest plays of the search set (the held-out book is never read)
///   target_length: 16384
///   space: critical           # full | critical | short (short-context factors: target <= trained, mscale a number)
///   critical_pairs: [14, 20]  # critical space (default LongRoPE2's [d_10tcd, d_tcd])
///   n_hat: [0, 1, 2, 4, 8]    # full space
///   mscale: su                # su | yarn | search (a gene in [1, 1.5]) | a number
///   fitness: document         # document | needle
///   needle_depths: [0.1, 0.5, 0.9]
///   numerics: float32         # float32 | llamacpp
///   base_factors: results/longrope-16k/factors.csv   # progressive extension (lambda = new x old)
///   base_length: 16384
/// ```
public struct LongRoPESettings: Codable, Sendable, Equatable {
    public enum Fitness: String, Codable, Sendable, CaseIterable {
        /// LongRoPE: every token of each document scored.
        case document
        /// LongRoPE2: only the answer to a needle planted at several depths is scored.
        case needle
    }

    public var model: String?
    public var documents: Int?
    public var targetLength: Int
    public var space: LongRoPESearchSpace.Kind
    public var criticalPairs: [Int]?
    public var nHat: [Int]?
    public var mscale: String?
    public var fitness: Fitness?
    public var needleDepths: [Double]?
    public var needleDigits: Int?
    public var numerics: EngineNumerics?
    public var baseFactors: String?
    public var baseLength: Int?
    /// Weight of the squared repair distance (unit coordinates) in the fitness of CMA-ES candidates.
    public var penaltyWeight: Double?

    enum CodingKeys: String, CodingKey {
        case model, documents
        case targetLength = "target_length"
        case space
        case criticalPairs = "critical_pairs"
        case nHat = "n_hat"
        case mscale, fitness
        case needleDepths = "needle_depths"
        case needleDigits = "needle_digits"
        case numerics
        case baseFactors = "base_factors"
        case baseLength = "base_length"
        case penaltyWeight = "penalty_weight"
    }

    public init(targetLength: Int, space: LongRoPESearchSpace.Kind) {
        self.targetLength = targetLength
        self.space = space
    }

    /// The model this experiment names (the default model unless a path is given).
    public func modelPath(logger: Logger) throws -> String {
        try Assets.modelPath(named: model, field: "longrope.model", logger: logger)
    }

    var documentCount: Int { documents ?? 1 }
    var fitnessProtocol: Fitness { fitness ?? .document }
    var depths: [Double] { needleDepths ?? [0.1, 0.5, 0.9] }

    /// The temperature named by `mscale`.
    func temperature() throws -> LongRoPESearchSpace.Temperature {
        switch mscale ?? "su" {
        case "su": return .su
        case "yarn": return .yarn
        case "search": return .searched(lower: 1, upper: 1.5)
        case let text:
            guard let value = Double(text), value.isFinite, value > 0 else {
                throw ExperimentError(
                    path: "", field: "longrope.mscale",
                    problem: "'\(text)' is not su, yarn, search or a positive number")
            }
            return .fixed(value)
        }
    }

    func validate(path: String) throws {
        func fail(_ field: String, _ problem: String) -> ExperimentError {
            ExperimentError(path: path, field: "longrope.\(field)", problem: problem)
        }
        if targetLength < 4 || targetLength > 1 << 20 { throw fail("target_length", "must be between 4 and 1048576") }
        if let d = documents, d < 1 || d > 1000 { throw fail("documents", "must be between 1 and 1000") }
        if let pairs = criticalPairs {
            guard pairs.count == 2, pairs[0] >= 1, pairs[0] <= pairs[1] else {
                throw fail("critical_pairs", "must be two pair indices [low, high] with 1 <= low <= high")
            }
        }
        if let n = nHat {
            if n.isEmpty { throw fail("n_hat", "is empty: give at least one value (0: no unscaled start tokens)") }
            if let bad = n.first(where: { $0 < 0 || $0 >= targetLength }) {
                throw fail("n_hat", "\(bad) is outside the target (0 ..< \(targetLength))")
            }
        }
        do { _ = try temperature() } catch let error as ExperimentError {
            throw fail("mscale", error.problem)
        }
        if let depths = needleDepths, depths.isEmpty || depths.contains(where: { !($0 >= 0 && $0 <= 1) }) {
            throw fail("needle_depths", "must be depths between 0 and 1")
        }
        if let digits = needleDigits, digits < 1 || digits > 20 { throw fail("needle_digits", "must be 1 to 20") }
        if (baseFactors == nil) != (baseLength == nil) {
            throw fail("base_factors", "and base_length go together (the factors and the length they were found for)")
        }
        if let base = baseLength, base >= targetLength {
            throw fail("base_length", "\(base) must be below the target length \(targetLength)")
        }
        if let w = penaltyWeight, !(w >= 0 && w.isFinite) { throw fail("penalty_weight", "must not be negative") }
    }
}
