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

/// Stages that run inside parallel workers: each worker times its own stages, and `finish` shares the wall time of
/// the whole out among the stages in proportion to the workers' time in each (so the clock's stages still add up
/// to wall time). Made from a clock, or nil to measure nothing.
public final class ParallelStageTimer: @unchecked Sendable {
    private let clock: StageClock
    private let start = DispatchTime.now().uptimeNanoseconds
    private let stages: [StageClock.Stage]
    /// (worker, stage) nanoseconds; each worker writes only its own row.
    private let nanoseconds: UnsafeMutableBufferPointer<UInt64>

    public init(clock: StageClock, workers: Int, stages: [StageClock.Stage]) {
        self.clock = clock
        self.stages = stages
        nanoseconds = .allocate(capacity: workers * stages.count)
        nanoseconds.initialize(repeating: 0)
    }

    deinit { nanoseconds.deallocate() }

    @inline(__always)
    public func measure<T>(_ stage: StageClock.Stage, worker: Int, _ body: () throws -> T) rethrows -> T {
        let begin = DispatchTime.now().uptimeNanoseconds
        defer {
            let index = stages.firstIndex(of: stage) ?? 0
            nanoseconds[worker * stages.count + index] += DispatchTime.now().uptimeNanoseconds - begin
        }
        return try body()
    }

    /// Adds the wall time since the timer was made to the clock, shared among the stages.
    public func finish() {
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        var perStage = [Double](repeating: 0, count: stages.count)
        for (i, value) in nanoseconds.enumerated() { perStage[i % stages.count] += Double(value) }
        let total = perStage.reduce(0, +)
        for (stage, time) in zip(stages, perStage) {
            clock.add(stage, seconds: total > 0 ? wall * time / total : wall / Double(stages.count))
        }
    }
}

extension Optional where Wrapped == ParallelStageTimer {
    /// `body`, timed when there is a timer.
    @inline(__always)
    func measure<T>(_ stage: StageClock.Stage, worker: Int, _ body: () throws -> T) rethrows -> T {
        switch self {
        case .some(let timer): try timer.measure(stage, worker: worker, body)
        case .none: try body()
        }
    }
}
