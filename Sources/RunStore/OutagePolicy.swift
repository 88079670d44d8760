import Foundation

/// How a process rides out a database it cannot reach: every statement has a deadline, a lost connection is made
/// again with capped exponential backoff and jitter, and after `maxOutage` seconds without a database the process
/// gives up with `RunStoreError.outage` (or `.busy` for a SQLite file locked that long), so that a supervisor can
/// restart it. Nothing finished is lost either way: results are only ever recorded in committed transactions.
public struct OutagePolicy: Sendable, Equatable {
    /// The longest a process waits for its database, from the first failure, before it gives up.
    public var maxOutage: Double
    /// The longest one statement (or one connection attempt) may take before the connection counts as lost.
    public var statementDeadline: Double
    /// The first wait before connecting again; it doubles at each failure up to `longestRetry`, each wait drawn
    /// between half and all of it.
    public var firstRetry: Double
    public var longestRetry: Double

    public init(
        maxOutage: Double = 300, statementDeadline: Double = 10, firstRetry: Double = 0.25, longestRetry: Double = 4
    ) {
        self.maxOutage = maxOutage
        self.statementDeadline = statementDeadline
        self.firstRetry = firstRetry
        self.longestRetry = longestRetry
    }

    public static let standard = OutagePolicy()

    /// The wait before attempt `attempt + 1` (0-based), with jitter, never past the outage's end.
    func delay(attempt: Int, waited: Double) -> Double {
        let ceiling = min(longestRetry, firstRetry * pow(2, Double(min(attempt, 30))))
        return max(0, min(ceiling * Double.random(in: 0.5...1), maxOutage - waited))
    }
}
