import Foundation

/// A trained memory network on disk (JSON): the scorer and its parameters, the frozen spectrogram normalisation,
/// and what it was trained with. Reading checks the format and the parameters like any input, and refuses a file
/// trained on another model with a named error (the features depend on the model's attention).
///
/// ```json
/// {"format": "ctxevo-namm", "version": 1, "scorer": "bam", "parameters": [...4172 numbers],
///  "prior": "h2o",                                      (optional: the rule the network corrects)
///  "normalization": {"mean": [17], "standard_deviation": [17], "gamma": 0.99},
///  "training": {"model_sha256": "...", "layers": 30, "kv_heads": 3, "update_interval": 512, "length": 4096,
///               "budget": "0.25", "run": 1, "generation": 12, "fitness": 21.5}}
/// ```
public struct NAMMNetworkFile: VersionedFile, Sendable, Equatable {
    public static let formatName = "ctxevo-namm"
    public static let currentVersion = 1

    public struct Training: Codable, Sendable, Equatable {
        public var modelSHA256: String
        public var layers: Int
        public var kvHeads: Int
        public var updateInterval: Int
        public var length: Int
        public var budget: String
        public var run: Int64?
        public var generation: Int?
        public var fitness: Double?

        public init(
            modelSHA256: String, layers: Int, kvHeads: Int, updateInterval: Int, length: Int, budget: String,
            run: Int64? = nil, generation: Int? = nil, fitness: Double? = nil
        ) {
            self.modelSHA256 = modelSHA256
            self.layers = layers
            self.kvHeads = kvHeads
            self.updateInterval = updateInterval
            self.length = length
            self.budget = budget
            self.run = run
            self.generation = generation
            self.fitness = fitness
        }

        enum CodingKeys: String, CodingKey {
            case modelSHA256 = "model_sha256"
            case layers
            case kvHeads = "kv_heads"
            case updateInterval = "update_interval"
            case length, budget, run, generation, fitness
        }
    }

    public var format: String
    public var version: Int
    public var scorer: String
    public var parameters: [Double]
    public var prior: NAMMPrior?
    public var normalization: SpectrogramNormalization
    public var training: Training

    public init(
        scorer: String, parameters: [Double], prior: NAMMPrior? = nil, normalization: SpectrogramNormalization,
        training: Training
    ) {
        format = NAMMNetworkFile.formatName
        version = NAMMNetworkFile.currentVersion
        self.scorer = scorer
        self.parameters = parameters
        self.prior = prior
        self.normalization = normalization
        self.training = training
    }

    /// The network as a rule, checked: the scorer builds from the parameters (count, finiteness).
    public func rule() throws -> NAMMRule {
        NAMMRule(
            scorer: try TokenScorers.make(scorer, parameters: parameters), normalization: normalization, prior: prior)
    }

    public func write(to path: String) throws { try writeJSON(to: path) }

    /// Reads and validates a network file; with `modelSHA256`, refuses one trained on another model.
    public static func read(path: String, modelSHA256: String? = nil) throws -> NAMMNetworkFile {
        let file = try decode(path: path, what: "NAMM network") { NAMMFileError(path: path, problem: $0) }
        do { _ = try file.rule() } catch { throw NAMMFileError(path: path, problem: "\(error)") }
        let bins = AttentionSpectrogram.bins
        guard file.normalization.mean.count == bins, file.normalization.standardDeviation.count == bins,
            (file.normalization.mean + file.normalization.standardDeviation).allSatisfy(\.isFinite)
        else { throw NAMMFileError(path: path, problem: "needs 17 finite normalisation means and deviations") }
        guard file.normalization.gamma > 0, file.normalization.gamma < 1 else {
            throw NAMMFileError(path: path, problem: "has a spectrogram decay (gamma) outside (0, 1)")
        }
        if let modelSHA256, file.training.modelSHA256 != modelSHA256 {
            throw NAMMFileError(
                path: path,
                problem: "was trained on the model with sha256 \(file.training.modelSHA256), not on this one "
                    + "(\(modelSHA256)); its features would not mean the same")
        }
        return file
    }
}

public struct NAMMFileError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let problem: String
    public var description: String { "NAMM network \(path) \(problem)" }
}
