import Foundation
import Logging
import Objectives
import RunStore

/// Re-evaluates recorded candidates with the objective of their experiment and compares with the stored fitness.
public enum RunReplay {
    public struct Result: Sendable {
        public let generation: Int
        public let index: Int
        public let recorded: Double?
        public let replayed: Double
        public var reproduces: Bool {
            guard let recorded else { return !replayed.isFinite }
            return recorded == replayed || abs(recorded - replayed) <= 1e-12 * max(1, abs(recorded))
        }
    }

    public static func replay(
        run id: Int64, generation: Int?, in store: RunStore, objectives: ObjectiveRegistry,
        logger: Logger = Logger(label: "ctxevo")
    ) throws -> [Result] {
        let experiment = try ExperimentRunner.experiment(run: id, in: store)
        _ = try ExperimentRunner.strategy(run: id, in: store)  // a damaged state is refused here too
        let candidates = try store.candidates(run: id, generation: generation)
        let objective = try objectives.prepare(experiment, logger: logger).objective
        return try candidates.map { c in
            let x = try ExperimentRunner.decodeParameters(c.parameters, run: id)
            guard x.count == objective.dimension else {
                throw RunError.badStoredState(run: id, "candidate \(c.generation)/\(c.index) has \(x.count) parameters")
            }
            let replayed = try objective.evaluate(x, progress: { _ in }).fitness
            return Result(generation: c.generation, index: c.index, recorded: c.fitness, replayed: replayed)
        }
    }
}
