import Foundation
import Objectives
import Pause
import TestSupport
import Testing
import Transformer

/// The forward pass with vectors in place of tokens, and the prompt caches kept between evaluations, on the tiny
/// model.
@Suite struct PauseEngineTests {
    static let model: LlamaModel? = TinyModel.path.flatMap { try? LlamaModel(path: $0) }

    func sequence(_ model: LlamaModel, text: String) -> ScoredSequence {
        let tokens = [model.tokenizer.vocabulary.bos!] + model.tokenizer.encode(text, addSpecial: false)
        return ScoredSequence(name: "t", tokens: tokens, scoredRows: 0..<(tokens.count - 1))
    }

    /// A row given its own token's embedding row as a vector is that token: the same scores, bit for bit, in
    /// every numerics, though the id under the vector is another token (rows are scored from the last replaced
    /// one on, so that no target is a placeholder).
    @Test(arguments: [EngineNumerics.float32, .bfloat16, .llamacpp])
    func aTokensEmbeddingRowGivenAsAVectorIsThatToken(numerics: EngineNumerics) throws {
        let model = try #require(Self.model)
        let plain = sequence(model, text: "the heron and the lantern in the orchard")
        var embeddings: [Int: [Float]] = [:]
        var tokens = plain.tokens
        for row in [3, 7, 8] {
            embeddings[row] = model.embedding(of: tokens[row])
            tokens[row] = tokens[0]
        }
        let scored = 8..<(plain.tokens.count - 1)
        let evaluator = try PerplexityEvaluator(model: model, context: 64, chunkSize: 5, numerics: numerics)
        let a = try evaluator.score(
            [ScoredSequence(name: "t", tokens: plain.tokens, scoredRows: scored)], rotary: nil)
        let b = try evaluator.score(
            [ScoredSequence(name: "t", tokens: tokens, scoredRows: scored, embeddings: embeddings)], rotary: nil)
        #expect(a.perplexity == b.perplexity)
        #expect(a.topChoiceAccuracy == b.topChoiceAccuracy)
        // And the placeholder ids alone (no vectors) are another sequence.
        let c = try evaluator.score([ScoredSequence(name: "t", tokens: tokens, scoredRows: scored)], rotary: nil)
        #expect(c.perplexity != a.perplexity)
    }

    /// A vector of the wrong width, or at a row outside the prompt, is refused by name.
    @Test func badVectorsAreRefused() throws {
        let model = try #require(Self.model)
        let s = sequence(model, text: "the heron")
        let evaluator = try PerplexityEvaluator(model: model, context: 64, numerics: .float32)
        let short = ScoredSequence(name: "t", tokens: s.tokens, scoredRows: s.scoredRows, embeddings: [2: [1, 2]])
        #expect(throws: ModelError.self) { try evaluator.score([short], rotary: nil) }
    }

    /// Restoring a kept prompt gives the perplexity of computing it again, bit for bit, whatever ran in between;
    /// a changed prompt at the same index is computed anew.
    @Test(arguments: [EngineNumerics.float32, .bfloat16])
    func aRestoredPromptScoresAsAComputedOne(numerics: EngineNumerics) throws {
        let model = try #require(Self.model)
        let problems = [
            PauseProblem(family: "a", prompt: "Q: the heron and the reed\nA:", answer: " the reed"),
            PauseProblem(family: "b", prompt: "Q: what is 12 + 30?\nA:", answer: " 42"),
        ].map { TokenizedProblem($0, tokenizer: model.tokenizer) }
        let vector = (0..<model.configuration.modelWidth).map { Float($0 % 7) * 0.01 }
        let reusing = try PauseScorer(model: model, problems: problems, mostPauses: 3, numerics: numerics)
        let first = try reusing.score(problems, filler: .vector(vector), pauses: 3)
        _ = try reusing.score(problems, filler: .token(5), pauses: 2)
        let again = try reusing.score(problems, filler: .vector(vector), pauses: 3)
        let fresh = try PauseScorer(model: model, problems: problems, mostPauses: 3, numerics: numerics)
            .score(problems, filler: .vector(vector), pauses: 3)
        #expect(first.meanNLL == fresh.meanNLL)
        #expect(again.meanNLL == fresh.meanNLL)
        // Without prefix reuse at all (each sequence one chunk): the same numbers, to the rounding of another split
        // into chunks (OpenBLAS's float32 products may sum a row differently for another number of rows).
        let whole = try PerplexityEvaluator(model: model, context: 64, chunkSize: 64, numerics: numerics).score(
            problems.map {
                let s = $0.sequence(filler: .vector(vector), count: 3)
                return ScoredSequence(
                    name: s.name, tokens: s.tokens, scoredRows: s.scoredRows, embeddings: s.embeddings)
            }, rotary: nil)
        for (a, b) in zip(whole.perSequence.map { log($0) }, fresh.meanNLL) { #expect(abs(a - b) < 1e-5 * abs(b)) }
        // Another prompt at the same index is not served the old cache.
        let swapped = Array(problems.reversed())
        let other = try reusing.score(swapped, filler: .vector(vector), pauses: 3)
        #expect(other.meanNLL == Array(fresh.meanNLL.reversed()))
    }
}
