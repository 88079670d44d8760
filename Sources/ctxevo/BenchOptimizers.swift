import ArgumentParser
import Assets
import BenchmarkFunctions
import Evolution
import Foundation
import LongRoPE
import NAMM
import Objectives
import Reporting
import RunLoop
import RunStore
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
        OptimizerBenchmark.grid(strategies: strategies, seeds: seeds, skipLarge: skipLarge) { result in
            objects.append(result.dictionary)
            if !json { print(result.summary) }
        }
        if json { try printJSON(objects) }
    }
}
