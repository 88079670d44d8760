import Arithmetic
import Assets
import Evolution
import Foundation
import GGUF
import Logging
import Objectives
import Reporting
import RoPEScaling
import RunLoop
import RunStore
import Transformer

/// The LongRoPE search spaces (LongRoPE, arXiv:2402.13753 §3; LongRoPE2, arXiv:2502.20082 §3; docs/longrope.md): how a
/// genome becomes one rotary table
/// (lambda per pair, n-hat, mscale).
///
/// - `full` (LongRoPE): genome = [lambda_0 ... lambda_(p-1)] (+ n-hat when more than one value is allowed), with
///   1 <= lambda_0 <= ... <= lambda_(p-1) <= 1 + s on the 0.01 grid.
/// - `critical` (LongRoPE2): genome = [r, mu_(rmin) ... mu_(p-1)]: the critical pair r in [rmin, rmax], and
///   lambda_i = mu_i for pairs i >= r, monotone in [s, 2s]; pairs below r are NTK-shaped from lambda_r:
///   lambda_i = lambda_r^(i/r). The mu of pairs below r are carried but unused.
/// - `short` (LongRoPE §3.3, the recovery of short-context quality): genome = [lambda_0 ... lambda_(p-1)], monotone
///   in [1, 3], for a target up to the trained context, under the fixed temperature of the long factors they go
///   with (which llama.cpp and Hugging Face apply at every length): the short factors of an export.
///
/// With `baseFactors` (progressive extension), the table's lambda is the genome's lambda times the base
/// element-wise, and s is the step from the base's length to the target.
public struct LongRoPESearchSpace: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case full, critical, short
    }

    /// The attention temperature of every candidate.
    public enum Temperature: Codable, Sendable, Equatable {
        /// LongRoPE's sqrt(1 + ln S / ln L0), S = target / trained length.
        case su
        /// YaRN's 0.1 ln S + 1.
        case yarn
        case fixed(Double)
        /// A gene of its own, searched in [lower, upper] on the grid (the last gene of the genome).
        case searched(lower: Double, upper: Double)

        /// The temperature of a genome whose searched gene (if any) is `gene`.
        public func value(extension S: Double, trainedContext: Int, gene: Double? = nil) -> Double {
            switch self {
            case .su: S > 1 ? (1 + log(S) / log(Double(trainedContext))).squareRoot() : 1
            case .yarn: S > 1 ? 0.1 * log(S) + 1 : 1
            case .fixed(let m): m
            case .searched(let lower, _): gene ?? lower
            }
        }
    }

    public let kind: Kind
    public let pairs: Int
    /// s: the interpolation this search adds (target length / base length).
    public let scale: Double
    /// S: target length / trained length (the temperature's argument; equals s without a base).
    public let extensionRatio: Double
    public let trainedContext: Int
    public let temperature: Temperature
    public let nHatChoices: [Int]
    public let criticalPairs: ClosedRange<Int>
    public let baseFactors: [Double]?
    public let step: Double

    public init(
        kind: Kind, pairs: Int, scale: Double, extensionRatio: Double? = nil, trainedContext: Int,
        temperature: Temperature = .su, nHatChoices: [Int] = [0], criticalPairs: ClosedRange<Int>? = nil,
        baseFactors: [Double]? = nil, step: Double = 0.01, base: Double = 10_000
    ) throws {
        if kind == .short {
            guard scale.isFinite, scale > 0, scale <= 1 else { throw SearchSpaceError.notShort(scale) }
            guard case .fixed = temperature else {
                throw SearchSpaceError.empty(
                    "short factors are searched under the fixed temperature of their long factors: mscale must be a number"
                )
            }
        } else {
            guard scale.isFinite, scale > 1 else { throw SearchSpaceError.notAnExtension(scale) }
        }
        guard pairs >= 2 else {
            throw SearchSpaceError.empty("a model with \(pairs) rotary pairs has nothing to search")
        }
        guard !nHatChoices.isEmpty, nHatChoices.allSatisfy({ $0 >= 0 }) else {
            throw SearchSpaceError.empty("the n-hat set is empty or has a negative value")
        }
        if let baseFactors {
            guard baseFactors.count == pairs, baseFactors.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw SearchSpaceError.badBase("\(baseFactors.count) base factors for \(pairs) pairs, each positive")
            }
        }
        let critical =
            criticalPairs
            ?? LongRoPESearchSpace.criticalRange(
                rotaryDimensions: 2 * pairs, base: base, trainedContext: trainedContext)
        guard critical.lowerBound >= 1, critical.upperBound < pairs else {
            throw SearchSpaceError.empty("critical pairs \(critical) must lie in 1...\(pairs - 1)")
        }
        if case .fixed(let m) = temperature, !(m.isFinite && m > 0) {
            throw SearchSpaceError.empty("mscale \(m) must be a positive number")
        }
        if case .searched(let low, let high) = temperature, !(low > 0 && low < high && high.isFinite) {
            throw SearchSpaceError.empty("the mscale range [\(low), \(high)] must be positive and not empty")
        }
        self.kind = kind
        self.pairs = pairs
        self.scale = scale
        self.extensionRatio = extensionRatio ?? scale
        self.trainedContext = trainedContext
        self.temperature = temperature
        self.nHatChoices = Array(Set(nHatChoices)).sorted()
        self.criticalPairs = critical
        self.baseFactors = baseFactors
        self.step = step
    }

    /// LongRoPE2's candidates for the critical pair: from d_10tcd (10 full periods inside L_train) to
    /// d_tcd = ceil((d/2) log_base(L_train / 2 pi)). SmolLM2-135M: 14...20.
    public static func criticalRange(rotaryDimensions d: Int, base: Double, trainedContext: Int) -> ClosedRange<Int> {
        let half = Double(d) / 2
        let theoretical = Int((half * log(Double(trainedContext) / (2 * Double.pi)) / log(base)).rounded(.up))
        let tenPeriods = Int((half * log(Double(trainedContext) / (20 * Double.pi)) / log(base)).rounded(.up))
        let upper = min(max(theoretical, 1), d / 2 - 1)
        return min(max(tenPeriods, 1), upper)...upper
    }

    // MARK: genome layout

    var hasNHatGene: Bool { kind == .full && nHatChoices.count > 1 }
    /// Whether every pair has a lambda gene of its own (no critical pair).
    var perPair: Bool { kind != .critical }
    var hasTemperatureGene: Bool { if case .searched = temperature { true } else { false } }
    var lambdaLower: Double { kind == .critical ? scale : 1 }
    var lambdaUpper: Double {
        switch kind {
        case .full: 1 + scale
        case .critical: 2 * scale
        case .short: 3
        }
    }
    /// First pair that has a lambda gene.
    var firstSearchedPair: Int { perPair ? 0 : criticalPairs.lowerBound }
    /// Index of the first lambda gene in the genome.
    var firstLambdaGene: Int { perPair ? 0 : 1 }

    /// The genes, for the GA and for snapping: reals on the grid, monotone over the lambda genes.
    public var geneSpace: GeneSpace {
        let lambdaGene = Gene.real(lower: lambdaLower, upper: lambdaUpper, step: step)
        let lambdas = Array(repeating: lambdaGene, count: pairs - firstSearchedPair)
        var temperatureGene: [Gene] = []
        if case .searched(let low, let high) = temperature {
            temperatureGene = [.real(lower: low, upper: high, step: step)]
        }
        switch kind {
        case .full, .short:
            let nHat: [Gene] = hasNHatGene ? [.choice(nHatChoices.map(Double.init))] : []
            return GeneSpace(genes: lambdas + nHat + temperatureGene, monotone: 0..<lambdas.count)
        case .critical:
            let r = Gene.integer(lower: criticalPairs.lowerBound, upper: criticalPairs.upperBound)
            return GeneSpace(genes: [r] + lambdas + temperatureGene, monotone: 1..<(1 + lambdas.count))
        }
    }

    public var dimension: Int { geneSpace.count }

    // MARK: genome -> table

    /// The rotary table of a valid genome.
    public func table(_ genome: [Double]) -> RotaryTable {
        var lambda = [Double](repeating: 1, count: pairs)
        var nHat = nHatChoices[0]
        switch kind {
        case .full, .short:
            for i in 0..<pairs { lambda[i] = genome[i] }
            if hasNHatGene { nHat = Int(genome[pairs]) }
        case .critical:
            let r = Int(genome[0])
            for i in r..<pairs { lambda[i] = genome[firstLambdaGene + i - firstSearchedPair] }
            for i in 0..<r { lambda[i] = pow(lambda[r], Double(i) / Double(r)) }
        }
        if let baseFactors { lambda = zip(lambda, baseFactors).map(*) }
        let mscale = temperature.value(
            extension: extensionRatio, trainedContext: trainedContext, gene: hasTemperatureGene ? genome.last : nil)
        return RotaryTable(lambda: lambda, nHat: nHat, mscale: mscale)
    }

    /// The nearest valid genome (each gene snapped, the lambdas made non-decreasing by pool-adjacent-violators
    /// and a running maximum after snapping).
    public func snap(_ x: [Double]) -> [Double] {
        let space = geneSpace
        var genome = space.snap(Array(x.prefix(space.count)))
        let lambdas = space.monotone!
        let projected = Constraint.poolAdjacentViolators(Array(genome[lambdas]))
        for (offset, value) in projected.enumerated() {
            let i = lambdas.lowerBound + offset
            genome[i] = space.genes[i].snap(offset == 0 ? value : max(value, genome[i - 1]))
        }
        return genome
    }

    // MARK: coordinates for CMA-ES

    /// Genes mapped linearly to [0, 1] (CMA-ES searches there, so one step size fits every gene).
    public func unitCoordinates(_ genome: [Double]) -> [Double] {
        zip(geneSpace.genes, genome).map { gene, g in
            gene.upper > gene.lower ? (g - gene.lower) / (gene.upper - gene.lower) : 0
        }
    }

    public func genome(fromUnit u: [Double]) -> [Double] {
        zip(geneSpace.genes, u).map { gene, v in gene.lower + v * (gene.upper - gene.lower) }
    }

    /// Repairs a point asked by a strategy: the valid genome to evaluate, and the squared distance to it in unit
    /// coordinates (the constraint penalty's argument).
    public func repair(_ x: [Double], unit: Bool) -> (genome: [Double], distanceSquared: Double) {
        let raw = unit ? genome(fromUnit: x) : x
        let valid = snap(raw)
        let a = unit ? x : unitCoordinates(raw)
        let b = unitCoordinates(valid)
        return (valid, zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) })
    }

    // MARK: seeds

    /// The valid genome whose table is nearest (in log lambda) to `lambda`, a rescaling method's factors at the
    /// target (with its temperature `mscale` when the space searches one); in the critical space, the critical
    /// pair that fits best.
    public func genome(nearest lambda: [Double], nHat: Int = 0, mscale: Double = 1) -> [Double] {
        let relative = baseFactors.map { base in zip(lambda, base).map { $0 / $1 } } ?? lambda
        func distance(_ genome: [Double]) -> Double {
            zip(table(genome).lambda, lambda).reduce(0) { $0 + pow(log($1.0) - log($1.1), 2) }
        }
        let lambdas = Array(relative[firstSearchedPair...])
        let temperatureGene = hasTemperatureGene ? [mscale] : []
        switch kind {
        case .full, .short:
            let n = nHatChoices.min { abs($0 - nHat) < abs($1 - nHat) } ?? 0
            return snap(lambdas + (hasNHatGene ? [Double(n)] : []) + temperatureGene)
        case .critical:
            let candidates = criticalPairs.map { r in snap([Double(r)] + lambdas + temperatureGene) }
            return candidates.min { distance($0) < distance($1) }!
        }
    }
}

public enum SearchSpaceError: Error, CustomStringConvertible, Equatable {
    case notAnExtension(Double)
    case notShort(Double)
    case empty(String)
    case badBase(String)

    public var description: String {
        switch self {
        case .notAnExtension(let s):
            "the target must be longer than the model's trained context (scale \(s) is not above 1); space short searches short-context factors"
        case .notShort(let s):
            "short factors are for lengths up to the model's trained context (scale \(s) is above 1); use space full or critical to extend"
        case .empty(let reason): "the search space is empty: \(reason)"
        case .badBase(let reason): "the base factors of a progressive search are unusable: \(reason)"
        }
    }
}
