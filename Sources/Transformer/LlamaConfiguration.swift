import GGUF

/// The blueprint of a Llama-architecture model, decoded once from GGUF metadata. GGUF key names appear only in
/// `init(file:)`; everything else uses the spelled-out names.
public struct LlamaConfiguration: Sendable, Codable, Equatable {
    public let architecture: String
    public let layers: Int
    public let modelWidth: Int
    public let feedForwardWidth: Int
    public let attentionHeads: Int
    public let kvHeads: Int
    public let headWidth: Int
    /// Dimensions of each head that rotate (the rest pass through); `rotaryDimensions / 2` rotary pairs.
    public let rotaryDimensions: Int
    public let ropeBase: Double
    public let normEpsilon: Float
    /// The context length the model was trained for (L0 of the rescaling methods).
    public let trainedContext: Int
    public let vocabularySize: Int
    /// Rescaling stored in the file itself (`rope.scaling.type`/`factor`), applied when no other is asked for.
    public let fileRopeScaling: String?
    public let fileRopeFactor: Double?
    /// `rope.scaling.attn_factor`: llama.cpp multiplies cos and sin by it whatever the scaling type (the
    /// temperature of an exported LongRoPE table).
    public let fileAttentionFactor: Double?
    /// `rope.scaling.original_context_length` (else the trained context): a context longer than this takes a
    /// LongRoPE file's long factors, a shorter one its short factors.
    public let fileOriginalContext: Int

    public var kvWidth: Int { kvHeads * headWidth }
    public var rotaryPairs: Int { rotaryDimensions / 2 }
    public var queryHeadsPerKVHead: Int { attentionHeads / kvHeads }

    /// Architectures whose graph is exactly Llama's in llama.cpp (same tensors, same rotary layout).
    static let llamaLike: Set<String> = ["llama", "mistral", "granite"]

    public init(file: GGUFFile) throws {
        let arch = try file.string("general.architecture")
        guard LlamaConfiguration.llamaLike.contains(arch) else {
            throw ModelError.unsupportedArchitecture(arch)
        }
        architecture = arch
        func key(_ name: String) -> String { "\(arch).\(name)" }
        layers = try file.integer(key("block_count"))
        modelWidth = try file.integer(key("embedding_length"))
        feedForwardWidth = try file.integer(key("feed_forward_length"))
        attentionHeads = try file.integer(key("attention.head_count"))
        kvHeads =
            file.metadata[key("attention.head_count_kv")] != nil
            ? try file.integer(key("attention.head_count_kv")) : attentionHeads
        guard layers > 0, modelWidth > 0, feedForwardWidth > 0, attentionHeads > 0, kvHeads > 0,
            attentionHeads % kvHeads == 0, modelWidth % attentionHeads == 0
        else {
            throw ModelError.badConfiguration(
                "layers \(layers), width \(modelWidth), heads \(attentionHeads), kv heads \(kvHeads)")
        }
        headWidth =
            file.metadata[key("attention.key_length")] != nil
            ? try file.integer(key("attention.key_length")) : modelWidth / attentionHeads
        guard headWidth * attentionHeads == modelWidth else {
            throw ModelError.badConfiguration(
                "head width \(headWidth) x \(attentionHeads) heads != width \(modelWidth)")
        }
        rotaryDimensions =
            file.metadata[key("rope.dimension_count")] != nil
            ? try file.integer(key("rope.dimension_count")) : headWidth
        guard rotaryDimensions > 0, rotaryDimensions <= headWidth, rotaryDimensions % 2 == 0 else {
            throw ModelError.badConfiguration("rope dimension count \(rotaryDimensions) for head width \(headWidth)")
        }
        ropeBase = file.metadata[key("rope.freq_base")] != nil ? try file.number(key("rope.freq_base")) : 10_000
        normEpsilon = Float(try file.number(key("attention.layer_norm_rms_epsilon")))
        trainedContext = try file.integer(key("context_length"))
        let tokens = try file.array("tokenizer.ggml.tokens").count
        vocabularySize = file.metadata[key("vocab_size")] != nil ? try file.integer(key("vocab_size")) : tokens
        fileRopeScaling = file.metadata[key("rope.scaling.type")]?.string
        fileRopeFactor = file.metadata[key("rope.scaling.factor")]?.number
        fileAttentionFactor = file.metadata[key("rope.scaling.attn_factor")]?.number
        fileOriginalContext =
            file.metadata[key("rope.scaling.original_context_length")] != nil
            ? try file.integer(key("rope.scaling.original_context_length"))
            : try file.integer(key("context_length"))
        if let a = fileAttentionFactor, !(a.isFinite && a > 0) {
            throw ModelError.badConfiguration("rope.scaling.attn_factor \(a) must be a positive number")
        }
        guard ropeBase > 1, trainedContext > 0, vocabularySize > 0 else {
            throw ModelError.badConfiguration(
                "rope base \(ropeBase), context \(trainedContext), vocabulary \(vocabularySize)")
        }
    }

    /// Multiply-adds of the weight matrices per token (projections, feed-forward), without the output layer.
    public var blockMultiplyAddsPerToken: Int {
        layers * (modelWidth * modelWidth * 2 + modelWidth * kvWidth * 2 + 3 * modelWidth * feedForwardWidth)
    }

    /// Floating-point operations of a causal forward pass over n tokens, scoring every one: 2 per multiply-add of
    /// the projections and the output layer, plus QK^T and PV over the causal triangle (n (n+1) / 2 pairs per head).
    public func forwardFLOPs(tokens n: Int) -> Double {
        let weights = Double(blockMultiplyAddsPerToken + vocabularySize * modelWidth) * 2 * Double(n)
        let pairs = Double(n) * Double(n + 1) / 2
        let attention = Double(layers * attentionHeads) * pairs * Double(headWidth) * 2 * 2
        return weights + attention
    }
}

public enum ModelError: Error, CustomStringConvertible {
    case unsupportedArchitecture(String)
    case badConfiguration(String)
    case contextTooLong(requested: Int, capacity: Int)
    case cacheTooLarge(tokens: Int, bytes: Double)
    case badRotaryTable(String)
    case tokenOutOfRange(Int32, vocabulary: Int)
    case unknownNumerics(String)
    case badInputEmbedding(String)

    public var description: String {
        switch self {
        case .unsupportedArchitecture(let a):
            "model architecture '\(a)' is not supported (ctxevo runs the Llama architecture: llama, mistral, granite)"
        case .badConfiguration(let reason): "the model's GGUF configuration is inconsistent: \(reason)"
        case .unknownNumerics(let name):
            "'\(name)' is not one of the numerics \(EngineNumerics.allCases.map(\.rawValue).joined(separator: ", "))"
        case .contextTooLong(let requested, let capacity):
            "\(requested) tokens do not fit the KV cache of \(capacity) tokens"
        case .cacheTooLarge(let tokens, let bytes):
            "a KV cache of \(tokens) tokens needs \(Int(bytes / 1_048_576)) MiB, more than this machine's memory allows"
        case .badRotaryTable(let reason): "bad rotary table: \(reason)"
        case .tokenOutOfRange(let id, let vocabulary): "token id \(id) is outside the vocabulary of \(vocabulary)"
        case .badInputEmbedding(let reason): "bad input embedding: \(reason)"
        }
    }
}
