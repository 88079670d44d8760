/// Checks of a strategy state that was read back (from a run database): the shapes agree with the dimension and
/// the numbers are finite, so that a damaged or edited state is refused with a reason instead of crashing the
/// algebra. A state a strategy produced itself always passes.
public enum StrategyValidation {
    /// The first problem found, or nil.
    public static func problem(in strategy: any Strategy) -> String? {
        switch strategy {
        case let s as CMAES: return problem(in: s)
        case let s as RestartingCMAES: return problem(in: s.current)
        case let s as SeededCMAES: return problem(in: s)
        case let s as GeneticAlgorithm: return problem(in: s)
        default: return "\(type(of: strategy)) is not a registered strategy"
        }
    }

    /// Largest dimension a stored full-covariance state may claim (its matrices take 24 n^2 bytes).
    static let largestFullDimension = 20_000

    static func problem(in s: CMAES) -> String? {
        let n = s.parameters.dimension
        guard n >= 1, n <= 10_000_000 else { return "dimension \(n)" }
        if !s.parameters.separable && n > largestFullDimension {
            return "a full covariance of dimension \(n) does not fit in memory"
        }
        let matrix = s.parameters.separable ? n : n * n
        let shapes: [(String, Int, Int)] = [
            ("mean", s.mean.count, n), ("covariance", s.covariance.count, matrix),
            ("eigenvectors", s.eigenvectors.count, s.parameters.separable ? 0 : n * n),
            ("axis lengths", s.axisLengths.count, n), ("sigma path", s.pathSigma.count, n),
            ("covariance path", s.pathC.count, n), ("weights", s.parameters.weights.count, s.parameters.populationSize),
        ]
        for (name, found, expected) in shapes where found != expected {
            return "\(name) has \(found) values, expected \(expected) for dimension \(n)"
        }
        if let m = s.minimumStandardDeviations, m.count != n {
            return "minimum standard deviations: \(m.count) for \(n)"
        }
        guard s.parameters.populationSize >= 2 else { return "population size \(s.parameters.populationSize)" }
        guard s.sigma.isFinite, s.sigma > 0 else { return "step size \(s.sigma)" }
        for (name, values) in [("mean", s.mean), ("covariance", s.covariance), ("axis lengths", s.axisLengths)]
        where !values.allSatisfy(\.isFinite) {
            return "\(name) has a non-finite value"
        }
        if !s.asked.isEmpty && (s.asked.count != s.parameters.populationSize || s.asked.contains { $0.count != n }) {
            return "the last population asked has the wrong shape"
        }
        if !s.askedNormals.isEmpty && s.askedNormals.count != s.parameters.populationSize * n {
            return "the last normal draws have the wrong shape"
        }
        return nil
    }

    static func problem(in s: SeededCMAES) -> String? {
        guard !s.seeds.isEmpty, s.seeds.allSatisfy({ $0.count == s.seeds[0].count && $0.allSatisfy(\.isFinite) }) else {
            return "the seeds are empty, of different lengths or not finite"
        }
        guard s.sigma.isFinite, s.sigma > 0 else { return "step size \(s.sigma)" }
        if let inner = s.search {
            if inner.dimension != s.seeds[0].count {
                return "the search has \(inner.dimension) genes, the seeds \(s.seeds[0].count)"
            }
            return problem(in: inner)
        }
        return nil
    }

    static func problem(in s: GeneticAlgorithm) -> String? {
        let n = s.space.count
        guard n >= 1 else { return "the gene space is empty" }
        if let range = s.space.monotone, range.lowerBound < 0 || range.upperBound > n {
            return "monotone range \(range)"
        }
        for genome in s.population.map(\.x) + s.seeds where genome.count != n || !genome.allSatisfy(\.isFinite) {
            return "a genome has \(genome.count) genes (expected \(n)) or a non-finite one"
        }
        guard s.configuration.elites >= 1, s.configuration.mutants >= 0, s.configuration.crossovers >= 0 else {
            return "the loop's counts are negative"
        }
        return nil
    }
}
