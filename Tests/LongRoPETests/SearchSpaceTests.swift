import Arithmetic
import Evolution
import Foundation
import LongRoPE
import Objectives
import RoPEScaling
import RunLoop
import RunStore
import TestSupport
import Testing
import Transformer
import Workbench

/// The LongRoPE search spaces against the spec (LongRoPE, arXiv:2402.13753 §3; LongRoPE2, arXiv:2502.20082 §3;
/// docs/longrope.md), with SmolLM2's geometry:
/// 32 rotary pairs, base 100000, trained length 8192, target 16384 (s = 2).
@Suite struct SearchSpaceTests {
    let pairs = 32
    let base = 100_000.0
    let trained = 8192

    func space(_ kind: LongRoPESearchSpace.Kind, nHat: [Int] = [0], temperature: LongRoPESearchSpace.Temperature = .su)
        throws -> LongRoPESearchSpace
    {
        try LongRoPESearchSpace(
            kind: kind, pairs: pairs, scale: 2, trainedContext: trained, temperature: temperature, nHatChoices: nHat,
            base: base)
    }

    func method(_ m: RescalingMethod) throws -> RotaryTable {
        try m.table(rotaryDimensions: 64, base: base, trainedContext: trained)
    }

    /// LongRoPE2: d_tcd = ceil(32 log_1e5(8192 / 2 pi)) = 20, d_10tcd = 14 (spec §6).
    @Test func criticalPairsOfSmolLM2() {
        #expect(LongRoPESearchSpace.criticalRange(rotaryDimensions: 64, base: base, trainedContext: trained) == 14...20)
    }

    /// Random points, snapped, always give valid tables: the right count, within the space's bounds, monotone, on
    /// the grid, n-hat from the set, and LongRoPE's su temperature sqrt(1 + ln 2 / ln 8192).
    @Test(arguments: [LongRoPESearchSpace.Kind.full, .critical])
    func everyGenomeMapsToAValidTable(kind: LongRoPESearchSpace.Kind) throws {
        let space = try space(kind, nHat: [0, 4, 16])
        var random = RandomGenerator(seed: 3)
        let su = (1 + log(2.0) / log(8192.0)).squareRoot()
        for _ in 0..<500 {
            let x = space.geneSpace.genes.map { $0.lower - 1 + random.uniform() * ($0.upper - $0.lower + 2) }
            let genome = space.snap(x)
            #expect(space.geneSpace.isMonotone(genome))
            let table = space.table(genome)
            #expect(table.lambda.count == pairs)
            #expect(zip(table.lambda, table.lambda.dropFirst()).allSatisfy { $0 <= $1 + 1e-12 }, "monotone")
            #expect(abs(table.mscale - su) < 1e-12)
            switch kind {
            case .full:
                #expect(table.lambda.allSatisfy { $0 >= 1 && $0 <= 3 + 1e-12 })
                #expect(table.lambda.allSatisfy { abs(($0 * 100).rounded() - $0 * 100) < 1e-6 }, "on the 0.01 grid")
                #expect([0, 4, 16].contains(table.nHat))
            case .short:
                Issue.record("the short space is tested on its own")
            case .critical:
                let r = Int(genome[0])
                #expect((14...20).contains(r))
                #expect(table.lambda[r...].allSatisfy { $0 >= 2 - 1e-12 && $0 <= 4 + 1e-12 })
                for i in 0..<r { #expect(abs(table.lambda[i] - pow(table.lambda[r], Double(i) / Double(r))) < 1e-12) }
                #expect(table.nHat == 0)
            }
        }
    }

    /// Short-context factors: one lambda per pair in [1, 3], monotone, under the fixed temperature of the long
    /// factors; the model itself (lambda 1) is a valid genome; no extension (scale above 1) and no temperature other
    /// than a number.
    @Test func shortSpaceSearchesFactorsUpToTheTrainedLength() throws {
        let space = try LongRoPESearchSpace(
            kind: .short, pairs: pairs, scale: 1, trainedContext: trained, temperature: .fixed(1.0743), base: base)
        #expect(space.dimension == pairs)
        let identity = space.genome(nearest: Array(repeating: 1, count: pairs))
        #expect(
            space.table(identity) == RotaryTable(lambda: Array(repeating: 1, count: pairs), nHat: 0, mscale: 1.0743))
        var random = RandomGenerator(seed: 4)
        for _ in 0..<200 {
            let table = space.table(space.snap(space.geneSpace.genes.map { $0.lower - 1 + random.uniform() * 4 }))
            #expect(table.lambda.allSatisfy { $0 >= 1 && $0 <= 3 + 1e-12 })
            #expect(zip(table.lambda, table.lambda.dropFirst()).allSatisfy { $0 <= $1 + 1e-12 })
            #expect(table.mscale == 1.0743)
        }
        #expect(throws: SearchSpaceError.notShort(2)) {
            try LongRoPESearchSpace(
                kind: .short, pairs: pairs, scale: 2, trainedContext: trained, temperature: .fixed(1.07), base: base)
        }
        #expect(throws: SearchSpaceError.self) {
            try LongRoPESearchSpace(
                kind: .short, pairs: pairs, scale: 1, trainedContext: trained, temperature: .su, base: base)
        }
    }

    /// The baselines land where the spec puts them: PI and NTK exactly (to the grid) in the full space; YaRN's
    /// reference initial vector 1 + (s - 1) ramp_i.
    @Test func baselinesMapToTheSpecValues() throws {
        let full = try space(.full)
        let pi = full.table(full.genome(nearest: try method(.linear(factor: 2)).lambda))
        #expect(pi.lambda == Array(repeating: 2, count: pairs))
        let ntk = try method(.ntk(factor: 2)).lambda
        let ntkTable = full.table(full.genome(nearest: ntk))
        for i in 0..<pairs { #expect(abs(ntkTable.lambda[i] - ntk[i]) <= 0.005 + 1e-9) }
        let initial = RescalingMethod.longRoPEInitialFromYaRN(
            factor: 2, dimensions: 64, base: base, trainedContext: trained)
        let yarn = try method(.yarn(factor: 2))
        // The reference's initial vector interpolates lambda linearly along YaRN's ramp; YaRN interpolates 1/lambda
        // (spec §2). Both keep lambda = 1 below the ramp and s above it, and the reference's lies above inside it.
        let ramp = RescalingMethod.yarnRamp(dimensions: 64, base: base, trainedContext: trained)
        for i in 0..<pairs {
            #expect(abs(1 / yarn.lambda[i] - (ramp[i] / 2 + 1 - ramp[i])) < 1e-12)
            if ramp[i] == 0 || ramp[i] == 1 { #expect(abs(yarn.lambda[i] - initial[i]) < 1e-12) }
            #expect(initial[i] >= yarn.lambda[i] - 1e-12)
        }
        let initialTable = full.table(full.genome(nearest: initial))
        for i in 0..<pairs { #expect(abs(initialTable.lambda[i] - initial[i]) <= 0.005 + 1e-9) }
        let yarnTable = full.table(full.genome(nearest: yarn.lambda))
        for i in 0..<pairs { #expect(abs(yarnTable.lambda[i] - yarn.lambda[i]) <= 0.005 + 1e-9) }
        // Critical space: PI is lambda = s at and above the best critical pair.
        let critical = try space(.critical)
        let piCritical = critical.table(critical.genome(nearest: try method(.linear(factor: 2)).lambda))
        #expect(piCritical.lambda.suffix(12).allSatisfy { $0 == 2 })
    }

    /// With the temperature as a gene, a seed keeps its method's temperature (YaRN's 0.1 ln s + 1).
    @Test func searchedTemperatureIsTheLastGene() throws {
        let space = try space(.critical, temperature: .searched(lower: 1, upper: 1.5))
        let yarn = try method(.yarn(factor: 2))
        let genome = space.genome(nearest: yarn.lambda, mscale: yarn.mscale)
        #expect(genome.count == 1 + 18 + 1)
        #expect(abs(space.table(genome).mscale - (0.1 * log(2.0) + 1)) <= 0.005)
    }

    /// CMA-ES's unit coordinates: a valid genome is its own repair at distance 0; a point outside is repaired
    /// to a valid genome at a positive distance.
    @Test func repairInUnitCoordinates() throws {
        let space = try space(.critical)
        let genome = space.genome(nearest: try method(.yarn(factor: 2)).lambda)
        let unit = space.unitCoordinates(genome)
        let same = space.repair(unit, unit: true)
        #expect(same.distanceSquared < 1e-20)
        for (a, b) in zip(same.genome, genome) { #expect(abs(a - b) < 1e-9) }
        var outside = unit
        outside[3] = 1.7
        outside[5] = -0.4
        let repaired = space.repair(outside, unit: true)
        #expect(repaired.distanceSquared > 0.1)
        #expect(space.geneSpace.isMonotone(repaired.genome))
    }

    /// LongRoPE's GA on the full space: every child, mutant or crossover, stays monotone, in bounds and on the grid.
    @Test func geneticChildrenStayMonotoneAndInBounds() throws {
        let space = try space(.full, nHat: [0, 1, 2, 4, 8])
        let seeds = try [RescalingMethod.linear(factor: 2), .ntk(factor: 2), .yarn(factor: 2)].map {
            space.genome(nearest: try method($0).lambda)
        }
        var ga = GeneticAlgorithm(
            space: space.geneSpace, configuration: .longRoPE, populationSize: 16, seeds: seeds,
            stop: StopCriteria(maxGenerations: 8), seed: 11)
        var asked = 0
        while ga.termination == nil {
            let population = ga.ask()
            for genome in population {
                #expect(space.geneSpace.isMonotone(genome))
                #expect(space.snap(genome) == genome, "a child is already a valid genome")
                let table = space.table(genome)
                #expect(table.lambda.allSatisfy { $0 >= 1 && $0 <= 3 + 1e-12 })
            }
            asked += population.count
            // A smooth stand-in fitness: distance to a target vector.
            ga.tell(
                population,
                fitness: population.map { g in zip(g.prefix(pairs), seeds[2]).reduce(0) { $0 + abs($1.0 - $1.1) } })
        }
        #expect(asked >= 16 + 7 * 16 - 10)
    }

    /// Seeded CMA-ES: the first generation is the seeds, the search starts at the best of them, and a state encoded
    /// at any generation continues bit for bit.
    @Test func seededCMAESStartsFromTheBestSeedAndResumes() throws {
        let seeds = [[0.9, 0.9, 0.9], [0.2, 0.1, 0.3], [0.5, 0.5, 0.5]]
        func f(_ x: [Double]) -> Double { x.reduce(0) { $0 + $1 * $1 } }
        func run(stopAt: Int?) throws -> [[[Double]]] {
            var start = StrategyRegistry.Start(
                mean: seeds[0], sigma: 0.1, stop: StopCriteria(maxEvaluations: 60), seed: 4)
            start.seeds = seeds
            start.populationSize = 6
            var strategy = try #require(StrategyRegistry.make("cma-es", start: start))
            var populations: [[[Double]]] = []
            var generation = 0
            while strategy.termination == nil {
                if generation == stopAt { strategy = try StrategyRegistry.decode(StrategyRegistry.encode(strategy)) }
                let population = strategy.ask()
                populations.append(population)
                strategy.tell(population, fitness: population.map(f))
                generation += 1
            }
            #expect(strategy.evaluations <= 60 + 6)
            #expect(strategy.best!.fitness <= f(seeds[1]))
            return populations
        }
        let reference = try run(stopAt: nil)
        #expect(reference[0] == seeds)
        let seeded = try #require(
            try StrategyRegistry.decode(
                StrategyRegistry.encode(SeededCMAES(seeds: seeds, sigma: 0.1, stop: StopCriteria(), seed: 4)))
                as? SeededCMAES)
        var started = seeded
        started.tell(seeds, fitness: seeds.map(f))
        #expect(started.search?.mean == seeds[1], "the distribution is centred on the best seed")
        for stopAt in [0, 1, 3] { #expect(try run(stopAt: stopAt) == reference, "resumed at \(stopAt)") }
    }

    @Test func badSpacesAreNamedErrors() throws {
        #expect(throws: SearchSpaceError.self) {
            try LongRoPESearchSpace(kind: .full, pairs: 32, scale: 1, trainedContext: 8192)
        }
        #expect(throws: SearchSpaceError.self) {
            try LongRoPESearchSpace(kind: .critical, pairs: 32, scale: 2, trainedContext: 8192, criticalPairs: 30...40)
        }
        #expect(throws: SearchSpaceError.self) {
            try LongRoPESearchSpace(kind: .full, pairs: 32, scale: 2, trainedContext: 8192, nHatChoices: [])
        }
    }
}
