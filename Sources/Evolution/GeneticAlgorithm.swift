import Arithmetic

/// A genetic algorithm over a `GeneSpace`, with LongRoPE's operators available (LongRoPE, arXiv:2402.13753 §3):
/// each generation keeps the `elites` best individuals, and breeds `mutants` by mutation and `crossovers` by
/// crossover from parents chosen by truncation or tournament selection. Offspring already in the history are
/// rejected and bred again, so no genome is ever evaluated twice. `ask` returns only the new individuals.
public struct GeneticAlgorithm: Strategy {
    public enum Selection: Codable, Sendable, Equatable {
        /// Parents uniformly among the best `fraction` of the population.
        case truncation(fraction: Double)
        /// The best of `size` individuals drawn at random.
        case tournament(size: Int)
    }

    public enum Crossover: String, Codable, Sendable {
        case uniform, onePoint, twoPoint
        /// LongRoPE's: start from the better parent; each gene takes the other's value with probability 0.3
        /// (0.5 on later tries); the first new, monotone child within 20 tries wins, else a mutant of the better.
        case longRoPE
    }

    public enum Mutation: Codable, Sendable, Equatable {
        /// Each gene with probability `rate` moves by N(0, (scale x range)^2), then snaps to the gene space.
        case gaussian(rate: Double, scale: Double)
        /// LongRoPE's: each gene with probability `rate` is resampled uniformly between its (already updated) left
        /// neighbour and its right neighbour, so monotone genomes stay monotone; other genes uniformly.
        case neighbourBounded(rate: Double)
    }

    public struct Configuration: Codable, Sendable, Equatable {
        public var elites: Int
        public var mutants: Int
        public var crossovers: Int
        public var selection: Selection
        public var crossover: Crossover
        public var mutation: Mutation
        /// Early stop when the best fitness improves by less than `stagnationTolerance` over this many
        /// generations (nil: never).
        public var stagnationGenerations: Int?
        public var stagnationTolerance: Double

        /// LongRoPE's reference loop: population 64; keep 32, add 16 mutants and 16 crossovers; stop when the
        /// best changes by less than 0.001 over 20 iterations.
        public static let longRoPE = Configuration(
            elites: 32, mutants: 16, crossovers: 16, selection: .truncation(fraction: 0.5), crossover: .longRoPE,
            mutation: .neighbourBounded(rate: 0.3), stagnationGenerations: 20, stagnationTolerance: 0.001)

        /// `elites` >= 1: the survivors, and the pool parents are selected from.
        public init(
            elites: Int, mutants: Int, crossovers: Int, selection: Selection, crossover: Crossover, mutation: Mutation,
            stagnationGenerations: Int? = nil, stagnationTolerance: Double = 0
        ) {
            self.stagnationGenerations = stagnationGenerations
            self.stagnationTolerance = stagnationTolerance
            self.elites = elites
            self.mutants = mutants
            self.crossovers = crossovers
            self.selection = selection
            self.crossover = crossover
            self.mutation = mutation
        }
    }

    public let space: GeneSpace
    public let configuration: Configuration
    public let stop: StopCriteria
    public let initialPopulationSize: Int
    /// Evaluated individuals, best first.
    public private(set) var population: [Candidate] = []
    public private(set) var seeds: [[Double]]
    /// Keys of every genome ever asked (duplicate rejection).
    public private(set) var history: Set<[UInt64]> = []
    public private(set) var random: RandomGenerator
    public private(set) var generation = 0
    public private(set) var evaluations = 0
    public private(set) var best: Candidate?
    public private(set) var termination: Termination?
    /// Best fitness per generation, for the early stop.
    public private(set) var bestHistory: [Double] = []

    public var dimension: Int { space.count }
    /// Spread of the population's best half (mean standard deviation per gene), the GA's "step size" for logs.
    public var stepSize: Double {
        let top = population.prefix(max(2, population.count / 2)).map(\.x)
        guard top.count > 1 else { return 0 }
        var total = 0.0
        for i in 0..<dimension {
            let values = top.map { $0[i] }
            let mean = values.reduce(0, +) / Double(values.count)
            total += (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        }
        return total / Double(dimension)
    }

    /// `seeds` open the first population (LongRoPE: the YaRN, PI and NTK vectors); it is filled up to
    /// `populationSize` with mutants of them (or uniform samples when there are none).
    public init(
        space: GeneSpace, configuration: Configuration, populationSize: Int, seeds: [[Double]] = [],
        stop: StopCriteria = StopCriteria(), seed: UInt64
    ) {
        self.space = space
        self.configuration = configuration
        self.stop = stop
        initialPopulationSize = populationSize
        self.seeds = seeds.map(space.snap)
        random = RandomGenerator(seed: seed)
    }

    public mutating func ask() -> [[Double]] {
        var children: [[Double]] = []
        if population.isEmpty {  // the first generation (or nothing evaluated yet): seeds and their mutants
            for s in seeds where remember(s) { children.append(s) }
            var attempts = 0
            while children.count < initialPopulationSize && attempts < 1000 * initialPopulationSize {
                attempts += 1
                let child = seeds.isEmpty ? uniformGenome() : mutate(seeds[random.integer(below: seeds.count)])
                if remember(child) { children.append(child) }
            }
        } else {
            for _ in 0..<configuration.mutants {
                if let child = breed({ $0.mutate($0.select()) }) { children.append(child) }
            }
            for _ in 0..<configuration.crossovers {
                if let child = breed({ $0.crossover($0.select(), $0.select()) }) { children.append(child) }
            }
        }
        return children
    }

    public mutating func tell(_ offspring: [[Double]], fitness rawFitness: [Double]) {
        precondition(offspring.count == rawFitness.count, "one fitness per individual")
        let fitness = Bookkeeping.tell(
            offspring, fitness: rawFitness, best: &best, evaluations: &evaluations, generation: &generation)
        let told = zip(offspring, fitness).map { Candidate(x: $0, fitness: $1) }
        // Elitism: the survivors are the best of the old elites and the new offspring.
        let merged = (population + told).enumerated().sorted {
            $0.element.fitness != $1.element.fitness ? $0.element.fitness < $1.element.fitness : $0.offset < $1.offset
        }.map(\.element)
        population = Array(merged.prefix(max(1, configuration.elites)))
        bestHistory.append(population.first?.fitness ?? .infinity)
        termination = checkTermination(bredNothing: offspring.isEmpty)
    }

    // MARK: operators

    private mutating func select() -> [Double] {
        switch configuration.selection {
        case .truncation(let fraction):
            let pool = max(1, Int((Double(population.count) * fraction).rounded(.up)))
            return population[random.integer(below: min(pool, population.count))].x
        case .tournament(let size):
            var winner = random.integer(below: population.count)
            for _ in 1..<max(1, size) { winner = min(winner, random.integer(below: population.count)) }  // sorted
            return population[winner].x
        }
    }

    /// Up to 100 tries of `make` for a valid genome not seen before.
    private mutating func breed(_ make: (inout GeneticAlgorithm) -> [Double]) -> [Double]? {
        for _ in 0..<100 {
            let child = make(&self)
            if space.isMonotone(child) && remember(child) { return child }
        }
        return nil
    }

    private mutating func mutate(_ parent: [Double]) -> [Double] {
        var child = parent
        for _ in 0..<20 {
            child = parent
            switch configuration.mutation {
            case .gaussian(let rate, let scale):
                for i in child.indices where random.uniform() < rate {
                    let gene = space.genes[i]
                    child[i] = gene.snap(child[i] + random.normal() * scale * (gene.upper - gene.lower))
                }
                if let range = space.monotone { repairMonotone(&child, range) }
            case .neighbourBounded(let rate):
                for i in child.indices where random.uniform() < rate {
                    let gene = space.genes[i]
                    var low = gene.lower
                    var high = gene.upper
                    if let range = space.monotone, range.contains(i) {
                        if i > range.lowerBound { low = max(low, child[i - 1]) }
                        if i + 1 < range.upperBound { high = min(high, child[i + 1]) }
                    }
                    child[i] = gene.sample(between: low, and: high, using: &random)
                }
            }
            if child != parent && space.isMonotone(child) && !history.contains(key(child)) { return child }
        }
        return child
    }

    private mutating func crossover(_ a: [Double], _ b: [Double]) -> [Double] {
        let n = a.count
        switch configuration.crossover {
        case .uniform:
            return (0..<n).map { random.uniform() < 0.5 ? a[$0] : b[$0] }
        case .onePoint:
            let cut = random.integer(below: n + 1)
            return Array(a[..<cut] + b[cut...])
        case .twoPoint:
            var i = random.integer(below: n + 1)
            var j = random.integer(below: n + 1)
            if i > j { swap(&i, &j) }
            return Array(a[..<i] + b[i..<j] + a[j...])
        case .longRoPE:
            // The better parent is the one earlier in the sorted population.
            let aRank = population.firstIndex { $0.x == a } ?? 0
            let bRank = population.firstIndex { $0.x == b } ?? 0
            let (better, other) = aRank <= bRank ? (a, b) : (b, a)
            for attempt in 0..<20 {
                let p = attempt == 0 ? 0.3 : 0.5
                let child = (0..<n).map { random.uniform() < p ? other[$0] : better[$0] }
                if child != better && space.isMonotone(child) && !history.contains(key(child)) { return child }
            }
            return mutate(better)
        }
    }

    private func repairMonotone(_ x: inout [Double], _ range: Range<Int>) {
        let repaired = Constraint.poolAdjacentViolators(Array(x[range]))
        for (offset, value) in repaired.enumerated() {
            // Snap may break a tie order by one grid step; a running maximum restores it.
            let i = range.lowerBound + offset
            x[i] = space.genes[i].snap(offset == 0 ? value : max(value, x[i - 1]))
        }
    }

    private mutating func uniformGenome() -> [Double] {
        var x = space.genes.map { $0.sample(between: $0.lower, and: $0.upper, using: &random) }
        if let range = space.monotone { x.replaceSubrange(range, with: x[range].sorted()) }
        return x
    }

    private func key(_ x: [Double]) -> [UInt64] { x.map(\.bitPattern) }

    /// Adds to the history; false when the genome was already there.
    private mutating func remember(_ x: [Double]) -> Bool { history.insert(key(x)).inserted }

    private func checkTermination(bredNothing: Bool) -> Termination? {
        if let stopped = stop.check(best: best, evaluations: evaluations, generation: generation) { return stopped }
        if bredNothing && generation > 1 {
            return Termination(reason: .stagnation, detail: "no new genome could be bred: the space is exhausted")
        }
        return Bookkeeping.stagnation(
            bestHistory, window: configuration.stagnationGenerations, tolerance: configuration.stagnationTolerance)
    }
}
