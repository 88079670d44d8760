import Arithmetic

/// Runs a run to its end in pieces, as processes killed at random moments would: each piece is told to stop
/// after a random number (1 to `atMost`) of evaluations. `piece(shouldStop)` runs one piece (a new objective each
/// time, as a new process would build) and returns the evaluations it ran and whether the run finished. Returns
/// the evaluations run in all and the number of stops.
public enum RandomStops {
    public static func run(
        seed: UInt64, atMost: Int,
        piece: (_ shouldStop: @escaping () -> Bool) throws -> (evaluated: Int, finished: Bool)
    ) rethrows -> (evaluated: Int, stops: Int) {
        var random = RandomGenerator(seed: seed)
        var evaluated = 0
        var stops = 0
        while true {
            let left = Countdown(1 + random.integer(below: atMost))
            let result = try piece { left.tick() }
            evaluated += result.evaluated
            if result.finished { return (evaluated, stops) }
            stops += 1
        }
    }

    /// True once `count` calls have passed.
    final class Countdown: @unchecked Sendable {
        var left: Int
        init(_ count: Int) { left = count }
        func tick() -> Bool {
            left -= 1
            return left < 0
        }
    }
}
