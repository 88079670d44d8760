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

/// Neural Attention Memory Models (Cetin et al. 2024, "An Evolved Universal Transformer Memory",
/// arXiv:2410.13166) as an objective of the registry: `objective: namm` with its `namm:` section
/// (`NAMMSettings`): a scorer network or a per-layer allocation, evolved by a strategy with a mean (the search
/// starts at the network that keeps every token, and deploys the mean). Exports the deployed network or
/// allocation, and reports the cache kept per layer.
public struct NAMMMethod: ObjectiveMethod {
    public init() {}

    /// The objective's name, its section's key and its network export are all `namm`.
    static let name = "namm"
    static let allocationFormat = "allocation"

    public var objectives: [String] { [Self.name] }
    public var sectionKeys: [String] { [Self.name] }

    public static func settings(of experiment: Experiment, path: String) throws -> NAMMSettings {
        try experiment.requiredSection(name, as: NAMMSettings.self, path: path, what: "the NAMM objective's settings")
    }

    public func validate(_ experiment: Experiment, path: String) throws {
        try Self.settings(of: experiment, path: path).validate(path: path)
        try experiment.require(
            \.hasMean, because: "has no mean to start at the network that keeps every token", path: path)
    }

    public func experiment(_ experiment: Experiment, numerics: String) throws -> Experiment? {
        let value = try EngineNumerics(named: numerics)
        return try experiment.changingSection(Self.name, as: NAMMSettings.self, path: experiment.name) {
            $0.numerics = value
        }
    }

    public func numerics(of experiment: Experiment) throws -> String? {
        (try Self.settings(of: experiment, path: experiment.name).numerics ?? .float32).rawValue
    }

    public func prepare(_ experiment: Experiment, logger: Logger) throws -> PreparedSearch {
        try NAMMSetup.prepare(experiment, Self.settings(of: experiment, path: experiment.name), logger: logger)
    }

    public var exportFormats: [ExportFormat] {
        [
            ExportFormat(
                name: Self.name,
                summary:
                    "a network search's deployed network with its normalisation (JSON, for `namm evaluate --network`)",
                needsFile: true),
            ExportFormat(
                name: Self.allocationFormat,
                summary: "an allocation search's per-layer weights (JSON, for `namm evaluate --allocation`)",
                needsFile: true),
        ]
    }

    public func export(
        _ format: String, run id: Int64, in store: RunStore, options: ExportOptions, logger: Logger
    ) throws -> ExportResult {
        guard let output = options.output else { throw ExportError.needsFile(format) }
        let experiment = try ExperimentRunner.experiment(run: id, in: store)
        switch format {
        case Self.name:
            let network = try NAMMExport.network(run: id, in: store, search: try prepare(experiment, logger: logger))
            try network.write(to: output)
            return ExportResult(
                message:
                    "wrote \(output): the \(network.scorer) network of run \(id), generation \(network.training.generation ?? 0), fitness \(network.training.fitness ?? .nan)"
            )
        case Self.allocationFormat:
            let file = try NAMMExport.allocation(run: id, in: store, search: try prepare(experiment, logger: logger))
            try file.write(to: output)
            let weights = file.weights.map { String(format: "%.2f", $0) }.joined(separator: " ")
            return ExportResult(
                message:
                    "wrote \(output): the per-layer allocation of run \(id) (\(file.training.rule)), generation \(file.training.generation ?? 0), fitness \(file.training.fitness ?? .nan); weights \(weights)"
            )
        default:
            throw ExportError.unknownFormat(format, run: id, known: exportFormats.map(\.name))
        }
    }

    public func reportSections(run id: Int64, in store: RunStore, evaluation: Data?, logger: Logger) throws -> String {
        var cells: [MemoryEvaluation.Cell] = []
        if let evaluation {
            guard let decoded = try? JSONDecoder().decode([MemoryEvaluation.Cell].self, from: evaluation) else {
                throw ExportError.notAnEvaluation(
                    path: "the evaluation file", expected: "`ctxevo namm evaluate --json`")
            }
            cells = decoded
        }
        return try MemoryReportSection.html(run: id, in: store, evaluation: cells)
    }
}
