import Arithmetic
import Assets
import Evolution
import Foundation
import Logging
import Objectives
import RunLoop
import Transformer

/// Builds a pause experiment's objective and strategy start.
public enum PauseSetup {
    static func prepare(_ experiment: Experiment, _ settings: PauseSettings, logger: Logger) throws -> PreparedSearch {
        let modelPath = try Assets.modelPath(named: settings.model, field: "pause.model", logger: logger)
        logger.info("loading \(modelPath)")
        let model = try LlamaModel(path: modelPath)
        let problems: [PauseProblem]
        if let file = settings.problemFile {
            problems = try PauseTasks.read(path: file)
        } else {
            problems = try PauseTasks.problems(
                families: settings.familyNames, count: settings.problemCount, seed: experiment.seed, split: .search)
        }
        let tokenized = problems.map { TokenizedProblem($0, tokenizer: model.tokenizer) }
        let genome = try genome(settings, model: model, seed: experiment.seed, path: experiment.name)
        // The run reads the model, and what it generates from its settings: the problems, the start and the
        // projection (a generator changed between versions is caught on resume).
        var data = Data()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        data.append(try encoder.encode(problems))
        for part in [genome.origin, genome.projection ?? []] {
            part.withUnsafeBytes { data.append(contentsOf: $0) }
        }
        let fingerprints = Fingerprints(model: try Digest.sha256(file: modelPath), data: Digest.sha256(data: data))
        let objective = try PauseObjective(
            model: model, problems: tokenized, genome: genome, fingerprints: fingerprints,
            numerics: settings.numerics ?? .float32)
        var start = StrategyRegistry.Start(
            mean: genome.startMean, sigma: experiment.sigma ?? 0.5, lower: -3, upper: 3, stop: experiment.stopCriteria,
            seed: experiment.seed)
        start.populationSize = experiment.populationSize
        let families = Dictionary(grouping: problems, by: \.family).map { "\($0.value.count) \($0.key)" }.sorted()
        logger.info(
            "pause search: \(genome.dimension) genes (\(settings.genomeKind.rawValue)), M \(settings.pauseCount), problems \(families.joined(separator: ", "))"
        )
        return PreparedSearch(objective: objective, start: start)
    }

    /// The embedding's origin (zero or a token's row), its scale and, for a subspace genome, the projection.
    public static func genome(_ settings: PauseSettings, model: LlamaModel, seed: UInt64, path: String) throws
        -> PauseGenome
    {
        let width = model.configuration.modelWidth
        let origin: [Float]
        if settings.startName == "zero" {
            origin = Array(repeating: 0, count: width)
        } else {
            do {
                origin = model.embedding(of: try PauseBaselines.token(settings.startName, tokenizer: model.tokenizer))
            } catch {
                throw ExperimentError(path: path, field: "pause.start", problem: "\(error)")
            }
        }
        let projection =
            settings.genomeKind == .subspace
            ? PauseGenome.projection(width: width, dimension: settings.dimension, seed: seed) : nil
        return PauseGenome(
            width: width, origin: origin, scale: PauseBaselines.embeddingScale(model), projection: projection,
            pauses: settings.pauseCount)
    }
}
