import Foundation

/// The answers' scores under one filler: per problem, the mean NLL of its answer tokens and whether greedy
/// decoding gives the whole answer (every answer token the model's top choice).
public struct PauseScores: Sendable, Codable, Equatable {
    public var families: [String]
    public var meanNLL: [Double]
    public var exact: [Bool]
    public var seconds: Double
    public var tokens: Int

    /// The answer perplexity: exp(mean over the problems of their mean answer NLL), each problem weighing the same.
    public func perplexity(family: String? = nil) -> Double {
        let picked = zip(families, meanNLL).filter { family == nil || $0.0 == family }.map(\.1)
        return exp(picked.reduce(0, +) / Double(max(1, picked.count)))
    }

    public func exactFraction(family: String? = nil) -> Double {
        let picked = zip(families, exact).filter { family == nil || $0.0 == family }.map(\.1)
        return Double(picked.filter { $0 }.count) / Double(max(1, picked.count))
    }
}
