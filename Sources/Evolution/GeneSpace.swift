import Arithmetic

/// What each gene of a genome may be: a real in a range (optionally on a grid, as LongRoPE's 0.01 steps), an
/// integer in a range, or one of a list of values (LongRoPE's n-hat set). `snap` maps any vector to the nearest
/// valid genome, so every operator (and CMA-ES, through its decoder) can work in plain reals.
public enum Gene: Codable, Sendable, Equatable {
    case real(lower: Double, upper: Double, step: Double? = nil)
    case integer(lower: Int, upper: Int)
    case choice([Double])

    public func snap(_ value: Double) -> Double {
        switch self {
        case .real(let lower, let upper, let step):
            var v = min(max(value, lower), upper)
            if let step, step > 0 {
                v = lower + ((v - lower) / step).rounded() * step
                if v > upper { v -= step }
            }
            return v
        case .integer(let lower, let upper):
            return min(max(value.rounded(), Double(lower)), Double(upper))
        case .choice(let values):
            return values.min { abs($0 - value) < abs($1 - value) } ?? value
        }
    }

    public var lower: Double {
        switch self {
        case .real(let l, _, _): l
        case .integer(let l, _): Double(l)
        case .choice(let values): values.min() ?? 0
        }
    }

    public var upper: Double {
        switch self {
        case .real(_, let u, _): u
        case .integer(_, let u): Double(u)
        case .choice(let values): values.max() ?? 0
        }
    }

    /// A uniformly random valid value in [low, high] (clamped to the gene's range).
    func sample(between low: Double, and high: Double, using random: inout RandomGenerator) -> Double {
        switch self {
        case .choice(let values):
            let allowed = values.filter { $0 >= low && $0 <= high }
            let pool = allowed.isEmpty ? values : allowed
            guard !pool.isEmpty else { return low }  // an empty choice list has nothing to offer
            return pool[random.integer(below: pool.count)]
        default:
            let a = max(low, lower)
            let b = min(high, upper)
            return snap(a + (b - a) * random.uniform())
        }
    }
}

public struct GeneSpace: Codable, Sendable, Equatable {
    public var genes: [Gene]
    /// Genes that must be non-decreasing (LongRoPE's lambda per rotary pair).
    public var monotone: Range<Int>?

    public init(genes: [Gene], monotone: Range<Int>? = nil) {
        self.genes = genes
        self.monotone = monotone
    }

    public var count: Int { genes.count }

    public func snap(_ x: [Double]) -> [Double] { zip(genes, x).map { $0.snap($1) } }

    public func isMonotone(_ x: [Double]) -> Bool {
        guard let range = monotone, range.count > 1 else { return true }
        return zip(x[range], x[range].dropFirst()).allSatisfy { $0 <= $1 }
    }
}
