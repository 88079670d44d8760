import ArgumentParser
import Evolution
import Foundation
import Workbench

struct BenchOptimizers: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimizers",
        abstract: "Sample efficiency (evaluations to 1e-8 over seeds) and library overhead of the optimisers.")

    @Option(help: "Seeds per row.") var seeds: Int = 11
    @Option(help: "Strategies to run (any of: \(StrategyRegistry.names.joined(separator: ", "))).")
    var strategies: [String] = ["cma-es", "sep-cma-es", "ga"]
    @Flag(help: "Skip the overhead measurement at n = 4172.") var skipLarge = false
    @Flag(help: "Print a JSON array.") var json = false

    func validate() throws {
        if seeds < 1 { throw ValidationError("--seeds must be at least 1") }
        if let unknown = strategies.first(where: { !StrategyRegistry.names.contains($0) && $0 != "none" }) {
            throw ValidationError(
                "unknown strategy '\(unknown)' (known: \(StrategyRegistry.names.joined(separator: ", ")))")
        }
    }

    func run() throws {
        var objects: [[String: Any]] = []
        func emit(_ row: OptimizerBenchmark.Row) {
            objects.append(row.dictionary)
            if !json {
                let median = row.medianEvaluations.map { String(format: "%9.0f", $0) } ?? "        -"
                print(
                    String(
                        format: "%-13@ %-10@ n=%-3d median %@ evaluations, %2d/%d succeed",
                        row.strategy, row.function.rawValue, row.dimension, median, row.successes, row.seeds))
            }
        }
        for strategy in strategies {
            for function in [BenchmarkFunction.sphere, .ellipsoid, .rosenbrock] {
                for n in [10, 20] {
                    // The GA has no step-size adaptation and cannot reach 1e-8: it gets a smaller budget.
                    let budget = strategy == "ga" ? 20_000 : 100_000 * n / 10
                    emit(
                        OptimizerBenchmark.run(
                            strategy: strategy, function: function, dimension: n, seeds: seeds, maxEvaluations: budget))
                }
            }
        }
        for strategy in strategies {
            emit(
                OptimizerBenchmark.run(
                    strategy: strategy, function: .monotone, dimension: 32, seeds: seeds,
                    maxEvaluations: strategy == "ga" ? 20_000 : 200_000))
        }
        for n in [10, 20] {
            emit(
                OptimizerBenchmark.run(
                    strategy: "ipop-cma-es", function: .rastrigin, dimension: n, seeds: seeds, maxEvaluations: 2_000_000
                ))
        }
        var sizes = [(20, 200), (100, 100)]
        if !skipLarge { sizes.append((4172, 12)) }
        for (n, generations) in sizes {
            for separable in [false, true] {
                let o = OptimizerBenchmark.overhead(
                    separable: separable, dimension: n, population: 32,
                    generations: separable ? generations * 5 : generations)
                objects.append(o.dictionary)
                if !json {
                    var line = String(
                        format: "%-13@ n=%-5d population %d: %8.3f ms per generation, resident %.0f MiB",
                        o.strategy, n, o.population, o.secondsPerGeneration * 1000,
                        Double(o.residentBytes ?? 0) / 1_048_576)
                    if let e = o.eigenSeconds, let gap = o.eigenInterval {
                        line += String(
                            format: "; eigendecomposition %.3f s every %.0f generations -> %.3f ms amortised",
                            e, gap, o.amortizedSecondsPerGeneration * 1000)
                    }
                    print(line)
                }
            }
        }
        if json { try printJSON(objects) }
    }
}
