import ArgumentParser
import Assets
import BenchmarkFunctions
import Foundation
import LongRoPE
import NAMM
import Objectives
import Reporting
import RoPEScaling
import RunLoop
import RunStore
import Transformer
import Workbench

struct LongRoPEEvaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract:
            "Held-out perplexity (llama.cpp's and the document protocol) and a passkey probe, per method and length.")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var textOptions: TextOptions
    @Option(parsing: .upToNextOption, help: "Evaluation lengths in tokens.") var lengths: [Int] = [
        2048, 4096, 8192, 16384, 32768,
    ]
    @Option(
        parsing: .upToNextOption,
        help: "Classic methods (none, linear, ntk, dynamic-ntk, yarn), each at s = length / trained length.")
    var methods: [BaselineMethod] = BaselineMethod.allCases
    @Option(
        parsing: .upToNextOption,
        help: "LongRoPE factors files (one lambda per line; '# n_hat' and '# mscale' lines honoured).")
    var factors: [String] = []
    @Option(name: .customLong("run"), parsing: .upToNextOption, help: "LongRoPE runs whose best factors to evaluate.")
    var runs: [Int64] = []
    @OptionGroup var database: DatabaseOptions
    @Option(parsing: .upToNextOption, help: "Protocols: llamacpp, document.") var protocols: [PerplexityProtocol] = [
        .llamacpp, .document,
    ]
    @Option(help: "Windows (llama.cpp protocol) or documents (document protocol) per length.") var documents: Int = 1
    @Option(parsing: .upToNextOption, help: "Passkey needle depths (0 to 1); --no-passkey to skip.")
    var passkeyDepths: [Double] = [0.1, 0.5, 0.9]
    @Flag(help: "Skip the passkey probe.") var noPasskey = false
    @Option(help: "float32, bf16 (what the LongRoPE experiments search with), llamacpp or llamacpp-fa-off.")
    var numerics: EngineNumerics = .float32
    @Option(name: .shortAndLong, help: "Also write the table (Markdown) to this file.") var output: String?
    @Flag(help: "Print a JSON array of cells instead of tables.") var json = false

    func validate() throws {
        if lengths.isEmpty || lengths.contains(where: { $0 < 16 }) {
            throw ValidationError("--lengths takes lengths of at least 16 tokens")
        }
        if documents < 1 { throw ValidationError("--documents must be at least 1") }
        if passkeyDepths.contains(where: { !($0 >= 0 && $0 <= 1) }) {
            throw ValidationError("--passkey-depths lie in [0, 1]")
        }
        if methods.isEmpty && factors.isEmpty && runs.isEmpty { throw ValidationError("nothing to evaluate") }
    }

    func run() throws {
        let logger = makeLogger()
        let model = try modelOptions.load(logger: logger)
        let c = model.configuration
        var candidates = methods.map { RotaryCandidate.baseline($0) }
        for path in factors {
            let contents = try FactorsFile.readContents(path: path)
            guard contents.factors.count == c.rotaryPairs else {
                throw RescalingError.wrongFactorCount(contents.factors.count, pairs: c.rotaryPairs)
            }
            candidates.append(.factors(name: URL(fileURLWithPath: path).lastPathComponent, contents))
        }
        if !runs.isEmpty {
            let store = try database.open(readOnly: true)
            for id in runs { candidates.append(try LongRoPERun(run: id, in: store, configuration: c).candidate) }
        }
        let text = try textOptions.resolve(logger: logger)
        let plan = LongRoPEEvaluation.Plan(
            candidates: candidates, lengths: lengths.sorted(), protocols: protocols, documents: documents,
            passkeyDepths: noPasskey ? [] : passkeyDepths, numerics: numerics)
        let bar = ProgressBar(label: "evaluate", unit: "tok")
        let cells = try LongRoPEEvaluation.run(
            plan, model: model, text: text.contents,
            planned: { work in bar.workFraction = { done, _ in work.fraction(tokens: done) } }, progress: bar.update
        ) { cell in
            logger.info(
                "\(cell.candidate) at \(cell.length), \(cell.measure): \(String(format: "%.4f", cell.perplexity))")
        }
        let table =
            "Held-out text: \(text.name); numerics \(numerics.rawValue); \(documents) window(s) per length\n"
            + LongRoPEEvaluation.markdown(cells)
        if let output { try table.write(toFile: output, atomically: true, encoding: .utf8) }
        if json {
            try printJSON(encoding: cells)
        } else {
            print(table)
        }
    }
}
