import Foundation

/// What a search minimises: genomes in, and for each one a fitness (lower is better) with named metrics. The
/// benchmark functions are one implementation, the LongRoPE perplexity another; the run loop knows only this.
public protocol Objective: AnyObject {
    /// Genes per genome.
    var dimension: Int { get }
    /// What the objective reads (model file, data), so a resumed run can check it still reads the same.
    var fingerprints: Fingerprints { get }
    /// One genome; `progress` receives the fraction of this evaluation done (for progress bars).
    func evaluate(_ genome: [Double], progress: (Double) -> Void) throws -> Evaluation
    /// The point the strategy is told it evaluated: `x` itself, or, for an objective that repairs what it is
    /// asked, the repaired point in the strategy's coordinates (so a CMA-ES mean stays in the feasible region
    /// instead of drifting out of it, with only the penalty to call it back).
    func evaluatedPoint(_ x: [Double]) -> [Double]
    /// What a fidelity level counts, for an objective with cheaper proxies of its evaluation (LongRoPE: "search
    /// documents"); nil when it has none.
    var fidelityUnit: String? { get }
    /// The level of a full evaluation (LongRoPE: its number of search documents).
    var fullFidelity: Int { get }
    /// A proxy of `evaluate` at `level` (1 ... `fullFidelity`; LongRoPE: the first `level` documents only).
    func evaluate(_ genome: [Double], fidelity level: Int, progress: (Double) -> Void) throws -> Evaluation
}

extension Objective {
    public func evaluatedPoint(_ x: [Double]) -> [Double] { x }
    public var fidelityUnit: String? { nil }
    public var fullFidelity: Int { 1 }
    public func evaluate(_ genome: [Double], fidelity level: Int, progress: (Double) -> Void) throws -> Evaluation {
        try evaluate(genome, progress: progress)
    }

    /// A batch, in order (one loaded model, one session, reused by each).
    public func evaluate(batch genomes: [[Double]]) throws -> [Evaluation] {
        try genomes.map { try evaluate($0, progress: { _ in }) }
    }
}

/// The sha256 of the model file and of the data an objective reads ("-" where it reads none).
public struct Fingerprints: Codable, Sendable, Equatable {
    public var model: String
    public var data: String

    public init(model: String, data: String) {
        self.model = model
        self.data = data
    }

    public static let none = Fingerprints(model: "-", data: "-")
}

/// One evaluated genome.
public struct Evaluation: Codable, Sendable, Equatable {
    public var fitness: Double
    public var metrics: Metrics

    public init(fitness: Double, metrics: Metrics = Metrics()) {
        self.fitness = fitness
        self.metrics = metrics
    }
}

/// The named measurements behind a fitness, stored with each candidate (JSON, snake_case keys).
public struct Metrics: Codable, Sendable, Equatable {
    public var perplexity: Double?
    /// Each document's (or needle sample's) own perplexity.
    public var perDocument: [Double]?
    public var scoredTokens: Int?
    public var processedTokens: Int?
    public var seconds: Double?
    /// Greedy accuracy on the scored tokens (needle fitness: the answer digits).
    public var topChoiceAccuracy: Double?
    /// Squared distance between the genome asked and the valid one evaluated (constraint repair), and the
    /// penalty it added to the fitness.
    public var repairDistanceSquared: Double?
    public var penalty: Double?
    /// The rotary table evaluated (LongRoPE).
    public var lambda: [Double]?
    public var nHat: Int?
    public var mscale: Double?
    /// Memory policies: the cache kept (mean over firings of cache length / tokens seen), overall and per layer,
    /// and the passkey probe under the same policy.
    public var cacheKept: Double?
    public var cacheKeptPerLayer: [Double]?
    public var passkeyPerplexity: Double?
    public var passkeyRetrieved: Int?
    /// Pause tokens: the number of pauses, the answer perplexity of each task family, and the fraction of answers
    /// greedy decoding gives whole.
    public var pauses: Int?
    public var perFamilyPerplexity: [String: Double]?
    public var exactAnswers: Double?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case perplexity
        case perDocument = "per_document"
        case scoredTokens = "scored_tokens"
        case processedTokens = "processed_tokens"
        case seconds
        case topChoiceAccuracy = "top_choice_accuracy"
        case repairDistanceSquared = "repair_distance_squared"
        case penalty, lambda
        case nHat = "n_hat"
        case mscale
        case cacheKept = "cache_kept"
        case cacheKeptPerLayer = "cache_kept_per_layer"
        case passkeyPerplexity = "passkey_perplexity"
        case passkeyRetrieved = "passkey_retrieved"
        case pauses
        case perFamilyPerplexity = "per_family_perplexity"
        case exactAnswers = "exact_answers"
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
