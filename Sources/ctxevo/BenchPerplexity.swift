import ArgumentParser
import Foundation
import Numerics
import Objectives
import Workbench

struct BenchPerplexity: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perplexity",
        abstract: "Tokens per second of one perplexity evaluation, as a fraction of this machine's sgemm rate.")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var textOptions: TextOptions
    @Option(parsing: .upToNextOption, help: "Context lengths to measure.") var contexts: [Int] = [2048, 16384]
    @Flag(help: "Print one JSON object per context length.") var json = false

    func validate() throws {
        if contexts.isEmpty || contexts.contains(where: { $0 < 4 }) {
            throw ValidationError("--contexts takes lengths of at least 4 tokens")
        }
    }

    func run() throws {
        let logger = makeLogger()
        let model = try modelOptions.load(logger: logger)
        let text = try textOptions.resolve(logger: logger)
        let tokens = model.tokenizer.encode(text.contents, addSpecial: false)
        let sgemm = SgemmRate.measure()
        for context in contexts {
            let figures = try PerplexityBenchmark.measure(
                model: model, tokens: tokens, context: context, sgemmGFLOPS: sgemm)
            if json {
                try printJSON(figures.dictionary)
            } else {
                print(figures.summary)
            }
        }
    }
}
