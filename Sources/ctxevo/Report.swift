import ArgumentParser
import Foundation
import RunStore
import Workbench

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
