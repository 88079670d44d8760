import Foundation
import Numerics
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
        Case(rows: 64, heads: 3, headWidth: 64, visible0: 32_768 - 63),  // the last block at 32k keys
    ]

    @Test(arguments: cases) func matchesDoublePrecisionReference(_ c: Case) {
        var generator = SystemRandomNumberGenerator()
        let width = c.heads * c.headWidth
        let keyCount = c.visible0 + c.rows - 1
        // Scores of a few units, as in a trained model, so the softmax is neither flat nor one-hot.
        let q = (0..<(c.rows * width)).map { _ in Float.random(in: -1...1, using: &generator) }
        let k = (0..<(keyCount * c.headWidth)).map { _ in Float.random(in: -1...1, using: &generator) }
        let v = (0..<(keyCount * c.headWidth)).map { _ in Float.random(in: -1...1, using: &generator) }
        let scale = 2 / Float(c.headWidth).squareRoot()
        let scratch = FloatBuffer(
            count: FusedAttention.scratchCount(rows: c.rows, heads: c.heads, headWidth: c.headWidth))
        var out = [Float](repeating: .nan, count: c.rows * width)
        FusedAttention.block(
            q: q, qStride: width, rows: c.rows, heads: c.heads, headWidth: c.headWidth, keys: k, values: v,
            visible0: c.visible0, scale: scale, out: &out, outStride: width, scratch: scratch.pointer)

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
        // Outputs are averages of values in [-1, 1]; float32 accumulation over up to 32k keys stays within 1e-5.
        #expect(worst < 1e-5, "largest difference \(worst)")
    }
}
