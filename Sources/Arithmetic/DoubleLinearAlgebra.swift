import CBLAS

/// Double-precision products and the symmetric eigendecomposition, for the optimisers (covariance matrices of up
/// to a few thousand dimensions).
public enum DoubleLinearAlgebra {
    /// C (m x n) = alpha * op(A) * op(B) + beta * C, row-major; the n output columns are split across the workers.
    public static func gemm(
        m: Int, n: Int, k: Int, alpha: Double = 1, a: UnsafePointer<Double>, lda: Int, transposeA: Bool = false,
        b: UnsafePointer<Double>, ldb: Int, transposeB: Bool = false, beta: Double = 0,
        c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        BLAS.configure()
        let granule = n >= 512 ? 64 : n
        Parallel.forRanges(count: n, granule: granule) { _, range in
            // Column slice of op(B): rows of B when transposed, columns otherwise.
            let bSlice = transposeB ? b + range.lowerBound * ldb : b + range.lowerBound
            cblas_dgemm(
                CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(range.count), Int32(k), alpha, a, Int32(lda), bSlice, Int32(ldb), beta,
                c + range.lowerBound, Int32(ldc))
        }
    }

    /// The upper triangle of C (n x n, row-major) = alpha (A^T B + B^T A) + beta C, A and B (k x n) row-major:
    /// a symmetric rank-2k update that reads and writes only half of C (the covariance update of CMA-ES is bound
    /// by that memory traffic at large n). The strictly lower triangle is left untouched.
    public static func symmetricRank2kUpperUpdate(
        n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>, b: UnsafePointer<Double>, beta: Double,
        c: UnsafeMutablePointer<Double>
    ) {
        BLAS.configure()
        // Row blocks of the upper triangle, shared out dynamically (the first blocks are the widest): each block
        // is a small symmetric update of its diagonal square plus two products for the rectangle right of it.
        let block = 256
        let blocks = (n + block - 1) / block
        Parallel.forEach(items: blocks) { _, item in
            let r0 = item * block
            let r1 = min(n, r0 + block)
            let rows = r1 - r0
            // Row-major upper of the diagonal block = column-major lower of the same storage.
            cblas_dsyr2k(
                CblasRowMajor, CblasUpper, CblasTrans, Int32(rows), Int32(k), alpha, a + r0, Int32(n), b + r0, Int32(n),
                beta, c + r0 * n + r0, Int32(n))
            guard r1 < n else { return }
            let right = c + r0 * n + r1
            cblas_dgemm(
                CblasRowMajor, CblasTrans, CblasNoTrans, Int32(rows), Int32(n - r1), Int32(k), alpha, a + r0, Int32(n),
                b + r1, Int32(n), beta, right, Int32(n))
            cblas_dgemm(
                CblasRowMajor, CblasTrans, CblasNoTrans, Int32(rows), Int32(n - r1), Int32(k), alpha, b + r0, Int32(n),
                a + r1, Int32(n), 1, right, Int32(n))
        }
    }

    public enum EigenError: Error, CustomStringConvertible {
        case failed(info: Int32)
        public var description: String { "the symmetric eigendecomposition (LAPACK dsyevd) failed with info \(info)" }
        var info: Int32 { if case .failed(let i) = self { i } else { 0 } }
    }

    /// Eigenvalues (ascending) and eigenvectors of the symmetric n x n matrix `matrix` (row-major; only the upper
    /// triangle, j >= i, is read). Row-major in, so the eigenvectors come back as the ROWS of the returned matrix:
    /// vectors[i * n + j] is component j of eigenvector i.
    public static func symmetricEigen(_ matrix: [Double], n: Int) throws -> (values: [Double], vectors: [Double]) {
        BLAS.configure()
        // Single-threaded, like every other OpenBLAS call of ctxevo. OpenBLAS's thread count is global: raising it
        // here, even briefly, would change the rounding of any forward pass running at the same time in the
        // process (its sgemm calls would be split differently), so evaluations would stop being reproducible to the
        // bit. The decomposition is rare (every 2-783 generations), so its speed does not matter.
        return try decompose(matrix, n: n)
    }

    private static func decompose(_ matrix: [Double], n: Int) throws -> (values: [Double], vectors: [Double]) {
        var a = matrix  // LAPACK overwrites it with the eigenvectors (column-major = our rows)
        var values = [Double](repeating: 0, count: n)
        var info: Int32 = 0
        var size = Int32(n)
        var lwork: Int32 = -1
        var liwork: Int32 = -1
        var workQuery = 0.0
        var iworkQuery: Int32 = 0
        // Row-major upper triangle = column-major lower triangle.
        let jobz = Int8(UInt8(ascii: "V"))
        let uplo = Int8(UInt8(ascii: "L"))
        var jobzValue = jobz
        var uploValue = uplo
        dsyevd_(&jobzValue, &uploValue, &size, &a, &size, &values, &workQuery, &lwork, &iworkQuery, &liwork, &info)
        guard info == 0 else { throw EigenError.failed(info: info) }
        lwork = Int32(workQuery)
        liwork = iworkQuery
        var work = [Double](repeating: 0, count: Int(lwork))
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        dsyevd_(&jobzValue, &uploValue, &size, &a, &size, &values, &work, &lwork, &iwork, &liwork, &info)
        guard info == 0 else { throw EigenError.failed(info: info) }
        return (values, a)
    }
}
