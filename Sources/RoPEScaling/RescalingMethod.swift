import Foundation
import Transformer

/// The classic ways of stretching a rotary embedding to a longer context, each reduced to a `RotaryTable`
/// (PI, arXiv:2306.15595; YaRN, arXiv:2309.00071; docs/longrope.md). s = target length / trained length.
public enum RescalingMethod: Sendable, Equatable {
    /// The original rotation.
    case none
    /// Position interpolation (Chen et al. 2023): every pair slowed by s.
    case linear(factor: Double)
    /// NTK-aware base change (bloc97 2023): b' = b s^(d/(d-2)).
    case ntk(factor: Double)
    /// Dynamic NTK (Hugging Face): the NTK base for the actual length L, b' = b ((s L / L0) - (s - 1))^(d/(d-2)).
    case dynamicNTK(factor: Double, length: Int)
    /// YaRN (Peng et al. 2023): NTK-by-parts interpolation with a linear ramp between the pairs whose wavelength
    /// fits `betaFast` and `betaSlow` rotations in L0, and temperature 0.1 ln s + 1.
    case yarn(factor: Double, betaFast: Double = 32, betaSlow: Double = 1)
    /// Searched LongRoPE factors (one per pair), with n-hat and LongRoPE's "su" temperature
    /// sqrt(1 + ln s / ln L0) unless an mscale is given.
    case longRoPE(factors: [Double], nHat: Int, factor: Double, mscale: Double?)

    /// The table for a model with `rotaryDimensions` rotating dimensions, base `base` and trained length
    /// `trainedContext`.
    public func table(rotaryDimensions d: Int, base: Double, trainedContext: Int) throws -> RotaryTable {
        let pairs = d / 2
        func requirePositive(_ s: Double) throws {
            guard s.isFinite, s > 0 else { throw RescalingError.badFactor(s) }
        }
        switch self {
        case .none:
            return .identity(pairs: pairs)
        case .linear(let s):
            try requirePositive(s)
            return RotaryTable(lambda: Array(repeating: s, count: pairs))
        case .ntk(let s):
            try requirePositive(s)
            return RotaryTable(
                lambda: RescalingMethod.ntkLambda(baseRatio: pow(s, Double(d) / Double(d - 2)), dimensions: d))
        case .dynamicNTK(let s, let length):
            try requirePositive(s)
            let scaled = max(1, s * Double(length) / Double(trainedContext) - (s - 1))
            return RotaryTable(
                lambda: RescalingMethod.ntkLambda(baseRatio: pow(scaled, Double(d) / Double(d - 2)), dimensions: d))
        case .yarn(let s, let betaFast, let betaSlow):
            try requirePositive(s)
            let ramp = RescalingMethod.yarnRamp(
                dimensions: d, base: base, trainedContext: trainedContext, betaFast: betaFast, betaSlow: betaSlow)
            let lambda = ramp.map { r in 1 / (r / s + (1 - r)) }
            return RotaryTable(lambda: lambda, nHat: 0, mscale: s > 1 ? 0.1 * log(s) + 1 : 1)
        case .longRoPE(let factors, let nHat, let s, let mscale):
            guard factors.count == pairs else { throw RescalingError.wrongFactorCount(factors.count, pairs: pairs) }
            let temperature = mscale ?? (s > 1 ? (1 + log(s) / log(Double(trainedContext))).squareRoot() : 1)
            return RotaryTable(lambda: factors, nHat: nHat, mscale: temperature)
        }
    }

    /// lambda_i = (b'/b)^(2i/d): the NTK base change written as per-pair factors.
    static func ntkLambda(baseRatio: Double, dimensions d: Int) -> [Double] {
        (0..<(d / 2)).map { i in pow(baseRatio, 2 * Double(i) / Double(d)) }
    }

    /// YaRN's ramp per pair: 0 for pairs that keep the original rotation (short wavelengths), 1 for pairs fully
    /// interpolated. corr(r) = d ln(L0 / (2 pi r)) / (2 ln b); low = max(floor(corr(beta_fast)), 0);
    /// high = min(ceil(corr(beta_slow)), d - 1); ramp_i = clamp((i - low) / (high - low), 0, 1).
    public static func yarnRamp(
        dimensions d: Int, base: Double, trainedContext: Int, betaFast: Double = 32, betaSlow: Double = 1
    ) -> [Double] {
        func correction(_ rotations: Double) -> Double {
            Double(d) * log(Double(trainedContext) / (2 * Double.pi * rotations)) / (2 * log(base))
        }
        let low = max(floor(correction(betaFast)), 0)
        var high = min(ceil(correction(betaSlow)), Double(d - 1))
        if low == high { high += 0.001 }
        return (0..<(d / 2)).map { i in min(max((Double(i) - low) / (high - low), 0), 1) }
    }

    /// The initial LongRoPE vector of the reference search: lambda_i = 1 + (s - 1) ramp_i.
    public static func longRoPEInitialFromYaRN(
        factor s: Double, dimensions d: Int, base: Double, trainedContext: Int
    ) -> [Double] {
        yarnRamp(dimensions: d, base: base, trainedContext: trainedContext).map { 1 + (s - 1) * $0 }
    }
}

public enum RescalingError: Error, CustomStringConvertible {
    case badFactor(Double)
    case wrongFactorCount(Int, pairs: Int)
    case unreadableFactors(path: String, line: Int, text: String)

    public var description: String {
        switch self {
        case .badFactor(let s): "rescaling factor \(s) must be a positive number"
        case .wrongFactorCount(let n, let pairs): "\(n) rescale factors given; the model has \(pairs) rotary pairs"
        case .unreadableFactors(let path, let line, let text):
            "\(path):\(line): '\(text)' is not a positive finite number (a factors file has one float per line)"
        }
    }
}
