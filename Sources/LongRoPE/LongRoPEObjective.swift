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

/// LongRoPE's fitness: the perplexity of the model, rescaled by the candidate's rotary table, on scored
/// sequences of the target length (documents of the search set, or needle samples). One loaded model and one
/// session serve every candidate; only the rotary table changes.
///
/// A strategy that searches in unconstrained coordinates (CMA-ES, `unitCoordinates`) has its point repaired to
/// the nearest valid genome, the strategy is told that repaired point (`evaluatedPoint`), and the fitness is
/// multiplied by exp(penaltyWeight * distance^2), so the distribution stays feasible while every evaluation is of
/// a valid table (Hansen, "The CMA Evolution Strategy: A Tutorial", arXiv:1604.00772). The penalty steers the search;
/// the quality of the table evaluated
/// is its perplexity (`metrics.perplexity`), by which a run's result is chosen.
public final class LongRoPEObjective: Objective {
    public let space: LongRoPESearchSpace
    public let unitCoordinates: Bool
    public let penaltyWeight: Double
    public let sequences: [ScoredSequence]
    public let fingerprints: Fingerprints
    let evaluator: PerplexityEvaluator

    public var dimension: Int { space.dimension }

    public init(
        model: LlamaModel, space: LongRoPESearchSpace, sequences: [ScoredSequence], targetLength: Int,
        fingerprints: Fingerprints, unitCoordinates: Bool, penaltyWeight: Double = 1, numerics: EngineNumerics
    ) throws {
        guard !sequences.isEmpty else { throw SearchSpaceError.empty("no documents to score") }
        self.space = space
        self.sequences = sequences
        self.fingerprints = fingerprints
        self.unitCoordinates = unitCoordinates
        self.penaltyWeight = penaltyWeight
        evaluator = try PerplexityEvaluator(model: model, context: targetLength, numerics: numerics)
    }

    public func evaluatedPoint(_ x: [Double]) -> [Double] {
        let genome = space.repair(x, unit: unitCoordinates).genome
        return unitCoordinates ? space.unitCoordinates(genome) : genome
    }

    public var fidelityUnit: String? { "search documents" }
    public var fullFidelity: Int { sequences.count }

    public func evaluate(_ x: [Double], progress: (Double) -> Void) throws -> Evaluation {
        try evaluate(x, fidelity: sequences.count, progress: progress)
    }

    /// The candidate on the first `level` search documents (all of them: the full evaluation).
    public func evaluate(_ x: [Double], fidelity level: Int, progress: (Double) -> Void) throws -> Evaluation {
        let (genome, distanceSquared) = space.repair(x, unit: unitCoordinates)
        let table = space.table(genome)
        let read = Array(sequences.prefix(max(1, level)))
        let work = PassWork(configuration: evaluator.model.configuration, lengths: read.map(\.tokens.count))
        let result = try evaluator.score(read, rotary: table) { done, _ in progress(work.fraction(tokens: done)) }
        let penaltyFactor = exp(penaltyWeight * distanceSquared)
        var metrics = Metrics()
        metrics.perplexity = result.perplexity
        metrics.perDocument = result.perSequence
        metrics.scoredTokens = result.scoredTokens
        metrics.processedTokens = result.processedTokens
        metrics.seconds = result.seconds
        metrics.topChoiceAccuracy = result.topChoiceAccuracy
        metrics.repairDistanceSquared = distanceSquared
        metrics.penalty = result.perplexity * (penaltyFactor - 1)
        metrics.lambda = table.lambda
        metrics.nHat = table.nHat
        metrics.mscale = table.mscale
        return Evaluation(fitness: result.perplexity * penaltyFactor, metrics: metrics)
    }
}
