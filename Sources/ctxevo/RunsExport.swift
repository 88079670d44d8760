import ArgumentParser
import Foundation
import RunLoop
import RunStore
import Workbench

struct RunsExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "A run's candidates as a table, or its result in the format its objective offers.",
        discussion: """
            candidates-csv, candidates-json: every candidate (generation, index, fitness, status, seconds, parameters).
            \(ObjectiveRegistry.standard.methods.flatMap(\.exportFormats).map {
                "\($0.name): \($0.summary)\($0.needsFile ? "; needs -o" : "")."
            }.joined(separator: "\n"))
            """)
    static let tables = ["candidates-csv", "candidates-json"]
    static var formats: [String] { tables + ObjectiveRegistry.standard.methods.flatMap(\.exportFormats).map(\.name) }

    @Argument(help: "The run id.") var runID: Int64
    @Option(help: "\(RunsExport.formats.joined(separator: ", ")).") var format = "candidates-csv"
    @Option(name: .shortAndLong, help: "Write to this file (default: standard output; some formats need a file).")
    var output: String?
    @Flag(help: "Export even when the format cannot hold part of the result (it says what is lost).") var force = false
    @Option(
        help: ArgumentHelp(
            "KEY=VALUE a format takes besides the run (repeatable).",
            discussion: "LongRoPE's hf and gguf: short-factors=FILE, a factors file of short-context factors "
                + "(a short search's csv export), used up to the trained context."))
    var with: [String] = []
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard RunsExport.formats.contains(format) else {
            throw ValidationError("--format is one of \(RunsExport.formats.joined(separator: ", ")), not '\(format)'")
        }
        let needsFile = ObjectiveRegistry.standard.methods.flatMap(\.exportFormats).contains {
            $0.name == format && $0.needsFile
        }
        if needsFile && output == nil { throw ValidationError(ExportError.needsFile(format).description) }
        _ = try settings()
    }

    func settings() throws -> [String: String] {
        var settings: [String: String] = [:]
        for pair in with {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw ValidationError("--with '\(pair)' is not KEY=VALUE")
            }
            settings[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        return settings
    }

    func run() throws {
        let store = try database.open(readOnly: true)
        let result: ExportResult
        switch format {
        case "candidates-csv": result = ExportResult(text: try CandidateExport.csv(run: runID, in: store))
        case "candidates-json": result = ExportResult(text: try CandidateExport.json(run: runID, in: store))
        default:
            let experiment = try ExperimentRunner.experiment(run: runID, in: store)
            let method = try ObjectiveRegistry.standard.method(for: experiment, path: "stored in run \(runID)")
            result = try method.export(
                format, run: runID, in: store,
                options: ExportOptions(output: output, force: force, with: try settings()),
                logger: makeLogger())
        }
        for warning in result.warnings { FileHandle.standardError.write(Data("export: \(warning)\n".utf8)) }
        if let message = result.message { print(message) }
        guard let text = result.text else { return }
        if let output {
            try text.write(toFile: output, atomically: true, encoding: .utf8)
        } else {
            print(text, terminator: "")
        }
    }
}
