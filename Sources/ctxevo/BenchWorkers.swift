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

struct BenchWorkers: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workers",
        abstract: "Evaluations per second of one run with 1, 2, 4, ... worker processes (a sleeping objective).",
        discussion: """
            Each row is a new run in the given database (PostgreSQL, or a SQLite file for workers on this \
            machine): a CMA-ES generation of --population candidates that each sleep --delay seconds, evaluated \
            by that many `ctxevo worker` processes while this process only coordinates.
            """)
    @OptionGroup var database: DatabaseOptions
    @Option(parsing: .upToNextOption, help: "Worker counts to measure.") var workers: [Int] = [1, 4]
    @Option(help: "Candidates per generation.") var population = 16
    @Option(help: "Generations per measurement.") var generations = 4
    @Option(help: "Seconds each evaluation sleeps.") var delay = 0.5
    @Flag(help: "Print a JSON array.") var json = false

    func validate() throws {
        if workers.isEmpty || workers.contains(where: { $0 < 1 || $0 > 64 }) {
            throw ValidationError("--workers takes counts from 1 to 64")
        }
        if population < 2 { throw ValidationError("--population must be at least 2") }
        if generations < 1 { throw ValidationError("--generations must be at least 1") }
        if !(delay >= 0 && delay.isFinite) { throw ValidationError("--delay must not be negative") }
    }

    func run() throws {
        let store = try database.open()
        let executable = Bundle.main.executablePath ?? CommandLine.arguments[0]
        // Workers get the password through PGPASSWORD, never on their command lines.
        var environment = ProcessInfo.processInfo.environment
        var location = database.location
        if PostgresURL.isPostgres(location) {
            let url = try PostgresURL(location)
            location = url.redacted
            if let password = url.password { environment["PGPASSWORD"] = password }
        }
        var rows: [WorkerScaling.Row] = []
        for count in workers {
            let row = try WorkerScaling.measure(
                store: store, workers: count, population: population, generations: generations, delay: delay
            ) { run in
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = ["worker", "--run", "\(run)", "--database", location]
                process.environment = environment
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                return process
            }
            rows.append(row)
            if !json {
                print(
                    String(
                        format:
                            "%2d workers: %d evaluations in %.2f s = %.3f evaluations/s, %.2f× the rate of %d (ideal %.2f×)",
                        row.workers, row.evaluations, row.seconds, row.perSecond, row.perSecond / rows[0].perSecond,
                        rows[0].workers, Double(row.workers) / Double(rows[0].workers)))
            }
        }
        if json { try printJSON(rows.map(\.dictionary)) }
    }
}
