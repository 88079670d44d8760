import Arithmetic
import Assets
import Evolution
import Foundation
import Logging
import MemoryPolicy
import Objectives
import Reporting
import RunLoop
import RunStore
import Transformer

/// What a NAMM run deploys, as a file: a network search's network (with the normalisation its objective froze,
/// recomputed by preparing the run's experiment: the same model and texts give the same statistics), or an
/// allocation search's per-layer weights. Either is the run's latest evaluated mean, or else its best candidate.
public enum NAMMExport {
    public static func network(
        run id: Int64, in store: RunStore, search prepared: PreparedSearch
    ) throws -> NAMMNetworkFile {
        let (settings, objective, recorded, deployed) = try read(run: id, in: store, prepared, wanted: .network)
        let c = objective.model.configuration
        return NAMMNetworkFile(
            scorer: settings.scorerName, parameters: deployed.parameters, prior: settings.prior,
            normalization: objective.normalization,
            training: NAMMNetworkFile.Training(
                modelSHA256: recorded.modelSHA256, layers: c.layers, kvHeads: c.kvHeads,
                updateInterval: objective.updateInterval, length: objective.length, budget: settings.budget, run: id,
                generation: deployed.generation, fitness: deployed.fitness))
    }

    /// The per-layer weights (mean 1) of an allocation search (EvolKV).
    public static func allocation(
        run id: Int64, in store: RunStore, search prepared: PreparedSearch
    ) throws -> AllocationFile {
        let (settings, objective, recorded, deployed) = try read(run: id, in: store, prepared, wanted: .allocation)
        let layers = objective.model.configuration.layers
        let (_, budget) = try objective.policy(deployed.parameters)
        return AllocationFile(
            weights: budget.weights(layers: layers),
            training: AllocationFile.Training(
                modelSHA256: recorded.modelSHA256, layers: layers, rule: settings.rule ?? "", budget: settings.budget,
                run: id, generation: deployed.generation, fitness: deployed.fitness))
    }

    private struct Deployed {
        var parameters: [Double]
        var generation: Int
        var fitness: Double?
    }

    private static func read(
        run id: Int64, in store: RunStore, _ prepared: PreparedSearch, wanted: NAMMSettings.Search
    ) throws -> (NAMMSettings, NAMMObjective, RunRecord, Deployed) {
        let experiment = try ExperimentRunner.experiment(run: id, in: store)
        guard NAMMMethod().objectives.contains(experiment.objective),
            let objective = prepared.objective as? NAMMObjective
        else {
            throw RunError.otherObjective(run: id, objective: experiment.objective, wanted: "a NAMM memory network")
        }
        let settings = try NAMMMethod.settings(of: experiment, path: "stored in run \(id)")
        guard settings.searchKind == wanted else {
            throw RunError.otherSearch(
                run: id, searched: "NAMM \(settings.searchKind.rawValue)", wanted: "NAMM \(wanted.rawValue)")
        }
        let recorded = try store.run(id)
        try recorded.requireFingerprints(objective.fingerprints)
        // The published setup deploys the distribution's mean: the latest evaluated mean when the run evaluates it
        // (`evaluate_mean_every`), else the candidate with the lowest fitness.
        let evaluated = try store.candidates(run: id).fullEvaluations.filter { $0.fitness != nil }
        guard
            let best = evaluated.filter({ $0.index == -1 }).max(by: { $0.generation < $1.generation })
                ?? evaluated.min(by: { $0.fitness! < $1.fitness! })
        else { throw RunError.noResultYet(run: id) }
        let parameters = try ExperimentRunner.decodeParameters(best.parameters, run: id, dimension: objective.dimension)
        return (
            settings, objective, recorded,
            Deployed(parameters: parameters, generation: best.generation, fitness: best.fitness)
        )
    }
}
