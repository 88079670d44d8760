import Foundation
import Objectives
import Transformer

/// Scores problems under a filler with one evaluator whose session is reused by every call.
public final class PauseScorer {
    public let model: LlamaModel
    let evaluator: PerplexityEvaluator

    /// An evaluator whose context holds the longest problem with `mostPauses` fillers.
    public init(model: LlamaModel, problems: [TokenizedProblem], mostPauses: Int, numerics: EngineNumerics) throws {
        self.model = model
        let context = max(4, problems.map { $0.length(pauses: mostPauses) }.max() ?? 4)
        evaluator = try PerplexityEvaluator(model: model, context: context, chunkSize: context, numerics: numerics)
    }

    public func score(
        _ problems: [TokenizedProblem], filler: PauseFiller, pauses: Int, progress: (Double) -> Void = { _ in }
    ) throws -> PauseScores {
        let sequences = problems.map { $0.sequence(filler: filler, count: pauses) }
        let work = PassWork(configuration: model.configuration, lengths: sequences.map(\.tokens.count))
        let result = try evaluator.score(sequences, rotary: nil) { done, _ in progress(work.fraction(tokens: done)) }
        return PauseScores(
            families: problems.map(\.problem.family), meanNLL: result.perSequence.map { log($0) },
            exact: result.perSequenceTopChoiceAccuracy.map { $0 == 1 }, seconds: result.seconds,
            tokens: result.processedTokens)
    }
}
