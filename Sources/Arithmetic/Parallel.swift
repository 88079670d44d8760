import Dispatch
import Foundation
import Synchronization

/// Work sharing over the machine's cores. Every parallel kernel of ctxevo goes through here, so that the
/// thread count is decided in one place (OpenBLAS itself is kept single-threaded: see `BLAS.configure`).
public enum Parallel {
    /// Number of workers: `CTXEVO_THREADS` when set, else the active processor count.
    public static let workerCount: Int = {
        if let text = ProcessInfo.processInfo.environment["CTXEVO_THREADS"], let n = Int(text), n > 0 {
            return n
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Calls `body(worker, item)` once for every item in `0..<items`, handing items out dynamically so that
    /// uneven items (causal attention blocks) balance across workers. `worker` indexes per-worker scratch.
    public static func forEach(items: Int, _ body: (_ worker: Int, _ item: Int) -> Void) {
        if items <= 0 { return }
        let workers = min(workerCount, items)
        if workers == 1 {
            for item in 0..<items { body(0, item) }
            return
        }
        let next = Atomic<Int>(0)
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                while true {
                    let item = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    if item >= items { break }
                    shared.value(worker, item)
                }
            }
        }
    }

    /// Splits `0..<count` into one contiguous range per worker (aligned to `granule`) and runs them at once.
    public static func forRanges(
        count: Int, granule: Int = 1, _ body: (_ worker: Int, _ range: Range<Int>) -> Void
    ) {
        if count <= 0 { return }
        let units = (count + granule - 1) / granule
        let workers = min(workerCount, units)
        if workers == 1 {
            body(0, 0..<count)
            return
        }
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let lower = min(count, (units * worker / workers) * granule)
                let upper = min(count, (units * (worker + 1) / workers) * granule)
                if lower < upper { shared.value(worker, lower..<upper) }
            }
        }
    }
}

/// Hands a value to concurrent workers when its safety comes from how they use it (disjoint writes), which
/// the type system cannot see. Used only inside `Parallel`.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
