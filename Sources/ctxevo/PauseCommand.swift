import ArgumentParser
import Foundation
import Pause
import RunLoop

struct PauseTokens: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Pause tokens for a frozen model: evolve a pause embedding, compare it with filler baselines.",
        subcommands: [PauseEvolve.self, PauseEvaluate.self])
}

/// `ctxevo pause evolve EXPERIMENT`: `ctxevo run` for an experiment whose objective is `pause`.
struct PauseEvolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evolve",
        abstract: "Evolve a pause embedding from an experiment file (objective: pause); same as `ctxevo run`.")
    @Argument(help: "The experiment file, e.g. experiments/pause-quick.yaml.") var experiment: String
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var work: WorkOptions

    func run() throws {
        try Run.evolve(experiment, as: PauseMethod(), what: "a pause", database: database, work: work)
    }
}
