import CKernels

/// float32 products through ctxevo's own kernels (f32_gemm.c), the projections and the output layer of the `float32`
/// numerics: each output the float32 chain of fused multiply-adds over the inner dimension in order, so that the
/// AVX-512F and AVX2 kernels, and any split across workers, give the same bits on any machine (OpenBLAS's sums depend
/// on the kernel it picks for the CPU).
public enum Float32Products {
    /// Whether this CPU runs the AVX-512F kernel.
    public static var avx512: Bool { ck_f32_avx512_supported() != 0 }

    /// Y (rows x outFeatures, row stride ldy) = (or += when `accumulate`) X (rows x inFeatures) W^T, W stored
    /// (outFeatures, inFeatures) row-major as a GGUF matrix is dequantised; the output features split across the
    /// workers in multiples of 48 (the AVX-512F register block). `avx512: false` runs the AVX2 kernel (for tests).
    public static func linear(
        _ x: UnsafePointer<Float>, rows: Int, inFeatures: Int, weight: UnsafePointer<Float>, outFeatures: Int,
        into y: UnsafeMutablePointer<Float>, ldy: Int? = nil, accumulate: Bool = false, avx512: Bool = true
    ) {
        let ldy = ldy ?? outFeatures
        Parallel.forRanges(count: outFeatures, granule: 48) { _, range in
            let status = ck_f32_gemm_with(
                avx512 ? 1 : 0, x, rows, inFeatures, weight, range.lowerBound, range.upperBound,
                y + range.lowerBound, ldy, accumulate ? 1 : 0)
            requireBuffer(status, inFeatures: inFeatures)
        }
    }

    /// `linear` on the calling thread (inside a worker of its own), the AVX-512F kernel where the CPU has it.
    public static func linearOnThisThread(
        _ x: UnsafePointer<Float>, rows: Int, inFeatures: Int, weight: UnsafePointer<Float>, outFeatures: Int,
        into y: UnsafeMutablePointer<Float>, ldy: Int
    ) {
        let status = ck_f32_gemm_with(1, x, rows, inFeatures, weight, 0, outFeatures, y, ldy, 0)
        requireBuffer(status, inFeatures: inFeatures)
    }

    /// On the calling thread: Y (rows x outFeatures, row stride ldy) = X (rows x inFeatures, row stride ldx) W^T,
    /// W (outFeatures, inFeatures) with rows ldw apart, or when `transposed` given as W^T (inFeatures, outFeatures),
    /// rows ldw apart (Y = X M for a row-major M). The same chains as `linear`.
    public static func productOnThisThread(
        _ x: UnsafePointer<Float>, ldx: Int, rows: Int, inFeatures: Int, weight: UnsafePointer<Float>, ldw: Int,
        transposed: Bool, outFeatures: Int, into y: UnsafeMutablePointer<Float>, ldy: Int, avx512: Bool = true
    ) {
        let status = ck_f32_gemm_strided(
            avx512 ? 1 : 0, x, ldx, rows, inFeatures, weight, ldw, transposed ? 1 : 0, 0, outFeatures, y, ldy, 0)
        requireBuffer(status, inFeatures: inFeatures)
    }

    /// The packing buffer is 48 x inFeatures floats a thread: failing to get it is the process out of memory, which
    /// Swift's own allocator traps on too.
    private static func requireBuffer(_ status: Int32, inFeatures: Int) {
        if status != 0 { fatalError("out of memory for a \(48 * inFeatures)-float packing buffer") }
    }
}
