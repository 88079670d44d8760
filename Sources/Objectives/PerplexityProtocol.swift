import Foundation
import MemoryPolicy
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
    /// llama.cpp protocol: the running perplexity after each window.
    public var runningPerplexity: [Double] = []
    /// Document protocol and scored sequences: each sequence's own perplexity, exp(mean NLL of its scored tokens).
    public var perSequence: [Double] = []
    /// Scored sequences: the fraction of scored tokens that were the model's greedy (top-1) choice, overall and
    /// per sequence (1 = greedy decoding reproduces every scored token: a needle answer retrieved).
    public var topChoiceAccuracy: Double?
    public var perSequenceTopChoiceAccuracy: [Double] = []
    /// Scored sequences, when asked for: each scored row's negative log-likelihood, per sequence.
    public var rowNegativeLogLikelihoods: [[Double]] = []
}

public enum PerplexityError: Error, CustomStringConvertible, Equatable {
    case textTooShort(tokens: Int, needed: Int, context: Int, what: String)
    case badContext(Int)
    case badScoredRange(String)

    public var description: String {
        switch self {
        case .textTooShort(let tokens, let needed, let context, let what):
            "\(what) has \(tokens) tokens, shorter than the \(needed) needed at context \(context)"
        case .badContext(let n): "context length \(n) must be at least 4 tokens"
        case .badScoredRange(let what): "\(what): its scored tokens must lie inside it"
        }
    }
}

/// A token sequence run from an empty cache, of which only some targets count: the logits at rows
/// `scoredRows` score the tokens that follow them (row i scores tokens[i + 1]). `embeddings` puts input vectors
/// in place of the token embeddings at some rows (`LlamaSession.prefill`), e.g. pause tokens.
///
/// `reusablePrefix`: its first tokens are the same from one evaluation to the next (a prompt that every candidate
/// continues differently), so an evaluator may compute their cache once and restore it after (no scored row and
/// no embedding lies in it).
public struct ScoredSequence: Sendable {
    public let name: String
    public let tokens: [Int32]
    public let scoredRows: Range<Int>
    public let embeddings: [Int: [Float]]
    public let reusablePrefix: Int

    public init(
        name: String, tokens: [Int32], scoredRows: Range<Int>, embeddings: [Int: [Float]] = [:], reusablePrefix: Int = 0
    ) {
        self.name = name
        self.tokens = tokens
        self.scoredRows = scoredRows
        self.embeddings = embeddings
        self.reusablePrefix = reusablePrefix
    }
}

/// Evaluates perplexity over a shared model with one session whose buffers and cache are kept from call to call:
/// each candidate only swaps the rotary table (`LlamaSession.reset(rotary:)`). Not thread-safe.
public final class PerplexityEvaluator {
    public let model: LlamaModel
    public let context: Int
    public let chunkSize: Int
    public let numerics: EngineNumerics
    /// Made with the evaluator, then reused by every evaluation.
    private let session: LlamaSession
    /// Wall time per stage of every evaluation when set (benchmarks).
    public var clock: StageClock?
    /// The memory policy that evicts from the cache after every chunk (nil: the full cache). Its chunk size must
    /// be this evaluator's.
    public var memory: MemoryManager?
    /// The cache of each reusable prefix `score` computed, by the sequence's index, with its tokens and rotary
    /// table (a different prefix or table at that index computes it again).
    private var prefixes: [Int: (tokens: ArraySlice<Int32>, rotary: RotaryTable, state: LlamaSession.Snapshot)] = [:]

    public init(model: LlamaModel, context: Int, chunkSize: Int = 2048, numerics: EngineNumerics = .llamacpp) throws {
        guard context >= 4 else { throw PerplexityError.badContext(context) }
        self.model = model
        self.numerics = numerics
        self.context = context
        self.chunkSize = chunkSize
        // The session's buffers and cache, and for llamacpp numerics the model's weights packed for integer
        // products, are made here, as llama.cpp makes its context before it starts its clock: every evaluation's
        // time is then the evaluation's own, the first one's included.
        session = try LlamaSession(model: model, capacity: context, chunkSize: chunkSize, numerics: numerics)
    }

    /// The session, emptied and set to `rotary` (the model's own rotation when nil).
    private func freshSession(rotary: RotaryTable?) throws -> LlamaSession {
        try session.reset(rotary: rotary ?? model.defaultRotaryTable)
        session.clock = clock
        memory?.begin(session)
        return session
    }

    /// llama.cpp protocol over one token stream, at most `windows` windows (nil: as many as fit).
    /// `progress(done, total)` is called with processed token counts.
    public func llamacpp(
        tokens: [Int32], windows: Int?, rotary: RotaryTable?, progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> PerplexityResult {
        let available = tokens.count / context
        guard tokens.count >= 2 * context else {
            throw PerplexityError.textTooShort(
                tokens: tokens.count, needed: 2 * context, context: context, what: "the text")
        }
        let count = min(windows ?? available, available)
        let start = Date()
        let bos = model.tokenizer.vocabulary.addBOS ? model.tokenizer.vocabulary.bos : nil
        let first = context / 2
        var totalNLL = 0.0
        var scored = 0
        var running: [Double] = []
        for window in 0..<count {
            let session = try freshSession(rotary: rotary)
            var ids = Array(tokens[(window * context)..<((window + 1) * context)])
            if let bos { ids[0] = bos }
            let targets = Array(tokens[(window * context + 1)..<((window + 1) * context)])
            try session.prefill(ids[...]) { range, hidden in
                // Rows of this chunk that lie in [first, context - 1).
                let lower = max(range.lowerBound, first)
                let upper = min(range.upperBound, context - 1)
                defer { progress(window * context + range.upperBound, count * context) }
                guard lower < upper else { return try memory?.afterChunk(session) ?? () }
                let nll = targets.withUnsafeBufferPointer { t in
                    model.negativeLogLikelihoods(
                        hidden: hidden + (lower - range.lowerBound) * model.configuration.modelWidth,
                        rows: upper - lower, targets: t.baseAddress! + lower, numerics: numerics,
                        clock: clock)
                }
                totalNLL += nll.reduce(0, +)
                scored += nll.count
                try memory?.afterChunk(session)
            }
            running.append(exp(totalNLL / Double(scored)))
        }
        return PerplexityResult(
            perplexity: running.last ?? .nan, scoredTokens: scored, seconds: Date().timeIntervalSince(start),
            processedTokens: count * context, runningPerplexity: running)
    }

    /// Document protocol over `documents` (each a token array, at least `context - 1` tokens long with BOS,
    /// `context` without): every document cut to the context, every token after the first scored.
    public func document(
        documents: [[Int32]], names: [String]? = nil, rotary: RotaryTable?, progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> PerplexityResult {
        let sequences = try Documents.scoredSequences(
            documents, names: names, context: context, bos: model.tokenizer.vocabulary.bos)
        return try score(sequences, rotary: rotary, progress: progress)
    }

    /// Runs each sequence from an empty cache and scores its `scoredRows`; PPL = exp(mean over sequences of the
    /// mean NLL of their scored tokens), as LongRoPE averages over documents. The output layer runs only on
    /// scored rows.
    public func score(
        _ sequences: [ScoredSequence], rotary: RotaryTable?, keepingRows: Bool = false,
        progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> PerplexityResult {
        for s in sequences {
            guard s.tokens.count <= context else {
                throw PerplexityError.textTooShort(
                    tokens: context, needed: s.tokens.count, context: context, what: "the context")
            }
            guard !s.scoredRows.isEmpty, s.scoredRows.lowerBound >= 0, s.scoredRows.upperBound < s.tokens.count else {
                throw PerplexityError.badScoredRange("sequence '\(s.name)'")
            }
            guard s.reusablePrefix >= 0, s.reusablePrefix <= s.scoredRows.lowerBound,
                s.embeddings.keys.allSatisfy({ $0 >= s.reusablePrefix })
            else {
                throw PerplexityError.badScoredRange("sequence '\(s.name)' (its reusable prefix)")
            }
        }
        let start = Date()
        let total = sequences.reduce(0) { $0 + $1.tokens.count }
        var done = 0
        var perSequence: [Double] = []
        var perSequenceAccuracy: [Double] = []
        var meanNLLs: [Double] = []
        var scored = 0
        var topChoices = 0
        var rows: [[Double]] = []
        for (index, sequence) in sequences.enumerated() {
            let session = try freshSession(rotary: rotary)
            let targets = Array(sequence.tokens.dropFirst())
            var sum = 0.0
            var nlls: [Double] = []
            let topChoicesBefore = topChoices
            // With the full cache, a reusable prefix is computed once and restored after.
            let skipped = memory == nil ? sequence.reusablePrefix : 0
            if skipped > 0 {
                let prefix = sequence.tokens[..<skipped]
                let table = rotary ?? model.defaultRotaryTable
                if let kept = prefixes[index], kept.tokens == prefix, kept.rotary == table {
                    session.restore(kept.state)
                } else {
                    try session.prefill(prefix) { _, _ in }
                    prefixes[index] = (prefix, table, session.snapshot())
                }
            }
            var embeddings: [Int: [Float]] = [:]
            for (row, vector) in sequence.embeddings { embeddings[row - skipped] = vector }
            try session.prefill(sequence.tokens[skipped...], embeddings: embeddings) { chunk, hidden in
                let range = (chunk.lowerBound + skipped)..<(chunk.upperBound + skipped)
                let lower = max(range.lowerBound, sequence.scoredRows.lowerBound)
                let upper = min(range.upperBound, sequence.scoredRows.upperBound)
                if lower < upper {
                    let scores = targets.withUnsafeBufferPointer { t in
                        model.targetScores(
                            hidden: hidden + (lower - range.lowerBound) * model.configuration.modelWidth,
                            rows: upper - lower, targets: t.baseAddress! + lower, numerics: numerics,
                            clock: clock)
                    }
                    sum += scores.map(\.negativeLogLikelihood).reduce(0, +)
                    if keepingRows { nlls += scores.map(\.negativeLogLikelihood) }
                    topChoices += scores.filter(\.isTopChoice).count
                }
                try memory?.afterChunk(session)
                progress(done + range.upperBound, total)
            }
            done += sequence.tokens.count
            let mean = sum / Double(sequence.scoredRows.count)
            meanNLLs.append(mean)
            perSequence.append(exp(mean))
            perSequenceAccuracy.append(Double(topChoices - topChoicesBefore) / Double(sequence.scoredRows.count))
            scored += sequence.scoredRows.count
            if keepingRows { rows.append(nlls) }
        }
        let perplexity = exp(meanNLLs.reduce(0, +) / Double(max(1, meanNLLs.count)))
        return PerplexityResult(
            perplexity: perplexity, scoredTokens: scored, seconds: Date().timeIntervalSince(start),
            processedTokens: total, perSequence: perSequence,
            topChoiceAccuracy: scored > 0 ? Double(topChoices) / Double(scored) : nil,
            perSequenceTopChoiceAccuracy: perSequenceAccuracy, rowNegativeLogLikelihoods: rows)
    }

    /// The one sequence both protocols read with one window of `context` tokens (see `bothProtocols`), nil when
    /// llama.cpp's window and the document protocol's first document differ.
    public static func sharedPass(stream: [Int32], document: [Int32], context: Int, vocabulary: Vocabulary) throws
        -> ScoredSequence?
    {
        guard stream.count >= 2 * context else {
            throw PerplexityError.textTooShort(
                tokens: stream.count, needed: 2 * context, context: context, what: "the text")
        }
        var window = Array(stream[..<context])
        if vocabulary.addBOS, let bos = vocabulary.bos { window[0] = bos }
        let sequence = try Documents.scoredSequences([document], names: nil, context: context, bos: vocabulary.bos)[0]
        return sequence.tokens == window ? sequence : nil
    }

    /// Both protocols from one pass, when they read the same sequence: with one window, llama.cpp's (the
    /// stream's first `context` tokens, BOS in place of the first) and the document protocol's first document
    /// (BOS, then the text) are the same tokens, and llama.cpp's scored rows (context/2 ..< context-1) are the
    /// second half of the document's (0 ..< context-1). nil when the two sequences differ (another tokenizer's
    /// BOS rule). Both results carry the one pass's seconds.
    public func bothProtocols(
        stream: [Int32], document: [Int32], rotary: RotaryTable?, progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> (llamacpp: PerplexityResult, document: PerplexityResult)? {
        guard
            let sequence = try Self.sharedPass(
                stream: stream, document: document, context: context, vocabulary: model.tokenizer.vocabulary)
        else { return nil }
        var whole = try score([sequence], rotary: rotary, keepingRows: true, progress: progress)
        let tail = whole.rowNegativeLogLikelihoods[0][(context / 2)...]
        let perplexity = exp(tail.reduce(0, +) / Double(tail.count))
        let llamacpp = PerplexityResult(
            perplexity: perplexity, scoredTokens: tail.count, seconds: whole.seconds, processedTokens: context,
            runningPerplexity: [perplexity])
        whole.rowNegativeLogLikelihoods = []
        return (llamacpp, whole)
    }
}
