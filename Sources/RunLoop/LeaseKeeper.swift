import Foundation
import RunStore
import Synchronization

/// The heartbeat of a worker: a thread that renews the worker's claims every quarter of the lease while the
/// evaluation runs (a LongRoPE candidate takes minutes; the lease is a minute). A process that stops (killed,
/// suspended, cut off) stops beating, and its claims fall free when their lease runs out. A failed heartbeat is
/// not an error here: the next write of the worker reports a lost store.
public final class LeaseKeeper: Sendable {
    public let worker: Int64
    private let flag = StopFlag()
    /// Signalled once by the thread as it ends.
    private let ended = DispatchSemaphore(value: 0)

    final class StopFlag: Sendable {
        let raised = Atomic<Bool>(false)
        var isRaised: Bool { raised.load(ordering: .relaxed) }
    }

    /// The store, held by the thread until it ends: a closure's captures live as long as the `Thread` object,
    /// which the thread itself releases some time after it ends, so a store captured directly could be closed
    /// (and its write-ahead log checkpointed) after the run that opened it has returned.
    final class Lend: Sendable {
        let store: Mutex<(any RunStore)?>
        init(_ store: any RunStore) { self.store = Mutex(store) }
        func current() -> (any RunStore)? { store.withLock { $0 } }
        func giveBack() { store.withLock { $0 = nil } }
    }

    public init(store: RunStore, worker: Int64, lease: Double) {
        self.worker = worker
        let interval = max(0.02, lease / 4)
        let lend = Lend(store)
        let thread = Thread { [flag, ended, lend] in
            var next = Date().addingTimeInterval(interval)
            while !flag.isRaised {
                // Short naps, so that a stopped keeper ends (and lets go of the store) at once.
                Thread.sleep(forTimeInterval: min(0.05, interval))
                if Date() < next || flag.isRaised { continue }
                try? lend.current()?.heartbeat(worker: worker, lease: lease)
                next = Date().addingTimeInterval(interval)
            }
            lend.giveBack()
            ended.signal()
        }
        thread.name = "ctxevo heartbeat"
        thread.start()
    }

    /// Stops the heartbeat and waits for a write in progress to end, so that nothing is written after it returns (a
    /// run that has returned leaves its database alone); at most 5 s, since a store in an outage can hold a write
    /// for minutes and the caller has its own errors to report.
    public func stop() {
        if !flag.raised.exchange(true, ordering: .relaxed) { _ = ended.wait(timeout: .now() + 5) }
    }

    deinit { stop() }
}
