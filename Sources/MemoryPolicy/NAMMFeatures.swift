import Foundation

/// The 25 features NAMM scores a cached token by (Cetin et al. 2024, arXiv:2410.13166 §3; docs/namm.md): an age
/// embedding (8) and the
/// token's attention spectrogram, normalised with statistics frozen before the search (17).
public enum NAMMFeatures {
    public static let count = 25

    /// [sin(age w_k) for k = 0..3] + [cos(age w_k) for k = 0..3], w_k = 50000^(-k/4).
    public static func ageEmbedding(_ age: Int) -> [Float] {
        frequencies.map { Float(sin(Double(age) * $0)) } + frequencies.map { Float(cos(Double(age) * $0)) }
    }

    static let frequencies = (0..<4).map { pow(50_000, -Double($0) / 4) }

    /// (count, 25) features of one (layer, KV head): age = position of the newest cached token - position of the
    /// token; z = (spectrum - mean) / max(std, 1e-7).
    public static func features(
        positions: [Int32], spectrogram: ArraySlice<Float>, normalization: SpectrogramNormalization
    ) -> [Float] {
        let bins = AttentionSpectrogram.bins
        let newest = Int(positions.last ?? 0)
        let mean = normalization.mean.map(Float.init)
        let scale = normalization.standardDeviation.map { Float(1 / max($0, 1e-7)) }
        var x = [Float]()
        x.reserveCapacity(positions.count * count)
        let base = spectrogram.startIndex
        for (i, position) in positions.enumerated() {
            x += ageEmbedding(newest - Int(position))
            for f in 0..<bins { x.append((spectrogram[base + i * bins + f] - mean[f]) * scale[f]) }
        }
        return x
    }
}

/// The mean and standard deviation of each of the 17 spectrogram bins, pooled over every layer, KV head and cached
/// token at every firing of a pass with no eviction; frozen and stored with the network, with the decay per query
/// of the spectrogram's moving average they describe (`gamma`: the spec's 0.99 unless an experiment sets
/// `ema_decay`; a file without it has the spec's).
public struct SpectrogramNormalization: Codable, Sendable, Equatable {
    public var mean: [Double]
    public var standardDeviation: [Double]
    public var gamma: Double

    public init(mean: [Double], standardDeviation: [Double], gamma: Double = AttentionSpectrogram.gamma) {
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.gamma = gamma
    }

    /// No normalisation (mean 0, deviation 1) of the spec's spectrogram.
    public static let identity = SpectrogramNormalization(
        mean: Array(repeating: 0, count: AttentionSpectrogram.bins),
        standardDeviation: Array(repeating: 1, count: AttentionSpectrogram.bins))

    enum CodingKeys: String, CodingKey {
        case mean
        case standardDeviation = "standard_deviation"
        case gamma
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mean = try c.decode([Double].self, forKey: .mean)
        standardDeviation = try c.decode([Double].self, forKey: .standardDeviation)
        gamma = try c.decodeIfPresent(Double.self, forKey: .gamma) ?? AttentionSpectrogram.gamma
    }
}

/// Sums of the spectrogram bins and of their squares (double), for `SpectrogramNormalization`.
public struct NormalizationAccumulator: Sendable {
    var sums = [Double](repeating: 0, count: AttentionSpectrogram.bins)
    var squares = [Double](repeating: 0, count: AttentionSpectrogram.bins)
    public private(set) var samples = 0
    /// The decay of the spectrogram being measured.
    public let gamma: Double

    public init(gamma: Double = AttentionSpectrogram.gamma) { self.gamma = gamma }

    public mutating func add(_ spectrogram: ArraySlice<Float>) {
        let bins = AttentionSpectrogram.bins
        var i = spectrogram.startIndex
        while i < spectrogram.endIndex {
            for f in 0..<bins {
                let v = Double(spectrogram[i + f])
                sums[f] += v
                squares[f] += v * v
            }
            samples += 1
            i += bins
        }
    }

    public var normalization: SpectrogramNormalization {
        let n = Double(max(1, samples))
        let mean = sums.map { $0 / n }
        let deviation = zip(squares, mean).map { (max(0, $0 / n - $1 * $1)).squareRoot() }
        return SpectrogramNormalization(mean: mean, standardDeviation: deviation, gamma: gamma)
    }
}
