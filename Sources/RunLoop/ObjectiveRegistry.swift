import Foundation
import Logging
import Objectives

/// Every objective a run can search, by name, in the manner of the strategy registry: the run loop, `runs
/// export` and `report` find an experiment's method here. The list itself is made where every method is known
/// (`ObjectiveRegistry.standard`, Workbench); adding an objective is its module and one line there.
public struct ObjectiveRegistry: Sendable {
    public let methods: [any ObjectiveMethod]

    public init(_ methods: [any ObjectiveMethod]) {
        self.methods = methods
    }

    /// Every registered objective name.
    public var objectiveNames: [String] { methods.flatMap(\.objectives) }

    public func method(named objective: String) -> (any ObjectiveMethod)? {
        methods.first { $0.objectives.contains(objective) }
    }

    /// The method of an experiment, or an error naming the registered objectives.
    public func method(for experiment: Experiment, path: String) throws -> any ObjectiveMethod {
        guard let method = method(named: experiment.objective) else {
            throw ExperimentError(
                path: path, field: "objective",
                problem: "'\(experiment.objective)' is not one of \(objectiveNames.joined(separator: ", "))")
        }
        return method
    }

    /// The experiment's own fields checked by its method, and no field that neither it nor the common format
    /// reads (a misspelt field would otherwise be ignored silently).
    public func validate(_ experiment: Experiment, path: String) throws {
        let method = try method(for: experiment, path: path)
        if let unknown = experiment.sections.keys.sorted().first(where: { !method.sectionKeys.contains($0) }) {
            throw ExperimentError(
                path: path, field: unknown,
                problem: "is not a field of a '\(experiment.objective)' experiment (see docs/experiments.md)")
        }
        try method.validate(experiment, path: path)
    }

    /// An experiment file, read and checked whole.
    public func load(path: String) throws -> Experiment {
        let experiment = try Experiment.load(path: path)
        try validate(experiment, path: path)
        return experiment
    }

    public func prepare(_ experiment: Experiment, logger: Logger) throws -> PreparedSearch {
        let method = try method(for: experiment, path: experiment.name)
        try method.validate(experiment, path: experiment.name)
        var search = try method.prepare(experiment, logger: logger)
        search.fidelity = experiment.fidelity
        if let schedule = experiment.fidelity {
            let objective = search.objective
            guard let unit = objective.fidelityUnit else {
                throw ExperimentError(
                    path: experiment.name, field: "fidelity",
                    problem: "is not available: a '\(experiment.objective)' objective has no cheaper evaluation")
            }
            guard schedule.levels.last == objective.fullFidelity else {
                throw ExperimentError(
                    path: experiment.name, field: "fidelity.levels",
                    problem: "must end with the full evaluation: \(objective.fullFidelity) \(unit)")
            }
        }
        return search
    }
}
