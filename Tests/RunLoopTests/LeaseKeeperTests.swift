import Foundation
import RunLoop
import RunStore
import TestSupport
import Testing

/// A worker's heartbeat: it renews the worker's row while it runs, and once stopped it writes nothing more and holds
/// no reference to the store, so that a run that has returned leaves its database to be closed at once.
@Suite struct LeaseKeeperTests {
    @Test func aStoppedKeeperHasBeatenAndLetsGoOfTheStore() throws {
        let temporary = try TemporaryStore(.sqlite)
        defer { temporary.remove() }
        weak var released: AnyObject?
        let worker: Int64
        do {
            let store = try temporary.open()
            released = store
            worker = try store.registerWorker(host: "test", processID: 1, coordinator: nil)
            let registered = try temporary.sql("SELECT heartbeatAt FROM worker WHERE id = \(worker)")
            // A lease of 0.08 s beats every 0.02 s.
            let keeper = LeaseKeeper(store: store, worker: worker, lease: 0.08)
            Thread.sleep(forTimeInterval: 0.3)
            keeper.stop()
            #expect(try temporary.sql("SELECT heartbeatAt FROM worker WHERE id = \(worker)") != registered)
        }
        // The keeper's thread has given the store back before stop() returned: the last reference was ours.
        #expect(released == nil, "the heartbeat thread still holds the store after stop()")
        let stopped = try temporary.sql("SELECT heartbeatAt FROM worker WHERE id = \(worker)")
        Thread.sleep(forTimeInterval: 0.1)
        #expect(try temporary.sql("SELECT heartbeatAt FROM worker WHERE id = \(worker)") == stopped)
    }
}
