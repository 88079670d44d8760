import Assets
import Foundation
import Logging
import Objectives
import RunLoop
import RunStore
import Transformer

/// Pause tokens by evolution as an objective of the registry: `objective: pause` with its `pause:` section
/// (`PauseSettings`). Exports the run's best pause embedding (`--format pause`) for `ctxevo pause evaluate`.
public struct PauseMethod: ObjectiveMethod {
    public init() {}

    /// The objective's name, its section's key and its export are all `pause`.
    static let name = "pause"

    public var objectives: [String] { [Self.name] }
    public var sectionKeys: [String] { [Self.name] }

    public static func settings(of experiment: Experiment, path: String) throws -> PauseSettings {
        try experiment.requiredSection(name, as: PauseSettings.self, path: path, what: "the pause objective's settings")
    }

    public func validate(_ experiment: Experiment, path: String) throws {
        try Self.settings(of: experiment, path: path).validate(path: path)
    }

    public func prepare(_ experiment: Experiment, logger: Logger) throws -> PreparedSearch {
        try PauseSetup.prepare(experiment, Self.settings(of: experiment, path: experiment.name), logger: logger)
    }

    public func experiment(_ experiment: Experiment, numerics: String) throws -> Experiment? {
        let value = try EngineNumerics(named: numerics)
        return try experiment.changingSection(Self.name, as: PauseSettings.self, path: experiment.name) {
            $0.numerics = value
        }
    }

    public func numerics(of experiment: Experiment) throws -> String? {
        (try Self.settings(of: experiment, path: experiment.name).numerics ?? .float32).rawValue
    }

    public var exportFormats: [ExportFormat] {
        [
            ExportFormat(
                name: Self.name,
                summary: "the best pause embedding and M, with the model's fingerprint (JSON, for `pause evaluate`)",
                needsFile: true)
        ]
    }

    public func export(
        _ format: String, run id: Int64, in store: RunStore, options: ExportOptions, logger: Logger
    ) throws -> ExportResult {
        guard format == Self.name else {
            throw ExportError.unknownFormat(format, run: id, known: exportFormats.map(\.name))
        }
        guard let output = options.output else { throw ExportError.needsFile(format) }
        if let key = options.with.keys.sorted().first {
            throw ExportError.unknownSetting(key, format: format, known: [])
        }
        let file = try Self.file(run: id, in: store, logger: logger)
        try file.write(to: output)
        return ExportResult(
            message:
                "wrote \(output): the pause of run \(id), generation \(file.training.generation ?? 0), M \(file.pauses), answer NLL \(file.training.fitness ?? .nan)"
        )
    }

    public func reportSections(run id: Int64, in store: RunStore, evaluation: Data?, logger: Logger) throws -> String {
        var rows: [PauseEvaluation.Row] = []
        if let evaluation {
            guard let decoded = try? JSONDecoder().decode([PauseEvaluation.Row].self, from: evaluation) else {
                throw ExportError.notAnEvaluation(
                    path: "the evaluation file", expected: "`ctxevo pause evaluate --json`")
            }
            rows = decoded
        }
        return try PauseReportSection.html(run: id, in: store, evaluation: rows)
    }

    /// The run's best evaluated pause (lowest fitness, the means it evaluated included), as a file.
    public static func file(run id: Int64, in store: RunStore, logger: Logger) throws -> PauseFile {
        let experiment = try ExperimentRunner.experiment(run: id, in: store)
        guard experiment.objective == name else {
            throw RunError.otherObjective(run: id, objective: experiment.objective, wanted: "a pause embedding")
        }
        let settings = try settings(of: experiment, path: "stored in run \(id)")
        let prepared = try PauseMethod().prepare(experiment, logger: logger)
        guard let objective = prepared.objective as? PauseObjective else {
            throw RunError.otherObjective(run: id, objective: experiment.objective, wanted: "a pause embedding")
        }
        let recorded = try store.run(id)
        try recorded.requireFingerprints(objective.fingerprints)
        guard
            let best = try store.candidates(run: id).fullEvaluations.filter({ $0.fitness != nil }).min(by: {
                $0.fitness! < $1.fitness!
            }
            )
        else { throw RunError.noResultYet(run: id) }
        let genome = try ExperimentRunner.decodeParameters(
            best.parameters, run: id, dimension: objective.dimension)
        return PauseFile(
            embedding: objective.genome.embedding(genome), pauses: objective.genome.pauseCount(genome),
            training: PauseFile.Training(
                modelSHA256: recorded.modelSHA256, families: settings.problemFile == nil ? settings.familyNames : [],
                problems: settings.problemFile == nil ? settings.problemCount : nil, problemFile: settings.problemFile,
                seed: experiment.seed, run: id, generation: best.generation, fitness: best.fitness))
    }
}
