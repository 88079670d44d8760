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

struct Runs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect recorded runs.",
        subcommands: [RunsList.self, RunsShow.self, RunsReplay.self, RunsExport.self, RunsCompare.self])
}
