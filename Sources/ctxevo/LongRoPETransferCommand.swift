import ArgumentParser
import Assets
import Foundation
import LongRoPE
import Objectives
import RunStore
import Transformer

struct LongRoPETransferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer",
        abstract:
            "Score a LongRoPE run's recorded candidates on held-out text: how well the search perplexity ranks them.")

    @Argument(help: "The LongRoPE run.") var runID: Int64
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var textOptions: TextOptions
    @Option(help: "Only the candidates with the N lowest search perplexities (default: every full evaluation).")
    var top: Int?
    @Option(help: "Held-out documents of the run's target length per candidate.") var documents: Int = 1
    @Option(help: "float32, bf16 (what the long searches use), llamacpp or llamacpp-fa-off.")
    var numerics: EngineNumerics = .bfloat16
    @Option(name: .shortAndLong, help: "Also write the table (Markdown) to this file.") var output: String?
    @Flag(help: "Print a JSON object: rows, spearman, rank_of_search_best.") var json = false

    func validate() throws {
        if let top, top < 1 { throw ValidationError("--top must be at least 1") }
        if documents < 1 { throw ValidationError("--documents must be at least 1") }
    }

    func run() throws {
        let logger = makeLogger()
        let store = try database.open(readOnly: true)
        let path = try modelOptions.resolve(logger: logger)
        let recorded = try store.run(runID).modelSHA256
        guard try Digest.sha256(file: path) == recorded else {
            throw ValidationError("\(path) is not the model run \(runID) searched with (sha256 \(recorded))")
        }
        let model = try LlamaModel(path: path)
        let run = try LongRoPERun(run: runID, in: store, configuration: model.configuration)
        let candidates = try LongRoPETransfer.candidates(run: runID, in: store, top: top)
        let text = try textOptions.resolve(logger: logger)
        let bar = ProgressBar(label: "transfer", unit: "tok")
        let rows = try LongRoPETransfer.measure(
            run, candidates: candidates, model: model, text: text.contents, documents: documents, numerics: numerics,
            progress: bar.update
        ) { row in
            logger.info(
                "generation \(row.generation) candidate \(row.index): search \(String(format: "%.4f", row.searchPerplexity)), held out \(String(format: "%.4f", row.heldOutPerplexity))"
            )
        }
        let (spearman, rank) = LongRoPETransfer.agreement(rows)
        var lines = [
            "Run \(runID) (\(run.experiment.name)): \(rows.count) candidates on \(text.name), \(documents) document(s) of \(run.settings.targetLength) tokens, numerics \(numerics.rawValue)",
            "",
            "| generation | candidate | search perplexity | held-out perplexity |",
            "|---:|---:|---:|---:|",
        ]
        for row in rows {
            lines.append(
                "| \(row.generation) | \(row.index) | \(String(format: "%.4f", row.searchPerplexity)) | \(String(format: "%.4f", row.heldOutPerplexity)) |"
            )
        }
        lines.append("")
        lines.append(
            "Spearman's rho (search vs held out): \(spearman.map { String(format: "%.3f", $0) } ?? "- (fewer than 3 candidates)"); the search's best is \(rank.map { "number \($0)" } ?? "-") of \(rows.count) held out"
        )
        let table = lines.joined(separator: "\n") + "\n"
        if let output { try table.write(toFile: output, atomically: true, encoding: .utf8) }
        if json {
            let encoded = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(rows))
            try printJSON([
                "rows": encoded, "spearman": spearman.map { $0 as Any } ?? NSNull(),
                "rank_of_search_best": rank.map { $0 as Any } ?? NSNull(),
            ])
        } else {
            print(table, terminator: "")
        }
    }
}
