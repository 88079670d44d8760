import Evolution
import Foundation
import Yams

/// An experiment file (YAML, under experiments/): which objective, which strategy, where it starts and when it
/// stops. Until the LongRoPE and NAMM objectives exist, the objectives are the optimiser benchmark functions.
public struct Experiment: Codable, Sendable, Equatable {
    public var name: String
    public var objective: BenchmarkFunction
    public var dimension: Int
    public var strategy: String
    public var sigma: Double
    /// The start: one value for every coordinate.
    public var mean: Double
    /// Box of the restart means (restart strategies) and of the GA's genes.
    public var lower: Double
    public var upper: Double
    public var seed: UInt64
    public var maxEvaluations: Int?
    public var target: Double?
    /// Seconds to sleep in every evaluation: stands in for an expensive objective (kill and resume tests).
    public var evaluationDelay: Double?

    public init(
        name: String, objective: BenchmarkFunction, dimension: Int, strategy: String, sigma: Double, mean: Double,
        lower: Double, upper: Double, seed: UInt64, maxEvaluations: Int?, target: Double?, evaluationDelay: Double?
    ) {
        self.name = name
        self.objective = objective
        self.dimension = dimension
        self.strategy = strategy
        self.sigma = sigma
        self.mean = mean
        self.lower = lower
        self.upper = upper
        self.seed = seed
        self.maxEvaluations = maxEvaluations
        self.target = target
        self.evaluationDelay = evaluationDelay
    }

    enum CodingKeys: String, CodingKey {
        case name, objective, dimension, strategy, sigma, mean, lower, upper, seed
        case maxEvaluations = "max_evaluations", target, evaluationDelay = "evaluation_delay"
    }

    /// Reads and validates an experiment file; every error names the file and the field.
    public static func load(path: String) throws -> Experiment {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ExperimentError(path: path, field: nil, problem: "cannot be read as UTF-8 text")
        }
        let experiment: Experiment
        do {
            experiment = try YAMLDecoder().decode(Experiment.self, from: text)
        } catch let error as DecodingError {
            throw ExperimentError(path: path, decoding: error)
        } catch {
            throw ExperimentError(path: path, field: nil, problem: "is not valid YAML (\(error))")
        }
        try experiment.validate(path: path)
        return experiment
    }

    public func validate(path: String) throws {
        func fail(_ field: String, _ problem: String) -> ExperimentError {
            ExperimentError(path: path, field: field, problem: problem)
        }
        if name.isEmpty { throw fail("name", "must not be empty") }
        if dimension < 1 || dimension > 100_000 { throw fail("dimension", "must be between 1 and 100000, not \(dimension)") }
        if !StrategyRegistry.names.contains(strategy) {
            throw fail("strategy", "'\(strategy)' is not one of \(StrategyRegistry.names.joined(separator: ", "))")
        }
        if !(sigma > 0) || !sigma.isFinite { throw fail("sigma", "must be a positive number") }
        if !(lower < upper) { throw fail("lower", "must be below upper (\(lower) >= \(upper))") }
        if let m = maxEvaluations, m < 1 { throw fail("max_evaluations", "must be at least 1") }
        if maxEvaluations == nil && target == nil { throw fail("max_evaluations", "give max_evaluations or target, or the run never ends") }
        if let d = evaluationDelay, !(d >= 0) { throw fail("evaluation_delay", "must not be negative") }
    }

    public var start: StrategyRegistry.Start {
        StrategyRegistry.Start(
            mean: Array(repeating: mean, count: dimension), sigma: sigma, lower: lower, upper: upper,
            stop: StopCriteria(maxEvaluations: maxEvaluations, targetFitness: target), seed: seed)
    }
}

public struct ExperimentError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let field: String?
    public let problem: String

    public init(path: String, field: String?, problem: String) {
        self.path = path
        self.field = field
        self.problem = problem
    }

    init(path: String, decoding error: DecodingError) {
        self.path = path
        switch error {
        case .keyNotFound(let key, _):
            field = key.stringValue
            problem = "is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            field = context.codingPath.map(\.stringValue).joined(separator: ".")
            problem = "has the wrong type (\(context.debugDescription))"
        case .dataCorrupted(let context):
            field = context.codingPath.map(\.stringValue).joined(separator: ".")
            problem = "is not valid: \(context.debugDescription)"
        @unknown default:
            field = nil
            problem = "\(error)"
        }
    }

    public var description: String {
        if let field, !field.isEmpty { return "experiment \(path): field '\(field)' \(problem)" }
        return "experiment \(path) \(problem)"
    }
}
