import Foundation
import RunLoop
import RunStore

/// Evaluations per second of one run against the number of worker processes: a benchmark objective that sleeps
/// per evaluation stands in for a perplexity evaluation, the coordinator only coordinates (`--no-evaluate`), and
/// `launchWorker` starts one `ctxevo worker` process on the run. Measures what the queue, the leases and the
/// generation barrier cost beside the evaluations themselves.
public enum WorkerScaling {
    public struct Row: Sendable {
        public let workers: Int
        public let evaluations: Int
        public let seconds: Double
        public var perSecond: Double { Double(evaluations) / seconds }

        public var dictionary: [String: Any] {
            ["workers": workers, "evaluations": evaluations, "seconds": seconds, "evaluations_per_second": perSecond]
        }
    }

    /// One measurement: a new run of `generations` generations of `population` candidates, each sleeping `delay`
    /// seconds, evaluated by `workers` processes.
    public static func measure(
        store: RunStore, workers: Int, population: Int, generations: Int, delay: Double,
        launchWorker: (_ run: Int64) throws -> Process
    ) throws -> Row {
        var experiment = try Experiment.benchmark(
            name: "worker-scaling-\(workers)", function: .sphere, dimension: 8, strategy: "cma-es", sigma: 0.5,
            mean: 1, lower: -3, upper: 3, seed: 11, maxEvaluations: population * generations, target: nil,
            evaluationDelay: delay)
        experiment.populationSize = population
        let id = try ExperimentRunner.create(experiment, in: store)
        let processes = try (0..<workers).map { _ in try launchWorker(id) }
        defer {
            for process in processes where process.isRunning { process.terminate() }
        }
        // The workers start (process, connection, registration) before the clock does.
        Thread.sleep(forTimeInterval: 1.5)
        let start = Date()
        let report = try ExperimentRunner.run(
            id: id, in: store, objectives: ObjectiveRegistry([BenchmarkMethod()]),
            work: WorkSettings(evaluate: false, pollInterval: 0.01))
        let seconds = Date().timeIntervalSince(start)
        for process in processes { process.waitUntilExit() }
        guard case .finished = report.outcome else {
            throw RunStoreError.database(store.location, "the scaling run \(id) did not finish")
        }
        return Row(workers: workers, evaluations: try store.candidates(run: id).count, seconds: seconds)
    }
}
