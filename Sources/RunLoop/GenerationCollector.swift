import Evolution
import Foundation
import Objectives
import RunStore

/// The coordinator's side of the work queue for one run: puts asked candidates in the queue, evaluates them too
/// when this process evaluates, waits for the workers' results, and returns the fitness of every asked candidate
/// (nil when `shouldStop` asked to stop between two evaluations). Candidates already recorded, by this process
/// earlier or by any worker, are reused, never evaluated again.
struct GenerationCollector {
    let store: RunStore
    let run: Int64
    let objective: any Objective
    let fidelity: FidelitySchedule?
    let work: WorkSettings
    let evaluator: LeaseKeeper?
    let lock: CoordinatorLock

    /// What one call did, added to the runner's report.
    struct Counts {
        var evaluated = 0
        var reused = 0
    }

    /// `asked`: candidate index -> genome (index -1 is the distribution's mean). `counted`: the evaluations of
    /// earlier generations, for `progress`.
    func collect(
        generation: Int, asked: [Int: [Double]], counted: Int, budget: Int?, counts: inout Counts,
        shouldStop: () -> Bool, progress: (_ evaluations: Double, _ budget: Int?) -> Void
    ) throws -> [Int: Double]? {
        // A generation that crosses the budget is completed (the strategies stop between generations): the bar's
        // total grows to its end instead of standing at 100 % while it runs.
        let budget = budget.map { max($0, counted + asked.keys.filter { $0 >= 0 }.count) }
        var fitness = try recorded(generation: generation, asked: asked)
        counts.reused += fitness.count
        let missing = asked.keys.filter { fitness[$0] == nil }.sorted()
        if !missing.isEmpty {
            try store.enqueue(
                try missing.map {
                    PendingCandidate(
                        runID: run, generation: generation, index: $0,
                        parameters: try ExperimentRunner.encodeParameters(asked[$0]!))
                })
        }
        var nextLockCheck = Date()
        while fitness.count < asked.count {
            if shouldStop() { return nil }
            let done = Double(counted + fitness.count)
            if let evaluator,
                let claimed = try store.claim(run: run, excluding: [], worker: evaluator.worker, lease: work.lease)
            {
                guard claimed.generation == generation, let x = asked[claimed.index] else {
                    throw RunError.badStoredState(
                        run: run,
                        "the work queue holds candidate \(claimed.index) of generation \(claimed.generation) "
                            + "during generation \(generation)")
                }
                let result: CandidateRecord
                do {
                    result = try ExperimentRunner.evaluate(
                        x, claimed, objective: objective, fidelity: fidelity, worker: evaluator.worker
                    ) { fraction in progress(done + fraction, budget) }
                } catch {
                    try? store.fail(claimed, worker: evaluator.worker, reason: "\(error)")
                    throw error
                }
                if try store.complete(result, worker: evaluator.worker) {
                    fitness[claimed.index] = result.fitness ?? .nan
                    counts.evaluated += 1
                }
            } else {
                fitness = try recorded(generation: generation, asked: asked)
                if fitness.count < asked.count {
                    if let failed = try store.pending(run: run, generation: generation).first(where: {
                        $0.state == .failed
                    }) {
                        throw RunError.evaluationFailed(
                            run: run, generation: generation, candidate: failed.index,
                            reason: failed.error ?? "no reason recorded")
                    }
                    // Waiting on workers: make sure this process still holds the run.
                    if Date() >= nextLockCheck {
                        try lock.check()
                        nextLockCheck = Date().addingTimeInterval(1)
                    }
                    Thread.sleep(forTimeInterval: work.pollInterval)
                }
            }
            progress(Double(counted + fitness.count), budget)
        }
        try lock.check()
        return fitness
    }

    /// The fitness of the asked candidates of `generation` already recorded, by index. A recorded candidate must be
    /// the one asked: the strategy's state is deterministic, so a difference means the database was edited.
    func recorded(generation: Int, asked: [Int: [Double]]) throws -> [Int: Double] {
        var fitness: [Int: Double] = [:]
        for done in try store.candidates(run: run, generation: generation) {
            guard let x = asked[done.index] else { continue }
            guard try ExperimentRunner.decodeParameters(done.parameters, run: run) == x else {
                throw RunError.badStoredState(
                    run: run,
                    "candidate \(done.index) of generation \(generation) was recorded with other parameters than "
                        + "the optimiser asks")
            }
            fitness[done.index] = done.fitness ?? .nan
        }
        return fitness
    }
}
