import ArgumentParser
import RoPEScaling
import Transformer

/// --rope / --factor / --factors: the rotary table a command evaluates with.
struct RopeOptions: ParsableArguments {
    enum Method: String, ExpressibleByArgument, CaseIterable {
        case none, linear, ntk, dynamicNTK = "dynamic-ntk", yarn
    }

    @Option(help: "Rescaling method: none, linear, ntk, dynamic-ntk or yarn.") var rope: Method?
    @Option(help: "Scale s = target length / trained length for --rope.") var factor: Double?
    @Option(help: "A LongRoPE factors file: one lambda per rotary pair per line.") var factors: String?
    @Option(help: "With --factors: leading positions that keep the original rotation.") var nHat: Int = 0
    @Option(help: "With --factors: attention temperature (default LongRoPE's sqrt(1 + ln s / ln L0)).") var mscale: Double?
    @Option(help: "YaRN: rotations that mark the end of extrapolated pairs.") var betaFast: Double = 32
    @Option(help: "YaRN: rotations that mark the start of fully interpolated pairs.") var betaSlow: Double = 1

    func validate() throws {
        if factors != nil && rope != nil { throw ValidationError("give either --rope or --factors, not both") }
        if let rope, rope != .none, factor == nil { throw ValidationError("--rope \(rope.rawValue) needs --factor S") }
        if let factor, !(factor > 0) { throw ValidationError("--factor must be a positive number") }
        if nHat < 0 { throw ValidationError("--n-hat must not be negative") }
    }

    /// The table for `model` at evaluation length `context`; nil means the model's own rotation.
    func table(for model: LlamaModel, context: Int) throws -> RotaryTable? {
        let c = model.configuration
        let method: RescalingMethod
        if let factors {
            let values = try FactorsFile.read(path: factors)
            let s = factor ?? max(1, Double(context) / Double(c.trainedContext))
            method = .longRoPE(factors: values, nHat: nHat, factor: s, mscale: mscale)
        } else {
            switch rope ?? .none {
            case .none: return nil
            case .linear: method = .linear(factor: factor!)
            case .ntk: method = .ntk(factor: factor!)
            case .dynamicNTK: method = .dynamicNTK(factor: factor!, length: context)
            case .yarn: method = .yarn(factor: factor!, betaFast: betaFast, betaSlow: betaSlow)
            }
        }
        return try method.table(rotaryDimensions: c.rotaryDimensions, base: c.ropeBase, trainedContext: c.trainedContext)
    }

    var summary: String {
        if let factors { return "factors \(factors)" }
        guard let rope, rope != .none else { return "none" }
        return "\(rope.rawValue) x\(factor ?? 1)"
    }
}
