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

struct RunsList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Every run, one line each.")
    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Print a JSON array.") var json = false

    func run() throws {
        let summaries = try RunSummary.all(in: try database.open(readOnly: true))
        if json { return try printJSON(summaries.map(\.dictionary)) }
        for run in summaries {
            print(
                String(
                    format: "%4lld  %-24@ %-12@ %-11@ %5d generations  best %@",
                    run.id, run.name, run.strategy, run.status.rawValue, run.generations,
                    run.best.map { String(format: "%.6g", $0) } ?? "-"))
        }
    }
}
