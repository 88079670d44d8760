import Arithmetic
import Assets
import Evolution
import Foundation
import GGUF
import Logging
import Objectives
import Reporting
import RoPEScaling
import RunLoop
import RunStore
import Transformer

/// Builds a LongRoPE experiment's objective (the model, the search documents, the search space) and its strategy
/// start (the seeds from PI, NTK, YaRN and LongRoPE's initial vector).
public enum LongRoPESetup {
    static func prepare(
        _ experiment: Experiment, _ settings: LongRoPESettings, logger: Logger
    ) throws -> PreparedSearch {
        let modelPath = try settings.modelPath(logger: logger)
        logger.info("loading \(modelPath)")
        let model = try LlamaModel(path: modelPath)
        let c = model.configuration
        let target = settings.targetLength
        let space = try searchSpace(settings, configuration: c)

        let bos = model.tokenizer.vocabulary.bos
        let documents = try Corpus(root: try Assets().texts(logger: logger)).searchDocuments(
            count: settings.documentCount, tokensNeeded: Documents.tokensNeeded(context: target, bos: bos),
            tokenizer: model.tokenizer)
        let names = documents.map(\.name)
        let tokens = documents.map(\.tokens)
        let sequences: [ScoredSequence]
        switch settings.fitnessProtocol {
        case .document:
            sequences = try Documents.scoredSequences(tokens, names: names, context: target, bos: bos)
        case .needle:
            sequences = try zip(names, tokens).enumerated().flatMap { index, document in
                try NeedleSamples.make(
                    tokenizer: model.tokenizer, filler: document.1, context: target, depths: settings.depths,
                    digits: settings.needleDigits ?? 7, seed: experiment.seed &+ UInt64(index), name: document.0)
            }
        }
        let fingerprints = Fingerprints(
            model: try Digest.sha256(file: modelPath),
            data: try Digest.sha256(combining: documents.flatMap(\.plays).map(\.path.path)))
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
        if space.kind == .short {
            // Short factors start from the model itself (lambda 1), which the fixed temperature alone moves away
            // from; no extension formula applies below the trained length.
            genomes.append(space.genome(nearest: Array(repeating: 1, count: c.rotaryPairs)))
        }
        if let base = space.baseFactors {
            genomes.append(
                space.genome(
                    nearest: base, mscale: space.temperature.value(extension: S, trainedContext: c.trainedContext)))
        }
        for method in space.kind == .short ? [] : methods {
            let table = try method.table(
                rotaryDimensions: c.rotaryDimensions, base: c.ropeBase, trainedContext: c.trainedContext)
            genomes.append(space.genome(nearest: table.lambda, mscale: table.mscale))
        }
        // The reference code's initial vector: lambda linear along YaRN's ramp, 1 + (S - 1) ramp_i.
        let initial = RescalingMethod.longRoPEInitialFromYaRN(
            factor: S, dimensions: c.rotaryDimensions, base: c.ropeBase, trainedContext: c.trainedContext)
        if space.kind != .short {
            genomes.append(
                space.genome(
                    nearest: initial, mscale: space.temperature.value(extension: S, trainedContext: c.trainedContext)))
        }
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
        if settings.space == .short {
            guard target <= c.trainedContext else {
                throw SearchSpaceError.notShort(Double(target) / Double(c.trainedContext))
            }
        } else {
            guard target > c.trainedContext else {
                throw SearchSpaceError.notAnExtension(Double(target) / Double(c.trainedContext))
            }
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
