import Foundation
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

    public static func replay(run id: Int64, generation: Int?, in store: RunStore) throws -> [Result] {
        let record = try store.run(id)
        let experiment = try JSONDecoder().decode(Experiment.self, from: Data(record.configuration.utf8))
        return try store.candidates(run: id, generation: generation).map { c in
            let x = try ExperimentRunner.decodeParameters(c.parameters)
            return Result(generation: c.generation, index: c.index, recorded: c.fitness, replayed: experiment.objective(x))
        }
    }
}
