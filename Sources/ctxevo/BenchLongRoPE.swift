import ArgumentParser
import Assets
import BenchmarkFunctions
import LongRoPE
import NAMM
import Objectives
import Reporting
import RunLoop
import RunStore
import Workbench

struct BenchLongRoPE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "longrope",
        abstract: "LongRoPE evaluations per hour at a target length, and the library's time outside the forward pass.")

    @Option(help: "Target length in tokens.") var target: Int = 16384
    @Option(help: "Evaluations to time (the search loop runs them as a seeded CMA-ES run would).") var evaluations:
        Int = 2
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        if evaluations < 1 { throw ValidationError("--evaluations must be at least 1") }
    }

    func run() throws {
        let bar = ProgressBar(label: "bench longrope", unit: "eval")
        let figures = try LongRoPEBenchmark.measure(
            targetLength: target, evaluations: evaluations, logger: makeLogger(), progress: bar.update)
        if json { try printJSON(figures.dictionary) } else { print(figures.summary) }
    }
}
