import Arithmetic
import Evolution
import Foundation
import Testing

@Suite struct RegistryTests {
    /// Every registered strategy, on a 6-dimensional sphere from f = 24: the CMA-ES family must reach 1e-10, the
    /// GA (fixed mutation scale) must cut the value a hundredfold; none may evaluate past its budget.
    @Test(arguments: StrategyRegistry.names)
    func everyRegisteredStrategyMinimisesASphere(name: String) throws {
        let start = StrategyRegistry.Start(
            mean: Array(repeating: 2, count: 6), sigma: 1,
            stop: StopCriteria(maxEvaluations: 30_000, targetFitness: 1e-10),
            seed: 5)
        var strategy = try #require(StrategyRegistry.make(name, start: start))
        let best = strategy.minimize(BenchmarkFunction.sphere.callAsFunction)
        let goal = name == "ga" ? 0.24 : 1e-10
        #expect((best?.fitness ?? 1) <= goal, "\(name): \(String(describing: strategy.termination))")
        #expect(strategy.evaluations <= 30_000 + 200)
    }

    /// Stop at several generations, encode, decode, continue: the populations are bit-identical to an
    /// uninterrupted run, for every registered strategy (random generator state included).
    @Test(arguments: StrategyRegistry.names)
    func resumedRunsAreBitIdentical(name: String) throws {
        func run(stopAt: Int?) throws -> [[[Double]]] {
            let start = StrategyRegistry.Start(
                mean: Array(repeating: 1, count: 5), sigma: 1, stop: StopCriteria(), seed: 8)
            var strategy = try #require(StrategyRegistry.make(name, start: start))
            var populations: [[[Double]]] = []
            for generation in 0..<25 {
                if generation == stopAt {
                    strategy = try StrategyRegistry.decode(StrategyRegistry.encode(strategy))
                }
                let population = strategy.ask()
                populations.append(population)
                strategy.tell(population, fitness: population.map(BenchmarkFunction.rosenbrock.callAsFunction))
            }
            return populations
        }
        let reference = try run(stopAt: nil)
        for stopAt in [0, 1, 12, 24] {
            #expect(try run(stopAt: stopAt) == reference, "\(name) resumed at generation \(stopAt)")
        }
    }

    @Test func unknownNamesAreNil() {
        let start = StrategyRegistry.Start(mean: [0], sigma: 1, stop: StopCriteria(), seed: 0)
        #expect(StrategyRegistry.make("no-such", start: start) == nil)
    }
}

@Suite struct ConstraintTests {
    @Test func poolAdjacentViolatorsIsTheNearestMonotoneVector() {
        // By hand: [3, 1] -> [2, 2]; [1, 3, 2, 2, 5] -> [1, 7/3, 7/3, 7/3, 5].
        #expect(Constraint.poolAdjacentViolators([3, 1]) == [2, 2])
        let p = Constraint.poolAdjacentViolators([1, 3, 2, 2, 5])
        #expect(p.count == 5 && p[0] == 1 && p[4] == 5 && abs(p[1] - 7.0 / 3) < 1e-12 && p[1] == p[3])
        // Invariants on random vectors: monotone, mean preserved, and no monotone vector nearby is closer.
        var g = RandomGenerator(seed: 11)
        for _ in 0..<200 {
            let x = (0..<12).map { _ in g.normal() * 3 }
            let y = Constraint.poolAdjacentViolators(x)
            #expect(zip(y, y.dropFirst()).allSatisfy { $0 <= $1 + 1e-12 })
            #expect(abs(x.reduce(0, +) - y.reduce(0, +)) < 1e-9)
            let distance = zip(x, y).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            let other = x.sorted()  // a monotone vector: never closer than the projection
            #expect(distance <= zip(x, other).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } + 1e-9)
        }
    }

    @Test func monotoneBoxProjectionAndPenalty() {
        let objective = ConstrainedObjective(constraint: .monotoneBox(lower: 1, upper: 64))
        let (feasible, penalty) = objective.repair([0, 5, 3, 100])
        #expect(feasible == [1, 4, 4, 64])
        #expect(abs(penalty - (1 + 1 + 1 + 36 * 36)) < 1e-12)
    }

    @Test func cmaesFindsAMonotoneBoundedTarget() {
        // The benchmark's 32-dimensional target: t_i = 64^(i/31), non-decreasing in [1, 64].
        let target = (0..<32).map { pow(64, Double($0) / 31) }
        let objective = ConstrainedObjective(constraint: .monotoneBox(lower: 1, upper: 64))
        var strategy = CMAES(
            mean: Array(repeating: 8, count: 32), sigma: 8,
            stop: StopCriteria(maxEvaluations: 60_000, targetFitness: 1e-8),
            seed: 2)
        let best = strategy.minimize { x in
            objective.evaluate(x) { y in zip(y, target).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
        }
        #expect(
            (best?.fitness ?? 1) <= 1e-8, "\(String(describing: strategy.termination)) after \(strategy.evaluations)")
    }
}

/// LongRoPE's constraint (lambda non-decreasing within bounds), with the optimum near the lower corner: told the
/// repaired points (what the run loop does), CMA-ES keeps a mean inside the feasible set, since it is a weighted
/// mean of feasible points of a convex set, and still converges.
@Suite struct RepairInjectionTests {
    static let n = 12
    static let target = (0..<n).map { 0.02 * Double($0) }

    static func repair(_ x: [Double]) -> [Double] {
        Constraint.poolAdjacentViolators(x).map { min(1, max(0, $0)) }
    }

    static func search() -> (mean: [Double], best: Double) {
        // Objective at the repaired point, 0 at `target`.
        func objective(_ x: [Double]) -> Double {
            zip(repair(x), target).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        }
        var strategy = CMAES(
            mean: Array(repeating: 0, count: n), sigma: 0.05, populationSize: 8,
            stop: StopCriteria(maxEvaluations: 800), seed: 3)
        var best = Double.infinity
        while strategy.termination == nil {
            let population = strategy.ask()
            let values = population.map(objective)
            best = min(best, values.min()!)
            let penalised = zip(population, values).map { x, f in
                (1 + f) * exp(zip(x, repair(x)).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) })
            }
            strategy.tell(population.map(repair), fitness: penalised)
        }
        return (strategy.mean, best)
    }

    @Test func toldRepairedPointsKeepTheMeanFeasible() {
        let result = Self.search()
        let meanViolation = zip(result.mean, Self.repair(result.mean)).map { abs($0 - $1) }.max()!
        #expect(meanViolation < 1e-9)
        #expect(result.best < 1e-5)
    }
}

/// Each strategy's declared abilities are what it does: the experiments, objectives and benchmarks rely on them
/// instead of its name.
@Suite struct StrategyAbilityTests {
    @Test(arguments: StrategyRegistry.names)
    func abilitiesAreTrueToTheStrategy(name: String) throws {
        let entry = try #require(StrategyRegistry.entry(named: name))
        var start = StrategyRegistry.Start(
            mean: [0.5, 0.5, 0.5], sigma: 0.1, lower: 0, upper: 1, stop: StopCriteria(maxGenerations: 3), seed: 4)
        let seeds = [[0.1, 0.2, 0.3], [0.9, 0.8, 0.7]]
        start.seeds = seeds
        var strategy = entry.make(start)
        // A strategy with a mean exposes it for deployment.
        #expect((strategy is DistributionCentre) == entry.abilities.hasMean)
        // A strategy that accepts seeds evaluates them first.
        let first = strategy.ask()
        if entry.abilities.acceptsSeeds {
            #expect(Array(first.prefix(seeds.count)) == seeds)
        }
        strategy.tell(first, fitness: first.map { $0.reduce(0, +) })
        // Full covariance means the n x n matrix is kept (the memory check of experiments rests on it).
        if let cma = strategy as? CMAES { #expect(entry.abilities.fullCovariance == !cma.parameters.separable) }
    }
}
