import CKernels

/// Fused causal attention of one block of queries over a KV head (the kernel `ck_attention_block`): the keys are
/// walked in tiles with a running maximum and sum, so memory stays at a tile of scores whatever the length. Its tile
/// step is written twice, for AVX2 and for AVX-512F, lane for lane the same operations: the AVX-512F one runs where
/// the CPU has it, and both give the same bits.
public enum FusedAttention {
    /// Whether this CPU runs the AVX-512F tile step.
    public static var avx512: Bool { ck_attention_avx512_supported() != 0 }

    /// Floats of scratch one call needs for blocks of at most `rows` queries of `heads` heads.
    public static func scratchCount(rows: Int, heads: Int, headWidth: Int) -> Int {
        max(
            ck_attention_scratch_floats(rows, heads, headWidth),
            ck_attention_bf16_scratch_floats(rows, heads, headWidth))
    }

    /// Whether this CPU runs the bf16 tile step with `vdpbf16ps` (AVX-512 BF16 and BW).
    public static var avx512BF16: Bool { ck_attention_bf16_avx512_supported() != 0 }

    /// out[i, g] = softmax_j((q[i, g] . k_j) * scale) v_j over j < visible0 + i, for `rows` queries i and `heads`
    /// heads g. q and out rows have strides `qStride` and `outStride`; head g starts at g * headWidth in a row;
    /// keys and values are (visible0 + rows - 1, headWidth). `scratch` must be 64-byte aligned (a `FloatBuffer`).
    /// `avx512: false` runs the AVX2 tile step even where the CPU has AVX-512F (for tests).
    @inline(__always)
    public static func block(
        q: UnsafePointer<Float>, qStride: Int, rows: Int, heads: Int, headWidth: Int, keys: UnsafePointer<Float>,
        values: UnsafePointer<Float>, visible0: Int, scale: Float, out: UnsafeMutablePointer<Float>, outStride: Int,
        scratch: UnsafeMutablePointer<Float>, avx512: Bool = true
    ) {
        precondition(visible0 >= 1 && rows >= 1 && headWidth >= 1, "fused attention needs a key and a query")
        ck_attention_block_with(
            avx512 ? 1 : 0, q, qStride, rows, heads, headWidth, keys, values, visible0, scale, out, outStride, scratch)
    }

    /// `block` with bf16 products and float32 sums and softmax: q and the probabilities are rounded to bf16 where
    /// they meet the keys and values, which are bf16 already (rows of `headWidth`, an even width). `avx512: false`
    /// runs the AVX2 emulation, which gives the same bits (for tests).
    @inline(__always)
    public static func blockBFloat16(
        q: UnsafePointer<Float>, qStride: Int, rows: Int, heads: Int, headWidth: Int, keys: UnsafePointer<UInt16>,
        values: UnsafePointer<UInt16>, visible0: Int, scale: Float, out: UnsafeMutablePointer<Float>, outStride: Int,
        scratch: UnsafeMutablePointer<Float>, avx512: Bool = true
    ) {
        precondition(visible0 >= 1 && rows >= 1 && headWidth >= 2, "fused attention needs a key and a query")
        precondition(headWidth % 2 == 0, "bf16 attention pairs the head's dimensions")
        ck_attention_bf16_block_with(
            avx512 ? 1 : 0, q, qStride, rows, heads, headWidth, keys, values, visible0, scale, out, outStride, scratch)
    }
}
