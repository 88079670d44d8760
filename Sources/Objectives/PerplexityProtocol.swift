import Foundation
import Transformer

/// How a perplexity is measured.
public enum PerplexityProtocol: String, Sendable, Codable, CaseIterable {
    /// llama.cpp's `llama-perplexity`: the token stream cut into consecutive windows of the context length, each
    /// evaluated from an empty cache (its first token replaced by BOS when the model adds BOS); the second half of
    /// each window is scored (logits at ctx/2 ... ctx-2 score the tokens at ctx/2+1 ... ctx-1).
    case llamacpp
    /// LongRoPE's evaluation: each document cut to the target length (BOS first when the model has one), every
    /// token after the first scored; PPL = exp(mean over documents of the mean token NLL).
    case document
}

/// The outcome of one perplexity evaluation.
public struct PerplexityResult: Sendable, Codable {
    public var perplexity: Double
    public var scoredTokens: Int
    public var seconds: Double
    /// Tokens run through the model (scored or context).
    public var processedTokens: Int
    /// llama.cpp protocol: the running perplexity after each window. Document protocol: each document's perplexity.
    public var perWindow: [Double]
}

public enum PerplexityError: Error, CustomStringConvertible {
    case textTooShort(tokens: Int, needed: Int, context: Int, what: String)
    case badContext(Int)

    public var description: String {
        switch self {
        case .textTooShort(let tokens, let needed, let context, let what):
            "\(what) has \(tokens) tokens, shorter than the \(needed) needed at context \(context)"
        case .badContext(let n): "context length \(n) must be at least 4 tokens"
        }
    }
}

/// Evaluates perplexity with a session over a shared model. Tokenize once, reuse the ids for every candidate.
public struct PerplexityEvaluator {
    public let model: LlamaModel
    public let context: Int
    public let chunkSize: Int
    public let numerics: EngineNumerics

    public init(model: LlamaModel, context: Int, chunkSize: Int = 2048, numerics: EngineNumerics = .llamacpp) throws {
        guard context >= 4 else { throw PerplexityError.badContext(context) }
        self.model = model
        self.numerics = numerics
        self.context = context
        self.chunkSize = chunkSize
    }

    /// llama.cpp protocol over one token stream, at most `windows` windows (nil: as many as fit).
    /// `progress(done, total)` is called with processed token counts.
    public func llamacpp(
        tokens: [Int32], windows: Int?, rotary: RotaryTable?, progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> PerplexityResult {
        let available = tokens.count / context
        guard tokens.count >= 2 * context else {
            throw PerplexityError.textTooShort(tokens: tokens.count, needed: 2 * context, context: context, what: "the text")
        }
        let count = min(windows ?? available, available)
        let start = Date()
        let session = try LlamaSession(
            model: model, capacity: context, rotary: rotary, chunkSize: chunkSize, numerics: numerics)
        let bos = model.tokenizer.vocabulary.addBOS ? model.tokenizer.vocabulary.bos : nil
        let first = context / 2
        var totalNLL = 0.0
        var scored = 0
        var running: [Double] = []
        for window in 0..<count {
            try session.reset()
            var ids = Array(tokens[(window * context)..<((window + 1) * context)])
            if let bos { ids[0] = bos }
            let targets = Array(tokens[(window * context + 1)..<((window + 1) * context)])
            try session.prefill(ids[...]) { range, hidden in
                // Rows of this chunk that lie in [first, context - 1).
                let lower = max(range.lowerBound, first), upper = min(range.upperBound, context - 1)
                guard lower < upper else { return }
                let nll = targets.withUnsafeBufferPointer { t in
                    model.negativeLogLikelihoods(
                        hidden: hidden + (lower - range.lowerBound) * model.configuration.modelWidth,
                        rows: upper - lower, targets: t.baseAddress! + lower, numerics: numerics)
                }
                totalNLL += nll.reduce(0, +)
                scored += nll.count
                progress(window * context + range.upperBound, count * context)
            }
            running.append(exp(totalNLL / Double(scored)))
        }
        return PerplexityResult(
            perplexity: running.last ?? .nan, scoredTokens: scored, seconds: Date().timeIntervalSince(start),
            processedTokens: count * context, perWindow: running)
    }

    /// Document protocol over `documents` (each a token array, at least `context - 1` tokens long with BOS,
    /// `context` without).
    public func document(
        documents: [[Int32]], names: [String]? = nil, rotary: RotaryTable?, progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> PerplexityResult {
        let bos = model.tokenizer.vocabulary.bos
        let needed = bos == nil ? context : context - 1
        for (index, document) in documents.enumerated() where document.count < needed {
            throw PerplexityError.textTooShort(
                tokens: document.count, needed: needed, context: context,
                what: names.map { "document '\($0[index])'" } ?? "document \(index + 1)")
        }
        let start = Date()
        let session = try LlamaSession(
            model: model, capacity: context, rotary: rotary, chunkSize: chunkSize, numerics: numerics)
        var perDocument: [Double] = []
        var meanNLLs: [Double] = []
        var scored = 0
        for (index, document) in documents.enumerated() {
            try session.reset()
            let ids = (bos.map { [$0] } ?? []) + document.prefix(needed)
            let targets = Array(ids.dropFirst())
            var total = 0.0
            try session.prefill(ids[...]) { range, hidden in
                let upper = min(range.upperBound, context - 1)
                guard range.lowerBound < upper else { return }
                let nll = targets.withUnsafeBufferPointer { t in
                    model.negativeLogLikelihoods(
                        hidden: hidden, rows: upper - range.lowerBound, targets: t.baseAddress! + range.lowerBound,
                        numerics: numerics)
                }
                total += nll.reduce(0, +)
                progress(index * context + range.upperBound, documents.count * context)
            }
            let mean = total / Double(context - 1)
            meanNLLs.append(mean)
            perDocument.append(exp(mean))
            scored += context - 1
        }
        let perplexity = exp(meanNLLs.reduce(0, +) / Double(max(1, meanNLLs.count)))
        return PerplexityResult(
            perplexity: perplexity, scoredTokens: scored, seconds: Date().timeIntervalSince(start),
            processedTokens: documents.count * context, perWindow: perDocument)
    }
}
