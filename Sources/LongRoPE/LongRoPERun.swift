import Arithmetic
import Assets
import Evolution
import Foundation
import GGUF
import Logging
import Objectives
import Reporting
import RoPEScaling
import RunLoop
import RunStore
import Transformer

/// The result of a LongRoPE run: the rotary table of its best candidate so far, decoded with the run's own
/// search space. "Best" is the lowest search perplexity of a table actually evaluated (every candidate's table is
/// the repaired, valid genome); the fitness the optimiser ranked by adds the repair penalty, which steers the
/// search but says nothing about the table.
public struct LongRoPERun: Sendable {
    public let id: Int64
    public let experiment: Experiment
    public let settings: LongRoPESettings
    public let space: LongRoPESearchSpace
    /// The search perplexity of `table`, and where it was found.
    public let bestFitness: Double
    public let bestGeneration: Int
    public let bestIndex: Int
    public let table: RotaryTable

    public init(run id: Int64, in store: RunStore, configuration: LlamaConfiguration) throws {
        let experiment = try ExperimentRunner.experiment(run: id, in: store)
        guard LongRoPEMethod().objectives.contains(experiment.objective) else {
            throw RunError.otherObjective(run: id, objective: experiment.objective, wanted: "LongRoPE factors")
        }
        let settings = try LongRoPEMethod.settings(of: experiment, path: "stored in run \(id)")
        guard let found = try LowestPerplexity.find(run: id, in: store) else { throw RunError.noResultYet(run: id) }
        let best = found.candidate
        let space = try LongRoPESetup.searchSpace(settings, configuration: configuration)
        let x = try ExperimentRunner.decodeParameters(best.parameters, run: id, dimension: space.dimension)
        self.id = id
        self.experiment = experiment
        self.settings = settings
        self.space = space
        bestFitness = found.perplexity
        bestGeneration = best.generation
        bestIndex = best.index
        table = space.table(space.repair(x, unit: experiment.abilities.searchesUnitCoordinates).genome)
    }

    /// The rotary table a recorded candidate of this run evaluated (its genome repaired as the objective did).
    public func table(of candidate: CandidateRecord) throws -> RotaryTable {
        let x = try ExperimentRunner.decodeParameters(candidate.parameters, run: id, dimension: space.dimension)
        return space.table(space.repair(x, unit: experiment.abilities.searchesUnitCoordinates).genome)
    }

    /// The factors as a candidate for `LongRoPEEvaluation`.
    public var candidate: RotaryCandidate {
        .factors(
            name: "LongRoPE (run \(id))",
            FactorsFile.Contents(factors: table.lambda, nHat: table.nHat, mscale: table.mscale))
    }
}
