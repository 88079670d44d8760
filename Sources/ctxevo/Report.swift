import ArgumentParser
import Assets
import Dashboard
import Foundation
import RunLoop
import RunStore
import Workbench

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Save a run's dashboard page as one self-contained HTML file (charts library and data inlined; no server, no network)."
    )
    @Argument(help: "The run id.") var runID: Int64
    @Option(name: .shortAndLong, help: "Output file (default: run-<id>.html).") var output: String?
    @Option(
        help:
            "A held-out evaluation to show with it: the JSON of `ctxevo longrope evaluate --json`, `ctxevo namm evaluate --json` or `ctxevo pause evaluate --json`."
    )
    var evaluation: String?
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let logger = makeLogger()
        let store = try database.open(readOnly: true)
        let data = DashboardData(store: store, objectives: .standard, logger: logger)
        var extra: [String: Any] = [:]
        if let evaluation {
            guard let contents = FileManager.default.contents(atPath: evaluation) else {
                throw ValidationError("\(evaluation) cannot be read")
            }
            // The method's view of its held-out evaluation (tables, plots; every string escaped), shown under the
            // run's charts.
            extra["sections_html"] = try data.heldOutSections(runID, evaluation: contents)
        }
        let html = try DashboardSnapshot.html(
            runJSON: try data.runJSON(runID, extra: extra), charts: try Assets().chartsLibrary(logger: logger))
        let path = output ?? "run-\(runID).html"
        try html.write(toFile: path, atomically: true, encoding: .utf8)
        print("report written to \(path)")
    }
}
