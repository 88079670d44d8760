import Evolution
import Foundation
import Objectives
import Yams

/// An experiment file (YAML, under experiments/): which objective, which strategy, where it starts and when it
/// stops. The fields every experiment has are typed here; the rest of the file (the objective's own section,
/// `longrope:` or `namm:`, or a benchmark function's `dimension:` ...) is kept as `sections` and read by the
/// objective's method (`ObjectiveMethod`), which the run loop never names. See docs/experiments.md.
public struct Experiment: Codable, Sendable, Equatable {
    /// The version of this format; a stored experiment with a newer one is refused.
    public static let formatVersion = 2

    public var formatVersion: Int?
    public var name: String
    /// The objective's name, as registered (`ObjectiveRegistry`).
    public var objective: String
    public var strategy: String
    public var sigma: Double?
    public var seed: UInt64
    public var maxEvaluations: Int?
    public var maxGenerations: Int?
    public var target: Double?
    /// Population size (default: the strategy's own: 4 + 3 ln n for CMA-ES, the method's for others).
    public var populationSize: Int?
    /// Evaluate the search distribution's mean every this many generations and at the end, as NAMM deploys the
    /// mean; recorded as candidate -1 of the generation.
    public var evaluateMeanEvery: Int?
    /// Multi-fidelity evaluation (successive halving in each generation); nil: every candidate evaluated in full.
    public var fidelity: FidelitySchedule?
    /// Every other top-level field, by key: the objective's settings, read by its method.
    public var sections: [String: JSONValue]

    public init(
        name: String, objective: String, strategy: String, sigma: Double?, seed: UInt64, maxEvaluations: Int? = nil,
        maxGenerations: Int? = nil, target: Double? = nil, sections: [String: JSONValue] = [:]
    ) {
        formatVersion = Experiment.formatVersion
        self.name = name
        self.objective = objective
        self.strategy = strategy
        self.sigma = sigma
        self.seed = seed
        self.maxEvaluations = maxEvaluations
        self.maxGenerations = maxGenerations
        self.target = target
        self.sections = sections
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case formatVersion = "format_version"
        case name, objective, strategy, sigma, seed
        case maxEvaluations = "max_evaluations"
        case maxGenerations = "max_generations"
        case target
        case populationSize = "population_size"
        case evaluateMeanEvery = "evaluate_mean_every"
        case fidelity
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        formatVersion = try c.decodeIfPresent(Int.self, forKey: .formatVersion)
        name = try c.decode(String.self, forKey: .name)
        objective = try c.decode(String.self, forKey: .objective)
        strategy = try c.decode(String.self, forKey: .strategy)
        sigma = try c.decodeIfPresent(Double.self, forKey: .sigma)
        seed = try c.decode(UInt64.self, forKey: .seed)
        maxEvaluations = try c.decodeIfPresent(Int.self, forKey: .maxEvaluations)
        maxGenerations = try c.decodeIfPresent(Int.self, forKey: .maxGenerations)
        target = try c.decodeIfPresent(Double.self, forKey: .target)
        populationSize = try c.decodeIfPresent(Int.self, forKey: .populationSize)
        evaluateMeanEvery = try c.decodeIfPresent(Int.self, forKey: .evaluateMeanEvery)
        fidelity = try c.decodeIfPresent(FidelitySchedule.self, forKey: .fidelity)
        let common = Set(CodingKeys.allCases.map(\.rawValue))
        let all = try decoder.container(keyedBy: AnyKey.self)
        var sections: [String: JSONValue] = [:]
        for key in all.allKeys where !common.contains(key.stringValue) {
            sections[key.stringValue] = try all.decode(JSONValue.self, forKey: key)
        }
        self.sections = sections
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(formatVersion, forKey: .formatVersion)
        try c.encode(name, forKey: .name)
        try c.encode(objective, forKey: .objective)
        try c.encode(strategy, forKey: .strategy)
        try c.encodeIfPresent(sigma, forKey: .sigma)
        try c.encode(seed, forKey: .seed)
        try c.encodeIfPresent(maxEvaluations, forKey: .maxEvaluations)
        try c.encodeIfPresent(maxGenerations, forKey: .maxGenerations)
        try c.encodeIfPresent(target, forKey: .target)
        try c.encodeIfPresent(populationSize, forKey: .populationSize)
        try c.encodeIfPresent(evaluateMeanEvery, forKey: .evaluateMeanEvery)
        try c.encodeIfPresent(fidelity, forKey: .fidelity)
        var all = encoder.container(keyedBy: AnyKey.self)
        for (key, value) in sections { try all.encode(value, forKey: AnyKey(stringValue: key)) }
    }

    /// Reads an experiment file and checks the fields every experiment has; every error names the file and the
    /// field. The objective's own fields are checked by its method (`ObjectiveRegistry.load`).
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

    /// An experiment read back from a run database: checked like a file a user wrote.
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

    /// The fields every experiment has.
    public func validate(path: String) throws {
        func fail(_ field: String, _ problem: String) -> ExperimentError {
            ExperimentError(path: path, field: field, problem: problem)
        }
        if let version = formatVersion, version > Experiment.formatVersion || version < 1 {
            throw fail("format_version", "is \(version); this ctxevo reads versions 1 to \(Experiment.formatVersion)")
        }
        if name.isEmpty { throw fail("name", "must not be empty") }
        guard StrategyRegistry.entry(named: strategy) != nil else {
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
        if let n = evaluateMeanEvery {
            if n < 1 { throw fail("evaluate_mean_every", "must be at least 1") }
            if !abilities.hasMean {
                throw fail(
                    "evaluate_mean_every",
                    "needs a strategy with a mean: one of "
                        + StrategyRegistry.names(with: \.hasMean).joined(separator: ", "))
            }
        }
        try fidelity?.validate(path: path)
    }

    /// Throws unless the strategy has an ability the objective needs, naming the strategies that have it.
    public func require(
        _ ability: KeyPath<StrategyRegistry.Abilities, Bool>, because reason: String, path: String
    ) throws {
        guard !abilities[keyPath: ability] else { return }
        throw ExperimentError(
            path: path, field: "strategy",
            problem: "'\(strategy)' \(reason): use one of "
                + StrategyRegistry.names(with: ability).joined(separator: ", "))
    }

    /// What the experiment's strategy can do (an unknown name can do nothing).
    public var abilities: StrategyRegistry.Abilities {
        StrategyRegistry.entry(named: strategy)?.abilities ?? .none
    }

    /// The objective's section `key` decoded as `T` (nil when the file has none); a section of the wrong shape is
    /// an `ExperimentError` naming the field.
    public func section<T: Decodable>(_ key: String, as type: T.Type, path: String) throws -> T? {
        guard let value = sections[key] else { return nil }
        do {
            return try value.decode(T.self)
        } catch let error as DecodingError {
            let inner = ExperimentError(path: path, decoding: error)
            let field = [key, inner.field].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ".")
            throw ExperimentError(path: path, field: field, problem: inner.problem)
        } catch {
            throw ExperimentError(path: path, field: key, problem: "is not valid (\(error))")
        }
    }

    /// The objective's section `key`, which its experiments must have (`what` names it in the error).
    public func requiredSection<T: Decodable>(_ key: String, as type: T.Type, path: String, what: String) throws -> T {
        guard let value = try section(key, as: T.self, path: path) else {
            throw ExperimentError(path: path, field: key, problem: "is missing (\(what))")
        }
        return value
    }

    /// The experiment with section `key` decoded as `T`, changed by `edit` and stored back (`runs replay --numerics`).
    public func changingSection<T: Codable>(
        _ key: String, as type: T.Type, path: String, _ edit: (inout T) throws -> Void
    ) throws -> Experiment {
        var value = try requiredSection(key, as: T.self, path: path, what: "the objective's settings")
        try edit(&value)
        var changed = self
        changed.sections[key] = try JSONValue(encoding: value)
        return changed
    }

    /// The section of the experiment's own top level (benchmark functions keep their fields there).
    public func topLevel<T: Decodable>(as type: T.Type, path: String) throws -> T {
        do {
            return try JSONValue.object(sections).decode(T.self)
        } catch let error as DecodingError {
            throw ExperimentError(path: path, decoding: error)
        }
    }

    public var stopCriteria: StopCriteria {
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

    public init(path: String, decoding error: DecodingError) {
        self.path = path
        switch error {
        case .keyNotFound(let key, let context):
            field = (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
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
