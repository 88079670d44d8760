import Foundation

/// pycma's stopping rules, each explained where it is tested.
extension CMAES {
    func checkTermination() -> Termination? {
        let n = dimension
        let lambda = parameters.populationSize
        if let stopped = stop.check(best: best, evaluations: evaluations, generation: generation) { return stopped }
        // tolfun: the best values of the last 10 + 30n/lambda generations, and all values of this one, lie within
        // 1e-11 of each other: the search no longer improves by more than the fitness can tell apart.
        let funWindow = 10 + Int(ceil(30 * Double(n) / Double(lambda)))
        if bestHistory.count >= funWindow {
            let values = bestHistory.suffix(funWindow) + lastSortedFitness
            if values.max()! - values.min()! < 1e-11 {
                return Termination(
                    reason: .tolFun, detail: "fitness changed less than 1e-11 over \(funWindow) generations")
            }
        }
        // tolx: every coordinate's standard deviation and evolution path are below 1e-11 sigma0: the distribution
        // has shrunk to a point.
        let deviations = (0..<n).map { sigma * variance(at: $0).squareRoot() }
        if deviations.allSatisfy({ $0 < 1e-11 * initialSigma })
            && pathC.allSatisfy({ sigma * abs($0) < 1e-11 * initialSigma })
        {
            return Termination(reason: .tolX, detail: "all standard deviations below 1e-11 x sigma0")
        }
        // tolupsigma: sigma grew by 1e20 relative to the largest axis: the step size diverges (a flat or
        // ill-posed objective).
        if sigma / initialSigma > 1e20 * axisLengths.max()! {
            return Termination(reason: .tolUpSigma, detail: "sigma grew 1e20 times beyond the largest axis")
        }
        // condition number of C above 1e14: further learning would be numerically meaningless.
        let condition = pow(axisLengths.max()! / axisLengths.min()!, 2)
        if condition > 1e14 {
            return Termination(reason: .conditionNumber, detail: "the covariance condition number is \(condition)")
        }
        // noeffectaxis: adding 0.1 sigma along one principal axis does not change the mean (cycled over axes).
        if !parameters.separable {
            let axis = generation % n
            let step = 0.1 * sigma * axisLengths[axis]
            if (0..<n).allSatisfy({ mean[$0] == mean[$0] + step * eigenvectors[axis * n + $0] }) {
                return Termination(
                    reason: .noEffectAxis, detail: "a step of 0.1 sigma along axis \(axis) leaves the mean unchanged")
            }
        }
        // noeffectcoord: adding 0.2 standard deviations to some coordinate does not change it.
        if let i = (0..<n).first(where: { mean[$0] == mean[$0] + 0.2 * deviations[$0] }) {
            return Termination(
                reason: .noEffectCoordinate, detail: "0.2 standard deviations of coordinate \(i) leave it unchanged")
        }
        // stagnation: over the last 120 + 30n/lambda generations, the medians of the most recent 20 % of the best
        // and median fitness values are no better than those of the oldest 30 %.
        let stagnationWindow = 120 + Int(30 * Double(n) / Double(lambda))
        if bestHistory.count >= stagnationWindow {
            let bests = Array(bestHistory.suffix(stagnationWindow))
            let medians = Array(medianHistory.suffix(stagnationWindow))
            let recent = max(1, stagnationWindow / 5)
            let old = max(1, stagnationWindow * 3 / 10)
            if median(bests.suffix(recent)) >= median(bests.prefix(old))
                && median(medians.suffix(recent)) >= median(medians.prefix(old))
            {
                return Termination(
                    reason: .stagnation,
                    detail: "no progress of the best or median fitness in \(stagnationWindow) generations")
            }
        }
        return nil
    }

    func variance(at i: Int) -> Double {
        parameters.separable ? covariance[i] : covariance[i * dimension + i]
    }

    private func median(_ values: some Collection<Double>) -> Double {
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }
}
