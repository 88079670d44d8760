import ArgumentParser
import Foundation
import Transformer
import Workbench

struct BenchPause: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "One pause candidate against a plain evaluation of the same problems: time, tokens/s, peak fraction.")

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Problems per family.") var problems = 24
    @Option(help: "Pauses M of the candidate.") var pauses = 4
    @Option(help: "Engine numerics: float32 or bf16.") var numerics: EngineNumerics = .float32
    @Option(help: "Timings of each, the median kept.") var repeats = 3
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        if problems < 1 { throw ValidationError("--problems must be at least 1") }
        if pauses < 1 || pauses > 256 { throw ValidationError("--pauses lie in [1, 256]") }
        if repeats < 1 { throw ValidationError("--repeats must be at least 1") }
    }

    func run() throws {
        let logger = makeLogger()
        let model = try modelOptions.load(logger: logger)
        var yardsticks = Yardsticks()
        yardsticks.measure()
        let figures = try PauseBenchmark.measure(
            model: model, problemsPerFamily: problems, pauses: pauses, numerics: numerics, repeats: repeats)
        yardsticks.measure()
        if json {
            var object = figures.dictionary(yardsticks)
            object["machine"] = yardsticks.peaks.dictionary
            try printJSON(object)
        } else {
            print(figures.summary(yardsticks))
            for line in yardsticks.peaks.lines { print(line) }
        }
    }
}
