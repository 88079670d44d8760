import Assets
import Dashboard
import Foundation
import Logging
import RunLoop
import RunStore
import TestSupport
import Testing
import Workbench

/// The dashboard in a real browser (Debian's chromium, headless, over the DevTools protocol): a run in progress
/// is watched, a new generation appears without a reload, the charts render, and a hostile run name stays text.
@Suite(.serialized) struct DashboardBrowserTests {
    let logger = Logger(label: "test")

    /// The dashboard over the SQLite database at `path`, read-only, with `charts` as its charts library: its port,
    /// and the task serving it (cancel it when done).
    func serve(_ path: String, charts: Data) async throws -> (Int, Task<Void, Error>) {
        let server = DashboardServer(
            data: DashboardData(
                store: try SQLiteRunStore(path: path, readOnly: true), objectives: .standard, logger: logger),
            access: try DashboardAccess(host: "127.0.0.1", environment: [:]), port: 0, charts: charts,
            pollInterval: .milliseconds(200))
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let serving = Task { try await server.run { continuation.yield($0) } }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            serving.cancel()
            throw CancellationError()
        }
        return (port, serving)
    }

    @Test func aNewGenerationAppearsWithoutAReload() async throws {
        let temporary = try TemporaryStore(.sqlite)
        defer { temporary.remove() }
        let store = try temporary.open()
        var e = Experiment(
            name: "<script>alert(1)</script>", objective: "rosenbrock", strategy: "cma-es", sigma: 0.5, seed: 4,
            maxEvaluations: 2000,
            sections: [
                "dimension": .integer(4), "mean": .number(0), "lower": .number(-2), "upper": .number(2),
                "evaluation_delay": .number(0.15),
            ])
        e.populationSize = 4
        let search = try ObjectiveRegistry.standard.prepare(e, logger: logger)
        let id = try ExperimentRunner.create(e, fingerprints: search.objective.fingerprints, in: store)
        // The run goes on in the background while the page is watched (each generation about 0.6 s), on a thread
        // of its own, until the test is done with it.
        let stop = Flag()
        let running = Task {
            try await offThePool {
                try ExperimentRunner.run(id: id, in: store, objectives: .standard, shouldStop: { stop.isSet })
            }
        }
        defer { stop.set() }
        let (port, serving) = try await serve(temporary.location, charts: try Assets().chartsLibrary(logger: logger))
        defer { serving.cancel() }

        try await offThePool {
            let browser = try HeadlessChromium()
            let tab = try browser.open("about:blank")
            try browser.navigate(
                "http://127.0.0.1:\(port)/runs/\(id)", session: tab,
                before: "window.alert = () => { document.documentElement.dataset.alerted = 'yes' };")
            try browser.wait(
                for: "document.body && document.body.dataset.chartsRendered === 'yes'", session: tab, timeout: 120)
            _ = try browser.evaluate("window.loadedOnce = 'yes'", session: tab)
            let first = try #require(
                try browser.evaluate("Number(document.body.dataset.generations)", session: tab) as? Int)
            try browser.wait(
                for: "Number(document.body.dataset.generations) > \(first) && window.loadedOnce === 'yes'",
                session: tab, timeout: 120)
            // The charts are Plotly's SVG (the parallel coordinates once on screen), and the candidate table has rows.
            #expect(
                try browser.evaluate("!!document.querySelector('#fitness-chart .main-svg')", session: tab) as? Bool
                    == true)
            _ = try browser.evaluate("document.getElementById('parcoords-chart').scrollIntoView()", session: tab)
            try browser.wait(for: "!!document.querySelector('#parcoords-chart .main-svg')", session: tab, timeout: 60)
            #expect(
                (try browser.evaluate("document.querySelectorAll('#candidates-table tbody tr').length", session: tab)
                    as? Int ?? 0) > 0)
            // The name is shown as text, and no script of it ran.
            #expect(
                (try browser.evaluate("document.querySelector('#run-title').textContent", session: tab) as? String ?? "")
                    .contains("<script>alert(1)</script>"))
            #expect(
                try browser.evaluate("document.documentElement.dataset.alerted || 'no'", session: tab) as? String
                    == "no")
            // The runs list.
            let list = try browser.open("http://127.0.0.1:\(port)/")
            try browser.wait(
                for: "document.querySelectorAll('#runs-table tbody tr').length === 1", session: list, timeout: 120)
            #expect(
                (try browser.evaluate("document.querySelector('#runs-table').textContent", session: list) as? String
                    ?? "")
                    .contains("<script>alert(1)</script>"))
        }
        stop.set()
        _ = try await running.value
    }

    /// The page asks for its data without waiting for the charts library, which loads beside it: with a library
    /// that fails as it runs, the header and the candidate table are drawn all the same, and each chart says why
    /// it is missing.
    @Test func theTableDrawsWithoutTheChartsLibrary() async throws {
        let temporary = try TemporaryStore(.sqlite)
        defer { temporary.remove() }
        let store = try temporary.open()
        var e = Experiment(
            name: "finished", objective: "rosenbrock", strategy: "cma-es", sigma: 0.5, seed: 4, maxEvaluations: 12,
            sections: ["dimension": .integer(3), "mean": .number(0), "lower": .number(-2), "upper": .number(2)])
        e.populationSize = 4
        let search = try ObjectiveRegistry.standard.prepare(e, logger: logger)
        let id = try ExperimentRunner.create(e, fingerprints: search.objective.fingerprints, in: store)
        _ = try ExperimentRunner.run(id: id, in: store, objectives: .standard)
        let broken = Data("throw new Error('a broken charts library');".utf8)
        let (port, serving) = try await serve(temporary.location, charts: broken)
        defer { serving.cancel() }

        try await offThePool {
            let browser = try HeadlessChromium()
            let tab = try browser.open("about:blank")
            try browser.navigate("http://127.0.0.1:\(port)/runs/\(id)", session: tab)
            try browser.wait(
                for: "document.querySelector('#fitness-chart')?.textContent === 'charts library not loaded'",
                session: tab, timeout: 60)
            #expect(
                (try browser.evaluate("document.querySelectorAll('#candidates-table tbody tr').length", session: tab)
                    as? Int ?? 0) >= 12)
            #expect(
                try browser.evaluate("document.querySelector('#run-title').textContent", session: tab) as? String
                    == "finished")
            #expect(
                try browser.evaluate("document.querySelector('#sigma-chart').textContent", session: tab) as? String
                    == "charts library not loaded")
        }
    }
}

/// A flag set once, read from any thread.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
