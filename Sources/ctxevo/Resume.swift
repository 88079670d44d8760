import ArgumentParser
import Assets
import BenchmarkFunctions
import Foundation
import Logging
import LongRoPE
import NAMM
import Objectives
import Reporting
import RunLoop
import RunStore
import Workbench

struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Continue a run after a kill, power loss or Ctrl-C, reusing every finished evaluation.")
    @Argument(help: "The run id.") var runID: Int64
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var work: WorkOptions

    func run() throws {
        let logger = makeLogger()
        let store = try database.open()
        let experiment = try ObjectiveRegistry.standard.experimentAsRecorded(run: runID, in: store)
        try execute(
            run: runID, store: store, search: try ObjectiveRegistry.standard.prepare(experiment, logger: logger),
            logger: logger,
            work: work.settings)
    }
}
