import Arithmetic
import Foundation

/// NAMM's attention spectrogram (Cetin et al. 2024, arXiv:2410.13166 §3; docs/namm.md), for the tokens of one (layer,
/// KV head) at one firing.
///
/// The signal of cached token i over the window's Q queries is x_i[q], the attention query q pays it (averaged over
/// the query heads of the KV head). Prepended with the last 16 values of the previous window (zeros for a token that
/// is new, and at the first firing), it is cut into Q/16 frames of 32 values (hop 16), each multiplied by a periodic
/// Hann window, w[n] = (1 - cos(2 pi n / 32)) / 2, and transformed; the 17 one-sided magnitudes
/// |sum_n w[n] x[n] e^(-2 pi i f n / 32)| of each frame are folded into an exponential moving average over time
/// (gamma per query, the spec's 0.99 unless the network says otherwise): frame t of T weighs (1 - g^16) (g^16)^(T - 1 - t), the old value decays by g^Q, and a
/// token that arrived at row r of the window counts only frames t >= r / 16.
///
/// All the frames of all tokens are one sgemm: the frames, copied out of the padded signals (count × Q/16 rows of
/// 32 values), times the 32 × 34 matrix of the windowed cosines and sines give the real and imaginary parts.
public enum AttentionSpectrogram {
    public static let window = 32
    public static let hop = 16
    public static let bins = 17
    /// The spec's decay of the moving average per query (the published setting).
    public static let gamma = 0.99

    /// (32, 34): columns 0..<17 are w[n] cos(2 pi f n / 32), 17..<34 are -w[n] sin(2 pi f n / 32).
    static let basis: [Float] = {
        var b = [Float](repeating: 0, count: window * 2 * bins)
        for n in 0..<window {
            let w = 0.5 * (1 - cos(2 * Double.pi * Double(n) / Double(window)))
            for f in 0..<bins {
                let angle = 2 * Double.pi * Double(f * n) / Double(window)
                b[n * 2 * bins + f] = Float(w * cos(angle))
                b[n * 2 * bins + bins + f] = Float(-w * sin(angle))
            }
        }
        return b
    }()

    /// Updates the state of `count` tokens for one window of `queries` rows (a multiple of 16).
    /// - signals: (count, queries + 16): token i's row holds its previous 16 values (its `tail`, zeros for new
    ///   tokens) followed by this window's x_i[0..<queries].
    /// - ema: (count, 17), updated in place; `firstRow[i]` is the row of the window at which token i arrived
    ///   (0 for tokens cached before the window, which also decay).
    /// - tail: (count, 16), set to the last 16 values of this window, for the next.
    /// - gamma: the moving average's decay per query, in (0, 1).
    public static func update(
        signals: UnsafeMutablePointer<Float>, count: Int, queries: Int, firstRow: [Int],
        ema: UnsafeMutablePointer<Float>, tail: UnsafeMutablePointer<Float>, gamma: Double, scratch: inout [Float]
    ) {
        // The eviction driver pads every window to a multiple of the hop, so no setting reaches this; a real check
        // all the same, since this module is built without preconditions.
        guard queries % hop == 0 && queries > 0 else {
            fatalError("the spectrogram window must be a positive multiple of \(hop) queries, not \(queries)")
        }
        let frames = queries / hop
        let rowsPerToken = frames
        let stride = queries + hop
        // BLAS wants rows that do not overlap: the frames (count * frames, 32) are copied out first.
        let frameValues = count * frames * window
        let needed = frameValues + count * frames * 2 * bins
        if scratch.count < needed { scratch = [Float](repeating: 0, count: needed) }
        scratch.withUnsafeMutableBufferPointer { buffer in
            let framed = buffer.baseAddress!
            let spectra = UnsafeMutableBufferPointer(start: framed + frameValues, count: count * frames * 2 * bins)
            for i in 0..<count {
                for t in 0..<frames {
                    (framed + (i * frames + t) * window).update(from: signals + i * stride + t * hop, count: window)
                }
            }
            basis.withUnsafeBufferPointer { b in
                BLAS.gemm(
                    m: count * frames, n: 2 * bins, k: window, a: framed, lda: window, b: b.baseAddress!,
                    ldb: 2 * bins, c: spectra.baseAddress!, ldc: 2 * bins)
            }
            let g16 = pow(gamma, Double(hop))
            let decay = Float(pow(gamma, Double(queries)))
            let weights = (0..<frames).map { t in Float((1 - g16) * pow(g16, Double(frames - 1 - t))) }
            for i in 0..<count {
                let state = ema + i * bins
                let arrived = firstRow[i] / hop
                if firstRow[i] == 0 {
                    for f in 0..<bins { state[f] *= decay }
                } else {
                    state.update(repeating: 0, count: bins)
                }
                for t in arrived..<frames {
                    let row = spectra.baseAddress! + (i * rowsPerToken + t) * 2 * bins
                    for f in 0..<bins {
                        let re = row[f]
                        let im = row[bins + f]
                        state[f] += weights[t] * (re * re + im * im).squareRoot()
                    }
                }
                (tail + i * hop).update(from: signals + i * stride + queries, count: hop)
            }
        }
    }

    /// The same for one token, straight from the definition (direct DFT, double): the reference of the tests.
    public static func reference(
        signal: [Double], previous: [Double], old: [Double]?, firstRow: Int, gamma: Double = gamma
    ) -> [Double] {
        let queries = signal.count
        let frames = queries / hop
        let padded = previous + signal
        let g16 = pow(gamma, Double(hop))
        var state = old.map { $0.map { $0 * pow(gamma, Double(queries)) } } ?? [Double](repeating: 0, count: bins)
        for t in (firstRow / hop)..<frames {
            for f in 0..<bins {
                var re = 0.0
                var im = 0.0
                for n in 0..<window {
                    let w = 0.5 * (1 - cos(2 * Double.pi * Double(n) / Double(window)))
                    let angle = 2 * Double.pi * Double(f * n) / Double(window)
                    re += w * padded[hop * t + n] * cos(angle)
                    im -= w * padded[hop * t + n] * sin(angle)
                }
                state[f] += (1 - g16) * pow(g16, Double(frames - 1 - t)) * (re * re + im * im).squareRoot()
            }
        }
        return state
    }
}
