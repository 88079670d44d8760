import Foundation
import Testing
import Transformer

@Suite struct PreTokenizerTests {
    func pieces(_ name: String, _ text: String) throws -> [String] {
        let scalars = Array(text.unicodeScalars)
        return try PreTokenizer(name: name).split(scalars).map { range in
            String(String.UnicodeScalarView(scalars[range]))
        }
    }

    // Expected splits are those of the GPT-2 regular expression
    // 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ applied by hand.
    @Test func gpt2Pattern() throws {
        #expect(try pieces("gpt2", "Hello world's end") == ["Hello", " world", "'s", " end"])
        #expect(try pieces("gpt2", "a  b") == ["a", " ", " b"])
        #expect(try pieces("gpt2", "Skie \nWith") == ["Skie", " ", "\n", "With"])
        #expect(try pieces("gpt2", "x 42!! ") == ["x", " 42", "!!", " "])
        #expect(try pieces("gpt2", "I'LL") == ["I", "'", "LL"])  // contractions are case-sensitive in GPT-2
    }

    @Test func smolLMSplitsEveryDigit() throws {
        #expect(try pieces("smollm", "Book 12, line 305") == ["Book", " ", "1", "2", ",", " line", " ", "3", "0", "5"])
    }

    @Test func llama3GroupsDigitsByThreeAndFoldsCase() throws {
        #expect(try pieces("llama3", "12345 I'LL go\n\n") == ["123", "45", " I", "'LL", " go", "\n\n"])
        #expect(try pieces("llama3", "(hi)") == ["(hi", ")"])  // one optional non-letter may lead letters
    }

    @Test func unknownPreTokenizerIsNamed() {
        #expect(throws: TokenizerError.self) { try PreTokenizer(name: "no-such-pre") }
    }
}

@Suite struct SentencePieceTests {
    /// A tiny Llama-2-style vocabulary: specials, 256 byte tokens, pieces with scores.
    func tokenizer() throws -> Tokenizer {
        var tokens = ["<unk>", "<s>", "</s>"]
        var kinds: [Vocabulary.TokenKind] = [.unknown, .control, .control]
        var scores: [Float] = [0, 0, 0]
        for byte in 0..<256 {
            tokens.append(String(format: "<0x%02X>", byte))
            kinds.append(.byte)
            scores.append(0)
        }
        let pieces: [(String, Float)] = [
            ("\u{2581}", -1), ("h", -2), ("e", -2), ("l", -2), ("o", -2), ("\u{2581}h", -3), ("el", -4), ("ll", -3.5),
            ("lo", -5), ("\u{2581}he", -6), ("llo", -6), ("\u{2581}hello", -7),
        ]
        for (piece, score) in pieces {
            tokens.append(piece)
            kinds.append(.normal)
            scores.append(score)
        }
        let vocabulary = Vocabulary(
            model: .sentencePiece, tokens: tokens, scores: scores, kinds: kinds, bos: 1, eos: 2, unknown: 0,
            addBOS: true, addSpacePrefix: true)
        return try Tokenizer(vocabulary: vocabulary)
    }

    @Test func mergesByScoreWithSpacePrefixAndBOS() throws {
        let t = try tokenizer()
        let id = { (s: String) in t.vocabulary.idOf[s]! }
        // "hello" -> "▁hello": ▁h (-3) merges first, then ll (-3.5), then ▁he, llo, and ▁hello.
        let one: [Int32] = [1, id("\u{2581}hello")]
        let two: [Int32] = [id("\u{2581}hello"), id("\u{2581}hello")]
        #expect(t.encode("hello") == one)
        #expect(t.encode("hello hello", addSpecial: false) == two)
    }

    @Test func unknownCharactersFallBackToBytes() throws {
        let t = try tokenizer()
        // "é" is U+00E9 = C3 A9 in UTF-8; there is no piece for it.
        let expected: [Int32] = [t.vocabulary.idOf["\u{2581}h"]!, 3 + 0xC3, 3 + 0xA9]
        #expect(t.encode("hé", addSpecial: false) == expected)
    }

    @Test func controlTokensInTheTextAreParsed() throws {
        let t = try tokenizer()
        let expected: [Int32] = [2, t.vocabulary.idOf["\u{2581}hello"]!]
        #expect(t.encode("</s>hello", addSpecial: false) == expected)
    }
}

@Suite struct BytePairTests {
    @Test func mergesFollowRankOrder() throws {
        // Byte-level characters: space is "Ġ". Merges: "l l" before "h e", "he ll", "hell o", "Ġ w".
        let tokens = ["h", "e", "l", "o", "Ġ", "w", "ll", "he", "hell", "hello", "Ġw", "r", "d"]
        let merges = ["l l", "h e", "he ll", "hell o", "Ġ w"]
        let t = try Tokenizer(vocabulary: Vocabulary(model: .bytePairEncoding, tokens: tokens, merges: merges))
        let id = { (s: String) in t.vocabulary.idOf[s]! }
        let expected: [Int32] = [id("hello"), id("Ġw"), id("o"), id("r"), id("l"), id("d")]
        #expect(t.encode("hello world") == expected)
        #expect(t.decode(t.encode("hello world")) == "hello world")
    }
}
