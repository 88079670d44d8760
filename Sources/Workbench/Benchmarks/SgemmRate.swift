import Arithmetic
import CBLAS
import Foundation

/// The machine's own matrix-multiply rate, the yardstick of every throughput figure ctxevo prints.
public enum SgemmRate {
    /// GFLOP/s of OpenBLAS sgemm on square `size` matrices, with OpenBLAS using all cores its own way (the best
    /// the library does on this machine); best of `repeats` timed runs after one warm-up.
    public static func measure(size: Int = 2048, repeats: Int = 3) -> Double {
        let a = FloatBuffer(count: size * size, zeroed: false)
        let b = FloatBuffer(count: size * size, zeroed: false)
        let c = FloatBuffer(count: size * size)
        for i in 0..<(size * size) {
            a[i] = Float(i % 7) * 0.1
            b[i] = Float(i % 5) * 0.2
        }
        let previous = openblas_get_num_threads()
        openblas_set_num_threads(Int32(Parallel.workerCount))
        defer { openblas_set_num_threads(previous) }
        var best = Double.infinity
        for run in 0...repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            BLAS.gemmTransposedB(
                m: size, n: size, k: size, a: a.pointer, lda: size, b: b.pointer, ldb: size, c: c.pointer,
                ldc: size)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if run > 0 { best = min(best, seconds) }
        }
        return 2 * pow(Double(size), 3) / best / 1e9
    }
}

/// Several measurements of the sgemm rate taken between the timed work, so that one disturbed measurement (a
/// shared machine slowing down for a few seconds) cannot move every fraction printed against it.
public struct SgemmSamples: Sendable {
    public private(set) var gflops: [Double] = []

    public init() {}

    /// Measures once more and returns the new figure.
    @discardableResult
    public mutating func measure() -> Double {
        let rate = SgemmRate.measure()
        gflops.append(rate)
        return rate
    }

    public var median: Double { Self.median(of: gflops) ?? .nan }

    /// The median of repeated measurements (the mean of the middle two for an even count); nil for none.
    public static func median(of values: [Double]) -> Double? {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return nil }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// (max - min) / median.
    public var spread: Double {
        guard let low = gflops.min(), let high = gflops.max() else { return .nan }
        return (high - low) / median
    }

    public var summary: String {
        String(
            format:
                "sgemm (OpenBLAS, 2048^3, all cores): median %.1f GFLOP/s over %d measurements, %.1f-%.1f (spread %.0f%%)",
            median, gflops.count, gflops.min() ?? .nan, gflops.max() ?? .nan, spread * 100)
    }
}
