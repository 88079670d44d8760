import Evolution
import Foundation
import Logging
import MemoryPolicy
import Objectives
import RoPEScaling
import Transformer

/// An experiment made ready to run: its objective (model loaded, documents tokenized once) and the start of its
/// strategy (seeds, genes, step size).
public struct PreparedSearch {
    public let objective: any Objective
    public let start: StrategyRegistry.Start
}

/// Builds the objective and the strategy start an experiment names. Everything a user can get wrong (a target
/// not longer than the model's context, a document shorter than the target, an unusable factors file, an
/// empty space) fails here, before a run is created or an evaluation runs.
public enum SearchSetup {
    public static func prepare(_ experiment: Experiment, logger: Logger) throws -> PreparedSearch {
        if let function = experiment.objective.benchmarkFunction {
            let objective = BenchmarkObjective(
                function: function, dimension: experiment.dimension ?? 1,
                evaluationDelay: experiment.evaluationDelay ?? 0)
            return PreparedSearch(objective: objective, start: experiment.benchmarkStart)
        }
        if experiment.objective == .namm {
            guard let settings = experiment.namm else {
                throw ExperimentError(path: experiment.name, field: "namm", problem: "is missing")
            }
            return try prepareNAMM(experiment, settings, logger: logger)
        }
        guard let settings = experiment.longRoPE else {
            throw ExperimentError(path: experiment.name, field: "longrope", problem: "is missing")
        }
        return try prepareLongRoPE(experiment, settings, logger: logger)
    }

    /// A NAMM search: the model, one document of `length` tokens from each of the longest search plays, the
    /// passkey samples, and the spectrogram normalisation from a full-cache pass over the documents. The search
    /// starts from the all-zero network (which keeps every token), as published.
    static func prepareNAMM(_ experiment: Experiment, _ settings: NAMMSettings, logger: Logger) throws -> PreparedSearch
    {
        let modelPath = try modelPath(named: settings.model, field: "namm.model", logger: logger)
        logger.info("loading \(modelPath)")
        let model = try LlamaModel(path: modelPath)
        let plays = try searchPlays(count: settings.documentCount, field: "namm.documents", logger: logger)
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
                normalization = try NAMMObjective.normalization(
                    model: model, sequences: sequences, length: length, updateInterval: settings.interval,
                    gamma: settings.gamma)
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
            updateInterval: settings.interval, fingerprints: fingerprints)
        var start = StrategyRegistry.Start(
            mean: mean ?? Array(repeating: 0, count: objective.dimension), sigma: experiment.sigma ?? 0.065, lower: -1,
            upper: 1, stop: experiment.stopCriteria, seed: experiment.seed)
        start.populationSize = experiment.populationSize ?? 32
        logger.info(
            "NAMM \(settings.searchKind.rawValue) search: \(objective.dimension) genes, budget \(settings.budget), \(sequences.count) documents and \(passkeys.count) passkey samples of \(length) tokens"
        )
        return PreparedSearch(objective: objective, start: start)
    }

    /// A model path of an experiment ("default" or none: the default model).
    static func modelPath(named path: String?, field: String, logger: Logger) throws -> String {
        if let path, path != "default" {
            guard FileManager.default.fileExists(atPath: path) else {
                throw ExperimentError(path: "", field: field, problem: "names no file: \(path)")
            }
            return path
        }
        return try Assets().model(logger: logger).path
    }

    /// The model an experiment names (the default model unless a path is given).
    public static func modelPath(_ settings: LongRoPESettings, logger: Logger) throws -> String {
        try modelPath(named: settings.model, field: "longrope.model", logger: logger)
    }

    /// The `count` longest plays of the search set (by size: every play is long, the longest leave the most
    /// room at long targets). The held-out book is never among them.
    public static func searchPlays(
        count: Int, field: String = "longrope.documents", logger: Logger
    ) throws -> [Corpus.Document] {
        let corpus = try Corpus(root: try Assets().texts(logger: logger))
        func size(_ d: Corpus.Document) -> Int {
            ((try? FileManager.default.attributesOfItem(atPath: d.path.path))?[.size] as? Int) ?? 0
        }
        let bySize = corpus.search.sorted { size($0) != size($1) ? size($0) > size($1) : $0.name < $1.name }
        guard count <= bySize.count else {
            throw ExperimentError(
                path: "", field: field,
                problem: "asks for \(count) plays; the search set has \(bySize.count)")
        }
        return Array(bySize.prefix(count))
    }

    static func prepareLongRoPE(
        _ experiment: Experiment, _ settings: LongRoPESettings, logger: Logger
    ) throws -> PreparedSearch {
        let modelPath = try modelPath(settings, logger: logger)
        logger.info("loading \(modelPath)")
        let model = try LlamaModel(path: modelPath)
        let c = model.configuration
        let target = settings.targetLength
        let space = try searchSpace(settings, configuration: c)

        let plays = try searchPlays(count: settings.documentCount, logger: logger)
        let tokens = try Corpus(root: try Assets().texts(logger: logger)).tokens(of: plays, tokenizer: model.tokenizer)
        let bos = model.tokenizer.vocabulary.bos
        let sequences: [ScoredSequence]
        switch settings.fitnessProtocol {
        case .document:
            sequences = try Documents.scoredSequences(tokens, names: plays.map(\.name), context: target, bos: bos)
        case .needle:
            sequences = try zip(plays, tokens).enumerated().flatMap { index, play in
                try NeedleSamples.make(
                    tokenizer: model.tokenizer, filler: play.1, context: target, depths: settings.depths,
                    digits: settings.needleDigits ?? 7, seed: experiment.seed &+ UInt64(index), name: play.0.name)
            }
        }
        let fingerprints = Fingerprints(
            model: try Digest.sha256(file: modelPath), data: try Digest.sha256(combining: plays.map(\.path.path)))
        let unit = experiment.abilities.searchesUnitCoordinates
        let objective = try LongRoPEObjective(
            model: model, space: space, sequences: sequences, targetLength: target, fingerprints: fingerprints,
            unitCoordinates: unit, penaltyWeight: settings.penaltyWeight ?? 1, numerics: settings.numerics ?? .float32)

        // Seeds: the classic methods at the target and LongRoPE's initial vector, projected into the space (and
        // the base alone when extending found factors), in the strategy's coordinates, without repeats.
        let S = Double(target) / Double(c.trainedContext)
        let methods: [RescalingMethod] = [
            .yarn(factor: S), .linear(factor: S), .ntk(factor: S), .dynamicNTK(factor: S, length: target),
        ]
        var genomes: [[Double]] = []
        if let base = space.baseFactors {
            genomes.append(
                space.genome(
                    nearest: base, mscale: space.temperature.value(extension: S, trainedContext: c.trainedContext)))
        }
        for method in methods {
            let table = try method.table(
                rotaryDimensions: c.rotaryDimensions, base: c.ropeBase, trainedContext: c.trainedContext)
            genomes.append(space.genome(nearest: table.lambda, mscale: table.mscale))
        }
        // The reference code's initial vector: lambda linear along YaRN's ramp, 1 + (S - 1) ramp_i.
        let initial = RescalingMethod.longRoPEInitialFromYaRN(
            factor: S, dimensions: c.rotaryDimensions, base: c.ropeBase, trainedContext: c.trainedContext)
        genomes.append(
            space.genome(
                nearest: initial, mscale: space.temperature.value(extension: S, trainedContext: c.trainedContext)))
        var seeds: [[Double]] = []
        for g in genomes.map({ unit ? space.unitCoordinates($0) : $0 }) where !seeds.contains(g) { seeds.append(g) }

        var start = StrategyRegistry.Start(
            mean: seeds[0], sigma: experiment.sigma ?? 0.05, lower: 0, upper: 1,
            stop: experiment.stopCriteria, seed: experiment.seed)
        start.seeds = seeds
        start.populationSize = experiment.populationSize
        start.stagnationGenerations = 20
        start.stagnationTolerance = 0.001
        if unit {
            // Integer and choice genes decoded by rounding keep a standard deviation of at least a third of a step.
            start.minimumStandardDeviations = space.geneSpace.genes.map { gene in
                switch gene {
                case .integer(let low, let high): high > low ? 1 / (3 * Double(high - low)) : 0
                case .choice(let values): values.count > 1 ? 1 / (3 * Double(values.count - 1)) : 0
                case .real: 0
                }
            }
        } else {
            start.space = space.geneSpace
            let population = experiment.populationSize ?? 64
            var configuration = GeneticAlgorithm.Configuration.longRoPE
            configuration.elites = max(1, population / 2)
            configuration.mutants = max(1, population / 4)
            configuration.crossovers = max(1, population / 4)
            start.geneticConfiguration = configuration
            start.populationSize = population
        }
        logger.info(
            "LongRoPE \(settings.space.rawValue) space: \(space.dimension) genes, s = \(space.scale), \(seeds.count) seeds, \(sequences.count) scored sequences of \(target) tokens"
        )
        return PreparedSearch(objective: objective, start: start)
    }

    /// The search space of the settings on this model; a target not longer than the trained context, or an
    /// unusable base factors file, is a named error.
    public static func searchSpace(
        _ settings: LongRoPESettings, configuration c: LlamaConfiguration
    ) throws -> LongRoPESearchSpace {
        let target = settings.targetLength
        guard target > c.trainedContext else {
            throw SearchSpaceError.notAnExtension(Double(target) / Double(c.trainedContext))
        }
        var base: [Double]?
        if let path = settings.baseFactors {
            let factors = try FactorsFile.read(path: path)
            guard factors.count == c.rotaryPairs else {
                throw RescalingError.wrongFactorCount(factors.count, pairs: c.rotaryPairs)
            }
            base = factors
        }
        let from = settings.baseLength ?? c.trainedContext
        return try LongRoPESearchSpace(
            kind: settings.space, pairs: c.rotaryPairs, scale: Double(target) / Double(from),
            extensionRatio: Double(target) / Double(c.trainedContext), trainedContext: c.trainedContext,
            temperature: try settings.temperature(), nHatChoices: settings.nHat ?? [0],
            criticalPairs: settings.criticalPairs.map { $0[0]...$0[1] }, baseFactors: base, base: c.ropeBase)
    }
}
