/// Byte-level BPE (GPT-2 family): bytes are mapped to printable characters (`bytes_to_unicode`), then adjacent
/// symbols are merged in the order of `tokenizer.ggml.merges` (lowest rank first, leftmost on ties), as in
/// llama.cpp's `llm_tokenizer_bpe_session`.
struct BytePairEncoder: Sendable {
    private let idOf: [String: Int32]
    private let rank: [String: Int]
    /// GPT-2's reversible byte -> character table.
    static let byteCharacters: [Character] = {
        var table = [Character](repeating: " ", count: 256)
        var extra: UInt32 = 256
        for byte in 0..<256 {
            let printable = (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte)
            if printable {
                table[byte] = Character(Unicode.Scalar(UInt32(byte))!)
            } else {
                table[byte] = Character(Unicode.Scalar(extra)!)
                extra += 1
            }
        }
        return table
    }()

    /// The inverse of `byteCharacters`.
    static let byteValues: [Character: UInt8] = Dictionary(
        uniqueKeysWithValues: byteCharacters.enumerated().map { ($0.element, UInt8($0.offset)) })

    init(vocabulary: Vocabulary) {
        idOf = vocabulary.idOf
        var rank: [String: Int] = [:]
        rank.reserveCapacity(vocabulary.merges.count)
        for (index, merge) in vocabulary.merges.enumerated() where rank[merge] == nil { rank[merge] = index }
        self.rank = rank
    }

    /// Token ids of one pre-tokenized word given as UTF-8 bytes.
    func encode(word bytes: some Collection<UInt8>, into output: inout [Int32]) {
        var symbols = bytes.map { String(BytePairEncoder.byteCharacters[Int($0)]) }
        if symbols.isEmpty { return }
        while symbols.count > 1 {
            var best = Int.max
            var bestIndex = -1
            for i in 0..<(symbols.count - 1) {
                if let r = rank[symbols[i] + " " + symbols[i + 1]], r < best {
                    best = r
                    bestIndex = i
                }
            }
            if bestIndex < 0 { break }
            symbols[bestIndex] += symbols[bestIndex + 1]
            symbols.remove(at: bestIndex + 1)
        }
        for symbol in symbols {
            if let id = idOf[symbol] {
                output.append(id)
            } else {
                // llama.cpp's fallback: the symbol's characters one by one, skipping any not in the vocabulary.
                for character in symbol { if let id = idOf[String(character)] { output.append(id) } }
            }
        }
    }
}
