import Foundation
import GGUF

/// Text -> token ids, built from a GGUF file's metadata and matching llama.cpp's `llama_tokenize`
/// (with `parse_special = true`, as `llama-perplexity` calls it).
public struct Tokenizer: Sendable {
    public let vocabulary: Vocabulary
    private let preTokenizer: PreTokenizer?
    private let bytePairs: BytePairEncoder?
    private let sentencePiece: SentencePieceEncoder?
    /// Control and user-defined tokens, longest first: they are cut out of the text before anything else.
    private let specials: [(bytes: [UInt8], id: Int32)]

    /// The tokenizer of a GGUF file, from its metadata alone (no weights are read).
    public init(modelPath: String) throws {
        try self.init(file: try GGUFFile(path: modelPath))
    }

    public init(file: GGUFFile) throws {
        try self.init(vocabulary: Vocabulary(file: file))
    }

    public init(vocabulary: Vocabulary) throws {
        self.vocabulary = vocabulary
        switch vocabulary.model {
        case .bytePairEncoding:
            preTokenizer = try PreTokenizer(name: vocabulary.preTokenizer)
            bytePairs = BytePairEncoder(vocabulary: vocabulary)
            sentencePiece = nil
        case .sentencePiece:
            preTokenizer = nil
            bytePairs = nil
            sentencePiece = SentencePieceEncoder(vocabulary: vocabulary)
        }
        specials = vocabulary.tokens.enumerated()
            .filter { [.control, .userDefined, .unknown].contains(vocabulary.kinds[$0.offset]) }
            .map { (Array($0.element.utf8), Int32($0.offset)) }
            .filter { !$0.0.isEmpty }
            .sorted { $0.0.count > $1.0.count }
    }

    /// Token ids of `text`. `addSpecial` adds BOS / EOS where the model's metadata asks for them.
    public func encode(_ text: String, addSpecial: Bool = true) -> [Int32] {
        var output: [Int32] = []
        output.reserveCapacity(text.utf8.count / 3)
        if addSpecial && vocabulary.addBOS, let bos = vocabulary.bos { output.append(bos) }
        var previousWasSpecial = true  // SentencePiece prefixes a space to text that opens a fragment run
        for fragment in partition(Array(text.utf8)) {
            switch fragment {
            case .special(let id):
                output.append(id)
                previousWasSpecial = true
            case .text(let bytes):
                let string = String(decoding: bytes, as: UTF8.self)
                if let sentencePiece {
                    var prepared = vocabulary.addSpacePrefix && previousWasSpecial ? " " : ""
                    prepared += string
                    sentencePiece.encode(prepared.replacingOccurrences(of: " ", with: "\u{2581}"), into: &output)
                } else if let preTokenizer, let bytePairs {
                    let scalars = Array(string.unicodeScalars)
                    var utf8Offsets = [Int](repeating: 0, count: scalars.count + 1)
                    for (i, s) in scalars.enumerated() { utf8Offsets[i + 1] = utf8Offsets[i] + UTF8.width(s) }
                    let utf8 = Array(string.utf8)
                    for piece in preTokenizer.split(scalars) {
                        bytePairs.encode(
                            word: utf8[utf8Offsets[piece.lowerBound]..<utf8Offsets[piece.upperBound]], into: &output)
                    }
                }
                previousWasSpecial = false
            }
        }
        if addSpecial && vocabulary.addEOS, let eos = vocabulary.eos { output.append(eos) }
        return output
    }

    /// The text of a token id (byte-level BPE characters mapped back to bytes).
    public func decode(_ ids: [Int32]) -> String {
        var bytes: [UInt8] = []
        let inverse = BytePairEncoder.byteValues
        for id in ids where id >= 0 && Int(id) < vocabulary.count {
            let token = vocabulary.tokens[Int(id)]
            if vocabulary.model == .bytePairEncoding && vocabulary.kinds[Int(id)] == .normal {
                for character in token { if let b = inverse[character] { bytes.append(b) } }
            } else if vocabulary.kinds[Int(id)] == .byte, token.count == 6,
                let b = UInt8(token.dropFirst(3).prefix(2), radix: 16)
            {
                bytes.append(b)
            } else {
                bytes.append(contentsOf: token.replacingOccurrences(of: "\u{2581}", with: " ").utf8)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private enum Fragment {
        case text(ArraySlice<UInt8>)
        case special(Int32)
    }

    /// Splits the text at every occurrence of a special token, longest tokens first (llama.cpp's
    /// `tokenizer_st_partition`).
    private func partition(_ bytes: [UInt8]) -> [Fragment] {
        var fragments: [Fragment] = [.text(bytes[...])]
        for (pattern, id) in specials {
            var next: [Fragment] = []
            for fragment in fragments {
                guard case .text(let slice) = fragment, slice.count >= pattern.count else {
                    next.append(fragment)
                    continue
                }
                var start = slice.startIndex
                var i = slice.startIndex
                let first = pattern[0]
                while i + pattern.count <= slice.endIndex {
                    if slice[i] == first && slice[i..<(i + pattern.count)].elementsEqual(pattern) {
                        if start < i { next.append(.text(slice[start..<i])) }
                        next.append(.special(id))
                        i += pattern.count
                        start = i
                    } else {
                        i += 1
                    }
                }
                if start < slice.endIndex { next.append(.text(slice[start..<slice.endIndex])) }
            }
            fragments = next
        }
        return fragments
    }
}
