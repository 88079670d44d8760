import Arithmetic
import GGUF

/// A weight matrix (out_features, in_features) row-major, with the rounding llama.cpp applies to its inputs.
public struct LinearWeight: Sendable {
    public let matrix: FloatBuffer
    public let outFeatures: Int
    public let inFeatures: Int
    public let inputRounding: ActivationRounding
    /// Q4_1 / Q5_1 only: the minimum m of every 32-value block, (outFeatures, inFeatures / 32). llama.cpp adds
    /// m * s per block with s the f16 block sum of the Q8_1 activations; see `ActivationRounding.q8Block32WithSum`.
    public let blockMinimums: FloatBuffer?
    public var pointer: UnsafeMutablePointer<Float> { matrix.pointer }

    /// llama.cpp's `vec_dot_type` of each weight type, as a rounding of the activations.
    static func rounding(for type: GGMLType) -> ActivationRounding {
        switch type {
        case .f32: .none
        case .f16: .half
        case .bf16: .bfloat16
        case .q4_K, .q5_K, .q6_K: .q8Block256
        case .q4_1, .q5_1: .q8Block32WithSum
        default: .q8Block32
        }
    }
}

/// The weights of a Llama model, dequantised once to float32 and shared, immutable, by every session.
/// Every matrix is (out_features, in_features) row-major, as stored in GGUF.
public final class LlamaWeights: Sendable {
    public struct Layer: Sendable {
        public let attentionNorm: FloatBuffer  // (modelWidth)
        public let query: LinearWeight  // (modelWidth, modelWidth)
        public let key: LinearWeight  // (kvWidth, modelWidth)
        public let value: LinearWeight  // (kvWidth, modelWidth)
        public let attentionOutput: LinearWeight  // (modelWidth, modelWidth)
        public let feedForwardNorm: FloatBuffer  // (modelWidth)
        public let gate: LinearWeight  // (feedForwardWidth, modelWidth)
        public let up: LinearWeight  // (feedForwardWidth, modelWidth)
        public let down: LinearWeight  // (modelWidth, feedForwardWidth)
    }

    public let tokenEmbedding: FloatBuffer  // (vocabulary, modelWidth)
    public let outputNorm: FloatBuffer  // (modelWidth)
    /// The output projection; the token embedding itself when the model ties them.
    public let output: LinearWeight  // (vocabulary, modelWidth)
    public let outputIsTied: Bool
    /// `rope_freqs.weight`: per-pair divisors of the rotary frequency, when the file has them.
    public let ropeFrequencyFactors: [Float]?
    /// LongRoPE's two tables (`rope_factors_short.weight`, `rope_factors_long.weight`, with `rope.scaling.type`
    /// longrope): llama.cpp divides the frequencies by the short ones in a context up to the original length and by
    /// the long ones beyond it (`ropeFactors(context:)`).
    public let ropeFactorsShort: [Float]?
    public let ropeFactorsLong: [Float]?
    public let layers: [Layer]

    public init(file: GGUFFile, configuration c: LlamaConfiguration) throws {
        func info(_ name: String, _ shape: [Int]) throws -> GGUFTensorInfo {
            guard let info = file.tensor(named: name) else { throw GGUFError.missingTensor(name) }
            guard info.dimensions == shape else {
                throw GGUFError.wrongShape(tensor: name, expected: shape, found: info.dimensions)
            }
            return info
        }
        func load(_ name: String, _ shape: [Int]) throws -> FloatBuffer {
            try Dequantizer.floats(of: try info(name, shape), in: file)
        }
        func linear(_ name: String, _ shape: [Int]) throws -> LinearWeight {
            let tensor = try info(name, shape)
            return LinearWeight(
                matrix: try Dequantizer.floats(of: tensor, in: file), outFeatures: shape[1], inFeatures: shape[0],
                inputRounding: LinearWeight.rounding(for: tensor.type),
                blockMinimums: try Dequantizer.blockMinimums(of: tensor, in: file))
        }
        let d = c.modelWidth
        tokenEmbedding = try load("token_embd.weight", [d, c.vocabularySize])
        outputNorm = try load("output_norm.weight", [d])
        if file.tensor(named: "output.weight") != nil {
            output = try linear("output.weight", [d, c.vocabularySize])
            outputIsTied = false
        } else {
            let type = file.tensor(named: "token_embd.weight")!.type
            output = LinearWeight(
                matrix: tokenEmbedding, outFeatures: c.vocabularySize, inFeatures: d,
                inputRounding: LinearWeight.rounding(for: type),
                blockMinimums: try Dequantizer.blockMinimums(of: file.tensor(named: "token_embd.weight")!, in: file))
            outputIsTied = true
        }
        if file.tensor(named: "rope_freqs.weight") != nil {
            ropeFrequencyFactors = try load("rope_freqs.weight", [c.rotaryPairs]).array
        } else {
            ropeFrequencyFactors = nil
        }
        func optional(_ name: String) throws -> [Float]? {
            file.tensor(named: name) != nil ? try load(name, [c.rotaryPairs]).array : nil
        }
        ropeFactorsShort = try optional("rope_factors_short.weight")
        ropeFactorsLong = try optional("rope_factors_long.weight")
        if ropeFrequencyFactors != nil && (ropeFactorsShort != nil || ropeFactorsLong != nil) {
            throw ModelError.badConfiguration(
                "the file has both rope_freqs and LongRoPE's rope_factors_short/long; llama.cpp loads one or the other")
        }
        layers = try (0..<c.layers).map { i in
            let p = "blk.\(i)."
            return Layer(
                attentionNorm: try load(p + "attn_norm.weight", [d]),
                query: try linear(p + "attn_q.weight", [d, d]),
                key: try linear(p + "attn_k.weight", [d, c.kvWidth]),
                value: try linear(p + "attn_v.weight", [d, c.kvWidth]),
                attentionOutput: try linear(p + "attn_output.weight", [d, d]),
                feedForwardNorm: try load(p + "ffn_norm.weight", [d]),
                gate: try linear(p + "ffn_gate.weight", [d, c.feedForwardWidth]),
                up: try linear(p + "ffn_up.weight", [d, c.feedForwardWidth]),
                down: try linear(p + "ffn_down.weight", [c.feedForwardWidth, d]))
        }
    }
}
