import Arithmetic
import Foundation
import Testing

/// The integer Q4_1 x Q8_1 product against ggml's definition, written out here in double: activations quantised
/// per 32 values (d = f16(amax / 127), q = round(x * 127 / amax), s = f16(d_unrounded * sum q)), weights
/// w = d_w q + m_w, and per block d_w d_a sum(q_w q_a) + m_w s.
@Suite struct IntegerProductsTests {
    struct Block {
        var d: Float16
        var m: Float16
        var q: [UInt8]  // 32 values, 0...15
    }

    /// GGUF's 20-byte block: f16 d, f16 m, then value j in the low nibble of byte j and value j + 16 in its high one.
    func raw(_ blocks: [Block]) -> [UInt8] {
        blocks.flatMap { b -> [UInt8] in
            let d = b.d.bitPattern
            let m = b.m.bitPattern
            var bytes = [UInt8(d & 0xFF), UInt8(d >> 8), UInt8(m & 0xFF), UInt8(m >> 8)]
            for j in 0..<16 { bytes.append(b.q[j] | (b.q[j + 16] << 4)) }
            return bytes
        }
    }

    @Test(arguments: [(8, 32, 1), (16, 64, 7), (24, 96, 4), (64, 576, 70)])
    func matchesTheDefinitionInDouble(rows: Int, columns: Int, tokens: Int) throws {
        var random = RandomGenerator(seed: 0x5EED)
        let perRow = columns / 32
        let blocks = (0..<(rows * perRow)).map { _ in
            Block(
                d: Float16(Float.random(in: 0.001...0.05, using: &random)),
                m: Float16(Float.random(in: -0.4...0.1, using: &random)),
                q: (0..<32).map { _ in UInt8.random(in: 0...15, using: &random) })
        }
        var x = (0..<(tokens * columns)).map { _ in Float.random(in: -3...3, using: &random) }
        x[0..<32] = ArraySlice(repeating: 0, count: 32)  // an all-zero block: d = 0, q = 0
        let bytes = raw(blocks)
        let packed = try #require(
            bytes.withUnsafeBytes { PackedQ4_1(raw: $0.baseAddress!, rows: rows, columns: columns) })
        let activations = Q8Activations(capacity: tokens * columns)
        x.withUnsafeBufferPointer { activations.quantize($0.baseAddress!, rows: tokens, width: columns) }
        let start = (0..<(tokens * rows)).map { _ in Float.random(in: -1...1, using: &random) }
        var y = start
        packed.multiply(activations, tokens: tokens, into: &y, accumulate: true)

        for t in 0..<tokens {
            // The activations' blocks, quantised by the definition.
            var qa: [[Int]] = []
            var da: [Double] = []
            var sa: [Double] = []
            for b in 0..<perRow {
                let block = x[(t * columns + b * 32)..<(t * columns + b * 32 + 32)]
                let amax = block.map(abs).max()!
                let inverse: Float = amax != 0 ? 127 / amax : 0
                let q = block.map { Int(($0 * inverse).rounded(.toNearestOrEven)) }
                qa.append(q)
                da.append(Double(Float16(amax / 127)))
                sa.append(Double(Float16(amax / 127 * Float(q.reduce(0, +)))))
            }
            for o in 0..<rows {
                var expected = Double(start[t * rows + o])
                for b in 0..<perRow {
                    let w = blocks[o * perRow + b]
                    let dot = (0..<32).reduce(0) { $0 + Int(w.q[$1]) * qa[b][$1] }
                    expected += Double(w.d) * da[b] * Double(dot) + Double(w.m) * sa[b]
                }
                let got = Double(y[t * rows + o])
                #expect(abs(got - expected) <= 1e-5 * max(1, abs(expected)), "token \(t), row \(o)")
            }
        }
    }

    /// The VNNI kernel's block sums are the AVX2 kernel's exact integers and its float scaling is the same, lane for
    /// lane: the two give the same bits, on an odd number of groups (the last one left to AVX2) and token counts that
    /// are not a multiple of its 8-token tile.
    @Test(
        .enabled(if: PackedQ4_1.avx512VNNI, "the CPU has no AVX-512 VNNI"),
        arguments: [(8, 32, 1), (24, 96, 13), (64, 576, 70), (192, 1536, 9)])
    func vnniKernelGivesTheAVX2KernelsBits(rows: Int, columns: Int, tokens: Int) throws {
        var random = RandomGenerator(seed: 0x5EED)
        let blocks = (0..<(rows * columns / 32)).map { _ in
            Block(
                d: Float16(Float.random(in: 0.001...0.05, using: &random)),
                m: Float16(Float.random(in: -0.4...0.1, using: &random)),
                q: (0..<32).map { _ in UInt8.random(in: 0...15, using: &random) })
        }
        let x = (0..<(tokens * columns)).map { _ in Float.random(in: -3...3, using: &random) }
        let packed = try #require(
            raw(blocks).withUnsafeBytes { PackedQ4_1(raw: $0.baseAddress!, rows: rows, columns: columns) })
        let activations = Q8Activations(capacity: tokens * columns)
        x.withUnsafeBufferPointer { activations.quantize($0.baseAddress!, rows: tokens, width: columns) }
        let start = (0..<(tokens * rows)).map { _ in Float.random(in: -1...1, using: &random) }
        var wide = start
        var narrow = start
        packed.multiply(activations, tokens: tokens, into: &wide, accumulate: true, avx512VNNI: true)
        packed.multiply(activations, tokens: tokens, into: &narrow, accumulate: true, avx512VNNI: false)
        #expect(wide.map(\.bitPattern) == narrow.map(\.bitPattern))
    }

    @Test func shapesItCannotPackAreRefused() {
        let bytes = [UInt8](repeating: 0, count: 20 * 12)
        bytes.withUnsafeBytes { raw in
            #expect(PackedQ4_1(raw: raw.baseAddress!, rows: 12, columns: 32) == nil)  // rows not a multiple of 8
            #expect(PackedQ4_1(raw: raw.baseAddress!, rows: 8, columns: 48) == nil)  // columns not whole blocks
        }
    }
}
