import Foundation

/// The run database, seen by everything above this module. Two implementations: `SQLiteRunStore`, an embedded
/// file for one machine (the default), and `PostgresRunStore`, a server that any number of machines share.
/// `RunStores.open` picks one from a location; nothing else knows which it got.
///
/// Every write is one transaction with an intent-named method. Besides the record of a run (runs, generations,
/// candidates, events) a store holds a work queue: the candidates of the generation in progress wait there as
/// pending, workers claim them with a lease kept alive by a heartbeat, and a result is recorded together with the
/// end of its claim. A claim whose lease ran out can be taken by another worker; a result never overwrites one
/// already recorded.
public protocol RunStore: AnyObject, Sendable {
    /// A file path, or a `postgresql://` URL without its password.
    var location: String { get }

    // MARK: the record of runs

    func createRun(_ run: RunRecord) throws -> RunRecord
    /// Records an evaluated candidate outside the work queue (it replaces one with the same key).
    func recordCandidate(_ candidate: CandidateRecord) throws
    /// The end of a generation, in one transaction: the optimiser state that continues from it, and the end of
    /// the generation's pending candidates.
    func recordGeneration(_ generation: GenerationRecord) throws
    func recordEvent(run: Int64, level: String, _ message: String) throws
    func setStatus(run: Int64, _ status: RunStatus) throws
    func runs() throws -> [RunRecord]
    func run(_ id: Int64) throws -> RunRecord
    func generations(run: Int64) throws -> [GenerationRecord]
    func lastGeneration(run: Int64) throws -> GenerationRecord?
    func candidates(run: Int64, generation: Int?) throws -> [CandidateRecord]
    func events(run: Int64) throws -> [EventRecord]

    // MARK: the work queue

    /// Writes candidates as pending. A candidate already pending or claimed with the same parameters is left as
    /// it is; a failed one is made pending again (a new coordinator retries what failed).
    func enqueue(_ candidates: [PendingCandidate]) throws
    /// The pending, claimed and failed candidates of one generation.
    func pending(run: Int64, generation: Int) throws -> [PendingCandidate]
    /// A new worker (a process that evaluates), with its first heartbeat. `coordinator` is the run a coordinator
    /// process drives: its claims are released when the next coordinator of that run takes over.
    func registerWorker(host: String, processID: Int32, coordinator run: Int64?) throws -> Int64
    /// Claims one candidate of `run` (of any unfinished run when nil, except those in `excluding`) that is pending,
    /// or claimed under a lease that has run out, for `lease` seconds. Nil when there is none.
    func claim(run: Int64?, excluding: Set<Int64>, worker: Int64, lease: Double) throws -> PendingCandidate?
    /// Gives a claimed candidate back to the queue at once (the worker will not evaluate it).
    func release(_ candidate: PendingCandidate, worker: Int64) throws
    /// The worker is alive: its heartbeat, and the leases of the claims it still holds, run on for `lease` seconds.
    func heartbeat(worker: Int64, lease: Double) throws
    /// Records the result of a claimed candidate and ends its claim, in one transaction. False when a result for
    /// the candidate was recorded first (a worker that came back late): then nothing is written.
    func complete(_ result: CandidateRecord, worker: Int64) throws -> Bool
    /// The evaluation of a claimed candidate threw: it stays in the queue as failed, with the reason.
    func fail(_ candidate: PendingCandidate, worker: Int64, reason: String) throws
    /// The workers that evaluated candidates of `run` or hold claims on it.
    func workers(run: Int64) throws -> [WorkerSummary]
    /// Makes this process the only coordinator of `run` until the lock is released or the process ends. Claims
    /// held by earlier coordinators of the run are given back, since they have ended. Throws
    /// `RunStoreError.coordinatorBusy` when another coordinator holds the run.
    func lockCoordinator(run: Int64, holder: String) throws -> CoordinatorLock
}

extension RunStore {
    public func candidates(run: Int64) throws -> [CandidateRecord] { try candidates(run: run, generation: nil) }
}

/// Opening a store from a location: a `postgresql://` (or `postgres://`) URL, or else a file path.
public enum RunStores {
    public static func open(
        _ location: String, readOnly: Bool = false, policy: OutagePolicy = .standard
    ) throws -> RunStore {
        if PostgresURL.isPostgres(location) {
            return try PostgresRunStore(url: try PostgresURL(location), readOnly: readOnly, policy: policy)
        }
        return try SQLiteRunStore(path: location, readOnly: readOnly, policy: policy)
    }
}

/// Held by the coordinator of a run; `release` (or the end of the process) lets the next one take over.
public protocol CoordinatorLock: AnyObject, Sendable {
    /// Throws when the lock is no longer this process's (its connection to the server was lost): the coordinator
    /// must stop, since another may have taken the run over.
    func check() throws
    func release()
}
