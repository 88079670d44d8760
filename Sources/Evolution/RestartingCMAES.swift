import Arithmetic
import Foundation

/// CMA-ES with restarts: IPOP (Auger & Hansen 2005: the population doubles at each restart) or BIPOP (Hansen
/// 2009: alternate the doubling regime with runs of small random populations and step sizes, giving each regime
/// a comparable share of the evaluations). Each restart draws a new mean uniformly in [lower, upper]^n.
public struct RestartingCMAES: Strategy {
    public enum Regime: String, Codable, Sendable { case ipop, bipop }

    public let regime: Regime
    public let stop: StopCriteria
    public let lower: Double
    public let upper: Double
    public let initialSigma: Double
    public let separable: Bool
    public private(set) var current: CMAES
    public private(set) var restarts: Int
    /// IPOP doublings so far (the large regime's population is default * 2^doublings).
    public private(set) var doublings: Int
    public private(set) var largeRegimeEvaluations: Int
    public private(set) var smallRegimeEvaluations: Int
    public private(set) var currentIsSmall: Bool
    public private(set) var finishedEvaluations: Int
    public private(set) var finishedGenerations: Int
    public private(set) var bestSoFar: Candidate?
    public private(set) var random: RandomGenerator
    public private(set) var finalTermination: Termination?

    public init(
        regime: Regime, dimension: Int, lower: Double, upper: Double, sigma: Double, separable: Bool = false,
        stop: StopCriteria, seed: UInt64
    ) {
        self.regime = regime
        self.stop = stop
        self.lower = lower
        self.upper = upper
        initialSigma = sigma
        self.separable = separable
        random = RandomGenerator(seed: seed)
        let mean = (0..<dimension).map { _ in 0.0 }
        current = CMAES(mean: mean, sigma: sigma, separable: separable, stop: stop, seed: seed)
        restarts = 0
        doublings = 0
        largeRegimeEvaluations = 0
        smallRegimeEvaluations = 0
        currentIsSmall = false
        finishedEvaluations = 0
        finishedGenerations = 0
        current = makeRun(populationSize: nil, sigma: sigma)
    }

    public var dimension: Int { current.dimension }
    public var evaluations: Int { finishedEvaluations + current.evaluations }
    public var generation: Int { finishedGenerations + current.generation }
    public var best: Candidate? {
        guard let run = current.best else { return bestSoFar }
        guard let previous = bestSoFar else { return run }
        return run.fitness < previous.fitness ? run : previous
    }
    public var termination: Termination? { finalTermination }
    public var stepSize: Double { current.stepSize }

    public mutating func ask() -> [[Double]] { current.ask() }

    public mutating func tell(_ population: [[Double]], fitness: [Double]) {
        current.tell(population, fitness: fitness)
        guard let ended = current.termination else { return }
        // Budget and target apply to the whole run, across restarts.
        let remaining = stop.maxEvaluations.map { $0 - evaluations }
        if !ended.allowsRestart || (remaining ?? 1) <= 0 {
            finalTermination =
                ended.reason == .maxEvaluations || (remaining ?? 1) <= 0
                ? Termination(
                    reason: .maxEvaluations, detail: "\(evaluations) evaluations used over \(restarts + 1) runs")
                : ended
            return
        }
        bestSoFar = best
        finishedEvaluations += current.evaluations
        finishedGenerations += current.generation
        if currentIsSmall {
            smallRegimeEvaluations += current.evaluations
        } else {
            largeRegimeEvaluations += current.evaluations
        }
        restarts += 1
        let defaultPopulation = CMAESParameters(dimension: dimension).populationSize
        switch regime {
        case .ipop:
            doublings += 1
            currentIsSmall = false
            current = makeRun(populationSize: defaultPopulation << doublings, sigma: initialSigma)
        case .bipop:
            // The first restart opens the large regime; after that, the regime that has used fewer evaluations.
            if restarts == 1 || smallRegimeEvaluations >= largeRegimeEvaluations {
                doublings += 1
                currentIsSmall = false
                current = makeRun(populationSize: defaultPopulation << doublings, sigma: initialSigma)
            } else {
                let u = random.uniform()
                let large = Double(defaultPopulation << doublings)
                let size = Int(Double(defaultPopulation) * pow(0.5 * large / Double(defaultPopulation), u * u))
                currentIsSmall = true
                current = makeRun(
                    populationSize: max(defaultPopulation, size), sigma: initialSigma * pow(10, -2 * random.uniform()))
            }
        }
    }

    private mutating func makeRun(populationSize: Int?, sigma: Double) -> CMAES {
        let mean = (0..<dimension).map { _ in lower + (upper - lower) * random.uniform() }
        var runStop = stop
        runStop.maxEvaluations = stop.maxEvaluations.map { max(1, $0 - evaluations) }
        runStop.maxGenerations = nil
        return CMAES(
            mean: mean, sigma: sigma, populationSize: populationSize, separable: separable, stop: runStop,
            seed: random.next())
    }
}
