import Arithmetic
import Foundation

/// The float32 projections of a forward pass timed one by one: ctxevo's own kernels (AVX-512F and AVX2) against
/// OpenBLAS as the `float32` path called it before them (one single-threaded sgemm per worker over its slice of the
/// output features), on the matrix shapes of one chunk.
public enum ProjectionRates {
    /// One product y (tokens x outFeatures) = x (tokens x inFeatures) W^T.
    public struct Shape: Sendable {
        public let name: String
        public let inFeatures: Int
        public let outFeatures: Int

        public init(name: String, inFeatures: Int, outFeatures: Int) {
            self.name = name
            self.inFeatures = inFeatures
            self.outFeatures = outFeatures
        }

        /// The products of one layer and the output layer of a Llama model of these widths.
        public static func llama(width: Int, kvWidth: Int, feedForward: Int, vocabulary: Int) -> [Shape] {
            [
                Shape(name: "q, o projection", inFeatures: width, outFeatures: width),
                Shape(name: "k, v projection", inFeatures: width, outFeatures: kvWidth),
                Shape(name: "gate, up projection", inFeatures: width, outFeatures: feedForward),
                Shape(name: "down projection", inFeatures: feedForward, outFeatures: width),
                Shape(name: "output layer", inFeatures: width, outFeatures: vocabulary),
            ]
        }
    }

    public enum Kernel: String, CaseIterable, Sendable {
        case ownAVX512 = "own AVX-512F"
        case ownAVX2 = "own AVX2"
        case openBLAS = "OpenBLAS"

        public var key: String {
            switch self {
            case .ownAVX512: "own_avx512"
            case .ownAVX2: "own_avx2"
            case .openBLAS: "openblas"
            }
        }
    }

    /// GFLOP/s of `kernel` on `shape` for `tokens` rows, all workers: the best of `repeats` runs after a warm-up,
    /// each run repeated until it has taken 50 ms; nil for the AVX-512F kernel on a CPU without it.
    public static func measure(_ kernel: Kernel, _ shape: Shape, tokens: Int, repeats: Int = 3) -> Double? {
        if kernel == .ownAVX512 && !Float32Products.avx512 { return nil }
        let x = FloatBuffer(count: tokens * shape.inFeatures, zeroed: false)
        let w = FloatBuffer(count: shape.outFeatures * shape.inFeatures, zeroed: false)
        let y = FloatBuffer(count: tokens * shape.outFeatures)
        for i in 0..<x.count { x[i] = Float(i % 13) * 0.01 - 0.06 }
        for i in 0..<w.count { w[i] = Float(i % 11) * 0.02 - 0.1 }
        func once() {
            switch kernel {
            case .ownAVX512, .ownAVX2:
                Float32Products.linear(
                    x.pointer, rows: tokens, inFeatures: shape.inFeatures, weight: w.pointer,
                    outFeatures: shape.outFeatures, into: y.pointer, avx512: kernel == .ownAVX512)
            case .openBLAS:
                BLAS.linear(
                    x.pointer, rows: tokens, inFeatures: shape.inFeatures, weight: w.pointer,
                    outFeatures: shape.outFeatures, into: y.pointer)
            }
        }
        once()
        var best = 0.0
        for _ in 0..<repeats {
            var calls = 0
            let start = DispatchTime.now().uptimeNanoseconds
            var elapsed = 0.0
            repeat {
                once()
                calls += 1
                elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            } while elapsed < 0.05
            let flops = 2 * Double(tokens) * Double(shape.inFeatures) * Double(shape.outFeatures) * Double(calls)
            best = max(best, flops / elapsed / 1e9)
        }
        return best
    }
}
