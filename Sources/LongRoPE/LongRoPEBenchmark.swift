import Arithmetic
import Assets
import Evolution
import Foundation
import GGUF
import Logging
import Objectives
import Reporting
import RoPEScaling
import RunLoop
import RunStore
import Transformer

/// What one LongRoPE candidate costs inside the real run loop (ask, repair, table, forward pass, scoring,
/// metrics, database write, tell): evaluations per hour, and the seconds spent outside the forward pass and
/// scoring per evaluation (the library's overhead; the target is under 1 %).
public struct LongRoPEBenchmark: Sendable {
    public let targetLength: Int
    public let evaluations: Int
    /// Loading the model, tokenizing and hashing the data: once per run (and per resume).
    public let setupSeconds: Double
    public let secondsPerEvaluation: Double
    public let forwardSecondsPerEvaluation: Double

    public var evaluationsPerHour: Double { 3600 / secondsPerEvaluation }
    public var overheadSeconds: Double { secondsPerEvaluation - forwardSecondsPerEvaluation }
    public var overheadFraction: Double { overheadSeconds / secondsPerEvaluation }

    public static func measure(
        targetLength: Int, evaluations: Int, logger: Logger,
        progress: (_ done: Double, _ of: Int) -> Void = { _, _ in }
    ) throws -> LongRoPEBenchmark {
        var settings = LongRoPESettings(targetLength: targetLength, space: .critical)
        settings.documents = 1
        settings.mscale = "search"
        let experiment = Experiment(
            name: "bench-longrope", objective: "longrope", strategy: "cma-es", sigma: 0.15, seed: 1,
            maxEvaluations: evaluations, sections: ["longrope": try JSONValue(encoding: settings)])
        let method = LongRoPEMethod()
        try experiment.validate(path: "bench")
        try method.validate(experiment, path: "bench")

        let setupStart = Date()
        let search = try method.prepare(experiment, logger: logger)
        let setup = Date().timeIntervalSince(setupStart)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString).sqlite")
            .path
        defer {
            for suffix in ["", "-wal", "-shm", "-coordinators"] {
                try? FileManager.default.removeItem(atPath: path + suffix)
            }
        }
        let store = try SQLiteRunStore(path: path)
        let id = try ExperimentRunner.create(experiment, fingerprints: search.objective.fingerprints, in: store)
        let loopStart = Date()
        var done = 0
        let report = try ExperimentRunner.run(
            id: id, in: store, objectives: ObjectiveRegistry([method]), search: search,
            shouldStop: { done >= evaluations }
        ) { value, _ in
            done = Int(value.rounded(.down))
            progress(value, evaluations)
        }
        let loop = Date().timeIntervalSince(loopStart)
        let forward = try store.candidates(run: id).compactMap {
            try JSONDecoder().decode(Metrics.self, from: Data($0.metrics.utf8)).seconds
        }.reduce(0, +)
        let count = max(1, report.evaluated)
        return LongRoPEBenchmark(
            targetLength: targetLength, evaluations: report.evaluated, setupSeconds: setup,
            secondsPerEvaluation: loop / Double(count), forwardSecondsPerEvaluation: forward / Double(count))
    }

    public var dictionary: [String: Any] {
        [
            "target_length": targetLength, "evaluations": evaluations, "setup_seconds": setupSeconds,
            "seconds_per_evaluation": secondsPerEvaluation, "evaluations_per_hour": evaluationsPerHour,
            "forward_seconds_per_evaluation": forwardSecondsPerEvaluation,
            "overhead_seconds_per_evaluation": overheadSeconds, "overhead_fraction": overheadFraction,
        ]
    }

    public var summary: String {
        String(
            format: """
                target %d: %.1f evaluations/hour (%.1f s each, over %d); forward pass and scoring %.2f s, \
                outside them %.3f s per evaluation = %.3f%%; setup (model, tokens, fingerprints) %.1f s once per run
                """, targetLength, evaluationsPerHour, secondsPerEvaluation, evaluations, forwardSecondsPerEvaluation,
            overheadSeconds, overheadFraction * 100, setupSeconds)
    }
}
