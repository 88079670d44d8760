import Arithmetic

/// The arithmetic one forward pass computes in, one value per session, made from its `EngineNumerics`: what the
/// activations become before they meet a weight, how a projection is computed, what the KV cache stores, and which
/// attention algorithm runs. `LlamaSession.forwardChunk` calls it and reads as the model's equations whatever the
/// arithmetic; a faster path is one more implementation here.
protocol ChunkArithmetic: AnyObject {
    /// Activations (rows, width) that will meet one or more weights.
    func inputs(_ source: UnsafePointer<Float>, rows: Int, width: Int) -> LinearInputs
    /// output (rows, weight.outFeatures) (+)= inputs weight^T.
    func project(
        _ inputs: LinearInputs, _ weight: LinearWeight, rows: Int, into output: UnsafeMutablePointer<Float>,
        accumulate: Bool)
    /// Q (rows, queryWidth), K and V (rows, kvWidth) as attention and the KV cache hold them.
    func prepareForAttention(
        query: UnsafeMutablePointer<Float>, queryWidth: Int, key: UnsafeMutablePointer<Float>,
        value: UnsafeMutablePointer<Float>, kvWidth: Int, rows: Int)
    /// The attention algorithm of this arithmetic (an attention recorder makes it two-pass, see `LlamaSession`).
    var attention: AttentionAlgorithm { get }
}

extension ChunkArithmetic {
    /// Q, K and V as computed: float32 in the cache and in attention.
    func prepareForAttention(
        query: UnsafeMutablePointer<Float>, queryWidth: Int, key: UnsafeMutablePointer<Float>,
        value: UnsafeMutablePointer<Float>, kvWidth: Int, rows: Int
    ) {}

    var attention: AttentionAlgorithm { .fused }
}

extension EngineNumerics {
    /// The attention algorithm these numerics compute.
    public var attention: AttentionAlgorithm {
        switch self {
        case .float32, .float32OpenBLAS, .llamacpp, .bfloat16: .fused
        case .llamacppNoFlash: .twoPass(halfPrecisionProbabilities: true)
        }
    }

    /// What the KV cache stores in these numerics.
    public var cacheStorage: KVCache.Storage { self == .bfloat16 ? .bfloat16 : .float32 }

    /// The arithmetic of a session of `model` whose chunks have up to `rows` tokens.
    func arithmetic(model: LlamaModel, rows: Int) -> any ChunkArithmetic {
        switch self {
        case .float32: Float32Arithmetic(openBLAS: false)
        case .float32OpenBLAS: Float32Arithmetic(openBLAS: true)
        case .bfloat16: BFloat16Arithmetic(model: model, rows: rows)
        case .llamacpp, .llamacppNoFlash: LlamaCppArithmetic(model: model, rows: rows, numerics: self)
        }
    }
}

/// Plain float32: the model as its weights define it; the projections through the own kernels, or
/// (`float32-openblas`) one OpenBLAS sgemm per core.
final class Float32Arithmetic: ChunkArithmetic {
    private let openBLAS: Bool

    init(openBLAS: Bool) { self.openBLAS = openBLAS }

    func inputs(_ source: UnsafePointer<Float>, rows: Int, width: Int) -> LinearInputs {
        LinearInputs(source: source, rows: rows, width: width, epoch: 0, rounding: nil)
    }

    func project(
        _ inputs: LinearInputs, _ weight: LinearWeight, rows: Int, into output: UnsafeMutablePointer<Float>,
        accumulate: Bool
    ) {
        if openBLAS {
            BLAS.linear(
                inputs.source, rows: rows, inFeatures: weight.inFeatures, weight: weight.pointer,
                outFeatures: weight.outFeatures, into: output, accumulate: accumulate)
        } else {
            Float32Products.linear(
                inputs.source, rows: rows, inFeatures: weight.inFeatures, weight: weight.pointer,
                outFeatures: weight.outFeatures, into: output, accumulate: accumulate)
        }
    }
}

/// bf16 products with float32 sums: each projection's input rounded to bf16 once (the q, k and v projections
/// share it), the weights rounded when the model first packs them.
final class BFloat16Arithmetic: ChunkArithmetic {
    private let weights: BFloat16Weights
    private let activations: BFloat16Activations
    /// For a matrix without a bf16 form (none in a Llama model today: every projection is packed).
    private let float32 = Float32Arithmetic(openBLAS: false)
    private var converted: (source: UnsafePointer<Float>, epoch: Int)?
    private var epoch = 0

    init(model: LlamaModel, rows: Int) {
        let c = model.configuration
        weights = model.bfloat16Weights
        activations = BFloat16Activations(capacity: rows * (max(c.modelWidth, c.feedForwardWidth) + 1))
    }

    func inputs(_ source: UnsafePointer<Float>, rows: Int, width: Int) -> LinearInputs {
        epoch += 1
        return LinearInputs(source: source, rows: rows, width: width, epoch: epoch, rounding: nil)
    }

    func project(
        _ inputs: LinearInputs, _ weight: LinearWeight, rows: Int, into output: UnsafeMutablePointer<Float>,
        accumulate: Bool
    ) {
        guard let packed = weights.packed(weight) else {
            return float32.project(inputs, weight, rows: rows, into: output, accumulate: accumulate)
        }
        if converted?.source != inputs.source || converted?.epoch != inputs.epoch {
            activations.convert(inputs.source, rows: rows, width: weight.inFeatures)
            converted = (inputs.source, inputs.epoch)
        }
        packed.multiply(activations, tokens: rows, into: output, accumulate: accumulate)
    }

}

/// llama.cpp's CPU arithmetic: activations rounded to each weight type's `vec_dot_type` before its product (the
/// Q4_1 products as integer products of 4-bit weights and Q8_1 activations, exact as ggml's), K and V in f16 (its
/// KV cache), and without flash attention Q in f16 too and the probabilities rounded to f16 before they meet V.
final class LlamaCppArithmetic: ChunkArithmetic {
    private let rounding: LlamaCppInputRounding
    /// The model's Q4_1 weights packed for integer products, and the Q8_1 activations they read, with the input
    /// they were quantised from (the q, k and v projections share one quantisation of their input).
    private let integer: (weights: IntegerWeights, activations: Q8Activations)?
    private var quantizedInput: (source: UnsafePointer<Float>, epoch: Int)?
    let attention: AttentionAlgorithm

    init(model: LlamaModel, rows: Int, numerics: EngineNumerics) {
        let c = model.configuration
        let capacity = rows * max(c.modelWidth, c.feedForwardWidth)
        rounding = LlamaCppInputRounding(capacity: capacity)
        integer = model.integerWeights.map { ($0, Q8Activations(capacity: capacity)) }
        attention = numerics.attention
    }

    func inputs(_ source: UnsafePointer<Float>, rows: Int, width: Int) -> LinearInputs {
        rounding.inputs(source, rows: rows, width: width)
    }

    func project(
        _ inputs: LinearInputs, _ weight: LinearWeight, rows: Int, into output: UnsafeMutablePointer<Float>,
        accumulate: Bool
    ) {
        if let (weights, activations) = integer, let packed = weights.packed(weight) {
            // The exact integer sums of llama.cpp; the inputs are quantised once for the weights that share them.
            if quantizedInput?.source != inputs.source || quantizedInput?.epoch != inputs.epoch {
                activations.quantize(inputs.source, rows: rows, width: weight.inFeatures)
                quantizedInput = (inputs.source, inputs.epoch)
            }
            packed.multiply(activations, tokens: rows, into: output, accumulate: accumulate)
            return
        }
        let input = inputs.for(weight)
        BLAS.linear(
            input.values, rows: rows, inFeatures: weight.inFeatures, weight: weight.pointer,
            outFeatures: weight.outFeatures, into: output, accumulate: accumulate)
        if let errors = input.blockSumErrors, let minimums = weight.blockMinimums {
            // llama.cpp's m * f16(d sum q) instead of m * f16(d) sum q, per block: out += errors * minimums^T.
            BLAS.linear(
                errors, rows: rows, inFeatures: weight.inFeatures / 32, weight: minimums.pointer,
                outFeatures: weight.outFeatures, into: output, accumulate: true)
        }
    }

    func prepareForAttention(
        query: UnsafeMutablePointer<Float>, queryWidth: Int, key: UnsafeMutablePointer<Float>,
        value: UnsafeMutablePointer<Float>, kvWidth: Int, rows: Int
    ) {
        // llama.cpp's f16 KV cache; without flash attention Q is converted to f16 too.
        if attention != .fused { VectorMath.roundToHalf(query, count: rows * queryWidth) }
        VectorMath.roundToHalf(key, count: rows * kvWidth)
        VectorMath.roundToHalf(value, count: rows * kvWidth)
    }
}

/// The emulation of llama.cpp's CPU arithmetic at the inputs of the weight matrices: ggml quantises the
/// activations to the weight type's `vec_dot_type` before each product (see `ActivationRounding`). This type owns
/// the scratch buffers of those rounded copies, one per rounding mode, and rounds each activation matrix at most
/// once per mode: the query, key and value projections of one layer share the rounded copy of their common input
/// when their weights have the same type, exactly as llama.cpp quantises that input once.
final class LlamaCppInputRounding {
    private let capacity: Int
    /// Rounded copies per mode, and for Q8_1 the block-sum errors (rows, width / 32).
    private var buffers: [ActivationRounding: (values: FloatBuffer, blockSumErrors: FloatBuffer)] = [:]
    /// The source each mode's buffer currently holds a rounding of.
    private var roundedSource: [ActivationRounding: (source: UnsafePointer<Float>, epoch: Int)] = [:]
    private var epoch = 0

    /// Buffers for up to `capacity` activations (rows x width) per mode.
    init(capacity: Int) { self.capacity = capacity }

    /// Activations that will meet several weights: each weight gets them rounded for its type, computed once.
    func inputs(_ source: UnsafePointer<Float>, rows: Int, width: Int) -> LinearInputs {
        epoch += 1
        return LinearInputs(source: source, rows: rows, width: width, epoch: epoch, rounding: self)
    }

    fileprivate func rounded(_ inputs: LinearInputs, mode: ActivationRounding) -> LinearInput {
        if mode == .none { return LinearInput(values: inputs.source, blockSumErrors: nil) }
        let (values, errors) = buffer(for: mode)
        let errorPointer = mode == .q8Block32WithSum ? errors.pointer : nil
        if let done = roundedSource[mode], done.source == inputs.source, done.epoch == inputs.epoch {
            return LinearInput(
                values: UnsafePointer(values.pointer), blockSumErrors: errorPointer.map { UnsafePointer($0) })
        }
        let (source, width, target) = (inputs.source, inputs.width, values.pointer)
        Parallel.forRanges(count: inputs.rows) { _, range in
            for row in range {
                (target + row * width).update(from: source + row * width, count: width)
                ActivationRounding.apply(
                    mode, to: target + row * width, count: width,
                    blockSumErrors: errorPointer.map { $0 + row * (width / 32) })
            }
        }
        roundedSource[mode] = (inputs.source, inputs.epoch)
        return LinearInput(values: UnsafePointer(target), blockSumErrors: errorPointer.map { UnsafePointer($0) })
    }

    private func buffer(for mode: ActivationRounding) -> (FloatBuffer, FloatBuffer) {
        if let existing = buffers[mode] { return existing }
        let created = (FloatBuffer(count: capacity), FloatBuffer(count: capacity / 32 + 1))
        buffers[mode] = created
        return created
    }
}

/// One activation matrix (rows x width) that meets weights; `for(weight)` gives it as that weight's input.
struct LinearInputs {
    let source: UnsafePointer<Float>
    let rows: Int
    let width: Int
    let epoch: Int
    /// nil: plain float32, every weight reads the source itself.
    let rounding: LlamaCppInputRounding?

    func `for`(_ weight: LinearWeight) -> LinearInput {
        guard let rounding else { return LinearInput(values: source, blockSumErrors: nil) }
        return rounding.rounded(self, mode: weight.inputRounding)
    }
}

/// Activations prepared for one weight: the (rounded) values and, for Q4_1/Q5_1 weights, the block-sum errors.
struct LinearInput {
    let values: UnsafePointer<Float>
    let blockSumErrors: UnsafePointer<Float>?
}
