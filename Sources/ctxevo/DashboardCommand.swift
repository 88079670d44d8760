import ArgumentParser
import Assets
import Dashboard
import Foundation
import RunStore
import Workbench

struct DashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "A live, read-only web page over a run database: the runs, and each run as it is recorded.")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "The address to listen on; another than a loopback address requires a token.")
    var host = "127.0.0.1"
    @Option(help: "The port (0: any free one, printed at start).") var port = 8080
    @Option(help: "Seconds without a heartbeat after which a worker is shown as stale.") var staleAfter: Double = 180
    @Option(
        name: .customLong("evaluation"),
        help: ArgumentHelp(
            "RUN=FILE: a held-out evaluation shown on run RUN's page, under its charts (the JSON of `ctxevo longrope evaluate --json`, `ctxevo namm evaluate --json` or `ctxevo pause evaluate --json`); repeatable. The file is read again at each load.",
            valueName: "run=file"))
    var evaluationOptions: [String] = []

    /// `--evaluation` as run id → file.
    var evaluations: [Int64: String] {
        get throws {
            var map: [Int64: String] = [:]
            for option in evaluationOptions {
                let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let run = Int64(parts[0]), !parts[1].isEmpty else {
                    throw ValidationError("--evaluation \(option): write RUN=FILE, e.g. 1=evaluation.json")
                }
                if map[run] != nil { throw ValidationError("--evaluation names run \(run) twice") }
                map[run] = parts[1]
            }
            return map
        }
    }

    func validate() throws {
        if !(0...65535).contains(port) { throw ValidationError("--port must lie in 0...65535") }
        if !(staleAfter > 0) { throw ValidationError("--stale-after must be positive") }
        _ = try evaluations
    }

    func run() throws {
        let logger = makeLogger()
        let store = try database.open(readOnly: true)
        let access = try DashboardAccess(host: host)
        let charts = try Assets().chartsLibrary(logger: logger)
        let data = DashboardData(
            store: store, objectives: .standard, staleAfter: staleAfter, evaluations: try evaluations, logger: logger)
        // Each evaluation is shown once before the server starts: a file that cannot be, or a run that is not in the
        // database, stops here with its reason rather than as a line on a page.
        for (run, path) in try evaluations.sorted(by: { $0.key < $1.key }) {
            do {
                _ = try data.heldOutSectionsOfFile(run)
            } catch {
                throw ValidationError("--evaluation \(run)=\(path): \(error)")
            }
        }
        let server = DashboardServer(data: data, access: access, port: port, charts: charts)
        let host = self.host
        let finished = Finished()
        Task {
            do {
                try await server.run { port in
                    let address = host.contains(":") ? "[\(host)]" : host
                    let token = access.token.map { "/?token=\($0)" } ?? "/"
                    // Written unbuffered: a script or test waits for this line to learn the port.
                    FileHandle.standardOutput.write(
                        Data("dashboard of \(store.location) at http://\(address):\(port)\(token)\n".utf8))
                }
                finished.end(nil)
            } catch { finished.end(error) }
        }
        if let error = finished.wait() { throw error }
    }
}

/// The end of the server's task, waited for by the command's synchronous `run`.
private final class Finished: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var error: Error?

    func end(_ error: Error?) {
        self.error = error
        done.signal()
    }

    func wait() -> Error? {
        done.wait()
        return error
    }
}
