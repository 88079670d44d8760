import Arithmetic
import Foundation
import Testing

/// The own float32 kernels against the chain of fused multiply-adds they promise (Swift's `addingProduct`, bit for
/// bit) and against the sum in double, on shapes that are not multiples of the register blocks (8 or 6 tokens, 48
/// or 16 rows): one token, one row, one column, an empty inner dimension; the AVX-512F and AVX2 kernels both.
@Suite struct Float32ProductsTests {
    static func chain(_ x: [Float], _ w: [Float], token t: Int, row o: Int, columns: Int) -> Float {
        var acc: Float = 0
        for k in 0..<columns { acc = acc.addingProduct(x[t * columns + k], w[o * columns + k]) }
        return acc
    }

    /// x W^T written over (or added to) an output filled with `initial`.
    static func multiply(
        _ x: [Float], _ w: [Float], tokens: Int, columns: Int, rows: Int, onto initial: Float, accumulate: Bool = false,
        avx512: Bool
    ) -> [Float] {
        var y = [Float](repeating: initial, count: tokens * rows)
        y.withUnsafeMutableBufferPointer { y in
            Float32Products.linear(
                x, rows: tokens, inFeatures: columns, weight: w, outFeatures: rows, into: y.baseAddress!,
                accumulate: accumulate, avx512: avx512)
        }
        return y
    }

    @Test(arguments: [
        (1, 1, 1), (1, 577, 1), (7, 1, 50), (8, 64, 48), (9, 33, 49), (13, 96, 3), (17, 576, 192), (6, 5, 97),
        (3, 0, 5),
    ])
    func productsAreTheirChainsOnAwkwardShapes(tokens: Int, columns: Int, rows: Int) {
        var random = RandomGenerator(seed: UInt64(tokens * 1000 + columns * 10 + rows))
        let w = (0..<(rows * columns)).map { _ in Float.random(in: -1...1, using: &random) }
        let x = (0..<(tokens * columns)).map { _ in Float.random(in: -2...2, using: &random) }
        let kernels = Float32Products.avx512 ? [true, false] : [false]
        if !Float32Products.avx512 { print("this CPU has no AVX-512F: the AVX2 kernel ran alone") }
        for avx512 in kernels {
            let y = Self.multiply(x, w, tokens: tokens, columns: columns, rows: rows, onto: 7, avx512: avx512)
            let accumulated = Self.multiply(
                x, w, tokens: tokens, columns: columns, rows: rows, onto: 1, accumulate: true, avx512: avx512)
            for t in 0..<tokens {
                for o in 0..<rows {
                    let chain = Self.chain(x, w, token: t, row: o, columns: columns)
                    #expect(y[t * rows + o].bitPattern == chain.bitPattern, "avx512 \(avx512) t \(t) o \(o)")
                    #expect(accumulated[t * rows + o].bitPattern == (chain + 1).bitPattern)
                    var exact = 0.0
                    var magnitude = 0.0
                    for k in 0..<columns {
                        let p = Double(x[t * columns + k]) * Double(w[o * columns + k])
                        exact += p
                        magnitude += abs(p)
                    }
                    let bound = Double(columns) * Double(Float.ulpOfOne) * max(magnitude, 1e-30)
                    #expect(abs(Double(y[t * rows + o]) - exact) <= bound)
                }
            }
        }
    }

    /// A strided output (one matrix written into the columns of a wider one) leaves the other columns alone, from
    /// the workers or on the calling thread (the output layer's slices).
    @Test(arguments: [false, true]) func aStridedOutputKeepsItsOtherColumns(onThisThread: Bool) {
        var random = RandomGenerator(seed: 5)
        let (tokens, columns, rows, ldy) = (11, 40, 53, 70)
        let w = (0..<(rows * columns)).map { _ in Float.random(in: -1...1, using: &random) }
        let x = (0..<(tokens * columns)).map { _ in Float.random(in: -1...1, using: &random) }
        var y = [Float](repeating: -3, count: tokens * ldy)
        y.withUnsafeMutableBufferPointer { y in
            if onThisThread {
                Float32Products.linearOnThisThread(
                    x, rows: tokens, inFeatures: columns, weight: w, outFeatures: rows, into: y.baseAddress!, ldy: ldy)
            } else {
                Float32Products.linear(
                    x, rows: tokens, inFeatures: columns, weight: w, outFeatures: rows, into: y.baseAddress!, ldy: ldy)
            }
        }
        for t in 0..<tokens {
            for o in 0..<ldy {
                let expected = o < rows ? Self.chain(x, w, token: t, row: o, columns: columns) : -3
                #expect(y[t * ldy + o].bitPattern == expected.bitPattern, "t \(t) o \(o)")
            }
        }
    }

    /// Strided operands and W given as its transpose (attention's P V, where V is keys x head width): the same
    /// chains, bit for bit, with both kernels; blocks of 16 and 32 rows (64 = 48 + 16) included.
    @Test(arguments: [(64, 1000, 64, true), (5, 7, 33, true), (9, 64, 200, false), (3, 70, 32, true)])
    func stridedAndTransposedOperandsKeepTheChains(rows: Int, inFeatures: Int, outFeatures: Int, transposed: Bool) {
        var random = RandomGenerator(seed: UInt64(rows * 7 + inFeatures + outFeatures))
        let (ldx, ldw, ldy) = (inFeatures + 3, (transposed ? outFeatures : inFeatures) + 5, outFeatures + 2)
        let x = (0..<(rows * ldx)).map { _ in Float.random(in: -1...1, using: &random) }
        let stored = (0..<((transposed ? inFeatures : outFeatures) * ldw)).map { _ in
            Float.random(in: -1...1, using: &random)
        }
        func w(_ o: Int, _ k: Int) -> Float { transposed ? stored[k * ldw + o] : stored[o * ldw + k] }
        for avx512 in Float32Products.avx512 ? [true, false] : [false] {
            var y = [Float](repeating: 9, count: rows * ldy)
            y.withUnsafeMutableBufferPointer { y in
                Float32Products.productOnThisThread(
                    x, ldx: ldx, rows: rows, inFeatures: inFeatures, weight: stored, ldw: ldw, transposed: transposed,
                    outFeatures: outFeatures, into: y.baseAddress!, ldy: ldy, avx512: avx512)
            }
            var wrong = 0
            for t in 0..<rows {
                for o in 0..<ldy {
                    var chain: Float = 9
                    if o < outFeatures {
                        chain = 0
                        for k in 0..<inFeatures { chain = chain.addingProduct(x[t * ldx + k], w(o, k)) }
                    }
                    if y[t * ldy + o].bitPattern != chain.bitPattern { wrong += 1 }
                }
            }
            #expect(wrong == 0, "avx512 \(avx512): \(wrong) of \(rows * ldy) outputs differ")
        }
    }
}
