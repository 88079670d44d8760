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
