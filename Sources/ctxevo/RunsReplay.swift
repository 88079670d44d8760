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

struct RunsReplay: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay", abstract: "Re-evaluate recorded candidates and say whether each reproduces its fitness.")
    @Argument(help: "The run id.") var runID: Int64
    @Option(help: "Only this generation (default: every generation).") var generation: Int?
    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Print a JSON array.") var json = false

    func run() throws {
        let store = try database.open(readOnly: true)
        let replays = try RunReplay.replay(
            run: runID, generation: generation, in: store, objectives: .standard)
        if json {
            try printJSON(
                replays.map {
                    [
                        "generation": $0.generation, "index": $0.index,
                        "recorded": $0.recorded.map { $0 as Any } ?? NSNull(),
                        "replayed": $0.replayed, "reproduces": $0.reproduces,
                    ]
                })
            return
        }
        for r in replays where !r.reproduces {
            print(
                "generation \(r.generation) candidate \(r.index): recorded \(r.recorded.map { "\($0)" } ?? "failed"), replayed \(r.replayed)"
            )
        }
        let good = replays.filter(\.reproduces).count
        print("\(good)/\(replays.count) recorded candidates reproduce their fitness")
        if good != replays.count { throw ExitCode(1) }
    }
}
