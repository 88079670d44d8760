import Foundation
import MemoryPolicy
import Objectives
import RunStore

/// A NAMM run's network as a file: its latest evaluated mean (or else its best candidate), with the normalisation
/// its objective froze (recomputed by preparing the run's experiment: the same model and texts give the same
/// statistics).
public enum NAMMExport {
    public static func network(
        run id: Int64, in store: RunStore, search prepared: PreparedSearch
    ) throws -> NAMMNetworkFile {
        let experiment = try ExperimentRunner.experiment(run: id, in: store)
        guard let settings = experiment.namm, settings.searchKind == .network,
            let objective = prepared.objective as? NAMMObjective
        else {
            throw RunError.notNAMM(run: id, objective: experiment.objective.rawValue)
        }
        let recorded = try store.run(id)
        try recorded.requireFingerprints(objective.fingerprints)
        // The published setup deploys the distribution's mean: the latest evaluated mean when the run evaluates it
        // (`evaluate_mean_every`), else the candidate with the lowest fitness.
        let evaluated = try store.candidates(run: id).filter { $0.fitness != nil }
        guard
            let best = evaluated.filter({ $0.index == -1 }).max(by: { $0.generation < $1.generation })
                ?? evaluated.min(by: { $0.fitness! < $1.fitness! })
        else { throw RunError.noResultYet(run: id) }
        let parameters = try ExperimentRunner.decodeParameters(best.parameters, run: id)
        let c = objective.model.configuration
        return NAMMNetworkFile(
            scorer: settings.scorerName, parameters: parameters, normalization: objective.normalization,
            training: NAMMNetworkFile.Training(
                modelSHA256: recorded.modelSHA256, layers: c.layers, kvHeads: c.kvHeads,
                updateInterval: objective.updateInterval, length: objective.length, budget: settings.budget, run: id,
                generation: best.generation, fitness: best.fitness))
    }
}
