import Arithmetic
import Foundation

/// CMA-ES (Hansen 2016) with active covariance update, the h_sigma stall rule, a lazy eigendecomposition and
/// pycma's termination criteria; with `separable`, the diagonal variant. Equation numbers refer to the tutorial.
public struct CMAES: Strategy {
    public let parameters: CMAESParameters
    public let stop: StopCriteria
    public private(set) var mean: [Double]
    public private(set) var sigma: Double
    public let initialSigma: Double
    /// pycma's `minstd`: a floor on each coordinate's standard deviation sigma sqrt(C_ii), for integer or
    /// discrete genes decoded by rounding (without it the distribution can collapse between two integers).
    public let minimumStandardDeviations: [Double]?
    /// Full: C row-major (n x n), upper triangle only (j >= i) kept current. Separable: the diagonal (n).
    public private(set) var covariance: [Double]
    /// Eigenvectors of C as rows (n x n; empty when separable) and the square roots of its eigenvalues (n).
    /// Cached: recomputed only when `eigenGeneration` lags `generation` by the lazy gap (see `updateEigen`).
    public private(set) var eigenvectors: [Double]
    public private(set) var axisLengths: [Double]
    public private(set) var eigenGeneration: Int
    public private(set) var pathSigma: [Double]
    public private(set) var pathC: [Double]
    public private(set) var generation: Int
    public private(set) var evaluations: Int
    public private(set) var best: Candidate?
    public private(set) var termination: Termination?
    public private(set) var random: RandomGenerator
    /// Best fitness of each recent generation (newest last), for tolfun and stagnation.
    public private(set) var bestHistory: [Double]
    public private(set) var medianHistory: [Double]
    /// The last population asked and its standard normal draws z_k (lambda x n): when the caller tells exactly
    /// that population, C^(-1/2) y_k = B z_k comes for free instead of a product with the eigenbasis.
    public private(set) var asked: [[Double]] = []
    public private(set) var askedNormals: [Double] = []
    /// The eigenvectors in single precision, for sampling only (half the memory traffic and twice the rate of
    /// the largest product of a generation; a sample needs no more than float precision). Derived from
    /// `eigenvectors`, not encoded: rebuilt on first use after decoding or after a decomposition.
    private var samplingBasis: [Float] = []

    enum CodingKeys: String, CodingKey {
        case parameters, stop, mean, sigma, initialSigma, minimumStandardDeviations, covariance, eigenvectors,
            axisLengths, eigenGeneration
        case pathSigma, pathC, generation, evaluations, best, termination, random, bestHistory, medianHistory
        case asked, askedNormals, lastSortedFitness
    }

    public var dimension: Int { parameters.dimension }
    public var stepSize: Double { sigma }

    public init(
        mean: [Double], sigma: Double, populationSize: Int? = nil, separable: Bool = false,
        minimumStandardDeviations: [Double]? = nil, stop: StopCriteria = StopCriteria(), seed: UInt64
    ) {
        self.minimumStandardDeviations = minimumStandardDeviations
        let n = mean.count
        parameters = CMAESParameters(dimension: n, populationSize: populationSize, separable: separable)
        self.stop = stop
        self.mean = mean
        self.sigma = sigma
        initialSigma = sigma
        if separable {
            covariance = Array(repeating: 1, count: n)
            eigenvectors = []
        } else {
            covariance = [Double](repeating: 0, count: n * n)
            eigenvectors = [Double](repeating: 0, count: n * n)
            for i in 0..<n {
                covariance[i * n + i] = 1
                eigenvectors[i * n + i] = 1
            }
        }
        axisLengths = Array(repeating: 1, count: n)
        eigenGeneration = 0
        pathSigma = Array(repeating: 0, count: n)
        pathC = Array(repeating: 0, count: n)
        generation = 0
        evaluations = 0
        random = RandomGenerator(seed: seed)
        bestHistory = []
        medianHistory = []
    }

    // MARK: ask

    /// (38)-(40): x_k = m + sigma B D z_k, z_k ~ N(0, I).
    public mutating func ask() -> [[Double]] {
        let n = dimension
        let lambda = parameters.populationSize
        var normals = [Double](repeating: 0, count: lambda * n)  // rows z_k
        for index in normals.indices { normals[index] = random.normal() }
        var scaled = normals  // rows D z_k
        for k in 0..<lambda {
            for i in 0..<n { scaled[k * n + i] *= axisLengths[i] }
        }
        var y = scaled
        if !parameters.separable {
            // Y = (Z D) E, E with the eigenvectors as rows: y_k = sum_i (D z_k)_i e_i = B D z_k (in float).
            if samplingBasis.count != n * n { samplingBasis = eigenvectors.map { Float($0) } }
            let single = scaled.map { Float($0) }
            var product = [Float](repeating: 0, count: lambda * n)
            single.withUnsafeBufferPointer { s in
                samplingBasis.withUnsafeBufferPointer { e in
                    product.withUnsafeMutableBufferPointer { out in
                        BLAS.linearNoTranspose(
                            s.baseAddress!, rows: lambda, inner: n, matrix: e.baseAddress!, columns: n,
                            into: out.baseAddress!)
                    }
                }
            }
            for index in y.indices { y[index] = Double(product[index]) }
        }
        asked = (0..<lambda).map { k in (0..<n).map { i in mean[i] + sigma * y[k * n + i] } }
        askedNormals = normals
        return asked
    }

    // MARK: tell

    public mutating func tell(_ population: [[Double]], fitness rawFitness: [Double]) {
        let n = dimension
        let lambda = population.count
        let p = parameters
        precondition(lambda == p.populationSize && rawFitness.count == lambda, "tell takes the population ask returned")
        let fitness = Bookkeeping.tell(
            population, fitness: rawFitness, best: &best, evaluations: &evaluations, generation: &generation)
        let order = FitnessRanking.order(fitness)

        // y_k = (x_k - m) / sigma, sorted best first; caller-repaired candidates are used as told.
        var y = [Double](repeating: 0, count: lambda * n)
        for (rank, index) in order.enumerated() {
            for i in 0..<n { y[rank * n + i] = (population[index][i] - mean[i]) / sigma }
        }
        // (41) <y>_w over the mu best; (42) m <- m + c_m sigma <y>_w (c_m = 1)
        var yw = [Double](repeating: 0, count: n)
        for rank in 0..<p.parents {
            let w = p.weights[rank]
            for i in 0..<n { yw[i] += w * y[rank * n + i] }
        }
        for i in 0..<n { mean[i] += sigma * yw[i] }

        // C^(-1/2) applied to every y (needed for p_sigma and for the active weights (46)): rows D^-1 B^T y_k,
        // which are the z_k drawn by ask when the population comes back unchanged (only their norms and their
        // weighted sum rotated by B are used).
        let unchanged = population == asked
        var whitened: [Double]
        if unchanged {
            whitened = [Double](repeating: 0, count: lambda * n)
            for (rank, index) in order.enumerated() {
                for i in 0..<n { whitened[rank * n + i] = askedNormals[index * n + i] }
            }
        } else {
            whitened = inverseSquareRoot(y, count: lambda)
        }
        var whitenedMean = [Double](repeating: 0, count: n)
        if parameters.separable {
            for i in 0..<n { whitenedMean[i] = yw[i] / axisLengths[i] }
        } else {
            // C^(-1/2) <y>_w = B D^-1 B^T <y>_w
            var u = [Double](repeating: 0, count: n)
            for rank in 0..<p.parents {
                let w = p.weights[rank]
                for i in 0..<n { u[i] += w * whitened[rank * n + i] }
            }
            // B u = E^T u: one product of the eigenbasis with a vector.
            u.withUnsafeBufferPointer { up in
                eigenvectors.withUnsafeBufferPointer { e in
                    whitenedMean.withUnsafeMutableBufferPointer { out in
                        DoubleLinearAlgebra.gemm(
                            m: 1, n: n, k: n, a: up.baseAddress!, lda: n, b: e.baseAddress!, ldb: n,
                            c: out.baseAddress!, ldc: n)
                    }
                }
            }
        }

        // (43) p_sigma, (44) sigma
        let cs = p.cSigma
        let sigmaFactor = (cs * (2 - cs) * p.effectiveParents).squareRoot()
        for i in 0..<n { pathSigma[i] = (1 - cs) * pathSigma[i] + sigmaFactor * whitenedMean[i] }
        let normSigma = pathSigma.reduce(0) { $0 + $1 * $1 }.squareRoot()
        sigma *= exp(min(1, (cs / p.dSigma) * (normSigma / p.expectedNorm - 1)))

        // (45) h_sigma and p_c
        let correction = (1 - pow(1 - cs, 2 * Double(generation))).squareRoot()
        let hSigma: Double = normSigma / correction < (1.4 + 2 / Double(n + 1)) * p.expectedNorm ? 1 : 0
        let cc = p.cC
        let cFactor = (cc * (2 - cc) * p.effectiveParents).squareRoot()
        for i in 0..<n { pathC[i] = (1 - cc) * pathC[i] + hSigma * cFactor * yw[i] }

        // (46) weights of the rank-mu update: negative ones rescaled by n / ||C^(-1/2) y||^2
        var activeWeights = p.weights
        for rank in p.parents..<lambda {
            var squared = 0.0
            for i in 0..<n { squared += whitened[rank * n + i] * whitened[rank * n + i] }
            activeWeights[rank] *= Double(n) / max(squared, 1e-300)
        }
        // (47) C <- (1 + c1 delta(h) - c1 - c_mu sum w) C + c1 p_c p_c^T + c_mu sum w°_k y_k y_k^T
        let delta = (1 - hSigma) * cc * (2 - cc)
        let decay = 1 + p.c1 * delta - p.c1 - p.cMu * p.weights.reduce(0, +)
        if parameters.separable {
            for i in 0..<n {
                var rankMu = 0.0
                for rank in 0..<lambda { rankMu += activeWeights[rank] * y[rank * n + i] * y[rank * n + i] }
                covariance[i] = max(decay * covariance[i] + p.c1 * pathC[i] * pathC[i] + p.cMu * rankMu, 1e-300)
            }
        } else {
            updateFullCovariance(decay: decay, y: y, weights: activeWeights)
        }

        if let floors = minimumStandardDeviations {
            for i in 0..<n where floors[i] > 0 { sigma = max(sigma, floors[i] / variance(at: i).squareRoot()) }
        }
        recordHistory(sortedFitness: order.map { fitness[$0] })
        // A failed eigendecomposition ends the run with its own reason: the axis lengths it would have refreshed
        // are stale, so the other termination tests (which read them) must not run, nor overwrite the reason.
        if let failure = updateEigen() {
            termination = failure
            return
        }
        termination = checkTermination()
    }

    /// D^-1 B^T y for each row of y (count rows of n): the coordinates of y in C's eigenbasis, whitened.
    private func inverseSquareRoot(_ y: [Double], count: Int) -> [Double] {
        let n = dimension
        if parameters.separable {
            var out = y
            for k in 0..<count { for i in 0..<n { out[k * n + i] /= axisLengths[i] } }
            return out
        }
        var out = [Double](repeating: 0, count: count * n)
        // U = Y E^T: u_k,i = e_i . y_k
        y.withUnsafeBufferPointer { yp in
            eigenvectors.withUnsafeBufferPointer { e in
                out.withUnsafeMutableBufferPointer { o in
                    DoubleLinearAlgebra.gemm(
                        m: count, n: n, k: n, a: yp.baseAddress!, lda: n, b: e.baseAddress!, ldb: n, transposeB: true,
                        c: o.baseAddress!, ldc: n)
                }
            }
        }
        for k in 0..<count { for i in 0..<n { out[k * n + i] /= axisLengths[i] } }
        return out
    }

    /// (47) as one symmetric update of the upper triangle (the only one kept; `variance(at:)` and the
    /// eigendecomposition read it): C <- decay C + c_mu [Y; p_c]^T diag(w°, c1 / c_mu) [Y; p_c], written as
    /// A^T B + B^T A with A = [Y; p_c] and B = diag(w°, c1 / c_mu) A / 2.
    private mutating func updateFullCovariance(decay: Double, y: [Double], weights: [Double]) {
        let n = dimension
        let lambda = weights.count
        let p = parameters
        let rows = y + pathC
        var weighted = rows
        for rank in 0..<lambda { for i in 0..<n { weighted[rank * n + i] *= weights[rank] / 2 } }
        for i in 0..<n { weighted[lambda * n + i] *= p.c1 / p.cMu / 2 }
        rows.withUnsafeBufferPointer { a in
            weighted.withUnsafeBufferPointer { b in
                covariance.withUnsafeMutableBufferPointer { c in
                    DoubleLinearAlgebra.symmetricRank2kUpperUpdate(
                        n: n, k: lambda + 1, alpha: p.cMu, a: a.baseAddress!, b: b.baseAddress!, beta: decay,
                        c: c.baseAddress!)
                }
            }
        }
    }

    /// Lazy eigendecomposition (pycma's rule): B and D are refreshed only when more than
    /// lambda / ((c1 + c_mu) n 10) generations have passed since the last one; sampling and whitening use the
    /// cached ones in between, consistently. Returns the termination when C cannot be decomposed (a non-finite
    /// entry, or LAPACK's failure to converge), leaving the cached basis as it was.
    private mutating func updateEigen() -> Termination? {
        let n = dimension
        let p = parameters
        guard covariance.allSatisfy(\.isFinite) else {
            return Termination(
                reason: .eigendecompositionFailed, detail: "the covariance matrix has a non-finite entry")
        }
        if p.separable {
            for i in 0..<n { axisLengths[i] = covariance[i].squareRoot() }
            eigenGeneration = generation
            return nil
        }
        let gap = Double(p.populationSize) / ((p.c1 + p.cMu) * Double(n) * 10)
        guard Double(generation - eigenGeneration) >= gap else { return nil }
        eigenGeneration = generation
        let values: [Double]
        let vectors: [Double]
        do {
            (values, vectors) = try DoubleLinearAlgebra.symmetricEigen(covariance, n: n)
        } catch {
            return Termination(
                reason: .eigendecompositionFailed, detail: "the covariance matrix could not be decomposed (\(error))")
        }
        eigenvectors = vectors
        samplingBasis = []
        axisLengths = values.map { max($0, 1e-300).squareRoot() }
        return nil
    }

    private mutating func recordHistory(sortedFitness: [Double]) {
        let n = Double(dimension)
        let lambda = Double(parameters.populationSize)
        bestHistory.append(sortedFitness[0])
        medianHistory.append(sortedFitness[sortedFitness.count / 2])
        let keep = Int(120 + 30 * n / lambda) + 20
        if bestHistory.count > keep {
            bestHistory.removeFirst(bestHistory.count - keep)
            medianHistory.removeFirst(medianHistory.count - keep)
        }
        lastSortedFitness = sortedFitness
    }

    /// Fitness of the last generation, best first (for tolfun).
    public private(set) var lastSortedFitness: [Double] = []
}
