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

/// Builds a NAMM experiment's objective and strategy start.
enum NAMMSetup {
    /// A NAMM search: the model, one document of `length` tokens from each of the longest search plays, the
    /// passkey samples, and the spectrogram normalisation from a full-cache pass over the documents. The search
    /// starts from the all-zero network (which keeps every token), as published.
    static func prepare(_ experiment: Experiment, _ settings: NAMMSettings, logger: Logger) throws -> PreparedSearch {
        let modelPath = try Assets.modelPath(named: settings.model, field: "namm.model", logger: logger)
        logger.info("loading \(modelPath)")
        let model = try LlamaModel(path: modelPath)
        let plays = try Assets.searchPlays(count: settings.documentCount, logger: logger)
        let tokens = try Corpus(root: try Assets().texts(logger: logger)).tokens(of: plays, tokenizer: model.tokenizer)
        let length = settings.documentLength
        let sequences = try Documents.scoredSequences(
            tokens, names: plays.map(\.name), context: length, bos: model.tokenizer.vocabulary.bos)
        let passkeys =
            settings.depths.isEmpty
            ? []
            : try NeedleSamples.make(
                tokenizer: model.tokenizer, filler: tokens[0], context: length, depths: settings.depths, digits: 5,
                seed: experiment.seed, name: plays[0].name)
        let modelSHA256 = try Digest.sha256(file: modelPath)
        let search: NAMMObjective.Search
        var normalization = SpectrogramNormalization.identity
        var mean: [Double]?
        switch settings.searchKind {
        case .network:
            search = .network(scorer: settings.scorerName, prior: settings.prior)
            if let path = settings.start {
                let network = try NAMMNetworkFile.read(path: path, modelSHA256: modelSHA256)
                logger.info("the mean starts at the \(network.scorer) network \(path), with its normalisation")
                normalization = network.normalization
                do {
                    mean = try TokenScorers.genome(
                        of: settings.scorerName, from: network.scorer, parameters: network.parameters)
                } catch {
                    throw ExperimentError(path: experiment.name, field: "namm.start", problem: "\(path): \(error)")
                }
            } else {
                logger.info(
                    """
                    spectrogram normalisation (moving average decay \(settings.gamma) per query): a full-cache pass \
                    over \(sequences.count) documents of \(length) tokens
                    """)
                // A float32 pass whatever the numerics; OpenBLAS's float32 for a run recorded before the own kernels.
                normalization = try NAMMObjective.normalization(
                    model: model, sequences: sequences, length: length, updateInterval: settings.interval,
                    gamma: settings.gamma, numerics: settings.numerics == .float32OpenBLAS ? .float32OpenBLAS : .float32
                )
            }
        case .allocation:
            let name = settings.rule ?? "h2o"
            if let rule = EvictionRules.named(name) {
                search = .allocation(rule: rule)
            } else {
                search = .allocation(rule: try NAMMNetworkFile.read(path: name, modelSHA256: modelSHA256).rule())
            }
        }
        var budget = settings.cacheBudget
        var data = plays.map(\.path.path)
        if let path = settings.allocationFile {
            let file = try AllocationFile.read(path: path, modelSHA256: modelSHA256)
            logger.info("the budget is shared by the evolved allocation \(path)")
            budget.allocation = file.allocation
            // The file decides every evaluation: a run resumed with another one is refused.
            data.append(path)
        }
        let fingerprints = Fingerprints(model: modelSHA256, data: try Digest.sha256(combining: data))
        let objective = try NAMMObjective(
            model: model, search: search, budget: budget,
            penaltyWeight: settings.penaltyWeight ?? 1, fitness: settings.fitness ?? .perplexity,
            sequences: sequences, passkeys: passkeys, normalization: normalization, length: length,
            updateInterval: settings.interval, fingerprints: fingerprints, numerics: settings.numerics ?? .float32)
        var start = StrategyRegistry.Start(
            mean: mean ?? Array(repeating: 0, count: objective.dimension), sigma: experiment.sigma ?? 0.065, lower: -1,
            upper: 1, stop: experiment.stopCriteria, seed: experiment.seed)
        start.populationSize = experiment.populationSize ?? 32
        logger.info(
            "NAMM \(settings.searchKind.rawValue) search: \(objective.dimension) genes, budget \(settings.budget), \(sequences.count) documents and \(passkeys.count) passkey samples of \(length) tokens"
        )
        return PreparedSearch(objective: objective, start: start)
    }
}
