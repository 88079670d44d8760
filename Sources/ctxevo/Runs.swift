import ArgumentParser
import Foundation
import RunStore
import Workbench

struct Runs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect recorded runs.",
        subcommands: [RunsList.self, RunsShow.self, RunsReplay.self, RunsExport.self, RunsCompare.self])
}
