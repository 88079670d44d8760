import Arithmetic
import Foundation

/// How faithfully the engine reproduces llama.cpp's CPU arithmetic.
public enum EngineNumerics: String, Sendable, Codable, CaseIterable {
    /// llama.cpp's default CPU path (commit 0c1e570, `-fa auto`, which is flash attention on the CPU): activations
    /// rounded as ggml does before each product (see `ActivationRounding`; the Q4_1 products in integers), K and V
    /// in f16, and attention in float32 with an online softmax over tiles of keys, as ggml's tiled flash-attention
    /// kernel computes it (Q stays float32; the fused kernel).
    case llamacpp
    /// llama.cpp with `-fa off` (its default until flash attention became the CPU default, and the fixture's
    /// engine): as `llamacpp`, but Q is f16 too and the attention is two-pass, the probabilities of each row
    /// normalised and rounded to f16 before they meet V.
    case llamacppNoFlash = "llamacpp-fa-off"
    /// Plain float32 everywhere (the model as its weights define it, without the reference engine's rounding); the
    /// projections through ctxevo's own kernels (`Float32Products`: the same bits on any machine).
    case float32
    /// `float32` with the projections through OpenBLAS's sgemm, as ctxevo 0.2.0 and earlier computed `float32`: runs
    /// recorded then resume and replay in it (`ObjectiveRegistry.experimentAsRecorded`), and benchmarks measure the
    /// own kernels against it. Its sums depend on the kernel OpenBLAS picks for the CPU.
    case float32OpenBLAS = "float32-openblas"
    /// Every projection and the output layer with weights and activations rounded to bf16 and float32 sums
    /// (`vdpbf16ps` where the CPU has it: twice the fp32 rate); the KV cache in bf16, and attention's two products
    /// in bf16 with float32 sums and the online softmax in float32; norms, RoPE and the log-sum-exp in float32.
    case bfloat16 = "bf16"

    /// The numerics of a name, or an error listing the names.
    public init(named name: String) throws {
        guard let numerics = EngineNumerics(rawValue: name) else { throw ModelError.unknownNumerics(name) }
        self = numerics
    }

    /// Whether the products, the KV cache and the rotary angles round as llama.cpp's do.
    public var emulatesLlamaCpp: Bool { self == .llamacpp || self == .llamacppNoFlash }
}

/// The state of one sequence over a shared `LlamaModel`: its KV cache, its rotary table and the activation
/// buffers of one chunk (llama2.c's RunState). Not thread-safe; use one session per concurrent sequence.
public final class LlamaSession {
    public let model: LlamaModel
    public let cache: KVCache
    public let chunkSize: Int
    public let numerics: EngineNumerics
    /// Receives the attention probabilities of every (layer, head, query block) during prefill; nil (the default)
    /// costs nothing and keeps the fused attention. Memory policies use it to score cached tokens.
    public var attentionRecorder: AttentionRecorder?
    /// Accumulates the wall time of each stage of the pass when set (benchmarks); nil measures nothing.
    public var clock: StageClock?
    /// Absolute position of the next token (tokens seen so far, whatever was evicted).
    public private(set) var nextPosition = 0
    private var angles: RotaryAngles

    // Activations of one chunk; shapes in rows of the chunk.
    private let x: FloatBuffer  // (chunk, modelWidth) the residual stream
    private let normed: FloatBuffer  // (chunk, modelWidth)
    private let query: FloatBuffer  // (chunk, modelWidth)
    private let key: FloatBuffer  // (chunk, kvWidth)
    private let value: FloatBuffer  // (chunk, kvWidth)
    private let attended: FloatBuffer  // (chunk, modelWidth)
    private let gate: FloatBuffer  // (chunk, feedForwardWidth)
    private let up: FloatBuffer  // (chunk, feedForwardWidth)
    private let cosines: FloatBuffer  // (chunk, rotaryPairs)
    private let sines: FloatBuffer  // (chunk, rotaryPairs)
    /// The arithmetic of every product, of the KV cache and of attention (`numerics` made concrete).
    private let arithmetic: any ChunkArithmetic
    private let positionBuffer: UnsafeMutablePointer<Int32>  // (chunk)
    private let attentionScratch: [CausalAttention.Scratch]

    /// A session whose cache holds `capacity` tokens, processing prompts `chunkSize` tokens at a time.
    public init(
        model: LlamaModel, capacity: Int, rotary: RotaryTable? = nil, chunkSize: Int = 2048,
        numerics: EngineNumerics = .llamacpp
    ) throws {
        let c = model.configuration
        // bf16 pairs a head's dimensions (the cache's rounding and attention's products): a model with an odd head
        // width cannot take these numerics.
        if numerics.cacheStorage == .bfloat16 && c.headWidth % 2 != 0 {
            throw ModelError.badConfiguration("head width \(c.headWidth) is odd: bf16 numerics need an even one")
        }
        // Refuse a cache the machine cannot hold, before allocating it: keys and values of every layer, plus the
        // attention scores of each worker.
        let cacheBytes =
            Double(c.layers * c.kvWidth * 2 * numerics.cacheStorage.bytes) * Double(capacity)
            + Double(Parallel.workerCount * CausalAttention.queryBlock * 4) * Double(capacity)
        guard capacity > 0, cacheBytes < Double(ProcessInfo.processInfo.physicalMemory) * 0.8 else {
            throw ModelError.cacheTooLarge(tokens: capacity, bytes: cacheBytes)
        }
        self.model = model
        self.numerics = numerics
        self.chunkSize = max(1, min(chunkSize, capacity))
        let table = rotary ?? model.defaultRotaryTable
        try table.validate(pairs: c.rotaryPairs)
        angles = LlamaSession.angles(of: table, model: model, numerics: numerics, capacity: capacity)
        cache = KVCache(configuration: c, capacity: capacity, storage: numerics.cacheStorage)
        let n = self.chunkSize
        x = FloatBuffer(count: n * c.modelWidth)
        normed = FloatBuffer(count: n * c.modelWidth)
        query = FloatBuffer(count: n * c.modelWidth)
        key = FloatBuffer(count: n * c.kvWidth)
        value = FloatBuffer(count: n * c.kvWidth)
        attended = FloatBuffer(count: n * c.modelWidth)
        gate = FloatBuffer(count: n * c.feedForwardWidth)
        up = FloatBuffer(count: n * c.feedForwardWidth)
        cosines = FloatBuffer(count: n * c.rotaryPairs)
        sines = FloatBuffer(count: n * c.rotaryPairs)
        arithmetic = numerics.arithmetic(model: model, rows: n)
        positionBuffer = .allocate(capacity: n)
        attentionScratch = (0..<Parallel.workerCount).map { _ in
            CausalAttention.Scratch(capacity: capacity, headsPerKVHead: c.queryHeadsPerKVHead, headWidth: c.headWidth)
        }
    }

    deinit { positionBuffer.deallocate() }

    /// cos/sin source of a table for this model: in float the ggml way when reproducing llama.cpp.
    private static func angles(
        of table: RotaryTable, model: LlamaModel, numerics: EngineNumerics, capacity: Int
    ) -> RotaryAngles {
        let c = model.configuration
        return RotaryAngles(
            table: table, base: c.ropeBase, rotaryDimensions: c.rotaryDimensions,
            fileFactors: model.fileRopeFactors(context: capacity), floatAngles: numerics.emulatesLlamaCpp)
    }

    /// Empties the cache and sets a new rotary table (a new candidate on the same buffers).
    public func reset(rotary: RotaryTable? = nil) throws {
        if let rotary {
            let c = model.configuration
            try rotary.validate(pairs: c.rotaryPairs)
            angles = LlamaSession.angles(of: rotary, model: model, numerics: numerics, capacity: cache.capacity)
        }
        cache.reset()
        nextPosition = 0
    }

    /// The state a prompt left: its cache and the next position (the rotary table is the caller's to keep).
    public struct Snapshot: Sendable {
        let cache: KVCache.Snapshot
        let nextPosition: Int

        public var byteCount: Int { cache.byteCount }
    }

    public func snapshot() -> Snapshot { Snapshot(cache: cache.snapshot(), nextPosition: nextPosition) }

    /// Back to the state of `snapshot` (taken of this session, under the rotary table it has now).
    public func restore(_ snapshot: Snapshot) {
        cache.restore(snapshot.cache)
        nextPosition = snapshot.nextPosition
    }

    /// Runs `tokens` through the model, appending them to the cache chunk by chunk. After each chunk,
    /// `onChunk(range, hidden)` receives the range of `tokens` it covered and the final-norm hidden states
    /// (range.count, modelWidth), valid only during the call.
    ///
    /// `embeddings` gives input vectors in place of token embeddings: the row at offset i of `tokens` (counted
    /// from its start) enters the first layer as `embeddings[i]` (modelWidth numbers) instead of its token's
    /// embedding row; the token id there is only a placeholder (pause tokens, soft prompts).
    public func prefill(
        _ tokens: ArraySlice<Int32>, embeddings: [Int: [Float]] = [:],
        onChunk: (_ range: Range<Int>, _ hidden: UnsafePointer<Float>) throws -> Void
    ) throws {
        let c = model.configuration
        guard cache.length.max()! + tokens.count <= cache.capacity else {
            throw ModelError.contextTooLong(requested: cache.length.max()! + tokens.count, capacity: cache.capacity)
        }
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= c.vocabularySize }) {
            throw ModelError.tokenOutOfRange(bad, vocabulary: c.vocabularySize)
        }
        for (offset, vector) in embeddings {
            guard offset >= 0, offset < tokens.count else {
                throw ModelError.badInputEmbedding("position \(offset) is outside the \(tokens.count) tokens")
            }
            guard vector.count == c.modelWidth, vector.allSatisfy(\.isFinite) else {
                throw ModelError.badInputEmbedding(
                    "the vector at position \(offset) has \(vector.count) numbers, not \(c.modelWidth) finite ones")
            }
        }
        var start = tokens.startIndex
        while start < tokens.endIndex {
            let end = min(start + chunkSize, tokens.endIndex)
            let hidden = forwardChunk(tokens[start..<end], offset: start - tokens.startIndex, embeddings: embeddings)
            try onChunk((start - tokens.startIndex)..<(end - tokens.startIndex), hidden)
            start = end
        }
    }

    /// One chunk through every layer (llama2.c's `forward`); returns the final-norm hidden states (in `normed`).
    /// `offset` is the chunk's first row counted from the start of the prompt (the keys of `embeddings`).
    private func forwardChunk(
        _ tokens: ArraySlice<Int32>, offset: Int, embeddings: [Int: [Float]]
    ) -> UnsafePointer<Float> {
        let c = model.configuration
        let w = model.weights
        let n = tokens.count
        let d = c.modelWidth
        // An attention recorder reads the probabilities, which only the two-pass algorithm writes out.
        let attention =
            attentionRecorder == nil || arithmetic.attention != .fused
            ? arithmetic.attention : .twoPass(halfPrecisionProbabilities: false, ownProducts: numerics == .float32)
        clock.measure(.embedding) {
            for (row, token) in tokens.enumerated() {
                if let vector = embeddings[offset + row] {
                    vector.withUnsafeBufferPointer { (x.pointer + row * d).update(from: $0.baseAddress!, count: d) }
                } else {
                    (x.pointer + row * d).update(from: w.tokenEmbedding.pointer + Int(token) * d, count: d)
                }
                positionBuffer[row] = Int32(nextPosition + row)
            }
            angles.fill(positions: positionBuffer, count: n, cos: cosines.pointer, sin: sines.pointer)
        }

        for (index, layer) in w.layers.enumerated() {
            // Attention: x += W_o attention(RoPE(W_q h), RoPE(W_k h), W_v h), h = RMSNorm(x).
            let cachedBefore = cache.length[index]
            normalize(x.pointer, weight: layer.attentionNorm, rows: n)
            let h = inputs(normed.pointer, rows: n, width: d)
            clock.measure(.projections) {
                arithmetic.project(h, layer.query, rows: n, into: query.pointer, accumulate: false)
                arithmetic.project(h, layer.key, rows: n, into: key.pointer, accumulate: false)
                arithmetic.project(h, layer.value, rows: n, into: value.pointer, accumulate: false)
            }
            clock.measure(.rotation) {
                rotate(query.pointer, rows: n, heads: c.attentionHeads)
                rotate(key.pointer, rows: n, heads: c.kvHeads)
            }
            clock.measure(.rounding) {
                arithmetic.prepareForAttention(
                    query: query.pointer, queryWidth: d, key: key.pointer, value: value.pointer, kvWidth: c.kvWidth,
                    rows: n)
            }
            clock.measure(.cache) {
                cache.append(
                    layer: index, rows: n, keys: key.pointer, values: value.pointer, positions: positionBuffer)
            }
            attentionRecorder?.beginLayer(index, rows: n, cachedBefore: cachedBefore)
            clock.measure(.attention) {
                CausalAttention.run(
                    attention, q: query.pointer, rows: n, layer: index, cache: cache, cachedBefore: cachedBefore,
                    heads: c.attentionHeads, headsPerKVHead: c.queryHeadsPerKVHead, headWidth: c.headWidth,
                    scratch: attentionScratch, recorder: attentionRecorder, out: attended.pointer)
            }
            attentionRecorder?.finishLayer(index, rows: n, cachedBefore: cachedBefore)
            let a = inputs(attended.pointer, rows: n, width: d)
            clock.measure(.projections) {
                arithmetic.project(a, layer.attentionOutput, rows: n, into: x.pointer, accumulate: true)
            }

            // Feed-forward (SwiGLU): x += W_down (SiLU(W_gate h) * W_up h), h = RMSNorm(x).
            normalize(x.pointer, weight: layer.feedForwardNorm, rows: n)
            let g = inputs(normed.pointer, rows: n, width: d)
            clock.measure(.feedForward) {
                arithmetic.project(g, layer.gate, rows: n, into: gate.pointer, accumulate: false)
                arithmetic.project(g, layer.up, rows: n, into: up.pointer, accumulate: false)
            }
            clock.measure(.activation) {
                Kernels.swiGLU(gate: gate.pointer, up: up.pointer, count: n * c.feedForwardWidth)
            }
            let f = inputs(gate.pointer, rows: n, width: c.feedForwardWidth)
            clock.measure(.feedForward) {
                arithmetic.project(f, layer.down, rows: n, into: x.pointer, accumulate: true)
            }
        }
        normalize(x.pointer, weight: w.outputNorm, rows: n)
        nextPosition += n
        return UnsafePointer(normed.pointer)
    }

    /// normed = RMSNorm(source) * weight, row by row.
    private func normalize(_ source: UnsafePointer<Float>, weight: FloatBuffer, rows: Int) {
        let c = model.configuration
        clock.measure(.normalization) {
            Kernels.rmsNorm(
                source, weight: weight.pointer, rows: rows, width: c.modelWidth, epsilon: c.normEpsilon,
                into: normed.pointer)
        }
    }

    /// Activations about to meet weights, as the arithmetic prepares them (rounded per weight type for llama.cpp).
    private func inputs(_ source: UnsafePointer<Float>, rows: Int, width: Int) -> LinearInputs {
        clock.measure(.rounding) { arithmetic.inputs(source, rows: rows, width: width) }
    }

    private func rotate(_ data: UnsafeMutablePointer<Float>, rows: Int, heads: Int) {
        let c = model.configuration
        let cos = cosines.pointer
        let sin = sines.pointer
        Parallel.forRanges(count: rows) { _, range in
            RotaryAngles.rotate(
                data + range.lowerBound * heads * c.headWidth, rows: range.count, heads: heads, headWidth: c.headWidth,
                pairs: c.rotaryPairs, cos: cos + range.lowerBound * c.rotaryPairs,
                sin: sin + range.lowerBound * c.rotaryPairs)
        }
    }
}
