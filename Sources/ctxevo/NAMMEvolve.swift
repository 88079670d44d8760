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
        try Run.evolve(experiment, as: NAMMMethod(), what: "a NAMM", database: database, work: work)
    }
}
