import ArgumentParser
import Dispatch
import Evolution
import Foundation
import Logging
import RunStore
import Synchronization
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

/// Ctrl-C asks the loop to stop between two evaluations; a second Ctrl-C ends the process at once.
final class InterruptFlag: Sendable {
    let raised = Atomic<Bool>(false)
    nonisolated(unsafe) var source: DispatchSourceSignal?

    init() {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [unowned self] in
            if self.raised.exchange(true, ordering: .relaxed) { exit(130) }
            FileHandle.standardError.write(
                Data("\ninterrupt: stopping after the evaluation in progress (Ctrl-C again to quit now)\n".utf8))
        }
        source.resume()
        self.source = source
    }

    var isRaised: Bool { raised.load(ordering: .relaxed) }
}

func execute(run id: Int64, store: RunStore, search: PreparedSearch, logger: Logger) throws {
    let flag = InterruptFlag()
    let bar = ProgressBar(label: "run \(id)", unit: "eval")
    let report = try ExperimentRunner.run(
        id: id, in: store, search: search, logger: logger, shouldStop: { flag.isRaised }
    ) { done, budget in
        if let budget { bar.update(done, of: budget) }
    }
    switch report.outcome {
    case .finished(let termination):
        let best = try ExperimentRunner.strategy(run: id, in: store)?.best
        print("run \(id) finished: \(termination)")
        if let best { print("best fitness \(best.fitness)") }
    case .interrupted:
        print("run \(id) interrupted; continue with `ctxevo resume \(id)`")
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start a run from an experiment file (YAML).")
    @Argument(help: "The experiment file, e.g. experiments/rosenbrock-cma.yaml.") var experiment: String
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let logger = makeLogger()
        // The experiment and everything it reads are checked before the database is touched.
        let loaded = try Experiment.load(path: experiment)
        let search = try SearchSetup.prepare(loaded, logger: logger)
        let store = try database.open()
        let id = try ExperimentRunner.create(loaded, fingerprints: search.objective.fingerprints, in: store)
        print(
            "run \(id): \(loaded.name) (\(loaded.strategy) on \(loaded.objective.rawValue), n = \(search.objective.dimension))"
        )
        try execute(run: id, store: store, search: search, logger: logger)
    }
}

struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Continue a run after a kill, power loss or Ctrl-C, reusing every finished evaluation.")
    @Argument(help: "The run id.") var runID: Int64
    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let logger = makeLogger()
        let store = try database.open()
        let experiment = try ExperimentRunner.experiment(run: runID, in: store)
        try execute(
            run: runID, store: store, search: try SearchSetup.prepare(experiment, logger: logger), logger: logger)
    }
}

struct Runs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect recorded runs.",
        subcommands: [RunsList.self, RunsShow.self, RunsReplay.self, RunsExport.self, RunsCompare.self])
}

struct RunsList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Every run, one line each.")
    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Print a JSON array.") var json = false

    func run() throws {
        let summaries = try RunSummary.all(in: try database.open(readOnly: true))
        if json { return try printJSON(summaries.map(\.dictionary)) }
        for run in summaries {
            print(
                String(
                    format: "%4lld  %-24@ %-12@ %-11@ %5d generations  best %@",
                    run.id, run.name, run.strategy, run.status.rawValue, run.generations,
                    run.best.map { String(format: "%.6g", $0) } ?? "-"))
        }
    }
}

struct RunsShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Per-generation table of a run: best, median and worst fitness, sigma, time.")
    @Argument(help: "The run id.") var runID: Int64
    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Print a JSON array of generations.") var json = false

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
        for event in try store.events(run: runID) { print("[\(event.level)] \(event.message)") }
    }
}
