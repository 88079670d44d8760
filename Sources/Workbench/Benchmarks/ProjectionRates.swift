import Arithmetic
import Foundation

/// The projections of a forward pass timed one by one, on the matrix shapes of one chunk: `float32`'s own kernels
/// (AVX-512F and AVX2) against OpenBLAS as the `float32` path called it before them (one single-threaded sgemm per
/// worker over its slice of the output features), the `bf16` numerics' products (`vdpbf16ps`), and the `llamacpp`
/// numerics' integer products of Q4_1 weights and Q8_1 activations (AVX-512 VNNI and AVX2).
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
        case bf16 = "bf16 AVX512"
        case q4VNNI = "Q4_1 VNNI"
        case q4AVX2 = "Q4_1 AVX2"

        public var key: String {
            switch self {
            case .ownAVX512: "own_avx512"
            case .ownAVX2: "own_avx2"
            case .openBLAS: "openblas"
            case .bf16: "bf16_avx512"
            case .q4VNNI: "q4_1_vnni"
            case .q4AVX2: "q4_1_avx2"
            }
        }

        /// The integer products (GOP/s, against the int8 peak) rather than float ones.
        public var isInteger: Bool { self == .q4VNNI || self == .q4AVX2 }

        /// The arithmetic whose peak the kernel's rate is a fraction of (OpenBLAS runs its AVX2 kernels under
        /// OPENBLAS_CORETYPE=Haswell).
        public var arithmetic: PeakRate.Arithmetic {
            switch self {
            case .ownAVX512: .fp32x512
            case .ownAVX2, .openBLAS: .fp32x256
            case .bf16: .bf16
            case .q4VNNI, .q4AVX2: .int8
            }
        }
    }

    /// GFLOP/s of `kernel` on `shape` for `tokens` rows, all workers: the best of `repeats` runs after a warm-up,
    /// each run repeated until it has taken 50 ms; nil for the AVX-512F kernel on a CPU without it.
    public static func measure(_ kernel: Kernel, _ shape: Shape, tokens: Int, repeats: Int = 3) -> Double? {
        if kernel == .ownAVX512 && !Float32Products.avx512 { return nil }
        if kernel == .q4VNNI && !PackedQ4_1.avx512VNNI { return nil }
        if kernel == .bf16 && !PackedBFloat16.avx512BF16 { return nil }
        if kernel.isInteger && (shape.outFeatures % 8 != 0 || shape.inFeatures % 32 != 0) { return nil }
        let x = FloatBuffer(count: tokens * shape.inFeatures, zeroed: false)
        let w = FloatBuffer(count: shape.outFeatures * shape.inFeatures, zeroed: false)
        let y = FloatBuffer(count: tokens * shape.outFeatures)
        for i in 0..<x.count { x[i] = Float(i % 13) * 0.01 - 0.06 }
        for i in 0..<w.count { w[i] = Float(i % 11) * 0.02 - 0.1 }
        let integer = kernel.isInteger ? integerOperands(shape, tokens: tokens, x: x) : nil
        // bf16 weights packed and activations rounded beforehand, as a pass does once per matrix and per input.
        let packed =
            kernel == .bf16 ? PackedBFloat16(w.pointer, rows: shape.outFeatures, columns: shape.inFeatures) : nil
        let pairs = kernel == .bf16 ? BFloat16Activations(capacity: tokens * ((shape.inFeatures + 1) / 2)) : nil
        pairs?.convert(x.pointer, rows: tokens, width: shape.inFeatures)
        func once() {
            switch kernel {
            case .bf16:
                guard let packed, let pairs else { return }
                packed.multiply(pairs, tokens: tokens, into: y.pointer)
            case .q4VNNI, .q4AVX2:
                guard let (weights, activations) = integer else { return }
                weights.multiply(activations, tokens: tokens, into: y.pointer, avx512VNNI: kernel == .q4VNNI)
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

    /// A Q4_1 matrix of `shape` (GGUF blocks of 32: f16 scale, f16 minimum, 16 bytes of 4-bit values) and x
    /// quantised to Q8_1, as the `llamacpp` numerics multiply them.
    static func integerOperands(_ shape: Shape, tokens: Int, x: FloatBuffer) -> (PackedQ4_1, Q8Activations)? {
        let blocks = shape.outFeatures * shape.inFeatures / 32
        var raw = [UInt8](repeating: 0, count: blocks * 20)
        let (scale, minimum) = (Float16(0.01).bitPattern, Float16(-0.08).bitPattern)
        for b in 0..<blocks {
            raw[b * 20] = UInt8(scale & 0xFF)
            raw[b * 20 + 1] = UInt8(scale >> 8)
            raw[b * 20 + 2] = UInt8(minimum & 0xFF)
            raw[b * 20 + 3] = UInt8(minimum >> 8)
            for i in 0..<16 { raw[b * 20 + 4 + i] = UInt8((b * 7 + i * 13) % 256) }
        }
        guard
            let weights = raw.withUnsafeBytes({
                PackedQ4_1(raw: $0.baseAddress!, rows: shape.outFeatures, columns: shape.inFeatures)
            })
        else { return nil }
        let activations = Q8Activations(capacity: tokens * shape.inFeatures)
        activations.quantize(x.pointer, rows: tokens, width: shape.inFeatures)
        return (weights, activations)
    }
}
