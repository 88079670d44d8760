/// How a budget is shared among layers, as a user names it: `uniform`, `pyramid`, or the path of an evolved
/// allocation file (`runs export RUN --format allocation`). Parsed once, here, for the command line and the
/// experiment files alike.
public enum AllocationChoice: Sendable, Equatable, CustomStringConvertible {
    case uniform
    case pyramid
    case file(String)

    public init(_ text: String) {
        switch text {
        case "uniform": self = .uniform
        case "pyramid": self = .pyramid
        default: self = .file(text)
        }
    }

    /// The shares; a file is read and refused when damaged, newer, or made for another model than `modelSHA256`.
    public func allocation(modelSHA256: String?) throws -> CacheBudget.Allocation {
        switch self {
        case .uniform: .uniform
        case .pyramid: .pyramid
        case .file(let path): try AllocationFile.read(path: path, modelSHA256: modelSHA256).allocation
        }
    }

    /// The evolved file, if any.
    public var path: String? {
        if case .file(let path) = self { return path }
        return nil
    }

    public var description: String {
        switch self {
        case .uniform: "uniform allocation"
        case .pyramid: "pyramid allocation"
        case .file(let path): "per-layer allocation of \(path)"
        }
    }
}
