import Arithmetic
import Foundation
import Testing

/// bf16 products with float32 sums against the same sums in double from the bf16-rounded values, on shapes that are
/// not multiples of the register block; the AVX512_BF16 and AVX2 kernels against each other.
@Suite struct BFloat16ProductsTests {
    /// Round to nearest even bf16, independently of the kernels: via the float's bits.
    static func bf16(_ x: Float) -> Float {
        var bits = x.bitPattern
        bits = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
        return Float(bitPattern: bits & 0xFFFF_0000)
    }

    @Test(arguments: [(1, 1, 1), (1, 2, 16), (3, 7, 17), (8, 64, 48), (9, 33, 49), (17, 576, 192), (13, 96, 3)])
    func productsMatchDoubleOnAwkwardShapes(tokens: Int, columns: Int, rows: Int) {
        var random = RandomGenerator(seed: UInt64(tokens * 1000 + columns * 10 + rows))
        let w = (0..<(rows * columns)).map { _ in Float.random(in: -1...1, using: &random) }
        let x = (0..<(tokens * columns)).map { _ in Float.random(in: -2...2, using: &random) }
        let packed = w.withUnsafeBufferPointer { PackedBFloat16($0.baseAddress!, rows: rows, columns: columns) }
        let activations = BFloat16Activations(capacity: tokens * (columns + 1))
        x.withUnsafeBufferPointer { activations.convert($0.baseAddress!, rows: tokens, width: columns) }
        for avx512 in [true, false] {
            var y = [Float](repeating: 7, count: tokens * rows)
            y.withUnsafeMutableBufferPointer {
                packed.multiply(activations, tokens: tokens, into: $0.baseAddress!, avx512: avx512)
            }
            var accumulated = [Float](repeating: 1, count: tokens * rows)
            accumulated.withUnsafeMutableBufferPointer {
                packed.multiply(activations, tokens: tokens, into: $0.baseAddress!, accumulate: true, avx512: avx512)
            }
            for t in 0..<tokens {
                for o in 0..<rows {
                    var exact = 0.0
                    var magnitude = 0.0
                    for k in 0..<columns {
                        let p = Double(Self.bf16(x[t * columns + k])) * Double(Self.bf16(w[o * columns + k]))
                        exact += p
                        magnitude += abs(p)
                    }
                    // float32 sums of `columns` exact products: within columns ulps of the magnitude.
                    let bound = Double(columns) * Double(Float.ulpOfOne) * max(magnitude, 1e-30)
                    #expect(abs(Double(y[t * rows + o]) - exact) <= bound, "avx512 \(avx512) t \(t) o \(o)")
                    #expect(abs(Double(accumulated[t * rows + o]) - (exact + 1)) <= bound + 1e-6)
                }
            }
        }
    }

    @Test func theTwoKernelsGiveTheSameBits() {
        guard PackedBFloat16.avx512BF16 else {
            print("this CPU has no AVX512_BF16: the AVX2 kernel ran alone (against double above)")
            return
        }
        var random = RandomGenerator(seed: 42)
        let (tokens, columns, rows) = (21, 578, 83)
        let w = (0..<(rows * columns)).map { _ in Float.random(in: -1...1, using: &random) }
        let x = (0..<(tokens * columns)).map { _ in Float.random(in: -3...3, using: &random) }
        let packed = w.withUnsafeBufferPointer { PackedBFloat16($0.baseAddress!, rows: rows, columns: columns) }
        let activations = BFloat16Activations(capacity: tokens * columns)
        x.withUnsafeBufferPointer { activations.convert($0.baseAddress!, rows: tokens, width: columns) }
        var fast = [Float](repeating: 0, count: tokens * rows)
        var portable = fast
        fast.withUnsafeMutableBufferPointer { packed.multiply(activations, tokens: tokens, into: $0.baseAddress!) }
        portable.withUnsafeMutableBufferPointer {
            packed.multiply(activations, tokens: tokens, into: $0.baseAddress!, avx512: false)
        }
        let differing = zip(fast, portable).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differing == 0, "\(differing) of \(fast.count) outputs differ")
    }
}
