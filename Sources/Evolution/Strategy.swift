/// An ask/tell optimiser over explicit, Codable state (evosax style): `ask` returns a whole population, the caller
/// evaluates it however it likes, `tell` takes it back with its fitness (lower is better). NaN or infinite
/// fitness counts as the worst of the population and never stops the run. Copying the value (or encoding it) at
/// any point and continuing from the copy gives the same populations bit for bit.
public protocol Strategy: Codable, Sendable {
    var dimension: Int { get }
    var evaluations: Int { get }
    var generation: Int { get }
    /// Best solution told so far.
    var best: Candidate? { get }
    /// Why the strategy stopped, or nil while it runs.
    var termination: Termination? { get }
    /// The current step size (or its analogue), for logs.
    var stepSize: Double { get }

    mutating func ask() -> [[Double]]
    mutating func tell(_ population: [[Double]], fitness: [Double])
}

/// The centre of a search distribution (a CMA-ES mean): NAMM evaluates and deploys the mean, not the best sample.
public protocol DistributionCentre {
    var centre: [Double] { get }
}

extension CMAES: DistributionCentre {
    public var centre: [Double] { mean }
}

extension RestartingCMAES: DistributionCentre {
    public var centre: [Double] { current.mean }
}

extension SeededCMAES: DistributionCentre {
    /// The best seed until the seeds are told, then the CMA-ES mean.
    public var centre: [Double] { search?.mean ?? seedBest?.x ?? seeds[0] }
}

public struct Candidate: Codable, Sendable, Equatable {
    public var x: [Double]
    public var fitness: Double
}

/// A stop, in words a person can act on.
public struct Termination: Codable, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Codable, Sendable {
        case targetReached, maxEvaluations, maxGenerations, tolFun, tolX, conditionNumber, noEffectAxis
        case noEffectCoordinate, stagnation, tolUpSigma
        /// C could not be decomposed (non-finite entries, or LAPACK did not converge): sampling cannot go on.
        case eigendecompositionFailed
    }

    public let reason: Reason
    public let detail: String

    public var description: String { "\(reason.rawValue): \(detail)" }

    /// Whether a restart strategy should start again (the budget and the target end the whole run).
    public var allowsRestart: Bool { reason != .targetReached && reason != .maxEvaluations }
}

/// Limits shared by every strategy.
public struct StopCriteria: Codable, Sendable, Equatable {
    public var maxEvaluations: Int?
    public var maxGenerations: Int?
    public var targetFitness: Double?

    public init(maxEvaluations: Int? = nil, maxGenerations: Int? = nil, targetFitness: Double? = nil) {
        self.maxEvaluations = maxEvaluations
        self.maxGenerations = maxGenerations
        self.targetFitness = targetFitness
    }

    /// The stop these limits call for, if any: the target, then the budget of evaluations, then of generations.
    public func check(best: Candidate?, evaluations: Int, generation: Int) -> Termination? {
        if let target = targetFitness, let best, best.fitness <= target {
            return Termination(
                reason: .targetReached, detail: "best fitness \(best.fitness) reached the target \(target)")
        }
        if let limit = maxEvaluations, evaluations >= limit {
            return Termination(reason: .maxEvaluations, detail: "\(evaluations) evaluations used of \(limit)")
        }
        if let limit = maxGenerations, generation >= limit {
            return Termination(reason: .maxGenerations, detail: "\(generation) generations run")
        }
        return nil
    }
}

extension Strategy {
    /// The convenience loop: ask, evaluate each candidate with `function`, tell, until a termination.
    public mutating func minimize(_ function: ([Double]) -> Double) -> Candidate? {
        while termination == nil {
            let population = ask()
            tell(population, fitness: population.map(function))
        }
        return best
    }
}

/// Fitness with NaN and infinities replaced by a value worse than every finite one, and the ranking it implies.
enum FitnessRanking {
    static func sanitized(_ fitness: [Double]) -> [Double] {
        let finite = fitness.filter(\.isFinite)
        let worst = (finite.max() ?? 0)
        let margin = max(1, abs(worst)) * 1e-3 + 1
        return fitness.map { $0.isFinite ? $0 : worst + margin }
    }

    /// Indices from best to worst; ties keep the population order (stable), so ranks are deterministic.
    static func order(_ fitness: [Double]) -> [Int] {
        fitness.indices.sorted { fitness[$0] != fitness[$1] ? fitness[$0] < fitness[$1] : $0 < $1 }
    }
}

/// The bookkeeping every strategy does when told a population (evosax's shared base): the evaluation and
/// generation counters, the best so far (finite values only), and the fitness with NaN and infinities ranked worst.
/// A strategy's `tell` calls it first and keeps only its own mathematics.
enum Bookkeeping {
    static func tell(
        _ population: [[Double]], fitness raw: [Double], best: inout Candidate?, evaluations: inout Int,
        generation: inout Int
    ) -> [Double] {
        evaluations += population.count
        generation += 1
        for (x, f) in zip(population, raw) where f.isFinite && f < (best?.fitness ?? .infinity) {
            best = Candidate(x: x, fitness: f)
        }
        return FitnessRanking.sanitized(raw)
    }

    /// LongRoPE's early stop: the best fitness (one value per generation, newest last) improved by less than
    /// `tolerance` over the last `window` generations.
    static func stagnation(_ history: [Double], window: Int?, tolerance: Double) -> Termination? {
        guard let window, history.count > window else { return nil }
        let old = history[history.count - 1 - window]
        let now = history[history.count - 1]
        guard old - now < tolerance else { return nil }
        return Termination(
            reason: .stagnation, detail: "the best fitness improved by less than \(tolerance) in \(window) generations")
    }
}
