/// CMA-ES that starts from the best of given seeds: its first generation is the seeds themselves (LongRoPE: the
/// PI, NTK, dynamic NTK and YaRN factors), and the distribution is then centred on the best of them, so a search
/// never ends worse than its best seed. Optionally LongRoPE's early stop: the best so far improved by less than
/// `stagnationTolerance` over `stagnationGenerations` generations.
public struct SeededCMAES: Strategy {
    public let seeds: [[Double]]
    public let sigma: Double
    public let populationSize: Int?
    public let separable: Bool
    public let minimumStandardDeviations: [Double]?
    public let stop: StopCriteria
    public let seed: UInt64
    public let stagnationGenerations: Int?
    public let stagnationTolerance: Double
    /// The CMA-ES after the seeds were told (nil before).
    public private(set) var search: CMAES?
    public private(set) var seedBest: Candidate?
    public private(set) var termination: Termination?
    /// Best so far after each generation, for the early stop.
    public private(set) var bestHistory: [Double] = []

    public init(
        seeds: [[Double]], sigma: Double, populationSize: Int? = nil, separable: Bool = false,
        minimumStandardDeviations: [Double]? = nil, stop: StopCriteria, seed: UInt64,
        stagnationGenerations: Int? = nil, stagnationTolerance: Double = 0
    ) {
        precondition(!seeds.isEmpty && seeds.allSatisfy { $0.count == seeds[0].count }, "seeds of one dimension")
        self.seeds = seeds
        self.sigma = sigma
        self.populationSize = populationSize
        self.separable = separable
        self.minimumStandardDeviations = minimumStandardDeviations
        self.stop = stop
        self.seed = seed
        self.stagnationGenerations = stagnationGenerations
        self.stagnationTolerance = stagnationTolerance
    }

    public var dimension: Int { seeds[0].count }
    public var evaluations: Int { (seedBest == nil && search == nil ? 0 : seeds.count) + (search?.evaluations ?? 0) }
    public var generation: Int { (search == nil ? 0 : 1) + (search?.generation ?? 0) }
    public var stepSize: Double { search?.sigma ?? sigma }

    public var best: Candidate? {
        guard let inner = search?.best else { return seedBest }
        guard let seedBest else { return inner }
        return inner.fitness < seedBest.fitness ? inner : seedBest
    }

    public mutating func ask() -> [[Double]] {
        search == nil ? seeds : search!.ask()
    }

    public mutating func tell(_ population: [[Double]], fitness: [Double]) {
        if var inner = search {
            inner.tell(population, fitness: fitness)
            search = inner
            termination = inner.termination
        } else {
            precondition(population.count == seeds.count && fitness.count == seeds.count, "tell takes the seeds asked")
            let order = FitnessRanking.order(FitnessRanking.sanitized(fitness))
            let start = population[order[0]]
            if fitness[order[0]].isFinite { seedBest = Candidate(x: start, fitness: fitness[order[0]]) }
            let remaining = StopCriteria(
                maxEvaluations: stop.maxEvaluations.map { max(0, $0 - seeds.count) },
                maxGenerations: stop.maxGenerations.map { max(0, $0 - 1) }, targetFitness: stop.targetFitness)
            search = CMAES(
                mean: start, sigma: sigma, populationSize: populationSize, separable: separable,
                minimumStandardDeviations: minimumStandardDeviations, stop: remaining, seed: seed)
        }
        bestHistory.append(best?.fitness ?? .infinity)
        if let stopped = stop.check(best: best, evaluations: evaluations, generation: generation) {
            termination = stopped
        } else {
            termination =
                termination
                ?? Bookkeeping.stagnation(bestHistory, window: stagnationGenerations, tolerance: stagnationTolerance)
        }
    }
}
