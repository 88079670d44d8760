import Evolution
import Foundation
import Testing

@Suite struct GeneticAlgorithmTests {
    /// LongRoPE's genome for a model with 32 rotary pairs and s = 4: lambda on a 0.01 grid in [1, 5], monotone,
    /// and n-hat from the published set.
    let space = GeneSpace(
        genes: Array(repeating: Gene.real(lower: 1, upper: 5, step: 0.01), count: 32)
            + [.choice([0, 1, 2, 4, 8, 12, 16, 20, 24, 28, 32, 48, 64])],
        monotone: 0..<32)

    @Test func geneSnapping() {
        #expect(Gene.real(lower: 1, upper: 5, step: 0.01).snap(2.3456) == 1 + 135.0 * 0.01)
        #expect(Gene.integer(lower: 0, upper: 10).snap(11.7) == 10)
        #expect(Gene.choice([0, 4, 8]).snap(5.9) == 4)
    }

    @Test func longRoPEOperatorsKeepGenomesValidAndNeverRepeatOne() {
        let yarnLike = (0..<32).map { i in 1 + 3 * min(max((Double(i) - 10) / 10, 0), 1) } + [0]
        var ga = GeneticAlgorithm(
            space: space, configuration: .longRoPE, populationSize: 64, seeds: [yarnLike],
            stop: StopCriteria(maxGenerations: 15),
            seed: 4)
        var seen = Set<[Double]>()
        let target = (0..<32).map { 1 + 4 * pow(Double($0) / 31, 2) }
        while ga.termination == nil {
            let population = ga.ask()
            for x in population {
                #expect(!seen.contains(x), "a genome was asked twice")
                seen.insert(x)
                #expect(space.isMonotone(x))
                #expect(zip(space.genes, x).allSatisfy { $0.snap($1) == $1 }, "off-grid gene")
            }
            ga.tell(
                population,
                fitness: population.map { x in zip(x.prefix(32), target).reduce(0) { $0 + pow($1.0 - $1.1, 2) } })
        }
        #expect(seen.count >= 64 + 14 * 16)  // first population, then 32 offspring a generation (mutants + crossovers)
        let first = yarnLike.prefix(32).enumerated().reduce(0) { $0 + pow($1.element - target[$1.offset], 2) }
        #expect((ga.best?.fitness ?? .infinity) < first / 4)
    }

    @Test func nanFitnessIsTheWorst() {
        var ga = GeneticAlgorithm(
            space: GeneSpace(genes: Array(repeating: .real(lower: -5, upper: 5), count: 4)),
            configuration: .init(
                elites: 8, mutants: 8, crossovers: 8, selection: .tournament(size: 2), crossover: .uniform,
                mutation: .gaussian(rate: 0.5, scale: 0.05)),
            populationSize: 16, stop: StopCriteria(maxGenerations: 20), seed: 1)
        let best = ga.minimize { x in x[0] > 0 ? .nan : x.reduce(0) { $0 + $1 * $1 } }
        #expect(ga.termination?.reason == .maxGenerations)
        #expect((best?.x[0] ?? 1) <= 0)
    }
}

@Suite struct DiscreteGeneTests {
    /// Mixed-integer: three real genes and three integer genes, decoded by rounding; pycma's minstd keeps the
    /// integer coordinates from collapsing between two values.
    @Test func cmaesWithMinimumStandardDeviationsFindsTheIntegerOptimum() {
        let space = GeneSpace(
            genes: Array(repeating: .real(lower: -10, upper: 10), count: 3)
                + Array(repeating: .integer(lower: -10, upper: 10), count: 3))
        let optimum: [Double] = [0.5, -1.25, 2, 3, -4, 7]
        var strategy = CMAES(
            mean: Array(repeating: 0, count: 6), sigma: 3, minimumStandardDeviations: [0, 0, 0, 0.2, 0.2, 0.2],
            stop: StopCriteria(maxEvaluations: 20_000, targetFitness: 1e-10), seed: 6)
        let best = strategy.minimize { x in zip(space.snap(x), optimum).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        }
        #expect((best?.fitness ?? 1) <= 1e-10)
        #expect(Array(space.snap(best?.x ?? []).suffix(3)) == [3, -4, 7])
    }
}
