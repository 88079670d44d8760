import Foundation

/// A learned scorer of cached tokens: 25 features per token (NAMMFeatures) in, one score per token out. The
/// threshold rule evicts the tokens that score below zero; a hard budget keeps the highest.
public protocol TokenScorer: Sendable {
    var name: String { get }
    var parameters: [Double] { get }
    /// Scores of `count` tokens whose features are the rows of `x` (count × 25), in cache order (oldest first).
    func scores(_ x: [Float], count: Int) -> [Float]
}

extension BAMNetwork: TokenScorer {
    public var name: String { "bam" }
}

/// The linear sibling of BAM over the same 25 features: score = x · w + b (26 parameters), a baseline that shows
/// what the attention between tokens adds.
public struct LinearScorer: TokenScorer, Equatable {
    public static let parameterCount = BAMNetwork.features + 1
    public let parameters: [Double]
    let weights: [Float]
    public var name: String { "linear" }

    public init(parameters: [Double]) throws {
        guard parameters.count == LinearScorer.parameterCount else {
            throw NAMMError.wrongParameterCount(
                parameters.count, expected: LinearScorer.parameterCount, scorer: "linear")
        }
        guard parameters.allSatisfy(\.isFinite) else { throw NAMMError.nonFiniteParameters(scorer: "linear") }
        self.parameters = parameters
        weights = parameters.map(Float.init)
    }

    public func scores(_ x: [Float], count: Int) -> [Float] {
        let d = BAMNetwork.features
        let w = weights
        return (0..<count).map { i in
            var s = w[d]
            for k in 0..<d { s += x[i * d + k] * w[k] }
            return s
        }
    }
}

/// Scorers by name, made from a flat parameter vector (the genome of a NAMM search).
public enum TokenScorers {
    public static let names = ["bam", "linear"]

    public static func parameterCount(_ name: String) -> Int? {
        switch name {
        case "bam": BAMNetwork.parameterCount
        case "linear": LinearScorer.parameterCount
        default: nil
        }
    }

    /// The genome of a `scorer` that scores like the `source` scorer with `parameters`: the same parameters for the
    /// same scorer, and a linear scorer inside BAM (BAM's last 26 parameters are w and b, and with the attention
    /// block at zero X' = X, so its score is x · w + b). A search can start from a trained network this way.
    public static func genome(of scorer: String, from source: String, parameters: [Double]) throws -> [Double] {
        switch (source, scorer) {
        case _ where source == scorer:
            _ = try make(scorer, parameters: parameters)
            return parameters
        case ("linear", "bam"):
            _ = try LinearScorer(parameters: parameters)
            return [Double](repeating: 0, count: BAMNetwork.parameterCount - LinearScorer.parameterCount) + parameters
        default:
            throw NAMMError.cannotStart(scorer: scorer, from: source)
        }
    }

    public static func make(_ name: String, parameters: [Double]) throws -> any TokenScorer {
        switch name {
        case "bam": try BAMNetwork(parameters: parameters)
        case "linear": try LinearScorer(parameters: parameters)
        default: throw NAMMError.unknownScorer(name)
        }
    }
}
