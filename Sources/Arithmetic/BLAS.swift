import CBLAS

/// Matrix products through OpenBLAS.
///
/// OpenBLAS runs single-threaded inside ctxevo: the engine splits every product across cores itself
/// (`Parallel`), which keeps small attention products from fighting OpenBLAS's own thread pool and makes the
/// results independent of the thread count of the library.
public enum BLAS {
    /// Makes OpenBLAS single-threaded, once; every wrapper here calls it, so no caller has to remember.
    public static func configure() { _ = singleThreaded }

    private static let singleThreaded: Void = { openblas_set_num_threads(1) }()

    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// C (m x n, row stride ldc) = alpha * A (m x k, row stride lda) * B^T (B is n x k, row stride ldb) + beta * C.
    /// The layout of every weight matrix in a GGUF file: (out_features, in_features) row-major.
    @inline(__always)
    public static func gemmTransposedB(
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        configure()
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k), alpha,
            a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// C (m x n) = alpha * A (m x k) * B (k x n) + beta * C, all row-major.
    @inline(__always)
    public static func gemm(
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        configure()
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), alpha,
            a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Y (rows x columns) = X (rows x inner) * M (inner x columns), all row-major; the columns are split across the
    /// workers.
    public static func linearNoTranspose(
        _ x: UnsafePointer<Float>, rows: Int, inner: Int, matrix: UnsafePointer<Float>, columns: Int,
        into y: UnsafeMutablePointer<Float>
    ) {
        Parallel.forRanges(count: columns, granule: 64) { _, range in
            gemm(
                m: rows, n: range.count, k: inner, a: x, lda: inner, b: matrix + range.lowerBound, ldb: columns,
                c: y + range.lowerBound, ldc: columns)
        }
    }

    /// Y (rows x outFeatures) = X (rows x inFeatures) * W^T (+ Y when `accumulate`), W stored
    /// (outFeatures, inFeatures) row-major. The output features are split across the workers, each one sgemm
    /// over its slice of W.
    public static func linear(
        _ x: UnsafePointer<Float>, rows: Int, inFeatures: Int,
        weight: UnsafePointer<Float>, outFeatures: Int,
        into y: UnsafeMutablePointer<Float>, ldy: Int? = nil, accumulate: Bool = false
    ) {
        let ldy = ldy ?? outFeatures
        // Slices are multiples of 64 columns so that each worker's panel stays aligned and large.
        Parallel.forRanges(count: outFeatures, granule: 64) { _, range in
            gemmTransposedB(
                m: rows, n: range.count, k: inFeatures, a: x, lda: inFeatures,
                b: weight + range.lowerBound * inFeatures, ldb: inFeatures,
                beta: accumulate ? 1 : 0, c: y + range.lowerBound, ldc: ldy)
        }
    }
}
