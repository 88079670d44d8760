import Arithmetic
import Foundation
import Testing

/// The fused kernel against attention as its definition reads: the full score matrix, a softmax and a product with
/// V, all in double.
@Suite struct FusedAttentionTests {
    /// A block of `rows` queries for `heads` heads over `visible0 + rows - 1` keys, laid out as the engine does
    /// (query rows of several heads side by side).
    struct Case: CustomStringConvertible {
        let rows: Int
        let heads: Int
        let headWidth: Int
        let visible0: Int
        var description: String { "rows \(rows), heads \(heads), d \(headWidth), visible0 \(visible0)" }
    }

    static let cases: [Case] = [
        Case(rows: 1, heads: 1, headWidth: 64, visible0: 1),  // a single key
        Case(rows: 64, heads: 3, headWidth: 64, visible0: 1),  // the first block of a chunk
        Case(rows: 37, heads: 3, headWidth: 64, visible0: 91),  // neither rows nor keys a multiple of a tile
        Case(rows: 17, heads: 2, headWidth: 16, visible0: 200),  // the tiny model's head width
        Case(rows: 5, heads: 1, headWidth: 24, visible0: 70),  // a width that is not a multiple of 16
        // Nine panels: four pairs and one left over on the first tile, three pairs (a masked panel with an unmasked
        // one among them) on the last, of 8 + 4 + 1 keys; a width of 8 + 8 + 4 + 2 dimensions.
        Case(rows: 33, heads: 3, headWidth: 22, visible0: 45),
        Case(rows: 64, heads: 3, headWidth: 64, visible0: 32_768 - 63),  // the last block at 32k keys
    ]

    /// Random queries, keys and values in [-1, 1] for a case.
    struct Inputs {
        let q: [Float]
        let k: [Float]
        let v: [Float]
        let scale: Float

        init(_ c: Case) {
            var generator = RandomGenerator(seed: 0x5EED)
            let keyCount = c.visible0 + c.rows - 1
            // Scores of a few units, as in a trained model, so the softmax is neither flat nor one-hot.
            q = (0..<(c.rows * c.heads * c.headWidth)).map { _ in Float.random(in: -1...1, using: &generator) }
            k = (0..<(keyCount * c.headWidth)).map { _ in Float.random(in: -1...1, using: &generator) }
            v = (0..<(keyCount * c.headWidth)).map { _ in Float.random(in: -1...1, using: &generator) }
            scale = 2 / Float(c.headWidth).squareRoot()
        }

        func attend(_ c: Case, avx512: Bool) -> [Float] {
            let width = c.heads * c.headWidth
            let scratch = FloatBuffer(
                count: FusedAttention.scratchCount(rows: c.rows, heads: c.heads, headWidth: c.headWidth))
            var out = [Float](repeating: .nan, count: c.rows * width)
            FusedAttention.block(
                q: q, qStride: width, rows: c.rows, heads: c.heads, headWidth: c.headWidth, keys: k, values: v,
                visible0: c.visible0, scale: scale, out: &out, outStride: width, scratch: scratch.pointer,
                avx512: avx512)
            return out
        }

        /// Keys and values as the bf16 KV cache holds them.
        var bfloat16KeysAndValues: (k: [UInt16], v: [UInt16]) {
            func round(_ x: [Float]) -> [UInt16] {
                var bits = [UInt16](repeating: 0, count: x.count)
                BFloat16Values.round(x, count: x.count, into: &bits)
                return bits
            }
            return (round(k), round(v))
        }

        func attendBFloat16(_ c: Case, avx512: Bool) -> [Float] {
            let width = c.heads * c.headWidth
            let (k16, v16) = bfloat16KeysAndValues
            let scratch = FloatBuffer(
                count: FusedAttention.scratchCount(rows: c.rows, heads: c.heads, headWidth: c.headWidth))
            var out = [Float](repeating: .nan, count: c.rows * width)
            FusedAttention.blockBFloat16(
                q: q, qStride: width, rows: c.rows, heads: c.heads, headWidth: c.headWidth, keys: k16, values: v16,
                visible0: c.visible0, scale: scale, out: &out, outStride: width, scratch: scratch.pointer,
                avx512: avx512)
            return out
        }
    }

    /// The largest difference between `out` and attention in double over keys and values `k`, `v`.
    static func worstDifference(_ c: Case, q: [Float], k: [Float], v: [Float], scale: Float, out: [Float]) -> Double {
        let width = c.heads * c.headWidth
        var worst = 0.0
        for i in 0..<c.rows {
            let visible = c.visible0 + i
            for g in 0..<c.heads {
                let query = (0..<c.headWidth).map { Double(q[i * width + g * c.headWidth + $0]) }
                let scores = (0..<visible).map { j in
                    (0..<c.headWidth).reduce(0.0) { $0 + query[$1] * Double(k[j * c.headWidth + $1]) }
                        * Double(scale)
                }
                let top = scores.max()!
                let weights = scores.map { Foundation.exp($0 - top) }
                let total = weights.reduce(0, +)
                for e in 0..<c.headWidth {
                    var expected = 0.0
                    for j in 0..<visible { expected += weights[j] * Double(v[j * c.headWidth + e]) }
                    expected /= total
                    worst = max(worst, abs(Double(out[i * width + g * c.headWidth + e]) - expected))
                }
            }
        }
        return worst
    }

    /// The AVX-512F tile step runs the AVX2 one's operations lane for lane, so the two agree to the bit.
    @Test(.enabled(if: FusedAttention.avx512, "the CPU has no AVX-512F"), arguments: cases)
    func avx512KernelGivesTheAVX2KernelsBits(_ c: Case) {
        let inputs = Inputs(c)
        let wide = inputs.attend(c, avx512: true)
        let narrow = inputs.attend(c, avx512: false)
        #expect(wide.map(\.bitPattern) == narrow.map(\.bitPattern))
    }

    @Test(arguments: cases, [false, true]) func matchesDoublePrecisionReference(_ c: Case, avx512: Bool) {
        let inputs = Inputs(c)
        let out = inputs.attend(c, avx512: avx512)
        let worst = Self.worstDifference(c, q: inputs.q, k: inputs.k, v: inputs.v, scale: inputs.scale, out: out)
        // Outputs are averages of values in [-1, 1]; float32 accumulation over up to 32k keys stays within 1e-5.
        #expect(worst < 1e-5, "largest difference \(worst)")
    }

    /// The bf16 tile step (vdpbf16ps) runs the AVX2 emulation's products and sums in the same order: the same bits,
    /// on an odd number of keys too (the last pair's partner is zero).
    @Test(.enabled(if: FusedAttention.avx512BF16, "the CPU has no AVX-512 BF16"), arguments: cases)
    func bfloat16KernelGivesTheEmulationsBits(_ c: Case) {
        let inputs = Inputs(c)
        let wide = inputs.attendBFloat16(c, avx512: true)
        let narrow = inputs.attendBFloat16(c, avx512: false)
        #expect(wide.map(\.bitPattern) == narrow.map(\.bitPattern))
    }

    /// Against attention in double over the keys and values the bf16 cache holds: what remains is the rounding of
    /// the queries and the probabilities to bf16 (8-bit significands, relative error 2^-9 each), averaged over the
    /// keys; a misplaced pair or a wrong interleave would be off by tenths.
    @Test(arguments: cases, [false, true]) func bfloat16MatchesDoublePrecisionReference(_ c: Case, avx512: Bool) {
        if avx512 && !FusedAttention.avx512BF16 { print("no AVX-512 BF16: the emulation ran for both") }
        let inputs = Inputs(c)
        let out = inputs.attendBFloat16(c, avx512: avx512)
        let (k16, v16) = inputs.bfloat16KeysAndValues
        func widen(_ bits: [UInt16]) -> [Float] { bits.map { Float(bitPattern: UInt32($0) << 16) } }
        let worst = Self.worstDifference(
            c, q: inputs.q, k: widen(k16), v: widen(v16), scale: inputs.scale, out: out)
        #expect(worst < 4e-3, "largest difference \(worst)")
        #expect(out.allSatisfy { $0.isFinite })
    }
}
