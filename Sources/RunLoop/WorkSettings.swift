import Foundation

/// How a process takes part in the evaluations of a run.
public struct WorkSettings: Sendable, Equatable {
    /// Whether the coordinator evaluates candidates itself (`--no-evaluate` leaves them all to workers).
    public var evaluate: Bool
    /// Seconds a claim stays this process's without a heartbeat; a heartbeat renews it every quarter of that. A
    /// worker that dies gives its candidate up this long after its last heartbeat.
    public var lease: Double
    /// Seconds between two looks at the queue when there is nothing to evaluate.
    public var pollInterval: Double

    public init(evaluate: Bool = true, lease: Double = 60, pollInterval: Double = 0.05) {
        self.evaluate = evaluate
        self.lease = lease
        self.pollInterval = pollInterval
    }
}

/// This process as a worker row names it.
public struct WorkerIdentity: Sendable, CustomStringConvertible {
    public var host: String
    public var processID: Int32

    public static var current: WorkerIdentity {
        WorkerIdentity(host: ProcessInfo.processInfo.hostName, processID: ProcessInfo.processInfo.processIdentifier)
    }

    public var description: String { "\(host) pid \(processID)" }
}
