import Evolution
import Foundation
import Logging
import Objectives
import RunStore

/// An experiment made ready to run: its objective (model loaded, documents tokenized once) and the start of its
/// strategy (seeds, genes, step size).
public struct PreparedSearch {
    public let objective: any Objective
    public let start: StrategyRegistry.Start
    /// The experiment's multi-fidelity schedule (set by `ObjectiveRegistry.prepare`), nil without one.
    public internal(set) var fidelity: FidelitySchedule?

    public init(objective: any Objective, start: StrategyRegistry.Start) {
        self.objective = objective
        self.start = start
    }
}

/// One method ctxevo searches for (LongRoPE's factors, a NAMM network, a benchmark function): everything the run
/// loop, the exports and the report need to know of it, so that nothing outside its module switches on its name.
/// Each method registers once, in `ObjectiveRegistry.standard`.
public protocol ObjectiveMethod: Sendable {
    /// The values of an experiment's `objective:` it answers to.
    var objectives: [String] { get }
    /// The top-level fields of an experiment it reads, beside the common ones (`longrope`, or `dimension` ...).
    var sectionKeys: [String] { get }
    /// Checks its settings in the experiment and that the strategy can do what it needs; every problem is an
    /// `ExperimentError` naming `path` and the field. Cheap: no model is loaded.
    func validate(_ experiment: Experiment, path: String) throws
    /// Builds the objective and the strategy's start. Everything a user can get wrong that needs the model or the
    /// data (a document shorter than the target, a factors file for another model) fails here, before a run is
    /// created or an evaluation runs.
    func prepare(_ experiment: Experiment, logger: Logger) throws -> PreparedSearch
    /// The run exports it offers beside the candidate tables (`ctxevo runs export --format`).
    var exportFormats: [ExportFormat] { get }
    /// Writes export `format` of run `id` (one of `exportFormats`).
    func export(
        _ format: String, run id: Int64, in store: RunStore, options: ExportOptions, logger: Logger
    ) throws -> ExportResult
    /// HTML sections of the run's report (after the generic plots); `evaluation` is a held-out evaluation file the
    /// user gave (the method's own `evaluate --json` output), nil when none.
    func reportSections(run id: Int64, in store: RunStore, evaluation: Data?, logger: Logger) throws -> String
    /// The experiment with its evaluations computed in another numerics (`runs replay --numerics`: does a faster
    /// arithmetic rank the recorded candidates as the run's did?); nil when the objective has no such setting.
    func experiment(_ experiment: Experiment, numerics: String) throws -> Experiment?
    /// The numerics the experiment's evaluations compute in (its setting, else the objective's default); nil when
    /// the objective has no such setting.
    func numerics(of experiment: Experiment) throws -> String?
    /// What the dashboard draws beside a run of this objective (LongRoPE: lambda per pair of PI, NTK and YaRN at
    /// the target), nil when nothing.
    func dashboardReference(_ experiment: Experiment, logger: Logger) throws -> JSONValue?
}

extension ObjectiveMethod {
    public var exportFormats: [ExportFormat] { [] }

    public func experiment(_ experiment: Experiment, numerics: String) throws -> Experiment? { nil }

    public func numerics(of experiment: Experiment) throws -> String? { nil }

    public func dashboardReference(_ experiment: Experiment, logger: Logger) throws -> JSONValue? { nil }

    public func export(
        _ format: String, run id: Int64, in store: RunStore, options: ExportOptions, logger: Logger
    ) throws -> ExportResult {
        throw ExportError.unknownFormat(format, run: id, known: exportFormats.map(\.name))
    }

    public func reportSections(run id: Int64, in store: RunStore, evaluation: Data?, logger: Logger) throws -> String {
        if evaluation != nil { throw ExportError.noEvaluationView(run: id) }
        return ""
    }
}

/// An export a method offers.
public struct ExportFormat: Sendable, Equatable {
    public let name: String
    public let summary: String
    /// It writes a file (a binary, or a file read back by another command): `-o FILE` is required.
    public let needsFile: Bool

    public init(name: String, summary: String, needsFile: Bool) {
        self.name = name
        self.summary = summary
        self.needsFile = needsFile
    }
}

public struct ExportOptions: Sendable {
    public var output: String?
    /// Export even when the format cannot hold part of the result (the warnings say what is lost).
    public var force: Bool
    /// What a method's format takes besides the run (`--with KEY=VALUE`), e.g. LongRoPE's `short-factors=FILE`;
    /// a method refuses keys it does not know, by name.
    public var with: [String: String]
    public init(output: String?, force: Bool, with: [String: String] = [:]) {
        self.output = output
        self.force = force
        self.with = with
    }
}

/// What an export produced: text for the output (a file or standard output), or a message when it wrote its
/// file itself; `warnings` say what the format could not hold.
public struct ExportResult: Sendable {
    public var text: String?
    public var message: String?
    public var warnings: [String] = []

    public init(text: String? = nil, message: String? = nil, warnings: [String] = []) {
        self.text = text
        self.message = message
        self.warnings = warnings
    }
}

public enum ExportError: Error, CustomStringConvertible, Equatable {
    case unknownFormat(String, run: Int64, known: [String])
    case needsFile(String)
    case lossy(String, losses: [String])
    case noEvaluationView(run: Int64)
    case notAnEvaluation(path: String, expected: String)
    case unknownSetting(String, format: String, known: [String])

    public var description: String {
        switch self {
        case .unknownFormat(let format, let run, let known):
            "run \(run) has no export '\(format)'; its objective offers "
                + (known.isEmpty ? "only the candidate tables" : known.joined(separator: ", "))
        case .needsFile(let format): "--format \(format) writes a file: give -o FILE"
        case .lossy(let format, let losses):
            "the \(format) format cannot hold this result (\(losses.joined(separator: "; "))); --force exports it anyway"
        case .noEvaluationView(let run): "run \(run)'s objective has no held-out evaluation to show"
        case .notAnEvaluation(let path, let expected): "\(path) is not the JSON output of \(expected)"
        case .unknownSetting(let key, let format, let known):
            "--with \(key): the \(format) export takes \(known.isEmpty ? "no settings" : known.joined(separator: ", "))"
        }
    }
}
