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

/// LongRoPE (Ding et al. 2024, arXiv:2402.13753; LongRoPE2, Shang et al. 2025, arXiv:2502.20082) as an objective
/// of the registry: `objective: longrope` with its `longrope:` section (`LongRoPESettings`), searched from the
/// classic rescalings; exports the found factors for the tools people load, and reports them against PI, NTK and
/// YaRN.
public struct LongRoPEMethod: ObjectiveMethod {
    public init() {}

    public var objectives: [String] { ["longrope"] }
    public var sectionKeys: [String] { ["longrope"] }

    /// The settings of a LongRoPE experiment (an error names the field when the section is missing or wrong).
    public static func settings(of experiment: Experiment, path: String) throws -> LongRoPESettings {
        try experiment.requiredSection(
            "longrope", as: LongRoPESettings.self, path: path, what: "the LongRoPE objective's settings")
    }

    public func validate(_ experiment: Experiment, path: String) throws {
        try Self.settings(of: experiment, path: path).validate(path: path)
        try experiment.require(
            \.acceptsSeeds, because: "takes no seeds; LongRoPE starts from PI, NTK and YaRN", path: path)
    }

    public func experiment(_ experiment: Experiment, numerics: String) throws -> Experiment? {
        let value = try EngineNumerics(named: numerics)
        return try experiment.changingSection("longrope", as: LongRoPESettings.self, path: experiment.name) {
            $0.numerics = value
        }
    }

    public func numerics(of experiment: Experiment) throws -> String? {
        (try Self.settings(of: experiment, path: experiment.name).numerics ?? .float32).rawValue
    }

    public func prepare(_ experiment: Experiment, logger: Logger) throws -> PreparedSearch {
        try LongRoPESetup.prepare(experiment, Self.settings(of: experiment, path: experiment.name), logger: logger)
    }

    public var exportFormats: [ExportFormat] {
        [
            ExportFormat(
                name: "csv",
                summary: "one lambda per line (LongRoPE's result_final.csv), with '# n_hat' and '# mscale' lines",
                needsFile: false),
            ExportFormat(
                name: "hf",
                summary:
                    "a Hugging Face config.json with rope_scaling {rope_type: longrope, long_factor, short_factor (1, or --with short-factors=FILE), ...}",
                needsFile: false),
            ExportFormat(
                name: "gguf",
                summary:
                    "a copy of the model's GGUF with the factors as rope_freqs.weight, or with --with short-factors=FILE as rope_factors_long and rope_factors_short (llama.cpp picks one by context size)",
                needsFile: true),
        ]
    }

    public func export(
        _ format: String, run id: Int64, in store: RunStore, options: ExportOptions, logger: Logger
    ) throws -> ExportResult {
        guard let exportFormat = FactorExport.Format(rawValue: format) else {
            throw ExportError.unknownFormat(format, run: id, known: exportFormats.map(\.name))
        }
        let experiment = try ExperimentRunner.experiment(run: id, in: store)
        let settings = try Self.settings(of: experiment, path: "stored in run \(id)")
        let modelPath = try settings.modelPath(logger: logger)
        let file = try GGUFFile(path: modelPath)
        let configuration = try LlamaConfiguration(file: file)
        let found = try LongRoPERun(run: id, in: store, configuration: configuration)
        if let unknown = options.with.keys.first(where: { $0 != "short-factors" }) {
            throw ExportError.unknownSetting(
                unknown, format: format, known: exportFormat == .csv ? [] : ["short-factors"])
        }
        let short = try options.with["short-factors"].map { path in
            guard exportFormat != .csv else {
                throw ExportError.unknownSetting("short-factors", format: format, known: [])
            }
            return try FactorExport.shortTable(path: path, long: found.table, pairs: configuration.rotaryPairs)
        }
        var losses = FactorExport.losses(exportFormat, table: found.table)
        if let short { losses += FactorExport.losses(exportFormat, table: short) }
        if !losses.isEmpty && !options.force { throw ExportError.lossy(format, losses: losses) }
        let target = settings.targetLength
        switch exportFormat {
        case .csv: return ExportResult(text: FactorExport.csv(found.table), warnings: losses)
        case .hf:
            return ExportResult(
                text: try FactorExport.huggingFace(
                    found.table, short: short, configuration: configuration, targetLength: target),
                warnings: losses)
        case .gguf:
            guard let output = options.output else { throw ExportError.needsFile(format) }
            try FactorExport.gguf(
                found.table, short: short, source: file, configuration: configuration, targetLength: target,
                to: output)
            let tensors =
                short == nil
                ? "rope_freqs.weight" : "rope_factors_long.weight (and the short factors as rope_factors_short.weight)"
            return ExportResult(
                message:
                    "wrote \(output): \(URL(fileURLWithPath: modelPath).lastPathComponent) with the factors of run \(id) as \(tensors), context \(target)",
                warnings: losses)
        }
    }

    /// Lambda per rotary pair of PI, NTK and YaRN at the run's target, for the dashboard's lambda plot (read from
    /// the model file's metadata: nil when the model is not on this machine).
    public func dashboardReference(_ experiment: Experiment, logger: Logger) throws -> JSONValue? {
        let settings = try Self.settings(of: experiment, path: experiment.name)
        let name = settings.model ?? "default"
        // The default model only when it is in the cache: a dashboard does not fetch 100 MB.
        let path = name == "default" ? Assets().modelPath.path : name
        guard FileManager.default.fileExists(atPath: path),
            let c = try? LlamaConfiguration(file: try GGUFFile(path: path))
        else { return nil }
        var curves: [String: JSONValue] = [:]
        for method in [BaselineMethod.linear, .ntk, .yarn] {
            let table = try method.method(length: settings.targetLength, trainedContext: c.trainedContext)
                .table(rotaryDimensions: c.rotaryDimensions, base: c.ropeBase, trainedContext: c.trainedContext)
            curves[method.displayName] = .array(table.lambda.map { .number($0) })
        }
        return .object(["lambda": .object(curves), "target_length": .integer(settings.targetLength)])
    }

    /// Lambda per rotary pair of the best table against PI, NTK and YaRN at the target, and the held-out tables
    /// of `ctxevo longrope evaluate --json` when given.
    public func reportSections(run id: Int64, in store: RunStore, evaluation: Data?, logger: Logger) throws -> String {
        var cells: [LongRoPEEvaluation.Cell] = []
        if let evaluation {
            guard let decoded = try? JSONDecoder().decode([LongRoPEEvaluation.Cell].self, from: evaluation) else {
                throw ExportError.notAnEvaluation(
                    path: "the evaluation file", expected: "`ctxevo longrope evaluate --json`")
            }
            cells = decoded
        }
        let experiment = try ExperimentRunner.experiment(run: id, in: store)
        let settings = try Self.settings(of: experiment, path: "stored in run \(id)")
        var html = "<h2>LongRoPE factors</h2>"
        let configuration: LlamaConfiguration
        do {
            configuration = try LlamaConfiguration(file: try GGUFFile(path: try settings.modelPath(logger: logger)))
        } catch {
            return html + "<p>(the model of this run is not available here: \(SVGPlot.escape("\(error)")))</p>"
        }
        guard let found = try? LongRoPERun(run: id, in: store, configuration: configuration) else {
            return html + "<p>(no finished generation yet)</p>"
        }
        let c = configuration
        var series: [SVGPlot.Series] = []
        let colors = ["PI": "#1f77b4", "NTK": "#2ca02c", "YaRN": "#9467bd"]
        for method in [BaselineMethod.linear, .ntk, .yarn] {
            let table = try method.method(length: settings.targetLength, trainedContext: c.trainedContext)
                .table(rotaryDimensions: c.rotaryDimensions, base: c.ropeBase, trainedContext: c.trainedContext)
            series.append(
                .init(
                    name: method.displayName, color: colors[method.displayName] ?? "#7f7f7f",
                    points: table.lambda.enumerated().map { (Double($0.offset), $0.element) }))
        }
        series.append(
            .init(
                name: "found (run \(id))", color: "#d62728",
                points: found.table.lambda.enumerated().map { (Double($0.offset), $0.element) }))
        let plot = SVGPlot(
            title: "Rescale factor lambda per rotary pair at \(settings.targetLength) tokens", xLabel: "rotary pair",
            yLabel: "lambda", series: series)
        html += "<p>" + plot.render() + "</p>"
        html += String(
            format:
                "<p>best search perplexity %.4f (generation %d, candidate %d; the optimiser's fitness adds the repair penalty); n-hat %d; mscale %.4f; space %@</p>",
            found.bestFitness, found.bestGeneration, found.bestIndex, found.table.nHat, found.table.mscale,
            settings.space.rawValue)
        if !cells.isEmpty {
            html += "<h2>Held-out evaluation</h2>" + LongRoPEEvaluation.html(cells)
        }
        return html
    }
}
