import Arithmetic
import Foundation
import GGUF

/// Writes a small random Llama GGUF (F32 weights from a seeded generator, a byte-level BPE vocabulary of the 256
/// GPT-2 byte tokens plus a few merges and an end-of-text token used as BOS), so that the forward pass, sessions,
/// eviction and the run loop are tested in seconds without the 100 MB model. Its perplexity means nothing; its
/// arithmetic is the real engine's.
public enum TinyModel {
    public struct Shape: Sendable {
        public var layers = 4
        public var width = 96
        public var heads = 6
        public var kvHeads = 3
        public var feedForward = 192
        public var trainedContext = 128
        public var ropeBase = 10_000.0
        /// Whether the tokenizer starts a text with BOS (`tokenizer.ggml.add_bos_token`; SmolLM2's does not).
        public var addBOS = true

        public init() {}
    }

    /// The merges of the tiny vocabulary (pairs of byte tokens, GPT-2's byte-to-unicode spelling).
    static let merges = ["Ġ t", "h e", "Ġ a", "i n", "e r", "Ġt he"]

    /// The default tiny model, written once per test process.
    public static let path: String? = try? write()

    /// Writes the model to a new temporary file and returns its path.
    public static func write(shape: Shape = Shape(), seed: UInt64 = 1) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tiny-\(UUID().uuidString).gguf").path
        try write(to: path, shape: shape, seed: seed)
        return path
    }

    public static func write(to path: String, shape s: Shape = Shape(), seed: UInt64 = 1) throws {
        let bytes = byteTokens()
        var tokens = bytes
        for merge in merges { tokens.append(merge.replacingOccurrences(of: " ", with: "")) }
        tokens.append("<|endoftext|>")
        let bos = tokens.count - 1
        var types = [GGUFValue](repeating: .int32(1), count: tokens.count)
        types[bos] = .int32(3)
        let vocabulary = tokens.count

        var writer = GGUFWriter()
        let metadata: [(String, GGUFValue)] = [
            ("general.architecture", .string("llama")), ("general.name", .string("ctxevo tiny test model")),
            ("llama.block_count", .uint32(UInt32(s.layers))),
            ("llama.context_length", .uint32(UInt32(s.trainedContext))),
            ("llama.embedding_length", .uint32(UInt32(s.width))),
            ("llama.feed_forward_length", .uint32(UInt32(s.feedForward))),
            ("llama.attention.head_count", .uint32(UInt32(s.heads))),
            ("llama.attention.head_count_kv", .uint32(UInt32(s.kvHeads))),
            ("llama.rope.freq_base", .float32(Float(s.ropeBase))),
            ("llama.attention.layer_norm_rms_epsilon", .float32(1e-5)),
            ("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.pre", .string("gpt2")),
            ("tokenizer.ggml.tokens", .array(tokens.map { .string($0) })),
            ("tokenizer.ggml.token_type", .array(types)),
            ("tokenizer.ggml.merges", .array(merges.map { .string($0) })),
            ("tokenizer.ggml.bos_token_id", .uint32(UInt32(bos))),
            ("tokenizer.ggml.eos_token_id", .uint32(UInt32(bos))),
            ("tokenizer.ggml.add_bos_token", .bool(s.addBOS)),
        ]
        writer.metadata = metadata

        var random = RandomGenerator(seed: seed)
        let kvWidth = s.width / s.heads * s.kvHeads
        var shapes: [(String, [Int], Float)] = [
            ("token_embd.weight", [s.width, vocabulary], 1), ("output_norm.weight", [s.width], 0),
        ]
        for layer in 0..<s.layers {
            let p = "blk.\(layer)."
            shapes += [
                (p + "attn_norm.weight", [s.width], 0), (p + "attn_q.weight", [s.width, s.width], 1),
                (p + "attn_k.weight", [s.width, kvWidth], 1), (p + "attn_v.weight", [s.width, kvWidth], 1),
                (p + "attn_output.weight", [s.width, s.width], 1), (p + "ffn_norm.weight", [s.width], 0),
                (p + "ffn_gate.weight", [s.width, s.feedForward], 1),
                (p + "ffn_up.weight", [s.width, s.feedForward], 1),
                (p + "ffn_down.weight", [s.feedForward, s.width], 1),
            ]
        }
        // Matrices ~ N(0, 1/fan_in) (so activations keep their scale); norms 1 + small noise.
        let data: [[Float]] = shapes.map { _, dims, kind in
            let count = dims.reduce(1, *)
            let scale = kind == 0 ? 0.05 : 1 / Double(dims[0]).squareRoot()
            return (0..<count).map { _ in Float((kind == 0 ? 1 : 0) + scale * random.normal()) }
        }
        try withTensors(shapes: shapes.map { ($0.0, $0.1) }, data: data) { tensors in
            writer.tensors = tensors
            try writer.write(to: path)
        }
    }

    private static func withTensors(
        shapes: [(String, [Int])], data: [[Float]], _ body: ([GGUFWriter.Tensor]) throws -> Void
    ) throws {
        var tensors: [GGUFWriter.Tensor] = []
        var index = 0
        func next() throws {
            if index == shapes.count { return try body(tensors) }
            let (name, dims) = shapes[index]
            try data[index].withUnsafeBytes { raw in
                tensors.append(GGUFWriter.Tensor(name: name, dimensions: dims, type: .f32, bytes: raw))
                index += 1
                try next()
            }
        }
        try next()
    }

    /// GPT-2's byte-to-unicode spelling of the 256 bytes (printable bytes as themselves, the rest from U+0100).
    static func byteTokens() -> [String] {
        var printable = Array(33...126) + Array(161...172) + Array(174...255)
        var extra = 0
        var tokens = [String](repeating: "", count: 256)
        for byte in 0..<256 {
            if printable.contains(byte) {
                tokens[byte] = String(UnicodeScalar(UInt8(byte)))
            } else {
                tokens[byte] = String(UnicodeScalar(256 + extra)!)
                extra += 1
            }
        }
        printable.removeAll()
        return tokens
    }
}
