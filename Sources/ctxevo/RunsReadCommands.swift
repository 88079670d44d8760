import ArgumentParser
import Foundation
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
        let replays = try RunReplay.replay(run: runID, generation: generation, in: store)
        if json {
            try printJSONArray(replays.map {
                ["generation": $0.generation, "index": $0.index, "recorded": $0.recorded.map { $0 as Any } ?? NSNull(),
                 "replayed": $0.replayed, "reproduces": $0.reproduces]
            })
            return
        }
        for r in replays where !r.reproduces {
            print("generation \(r.generation) candidate \(r.index): recorded \(r.recorded.map { "\($0)" } ?? "failed"), replayed \(r.replayed)")
        }
        let good = replays.filter(\.reproduces).count
        print("\(good)/\(replays.count) recorded candidates reproduce their fitness")
        if good != replays.count { throw ExitCode(1) }
    }
}

struct RunsExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Every candidate of a run (generation, index, fitness, status, seconds, parameters).")
    enum Format: String, ExpressibleByArgument { case csv, json }
    @Argument(help: "The run id.") var runID: Int64
    @Option(help: "csv or json.") var format: Format = .csv
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let store = try database.open(readOnly: true)
        _ = try store.run(runID)
        let candidates = try store.candidates(run: runID)
        switch format {
        case .json:
            try printJSONArray(try candidates.map { c in
                [
                    "generation": c.generation, "index": c.index, "fitness": c.fitness.map { $0 as Any } ?? NSNull(),
                    "status": c.status, "seconds": c.seconds,
                    "parameters": try JSONSerialization.jsonObject(with: Data(c.parameters.utf8)),
                    "metrics": try JSONSerialization.jsonObject(with: Data(c.metrics.utf8)),
                ]
            })
        case .csv:
            let width = candidates.first.map { (try? JSONDecoder().decode([Double].self, from: Data($0.parameters.utf8)))?.count ?? 0 } ?? 0
            print((["generation", "index", "fitness", "status", "seconds"] + (0..<width).map { "x\($0)" }).joined(separator: ","))
            for c in candidates {
                let x = (try? JSONDecoder().decode([Double].self, from: Data(c.parameters.utf8))) ?? []
                let fields = ["\(c.generation)", "\(c.index)", c.fitness.map { "\($0)" } ?? "", c.status, "\(c.seconds)"] + x.map { "\($0)" }
                print(fields.joined(separator: ","))
            }
        }
    }
}

struct RunsCompare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare", abstract: "Runs side by side: evaluations, generations, best fitness, how they ended.")
    @Argument(help: "Two or more run ids.") var runIDs: [Int64]
    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Print a JSON array.") var json = false

    func validate() throws {
        if runIDs.count < 2 { throw ValidationError("compare takes at least two run ids") }
    }

    func run() throws {
        let store = try database.open(readOnly: true)
        var rows: [[String: Any]] = []
        for id in runIDs {
            let record = try store.run(id)
            let generations = try store.generations(run: id)
            let strategy = try ExperimentRunner.strategy(run: id, in: store)
            let seconds = generations.reduce(0) { $0 + $1.seconds }
            let ended = try store.events(run: id).last { $0.message.hasPrefix("finished") }?.message ?? record.status
            rows.append([
                "id": id, "name": record.name, "strategy": record.strategy, "seed": record.seed,
                "generations": generations.count, "evaluations": strategy?.evaluations ?? 0,
                "best": strategy?.best.map { $0.fitness as Any } ?? NSNull(), "seconds": seconds, "status": ended,
            ])
            if !json {
                print(String(format: "%4lld  %-20@ %-12@ seed %-6lld %5d gen %7d eval  best %-12@ %8.2f s  %@", id, record.name,
                    record.strategy, record.seed, generations.count, strategy?.evaluations ?? 0,
                    strategy?.best.map { String(format: "%.6g", $0.fitness) } ?? "-", seconds, ended))
            }
        }
        if json { try printJSONArray(rows) }
    }
}

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a self-contained HTML report of a run (SVG plots, no network needed).")
    @Argument(help: "The run id.") var runID: Int64
    @Option(name: .shortAndLong, help: "Output file (default: run-<id>.html).") var output: String?
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let store = try database.open(readOnly: true)
        let html = try RunReport.html(run: runID, in: store)
        let path = output ?? "run-\(runID).html"
        try html.write(toFile: path, atomically: true, encoding: .utf8)
        print("report written to \(path)")
    }
}
