import ArgumentParser
import Assets
import BenchmarkFunctions
import Foundation
import LongRoPE
import NAMM
import Numerics
import Objectives
import Reporting
import RunLoop
import RunStore
import Transformer
import Workbench

struct BenchPerplexity: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perplexity",
        abstract: "Tokens per second of one perplexity evaluation, as a fraction of this machine's sgemm rate.",
        discussion: """
            Measures, in this order: the attention kernel alone at each --attention-lengths (the last 2,048 queries \
            of that many keys, one layer), one document of each --contexts (every token scored) with the share of \
            time per stage, and with --llama-perplexity, llama.cpp's tool against ctxevo on the same windows. The \
            sgemm rate is measured before and after each of them; fractions are against the median.
            """)

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var textOptions: TextOptions
    @Option(parsing: .upToNextOption, help: "Context lengths to measure.") var contexts: [Int] = [2048, 16384]
    @Option(parsing: .upToNextOption, help: "Key counts at which to time the attention kernel alone.")
    var attentionLengths: [Int] = [2048, 16384, 32768]
    @Option(help: "Engine numerics of the contexts: float32 (what searches use), llamacpp or llamacpp-fa-off.")
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

    /// The comparison windows, parsed: context, windows, ctxevo's numerics.
    var comparisonWindows: [(context: Int, windows: Int, numerics: EngineNumerics)] {
        get throws {
            try llamaWindows.map { spec in
                let parts = spec.split(separator: "@", omittingEmptySubsequences: false)
                let size = parts[0].split(separator: "x")
                guard parts.count <= 2, size.count == 2, let context = Int(size[0]), let windows = Int(size[1]),
                    context >= 4, windows >= 1
                else { throw ValidationError("--llama-windows: '\(spec)' is not CONTEXTxWINDOWS[@NUMERICS]") }
                guard let numerics = parts.count == 2 ? EngineNumerics(rawValue: String(parts[1])) : self.numerics
                else {
                    let known = EngineNumerics.allCases.map(\.rawValue).joined(separator: ", ")
                    throw ValidationError("--llama-windows: '\(parts[1])' is not one of \(known)")
                }
                return (context, windows, numerics)
            }
        }
    }

    func validate() throws {
        _ = try comparisonWindows
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
        let tokens = model.tokenizer.encode(text.contents, addSpecial: false)
        var sgemm = SgemmSamples()
        sgemm.measure()

        var attention: [AttentionTiming.Figures] = []
        for keys in attentionLengths {
            logger.info("attention kernel at \(keys) keys")
            attention.append(
                AttentionTiming.measure(
                    configuration: model.configuration, keys: keys, queries: 2048, numerics: numerics))
            sgemm.measure()
        }
        var evaluations: [PerplexityBenchmark] = []
        for context in contexts {
            logger.info("one document of \(context) tokens")
            evaluations.append(
                try PerplexityBenchmark.measure(model: model, tokens: tokens, context: context, numerics: numerics))
            sgemm.measure()
        }
        var comparisons: [LlamaCppComparison] = []
        var comparisonFailure: Error?
        if let llamaPerplexity {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("ctxevo-bench-\(getpid()).txt")
            try text.contents.write(to: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: file) }
            do {
                for (context, windows, numerics) in try comparisonWindows {
                    logger.info("ctxevo (\(numerics.rawValue)) and llama.cpp, \(context) x \(windows)")
                    comparisons.append(
                        try LlamaCppComparison.measure(
                            model: model, modelPath: modelPath, textPath: file.path, tokens: tokens, context: context,
                            windows: windows, numerics: numerics, llamaPerplexity: llamaPerplexity,
                            threads: Parallel.workerCount))
                    sgemm.measure()
                }
            } catch {
                // The measurements made so far are still printed; the command fails afterwards.
                comparisonFailure = error
            }
        }
        defer { if let comparisonFailure { FileHandle.standardError.write(Data("\(comparisonFailure)\n".utf8)) } }
        if json {
            try printJSON(["sgemm_gflops": sgemm.gflops, "sgemm_median": sgemm.median, "sgemm_spread": sgemm.spread])
            for figures in attention { try printJSON(figures.dictionary(sgemm: sgemm)) }
            for figures in evaluations { try printJSON(figures.dictionary(sgemm: sgemm)) }
            for comparison in comparisons { try printJSON(comparison.dictionary) }
            if comparisonFailure != nil { throw ExitCode.failure }
            return
        }
        print(sgemm.summary)
        for figures in attention { print(figures.summary(sgemm: sgemm)) }
        for figures in evaluations { print(figures.summary(sgemm: sgemm)) }
        for comparison in comparisons { print(comparison.summary) }
        let fractions =
            attention.map { $0.gflops / sgemm.median } + evaluations.map { $0.effectiveGFLOPS / sgemm.median }
        if fractions.contains(where: { $0 > 1 }) || sgemm.spread > 0.15 {
            print(
                "note: the sgemm measurements vary by \(Int((sgemm.spread * 100).rounded()))%"
                    + (fractions.contains(where: { $0 > 1 }) ? " and a fraction exceeds 100%" : "")
                    + ": the machine's speed changed during the run, so the fractions are approximate.")
        }
        if comparisonFailure != nil { throw ExitCode.failure }
    }
}
