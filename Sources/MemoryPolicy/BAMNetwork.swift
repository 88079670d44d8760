import Arithmetic
import Foundation

/// NAMM's scorer, the backward attention memory (BAM; Cetin et al. 2024, arXiv:2410.13166 §3): 4,172 parameters shared
/// by every
/// layer and head. Input X (N tokens × 25 features, in cache order, oldest first); qkv = X W_qkv + b_qkv (25 × 96);
/// one attention head of width 32 with a backward mask (token i attends to itself and the newer tokens j >= i);
/// o = a W_o + b_o (32 × 50); r = o[:, 0..<25], m = o[:, 25..<50]; X' = X (1 + m) + r; score_i = X'_i · w + b.
/// The flat layout is W_qkv, b_qkv, W_o, b_o, w, b, matrices row-major as (in, out). All-zero parameters score every
/// token 0, which the threshold rule reads as "keep".
public struct BAMNetwork: Sendable, Equatable {
    public static let features = 25
    public static let width = 32
    public static let parameterCount = 25 * 96 + 96 + 32 * 50 + 50 + 25 + 1

    public let parameters: [Double]
    /// The parameters as the sgemms take them, converted once (scores run for every head at every firing).
    let weights: [Float]

    public init(parameters: [Double]) throws {
        guard parameters.count == BAMNetwork.parameterCount else {
            throw NAMMError.wrongParameterCount(parameters.count, expected: BAMNetwork.parameterCount, scorer: "BAM")
        }
        guard parameters.allSatisfy(\.isFinite) else { throw NAMMError.nonFiniteParameters(scorer: "BAM") }
        self.parameters = parameters
        weights = parameters.map(Float.init)
    }

    /// Scores of `count` tokens whose features are the rows of `x` (count × 25): four sgemms (qkv, the scores, the
    /// product with v, the output projection) and a masked softmax per row; the (count × count) score matrix is the
    /// largest buffer (9 MB at 1,500 tokens).
    public func scores(_ x: [Float], count: Int) -> [Float] {
        guard count > 0 else { return [] }
        let d = BAMNetwork.features
        let h = BAMNetwork.width
        let p = weights
        // Offsets of the flat layout.
        let wQKV = 0
        let bQKV = wQKV + d * 3 * h
        let wO = bQKV + 3 * h
        let bO = wO + h * 2 * d
        let wScore = bO + 2 * d
        let bScore = wScore + d
        var qkv = [Float](repeating: 0, count: count * 3 * h)  // (count, 96)
        var scores = [Float](repeating: 0, count: count * count)  // (count, count), row i: token i's weights
        var attended = [Float](repeating: 0, count: count * h)  // (count, 32)
        var output = [Float](repeating: 0, count: count * 2 * d)  // (count, 50)
        p.withUnsafeBufferPointer { p in
            x.withUnsafeBufferPointer { x in
                qkv.withUnsafeMutableBufferPointer { qkv in
                    for i in 0..<count {
                        (qkv.baseAddress! + i * 3 * h).update(from: p.baseAddress! + bQKV, count: 3 * h)
                    }
                    BLAS.gemm(
                        m: count, n: 3 * h, k: d, a: x.baseAddress!, lda: d, b: p.baseAddress! + wQKV, ldb: 3 * h,
                        beta: 1, c: qkv.baseAddress!, ldc: 3 * h)
                    scores.withUnsafeMutableBufferPointer { s in
                        // S = q k^T / sqrt(32); row i keeps columns j >= i (itself and the newer tokens).
                        BLAS.gemmTransposedB(
                            m: count, n: count, k: h, alpha: 1 / Float(h).squareRoot(), a: qkv.baseAddress!,
                            lda: 3 * h, b: qkv.baseAddress! + h, ldb: 3 * h, c: s.baseAddress!, ldc: count)
                        for i in 0..<count {
                            let row = s.baseAddress! + i * count
                            row.update(repeating: 0, count: i)
                            let top = VectorMath.maximum(row + i, count: count - i)
                            let total = VectorMath.expShiftedInPlace(row + i, count: count - i, shift: top)
                            VectorMath.scale(row + i, count: count - i, by: 1 / total)
                        }
                        attended.withUnsafeMutableBufferPointer { a in
                            BLAS.gemm(
                                m: count, n: h, k: count, a: s.baseAddress!, lda: count, b: qkv.baseAddress! + 2 * h,
                                ldb: 3 * h, c: a.baseAddress!, ldc: h)
                            output.withUnsafeMutableBufferPointer { o in
                                for i in 0..<count {
                                    (o.baseAddress! + i * 2 * d).update(from: p.baseAddress! + bO, count: 2 * d)
                                }
                                BLAS.gemm(
                                    m: count, n: 2 * d, k: h, a: a.baseAddress!, lda: h, b: p.baseAddress! + wO,
                                    ldb: 2 * d, beta: 1, c: o.baseAddress!, ldc: 2 * d)
                            }
                        }
                    }
                }
            }
        }
        // X' = X (1 + m) + r; score = X' w + b.
        return (0..<count).map { i in
            var score = p[bScore]
            for k in 0..<d {
                let r = output[i * 2 * d + k]
                let m = output[i * 2 * d + d + k]
                score += (x[i * d + k] * (1 + m) + r) * p[wScore + k]
            }
            return score
        }
    }
}

/// What can be wrong with a memory network or its file.
public enum NAMMError: Error, CustomStringConvertible, Equatable {
    case wrongParameterCount(Int, expected: Int, scorer: String)
    case nonFiniteParameters(scorer: String)
    case unknownScorer(String)
    case cannotStart(scorer: String, from: String)

    public var description: String {
        switch self {
        case .wrongParameterCount(let count, let expected, let scorer):
            "a \(scorer) scorer has \(expected) parameters, not \(count)"
        case .nonFiniteParameters(let scorer): "the \(scorer) scorer's parameters must be finite numbers"
        case .unknownScorer(let name): "'\(name)' is not a scorer (known: bam, linear)"
        case .cannotStart(let scorer, let source):
            "a \(scorer) search cannot start from a \(source) network (only from its own kind, or BAM from linear)"
        }
    }
}
