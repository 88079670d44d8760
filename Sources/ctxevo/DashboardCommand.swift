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

    func validate() throws {
        if !(0...65535).contains(port) { throw ValidationError("--port must lie in 0...65535") }
        if !(staleAfter > 0) { throw ValidationError("--stale-after must be positive") }
    }

    func run() throws {
        let logger = makeLogger()
        let store = try database.open(readOnly: true)
        let access = try DashboardAccess(host: host)
        let charts = try Assets().chartsLibrary(logger: logger)
        let server = DashboardServer(
            data: DashboardData(store: store, objectives: .standard, staleAfter: staleAfter, logger: logger),
            access: access, port: port, charts: charts)
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
