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
