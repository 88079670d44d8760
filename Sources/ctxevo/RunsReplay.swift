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
    @Option(
        help:
            "Replay in these numerics instead of the run's own (e.g. bf16), and report how they rank the candidates (Spearman's rho, whether the best stays best)."
    )
    var numerics: String?
    @Flag(help: "Print a JSON array.") var json = false

    func run() throws {
        let store = try database.open(readOnly: true)
        let bar = ProgressBar(label: "replay", unit: "eval")
        let replays = try RunReplay.replay(
            run: runID, generation: generation, in: store, objectives: .standard, numerics: numerics,
            logger: makeLogger(), progress: bar.update)
        if json {
            let rows = replays.map {
                [
                    "generation": $0.generation, "index": $0.index,
                    "recorded": $0.recorded.map { $0 as Any } ?? NSNull(),
                    "replayed": $0.replayed, "reproduces": $0.reproduces,
                ]
            }
            if let numerics, let agreement = RankAgreement(replays) {
                try printJSON([
                    "numerics": numerics, "candidates": rows, "spearman": agreement.spearman,
                    "rank_of_recorded_best": agreement.rankOfRecordedBest,
                ])
            } else {
                try printJSON(rows)
            }
            return
        }
        if let numerics {
            for r in replays {
                print(
                    "generation \(r.generation) candidate \(r.index): recorded \(r.recorded.map { "\($0)" } ?? "failed"), \(numerics) \(r.replayed)"
                )
            }
            guard let agreement = RankAgreement(replays) else {
                print("fewer than two candidates with a finite fitness: no ranking to compare")
                return
            }
            print(
                String(
                    format:
                        "%d candidates: Spearman's rho %.4f between the recorded fitness and %@; the recorded best is %@",
                    agreement.candidates, agreement.spearman, numerics,
                    agreement.bestStaysBest ? "still the best" : "now number \(agreement.rankOfRecordedBest)"))
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
