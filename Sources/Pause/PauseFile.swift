import Foundation
import MemoryPolicy

/// An evolved pause on disk (JSON): the embedding, M, the model it was searched for (refused, by name, for
/// another), and what the search read, so that `pause evaluate` can hold out the right problems.
///
/// ```json
/// {"format": "ctxevo-pause", "version": 1, "embedding": [...576 numbers], "pauses": 4,
///  "training": {"model_sha256": "...", "families": ["arithmetic", ...], "problems": 24, "seed": 5,
///               "run": 1, "generation": 9, "fitness": 1.23}}
/// ```
public struct PauseFile: VersionedFile, Sendable, Equatable {
    public static let formatName = "ctxevo-pause"
    public static let currentVersion = 1

    public struct Training: Codable, Sendable, Equatable {
        public var modelSHA256: String
        public var families: [String]
        public var problems: Int?
        public var problemFile: String?
        public var seed: UInt64
        public var run: Int64?
        public var generation: Int?
        public var fitness: Double?

        public init(
            modelSHA256: String, families: [String], problems: Int?, problemFile: String?, seed: UInt64,
            run: Int64? = nil, generation: Int? = nil, fitness: Double? = nil
        ) {
            self.modelSHA256 = modelSHA256
            self.families = families
            self.problems = problems
            self.problemFile = problemFile
            self.seed = seed
            self.run = run
            self.generation = generation
            self.fitness = fitness
        }

        enum CodingKeys: String, CodingKey {
            case modelSHA256 = "model_sha256"
            case families, problems
            case problemFile = "problem_file"
            case seed, run, generation, fitness
        }
    }

    public var format: String
    public var version: Int
    public var embedding: [Float]
    public var pauses: Int
    public var training: Training

    public init(embedding: [Float], pauses: Int, training: Training) {
        format = Self.formatName
        version = Self.currentVersion
        self.embedding = embedding
        self.pauses = pauses
        self.training = training
    }

    public func write(to path: String) throws { try writeJSON(to: path) }

    /// Reads and checks a pause file: for a model of `width` and sha256 `modelSHA256`, or any when nil.
    public static func read(path: String, width: Int? = nil, modelSHA256: String? = nil) throws -> PauseFile {
        func fail(_ problem: String) -> PauseError { PauseError.embeddingFile(path, problem) }
        let file = try decode(path: path, what: "pause", fail: fail)
        guard file.embedding.allSatisfy(\.isFinite), !file.embedding.isEmpty else {
            throw fail("holds an empty or non-finite embedding")
        }
        if let width, file.embedding.count != width {
            throw fail("has an embedding of \(file.embedding.count) numbers; this model's width is \(width)")
        }
        guard file.pauses >= 1 else { throw fail("has \(file.pauses) pauses") }
        if let modelSHA256, file.training.modelSHA256 != modelSHA256 {
            throw PauseError.otherModel(path: path, file: file.training.modelSHA256, model: modelSHA256)
        }
        return file
    }
}
