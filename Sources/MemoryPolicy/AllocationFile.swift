import Foundation

/// An evolved per-layer allocation of the cache budget on disk (JSON): one weight per layer (mean 1; a layer keeps
/// the budget times its weight) and what it was searched with. Like a network file, it is checked like any input
/// and refused, by name, for a model other than the one it was searched on.
///
/// ```json
/// {"format": "ctxevo-allocation", "version": 1, "weights": [...30 numbers],
///  "training": {"model_sha256": "...", "layers": 30, "rule": "namm-linear", "budget": "0.25",
///               "run": 1, "generation": 7, "fitness": 32.1}}
/// ```
public struct AllocationFile: VersionedFile, Sendable, Equatable {
    public static let formatName = "ctxevo-allocation"
    public static let currentVersion = 1

    public struct Training: Codable, Sendable, Equatable {
        public var modelSHA256: String
        public var layers: Int
        public var rule: String
        public var budget: String
        public var run: Int64?
        public var generation: Int?
        public var fitness: Double?

        public init(
            modelSHA256: String, layers: Int, rule: String, budget: String, run: Int64? = nil,
            generation: Int? = nil, fitness: Double? = nil
        ) {
            self.modelSHA256 = modelSHA256
            self.layers = layers
            self.rule = rule
            self.budget = budget
            self.run = run
            self.generation = generation
            self.fitness = fitness
        }

        enum CodingKeys: String, CodingKey {
            case modelSHA256 = "model_sha256"
            case layers, rule, budget, run, generation, fitness
        }
    }

    public var format: String
    public var version: Int
    public var weights: [Double]
    public var training: Training

    public init(weights: [Double], training: Training) {
        format = AllocationFile.formatName
        version = AllocationFile.currentVersion
        self.weights = weights
        self.training = training
    }

    /// The allocation a budget uses.
    public var allocation: CacheBudget.Allocation { .perLayer(weights) }

    public func write(to path: String) throws { try writeJSON(to: path) }

    /// Reads and validates an allocation file; with `modelSHA256`, refuses one searched on another model.
    public static func read(path: String, modelSHA256: String? = nil) throws -> AllocationFile {
        func fail(_ problem: String) -> AllocationFileError { AllocationFileError(path: path, problem: problem) }
        let file = try decode(path: path, what: "allocation", fail: fail)
        guard file.weights.count == file.training.layers, file.training.layers >= 1 else {
            throw fail("has \(file.weights.count) weights for \(file.training.layers) layers")
        }
        guard file.weights.allSatisfy({ $0.isFinite && $0 >= 0 }), file.weights.contains(where: { $0 > 0 }) else {
            throw fail("needs finite, non-negative weights, not all zero")
        }
        if let modelSHA256, file.training.modelSHA256 != modelSHA256 {
            throw fail(
                "was searched on the model with sha256 \(file.training.modelSHA256), not on this one (\(modelSHA256))")
        }
        return file
    }
}

public struct AllocationFileError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let problem: String
    public var description: String { "allocation \(path) \(problem)" }
}
