import Foundation

/// Every strategy ctxevo offers, by name, built from one common description of the start: a generic test runs
/// each registered strategy on a sphere, and the benchmark and experiment files pick them by name.
public enum StrategyRegistry {
    public struct Start: Sendable {
        public var mean: [Double]
        public var sigma: Double
        /// Range of the restart means (restart strategies).
        public var lower: Double
        public var upper: Double
        public var stop: StopCriteria
        public var seed: UInt64
        /// Genomes the first generation evaluates (CMA-ES then starts from the best; the GA breeds from them).
        public var seeds: [[Double]] = []
        /// The genes (GA): without it, real genes around the start box.
        public var space: GeneSpace?
        public var populationSize: Int?
        public var minimumStandardDeviations: [Double]?
        /// The GA's loop (default: the registry's generic configuration).
        public var geneticConfiguration: GeneticAlgorithm.Configuration?
        /// Early stop for seeded CMA-ES: less than `stagnationTolerance` gained in this many generations.
        public var stagnationGenerations: Int?
        public var stagnationTolerance: Double = 0

        public init(
            mean: [Double], sigma: Double, lower: Double = -3, upper: Double = 3, stop: StopCriteria, seed: UInt64
        ) {
            self.mean = mean
            self.sigma = sigma
            self.lower = lower
            self.upper = upper
            self.stop = stop
            self.seed = seed
        }
    }

    public static let names = ["cma-es", "sep-cma-es", "ipop-cma-es", "bipop-cma-es", "ga"]

    /// The format version of encoded states (`encode`); `decode` refuses newer ones.
    public static let stateVersion = 1

    /// A strategy's state with its concrete type named, so that a run store can save any of them and resume it.
    public static func encode(_ strategy: any Strategy) throws -> Data {
        try JSONEncoder().encode(StateBox(strategy))
    }

    public static func decode(_ data: Data) throws -> any Strategy {
        try JSONDecoder().decode(StateBox.self, from: data).strategy
    }

    struct StateBox: Codable {
        let strategy: any Strategy

        init(_ strategy: any Strategy) { self.strategy = strategy }

        enum Keys: String, CodingKey { case version, kind, state }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(StrategyRegistry.stateVersion, forKey: .version)
            switch strategy {
            case let s as CMAES:
                try c.encode("cma-es", forKey: .kind)
                try c.encode(s, forKey: .state)
            case let s as RestartingCMAES:
                try c.encode("restarting-cma-es", forKey: .kind)
                try c.encode(s, forKey: .state)
            case let s as GeneticAlgorithm:
                try c.encode("ga", forKey: .kind)
                try c.encode(s, forKey: .state)
            case let s as SeededCMAES:
                try c.encode("seeded-cma-es", forKey: .kind)
                try c.encode(s, forKey: .state)
            default:
                throw EncodingError.invalidValue(
                    strategy,
                    .init(codingPath: [], debugDescription: "\(type(of: strategy)) is not a registered strategy"))
            }
        }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            // States written before the version key are version 1.
            let version = try c.decodeIfPresent(Int.self, forKey: .version) ?? 1
            guard version >= 1, version <= StrategyRegistry.stateVersion else {
                throw DecodingError.dataCorruptedError(
                    forKey: .version, in: c,
                    debugDescription: "optimiser state version \(version); this ctxevo reads 1 to \(StrategyRegistry.stateVersion)")
            }
            switch try c.decode(String.self, forKey: .kind) {
            case "cma-es": strategy = try c.decode(CMAES.self, forKey: .state)
            case "restarting-cma-es": strategy = try c.decode(RestartingCMAES.self, forKey: .state)
            case "ga": strategy = try c.decode(GeneticAlgorithm.self, forKey: .state)
            case "seeded-cma-es": strategy = try c.decode(SeededCMAES.self, forKey: .state)
            case let other:
                throw DecodingError.dataCorruptedError(
                    forKey: .kind, in: c, debugDescription: "unknown strategy kind '\(other)'")
            }
        }
    }

    public static func make(_ name: String, start: Start) -> (any Strategy)? {
        switch name {
        case "cma-es", "sep-cma-es":
            let separable = name == "sep-cma-es"
            if !start.seeds.isEmpty {
                return SeededCMAES(
                    seeds: start.seeds, sigma: start.sigma, populationSize: start.populationSize, separable: separable,
                    minimumStandardDeviations: start.minimumStandardDeviations, stop: start.stop, seed: start.seed,
                    stagnationGenerations: start.stagnationGenerations, stagnationTolerance: start.stagnationTolerance)
            }
            return CMAES(
                mean: start.mean, sigma: start.sigma, populationSize: start.populationSize, separable: separable,
                minimumStandardDeviations: start.minimumStandardDeviations, stop: start.stop, seed: start.seed)
        case "ipop-cma-es", "bipop-cma-es":
            return RestartingCMAES(
                regime: name == "ipop-cma-es" ? .ipop : .bipop, dimension: start.mean.count, lower: start.lower,
                upper: start.upper, sigma: start.sigma, stop: start.stop, seed: start.seed)
        case "ga" where start.space != nil:
            return GeneticAlgorithm(
                space: start.space!, configuration: start.geneticConfiguration ?? .longRoPE,
                populationSize: start.populationSize ?? 64, seeds: start.seeds.isEmpty ? [start.mean] : start.seeds,
                stop: start.stop, seed: start.seed)
        case "ga":
            // Real genes in the start box, tournament selection, two-point crossover, Gaussian mutation.
            let space = GeneSpace(
                genes: start.mean.map { _ in
                    .real(lower: start.lower - 2 * start.sigma, upper: start.upper + 2 * start.sigma)
                })
            let configuration = GeneticAlgorithm.Configuration(
                elites: 20, mutants: 20, crossovers: 20, selection: .tournament(size: 3), crossover: .twoPoint,
                mutation: .gaussian(rate: 0.3, scale: 0.05))
            return GeneticAlgorithm(
                space: space, configuration: configuration, populationSize: 40, seeds: [start.mean], stop: start.stop,
                seed: start.seed)
        default:
            return nil
        }
    }
}
