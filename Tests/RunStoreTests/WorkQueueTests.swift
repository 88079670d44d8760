import Foundation
import RunStore
import TestSupport
import Testing

/// The work queue's guarantees, on both stores: a candidate goes to one worker at a time; a claim whose lease ran
/// out goes to another; a result is recorded once and never overwritten; one coordinator per run.
@Suite struct WorkQueueTests {
    func prepared(_ backend: Backend) throws -> (TemporaryStore, RunStore, Int64) {
        let temporary = try TemporaryStore(backend)
        let store = try temporary.open()
        let run = try store.createRun(
            RunRecord(
                name: "queue", strategy: "cma-es", configuration: "{}", modelSHA256: "-", dataSHA256: "-",
                codeVersion: "test", seed: 1))
        let id = try #require(run.id)
        try store.enqueue(
            (0..<3).map { PendingCandidate(runID: id, generation: 0, index: $0, parameters: "[\($0)]") })
        return (temporary, store, id)
    }

    func result(_ claimed: PendingCandidate, fitness: Double) -> CandidateRecord {
        CandidateRecord(
            runID: claimed.runID, generation: claimed.generation, index: claimed.index,
            parameters: claimed.parameters, fitness: fitness, metrics: "{}", status: .ok, seconds: 0)
    }

    @Test(arguments: Backend.allCases) func eachCandidateGoesToOneWorkerAndIsRecordedOnce(backend: Backend) throws {
        let (temporary, store, run) = try prepared(backend)
        defer { temporary.remove() }
        let other = try temporary.open()  // a second connection, as a second machine would have
        let a = try store.registerWorker(host: "a", processID: 1, coordinator: nil)
        let b = try other.registerWorker(host: "b", processID: 2, coordinator: nil)
        // When two workers claim in turn
        let first = try #require(try store.claim(run: run, excluding: [], worker: a, lease: 60))
        let second = try #require(try other.claim(run: run, excluding: [], worker: b, lease: 60))
        let third = try #require(try other.claim(run: nil, excluding: [], worker: b, lease: 60))
        // Then they get different candidates, in order, and the queue is then empty
        #expect([first.index, second.index, third.index] == [Int](0..<3))
        #expect(first.state == .claimed && first.workerID == a && first.attempts == 1)
        #expect(try store.claim(run: run, excluding: [], worker: a, lease: 60) == nil)
        // When a result is recorded, a second one (a late worker) is refused and changes nothing
        #expect(try store.complete(result(first, fitness: 1), worker: a))
        #expect(try !other.complete(result(first, fitness: 99), worker: b))
        #expect(try store.candidates(run: run).map(\.fitness) == [1])
        #expect(try store.candidates(run: run).first?.workerID == a)
        #expect(try store.pending(run: run, generation: 0).map(\.index) == [1, 2])
        // And the workers of the run are listed with what they did
        #expect(try store.workers(run: run).map(\.candidatesDone) == [1, 0])
        #expect(try store.workers(run: run).map(\.claims) == [0, 2])
        // And the end of the generation ends its queue
        try store.recordGeneration(
            GenerationRecord(
                runID: run, index: 0, state: Data(), bestFitness: 1, medianFitness: 1, worstFitness: 1, bestSoFar: 1,
                stepSize: 1, seconds: 0))
        #expect(try store.pending(run: run, generation: 0).isEmpty)
        // A worker that comes back after its generation was recorded writes nothing
        #expect(try !other.complete(result(second, fitness: 2), worker: b))
        #expect(try store.candidates(run: run).count == 1)
    }

    @Test(arguments: Backend.allCases) func aClaimWhoseLeaseRanOutGoesToAnotherWorker(backend: Backend) throws {
        let (temporary, store, run) = try prepared(backend)
        defer { temporary.remove() }
        let a = try store.registerWorker(host: "a", processID: 1, coordinator: nil)
        let b = try store.registerWorker(host: "b", processID: 2, coordinator: nil)
        try store.enqueue([])
        for _ in 0..<2 { _ = try store.claim(run: run, excluding: [], worker: b, lease: 60) }  // 0 and 1
        // (Margins of a second or more: a loaded machine may oversleep by hundreds of milliseconds.)
        let claimed = try #require(try store.claim(run: run, excluding: [], worker: a, lease: 2))
        #expect(claimed.index == 2)
        #expect(try store.claim(run: run, excluding: [], worker: b, lease: 60) == nil)
        // A heartbeat keeps it past its first lease
        Thread.sleep(forTimeInterval: 1.2)
        try store.heartbeat(worker: a, lease: 2)
        Thread.sleep(forTimeInterval: 1)
        #expect(try store.claim(run: run, excluding: [], worker: b, lease: 60) == nil)
        // Without one it falls free
        Thread.sleep(forTimeInterval: 1.5)
        let taken = try #require(try store.claim(run: run, excluding: [], worker: b, lease: 60))
        #expect(taken.index == 2 && taken.workerID == b && taken.attempts == 2)
        // The first worker comes back late: its result is recorded only because nobody recorded one first
        #expect(try store.complete(result(claimed, fitness: 5), worker: a))
        #expect(try !store.complete(result(taken, fitness: 5), worker: b))
        #expect(try store.candidates(run: run).map(\.workerID) == [a])
    }

    @Test(arguments: Backend.allCases) func releasedFailedAndExcludedCandidates(backend: Backend) throws {
        let (temporary, store, run) = try prepared(backend)
        defer { temporary.remove() }
        let a = try store.registerWorker(host: "a", processID: 1, coordinator: nil)
        #expect(try store.claim(run: nil, excluding: [run], worker: a, lease: 60) == nil)
        let claimed = try #require(try store.claim(run: nil, excluding: [], worker: a, lease: 60))
        try store.release(claimed, worker: a)
        let again = try #require(try store.claim(run: run, excluding: [], worker: a, lease: 60))
        #expect(again.index == claimed.index && again.attempts == 2)
        try store.fail(again, worker: a, reason: "the model file is missing")
        let failed = try store.pending(run: run, generation: 0).first { $0.index == again.index }
        #expect(failed?.state == .failed && failed?.error == "the model file is missing")
        // A failed candidate is not claimed again until a coordinator enqueues it anew
        #expect(try store.claim(run: run, excluding: [], worker: a, lease: 60)?.index == 1)
        #expect(try store.claim(run: run, excluding: [], worker: a, lease: 60)?.index == 2)
        #expect(try store.claim(run: run, excluding: [], worker: a, lease: 60) == nil)
        try store.enqueue([PendingCandidate(runID: run, generation: 0, index: 0, parameters: "[0]")])
        #expect(try store.claim(run: run, excluding: [], worker: a, lease: 60)?.index == 0)
        // A finished run's candidates are not claimed
        try store.enqueue([PendingCandidate(runID: run, generation: 1, index: 0, parameters: "[7]")])
        try store.setStatus(run: run, .finished)
        #expect(try store.claim(run: nil, excluding: [], worker: a, lease: 60) == nil)
    }

    @Test(arguments: Backend.allCases) func oneCoordinatorPerRun(backend: Backend) throws {
        let (temporary, store, run) = try prepared(backend)
        defer { temporary.remove() }
        let other = try temporary.open()
        // A coordinator evaluating in process holds a claim
        let lock = try store.lockCoordinator(run: run, holder: "first")
        let inProcess = try store.registerWorker(host: "a", processID: 1, coordinator: run)
        let claimed = try #require(try store.claim(run: run, excluding: [], worker: inProcess, lease: 600))
        // A second coordinator is refused with a named error
        #expect {
            _ = try other.lockCoordinator(run: run, holder: "second")
        } throws: { error in
            guard case .coordinatorBusy(let busy, _) = error as? RunStoreError else { return false }
            return busy == run
        }
        // When the first ends, the next takes over at once and the first's claim is free again
        lock.release()
        let next = try other.lockCoordinator(run: run, holder: "second")
        defer { next.release() }
        let worker = try other.registerWorker(host: "b", processID: 2, coordinator: run)
        #expect(try other.claim(run: run, excluding: [], worker: worker, lease: 60)?.index == claimed.index)
        #expect(throws: RunStoreError.unknownRun(42)) { _ = try other.lockCoordinator(run: 42, holder: "x") }
    }
}
