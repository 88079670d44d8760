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

struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Evaluate the candidates that coordinators (`ctxevo run`/`resume`) put in a shared run database.",
        discussion: """
            Point any number of workers, on any machines, at one PostgreSQL database. Each claims a pending \
            candidate under a lease kept alive by a heartbeat, evaluates it, and records the result. A worker that \
            dies gives its candidate up when the lease runs out. A worker whose model or texts differ from the \
            run's refuses it and says why.
            """)
    @OptionGroup var database: DatabaseOptions
    @Option(
        name: .customLong("run"),
        help: "Serve only this run, and stop when it is finished (default: every unfinished run, until Ctrl-C).")
    var runID: Int64?
    @Option(help: "Seconds a claimed candidate stays this worker's without a heartbeat (renewed every quarter).")
    var lease: Double = 60

    func validate() throws {
        guard lease >= 0.2, lease.isFinite else { throw ValidationError("--lease must be at least 0.2 seconds") }
    }

    func run() throws {
        let logger = makeLogger()
        let store = try database.open()
        let flag = InterruptFlag()
        let report = try Worker.serve(
            store: store, run: runID, objectives: .standard, lease: lease, logger: logger, shouldStop: { flag.isRaised }
        )
        print(
            "worker: \(report.recorded) candidates recorded, \(report.discarded) discarded (recorded first elsewhere)")
        for (run, reason) in report.refused.sorted(by: { $0.key < $1.key }) { print("refused run \(run): \(reason)") }
    }
}
