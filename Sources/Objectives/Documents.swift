/// Cutting token streams into the documents of the document protocol (LongRoPE's evaluation): each document is
/// BOS (when the model has one) followed by the first `context - 1` tokens of a text, and every token after the
/// first is scored.
public enum Documents {
    /// Tokens a document must have to fill a context: one less than the context when BOS goes first.
    public static func tokensNeeded(context: Int, bos: Int32?) -> Int { bos == nil ? context : context - 1 }

    /// Consecutive windows of one text, each of the length a document needs, at most `limit` of them.
    public static func windows(of tokens: [Int32], context: Int, bos: Int32?, limit: Int? = nil) -> [[Int32]] {
        let length = tokensNeeded(context: context, bos: bos)
        var documents: [[Int32]] = []
        var start = 0
        while start + length <= tokens.count && documents.count < (limit ?? Int.max) {
            documents.append(Array(tokens[start..<(start + length)]))
            start += length
        }
        return documents
    }

    /// The scored sequences of the document protocol; a document shorter than the context is a named error.
    public static func scoredSequences(
        _ documents: [[Int32]], names: [String]?, context: Int, bos: Int32?
    ) throws -> [ScoredSequence] {
        let needed = tokensNeeded(context: context, bos: bos)
        return try documents.enumerated().map { index, document in
            let name = names.map { $0[index] } ?? "document \(index + 1)"
            guard document.count >= needed else {
                throw PerplexityError.textTooShort(
                    tokens: document.count, needed: needed, context: context, what: "document '\(name)'")
            }
            let ids = (bos.map { [$0] } ?? []) + document.prefix(needed)
            return ScoredSequence(name: name, tokens: ids, scoredRows: 0..<(context - 1))
        }
    }
}
