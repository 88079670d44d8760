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
import Workbench

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a self-contained HTML report of a run (SVG plots, no network needed).")
    @Argument(help: "The run id.") var runID: Int64
    @Option(name: .shortAndLong, help: "Output file (default: run-<id>.html).") var output: String?
    @Option(
        help:
            "The held-out evaluation to include: the JSON of `ctxevo longrope evaluate --json` (LongRoPE runs) or of `ctxevo namm evaluate --json` (NAMM runs)."
    )
    var evaluation: String?
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let store = try database.open(readOnly: true)
        var data: Data?
        if let evaluation {
            guard let contents = FileManager.default.contents(atPath: evaluation) else {
                throw ValidationError("\(evaluation) cannot be read")
            }
            data = contents
        }
        let html = try RunReport.html(
            run: runID, in: store, objectives: .standard, evaluation: data, logger: makeLogger())
        let path = output ?? "run-\(runID).html"
        try html.write(toFile: path, atomically: true, encoding: .utf8)
        print("report written to \(path)")
    }
}
