import Arithmetic
import Dispatch
import Evolution
import Foundation

/// The optimiser benchmark of Hansen's tutorial, arXiv:1604.00772: evaluations to reach f < 1e-8 over seeded runs, and
/// the library's own time per generation (objective excluded).
public enum OptimizerBenchmark {
    public struct Row: Sendable {
        public let strategy: String
        public let function: BenchmarkFunction
        public let dimension: Int
        public let seeds: Int
        public let successes: Int
        public let medianEvaluations: Double?

        public var dictionary: [String: Any] {
            [
                "strategy": strategy, "function": function.rawValue, "dimension": dimension, "seeds": seeds,
                "successes": successes, "median_evaluations": medianEvaluations.map { $0 as Any } ?? NSNull(),
            ]
        }
    }

    public struct Overhead: Sendable {
        public let strategy: String
        public let dimension: Int
        public let population: Int
        public let secondsPerGeneration: Double
        public let residentBytes: Int?
        /// Full CMA-ES: one eigendecomposition's time, and the generations between two (the lazy gap).
        public let eigenSeconds: Double?
        public let eigenInterval: Double?

        /// Per generation including the eigendecompositions spread over their interval.
        public var amortizedSecondsPerGeneration: Double {
            secondsPerGeneration + (eigenSeconds ?? 0) / max(1, eigenInterval ?? 1)
        }

        public var dictionary: [String: Any] {
            var d: [String: Any] = [
                "strategy": strategy, "dimension": dimension, "population": population,
                "seconds_per_generation": secondsPerGeneration,
            ]
            if let residentBytes { d["resident_bytes"] = residentBytes }
            if let eigenSeconds, let eigenInterval {
                d["eigendecomposition_seconds"] = eigenSeconds
                d["eigendecomposition_interval_generations"] = eigenInterval
                d["amortized_seconds_per_generation"] = amortizedSecondsPerGeneration
            }
            return d
        }
    }

    /// Protocol: x0 uniform in [-3, 3]^n and sigma0 = 2 (Rosenbrock: x0 = 0, sigma0 = 0.5; the monotone target:
    /// x0 uniform in [1, 64]^n, sigma0 = 16), default population, evaluations counted to the end of the first
    /// generation with f < 1e-8.
    public static func run(
        strategy: String, function: BenchmarkFunction, dimension n: Int, seeds: Int, maxEvaluations: Int
    ) -> Row {
        var counts: [Int] = []
        for seed in 0..<seeds {
            var start = RandomGenerator(seed: UInt64(1000 + seed))
            let rosenbrock = function == .rosenbrock
            let monotone = function == .monotone
            let mean = (0..<n).map { _ in
                rosenbrock ? 0 : monotone ? 1 + 63 * start.uniform() : -3 + 6 * start.uniform()
            }
            let sigma = rosenbrock ? 0.5 : monotone ? 16 : 2
            let stop = StopCriteria(maxEvaluations: maxEvaluations, targetFitness: 1e-8)
            let lower = monotone ? 1.0 : -3
            let upper = monotone ? 64.0 : 3
            let begin = StrategyRegistry.Start(
                mean: mean, sigma: sigma, lower: lower, upper: upper, stop: stop, seed: UInt64(seed))
            guard var strategy = StrategyRegistry.make(strategy, start: begin) else { continue }
            let best = strategy.minimize(function.callAsFunction)
            let evaluations = strategy.evaluations
            let reached = (best?.fitness ?? .infinity) < 1e-8
            if reached { counts.append(evaluations) }
        }
        let sorted = counts.sorted()
        let median: Double? =
            sorted.isEmpty
            ? nil
            : sorted.count % 2 == 1
                ? Double(sorted[sorted.count / 2]) : Double(sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        return Row(
            strategy: strategy, function: function, dimension: n, seeds: seeds, successes: counts.count,
            medianEvaluations: median)
    }

    /// Library time per generation (ask + tell on a sphere, whose cost is negligible), over `generations`.
    public static func overhead(separable: Bool, dimension n: Int, population: Int, generations: Int) -> Overhead {
        var s = CMAES(
            mean: Array(repeating: 1, count: n), sigma: 0.5, populationSize: population, separable: separable, seed: 1)
        let warmUp = s.ask()  // first-use allocations are not a generation's cost
        s.tell(warmUp, fitness: warmUp.map { $0.reduce(0) { $0 + $1 * $1 } })
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<generations {
            let p = s.ask()
            s.tell(p, fitness: p.map { $0.reduce(0) { $0 + $1 * $1 } })
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        var eigenSeconds: Double?
        var eigenInterval: Double?
        if !separable {
            let p = s.parameters
            eigenInterval = Double(p.populationSize) / ((p.c1 + p.cMu) * Double(n) * 10)
            let eigenStart = DispatchTime.now().uptimeNanoseconds
            _ = try? DoubleLinearAlgebra.symmetricEigen(s.covariance, n: n)
            eigenSeconds = Double(DispatchTime.now().uptimeNanoseconds - eigenStart) / 1e9
        }
        return Overhead(
            strategy: separable ? "sep-cma-es" : "cma-es", dimension: n, population: population,
            secondsPerGeneration: seconds / Double(generations), residentBytes: ProcessMemory.residentBytes(),
            eigenSeconds: eigenSeconds, eigenInterval: eigenInterval)
    }

    private static func adaptsStepSize(_ strategy: String) -> Bool {
        StrategyRegistry.entry(named: strategy)?.abilities.adaptsStepSize ?? false
    }

    /// One result of the benchmark's grid.
    public enum Result {
        case sampleEfficiency(Row)
        case overhead(Overhead)

        public var dictionary: [String: Any] {
            switch self {
            case .sampleEfficiency(let row): row.dictionary
            case .overhead(let o): o.dictionary
            }
        }

        public var summary: String {
            switch self {
            case .sampleEfficiency(let row):
                let median = row.medianEvaluations.map { String(format: "%9.0f", $0) } ?? "        -"
                return String(
                    format: "%-13@ %-10@ n=%-3d median %@ evaluations, %2d/%d succeed",
                    row.strategy, row.function.rawValue, row.dimension, median, row.successes, row.seeds)
            case .overhead(let o):
                var line = String(
                    format: "%-13@ n=%-5d population %d: %8.3f ms per generation, resident %.0f MiB",
                    o.strategy, o.dimension, o.population, o.secondsPerGeneration * 1000,
                    Double(o.residentBytes ?? 0) / 1_048_576)
                if let e = o.eigenSeconds, let gap = o.eigenInterval {
                    line += String(
                        format: "; eigendecomposition %.3f s every %.0f generations -> %.3f ms amortised",
                        e, gap, o.amortizedSecondsPerGeneration * 1000)
                }
                return line
            }
        }
    }

    /// The benchmark's grid (docs/commands.md, `bench optimizers`): sphere, ellipsoid and Rosenbrock at n = 10 and 20,
    /// the
    /// monotone target at n = 32, IPOP on Rastrigin, then the library's time per generation at n = 20, 100 and
    /// (unless `skipLarge`) NAMM's 4,172. `emit` receives each result as it is measured.
    public static func grid(strategies: [String], seeds: Int, skipLarge: Bool, emit: (Result) -> Void) {
        for strategy in strategies {
            for function in [BenchmarkFunction.sphere, .ellipsoid, .rosenbrock] {
                for n in [10, 20] {
                    // The GA has no step-size adaptation and cannot reach 1e-8: it gets a smaller budget.
                    let budget = adaptsStepSize(strategy) ? 100_000 * n / 10 : 20_000
                    emit(
                        .sampleEfficiency(
                            run(
                                strategy: strategy, function: function, dimension: n, seeds: seeds,
                                maxEvaluations: budget)))
                }
            }
        }
        for strategy in strategies {
            let budget = adaptsStepSize(strategy) ? 200_000 : 20_000
            emit(
                .sampleEfficiency(
                    run(strategy: strategy, function: .monotone, dimension: 32, seeds: seeds, maxEvaluations: budget)))
        }
        for n in [10, 20] {
            emit(
                .sampleEfficiency(
                    run(
                        strategy: "ipop-cma-es", function: .rastrigin, dimension: n, seeds: seeds,
                        maxEvaluations: 2_000_000)))
        }
        var sizes = [(20, 200), (100, 100)]
        if !skipLarge { sizes.append((4172, 12)) }
        for (n, generations) in sizes {
            for separable in [false, true] {
                emit(
                    .overhead(
                        overhead(
                            separable: separable, dimension: n, population: 32,
                            generations: separable ? generations * 5 : generations)))
            }
        }
    }
}
