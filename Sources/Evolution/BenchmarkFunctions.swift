import Foundation

/// The test functions of the optimiser benchmark (Hansen, "The CMA Evolution Strategy: A Tutorial", arXiv:1604.00772):
/// minimum 0 each.
public enum BenchmarkFunction: String, CaseIterable, Codable, Sendable {
    case sphere, ellipsoid, rosenbrock, rastrigin
    /// LongRoPE-like: reach t_i = 64^(i/(n-1)) (non-decreasing in [1, 64]) under the monotone-box constraint,
    /// by projection (pool adjacent violators) plus the squared distance as penalty.
    case monotone

    public func callAsFunction(_ x: [Double]) -> Double {
        switch self {
        case .sphere:
            return x.reduce(0) { $0 + $1 * $1 }
        case .ellipsoid:  // sum 10^(6 (i-1)/(n-1)) x_i^2
            let n = Double(max(1, x.count - 1))
            var sum = 0.0
            for (i, v) in x.enumerated() { sum += pow(10, 6 * Double(i) / n) * v * v }
            return sum
        case .rosenbrock:
            var sum = 0.0
            for i in 0..<(x.count - 1) {
                let a = x[i + 1] - x[i] * x[i]
                let b = 1 - x[i]
                sum += 100 * a * a + b * b
            }
            return sum
        case .monotone:
            let objective = ConstrainedObjective(constraint: .monotoneBox(lower: 1, upper: 64))
            let last = Double(max(1, x.count - 1))
            return objective.evaluate(x) { y in
                var sum = 0.0
                for (i, v) in y.enumerated() {
                    let d = v - pow(64, Double(i) / last)
                    sum += d * d
                }
                return sum
            }
        case .rastrigin:
            var sum = 10 * Double(x.count)
            for v in x { sum += v * v - 10 * cos(2 * Double.pi * v) }
            return sum
        }
    }
}
