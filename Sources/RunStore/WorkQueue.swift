import Foundation

/// Where a candidate of the work queue stands.
public enum PendingState: String, Codable, Sendable, CaseIterable {
    /// Waiting for a worker.
    case pending
    /// A worker evaluates it under a lease (until `leaseUntil`).
    case claimed
    /// Its evaluation threw; `error` says why. A new coordinator makes it pending again.
    case failed
}

/// A candidate of the generation in progress, waiting in the work queue until a worker records its result.
public struct PendingCandidate: Codable, Sendable, Equatable {
    public var runID: Int64
    public var generation: Int
    public var index: Int
    /// Parameters (JSON array of numbers), exactly as the coordinator's strategy asked them.
    public var parameters: String
    public var state: PendingState
    public var workerID: Int64?
    /// The end of the claim's lease, in seconds since 1970 (the database server's clock for PostgreSQL).
    public var leaseUntil: Double?
    /// How many times it was claimed.
    public var attempts: Int
    public var error: String?

    public init(
        runID: Int64, generation: Int, index: Int, parameters: String, state: PendingState = .pending,
        workerID: Int64? = nil, leaseUntil: Double? = nil, attempts: Int = 0, error: String? = nil
    ) {
        self.runID = runID
        self.generation = generation
        self.index = index
        self.parameters = parameters
        self.state = state
        self.workerID = workerID
        self.leaseUntil = leaseUntil
        self.attempts = attempts
        self.error = error
    }
}

/// A worker as `runs show` lists it: where it runs, what it did for one run, and when it was last heard of.
public struct WorkerSummary: Codable, Sendable, Equatable {
    public var id: Int64
    public var host: String
    public var processID: Int32
    /// The run it coordinates (its in-process evaluations), nil for a worker process.
    public var coordinatorOf: Int64?
    public var candidatesDone: Int
    public var claims: Int
    public var startedAt: Date
    public var lastHeartbeat: Date

    public init(
        id: Int64, host: String, processID: Int32, coordinatorOf: Int64?, candidatesDone: Int, claims: Int,
        startedAt: Date, lastHeartbeat: Date
    ) {
        self.id = id
        self.host = host
        self.processID = processID
        self.coordinatorOf = coordinatorOf
        self.candidatesDone = candidatesDone
        self.claims = claims
        self.startedAt = startedAt
        self.lastHeartbeat = lastHeartbeat
    }
}
