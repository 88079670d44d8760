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

/// --database: the run store, a SQLite file or a PostgreSQL server (default $CTXEVO_HOME/runs.sqlite).
struct DatabaseOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The run database: a file path, or postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=...] "
                + "(the password may come from PGPASSWORD instead).",
            discussion: "Default: $CTXEVO_HOME/runs.sqlite (~/.cache/ctxevo/runs.sqlite)."))
    var database: String?
    @Option(
        help: ArgumentHelp(
            "Seconds to go on without the database (a restarting server, a cut connection, a file locked by another "
                + "process) before giving up with an error.",
            discussion: "A lost PostgreSQL connection is made again with backoff meanwhile; nothing is lost either way."
        ))
    var maxOutage: Double = 300

    func validate() throws {
        guard maxOutage >= 1, maxOutage.isFinite else {
            throw ValidationError("--max-outage must be at least 1 second")
        }
    }

    var location: String {
        if let database { return database }
        let home = Assets().home
        try? FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        return home.appendingPathComponent("runs.sqlite").path
    }

    func open(readOnly: Bool = false) throws -> RunStore {
        try RunStores.open(location, readOnly: readOnly, policy: OutagePolicy(maxOutage: maxOutage))
    }
}

/// How a coordinator (`run`, `resume`) takes part in the evaluations.
struct WorkOptions: ParsableArguments {
    @Flag(help: "Leave every evaluation to `ctxevo worker` processes; this process only coordinates.")
    var noEvaluate = false
    @Option(help: "Seconds a claimed candidate stays this process's without a heartbeat (renewed every quarter).")
    var lease: Double = 60

    func validate() throws {
        guard lease >= 0.2, lease.isFinite else { throw ValidationError("--lease must be at least 0.2 seconds") }
    }

    var settings: WorkSettings { WorkSettings(evaluate: !noEvaluate, lease: lease) }
}
