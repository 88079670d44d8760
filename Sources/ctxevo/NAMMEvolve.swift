import ArgumentParser
import Foundation
import NAMM
import RunLoop

/// `ctxevo namm evolve EXPERIMENT`: `ctxevo run` for an experiment whose objective is `namm`.
struct NAMMEvolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evolve",
        abstract: "Evolve a NAMM memory network from an experiment file (objective: namm); same as `ctxevo run`.")
    @Argument(help: "The experiment file, e.g. experiments/namm-quick.yaml.") var experiment: String
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var work: WorkOptions

    func run() throws {
        let loaded = try Experiment.load(path: experiment)
        guard NAMMMethod().objectives.contains(loaded.objective) else {
            throw ValidationError("\(experiment) searches '\(loaded.objective)', not a NAMM: use `ctxevo run`")
        }
        var command = Run()
        command.experiment = experiment
        command.database = database
        command.work = work
        try command.run()
    }
}
