import ArgumentParser
import Foundation
import RunStore
import Workbench

/// --database: the run store (default $CTXEVO_HOME/runs.sqlite).
struct DatabaseOptions: ParsableArguments {
    @Option(help: "The run database (default: $CTXEVO_HOME/runs.sqlite, ~/.cache/ctxevo/runs.sqlite).")
    var database: String?

    var path: String {
        if let database { return database }
        let home = Assets().home
        try? FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        return home.appendingPathComponent("runs.sqlite").path
    }

    func open(readOnly: Bool = false) throws -> RunStore { try RunStore(path: path, readOnly: readOnly) }
}
