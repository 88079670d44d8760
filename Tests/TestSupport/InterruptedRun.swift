import Foundation
import Logging
import RunLoop
import RunStore

/// One experiment run twice in temporary SQLite files: once without a stop, once in pieces stopped at random
/// (`RandomStops`), each piece with the experiment prepared anew, as a new process would. The stores are deleted
/// by `remove()`.
public struct InterruptedRun {
    public let reference: SQLiteRunStore
    public let referenceID: Int64
    public let store: SQLiteRunStore
    public let id: Int64
    /// Evaluations of the uninterrupted run, of the pieces together, and the number of stops.
    public let wholeEvaluations: Int
    public let evaluations: Int
    public let stops: Int
    let paths: [String]

    public init(
        _ experiment: Experiment, objectives: ObjectiveRegistry, seed: UInt64, atMost: Int,
        logger: Logger = Logger(label: "test")
    ) throws {
        let directory = FileManager.default.temporaryDirectory
        paths = (0..<2).map { directory.appendingPathComponent("interrupted-\(UUID().uuidString)-\($0).sqlite").path }
        let search = try objectives.prepare(experiment, logger: logger)
        reference = try SQLiteRunStore(path: paths[0])
        referenceID = try ExperimentRunner.create(
            experiment, fingerprints: search.objective.fingerprints, in: reference)
        wholeEvaluations = try ExperimentRunner.run(
            id: referenceID, in: reference, objectives: objectives, search: search
        ).evaluated
        let store = try SQLiteRunStore(path: paths[1])
        let id = try ExperimentRunner.create(experiment, fingerprints: search.objective.fingerprints, in: store)
        (evaluations, stops) = try RandomStops.run(seed: seed, atMost: atMost) { shouldStop in
            let report = try ExperimentRunner.run(
                id: id, in: store, objectives: objectives, search: try objectives.prepare(experiment, logger: logger),
                shouldStop: shouldStop)
            if case .finished = report.outcome { return (report.evaluated, true) }
            return (report.evaluated, false)
        }
        self.store = store
        self.id = id
    }

    public func remove() {
        for path in paths {
            for suffix in ["", "-wal", "-shm", "-coordinators"] {
                try? FileManager.default.removeItem(atPath: path + suffix)
            }
        }
    }
}
