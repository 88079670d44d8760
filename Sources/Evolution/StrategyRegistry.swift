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

    /// Every strategy, with what it can do; the only place a strategy's name is read.
    public static let entries: [Entry] = [
        Entry(
            name: "cma-es", summary: "CMA-ES with full covariance (seeded: the best of the seeds starts the mean)",
            abilities: .continuousDistribution(fullCovariance: true), make: { cmaES($0, separable: false) }),
        Entry(
            name: "sep-cma-es", summary: "separable CMA-ES: diagonal covariance, memory and time linear in n",
            abilities: .continuousDistribution(fullCovariance: false), make: { cmaES($0, separable: true) }),
        Entry(
            name: "ipop-cma-es", summary: "CMA-ES restarted with a doubled population (Auger & Hansen 2005)",
            abilities: .restarting, make: { restartingCMAES($0, regime: .ipop) }),
        Entry(
            name: "bipop-cma-es", summary: "CMA-ES restarted in two regimes of population size (Hansen 2009)",
            abilities: .restarting, make: { restartingCMAES($0, regime: .bipop) }),
        Entry(
            name: "ga", summary: "genetic algorithm over the objective's genes, LongRoPE's operators",
            abilities: Abilities(
                hasMean: false, acceptsSeeds: true, searchesUnitCoordinates: false, learnsFromRepairedPoints: false,
                adaptsStepSize: false, fullCovariance: false),
            make: geneticAlgorithm),
    ]

    public static var names: [String] { entries.map(\.name) }

    /// The names of the strategies that have an ability, for messages ("use one of ...").
    public static func names(with ability: KeyPath<Abilities, Bool>) -> [String] {
        entries.filter { $0.abilities[keyPath: ability] }.map(\.name)
    }

    /// The entry of a name, or nil for a name no strategy has.
    public static func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

    /// A registered strategy.
    public struct Entry: Sendable {
        public let name: String
        public let summary: String
        public let abilities: Abilities
        /// Builds the strategy from the common start.
        public let make: @Sendable (Start) -> any Strategy
    }

    /// What a strategy can do, so that experiments, objectives and benchmarks ask for an ability instead of
    /// comparing names.
    public struct Abilities: Sendable, Equatable {
        /// It keeps a search distribution whose mean can be evaluated and deployed (NAMM deploys the mean).
        public var hasMean: Bool
        /// Its first generation can evaluate given genomes (LongRoPE's PI / NTK / YaRN seeds).
        public var acceptsSeeds: Bool
        /// It samples real vectors that the objective maps from [0, 1] onto its genes (and repairs); without it,
        /// it breeds genomes of the objective's gene space directly. Decoding a stored genome depends on it.
        public var searchesUnitCoordinates: Bool
        /// It updates from the repaired point the objective evaluated, not only from the point it asked.
        public var learnsFromRepairedPoints: Bool
        /// It adapts its step size, so it can converge to high precision.
        public var adaptsStepSize: Bool
        /// It keeps a full n x n covariance: memory and time grow with n².
        public var fullCovariance: Bool

        public init(
            hasMean: Bool, acceptsSeeds: Bool, searchesUnitCoordinates: Bool, learnsFromRepairedPoints: Bool,
            adaptsStepSize: Bool, fullCovariance: Bool
        ) {
            self.hasMean = hasMean
            self.acceptsSeeds = acceptsSeeds
            self.searchesUnitCoordinates = searchesUnitCoordinates
            self.learnsFromRepairedPoints = learnsFromRepairedPoints
            self.adaptsStepSize = adaptsStepSize
            self.fullCovariance = fullCovariance
        }

        /// What a name no strategy has can do: nothing.
        public static let none = Abilities(
            hasMean: false, acceptsSeeds: false, searchesUnitCoordinates: false, learnsFromRepairedPoints: false,
            adaptsStepSize: false, fullCovariance: false)

        static func continuousDistribution(fullCovariance: Bool) -> Abilities {
            Abilities(
                hasMean: true, acceptsSeeds: true, searchesUnitCoordinates: true, learnsFromRepairedPoints: true,
                adaptsStepSize: true, fullCovariance: fullCovariance)
        }

        /// Restarts draw their own means in the start box: seeds would be lost at the first restart.
        static let restarting = Abilities(
            hasMean: true, acceptsSeeds: false, searchesUnitCoordinates: true, learnsFromRepairedPoints: true,
            adaptsStepSize: true, fullCovariance: true)
    }

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
                    debugDescription:
                        "optimiser state version \(version); this ctxevo reads 1 to \(StrategyRegistry.stateVersion)")
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

    /// The strategy of a name, started at `start` (nil for a name no strategy has, or a start it cannot use).
    public static func make(_ name: String, start: Start) -> (any Strategy)? {
        entry(named: name)?.make(start)
    }

    static func cmaES(_ start: Start, separable: Bool) -> any Strategy {
        if !start.seeds.isEmpty {
            return SeededCMAES(
                seeds: start.seeds, sigma: start.sigma, populationSize: start.populationSize, separable: separable,
                minimumStandardDeviations: start.minimumStandardDeviations, stop: start.stop, seed: start.seed,
                stagnationGenerations: start.stagnationGenerations, stagnationTolerance: start.stagnationTolerance)
        }
        return CMAES(
            mean: start.mean, sigma: start.sigma, populationSize: start.populationSize, separable: separable,
            minimumStandardDeviations: start.minimumStandardDeviations, stop: start.stop, seed: start.seed)
    }

    static func restartingCMAES(_ start: Start, regime: RestartingCMAES.Regime) -> any Strategy {
        RestartingCMAES(
            regime: regime, dimension: start.mean.count, lower: start.lower, upper: start.upper, sigma: start.sigma,
            stop: start.stop, seed: start.seed)
    }

    static func geneticAlgorithm(_ start: Start) -> any Strategy {
        if let space = start.space {
            return GeneticAlgorithm(
                space: space, configuration: start.geneticConfiguration ?? .longRoPE,
                populationSize: start.populationSize ?? 64, seeds: start.seeds.isEmpty ? [start.mean] : start.seeds,
                stop: start.stop, seed: start.seed)
        }
        // Real genes in the start box, tournament selection, two-point crossover, Gaussian mutation.
        let space = GeneSpace(
            genes: start.mean.map { _ in
                .real(lower: start.lower - 2 * start.sigma, upper: start.upper + 2 * start.sigma)
            })
        let configuration = GeneticAlgorithm.Configuration(
            elites: 20, mutants: 20, crossovers: 20, selection: .tournament(size: 3), crossover: .twoPoint,
            mutation: .gaussian(rate: 0.3, scale: 0.05))
        return GeneticAlgorithm(
            space: space, configuration: configuration, populationSize: 40,
            seeds: start.seeds.isEmpty ? [start.mean] : start.seeds, stop: start.stop, seed: start.seed)
    }
}
