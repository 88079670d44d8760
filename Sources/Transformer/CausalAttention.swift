import Arithmetic

/// The attention probabilities of one block of queries of one head, as a memory policy reads them (NAMM reads
/// those of the most recent queries): rows (queries) x `keyCount` columns (cache entries in cache order), row stride
/// `stride`, float32 after the softmax. Valid only during the `record` call.
public struct AttentionBlock: @unchecked Sendable {
    public let layer: Int
    public let head: Int
    public let kvHead: Int
    /// Rows of the current chunk these queries are.
    public let queries: Range<Int>
    public let keyCount: Int
    public let probabilities: UnsafePointer<Float>
    public let stride: Int

    /// The queries of a full block: block `b` of a chunk holds its rows `b * queryRows ..< (b + 1) * queryRows`.
    public static var queryRows: Int { CausalAttention.queryBlock }

    public init(
        layer: Int, head: Int, kvHead: Int, queries: Range<Int>, keyCount: Int, probabilities: UnsafePointer<Float>,
        stride: Int
    ) {
        self.layer = layer
        self.head = head
        self.kvHead = kvHead
        self.queries = queries
        self.keyCount = keyCount
        self.probabilities = probabilities
        self.stride = stride
    }
}

/// Reads the attention probabilities of a prefill, as memory policies need them. `record` is called concurrently
/// from the attention workers, once per (query head, query block): it must only read the block and write storage
/// that no other call of the same layer writes (one slot per head and block). `beginLayer` and `finishLayer` are
/// called on the prefill's thread before and after each layer's attention, where a recorder folds what the
/// blocks wrote into its per-(layer, KV head) state, so its memory does not grow with the layers.
public protocol AttentionRecorder: AnyObject {
    func beginLayer(_ layer: Int, rows: Int, cachedBefore: Int)
    func record(_ block: AttentionBlock)
    func finishLayer(_ layer: Int, rows: Int, cachedBefore: Int)
}

/// How causal attention is computed (`CausalAttention`).
public enum AttentionAlgorithm: Sendable, Equatable {
    /// FlashAttention-2 in tiles: no score matrix larger than a tile, no probabilities to read.
    case fused
    /// Scores, softmax and the product with V as three steps, the probabilities of each block written out (what an
    /// attention recorder reads); with `halfPrecisionProbabilities`, rounded to f16 before they meet V, as
    /// llama.cpp does without flash attention. With `ownProducts` (the `float32` numerics) the two products are
    /// ctxevo's own kernels (`Float32Products`), else OpenBLAS's sgemm (the llama.cpp emulation, `float32-openblas`,
    /// and bf16's widened cache, as they were recorded).
    case twoPass(halfPrecisionProbabilities: Bool, ownProducts: Bool = false)
}

/// Causal attention of a chunk of queries over a KV cache, in one of two algorithms:
///
/// - `fused` (`float32`, `bf16` and `llamacpp` numerics, no recorder: every LongRoPE search): per (KV head, block of
///   `queryBlock` queries), the query heads sharing that KV head walk the keys in tiles with a running maximum and
///   sum (FlashAttention-2, Dao 2023; the kernel behind `FusedAttention`); no score matrix larger than a tile is
///   written. Over a bf16 cache, its two products are bf16 (`FusedAttention.blockBFloat16`).
/// - `twoPass` (`llamacpp-fa-off` numerics, or when a recorder reads the probabilities): for each (query head,
///   block) the scores against every key the block may see are one sgemm, S = Q K^T / sqrt(d) (queryBlock x visible
///   keys); each row is masked to its own past, turned into probabilities by a softmax (max, exp, sum, divide:
///   llama.cpp's `soft_max_ext` order), optionally rounded to f16 as llama.cpp does before the product with its f16
///   V cache, and O = P V is a second sgemm written straight into the output. Memory is queryBlock x length per
///   worker.
public enum CausalAttention {
    public static let queryBlock = 64

    /// Per-worker buffers: the fused kernel's tile state, and the two-pass scores (queryBlock, capacity), made on
    /// first use so that the fused path never holds them.
    public final class Scratch: @unchecked Sendable {
        let fused: FloatBuffer
        let stride: Int
        let headWidth: Int
        private(set) lazy var scores = FloatBuffer(count: CausalAttention.queryBlock * stride, zeroed: false)
        /// The keys and values of a bf16 cache as float32, for the two-pass products: (capacity, headWidth) each.
        private(set) lazy var widened = FloatBuffer(count: 2 * stride * headWidth, zeroed: false)

        public init(capacity: Int, headsPerKVHead: Int, headWidth: Int) {
            stride = capacity
            self.headWidth = headWidth
            fused = FloatBuffer(
                count: FusedAttention.scratchCount(
                    rows: CausalAttention.queryBlock, heads: headsPerKVHead, headWidth: headWidth),
                zeroed: false)
        }
    }

    /// out (rows, heads * headWidth) = attention of q (rows, heads * headWidth) over the cache of `layer`, whose
    /// last `rows` entries are this chunk's own keys (query i sees cache entries 0 ... cachedBefore + i), by
    /// `algorithm`. `recorder` (two-pass only) receives each block's float32 probabilities before they meet V.
    public static func run(
        _ algorithm: AttentionAlgorithm, q: UnsafePointer<Float>, rows: Int, layer: Int, cache: KVCache,
        cachedBefore: Int, heads: Int, headsPerKVHead: Int, headWidth: Int, scratch: [Scratch],
        recorder: AttentionRecorder? = nil, out: UnsafeMutablePointer<Float>
    ) {
        switch algorithm {
        case .fused:
            fused(
                q: q, rows: rows, layer: layer, cache: cache, cachedBefore: cachedBefore, heads: heads,
                headsPerKVHead: headsPerKVHead, headWidth: headWidth, scratch: scratch, out: out)
        case .twoPass(let half, let own):
            twoPass(
                q: q, rows: rows, layer: layer, cache: cache, cachedBefore: cachedBefore, heads: heads,
                headsPerKVHead: headsPerKVHead, headWidth: headWidth, halfPrecisionProbabilities: half,
                ownProducts: own, scratch: scratch, recorder: recorder, out: out)
        }
    }

    static func fused(
        q: UnsafePointer<Float>, rows: Int, layer: Int, cache: KVCache, cachedBefore: Int, heads: Int,
        headsPerKVHead: Int, headWidth: Int, scratch: [Scratch], out: UnsafeMutablePointer<Float>
    ) {
        let width = heads * headWidth
        let blocks = (rows + queryBlock - 1) / queryBlock
        let scale = 1 / Float(headWidth).squareRoot()
        let kvHeads = heads / headsPerKVHead
        // Items in order of decreasing cost (later blocks see more keys) so the dynamic schedule ends balanced.
        Parallel.forEach(items: blocks * kvHeads) { worker, item in
            let block = blocks - 1 - item / kvHeads
            let kvHead = item % kvHeads
            let r0 = block * queryBlock
            let column = kvHead * headsPerKVHead * headWidth
            if cache.storage == .bfloat16 {
                return FusedAttention.blockBFloat16(
                    q: q + r0 * width + column, qStride: width, rows: min(queryBlock, rows - r0),
                    heads: headsPerKVHead, headWidth: headWidth, keys: cache.bfloat16Keys(layer: layer, head: kvHead),
                    values: cache.bfloat16Values(layer: layer, head: kvHead), visible0: cachedBefore + r0 + 1,
                    scale: scale, out: out + r0 * width + column, outStride: width,
                    scratch: scratch[worker].fused.pointer)
            }
            FusedAttention.block(
                q: q + r0 * width + column, qStride: width, rows: min(queryBlock, rows - r0),
                heads: headsPerKVHead, headWidth: headWidth, keys: cache.keys(layer: layer, head: kvHead),
                values: cache.values(layer: layer, head: kvHead), visible0: cachedBefore + r0 + 1, scale: scale,
                out: out + r0 * width + column, outStride: width, scratch: scratch[worker].fused.pointer)
        }
    }

    static func twoPass(
        q: UnsafePointer<Float>, rows: Int, layer: Int, cache: KVCache, cachedBefore: Int, heads: Int,
        headsPerKVHead: Int, headWidth: Int, halfPrecisionProbabilities: Bool, ownProducts: Bool = false,
        scratch: [Scratch], recorder: AttentionRecorder?, out: UnsafeMutablePointer<Float>
    ) {
        let width = heads * headWidth
        let blocks = (rows + queryBlock - 1) / queryBlock
        let scale = 1 / Float(headWidth).squareRoot()
        // Items in order of decreasing cost (later blocks see more keys) so the dynamic schedule ends balanced.
        Parallel.forEach(items: blocks * heads) { worker, item in
            let block = blocks - 1 - item / heads
            let head = item % heads
            let s = scratch[worker]
            let r0 = block * queryBlock
            let m = min(queryBlock, rows - r0)
            let visibleEnd = cachedBefore + r0 + m
            let (keys, values): (UnsafePointer<Float>, UnsafePointer<Float>)
            if cache.storage == .float32 {
                keys = UnsafePointer(cache.keys(layer: layer, head: head / headsPerKVHead))
                values = UnsafePointer(cache.values(layer: layer, head: head / headsPerKVHead))
            } else {
                // A bf16 cache meets the float32 products exactly widened.
                let (k, v) = (s.widened.pointer, s.widened.pointer + s.stride * headWidth)
                cache.widen(layer: layer, head: head / headsPerKVHead, count: visibleEnd, keys: k, values: v)
                (keys, values) = (UnsafePointer(k), UnsafePointer(v))
            }
            let ld = s.stride
            if ownProducts {
                // The scores, then scaled as sgemm's alpha scales them: once, after the sum.
                Float32Products.productOnThisThread(
                    q + r0 * width + head * headWidth, ldx: width, rows: m, inFeatures: headWidth, weight: keys,
                    ldw: headWidth, transposed: false, outFeatures: visibleEnd, into: s.scores.pointer, ldy: ld)
                for i in 0..<m { VectorMath.scale(s.scores.pointer + i * ld, count: visibleEnd, by: scale) }
            } else {
                BLAS.gemmTransposedB(
                    m: m, n: visibleEnd, k: headWidth, alpha: scale, a: q + r0 * width + head * headWidth, lda: width,
                    b: keys, ldb: headWidth, c: s.scores.pointer, ldc: ld)
            }
            for i in 0..<m {
                let row = s.scores.pointer + i * ld
                let visible = cachedBefore + r0 + i + 1
                let top = VectorMath.maximum(row, count: visible)
                let sum = VectorMath.expShiftedInPlace(row, count: visible, shift: top)
                VectorMath.scale(row, count: visible, by: 1 / sum)
                if visible < visibleEnd { (row + visible).update(repeating: 0, count: visibleEnd - visible) }
            }
            recorder?.record(
                AttentionBlock(
                    layer: layer, head: head, kvHead: head / headsPerKVHead, queries: r0..<(r0 + m),
                    keyCount: visibleEnd,
                    probabilities: s.scores.pointer, stride: ld))
            // llama.cpp converts the probabilities to f16 before they meet its f16 V cache.
            if halfPrecisionProbabilities {
                for i in 0..<m { VectorMath.roundToHalf(s.scores.pointer + i * ld, count: cachedBefore + r0 + i + 1) }
            }
            if ownProducts {
                Float32Products.productOnThisThread(
                    s.scores.pointer, ldx: ld, rows: m, inFeatures: visibleEnd, weight: values, ldw: headWidth,
                    transposed: true, outFeatures: headWidth, into: out + r0 * width + head * headWidth, ldy: width)
            } else {
                BLAS.gemm(
                    m: m, n: headWidth, k: visibleEnd, a: s.scores.pointer, lda: ld, b: values, ldb: headWidth,
                    c: out + r0 * width + head * headWidth, ldc: width)
            }
        }
    }
}
