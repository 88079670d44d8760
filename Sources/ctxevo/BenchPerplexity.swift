import ArgumentParser
import Assets
import BenchmarkFunctions
import Foundation
import LongRoPE
import NAMM
import Objectives
import Reporting
import RunLoop
import RunStore
import Transformer
import Workbench

struct BenchPerplexity: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perplexity",
        abstract:
            "Tokens per second of one perplexity evaluation, as a fraction of the cores' own peak for its arithmetic.",
        discussion: """
            Measures, in this order: the attention kernel alone at each --attention-lengths (the last 2,048 queries \
            of that many keys, one layer), one document of each --contexts (every token scored) with the share of \
            time per stage, and with --llama-perplexity, llama.cpp's tool against ctxevo on the same windows. The \
            cores' peaks (fp32 FMA at 256 and 512 bits, bf16 and int8 dot products) and the sgemm rate are measured \
            before and after each of them; fractions are against the medians, of the peak of the arithmetic each \
            numerics uses and of sgemm.
            """)

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var textOptions: TextOptions
    @Option(parsing: .upToNextOption, help: "Context lengths to measure.") var contexts: [Int] = [2048, 16384]
    @Option(parsing: .upToNextOption, help: "Key counts at which to time the attention kernel alone.")
    var attentionLengths: [Int] = [2048, 16384, 32768]
    @Option(
        help:
            "Engine numerics of the contexts: float32, float32-openblas, bf16 (what LongRoPE searches use), llamacpp or llamacpp-fa-off."
    )
    var numerics: EngineNumerics = .float32
    @Option(help: "llama.cpp's llama-perplexity, to run on the same windows as ctxevo (see --llama-windows).")
    var llamaPerplexity: String?
    @Option(
        parsing: .upToNextOption,
        help: ArgumentHelp(
            "Windows of the comparison with llama.cpp, CONTEXTxWINDOWS, each optionally @NUMERICS for ctxevo's side.",
            discussion:
                "By default ctxevo's side computes llama.cpp's arithmetic (llamacpp numerics; llama.cpp runs with -fa on, "
                + "or -fa off against llamacpp-fa-off). Without @, ctxevo uses --numerics. Example: 2048x5@float32."))
    var llamaWindows: [String] = ["2048x5@llamacpp", "16384x1@llamacpp"]
    @Flag(help: "Print one JSON object per measurement.") var json = false

    var plan: PerplexityBenchmarkRun {
        get throws {
            PerplexityBenchmarkRun(
                contexts: contexts, attentionLengths: attentionLengths, numerics: numerics,
                llamaPerplexity: llamaPerplexity,
                windows: try llamaWindows.map { try PerplexityBenchmarkRun.Window(parsing: $0, numerics: numerics) })
        }
    }

    func validate() throws {
        do { _ = try plan } catch { throw ValidationError("\(error)") }
        if contexts.contains(where: { $0 < 4 }) || attentionLengths.contains(where: { $0 < 1 }) {
            throw ValidationError("--contexts takes lengths of at least 4 tokens, --attention-lengths at least 1")
        }
        if let llamaPerplexity, !FileManager.default.isExecutableFile(atPath: llamaPerplexity) {
            throw ValidationError("--llama-perplexity: no executable at \(llamaPerplexity)")
        }
    }

    func run() throws {
        let logger = makeLogger()
        let modelPath = try modelOptions.resolve(logger: logger)
        let model = try LlamaModel(path: modelPath)
        let text = try textOptions.resolve(logger: logger)
        let results = try plan.measure(model: model, modelPath: modelPath, text: text.contents, logger: logger)
        let yardsticks = results.yardsticks
        let sgemm = yardsticks.sgemm
        if let failure = results.comparisonFailure { FileHandle.standardError.write(Data("\(failure)\n".utf8)) }
        if json {
            var machine = yardsticks.peaks.dictionary
            machine["sgemm_gflops"] = sgemm.gflops
            machine["sgemm_median"] = sgemm.median
            machine["sgemm_spread"] = sgemm.spread
            try printJSON(machine)
            for figures in results.attention { try printJSON(figures.dictionary(yardsticks)) }
            for figures in results.evaluations { try printJSON(figures.dictionary(yardsticks)) }
            for comparison in results.comparisons { try printJSON(comparison.dictionary) }
        } else {
            for line in yardsticks.peaks.lines { print(line) }
            print(sgemm.summary)
            for figures in results.attention { print(figures.summary(yardsticks)) }
            for figures in results.evaluations { print(figures.summary(yardsticks)) }
            for comparison in results.comparisons { print(comparison.summary) }
            if results.machineWasDisturbed {
                print(
                    "note: the sgemm measurements vary by \(Int((sgemm.spread * 100).rounded()))%"
                        + ": the machine's speed changed during the run, so the fractions are approximate.")
            }
        }
        if results.comparisonFailure != nil { throw ExitCode.failure }
    }
}
