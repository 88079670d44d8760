import Arithmetic
import BenchmarkFunctions
import Evolution
import Foundation
import Objectives
import Reporting
import RunLoop
import RunStore
import TestSupport
import Testing
import Workbench

@Suite(.serialized) struct ReportAndReadingTests {
    func smallRun(delay: Double? = nil, budget: Int = 600) throws -> (RunStore, Int64, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID()).sqlite").path
        let store = try SQLiteRunStore(path: path)
        let experiment = try Experiment.benchmark(
            name: "report", function: .ellipsoid, dimension: 5, strategy: "cma-es", sigma: 1, mean: 1, lower: -3,
            upper: 3,
            seed: 3, maxEvaluations: budget, target: nil, evaluationDelay: delay)
        return (store, try ExperimentRunner.create(experiment, in: store), path)
    }

    /// A plot whose values span the doubles (or a failed run's sentinel values) renders instead of trapping.
    @Test func plotsOfExtremeValuesRender() {
        for logY in [false, true] {
            var plot = SVGPlot(
                title: "extremes", xLabel: "x", yLabel: "y",
                series: [
                    .init(
                        name: "s", color: "#000",
                        points: [(0, 1), (1, .greatestFiniteMagnitude), (2, -.greatestFiniteMagnitude), (3, 1e-300)])
                ])
            plot.logY = logY
            #expect(plot.render().hasPrefix("<svg"))
        }
    }

    /// llama-perplexity's own log (llama.cpp commit 0c1e570, as the 16k agreement run printed it) gives the time
    /// between starting to evaluate and the final estimate; without timestamps, seconds per pass times windows.
    @Test func llamaPerplexityLogIsTimed() throws {
        let log = """
            0.00.725.595 I perplexity: tokenizing the input ..
            0.01.030.393 I perplexity: calculating perplexity over 1 chunks, n_ctx=16384, batch_size=2048, n_seq=1
            4.49.350.193 I perplexity: 288.32 seconds per pass - ETA 4.80 minutes
            [1]70.6030,
            4.50.542.021 I Final estimate: PPL = 70.6030 +/- 2.74096
            """
        let seconds = try #require(LlamaCppComparison.evaluationSeconds(log, windows: 1))
        #expect(abs(seconds - (4 * 60 + 50.542021 - 1.030393)) < 1e-9)
        let plain =
            "perplexity: calculating\nperplexity: 61.5 seconds per pass - ETA 5 minutes\nFinal estimate: PPL = 9"
        #expect(LlamaCppComparison.evaluationSeconds(plain, windows: 5) == 307.5)
    }

    @Test func replayReproducesEveryRecordedCandidate() throws {
        let (store, id, path) = try smallRun()
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try ExperimentRunner.run(id: id, in: store, objectives: .standard)
        let replays = try RunReplay.replay(run: id, generation: nil, in: store, objectives: .standard)
        #expect(replays.count >= 600)
        #expect(replays.filter { !$0.reproduces }.isEmpty)
    }

    /// `runs show` while a search is writing: a second, read-only connection reads committed generations.
    @Test func readingWhileARunWrites() throws {
        let (store, id, path) = try smallRun(delay: 0.001, budget: 400)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = Thread { _ = try? ExperimentRunner.run(id: id, in: store, objectives: .standard) }
        writer.start()
        let reader = try SQLiteRunStore(path: path, readOnly: true)
        var seen: [Int] = []
        for _ in 0..<20 {
            Thread.sleep(forTimeInterval: 0.03)
            seen.append(try reader.generations(run: id).count)
        }
        while writer.isExecuting { Thread.sleep(forTimeInterval: 0.01) }
        #expect(seen.contains { $0 > 0 })
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0 <= $1 })
    }
}
