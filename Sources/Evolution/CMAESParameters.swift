import Foundation

/// The strategy parameters of CMA-ES, with the defaults of Hansen, "The CMA Evolution Strategy: A Tutorial"
/// (arXiv:1604.00772, 2016/2023); equation numbers refer to it. Separable CMA-ES (Ros & Hansen 2008) keeps only
/// the diagonal of C and learns it (n + 2) / 3 times faster.
public struct CMAESParameters: Codable, Sendable, Equatable {
    public let dimension: Int
    public let populationSize: Int  // lambda
    public let parents: Int  // mu
    /// Recombination weights for all lambda ranks: positive for the mu best, negative (active CMA) for the rest.
    public let weights: [Double]
    public let effectiveParents: Double  // mu_eff
    public let cSigma: Double
    public let dSigma: Double
    public let cC: Double
    public let c1: Double
    public let cMu: Double
    /// E||N(0, I)||.
    public let expectedNorm: Double
    public let separable: Bool

    public init(dimension n: Int, populationSize: Int? = nil, separable: Bool = false) {
        let lambda = populationSize ?? (4 + Int(3 * log(Double(n))))  // (48)
        let mu = lambda / 2
        dimension = n
        self.populationSize = lambda
        parents = mu
        self.separable = separable
        // (49) w'_i = ln((lambda + 1) / 2) - ln i
        let raw = (1...lambda).map { log(Double(lambda + 1) / 2) - log(Double($0)) }
        let positive = raw.prefix(mu)
        let negative = raw.dropFirst(mu)
        let muEff = pow(positive.reduce(0, +), 2) / positive.map { $0 * $0 }.reduce(0, +)
        let muEffMinus = negative.isEmpty ? 0 : pow(negative.reduce(0, +), 2) / negative.map { $0 * $0 }.reduce(0, +)
        effectiveParents = muEff
        let nd = Double(n)
        // (55) step-size control
        cSigma = (muEff + 2) / (nd + muEff + 5)
        dSigma = 1 + 2 * max(0, ((muEff - 1) / (nd + 1)).squareRoot() - 1) + cSigma
        // (56)-(58) covariance learning rates
        cC = (4 + muEff / nd) / (nd + 4 + 2 * muEff / nd)
        let alphaCov = 2.0
        var c1 = alphaCov / (pow(nd + 1.3, 2) + muEff)
        var cMu = min(1 - c1, alphaCov * (0.25 + muEff + 1 / muEff - 2) / (pow(nd + 2, 2) + alphaCov * muEff / 2))
        if separable {  // Ros & Hansen 2008: diagonal learning is (n + 2) / 3 times faster
            c1 = min(1, c1 * (nd + 2) / 3)
            cMu = min(1 - c1, cMu * (nd + 2) / 3)
        }
        self.c1 = c1
        self.cMu = cMu
        // (50)-(53) active weights: negative weights scaled so that C stays positive definite
        let alphaMuMinus = 1 + c1 / cMu
        let alphaMuEffMinus = 1 + 2 * muEffMinus / (muEff + 2)
        let alphaPosDefMinus = (1 - c1 - cMu) / (nd * cMu)
        let positiveSum = positive.reduce(0, +)
        let negativeSum = -negative.reduce(0, +)
        let negativeScale = min(alphaMuMinus, alphaMuEffMinus, alphaPosDefMinus)
        weights = raw.map { $0 >= 0 ? $0 / positiveSum : negativeScale * $0 / negativeSum }
        expectedNorm = nd.squareRoot() * (1 - 1 / (4 * nd) + 1 / (21 * nd * nd))
    }
}
