import Numerics

/// Causal attention of a chunk of queries over a KV cache, tiled so that memory stays linear in the length
/// (the online-softmax recurrence of FlashAttention, Dao et al. 2022, with each tile's two products done by
/// sgemm): for each (query head, block of `queryBlock` queries), key tiles of `keyTile` are visited in order,
/// S = Q K^T / sqrt(d) is formed, rows are rescaled to the running maximum, and O += exp(S - max) V.
struct CausalAttention {
    static let queryBlock = 128
    static let keyTile = 512

    /// Per-worker scratch for one (head, query block) item.
    final class Scratch: @unchecked Sendable {
        let scores: FloatBuffer  // (queryBlock, keyTile)
        let output: FloatBuffer  // (queryBlock, headWidth)
        let rowMax: FloatBuffer  // (queryBlock)
        let rowSum: FloatBuffer  // (queryBlock)

        init(headWidth: Int) {
            scores = FloatBuffer(count: CausalAttention.queryBlock * CausalAttention.keyTile)
            output = FloatBuffer(count: CausalAttention.queryBlock * headWidth)
            rowMax = FloatBuffer(count: CausalAttention.queryBlock)
            rowSum = FloatBuffer(count: CausalAttention.queryBlock)
        }
    }

    /// out (rows, heads * headWidth) = attention of q (rows, heads * headWidth) over the cache of `layer`, whose
    /// last `rows` entries are this chunk's own keys (query i sees cache entries 0 ... cachedBefore + i).
    static func run(
        q: UnsafePointer<Float>, rows: Int, layer: Int, cache: KVCache, cachedBefore: Int,
        heads: Int, headsPerKVHead: Int, headWidth: Int, roundProbabilities: Bool, scratch: [Scratch],
        out: UnsafeMutablePointer<Float>
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
            let keys = cache.keys(layer: layer, head: head / headsPerKVHead)
            let values = cache.values(layer: layer, head: head / headsPerKVHead)
            let queries = q + r0 * width + head * headWidth
            let visibleEnd = cachedBefore + r0 + m
            s.rowMax.fill(-.infinity)
            s.rowSum.fill(0)
            s.output.fill(0)
            var tile = 0
            while tile < visibleEnd {
                let count = min(keyTile, visibleEnd - tile)
                BLAS.gemmTransposedB(
                    m: m, n: count, k: headWidth, alpha: scale, a: queries, lda: width,
                    b: keys + tile * headWidth, ldb: headWidth, c: s.scores.pointer, ldc: keyTile)
                for i in 0..<m {
                    let row = s.scores.pointer + i * keyTile
                    // Keys visible to query r0 + i in this tile.
                    let visible = min(count, cachedBefore + r0 + i + 1 - tile)
                    if visible < count {
                        (row + max(visible, 0)).update(repeating: -.infinity, count: count - max(visible, 0))
                    }
                    if visible <= 0 {  // the whole tile is in this query's future
                        row.update(repeating: 0, count: count)
                        continue
                    }
                    let oldMax = s.rowMax[i]
                    let newMax = max(oldMax, VectorMath.maximum(row, count: visible))
                    let sum = VectorMath.expShiftedInPlace(row, count: count, shift: newMax)
                    let correction = VectorMath.exp(oldMax - newMax)
                    s.rowSum[i] = s.rowSum[i] * correction + sum
                    s.rowMax[i] = newMax
                    if correction != 1 { VectorMath.scale(s.output.pointer + i * headWidth, count: headWidth, by: correction) }
                    // llama.cpp converts the probabilities to f16 before they meet the f16 V cache.
                    if roundProbabilities { ActivationRounding.roundToHalf(row, count: visible) }
                }
                BLAS.gemm(
                    m: m, n: headWidth, k: count, a: s.scores.pointer, lda: keyTile,
                    b: values + tile * headWidth, ldb: headWidth, beta: 1, c: s.output.pointer, ldc: headWidth)
                tile += count
            }
            for i in 0..<m {
                let target = out + (r0 + i) * width + head * headWidth
                let source = s.output.pointer + i * headWidth
                let inverse = 1 / s.rowSum[i]
                for j in 0..<headWidth { target[j] = source[j] * inverse }
            }
        }
    }
}
