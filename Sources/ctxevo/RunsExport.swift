import ArgumentParser
import Foundation
import GGUF
import RunStore
import Transformer
import Workbench

struct RunsExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "A run's candidates as a table, or a LongRoPE run's best factors for the tools people load.",
        discussion: """
            candidates-csv, candidates-json: every candidate (generation, index, fitness, status, seconds, parameters).
            csv: one lambda per line (LongRoPE's result_final.csv), with '# n_hat' and '# mscale' comment lines.
            hf: a Hugging Face config.json with rope_scaling {rope_type: longrope, long_factor, short_factor, ...}.
            gguf: a copy of the model's GGUF with the factors as rope_freqs.weight (llama.cpp loads it); needs -o.
            namm: a NAMM run's best network with its normalisation (JSON, for `namm evaluate --network`); needs -o.
            allocation: a NAMM allocation run's per-layer weights (JSON, for `namm evaluate --allocation`); needs -o.
            """)
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case candidatesCSV = "candidates-csv"
        case candidatesJSON = "candidates-json"
        case csv, hf, gguf, namm, allocation
    }
    @Argument(help: "The run id.") var runID: Int64
    @Option(help: "candidates-csv, candidates-json, csv, hf, gguf, namm or allocation.") var format: Format =
        .candidatesCSV
    @Option(name: .shortAndLong, help: "Write to this file (default: standard output; gguf needs a file).")
    var output: String?
    @Flag(help: "Export even when the format cannot hold part of the table (it says what is lost).") var force = false
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if [.gguf, .namm, .allocation].contains(format) && output == nil {
            throw ValidationError("--format \(format.rawValue) writes a file: give -o FILE")
        }
    }

    func run() throws {
        let store = try database.open(readOnly: true)
        let text: String
        switch format {
        case .candidatesCSV: text = try CandidateExport.csv(run: runID, in: store)
        case .candidatesJSON: text = try CandidateExport.json(run: runID, in: store)
        case .namm:
            let logger = makeLogger()
            let experiment = try ExperimentRunner.experiment(run: runID, in: store)
            let network = try NAMMExport.network(
                run: runID, in: store, search: try SearchSetup.prepare(experiment, logger: logger))
            try network.write(to: output!)
            print(
                "wrote \(output!): the \(network.scorer) network of run \(runID), generation \(network.training.generation ?? 0), fitness \(network.training.fitness ?? .nan)"
            )
            return
        case .allocation:
            let experiment = try ExperimentRunner.experiment(run: runID, in: store)
            let file = try NAMMExport.allocation(
                run: runID, in: store, search: try SearchSetup.prepare(experiment, logger: makeLogger()))
            try file.write(to: output!)
            let weights = file.weights.map { String(format: "%.2f", $0) }.joined(separator: " ")
            print(
                "wrote \(output!): the per-layer allocation of run \(runID) (\(file.training.rule)), generation \(file.training.generation ?? 0), fitness \(file.training.fitness ?? .nan); weights \(weights)"
            )
            return
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
