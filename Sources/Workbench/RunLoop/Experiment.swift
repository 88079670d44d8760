import Evolution
import Foundation
import Objectives
import Yams

/// What an experiment minimises: an optimiser benchmark function, or LongRoPE's perplexity.
public enum ObjectiveKind: String, Codable, Sendable, CaseIterable {
    case sphere, ellipsoid, rosenbrock, rastrigin, monotone
    case longRoPE = "longrope"
    case namm

    public var benchmarkFunction: BenchmarkFunction? { BenchmarkFunction(rawValue: rawValue) }
}

/// An experiment file (YAML, under experiments/): which objective, which strategy, where it starts and when it
/// stops. Benchmark objectives take `dimension`, `mean`, `lower` and `upper`; the LongRoPE objective takes its
/// section `longrope:` (see `LongRoPESettings`) and derives its genes from the model.
public struct Experiment: Codable, Sendable, Equatable {
    /// The version of this format; a stored experiment with a newer one is refused.
    public static let formatVersion = 2

    public var formatVersion: Int?
    public var name: String
    public var objective: ObjectiveKind
    public var strategy: String
    public var sigma: Double?
    public var seed: UInt64
    public var maxEvaluations: Int?
    public var maxGenerations: Int?
    public var target: Double?
    /// Population size (default: the strategy's own: 4 + 3 ln n for CMA-ES, 64 for the LongRoPE GA).
    public var populationSize: Int?
    /// Benchmark objectives: genes, the value every coordinate starts at, the box of restarts and GA genes.
    public var dimension: Int?
    public var startValue: Double?
    public var lower: Double?
    public var upper: Double?
    /// Seconds to sleep in every evaluation: stands in for an expensive objective (kill and resume tests).
    public var evaluationDelay: Double?
    /// Evaluate the search distribution's mean (CMA-ES) every this many generations and at the end, as NAMM
    /// deploys the mean; recorded as candidate -1 of the generation.
    public var evaluateMeanEvery: Int?
    public var longRoPE: LongRoPESettings?
    public var namm: NAMMSettings?

    public init(
        name: String, objective: ObjectiveKind, dimension: Int, strategy: String, sigma: Double, mean: Double,
        lower: Double, upper: Double, seed: UInt64, maxEvaluations: Int?, target: Double?, evaluationDelay: Double?
    ) {
        formatVersion = Experiment.formatVersion
        self.name = name
        self.objective = objective
        self.dimension = dimension
        self.strategy = strategy
        self.sigma = sigma
        self.startValue = mean
        self.lower = lower
        self.upper = upper
        self.seed = seed
        self.maxEvaluations = maxEvaluations
        self.target = target
        self.evaluationDelay = evaluationDelay
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version"
        case name, objective, dimension, strategy, sigma
        case startValue = "mean"
        case lower, upper, seed
        case maxEvaluations = "max_evaluations"
        case maxGenerations = "max_generations"
        case target
        case evaluationDelay = "evaluation_delay"
        case populationSize = "population_size"
        case evaluateMeanEvery = "evaluate_mean_every"
        case longRoPE = "longrope"
        case namm
    }

    /// Reads and validates an experiment file; every error names the file and the field.
    public static func load(path: String) throws -> Experiment {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ExperimentError(path: path, field: nil, problem: "cannot be read as UTF-8 text")
        }
        var experiment = try decode(yaml: text, path: path)
        experiment.formatVersion = experiment.formatVersion ?? Experiment.formatVersion
        try experiment.validate(path: path)
        return experiment
    }

    static func decode(yaml text: String, path: String) throws -> Experiment {
        do {
            return try YAMLDecoder().decode(Experiment.self, from: text)
        } catch let error as DecodingError {
            throw ExperimentError(path: path, decoding: error)
        } catch {
            throw ExperimentError(path: path, field: nil, problem: "is not valid YAML (\(error))")
        }
    }

    /// An experiment read back from a run database: validated like a file a user wrote.
    public static func stored(_ json: String, run: Int64) throws -> Experiment {
        let origin = "stored in run \(run)"
        let experiment: Experiment
        do {
            experiment = try JSONDecoder().decode(Experiment.self, from: Data(json.utf8))
        } catch let error as DecodingError {
            throw ExperimentError(path: origin, decoding: error)
        } catch {
            throw ExperimentError(path: origin, field: nil, problem: "is not valid JSON (\(error))")
        }
        try experiment.validate(path: origin)
        return experiment
    }

    public func validate(path: String) throws {
        func fail(_ field: String, _ problem: String) -> ExperimentError {
            ExperimentError(path: path, field: field, problem: problem)
        }
        if let version = formatVersion, version > Experiment.formatVersion || version < 1 {
            throw fail("format_version", "is \(version); this ctxevo reads versions 1 to \(Experiment.formatVersion)")
        }
        if name.isEmpty { throw fail("name", "must not be empty") }
        guard let abilities = StrategyRegistry.entry(named: strategy)?.abilities else {
            throw fail("strategy", "'\(strategy)' is not one of \(StrategyRegistry.names.joined(separator: ", "))")
        }
        if let sigma, !(sigma > 0 && sigma.isFinite) { throw fail("sigma", "must be a positive number") }
        if let m = maxEvaluations, m < 1 { throw fail("max_evaluations", "must be at least 1") }
        if let m = maxGenerations, m < 1 { throw fail("max_generations", "must be at least 1") }
        if maxEvaluations == nil && maxGenerations == nil && target == nil {
            throw fail("max_evaluations", "give max_evaluations, max_generations or target, or the run never ends")
        }
        if let t = target, !t.isFinite { throw fail("target", "must be a finite number") }
        if let p = populationSize, p < 2 || p > 100_000 {
            throw fail("population_size", "must be between 2 and 100000")
        }
        if let d = evaluationDelay, !(d >= 0 && d.isFinite) { throw fail("evaluation_delay", "must not be negative") }
        if let n = evaluateMeanEvery {
            if n < 1 { throw fail("evaluate_mean_every", "must be at least 1") }
            if !abilities.hasMean { throw fail("evaluate_mean_every", "needs a strategy with a mean (CMA-ES)") }
        }
        switch objective {
        case .longRoPE:
            guard let settings = longRoPE else {
                throw fail("longrope", "is missing (the LongRoPE objective's settings)")
            }
            try settings.validate(path: path)
            if !abilities.acceptsSeeds {
                throw fail("strategy", "'\(strategy)' takes no seeds; LongRoPE starts from PI, NTK and YaRN: use one of "
                        + StrategyRegistry.names(with: \.acceptsSeeds).joined(separator: ", "))
            }
        case .namm:
            guard let settings = namm else { throw fail("namm", "is missing (the NAMM objective's settings)") }
            try settings.validate(path: path)
            if !abilities.hasMean {
                throw fail("strategy", "'\(strategy)' has no mean to start at the network that keeps every token: use one of "
                        + StrategyRegistry.names(with: \.hasMean).joined(separator: ", "))
            }
        default:
            guard let dimension else { throw fail("dimension", "is missing") }
            if dimension < 1 || dimension > 100_000 {
                throw fail("dimension", "must be between 1 and 100000, not \(dimension)")
            }
            guard let startValue, startValue.isFinite else { throw fail("mean", "is missing or not a finite number") }
            guard let lower, lower.isFinite else { throw fail("lower", "is missing or not a finite number") }
            guard let upper, upper.isFinite else { throw fail("upper", "is missing or not a finite number") }
            if !(lower < upper) { throw fail("lower", "must be below upper (\(lower) >= \(upper))") }
            if sigma == nil { throw fail("sigma", "is missing") }
            if abilities.fullCovariance {
                // Full covariance: C, its eigenvectors and a float copy, 20 bytes per entry.
                let bytes = 20 * Double(dimension) * Double(dimension)
                if bytes > Double(ProcessInfo.processInfo.physicalMemory) * 0.5 {
                    throw fail(
                        "dimension",
                        "\(dimension) needs \(Int(bytes / 1_073_741_824)) GiB for full-covariance CMA-ES, more than "
                            + "half this machine's memory; use sep-cma-es")
                }
            }
        }
    }

    /// What the experiment's strategy can do (validated experiments name a registered strategy; an unknown name
    /// has no ability).
    public var abilities: StrategyRegistry.Abilities {
        StrategyRegistry.entry(named: strategy)?.abilities ?? .none
    }

    /// The start of a benchmark experiment (LongRoPE starts are built from the model, see `SearchSetup`).
    var benchmarkStart: StrategyRegistry.Start {
        var start = StrategyRegistry.Start(
            mean: Array(repeating: startValue ?? 0, count: dimension ?? 1), sigma: sigma ?? 1, lower: lower ?? -3,
            upper: upper ?? 3, stop: stopCriteria, seed: seed)
        start.populationSize = populationSize
        return start
    }

    var stopCriteria: StopCriteria {
        StopCriteria(maxEvaluations: maxEvaluations, maxGenerations: maxGenerations, targetFitness: target)
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
