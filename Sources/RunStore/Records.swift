import Foundation
import GRDB

/// Where a run stands. `running` is also what a run killed mid-evaluation still says: `resume` continues any run
/// that is not `finished`.
public enum RunStatus: String, Codable, Sendable, CaseIterable {
    case running, interrupted, finished

    /// Whether `resume` has anything left to do.
    public var isEnded: Bool { self == .finished }
}

/// An evaluated candidate: `ok` with a finite fitness, `failed` when the objective gave none (NaN, infinite).
public enum CandidateStatus: String, Codable, Sendable, CaseIterable {
    case ok, failed
}

/// One search: what was run, on what, by which code, with which seed.
public struct RunRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "run"
    public var id: Int64?
    public var name: String
    public var strategy: String
    /// The whole experiment file, as validated (JSON).
    public var configuration: String
    public var modelSHA256: String
    public var dataSHA256: String
    public var codeVersion: String
    public var seed: Int64
    public var status: RunStatus
    public var createdAt: Date

    public init(
        name: String, strategy: String, configuration: String, modelSHA256: String, dataSHA256: String,
        codeVersion: String, seed: Int64, status: RunStatus = .running, createdAt: Date = Date()
    ) {
        self.name = name
        self.strategy = strategy
        self.configuration = configuration
        self.modelSHA256 = modelSHA256
        self.dataSHA256 = dataSHA256
        self.codeVersion = codeVersion
        self.seed = seed
        self.status = status
        self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A finished generation: the optimiser state after `tell` (everything needed to continue) and its summary.
public struct GenerationRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "generation"
    public var runID: Int64
    public var index: Int
    /// The strategy's Codable state after this generation's tell (JSON).
    public var state: Data
    public var bestFitness: Double?
    public var medianFitness: Double?
    public var worstFitness: Double?
    public var bestSoFar: Double?
    public var stepSize: Double
    public var seconds: Double
    public var finishedAt: Date

    public init(
        runID: Int64, index: Int, state: Data, bestFitness: Double?, medianFitness: Double?, worstFitness: Double?,
        bestSoFar: Double?, stepSize: Double, seconds: Double, finishedAt: Date = Date()
    ) {
        self.runID = runID
        self.index = index
        self.state = state
        self.bestFitness = bestFitness
        self.medianFitness = medianFitness
        self.worstFitness = worstFitness
        self.bestSoFar = bestSoFar
        self.stepSize = stepSize
        self.seconds = seconds
        self.finishedAt = finishedAt
    }
}

/// One evaluated candidate, written as soon as its evaluation completes.
public struct CandidateRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "candidate"
    public var runID: Int64
    public var generation: Int
    public var index: Int
    /// Parameters (JSON array of numbers).
    public var parameters: String
    public var fitness: Double?
    /// Free-form metrics (JSON object): perplexity per document, cache kept, ...
    public var metrics: String
    public var status: CandidateStatus
    public var seconds: Double
    /// The worker that evaluated it (nil for candidates recorded before the work queue existed).
    public var workerID: Int64?

    public init(
        runID: Int64, generation: Int, index: Int, parameters: String, fitness: Double?, metrics: String,
        status: CandidateStatus, seconds: Double, workerID: Int64? = nil
    ) {
        self.runID = runID
        self.generation = generation
        self.index = index
        self.parameters = parameters
        self.fitness = fitness
        self.metrics = metrics
        self.status = status
        self.seconds = seconds
        self.workerID = workerID
    }
}

/// Where a multi-fidelity search records its cheap proxies: candidate `i` of a generation evaluated at proxy level
/// `l` (0 = the cheapest) is recorded as candidate `(l + 1) * stride + i` of that generation, beside the full
/// evaluations that keep their own index `i` (and the distribution's mean, -1). Everything that reads a run's
/// results reads its full evaluations (`CandidateRecord.isProxy` false).
public enum ProxyIndex {
    public static let stride = 1_000_000

    public static func index(candidate: Int, level: Int) -> Int { (level + 1) * stride + candidate }

    /// The candidate and proxy level a recorded index stands for (level nil: a full evaluation).
    public static func split(_ index: Int) -> (candidate: Int, level: Int?) {
        index >= stride ? (index % stride, index / stride - 1) : (index, nil)
    }
}

extension CandidateRecord {
    /// A cheap proxy of a multi-fidelity search, not a full evaluation (`ProxyIndex`).
    public var isProxy: Bool { ProxyIndex.split(index).level != nil }
}

extension Array where Element == CandidateRecord {
    /// The full evaluations: what a run found, exports and compares.
    public var fullEvaluations: [CandidateRecord] { filter { !$0.isProxy } }
}

/// Events and errors of a run, in order.
public struct EventRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "event"
    public var id: Int64?
    public var runID: Int64
    public var time: Date
    public var level: String
    public var message: String

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
