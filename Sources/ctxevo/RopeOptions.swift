import ArgumentParser
import RoPEScaling
import Transformer

/// --rope / --factor / --factors: the rotary table a command evaluates with.
struct RopeOptions: ParsableArguments {
    @Option(help: "Rescaling method: none, linear, ntk, dynamic-ntk or yarn.") var rope: BaselineMethod?
    @Option(help: "Scale s = target length / trained length for --rope.") var factor: Double?
    @Option(help: "A LongRoPE factors file: one lambda per rotary pair per line.") var factors: String?
    @Option(help: "With --factors: leading positions that keep the original rotation (default: the file's, or 0).")
    var nHat: Int?
    @Option(help: "With --factors: attention temperature (default LongRoPE's sqrt(1 + ln s / ln L0)).") var mscale:
        Double?
    @Option(help: "YaRN: rotations that mark the end of extrapolated pairs.") var betaFast: Double = 32
    @Option(help: "YaRN: rotations that mark the start of fully interpolated pairs.") var betaSlow: Double = 1

    func validate() throws {
        if factors != nil && rope != nil { throw ValidationError("give either --rope or --factors, not both") }
        if let rope, rope != .none, factor == nil { throw ValidationError("--rope \(rope.rawValue) needs --factor S") }
        if let factor, !(factor > 0) { throw ValidationError("--factor must be a positive number") }
        if let nHat, nHat < 0 { throw ValidationError("--n-hat must not be negative") }
    }

    /// The table for `model` at evaluation length `context`; nil means the model's own rotation.
    func table(for model: LlamaModel, context: Int) throws -> RotaryTable? {
        let c = model.configuration
        let method: RescalingMethod
        if let factors {
            let file = try FactorsFile.readContents(path: factors)
            let s = factor ?? BaselineMethod.defaultScale(length: context, trainedContext: c.trainedContext)
            method = .longRoPE(
                factors: file.factors, nHat: nHat ?? file.nHat ?? 0, factor: s, mscale: mscale ?? file.mscale)
        } else {
            switch rope ?? .none {
            case .none: return nil
            case .yarn: method = .yarn(factor: factor!, betaFast: betaFast, betaSlow: betaSlow)
            case let other: method = other.method(length: context, trainedContext: c.trainedContext, factor: factor!)
            }
        }
        return try method.table(
            rotaryDimensions: c.rotaryDimensions, base: c.ropeBase, trainedContext: c.trainedContext)
    }

    var summary: String {
        if let factors { return "factors \(factors)" }
        guard let rope, rope != .none else { return "none" }
        return "\(rope.rawValue) x\(factor ?? 1)"
    }
}

extension BaselineMethod: ExpressibleByArgument {}
