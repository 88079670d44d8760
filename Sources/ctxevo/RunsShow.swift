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

struct RunsShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Per-generation table of a run: best, median and worst fitness, sigma, time.")
    @Argument(help: "The run id.") var runID: Int64
    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Print a JSON array of generations.") var json = false

    /// The numerics the run's evaluations compute in, as it resumes and replays (a float32 run of ctxevo 0.2.0 or
    /// earlier: `float32-openblas`, said so); nil for an objective without numerics or an unreadable experiment.
    static func numerics(run id: Int64, in store: RunStore) throws -> String? {
        let objectives = ObjectiveRegistry.standard
        guard let experiment = try? objectives.experimentAsRecorded(run: id, in: store),
            let method = objectives.method(named: experiment.objective),
            let numerics = try? method.numerics(of: experiment)
        else { return nil }
        let stored = try? method.numerics(of: ExperimentRunner.experiment(run: id, in: store))
        return stored == numerics
            ? numerics : "\(numerics) (the run's \(stored ?? "?") as \(try store.run(id).codeVersion) computed it)"
    }

    func run() throws {
        let store = try database.open(readOnly: true)
        let record = try store.run(runID)
        let generations = try store.generations(run: runID)
        if json {
            try printJSON(
                generations.map { g in
                    [
                        "generation": g.index, "best": g.bestFitness.map { $0 as Any } ?? NSNull(),
                        "median": g.medianFitness.map { $0 as Any } ?? NSNull(),
                        "worst": g.worstFitness.map { $0 as Any } ?? NSNull(),
                        "best_so_far": g.bestSoFar.map { $0 as Any } ?? NSNull(), "sigma": g.stepSize,
                        "seconds": g.seconds,
                    ]
                })
            return
        }
        print(
            "run \(runID): \(record.name), \(record.strategy), seed \(record.seed), \(record.status.rawValue), \(record.codeVersion)"
        )
        print("model sha256 \(record.modelSHA256), data sha256 \(record.dataSHA256)")
        if let numerics = try Self.numerics(run: runID, in: store) { print("numerics: \(numerics)") }
        print(" gen          best        median         worst   best so far       sigma    seconds")
        func f(_ v: Double?) -> String {
            v.map { String(format: "%12.6g", $0) } ?? String(repeating: " ", count: 11) + "-"
        }
        for g in generations {
            print(
                String(
                    format: "%4d  %@  %@  %@  %@  %10.4g  %9.3f", g.index, f(g.bestFitness), f(g.medianFitness),
                    f(g.worstFitness), f(g.bestSoFar), g.stepSize, g.seconds))
        }
        // Objectives that repair and penalise (LongRoPE) rank by fitness; the quality of what was evaluated is the
        // perplexity in the metrics.
        if let lowest = try LowestPerplexity.find(run: runID, in: store) {
            print(
                String(
                    format: "lowest perplexity of an evaluated candidate: %.6g (generation %d, candidate %d)",
                    lowest.perplexity, lowest.candidate.generation, lowest.candidate.index))
        }
        if let seeds = try SeedComparison.measure(run: runID, in: store) {
            print(
                String(
                    format: "candidates that beat generation 0's best (the seeds, in a seeded search; %@ %.6g): ",
                    seeds.byPerplexity ? "perplexity" : "fitness", seeds.seed)
                    + seeds.line)
        }
        if let fidelity = try FidelitySummary(run: runID, in: store) { fidelity.lines.forEach { print($0) } }
        let workers = try store.workers(run: runID)
        if !workers.isEmpty {
            print("workers:")
            print(
                "    id  " + "host".padding(toLength: 30, withPad: " ", startingAt: 0)
                    + "      pid  role         candidates  claims  last heartbeat")
            for worker in workers {
                let ago = Date().timeIntervalSince(worker.lastHeartbeat)
                print(
                    String(
                        format: "%6lld  %@  %7d  %@  %10d  %6d  %.0f s ago", worker.id,
                        worker.host.padding(toLength: 30, withPad: " ", startingAt: 0), worker.processID,
                        (worker.coordinatorOf == nil ? "worker" : "coordinator").padding(
                            toLength: 11, withPad: " ", startingAt: 0), worker.candidatesDone, worker.claims, ago))
            }
        }
        for event in try store.events(run: runID) { print("[\(event.level)] \(event.message)") }
    }
}
