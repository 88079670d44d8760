import Foundation
import RunStore
import Testing
import Workbench

@Suite(.serialized) struct ReportAndReadingTests {
    func smallRun(delay: Double? = nil, budget: Int = 600) throws -> (RunStore, Int64, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID()).sqlite").path
        let store = try RunStore(path: path)
        let experiment = Experiment(
            name: "report", objective: .ellipsoid, dimension: 5, strategy: "cma-es", sigma: 1, mean: 1, lower: -3,
            upper: 3,
            seed: 3, maxEvaluations: budget, target: nil, evaluationDelay: delay)
        return (store, try ExperimentRunner.create(experiment, in: store), path)
    }

    @Test func reportIsSelfContainedWithItsPlots() throws {
        let (store, id, path) = try smallRun()
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try ExperimentRunner.run(id: id, in: store)
        let html = try RunReport.html(run: id, in: store)
        #expect(html.components(separatedBy: "<svg").count - 1 == 4)  // fitness, sigma, time, parameters
        #expect(html.contains("<polygon"))  // the best-to-worst band
        #expect(html.contains("<polyline"))
        // Nothing fetched: no scripts, no external sources (the SVG namespace URI is a name, not a fetch).
        #expect(!html.contains("<script"))
        #expect(!html.contains("src=") && !html.contains("href=") && !html.contains("url("))
    }

    @Test func replayReproducesEveryRecordedCandidate() throws {
        let (store, id, path) = try smallRun()
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try ExperimentRunner.run(id: id, in: store)
        let replays = try RunReplay.replay(run: id, generation: nil, in: store)
        #expect(replays.count >= 600)
        #expect(replays.filter { !$0.reproduces }.isEmpty)
    }

    /// `runs show` while a search is writing: a second, read-only connection reads committed generations.
    @Test func readingWhileARunWrites() throws {
        let (store, id, path) = try smallRun(delay: 0.001, budget: 400)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = Thread { _ = try? ExperimentRunner.run(id: id, in: store) }
        writer.start()
        let reader = try RunStore(path: path, readOnly: true)
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
