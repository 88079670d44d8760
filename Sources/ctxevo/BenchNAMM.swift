import ArgumentParser
import Assets
import BenchmarkFunctions
import LongRoPE
import MemoryPolicy
import NAMM
import Objectives
import Reporting
import RunLoop
import RunStore
import Transformer
import Workbench

extension NAMMPrior: ExpressibleByArgument {}

struct BenchNAMM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "namm",
        abstract: "One NAMM candidate on a held-out document against the plain forward pass: time and peak memory.")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var textOptions: TextOptions
    @Option(help: "Tokens of the document.") var length = 4096
    @Option(help: "Tokens between two firings (n_up).") var updateInterval = 512
    @Option(help: "The cache budget (a fraction of the tokens seen).") var budget = 0.25
    @Option(help: "The candidate's scorer: bam (4,172 parameters) or linear (26).") var scorer = "bam"
    @Option(help: "The rule the network corrects (h2o), as in an experiment's `namm.prior`; none by default.")
    var prior: NAMMPrior?
    @Option(help: "Engine numerics: float32 (NAMM's) or float32-openblas (its products through OpenBLAS).")
    var numerics: EngineNumerics = .float32
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        if updateInterval < 16 || updateInterval % 16 != 0 || length < 2 * updateInterval {
            throw ValidationError("--update-interval is a multiple of 16, at most half of --length")
        }
        if !(budget > 0 && budget <= 1) { throw ValidationError("--budget is a fraction in (0, 1]") }
        if !NAMMBenchmark.scorers.contains(scorer) {
            throw ValidationError("--scorer is one of \(NAMMBenchmark.scorers.joined(separator: ", "))")
        }
    }

    func run() throws {
        let logger = makeLogger()
        let model = try modelOptions.load(logger: logger)
        let text = try textOptions.resolve(logger: logger)
        let figures = try NAMMBenchmark.measure(
            model: model, text: text.contents, length: length, updateInterval: updateInterval, budget: budget,
            scorer: scorer, prior: prior, numerics: numerics, logger: logger)
        if json { try printJSON(figures.dictionary) } else { print(figures.summary) }
    }
}
