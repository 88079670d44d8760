import Foundation

/// NAMM's scorer, the backward attention memory (BAM, ../shared/specs/namm.md §3): 4,172 parameters shared by every
/// layer and head. Input X (N tokens × 25 features, in cache order, oldest first); qkv = X W_qkv + b_qkv (25 × 96);
/// one attention head of width 32 with a backward mask (token i attends to itself and the newer tokens j >= i);
/// o = a W_o + b_o (32 × 50); r = o[:, 0..<25], m = o[:, 25..<50]; X' = X (1 + m) + r; score_i = X'_i · w + b.
/// The flat layout is W_qkv, b_qkv, W_o, b_o, w, b, matrices row-major as (in, out). All-zero parameters score every
/// token 0, which the threshold rule reads as "keep".
public struct BAMNetwork: Sendable, Equatable {
    public static let features = 25
    public static let width = 32
    public static let parameterCount = 25 * 96 + 96 + 32 * 50 + 50 + 25 + 1

    public var parameters: [Double]

    public init(parameters: [Double]) throws {
        guard parameters.count == BAMNetwork.parameterCount else {
            throw NAMMError.wrongParameterCount(parameters.count, expected: BAMNetwork.parameterCount, scorer: "BAM")
        }
        guard parameters.allSatisfy(\.isFinite) else { throw NAMMError.nonFiniteParameters(scorer: "BAM") }
        self.parameters = parameters
    }

    /// Scores of `count` tokens whose features are the rows of `x` (count × 25).
    public func scores(_ x: [Float], count: Int) -> [Float] {
        let d = BAMNetwork.features
        let h = BAMNetwork.width
        let p = parameters.map(Float.init)
        // Offsets of the flat layout.
        let wQKV = 0
        let bQKV = wQKV + d * 3 * h
        let wO = bQKV + 3 * h
        let bO = wO + h * 2 * d
        let wScore = bO + 2 * d
        let bScore = wScore + d
        // qkv (count × 96).
        var qkv = [Float](repeating: 0, count: count * 3 * h)
        for i in 0..<count {
            for j in 0..<(3 * h) {
                var s = p[bQKV + j]
                for k in 0..<d { s += x[i * d + k] * p[wQKV + k * 3 * h + j] }
                qkv[i * 3 * h + j] = s
            }
        }
        var result = [Float](repeating: 0, count: count)
        let scale = 1 / Float(h).squareRoot()
        var weights = [Float](repeating: 0, count: count)
        for i in 0..<count {
            // Backward attention: token i over tokens i..<count (itself and the newer ones).
            var top = -Float.infinity
            for j in i..<count {
                var s: Float = 0
                for k in 0..<h { s += qkv[i * 3 * h + k] * qkv[j * 3 * h + h + k] }
                weights[j] = s * scale
                top = max(top, weights[j])
            }
            var total: Float = 0
            for j in i..<count {
                weights[j] = Foundation.exp(weights[j] - top)
                total += weights[j]
            }
            var a = [Float](repeating: 0, count: h)
            for j in i..<count {
                let share = weights[j] / total
                for k in 0..<h { a[k] += share * qkv[j * 3 * h + 2 * h + k] }
            }
            // o = a W_o + b_o; X' = X (1 + m) + r; score = X' w + b.
            var score = p[bScore]
            for k in 0..<d {
                var r = p[bO + k]
                var m = p[bO + d + k]
                for c in 0..<h {
                    r += a[c] * p[wO + c * 2 * d + k]
                    m += a[c] * p[wO + c * 2 * d + d + k]
                }
                score += (x[i * d + k] * (1 + m) + r) * p[wScore + k]
            }
            result[i] = score
        }
        return result
    }
}

/// What can be wrong with a memory network or its file.
public enum NAMMError: Error, CustomStringConvertible, Equatable {
    case wrongParameterCount(Int, expected: Int, scorer: String)
    case nonFiniteParameters(scorer: String)
    case unknownScorer(String)

    public var description: String {
        switch self {
        case .wrongParameterCount(let count, let expected, let scorer):
            "a \(scorer) scorer has \(expected) parameters, not \(count)"
        case .nonFiniteParameters(let scorer): "the \(scorer) scorer's parameters must be finite numbers"
        case .unknownScorer(let name): "'\(name)' is not a scorer (known: bam, linear)"
        }
    }
}
