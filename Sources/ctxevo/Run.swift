import ArgumentParser
import Assets
import BenchmarkFunctions
import Foundation
import Logging
import LongRoPE
import NAMM
import Objectives
import Reporting
import RunLoop
import RunStore
import Workbench

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start a run from an experiment file (YAML).")
    @Argument(help: "The experiment file, e.g. experiments/rosenbrock-cma.yaml.") var experiment: String
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var work: WorkOptions

    func run() throws {
        let logger = makeLogger()
        // The experiment and everything it reads are checked before the database is touched.
        let loaded = try ObjectiveRegistry.standard.load(path: experiment)
        let search = try ObjectiveRegistry.standard.prepare(loaded, logger: logger)
        let store = try database.open()
        let id = try ExperimentRunner.create(loaded, fingerprints: search.objective.fingerprints, in: store)
        print(
            "run \(id): \(loaded.name) (\(loaded.strategy) on \(loaded.objective), n = \(search.objective.dimension))"
        )
        try execute(run: id, store: store, search: search, logger: logger, work: work.settings)
    }
}

extension Run {
    /// `ctxevo METHOD evolve EXPERIMENT` (`namm evolve`, `pause evolve`): `ctxevo run` for an experiment whose
    /// objective is one of `method`'s, else an error naming what it searches.
    static func evolve(
        _ path: String, as method: any ObjectiveMethod, what: String, database: DatabaseOptions, work: WorkOptions
    ) throws {
        let loaded = try Experiment.load(path: path)
        guard method.objectives.contains(loaded.objective) else {
            throw ValidationError("\(path) searches '\(loaded.objective)', not \(what): use `ctxevo run`")
        }
        var command = Run()
        command.experiment = path
        command.database = database
        command.work = work
        try command.run()
    }
}
