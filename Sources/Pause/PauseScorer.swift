import Foundation
import Objectives
import Transformer

/// What fills the M positions between a prompt and its answer.
public enum PauseFiller: Sendable, Equatable {
    /// No pause: the answer follows the prompt (M is ignored).
    case none
    /// M copies of an ordinary token.
    case token(Int32)
    /// M copies of an input vector (the pause embedding, or a random one).
    case vector([Float])
}

/// A problem in the model's tokens: BOS and the prompt, then the answer.
public struct TokenizedProblem: Sendable {
    public let problem: PauseProblem
    public let prompt: [Int32]
    public let answer: [Int32]

    public init(_ problem: PauseProblem, tokenizer: Tokenizer) {
        self.problem = problem
        let bos = tokenizer.vocabulary.bos
        prompt = (bos.map { [$0] } ?? []) + tokenizer.encode(problem.prompt, addSpecial: false)
        answer = tokenizer.encode(problem.answer, addSpecial: false)
    }

    /// The prompt, `count` fillers, the answer; only the answer's tokens are scored (row i scores token i + 1, so
    /// the first answer token is predicted at the last pause). All of the prompt but its last token is the same
    /// for every filler: the evaluator computes its cache once (the last token runs each time, since without a
    /// pause its row predicts the answer's first token).
    public func sequence(filler: PauseFiller, count: Int) -> ScoredSequence {
        var tokens = prompt
        var embeddings: [Int: [Float]] = [:]
        switch filler {
        case .none: break
        case .token(let id): tokens += Array(repeating: id, count: count)
        case .vector(let vector):
            // The token ids under the vectors are placeholders: the first prompt token's id.
            for row in tokens.count..<(tokens.count + count) { embeddings[row] = vector }
            tokens += Array(repeating: prompt[0], count: count)
        }
        let answerStart = tokens.count
        tokens += answer
        return ScoredSequence(
            name: problem.family, tokens: tokens, scoredRows: (answerStart - 1)..<(tokens.count - 1),
            embeddings: embeddings, reusablePrefix: prompt.count - 1)
    }

    /// Tokens of the longest sequence with `pauses` fillers.
    public func length(pauses: Int) -> Int { prompt.count + pauses + answer.count }
}

/// The answers' scores under one filler: per problem, the mean NLL of its answer tokens and whether greedy
/// decoding gives the whole answer (every answer token the model's top choice).
public struct PauseScores: Sendable, Codable, Equatable {
    public var families: [String]
    public var meanNLL: [Double]
    public var exact: [Bool]
    public var seconds: Double
    public var tokens: Int

    /// The answer perplexity: exp(mean over the problems of their mean answer NLL), each problem weighing the same.
    public func perplexity(family: String? = nil) -> Double {
        let picked = zip(families, meanNLL).filter { family == nil || $0.0 == family }.map(\.1)
        return exp(picked.reduce(0, +) / Double(max(1, picked.count)))
    }

    public func exactFraction(family: String? = nil) -> Double {
        let picked = zip(families, exact).filter { family == nil || $0.0 == family }.map(\.1)
        return Double(picked.filter { $0 }.count) / Double(max(1, picked.count))
    }
}

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
        let total = Double(max(1, sequences.reduce(0) { $0 + $1.tokens.count }))
        let result = try evaluator.score(sequences, rotary: nil) { done, _ in progress(Double(done) / total) }
        return PauseScores(
            families: problems.map(\.problem.family), meanNLL: result.perSequence.map { log($0) },
            exact: result.perSequenceTopChoiceAccuracy.map { $0 == 1 }, seconds: result.seconds,
            tokens: result.processedTokens)
    }
}
