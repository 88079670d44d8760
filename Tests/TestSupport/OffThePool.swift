import Foundation

/// Runs blocking work (a socket read, a browser's DevTools pipe, a run's evaluations) on a thread of its own, so an
/// async test does not hold one of the few threads of Swift's cooperative pool that an in-process server needs to
/// answer it (on 2 cores the pool has 2).
public func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.start()
    }
}
