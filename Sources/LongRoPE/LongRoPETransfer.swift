import Foundation
import Objectives
import RunLoop
import RunStore
import Transformer

/// Do the tables a search ranked best stay best on text it never read? The recorded candidates of a LongRoPE run
/// (each the table it evaluated), scored on held-out documents of the run's target length by the document
/// protocol, against their search perplexity: Spearman's rho over them, and where the search's best lands. A rho
/// near 1 says the search perplexity is a good proxy for the held-out one; a rho near 0 among the best candidates
/// says the search is fitting its documents (`ctxevo longrope transfer`).
public enum LongRoPETransfer {
    public struct Row: Codable, Sendable, Equatable {
        public var generation: Int
        public var index: Int
        public var searchPerplexity: Double
        public var heldOutPerplexity: Double

        enum CodingKeys: String, CodingKey {
            case generation, index
            case searchPerplexity = "search_perplexity"
            case heldOutPerplexity = "held_out_perplexity"
        }
    }

    /// The run's full evaluations with a finite search perplexity, lowest first; the `top` lowest when given.
    public static func candidates(run id: Int64, in store: RunStore, top: Int?) throws -> [(
        CandidateRecord, Double
    )] {
        let decoder = JSONDecoder()
        let all = try store.candidates(run: id).fullEvaluations.compactMap { c -> (CandidateRecord, Double)? in
            guard c.status == .ok, let metrics = try? decoder.decode(Metrics.self, from: Data(c.metrics.utf8)),
                let perplexity = metrics.perplexity, perplexity.isFinite
            else { return nil }
            return (c, perplexity)
        }.sorted { $0.1 < $1.1 }
        return top.map { Array(all.prefix($0)) } ?? all
    }

    /// Scores each candidate on the first `documents` windows of `text` at the run's target length.
    public static func measure(
        _ run: LongRoPERun, candidates: [(CandidateRecord, Double)], model: LlamaModel, text: String,
        documents count: Int, numerics: EngineNumerics, progress: @escaping (Int, Int) -> Void = { _, _ in },
        rowDone: (Row) -> Void = { _ in }
    ) throws -> [Row] {
        let length = run.settings.targetLength
        let bos = model.tokenizer.vocabulary.bos
        let plain = model.tokenizer.encode(text, addSpecial: false)
        let documents = Documents.windows(of: plain, context: length, bos: bos, limit: count)
        guard documents.count == count else {
            throw PerplexityError.textTooShort(
                tokens: plain.count, needed: count * Documents.tokensNeeded(context: length, bos: bos),
                context: length, what: "the held-out text (\(count) documents)")
        }
        let evaluator = try PerplexityEvaluator(model: model, context: length, numerics: numerics)
        let total = candidates.count * count * length
        var rows: [Row] = []
        for (done, (candidate, searched)) in candidates.enumerated() {
            let result = try evaluator.document(documents: documents, rotary: try run.table(of: candidate)) {
                tokens, _ in progress(done * count * length + tokens, total)
            }
            let row = Row(
                generation: candidate.generation, index: candidate.index, searchPerplexity: searched,
                heldOutPerplexity: result.perplexity)
            rows.append(row)
            rowDone(row)
        }
        return rows
    }

    /// Spearman's rho between the search and held-out perplexities (nil for fewer than 3 rows), and the held-out
    /// rank (1 = best) of the row with the lowest search perplexity.
    public static func agreement(_ rows: [Row]) -> (spearman: Double?, rankOfSearchBest: Int?) {
        guard let best = rows.min(by: { $0.searchPerplexity < $1.searchPerplexity }) else { return (nil, nil) }
        let rank = 1 + rows.filter { $0.heldOutPerplexity < best.heldOutPerplexity }.count
        guard rows.count >= 3 else { return (nil, rank) }
        return (RankAgreement.spearman(rows.map(\.searchPerplexity), rows.map(\.heldOutPerplexity)), rank)
    }
}
