/// The classic rescaling methods by name, at a scale chosen from the evaluation length: s = length / trained
/// length (at least 1). The command line and the LongRoPE evaluation name them; the search seeds from them.
public enum BaselineMethod: String, Sendable, Codable, CaseIterable {
    case none
    case linear
    case ntk
    case dynamicNTK = "dynamic-ntk"
    case yarn

    /// The method at `factor` (default: the scale that stretches `trainedContext` to `length`).
    public func method(length: Int, trainedContext: Int, factor: Double? = nil) -> RescalingMethod {
        let s = factor ?? BaselineMethod.defaultScale(length: length, trainedContext: trainedContext)
        switch self {
        case .none: return .none
        case .linear: return .linear(factor: s)
        case .ntk: return .ntk(factor: s)
        case .dynamicNTK: return .dynamicNTK(factor: s, length: length)
        case .yarn: return .yarn(factor: s)
        }
    }

    /// s = length / trained length, and 1 when the length fits the trained context.
    public static func defaultScale(length: Int, trainedContext: Int) -> Double {
        max(1, Double(length) / Double(trainedContext))
    }

    /// The name people use in tables ("PI" for linear interpolation).
    public var displayName: String {
        switch self {
        case .none: "none"
        case .linear: "PI"
        case .ntk: "NTK"
        case .dynamicNTK: "dynamic NTK"
        case .yarn: "YaRN"
        }
    }
}
