import ArgumentParser
import Foundation
import GGUF
import RunStore
import Transformer
import Workbench

struct RunsReplay: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay", abstract: "Re-evaluate recorded candidates and say whether each reproduces its fitness.")
    @Argument(help: "The run id.") var runID: Int64
    @Option(help: "Only this generation (default: every generation).") var generation: Int?
    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Print a JSON array.") var json = false

    func run() throws {
        let store = try database.open(readOnly: true)
        let replays = try RunReplay.replay(run: runID, generation: generation, in: store)
        if json {
            try printJSON(
                replays.map {
                    [
                        "generation": $0.generation, "index": $0.index,
                        "recorded": $0.recorded.map { $0 as Any } ?? NSNull(),
                        "replayed": $0.replayed, "reproduces": $0.reproduces,
                    ]
                })
            return
        }
        for r in replays where !r.reproduces {
            print(
                "generation \(r.generation) candidate \(r.index): recorded \(r.recorded.map { "\($0)" } ?? "failed"), replayed \(r.replayed)"
            )
        }
        let good = replays.filter(\.reproduces).count
        print("\(good)/\(replays.count) recorded candidates reproduce their fitness")
        if good != replays.count { throw ExitCode(1) }
    }
}

struct RunsExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "A run's candidates as a table, or a LongRoPE run's best factors for the tools people load.",
        discussion: """
            candidates-csv, candidates-json: every candidate (generation, index, fitness, status, seconds, parameters).
            csv: one lambda per line (LongRoPE's result_final.csv), with '# n_hat' and '# mscale' comment lines.
            hf: a Hugging Face config.json with rope_scaling {rope_type: longrope, long_factor, short_factor, ...}.
            gguf: a copy of the model's GGUF with the factors as rope_freqs.weight (llama.cpp loads it); needs -o.
            """)
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case candidatesCSV = "candidates-csv"
        case candidatesJSON = "candidates-json"
        case csv, hf, gguf
    }
    @Argument(help: "The run id.") var runID: Int64
    @Option(help: "candidates-csv, candidates-json, csv, hf or gguf.") var format: Format = .candidatesCSV
    @Option(name: .shortAndLong, help: "Write to this file (default: standard output; gguf needs a file).")
    var output: String?
    @Flag(help: "Export even when the format cannot hold part of the table (it says what is lost).") var force = false
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if format == .gguf && output == nil { throw ValidationError("--format gguf writes a model file: give -o FILE") }
    }

    func run() throws {
        let store = try database.open(readOnly: true)
        let text: String
        switch format {
        case .candidatesCSV: text = try CandidateExport.csv(run: runID, in: store)
        case .candidatesJSON: text = try CandidateExport.json(run: runID, in: store)
        case .csv, .hf, .gguf:
            let logger = makeLogger()
            let experiment = try ExperimentRunner.experiment(run: runID, in: store)
            let modelPath =
                try experiment.longRoPE.map { try SearchSetup.modelPath($0, logger: logger) }
                ?? modelOptions.resolve(logger: logger)
            let file = try GGUFFile(path: modelPath)
            let configuration = try LlamaConfiguration(file: file)
            let found = try LongRoPERun(run: runID, in: store, configuration: configuration)
            let exportFormat = FactorExport.Format(rawValue: format.rawValue)!
            let losses = FactorExport.losses(exportFormat, table: found.table)
            for loss in losses { FileHandle.standardError.write(Data("export: \(loss)\n".utf8)) }
            if !losses.isEmpty && !force {
                throw ValidationError(
                    "the \(format.rawValue) format cannot hold this table (see above); --force exports it anyway")
            }
            let target = found.settings.targetLength
            switch exportFormat {
            case .csv: text = FactorExport.csv(found.table)
            case .hf:
                text = try FactorExport.huggingFace(found.table, configuration: configuration, targetLength: target)
            case .gguf:
                try FactorExport.gguf(
                    found.table, source: file, configuration: configuration, targetLength: target, to: output!)
                print(
                    "wrote \(output!): \(URL(fileURLWithPath: modelPath).lastPathComponent) with the factors of run \(runID) as rope_freqs.weight, context \(target)"
                )
                return
            }
        }
        if let output {
            try text.write(toFile: output, atomically: true, encoding: .utf8)
        } else {
            print(text, terminator: "")
        }
    }
}

struct RunsCompare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare", abstract: "Runs side by side: evaluations, generations, best fitness, how they ended.")
    @Argument(help: "Two or more run ids.") var runIDs: [Int64]
    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Print a JSON array.") var json = false

    func validate() throws {
        if runIDs.count < 2 { throw ValidationError("compare takes at least two run ids") }
    }

    func run() throws {
        let store = try database.open(readOnly: true)
        let summaries = try runIDs.map { try RunSummary(run: $0, in: store) }
        if json { return try printJSON(summaries.map(\.dictionary)) }
        for r in summaries {
            print(
                String(
                    format: "%4lld  %-20@ %-12@ seed %-6lld %5d gen %7d eval  best %-12@ %8.2f s  %@", r.id, r.name,
                    r.strategy, r.seed, r.generations, r.evaluations, r.best.map { String(format: "%.6g", $0) } ?? "-",
                    r.seconds, r.ending))
        }
    }
}

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a self-contained HTML report of a run (SVG plots, no network needed).")
    @Argument(help: "The run id.") var runID: Int64
    @Option(name: .shortAndLong, help: "Output file (default: run-<id>.html).") var output: String?
    @Option(help: "LongRoPE runs: the JSON of `ctxevo longrope evaluate --json` to include as tables.")
    var evaluation: String?
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let store = try database.open(readOnly: true)
        var cells: [LongRoPEEvaluation.Cell] = []
        if let evaluation {
            guard let data = FileManager.default.contents(atPath: evaluation),
                let decoded = try? JSONDecoder().decode([LongRoPEEvaluation.Cell].self, from: data)
            else { throw ValidationError("\(evaluation) is not the JSON output of `ctxevo longrope evaluate --json`") }
            cells = decoded
        }
        let html = try RunReport.html(run: runID, in: store, evaluation: cells, logger: makeLogger())
        let path = output ?? "run-\(runID).html"
        try html.write(toFile: path, atomically: true, encoding: .utf8)
        print("report written to \(path)")
    }
}
