import Dispatch
import Synchronization

/// Wall time spent in each stage of the forward pass and scoring, accumulated over calls; what
/// `ctxevo bench perplexity` prints as the share of time per stage. A session or model given no clock measures
/// nothing.
public final class StageClock: Sendable {
    public enum Stage: String, CaseIterable, Sendable {
        case embedding = "embedding and rotary angles"
        case normalization = "RMSNorm"
        case rounding = "activation rounding"
        case projections = "attention projections (q, k, v, o)"
        case rotation = "RoPE"
        case cache = "KV cache append"
        case attention = "attention"
        case feedForward = "feed-forward projections"
        case activation = "SwiGLU"
        case outputLayer = "output layer"
        case logSumExp = "log-sum-exp and top-1"
    }

    private let totals = Mutex<[Stage: Double]>([:])

    public init() {}

    /// Seconds per stage so far.
    public var seconds: [Stage: Double] { totals.withLock { $0 } }

    public func add(_ stage: Stage, seconds: Double) { totals.withLock { $0[stage, default: 0] += seconds } }

    /// Runs `body` and adds its wall time to `stage`.
    @inline(__always)
    public func measure<T>(_ stage: Stage, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { add(stage, seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        return try body()
    }
}

extension Optional where Wrapped == StageClock {
    /// `body`, timed when there is a clock.
    @inline(__always)
    func measure<T>(_ stage: StageClock.Stage, _ body: () throws -> T) rethrows -> T {
        switch self {
        case .some(let clock): try clock.measure(stage, body)
        case .none: try body()
        }
    }
}
