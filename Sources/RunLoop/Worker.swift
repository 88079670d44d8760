import Evolution
import Foundation
import Logging
import Objectives
import RunStore

/// A process that evaluates the candidates coordinators put in a store's work queue: claim one (under a lease kept
/// alive by a heartbeat), evaluate it, record the result and the end of the claim in one transaction. It serves
/// one run, or every unfinished run of the store. Before its first candidate of a run it prepares that run's
/// experiment on this machine and checks that the model and texts it found are the ones the run was recorded
/// with; a worker with other files refuses the run and says why (in its log and in the run's events).
public enum Worker {
    public struct Report: Equatable, Sendable {
        /// Candidates this worker evaluated and recorded.
        public var recorded = 0
        /// Candidates it evaluated whose result another worker had recorded first (discarded).
        public var discarded = 0
        /// Runs it refused, with the reason.
        public var refused: [Int64: String] = [:]
    }

    /// Serves until `shouldStop` says so between two candidates, or, with `run`, until that run is finished.
    /// Throws when the store fails, and, with `run`, when this worker cannot evaluate that run.
    public static func serve(
        store: RunStore, run: Int64?, objectives: ObjectiveRegistry, lease: Double = 60, pollInterval: Double = 0.1,
        logger: Logger = Logger(label: "ctxevo"), shouldStop: @escaping () -> Bool = { false }
    ) throws -> Report {
        if let run { _ = try store.run(run) }
        let identity = WorkerIdentity.current
        let worker = try store.registerWorker(host: identity.host, processID: identity.processID, coordinator: nil)
        let keeper = LeaseKeeper(store: store, worker: worker, lease: lease)
        defer { keeper.stop() }
        logger.info("worker \(worker) (\(identity)) serving \(run.map { "run \($0)" } ?? "every unfinished run")")
        var report = Report()
        var searches: [Int64: PreparedSearch] = [:]
        while !shouldStop() {
            guard
                let claimed = try store.claim(
                    run: run, excluding: Set(report.refused.keys), worker: worker, lease: lease)
            else {
                if let run, try store.run(run).status == .finished {
                    logger.info("run \(run) is finished")
                    return report
                }
                Thread.sleep(forTimeInterval: pollInterval)
                continue
            }
            let search: PreparedSearch
            do {
                search =
                    try searches[claimed.runID]
                    ?? prepare(
                        run: claimed.runID, in: store, objectives: objectives, logger: logger)
                searches[claimed.runID] = search
            } catch {
                try store.release(claimed, worker: worker)
                report.refused[claimed.runID] = "\(error)"
                logger.error("worker \(worker) refuses run \(claimed.runID): \(error)")
                try? store.recordEvent(
                    run: claimed.runID, level: "error", "worker \(worker) (\(identity)) refuses the run: \(error)")
                if run != nil { throw error }
                continue
            }
            let label = "run \(claimed.runID) generation \(claimed.generation) candidate \(claimed.index)"
            logger.info("\(label): evaluating (attempt \(claimed.attempts))")
            let result: CandidateRecord
            do {
                let x = try ExperimentRunner.decodeParameters(
                    claimed.parameters, run: claimed.runID, dimension: search.objective.dimension)
                result = try ExperimentRunner.evaluate(
                    x, claimed, objective: search.objective, fidelity: search.fidelity, worker: worker,
                    progress: { _ in })
            } catch {
                logger.error("\(label): the evaluation failed: \(error)")
                try store.fail(claimed, worker: worker, reason: "\(error)")
                try? store.recordEvent(
                    run: claimed.runID, level: "error", "worker \(worker) (\(identity)), \(label): \(error)")
                continue
            }
            if try store.complete(result, worker: worker) {
                report.recorded += 1
                logger.info("\(label): recorded, fitness \(result.fitness.map { "\($0)" } ?? "none")")
            } else {
                report.discarded += 1
                logger.warning("\(label): already recorded by another worker; this result is discarded")
            }
        }
        return report
    }

    /// The run's experiment prepared on this machine, refused when its files are not the run's.
    static func prepare(
        run id: Int64, in store: RunStore, objectives: ObjectiveRegistry, logger: Logger
    ) throws -> PreparedSearch {
        let record = try store.run(id)
        let experiment = try objectives.experimentAsRecorded(run: id, in: store)
        let search = try objectives.prepare(experiment, logger: logger)
        try record.requireFingerprints(search.objective.fingerprints)
        return search
    }
}
