import Arithmetic
import Foundation

/// What a pause genome stands for: the pause embedding and the number of pauses M.
///
/// The embedding is `origin + scale × z` (genome `full`: z is the genome, one gene per coordinate) or
/// `origin + scale × A z` (genome `subspace`, Black-Box Tuning, Sun et al. 2022: z has d genes and A is a fixed
/// width × d matrix of N(0, 1/d) numbers drawn from the run's seed, so each coordinate of A z has unit variance).
/// `scale` is the root mean square of the model's embedding table, so a unit step moves the pause by about one
/// typical embedding coordinate in either genome. When M is a gene it comes last: M = lowest + round(g × (highest
/// − lowest)), g clamped to [0, 1] (the search starts at g = 0.5).
public struct PauseGenome: Sendable {
    public let width: Int
    public let origin: [Float]
    public let scale: Float
    /// Row-major (width, subspace dimension); nil for the full genome.
    public let projection: [Float]?
    public let pauses: PauseSettings.Pauses

    public init(width: Int, origin: [Float], scale: Float, projection: [Float]?, pauses: PauseSettings.Pauses) {
        precondition(origin.count == width && (projection?.count ?? 0) % width == 0)
        self.width = width
        self.origin = origin
        self.scale = scale
        self.projection = projection
        self.pauses = pauses
    }

    /// Genes of the embedding (width, or the subspace dimension).
    public var embeddingGenes: Int { projection.map { $0.count / width } ?? width }

    public var dimension: Int {
        if case .gene = pauses { return embeddingGenes + 1 }
        return embeddingGenes
    }

    /// The genome the search starts at: the origin, and M in the middle of its range.
    public var startMean: [Double] {
        var mean = [Double](repeating: 0, count: embeddingGenes)
        if case .gene = pauses { mean.append(0.5) }
        return mean
    }

    /// The seeded projection of a subspace genome: width × d numbers, N(0, 1/d).
    public static func projection(width: Int, dimension d: Int, seed: UInt64) -> [Float] {
        var random = RandomGenerator(seed: seed ^ 0x5041_5553_4550_524f)  // "PAUSEPRO"
        let deviation = 1 / Double(d).squareRoot()
        return (0..<(width * d)).map { _ in Float(random.normal() * deviation) }
    }

    public func embedding(_ genome: [Double]) -> [Float] {
        precondition(genome.count == dimension, "a pause genome has \(dimension) genes, not \(genome.count)")
        let genes = genome.prefix(embeddingGenes)
        guard let projection else {
            return zip(origin, genes).map { $0 + scale * Float($1) }
        }
        let d = embeddingGenes
        return (0..<width).map { row in
            var sum = 0.0
            for (j, z) in genes.enumerated() { sum += Double(projection[row * d + j]) * z }
            return origin[row] + scale * Float(sum)
        }
    }

    public func pauseCount(_ genome: [Double]) -> Int {
        switch pauses {
        case .fixed(let m): return m
        case .gene(let range):
            let g = min(max(genome[embeddingGenes], 0), 1)
            return range.lowerBound + Int((g * Double(range.upperBound - range.lowerBound)).rounded())
        }
    }
}
