import GGUF

/// The token table of a model, read once from the GGUF `tokenizer.ggml.*` keys.
public struct Vocabulary: Sendable {
    /// `tokenizer.ggml.model`: "gpt2" (byte-level BPE) or "llama" (SentencePiece).
    public enum Model: String, Sendable {
        case bytePairEncoding = "gpt2"
        case sentencePiece = "llama"
    }

    /// llama.cpp's token attributes (`tokenizer.ggml.token_type`).
    public enum TokenKind: Int32, Sendable {
        case undefined = 0
        case normal = 1
        case unknown = 2
        case control = 3
        case userDefined = 4
        case unused = 5
        case byte = 6
    }

    public let model: Model
    public let tokens: [String]
    public let scores: [Float]
    public let kinds: [TokenKind]
    public let merges: [String]
    public let preTokenizer: String
    public let bos: Int32?
    public let eos: Int32?
    public let unknown: Int32?
    public let addBOS: Bool
    public let addEOS: Bool
    public let addSpacePrefix: Bool
    public let idOf: [String: Int32]

    public var count: Int { tokens.count }

    /// A vocabulary given directly (tests, or tokenizers built outside a GGUF file).
    public init(
        model: Model, tokens: [String], scores: [Float]? = nil, kinds: [TokenKind]? = nil, merges: [String] = [],
        preTokenizer: String = "default", bos: Int32? = nil, eos: Int32? = nil, unknown: Int32? = nil,
        addBOS: Bool = false, addEOS: Bool = false, addSpacePrefix: Bool = false
    ) {
        self.model = model
        self.tokens = tokens
        self.scores = scores ?? Array(repeating: 0, count: tokens.count)
        self.kinds = kinds ?? Array(repeating: .normal, count: tokens.count)
        self.merges = merges
        self.preTokenizer = preTokenizer
        self.bos = bos
        self.eos = eos
        self.unknown = unknown
        self.addBOS = addBOS
        self.addEOS = addEOS
        self.addSpacePrefix = addSpacePrefix
        var index: [String: Int32] = [:]
        for (id, token) in tokens.enumerated() where index[token] == nil { index[token] = Int32(id) }
        idOf = index
    }

    public init(file: GGUFFile) throws {
        let modelName = try file.string("tokenizer.ggml.model")
        guard let model = Model(rawValue: modelName) else {
            throw TokenizerError.unsupportedModel(modelName)
        }
        self.model = model
        tokens = try file.array("tokenizer.ggml.tokens").enumerated().map { index, value in
            guard let s = value.string else { throw TokenizerError.badVocabulary("token \(index) is not a string") }
            return s
        }
        guard !tokens.isEmpty else { throw TokenizerError.badVocabulary("the token list is empty") }
        if file.metadata["tokenizer.ggml.scores"] != nil {
            let values = try file.array("tokenizer.ggml.scores")
            guard values.count == tokens.count else {
                throw TokenizerError.badVocabulary("\(values.count) scores for \(tokens.count) tokens")
            }
            scores = values.map { Float($0.number ?? 0) }
        } else {
            scores = Array(repeating: 0, count: tokens.count)
        }
        if file.metadata["tokenizer.ggml.token_type"] != nil {
            let values = try file.array("tokenizer.ggml.token_type")
            guard values.count == tokens.count else {
                throw TokenizerError.badVocabulary("\(values.count) token types for \(tokens.count) tokens")
            }
            kinds = values.map { TokenKind(rawValue: Int32($0.integer ?? 1)) ?? .normal }
        } else {
            kinds = Array(repeating: .normal, count: tokens.count)
        }
        merges =
            file.metadata["tokenizer.ggml.merges"] != nil
            ? try file.array("tokenizer.ggml.merges").map { $0.string ?? "" } : []
        if model == .bytePairEncoding && merges.isEmpty {
            throw TokenizerError.badVocabulary("a BPE tokenizer needs tokenizer.ggml.merges")
        }
        preTokenizer = (file.metadata["tokenizer.ggml.pre"]?.string) ?? "default"

        let count = tokens.count
        bos = try Vocabulary.tokenID("tokenizer.ggml.bos_token_id", in: file, count: count)
        eos = try Vocabulary.tokenID("tokenizer.ggml.eos_token_id", in: file, count: count)
        unknown = try Vocabulary.tokenID("tokenizer.ggml.unknown_token_id", in: file, count: count)
        // Defaults of llama.cpp when the keys are absent: SentencePiece adds BOS and a space prefix, BPE neither.
        addBOS = file.metadata["tokenizer.ggml.add_bos_token"]?.bool ?? (model == .sentencePiece)
        addEOS = file.metadata["tokenizer.ggml.add_eos_token"]?.bool ?? false
        addSpacePrefix = file.metadata["tokenizer.ggml.add_space_prefix"]?.bool ?? (model == .sentencePiece)
        var index: [String: Int32] = [:]
        index.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() where index[token] == nil { index[token] = Int32(id) }
        idOf = index
    }
}

extension Vocabulary {
    static func tokenID(_ key: String, in file: GGUFFile, count: Int) throws -> Int32? {
        guard let value = file.metadata[key] else { return nil }
        guard let id = value.integer, id >= 0, id < count else {
            throw TokenizerError.badVocabulary("\(key) = \(value) is not a token id")
        }
        return Int32(id)
    }
}

public enum TokenizerError: Error, CustomStringConvertible {
    case unsupportedModel(String)
    case unsupportedPreTokenizer(String)
    case badVocabulary(String)

    public var description: String {
        switch self {
        case .unsupportedModel(let name):
            "tokenizer model '\(name)' is not supported (ctxevo reads 'gpt2' byte-level BPE and 'llama' SentencePiece)"
        case .unsupportedPreTokenizer(let name):
            "BPE pre-tokenizer '\(name)' is not supported (supported: "
                + PreTokenizer.supportedNames.sorted().joined(separator: ", ") + ")"
        case .badVocabulary(let reason): "the GGUF vocabulary is malformed: \(reason)"
        }
    }
}
