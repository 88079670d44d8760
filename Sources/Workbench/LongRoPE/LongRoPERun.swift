import Evolution
import Foundation
import Objectives
import RoPEScaling
import RunStore
import Transformer

/// The result of a LongRoPE run: the rotary table of its best candidate so far, decoded with the run's own
/// search space.
public struct LongRoPERun: Sendable {
    public let id: Int64
    public let experiment: Experiment
    public let settings: LongRoPESettings
    public let space: LongRoPESearchSpace
    public let bestFitness: Double
    public let table: RotaryTable

    public init(run id: Int64, in store: RunStore, configuration: LlamaConfiguration) throws {
        let experiment = try ExperimentRunner.experiment(run: id, in: store)
        guard experiment.objective == .longRoPE, let settings = experiment.longRoPE else {
            throw RunError.notLongRoPE(run: id, objective: experiment.objective.rawValue)
        }
        guard let best = try ExperimentRunner.strategy(run: id, in: store)?.best else {
            throw RunError.noResultYet(run: id)
        }
        let space = try SearchSetup.searchSpace(settings, configuration: configuration)
        guard best.x.count == space.dimension else {
            throw RunError.badStoredState(
                run: id, "the best genome has \(best.x.count) genes, the space \(space.dimension)")
        }
        self.id = id
        self.experiment = experiment
        self.settings = settings
        self.space = space
        bestFitness = best.fitness
        table = space.table(space.repair(best.x, unit: experiment.strategy != "ga").genome)
    }

    /// The factors as a candidate for `LongRoPEEvaluation`.
    public var candidate: RotaryCandidate {
        .factors(
            name: "LongRoPE (run \(id))",
            FactorsFile.Contents(factors: table.lambda, nHat: table.nHat, mscale: table.mscale))
    }
}
