import Evolution
import Foundation
import Logging
import Objectives
import RunLoop

/// The optimiser benchmark functions (sphere, ellipsoid, Rosenbrock, Rastrigin, the monotone target) as
/// objectives of the registry: they exercise the run loop, resume, the workers and the reports in seconds.
/// Their fields sit at the experiment's top level (`BenchmarkSettings`).
public struct BenchmarkMethod: ObjectiveMethod {
    public init() {}

    public var objectives: [String] { BenchmarkFunction.allCases.map(\.rawValue) }
    public var sectionKeys: [String] { BenchmarkSettings.CodingKeys.allCases.map(\.rawValue) }

    public func validate(_ experiment: Experiment, path: String) throws {
        func fail(_ field: String, _ problem: String) -> ExperimentError {
            ExperimentError(path: path, field: field, problem: problem)
        }
        let s = try experiment.topLevel(as: BenchmarkSettings.self, path: path)
        guard let dimension = s.dimension else { throw fail("dimension", "is missing") }
        if dimension < 1 || dimension > 100_000 {
            throw fail("dimension", "must be between 1 and 100000, not \(dimension)")
        }
        guard let mean = s.mean, mean.isFinite else { throw fail("mean", "is missing or not a finite number") }
        guard let lower = s.lower, lower.isFinite else { throw fail("lower", "is missing or not a finite number") }
        guard let upper = s.upper, upper.isFinite else { throw fail("upper", "is missing or not a finite number") }
        if !(lower < upper) { throw fail("lower", "must be below upper (\(lower) >= \(upper))") }
        if experiment.sigma == nil { throw fail("sigma", "is missing") }
        if let d = s.evaluationDelay, !(d >= 0 && d.isFinite) { throw fail("evaluation_delay", "must not be negative") }
        if experiment.abilities.fullCovariance {
            // Full covariance: C, its eigenvectors and a float copy, 20 bytes per entry.
            let bytes = 20 * Double(dimension) * Double(dimension)
            if bytes > Double(ProcessInfo.processInfo.physicalMemory) * 0.5 {
                throw fail(
                    "dimension",
                    "\(dimension) needs \(Int(bytes / 1_073_741_824)) GiB for a full covariance, more than half this "
                        + "machine's memory; use one of "
                        + StrategyRegistry.entries.filter { !$0.abilities.fullCovariance }.map(\.name).joined(
                            separator: ", "))
            }
        }
    }

    public func prepare(_ experiment: Experiment, logger: Logger) throws -> PreparedSearch {
        let s = try experiment.topLevel(as: BenchmarkSettings.self, path: experiment.name)
        guard let function = BenchmarkFunction(rawValue: experiment.objective) else {
            throw ExperimentError(path: experiment.name, field: "objective", problem: "is not a benchmark function")
        }
        let objective = BenchmarkObjective(
            function: function, dimension: s.dimension ?? 1, evaluationDelay: s.evaluationDelay ?? 0)
        var start = StrategyRegistry.Start(
            mean: Array(repeating: s.mean ?? 0, count: s.dimension ?? 1), sigma: experiment.sigma ?? 1,
            lower: s.lower ?? -3, upper: s.upper ?? 3, stop: experiment.stopCriteria, seed: experiment.seed)
        start.populationSize = experiment.populationSize
        return PreparedSearch(objective: objective, start: start)
    }
}

/// A benchmark experiment's fields: genes, the value every coordinate starts at, the box of restarts and GA genes,
/// and seconds to sleep in every evaluation (a stand-in for an expensive objective in kill and resume tests).
public struct BenchmarkSettings: Codable, Sendable, Equatable {
    public var dimension: Int?
    public var mean: Double?
    public var lower: Double?
    public var upper: Double?
    public var evaluationDelay: Double?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case dimension, mean, lower, upper
        case evaluationDelay = "evaluation_delay"
    }

    public init(dimension: Int, mean: Double, lower: Double, upper: Double, evaluationDelay: Double? = nil) {
        self.dimension = dimension
        self.mean = mean
        self.lower = lower
        self.upper = upper
        self.evaluationDelay = evaluationDelay
    }
}

extension Experiment {
    /// A benchmark-function experiment.
    public static func benchmark(
        name: String, function: BenchmarkFunction, dimension: Int, strategy: String, sigma: Double, mean: Double,
        lower: Double, upper: Double, seed: UInt64, maxEvaluations: Int?, target: Double?,
        evaluationDelay: Double? = nil
    ) throws -> Experiment {
        let settings = BenchmarkSettings(
            dimension: dimension, mean: mean, lower: lower, upper: upper, evaluationDelay: evaluationDelay)
        var fields: [String: JSONValue] = [:]
        if case .object(let encoded) = try JSONValue(encoding: settings) { fields = encoded }
        return Experiment(
            name: name, objective: function.rawValue, strategy: strategy, sigma: sigma, seed: seed,
            maxEvaluations: maxEvaluations, target: target, sections: fields)
    }
}
