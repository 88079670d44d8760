/// Every strategy ctxevo offers, by name, built from one common description of the start: a generic test runs
/// each registered strategy on a sphere, and the benchmark and experiment files pick them by name.
public enum StrategyRegistry {
    public struct Start: Sendable {
        public var mean: [Double]
        public var sigma: Double
        /// Range of the restart means (restart strategies).
        public var lower: Double
        public var upper: Double
        public var stop: StopCriteria
        public var seed: UInt64

        public init(mean: [Double], sigma: Double, lower: Double = -3, upper: Double = 3, stop: StopCriteria, seed: UInt64) {
            self.mean = mean
            self.sigma = sigma
            self.lower = lower
            self.upper = upper
            self.stop = stop
            self.seed = seed
        }
    }

    public static let names = ["cma-es", "sep-cma-es", "ipop-cma-es", "bipop-cma-es"]

    public static func make(_ name: String, start: Start) -> (any Strategy)? {
        switch name {
        case "cma-es":
            return CMAES(mean: start.mean, sigma: start.sigma, stop: start.stop, seed: start.seed)
        case "sep-cma-es":
            return CMAES(mean: start.mean, sigma: start.sigma, separable: true, stop: start.stop, seed: start.seed)
        case "ipop-cma-es", "bipop-cma-es":
            return RestartingCMAES(
                regime: name == "ipop-cma-es" ? .ipop : .bipop, dimension: start.mean.count, lower: start.lower,
                upper: start.upper, sigma: start.sigma, stop: start.stop, seed: start.seed)
        default:
            return nil
        }
    }
}
